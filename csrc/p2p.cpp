// Point-to-point communication on Comm (buffer and pickle APIs).
#include "types.hpp"

namespace mpi4py {

void bind_p2p(nb::module_& m, Classes& c) {
  (void)m;
  (void)c;
}

}  // namespace mpi4py
