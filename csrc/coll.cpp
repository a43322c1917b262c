// Collective communication on Comm/Intracomm/Intercomm.
#include "types.hpp"

namespace mpi4py {

void bind_coll(nb::module_& m, Classes& c) {
  (void)m;
  c.comm.def(
      "Barrier",
      [](const Comm& self) { check(nogil([&] { return MPI_Barrier(self.ob_mpi); })); },
      "Barrier synchronization.");
}

}  // namespace mpi4py
