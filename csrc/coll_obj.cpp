// Object (lowercase) collectives: barrier, bcast, gather, scatter, allgather,
// alltoall, reduce, allreduce (Comm), scan, exscan (Intracomm),
// neighbor_allgather, neighbor_alltoall (Topocomm).
//
// Objects travel as pickles (pickle_dumps/pickle_loads, the active MPI.pickle):
// first the sizes, then the bytes, each with one MPI collective. Every process
// takes part in every step even when serializing its object failed (it sends
// the size -1 and no bytes), so a bad object never leaves the others hanging:
// the failing process raises its own error, the processes that needed its data
// raise RuntimeError naming it. Results are always fresh objects.
//
// Reductions apply an Op (predefined ones act on Python objects) or any
// callable op(x, y) in rank order. With mpi4py.rc.fast_reduce (read at each
// call) intracommunicators reduce along a binomial tree and scan by recursive
// doubling, with point-to-point messages on a private duplicate of the
// communicator; otherwise the root gathers everything and reduces alone.
#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "coll.hpp"
#include "pickle.hpp"

namespace mpi4py {

namespace {

using nb::arg;
using Error = std::optional<nb::python_error>;

constexpr CollCount kFailed = -1;  // a contribution that could not be serialized
constexpr CollCount kAbsent = -2;  // nothing arrived (a PROC_NULL neighbour)
constexpr int kTagData = 1;        // private-communicator tags of the tree algorithms
constexpr int kTagFailed = 2;

PyObject* rc_object = nullptr;  // mpi4py.rc, borrowed from the package for good

MPI_Datatype count_type() { return sizeof(CollCount) == sizeof(int) ? MPI_INT : MPI_COUNT; }

bool fast_reduce() {
  PyObject* value = PyObject_GetAttrString(rc_object, "fast_reduce");
  if (!value) throw nb::python_error();
  int flag = PyObject_IsTrue(value);
  Py_DECREF(value);
  if (flag < 0) throw nb::python_error();
  return flag != 0;
}

void keep(Error& err, nb::python_error& error) {
  if (!err) err.emplace(std::move(error));
}

// Raise this process's own error, if it had one.
void finish(Error& err) {
  if (!err) return;
  nb::python_error error = std::move(*err);
  err.reset();
  throw error;
}

[[noreturn]] void raise_peer_failure(const char* what, int rank) {
  std::string message = std::string(what) + ": the object of ";
  message += rank >= 0 ? "rank " + std::to_string(rank) : std::string("another process");
  message += " could not be serialized or reduced (the error was raised there)";
  raise(PyExc_RuntimeError, message.c_str());
}

// A serialized object, held through the buffer protocol.
struct Pickled {
  nb::object data;
  PyBuffer buffer;
  CollCount size = 0;
  char* ptr() const { return size > 0 ? static_cast<char*>(buffer.data()) : nullptr; }
  CollCount count() const { return size > 0 ? size : 0; }
};

void dump(nb::handle obj, Pickled& out, Error& err) {
  try {
    out.data = pickle_dumps(obj);
    out.buffer.acquire(out.data, false);
    out.size = coll_count(out.buffer.nbytes());
  } catch (nb::python_error& error) {
    keep(err, error);
    out.size = kFailed;
  }
}

// A fresh bytes object to receive into (nobody else sees it before it is filled).
nb::object new_bytes(MPI_Count size) {
  PyObject* bytes = PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(size));
  if (!bytes) throw nb::python_error();
  return nb::steal(bytes);
}
char* bytes_ptr(nb::handle bytes) { return PyBytes_AS_STRING(bytes.ptr()); }

nb::object load_slice(nb::handle bytes, MPI_Count offset, MPI_Count size) {
  PyObject* piece = PyBytes_FromStringAndSize(bytes_ptr(bytes) + offset, size);
  if (!piece) throw nb::python_error();
  return pickle_loads(nb::steal(piece));
}

nb::object copy_obj(nb::handle obj) { return pickle_loads(pickle_dumps(obj)); }

// Counts and displacements of concatenated pickles; failed/absent ones are empty.
struct Layout {
  std::vector<CollCount> counts;
  std::vector<CollDispl> displs;
  MPI_Count total = 0;
  int failed = -1;  // first failed contribution
};

Layout layout(const std::vector<CollCount>& sizes) {
  Layout out;
  out.counts.resize(sizes.size());
  out.displs.resize(sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) {
    out.counts[i] = sizes[i] > 0 ? sizes[i] : 0;
    out.displs[i] = coll_displ(out.total);
    out.total += out.counts[i];
    if (sizes[i] == kFailed && out.failed < 0) out.failed = static_cast<int>(i);
  }
  coll_count(out.total);
  return out;
}

nb::list load_all(nb::handle bytes, const std::vector<CollCount>& sizes, const Layout& lay) {
  nb::list result;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == kAbsent)
      result.append(nb::none());
    else
      result.append(load_slice(bytes, lay.displs[i], lay.counts[i]));
  }
  return result;
}

