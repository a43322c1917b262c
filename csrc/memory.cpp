// Memory: Alloc_mem, Free_mem, MPI.buffer, addresses.
#include "types.hpp"

namespace mpi4py {

void bind_memory(nb::module_& m, Classes& c) {
  (void)m;
  (void)c;
}

}  // namespace mpi4py
