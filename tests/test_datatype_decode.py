"""Looking inside datatypes: envelope, contents, decode, pickling, type codes."""

import pickle

import numpy as np
import pytest

from mpi4py import MPI


def free_all(*datatypes):
    for datatype in datatypes:
        if datatype and not datatype.is_predefined:
            datatype.Free()


def layout(datatype):
    return (datatype.size, datatype.Get_extent(), datatype.Get_true_extent())


# Every constructor with the keyword arguments decode() must give back.
CASES = [
    ("DUP", lambda: MPI.INT.Dup(), {}),
    ("CONTIGUOUS", lambda: MPI.INT.Create_contiguous(3), {"count": 3}),
    (
        "VECTOR",
        lambda: MPI.DOUBLE.Create_vector(3, 2, 5),
        {"count": 3, "blocklength": 2, "stride": 5},
    ),
    (
        "HVECTOR",
        lambda: MPI.DOUBLE.Create_hvector(2, 1, 24),
        {"count": 2, "blocklength": 1, "stride": 24},
    ),
    (
        "INDEXED",
        lambda: MPI.INT.Create_indexed([2, 1], [0, 5]),
        {"blocklengths": [2, 1], "displacements": [0, 5]},
    ),
    (
        "HINDEXED",
        lambda: MPI.INT.Create_hindexed([1, 3], [4, 40]),
        {"blocklengths": [1, 3], "displacements": [4, 40]},
    ),
    (
        "INDEXED_BLOCK",
        lambda: MPI.SHORT.Create_indexed_block(2, [1, 7, 3]),
        {"blocklength": 2, "displacements": [1, 7, 3]},
    ),
    (
        "HINDEXED_BLOCK",
        lambda: MPI.SHORT.Create_hindexed_block(3, [0, 16]),
        {"blocklength": 3, "displacements": [0, 16]},
    ),
    (
        "SUBARRAY",
        lambda: MPI.INT.Create_subarray([4, 5], [2, 3], [1, 2], MPI.ORDER_F),
        {"sizes": [4, 5], "subsizes": [2, 3], "starts": [1, 2], "order": MPI.ORDER_F},
    ),
    (
        "DARRAY",
        lambda: MPI.INT.Create_darray(
            4, 1, [8, 4], [MPI.DISTRIBUTE_BLOCK, MPI.DISTRIBUTE_CYCLIC], [4, 1], [2, 2]
        ),
        {
            "size": 4,
            "rank": 1,
            "gsizes": [8, 4],
            "distribs": [MPI.DISTRIBUTE_BLOCK, MPI.DISTRIBUTE_CYCLIC],
            "dargs": [4, 1],
            "psizes": [2, 2],
            "order": MPI.ORDER_C,
        },
    ),
    ("RESIZED", lambda: MPI.INT.Create_resized(-4, 16), {"lb": -4, "extent": 16}),
]


def test_named_envelope():
    for datatype in (MPI.INT, MPI.DOUBLE, MPI.FLOAT_INT, MPI.BYTE):
        assert datatype.Get_envelope() == (0, 0, 0, 0, MPI.COMBINER_NAMED)
        assert datatype.envelope == datatype.Get_envelope()
        assert datatype.combiner == MPI.COMBINER_NAMED
        assert datatype.is_named and datatype.is_predefined
        assert datatype.decode() == (datatype, "NAMED", {})
        with pytest.raises(MPI.Exception):
            datatype.Get_contents()
    assert MPI.DATATYPE_NULL.is_predefined


def test_envelope_and_contents():
    vector = MPI.DOUBLE.Create_vector(3, 2, 5)
    try:
        ni, na, nc, nd, combiner = vector.Get_envelope()
        assert combiner == MPI.COMBINER_VECTOR and nd == 1
        ints, addrs, counts, types = vector.Get_contents()
        assert (len(ints), len(addrs), len(counts), len(types)) == (ni, na, nc, nd)
        # Small counts may be stored as ints or as large counts.
        assert (counts or ints) == [3, 2, 5]
        assert types == [MPI.DOUBLE] and types[0] is MPI.DOUBLE
        assert vector.contents[3] == [MPI.DOUBLE]
    finally:
        vector.Free()


