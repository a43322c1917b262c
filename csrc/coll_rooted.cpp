// Data-movement collectives on Comm (intra- and intercommunicators), each in
// its blocking, nonblocking (I*) and persistent (*_init, MPI-4) form:
// Bcast, Gather(v), Scatter(v), Allgather(v), Alltoall(v,w).
#include "coll.hpp"

namespace mpi4py {

namespace {

// MPICH 4.0.x restarts persistent Gather, Scatter and Allgather with stale
// data (plain C shows it too); their vector forms work, so persistent block
// collectives run as those there, with equal counts.
#if defined(MPICH_NUMVERSION) && MPICH_NUMVERSION < 40100000
constexpr bool kBlockInitAsVector = true;
#else
constexpr bool kBlockInitAsVector = false;
#endif

// Turn a parsed block spec into the equivalent vector spec.
void block_as_vector(VectorSpec& spec, int blocks) {
  spec.counts.assign(static_cast<size_t>(blocks), spec.count);
  spec.displs.resize(static_cast<size_t>(blocks));
  for (int i = 0; i < blocks; ++i) spec.displs[i] = coll_displ(MPI_Count(spec.count) * i);
}

using nb::arg;

nb::object bcast(Mode mode, nb::handle self, nb::handle buf, int root, nb::handle info_obj) {
  MPI_Comm comm = unwrap<Comm>(self).ob_mpi;
  MPI_Info info = persistent_info(mode, info_obj);
  Role role = root_role(comm_shape(comm), root);
  CollArgs local;
  CollArgs* a = &local;
  if (role == Role::kRoot) take_send(a, buf);
  if (role == Role::kLeaf) {
    take_recv(a, buf);
    a->saddr = a->raddr;
    a->scount = a->rcount;
    a->stype = a->rtype;
  }
  MPI4PY_COLL_RUN(mode, a, MPI_Bcast, MPI_Ibcast, a->saddr, a->scount, a->stype, root, comm);
}

// Gather and Gatherv: the root receives one block per process.
nb::object gather(Mode mode, bool vector, nb::handle self, nb::handle sendbuf, nb::handle recvbuf,
                  int root, nb::handle info_obj) {
  MPI_Comm comm = unwrap<Comm>(self).ob_mpi;
  MPI_Info info = persistent_info(mode, info_obj);
  CommShape shape = comm_shape(comm);
  Role role = root_role(shape, root);
  bool in_place = is_in_place(sendbuf);
  check_in_place_allowed(shape, in_place, !shape.inter && role == Role::kRoot);
  CollArgs local;
  CollArgs* a = &local;
  if (role == Role::kRoot) {
    (vector ? parse_vector : parse_block)(recvbuf, Access::kWrite, shape.peers(), a->rv);
  }
  if (!vector && mode == Mode::kPersistent && kBlockInitAsVector) {
    block_as_vector(a->rv, shape.peers());
    vector = true;
  }
  if (in_place) {
    a->saddr = MPI_IN_PLACE;
    a->stype = a->rv.type;
  } else if (role == Role::kLeaf || (role == Role::kRoot && !shape.inter)) {
    take_send(a, sendbuf);
  }
  if (vector) {
    MPI4PY_COLL_RUN(mode, a, MPI_Gatherv, MPI_Igatherv, a->saddr, a->scount, a->stype, a->rv.addr,
                    a->rv.counts.data(), a->rv.displs.data(), a->rv.type, root, comm);
  }
  MPI4PY_COLL_RUN(mode, a, MPI_Gather, MPI_Igather, a->saddr, a->scount, a->stype, a->rv.addr,
                  a->rv.count, a->rv.type, root, comm);
}

// Scatter and Scatterv: the root sends one block per process.
nb::object scatter(Mode mode, bool vector, nb::handle self, nb::handle sendbuf, nb::handle recvbuf,
                   int root, nb::handle info_obj) {
  MPI_Comm comm = unwrap<Comm>(self).ob_mpi;
  MPI_Info info = persistent_info(mode, info_obj);
  CommShape shape = comm_shape(comm);
  Role role = root_role(shape, root);
  bool in_place = is_in_place(recvbuf);
  check_in_place_allowed(shape, in_place, !shape.inter && role == Role::kRoot);
  CollArgs local;
  CollArgs* a = &local;
  if (role == Role::kRoot) {
    (vector ? parse_vector : parse_block)(sendbuf, Access::kRead, shape.peers(), a->sv);
  }
  if (!vector && mode == Mode::kPersistent && kBlockInitAsVector) {
    block_as_vector(a->sv, shape.peers());
    vector = true;
  }
  if (in_place) {
    a->raddr = MPI_IN_PLACE;
    a->rtype = a->sv.type;
  } else if (role == Role::kLeaf || (role == Role::kRoot && !shape.inter)) {
    take_recv(a, recvbuf);
  }
  if (vector) {
    MPI4PY_COLL_RUN(mode, a, MPI_Scatterv, MPI_Iscatterv, a->sv.addr, a->sv.counts.data(),
                    a->sv.displs.data(), a->sv.type, a->raddr, a->rcount, a->rtype, root, comm);
  }
  MPI4PY_COLL_RUN(mode, a, MPI_Scatter, MPI_Iscatter, a->sv.addr, a->sv.count, a->sv.type, a->raddr,
                  a->rcount, a->rtype, root, comm);
}

// Allgather and Allgatherv: every process receives one block per peer.
nb::object allgather(Mode mode, bool vector, nb::handle self, nb::handle sendbuf,
                     nb::handle recvbuf, nb::handle info_obj) {
  MPI_Comm comm = unwrap<Comm>(self).ob_mpi;
  MPI_Info info = persistent_info(mode, info_obj);
  CommShape shape = comm_shape(comm);
  bool in_place = is_in_place(sendbuf);
  check_in_place_allowed(shape, in_place, !shape.inter);
  CollArgs local;
  CollArgs* a = &local;
  (vector ? parse_vector : parse_block)(recvbuf, Access::kWrite, shape.peers(), a->rv);
  if (!vector && mode == Mode::kPersistent && kBlockInitAsVector) {
    block_as_vector(a->rv, shape.peers());
    vector = true;
  }
  if (in_place) {
    a->saddr = MPI_IN_PLACE;
    a->stype = a->rv.type;
  } else {
    take_send(a, sendbuf);
  }
  if (vector) {
    MPI4PY_COLL_RUN(mode, a, MPI_Allgatherv, MPI_Iallgatherv, a->saddr, a->scount, a->stype,
                    a->rv.addr, a->rv.counts.data(), a->rv.displs.data(), a->rv.type, comm);
  }
  MPI4PY_COLL_RUN(mode, a, MPI_Allgather, MPI_Iallgather, a->saddr, a->scount, a->stype, a->rv.addr,
                  a->rv.count, a->rv.type, comm);
}

enum class Shape { kBlock, kVector, kW };

// Alltoall, Alltoallv and Alltoallw.
nb::object alltoall(Mode mode, Shape kind, nb::handle self, nb::handle sendbuf, nb::handle recvbuf,
                    nb::handle info_obj) {
  MPI_Comm comm = unwrap<Comm>(self).ob_mpi;
  MPI_Info info = persistent_info(mode, info_obj);
  CommShape shape = comm_shape(comm);
  bool in_place = is_in_place(sendbuf);
  check_in_place_allowed(shape, in_place, !shape.inter);
  auto parse = kind == Shape::kBlock    ? parse_block
               : kind == Shape::kVector ? parse_vector
                                        : parse_w;
  CollArgs local;
  CollArgs* a = &local;
  parse(recvbuf, Access::kWrite, shape.peers(), a->rv);
  if (in_place) {
    // MPI ignores the send arguments; hand it the receive side's, all valid.
    a->sv.addr = MPI_IN_PLACE;
    a->sv.count = a->rv.count;
    a->sv.type = a->rv.type;
    a->sv.counts = a->rv.counts;
    a->sv.displs = a->rv.displs;
    a->sv.wdispls = a->rv.wdispls;
    a->sv.types = a->rv.types;
  } else {
    parse(sendbuf, Access::kRead, shape.peers(), a->sv);
  }
  if (kind == Shape::kW) {
    a->sv.prepare_alltoallw();
    a->rv.prepare_alltoallw();
    MPI4PY_COLL_RUN(mode, a, MPI_Alltoallw, MPI_Ialltoallw, a->sv.addr, a->sv.counts.data(),
                    a->sv.alltoallw_displs(), a->sv.types.data(), a->rv.addr, a->rv.counts.data(),
                    a->rv.alltoallw_displs(), a->rv.types.data(), comm);
  }
  if (kind == Shape::kVector) {
    MPI4PY_COLL_RUN(mode, a, MPI_Alltoallv, MPI_Ialltoallv, a->sv.addr, a->sv.counts.data(),
                    a->sv.displs.data(), a->sv.type, a->rv.addr, a->rv.counts.data(),
                    a->rv.displs.data(), a->rv.type, comm);
  }
  MPI4PY_COLL_RUN(mode, a, MPI_Alltoall, MPI_Ialltoall, a->sv.addr, a->sv.count, a->sv.type,
                  a->rv.addr, a->rv.count, a->rv.type, comm);
}

}  // namespace

void bind_coll_rooted(nb::module_& m, Classes& c) {
  (void)m;
  auto& cls = c.comm;
  const Mode modes[] = {Mode::kBlocking, Mode::kNonblocking, Mode::kPersistent};
  const char* bcast_names[] = {"Bcast", "Ibcast", "Bcast_init"};
  for (int i = 0; i < 3; ++i) {
    Mode mode = modes[i];
    const char* name = bcast_names[i];
    if (mode == Mode::kPersistent) {
      cls.def(
          name,
          [](nb::handle self, nb::handle buf, int root, nb::handle info) {
            require_persistent("MPI_Bcast_init");
            return bcast(Mode::kPersistent, self, buf, root, info);
          },
          arg("buf").none(), arg("root") = 0, arg("info") = nb::none());
    } else {
      cls.def(
          name,
          [mode](nb::handle self, nb::handle buf, int root) {
            return bcast(mode, self, buf, root, nb::none());
          },
          arg("buf").none(), arg("root") = 0);
    }
  }

  // Gather, Gatherv, Scatter, Scatterv: (sendbuf, recvbuf, root).
  struct Rooted {
    const char* names[3];
    const char* mpi_init;
    bool vector;
    bool is_gather;
  };
  const Rooted rooted[] = {
      {{"Gather", "Igather", "Gather_init"}, "MPI_Gather_init", false, true},
      {{"Gatherv", "Igatherv", "Gatherv_init"}, "MPI_Gatherv_init", true, true},
      {{"Scatter", "Iscatter", "Scatter_init"}, "MPI_Scatter_init", false, false},
      {{"Scatterv", "Iscatterv", "Scatterv_init"}, "MPI_Scatterv_init", true, false},
  };
  for (const Rooted& spec : rooted) {
    for (int i = 0; i < 3; ++i) {
      Mode mode = modes[i];
      bool vector = spec.vector, is_gather = spec.is_gather;
      const char* mpi_init = spec.mpi_init;
      auto run = [mode, vector, is_gather, mpi_init](nb::handle self, nb::handle sendbuf,
                                                     nb::handle recvbuf, int root,
                                                     nb::handle info) {
        if (mode == Mode::kPersistent) require_persistent(mpi_init);
        return is_gather ? gather(mode, vector, self, sendbuf, recvbuf, root, info)
                         : scatter(mode, vector, self, sendbuf, recvbuf, root, info);
      };
      if (mode == Mode::kPersistent) {
        cls.def(spec.names[i], run, arg("sendbuf").none(), arg("recvbuf").none(), arg("root") = 0,
                arg("info") = nb::none());
      } else {
        cls.def(
            spec.names[i],
            [run](nb::handle self, nb::handle sendbuf, nb::handle recvbuf, int root) {
              return run(self, sendbuf, recvbuf, root, nb::none());
            },
            arg("sendbuf").none(), arg("recvbuf").none(), arg("root") = 0);
      }
    }
  }

  // Allgather(v), Alltoall(v,w): (sendbuf, recvbuf).
  struct Unrooted {
    const char* names[3];
    const char* mpi_init;
    Shape kind;
    bool is_allgather;
  };
  const Unrooted unrooted[] = {
      {{"Allgather", "Iallgather", "Allgather_init"}, "MPI_Allgather_init", Shape::kBlock, true},
      {{"Allgatherv", "Iallgatherv", "Allgatherv_init"},
       "MPI_Allgatherv_init",
       Shape::kVector,
       true},
      {{"Alltoall", "Ialltoall", "Alltoall_init"}, "MPI_Alltoall_init", Shape::kBlock, false},
      {{"Alltoallv", "Ialltoallv", "Alltoallv_init"}, "MPI_Alltoallv_init", Shape::kVector, false},
      {{"Alltoallw", "Ialltoallw", "Alltoallw_init"}, "MPI_Alltoallw_init", Shape::kW, false},
  };
  for (const Unrooted& spec : unrooted) {
    for (int i = 0; i < 3; ++i) {
      Mode mode = modes[i];
      Shape kind = spec.kind;
      bool is_allgather = spec.is_allgather;
      const char* mpi_init = spec.mpi_init;
      auto run = [mode, kind, is_allgather, mpi_init](nb::handle self, nb::handle sendbuf,
                                                      nb::handle recvbuf, nb::handle info) {
        if (mode == Mode::kPersistent) require_persistent(mpi_init);
        return is_allgather ? allgather(mode, kind == Shape::kVector, self, sendbuf, recvbuf, info)
                            : alltoall(mode, kind, self, sendbuf, recvbuf, info);
      };
      if (mode == Mode::kPersistent) {
        cls.def(spec.names[i], run, arg("sendbuf").none(), arg("recvbuf").none(),
                arg("info") = nb::none());
      } else {
        cls.def(
            spec.names[i],
            [run](nb::handle self, nb::handle sendbuf, nb::handle recvbuf) {
              return run(self, sendbuf, recvbuf, nb::none());
            },
            arg("sendbuf").none(), arg("recvbuf").none());
      }
    }
  }
}

}  // namespace mpi4py
