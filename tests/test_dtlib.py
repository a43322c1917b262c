"""mpi4py.util.dtlib: NumPy dtypes <-> MPI datatypes, checked by packing."""

import sys

import numpy as np
import pytest

from mpi4py import MPI
from mpi4py.util.dtlib import from_numpy_dtype, to_numpy_dtype

COMM = MPI.COMM_SELF


def flat_bytes(raw, dtype, offset=0):
    """The bytes of one item stored at raw[offset:], in type-map order."""
    if dtype.names is not None:
        return b"".join(
            flat_bytes(raw, dtype.fields[name][0], offset + dtype.fields[name][1])
            for name in dtype.names
        )
    if dtype.subdtype is not None:
        element, shape = dtype.subdtype
        count = int(np.prod(shape))
        return b"".join(
            flat_bytes(raw, element, offset + k * element.itemsize)
            for k in range(count)
        )
    return bytes(raw[offset : offset + dtype.itemsize])


def flat_items(raw, dtype, count):
    return b"".join(flat_bytes(raw, dtype, k * dtype.itemsize) for k in range(count))


def packed(datatype, raw, count):
    """MPI's packed bytes of `count` items stored in the bytes `raw`."""
    datatype.Commit()
    out = bytearray(datatype.Pack_size(count, COMM))
    position = datatype.Pack(raw, out, 0, COMM)
    return bytes(out[:position])


def random_bytes(nbytes, seed=0):
    return np.random.default_rng(seed).integers(0, 256, nbytes, dtype="u1").tobytes()


SCALARS = list("?bhilqBHILQfdgFDG")


@pytest.mark.parametrize("code", SCALARS)
def test_scalar_round_trip(code):
    dtype = np.dtype(code)
    datatype = from_numpy_dtype(dtype)
    try:
        assert datatype.combiner == MPI.COMBINER_DUP  # a new datatype the caller owns
        assert datatype.size == dtype.itemsize == datatype.extent
        assert to_numpy_dtype(datatype) == dtype
    finally:
        datatype.Free()


def test_dtype_likes_and_named_datatypes():
    for spec, named in [
        ("i4", MPI.INT32_T),
        (np.float64, MPI.DOUBLE),
        (float, MPI.DOUBLE),
    ]:
        datatype = from_numpy_dtype(spec)
        base = datatype.decode()[0]
        assert base.size == named.size and to_numpy_dtype(datatype) == np.dtype(spec)
        datatype.Free()
    assert to_numpy_dtype(MPI.INT) == np.dtype("i")
    assert to_numpy_dtype(MPI.C_BOOL) == np.dtype("?")
    assert to_numpy_dtype(MPI.CHAR) == np.dtype("S1")
    assert to_numpy_dtype(MPI.BYTE) == np.dtype("u1")
    assert to_numpy_dtype(MPI.INT64_T) == np.dtype("i8")
    assert to_numpy_dtype(MPI.C_DOUBLE_COMPLEX) == np.dtype("c16")
    f90 = MPI.Datatype.Create_f90_real(15, 300)
    assert to_numpy_dtype(f90) == np.dtype("f8")


@pytest.mark.parametrize(
    "name,value",
    [
        ("SHORT_INT", "h"),
        ("INT_INT", "i"),
        ("LONG_INT", "l"),
        ("FLOAT_INT", "f"),
        ("DOUBLE_INT", "d"),
    ],
)
def test_pair_datatypes(name, value):
    datatype = getattr(MPI, name)
    dtype = to_numpy_dtype(datatype)
    assert dtype.names == ("f0", "f1")
    assert dtype.fields["f0"] == (np.dtype(value), 0)
    assert dtype.fields["f1"][0] == np.dtype("i")
    assert dtype.itemsize == datatype.extent
    raw = random_bytes(2 * dtype.itemsize)
    assert packed(datatype, raw, 2) == flat_items(raw, dtype, 2)


SUBARRAYS = [("i4", (3,)), ("f8", (2, 3)), ("u2", (2, 1, 4)), ("i2", (0,))]


@pytest.mark.parametrize("spec", SUBARRAYS, ids=str)
def test_subarray_round_trip(spec):
    dtype = np.dtype(spec)
    datatype = from_numpy_dtype(dtype)
    try:
        assert datatype.size == dtype.itemsize
        assert to_numpy_dtype(datatype) == dtype
    finally:
        datatype.Free()


STRUCTS = {
    "packed": [("f0", "i1"), ("f1", "f8"), ("f2", "i2")],
    "aligned": np.dtype([("f0", "i1"), ("f1", "f8"), ("f2", "i2")], align=True),
    "nested": [("f0", "i4", (2,)), ("f1", [("f0", "f4"), ("f1", "u2")]), ("f2", "c16")],
    "nested_aligned": np.dtype(
        [
            ("f0", "?"),
            ("f1", np.dtype([("f0", "i2"), ("f1", "f8")], align=True)),
            ("f2", "i1", (3,)),
        ],
        align=True,
    ),
    "out_of_order": {
        "names": ["f0", "f1"],
        "formats": ["i4", "f8"],
        "offsets": [8, 0],
        "itemsize": 16,
    },
    "padded": {"names": ["f0"], "formats": ["f4"], "offsets": [4], "itemsize": 12},
    "empty": np.dtype([]),
}