// Serialize every item of a sequence of `expected` objects into one buffer;
// sizes are all kFailed if anything went wrong.
nb::object dump_all(nb::handle seq, int expected, const char* what, std::vector<CollCount>& sizes,
                    Layout& lay, Error& err) {
  sizes.assign(static_cast<size_t>(expected), kFailed);
  std::vector<Pickled> items(static_cast<size_t>(expected));
  try {
    PyObject* fast = PySequence_Fast(seq.ptr(), "expected a sequence of objects");
    if (!fast) throw nb::python_error();
    nb::object list = nb::steal(fast);
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    if (n != expected) {
      std::string message = std::string(what) + ": expecting " + std::to_string(expected) +
                            " items, got " + std::to_string(n);
      raise_value_error(message.c_str());
    }
    for (int i = 0; i < expected; ++i) {
      dump(PySequence_Fast_GET_ITEM(fast, i), items[i], err);
      if (err) break;
    }
  } catch (nb::python_error& error) {
    keep(err, error);
  }
  if (!err)
    for (int i = 0; i < expected; ++i) sizes[i] = items[i].size;
  lay = layout(sizes);
  nb::object buffer = new_bytes(lay.total);
  if (!err)
    for (int i = 0; i < expected; ++i)
      if (lay.counts[i] > 0)
        std::memcpy(bytes_ptr(buffer) + lay.displs[i], items[i].ptr(), lay.counts[i]);
  return buffer;
}

// ---- bcast, gather, scatter, allgather, alltoall ----------------------------

// Broadcast `value` from the root; `failed` at the root sends the failure.
// The size travels with the first bytes in one fixed-size message, so small
// objects take a single MPI_Bcast; larger ones send the rest in a second.
constexpr size_t kBcastHeader = 512;

nb::object bcast_value(MPI_Comm comm, int root, Role role, bool inter, nb::handle value,
                       bool failed, Error& err) {
  if (role == Role::kIdle) return nb::none();
  struct Header {
    CollCount size;
    char data[kBcastHeader - sizeof(CollCount)];
  } header;
  constexpr MPI_Count inline_bytes = sizeof(header.data);
  Pickled p;
  if (role == Role::kRoot) {
    if (failed)
      p.size = kFailed;
    else
      dump(value, p, err);
    header.size = p.size;
    if (p.size > 0) std::memcpy(header.data, p.ptr(), std::min<MPI_Count>(p.size, inline_bytes));
  }
  check(nogil([&] { return MPI_Bcast(&header, sizeof(header), MPI_BYTE, root, comm); }));
  CollCount size = header.size;
  if (size == kFailed) {
    finish(err);
    raise_peer_failure("bcast", inter ? -1 : root);
  }
  CollCount rest = size > inline_bytes ? static_cast<CollCount>(size - inline_bytes) : 0;
  if (role == Role::kRoot) {
    char* ptr = p.ptr() + inline_bytes;
    if (rest > 0)
      check(nogil([&] { return MPI4PY_LC(MPI_Bcast)(ptr, rest, MPI_BYTE, root, comm); }));
    return inter ? nb::none() : pickle_loads(p.data);
  }
  nb::object data = new_bytes(size);
  char* ptr = bytes_ptr(data);
  std::memcpy(ptr, header.data, std::min<MPI_Count>(size, inline_bytes));
  if (rest > 0) {
    check(nogil(
        [&] { return MPI4PY_LC(MPI_Bcast)(ptr + inline_bytes, rest, MPI_BYTE, root, comm); }));
  }
  return pickle_loads(data);
}

