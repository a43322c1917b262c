// One-sided communication windows (MPI.Win).
#include "types.hpp"

namespace mpi4py {

void bind_win(nb::module_& m, Classes& c) {
  (void)m;
  (void)c;
}

}  // namespace mpi4py
