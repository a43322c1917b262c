"""Derived datatypes: constructors, life cycle, and argument checking."""

import pytest

from mpi4py import MPI


@pytest.fixture
def owned():
    """Collects derived datatypes made by a test and frees them afterwards."""
    types = []

    def keep(datatype):
        types.append(datatype)
        return datatype

    yield keep
    for datatype in types:
        if datatype and not datatype.is_predefined:
            datatype.Free()


def error_class(excinfo):
    return excinfo.value.Get_error_class()


def layout(datatype):
    return (datatype.size, datatype.Get_extent(), datatype.Get_true_extent())


# --- life cycle -------------------------------------------------------------------


def test_dup_commit_free():
    dup = MPI.INT.Dup()
    assert dup != MPI.INT and dup
    assert dup.combiner == MPI.COMBINER_DUP
    assert layout(dup) == (4, (0, 4), (0, 4))
    assert dup.Commit() is dup
    assert dup.Create_dup is not None and MPI.Datatype.Create_dup is MPI.Datatype.Dup
    dup.Free()
    assert dup == MPI.DATATYPE_NULL and not dup
    with pytest.raises(MPI.Exception) as excinfo:
        dup.Free()
    assert error_class(excinfo) == MPI.ERR_TYPE


@pytest.mark.parametrize(
    "name",
    ["INT", "DOUBLE", "BYTE", "PACKED", "FLOAT_INT", "TWOINT", "INT64_T", "LOGICAL"],
)
def test_free_predefined_raises(name):
    datatype = getattr(MPI, name)
    for obj in (datatype, MPI.Datatype(datatype)):
        with pytest.raises(MPI.Exception) as excinfo:
            obj.Free()
        assert error_class(excinfo) == MPI.ERR_TYPE
    assert datatype == getattr(MPI, name) and datatype.Get_size() > 0


def test_free_null_and_parameterized_raise():
    with pytest.raises(MPI.Exception) as excinfo:
        MPI.DATATYPE_NULL.Free()
    assert error_class(excinfo) == MPI.ERR_TYPE
    for datatype in (
        MPI.Datatype.Create_f90_integer(5),
        MPI.Datatype.Match_size(MPI.TYPECLASS_INTEGER, 4),
    ):
        with pytest.raises(MPI.Exception) as excinfo:
            datatype.Free()
        assert error_class(excinfo) == MPI.ERR_TYPE
        assert datatype.Get_size() >= 4


def test_lowercase_free_is_quiet():
    MPI.INT.free()
    MPI.DATATYPE_NULL.free()
    assert MPI.INT.Get_size() == 4
    derived = MPI.INT.Create_contiguous(2)
    derived.free()
    assert derived == MPI.DATATYPE_NULL
    derived.free()


def test_use_after_free_raises():
    datatype = MPI.DOUBLE.Create_contiguous(3).Commit()
    datatype.Free()
    calls = [
        datatype.Get_size,
        datatype.Get_extent,
        datatype.Get_true_extent,
        datatype.Commit,
        datatype.Dup,
        datatype.Get_envelope,
        datatype.Get_contents,
        datatype.decode,
        lambda: datatype.Create_contiguous(2),
        lambda: datatype.Create_vector(2, 1, 2),
        lambda: datatype.Create_resized(0, 8),
        lambda: datatype.Create_subarray([2], [1], [0]),
        lambda: datatype.Pack_size(1, MPI.COMM_SELF),
        lambda: datatype.Pack(bytearray(24), bytearray(24), 0, MPI.COMM_SELF),
        lambda: datatype.combiner,
        lambda: datatype.extent,
        lambda: MPI.Datatype.Create_struct([1], [0], [datatype]),
    ]
    for call in calls:
        with pytest.raises(MPI.Exception) as excinfo:
            call()
        assert error_class(excinfo) == MPI.ERR_TYPE


def test_handle_round_trip(owned):
    datatype = owned(MPI.INT.Create_contiguous(2))
    assert MPI.Datatype.fromhandle(datatype.handle) == datatype
    assert MPI.Datatype.f2py(MPI.INT.py2f()) == MPI.INT
    assert MPI.Datatype(datatype) == datatype


