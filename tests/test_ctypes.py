"""ctypes interoperability: C functions taking MPI handles by value or by
address, fed with MPI._handleof / MPI._addressof."""

import ctypes

import pytest
from cbuild import helper_library

from mpi4py import MPI


def handle_ctype(cls):
    """The ctypes type of a handle: int in MPICH, a pointer in Open MPI."""
    size = MPI._sizeof(cls)
    if MPI.get_vendor()[0] == "Open MPI":
        return ctypes.c_void_p
    return {4: ctypes.c_int32, 8: ctypes.c_int64}[size]


def as_handle(obj):
    return handle_ctype(type(obj))(MPI._handleof(obj))


@pytest.fixture(scope="module")
def lib():
    library = helper_library()
    library.helper_comm_rank_p.argtypes = [ctypes.c_void_p]
    library.helper_comm_dup.argtypes = [handle_ctype(MPI.Comm), ctypes.c_void_p]
    library.helper_wait.argtypes = [ctypes.c_void_p]
    return library


def test_handle_size(lib):
    assert lib.helper_handle_size() == MPI._sizeof(MPI.Comm)
    assert ctypes.sizeof(handle_ctype(MPI.Comm)) == MPI._sizeof(MPI.Comm)


def test_handle_by_value(lib):
    world = MPI.COMM_WORLD
    assert lib.helper_comm_size(as_handle(world)) == world.Get_size()
    assert lib.helper_comm_size(as_handle(MPI.COMM_SELF)) == 1
    comm = world.Dup()
    try:
        assert lib.helper_comm_size(as_handle(comm)) == world.Get_size()
    finally:
        comm.Free()
    assert lib.helper_type_size(as_handle(MPI.DOUBLE)) == 8
    assert lib.helper_type_size(as_handle(MPI.INT)) == MPI.INT.Get_size()


def test_handle_by_address(lib):
    world = MPI.COMM_WORLD
    assert lib.helper_comm_rank_p(MPI._addressof(world)) == world.Get_rank()
    assert lib.helper_comm_rank_p(MPI._addressof(MPI.COMM_SELF)) == 0


def test_address_holds_the_handle():
    for obj in (MPI.COMM_WORLD, MPI.INT, MPI.SUM, MPI.INFO_ENV, MPI.GROUP_EMPTY):
        ctype = handle_ctype(type(obj))
        value = ctype.from_address(MPI._addressof(obj)).value
        assert (value or 0) == MPI._handleof(obj)


def test_c_writes_into_object(lib):
    world = MPI.COMM_WORLD
    newcomm = MPI.Intracomm()
    assert newcomm == MPI.COMM_NULL
    ierr = lib.helper_comm_dup(as_handle(world), MPI._addressof(newcomm))
    assert ierr == MPI.SUCCESS
    try:
        assert newcomm != MPI.COMM_NULL
        assert newcomm.Compare(world) == MPI.CONGRUENT
        assert newcomm.Get_rank() == world.Get_rank()
    finally:
        newcomm.Free()


def test_fromhandle_of_c_handle(lib):
    world = MPI.COMM_WORLD
    newcomm = MPI.Comm()
    lib.helper_comm_dup(as_handle(world), MPI._addressof(newcomm))
    again = MPI.Intracomm.fromhandle(MPI._handleof(newcomm))
    try:
        assert type(again) is MPI.Intracomm
        assert again == newcomm
        assert again.Get_size() == world.Get_size()
    finally:
        again.Free()
    assert again == MPI.COMM_NULL
    assert newcomm != MPI.COMM_NULL  # a separate object, now dangling: not used


def test_request_completed_in_c(lib):
    comm, request = MPI.COMM_WORLD.Idup()
    ierr = lib.helper_wait(MPI._addressof(request))
    assert ierr == MPI.SUCCESS
    assert request == MPI.REQUEST_NULL
    try:
        assert comm.Compare(MPI.COMM_WORLD) == MPI.CONGRUENT
    finally:
        comm.Free()
