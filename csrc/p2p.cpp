// Point-to-point communication on Comm: the buffer API (Send, Recv, Isend, ...),
// the object API (send, recv, isend, ...), persistent and partitioned
// operations, and the buffered-send buffer (Attach_buffer/Detach_buffer).
#include "p2p.hpp"

#include <string>
#include <unordered_map>

#include "pickle.hpp"

namespace mpi4py {

namespace {

PyObject* rc_object = nullptr;  // mpi4py.rc (kept alive by the mpi4py module)
PyObject* name_recv_mprobe = nullptr;
PyObject* name_irecv_bufsz = nullptr;
PyObject* module_dict = nullptr;  // mpi4py.MPI.__dict__, for the active MPI.pickle
PyObject* name_pickle = nullptr;
PyObject* name_loads = nullptr;
PyObject* std_loads = nullptr;  // pickle.loads

enum class SendMode { kStandard, kBuffered, kSynchronous, kReady };

#if MPI_VERSION > 4 || (MPI_VERSION == 4 && MPI_SUBVERSION >= 1)
#define MPI4PY_HAVE_MPI_4_1 1
#endif

// A buffer attached for buffered sends (to the process, or with MPI-4.1 to a
// communicator): held, and so locked against resizing, until detached.
struct Attached {
  PyBuffer buffer;
  PyObject* object = nullptr;  // what Detach_buffer returns
  void set(PyBuffer&& held, nb::handle obj) {
    buffer = std::move(held);
    Py_XINCREF(obj.ptr());
    Py_XDECREF(object);
    object = obj.ptr();
  }
  nb::object take() {
    nb::object result = object ? nb::steal(object) : nb::none();
    object = nullptr;
    buffer.release();
    return result;
  }
};

struct AutomaticType {};
PyObject* buffer_automatic = nullptr;  // MPI.BUFFER_AUTOMATIC (owned by the module)
// Never destroyed (they hold Python references past interpreter teardown
// otherwise); emptied by an atexit hook.
Attached* process_buffer = new Attached();

// A buffered send with no buffer attached fails with ERR_BUFFER. Refused here,
// before MPI: Open MPI 4.1 loses the message sequence to that peer when it
// fails such a send, and every later message to it then hangs. (MPI-4.1
// libraries may have communicator or automatic buffers: they decide.)
void check_buffered(SendMode mode, int dest) {
#ifndef MPI4PY_HAVE_MPI_4_1
  if (mode == SendMode::kBuffered && dest != MPI_PROC_NULL && process_buffer->object == nullptr)
    raise_mpi_error(MPI_ERR_BUFFER);
#else
  (void)mode, (void)dest;
#endif
}

int send_call(SendMode mode, const MessageSpec& s, int dest, int tag, MPI_Comm comm) {
  return with_count(s.count, s.type, [&](auto n, MPI_Datatype t) {
    switch (mode) {
      case SendMode::kBuffered:
        return lc::Bsend(s.addr, n, t, dest, tag, comm);
      case SendMode::kSynchronous:
        return lc::Ssend(s.addr, n, t, dest, tag, comm);
      case SendMode::kReady:
        return lc::Rsend(s.addr, n, t, dest, tag, comm);
      default:
        return lc::Send(s.addr, n, t, dest, tag, comm);
    }
  });
}

int isend_call(SendMode mode, const MessageSpec& s, int dest, int tag, MPI_Comm comm,
               MPI_Request* request) {
  return with_count(s.count, s.type, [&](auto n, MPI_Datatype t) {
    switch (mode) {
      case SendMode::kBuffered:
        return lc::Ibsend(s.addr, n, t, dest, tag, comm, request);
      case SendMode::kSynchronous:
        return lc::Issend(s.addr, n, t, dest, tag, comm, request);
      case SendMode::kReady:
        return lc::Irsend(s.addr, n, t, dest, tag, comm, request);
      default:
        return lc::Isend(s.addr, n, t, dest, tag, comm, request);
    }
  });
}

int send_init_call(SendMode mode, const MessageSpec& s, int dest, int tag, MPI_Comm comm,
                   MPI_Request* request) {
  return with_count(s.count, s.type, [&](auto n, MPI_Datatype t) {
    switch (mode) {
      case SendMode::kBuffered:
        return lc::Bsend_init(s.addr, n, t, dest, tag, comm, request);
      case SendMode::kSynchronous:
        return lc::Ssend_init(s.addr, n, t, dest, tag, comm, request);
      case SendMode::kReady:
        return lc::Rsend_init(s.addr, n, t, dest, tag, comm, request);
      default:
        return lc::Send_init(s.addr, n, t, dest, tag, comm, request);
    }
  });
}

int recv_call(MessageSpec& r, int source, int tag, MPI_Comm comm, MPI_Status* status) {
  return with_count(r.count, r.type, [&](auto n, MPI_Datatype t) {
    return lc::Recv(r.addr, n, t, source, tag, comm, status);
  });
}

// --- buffer API ----------------------------------------------------------------

void comm_send(SendMode mode, const Comm& self, nb::handle buf, int dest, int tag) {
  check_buffered(mode, dest);
  MessageSpec s;
  parse_message(buf, Access::kRead, s);
  check(nogil([&] { return send_call(mode, s, dest, tag, self.ob_mpi); }));
}

nb::object comm_isend(SendMode mode, const Comm& self, nb::handle buf, int dest, int tag) {
  check_buffered(mode, dest);
  nb::object holder;
  RequestKeep& keep = make_keep(holder);
  parse_message(buf, Access::kRead, keep.send);
  MPI_Request request = MPI_REQUEST_NULL;
  check(isend_call(mode, keep.send, dest, tag, self.ob_mpi, &request));
  return new_request(nb::type<Request>(), request, std::move(holder));
}

nb::object comm_send_init(SendMode mode, const Comm& self, nb::handle buf, int dest, int tag) {
  nb::object holder;
  RequestKeep& keep = make_keep(holder);
  keep.persistent = true;
  parse_message(buf, Access::kRead, keep.send);
  MPI_Request request = MPI_REQUEST_NULL;
  check(send_init_call(mode, keep.send, dest, tag, self.ob_mpi, &request));
  return new_request(nb::type<Prequest>(), request, std::move(holder));
}

#if MPI_VERSION >= 4
MPI_Info info_arg(nb::handle info) {
  if (info.is_none()) return MPI_INFO_NULL;
  Info* i = nullptr;
  if (!nb::try_cast<Info*>(info, i) || i == nullptr) raise_type_error("info must be an Info");
  return i->ob_mpi;
}

MPI_Count partition_count(const MessageSpec& spec, int partitions) {
  if (partitions <= 0) raise_value_error("partitions must be positive");
  if (spec.count % partitions != 0) {
    std::string message = "message of " + std::to_string(spec.count) +
                          " items does not split into " + std::to_string(partitions) +
                          " equal partitions";
    raise_value_error(message.c_str());
  }
  return spec.count / partitions;
}
#endif

// --- object API ------------------------------------------------------------------

void obj_send(SendMode mode, const Comm& self, nb::handle obj, int dest, int tag) {
  check_buffered(mode, dest);
  MessageSpec s;
  if (dest != MPI_PROC_NULL) dump_object(obj, s);  // nothing travels to PROC_NULL
  check(nogil([&] { return send_call(mode, s, dest, tag, self.ob_mpi); }));
}

nb::object obj_isend(SendMode mode, const Comm& self, nb::handle obj, int dest, int tag) {
  check_buffered(mode, dest);
  nb::object holder;
  RequestKeep& keep = make_keep(holder);
  if (dest != MPI_PROC_NULL) dump_object(obj, keep.send);
  MPI_Request request = MPI_REQUEST_NULL;
  check(isend_call(mode, keep.send, dest, tag, self.ob_mpi, &request));
  return new_request(nb::type<Request>(), request, std::move(holder));
}

// Receive one pickled message of unknown size: matched probe and receive (or
// probe and receive with rc.recv_mprobe false), then unpickle.
nb::object obj_recv_any(MPI_Comm comm, int source, int tag, MPI_Status* status) {
  MPI_Status local;
  MPI_Status* st = status == MPI_STATUS_IGNORE ? &local : status;
  MPI_Count count = 0;
  char* data = nullptr;
  nb::object bytes;
  if (rc_recv_mprobe()) {
    MPI_Message message = MPI_MESSAGE_NULL;
    check(nogil([&] { return MPI_Mprobe(source, tag, comm, &message, st); }));
    check(get_count(st, MPI_BYTE, &count));
    bytes = new_bytes(count, &data);
    check(nogil([&] {
      return with_count(count, MPI_BYTE, [&](auto n, MPI_Datatype t) {
        return lc::Mrecv(data, n, t, &message, st);
      });
    }));
  } else {
    check(nogil([&] { return MPI_Probe(source, tag, comm, st); }));
    check(get_count(st, MPI_BYTE, &count));
    bytes = new_bytes(count, &data);
    int from = st->MPI_SOURCE, with_tag = st->MPI_TAG;
    check(nogil([&] {
      return with_count(count, MPI_BYTE, [&](auto n, MPI_Datatype t) {
        return lc::Recv(data, n, t, from, with_tag, comm, st);
      });
    }));
  }
  return load_object(bytes, data, count);
}

// Receive a pickled message into a user buffer.
nb::object obj_recv_into(MPI_Comm comm, nb::handle buf, int source, int tag, MPI_Status* status) {
  MessageSpec r;
  r.buffer.acquire(buf, true);
  r.addr = r.buffer.data();
  r.count = r.buffer.nbytes();
  r.type = MPI_BYTE;
  MPI_Status local;
  MPI_Status* st = status == MPI_STATUS_IGNORE ? &local : status;
  check(nogil([&] { return recv_call(r, source, tag, comm, st); }));
  MPI_Count count = 0;
  check(get_count(st, MPI_BYTE, &count));
  return load_object(buf, r.addr, count);
}

// Blocking until MPI is done, without the GIL.
void wait_released(MPI_Request* request) {
  check(nogil([&] { return MPI_Wait(request, MPI_STATUS_IGNORE); }));
}

// --- the buffered-send buffer ----------------------------------------------------------

// Acquire `buf` for attaching: (address, size) in `held`, or true for
// BUFFER_AUTOMATIC (None means the same).
bool attach_spec(nb::handle buf, PyBuffer& held) {
  if (buf.is_none() || buf.ptr() == buffer_automatic) return true;
  held.acquire(buf, true);
  return false;
}

void attach_buffer(nb::handle buf) {
  PyBuffer held;
  if (attach_spec(buf, held)) {
#ifdef MPI_BUFFER_AUTOMATIC
    check(MPI_Buffer_attach(MPI_BUFFER_AUTOMATIC, 0));
    process_buffer->set(PyBuffer(), nb::handle(buffer_automatic));
    return;
#else
    raise_not_implemented("MPI_BUFFER_AUTOMATIC");
#endif
  }
  MPI_Count size = held.nbytes();
  if (size > INT_MAX) {
#ifdef MPI4PY_HAVE_C_ROUTINES
    check(MPI_Buffer_attach_c(held.data(), size));
#else
    raise_value_error("buffer of more than 2**31-1 bytes needs an MPI-4 library");
#endif
  } else {
    check(MPI_Buffer_attach(held.data(), static_cast<int>(size)));
  }
  process_buffer->set(std::move(held), buf);
}

nb::object detach_buffer() {
  // Nothing attached: None (Open MPI would fail where MPICH returns nothing).
  if (process_buffer->object == nullptr) return nb::none();
  void* addr = nullptr;
#ifdef MPI4PY_HAVE_C_ROUTINES
  MPI_Count size = 0;
  check(nogil([&] { return MPI_Buffer_detach_c(&addr, &size); }));
#else
  int size = 0;
  check(nogil([&] { return MPI_Buffer_detach(&addr, &size); }));
#endif
  return process_buffer->take();
}

#ifdef MPI4PY_HAVE_MPI_4_1
// Buffers attached to communicators, by communicator handle.
std::unordered_map<std::intptr_t, Attached>* comm_buffers =
    new std::unordered_map<std::intptr_t, Attached>();

void comm_attach_buffer(const Comm& self, nb::handle buf) {
  PyBuffer held;
  if (attach_spec(buf, held)) {
    check(MPI_Comm_attach_buffer(self.ob_mpi, MPI_BUFFER_AUTOMATIC, 0));
    (*comm_buffers)[self.as_int()].set(PyBuffer(), nb::handle(buffer_automatic));
    return;
  }
  check(MPI_Comm_attach_buffer_c(self.ob_mpi, held.data(), held.nbytes()));
  (*comm_buffers)[self.as_int()].set(std::move(held), buf);
}

nb::object comm_detach_buffer(const Comm& self) {
  void* addr = nullptr;
  MPI_Count size = 0;
  check(nogil([&] { return MPI_Comm_detach_buffer_c(self.ob_mpi, &addr, &size); }));
  auto found = comm_buffers->find(self.as_int());
  if (found == comm_buffers->end()) return nb::none();
  nb::object result = found->second.take();
  comm_buffers->erase(found);
  return result;
}
#endif

void drop_attached() {
  process_buffer->take();
#ifdef MPI4PY_HAVE_MPI_4_1
  comm_buffers->clear();
#endif
}

}  // namespace

// --- shared helpers (p2p.hpp) ----------------------------------------------------

bool rc_recv_mprobe() {
  PyObject* value = PyObject_GetAttr(rc_object, name_recv_mprobe);
  if (!value) throw nb::python_error();
  int flag = PyObject_IsTrue(value);
  Py_DECREF(value);
  if (flag < 0) throw nb::python_error();
  return flag != 0;
}

Py_ssize_t rc_irecv_bufsz() {
  PyObject* value = PyObject_GetAttr(rc_object, name_irecv_bufsz);
  if (!value) throw nb::python_error();
  Py_ssize_t size = PyLong_AsSsize_t(value);
  Py_DECREF(value);
  if (size == -1 && PyErr_Occurred()) throw nb::python_error();
  if (size < 0) raise_value_error("mpi4py.rc.irecv_bufsz must be non-negative");
  return size;
}

void dump_object(nb::handle obj, MessageSpec& out) {
  nb::object data = pickle_dumps(obj);
  out.type = MPI_BYTE;
  if (PyBytes_CheckExact(data.ptr())) {
    out.addr = PyBytes_AS_STRING(data.ptr());
    out.count = PyBytes_GET_SIZE(data.ptr());
    out.keepalive = std::move(data);
  } else {
    out.buffer.acquire(data, false);
    out.addr = out.buffer.data();
    out.count = out.buffer.nbytes();
  }
}

nb::object new_bytes(MPI_Count count, char** data) {
  if (count > PY_SSIZE_T_MAX) raise_value_error("message too large for a bytes object");
  PyObject* bytes = PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(count));
  if (!bytes) throw nb::python_error();
  *data = PyBytes_AS_STRING(bytes);
  return nb::steal(bytes);
}

