// Collective message specs -> MPI argument arrays.
//
// Three spec shapes, all built on the primitives of buffer.hpp (PyBuffer,
// resolve_datatype, datatype_for_buffer, check_span):
//
//   block  [data, count, datatype]            one count per peer, all equal
//          (Gather recvbuf, Scatter sendbuf, Allgather recvbuf, Alltoall)
//   vector [data, counts, displs, datatype]   a count and displacement per peer
//          (Gatherv, Scatterv, Allgatherv, Alltoallv, Neighbor_*v)
//   W      [data, counts, displs, datatypes]  byte displacements, a type per peer
//          (Alltoallw, Neighbor_alltoallw)
//
// Missing counts are inferred from the buffer size (it must split evenly among
// the peers); missing displacements make the blocks consecutive. Every block is
// checked to lie inside the buffer before MPI sees it.
#pragma once

#include <vector>

#include "buffer.hpp"

namespace mpi4py {

// The integer types of MPI's count and displacement arrays: the MPI-4
// large-count (_c) functions where the library has them, int otherwise.
#if MPI_VERSION >= 4
using CollCount = MPI_Count;
using CollDispl = MPI_Aint;
#else
using CollCount = int;
using CollDispl = int;
#endif

// Convert for an MPI call; OverflowError when the value does not fit (MPI-3 libraries).
CollCount coll_count(MPI_Count value);
CollDispl coll_displ(MPI_Count value);

// A resolved block, vector or W spec. Holds the buffer (and so its memory) for
// as long as it lives; nonblocking calls keep it in their request.
struct VectorSpec {
  PyBuffer buffer;
  void* addr = nullptr;
  bool bottom = false;              // addr is MPI_BOTTOM (which may equal nullptr)
  MPI_Datatype type = MPI_BYTE;     // block and vector specs
  CollCount count = 0;              // block specs: the count of every block
  std::vector<CollCount> counts;    // vector and W specs: one per peer
  std::vector<CollDispl> displs;    // vector specs: in extents of `type`
  std::vector<MPI_Aint> wdispls;    // W specs: in bytes
  std::vector<MPI_Datatype> types;  // W specs: one per peer

  // Byte displacements as MPI_Alltoallw(_c) takes them: MPI_Aint, or int before
  // MPI-4, converted (OverflowError if too large) by prepare_alltoallw(), which
  // must run once, with the GIL, before alltoallw_displs() is handed to MPI.
  void prepare_alltoallw();
  CollDispl* alltoallw_displs() {
#if MPI_VERSION >= 4
    return wdispls.data();
#else
    return displs.data();
#endif
  }
};

// Parse a block spec whose buffer holds `blocks` blocks.
void parse_block(nb::handle spec, Access access, int blocks, VectorSpec& out);
// Parse a vector spec for `blocks` peers.
void parse_vector(nb::handle spec, Access access, int blocks, VectorSpec& out);
// Parse a W spec for `blocks` peers.
void parse_w(nb::handle spec, Access access, int blocks, VectorSpec& out);

// A sequence of non-negative counts of the given length (ValueError otherwise).
std::vector<CollCount> parse_counts(nb::handle seq, int length, const char* what);

}  // namespace mpi4py
