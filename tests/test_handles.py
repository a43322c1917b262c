"""What every handle kind shares: construction, comparison, Fortran and integer
handles, fromhandle, free(), pickling of predefined handles, subclassing, and
the low-level helpers _sizeof/_addressof/_handleof."""

import copy
import pickle

import pytest

from mpi4py import MPI

# (class, null constant name, other predefined constant names)
KINDS = [
    (MPI.Comm, "COMM_NULL", ["COMM_WORLD", "COMM_SELF"]),
    (MPI.Group, "GROUP_NULL", ["GROUP_EMPTY"]),
    (MPI.Datatype, "DATATYPE_NULL", ["INT", "DOUBLE", "BYTE"]),
    (MPI.Op, "OP_NULL", ["SUM", "MAX", "REPLACE"]),
    (MPI.Info, "INFO_NULL", ["INFO_ENV"]),
    (MPI.Errhandler, "ERRHANDLER_NULL", ["ERRORS_RETURN", "ERRORS_ARE_FATAL"]),
    (MPI.Request, "REQUEST_NULL", []),
    (MPI.Message, "MESSAGE_NULL", ["MESSAGE_NO_PROC"]),
    (MPI.Win, "WIN_NULL", []),
    (MPI.File, "FILE_NULL", []),
]
if MPI.VERSION >= 4:
    KINDS.append((MPI.Session, "SESSION_NULL", []))

SUBCLASSES = [
    (MPI.Intracomm, "COMM_NULL"),
    (MPI.Topocomm, "COMM_NULL"),
    (MPI.Cartcomm, "COMM_NULL"),
    (MPI.Graphcomm, "COMM_NULL"),
    (MPI.Distgraphcomm, "COMM_NULL"),
    (MPI.Intercomm, "COMM_NULL"),
    (MPI.Prequest, "REQUEST_NULL"),
    (MPI.Grequest, "REQUEST_NULL"),
]

ALL_CONSTANTS = [(cls, name) for cls, null, names in KINDS for name in [null, *names]]
KIND_IDS = [cls.__name__ for cls, _, _ in KINDS]
CONSTANT_IDS = [name for _, name in ALL_CONSTANTS]


@pytest.mark.parametrize("cls, null, names", KINDS, ids=KIND_IDS)
def test_null_and_construction(cls, null, names):
    null_obj = getattr(MPI, null)
    assert type(null_obj) is cls or isinstance(null_obj, cls)
    assert not null_obj
    assert cls() == null_obj
    assert cls(None) == null_obj
    assert cls(null_obj) == null_obj
    for name in names:
        constant = getattr(MPI, name)
        assert constant
        copy_ = cls(constant)
        assert copy_ == constant
        assert copy_ is not constant
        assert not (copy_ != constant)
        assert hash(copy_) == hash(constant)
        assert constant != null_obj


@pytest.mark.parametrize("cls, null, names", KINDS, ids=KIND_IDS)
def test_wrong_family_rejected(cls, null, names):
    other = MPI.INFO_NULL if cls is not MPI.Info else MPI.COMM_NULL
    with pytest.raises(TypeError):
        cls(other)
    with pytest.raises(TypeError):
        cls(42)
    assert (getattr(MPI, null) == other) is False
    assert (getattr(MPI, null) != other) is True
    assert getattr(MPI, null) != 0


@pytest.mark.parametrize("cls, name", ALL_CONSTANTS, ids=CONSTANT_IDS)
def test_fortran_and_int_handles(cls, name):
    obj = getattr(MPI, name)
    fint = obj.py2f()
    assert isinstance(fint, int)
    back = cls.f2py(fint)
    assert type(back) is cls
    assert back == obj
    value = obj.toint()
    assert isinstance(value, int)
    assert cls.fromint(value) == obj


@pytest.mark.parametrize("cls, name", ALL_CONSTANTS, ids=CONSTANT_IDS)
def test_handle_and_fromhandle(cls, name):
    obj = getattr(MPI, name)
    handle = obj.handle
    assert isinstance(handle, int)
    assert handle == MPI._handleof(obj)
    back = cls.fromhandle(handle)
    assert type(back) is cls
    assert back == obj
    assert back.handle == handle


