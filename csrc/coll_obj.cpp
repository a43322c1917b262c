// Object (lowercase) collectives that move objects: barrier, bcast, gather,
// scatter, allgather, alltoall (Comm), neighbor_allgather, neighbor_alltoall
// (Topocomm); the reductions are in coll_obj_reduce.cpp.
//
// Objects travel as pickles (pickle_dumps/pickle_loads, the active MPI.pickle):
// first the sizes, then the bytes, each with one MPI collective (bcast and
// allgather send the sizes with the first bytes of each pickle). Every process
// takes part in every step even when serializing its object failed (it sends
// the size -1 and no bytes), so a bad object never leaves the others hanging:
// the failing process raises its own error, the processes that needed its data
// raise RuntimeError naming it. Results are always fresh objects.
#include "coll_obj.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace mpi4py {

namespace objcoll {

MPI_Datatype count_type() { return sizeof(CollCount) == sizeof(int) ? MPI_INT : MPI_COUNT; }

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

nb::object load_slice(nb::handle bytes, MPI_Count offset, MPI_Count size) {
  PyObject* piece = PyBytes_FromStringAndSize(bytes_ptr(bytes) + offset, size);
  if (!piece) throw nb::python_error();
  return pickle_loads(nb::steal(piece));
}

nb::object copy_obj(nb::handle obj) { return pickle_loads(pickle_dumps(obj)); }

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
// On an intracommunicator the size travels with the first bytes in one
// fixed-size message, so small objects take a single MPI_Bcast and larger ones
// send the rest in a second. On an intercommunicator the processes passing
// PROC_NULL learn nothing, so every process makes the same two calls: the size,
// then the bytes.
constexpr size_t kBcastHeader = 512;

nb::object bcast_value(MPI_Comm comm, int root, Role role, bool inter, nb::handle value,
                       bool failed, Error& err) {
  struct Header {
    CollCount size = 0;
    char data[kBcastHeader - sizeof(CollCount)];
  } header;
  const MPI_Count inline_bytes = inter ? 0 : sizeof(header.data);
  const int header_bytes = inter ? sizeof(CollCount) : sizeof(header);
  Pickled p;
  if (role == Role::kRoot) {
    if (failed)
      p.size = kFailed;
    else
      dump(value, p, err);
    header.size = p.size;
    if (p.size > 0 && inline_bytes > 0)
      std::memcpy(header.data, p.ptr(), std::min<MPI_Count>(p.size, inline_bytes));
  }
  check(nogil([&] { return MPI_Bcast(&header, header_bytes, MPI_BYTE, root, comm); }));
  CollCount size = header.size;
  CollCount rest = size > inline_bytes ? static_cast<CollCount>(size - inline_bytes) : 0;
  nb::object data = nb::none();
  char* ptr = nullptr;
  if (role == Role::kRoot && size > 0) {
    ptr = p.ptr() + inline_bytes;
  } else if (role == Role::kLeaf && size >= 0) {
    data = new_bytes(size);
    ptr = bytes_ptr(data);
    std::memcpy(ptr, header.data, std::min<MPI_Count>(size, inline_bytes));
    ptr += inline_bytes;
  }
  if (rest > 0 || inter)
    check(nogil([&] { return MPI4PY_LC(MPI_Bcast)(ptr, rest, MPI_BYTE, root, comm); }));
  if (role == Role::kIdle) return nb::none();
  if (size == kFailed) {
    finish(err);
    raise_peer_failure("bcast", inter ? -1 : root);
  }
  if (role == Role::kRoot) return inter ? nb::none() : pickle_loads(p.data);
  return pickle_loads(data);
}

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
  Error err;
  Gathered g;
  gather_raw(comm, shape, role, obj, root, err, g);
  finish(err);
  if (role != Role::kRoot) return nb::none();
  if (g.lay.failed >= 0) raise_peer_failure("gather", g.lay.failed);
  return load_all(g.bytes, g.sizes, g.lay);
}