// Gather the pickles at the root: `bytes` and `sizes` there, with their layout.
struct Gathered {
  nb::object bytes;
  std::vector<CollCount> sizes;
  Layout lay;
};

void gather_raw(MPI_Comm comm, const CommShape& shape, Role role, nb::handle obj, int root,
                Error& err, Gathered& out) {
  bool sends = role == Role::kLeaf || (role == Role::kRoot && !shape.inter);
  bool receives = role == Role::kRoot;
  Pickled p;
  if (sends) dump(obj, p, err);
  CollCount mine = p.size;
  if (receives) out.sizes.assign(static_cast<size_t>(shape.peers()), 0);
  CollCount* sizes = receives ? out.sizes.data() : nullptr;
  check(nogil(
      [&] { return MPI_Gather(&mine, 1, count_type(), sizes, 1, count_type(), root, comm); }));
  if (receives) out.lay = layout(out.sizes);
  out.bytes = new_bytes(receives ? out.lay.total : 0);
  char* rptr = bytes_ptr(out.bytes);
  char* sptr = p.ptr();
  CollCount scount = p.count();
  const CollCount* rcounts = receives ? out.lay.counts.data() : nullptr;
  const CollDispl* rdispls = receives ? out.lay.displs.data() : nullptr;
  check(nogil([&] {
    return MPI4PY_LC(MPI_Gatherv)(sptr, scount, MPI_BYTE, rptr, rcounts, rdispls, MPI_BYTE, root,
                                  comm);
  }));
}

nb::object obj_gather(MPI_Comm comm, nb::handle obj, int root) {
  CommShape shape = comm_shape(comm);
  Role role = root_role(shape, root);
  if (role == Role::kIdle) return nb::none();
  Error err;
  Gathered g;
  gather_raw(comm, shape, role, obj, root, err, g);
  finish(err);
  if (role != Role::kRoot) return nb::none();
  if (g.lay.failed >= 0) raise_peer_failure("gather", g.lay.failed);
  return load_all(g.bytes, g.sizes, g.lay);
}

// Scatter the items of `seq` (at the root); `root_error` is a failure the root
// already had (the sequence is then not looked at).
nb::object scatter_items(MPI_Comm comm, const CommShape& shape, Role role, nb::handle seq, int root,
                         Error& err) {
  if (role == Role::kIdle) return nb::none();
  bool sends = role == Role::kRoot;
  bool receives = role == Role::kLeaf || (role == Role::kRoot && !shape.inter);
  std::vector<CollCount> sizes;
  Layout lay;
  nb::object sendbuf = nb::none();
  if (sends) sendbuf = dump_all(seq, shape.peers(), "scatter", sizes, lay, err);
  CollCount mine = 0;
  const CollCount* ssizes = sends ? sizes.data() : nullptr;
  CollCount* rsize = receives ? &mine : nullptr;
  check(nogil(
      [&] { return MPI_Scatter(ssizes, 1, count_type(), rsize, 1, count_type(), root, comm); }));
  nb::object recvbuf = new_bytes(mine > 0 ? mine : 0);
  char* sptr = sends ? bytes_ptr(sendbuf) : nullptr;
  const CollCount* scounts = sends ? lay.counts.data() : nullptr;
  const CollDispl* sdispls = sends ? lay.displs.data() : nullptr;
  char* rptr = bytes_ptr(recvbuf);
  CollCount rcount = mine > 0 ? mine : 0;
  check(nogil([&] {
    return MPI4PY_LC(MPI_Scatterv)(sptr, scounts, sdispls, MPI_BYTE, rptr, rcount, MPI_BYTE, root,
                                   comm);
  }));
  finish(err);
  if (!receives) return nb::none();
  if (mine == kFailed) raise_peer_failure("scatter", shape.inter ? -1 : root);
  return pickle_loads(recvbuf);
}

