// Parallel I/O (MPI.File).
#include "types.hpp"

namespace mpi4py {

void bind_file(nb::module_& m, Classes& c) {
  (void)m;
  (void)c;
}

}  // namespace mpi4py