nb::object load_object(nb::handle owner, const void* data, MPI_Count count) {
  if (count <= 0) return nb::none();
  PyObject* obj = owner.ptr();
  if (PyBytes_CheckExact(obj) && PyBytes_GET_SIZE(obj) == count) return pickle_loads(owner);
  // Part of a larger buffer: the standard unpickler reads a view in place; other
  // serializers (json, ...) may insist on bytes, so they get an exact copy.
  nb::object data_obj;
  bool standard = false;
  if (PyObject* active = PyDict_GetItem(module_dict, name_pickle)) {
    PyObject* loads = PyObject_GetAttr(active, name_loads);
    if (!loads) throw nb::python_error();
    standard = loads == std_loads;
    Py_DECREF(loads);
  }
  if (standard) {
    data_obj = nb::steal(PyMemoryView_FromMemory(static_cast<char*>(const_cast<void*>(data)),
                                                 static_cast<Py_ssize_t>(count), PyBUF_READ));
  } else {
    data_obj = nb::steal(
        PyBytes_FromStringAndSize(static_cast<const char*>(data), static_cast<Py_ssize_t>(count)));
  }
  if (!data_obj.is_valid()) throw nb::python_error();
  return pickle_loads(data_obj);
}

void bind_p2p(nb::module_& m, Classes& c) {
  rc_object = nb::module_::import_("mpi4py").attr("rc").ptr();
  name_recv_mprobe = PyUnicode_InternFromString("recv_mprobe");
  name_irecv_bufsz = PyUnicode_InternFromString("irecv_bufsz");
  module_dict = m.attr("__dict__").ptr();
  name_pickle = PyUnicode_InternFromString("pickle");
  name_loads = PyUnicode_InternFromString("_loads");
  std_loads = nb::module_::import_("pickle").attr("loads").ptr();

  auto& cls = c.comm;
  const int any_source = MPI_ANY_SOURCE, any_tag = MPI_ANY_TAG;

  // --- blocking buffer API -----------------------------------------------------------
  cls.def(
      "Send",
      [](nb::handle self_obj, nb::handle buf, int dest, int tag) {
        const Comm& self = unwrap<Comm>(self_obj);
        comm_send(SendMode::kStandard, self, buf, dest, tag);
      },
      nb::arg("buf").none(), nb::arg("dest"), nb::arg("tag") = 0, "Blocking send.");
  cls.def(
      "Bsend",
      [](nb::handle self_obj, nb::handle buf, int dest, int tag) {
        const Comm& self = unwrap<Comm>(self_obj);
        comm_send(SendMode::kBuffered, self, buf, dest, tag);
      },
      nb::arg("buf").none(), nb::arg("dest"), nb::arg("tag") = 0,
      "Blocking send in buffered mode.");
  cls.def(
      "Ssend",
      [](nb::handle self_obj, nb::handle buf, int dest, int tag) {
        const Comm& self = unwrap<Comm>(self_obj);
        comm_send(SendMode::kSynchronous, self, buf, dest, tag);
      },
      nb::arg("buf").none(), nb::arg("dest"), nb::arg("tag") = 0,
      "Blocking send in synchronous mode.");
  cls.def(
      "Rsend",
      [](nb::handle self_obj, nb::handle buf, int dest, int tag) {
        const Comm& self = unwrap<Comm>(self_obj);
        comm_send(SendMode::kReady, self, buf, dest, tag);
      },
      nb::arg("buf").none(), nb::arg("dest"), nb::arg("tag") = 0, "Blocking send in ready mode.");
  cls.def(
      "Recv",
      [](nb::handle self_obj, nb::handle buf, int source, int tag, nb::handle status) {
        const Comm& self = unwrap<Comm>(self_obj);
        MessageSpec r;
        parse_message(buf, Access::kWrite, r);
        MPI_Status* st = status_arg(status);
        check(nogil([&] { return recv_call(r, source, tag, self.ob_mpi, st); }));
      },
      nb::arg("buf").none(), nb::arg("source") = any_source, nb::arg("tag") = any_tag,
      nb::arg("status") = nb::none(), "Blocking receive.");
  cls.def(
      "Sendrecv",
      [](nb::handle self_obj, nb::handle sendbuf, int dest, int sendtag, nb::handle recvbuf,
         int source, int recvtag, nb::handle status) {
        const Comm& self = unwrap<Comm>(self_obj);
        MessageSpec s, r;
        parse_message(sendbuf, Access::kRead, s);
        parse_message(recvbuf, Access::kWrite, r);
        MPI_Status* st = status_arg(status);
        check(nogil([&] {
          return with_counts(s.count, s.type, r.count, r.type,
                             [&](auto sn, MPI_Datatype stype, auto rn, MPI_Datatype rtype) {
                               return lc::Sendrecv(s.addr, sn, stype, dest, sendtag, r.addr, rn,
                                                   rtype, source, recvtag, self.ob_mpi, st);
                             });
        }));
      },
      nb::arg("sendbuf").none(), nb::arg("dest"), nb::arg("sendtag") = 0,
      nb::arg("recvbuf") = nb::none(), nb::arg("source") = any_source, nb::arg("recvtag") = any_tag,
      nb::arg("status") = nb::none(), "Send and receive a message.");
  cls.def(
      "Sendrecv_replace",
      [](nb::handle self_obj, nb::handle buf, int dest, int sendtag, int source, int recvtag,
         nb::handle status) {
        const Comm& self = unwrap<Comm>(self_obj);
        MessageSpec r;
        parse_message(buf, Access::kWrite, r);
        MPI_Status* st = status_arg(status);
        check(nogil([&] {
          return with_count(r.count, r.type, [&](auto n, MPI_Datatype t) {
            return lc::Sendrecv_replace(r.addr, n, t, dest, sendtag, source, recvtag, self.ob_mpi,
                                        st);
          });
        }));
      },
      nb::arg("buf").none(), nb::arg("dest"), nb::arg("sendtag") = 0,
      nb::arg("source") = any_source, nb::arg("recvtag") = any_tag, nb::arg("status") = nb::none(),
      "Send and receive a message, replacing the buffer.");

  // --- nonblocking buffer API ---------------------------------------------------------
  cls.def(
      "Isend",
      [](nb::handle self_obj, nb::handle buf, int dest, int tag) {
        const Comm& self = unwrap<Comm>(self_obj);
        return comm_isend(SendMode::kStandard, self, buf, dest, tag);
      },
      nb::arg("buf").none(), nb::arg("dest"), nb::arg("tag") = 0, "Nonblocking send.");
  cls.def(
      "Ibsend",
      [](nb::handle self_obj, nb::handle buf, int dest, int tag) {
        const Comm& self = unwrap<Comm>(self_obj);
        return comm_isend(SendMode::kBuffered, self, buf, dest, tag);
      },
      nb::arg("buf").none(), nb::arg("dest"), nb::arg("tag") = 0,
      "Nonblocking send in buffered mode.");
  cls.def(
      "Issend",
      [](nb::handle self_obj, nb::handle buf, int dest, int tag) {
        const Comm& self = unwrap<Comm>(self_obj);
        return comm_isend(SendMode::kSynchronous, self, buf, dest, tag);
      },
      nb::arg("buf").none(), nb::arg("dest"), nb::arg("tag") = 0,
      "Nonblocking send in synchronous mode.");
  cls.def(
      "Irsend",
      [](nb::handle self_obj, nb::handle buf, int dest, int tag) {
        const Comm& self = unwrap<Comm>(self_obj);
        return comm_isend(SendMode::kReady, self, buf, dest, tag);
      },
      nb::arg("buf").none(), nb::arg("dest"), nb::arg("tag") = 0,
      "Nonblocking send in ready mode.");
  cls.def(
      "Irecv",
      [](nb::handle self_obj, nb::handle buf, int source, int tag) {
        const Comm& self = unwrap<Comm>(self_obj);
        nb::object holder;
        RequestKeep& keep = make_keep(holder);
        parse_message(buf, Access::kWrite, keep.recv);
        MPI_Request request = MPI_REQUEST_NULL;
        check(with_count(keep.recv.count, keep.recv.type, [&](auto n, MPI_Datatype t) {
          return lc::Irecv(keep.recv.addr, n, t, source, tag, self.ob_mpi, &request);
        }));
        return new_request(nb::type<Request>(), request, std::move(holder));
      },
      nb::arg("buf").none(), nb::arg("source") = any_source, nb::arg("tag") = any_tag,
      "Nonblocking receive.");
  cls.def(
      "Isendrecv",
      [](nb::handle self_obj, nb::handle sendbuf, int dest, int sendtag, nb::handle recvbuf,
         int source, int recvtag) -> nb::object {
        const Comm& self = unwrap<Comm>(self_obj);
#ifdef MPI4PY_HAVE_C_ROUTINES
        nb::object holder;
        RequestKeep& keep = make_keep(holder);
        parse_message(sendbuf, Access::kRead, keep.send);
        parse_message(recvbuf, Access::kWrite, keep.recv);
        const MessageSpec& s = keep.send;
        MessageSpec& r = keep.recv;
        MPI_Request request = MPI_REQUEST_NULL;
        check(with_counts(s.count, s.type, r.count, r.type,
                          [&](auto sn, MPI_Datatype stype, auto rn, MPI_Datatype rtype) {
                            return lc::Isendrecv(s.addr, sn, stype, dest, sendtag, r.addr, rn,
                                                 rtype, source, recvtag, self.ob_mpi, &request);
                          }));
        return new_request(nb::type<Request>(), request, std::move(holder));
#else
        (void)self, (void)sendbuf, (void)dest, (void)sendtag, (void)recvbuf, (void)source,
            (void)recvtag;
        raise_not_implemented("MPI_Isendrecv");
#endif
      },
      nb::arg("sendbuf").none(), nb::arg("dest"), nb::arg("sendtag") = 0,
      nb::arg("recvbuf") = nb::none(), nb::arg("source") = any_source, nb::arg("recvtag") = any_tag,
      "Nonblocking send and receive.");
  cls.def(
      "Isendrecv_replace",
      [](nb::handle self_obj, nb::handle buf, int dest, int sendtag, int source,
         int recvtag) -> nb::object {
        const Comm& self = unwrap<Comm>(self_obj);
#ifdef MPI4PY_HAVE_C_ROUTINES
        nb::object holder;
        RequestKeep& keep = make_keep(holder);
        parse_message(buf, Access::kWrite, keep.recv);
        MessageSpec& r = keep.recv;
        MPI_Request request = MPI_REQUEST_NULL;
        check(with_count(r.count, r.type, [&](auto n, MPI_Datatype t) {
          return lc::Isendrecv_replace(r.addr, n, t, dest, sendtag, source, recvtag, self.ob_mpi,
                                       &request);
        }));
        return new_request(nb::type<Request>(), request, std::move(holder));
#else
        (void)self, (void)buf, (void)dest, (void)sendtag, (void)source, (void)recvtag;
        raise_not_implemented("MPI_Isendrecv_replace");
#endif
      },
      nb::arg("buf").none(), nb::arg("dest"), nb::arg("sendtag") = 0,
      nb::arg("source") = any_source, nb::arg("recvtag") = any_tag,
      "Nonblocking send and receive, replacing the buffer.");

  // --- persistent buffer API -----------------------------------------------------------
  cls.def(
      "Send_init",
      [](nb::handle self_obj, nb::handle buf, int dest, int tag) {
        const Comm& self = unwrap<Comm>(self_obj);
        return comm_send_init(SendMode::kStandard, self, buf, dest, tag);
      },
      nb::arg("buf").none(), nb::arg("dest"), nb::arg("tag") = 0,
      "Create a persistent request for a send.");
  cls.def(
      "Bsend_init",
      [](nb::handle self_obj, nb::handle buf, int dest, int tag) {
        const Comm& self = unwrap<Comm>(self_obj);
        return comm_send_init(SendMode::kBuffered, self, buf, dest, tag);
      },
      nb::arg("buf").none(), nb::arg("dest"), nb::arg("tag") = 0,
      "Persistent request for a send in buffered mode.");
  cls.def(
      "Ssend_init",
      [](nb::handle self_obj, nb::handle buf, int dest, int tag) {
        const Comm& self = unwrap<Comm>(self_obj);
        return comm_send_init(SendMode::kSynchronous, self, buf, dest, tag);
      },
      nb::arg("buf").none(), nb::arg("dest"), nb::arg("tag") = 0,
      "Persistent request for a send in synchronous mode.");
  cls.def(
      "Rsend_init",
      [](nb::handle self_obj, nb::handle buf, int dest, int tag) {
        const Comm& self = unwrap<Comm>(self_obj);
        return comm_send_init(SendMode::kReady, self, buf, dest, tag);
      },
      nb::arg("buf").none(), nb::arg("dest"), nb::arg("tag") = 0,
      "Persistent request for a send in ready mode.");
  cls.def(
      "Recv_init",
      [](nb::handle self_obj, nb::handle buf, int source, int tag) {
        const Comm& self = unwrap<Comm>(self_obj);
        nb::object holder;
        RequestKeep& keep = make_keep(holder);
        keep.persistent = true;
        parse_message(buf, Access::kWrite, keep.recv);
        MPI_Request request = MPI_REQUEST_NULL;
        check(with_count(keep.recv.count, keep.recv.type, [&](auto n, MPI_Datatype t) {
          return lc::Recv_init(keep.recv.addr, n, t, source, tag, self.ob_mpi, &request);
        }));
        return new_request(nb::type<Prequest>(), request, std::move(holder));
      },
      nb::arg("buf").none(), nb::arg("source") = any_source, nb::arg("tag") = any_tag,
      "Create a persistent request for a receive.");

  // --- partitioned (MPI-4) --------------------------------------------------------------
  cls.def(
      "Psend_init",
      [](nb::handle self_obj, nb::handle buf, int partitions, int dest, int tag,
         nb::handle info) -> nb::object {
        const Comm& self = unwrap<Comm>(self_obj);
#if MPI_VERSION >= 4
        MPI_Info minfo = info_arg(info);
        nb::object holder;
        RequestKeep& keep = make_keep(holder);
        keep.persistent = true;
        parse_message(buf, Access::kRead, keep.send);
        MPI_Count count = partition_count(keep.send, partitions);
        MPI_Request request = MPI_REQUEST_NULL;
        check(MPI_Psend_init(keep.send.addr, partitions, count, keep.send.type, dest, tag,
                             self.ob_mpi, minfo, &request));
        return new_request(nb::type<Prequest>(), request, std::move(holder));
#else
        (void)self, (void)buf, (void)partitions, (void)dest, (void)tag, (void)info;
        raise_not_implemented("MPI_Psend_init");
#endif
      },
      nb::arg("buf").none(), nb::arg("partitions"), nb::arg("dest"), nb::arg("tag") = 0,
      nb::arg("info") = nb::none(), "Create a request for a partitioned send operation.");
  cls.def(
      "Precv_init",
      [](nb::handle self_obj, nb::handle buf, int partitions, int source, int tag,
         nb::handle info) -> nb::object {
        const Comm& self = unwrap<Comm>(self_obj);
#if MPI_VERSION >= 4
        MPI_Info minfo = info_arg(info);
        nb::object holder;
        RequestKeep& keep = make_keep(holder);
        keep.persistent = true;
        parse_message(buf, Access::kWrite, keep.recv);
        MPI_Count count = partition_count(keep.recv, partitions);
        MPI_Request request = MPI_REQUEST_NULL;
        check(MPI_Precv_init(keep.recv.addr, partitions, count, keep.recv.type, source, tag,
                             self.ob_mpi, minfo, &request));
        return new_request(nb::type<Prequest>(), request, std::move(holder));
#else
        (void)self, (void)buf, (void)partitions, (void)source, (void)tag, (void)info;
        raise_not_implemented("MPI_Precv_init");
#endif
      },
      nb::arg("buf").none(), nb::arg("partitions"), nb::arg("source") = any_source,
      nb::arg("tag") = any_tag, nb::arg("info") = nb::none(),
      "Create a request for a partitioned recv operation.");

  // --- probes ---------------------------------------------------------------------------
  auto probe = [](nb::handle self_obj, int source, int tag, nb::handle status) {
    const Comm& self = unwrap<Comm>(self_obj);
    MPI_Status* st = status_arg(status);
    check(nogil([&] { return MPI_Probe(source, tag, self.ob_mpi, st); }));
    return true;
  };
  auto iprobe = [](nb::handle self_obj, int source, int tag, nb::handle status) {
    const Comm& self = unwrap<Comm>(self_obj);
    MPI_Status* st = status_arg(status);
    int flag = 0;
    check(MPI_Iprobe(source, tag, self.ob_mpi, &flag, st));
    return flag != 0;
  };
  cls.def("Probe", probe, nb::arg("source") = any_source, nb::arg("tag") = any_tag,
          nb::arg("status") = nb::none(), "Blocking test for a message.");
  cls.def("Iprobe", iprobe, nb::arg("source") = any_source, nb::arg("tag") = any_tag,
          nb::arg("status") = nb::none(), "Nonblocking test for a message.");
  cls.def("probe", probe, nb::arg("source") = any_source, nb::arg("tag") = any_tag,
          nb::arg("status") = nb::none(), "Blocking test for a message.");
  cls.def("iprobe", iprobe, nb::arg("source") = any_source, nb::arg("tag") = any_tag,
          nb::arg("status") = nb::none(), "Nonblocking test for a message.");

  // --- object API -------------------------------------------------------------------------
  cls.def(
      "send",
      [](nb::handle self_obj, nb::handle obj, int dest, int tag) {
        const Comm& self = unwrap<Comm>(self_obj);
        obj_send(SendMode::kStandard, self, obj, dest, tag);
      },
      nb::arg("obj").none(), nb::arg("dest"), nb::arg("tag") = 0, "Send in standard mode.");
  cls.def(
      "bsend",
      [](nb::handle self_obj, nb::handle obj, int dest, int tag) {
        const Comm& self = unwrap<Comm>(self_obj);
        obj_send(SendMode::kBuffered, self, obj, dest, tag);
      },
      nb::arg("obj").none(), nb::arg("dest"), nb::arg("tag") = 0, "Send in buffered mode.");
  cls.def(
      "ssend",
      [](nb::handle self_obj, nb::handle obj, int dest, int tag) {
        const Comm& self = unwrap<Comm>(self_obj);
        obj_send(SendMode::kSynchronous, self, obj, dest, tag);
      },
      nb::arg("obj").none(), nb::arg("dest"), nb::arg("tag") = 0, "Send in synchronous mode.");
  cls.def(
      "isend",
      [](nb::handle self_obj, nb::handle obj, int dest, int tag) {
        const Comm& self = unwrap<Comm>(self_obj);
        return obj_isend(SendMode::kStandard, self, obj, dest, tag);
      },
      nb::arg("obj").none(), nb::arg("dest"), nb::arg("tag") = 0, "Nonblocking send.");
  cls.def(
      "ibsend",
      [](nb::handle self_obj, nb::handle obj, int dest, int tag) {
        const Comm& self = unwrap<Comm>(self_obj);
        return obj_isend(SendMode::kBuffered, self, obj, dest, tag);
      },
      nb::arg("obj").none(), nb::arg("dest"), nb::arg("tag") = 0, "Send in buffered mode.");
  cls.def(
      "issend",
      [](nb::handle self_obj, nb::handle obj, int dest, int tag) {
        const Comm& self = unwrap<Comm>(self_obj);
        return obj_isend(SendMode::kSynchronous, self, obj, dest, tag);
      },
      nb::arg("obj").none(), nb::arg("dest"), nb::arg("tag") = 0,
      "Nonblocking send in synchronous mode.");
  cls.def(
      "recv",
      [](nb::handle self_obj, nb::handle buf, int source, int tag, nb::handle status) {
        const Comm& self = unwrap<Comm>(self_obj);
        MPI_Status* st = status_arg(status);
        if (buf.is_none()) return obj_recv_any(self.ob_mpi, source, tag, st);
        return obj_recv_into(self.ob_mpi, buf, source, tag, st);
      },
      nb::arg("buf").none() = nb::none(), nb::arg("source") = any_source, nb::arg("tag") = any_tag,
      nb::arg("status") = nb::none(), "Receive.");
  cls.def(
      "irecv",
      [](nb::handle self_obj, nb::handle buf, int source, int tag) {
        const Comm& self = unwrap<Comm>(self_obj);
        nb::object holder;
        RequestKeep& keep = make_keep(holder);
        keep.kind = RequestKeep::kRecvObject;
        if (buf.is_none()) {
          Py_ssize_t size = rc_irecv_bufsz();
          keep.obj = nb::steal(PyByteArray_FromStringAndSize(nullptr, size));
          if (!keep.obj.is_valid()) throw nb::python_error();
        } else {
          keep.obj = nb::borrow(buf);
        }
        MessageSpec& r = keep.recv;
        r.buffer.acquire(keep.obj, true);
        r.addr = r.buffer.data();
        r.count = r.buffer.nbytes();
        r.type = MPI_BYTE;
        MPI_Request request = MPI_REQUEST_NULL;
        check(with_count(r.count, MPI_BYTE, [&](auto n, MPI_Datatype t) {
          return lc::Irecv(r.addr, n, t, source, tag, self.ob_mpi, &request);
        }));
        return new_request(nb::type<Request>(), request, std::move(holder));
      },
      nb::arg("buf").none() = nb::none(), nb::arg("source") = any_source, nb::arg("tag") = any_tag,
      "Nonblocking receive.");
  cls.def(
      "sendrecv",
      [](nb::handle self_obj, nb::handle sendobj, int dest, int sendtag, nb::handle recvbuf,
         int source, int recvtag, nb::handle status) {
        const Comm& self = unwrap<Comm>(self_obj);
        MPI_Status* st = status_arg(status);
        MessageSpec s;
        if (dest != MPI_PROC_NULL) dump_object(sendobj, s);
        MPI_Request request = MPI_REQUEST_NULL;
        check(isend_call(SendMode::kStandard, s, dest, sendtag, self.ob_mpi, &request));
        nb::object result;
        try {
          if (recvbuf.is_none())
            result = obj_recv_any(self.ob_mpi, source, recvtag, st);
          else
            result = obj_recv_into(self.ob_mpi, recvbuf, source, recvtag, st);
        } catch (...) {
          // Do not leave the send running on memory about to be released.
          nogil([&] { return MPI_Wait(&request, MPI_STATUS_IGNORE); });
          throw;
        }
        wait_released(&request);
        return result;
      },
      nb::arg("sendobj").none(), nb::arg("dest"), nb::arg("sendtag") = 0,
      nb::arg("recvbuf") = nb::none(), nb::arg("source") = any_source, nb::arg("recvtag") = any_tag,
      nb::arg("status") = nb::none(), "Send and receive.");

  // --- buffered-send buffer ----------------------------------------------------------------
  nb::class_<AutomaticType>(m, "BufferAutomaticType").def("__repr__", [](const AutomaticType&) {
    return "BUFFER_AUTOMATIC";
  });
  nb::object automatic = nb::cast(AutomaticType{});
  buffer_automatic = automatic.ptr();
  m.attr("BUFFER_AUTOMATIC") = automatic;
  m.attr("BSEND_OVERHEAD") = int(MPI_BSEND_OVERHEAD);
  m.def("Attach_buffer", &attach_buffer, nb::arg("buf").none(),
        "Attach a user-provided buffer for sending in buffered mode.");
  m.def("Detach_buffer", &detach_buffer, "Remove an existing attached buffer.");
#ifdef MPI4PY_HAVE_MPI_4_1
  m.def(
      "Flush_buffer", [] { check(nogil([] { return MPI_Buffer_flush(); })); },
      "Block until all buffered messages have been transmitted.");
  m.def(
      "Iflush_buffer",
      [] {
        MPI_Request request = MPI_REQUEST_NULL;
        check(MPI_Buffer_iflush(&request));
        return new_request(nb::type<Request>(), request, nb::object());
      },
      "Nonblocking flush for buffered messages.");
  cls.def("Attach_buffer", &comm_attach_buffer, nb::arg("buf").none(),
          "Attach a user-provided buffer for sending in buffered mode.");
  cls.def("Detach_buffer", &comm_detach_buffer, "Remove an existing attached buffer.");
  cls.def(
      "Flush_buffer",
      [](const Comm& self) { check(nogil([&] { return MPI_Comm_flush_buffer(self.ob_mpi); })); },
      "Block until all buffered messages have been transmitted.");
  cls.def(
      "Iflush_buffer",
      [](const Comm& self) {
        MPI_Request request = MPI_REQUEST_NULL;
        check(MPI_Comm_iflush_buffer(self.ob_mpi, &request));
        return new_request(nb::type<Request>(), request, nb::object());
      },
      "Nonblocking flush for buffered messages.");
#else
  m.def(
      "Flush_buffer", [] { raise_not_implemented("MPI_Buffer_flush"); },
      "Block until all buffered messages have been transmitted.");
  m.def(
      "Iflush_buffer", []() -> nb::object { raise_not_implemented("MPI_Buffer_iflush"); },
      "Nonblocking flush for buffered messages.");
  // Communicator-attached buffers are MPI-4.1.
  cls.def(
      "Attach_buffer",
      [](const Comm&, nb::handle) { raise_not_implemented("MPI_Comm_attach_buffer"); },
      nb::arg("buf").none(), "Attach a user-provided buffer for sending in buffered mode.");
  cls.def(
      "Detach_buffer",
      [](const Comm&) -> nb::object { raise_not_implemented("MPI_Comm_detach_buffer"); },
      "Remove an existing attached buffer.");
  cls.def(
      "Flush_buffer", [](const Comm&) { raise_not_implemented("MPI_Comm_flush_buffer"); },
      "Block until all buffered messages have been transmitted.");
  cls.def(
      "Iflush_buffer",
      [](const Comm&) -> nb::object { raise_not_implemented("MPI_Comm_iflush_buffer"); },
      "Nonblocking flush for buffered messages.");
#endif
  nb::module_::import_("atexit").attr("register")(nb::cpp_function(&drop_attached));
}

}  // namespace mpi4py
