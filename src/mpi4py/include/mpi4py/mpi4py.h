/*
 * mpi4py.h: the C API of mpi4py.MPI, for C and C++ extension modules.
 *
 *   #include <mpi4py/mpi4py.h>          (compile with -I mpi4py.get_include())
 *
 *   if (import_mpi4py() < 0) return NULL;     (once, e.g. in PyInit_<module>)
 *   MPI_Comm *comm = PyMPIComm_Get(obj);      (pointer to the handle inside obj)
 *   PyObject *obj = PyMPIComm_New(comm);      (new reference; NULL on error)
 *   PyObject_TypeCheck(obj, &PyMPIComm_Type)
 *
 * For each handle kind <T> in Datatype, Request, Message, Op, Group, Info,
 * Errhandler, Session, Comm, Win and File (and for Status):
 *
 *   PyTypeObject PyMPI<T>_Type;              the class mpi4py.MPI.<T>
 *   PyObject    *PyMPI<T>_New(MPI_<T>);      wrap a handle in a new object
 *   MPI_<T>     *PyMPI<T>_Get(PyObject *);   the handle stored in an object
 *   (Status: PyMPIStatus_New(MPI_Status *) copies the status.)
 *
 * Both functions set a Python exception and return NULL on failure, and need
 * the GIL. The objects do not own their handles: freeing a handle stays the
 * job of whoever created it. Every source file that calls the API includes
 * this header and runs import_mpi4py() itself (the pointers are static).
 *
 * import_mpi4py() imports mpi4py.MPI and takes the functions from the
 * capsules in mpi4py.MPI.__pyx_capi__ (named by C signature, so a mismatch
 * between this header and the module is an ImportError, not a crash).
 */
#ifndef MPI4PY_H
#define MPI4PY_H

#include <Python.h>
#include <mpi.h>

/* Libraries older than MPI-4 have no sessions: the slot takes a pointer. */
#if (MPI_VERSION < 4) && !defined(PyMPI_HAVE_MPI_Session)
typedef void *PyMPI_MPI_Session;
#define MPI_Session PyMPI_MPI_Session
#endif

#if defined(__GNUC__) || defined(__clang__)
#define PyMPI_UNUSED __attribute__((unused))
#else
#define PyMPI_UNUSED
#endif

