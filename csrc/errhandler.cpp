// Error handlers: predefined constants and Free.
#include "types.hpp"

namespace mpi4py {

void bind_errhandler(nb::module_& m, Classes& c) {
  auto& cls = c.errhandler;
  bind_handle_basics<Errhandler>(cls, MPI_ERRHANDLER_NULL);
  cls.def("Free", [](Errhandler& self) {
    if (self.predefined()) raise_mpi_error(MPI_ERR_ARG);
    check(MPI_Errhandler_free(&self.ob_mpi));
  });
  m.attr("ERRHANDLER_NULL") = wrap<Errhandler>(MPI_ERRHANDLER_NULL, kPredefined);
  m.attr("ERRORS_RETURN") = wrap<Errhandler>(MPI_ERRORS_RETURN, kPredefined);
  m.attr("ERRORS_ARE_FATAL") = wrap<Errhandler>(MPI_ERRORS_ARE_FATAL, kPredefined);
#ifdef MPI_ERRORS_ABORT
  m.attr("ERRORS_ABORT") = wrap<Errhandler>(MPI_ERRORS_ABORT, kPredefined);
#else
  m.attr("ERRORS_ABORT") = wrap<Errhandler>(MPI_ERRORS_ARE_FATAL, kPredefined);
#endif
}

}  // namespace mpi4py