@pytest.mark.parametrize("name", sorted(STRUCTS))
def test_structured_round_trip_and_layout(name):
    dtype = np.dtype(STRUCTS[name])
    datatype = from_numpy_dtype(dtype)
    try:
        assert datatype.extent == dtype.itemsize and datatype.lb == 0
        back = to_numpy_dtype(datatype)
        assert back == dtype
        assert back.isalignedstruct == dtype.isalignedstruct
        raw = random_bytes(3 * dtype.itemsize)
        assert packed(datatype, raw, 3) == flat_items(raw, dtype, 3)
    finally:
        datatype.Free()


def hindexed_at_offset():
    # Data starting past the origin (lower bound 8) inside a zero-based extent.
    inner = MPI.INT.Create_hindexed([2, 1], [8, 24])
    outer = inner.Create_resized(0, 32)
    inner.Free()
    return outer


DERIVED = {
    "vector": lambda: MPI.INT.Create_vector(3, 2, 4),
    "hvector": lambda: MPI.SHORT.Create_hvector(2, 3, 10),
    "indexed": lambda: MPI.DOUBLE.Create_indexed([1, 2], [0, 3]),
    "indexed_unsorted": lambda: MPI.INT.Create_indexed([1, 1, 2], [5, 0, 2]),
    "hindexed": lambda: MPI.INT.Create_hindexed([2, 1], [0, 20]),
    "hindexed_offset": hindexed_at_offset,
    "indexed_block": lambda: MPI.SHORT.Create_indexed_block(2, [4, 0]),
    "hindexed_block": lambda: MPI.INT.Create_hindexed_block(1, [0, 12, 4]),
    "resized": lambda: MPI.INT.Create_resized(0, 8),
    "subarray_c": lambda: MPI.INT.Create_subarray([4, 5], [2, 3], [1, 1]),
    "subarray_f": lambda: MPI.INT.Create_subarray([4, 5], [2, 3], [1, 1], MPI.ORDER_F),
    "subarray_whole": lambda: MPI.DOUBLE.Create_subarray(
        [2, 3], [2, 3], [0, 0], MPI.ORDER_F
    ),
    "contiguous": lambda: MPI.FLOAT.Create_contiguous(3),
    "struct": lambda: MPI.Datatype.Create_struct([1, 2], [0, 8], [MPI.CHAR, MPI.FLOAT]),
}


@pytest.mark.parametrize("name", sorted(DERIVED))
def test_derived_to_numpy_layout(name):
    datatype = DERIVED[name]()
    try:
        dtype = to_numpy_dtype(datatype)
        assert dtype.itemsize == datatype.extent
        raw = random_bytes(2 * dtype.itemsize, seed=len(name))
        assert packed(datatype, raw, 2) == flat_items(raw, dtype, 2)
        assert datatype.size == len(flat_bytes(raw, dtype))
    finally:
        datatype.Free()


def test_nested_derived_to_numpy():
    inner = MPI.INT.Create_vector(2, 1, 2)
    outer = MPI.Datatype.Create_struct([1, 2], [0, 16], [MPI.DOUBLE, inner]).Commit()
    try:
        dtype = to_numpy_dtype(outer)
        assert dtype.names == ("f0", "f1")
        assert dtype.fields["f1"][1] == 16
        raw = random_bytes(dtype.itemsize)
        assert packed(outer, raw, 1) == flat_bytes(raw, dtype)
        # The input datatypes are left intact.
        assert inner.Get_size() == 8 and outer.Get_size() == 24
    finally:
        inner.Free()
        outer.Free()


def test_from_numpy_errors():
    other = ">" if sys.byteorder == "little" else "<"
    for spec in [
        "O",
        [("a", "O")],
        f"{other}i4",
        [("a", f"{other}f8")],
        "e",
        "U5",
        "M8[s]",
    ]:
        with pytest.raises(ValueError):
            from_numpy_dtype(spec)
    with pytest.raises(TypeError):
        from_numpy_dtype("not a dtype at all")


def test_to_numpy_errors():
    with pytest.raises(ValueError):
        to_numpy_dtype(MPI.DATATYPE_NULL)
    darray = MPI.INT.Create_darray(
        2, 0, [4], [MPI.DISTRIBUTE_BLOCK], [MPI.DISTRIBUTE_DFLT_DARG], [2]
    )
    shifted = MPI.INT.Create_resized(-4, 8)
    column = MPI.DOUBLE.Create_vector(4, 1, 4)
    columns = column.Create_resized(0, 8)  # data reaches past the extent
    try:
        with pytest.raises(ValueError):
            to_numpy_dtype(columns)
        assert to_numpy_dtype(column).itemsize == column.extent
        with pytest.raises(ValueError):
            to_numpy_dtype(darray)
        with pytest.raises(ValueError):
            to_numpy_dtype(shifted)
    finally:
        for datatype in (darray, shifted, column, columns):
            datatype.Free()
