// Message specs -> (address, count, datatype). The one buffer path: every method
// that takes a Python buffer or message spec goes through here.
#pragma once

#include <utility>

#include "types.hpp"

namespace mpi4py {

// A Python buffer held through the buffer protocol, released on destruction.
class PyBuffer {
 public:
  PyBuffer() = default;
  PyBuffer(const PyBuffer&) = delete;
  PyBuffer& operator=(const PyBuffer&) = delete;
  PyBuffer(PyBuffer&& other) noexcept
      : view_(other.view_), held_(other.held_), foreign_(std::move(other.foreign_)) {
    other.held_ = false;
  }
  PyBuffer& operator=(PyBuffer&& other) noexcept {
    if (this != &other) {
      release();
      view_ = other.view_;
      held_ = other.held_;
      foreign_ = std::move(other.foreign_);
      other.held_ = false;
    }
    return *this;
  }
  ~PyBuffer() { release(); }

  // Acquire a contiguous buffer; a writable one when `writable` (receive side).
  // Objects without the buffer protocol may export host memory through DLPack
  // (__dlpack__) or __cuda_array_interface__. Raises TypeError/BufferError
  // with a clear message on failure.
  void acquire(nb::handle obj, bool writable);
  void release() {
    if (held_) {
      if (foreign_.is_valid())
        foreign_.reset();  // the DLPack capsule or exporting object
      else
        PyBuffer_Release(&view_);
      held_ = false;
    }
  }
  bool held() const { return held_; }
  void* data() const { return view_.buf; }
  Py_ssize_t nbytes() const { return view_.len; }
  Py_ssize_t itemsize() const { return view_.itemsize; }
  const char* format() const { return view_.format; }
  bool readonly() const { return view_.readonly; }
  PyObject* owner() const { return view_.obj; }

 private:
  bool acquire_dlpack(nb::handle obj, bool writable);
  bool acquire_cai(nb::handle obj, bool writable);
  void set_foreign(nb::object keep, void* data, Py_ssize_t nbytes, Py_ssize_t itemsize,
                   const char* format, bool readonly);

  Py_buffer view_{};
  bool held_ = false;
  nb::object foreign_;  // set when the memory came through DLPack or the CUDA array interface
};

enum class Access { kRead, kWrite };

// A message spec resolved into MPI arguments. Keeps the buffer acquired (and so
// the memory alive) for as long as it lives: nonblocking calls keep it in the
// request until completion.
struct MessageSpec {
  PyBuffer buffer;
  void* addr = nullptr;
  MPI_Count count = 0;
  MPI_Datatype type = MPI_BYTE;
  nb::object keepalive;  // e.g. an object exported through DLPack
};

// Parse a point-to-point style spec: buffer | [buf, type] | [buf, count] |
// [buf, count, type] | [buf, (count, displ), type] | [buf, count, displ, type] |
// None | [BOTTOM, count, type]. Types may be Datatype objects or typecode strings.
void parse_message(nb::handle spec, Access access, MessageSpec& out);

// Resolve a Datatype object or typecode string; raises TypeError/ValueError.
MPI_Datatype resolve_datatype(nb::handle obj);

// Datatype matching a buffer's format; raises ValueError if MPI has none.
MPI_Datatype datatype_for_buffer(const PyBuffer& buffer);

// Raise ValueError unless [displ, displ+count) elements of `type` fit in
// `nbytes` bytes. Used by every path that takes explicit counts/displacements.
void check_span(MPI_Count count, MPI_Count displ, MPI_Datatype type, Py_ssize_t nbytes);

// The sentinels MPI.BOTTOM and MPI.IN_PLACE.
bool is_bottom(nb::handle obj);
bool is_in_place(nb::handle obj);
void bind_buffer_constants(nb::module_& m);

}  // namespace mpi4py
