// Matched-probe messages (MPI.Message).
#include "types.hpp"

namespace mpi4py {

void bind_message(nb::module_& m, Classes& c) {
  (void)m;
  (void)c;
}

}  // namespace mpi4py
