// Shared pieces of the object (lowercase) collectives: coll_obj.cpp moves
// objects, coll_obj_reduce.cpp reduces them. See coll_obj.cpp for the protocol.
#pragma once

#include <optional>
#include <vector>

#include "coll.hpp"
#include "pickle.hpp"

namespace mpi4py::objcoll {

// This process's own error, kept until every process has finished the protocol.
using Error = std::optional<nb::python_error>;

constexpr CollCount kFailed = -1;  // a contribution that could not be serialized
constexpr CollCount kAbsent = -2;  // nothing arrived (a PROC_NULL neighbour)

MPI_Datatype count_type();  // MPI datatype of CollCount
void keep(Error& err, nb::python_error& error);
void finish(Error& err);  // raise this process's own error, if any
[[noreturn]] void raise_peer_failure(const char* what, int rank);

// A serialized object, held through the buffer protocol.
struct Pickled {
  nb::object data;
  PyBuffer buffer;
  CollCount size = 0;
  char* ptr() const { return size > 0 ? static_cast<char*>(buffer.data()) : nullptr; }
  CollCount count() const { return size > 0 ? size : 0; }
};

void dump(nb::handle obj, Pickled& out, Error& err);

// A fresh bytes object to receive into (nobody else sees it before it is filled).
nb::object new_bytes(MPI_Count size);
inline char* bytes_ptr(nb::handle bytes) { return PyBytes_AS_STRING(bytes.ptr()); }
nb::object load_slice(nb::handle bytes, MPI_Count offset, MPI_Count size);
nb::object copy_obj(nb::handle obj);

// Counts and displacements of concatenated pickles; failed/absent ones are empty.
struct Layout {
  std::vector<CollCount> counts;
  std::vector<CollDispl> displs;
  MPI_Count total = 0;
  int failed = -1;  // first failed contribution
};

Layout layout(const std::vector<CollCount>& sizes);
nb::list load_all(nb::handle bytes, const std::vector<CollCount>& sizes, const Layout& lay);

// Gather the pickles at the root: `bytes` and `sizes` there, with their layout.
struct Gathered {
  nb::object bytes;
  std::vector<CollCount> sizes;
  Layout lay;
};

void gather_raw(MPI_Comm comm, const CommShape& shape, Role role, nb::handle obj, int root,
                Error& err, Gathered& out);
nb::object bcast_value(MPI_Comm comm, int root, Role role, bool inter, nb::handle value,
                       bool failed, Error& err);
nb::object scatter_items(MPI_Comm comm, const CommShape& shape, Role role, nb::handle seq, int root,
                         Error& err);
nb::object obj_allgather(MPI_Comm comm, const CommShape& shape, nb::handle obj, Error& err);

// reduce, allreduce, scan, exscan (coll_obj_reduce.cpp).
void bind_coll_obj_reduce(nb::module_& m, Classes& c);

}  // namespace mpi4py::objcoll
