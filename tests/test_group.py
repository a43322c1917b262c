"""Groups: sizes, ranks, translation, comparison, set operations."""

import pytest

from mpi4py import MPI

WORLD = MPI.COMM_WORLD


@pytest.fixture
def world_group():
    group = WORLD.Get_group()
    yield group
    group.Free()


def test_empty_and_null():
    assert MPI.GROUP_EMPTY.Get_size() == 0
    assert MPI.GROUP_EMPTY.Get_rank() == MPI.UNDEFINED
    assert not MPI.GROUP_NULL and MPI.GROUP_EMPTY
    assert MPI.Group() == MPI.GROUP_NULL


def test_size_rank_properties(world_group):
    assert world_group.size == WORLD.Get_size()
    assert world_group.rank == WORLD.Get_rank()


def test_translate_ranks(world_group):
    size = world_group.Get_size()
    reversed_group = world_group.Incl(list(range(size - 1, -1, -1)))
    try:
        assert world_group.Translate_ranks(list(range(size)), reversed_group) == list(
            range(size - 1, -1, -1)
        )
        assert world_group.Translate_ranks() == list(range(size))
        assert world_group.Translate_ranks([0], MPI.GROUP_EMPTY) == [MPI.UNDEFINED]
    finally:
        reversed_group.Free()


def test_compare(world_group):
    size = world_group.Get_size()
    assert world_group.Compare(world_group) == MPI.IDENT
    dup = world_group.Dup()
    try:
        assert world_group.Compare(dup) == MPI.IDENT
    finally:
        dup.Free()
    reversed_group = world_group.Incl(list(range(size - 1, -1, -1)))
    try:
        expected = MPI.IDENT if size == 1 else MPI.SIMILAR
        assert world_group.Compare(reversed_group) == expected
    finally:
        reversed_group.Free()
    assert world_group.Compare(MPI.GROUP_EMPTY) == MPI.UNEQUAL


def test_set_operations(world_group):
    size = world_group.Get_size()
    evens = world_group.Incl(list(range(0, size, 2)))
    odds = world_group.Excl(list(range(0, size, 2)))
    try:
        assert evens.Get_size() + odds.Get_size() == size
        union = evens.Union(odds)
        inter = evens.Intersection(odds)
        diff = world_group.Difference(evens)
        assert union.Get_size() == size
        assert inter.Get_size() == 0
        assert diff.Compare(odds) == MPI.IDENT
        for group in (union, inter, diff):
            group.Free()
    finally:
        evens.Free()
        odds.Free()


def test_ranges(world_group):
    size = world_group.Get_size()
    included = world_group.Range_incl([(0, size - 1, 2)])
    excluded = world_group.Range_excl([(0, size - 1, 2)])
    try:
        assert included.Get_size() == (size + 1) // 2
        assert excluded.Get_size() == size // 2
        assert included.Translate_ranks([0], world_group) == [0]
    finally:
        included.Free()
        excluded.Free()


def test_invalid_ranks_raise(world_group):
    size = world_group.Get_size()
    with pytest.raises(MPI.Exception) as info:
        world_group.Incl([size])
    assert info.value.Get_error_class() in (MPI.ERR_RANK, MPI.ERR_ARG)
    with pytest.raises(MPI.Exception):
        world_group.Excl([-5])
    with pytest.raises(MPI.Exception):
        world_group.Translate_ranks([size + 3], world_group)


def test_wrong_types_raise(world_group):
    with pytest.raises(TypeError):
        world_group.Incl("abc")
    with pytest.raises(TypeError):
        world_group.Union(WORLD)
    with pytest.raises(TypeError):
        world_group.Range_incl([(0, 1)])


def test_free_and_use_after_free(world_group):
    group = world_group.Dup()
    group.Free()
    assert group == MPI.GROUP_NULL
    with pytest.raises(MPI.Exception) as info:
        group.Get_size()
    assert info.value.Get_error_class() == MPI.ERR_GROUP
    with pytest.raises(MPI.Exception):
        MPI.GROUP_EMPTY.Free()
