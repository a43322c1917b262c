// Process topologies: constructors on Intracomm (Create_cart, Create_graph,
// Create_dist_graph[_adjacent], Cart_map, Graph_map), queries on Cartcomm,
// Graphcomm, Distgraphcomm and Topocomm, and MPI.Compute_dims.
#include <numeric>
#include <string>
#include <vector>

#include "coll.hpp"

namespace mpi4py {

namespace {

using nb::arg;
using Ints = std::vector<int>;

// The Python values of MPI.UNWEIGHTED and MPI.WEIGHTS_EMPTY: the addresses MPI uses.
std::intptr_t unweighted_value() { return reinterpret_cast<std::intptr_t>(MPI_UNWEIGHTED); }
std::intptr_t weights_empty_value() { return reinterpret_cast<std::intptr_t>(MPI_WEIGHTS_EMPTY); }

int comm_rank(MPI_Comm comm) {
  int rank = 0;
  check(MPI_Comm_rank(comm, &rank));
  return rank;
}

int cart_ndims(MPI_Comm comm) {
  int ndims = 0;
  check(MPI_Cartdim_get(comm, &ndims));
  return ndims;
}

std::vector<int> periods_arg(nb::handle periods, size_t ndims) {
  std::vector<int> result(ndims, 0);
  if (periods.is_none()) return result;
  std::vector<bool> flags;
  if (!nb::try_cast(periods, flags)) raise_type_error("periods must be a sequence of bools");
  if (flags.size() != ndims) {
    std::string message = "periods: expecting " + std::to_string(ndims) + " items, got " +
                          std::to_string(flags.size());
    raise_value_error(message.c_str());
  }
  for (size_t i = 0; i < ndims; ++i) result[i] = flags[i] ? 1 : 0;
  return result;
}

// A weights argument: None/UNWEIGHTED, WEIGHTS_EMPTY, or one weight per edge.
struct Weights {
  Ints values;
  int* pointer = MPI_UNWEIGHTED;
};

void weights_arg(nb::handle weights, size_t edges, const char* what, Weights& out) {
  if (weights.is_none()) return;
  if (PyLong_Check(weights.ptr())) {
    std::intptr_t value = nb::cast<std::intptr_t>(weights);
    if (value == unweighted_value()) return;
    if (value == weights_empty_value()) {
      out.pointer = MPI_WEIGHTS_EMPTY;
      return;
    }
    raise_type_error("weights must be a sequence, UNWEIGHTED or WEIGHTS_EMPTY");
  }
  if (!nb::try_cast(weights, out.values)) raise_type_error("weights must be a sequence of ints");
  if (out.values.size() != edges) {
    std::string message = std::string(what) + ": expecting " + std::to_string(edges) +
                          " items, got " + std::to_string(out.values.size());
    raise_value_error(message.c_str());
  }
  out.pointer = out.values.empty() ? MPI_WEIGHTS_EMPTY : out.values.data();
}

// index/edges of a graph: index must be non-decreasing and name every edge given.
void check_graph(const Ints& index, const Ints& edges) {
  int previous = 0;
  for (int value : index) {
    if (value < previous) raise_value_error("index must be non-decreasing and non-negative");
    previous = value;
  }
  if (static_cast<size_t>(previous) != edges.size()) {
    std::string message = "index[-1] is " + std::to_string(previous) + " but " +
                          std::to_string(edges.size()) + " edges were given";
    raise_value_error(message.c_str());
  }
}

struct CartTopo {
  Ints dims, periods, coords;
};

CartTopo cart_topo(MPI_Comm comm) {
  int ndims = cart_ndims(comm);
  CartTopo topo;
  topo.dims.resize(ndims);
  topo.periods.resize(ndims);
  topo.coords.resize(ndims);
  check(MPI_Cart_get(comm, ndims, topo.dims.data(), topo.periods.data(), topo.coords.data()));
  return topo;
}

std::pair<int, int> graph_dims(MPI_Comm comm) {
  int nnodes = 0, nedges = 0;
  check(MPI_Graphdims_get(comm, &nnodes, &nedges));
  return {nnodes, nedges};
}

std::pair<Ints, Ints> graph_topo(MPI_Comm comm) {
  auto [nnodes, nedges] = graph_dims(comm);
  Ints index(nnodes), edges(nedges);
  check(MPI_Graph_get(comm, nnodes, nedges, index.data(), edges.data()));
  return {index, edges};
}

Ints graph_neighbors(MPI_Comm comm, int rank) {
  int count = 0;
  check(MPI_Graph_neighbors_count(comm, rank, &count));
  Ints neighbors(count);
  check(MPI_Graph_neighbors(comm, rank, count, neighbors.data()));
  return neighbors;
}

std::pair<int, int> cart_shift(MPI_Comm comm, int direction, int disp) {
  int source = MPI_PROC_NULL, dest = MPI_PROC_NULL;
  check(MPI_Cart_shift(comm, direction, disp, &source, &dest));
  return {source, dest};
}

// In- and out-neighbours in the order neighbourhood collectives use.
std::pair<Ints, Ints> topo_edges(MPI_Comm comm) {
  int kind = MPI_UNDEFINED;
  check(MPI_Topo_test(comm, &kind));
  if (kind == MPI_CART) {
    int ndims = cart_ndims(comm);
    Ints edges;
    for (int d = 0; d < ndims; ++d) {
      auto [source, dest] = cart_shift(comm, d, 1);
      edges.push_back(source);
      edges.push_back(dest);
    }
    return {edges, edges};
  }
  if (kind == MPI_GRAPH) {
    Ints neighbors = graph_neighbors(comm, comm_rank(comm));
    return {neighbors, neighbors};
  }
  if (kind == MPI_DIST_GRAPH) {
    int indegree = 0, outdegree = 0, weighted = 0;
    check(MPI_Dist_graph_neighbors_count(comm, &indegree, &outdegree, &weighted));
    Ints sources(indegree), destinations(outdegree);
    check(MPI_Dist_graph_neighbors(comm, indegree, sources.data(), MPI_UNWEIGHTED, outdegree,
                                   destinations.data(), MPI_UNWEIGHTED));
    return {sources, destinations};
  }
  raise_mpi_error(MPI_ERR_TOPOLOGY);
}

nb::object dist_neighbors(const Distgraphcomm& self) {
  int indegree = 0, outdegree = 0, weighted = 0;
  check(MPI_Dist_graph_neighbors_count(self.ob_mpi, &indegree, &outdegree, &weighted));
  Ints sources(indegree), destinations(outdegree);
  Ints sourceweights(indegree), destweights(outdegree);
  check(MPI_Dist_graph_neighbors(
      self.ob_mpi, indegree, sources.data(), weighted ? sourceweights.data() : MPI_UNWEIGHTED,
      outdegree, destinations.data(), weighted ? destweights.data() : MPI_UNWEIGHTED));
  nb::object weights = nb::none();
  if (weighted) weights = nb::make_tuple(sourceweights, destweights);
  return nb::make_tuple(sources, destinations, weights);
}

}  // namespace

void topo_degrees(MPI_Comm comm, int& indegree, int& outdegree) {
  int kind = MPI_UNDEFINED;
  check(MPI_Topo_test(comm, &kind));
  if (kind == MPI_CART) {
    indegree = outdegree = 2 * cart_ndims(comm);
  } else if (kind == MPI_GRAPH) {
    check(MPI_Graph_neighbors_count(comm, comm_rank(comm), &indegree));
    outdegree = indegree;
  } else if (kind == MPI_DIST_GRAPH) {
    int weighted = 0;
    check(MPI_Dist_graph_neighbors_count(comm, &indegree, &outdegree, &weighted));
  } else {
    raise_mpi_error(MPI_ERR_TOPOLOGY);
  }
}

void bind_topo(nb::module_& m, Classes& c) {
  m.attr("UNWEIGHTED") = unweighted_value();
  m.attr("WEIGHTS_EMPTY") = weights_empty_value();

  m.def(
      "Compute_dims",
      [](int nnodes, nb::handle dims) {
        Ints values;
        if (PyLong_Check(dims.ptr())) {
          int ndims = nb::cast<int>(dims);
          if (ndims < 0) raise_value_error("number of dimensions must be non-negative");
          values.assign(static_cast<size_t>(ndims), 0);
        } else if (!nb::try_cast(dims, values)) {
          raise_type_error("dims must be an int or a sequence of ints");
        }
        check(MPI_Dims_create(nnodes, static_cast<int>(values.size()), values.data()));
        return values;
      },
      arg("nnodes"), arg("dims"), "Return a balanced distribution of processes per coordinate.");

  // Constructors on Intracomm.
  auto& intra = c.intracomm;
  intra.def(
      "Create_cart",
      [](const Intracomm& self, Ints dims, nb::handle periods, bool reorder) {
        Ints flags = periods_arg(periods, dims.size());
        MPI_Comm comm = MPI_COMM_NULL;
        int ndims = static_cast<int>(dims.size());
        check(nogil([&] {
          return MPI_Cart_create(self.ob_mpi, ndims, dims.data(), flags.data(), reorder, &comm);
        }));
        return wrap<Cartcomm>(comm);
      },
      arg("dims"), arg("periods") = nb::none(), arg("reorder") = false,
      "Create cartesian communicator.");
  intra.def(
      "Cart_map",
      [](const Intracomm& self, Ints dims, nb::handle periods) {
        Ints flags = periods_arg(periods, dims.size());
        int rank = MPI_UNDEFINED;
        check(MPI_Cart_map(self.ob_mpi, static_cast<int>(dims.size()), dims.data(), flags.data(),
                           &rank));
        return rank;
      },
      arg("dims"), arg("periods") = nb::none(), "Determine optimal process placement.");
  intra.def(
      "Create_graph",
      [](const Intracomm& self, Ints index, Ints edges, bool reorder) {
        check_graph(index, edges);
        MPI_Comm comm = MPI_COMM_NULL;
        int nnodes = static_cast<int>(index.size());
        check(nogil([&] {
          return MPI_Graph_create(self.ob_mpi, nnodes, index.data(), edges.data(), reorder, &comm);
        }));
        return wrap<Graphcomm>(comm);
      },
      arg("index"), arg("edges"), arg("reorder") = false, "Create graph communicator.");
  intra.def(
      "Graph_map",
      [](const Intracomm& self, Ints index, Ints edges) {
        check_graph(index, edges);
        int rank = MPI_UNDEFINED;
        check(MPI_Graph_map(self.ob_mpi, static_cast<int>(index.size()), index.data(), edges.data(),
                            &rank));
        return rank;
      },
      arg("index"), arg("edges"), "Determine optimal process placement.");
  intra.def(
      "Create_dist_graph_adjacent",
      [](const Intracomm& self, Ints sources, Ints destinations, nb::handle sourceweights,
         nb::handle destweights, nb::handle info, bool reorder) {
        Weights sw, dw;
        weights_arg(sourceweights, sources.size(), "sourceweights", sw);
        weights_arg(destweights, destinations.size(), "destweights", dw);
        MPI_Info minfo = info_arg(info);
        MPI_Comm comm = MPI_COMM_NULL;
        int indegree = static_cast<int>(sources.size());
        int outdegree = static_cast<int>(destinations.size());
        check(nogil([&] {
          return MPI_Dist_graph_create_adjacent(self.ob_mpi, indegree, sources.data(), sw.pointer,
                                                outdegree, destinations.data(), dw.pointer, minfo,
                                                reorder, &comm);
        }));
        return wrap<Distgraphcomm>(comm);
      },
      arg("sources"), arg("destinations"), arg("sourceweights") = nb::none(),
      arg("destweights") = nb::none(), arg("info") = nb::none(), arg("reorder") = false,
      "Create distributed graph communicator.");
  intra.def(
      "Create_dist_graph",
      [](const Intracomm& self, Ints sources, Ints degrees, Ints destinations, nb::handle weights,
         nb::handle info, bool reorder) {
        if (degrees.size() != sources.size()) {
          std::string message = "degrees: expecting " + std::to_string(sources.size()) +
                                " items, got " + std::to_string(degrees.size());
          raise_value_error(message.c_str());
        }
        long long total = 0;
        for (int degree : degrees) {
          if (degree < 0) raise_value_error("degrees must be non-negative");
          total += degree;
        }
        if (static_cast<size_t>(total) != destinations.size()) {
          std::string message = "sum(degrees) is " + std::to_string(total) + " but " +
                                std::to_string(destinations.size()) + " destinations were given";
          raise_value_error(message.c_str());
        }
        Weights w;
        weights_arg(weights, destinations.size(), "weights", w);
        MPI_Info minfo = info_arg(info);
        MPI_Comm comm = MPI_COMM_NULL;
        int n = static_cast<int>(sources.size());
        check(nogil([&] {
          return MPI_Dist_graph_create(self.ob_mpi, n, sources.data(), degrees.data(),
                                       destinations.data(), w.pointer, minfo, reorder, &comm);
        }));
        return wrap<Distgraphcomm>(comm);
      },
      arg("sources"), arg("degrees"), arg("destinations"), arg("weights") = nb::none(),
      arg("info") = nb::none(), arg("reorder") = false, "Create distributed graph communicator.");

  // Topocomm: neighbourhood of this process.
  auto& topo = c.topocomm;
  auto degrees = [](const Topocomm& self) {
    int indegree = 0, outdegree = 0;
    topo_degrees(self.ob_mpi, indegree, outdegree);
    return std::make_pair(indegree, outdegree);
  };
  topo.def_prop_ro("degrees", degrees, "Number of incoming and outgoing neighbors.");
  topo.def_prop_ro(
      "indegree", [degrees](const Topocomm& self) { return degrees(self).first; },
      "Number of incoming neighbors.");
  topo.def_prop_ro(
      "outdegree", [degrees](const Topocomm& self) { return degrees(self).second; },
      "Number of outgoing neighbors.");
  topo.def_prop_ro(
      "inoutedges", [](const Topocomm& self) { return topo_edges(self.ob_mpi); },
      "Incoming and outgoing neighbors.");
  topo.def_prop_ro(
      "inedges", [](const Topocomm& self) { return topo_edges(self.ob_mpi).first; },
      "Incoming neighbors.");
  topo.def_prop_ro(
      "outedges", [](const Topocomm& self) { return topo_edges(self.ob_mpi).second; },
      "Outgoing neighbors.");

  // Cartcomm.
  auto& cart = c.cartcomm;
  auto ndims = [](const Cartcomm& self) { return cart_ndims(self.ob_mpi); };
  cart.def("Get_dim", ndims, "Return number of dimensions.");
  cart.def_prop_ro("dim", ndims, "Number of dimensions.");
  cart.def_prop_ro("ndim", ndims, "Number of dimensions.");
  auto topo_tuple = [](const Cartcomm& self) {
    CartTopo t = cart_topo(self.ob_mpi);
    return nb::make_tuple(t.dims, t.periods, t.coords);
  };
  cart.def("Get_topo", topo_tuple, "Return information on the cartesian topology.");
  cart.def_prop_ro("topo", topo_tuple, "Topology information.");
  cart.def_prop_ro(
      "dims", [](const Cartcomm& self) { return cart_topo(self.ob_mpi).dims; }, "Dimensions.");
  cart.def_prop_ro(
      "periods", [](const Cartcomm& self) { return cart_topo(self.ob_mpi).periods; },
      "Periodicity.");
  cart.def_prop_ro(
      "coords", [](const Cartcomm& self) { return cart_topo(self.ob_mpi).coords; }, "Coordinates.");
  cart.def(
      "Get_cart_rank",
      [](const Cartcomm& self, Ints coords) {
        if (static_cast<int>(coords.size()) != cart_ndims(self.ob_mpi)) {
          std::string message = "coords: expecting " + std::to_string(cart_ndims(self.ob_mpi)) +
                                " items, got " + std::to_string(coords.size());
          raise_value_error(message.c_str());
        }
        int rank = MPI_PROC_NULL;
        check(MPI_Cart_rank(self.ob_mpi, coords.data(), &rank));
        return rank;
      },
      arg("coords"), "Translate logical coordinates to ranks.");
  cart.def(
      "Get_coords",
      [](const Cartcomm& self, int rank) {
        Ints coords(static_cast<size_t>(cart_ndims(self.ob_mpi)));
        check(MPI_Cart_coords(self.ob_mpi, rank, static_cast<int>(coords.size()), coords.data()));
        return coords;
      },
      arg("rank"), "Translate ranks to logical coordinates.");
  cart.def(
      "Shift",
      [](const Cartcomm& self, int direction, int disp) {
        return cart_shift(self.ob_mpi, direction, disp);
      },
      arg("direction"), arg("disp"), "Return a process ranks for data shifting with Sendrecv.");
  cart.def(
      "Sub",
      [](nb::handle self, std::vector<bool> remain_dims) {
        MPI_Comm source = nb::cast<Cartcomm&>(self).ob_mpi;
        if (static_cast<int>(remain_dims.size()) != cart_ndims(source)) {
          std::string message = "remain_dims: expecting " + std::to_string(cart_ndims(source)) +
                                " items, got " + std::to_string(remain_dims.size());
          raise_value_error(message.c_str());
        }
        Ints flags(remain_dims.begin(), remain_dims.end());
        MPI_Comm comm = MPI_COMM_NULL;
        check(nogil([&] { return MPI_Cart_sub(source, flags.data(), &comm); }));
        return wrap_as<Cartcomm>(self.type(), comm);
      },
      arg("remain_dims"), "Return a lower-dimensional Cartesian topology.");

  // Graphcomm.
  auto& graph = c.graphcomm;
  auto gdims = [](const Graphcomm& self) { return graph_dims(self.ob_mpi); };
  graph.def("Get_dims", gdims, "Return the number of nodes and edges.");
  graph.def_prop_ro("dims", gdims, "Number of nodes and edges.");
  graph.def_prop_ro(
      "nnodes", [](const Graphcomm& self) { return graph_dims(self.ob_mpi).first; },
      "Number of nodes.");
  graph.def_prop_ro(
      "nedges", [](const Graphcomm& self) { return graph_dims(self.ob_mpi).second; },
      "Number of edges.");
  auto gtopo = [](const Graphcomm& self) { return graph_topo(self.ob_mpi); };
  graph.def("Get_topo", gtopo, "Return index and edges.");
  graph.def_prop_ro("topo", gtopo, "Topology information.");
  graph.def_prop_ro(
      "index", [](const Graphcomm& self) { return graph_topo(self.ob_mpi).first; }, "Index.");
  graph.def_prop_ro(
      "edges", [](const Graphcomm& self) { return graph_topo(self.ob_mpi).second; }, "Edges.");
  graph.def(
      "Get_neighbors_count",
      [](const Graphcomm& self, int rank) {
        int count = 0;
        check(MPI_Graph_neighbors_count(self.ob_mpi, rank, &count));
        return count;
      },
      arg("rank"), "Return number of neighbors of a process.");
  graph.def(
      "Get_neighbors",
      [](const Graphcomm& self, int rank) { return graph_neighbors(self.ob_mpi, rank); },
      arg("rank"), "Return list of neighbors of a process.");
  graph.def_prop_ro(
      "nneighbors",
      [](const Graphcomm& self) {
        return static_cast<int>(graph_neighbors(self.ob_mpi, comm_rank(self.ob_mpi)).size());
      },
      "Number of neighbors.");
  graph.def_prop_ro(
      "neighbors",
      [](const Graphcomm& self) { return graph_neighbors(self.ob_mpi, comm_rank(self.ob_mpi)); },
      "Neighbors.");

  // Distgraphcomm.
  auto& dist = c.distgraphcomm;
  dist.def(
      "Get_dist_neighbors_count",
      [](const Distgraphcomm& self) {
        int indegree = 0, outdegree = 0, weighted = 0;
        check(MPI_Dist_graph_neighbors_count(self.ob_mpi, &indegree, &outdegree, &weighted));
        return nb::make_tuple(indegree, outdegree, weighted != 0);
      },
      "Return adjacency information for a distributed graph topology.");
  dist.def("Get_dist_neighbors", &dist_neighbors,
           "Return adjacency information for a distributed graph topology.");

  bind_intercomm(m, c);
}

}  // namespace mpi4py
