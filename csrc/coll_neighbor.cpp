// Neighbourhood collectives on Topocomm, blocking, nonblocking (Ineighbor_*)
// and persistent (Neighbor_*_init, MPI-4): Neighbor_allgather(v) and
// Neighbor_alltoall(v,w). Receive specs have one block per in-neighbour, send
// specs of the alltoall family one per out-neighbour.
#include "coll.hpp"

namespace mpi4py {

namespace {

using nb::arg;

enum class Shape { kBlock, kVector, kW };

nb::object neighbor_allgather(Mode mode, bool vector, nb::handle self, nb::handle sendbuf,
                              nb::handle recvbuf, nb::handle info_obj) {
  MPI_Comm comm = unwrap<Topocomm>(self).ob_mpi;
  MPI_Info info = persistent_info(mode, info_obj);
  int indegree = 0, outdegree = 0;
  topo_degrees(comm, indegree, outdegree);
  CollArgs local;
  CollArgs* a = &local;
  take_send(a, sendbuf);
  (vector ? parse_vector : parse_block)(recvbuf, Access::kWrite, indegree, a->rv);
  if (vector) {
    MPI4PY_COLL_RUN(mode, a, MPI_Neighbor_allgatherv, MPI_Ineighbor_allgatherv, a->saddr, a->scount,
                    a->stype, a->rv.addr, a->rv.counts.data(), a->rv.displs.data(), a->rv.type,
                    comm);
  }
  MPI4PY_COLL_RUN(mode, a, MPI_Neighbor_allgather, MPI_Ineighbor_allgather, a->saddr, a->scount,
                  a->stype, a->rv.addr, a->rv.count, a->rv.type, comm);
}

nb::object neighbor_alltoall(Mode mode, Shape kind, nb::handle self, nb::handle sendbuf,
                             nb::handle recvbuf, nb::handle info_obj) {
  MPI_Comm comm = unwrap<Topocomm>(self).ob_mpi;
  MPI_Info info = persistent_info(mode, info_obj);
  int indegree = 0, outdegree = 0;
  topo_degrees(comm, indegree, outdegree);
  auto parse = kind == Shape::kBlock    ? parse_block
               : kind == Shape::kVector ? parse_vector
                                        : parse_w;
  CollArgs local;
  CollArgs* a = &local;
  parse(sendbuf, Access::kRead, outdegree, a->sv);
  parse(recvbuf, Access::kWrite, indegree, a->rv);
  if (kind == Shape::kW) {
    // MPI_Neighbor_alltoallw takes MPI_Aint byte displacements in every version.
    MPI4PY_COLL_RUN(mode, a, MPI_Neighbor_alltoallw, MPI_Ineighbor_alltoallw, a->sv.addr,
                    a->sv.counts.data(), a->sv.wdispls.data(), a->sv.types.data(), a->rv.addr,
                    a->rv.counts.data(), a->rv.wdispls.data(), a->rv.types.data(), comm);
  }
  if (kind == Shape::kVector) {
    MPI4PY_COLL_RUN(mode, a, MPI_Neighbor_alltoallv, MPI_Ineighbor_alltoallv, a->sv.addr,
                    a->sv.counts.data(), a->sv.displs.data(), a->sv.type, a->rv.addr,
                    a->rv.counts.data(), a->rv.displs.data(), a->rv.type, comm);
  }
  MPI4PY_COLL_RUN(mode, a, MPI_Neighbor_alltoall, MPI_Ineighbor_alltoall, a->sv.addr, a->sv.count,
                  a->sv.type, a->rv.addr, a->rv.count, a->rv.type, comm);
}

struct Neighbor {
  const char* names[3];
  const char* mpi_init;
  bool allgather;
  Shape kind;
};

const Neighbor kNeighbor[] = {
    {{"Neighbor_allgather", "Ineighbor_allgather", "Neighbor_allgather_init"},
     "MPI_Neighbor_allgather_init",
     true,
     Shape::kBlock},
    {{"Neighbor_allgatherv", "Ineighbor_allgatherv", "Neighbor_allgatherv_init"},
     "MPI_Neighbor_allgatherv_init",
     true,
     Shape::kVector},
    {{"Neighbor_alltoall", "Ineighbor_alltoall", "Neighbor_alltoall_init"},
     "MPI_Neighbor_alltoall_init",
     false,
     Shape::kBlock},
    {{"Neighbor_alltoallv", "Ineighbor_alltoallv", "Neighbor_alltoallv_init"},
     "MPI_Neighbor_alltoallv_init",
     false,
     Shape::kVector},
    {{"Neighbor_alltoallw", "Ineighbor_alltoallw", "Neighbor_alltoallw_init"},
     "MPI_Neighbor_alltoallw_init",
     false,
     Shape::kW},
};

}  // namespace

void bind_coll_neighbor(nb::module_& m, Classes& c) {
  (void)m;
  const Mode modes[] = {Mode::kBlocking, Mode::kNonblocking, Mode::kPersistent};
  for (const Neighbor& spec : kNeighbor) {
    for (int i = 0; i < 3; ++i) {
      Mode mode = modes[i];
      Neighbor copy = spec;
      auto run = [mode, copy](nb::handle self, nb::handle sendbuf, nb::handle recvbuf,
                              nb::handle info) {
        if (mode == Mode::kPersistent) require_persistent(copy.mpi_init);
        return copy.allgather ? neighbor_allgather(mode, copy.kind == Shape::kVector, self, sendbuf,
                                                   recvbuf, info)
                              : neighbor_alltoall(mode, copy.kind, self, sendbuf, recvbuf, info);
      };
      if (mode == Mode::kPersistent) {
        c.topocomm.def(spec.names[i], run, arg("sendbuf").none(), arg("recvbuf").none(),
                       arg("info") = nb::none());
      } else {
        c.topocomm.def(
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
