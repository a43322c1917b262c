// MPI.Status: the envelope of a received message.
#include "datatype.hpp"

namespace mpi4py {

namespace {

MPI_Datatype datatype_or_byte(const Datatype* type) { return type ? type->ob_mpi : MPI_BYTE; }

}  // namespace

void bind_status(nb::module_& m, Classes& c) {
  (void)m;
  auto& cls = c.status;
  cls.def(nb::init<>());
  cls.def(
      "__init__", [](Status* self, const Status& other) { new (self) Status(other); },
      nb::arg("status"));
  cls.def("Get_source", [](const Status& s) { return s.ob_mpi.MPI_SOURCE; });
  cls.def(
      "Set_source", [](Status& s, int source) { s.ob_mpi.MPI_SOURCE = source; }, nb::arg("source"));
  cls.def("Get_tag", [](const Status& s) { return s.ob_mpi.MPI_TAG; });
  cls.def(
      "Set_tag", [](Status& s, int tag) { s.ob_mpi.MPI_TAG = tag; }, nb::arg("tag"));
  cls.def("Get_error", [](const Status& s) { return s.ob_mpi.MPI_ERROR; });
  cls.def(
      "Set_error", [](Status& s, int error) { s.ob_mpi.MPI_ERROR = error; }, nb::arg("error"));
  cls.def(
      "Get_count",
      [](const Status& s, const Datatype* type) {
        MPI_Count count = 0;
        check(get_count(&s.ob_mpi, datatype_or_byte(type), &count));
        return count;
      },
      nb::arg("datatype") = nb::none());
  cls.def(
      "Get_elements",
      [](const Status& s, const Datatype& type) {
        MPI_Count count = 0;
        check(MPI_Get_elements_x(&s.ob_mpi, type.ob_mpi, &count));
        return count;
      },
      nb::arg("datatype"));
  cls.def(
      "Set_elements",
      [](Status& s, const Datatype& type, MPI_Count count) {
        check(MPI_Status_set_elements_x(&s.ob_mpi, type.ob_mpi, count));
      },
      nb::arg("datatype"), nb::arg("count"));
  cls.def("Is_cancelled", [](const Status& s) {
    int flag = 0;
    check(MPI_Test_cancelled(&s.ob_mpi, &flag));
    return bool(flag);
  });
  cls.def(
      "Set_cancelled",
      [](Status& s, bool flag) { check(MPI_Status_set_cancelled(&s.ob_mpi, flag)); },
      nb::arg("flag"));
  cls.def_prop_rw(
      "source", [](const Status& s) { return s.ob_mpi.MPI_SOURCE; },
      [](Status& s, int v) { s.ob_mpi.MPI_SOURCE = v; });
  cls.def_prop_rw(
      "tag", [](const Status& s) { return s.ob_mpi.MPI_TAG; },
      [](Status& s, int v) { s.ob_mpi.MPI_TAG = v; });
  cls.def_prop_rw(
      "error", [](const Status& s) { return s.ob_mpi.MPI_ERROR; },
      [](Status& s, int v) { s.ob_mpi.MPI_ERROR = v; });
  cls.def_prop_ro("count", [](const Status& s) {
    MPI_Count count = 0;
    check(get_count(&s.ob_mpi, MPI_BYTE, &count));
    return count;
  });
  cls.def_prop_ro("cancelled", [](const Status& s) {
    int flag = 0;
    check(MPI_Test_cancelled(&s.ob_mpi, &flag));
    return bool(flag);
  });
  cls.def("__eq__", [](const Status& a, nb::handle other) -> nb::object {
    Status* b = nullptr;
    if (!nb::try_cast<Status*>(other, b) || !b) return nb::borrow(Py_NotImplemented);
    return nb::bool_(a.ob_mpi.MPI_SOURCE == b->ob_mpi.MPI_SOURCE &&
                     a.ob_mpi.MPI_TAG == b->ob_mpi.MPI_TAG &&
                     a.ob_mpi.MPI_ERROR == b->ob_mpi.MPI_ERROR);
  });
  cls.def("__ne__", [](const Status& a, nb::handle other) -> nb::object {
    Status* b = nullptr;
    if (!nb::try_cast<Status*>(other, b) || !b) return nb::borrow(Py_NotImplemented);
    return nb::bool_(a.ob_mpi.MPI_SOURCE != b->ob_mpi.MPI_SOURCE ||
                     a.ob_mpi.MPI_TAG != b->ob_mpi.MPI_TAG ||
                     a.ob_mpi.MPI_ERROR != b->ob_mpi.MPI_ERROR);
  });
}

}  // namespace mpi4py
