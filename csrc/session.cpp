// MPI-4 sessions (MPI.Session).
#include "types.hpp"

namespace mpi4py {

void bind_session(nb::module_& m, Classes& c) {
  (void)m;
  (void)c;
}

}  // namespace mpi4py
