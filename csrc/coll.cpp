// Collective communication: the shared machinery of coll.hpp and Barrier.
// The collectives themselves live in coll_rooted.cpp (data movement),
// coll_reduce.cpp (reductions), coll_neighbor.cpp (neighbourhood collectives)
// and coll_obj.cpp (the object API).
#include "coll.hpp"

#include "p2p.hpp"

namespace mpi4py {

CommShape comm_shape(MPI_Comm comm) {
  CommShape shape;
  int flag = 0;
  check(MPI_Comm_test_inter(comm, &flag));
  shape.inter = flag != 0;
  check(MPI_Comm_size(comm, &shape.size));
  check(MPI_Comm_rank(comm, &shape.rank));
  if (shape.inter) check(MPI_Comm_remote_size(comm, &shape.remote_size));
  return shape;
}

Role root_role(const CommShape& shape, int root) {
  if (shape.inter) {
    if (root == MPI_ROOT) return Role::kRoot;
    if (root == MPI_PROC_NULL) return Role::kIdle;
    if (root >= 0 && root < shape.remote_size) return Role::kLeaf;
  } else if (root >= 0 && root < shape.size) {
    return root == shape.rank ? Role::kRoot : Role::kLeaf;
  }
  raise_mpi_error(MPI_ERR_ROOT);
}

void check_in_place_allowed(const CommShape& shape, bool in_place, bool allowed_here) {
  if (!in_place || allowed_here) return;
  raise_value_error(shape.inter ? "IN_PLACE is not valid on an intercommunicator"
                                : "IN_PLACE is only valid at the root of this collective");
}

MPI_Info info_arg(nb::handle info) {
  if (info.is_none()) return MPI_INFO_NULL;
  Info* value = nullptr;
  if (!nb::try_cast<Info*>(info, value) || value == nullptr)
    raise_type_error("info must be an Info");
  return value->ob_mpi;
}

MPI_Info persistent_info(Mode mode, nb::handle info) {
  return mode == Mode::kPersistent ? info_arg(info) : MPI_INFO_NULL;
}

nb::object make_request(MPI_Request request, std::unique_ptr<CollArgs> args, bool persistent) {
  // The request module's owner (RequestKeep) holds the arguments: released on
  // completion, parked with the pending operation if the request is dropped
  // early, kept across completions of a persistent request until Free.
  nb::object holder;
  RequestKeep& keep = make_keep(holder);
  CollArgs* raw = args.release();
  keep.obj = nb::capsule(raw, [](void* p) noexcept { delete static_cast<CollArgs*>(p); });
  keep.persistent = persistent;
  nb::handle type = persistent ? nb::type<Prequest>() : nb::type<Request>();
  return new_request(type, request, std::move(holder));
}

void require_persistent(const char* name) {
#if MPI_VERSION < 4
  raise_not_implemented(name);
#else
  (void)name;
#endif
}

void bind_coll(nb::module_& m, Classes& c) {
  c.comm.def(
      "Barrier",
      [](nb::handle self) {
        MPI_Comm comm = unwrap<Comm>(self).ob_mpi;
        check(nogil([&] { return MPI_Barrier(comm); }));
      },
      "Barrier synchronization.");
  c.comm.def(
      "Ibarrier",
      [](nb::handle self) {
        MPI_Comm comm = unwrap<Comm>(self).ob_mpi;
        MPI_Request request = MPI_REQUEST_NULL;
        check(nogil([&] { return MPI_Ibarrier(comm, &request); }));
        return wrap<Request>(request);
      },
      "Nonblocking barrier synchronization.");
  c.comm.def(
      "Barrier_init",
      [](nb::handle self, nb::handle info) {
        require_persistent("MPI_Barrier_init");
#if MPI_VERSION >= 4
        MPI_Info minfo = info_arg(info);
        MPI_Request request = MPI_REQUEST_NULL;
        MPI_Comm comm = unwrap<Comm>(self).ob_mpi;
        check(nogil([&] { return MPI_Barrier_init(comm, minfo, &request); }));
        return wrap<Prequest>(request);
#else
        (void)self;
        (void)info;
        return nb::none();
#endif
      },
      nb::arg("info") = nb::none(), "Persistent barrier.");

  bind_coll_rooted(m, c);
  bind_coll_reduce(m, c);
  bind_coll_neighbor(m, c);
  bind_coll_obj(m, c);
}

}  // namespace mpi4py
