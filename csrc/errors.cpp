// MPI error codes to Python exceptions, and the error-class/string functions.
#include "errors.hpp"

#include <string>

#include "handle.hpp"

namespace mpi4py {

namespace {
// MPI.Exception, set once at module init; borrowed, the module attribute owns it.
PyObject* exception_type = nullptr;
}  // namespace

void set_exception_type(nb::handle type) { exception_type = type.ptr(); }

void raise_mpi_error(int ierr) {
  PyObject* type = exception_type ? exception_type : PyExc_RuntimeError;
  PyObject* code = PyLong_FromLong(ierr);
  PyErr_SetObject(type, code);
  Py_XDECREF(code);
  throw nb::python_error();
}

void raise(PyObject* type, const char* message) {
  PyErr_SetString(type, message);
  throw nb::python_error();
}

void raise_not_implemented(const char* what) {
  std::string message = std::string(what) + " is not available in this MPI library (MPI " +
                        std::to_string(MPI_VERSION) + "." + std::to_string(MPI_SUBVERSION) + ")";
  raise(PyExc_NotImplementedError, message.c_str());
}

void raise_self_type_error(nb::handle self, PyTypeObject* expected) {
  std::string message = std::string("descriptor requires a '") + expected->tp_name +
                        "' object but received a '" + Py_TYPE(self.ptr())->tp_name + "'";
  raise(PyExc_TypeError, message.c_str());
}

int error_class(int errorcode) {
  int errorclass = MPI_SUCCESS;
  check(MPI_Error_class(errorcode, &errorclass));
  return errorclass;
}

std::string error_string(int errorcode) {
  char text[MPI_MAX_ERROR_STRING + 1] = {0};
  int length = 0;
  check(MPI_Error_string(errorcode, text, &length));
  return std::string(text, static_cast<size_t>(length));
}

void bind_errors(nb::module_& m) {
  m.def("Get_error_class", &error_class, nb::arg("errorcode"),
        "Convert an error code into an error class.");
  m.def("Get_error_string", &error_string, nb::arg("errorcode"),
        "Return the error string for a given error class or error code.");
  m.def(
      "Add_error_class",
      [] {
        int errorclass = 0;
        check(MPI_Add_error_class(&errorclass));
        return errorclass;
      },
      "Add an error class to the known error classes.");
  m.def(
      "Add_error_code",
      [](int errorclass) {
        int errorcode = 0;
        check(MPI_Add_error_code(errorclass, &errorcode));
        return errorcode;
      },
      nb::arg("errorclass"), "Add an error code to an error class.");
  m.def(
      "Add_error_string",
      [](int errorcode, const std::string& string) {
        check(MPI_Add_error_string(errorcode, string.c_str()));
      },
      nb::arg("errorcode"), nb::arg("string"), "Associate an error string with an error code.");
#if MPI_VERSION > 4 || (MPI_VERSION == 4 && MPI_SUBVERSION >= 1)
  m.def(
      "Remove_error_class", [](int errorclass) { check(MPI_Remove_error_class(errorclass)); },
      nb::arg("errorclass"));
  m.def(
      "Remove_error_code", [](int errorcode) { check(MPI_Remove_error_code(errorcode)); },
      nb::arg("errorcode"));
  m.def(
      "Remove_error_string", [](int errorcode) { check(MPI_Remove_error_string(errorcode)); },
      nb::arg("errorcode"));
#endif

#define ERR_CONST(name) m.attr(#name) = int(MPI_##name)
  ERR_CONST(SUCCESS);
  ERR_CONST(ERR_LASTCODE);
  ERR_CONST(ERR_BUFFER);
  ERR_CONST(ERR_COUNT);
  ERR_CONST(ERR_TYPE);
  ERR_CONST(ERR_TAG);
  ERR_CONST(ERR_COMM);
  ERR_CONST(ERR_RANK);
  ERR_CONST(ERR_REQUEST);
  ERR_CONST(ERR_ROOT);
  ERR_CONST(ERR_GROUP);
  ERR_CONST(ERR_OP);
  ERR_CONST(ERR_TOPOLOGY);
  ERR_CONST(ERR_DIMS);
  ERR_CONST(ERR_ARG);
  ERR_CONST(ERR_UNKNOWN);
  ERR_CONST(ERR_TRUNCATE);
  ERR_CONST(ERR_OTHER);
  ERR_CONST(ERR_INTERN);
  ERR_CONST(ERR_IN_STATUS);
  ERR_CONST(ERR_PENDING);
  ERR_CONST(ERR_KEYVAL);
  ERR_CONST(ERR_NO_MEM);
  ERR_CONST(ERR_BASE);
  ERR_CONST(ERR_INFO_KEY);
  ERR_CONST(ERR_INFO_VALUE);
  ERR_CONST(ERR_INFO_NOKEY);
  ERR_CONST(ERR_INFO);
  ERR_CONST(ERR_SPAWN);
  ERR_CONST(ERR_PORT);
  ERR_CONST(ERR_SERVICE);
  ERR_CONST(ERR_NAME);
  ERR_CONST(ERR_WIN);
  ERR_CONST(ERR_SIZE);
  ERR_CONST(ERR_DISP);
  ERR_CONST(ERR_LOCKTYPE);
  ERR_CONST(ERR_ASSERT);
  ERR_CONST(ERR_RMA_CONFLICT);
  ERR_CONST(ERR_RMA_SYNC);
  ERR_CONST(ERR_RMA_RANGE);
  ERR_CONST(ERR_RMA_ATTACH);
  ERR_CONST(ERR_RMA_SHARED);
  ERR_CONST(ERR_RMA_FLAVOR);
  ERR_CONST(ERR_FILE);
  ERR_CONST(ERR_NOT_SAME);
  ERR_CONST(ERR_AMODE);
  ERR_CONST(ERR_UNSUPPORTED_DATAREP);
  ERR_CONST(ERR_UNSUPPORTED_OPERATION);
  ERR_CONST(ERR_NO_SUCH_FILE);
  ERR_CONST(ERR_FILE_EXISTS);
  ERR_CONST(ERR_BAD_FILE);
  ERR_CONST(ERR_ACCESS);
  ERR_CONST(ERR_NO_SPACE);
  ERR_CONST(ERR_QUOTA);
  ERR_CONST(ERR_READ_ONLY);
  ERR_CONST(ERR_FILE_IN_USE);
  ERR_CONST(ERR_DUP_DATAREP);
  ERR_CONST(ERR_CONVERSION);
  ERR_CONST(ERR_IO);
#undef ERR_CONST
  // MPI-4 error classes: a library that predates them reports such failures
  // as ERR_OTHER, so there the names alias it rather than invent numbers.
#if MPI_VERSION >= 4
  m.attr("ERR_SESSION") = int(MPI_ERR_SESSION);
  m.attr("ERR_PROC_ABORTED") = int(MPI_ERR_PROC_ABORTED);
  m.attr("ERR_VALUE_TOO_LARGE") = int(MPI_ERR_VALUE_TOO_LARGE);
#else
  m.attr("ERR_SESSION") = int(MPI_ERR_OTHER);
  m.attr("ERR_PROC_ABORTED") = int(MPI_ERR_OTHER);
  m.attr("ERR_VALUE_TOO_LARGE") = int(MPI_ERR_OTHER);
#endif
#if MPI_VERSION > 4 || (MPI_VERSION == 4 && MPI_SUBVERSION >= 1)
  m.attr("ERR_ERRHANDLER") = int(MPI_ERR_ERRHANDLER);
#else
  m.attr("ERR_ERRHANDLER") = int(MPI_ERR_OTHER);
#endif
}

}  // namespace mpi4py
