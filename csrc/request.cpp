// Requests: Request, Prequest, Grequest, completion functions.
#include "types.hpp"

namespace mpi4py {

void bind_request(nb::module_& m, Classes& c) {
  (void)m;
  (void)c;
}

}  // namespace mpi4py