#define PyMPI_DECLARE(T, CType)                                            \
  static PyTypeObject *PyMPI##T##_TypePtr PyMPI_UNUSED = NULL;             \
  static PyObject *(*PyMPI##T##_New)(CType) PyMPI_UNUSED = NULL;           \
  static CType *(*PyMPI##T##_Get)(PyObject *) PyMPI_UNUSED = NULL;

PyMPI_DECLARE(Datatype, MPI_Datatype)
PyMPI_DECLARE(Request, MPI_Request)
PyMPI_DECLARE(Message, MPI_Message)
PyMPI_DECLARE(Op, MPI_Op)
PyMPI_DECLARE(Group, MPI_Group)
PyMPI_DECLARE(Info, MPI_Info)
PyMPI_DECLARE(Errhandler, MPI_Errhandler)
PyMPI_DECLARE(Session, MPI_Session)
PyMPI_DECLARE(Comm, MPI_Comm)
PyMPI_DECLARE(Win, MPI_Win)
PyMPI_DECLARE(File, MPI_File)
static PyTypeObject *PyMPIStatus_TypePtr PyMPI_UNUSED = NULL;
static PyObject *(*PyMPIStatus_New)(MPI_Status *) PyMPI_UNUSED = NULL;
static MPI_Status *(*PyMPIStatus_Get)(PyObject *) PyMPI_UNUSED = NULL;

#undef PyMPI_DECLARE

#define PyMPIDatatype_Type (*PyMPIDatatype_TypePtr)
#define PyMPIStatus_Type (*PyMPIStatus_TypePtr)
#define PyMPIRequest_Type (*PyMPIRequest_TypePtr)
#define PyMPIMessage_Type (*PyMPIMessage_TypePtr)
#define PyMPIOp_Type (*PyMPIOp_TypePtr)
#define PyMPIGroup_Type (*PyMPIGroup_TypePtr)
#define PyMPIInfo_Type (*PyMPIInfo_TypePtr)
#define PyMPIErrhandler_Type (*PyMPIErrhandler_TypePtr)
#define PyMPISession_Type (*PyMPISession_TypePtr)
#define PyMPIComm_Type (*PyMPIComm_TypePtr)
#define PyMPIWin_Type (*PyMPIWin_TypePtr)
#define PyMPIFile_Type (*PyMPIFile_TypePtr)

/* Take one function out of the capsule table; 0 on success. */
static PyMPI_UNUSED int PyMPI_ImportFunction(PyObject *table, const char *name,
                                             void (**function)(void), const char *signature) {
  PyObject *capsule = PyDict_GetItemString(table, name); /* borrowed */
  void *pointer;
  if (capsule == NULL) {
    PyErr_Format(PyExc_ImportError, "mpi4py.MPI does not export %s", name);
    return -1;
  }
  if (!PyCapsule_IsValid(capsule, signature)) {
    PyErr_Format(PyExc_ImportError, "mpi4py.MPI exports %s with another signature than %s", name,
                 signature);
    return -1;
  }
  pointer = PyCapsule_GetPointer(capsule, signature);
  if (pointer == NULL) return -1;
  *function = (void (*)(void))pointer;
  return 0;
}

/* Take one class out of the module; 0 on success. */
static PyMPI_UNUSED int PyMPI_ImportType(PyObject *module, const char *name, PyTypeObject **type) {
  PyObject *object = PyObject_GetAttrString(module, name);
  if (object == NULL) return -1;
  if (!PyType_Check(object)) {
    PyErr_Format(PyExc_ImportError, "mpi4py.MPI.%s is not a class", name);
    Py_DECREF(object);
    return -1;
  }
  /* The module keeps its classes alive for as long as it is loaded. */
  *type = (PyTypeObject *)object;
  Py_DECREF(object);
  return 0;
}

#define PyMPI_IMPORT(T, CType)                                                                \
  if (PyMPI_ImportType(module, #T, &PyMPI##T##_TypePtr) < 0) goto bad;                        \
  if (PyMPI_ImportFunction(table, "PyMPI" #T "_New", (void (**)(void)) & PyMPI##T##_New,      \
                           "PyObject *(" #CType ")") < 0)                                     \
    goto bad;                                                                                 \
  if (PyMPI_ImportFunction(table, "PyMPI" #T "_Get", (void (**)(void)) & PyMPI##T##_Get,      \
                           #CType " *(PyObject *)") < 0)                                      \
    goto bad;

/* Import mpi4py.MPI and its C API; 0 on success, -1 with an exception set. */
static PyMPI_UNUSED int import_mpi4py(void) {
  PyObject *module = PyImport_ImportModule("mpi4py.MPI");
  PyObject *table = NULL;
  if (module == NULL) goto bad;
  table = PyObject_GetAttrString(module, "__pyx_capi__");
  if (table == NULL) goto bad;
  if (!PyDict_Check(table)) {
    PyErr_SetString(PyExc_ImportError, "mpi4py.MPI.__pyx_capi__ is not a dict");
    goto bad;
  }
  PyMPI_IMPORT(Datatype, MPI_Datatype)
  if (PyMPI_ImportType(module, "Status", &PyMPIStatus_TypePtr) < 0) goto bad;
  if (PyMPI_ImportFunction(table, "PyMPIStatus_New", (void (**)(void)) & PyMPIStatus_New,
                           "PyObject *(MPI_Status *)") < 0)
    goto bad;
  if (PyMPI_ImportFunction(table, "PyMPIStatus_Get", (void (**)(void)) & PyMPIStatus_Get,
                           "MPI_Status *(PyObject *)") < 0)
    goto bad;
  PyMPI_IMPORT(Request, MPI_Request)
  PyMPI_IMPORT(Message, MPI_Message)
  PyMPI_IMPORT(Op, MPI_Op)
  PyMPI_IMPORT(Group, MPI_Group)
  PyMPI_IMPORT(Info, MPI_Info)
  PyMPI_IMPORT(Errhandler, MPI_Errhandler)
  PyMPI_IMPORT(Session, MPI_Session)
  PyMPI_IMPORT(Comm, MPI_Comm)
  PyMPI_IMPORT(Win, MPI_Win)
  PyMPI_IMPORT(File, MPI_File)
  Py_DECREF(table);
  Py_DECREF(module);
  return 0;
bad:
  Py_XDECREF(table);
  Py_XDECREF(module);
  return -1;
}

#undef PyMPI_IMPORT

#endif /* MPI4PY_H */
