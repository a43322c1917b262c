// MPI.buffer: a bytes-like view of raw memory (MPI_Alloc_mem memory, window
// memory, another object's buffer) that exports the buffer protocol safely.
#pragma once

#include "types.hpp"

namespace mpi4py {

// A new MPI.buffer over `nbytes` bytes at `address`, keeping `owner` (may be
// an invalid handle) alive for as long as the buffer holds the memory. The
// caller guarantees the memory outlives `owner`.
nb::object buffer_from_address(void* address, Py_ssize_t nbytes, bool readonly,
                               nb::handle owner = nb::handle());

}  // namespace mpi4py