def test_names(owned):
    datatype = owned(MPI.INT.Create_contiguous(2))
    datatype.Set_name("pair of ints")
    assert datatype.Get_name() == "pair of ints"
    datatype.name = "two ints"
    assert datatype.name == "two ints"


def test_constants():
    combiners = [
        MPI.COMBINER_NAMED,
        MPI.COMBINER_DUP,
        MPI.COMBINER_CONTIGUOUS,
        MPI.COMBINER_VECTOR,
        MPI.COMBINER_HVECTOR,
        MPI.COMBINER_INDEXED,
        MPI.COMBINER_HINDEXED,
        MPI.COMBINER_INDEXED_BLOCK,
        MPI.COMBINER_HINDEXED_BLOCK,
        MPI.COMBINER_STRUCT,
        MPI.COMBINER_SUBARRAY,
        MPI.COMBINER_DARRAY,
        MPI.COMBINER_RESIZED,
        MPI.COMBINER_F90_INTEGER,
        MPI.COMBINER_F90_REAL,
        MPI.COMBINER_F90_COMPLEX,
        MPI.COMBINER_VALUE_INDEX,
    ]
    assert all(isinstance(value, int) for value in combiners)
    assert len(set(combiners)) == len(combiners)
    assert MPI.ORDER_F == MPI.ORDER_FORTRAN != MPI.ORDER_C
    distributions = {MPI.DISTRIBUTE_NONE, MPI.DISTRIBUTE_BLOCK, MPI.DISTRIBUTE_CYCLIC}
    assert len(distributions) == 3 and isinstance(MPI.DISTRIBUTE_DFLT_DARG, int)
    assert len({MPI.TYPECLASS_INTEGER, MPI.TYPECLASS_REAL, MPI.TYPECLASS_COMPLEX}) == 3


# --- constructors -----------------------------------------------------------------


def test_contiguous(owned):
    datatype = owned(MPI.DOUBLE.Create_contiguous(5))
    assert datatype.combiner == MPI.COMBINER_CONTIGUOUS
    assert layout(datatype) == (40, (0, 40), (0, 40))
    empty = owned(MPI.DOUBLE.Create_contiguous(0))
    assert empty.size == 0 and empty.extent == 0


def test_vector_and_hvector(owned):
    vector = owned(MPI.INT.Create_vector(3, 2, 4))
    assert vector.combiner == MPI.COMBINER_VECTOR
    assert layout(vector) == (24, (0, 40), (0, 40))
    hvector = owned(MPI.INT.Create_hvector(3, 2, 20))
    assert hvector.combiner == MPI.COMBINER_HVECTOR
    assert layout(hvector) == (24, (0, 48), (0, 48))
    backwards = owned(MPI.INT.Create_vector(2, 1, -3))
    assert backwards.Get_true_extent() == (-12, 16)


def test_indexed_family(owned):
    indexed = owned(MPI.INT.Create_indexed([2, 1, 3], [0, 4, 10]))
    assert indexed.combiner == MPI.COMBINER_INDEXED
    assert layout(indexed) == (24, (0, 52), (0, 52))
    hindexed = owned(MPI.INT.Create_hindexed([2, 1], [8, 32]))
    assert hindexed.combiner == MPI.COMBINER_HINDEXED
    assert layout(hindexed) == (12, (8, 28), (8, 28))
    block = owned(MPI.SHORT.Create_indexed_block(2, [0, 5, 9]))
    assert block.combiner == MPI.COMBINER_INDEXED_BLOCK
    assert layout(block) == (12, (0, 22), (0, 22))
    hblock = owned(MPI.SHORT.Create_hindexed_block(3, [4, 100]))
    assert hblock.combiner == MPI.COMBINER_HINDEXED_BLOCK
    assert layout(hblock) == (12, (4, 102), (4, 102))
    # Any integer sequence works, not only lists.
    tupled = owned(MPI.INT.Create_indexed((1, 1), range(0, 4, 2)))
    assert tupled.size == 8 and tupled.extent == 12


