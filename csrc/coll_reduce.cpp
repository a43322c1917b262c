// Reductions on Comm/Intracomm, blocking, nonblocking (I*) and persistent
// (*_init, MPI-4): Reduce, Allreduce, Reduce_scatter_block, Reduce_scatter,
// Scan, Exscan.
#include <numeric>
#include <string>

#include "coll.hpp"

namespace mpi4py {

namespace {

using nb::arg;

// Send and receive sides of a reduction must describe the same items.
void check_match(MPI_Count scount, MPI_Datatype stype, MPI_Count rcount, MPI_Datatype rtype) {
  if (scount != rcount) {
    std::string message = "mismatch in send count " + std::to_string(scount) +
                          " and receive count " + std::to_string(rcount);
    raise_value_error(message.c_str());
  }
  if (stype != rtype) raise_value_error("mismatch in send and receive MPI datatypes");
}

// The same memory on both sides is erroneous in MPI (IN_PLACE says it).
void check_not_aliased(const void* saddr, const void* raddr, MPI_Count count) {
  if (saddr != nullptr && saddr == raddr && count > 0) raise_mpi_error(MPI_ERR_BUFFER);
}

bool comm_is_inter(MPI_Comm comm) {
  int flag = 0;
  check(MPI_Comm_test_inter(comm, &flag));
  return flag != 0;
}

// Send side of Allreduce, Scan, Exscan: IN_PLACE or a spec matching the receive side.
void take_reduce_send(CollArgs* a, nb::handle sendbuf, bool in_place_ok) {
  if (is_in_place(sendbuf)) {
    if (!in_place_ok) raise_value_error("IN_PLACE is not valid on an intercommunicator");
    a->saddr = MPI_IN_PLACE;
    return;
  }
  take_send(a, sendbuf);
  check_match(a->s.count, a->stype, a->r.count, a->rtype);
  check_not_aliased(a->saddr, a->raddr, a->scount);
}

nb::object reduce(Mode mode, nb::handle self, nb::handle sendbuf, nb::handle recvbuf, const Op& op,
                  int root, nb::handle info_obj) {
  MPI_Comm comm = unwrap<Comm>(self).ob_mpi;
  MPI_Op mop = op.ob_mpi;
  MPI_Info info = persistent_info(mode, info_obj);
  CommShape shape = comm_shape(comm);
  Role role = root_role(shape, root);
  bool in_place = is_in_place(sendbuf);
  check_in_place_allowed(shape, in_place, !shape.inter && role == Role::kRoot);
  CollArgs local;
  CollArgs* a = &local;
  if (role == Role::kRoot) take_recv(a, recvbuf);
  if (in_place) {
    a->saddr = MPI_IN_PLACE;
  } else if (role == Role::kRoot && shape.inter) {
    // MPI ignores the root's send buffer here, but MPICH refuses a null one.
    static char ignored = 0;
    a->saddr = &ignored;
  } else if (role == Role::kLeaf || (role == Role::kRoot && !shape.inter)) {
    take_send(a, sendbuf);
    if (role == Role::kRoot) {
      check_match(a->s.count, a->stype, a->r.count, a->rtype);
      check_not_aliased(a->saddr, a->raddr, a->scount);
    } else {
      a->rcount = a->scount;  // the count and type of the call come from the send side
      a->rtype = a->stype;
    }
  }
  MPI4PY_COLL_RUN(mode, a, MPI_Reduce, MPI_Ireduce, a->saddr, a->raddr, a->rcount, a->rtype, mop,
                  root, comm);
}

nb::object allreduce(Mode mode, nb::handle self, nb::handle sendbuf, nb::handle recvbuf,
                     const Op& op, nb::handle info_obj) {
  MPI_Comm comm = unwrap<Comm>(self).ob_mpi;
  MPI_Op mop = op.ob_mpi;
  MPI_Info info = persistent_info(mode, info_obj);
  CollArgs local;
  CollArgs* a = &local;
  take_recv(a, recvbuf);
  take_reduce_send(a, sendbuf, !is_in_place(sendbuf) || !comm_is_inter(comm));
  MPI4PY_COLL_RUN(mode, a, MPI_Allreduce, MPI_Iallreduce, a->saddr, a->raddr, a->rcount, a->rtype,
                  mop, comm);
}

nb::object scan(Mode mode, bool exclusive, nb::handle self, nb::handle sendbuf, nb::handle recvbuf,
                const Op& op, nb::handle info_obj) {
  MPI_Comm comm = unwrap<Intracomm>(self).ob_mpi;
  MPI_Op mop = op.ob_mpi;
  MPI_Info info = persistent_info(mode, info_obj);
  CollArgs local;
  CollArgs* a = &local;
  take_recv(a, recvbuf);
  take_reduce_send(a, sendbuf, true);
  if (exclusive) {
    MPI4PY_COLL_RUN(mode, a, MPI_Exscan, MPI_Iexscan, a->saddr, a->raddr, a->rcount, a->rtype, mop,
                    comm);
  }
  MPI4PY_COLL_RUN(mode, a, MPI_Scan, MPI_Iscan, a->saddr, a->raddr, a->rcount, a->rtype, mop, comm);
}

nb::object reduce_scatter_block(Mode mode, nb::handle self, nb::handle sendbuf, nb::handle recvbuf,
                                const Op& op, nb::handle info_obj) {
  MPI_Comm comm = unwrap<Comm>(self).ob_mpi;
  MPI_Op mop = op.ob_mpi;
  MPI_Info info = persistent_info(mode, info_obj);
  CommShape shape = comm_shape(comm);
  bool in_place = is_in_place(sendbuf);
  check_in_place_allowed(shape, in_place, !shape.inter);
  CollArgs local;
  CollArgs* a = &local;
  if (in_place) {
    // The receive buffer holds the whole input: one block per process.
    parse_block(recvbuf, Access::kWrite, shape.size, a->rv);
    a->saddr = MPI_IN_PLACE;
    a->raddr = a->rv.addr;
    a->rcount = a->rv.count;
    a->rtype = a->rv.type;
  } else {
    take_recv(a, recvbuf);
    parse_block(sendbuf, Access::kRead, shape.size, a->sv);
    a->saddr = a->sv.addr;
    check_match(a->sv.count, a->sv.type, a->r.count, a->rtype);
    check_not_aliased(a->saddr, a->raddr, a->rcount);
  }
  MPI4PY_COLL_RUN(mode, a, MPI_Reduce_scatter_block, MPI_Ireduce_scatter_block, a->saddr, a->raddr,
                  a->rcount, a->rtype, mop, comm);
}

nb::object reduce_scatter(Mode mode, nb::handle self, nb::handle sendbuf, nb::handle recvbuf,
                          nb::handle recvcounts, const Op& op, nb::handle info_obj) {
  MPI_Comm comm = unwrap<Comm>(self).ob_mpi;
  MPI_Op mop = op.ob_mpi;
  MPI_Info info = persistent_info(mode, info_obj);
  CommShape shape = comm_shape(comm);
  bool in_place = is_in_place(sendbuf);
  check_in_place_allowed(shape, in_place, !shape.inter);
  CollArgs local;
  CollArgs* a = &local;
  take_recv(a, recvbuf);
  const size_t n = static_cast<size_t>(shape.size);
  if (!recvcounts.is_none()) {
    a->counts = parse_counts(recvcounts, shape.size, "recvcounts");
  } else if (in_place) {
    // The receive buffer holds the whole input: split it evenly.
    if (a->r.count % shape.size != 0) {
      std::string message = "cannot split " + std::to_string(a->r.count) + " items among " +
                            std::to_string(shape.size) + " processes; pass recvcounts";
      raise_value_error(message.c_str());
    }
    a->counts.assign(n, coll_count(a->r.count / shape.size));
  } else if (shape.inter) {
    // No collective over the local group alone: assume equal counts.
    a->counts.assign(n, a->rcount);
  } else {
    a->counts.assign(n, 0);
    CollCount mine = a->rcount;
    MPI_Datatype count_type = sizeof(CollCount) == sizeof(int) ? MPI_INT : MPI_COUNT;
    check(nogil([&] {
      return MPI_Allgather(&mine, 1, count_type, a->counts.data(), 1, count_type, comm);
    }));
  }
  MPI_Count total = std::accumulate(a->counts.begin(), a->counts.end(), MPI_Count(0));
  MPI_Count mine = a->counts[static_cast<size_t>(shape.rank)];
  if (in_place) {
    if (a->r.count < total) {
      std::string message = "receive buffer holds " + std::to_string(a->r.count) +
                            " items, IN_PLACE needs sum(recvcounts) = " + std::to_string(total);
      raise_value_error(message.c_str());
    }
    a->saddr = MPI_IN_PLACE;
  } else {
    take_send(a, sendbuf);
    if (a->s.count != total) {
      std::string message = "mismatch in send count " + std::to_string(a->s.count) +
                            " and sum(recvcounts) " + std::to_string(total);
      raise_value_error(message.c_str());
    }
    if (a->stype != a->rtype) raise_value_error("mismatch in send and receive MPI datatypes");
    if (a->r.count < mine) {
      std::string message = "receive buffer holds " + std::to_string(a->r.count) +
                            " items, recvcounts[" + std::to_string(shape.rank) +
                            "] = " + std::to_string(mine);
      raise_value_error(message.c_str());
    }
    check_not_aliased(a->saddr, a->raddr, mine);
  }
  MPI4PY_COLL_RUN(mode, a, MPI_Reduce_scatter, MPI_Ireduce_scatter, a->saddr, a->raddr,
                  a->counts.data(), a->rtype, mop, comm);
}

}  // namespace

void bind_coll_reduce(nb::module_& m, Classes& c) {
  nb::object sum = m.attr("SUM");
  auto& comm = c.comm;
  const Mode modes[] = {Mode::kBlocking, Mode::kNonblocking};

  const char* reduce_names[] = {"Reduce", "Ireduce"};
  const char* allreduce_names[] = {"Allreduce", "Iallreduce"};
  const char* rsb_names[] = {"Reduce_scatter_block", "Ireduce_scatter_block"};
  const char* rs_names[] = {"Reduce_scatter", "Ireduce_scatter"};
  const char* scan_names[] = {"Scan", "Iscan"};
  const char* exscan_names[] = {"Exscan", "Iexscan"};
  for (int i = 0; i < 2; ++i) {
    Mode mode = modes[i];
    comm.def(
        reduce_names[i],
        [mode](nb::handle self, nb::handle sendbuf, nb::handle recvbuf, const Op& op, int root) {
          return reduce(mode, self, sendbuf, recvbuf, op, root, nb::none());
        },
        arg("sendbuf").none(), arg("recvbuf").none(), arg("op") = sum, arg("root") = 0);
    comm.def(
        allreduce_names[i],
        [mode](nb::handle self, nb::handle sendbuf, nb::handle recvbuf, const Op& op) {
          return allreduce(mode, self, sendbuf, recvbuf, op, nb::none());
        },
        arg("sendbuf").none(), arg("recvbuf").none(), arg("op") = sum);
    comm.def(
        rsb_names[i],
        [mode](nb::handle self, nb::handle sendbuf, nb::handle recvbuf, const Op& op) {
          return reduce_scatter_block(mode, self, sendbuf, recvbuf, op, nb::none());
        },
        arg("sendbuf").none(), arg("recvbuf").none(), arg("op") = sum);
    comm.def(
        rs_names[i],
        [mode](nb::handle self, nb::handle sendbuf, nb::handle recvbuf, nb::handle recvcounts,
               const Op& op) {
          return reduce_scatter(mode, self, sendbuf, recvbuf, recvcounts, op, nb::none());
        },
        arg("sendbuf").none(), arg("recvbuf").none(), arg("recvcounts") = nb::none(),
        arg("op") = sum);
    c.intracomm.def(
        scan_names[i],
        [mode](nb::handle self, nb::handle sendbuf, nb::handle recvbuf, const Op& op) {
          return scan(mode, false, self, sendbuf, recvbuf, op, nb::none());
        },
        arg("sendbuf").none(), arg("recvbuf").none(), arg("op") = sum);
    c.intracomm.def(
        exscan_names[i],
        [mode](nb::handle self, nb::handle sendbuf, nb::handle recvbuf, const Op& op) {
          return scan(mode, true, self, sendbuf, recvbuf, op, nb::none());
        },
        arg("sendbuf").none(), arg("recvbuf").none(), arg("op") = sum);
  }

  // Persistent forms (MPI-4).
  comm.def(
      "Reduce_init",
      [](nb::handle self, nb::handle sendbuf, nb::handle recvbuf, const Op& op, int root,
         nb::handle info) {
        require_persistent("MPI_Reduce_init");
        return reduce(Mode::kPersistent, self, sendbuf, recvbuf, op, root, info);
      },
      arg("sendbuf").none(), arg("recvbuf").none(), arg("op") = sum, arg("root") = 0,
      arg("info") = nb::none());
  comm.def(
      "Allreduce_init",
      [](nb::handle self, nb::handle sendbuf, nb::handle recvbuf, const Op& op, nb::handle info) {
        require_persistent("MPI_Allreduce_init");
        return allreduce(Mode::kPersistent, self, sendbuf, recvbuf, op, info);
      },
      arg("sendbuf").none(), arg("recvbuf").none(), arg("op") = sum, arg("info") = nb::none());
  comm.def(
      "Reduce_scatter_block_init",
      [](nb::handle self, nb::handle sendbuf, nb::handle recvbuf, const Op& op, nb::handle info) {
        require_persistent("MPI_Reduce_scatter_block_init");
        return reduce_scatter_block(Mode::kPersistent, self, sendbuf, recvbuf, op, info);
      },
      arg("sendbuf").none(), arg("recvbuf").none(), arg("op") = sum, arg("info") = nb::none());
  comm.def(
      "Reduce_scatter_init",
      [](nb::handle self, nb::handle sendbuf, nb::handle recvbuf, nb::handle recvcounts,
         const Op& op, nb::handle info) {
        require_persistent("MPI_Reduce_scatter_init");
        return reduce_scatter(Mode::kPersistent, self, sendbuf, recvbuf, recvcounts, op, info);
      },
      arg("sendbuf").none(), arg("recvbuf").none(), arg("recvcounts") = nb::none(), arg("op") = sum,
      arg("info") = nb::none());
  c.intracomm.def(
      "Scan_init",
      [](nb::handle self, nb::handle sendbuf, nb::handle recvbuf, const Op& op, nb::handle info) {
        require_persistent("MPI_Scan_init");
        return scan(Mode::kPersistent, false, self, sendbuf, recvbuf, op, info);
      },
      arg("sendbuf").none(), arg("recvbuf").none(), arg("op") = sum, arg("info") = nb::none());
  c.intracomm.def(
      "Exscan_init",
      [](nb::handle self, nb::handle sendbuf, nb::handle recvbuf, const Op& op, nb::handle info) {
        require_persistent("MPI_Exscan_init");
        return scan(Mode::kPersistent, true, self, sendbuf, recvbuf, op, info);
      },
      arg("sendbuf").none(), arg("recvbuf").none(), arg("op") = sum, arg("info") = nb::none());
}

}  // namespace mpi4py