@pytest.mark.parametrize("cls, name", ALL_CONSTANTS, ids=CONSTANT_IDS)
def test_pickle_predefined(cls, name):
    obj = getattr(MPI, name)
    assert pickle.loads(pickle.dumps(obj)) is obj
    assert copy.copy(obj) is obj
    assert copy.deepcopy(obj) is obj
    # An equal object that is not the constant itself comes back equal, same type.
    other = cls(obj)
    back = pickle.loads(pickle.dumps(other))
    assert back == obj
    assert type(back) is cls


def test_pickle_keeps_subclass():
    back = pickle.loads(pickle.dumps(MyIntracomm(MPI.COMM_WORLD)))
    assert type(back) is MyIntracomm
    assert back == MPI.COMM_WORLD


class MyIntracomm(MPI.Intracomm):
    pass


def test_pickle_non_predefined_raises():
    comm = MPI.COMM_WORLD.Dup()
    group = MPI.COMM_WORLD.Get_group()
    info = MPI.Info.Create()
    try:
        for obj in (comm, group, info):
            with pytest.raises(ValueError):
                pickle.dumps(obj)
    finally:
        comm.Free()
        group.Free()
        info.Free()


@pytest.mark.parametrize("cls, null, names", KINDS, ids=KIND_IDS)
def test_subclassing(cls, null, names):
    class Sub(cls):
        extra = "class attribute"

        def describe(self):
            return f"sub of {cls.__name__}"

    null_obj = getattr(MPI, null)
    obj = Sub(null_obj)
    assert isinstance(obj, Sub) and isinstance(obj, cls)
    assert obj == null_obj
    assert obj.describe() == f"sub of {cls.__name__}"
    obj.note = "instance attribute"
    assert obj.note == "instance attribute"
    assert type(Sub.f2py(null_obj.py2f())) is Sub
    assert type(Sub.fromhandle(null_obj.handle)) is Sub
    for name in names:
        assert Sub(getattr(MPI, name)) == getattr(MPI, name)


@pytest.mark.parametrize(
    "cls, null", SUBCLASSES, ids=[c.__name__ for c, _ in SUBCLASSES]
)
def test_family_classes(cls, null):
    null_obj = getattr(MPI, null)
    obj = cls(null_obj)
    assert type(obj) is cls
    assert obj == null_obj
    assert cls() == null_obj
    assert type(cls.fromhandle(null_obj.handle)) is cls

    class Sub(cls):
        pass

    assert type(Sub()) is Sub


def test_comm_family_conversions():
    world = MPI.COMM_WORLD
    assert MPI.Comm(world) == world
    assert type(MPI.Comm(world)) is MPI.Comm
    assert type(MPI.Intracomm(MPI.Comm(world))) is MPI.Intracomm
    assert MPI.Intercomm(world) == world  # a wrapper only; MPI checks on use


@pytest.mark.parametrize("cls, name", ALL_CONSTANTS, ids=CONSTANT_IDS)
def test_lowercase_free_leaves_predefined(cls, name):
    obj = getattr(MPI, name)
    handle = obj.handle
    obj.free()
    cls(obj).free()
    assert obj.handle == handle


def test_lowercase_free_releases():
    comm = MPI.COMM_WORLD.Dup()
    group = comm.Get_group()
    info = MPI.Info.Create()
    handler = MPI.Comm.Create_errhandler(lambda *args: None)
    for obj, null in (
        (group, MPI.GROUP_NULL),
        (info, MPI.INFO_NULL),
        (handler, MPI.ERRHANDLER_NULL),
        (comm, MPI.COMM_NULL),
    ):
        assert obj != null
        obj.free()
        assert obj == null
        obj.free()  # a second time: null, nothing to do


def test_free_predefined_raises():
    for obj in (
        MPI.COMM_WORLD,
        MPI.COMM_SELF,
        MPI.COMM_NULL,
        MPI.INFO_NULL,
        MPI.INFO_ENV,
        MPI.ERRORS_RETURN,
        MPI.GROUP_EMPTY,
    ):
        with pytest.raises(MPI.Exception):
            obj.Free()


