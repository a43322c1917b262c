"""The C API (mpi4py/mpi4py.h), used by a C extension module built here with
the MPI compiler wrapper this package was built with."""

import ctypes
import importlib.util
import os
import subprocess

import pytest
from cbuild import (
    build_shared,
    build_source_path,
    mpicc,
    python_extension_suffix,
    python_include,
)

import mpi4py
from mpi4py import MPI

KINDS = [
    "Datatype",
    "Request",
    "Message",
    "Op",
    "Group",
    "Info",
    "Errhandler",
    "Session",
    "Comm",
    "Win",
    "File",
]

# One round trip function per kind: take the handle out of an object, wrap it
# in a new one. Plus functions that use the handles with MPI.
SOURCE = r"""
#include <Python.h>
#include <mpi4py/mpi4py.h>

#define ROUNDTRIP(T)                                              \
  static PyObject *roundtrip_##T(PyObject *self, PyObject *obj) { \
    MPI_##T *handle = PyMPI##T##_Get(obj);                       \
    (void)self;                                                   \
    if (handle == NULL) return NULL;                              \
    return PyMPI##T##_New(*handle);                               \
  }                                                               \
  static PyObject *is_##T(PyObject *self, PyObject *obj) {        \
    (void)self;                                                   \
    return PyBool_FromLong(PyObject_TypeCheck(obj, &PyMPI##T##_Type)); \
  }

ROUNDTRIP(Datatype)
ROUNDTRIP(Request)
ROUNDTRIP(Message)
ROUNDTRIP(Op)
ROUNDTRIP(Group)
ROUNDTRIP(Info)
ROUNDTRIP(Errhandler)
ROUNDTRIP(Session)
ROUNDTRIP(Comm)
ROUNDTRIP(Win)
ROUNDTRIP(File)

static PyObject *comm_size(PyObject *self, PyObject *obj) {
  int size = -1;
  MPI_Comm *comm = PyMPIComm_Get(obj);
  (void)self;
  if (comm == NULL) return NULL;
  if (MPI_Comm_size(*comm, &size) != MPI_SUCCESS) {
    PyErr_SetString(PyExc_RuntimeError, "MPI_Comm_size failed");
    return NULL;
  }
  return PyLong_FromLong(size);
}

/* A new communicator made in C, handed to Python (which frees it). */
static PyObject *comm_dup(PyObject *self, PyObject *obj) {
  MPI_Comm dup = MPI_COMM_NULL;
  MPI_Comm *comm = PyMPIComm_Get(obj);
  (void)self;
  if (comm == NULL) return NULL;
  if (MPI_Comm_dup(*comm, &dup) != MPI_SUCCESS) {
    PyErr_SetString(PyExc_RuntimeError, "MPI_Comm_dup failed");
    return NULL;
  }
  return PyMPIComm_New(dup);
}

static PyObject *world(PyObject *self, PyObject *unused) {
  (void)self;
  (void)unused;
  return PyMPIComm_New(MPI_COMM_WORLD);
}

static PyObject *null_comm(PyObject *self, PyObject *unused) {
  (void)self;
  (void)unused;
  return PyMPIComm_New(MPI_COMM_NULL);
}

static PyObject *type_size(PyObject *self, PyObject *obj) {
  int size = -1;
  MPI_Datatype *type = PyMPIDatatype_Get(obj);
  (void)self;
  if (type == NULL) return NULL;
  MPI_Type_size(*type, &size);
  return PyLong_FromLong(size);
}

static PyObject *new_int_type(PyObject *self, PyObject *unused) {
  (void)self;
  (void)unused;
  return PyMPIDatatype_New(MPI_INT);
}

/* Overwrite the handle inside a Python object from C. */
static PyObject *set_comm_self(PyObject *self, PyObject *obj) {
  MPI_Comm *comm = PyMPIComm_Get(obj);
  (void)self;
  if (comm == NULL) return NULL;
  *comm = MPI_COMM_SELF;
  Py_RETURN_NONE;
}

static PyObject *status_new(PyObject *self, PyObject *args) {
  MPI_Status status;
  int source, tag;
  (void)self;
  if (!PyArg_ParseTuple(args, "ii", &source, &tag)) return NULL;
  status.MPI_SOURCE = source;
  status.MPI_TAG = tag;
  status.MPI_ERROR = MPI_SUCCESS;
  MPI_Status_set_elements(&status, MPI_BYTE, 0);
  MPI_Status_set_cancelled(&status, 0);
  return PyMPIStatus_New(&status);
}

static PyObject *status_source_tag(PyObject *self, PyObject *obj) {
  MPI_Status *status = PyMPIStatus_Get(obj);
  (void)self;
  if (status == NULL) return NULL;
  return Py_BuildValue("(ii)", status->MPI_SOURCE, status->MPI_TAG);
}

#define ENTRY(T) \
  {"roundtrip_" #T, roundtrip_##T, METH_O, NULL}, {"is_" #T, is_##T, METH_O, NULL},

static PyMethodDef methods[] = {
    ENTRY(Datatype) ENTRY(Request) ENTRY(Message) ENTRY(Op) ENTRY(Group) ENTRY(Info)
    ENTRY(Errhandler) ENTRY(Session) ENTRY(Comm) ENTRY(Win) ENTRY(File)
    {"comm_size", comm_size, METH_O, NULL},
    {"comm_dup", comm_dup, METH_O, NULL},
    {"world", world, METH_NOARGS, NULL},
    {"null_comm", null_comm, METH_NOARGS, NULL},
    {"type_size", type_size, METH_O, NULL},
    {"new_int_type", new_int_type, METH_NOARGS, NULL},
    {"set_comm_self", set_comm_self, METH_O, NULL},
    {"status_new", status_new, METH_VARARGS, NULL},
    {"status_source_tag", status_source_tag, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "capi_probe", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit_capi_probe(void) {
  if (import_mpi4py() < 0) return NULL;
  return PyModule_Create(&module);
}
"""


