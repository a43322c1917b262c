// MPI-4 sessions (MPI.Session), process sets, and groups from process sets.
// With an MPI-3 library the class still exists, and using it raises
// NotImplementedError.
#include <string>
#include <vector>

#include "kinds.hpp"

namespace mpi4py {

#if MPI_VERSION >= 4

namespace {

MPI_Info info_or_null(const Info* info) { return info ? info->ob_mpi : MPI_INFO_NULL; }

std::string nth_pset(MPI_Session session, int n, MPI_Info info) {
  int length = 0;  // 0 asks for the length (with the terminator)
  check(MPI_Session_get_nth_pset(session, info, n, &length, nullptr));
  std::vector<char> name(static_cast<size_t>(length) + 1, '\0');
  check(MPI_Session_get_nth_pset(session, info, n, &length, name.data()));
  return std::string(name.data());
}

nb::object group_from_pset(nb::handle type, MPI_Session session, const std::string& pset) {
  MPI_Group group = MPI_GROUP_NULL;
  check(nogil([&] { return MPI_Group_from_session_pset(session, pset.c_str(), &group); }));
  return wrap_as<Group>(type, group);
}

}  // namespace

void bind_session(nb::module_& m, Classes& c) {
  auto& cls = c.session;
  bind_handle_basics<Session>(cls, MPI_SESSION_NULL);
  def_classmethod(
      cls, "Init",
      [](nb::handle type, const Info* info, const Errhandler* errhandler) {
        MPI_Session session = MPI_SESSION_NULL;
        MPI_Info minfo = info_or_null(info);
        MPI_Errhandler handler = errhandler ? errhandler->ob_mpi : MPI_ERRORS_RETURN;
        check(nogil([&] { return MPI_Session_init(minfo, handler, &session); }));
        // MPICH 4.0 keeps its default handler whatever Session_init was given.
        int ierr = MPI_Session_set_errhandler(session, handler);
        if (ierr != MPI_SUCCESS) {
          MPI_Session_finalize(&session);
          raise_mpi_error(ierr);
        }
        return wrap_as<Session>(type, session);
      },
      nb::arg("cls"), nb::arg("info") = nb::none(), nb::arg("errhandler") = nb::none(),
      "Start a session (errors raise MPI.Exception unless another handler is given).");
  cls.def(
      "Finalize",
      [](Session& self) {
        if (is_builtin(self)) raise_mpi_error(MPI_ERR_SESSION);
        check(nogil([&] { return MPI_Session_finalize(&self.ob_mpi); }));
      },
      "Finalize the session.");
  cls.def(
      "Get_num_psets",
      [](const Session& self, const Info* info) {
        int n = 0;
        check(MPI_Session_get_num_psets(self.ob_mpi, info_or_null(info), &n));
        return n;
      },
      nb::arg("info") = nb::none(), "Return the number of available process sets.");
  cls.def(
      "Get_nth_pset",
      [](const Session& self, int n, const Info* info) {
        return nth_pset(self.ob_mpi, n, info_or_null(info));
      },
      nb::arg("n"), nb::arg("info") = nb::none(), "Return the name of the n-th process set.");
  cls.def(
      "Get_info",
      [](const Session& self) {
        MPI_Info info = MPI_INFO_NULL;
        check(MPI_Session_get_info(self.ob_mpi, &info));
        return wrap<Info>(info);
      },
      "Return the hints of the session (a new Info to free).");
  cls.def(
      "Get_pset_info",
      [](const Session& self, const std::string& pset) {
        MPI_Info info = MPI_INFO_NULL;
        check(MPI_Session_get_pset_info(self.ob_mpi, pset.c_str(), &info));
        return wrap<Info>(info);
      },
      nb::arg("pset_name"), "Return the info of a process set (a new Info to free).");
  cls.def(
      "Create_group",
      [](const Session& self, const std::string& pset) {
        return group_from_pset(nb::type<Group>(), self.ob_mpi, pset);
      },
      nb::arg("pset_name"), "Create a group from a process set.");
  def_classmethod(
      c.group, "Create_from_session_pset",
      [](nb::handle type, const Session& session, const std::string& pset) {
        return group_from_pset(type, session.ob_mpi, pset);
      },
      nb::arg("cls"), nb::arg("session"), nb::arg("pset_name"),
      "Create a group from a session process set.");
  m.attr("SESSION_NULL") = wrap<Session>(MPI_SESSION_NULL, kPredefined);
}

#else  // MPI_VERSION < 4

namespace {

// The stand-in MPI.Session of an MPI-3 library: a null handle that compares,
// subclasses and pickles like the others, and raises on every MPI-4 call.
struct SessionStub {
  std::intptr_t ob_mpi = 0;
};

[[noreturn]] void unsupported() {
  raise(PyExc_NotImplementedError, "MPI sessions need an MPI-4 library");
}

}  // namespace

void bind_session(nb::module_& m, Classes& c) {
  nb::class_<SessionStub> cls(m, "Session", "Session context (needs an MPI-4 library).");
  cls.def(
      "__init__",
      [](SessionStub* self, nb::handle other) {
        new (self) SessionStub();
        if (!other.is_none() && !nb::isinstance<SessionStub>(other))
          raise_type_error("expected a Session or None");
      },
      nb::arg("session") = nb::none());
  cls.def("__eq__", [](const SessionStub&, nb::handle other) -> nb::object {
    if (!nb::isinstance<SessionStub>(other)) return nb::borrow(Py_NotImplemented);
    return nb::bool_(true);
  });
  cls.def("__ne__", [](const SessionStub&, nb::handle other) -> nb::object {
    if (!nb::isinstance<SessionStub>(other)) return nb::borrow(Py_NotImplemented);
    return nb::bool_(false);
  });
  cls.def("__hash__", [](const SessionStub&) { return Py_ssize_t(0); });
  cls.def("__bool__", [](const SessionStub&) { return false; });
  cls.def_prop_ro("handle", [](const SessionStub& self) { return self.ob_mpi; });
  cls.def("__reduce__", [](nb::handle self) { return nb::make_tuple(self.type(), nb::tuple()); });
  cls.def("free", [](const SessionStub&) {});
  auto classmethod_unsupported = [&cls](const char* name) {
    def_classmethod(
        cls, name, [](nb::handle, nb::args, nb::kwargs) { unsupported(); }, nb::arg("cls"),
        nb::arg("args"), nb::arg("kwargs"));
  };
  for (const char* name : {"Init", "fromhandle", "f2py", "fromint", "Create_errhandler"})
    classmethod_unsupported(name);
  for (const char* name :
       {"Finalize", "Get_num_psets", "Get_nth_pset", "Get_info", "Get_pset_info", "Create_group",
        "Get_errhandler", "Set_errhandler", "Call_errhandler", "py2f", "toint"})
    cls.def(name, [](const SessionStub&, nb::args, nb::kwargs) { unsupported(); });
  def_classmethod(
      c.group, "Create_from_session_pset",
      [](nb::handle, nb::handle, nb::handle) { unsupported(); }, nb::arg("cls"), nb::arg("session"),
      nb::arg("pset_name"));
  m.attr("SESSION_NULL") = cls();
}

#endif

}  // namespace mpi4py