@pytest.mark.parametrize("name,make,params", CASES, ids=[case[0] for case in CASES])
def test_decode(name, make, params):
    datatype = make()
    base, combiner, decoded = datatype.decode()
    try:
        assert combiner == name
        assert datatype.combiner == getattr(MPI, f"COMBINER_{name}")
        assert not datatype.is_named and not datatype.is_predefined
        assert decoded == params
        assert base.is_named
        # The decoded arguments rebuild an equal layout.
        if name == "DUP":
            rebuilt = base.Dup()
        else:
            rebuilt = getattr(base, f"Create_{name.lower()}")(**decoded)
        assert layout(rebuilt) == layout(datatype)
        rebuilt.Free()
    finally:
        free_all(datatype, base)


def test_decode_struct_and_nested():
    inner = MPI.INT.Create_vector(2, 1, 3)
    struct = MPI.Datatype.Create_struct([1, 2], [0, 8], [MPI.DOUBLE, inner])
    base, combiner, params = struct.decode()
    try:
        assert combiner == "STRUCT" and base == MPI.DATATYPE_NULL
        assert params["blocklengths"] == [1, 2]
        assert params["displacements"] == [0, 8]
        member_double, member_vector = params["datatypes"]
        assert member_double is MPI.DOUBLE
        assert member_vector.combiner == MPI.COMBINER_VECTOR
        # A derived component is a new handle the caller owns; it stays valid
        # after the original is freed.
        inner.Free()
        assert member_vector.decode()[2] == {"count": 2, "blocklength": 1, "stride": 3}
        assert member_vector.size == 8
    finally:
        free_all(struct, member_vector)


def test_decode_parameterized():
    integer = MPI.Datatype.Create_f90_integer(9)
    base, combiner, params = integer.decode()
    assert (base, combiner, params) == (MPI.DATATYPE_NULL, "F90_INTEGER", {"r": 9})
    real = MPI.Datatype.Create_f90_real(6, 30)
    assert real.decode()[1:] == ("F90_REAL", {"p": 6, "r": 30})


# --- pickling ----------------------------------------------------------------------

NAMED = [
    "INT",
    "DOUBLE",
    "BYTE",
    "PACKED",
    "FLOAT_INT",
    "C_BOOL",
    "INT64_T",
    "LOGICAL",
    "DATATYPE_NULL",
]


@pytest.mark.parametrize("name", NAMED)
def test_pickle_named_by_name(name):
    datatype = getattr(MPI, name)
    data = pickle.dumps(datatype)
    assert name.encode() in data
    assert pickle.loads(data) is datatype


def test_pickle_copies_and_subclasses():
    class MyType(MPI.Datatype):
        pass

    copy = pickle.loads(pickle.dumps(MPI.Datatype(MPI.DOUBLE)))
    assert copy == MPI.DOUBLE
    assert pickle.loads(pickle.dumps(MPI.Datatype())) == MPI.DATATYPE_NULL
    assert (
        pickle.loads(pickle.dumps(MPI.Datatype.Match_size(MPI.TYPECLASS_REAL, 8))).size
        == 8
    )


@pytest.mark.parametrize("name,make,params", CASES, ids=[case[0] for case in CASES])
def test_pickle_derived(name, make, params):
    datatype = make()
    clone = pickle.loads(pickle.dumps(datatype))
    try:
        assert clone != datatype
        assert clone.combiner == datatype.combiner
        assert layout(clone) == layout(datatype)
        base, _, decoded = clone.decode()
        free_all(base)
        assert decoded == params
        # The clone is committed: it can be packed right away.
        assert clone.Pack_size(1, MPI.COMM_SELF) >= clone.size
    finally:
        free_all(datatype, clone)


