"""Pack/Unpack with predefined and derived datatypes, native and external32."""

import struct

import numpy as np
import pytest

from mpi4py import MPI

COMM = MPI.COMM_WORLD


def error_class(excinfo):
    return excinfo.value.Get_error_class()


@pytest.fixture
def column():
    """One column of a 4x4 C-ordered array of doubles, committed."""
    datatype = MPI.DOUBLE.Create_vector(4, 1, 4).Commit()
    yield datatype
    datatype.Free()


def test_pack_unpack_predefined():
    first = np.arange(3, dtype="i")
    second = np.array([1.5, -2.25])
    size = MPI.INT.Pack_size(3, COMM) + MPI.DOUBLE.Pack_size(2, COMM)
    assert size >= 3 * 4 + 2 * 8
    packed = bytearray(size)
    position = MPI.INT.Pack(first, packed, 0, COMM)
    assert position == 12
    position = MPI.DOUBLE.Pack(second, packed, position, COMM)
    assert position == 28
    assert bytes(packed[:12]) == first.tobytes()
    out_first = np.zeros(3, dtype="i")
    out_second = np.zeros(2)
    position = MPI.INT.Unpack(packed, 0, out_first, COMM)
    position = MPI.DOUBLE.Unpack(packed, position, out_second, COMM)
    assert position == 28
    assert out_first.tolist() == [0, 1, 2] and out_second.tolist() == [1.5, -2.25]


def test_pack_column(column):
    matrix = np.arange(16, dtype="d").reshape(4, 4)
    packed = bytearray(column.Pack_size(1, MPI.COMM_SELF))
    assert column.Pack(matrix, packed, 0, MPI.COMM_SELF) == 32
    assert np.frombuffer(packed, "d").tolist() == [0.0, 4.0, 8.0, 12.0]
    target = np.zeros((4, 4))
    assert column.Unpack(packed, 0, target, MPI.COMM_SELF) == 32
    assert target[:, 0].tolist() == [0.0, 4.0, 8.0, 12.0]
    assert not target[:, 1:].any()


def test_pack_resized_columns(column):
    # A column resized to one element: consecutive items are consecutive
    # columns, and only the four whole columns that lie inside the array count.
    columns = column.Create_resized(0, 8).Commit()
    try:
        matrix = np.arange(16, dtype="d").reshape(4, 4)
        packed = bytearray(128)
        assert columns.Pack(matrix, packed, 0, COMM) == 128
        assert np.frombuffer(packed, "d").reshape(4, 4).tolist() == matrix.T.tolist()
        target = np.zeros((4, 4))
        columns.Unpack(packed, 0, target, COMM)
        assert (target == matrix).all()
    finally:
        columns.Free()


def test_pack_errors(column):
    data = np.arange(4, dtype="i")
    with pytest.raises(MPI.Exception) as excinfo:
        MPI.INT.Pack(data, bytearray(15), 0, COMM)
    assert error_class(excinfo) == MPI.ERR_TRUNCATE
    with pytest.raises(MPI.Exception) as excinfo:
        MPI.INT.Pack(data, bytearray(16), 4, COMM)
    assert error_class(excinfo) == MPI.ERR_TRUNCATE
    with pytest.raises(MPI.Exception) as excinfo:
        MPI.INT.Pack(data, bytearray(16), -1, COMM)
    assert error_class(excinfo) == MPI.ERR_ARG
    with pytest.raises(MPI.Exception) as excinfo:
        MPI.INT.Unpack(bytearray(16), 17, data, COMM)
    assert error_class(excinfo) == MPI.ERR_ARG
    with pytest.raises(MPI.Exception) as excinfo:
        MPI.INT.Unpack(bytearray(12), 0, data, COMM)  # four ints need 16 bytes
    assert error_class(excinfo) == MPI.ERR_TRUNCATE
    with pytest.raises(MPI.Exception) as excinfo:
        MPI.INT.Pack_size(-1, COMM)
    assert error_class(excinfo) == MPI.ERR_COUNT
    with pytest.raises(BufferError):
        MPI.INT.Pack(data, b"read-only bytes!", 0, COMM)
    with pytest.raises(TypeError):
        MPI.INT.Pack([1, 2, 3], bytearray(16), 0, COMM)
    with pytest.raises(TypeError):
        MPI.INT.Pack(data, bytearray(16), 0, None)
    # The output buffer is untouched by a refused call.
    out = bytearray(b"x" * 8)
    with pytest.raises(MPI.Exception):
        column.Pack(np.zeros(16), out, 0, COMM)
    assert out == b"x" * 8


