// Communicators: queries, construction, naming, error handlers.
#include <string>

#include "kinds.hpp"

namespace mpi4py {

namespace {

int comm_size(MPI_Comm comm) {
  int size = 0;
  check(MPI_Comm_size(comm, &size));
  return size;
}

int comm_rank(MPI_Comm comm) {
  int rank = 0;
  check(MPI_Comm_rank(comm, &rank));
  return rank;
}

bool comm_is_inter(MPI_Comm comm) {
  int flag = 0;
  check(MPI_Comm_test_inter(comm, &flag));
  return flag;
}

std::string comm_name(MPI_Comm comm) {
  char name[MPI_MAX_OBJECT_NAME + 1] = {0};
  int length = 0;
  check(MPI_Comm_get_name(comm, name, &length));
  return std::string(name, static_cast<size_t>(length));
}

MPI_Info info_or_null(const Info* info) { return info ? info->ob_mpi : MPI_INFO_NULL; }

// Creation from GROUP_NULL is an error some libraries let pass (Open MPI
// returns COMM_NULL from Comm_create_group): report it the same everywhere.
MPI_Group valid_group(const Group& group) {
  if (group.ob_mpi == MPI_GROUP_NULL) raise_mpi_error(MPI_ERR_GROUP);
  return group.ob_mpi;
}

// Comm.Idup: the new communicator object exists before the call, and the
// library writes its handle into the object (Open MPI does so only when the
// request completes): keep the returned communicator alive until then.
nb::object comm_idup(nb::handle self, MPI_Info info) {
  MPI_Comm source = nb::cast<Comm&>(self).ob_mpi;
  nb::object comm = wrap_as<Comm>(self.type(), MPI_COMM_NULL);
  MPI_Comm* target = &nb::inst_ptr<Comm>(comm)->ob_mpi;
  MPI_Request request = MPI_REQUEST_NULL;
  if (info == MPI_INFO_NULL) {
    check(MPI_Comm_idup(source, target, &request));
  } else {
#if MPI_VERSION >= 4
    check(MPI_Comm_idup_with_info(source, info, target, &request));
#else
    raise(PyExc_NotImplementedError, "Comm.Idup with info needs an MPI-4 library");
#endif
  }
  return nb::make_tuple(comm, wrap<Request>(request));
}

}  // namespace

// A new communicator from a split or create: intra or inter as the library says.
nb::object wrap_new_comm(MPI_Comm comm) {
  if (comm == MPI_COMM_NULL) return wrap<Comm>(comm);
  return comm_is_inter(comm) ? wrap<Intercomm>(comm) : wrap<Intracomm>(comm);
}

nb::object wrap_comm_like(nb::handle self, MPI_Comm comm) {
  if (comm == MPI_COMM_NULL) return wrap<Comm>(comm);
  return wrap_as<Comm>(self.type(), comm);
}

void bind_comm(nb::module_& m, Classes& c) {
  auto& cls = c.comm;
  bind_handle_basics<Comm>(cls, MPI_COMM_NULL);
  cls.def(
      "Get_size", [](nb::handle self) { return comm_size(unwrap<Comm>(self).ob_mpi); },
      "Return the number of processes in a communicator.");
  cls.def(
      "Get_rank", [](nb::handle self) { return comm_rank(unwrap<Comm>(self).ob_mpi); },
      "Return the rank of this process in a communicator.");
  cls.def_prop_ro("size", [](nb::handle self) { return comm_size(unwrap<Comm>(self).ob_mpi); });
  cls.def_prop_ro("rank", [](nb::handle self) { return comm_rank(unwrap<Comm>(self).ob_mpi); });
  cls.def("Get_group", [](const Comm& self) {
    MPI_Group group = MPI_GROUP_NULL;
    check(MPI_Comm_group(self.ob_mpi, &group));
    return wrap<Group>(group);
  });
  cls.def_prop_ro("group", [](const Comm& self) {
    MPI_Group group = MPI_GROUP_NULL;
    check(MPI_Comm_group(self.ob_mpi, &group));
    return wrap<Group>(group);
  });
  cls.def(
      "Compare",
      [](const Comm& self, const Comm& other) {
        int result = MPI_UNEQUAL;
        check(MPI_Comm_compare(self.ob_mpi, other.ob_mpi, &result));
        return result;
      },
      nb::arg("comm"), "Compare two communicators.");
  cls.def("Is_inter", [](const Comm& self) { return comm_is_inter(self.ob_mpi); });
  cls.def("Is_intra", [](const Comm& self) { return !comm_is_inter(self.ob_mpi); });
  cls.def_prop_ro("is_inter", [](const Comm& self) { return comm_is_inter(self.ob_mpi); });
  cls.def_prop_ro("is_intra", [](const Comm& self) { return !comm_is_inter(self.ob_mpi); });
  cls.def(
      "Dup",
      [](nb::handle self, const Info* info) {
        MPI_Comm comm = MPI_COMM_NULL;
        MPI_Comm source = nb::cast<Comm&>(self).ob_mpi;
        if (info && info->ob_mpi != MPI_INFO_NULL)
          check(nogil([&] { return MPI_Comm_dup_with_info(source, info->ob_mpi, &comm); }));
        else
          check(nogil([&] { return MPI_Comm_dup(source, &comm); }));
        return wrap_comm_like(self, comm);
      },
      nb::arg("info") = nb::none(), "Duplicate a communicator.");
  cls.def(
      "Dup_with_info",
      [](nb::handle self, const Info& info) {
        MPI_Comm comm = MPI_COMM_NULL;
        MPI_Comm source = nb::cast<Comm&>(self).ob_mpi;
        check(nogil([&] { return MPI_Comm_dup_with_info(source, info.ob_mpi, &comm); }));
        return wrap_comm_like(self, comm);
      },
      nb::arg("info"));
  cls.def(
      "Clone",
      [](nb::handle self) {
        MPI_Comm comm = MPI_COMM_NULL;
        MPI_Comm source = nb::cast<Comm&>(self).ob_mpi;
        check(nogil([&] { return MPI_Comm_dup(source, &comm); }));
        return wrap_comm_like(self, comm);
      },
      "Clone an existing communicator.");
  cls.def(
      "Split",
      [](const Comm& self, int color, int key) {
        MPI_Comm comm = MPI_COMM_NULL;
        check(nogil([&] { return MPI_Comm_split(self.ob_mpi, color, key, &comm); }));
        return wrap_new_comm(comm);
      },
      nb::arg("color") = 0, nb::arg("key") = 0, "Split communicator by color and key.");
  cls.def(
      "Split_type",
      [](const Comm& self, int split_type, int key, const Info* info) {
        MPI_Comm comm = MPI_COMM_NULL;
        MPI_Info minfo = info ? info->ob_mpi : MPI_INFO_NULL;
        check(
            nogil([&] { return MPI_Comm_split_type(self.ob_mpi, split_type, key, minfo, &comm); }));
        return wrap_new_comm(comm);
      },
      nb::arg("split_type"), nb::arg("key") = 0, nb::arg("info") = nb::none(),
      "Split communicator by split type.");
  cls.def(
      "Create",
      [](const Comm& self, const Group& group) {
        MPI_Comm comm = MPI_COMM_NULL;
        MPI_Group members = valid_group(group);
        check(nogil([&] { return MPI_Comm_create(self.ob_mpi, members, &comm); }));
        return wrap_new_comm(comm);
      },
      nb::arg("group"), "Create communicator from group.");
  cls.def(
      "Free",
      [](Comm& self) {
        if (is_builtin(self)) raise_mpi_error(MPI_ERR_COMM);
        check(nogil([&] { return MPI_Comm_free(&self.ob_mpi); }));
      },
      "Free a communicator.");
  cls.def(
      "Abort",
      [](const Comm& self, int errorcode) {
        nb::gil_scoped_release release;
        MPI_Abort(self.ob_mpi, errorcode);
      },
      nb::arg("errorcode") = 0, "Terminate the MPI execution environment.");
  cls.def("Get_name", [](const Comm& self) { return comm_name(self.ob_mpi); });
  cls.def(
      "Set_name",
      [](Comm& self, const std::string& name) {
        check(MPI_Comm_set_name(self.ob_mpi, name.c_str()));
      },
      nb::arg("name"));
  cls.def_prop_rw(
      "name", [](const Comm& self) { return comm_name(self.ob_mpi); },
      [](Comm& self, const std::string& name) {
        check(MPI_Comm_set_name(self.ob_mpi, name.c_str()));
      });
  cls.def("Get_errhandler", [](const Comm& self) {
    MPI_Errhandler handler = MPI_ERRHANDLER_NULL;
    check(MPI_Comm_get_errhandler(self.ob_mpi, &handler));
    return wrap<Errhandler>(handler);
  });
  cls.def(
      "Set_errhandler",
      [](Comm& self, const Errhandler& handler) {
        check(MPI_Comm_set_errhandler(self.ob_mpi, handler.ob_mpi));
      },
      nb::arg("errhandler"));
  cls.def(
      "Idup", [](nb::handle self, const Info* info) { return comm_idup(self, info_or_null(info)); },
      nb::arg("info") = nb::none(),
      "Nonblocking duplicate: returns (newcomm, request); use newcomm once request completes.");
  cls.def(
      "Idup_with_info",
      [](nb::handle self, const Info& info) { return comm_idup(self, info.ob_mpi); },
      nb::arg("info"), "Nonblocking duplicate with hints: returns (newcomm, request).");
  cls.def(
      "Set_info",
      [](Comm& self, const Info& info) { check(MPI_Comm_set_info(self.ob_mpi, info.ob_mpi)); },
      nb::arg("info"), "Set new values for the hints of the communicator.");
  cls.def(
      "Get_info",
      [](const Comm& self) {
        MPI_Info info = MPI_INFO_NULL;
        check(MPI_Comm_get_info(self.ob_mpi, &info));
        return wrap<Info>(info);
      },
      "Return the current hints of the communicator (a new Info to free).");
  cls.def_prop_rw(
      "info",
      [](const Comm& self) {
        MPI_Info info = MPI_INFO_NULL;
        check(MPI_Comm_get_info(self.ob_mpi, &info));
        return wrap<Info>(info);
      },
      [](Comm& self, const Info& info) { check(MPI_Comm_set_info(self.ob_mpi, info.ob_mpi)); },
      "Communicator hints.");
  def_classmethod(
      cls, "Get_parent",
      [](nb::handle) {
        MPI_Comm parent = MPI_COMM_NULL;
        check(MPI_Comm_get_parent(&parent));
        return wrap<Intercomm>(parent);
      },
      nb::arg("cls"),
      "Return the parent intercommunicator of a spawned process (COMM_NULL-valued otherwise).");
  cls.def("Get_topology", [](const Comm& self) {
    int kind = MPI_UNDEFINED;
    check(MPI_Topo_test(self.ob_mpi, &kind));
    return kind;
  });
  cls.def_prop_ro("topology", [](const Comm& self) {
    int kind = MPI_UNDEFINED;
    check(MPI_Topo_test(self.ob_mpi, &kind));
    return kind;
  });

  bind_handle_init<Intracomm, Comm>(c.intracomm, MPI_COMM_NULL);
  bind_handle_init<Topocomm, Comm>(c.topocomm, MPI_COMM_NULL);
  bind_handle_init<Cartcomm, Comm>(c.cartcomm, MPI_COMM_NULL);
  bind_handle_init<Graphcomm, Comm>(c.graphcomm, MPI_COMM_NULL);
  bind_handle_init<Distgraphcomm, Comm>(c.distgraphcomm, MPI_COMM_NULL);
  bind_handle_init<Intercomm, Comm>(c.intercomm, MPI_COMM_NULL);

  c.intracomm.def(
      "Create_group",
      [](const Intracomm& self, const Group& group, int tag) {
        MPI_Comm comm = MPI_COMM_NULL;
        MPI_Group members = valid_group(group);
        check(nogil([&] { return MPI_Comm_create_group(self.ob_mpi, members, tag, &comm); }));
        return wrap_new_comm(comm);
      },
      nb::arg("group"), nb::arg("tag") = 0,
      "Create a communicator from a group; only the group's members call it.");
  def_classmethod(
      c.intracomm, "Create_from_group",
      [](nb::handle cls, const Group& group, const std::string& stringtag, const Info* info,
         const Errhandler* errhandler) -> nb::object {
#if MPI_VERSION >= 4
        MPI_Comm comm = MPI_COMM_NULL;
        MPI_Group members = valid_group(group);
        MPI_Info minfo = info_or_null(info);
        MPI_Errhandler handler = errhandler ? errhandler->ob_mpi : MPI_ERRORS_RETURN;
        check(nogil([&] {
          return MPI_Comm_create_from_group(members, stringtag.c_str(), minfo, handler, &comm);
        }));
        if (comm == MPI_COMM_NULL) return wrap<Comm>(comm);
        return wrap_as<Comm>(cls, comm);
#else
        (void)cls, (void)group, (void)stringtag, (void)info, (void)errhandler;
        raise(PyExc_NotImplementedError, "Intracomm.Create_from_group needs an MPI-4 library");
#endif
      },
      nb::arg("cls"), nb::arg("group"), nb::arg("stringtag") = "org.mpi4py",
      nb::arg("info") = nb::none(), nb::arg("errhandler") = nb::none(),
      "Create an intracommunicator from a group (MPI-4); collective over the group.");

  // Split types a library lacks split nothing: MPI_UNDEFINED gives COMM_NULL.
  for (const char* name :
       {"COMM_TYPE_HW_GUIDED", "COMM_TYPE_HW_UNGUIDED", "COMM_TYPE_RESOURCE_GUIDED"})
    if (!nb::hasattr(m, name)) m.attr(name) = int(MPI_UNDEFINED);

  m.attr("COMM_NULL") = wrap<Comm>(MPI_COMM_NULL, kPredefined);
  m.attr("COMM_SELF") = wrap<Intracomm>(MPI_COMM_SELF, kPredefined);
  m.attr("COMM_WORLD") = wrap<Intracomm>(MPI_COMM_WORLD, kPredefined);
}

}  // namespace mpi4py