def test_pickle_nested_struct():
    inner = MPI.INT.Create_vector(2, 1, 3)
    pair = MPI.Datatype.Create_struct([1, 1], [0, 8], [MPI.DOUBLE, MPI.INT])
    struct = MPI.Datatype.Create_struct([2, 1], [0, 40], [inner, pair])
    outer = struct.Create_resized(0, 64)
    clone = pickle.loads(pickle.dumps(outer))
    try:
        assert layout(clone) == layout(outer)
        base, combiner, _ = clone.decode()
        assert combiner == "RESIZED" and base.combiner == MPI.COMBINER_STRUCT
        members = base.decode()[2]["datatypes"]
        assert [m.combiner for m in members] == [
            MPI.COMBINER_VECTOR,
            MPI.COMBINER_STRUCT,
        ]
        free_all(base, *members)
        f90 = pickle.loads(pickle.dumps(MPI.Datatype.Create_f90_integer(9)))
        assert f90.combiner == MPI.COMBINER_F90_INTEGER
    finally:
        free_all(inner, pair, struct, outer, clone)


# --- type codes --------------------------------------------------------------------

CODES = {
    "INT": ("i", "i4"),
    "DOUBLE": ("d", "f8"),
    "FLOAT": ("f", "f4"),
    "SHORT": ("h", "i2"),
    "UNSIGNED": ("I", "u4"),
    "LONG_LONG": ("q", "i8"),
    "UNSIGNED_LONG_LONG": ("Q", "u8"),
    "C_BOOL": ("?", "b1"),
    "CHAR": ("c", "S1"),
    "BYTE": ("B", "u1"),
    "INT8_T": ("b", "i1"),
    "UINT16_T": ("H", "u2"),
    "INT32_T": ("i", "i4"),
    "C_FLOAT_COMPLEX": ("F", "c8"),
    "C_DOUBLE_COMPLEX": ("D", "c16"),
    "INTEGER4": ("i", "i4"),
    "REAL8": ("d", "f8"),
    "COMPLEX16": ("D", "c16"),
    "AINT": ("p", f"i{np.dtype('p').itemsize}"),
}


@pytest.mark.parametrize("name,codes", sorted(CODES.items()))
def test_typechar_typestr(name, codes):
    datatype = getattr(MPI, name)
    assert (datatype.typechar, datatype.typestr) == codes
    assert np.dtype(datatype.typestr).itemsize == datatype.size
    if datatype.typechar != "c":
        assert np.dtype(datatype.typechar).itemsize == datatype.size


def test_codes_of_other_datatypes():
    assert (MPI.DATATYPE_NULL.typechar, MPI.DATATYPE_NULL.typestr) == ("", "")
    assert (MPI.FLOAT_INT.typechar, MPI.FLOAT_INT.typestr) == ("V", "V8")
    assert MPI.LONG_DOUBLE.typechar == "g"
    assert np.dtype(MPI.LONG_DOUBLE.typestr) == np.dtype("g")
    dup = MPI.INT.Dup()
    vector = MPI.INT.Create_vector(2, 1, 3)
    try:
        assert (dup.typechar, dup.typestr, dup.tocode()) == ("i", "i4", "i")
        assert (vector.typechar, vector.typestr) == ("V", "V16")
        with pytest.raises(ValueError):
            vector.tocode()
    finally:
        free_all(dup, vector)
    f90 = MPI.Datatype.Create_f90_integer(9)
    assert f90.typestr == f"i{f90.size}"


def test_tocode_fromcode():
    for name in [
        "INT",
        "DOUBLE",
        "LONG",
        "C_BOOL",
        "INT16_T",
        "UINT64_T",
        "C_DOUBLE_COMPLEX",
        "AINT",
    ]:
        datatype = getattr(MPI, name)
        assert MPI.Datatype.fromcode(datatype.tocode()) == datatype
    assert MPI.INT32_T.tocode() == "i4"
    assert MPI.INT.tocode() == "i"
    assert MPI.Datatype.fromcode("d") is MPI.DOUBLE
    with pytest.raises(ValueError):
        MPI.FLOAT_INT.tocode()
    with pytest.raises(ValueError):
        MPI.DATATYPE_NULL.tocode()
    with pytest.raises(ValueError):
        MPI.Datatype.fromcode("not a code")