nb::object obj_allgather(MPI_Comm comm, const CommShape& shape, nb::handle obj, Error& err) {
  Pickled p;
  dump(obj, p, err);
  CollCount mine = p.size;
  std::vector<CollCount> sizes(static_cast<size_t>(shape.peers()), 0);
  check(nogil(
      [&] { return MPI_Allgather(&mine, 1, count_type(), sizes.data(), 1, count_type(), comm); }));
  Layout lay = layout(sizes);
  nb::object bytes = new_bytes(lay.total);
  char* rptr = bytes_ptr(bytes);
  char* sptr = p.ptr();
  CollCount scount = p.count();
  check(nogil([&] {
    return MPI4PY_LC(MPI_Allgatherv)(sptr, scount, MPI_BYTE, rptr, lay.counts.data(),
                                     lay.displs.data(), MPI_BYTE, comm);
  }));
  finish(err);
  if (lay.failed >= 0) raise_peer_failure("allgather", shape.inter ? -1 : lay.failed);
  return load_all(bytes, sizes, lay);
}

nb::object obj_alltoall(MPI_Comm comm, const CommShape& shape, nb::handle seq) {
  Error err;
  std::vector<CollCount> ssizes;
  Layout slay;
  nb::object sendbuf = dump_all(seq, shape.peers(), "alltoall", ssizes, slay, err);
  std::vector<CollCount> rsizes(static_cast<size_t>(shape.peers()), 0);
  check(nogil([&] {
    return MPI_Alltoall(ssizes.data(), 1, count_type(), rsizes.data(), 1, count_type(), comm);
  }));
  Layout rlay = layout(rsizes);
  nb::object recvbuf = new_bytes(rlay.total);
  char* sptr = bytes_ptr(sendbuf);
  char* rptr = bytes_ptr(recvbuf);
  check(nogil([&] {
    return MPI4PY_LC(MPI_Alltoallv)(sptr, slay.counts.data(), slay.displs.data(), MPI_BYTE, rptr,
                                    rlay.counts.data(), rlay.displs.data(), MPI_BYTE, comm);
  }));
  finish(err);
  if (rlay.failed >= 0) raise_peer_failure("alltoall", shape.inter ? -1 : rlay.failed);
  return load_all(recvbuf, rsizes, rlay);
}

// ---- reductions ---------------------------------------------------------------

// Fold `items` in order with `op`.
nb::object fold(nb::handle op, const std::vector<nb::object>& items) {
  nb::object acc = items.at(0);
  for (size_t i = 1; i < items.size(); ++i) acc = apply_op(op, acc, items[i]);
  return acc;
}

// A private duplicate of `comm` for the tree algorithms' point-to-point
// messages, cached as an attribute and freed with `comm`.
int private_keyval = MPI_KEYVAL_INVALID;

int free_private(MPI_Comm, int, void* attribute, void*) {
  MPI_Comm* dup = static_cast<MPI_Comm*>(attribute);
  int ierr = MPI_Comm_free(dup);
  delete dup;
  return ierr;
}

