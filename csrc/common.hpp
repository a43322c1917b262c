// Shared includes and the two mechanisms every binding uses: raising MPI errors
// as Python exceptions, and calling MPI without the GIL.
#pragma once

#include <mpi.h>
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <utility>

namespace nb = nanobind;

namespace mpi4py {

// Raise MPI.Exception(ierr). Needs the GIL.
[[noreturn]] void raise_mpi_error(int ierr);

// The one way an MPI return code becomes a Python exception.
inline void check(int ierr) {
  if (ierr != MPI_SUCCESS) [[unlikely]]
    raise_mpi_error(ierr);
}

// Run an MPI call with the GIL released; returns its error code so the caller
// checks it after the GIL is back: check(nogil([&] { return MPI_Recv(...); })).
template <class Call>
inline int nogil(Call&& call) {
  nb::gil_scoped_release release;
  return std::forward<Call>(call)();
}

// Raise the exception a user-defined reduction (MPI.Op.Create) raised during
// the last MPI call on this thread, if any (see op.cpp). Call it, with the GIL,
// after every MPI call that may apply a reduction, including request completion.
void raise_pending_op_error();

// Raise a Python exception of the given type with a message; never returns.
[[noreturn]] void raise(PyObject* type, const char* message);
[[noreturn]] inline void raise_type_error(const char* message) { raise(PyExc_TypeError, message); }
[[noreturn]] inline void raise_value_error(const char* message) {
  raise(PyExc_ValueError, message);
}

// True when MPI is initialized and not yet finalized, so handle destructors and
// late calls know whether they may still talk to MPI.
bool mpi_active();

}  // namespace mpi4py

namespace mpi4py {

// MPI-4 large-count queries, with an MPI-3 fallback where the library lacks them.
inline int get_count(const MPI_Status* status, MPI_Datatype type, MPI_Count* count) {
#if MPI_VERSION >= 4
  return MPI_Get_count_c(status, type, count);
#else
  int size = 0;
  int ierr = MPI_Type_size(type, &size);
  if (ierr != MPI_SUCCESS) return ierr;
  MPI_Count elements = 0;
  ierr = MPI_Get_elements_x(status, MPI_BYTE, &elements);
  if (ierr != MPI_SUCCESS) return ierr;
  if (size == 0) {
    *count = 0;
  } else if (elements % size != 0) {
    *count = MPI_UNDEFINED;
  } else {
    *count = elements / size;
  }
  return MPI_SUCCESS;
#endif
}

}  // namespace mpi4py
