// Intercommunicators: Intracomm.Create_intercomm, Intercomm.Merge and the
// remote group queries. (Collectives on intercommunicators are the Comm
// methods of coll*.cpp; they take root=MPI.ROOT / MPI.PROC_NULL in the root group.)
#include "coll.hpp"

namespace mpi4py {

namespace {

int remote_size(const Intercomm& self) {
  int size = 0;
  check(MPI_Comm_remote_size(self.ob_mpi, &size));
  return size;
}

nb::object remote_group(const Intercomm& self) {
  MPI_Group group = MPI_GROUP_NULL;
  check(MPI_Comm_remote_group(self.ob_mpi, &group));
  return wrap<Group>(group);
}

}  // namespace

void bind_intercomm(nb::module_& m, Classes& c) {
  (void)m;
  c.intracomm.def(
      "Create_intercomm",
      [](const Intracomm& self, int local_leader, const Intracomm& peer_comm, int remote_leader,
         int tag) {
        MPI_Comm comm = MPI_COMM_NULL;
        check(nogil([&] {
          return MPI_Intercomm_create(self.ob_mpi, local_leader, peer_comm.ob_mpi, remote_leader,
                                      tag, &comm);
        }));
        return wrap<Intercomm>(comm);
      },
      nb::arg("local_leader"), nb::arg("peer_comm"), nb::arg("remote_leader"), nb::arg("tag") = 0,
      "Create intercommunicator.");

  auto& cls = c.intercomm;
  cls.def("Get_remote_size", &remote_size, "Intercommunicator remote size.");
  cls.def_prop_ro("remote_size", &remote_size, "Number of remote processes.");
  cls.def("Get_remote_group", &remote_group,
          "Access the remote group associated with the inter-communicator.");
  cls.def_prop_ro("remote_group", &remote_group, "Remote group.");
  cls.def(
      "Merge",
      [](const Intercomm& self, bool high) {
        MPI_Comm comm = MPI_COMM_NULL;
        check(nogil([&] { return MPI_Intercomm_merge(self.ob_mpi, high ? 1 : 0, &comm); }));
        return wrap<Intracomm>(comm);
      },
      nb::arg("high") = false, "Merge intercommunicator into an intracommunicator.");
}

}  // namespace mpi4py
