// MPI environment management.
#pragma once

#include "common.hpp"

namespace mpi4py {

// Initialize MPI at import as mpi4py.rc says, and arrange finalization at exit.
void initialize_from_rc(nb::module_& m);

}  // namespace mpi4py
