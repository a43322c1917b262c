"""Communicators: sizes, ranks, comparison, duplication, splitting, freeing."""

import pytest

from mpi4py import MPI

WORLD = MPI.COMM_WORLD


def test_predefined_communicators():
    assert isinstance(WORLD, MPI.Intracomm) and isinstance(WORLD, MPI.Comm)
    assert isinstance(MPI.COMM_SELF, MPI.Intracomm)
    assert type(MPI.COMM_NULL) is MPI.Comm
    assert WORLD and MPI.COMM_SELF and not MPI.COMM_NULL
    assert MPI.COMM_SELF.Get_size() == 1 and MPI.COMM_SELF.Get_rank() == 0


def test_size_and_rank():
    size, rank = WORLD.Get_size(), WORLD.Get_rank()
    assert (WORLD.size, WORLD.rank) == (size, rank)
    assert 0 <= rank < size


def test_equality_and_hash():
    assert WORLD == MPI.COMM_WORLD
    assert WORLD != MPI.COMM_SELF
    assert MPI.Comm(WORLD) == WORLD
    assert MPI.Intracomm(WORLD) == WORLD
    assert hash(MPI.Comm(WORLD)) == hash(WORLD)
    assert MPI.Comm() == MPI.COMM_NULL
    assert (WORLD == 42) is False


def test_compare():
    assert WORLD.Compare(WORLD) == MPI.IDENT
    dup = WORLD.Dup()
    try:
        assert WORLD.Compare(dup) == MPI.CONGRUENT
    finally:
        dup.Free()
    reversed_comm = WORLD.Split(0, -WORLD.Get_rank())
    try:
        expected = MPI.CONGRUENT if WORLD.Get_size() == 1 else MPI.SIMILAR
        assert WORLD.Compare(reversed_comm) == expected
    finally:
        reversed_comm.Free()
    if WORLD.Get_size() > 1:
        assert WORLD.Compare(MPI.COMM_SELF) == MPI.UNEQUAL


def test_dup_and_clone_preserve_type():
    for make in (WORLD.Dup, WORLD.Clone):
        comm = make()
        assert type(comm) is MPI.Intracomm
        assert comm.Get_size() == WORLD.Get_size()
        assert comm.Get_rank() == WORLD.Get_rank()
        assert comm != WORLD
        comm.Free()
        assert comm == MPI.COMM_NULL and not comm


def test_subclass_survives_dup():
    class MyComm(MPI.Intracomm):
        pass

    mine = MyComm(WORLD)
    assert mine == WORLD
    dup = mine.Dup()
    try:
        assert type(dup) is MyComm
    finally:
        dup.Free()


def test_split_by_parity():
    size, rank = WORLD.Get_size(), WORLD.Get_rank()
    comm = WORLD.Split(color=rank % 2, key=rank)
    try:
        members = [r for r in range(size) if r % 2 == rank % 2]
        assert comm.Get_size() == len(members)
        assert comm.Get_rank() == members.index(rank)
    finally:
        comm.Free()


def test_split_undefined_gives_null():
    rank = WORLD.Get_rank()
    comm = WORLD.Split(MPI.UNDEFINED if rank != 0 else 0, 0)
    if rank == 0:
        assert comm.Get_size() == 1
        comm.Free()
    else:
        assert comm == MPI.COMM_NULL


def test_split_key_reverses_order():
    size, rank = WORLD.Get_size(), WORLD.Get_rank()
    comm = WORLD.Split(0, size - rank)
    try:
        assert comm.Get_rank() == size - 1 - rank
    finally:
        comm.Free()


def test_split_type_shared():
    comm = WORLD.Split_type(MPI.COMM_TYPE_SHARED)
    try:
        # Every process here runs on this one machine.
        assert comm.Get_size() == WORLD.Get_size()
    finally:
        comm.Free()


def test_group_of_comm():
    group = WORLD.Get_group()
    try:
        assert group.Get_size() == WORLD.Get_size()
        assert group.Get_rank() == WORLD.Get_rank()
    finally:
        group.Free()


def test_create_from_group():
    group = WORLD.Get_group()
    first = group.Incl([0])
    comm = WORLD.Create(first)
    if WORLD.Get_rank() == 0:
        assert comm.Get_size() == 1
        comm.Free()
    else:
        assert comm == MPI.COMM_NULL
    first.Free()
    group.Free()


def test_intra_inter():
    assert WORLD.Is_intra() and not WORLD.Is_inter()
    assert WORLD.is_intra and not WORLD.is_inter
    assert WORLD.Get_topology() == MPI.UNDEFINED


def test_name():
    assert WORLD.Get_name() == "MPI_COMM_WORLD"
    comm = WORLD.Dup()
    try:
        comm.Set_name("my comm")
        assert comm.Get_name() == "my comm"
        comm.name = "renamed"
        assert comm.name == "renamed"
    finally:
        comm.Free()


def test_barrier():
    for _ in range(3):
        WORLD.Barrier()


def test_null_communicator_errors():
    with pytest.raises(MPI.Exception) as info:
        MPI.COMM_NULL.Get_size()
    assert info.value.Get_error_class() == MPI.ERR_COMM
    with pytest.raises(MPI.Exception) as info:
        MPI.COMM_NULL.Barrier()
    assert info.value.Get_error_class() == MPI.ERR_COMM


def test_use_after_free_raises():
    comm = WORLD.Dup()
    comm.Free()
    with pytest.raises(MPI.Exception) as info:
        comm.Get_rank()
    assert info.value.Get_error_class() == MPI.ERR_COMM
    with pytest.raises(MPI.Exception):
        comm.Free()


def test_free_predefined_raises():
    for comm in (MPI.COMM_WORLD, MPI.COMM_SELF, MPI.COMM_NULL):
        with pytest.raises(MPI.Exception) as info:
            comm.Free()
        assert info.value.Get_error_class() == MPI.ERR_COMM
    assert WORLD.Get_size() >= 1


def test_wrong_argument_types():
    with pytest.raises(TypeError):
        WORLD.Compare(42)
    with pytest.raises(TypeError):
        WORLD.Split("red")
    with pytest.raises(TypeError):
        MPI.Comm(MPI.GROUP_EMPTY)
    with pytest.raises(TypeError):
        WORLD.Create(None)


def test_set_errhandler_roundtrip():
    comm = WORLD.Dup()
    try:
        comm.Set_errhandler(MPI.ERRORS_ARE_FATAL)
        assert comm.Get_errhandler() == MPI.ERRORS_ARE_FATAL
        comm.Set_errhandler(MPI.ERRORS_RETURN)
        assert comm.Get_errhandler() == MPI.ERRORS_RETURN
    finally:
        comm.Free()
