// Object reductions: reduce, allreduce (Comm), scan, exscan (Intracomm).
//
// Reductions apply an Op (predefined ones act on Python objects) or any
// callable op(x, y) in rank order. With mpi4py.rc.fast_reduce (read at each
// call) intracommunicators reduce along a binomial tree and scan by recursive
// doubling, with point-to-point messages on a private duplicate of the
// communicator; otherwise the root gathers everything and reduces alone.
// Intercommunicators always gather.
#include <string>
#include <vector>

#include "coll_obj.hpp"

namespace mpi4py::objcoll {

namespace {

using nb::arg;

constexpr int kTagData = 1;  // private-communicator tags of the tree algorithms
constexpr int kTagFailed = 2;

PyObject* rc_object = nullptr;  // mpi4py.rc, borrowed from the package for good

bool fast_reduce() {
  PyObject* value = PyObject_GetAttrString(rc_object, "fast_reduce");
  if (!value) throw nb::python_error();
  int flag = PyObject_IsTrue(value);
  Py_DECREF(value);
  if (flag < 0) throw nb::python_error();
  return flag != 0;
}

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
  Error err;
  if (shape.inter) {  // processes passing PROC_NULL take part in the gather too
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

}  // namespace

void bind_coll_obj_reduce(nb::module_& m, Classes& c) {
  nb::object sum = m.attr("SUM");
  rc_object = nb::module_::import_("mpi4py").attr("rc").ptr();
  auto& comm = c.comm;
  comm.def(
      "reduce",
      [](nb::handle self, nb::handle obj, nb::handle op, int root) {
        return obj_reduce(unwrap<Comm>(self).ob_mpi, obj, op, root);
      },
      arg("sendobj").none(), arg("op") = sum, arg("root") = 0, "Reduce to Root.");
  comm.def(
      "allreduce",
      [](nb::handle self, nb::handle obj, nb::handle op) {
        return obj_allreduce(unwrap<Comm>(self).ob_mpi, obj, op);
      },
      arg("sendobj").none(), arg("op") = sum, "Reduce to All.");
  c.intracomm.def(
      "scan",
      [](nb::handle self, nb::handle obj, nb::handle op) {
        return obj_scan(unwrap<Intracomm>(self).ob_mpi, obj, op, false);
      },
      arg("sendobj").none(), arg("op") = sum, "Inclusive Scan.");
  c.intracomm.def(
      "exscan",
      [](nb::handle self, nb::handle obj, nb::handle op) {
        return obj_scan(unwrap<Intracomm>(self).ob_mpi, obj, op, true);
      },
      arg("sendobj").none(), arg("op") = sum, "Exclusive Scan.");
}

}  // namespace mpi4py::objcoll
