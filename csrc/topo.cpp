// Topologies: Cartcomm, Graphcomm, Distgraphcomm, Intercomm basics.
#include "types.hpp"

namespace mpi4py {

void bind_topo(nb::module_& m, Classes& c) {
  (void)m;
  (void)c;
}

}  // namespace mpi4py
