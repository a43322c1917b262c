"""Predefined datatypes and ops: constants, sizes, extents, names, typecodes."""

import pytest

from mpi4py import MPI

SIZES = {
    "CHAR": 1,
    "SIGNED_CHAR": 1,
    "UNSIGNED_CHAR": 1,
    "BYTE": 1,
    "SHORT": 2,
    "INT": 4,
    "FLOAT": 4,
    "DOUBLE": 8,
    "INT8_T": 1,
    "INT16_T": 2,
    "INT32_T": 4,
    "INT64_T": 8,
    "UINT8_T": 1,
    "UINT16_T": 2,
    "UINT32_T": 4,
    "UINT64_T": 8,
    "C_BOOL": 1,
    "C_FLOAT_COMPLEX": 8,
    "C_DOUBLE_COMPLEX": 16,
    "LONG_LONG": 8,
}


@pytest.mark.parametrize("name,size", sorted(SIZES.items()))
def test_sizes_and_extents(name, size):
    datatype = getattr(MPI, name)
    assert isinstance(datatype, MPI.Datatype)
    assert datatype.Get_size() == size == datatype.size
    assert datatype.Get_extent() == (0, size)
    assert (datatype.lb, datatype.ub, datatype.extent) == (0, size, size)
    assert datatype.Get_true_extent() == (0, size)


def test_names():
    assert MPI.INT.Get_name() == "MPI_INT"
    assert MPI.DOUBLE.name == "MPI_DOUBLE"
    assert MPI.DATATYPE_NULL.Get_name() == "MPI_DATATYPE_NULL"


def test_aliases_and_null():
    assert MPI.TWOINT == MPI.INT_INT
    assert MPI.UNSIGNED_INT == MPI.UNSIGNED
    assert MPI.SIGNED_INT == MPI.INT
    assert not MPI.DATATYPE_NULL and MPI.INT
    assert MPI.Datatype() == MPI.DATATYPE_NULL
    assert MPI.Datatype(MPI.INT) == MPI.INT
    assert MPI.INT != MPI.FLOAT


def test_pair_types_for_maxloc():
    assert MPI.DOUBLE_INT.Get_size() == 12
    assert MPI.TWOINT.Get_size() == 8
    assert MPI.FLOAT_INT.Get_size() == 8


def test_typedict():
    assert MPI._typedict["i"] == MPI.INT
    assert MPI._typedict["d"] == MPI.DOUBLE
    assert MPI._typedict["f8"] == MPI.DOUBLE
    assert MPI._typedict["i8"] == MPI.INT64_T
    assert MPI._typedict["Zd"] == MPI.C_DOUBLE_COMPLEX


def test_predefined_ops():
    names = [
        "MAX",
        "MIN",
        "SUM",
        "PROD",
        "LAND",
        "BAND",
        "LOR",
        "BOR",
        "LXOR",
        "BXOR",
        "MAXLOC",
        "MINLOC",
        "REPLACE",
        "NO_OP",
    ]
    ops = [getattr(MPI, name) for name in names]
    assert all(isinstance(op, MPI.Op) and op for op in ops)
    assert len({op.handle for op in ops}) == len(ops)
    assert not MPI.OP_NULL
    assert MPI.SUM.Is_commutative() and MPI.SUM.is_commutative
    assert MPI.SUM.is_predefined


def test_null_datatype_queries_raise():
    with pytest.raises(MPI.Exception) as info:
        MPI.DATATYPE_NULL.Get_size()
    assert info.value.Get_error_class() == MPI.ERR_TYPE


def test_misc_constants():
    assert MPI.ANY_SOURCE != MPI.PROC_NULL != MPI.ROOT
    assert MPI.UNDEFINED < 0 or MPI.UNDEFINED > 1 << 20
    assert MPI.BOTTOM is MPI.BOTTOM and repr(MPI.BOTTOM) == "BOTTOM"
    assert MPI.IN_PLACE is not MPI.BOTTOM and repr(MPI.IN_PLACE) == "IN_PLACE"
