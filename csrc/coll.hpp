// Shared machinery of the collective rooms (coll*.cpp, topo.cpp, intercomm.cpp):
// the arguments a collective call owns, how one call runs blocking,
// nonblocking or persistent, roots, and communicator shapes.
#pragma once

#include <memory>
#include <vector>

#include "buffer_coll.hpp"

namespace mpi4py {

enum class Mode { kBlocking, kNonblocking, kPersistent };

// Everything MPI reads or writes during one collective call. Blocking calls
// keep it on the stack; nonblocking and persistent ones move it into the
// request (Request::keepalive), so buffers and arrays outlive the operation.
struct CollArgs {
  MessageSpec s, r;               // plain send/receive specs
  VectorSpec sv, rv;              // block, vector and W specs
  std::vector<CollCount> counts;  // Reduce_scatter's recvcounts
  CollCount scount = 0, rcount = 0;
  MPI_Datatype stype = MPI_BYTE, rtype = MPI_BYTE;
  void* saddr = nullptr;
  void* raddr = nullptr;
};

// Parse a plain spec into the send (or receive) side of `a`.
inline void take_send(CollArgs* a, nb::handle spec) {
  parse_message(spec, Access::kRead, a->s);
  a->saddr = a->s.addr;
  a->scount = coll_count(a->s.count);
  a->stype = a->s.type;
}
inline void take_recv(CollArgs* a, nb::handle spec) {
  parse_message(spec, Access::kWrite, a->r);
  a->raddr = a->r.addr;
  a->rcount = coll_count(a->r.count);
  a->rtype = a->r.type;
}

// The info argument of a persistent call (MPI_INFO_NULL for the other modes).
MPI_Info persistent_info(Mode mode, nb::handle info);

// Size, rank and kind of a communicator; peers() is the group a process
// exchanges data with (the remote group of an intercommunicator).
struct CommShape {
  bool inter = false;
  int size = 0;
  int rank = 0;
  int remote_size = 0;
  int peers() const { return inter ? remote_size : size; }
};
CommShape comm_shape(MPI_Comm comm);

// A process's part in a rooted collective.
enum class Role {
  kRoot,  // the root (intra), or MPI.ROOT in the root group (inter)
  kLeaf,  // every other process of an intracommunicator, or the non-root group
  kIdle,  // MPI.PROC_NULL: the other processes of the root group (inter)
};
// Validate `root` (MPI.Exception(ERR_ROOT) on every rank alike) and give the role.
Role root_role(const CommShape& shape, int root);

// Raised on every rank alike: IN_PLACE where this communicator cannot take it.
void check_in_place_allowed(const CommShape& shape, bool in_place, bool allowed_here);

// Info argument of the *_init methods: an Info or None.
MPI_Info info_arg(nb::handle info);

// A Request (or Prequest when persistent) owning `args` until it completes.
nb::object make_request(MPI_Request request, std::unique_ptr<CollArgs> args, bool persistent);

// NotImplementedError for an MPI-4 feature the library lacks (request.cpp).
[[noreturn]] void raise_not_implemented(const char* name);
void require_persistent(const char* name);

// Apply a reduction to two Python objects: `op` is an Op (predefined ops act on
// objects, user-defined ones call their function) or any callable op(x, y).
// TypeError if it is neither.
nb::object apply_op(nb::handle op, nb::handle x, nb::handle y);
// Raise TypeError unless `op` is an Op or a callable.
void check_op_arg(nb::handle op);

// The large-count (_c) entry points where the library has them.
#if MPI_VERSION >= 4
#define MPI4PY_LC(fn) fn##_c
#define MPI4PY_PERSISTENT(fn, ...) MPI4PY_LC(fn##_init)(__VA_ARGS__, info, &req_)
#else
#define MPI4PY_LC(fn) fn
#define MPI4PY_PERSISTENT(fn, ...) ((void)info, MPI_ERR_OTHER)
#endif

// Run one collective in `mode` and return None, a Request or a Prequest.
// `a` is the CollArgs* the argument list reads; for nonblocking and persistent
// modes the arguments move to the heap first and `a` points there, so MPI sees
// memory that lives as long as the request. `info` must be in scope.
#define MPI4PY_COLL_RUN(mode, a, BLOCKING, NONBLOCKING, ...)                            \
  do {                                                                                  \
    if ((mode) == Mode::kBlocking) {                                                    \
      int ierr_ = nogil([&] { return MPI4PY_LC(BLOCKING)(__VA_ARGS__); });              \
      raise_pending_op_error();                                                         \
      check(ierr_);                                                                     \
      return nb::none();                                                                \
    }                                                                                   \
    std::unique_ptr<CollArgs> heap_(new CollArgs(std::move(*(a))));                     \
    (a) = heap_.get();                                                                  \
    MPI_Request req_ = MPI_REQUEST_NULL;                                                \
    int ierr_ = (mode) == Mode::kNonblocking                                            \
                    ? nogil([&] { return MPI4PY_LC(NONBLOCKING)(__VA_ARGS__, &req_); }) \
                    : nogil([&] { return MPI4PY_PERSISTENT(BLOCKING, __VA_ARGS__); });  \
    check(ierr_);                                                                       \
    return make_request(req_, std::move(heap_), (mode) == Mode::kPersistent);           \
  } while (0)

// In- and out-degree of a process in a topology communicator (Cartesian,
// graph or distributed graph); MPI.Exception(ERR_TOPOLOGY) for other kinds.
void topo_degrees(MPI_Comm comm, int& indegree, int& outdegree);

// Binders of the rooms sharing this header (called from bind_coll / bind_topo).
void bind_coll_rooted(nb::module_& m, Classes& c);
void bind_coll_reduce(nb::module_& m, Classes& c);
void bind_coll_neighbor(nb::module_& m, Classes& c);
void bind_coll_obj(nb::module_& m, Classes& c);
void bind_intercomm(nb::module_& m, Classes& c);

}  // namespace mpi4py