def test_struct(owned):
    struct = owned(
        MPI.Datatype.Create_struct(
            [1, 3, 1], [0, 8, 32], [MPI.CHAR, MPI.INT, MPI.DOUBLE]
        )
    )
    assert struct.combiner == MPI.COMBINER_STRUCT
    assert struct.size == 1 + 12 + 8
    assert struct.Get_true_extent() == (0, 40)
    assert struct.extent == 40
    inner = owned(MPI.INT.Create_vector(2, 1, 2))
    nested = owned(MPI.Datatype.Create_struct([2], [4], [inner]))
    assert nested.size == 16 and nested.Get_true_extent() == (4, 12 + 12)


def test_subclass_results(owned):
    class MyType(MPI.Datatype):
        pass

    base = MyType(MPI.INT)
    assert type(owned(base.Create_contiguous(2))) is MyType
    assert type(owned(base.Dup())) is MyType
    assert type(owned(base.Create_resized(0, 8))) is MyType
    struct = owned(MyType.Create_struct([1], [0], [MPI.INT]))
    assert type(struct) is MyType
    assert type(MyType.Match_size(MPI.TYPECLASS_REAL, 8)) is MyType


def test_subarray(owned):
    c_order = owned(MPI.INT.Create_subarray([4, 5], [2, 3], [1, 1]))
    assert c_order.combiner == MPI.COMBINER_SUBARRAY
    assert c_order.size == 24
    assert c_order.Get_extent() == (0, 80)
    assert c_order.Get_true_extent() == (24, 32)
    f_order = owned(MPI.INT.Create_subarray([4, 5], [2, 3], [1, 1], order=MPI.ORDER_F))
    assert f_order.Get_extent() == (0, 80)
    assert f_order.Get_true_extent() == ((1 + 1 * 4) * 4, ((3 - 1) * 4 + 2) * 4)
    whole = owned(MPI.DOUBLE.Create_subarray([3], [3], [0]))
    assert layout(whole) == (24, (0, 24), (0, 24))


@pytest.mark.parametrize("rank", range(4))
def test_darray(owned, rank):
    block = owned(
        MPI.INT.Create_darray(
            4, rank, [8], [MPI.DISTRIBUTE_BLOCK], [MPI.DISTRIBUTE_DFLT_DARG], [4]
        )
    )
    assert block.combiner == MPI.COMBINER_DARRAY
    assert block.size == 8 and block.extent == 32
    assert block.Get_true_extent() == (rank * 8, 8)
    cyclic = owned(
        MPI.INT.Create_darray(4, rank, [8], [MPI.DISTRIBUTE_CYCLIC], [1], [4])
    )
    assert cyclic.size == 8
    assert cyclic.Get_true_extent() == (rank * 4, 20)
    grid = owned(
        MPI.DOUBLE.Create_darray(
            4,
            rank,
            [4, 6],
            [MPI.DISTRIBUTE_BLOCK, MPI.DISTRIBUTE_BLOCK],
            [MPI.DISTRIBUTE_DFLT_DARG] * 2,
            [2, 2],
        )
    )
    assert grid.size == 2 * 3 * 8 and grid.extent == 4 * 6 * 8


def test_resized(owned):
    resized = owned(MPI.INT.Create_resized(-4, 12))
    assert resized.combiner == MPI.COMBINER_RESIZED
    assert resized.Get_extent() == (-4, 12)
    assert (resized.lb, resized.ub) == (-4, 8)
    assert resized.Get_true_extent() == (0, 4)
    assert (resized.true_lb, resized.true_ub, resized.true_extent) == (0, 4, 4)
    alias = owned(MPI.INT.Resized(0, 16))
    assert alias.extent == 16


