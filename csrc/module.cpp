// Module init for mpi4py.MPI: creates the classes, binds each room in
// dependency order, then initializes MPI as mpi4py.rc says.
#include "buffer.hpp"
#include "env.hpp"
#include "errors.hpp"
#include "pickle.hpp"
#include "types.hpp"

namespace mpi4py {

Classes::Classes(nb::module_& m)
    : comm(m, "Comm", "Communication context."),
      intracomm(m, "Intracomm", "Intracommunicator."),
      topocomm(m, "Topocomm", "Topology intracommunicator."),
      cartcomm(m, "Cartcomm", "Cartesian topology intracommunicator."),
      graphcomm(m, "Graphcomm", "General graph topology intracommunicator."),
      distgraphcomm(m, "Distgraphcomm", "Distributed graph topology intracommunicator."),
      intercomm(m, "Intercomm", "Intercommunicator."),
      group(m, "Group", "Group of processes."),
      datatype(m, "Datatype", "Datatype object."),
      op(m, "Op", "Reduction operation."),
      info(m, "Info", "Info object."),
      errhandler(m, "Errhandler", "Error handler."),
      request(m, "Request", "Request handler."),
      prequest(m, "Prequest", "Persistent request handler."),
      grequest(m, "Grequest", "Generalized request handler."),
      message(m, "Message", "Matched message."),
      status(m, "Status", "Status object."),
      win(m, "Win", "Remote memory access context."),
      file(m, "File", "File I/O context.")
#if MPI_VERSION >= 4
      ,
      session(m, "Session", "Session context.")
#endif
{
}

}  // namespace mpi4py

NB_MODULE(MPI, m) {
  using namespace mpi4py;
  m.attr("__name__") = "mpi4py.MPI";
  bind_errors(m);
  // MPI.Exception is a Python class (it must derive from RuntimeError).
  nb::module_::import_("mpi4py._exception").attr("install")(m);
  set_exception_type(m.attr("Exception"));

  Classes c(m);
  bind_env(m);
  bind_buffer_constants(m);
  bind_pickle(m);
  bind_datatype(m, c);
  bind_op(m, c);
  bind_info(m, c);
  bind_errhandler(m, c);
  bind_group(m, c);
  bind_status(m, c);
  bind_comm(m, c);
  bind_request(m, c);
  bind_message(m, c);
  bind_p2p(m, c);
  bind_coll(m, c);
  bind_topo(m, c);
  bind_win(m, c);
  bind_file(m, c);
  bind_session(m, c);
  bind_memory(m, c);
  bind_attr(m, c);
  bind_handles(m, c);
  bind_capi(m, c);

  initialize_from_rc(m);
}
