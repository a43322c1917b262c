// Info objects: predefined constants (the mapping interface comes with its issue).
#include "types.hpp"

namespace mpi4py {

void bind_info(nb::module_& m, Classes& c) {
  auto& cls = c.info;
  bind_handle_basics<Info>(cls, MPI_INFO_NULL);
  m.attr("INFO_NULL") = wrap<Info>(MPI_INFO_NULL, kPredefined);
  m.attr("INFO_ENV") = wrap<Info>(MPI_INFO_ENV, kPredefined);
}

}  // namespace mpi4py