def test_fortran_parameterized_and_match_size():
    integer = MPI.Datatype.Create_f90_integer(9)
    assert integer.combiner == MPI.COMBINER_F90_INTEGER
    assert integer.is_predefined and not integer.is_named
    assert integer.size >= 4
    real = MPI.Datatype.Create_f90_real(6, 30)
    assert real.combiner == MPI.COMBINER_F90_REAL and real.size in (4, 8)
    cplx = MPI.Datatype.Create_f90_complex(15, 300)
    assert cplx.combiner == MPI.COMBINER_F90_COMPLEX and cplx.size == 16
    with pytest.raises(MPI.Exception):
        MPI.Datatype.Create_f90_real(1000, 100000)
    for typeclass, size in [
        (MPI.TYPECLASS_INTEGER, 4),
        (MPI.TYPECLASS_INTEGER, 8),
        (MPI.TYPECLASS_REAL, 8),
        (MPI.TYPECLASS_COMPLEX, 16),
    ]:
        matched = MPI.Datatype.Match_size(typeclass, size)
        assert matched.size == size and matched.is_named
    with pytest.raises(MPI.Exception):
        MPI.Datatype.Match_size(MPI.TYPECLASS_REAL, 3)


def test_get_value_index():
    pairs = {
        "FLOAT": "FLOAT_INT",
        "DOUBLE": "DOUBLE_INT",
        "LONG": "LONG_INT",
        "INT": "INT_INT",
        "SHORT": "SHORT_INT",
        "LONG_DOUBLE": "LONG_DOUBLE_INT",
    }
    for value, pair in pairs.items():
        result = MPI.Datatype.Get_value_index(getattr(MPI, value), MPI.INT)
        assert result == getattr(MPI, pair)
        assert result.is_predefined
    assert MPI.Datatype.Get_value_index(MPI.CHAR, MPI.INT) == MPI.DATATYPE_NULL
    assert MPI.Datatype.Get_value_index(MPI.DOUBLE, MPI.DOUBLE) == MPI.DATATYPE_NULL


# --- bad input -------------------------------------------------------------------


def assert_mpi_error(errorclass, call, *args, **kwargs):
    with pytest.raises(MPI.Exception) as excinfo:
        call(*args, **kwargs)
    assert error_class(excinfo) == errorclass


def test_negative_counts():
    assert_mpi_error(MPI.ERR_COUNT, MPI.INT.Create_contiguous, -1)
    assert_mpi_error(MPI.ERR_COUNT, MPI.INT.Create_vector, -2, 1, 1)
    assert_mpi_error(MPI.ERR_COUNT, MPI.INT.Create_hvector, -2, 1, 4)
    assert_mpi_error(MPI.ERR_ARG, MPI.INT.Create_vector, 2, -1, 1)
    assert_mpi_error(MPI.ERR_ARG, MPI.INT.Create_indexed, [1, -1], [0, 2])
    assert_mpi_error(MPI.ERR_ARG, MPI.INT.Create_hindexed, [-1], [0])
    assert_mpi_error(MPI.ERR_ARG, MPI.INT.Create_indexed_block, -1, [0])
    assert_mpi_error(MPI.ERR_ARG, MPI.INT.Create_hindexed_block, -3, [0])
    assert_mpi_error(MPI.ERR_ARG, MPI.Datatype.Create_struct, [-1], [0], [MPI.INT])


def test_mismatched_lengths():
    with pytest.raises(ValueError, match="expected 2 displacements, got 3"):
        MPI.INT.Create_indexed([1, 2], [0, 4, 8])
    with pytest.raises(ValueError):
        MPI.INT.Create_hindexed([1, 2, 3], [0])
    with pytest.raises(ValueError):
        MPI.Datatype.Create_struct([1, 1], [0], [MPI.INT, MPI.INT])
    with pytest.raises(ValueError, match="datatypes"):
        MPI.Datatype.Create_struct([1, 1], [0, 4], [MPI.INT])
    with pytest.raises(ValueError):
        MPI.INT.Create_subarray([4, 4], [2], [0, 0])
    with pytest.raises(ValueError):
        MPI.INT.Create_subarray([4, 4], [2, 2], [0])
    with pytest.raises(ValueError):
        MPI.INT.Create_darray(2, 0, [4, 4], [MPI.DISTRIBUTE_BLOCK], [1, 1], [2, 1])


