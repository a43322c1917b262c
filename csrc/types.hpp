// The C++ side of every Python MPI class, and the registry of their bindings.
//
// Every MPI object kind lives in its own file (comm.cpp, group.cpp, ...); each
// file adds its methods to the classes created once here, so the inheritance
// tree (Comm -> Intracomm -> Topocomm -> Cartcomm, ...) is declared in one place.
#pragma once

#include "handle.hpp"

namespace mpi4py {

struct Comm : Handle<MPI_Comm> {};
struct Intracomm : Comm {};
struct Topocomm : Intracomm {};
struct Cartcomm : Topocomm {};
struct Graphcomm : Topocomm {};
struct Distgraphcomm : Topocomm {};
struct Intercomm : Comm {};
struct Group : Handle<MPI_Group> {};
struct Datatype : Handle<MPI_Datatype> {};
struct Op : Handle<MPI_Op> {};
struct Info : Handle<MPI_Info> {};
struct Errhandler : Handle<MPI_Errhandler> {};
// `keep` holds whatever a pending operation reads or writes (message specs,
// buffers, count/displacement arrays): set when the request is created,
// released once the request completes (its handle becomes MPI_REQUEST_NULL);
// a persistent request keeps it until Free.
struct Request : Handle<MPI_Request> {
  nb::object keep;
};
struct Prequest : Request {};
struct Grequest : Request {};
struct Message : Handle<MPI_Message> {
  nb::object keep;
};  // keep: mprobe's receive buffer
struct Win : Handle<MPI_Win> {};
struct File : Handle<MPI_File> {};
#if MPI_VERSION >= 4
struct Session : Handle<MPI_Session> {};
#endif

// MPI.Status is a value type, not a handle.
struct Status {
  MPI_Status ob_mpi;
  Status() {
    ob_mpi.MPI_SOURCE = MPI_ANY_SOURCE;
    ob_mpi.MPI_TAG = MPI_ANY_TAG;
    ob_mpi.MPI_ERROR = MPI_SUCCESS;
    MPI_Status_set_elements(&ob_mpi, MPI_BYTE, 0);
    MPI_Status_set_cancelled(&ob_mpi, 0);
  }
};

struct Classes {
  nb::class_<Comm> comm;
  nb::class_<Intracomm, Comm> intracomm;
  nb::class_<Topocomm, Intracomm> topocomm;
  nb::class_<Cartcomm, Topocomm> cartcomm;
  nb::class_<Graphcomm, Topocomm> graphcomm;
  nb::class_<Distgraphcomm, Topocomm> distgraphcomm;
  nb::class_<Intercomm, Comm> intercomm;
  nb::class_<Group> group;
  nb::class_<Datatype> datatype;
  nb::class_<Op> op;
  nb::class_<Info> info;
  nb::class_<Errhandler> errhandler;
  nb::class_<Request> request;
  nb::class_<Prequest, Request> prequest;
  nb::class_<Grequest, Request> grequest;
  nb::class_<Message> message;
  nb::class_<Status> status;
  nb::class_<Win> win;
  nb::class_<File> file;
#if MPI_VERSION >= 4
  nb::class_<Session> session;
#endif
  explicit Classes(nb::module_& m);
};

// One binder per room; each adds methods and constants to the classes above.
void bind_env(nb::module_& m);
void bind_datatype(nb::module_& m, Classes& c);
void bind_op(nb::module_& m, Classes& c);
void bind_info(nb::module_& m, Classes& c);
void bind_errhandler(nb::module_& m, Classes& c);
void bind_group(nb::module_& m, Classes& c);
void bind_status(nb::module_& m, Classes& c);
void bind_comm(nb::module_& m, Classes& c);
void bind_request(nb::module_& m, Classes& c);
void bind_message(nb::module_& m, Classes& c);
void bind_p2p(nb::module_& m, Classes& c);
void bind_coll(nb::module_& m, Classes& c);
void bind_topo(nb::module_& m, Classes& c);
void bind_win(nb::module_& m, Classes& c);
void bind_file(nb::module_& m, Classes& c);
void bind_session(nb::module_& m, Classes& c);
void bind_memory(nb::module_& m, Classes& c);
void bind_attr(nb::module_& m, Classes& c);
void bind_handles(nb::module_& m, Classes& c);  // last but one: fills what rooms left out
void bind_capi(nb::module_& m, Classes& c);     // last: exports every class

}  // namespace mpi4py