MPI_Comm private_comm(MPI_Comm comm) {
  if (private_keyval == MPI_KEYVAL_INVALID)
    check(MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, &free_private, &private_keyval, nullptr));
  void* attribute = nullptr;
  int found = 0;
  check(MPI_Comm_get_attr(comm, private_keyval, &attribute, &found));
  if (found) return *static_cast<MPI_Comm*>(attribute);
  MPI_Comm dup = MPI_COMM_NULL;
  check(nogil([&] { return MPI_Comm_dup(comm, &dup); }));
  MPI_Comm* stored = new MPI_Comm(dup);
  int ierr = MPI_Comm_set_attr(comm, private_keyval, stored);
  if (ierr != MPI_SUCCESS) {
    MPI_Comm_free(stored);
    delete stored;
    check(ierr);
  }
  return dup;
}

// A value travelling through a tree: the object, or a failure somewhere below.
struct Partial {
  nb::object value;
  bool failed = false;
};

void send_partial(MPI_Comm pcomm, int dest, const Partial& part, Error& err) {
  Pickled p;
  if (!part.failed) dump(part.value, p, err);
  int tag = p.size == kFailed || part.failed ? kTagFailed : kTagData;
  char* ptr = p.ptr();
  CollCount count = tag == kTagData ? p.count() : 0;
  check(nogil([&] { return MPI4PY_LC(MPI_Send)(ptr, count, MPI_BYTE, dest, tag, pcomm); }));
}

Partial recv_partial(MPI_Comm pcomm, int source, Error& err) {
  MPI_Status status;
  check(nogil([&] { return MPI_Probe(source, MPI_ANY_TAG, pcomm, &status); }));
  MPI_Count size = 0;
  check(get_count(&status, MPI_BYTE, &size));
  nb::object data = new_bytes(size);
  char* ptr = bytes_ptr(data);
  CollCount count = coll_count(size);
  int tag = status.MPI_TAG;
  check(nogil([&] {
    return MPI4PY_LC(MPI_Recv)(ptr, count, MPI_BYTE, source, tag, pcomm, MPI_STATUS_IGNORE);
  }));
  Partial part;
  if (tag == kTagFailed) {
    part.failed = true;
    return part;
  }
  try {
    part.value = pickle_loads(data);
  } catch (nb::python_error& error) {
    keep(err, error);
    part.failed = true;
  }
  return part;
}

// Combine `left` (lower ranks) with `right` into `left`.
void combine(nb::handle op, Partial& left, const Partial& right, Error& err) {
  if (left.failed || right.failed) {
    left.failed = true;
    left.value = nb::object();
    return;
  }
  try {
    left.value = apply_op(op, left.value, right.value);
  } catch (nb::python_error& error) {
    keep(err, error);
    left.failed = true;
  }
}

Partial own_copy(nb::handle obj, Error& err) {
  Partial part;
  try {
    part.value = copy_obj(obj);
  } catch (nb::python_error& error) {
    keep(err, error);
    part.failed = true;
  }
  return part;
}