def include_flags():
    return [f"-I{python_include()}", f"-I{mpi4py.get_include()}"]


@pytest.fixture(scope="module")
def probe():
    path = build_shared(
        "capi_probe", SOURCE, include_flags(), python_extension_suffix()
    )
    spec = importlib.util.spec_from_file_location("capi_probe", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_get_include_has_header():
    include = mpi4py.get_include()
    assert os.path.isdir(include)
    assert os.path.isfile(os.path.join(include, "mpi4py", "mpi4py.h"))


def test_header_compiles_as_cxx():
    source = build_source_path("header_probe.cpp")
    with open(source, "w") as stream:
        stream.write(
            "#include <mpi4py/mpi4py.h>\n"
            "int main() { return import_mpi4py() == 0 ? 0 : 1; }\n"
        )
    # The MPI libraries' own C++ bindings do not compile warning-free.
    command = [
        *mpicc(),
        "-x",
        "c++",
        "-fsyntax-only",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-DOMPI_SKIP_MPICXX",
        "-DMPICH_SKIP_MPICXX",
        *include_flags(),
        str(source),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_comm_from_python_to_c_and_back(probe):
    world = MPI.COMM_WORLD
    assert probe.comm_size(world) == world.Get_size()
    comm = probe.comm_dup(world)
    try:
        assert type(comm) is MPI.Intracomm
        assert comm.Compare(world) == MPI.CONGRUENT
        assert probe.comm_size(comm) == world.Get_size()
    finally:
        comm.Free()
    assert probe.world() == world
    assert type(probe.world()) is MPI.Intracomm
    null = probe.null_comm()
    assert null == MPI.COMM_NULL and type(null) is MPI.Comm


def test_roundtrip_every_kind(probe):
    objects = {
        "Datatype": [MPI.INT, MPI.DATATYPE_NULL],
        "Request": [MPI.REQUEST_NULL],
        "Message": [MPI.MESSAGE_NULL, MPI.MESSAGE_NO_PROC],
        "Op": [MPI.SUM, MPI.OP_NULL],
        "Group": [MPI.GROUP_EMPTY, MPI.GROUP_NULL],
        "Info": [MPI.INFO_ENV, MPI.INFO_NULL],
        "Errhandler": [MPI.ERRORS_RETURN, MPI.ERRHANDLER_NULL],
        "Comm": [MPI.COMM_SELF, MPI.COMM_NULL],
        "Win": [MPI.WIN_NULL],
        "File": [MPI.FILE_NULL],
    }
    if MPI.VERSION >= 4:
        objects["Session"] = [MPI.SESSION_NULL]
    for kind, values in objects.items():
        roundtrip = getattr(probe, f"roundtrip_{kind}")
        check = getattr(probe, f"is_{kind}")
        for value in values:
            back = roundtrip(value)
            assert back == value, kind
            assert back is not value
            assert isinstance(back, getattr(MPI, kind))
            assert check(value)
        other = MPI.COMM_NULL if kind != "Comm" else MPI.INFO_NULL
        assert not check(other)
        with pytest.raises(TypeError):
            roundtrip(other)
        with pytest.raises(TypeError):
            roundtrip(None)


def test_session_kind(probe):
    if MPI.VERSION >= 4:
        session = MPI.Session.Init()
        try:
            assert probe.roundtrip_Session(session) == session
        finally:
            session.Finalize()
    else:
        with pytest.raises(NotImplementedError):
            probe.roundtrip_Session(MPI.SESSION_NULL)


def test_subclass_instances(probe):
    class MyComm(MPI.Intracomm):
        pass

    mine = MyComm(MPI.COMM_WORLD)
    assert probe.is_Comm(mine)
    assert probe.comm_size(mine) == MPI.COMM_WORLD.Get_size()


def test_datatypes(probe):
    assert probe.type_size(MPI.DOUBLE) == 8
    assert probe.type_size(MPI.INT) == MPI.INT.Get_size()
    int_type = probe.new_int_type()
    assert int_type == MPI.INT
    assert type(int_type) is MPI.Datatype


def test_get_points_into_the_object(probe):
    comm = MPI.Comm()
    probe.set_comm_self(comm)
    assert comm == MPI.COMM_SELF
    assert MPI.COMM_SELF.Get_size() == 1


def test_status(probe):
    status = probe.status_new(3, 42)
    assert isinstance(status, MPI.Status)
    assert (status.Get_source(), status.Get_tag()) == (3, 42)
    status.Set_source(5)
    assert probe.status_source_tag(status) == (5, 42)
    with pytest.raises(TypeError):
        probe.status_source_tag(MPI.COMM_WORLD)


def test_capsule_signatures():
    # The header checks these names: a mismatch is an ImportError, not a crash.
    table = MPI.__pyx_capi__
    capsule = table["PyMPIComm_New"]
    name_of = ctypes.pythonapi.PyCapsule_GetName
    name_of.restype = ctypes.c_char_p
    name_of.argtypes = [ctypes.py_object]
    assert name_of(capsule) == b"PyObject *(MPI_Comm)"
    assert name_of(table["PyMPIComm_Get"]) == b"MPI_Comm *(PyObject *)"
    assert name_of(table["PyMPIStatus_New"]) == b"PyObject *(MPI_Status *)"
