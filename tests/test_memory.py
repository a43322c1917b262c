"""MPI.buffer, Alloc_mem/Free_mem, and address arithmetic."""

import numpy as np
import pytest

from mpi4py import MPI


def test_alias_and_final():
    assert MPI.memory is MPI.buffer
    with pytest.raises(TypeError):

        class Sub(MPI.buffer):  # noqa: F841 - the class statement is the test
            pass


def test_empty_buffer():
    empty = MPI.buffer()
    assert len(empty) == 0 and empty.nbytes == 0
    assert empty.address == 0 and empty.obj is None and not empty.readonly
    assert empty.tobytes() == b""
    assert memoryview(empty).nbytes == 0
    with pytest.raises(IndexError):
        empty[0]


def test_allocate_and_items():
    buf = MPI.buffer.allocate(8, clear=True)
    assert len(buf) == 8 and buf.nbytes == 8 and buf.address != 0
    assert (buf.format, buf.itemsize, buf.readonly, buf.obj) == ("B", 1, False, None)
    assert buf.tobytes() == bytes(8)
    buf[0] = 255
    buf[-1] = 7
    assert buf[0] == 255 and buf[7] == 7 and buf[-1] == 7
    for index in (8, -9, 100):
        with pytest.raises(IndexError):
            buf[index]
        with pytest.raises(IndexError):
            buf[index] = 1
    for value in (256, -1):
        with pytest.raises(ValueError):
            buf[1] = value
    with pytest.raises(TypeError):
        buf[1] = "x"
    with pytest.raises(TypeError):
        buf["a"]
    with pytest.raises(ValueError):
        MPI.buffer.allocate(-1)
    assert len(MPI.buffer.allocate(0)) == 0


def test_slices_share_memory():
    buf = MPI.buffer.allocate(10, clear=True)
    part = buf[2:6]
    assert isinstance(part, MPI.buffer) and len(part) == 4
    assert part.address == buf.address + 2 and part.obj is buf
    part[0] = 9
    assert buf[2] == 9
    buf[6:8] = b"\x01\x02"
    assert buf.tobytes()[6:8] == b"\x01\x02"
    assert len(buf[8:100]) == 2 and len(buf[5:3]) == 0
    assert buf[-2:].tobytes() == bytes(2)
    with pytest.raises(ValueError):
        buf[0:2] = b"abc"
    with pytest.raises(IndexError):
        buf[::2]
    with pytest.raises(TypeError):
        buf[0:2] = 5


def test_wrapping_objects():
    data = bytearray(b"hello")
    buf = MPI.buffer(data)
    assert buf.obj is data and not buf.readonly and buf.tobytes() == b"hello"
    buf[0] = ord("j")
    assert data == b"jello"
    frozen = MPI.buffer(b"abc")
    assert frozen.readonly and frozen[-1] == ord("c")
    with pytest.raises(TypeError):
        frozen[0] = 1
    with pytest.raises(TypeError):
        frozen[0:1] = b"x"
    array = np.arange(4, dtype="i4")
    view = MPI.buffer(array)
    assert len(view) == 16 and view.address == array.ctypes.data
    with pytest.raises(TypeError):
        MPI.buffer(42)


def test_frombuffer_and_fromaddress():
    data = bytearray(range(6))
    writable = MPI.buffer.frombuffer(data)
    assert not writable.readonly and writable.tobytes() == bytes(range(6))
    assert MPI.buffer.frombuffer(data, readonly=True).readonly
    with pytest.raises(BufferError):
        MPI.buffer.frombuffer(b"read-only")
    assert MPI.buffer.frombuffer(b"abc", readonly=True).tobytes() == b"abc"
    raw = MPI.buffer.fromaddress(writable.address, 6)
    raw[5] = 42
    assert data[5] == 42
    assert MPI.buffer.fromaddress(writable.address, 6, readonly=True).readonly
    assert len(MPI.buffer.fromaddress(0, 0)) == 0
    with pytest.raises(ValueError):
        MPI.buffer.fromaddress(0, 4)
    with pytest.raises(ValueError):
        MPI.buffer.fromaddress(writable.address, -1)


