// What every handle kind shares beyond handle.hpp's basics: Fortran and integer
// conversion (py2f/f2py, toint/fromint, fromhandle), free(), pickling of
// predefined handles, and the *_NULL constants no other room binds.
//
// bind_handles runs after every room: it binds only what a class does not
// define already, so a room's own version of any of these names wins.
#include "kinds.hpp"

namespace mpi4py {

namespace {

nb::class_<Comm>& class_of(Classes& c, KindTag<Comm>) { return c.comm; }
nb::class_<Group>& class_of(Classes& c, KindTag<Group>) { return c.group; }
nb::class_<Datatype>& class_of(Classes& c, KindTag<Datatype>) { return c.datatype; }
nb::class_<Op>& class_of(Classes& c, KindTag<Op>) { return c.op; }
nb::class_<Info>& class_of(Classes& c, KindTag<Info>) { return c.info; }
nb::class_<Errhandler>& class_of(Classes& c, KindTag<Errhandler>) { return c.errhandler; }
nb::class_<Request>& class_of(Classes& c, KindTag<Request>) { return c.request; }
nb::class_<Message>& class_of(Classes& c, KindTag<Message>) { return c.message; }
nb::class_<Win>& class_of(Classes& c, KindTag<Win>) { return c.win; }
nb::class_<File>& class_of(Classes& c, KindTag<File>) { return c.file; }
#if MPI_VERSION >= 4
nb::class_<Session>& class_of(Classes& c, KindTag<Session>) { return c.session; }
#endif

// Pickling: a predefined handle travels by the name of its module constant.
// The constant itself reduces to that name (pickle stores a global reference);
// any other object with the same handle reduces to `type(obj)(CONSTANT)`, which
// keeps Python subclasses. Other handles are process-local and cannot travel.
template <class T>
nb::object reduce_handle(nb::handle self) {
  const T& me = nb::cast<const T&>(self);
  nb::object module = nb::module_::import_("mpi4py.MPI");
  nb::dict names = nb::borrow<nb::dict>(module.attr("__dict__"));
  for (auto [key, value] : names) {
    T* other = nullptr;
    if (!nb::try_cast<T*>(value, other) || other == nullptr) continue;
    if (!other->predefined() || other->ob_mpi != me.ob_mpi) continue;
    if (value.is(self)) return nb::borrow(key);
    return nb::make_tuple(self.type(), nb::make_tuple(value));
  }
  PyErr_Format(PyExc_ValueError, "cannot pickle %s handle: only predefined handles can be pickled",
               Kind<T>::name);
  throw nb::python_error();
}

template <class T, class Class>
void bind_kind_extras(Class& cls) {
  using H = typename T::mpi_type;
  bind_handle_basics<T>(cls, Kind<T>::null());
  if (!defines(cls, "py2f"))
    cls.def(
        "py2f", [](const T& self) { return static_cast<long>(Kind<T>::c2f(self.ob_mpi)); },
        "Fortran integer handle of this object.");
  if (!defines(cls, "f2py"))
    def_classmethod(
        cls, "f2py",
        [](nb::handle type, long value) {
          return wrap_as<T>(type, Kind<T>::f2c(static_cast<MPI_Fint>(value)));
        },
        nb::arg("cls"), nb::arg("arg"), "Object of this class for a Fortran integer handle.");
  // MPI-5's *_toint/*_fromint are absent from the supported libraries; the
  // Fortran integer is the portable integer form of a handle there.
  if (!defines(cls, "toint"))
    cls.def(
        "toint", [](const T& self) { return static_cast<long>(Kind<T>::c2f(self.ob_mpi)); },
        "Translate this object to an integer handle.");
  if (!defines(cls, "fromint"))
    def_classmethod(
        cls, "fromint",
        [](nb::handle type, long value) {
          return wrap_as<T>(type, Kind<T>::f2c(static_cast<MPI_Fint>(value)));
        },
        nb::arg("cls"), nb::arg("arg"), "Translate an integer handle to an object.");
  if (!defines(cls, "fromhandle"))
    def_classmethod(
        cls, "fromhandle",
        [](nb::handle type, std::intptr_t handle) {
          return wrap_as<T>(type, handle_from_int<H>(handle));
        },
        nb::arg("cls"), nb::arg("handle"), "Create an object from an MPI handle.");
  if (!defines(cls, "free"))
    cls.def(
        "free",
        [](T& self) {
          if (is_builtin(self)) return;
          check(Kind<T>::free(&self.ob_mpi));
        },
        "Free the handle unless it is null or predefined.");
  if (!defines(cls, "__reduce__")) cls.def("__reduce__", &reduce_handle<T>);
}

template <class T>
void bind_null_constant(nb::module_& m, const char* name) {
  if (!nb::hasattr(m, name)) m.attr(name) = wrap<T>(Kind<T>::null(), kPredefined);
}

}  // namespace

void bind_handles(nb::module_& m, Classes& c) {
  for_each_kind([&](auto tag) {
    using T = typename decltype(tag)::type;
    bind_kind_extras<T>(class_of(c, tag));
  });
  // Every class of a family can be built from any member of it.
  bind_handle_init<Intracomm, Comm>(c.intracomm, MPI_COMM_NULL);
  bind_handle_init<Topocomm, Comm>(c.topocomm, MPI_COMM_NULL);
  bind_handle_init<Cartcomm, Comm>(c.cartcomm, MPI_COMM_NULL);
  bind_handle_init<Graphcomm, Comm>(c.graphcomm, MPI_COMM_NULL);
  bind_handle_init<Distgraphcomm, Comm>(c.distgraphcomm, MPI_COMM_NULL);
  bind_handle_init<Intercomm, Comm>(c.intercomm, MPI_COMM_NULL);
  bind_handle_init<Prequest, Request>(c.prequest, MPI_REQUEST_NULL);
  bind_handle_init<Grequest, Request>(c.grequest, MPI_REQUEST_NULL);

  bind_null_constant<Request>(m, "REQUEST_NULL");
  bind_null_constant<Message>(m, "MESSAGE_NULL");
  if (!nb::hasattr(m, "MESSAGE_NO_PROC"))
    m.attr("MESSAGE_NO_PROC") = wrap<Message>(MPI_MESSAGE_NO_PROC, kPredefined);
  bind_null_constant<Win>(m, "WIN_NULL");
  bind_null_constant<File>(m, "FILE_NULL");
}

}  // namespace mpi4py
