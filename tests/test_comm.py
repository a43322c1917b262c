"""Communicator creation: Dup/Idup, Split, Split_type, Create, Create_group,
Create_from_group, hints, Get_parent, and the errors of freed or null ones."""

import pytest
from cbuild import wait_request

from mpi4py import MPI

WORLD = MPI.COMM_WORLD
SIZE = WORLD.Get_size()
RANK = WORLD.Get_rank()


def same_members(comm, ranks):
    """Whether comm's group is exactly the given world ranks, in order."""
    group = comm.Get_group()
    world = WORLD.Get_group()
    try:
        return group.Translate_ranks(None, world) == list(ranks)
    finally:
        group.Free()
        world.Free()


def test_dup_and_clone():
    for make in (lambda: WORLD.Dup(), lambda: WORLD.Clone()):
        comm = make()
        try:
            assert type(comm) is MPI.Intracomm
            assert comm != WORLD
            assert comm.Compare(WORLD) == MPI.CONGRUENT
            assert (comm.Get_size(), comm.Get_rank()) == (SIZE, RANK)
        finally:
            comm.Free()
        assert comm == MPI.COMM_NULL


def test_dup_with_info():
    info = MPI.Info.Create({"mpi_assert_no_any_source": "false"})
    try:
        for comm in (WORLD.Dup(info), WORLD.Dup_with_info(info)):
            assert comm.Compare(WORLD) == MPI.CONGRUENT
            comm.Free()
    finally:
        info.Free()


def test_idup():
    comm, request = WORLD.Idup()
    assert type(comm) is MPI.Intracomm
    assert isinstance(request, MPI.Request)
    wait_request(request)
    assert request == MPI.REQUEST_NULL
    try:
        assert comm != MPI.COMM_NULL
        assert comm.Compare(WORLD) == MPI.CONGRUENT
        assert comm.Get_rank() == RANK
    finally:
        comm.Free()


def test_idup_with_info():
    info = MPI.Info.Create()
    try:
        if MPI.VERSION < 4:
            with pytest.raises(NotImplementedError):
                WORLD.Idup_with_info(info)
            return
        for comm, request in (WORLD.Idup(info), WORLD.Idup_with_info(info)):
            wait_request(request)
            assert comm.Compare(WORLD) == MPI.CONGRUENT
            comm.Free()
    finally:
        info.Free()


def test_idup_keeps_subclass():
    class MyComm(MPI.Intracomm):
        pass

    comm, request = MyComm(WORLD).Idup()
    wait_request(request)
    assert type(comm) is MyComm
    comm.Free()


def test_split_color_and_key():
    # Two colors; keys reverse the order within each color.
    color = RANK % 2
    comm = WORLD.Split(color, key=SIZE - RANK)
    try:
        expected = [r for r in reversed(range(SIZE)) if r % 2 == color]
        assert comm.Get_size() == len(expected)
        assert comm.Get_rank() == expected.index(RANK)
        assert same_members(comm, expected)
    finally:
        comm.Free()


def test_split_equal_keys_keep_order():
    comm = WORLD.Split(0, 0)
    try:
        assert comm.Compare(WORLD) == MPI.CONGRUENT
    finally:
        comm.Free()


def test_split_undefined():
    comm = WORLD.Split(MPI.UNDEFINED if RANK == 0 else 1, 0)
    if RANK == 0:
        assert comm == MPI.COMM_NULL
    else:
        assert comm.Get_size() == SIZE - 1
        comm.Free()


def test_split_type_shared():
    comm = WORLD.Split_type(MPI.COMM_TYPE_SHARED, key=RANK)
    try:
        assert type(comm) is MPI.Intracomm
        assert 1 <= comm.Get_size() <= SIZE
        # Ordered by key = world rank, so the members are increasing world ranks.
        group, world = comm.Get_group(), WORLD.Get_group()
        world_ranks = group.Translate_ranks(None, world)
        group.Free()
        world.Free()
        assert RANK in world_ranks
        assert world_ranks == sorted(world_ranks)
    finally:
        comm.Free()


def test_split_type_undefined():
    comm = WORLD.Split_type(MPI.UNDEFINED)
    assert comm == MPI.COMM_NULL


def test_comm_type_constants():
    for name in (
        "COMM_TYPE_SHARED",
        "COMM_TYPE_HW_GUIDED",
        "COMM_TYPE_HW_UNGUIDED",
        "COMM_TYPE_RESOURCE_GUIDED",
    ):
        assert isinstance(getattr(MPI, name), int)