def test_uncommitted_datatypes_are_refused():
    datatype = MPI.INT.Create_contiguous(2)
    try:
        calls = [
            lambda: datatype.Pack_size(1, COMM),
            lambda: datatype.Pack(bytearray(8), bytearray(8), 0, COMM),
            lambda: datatype.Unpack(bytearray(8), 0, bytearray(8), COMM),
            lambda: datatype.Pack_external_size("external32", 1),
            lambda: datatype.Pack_external("external32", bytearray(8), bytearray(8), 0),
            lambda: datatype.Unpack_external(
                "external32", bytearray(8), 0, bytearray(8)
            ),
        ]
        for call in calls:
            with pytest.raises(MPI.Exception) as excinfo:
                call()
            assert error_class(excinfo) == MPI.ERR_TYPE
        # A duplicate of an uncommitted datatype is uncommitted too.
        dup = datatype.Dup()
        with pytest.raises(MPI.Exception):
            dup.Pack_size(1, COMM)
        dup.Commit()
        assert dup.Pack_size(1, COMM) >= 8
        dup.Free()
        datatype.Commit()
        assert datatype.Pack_size(2, COMM) >= 16
    finally:
        datatype.Free()


def test_zero_extent_datatype_is_refused():
    empty = MPI.INT.Create_resized(0, 0).Commit()
    try:
        with pytest.raises(ValueError):
            empty.Pack(bytearray(8), bytearray(8), 0, COMM)
    finally:
        empty.Free()


def test_pack_external32():
    values = np.array([1, -2, 0x01020304], dtype="i")
    assert MPI.INT.Pack_external_size("external32", 3) == 12
    assert MPI.DOUBLE.Pack_external_size("external32", 2) == 16
    packed = bytearray(12)
    assert MPI.INT.Pack_external("external32", values, packed, 0) == 12
    assert bytes(packed) == struct.pack(">3i", 1, -2, 0x01020304)
    back = np.zeros(3, dtype="i")
    assert MPI.INT.Unpack_external("external32", packed, 0, back) == 12
    assert back.tolist() == values.tolist()
    doubles = np.array([0.5, -3.0])
    packed = bytearray(20)
    assert MPI.DOUBLE.Pack_external("external32", doubles, packed, 4) == 20
    assert bytes(packed[4:]) == struct.pack(">2d", 0.5, -3.0)


def test_pack_external32_column(column):
    matrix = np.arange(16, dtype="d").reshape(4, 4)
    size = column.Pack_external_size("external32", 1)
    assert size == 32
    packed = bytearray(size)
    column.Pack_external("external32", matrix, packed, 0)
    assert struct.unpack(">4d", packed) == (0.0, 4.0, 8.0, 12.0)
    target = np.zeros((4, 4))
    column.Unpack_external("external32", packed, 0, target)
    assert target[:, 0].tolist() == [0.0, 4.0, 8.0, 12.0]


def test_pack_external_errors():
    data = np.arange(2, dtype="i")
    for call in (
        lambda: MPI.INT.Pack_external("native", data, bytearray(8), 0),
        lambda: MPI.INT.Unpack_external("native", bytearray(8), 0, data),
        lambda: MPI.INT.Pack_external_size("foo", 1),
    ):
        with pytest.raises(MPI.Exception) as excinfo:
            call()
        assert error_class(excinfo) == MPI.ERR_ARG
    with pytest.raises(MPI.Exception) as excinfo:
        MPI.INT.Pack_external("external32", data, bytearray(7), 0)
    assert error_class(excinfo) == MPI.ERR_TRUNCATE
    with pytest.raises(MPI.Exception) as excinfo:
        MPI.INT.Unpack_external("external32", bytearray(4), 0, data)
    assert error_class(excinfo) == MPI.ERR_TRUNCATE
    with pytest.raises(MPI.Exception) as excinfo:
        MPI.INT.Pack_external("external32", data, bytearray(8), -2)
    assert error_class(excinfo) == MPI.ERR_ARG
