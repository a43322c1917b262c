// The C API (mpi4py/mpi4py.h): PyMPI<Kind>_New/_Get exported as capsules in
// mpi4py.MPI.__pyx_capi__, named by their C signatures; plus the low-level
// helpers _sizeof/_addressof/_handleof, the C and Fortran typecode tables,
// get_vendor and Get_hw_resource_info.
#include <cstdlib>
#include <string>

#include "kinds.hpp"

namespace mpi4py {

namespace {

// --- objects for handles coming from C -----------------------------------------

template <class T>
nb::object new_object(typename T::mpi_type handle) {
  return wrap<T>(handle);
}

// A communicator from C gets the most specific class its handle supports.
template <>
nb::object new_object<Comm>(MPI_Comm comm) {
  if (comm == MPI_COMM_NULL) return wrap<Comm>(comm);
  int inter = 0;
  check(MPI_Comm_test_inter(comm, &inter));
  if (inter) return wrap<Intercomm>(comm);
  int topology = MPI_UNDEFINED;
  check(MPI_Topo_test(comm, &topology));
  if (topology == MPI_CART) return wrap<Cartcomm>(comm);
  if (topology == MPI_GRAPH) return wrap<Graphcomm>(comm);
  if (topology == MPI_DIST_GRAPH) return wrap<Distgraphcomm>(comm);
  return wrap<Intracomm>(comm);
}

// C callers get NULL with a Python exception set, never a C++ exception.
template <class Call>
auto guarded(Call&& call) noexcept -> decltype(call()) {
  try {
    return call();
  } catch (nb::python_error& error) {
    error.restore();
  } catch (const std::exception& error) {
    PyErr_SetString(PyExc_RuntimeError, error.what());
  }
  return nullptr;
}

template <class T>
PyObject* capi_new(typename T::mpi_type handle) noexcept {
  return guarded([&] { return new_object<T>(handle).release().ptr(); });
}

template <class T>
typename T::mpi_type* capi_get(PyObject* obj) noexcept {
  return guarded([&]() -> typename T::mpi_type* {
    T* self = nullptr;
    if (obj == nullptr || !nb::try_cast<T*>(nb::handle(obj), self) || self == nullptr) {
      PyErr_Format(PyExc_TypeError, "expected an MPI.%s instance, got %s", Kind<T>::name,
                   obj ? Py_TYPE(obj)->tp_name : "NULL");
      return nullptr;
    }
    return &self->ob_mpi;
  });
}

PyObject* capi_status_new(MPI_Status* status) noexcept {
  return guarded([&] {
    nb::object obj = nb::inst_alloc(nb::type<Status>());
    Status* self = nb::inst_ptr<Status>(obj);
    new (self) Status();
    if (status != nullptr && status != MPI_STATUS_IGNORE) self->ob_mpi = *status;
    nb::inst_mark_ready(obj);
    return obj.release().ptr();
  });
}

MPI_Status* capi_status_get(PyObject* obj) noexcept {
  return guarded([&]() -> MPI_Status* {
    Status* self = nullptr;
    if (obj == nullptr || !nb::try_cast<Status*>(nb::handle(obj), self) || self == nullptr) {
      PyErr_Format(PyExc_TypeError, "expected an MPI.Status instance, got %s",
                   obj ? Py_TYPE(obj)->tp_name : "NULL");
      return nullptr;
    }
    return &self->ob_mpi;
  });
}

#if MPI_VERSION < 4
// MPI.Session is a stand-in without MPI-4: the header types MPI_Session as void*.
PyObject* capi_session_new(void*) noexcept {
  PyErr_SetString(PyExc_NotImplementedError, "MPI sessions need an MPI-4 library");
  return nullptr;
}
void** capi_session_get(PyObject*) noexcept {
  PyErr_SetString(PyExc_NotImplementedError, "MPI sessions need an MPI-4 library");
  return nullptr;
}
#endif

template <class Function>
void export_function(nb::dict& capi, const char* name, Function* function, const char* signature) {
  void* pointer = reinterpret_cast<void*>(function);
  capi[name] = nb::steal(PyCapsule_New(pointer, signature, nullptr));
}

// The signatures are the capsule names mpi4py.h checks: one string per C type.
#define MPI4PY_EXPORT(Kind, CType)                                                        \
  export_function(capi, "PyMPI" #Kind "_New", &capi_new<Kind>, "PyObject *(" #CType ")"); \
  export_function(capi, "PyMPI" #Kind "_Get", &capi_get<Kind>, #CType " *(PyObject *)")

nb::dict make_capi() {
  nb::dict capi;
  MPI4PY_EXPORT(Datatype, MPI_Datatype);
  export_function(capi, "PyMPIStatus_New", &capi_status_new, "PyObject *(MPI_Status *)");
  export_function(capi, "PyMPIStatus_Get", &capi_status_get, "MPI_Status *(PyObject *)");
  MPI4PY_EXPORT(Request, MPI_Request);
  MPI4PY_EXPORT(Message, MPI_Message);
  MPI4PY_EXPORT(Op, MPI_Op);
  MPI4PY_EXPORT(Group, MPI_Group);
  MPI4PY_EXPORT(Info, MPI_Info);
  MPI4PY_EXPORT(Errhandler, MPI_Errhandler);
#if MPI_VERSION >= 4
  MPI4PY_EXPORT(Session, MPI_Session);
#else
  export_function(capi, "PyMPISession_New", &capi_session_new, "PyObject *(MPI_Session)");
  export_function(capi, "PyMPISession_Get", &capi_session_get, "MPI_Session *(PyObject *)");
#endif
  MPI4PY_EXPORT(Comm, MPI_Comm);
  MPI4PY_EXPORT(Win, MPI_Win);
  MPI4PY_EXPORT(File, MPI_File);
  return capi;
}

#undef MPI4PY_EXPORT

// --- _sizeof, _addressof, _handleof --------------------------------------------

nb::object sizeof_handle(nb::handle arg) {
  nb::handle type = PyType_Check(arg.ptr()) ? arg : nb::handle(arg.type());
  auto* ptype = reinterpret_cast<PyTypeObject*>(type.ptr());
  nb::object size;
  for_each_kind([&](auto tag) {
    using T = typename decltype(tag)::type;
    if (!size.is_valid() &&
        PyType_IsSubtype(ptype, reinterpret_cast<PyTypeObject*>(nb::type<T>().ptr())))
      size = nb::int_(sizeof(typename T::mpi_type));
  });
  if (!size.is_valid() &&
      PyType_IsSubtype(ptype, reinterpret_cast<PyTypeObject*>(nb::type<Status>().ptr())))
    size = nb::int_(sizeof(MPI_Status));
  if (!size.is_valid()) raise_type_error("expected an MPI handle object, Status, or their class");
  return size;
}

nb::object addressof_handle(nb::handle arg) {
  nb::object address;
  for_each_kind([&](auto tag) {
    using T = typename decltype(tag)::type;
    T* self = nullptr;
    if (!address.is_valid() && nb::try_cast<T*>(arg, self) && self != nullptr)
      address = nb::int_(reinterpret_cast<std::intptr_t>(&self->ob_mpi));
  });
  Status* status = nullptr;
  if (!address.is_valid() && nb::try_cast<Status*>(arg, status) && status != nullptr)
    address = nb::int_(reinterpret_cast<std::intptr_t>(&status->ob_mpi));
  if (!address.is_valid()) raise_type_error("expected an MPI handle object or Status");
  return address;
}

nb::object handleof_handle(nb::handle arg) {
  nb::object value;
  for_each_kind([&](auto tag) {
    using T = typename decltype(tag)::type;
    T* self = nullptr;
    if (!value.is_valid() && nb::try_cast<T*>(arg, self) && self != nullptr)
      value = nb::int_(self->as_int());
  });
  if (value.is_valid()) return value;
  if (nb::isinstance<Status>(arg))
    raise(PyExc_NotImplementedError, "a Status is a value, it has no MPI handle");
  raise_type_error("expected an MPI handle object");
}

// --- typecode tables -------------------------------------------------------------

void add_type(nb::dict& table, const char* code, MPI_Datatype type) {
  if (type != MPI_DATATYPE_NULL) table[code] = wrap<Datatype>(type, kPredefined);
}

// C types by struct/NumPy character and by kind+size code.
nb::dict c_typedict() {
  nb::dict t;
  const std::pair<const char*, MPI_Datatype> chars[] = {
      {"?", MPI_C_BOOL},
      {"c", MPI_CHAR},
      {"b", MPI_SIGNED_CHAR},
      {"h", MPI_SHORT},
      {"i", MPI_INT},
      {"l", MPI_LONG},
      {"q", MPI_LONG_LONG},
      {"B", MPI_UNSIGNED_CHAR},
      {"H", MPI_UNSIGNED_SHORT},
      {"I", MPI_UNSIGNED},
      {"L", MPI_UNSIGNED_LONG},
      {"Q", MPI_UNSIGNED_LONG_LONG},
      {"f", MPI_FLOAT},
      {"d", MPI_DOUBLE},
      {"g", MPI_LONG_DOUBLE},
      {"F", MPI_C_FLOAT_COMPLEX},
      {"D", MPI_C_DOUBLE_COMPLEX},
      {"G", MPI_C_LONG_DOUBLE_COMPLEX},
      {"b1", MPI_C_BOOL},
      {"i1", MPI_INT8_T},
      {"i2", MPI_INT16_T},
      {"i4", MPI_INT32_T},
      {"i8", MPI_INT64_T},
      {"u1", MPI_UINT8_T},
      {"u2", MPI_UINT16_T},
      {"u4", MPI_UINT32_T},
      {"u8", MPI_UINT64_T},
  };
  for (const auto& [code, type] : chars) add_type(t, code, type);
  if (sizeof(float) == 4) add_type(t, "f4", MPI_FLOAT), add_type(t, "c8", MPI_C_FLOAT_COMPLEX);
  if (sizeof(double) == 8) add_type(t, "f8", MPI_DOUBLE), add_type(t, "c16", MPI_C_DOUBLE_COMPLEX);
  std::string ld = "f" + std::to_string(sizeof(long double));
  std::string lc = "c" + std::to_string(2 * sizeof(long double));
  if (sizeof(long double) > sizeof(double)) {
    add_type(t, ld.c_str(), MPI_LONG_DOUBLE);
    add_type(t, lc.c_str(), MPI_C_LONG_DOUBLE_COMPLEX);
  }
  return t;
}

// Fortran types: ? logical, i integer, r/s real, d double precision,
// c complex, z double complex; with a size suffix, the sized kinds.
nb::dict f_typedict() {
  nb::dict t;
  add_type(t, "?", MPI_LOGICAL);
  add_type(t, "i", MPI_INTEGER);
  add_type(t, "s", MPI_REAL);
  add_type(t, "r", MPI_REAL);
  add_type(t, "d", MPI_DOUBLE_PRECISION);
  add_type(t, "c", MPI_COMPLEX);
  add_type(t, "z", MPI_DOUBLE_COMPLEX);
#ifdef MPI_LOGICAL1
  add_type(t, "?1", MPI_LOGICAL1);
#endif
#ifdef MPI_LOGICAL2
  add_type(t, "?2", MPI_LOGICAL2);
#endif
#ifdef MPI_LOGICAL4
  add_type(t, "?4", MPI_LOGICAL4);
#endif
#ifdef MPI_LOGICAL8
  add_type(t, "?8", MPI_LOGICAL8);
#endif
  add_type(t, "i1", MPI_INTEGER1);
  add_type(t, "i2", MPI_INTEGER2);
  add_type(t, "i4", MPI_INTEGER4);
  add_type(t, "i8", MPI_INTEGER8);
#ifdef MPI_INTEGER16
  add_type(t, "i16", MPI_INTEGER16);
#endif
#ifdef MPI_REAL2
  add_type(t, "r2", MPI_REAL2);
#endif
  add_type(t, "r4", MPI_REAL4);
  add_type(t, "r8", MPI_REAL8);
#ifdef MPI_REAL16
  add_type(t, "r16", MPI_REAL16);
#endif
#ifdef MPI_COMPLEX4
  add_type(t, "c4", MPI_COMPLEX4);
#endif
  add_type(t, "c8", MPI_COMPLEX8);
  add_type(t, "c16", MPI_COMPLEX16);
#ifdef MPI_COMPLEX32
  add_type(t, "c32", MPI_COMPLEX32);
#endif
  return t;
}

// --- vendor ------------------------------------------------------------------------

// "4.0.2" -> (4, 0, 2); stops at the first part that is not a number.
[[maybe_unused]] nb::tuple parse_version(const char* text) {
  long parts[3] = {0, 0, 0};
  const char* cursor = text;
  for (int i = 0; i < 3 && cursor && *cursor; ++i) {
    char* end = nullptr;
    parts[i] = std::strtol(cursor, &end, 10);
    if (end == cursor || *end != '.') break;
    cursor = end + 1;
  }
  return nb::make_tuple(parts[0], parts[1], parts[2]);
}

nb::tuple vendor() {
#if defined(I_MPI_VERSION)
  return nb::make_tuple("Intel MPI", parse_version(I_MPI_VERSION));
#elif defined(MVAPICH2_VERSION)
  return nb::make_tuple("MVAPICH2", parse_version(MVAPICH2_VERSION));
#elif defined(MVAPICH_VERSION)
  return nb::make_tuple("MVAPICH", parse_version(MVAPICH_VERSION));
#elif defined(MPICH_VERSION)
  return nb::make_tuple("MPICH", parse_version(MPICH_VERSION));
#elif defined(OPEN_MPI)
  return nb::make_tuple(
      "Open MPI", nb::make_tuple(OMPI_MAJOR_VERSION, OMPI_MINOR_VERSION, OMPI_RELEASE_VERSION));
#else
  return nb::make_tuple("unknown", nb::make_tuple(0, 0, 0));
#endif
}

}  // namespace

void bind_capi(nb::module_& m, Classes& c) {
  (void)c;
  m.attr("__pyx_capi__") = make_capi();
  m.def("_sizeof", &sizeof_handle, nb::arg("arg"),
        "Size in bytes of the MPI handle (or MPI_Status) behind an object or class.");
  m.def("_addressof", &addressof_handle, nb::arg("arg"),
        "Address of the MPI handle (or MPI_Status) stored in an object.");
  m.def("_handleof", &handleof_handle, nb::arg("arg"), "The MPI handle of an object, as an int.");
  m.attr("_typedict_c") = c_typedict();
  m.attr("_typedict_f") = f_typedict();
  m.def("get_vendor", &vendor,
        "Name and (major, minor, micro) version of the MPI library this module was built with.");
  m.def(
      "Get_hw_resource_info",
      []() -> nb::object {
#if MPI_VERSION > 4 || (MPI_VERSION == 4 && MPI_SUBVERSION >= 1)
        MPI_Info info = MPI_INFO_NULL;
        check(MPI_Get_hw_resource_info(&info));
        return wrap<Info>(info);
#else
        raise(PyExc_NotImplementedError, "Get_hw_resource_info needs an MPI-4.1 library");
#endif
      },
      "Return an info object describing the hardware resources (MPI-4.1).");
}

}  // namespace mpi4py