// Reduce to `root` of an intracommunicator, in rank order; the result is
// meaningful at the root only.
Partial reduce_to_root(MPI_Comm comm, const CommShape& shape, nb::handle obj, nb::handle op,
                       int root, Error& err) {
  Partial result;
  if (!fast_reduce()) {
    Gathered g;
    gather_raw(comm, shape, shape.rank == root ? Role::kRoot : Role::kLeaf, obj, root, err, g);
    if (shape.rank != root) return result;
    if (err || g.lay.failed >= 0) {
      result.failed = true;
      return result;
    }
    try {
      std::vector<nb::object> items;
      for (size_t i = 0; i < g.sizes.size(); ++i)
        items.push_back(load_slice(g.bytes, g.lay.displs[i], g.lay.counts[i]));
      result.value = fold(op, items);
    } catch (nb::python_error& error) {
      keep(err, error);
      result.failed = true;
    }
    return result;
  }
  // Binomial tree towards rank 0: at step `mask` a process whose bit `mask` is
  // set hands its partial result (ranks [rank, rank + mask)) to rank - mask.
  MPI_Comm pcomm = private_comm(comm);
  Partial acc;
  acc.value = nb::borrow(obj);
  bool owned = false;  // copy the caller's object before an op may modify it
  for (int mask = 1; mask < shape.size; mask <<= 1) {
    if (shape.rank & mask) {
      send_partial(pcomm, shape.rank - mask, acc, err);
      acc = Partial();
      break;
    }
    int source = shape.rank + mask;
    if (source >= shape.size) continue;
    Partial incoming = recv_partial(pcomm, source, err);
    if (!owned) {
      acc = own_copy(obj, err);
      owned = true;
    }
    combine(op, acc, incoming, err);
  }
  if (shape.rank == 0 && !owned) acc = own_copy(obj, err);
  if (root != 0) {
    if (shape.rank == 0) send_partial(pcomm, root, acc, err);
    if (shape.rank == root) acc = recv_partial(pcomm, 0, err);
  }
  return shape.rank == root ? acc : result;
}

nb::object obj_reduce(MPI_Comm comm, nb::handle obj, nb::handle op, int root) {
  check_op_arg(op);
  CommShape shape = comm_shape(comm);
  Role role = root_role(shape, root);
  if (role == Role::kIdle) return nb::none();
  Error err;
  if (shape.inter) {
    Gathered g;
    gather_raw(comm, shape, role, obj, root, err, g);
    finish(err);
    if (role != Role::kRoot) return nb::none();
    if (g.lay.failed >= 0) raise_peer_failure("reduce", g.lay.failed);
    nb::list items = load_all(g.bytes, g.sizes, g.lay);
    std::vector<nb::object> values;
    for (nb::handle item : items) values.push_back(nb::borrow(item));
    return fold(op, values);
  }
  Partial result = reduce_to_root(comm, shape, obj, op, root, err);
  finish(err);
  if (shape.rank != root) return nb::none();
  if (result.failed) raise_peer_failure("reduce", -1);
  return result.value;
}

nb::object obj_allreduce(MPI_Comm comm, nb::handle obj, nb::handle op) {
  check_op_arg(op);
  CommShape shape = comm_shape(comm);
  Error err;
  if (shape.inter) {
    nb::object items = obj_allgather(comm, shape, obj, err);
    std::vector<nb::object> values;
    for (nb::handle item : items) values.push_back(nb::borrow(item));
    return fold(op, values);
  }
  Partial result = reduce_to_root(comm, shape, obj, op, 0, err);
  Role role = shape.rank == 0 ? Role::kRoot : Role::kLeaf;
  return bcast_value(comm, 0, role, false, result.value, result.failed, err);
}