// Scatter the items of `seq` (at the root); an error the root already has in
// `err` is sent as a failure, whatever `seq` holds.
nb::object scatter_items(MPI_Comm comm, const CommShape& shape, Role role, nb::handle seq, int root,
                         Error& err) {
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

// Allgather: each process's size travels with the first bytes of its pickle
// in a fixed-size slot, so small objects take a single MPI_Allgather; the
// tails of larger ones follow in an MPI_Allgatherv (on an intercommunicator
// always: neither group can tell whether the other needs it).
constexpr size_t kSlotBytes = 256;

struct Slot {
  CollCount size = 0;
  char data[kSlotBytes - sizeof(CollCount)] = {};
};

nb::object obj_allgather(MPI_Comm comm, const CommShape& shape, nb::handle obj, Error& err) {
  constexpr MPI_Count head_bytes = sizeof(Slot::data);
  Pickled p;
  dump(obj, p, err);
  Slot mine;
  mine.size = p.size;
  if (p.size > 0) std::memcpy(mine.data, p.ptr(), std::min<MPI_Count>(p.size, head_bytes));
  const size_t n = static_cast<size_t>(shape.peers());
  std::vector<Slot> slots(n);
  check(nogil([&] {
    return MPI_Allgather(&mine, sizeof(Slot), MPI_BYTE, slots.data(), sizeof(Slot), MPI_BYTE, comm);
  }));
  std::vector<CollCount> sizes(n), tails(n);
  bool any_tail = false;
  for (size_t i = 0; i < n; ++i) {
    sizes[i] = slots[i].size;
    tails[i] = sizes[i] > head_bytes ? static_cast<CollCount>(sizes[i] - head_bytes) : 0;
    any_tail = any_tail || tails[i] > 0;
  }
  Layout lay = layout(tails);
  nb::object tail_bytes = new_bytes(lay.total);
  if (any_tail || shape.inter) {
    CollCount my_tail = p.size > head_bytes ? static_cast<CollCount>(p.size - head_bytes) : 0;
    char* sptr = my_tail > 0 ? p.ptr() + head_bytes : nullptr;
    char* rptr = bytes_ptr(tail_bytes);
    check(nogil([&] {
      return MPI4PY_LC(MPI_Allgatherv)(sptr, my_tail, MPI_BYTE, rptr, lay.counts.data(),
                                       lay.displs.data(), MPI_BYTE, comm);
    }));
  }
  finish(err);
  for (size_t i = 0; i < n; ++i)
    if (sizes[i] == kFailed) raise_peer_failure("allgather", shape.inter ? -1 : int(i));
  nb::list result;
  for (size_t i = 0; i < n; ++i) {
    nb::object item = new_bytes(sizes[i]);
    char* ptr = bytes_ptr(item);
    std::memcpy(ptr, slots[i].data, std::min<MPI_Count>(sizes[i], head_bytes));
    if (tails[i] > 0)
      std::memcpy(ptr + head_bytes, bytes_ptr(tail_bytes) + lay.displs[i], tails[i]);
    result.append(pickle_loads(item));
  }
  return result;
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

// ---- neighbourhood ------------------------------------------------------------

nb::object obj_neighbor_allgather(nb::handle self, nb::handle obj) {
  MPI_Comm comm = unwrap<Topocomm>(self).ob_mpi;
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

nb::object obj_neighbor_alltoall(nb::handle self, nb::handle seq) {
  MPI_Comm comm = unwrap<Topocomm>(self).ob_mpi;
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

}  // namespace objcoll

void bind_coll_obj(nb::module_& m, Classes& c) {
  using namespace objcoll;
  using nb::arg;
  auto& comm = c.comm;
  comm.def(
      "barrier",
      [](nb::handle self) {
        MPI_Comm comm = unwrap<Comm>(self).ob_mpi;
        check(nogil([&] { return MPI_Barrier(comm); }));
      },
      "Barrier synchronization.");
  comm.def(
      "bcast",
      [](nb::handle self, nb::handle obj, int root) {
        CommShape shape = comm_shape(unwrap<Comm>(self).ob_mpi);
        Role role = root_role(shape, root);
        Error err;
        return bcast_value(unwrap<Comm>(self).ob_mpi, root, role, shape.inter, obj, false, err);
      },
      arg("obj").none(), arg("root") = 0, "Broadcast.");
  comm.def(
      "gather",
      [](nb::handle self, nb::handle obj, int root) {
        return obj_gather(unwrap<Comm>(self).ob_mpi, obj, root);
      },
      arg("sendobj").none(), arg("root") = 0, "Gather.");
  comm.def(
      "scatter",
      [](nb::handle self, nb::handle seq, int root) {
        CommShape shape = comm_shape(unwrap<Comm>(self).ob_mpi);
        Role role = root_role(shape, root);
        Error err;
        return scatter_items(unwrap<Comm>(self).ob_mpi, shape, role, seq, root, err);
      },
      arg("sendobj").none(), arg("root") = 0, "Scatter.");
  comm.def(
      "allgather",
      [](nb::handle self, nb::handle obj) {
        Error err;
        return obj_allgather(unwrap<Comm>(self).ob_mpi, comm_shape(unwrap<Comm>(self).ob_mpi), obj,
                             err);
      },
      arg("sendobj").none(), "Gather to All.");
  comm.def(
      "alltoall",
      [](nb::handle self, nb::handle seq) {
        return obj_alltoall(unwrap<Comm>(self).ob_mpi, comm_shape(unwrap<Comm>(self).ob_mpi), seq);
      },
      arg("sendobj").none(), "All to All Scatter/Gather.");
  bind_coll_obj_reduce(m, c);
  c.topocomm.def("neighbor_allgather", &obj_neighbor_allgather, arg("sendobj").none(),
                 "Neighbor Gather to All.");
  c.topocomm.def("neighbor_alltoall", &obj_neighbor_alltoall, arg("sendobj").none(),
                 "Neighbor All to All.");
}

}  // namespace mpi4py