def test_wrong_types():
    with pytest.raises(TypeError):
        MPI.INT.Create_indexed(3, [0])
    with pytest.raises(TypeError):
        MPI.INT.Create_indexed("ab", "cd")
    with pytest.raises(TypeError):
        MPI.INT.Create_hindexed([1.5], [0])
    with pytest.raises(TypeError):
        MPI.INT.Create_indexed_block(1, [None])
    with pytest.raises(TypeError):
        MPI.Datatype.Create_struct([1], [0], ["i"])
    with pytest.raises(TypeError):
        MPI.Datatype.Create_struct([1], [0], MPI.INT)
    with pytest.raises(TypeError):
        MPI.INT.Create_contiguous("3")
    with pytest.raises(OverflowError):
        MPI.INT.Create_indexed([1], [2**70])


def test_null_datatypes_refused():
    assert_mpi_error(
        MPI.ERR_TYPE,
        MPI.Datatype.Create_struct,
        [1, 1],
        [0, 4],
        [MPI.INT, MPI.DATATYPE_NULL],
    )
    assert_mpi_error(MPI.ERR_TYPE, MPI.DATATYPE_NULL.Create_contiguous, 1)
    assert_mpi_error(MPI.ERR_TYPE, MPI.DATATYPE_NULL.Dup)
    assert_mpi_error(MPI.ERR_TYPE, MPI.DATATYPE_NULL.Commit)
    assert_mpi_error(MPI.ERR_TYPE, MPI.DATATYPE_NULL.Get_size)
    assert_mpi_error(
        MPI.ERR_TYPE, MPI.Datatype.Get_value_index, MPI.DATATYPE_NULL, MPI.INT
    )


@pytest.mark.parametrize(
    "sizes,subsizes,starts,order",
    [
        ([4, 4], [5, 2], [0, 0], MPI.ORDER_C),  # subarray larger than the array
        ([4, 4], [2, 2], [3, 0], MPI.ORDER_C),  # runs past the end
        ([4, 4], [2, 2], [-1, 0], MPI.ORDER_C),  # negative start
        ([4, 0], [2, 0], [0, 0], MPI.ORDER_C),  # empty dimension
        ([4, 4], [-1, 2], [0, 0], MPI.ORDER_C),  # negative subsize
        ([4, 4], [2, 2], [0, 0], 12345),  # unknown order
        ([], [], [], MPI.ORDER_C),  # no dimensions
    ],
)
def test_bad_subarray(sizes, subsizes, starts, order):
    assert_mpi_error(
        MPI.ERR_ARG, MPI.INT.Create_subarray, sizes, subsizes, starts, order
    )


@pytest.mark.parametrize(
    "size,rank,gsizes,distribs,dargs,psizes",
    [
        (
            4,
            4,
            [8],
            [MPI.DISTRIBUTE_BLOCK],
            [MPI.DISTRIBUTE_DFLT_DARG],
            [4],
        ),  # rank >= size
        (4, -1, [8], [MPI.DISTRIBUTE_BLOCK], [MPI.DISTRIBUTE_DFLT_DARG], [4]),
        (
            4,
            0,
            [8],
            [MPI.DISTRIBUTE_BLOCK],
            [MPI.DISTRIBUTE_DFLT_DARG],
            [2],
        ),  # grid != size
        (4, 0, [8], [12345], [MPI.DISTRIBUTE_DFLT_DARG], [4]),  # unknown distribution
        (
            4,
            0,
            [8],
            [MPI.DISTRIBUTE_NONE],
            [MPI.DISTRIBUTE_DFLT_DARG],
            [4],
        ),  # NONE needs 1
        (4, 0, [8], [MPI.DISTRIBUTE_BLOCK], [1], [4]),  # blocks too small to cover
        (4, 0, [0], [MPI.DISTRIBUTE_BLOCK], [MPI.DISTRIBUTE_DFLT_DARG], [4]),
        (4, 0, [8], [MPI.DISTRIBUTE_CYCLIC], [0], [4]),  # bad distribution argument
    ],
)
def test_bad_darray(size, rank, gsizes, distribs, dargs, psizes):
    assert_mpi_error(
        MPI.ERR_ARG, MPI.INT.Create_darray, size, rank, gsizes, distribs, dargs, psizes
    )