// Inclusive or exclusive prefix reduction on an intracommunicator.
nb::object obj_scan(MPI_Comm comm, nb::handle obj, nb::handle op, bool exclusive) {
  check_op_arg(op);
  CommShape shape = comm_shape(comm);
  Error err;
  if (!fast_reduce()) {
    // Rank 0 gathers everything, computes every prefix, scatters them back.
    Role role = shape.rank == 0 ? Role::kRoot : Role::kLeaf;
    Gathered g;
    gather_raw(comm, shape, role, obj, 0, err, g);
    nb::object prefixes = nb::none();
    if (shape.rank == 0 && !err && g.lay.failed < 0) {
      try {
        nb::list out;
        nb::object acc;
        for (size_t i = 0; i < g.sizes.size(); ++i) {
          nb::object item = load_slice(g.bytes, g.lay.displs[i], g.lay.counts[i]);
          if (exclusive) out.append(acc.is_valid() ? acc : nb::none());
          acc = acc.is_valid() ? apply_op(op, acc, item) : item;
          if (!exclusive) out.append(acc);
        }
        prefixes = out;
      } catch (nb::python_error& error) {
        keep(err, error);
      }
    }
    // A failure seen at rank 0 travels as the failure marker of the scatter.
    if (shape.rank == 0 && prefixes.is_none() && !err) {
      try {
        raise_peer_failure(exclusive ? "exscan" : "scan", g.lay.failed);
      } catch (nb::python_error& error) {
        keep(err, error);
      }
    }
    return scatter_items(comm, shape, role, prefixes, 0, err);
  }

  // Recursive doubling: `partial` covers an aligned block of ranks around this
  // one, `result` the ranks from that block's start up to this one (or below).
  MPI_Comm pcomm = private_comm(comm);
  Partial partial = own_copy(obj, err);
  Partial result;
  if (!exclusive) result = own_copy(obj, err);
  bool have_result = !exclusive;
  for (int mask = 1; mask < shape.size; mask <<= 1) {
    int peer = shape.rank ^ mask;
    if (peer >= shape.size) continue;
    Partial incoming;
    if (peer < shape.rank) {
      // The lower rank sends first; keeping one order avoids a deadlock with
      // synchronous sends.
      incoming = recv_partial(pcomm, peer, err);
      send_partial(pcomm, peer, partial, err);
      if (have_result) {
        Partial lower = incoming;
        combine(op, lower, result, err);
        result = lower;
      } else {
        result = incoming;
        have_result = true;
      }
      Partial lower = incoming;
      combine(op, lower, partial, err);
      partial = lower;
    } else {
      send_partial(pcomm, peer, partial, err);
      incoming = recv_partial(pcomm, peer, err);
      combine(op, partial, incoming, err);
    }
  }
  finish(err);
  if (!have_result) return nb::none();
  if (result.failed) raise_peer_failure(exclusive ? "exscan" : "scan", -1);
  return result.value;
}

// ---- neighbourhood ------------------------------------------------------------

nb::object obj_neighbor_allgather(const Topocomm& self, nb::handle obj) {
  MPI_Comm comm = self.ob_mpi;
  int indegree = 0, outdegree = 0;
  topo_degrees(comm, indegree, outdegree);
  Error err;
  Pickled p;
  dump(obj, p, err);
  CollCount mine = p.size;
  std::vector<CollCount> sizes(static_cast<size_t>(indegree), kAbsent);
  check(nogil([&] {
    return MPI_Neighbor_allgather(&mine, 1, count_type(), sizes.data(), 1, count_type(), comm);
  }));
  Layout lay = layout(sizes);
  nb::object bytes = new_bytes(lay.total);
  char* rptr = bytes_ptr(bytes);
  char* sptr = p.ptr();
  CollCount scount = p.count();
  check(nogil([&] {
    return MPI4PY_LC(MPI_Neighbor_allgatherv)(sptr, scount, MPI_BYTE, rptr, lay.counts.data(),
                                              lay.displs.data(), MPI_BYTE, comm);
  }));
  finish(err);
  if (lay.failed >= 0) raise_peer_failure("neighbor_allgather", -1);
  return load_all(bytes, sizes, lay);
}

nb::object obj_neighbor_alltoall(const Topocomm& self, nb::handle seq) {
  MPI_Comm comm = self.ob_mpi;
  int indegree = 0, outdegree = 0;
  topo_degrees(comm, indegree, outdegree);
  Error err;
  std::vector<CollCount> ssizes;
  Layout slay;
  nb::object sendbuf = dump_all(seq, outdegree, "neighbor_alltoall", ssizes, slay, err);
  std::vector<CollCount> rsizes(static_cast<size_t>(indegree), kAbsent);
  check(nogil([&] {
    return MPI_Neighbor_alltoall(ssizes.data(), 1, count_type(), rsizes.data(), 1, count_type(),
                                 comm);
  }));
  Layout rlay = layout(rsizes);
  nb::object recvbuf = new_bytes(rlay.total);
  char* sptr = bytes_ptr(sendbuf);
  char* rptr = bytes_ptr(recvbuf);
  check(nogil([&] {
    return MPI4PY_LC(MPI_Neighbor_alltoallv)(sptr, slay.counts.data(), slay.displs.data(), MPI_BYTE,
                                             rptr, rlay.counts.data(), rlay.displs.data(), MPI_BYTE,
                                             comm);
  }));
  finish(err);
  if (rlay.failed >= 0) raise_peer_failure("neighbor_alltoall", -1);
  return load_all(recvbuf, rsizes, rlay);
}

}  // namespace