def test_hash_and_sets():
    constants = {MPI.COMM_WORLD, MPI.Intracomm(MPI.COMM_WORLD), MPI.COMM_SELF}
    assert len(constants) == 2
    table = {MPI.INT: "int", MPI.DOUBLE: "double"}
    assert table[MPI.Datatype(MPI.INT)] == "int"


def test_sizeof():
    world = MPI.COMM_WORLD
    handle_size = MPI._sizeof(MPI.Comm)
    assert handle_size in (4, 8)
    assert MPI._sizeof(world) == handle_size
    assert MPI._sizeof(MPI.Intracomm) == handle_size
    assert MPI._sizeof(MyIntracomm) == handle_size
    for cls, null, _ in KINDS:
        assert MPI._sizeof(cls) in (4, 8)
        assert MPI._sizeof(getattr(MPI, null)) == MPI._sizeof(cls)
    assert MPI._sizeof(MPI.Status) >= 5 * 4
    assert MPI._sizeof(MPI.Status()) == MPI._sizeof(MPI.Status)
    for bad in (42, "x", object, None):
        with pytest.raises(TypeError):
            MPI._sizeof(bad)


def test_addressof_and_handleof():
    world = MPI.COMM_WORLD
    address = MPI._addressof(world)
    assert isinstance(address, int) and address != 0
    assert MPI._addressof(world) == address  # stable: inside the object
    assert MPI._addressof(MPI.Intracomm(world)) != address
    assert MPI._handleof(world) == world.handle
    status = MPI.Status()
    assert MPI._addressof(status) != 0
    with pytest.raises(NotImplementedError):
        MPI._handleof(status)
    for bad in (42, "x", None, MPI.Comm):
        with pytest.raises(TypeError):
            MPI._addressof(bad)
        with pytest.raises(TypeError):
            MPI._handleof(bad)


def test_typedicts():
    expected_c = {
        "i4": 4,
        "i8": 8,
        "u1": 1,
        "f4": 4,
        "f8": 8,
        "c16": 16,
        "i": None,
        "d": 8,
    }
    for code, size in expected_c.items():
        dtype = MPI._typedict_c[code]
        assert isinstance(dtype, MPI.Datatype)
        if size is not None:
            assert dtype.Get_size() == size
    assert MPI._typedict_c["i"] == MPI.INT
    assert MPI._typedict_c["d"] == MPI.DOUBLE
    assert MPI._typedict_c["b1"] == MPI.C_BOOL
    ftypes = MPI._typedict_f
    assert all(isinstance(t, MPI.Datatype) and t for t in ftypes.values())
    if MPI.INTEGER:
        assert ftypes["i"] == MPI.INTEGER
        assert ftypes["r8"].Get_size() == 8
        assert ftypes["z"] == MPI.DOUBLE_COMPLEX
    assert all(isinstance(t, MPI.Datatype) for t in MPI._typedict.values())


def test_get_vendor():
    name, version = MPI.get_vendor()
    assert isinstance(name, str) and name
    assert isinstance(version, tuple) and len(version) == 3
    assert all(isinstance(part, int) for part in version)
    library = MPI.Get_library_version()
    if name in ("MPICH", "Open MPI"):
        assert name in library
        assert ".".join(str(part) for part in version[:2]) in library


def test_get_hw_resource_info():
    if (MPI.VERSION, MPI.SUBVERSION) >= (4, 1):
        info = MPI.Get_hw_resource_info()
        assert isinstance(info, MPI.Info)
        info.Free()
    else:
        with pytest.raises(NotImplementedError):
            MPI.Get_hw_resource_info()


def test_capi_table():
    table = MPI.__pyx_capi__
    assert isinstance(table, dict)
    for kind in (
        "Datatype",
        "Status",
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
    ):
        assert f"PyMPI{kind}_New" in table
        assert f"PyMPI{kind}_Get" in table
        assert type(table[f"PyMPI{kind}_New"]).__name__ == "PyCapsule"