def test_buffer_protocol_and_cast():
    buf = MPI.buffer.allocate(16, clear=True)
    view = memoryview(buf)
    assert (view.format, view.itemsize, view.nbytes, view.readonly) == (
        "B",
        1,
        16,
        False,
    )
    view[3] = 5
    assert buf[3] == 5
    view.release()
    ints = buf.cast("i")
    ints[1] = 1234
    assert np.frombuffer(buf, "i4")[1] == 1234
    assert buf.cast("i", [2, 2]).shape == (2, 2)
    ints.release()
    readonly = buf.toreadonly()
    assert readonly.readonly and readonly.address == buf.address
    assert memoryview(readonly).readonly
    with pytest.raises(TypeError):
        readonly[0] = 1
    assert buf.tobytes(order="C") == buf.tobytes()


def test_release_refused_while_views_exist():
    buf = MPI.buffer.allocate(8)
    view = memoryview(buf)
    with pytest.raises(BufferError):
        buf.release()
    view.release()
    array = np.frombuffer(buf, dtype="u1")
    with pytest.raises(BufferError):
        buf.release()
    del array
    part = buf[1:3]
    with pytest.raises(BufferError):
        buf.release()
    part.release()
    buf.release()
    buf.release()  # idempotent


def test_released_buffer_refuses_access():
    buf = MPI.buffer(bytearray(4))
    buf.release()
    assert len(buf) == 0 and buf.nbytes == 0 and buf.address == 0
    calls = [
        lambda: buf[0],
        lambda: buf[0:1],
        lambda: buf.__setitem__(0, 1),
        buf.tobytes,
        buf.toreadonly,
        lambda: buf.cast("B"),
        lambda: memoryview(buf),
        lambda: np.frombuffer(buf, "u1"),
    ]
    for call in calls:
        with pytest.raises(ValueError):
            call()


def test_alloc_mem_and_free_mem():
    mem = MPI.Alloc_mem(64)
    assert isinstance(mem, MPI.buffer) and len(mem) == 64 and not mem.readonly
    array = np.frombuffer(mem, dtype="i8")
    array[:] = np.arange(8)
    assert mem.cast("q").tolist() == list(range(8))
    with pytest.raises(BufferError):
        MPI.Free_mem(mem)  # the array still looks at the memory
    del array
    MPI.Free_mem(mem)
    assert len(mem) == 0
    with pytest.raises(ValueError):
        mem[0]
    with pytest.raises(ValueError):
        mem.tobytes()
    with pytest.raises(ValueError):
        MPI.Free_mem(mem)  # already freed
    info_mem = MPI.Alloc_mem(8, MPI.INFO_NULL)
    info_mem.release()  # release frees Alloc_mem memory too
    with pytest.raises(ValueError):
        MPI.Free_mem(info_mem)
    empty = MPI.Alloc_mem(0)
    assert len(empty) == 0
    MPI.Free_mem(empty)


def test_free_mem_refuses_other_memory():
    with pytest.raises(ValueError):
        MPI.Free_mem(MPI.buffer.allocate(8))
    mem = MPI.Alloc_mem(8)
    with pytest.raises(ValueError):
        MPI.Free_mem(mem[0:4])  # a slice is not the allocation
    MPI.Free_mem(mem)
    with pytest.raises(TypeError):
        MPI.Free_mem(bytearray(8))
    with pytest.raises(MPI.Exception) as excinfo:
        MPI.Alloc_mem(-1)
    assert excinfo.value.Get_error_class() == MPI.ERR_ARG


def test_addresses():
    array = np.zeros(10, dtype="f8")
    base = MPI.Get_address(array)
    assert base == array.ctypes.data
    assert MPI.Get_address(array[4:]) == base + 32
    assert MPI.Aint_diff(MPI.Get_address(array[4:]), base) == 32
    assert MPI.Aint_add(base, 16) == MPI.Get_address(array[2:])
    assert MPI.Aint_add(100, -30) == 70 and MPI.Aint_diff(5, 9) == -4
    assert MPI.Get_address(b"read-only") != 0
    assert MPI.Get_address(MPI.BOTTOM) == 0
    with pytest.raises(TypeError):
        MPI.Get_address(12)


def test_struct_from_addresses():
    # The classic use of Get_address: displacements of separate fields.
    record = np.zeros(1, dtype=[("a", "i4"), ("b", "f8")])
    base = MPI.Get_address(record)
    offsets = [
        MPI.Aint_diff(MPI.Get_address(record[name]), base) for name in ("a", "b")
    ]
    assert offsets == [0, 4]
    datatype = MPI.Datatype.Create_struct([1, 1], offsets, [MPI.INT, MPI.DOUBLE])
    assert datatype.size == 12
    datatype.Free()