def test_create_from_group():
    group = WORLD.Get_group()
    evens = group.Incl(list(range(0, SIZE, 2)))
    try:
        comm = WORLD.Create(evens)
        if RANK % 2 == 0:
            assert comm.Get_size() == len(range(0, SIZE, 2))
            assert comm.Get_rank() == RANK // 2
            comm.Free()
        else:
            assert comm == MPI.COMM_NULL
    finally:
        evens.Free()
        group.Free()


def test_create_group():
    group = WORLD.Get_group()
    last = group.Excl([0]) if SIZE > 1 else group.Incl([0])
    try:
        members = list(range(1, SIZE)) if SIZE > 1 else [0]
        if RANK in members:
            comm = WORLD.Create_group(last, tag=7)
            assert type(comm) is MPI.Intracomm
            assert comm.Get_size() == len(members)
            assert same_members(comm, members)
            comm.Free()
        comm = WORLD.Create_group(group)
        assert comm.Compare(WORLD) == MPI.CONGRUENT
        comm.Free()
    finally:
        last.Free()
        group.Free()


def test_create_group_bad_arguments():
    with pytest.raises(TypeError):
        WORLD.Create_group(None)
    with pytest.raises(MPI.Exception):
        WORLD.Create_group(MPI.GROUP_NULL)


@pytest.mark.skipif(MPI.VERSION < 4, reason="MPI-4 Comm_create_from_group")
def test_intracomm_create_from_group():
    group = WORLD.Get_group()
    try:
        comm = MPI.Intracomm.Create_from_group(group)
        assert type(comm) is MPI.Intracomm
        assert comm.Compare(WORLD) == MPI.CONGRUENT
        handler = comm.Get_errhandler()
        assert handler == MPI.ERRORS_RETURN
        handler.Free()
        comm.Free()

        class MyComm(MPI.Intracomm):
            pass

        info = MPI.Info.Create()
        comm = MyComm.Create_from_group(
            group, stringtag="test.comm", info=info, errhandler=MPI.ERRORS_RETURN
        )
        info.Free()
        assert type(comm) is MyComm
        assert comm.Get_size() == SIZE
        comm.Free()
    finally:
        group.Free()


@pytest.mark.skipif(MPI.VERSION >= 4, reason="MPI-3 library only")
def test_intracomm_create_from_group_unsupported():
    group = WORLD.Get_group()
    try:
        with pytest.raises(NotImplementedError):
            MPI.Intracomm.Create_from_group(group)
    finally:
        group.Free()


def test_get_parent():
    parent = MPI.Comm.Get_parent()
    assert isinstance(parent, MPI.Intercomm)
    assert parent == MPI.COMM_NULL
    assert not parent
    assert MPI.Intracomm.Get_parent() == MPI.COMM_NULL


def test_set_get_info():
    comm = WORLD.Dup()
    try:
        info = MPI.Info.Create({"mpi_assert_allow_overtaking": "false"})
        comm.Set_info(info)
        info.Free()
        got = comm.Get_info()
        assert isinstance(got, MPI.Info)
        got.Free()
        with pytest.raises(TypeError):
            comm.Set_info(None)
    finally:
        comm.Free()


def test_free_predefined_and_null():
    for comm in (MPI.COMM_WORLD, MPI.COMM_SELF, MPI.COMM_NULL):
        with pytest.raises(MPI.Exception) as excinfo:
            comm.Free()
        assert excinfo.value.Get_error_class() == MPI.ERR_COMM
    copy = MPI.Intracomm(MPI.COMM_WORLD)
    with pytest.raises(MPI.Exception):
        copy.Free()
    copy.free()  # predefined: nothing to do
    assert copy == MPI.COMM_WORLD
    assert MPI.COMM_WORLD.Get_size() == SIZE


def test_use_after_free():
    comm = WORLD.Dup()
    comm.Free()
    assert comm == MPI.COMM_NULL
    with pytest.raises(MPI.Exception):
        comm.Get_size()
    with pytest.raises(MPI.Exception):
        comm.Dup()
    with pytest.raises(MPI.Exception):
        comm.Free()
    comm.free()  # null: nothing to do


def test_lowercase_free():
    comm = WORLD.Dup()
    comm.free()
    assert comm == MPI.COMM_NULL


def test_dup_null_raises():
    with pytest.raises(MPI.Exception):
        MPI.COMM_NULL.Dup()
    with pytest.raises(MPI.Exception):
        MPI.COMM_NULL.Idup()