void bind_coll_obj(nb::module_& m, Classes& c) {
  nb::object sum = m.attr("SUM");
  rc_object = nb::module_::import_("mpi4py").attr("rc").ptr();
  auto& comm = c.comm;
  comm.def(
      "barrier", [](const Comm& self) { check(nogil([&] { return MPI_Barrier(self.ob_mpi); })); },
      "Barrier synchronization.");
  comm.def(
      "bcast",
      [](const Comm& self, nb::handle obj, int root) {
        CommShape shape = comm_shape(self.ob_mpi);
        Role role = root_role(shape, root);
        Error err;
        return bcast_value(self.ob_mpi, root, role, shape.inter, obj, false, err);
      },
      arg("obj").none(), arg("root") = 0, "Broadcast.");
  comm.def(
      "gather",
      [](const Comm& self, nb::handle obj, int root) { return obj_gather(self.ob_mpi, obj, root); },
      arg("sendobj").none(), arg("root") = 0, "Gather.");
  comm.def(
      "scatter",
      [](const Comm& self, nb::handle seq, int root) {
        CommShape shape = comm_shape(self.ob_mpi);
        Role role = root_role(shape, root);
        Error err;
        return scatter_items(self.ob_mpi, shape, role, seq, root, err);
      },
      arg("sendobj").none(), arg("root") = 0, "Scatter.");
  comm.def(
      "allgather",
      [](const Comm& self, nb::handle obj) {
        Error err;
        return obj_allgather(self.ob_mpi, comm_shape(self.ob_mpi), obj, err);
      },
      arg("sendobj").none(), "Gather to All.");
  comm.def(
      "alltoall",
      [](const Comm& self, nb::handle seq) {
        return obj_alltoall(self.ob_mpi, comm_shape(self.ob_mpi), seq);
      },
      arg("sendobj").none(), "All to All Scatter/Gather.");
  comm.def(
      "reduce",
      [](const Comm& self, nb::handle obj, nb::handle op, int root) {
        return obj_reduce(self.ob_mpi, obj, op, root);
      },
      arg("sendobj").none(), arg("op") = sum, arg("root") = 0, "Reduce to Root.");
  comm.def(
      "allreduce",
      [](const Comm& self, nb::handle obj, nb::handle op) {
        return obj_allreduce(self.ob_mpi, obj, op);
      },
      arg("sendobj").none(), arg("op") = sum, "Reduce to All.");
  c.intracomm.def(
      "scan",
      [](const Intracomm& self, nb::handle obj, nb::handle op) {
        return obj_scan(self.ob_mpi, obj, op, false);
      },
      arg("sendobj").none(), arg("op") = sum, "Inclusive Scan.");
  c.intracomm.def(
      "exscan",
      [](const Intracomm& self, nb::handle obj, nb::handle op) {
        return obj_scan(self.ob_mpi, obj, op, true);
      },
      arg("sendobj").none(), arg("op") = sum, "Exclusive Scan.");
  c.topocomm.def("neighbor_allgather", &obj_neighbor_allgather, arg("sendobj").none(),
                 "Neighbor Gather to All.");
  c.topocomm.def("neighbor_alltoall", &obj_neighbor_alltoall, arg("sendobj").none(),
                 "Neighbor All to All.");
}

}  // namespace mpi4py
