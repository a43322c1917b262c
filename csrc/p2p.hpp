// What point-to-point, requests and messages share: the state a nonblocking
// operation owns until it completes, request/message construction, status
// arguments, and the object (pickle) message helpers.
#pragma once

#include "buffer.hpp"
#include "largecount.hpp"

namespace mpi4py {

// Everything a nonblocking operation owns until it completes: its message specs
// (so the memory stays valid and exported buffers stay locked), and for the
// object API what wait() must turn into a result. Held by Request::keep through
// a Python object, shared by copies of the request (Request(req)).
struct RequestKeep {
  enum Kind : unsigned char {
    kBuffers,     // a buffer operation: nothing to return
    kRecvObject,  // an object receive: wait() unpickles from `recv`
    kObject,      // Grequest.complete(obj): wait() returns `obj`
  };
  MessageSpec send;
  MessageSpec recv;
  nb::object obj;
  MPI_Request handle = MPI_REQUEST_NULL;  // the operation, for buffers orphaned while pending
  Kind kind = kBuffers;
  bool persistent = false;  // keep the specs across completions, until Free
  bool done = false;        // the operation completed or was handed to MPI_Request_free

  RequestKeep() = default;
  RequestKeep(const RequestKeep&) = delete;
  RequestKeep& operator=(const RequestKeep&) = delete;
  // If the last reference goes while the operation may still run (a request
  // object dropped without Wait), the specs move to a list of orphans that is
  // tested later, so MPI never touches freed memory.
  ~RequestKeep();
};

// The Python object holding a RequestKeep: a bare CPython object (no nanobind
// instance bookkeeping), allocated once per nonblocking operation.
struct KeepObject {
  PyObject_HEAD RequestKeep keep;
};

// A new RequestKeep held by a new Python object stored into `holder`.
RequestKeep& make_keep(nb::object& holder);

// The RequestKeep held by `holder` (an object made by make_keep).
inline RequestKeep& keep_in(nb::handle holder) {
  return reinterpret_cast<KeepObject*>(holder.ptr())->keep;
}

// The keep of a request object, or nullptr.
inline RequestKeep* keep_of(const Request& request) {
  return request.keep.is_valid() ? &keep_in(request.keep) : nullptr;
}

// A new request object of Python type `type` owning `keep` (may be null).
nb::object new_request(nb::handle type, MPI_Request handle, nb::object keep);

// A status argument: None -> MPI_STATUS_IGNORE, a Status -> its MPI_Status.
MPI_Status* status_arg(nb::handle status);

// A Python NotImplementedError naming what this MPI library lacks.

// Object API: serialize `obj` into `out` (bytes, MPI_BYTE), owned by `out`.
void dump_object(nb::handle obj, MessageSpec& out);

// Object API: unpickle `count` bytes at `data`, which `owner` keeps alive.
// An empty message (PROC_NULL) gives None.
nb::object load_object(nb::handle owner, const void* data, MPI_Count count);

// Object API receive buffer: an exact-size bytes object, writable until shared.
nb::object new_bytes(MPI_Count count, char** data);

// Live mpi4py.rc options the object API reads on each call.
bool rc_recv_mprobe();
Py_ssize_t rc_irecv_bufsz();

// Bind __init__ (copy of another handle of the family, sharing `keep`), ==, !=,
// hash, bool and `handle` for a handle class that carries a `keep` member.
template <class Derived, class Family, class Class>
void bind_keep_handle(Class& cls, typename Family::mpi_type null_value, bool compare) {
  // Replace a generic __init__ bound elsewhere: copies must share `keep`.
  PyObject* dict = reinterpret_cast<PyTypeObject*>(cls.ptr())->tp_dict;
  if (dict && PyDict_GetItemString(dict, "__init__")) nb::delattr(cls, "__init__");
  cls.def(
      "__init__",
      [null_value](Derived* self, nb::handle other) {
        new (self) Derived();
        self->ob_mpi = null_value;
        if (!other.is_none()) {
          Family* source = nullptr;
          if (!nb::try_cast<Family*>(other, source) || source == nullptr)
            raise_type_error("expected an instance of the same MPI handle family or None");
          self->ob_mpi = source->ob_mpi;
          self->keep = source->keep;
        }
      },
      nb::arg("obj") = nb::none());
  if (compare) bind_handle_compare<Family>(cls, null_value);
}

}  // namespace mpi4py
