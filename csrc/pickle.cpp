// The engine of the object (lowercase) API: serialize with the active
// MPI.pickle (a mpi4py._pickle.Pickle), calling its dumps/loads directly so no
// Python-level method frame sits on the hot path.
#include "pickle.hpp"

namespace mpi4py {

namespace {

PyObject* module_dict = nullptr;  // borrowed: mpi4py.MPI.__dict__
PyObject* name_pickle = nullptr;  // interned attribute names
PyObject* name_dumps = nullptr;
PyObject* name_loads = nullptr;
PyObject* name_protocol = nullptr;

nb::object active_attr(PyObject* name) {
  PyObject* pickle = PyDict_GetItem(module_dict, name_pickle);  // borrowed
  if (!pickle) raise_type_error("MPI.pickle is missing");
  PyObject* attr = PyObject_GetAttr(pickle, name);
  if (!attr) throw nb::python_error();
  return nb::steal(attr);
}

}  // namespace

nb::object pickle_dumps(nb::handle obj) {
  nb::object dumps = active_attr(name_dumps);
  nb::object protocol = active_attr(name_protocol);
  PyObject* result;
  if (protocol.is_none()) {
    result = PyObject_CallOneArg(dumps.ptr(), obj.ptr());
  } else {
    PyObject* args[2] = {obj.ptr(), protocol.ptr()};
    result = PyObject_Vectorcall(dumps.ptr(), args, 2, nullptr);
  }
  if (!result) throw nb::python_error();
  if (PyUnicode_Check(result)) {  // text serializers (json) travel as UTF-8
    PyObject* encoded = PyUnicode_AsUTF8String(result);
    Py_DECREF(result);
    if (!encoded) throw nb::python_error();
    result = encoded;
  }
  return nb::steal(result);
}

nb::object pickle_loads(nb::handle data) {
  nb::object loads = active_attr(name_loads);
  PyObject* result = PyObject_CallOneArg(loads.ptr(), data.ptr());
  if (!result) throw nb::python_error();
  return nb::steal(result);
}

void bind_pickle(nb::module_& m) {
  module_dict = m.attr("__dict__").ptr();
  name_pickle = PyUnicode_InternFromString("pickle");
  name_dumps = PyUnicode_InternFromString("_dumps");
  name_loads = PyUnicode_InternFromString("_loads");
  name_protocol = PyUnicode_InternFromString("_protocol");
  nb::module_::import_("mpi4py._pickle").attr("install")(m);
}

}  // namespace mpi4py
