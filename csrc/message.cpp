// Matched-probe messages (MPI.Message) and the matched probes on Comm.
//
// A message matched through the object API (mprobe/improbe) carries, in
// `keep`, a bytes object of exactly the message's size, allocated at probe
// time; recv()/irecv() receive into it and unpickle.
#include "p2p.hpp"

namespace mpi4py {

namespace {

// Buffer API probes: a message of Python type `type`, or None.
nb::object probe_buffers(nb::handle type, const Comm& comm, int source, int tag, nb::handle status,
                         bool blocking) {
  MPI_Status* st = status_arg(status);
  int flag = 1;
  MPI_Message message = MPI_MESSAGE_NULL;
  if (blocking) {
    check(nogil([&] { return MPI_Mprobe(source, tag, comm.ob_mpi, &message, st); }));
  } else {
    check(MPI_Improbe(source, tag, comm.ob_mpi, &flag, &message, st));
  }
  if (!flag) return nb::none();
  return wrap_as<Message>(type, message);
}

// Object API probes: the message also carries its receive buffer.
nb::object probe_objects(nb::handle type, const Comm& comm, int source, int tag, nb::handle status,
                         bool blocking) {
  MPI_Status local;
  MPI_Status* st = status.is_none() ? &local : status_arg(status);
  int flag = 1;
  MPI_Message message = MPI_MESSAGE_NULL;
  if (blocking) {
    check(nogil([&] { return MPI_Mprobe(source, tag, comm.ob_mpi, &message, st); }));
  } else {
    check(MPI_Improbe(source, tag, comm.ob_mpi, &flag, &message, st));
  }
  if (!flag) return nb::none();
  MPI_Count count = 0;
  check(get_count(st, MPI_BYTE, &count));
  char* data = nullptr;
  nb::object bytes = new_bytes(count, &data);
  nb::object obj = wrap_as<Message>(type, message);
  nb::inst_ptr<Message>(obj)->keep = std::move(bytes);
  return obj;
}

// MPI_Mrecv on a null message is erroneous (some libraries crash): refuse it.
void check_receivable(const Message& self) {
  if (self.ob_mpi == MPI_MESSAGE_NULL) raise_mpi_error(MPI_ERR_REQUEST);
}

template <class Func, class... Extra>
void def_classmethod_here(nb::handle cls, const char* name, Func&& func, const Extra&... extra) {
  nb::object function = nb::cpp_function(std::forward<Func>(func), nb::name(name), extra...);
  nb::object method = nb::steal(PyClassMethod_New(function.ptr()));
  if (!method.is_valid()) throw nb::python_error();
  nb::setattr(cls, name, method);
}

}  // namespace

void bind_message(nb::module_& m, Classes& c) {
  auto& cls = c.message;
  bind_keep_handle<Message, Message>(cls, MPI_MESSAGE_NULL, true);
  const int any_source = MPI_ANY_SOURCE, any_tag = MPI_ANY_TAG;

  // --- probes: classmethods on Message, methods on Comm ------------------------------
  def_classmethod_here(
      cls, "Probe",
      [](nb::handle type, const Comm& comm, int source, int tag, nb::handle status) {
        return probe_buffers(type, comm, source, tag, status, true);
      },
      nb::arg("cls"), nb::arg("comm"), nb::arg("source") = any_source, nb::arg("tag") = any_tag,
      nb::arg("status") = nb::none(), "Blocking test for a matched message.");
  def_classmethod_here(
      cls, "Iprobe",
      [](nb::handle type, const Comm& comm, int source, int tag, nb::handle status) {
        return probe_buffers(type, comm, source, tag, status, false);
      },
      nb::arg("cls"), nb::arg("comm"), nb::arg("source") = any_source, nb::arg("tag") = any_tag,
      nb::arg("status") = nb::none(), "Nonblocking test for a matched message.");
  def_classmethod_here(
      cls, "probe",
      [](nb::handle type, const Comm& comm, int source, int tag, nb::handle status) {
        return probe_objects(type, comm, source, tag, status, true);
      },
      nb::arg("cls"), nb::arg("comm"), nb::arg("source") = any_source, nb::arg("tag") = any_tag,
      nb::arg("status") = nb::none(), "Blocking test for a matched message.");
  def_classmethod_here(
      cls, "iprobe",
      [](nb::handle type, const Comm& comm, int source, int tag, nb::handle status) {
        return probe_objects(type, comm, source, tag, status, false);
      },
      nb::arg("cls"), nb::arg("comm"), nb::arg("source") = any_source, nb::arg("tag") = any_tag,
      nb::arg("status") = nb::none(), "Nonblocking test for a matched message.");

  auto& comm = c.comm;
  comm.def(
      "Mprobe",
      [](nb::handle self_obj, int source, int tag, nb::handle status) {
        const Comm& self = unwrap<Comm>(self_obj);
        return probe_buffers(nb::type<Message>(), self, source, tag, status, true);
      },
      nb::arg("source") = any_source, nb::arg("tag") = any_tag, nb::arg("status") = nb::none(),
      "Blocking test for a matched message.");
  comm.def(
      "Improbe",
      [](nb::handle self_obj, int source, int tag, nb::handle status) {
        const Comm& self = unwrap<Comm>(self_obj);
        return probe_buffers(nb::type<Message>(), self, source, tag, status, false);
      },
      nb::arg("source") = any_source, nb::arg("tag") = any_tag, nb::arg("status") = nb::none(),
      "Nonblocking test for a matched message.");
  comm.def(
      "mprobe",
      [](nb::handle self_obj, int source, int tag, nb::handle status) {
        const Comm& self = unwrap<Comm>(self_obj);
        return probe_objects(nb::type<Message>(), self, source, tag, status, true);
      },
      nb::arg("source") = any_source, nb::arg("tag") = any_tag, nb::arg("status") = nb::none(),
      "Blocking test for a matched message.");
  comm.def(
      "improbe",
      [](nb::handle self_obj, int source, int tag, nb::handle status) {
        const Comm& self = unwrap<Comm>(self_obj);
        return probe_objects(nb::type<Message>(), self, source, tag, status, false);
      },
      nb::arg("source") = any_source, nb::arg("tag") = any_tag, nb::arg("status") = nb::none(),
      "Nonblocking test for a matched message.");

  // --- receives ----------------------------------------------------------------------
  cls.def(
      "Recv",
      [](Message& self, nb::handle buf, nb::handle status) {
        check_receivable(self);
        MessageSpec r;
        parse_message(buf, Access::kWrite, r);
        MPI_Status* st = status_arg(status);
        check(nogil([&] {
          return with_count(r.count, r.type, [&](auto n, MPI_Datatype t) {
            return lc::Mrecv(r.addr, n, t, &self.ob_mpi, st);
          });
        }));
        self.keep.reset();
      },
      nb::arg("buf").none(), nb::arg("status") = nb::none(),
      "Blocking receive of a matched message.");
  cls.def(
      "Irecv",
      [](Message& self, nb::handle buf) {
        check_receivable(self);
        nb::object holder;
        RequestKeep& keep = make_keep(holder);
        parse_message(buf, Access::kWrite, keep.recv);
        MessageSpec& r = keep.recv;
        MPI_Request request = MPI_REQUEST_NULL;
        check(with_count(r.count, r.type, [&](auto n, MPI_Datatype t) {
          return lc::Imrecv(r.addr, n, t, &self.ob_mpi, &request);
        }));
        self.keep.reset();
        return new_request(nb::type<Request>(), request, std::move(holder));
      },
      nb::arg("buf").none(), "Nonblocking receive of a matched message.");
  cls.def(
      "recv",
      [](Message& self, nb::handle status) -> nb::object {
        check_receivable(self);
        MPI_Status* st = status_arg(status);
        nb::object bytes = self.keep;
        char* data = nullptr;
        MPI_Count count = 0;
        if (bytes.is_valid() && PyBytes_Check(bytes.ptr())) {
          data = PyBytes_AS_STRING(bytes.ptr());
          count = PyBytes_GET_SIZE(bytes.ptr());
        } else if (self.ob_mpi != MPI_MESSAGE_NO_PROC) {
          raise_value_error(
              "message was matched without a receive buffer (Mprobe); receive it with "
              "Message.Recv(buf), or match it with mprobe()");
        }
        check(nogil([&] {
          return with_count(count, MPI_BYTE, [&](auto n, MPI_Datatype t) {
            return lc::Mrecv(data, n, t, &self.ob_mpi, st);
          });
        }));
        self.keep.reset();
        if (!bytes.is_valid()) return nb::none();
        return load_object(bytes, data, count);
      },
      nb::arg("status") = nb::none(), "Blocking receive of a matched message.");
  cls.def(
      "irecv",
      [](Message& self) {
        check_receivable(self);
        nb::object holder;
        RequestKeep& keep = make_keep(holder);
        keep.kind = RequestKeep::kRecvObject;
        MessageSpec& r = keep.recv;
        r.type = MPI_BYTE;
        if (self.keep.is_valid() && PyBytes_Check(self.keep.ptr())) {
          keep.obj = self.keep;
          r.addr = PyBytes_AS_STRING(keep.obj.ptr());
          r.count = PyBytes_GET_SIZE(keep.obj.ptr());
        } else if (self.ob_mpi == MPI_MESSAGE_NO_PROC) {
          keep.obj = nb::bytes("", 0);
        } else {
          raise_value_error(
              "message was matched without a receive buffer (Mprobe); receive it with "
              "Message.Irecv(buf), or match it with mprobe()");
        }
        MPI_Request request = MPI_REQUEST_NULL;
        check(with_count(r.count, MPI_BYTE, [&](auto n, MPI_Datatype t) {
          return lc::Imrecv(r.addr, n, t, &self.ob_mpi, &request);
        }));
        self.keep.reset();
        return new_request(nb::type<Request>(), request, std::move(holder));
      },
      "Nonblocking receive of a matched message.");

  m.attr("MESSAGE_NULL") = wrap<Message>(MPI_MESSAGE_NULL, kPredefined);
  m.attr("MESSAGE_NO_PROC") = wrap<Message>(MPI_MESSAGE_NO_PROC, kPredefined);
}

}  // namespace mpi4py
