"""Attribute caching: keyvals and attributes on communicators, datatypes, windows."""

import gc
import sys
import weakref

import pytest

from mpi4py import MPI


class Value:
    """An attribute value that can be tracked with weak references."""

    def __init__(self, payload=None):
        self.payload = payload


@pytest.fixture
def comm():
    comm = MPI.COMM_WORLD.Dup()
    yield comm
    if comm != MPI.COMM_NULL:
        comm.Free()


@pytest.fixture
def keyval_factory():
    keyvals = []

    def create(*args, **kwargs):
        keyval = MPI.Comm.Create_keyval(*args, **kwargs)
        keyvals.append(keyval)
        return keyval

    yield create
    for keyval in keyvals:
        try:
            MPI.Comm.Free_keyval(keyval)
        except MPI.Exception:
            pass  # already freed by the test


def test_predefined_attributes():
    world = MPI.COMM_WORLD
    tag_ub = world.Get_attr(MPI.TAG_UB)
    assert isinstance(tag_ub, int) and tag_ub >= 32767
    for keyval in (
        MPI.HOST,
        MPI.IO,
        MPI.WTIME_IS_GLOBAL,
        MPI.APPNUM,
        MPI.UNIVERSE_SIZE,
    ):
        value = world.Get_attr(keyval)
        assert value is None or isinstance(value, int)
    io = world.Get_attr(MPI.IO)
    assert io is None or io in (MPI.ANY_SOURCE, MPI.PROC_NULL) or 0 <= io < world.size
    assert world.Get_attr(MPI.WTIME_IS_GLOBAL) in (None, 0, 1)
    assert MPI.COMM_SELF.Get_attr(MPI.TAG_UB) in (None, tag_ub)


def test_predefined_attributes_are_read_only():
    with pytest.raises(MPI.Exception):
        MPI.COMM_WORLD.Set_attr(MPI.TAG_UB, 1)
    with pytest.raises(MPI.Exception):
        MPI.COMM_WORLD.Delete_attr(MPI.TAG_UB)


def test_set_get_delete(comm, keyval_factory):
    keyval = keyval_factory()
    assert isinstance(keyval, int) and keyval != MPI.KEYVAL_INVALID
    assert comm.Get_attr(keyval) is None
    value = Value("x")
    comm.Set_attr(keyval, value)
    assert comm.Get_attr(keyval) is value
    comm.Delete_attr(keyval)
    assert comm.Get_attr(keyval) is None


def test_any_python_object(comm, keyval_factory):
    keyval = keyval_factory()
    for value in (None, 0, "text", [1, 2], {"a": 1}, (1,), 2.5, Value):
        comm.Set_attr(keyval, value)
        assert comm.Get_attr(keyval) is value


def test_value_kept_alive_and_released(comm, keyval_factory):
    keyval = keyval_factory()
    value = Value()
    ref = weakref.ref(value)
    before = sys.getrefcount(value)
    comm.Set_attr(keyval, value)
    assert sys.getrefcount(value) == before + 1
    del value
    gc.collect()
    assert ref() is not None  # the attribute holds it
    comm.Delete_attr(keyval)
    gc.collect()
    assert ref() is None


def test_value_replaced_releases_old(comm, keyval_factory):
    keyval = keyval_factory()
    old, new = Value(), Value()
    ref = weakref.ref(old)
    comm.Set_attr(keyval, old)
    del old
    comm.Set_attr(keyval, new)
    gc.collect()
    assert ref() is None
    assert comm.Get_attr(keyval) is new


def test_value_released_on_free(keyval_factory):
    keyval = keyval_factory()
    comm = MPI.COMM_WORLD.Dup()
    value = Value()
    ref = weakref.ref(value)
    comm.Set_attr(keyval, value)
    del value
    comm.Free()
    gc.collect()
    assert ref() is None


def test_delete_fn_called(comm, keyval_factory):
    calls = []

    def delete_fn(obj, keyval, attrval):
        calls.append((type(obj), obj == comm, keyval, attrval))

    keyval = keyval_factory(delete_fn=delete_fn)
    comm.Set_attr(keyval, "first")
    comm.Set_attr(keyval, "second")  # replacing deletes the old value
    comm.Delete_attr(keyval)
    assert calls == [
        (MPI.Intracomm, True, keyval, "first"),
        (MPI.Intracomm, True, keyval, "second"),
    ]


def test_copy_fn_none_and_false(comm, keyval_factory):
    for copy_fn in (None, False):
        keyval = keyval_factory(copy_fn=copy_fn)
        comm.Set_attr(keyval, Value())
        dup = comm.Dup()
        try:
            assert dup.Get_attr(keyval) is None
        finally:
            dup.Free()


def test_copy_fn_true_shares_value(comm, keyval_factory):
    keyval = keyval_factory(copy_fn=True)
    value = Value()
    comm.Set_attr(keyval, value)
    dup = comm.Dup()
    clone = comm.Clone()
    try:
        assert dup.Get_attr(keyval) is value
        assert clone.Get_attr(keyval) is value
    finally:
        dup.Free()
        clone.Free()
    assert comm.Get_attr(keyval) is value


def test_copy_fn_callable(comm, keyval_factory):
    calls = []

    def copy_fn(obj, keyval, attrval):
        calls.append((obj == comm, keyval, attrval.payload))
        return Value(attrval.payload + 1)

    keyval = keyval_factory(copy_fn=copy_fn)
    comm.Set_attr(keyval, Value(1))
    dup = comm.Dup()
    dupdup = dup.Dup()
    try:
        assert dup.Get_attr(keyval).payload == 2
        assert dupdup.Get_attr(keyval).payload == 3
        assert calls[0] == (True, keyval, 1)
        assert calls[1] == (False, keyval, 2)
    finally:
        dup.Free()
        dupdup.Free()


def test_copy_fn_not_implemented_skips(comm, keyval_factory):
    keyval = keyval_factory(copy_fn=lambda obj, keyval, attrval: NotImplemented)
    comm.Set_attr(keyval, Value())
    dup = comm.Dup()
    try:
        assert dup.Get_attr(keyval) is None
    finally:
        dup.Free()


def test_copy_and_delete_together(comm, keyval_factory):
    deleted = []
    keyval = keyval_factory(
        copy_fn=lambda obj, keyval, attrval: attrval * 2,
        delete_fn=lambda obj, keyval, attrval: deleted.append(attrval),
    )
    comm.Set_attr(keyval, "ab")
    dup = comm.Dup()
    assert dup.Get_attr(keyval) == "abab"
    dup.Free()
    assert deleted == ["abab"]
    comm.Delete_attr(keyval)
    assert deleted == ["abab", "ab"]


def test_copy_fn_raising_fails_dup(comm, keyval_factory, monkeypatch):
    reported = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)

    def copy_fn(obj, keyval, attrval):
        raise RuntimeError("copy failed on purpose")

    keyval = keyval_factory(copy_fn=copy_fn)
    comm.Set_attr(keyval, Value())
    with pytest.raises(MPI.Exception):
        comm.Dup()
    assert len(reported) == 1
    assert isinstance(reported[0].exc_value, RuntimeError)
    reported.clear()  # the traceback refers back to this frame
    assert isinstance(comm.Get_attr(keyval), Value)


def test_delete_fn_raising_keeps_value(comm, keyval_factory, monkeypatch):
    reported = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)
    fail = [True]

    def delete_fn(obj, keyval, attrval):
        if fail[0]:
            raise ValueError("delete failed on purpose")

    keyval = keyval_factory(delete_fn=delete_fn)
    value = Value()
    comm.Set_attr(keyval, value)
    with pytest.raises(MPI.Exception):
        comm.Delete_attr(keyval)
    assert len(reported) == 1
    assert isinstance(reported[0].exc_value, ValueError)
    reported.clear()  # the traceback refers back to this frame
    fail[0] = False
    comm.Delete_attr(keyval)
    assert comm.Get_attr(keyval) is None


def test_nopython_keyval(comm, keyval_factory):
    keyval = keyval_factory(copy_fn=True, nopython=True)
    comm.Set_attr(keyval, 12345)
    assert comm.Get_attr(keyval) == 12345
    dup = comm.Dup()
    try:
        assert dup.Get_attr(keyval) == 12345
    finally:
        dup.Free()
    with pytest.raises(TypeError):
        comm.Set_attr(keyval, "not an int")
    assert comm.Get_attr(keyval) == 12345


def test_nopython_callbacks(comm, keyval_factory):
    deleted = []
    keyval = keyval_factory(
        copy_fn=lambda obj, keyval, attrval: attrval + 1,
        delete_fn=lambda obj, keyval, attrval: deleted.append(attrval),
        nopython=True,
    )
    comm.Set_attr(keyval, 7)
    dup = comm.Dup()
    assert dup.Get_attr(keyval) == 8
    dup.Free()
    comm.Delete_attr(keyval)
    assert deleted == [8, 7]


def test_bad_callbacks_rejected():
    with pytest.raises(TypeError):
        MPI.Comm.Create_keyval(copy_fn=42)
    with pytest.raises(TypeError):
        MPI.Comm.Create_keyval(delete_fn="nope")
    with pytest.raises(TypeError):
        MPI.Comm.Create_keyval(delete_fn=True)


def test_free_keyval(comm):
    keyval = MPI.Comm.Create_keyval()
    assert MPI.Comm.Free_keyval(keyval) == MPI.KEYVAL_INVALID
    with pytest.raises(MPI.Exception):
        MPI.Comm.Free_keyval(keyval)
    with pytest.raises(MPI.Exception):
        comm.Set_attr(keyval, Value())


def test_free_keyval_with_attributes_alive(comm):
    deleted = []
    keyval = MPI.Comm.Create_keyval(delete_fn=lambda o, k, v: deleted.append(v))
    value = Value("kept")
    comm.Set_attr(keyval, value)
    MPI.Comm.Free_keyval(keyval)
    # The attribute (and its callbacks) survive until it is deleted.
    assert comm.Get_attr(keyval) is value
    comm.Delete_attr(keyval)
    assert deleted == [value]


def test_bad_keyvals(comm):
    for keyval in (MPI.KEYVAL_INVALID, 987654321):
        with pytest.raises(MPI.Exception):
            comm.Set_attr(keyval, 1)
        with pytest.raises(MPI.Exception):
            comm.Get_attr(keyval)
        with pytest.raises(MPI.Exception):
            comm.Delete_attr(keyval)
    with pytest.raises(MPI.Exception):
        MPI.Comm.Free_keyval(MPI.KEYVAL_INVALID)


def test_keyval_of_other_kind(comm):
    keyval = MPI.Datatype.Create_keyval()
    try:
        with pytest.raises((MPI.Exception, TypeError)):
            comm.Set_attr(keyval, Value())
    finally:
        MPI.Datatype.Free_keyval(keyval)


def test_attributes_on_null_comm(keyval_factory):
    keyval = keyval_factory()
    with pytest.raises(MPI.Exception):
        MPI.COMM_NULL.Set_attr(keyval, 1)
    with pytest.raises(MPI.Exception):
        MPI.COMM_NULL.Get_attr(keyval)


def test_subclass_classmethods():
    class MyComm(MPI.Intracomm):
        pass

    keyval = MyComm.Create_keyval()
    comm = MyComm(MPI.COMM_WORLD).Dup()
    try:
        assert type(comm) is MyComm
        comm.Set_attr(keyval, "v")
        assert comm.Get_attr(keyval) == "v"
    finally:
        comm.Free()
        MyComm.Free_keyval(keyval)


def test_datatype_attributes():
    deleted = []
    keyval = MPI.Datatype.Create_keyval(
        copy_fn=True,
        delete_fn=lambda obj, keyval, value: deleted.append((type(obj), value)),
    )
    try:
        dtype = MPI.INT
        value = Value()
        dtype.Set_attr(keyval, value)
        assert dtype.Get_attr(keyval) is value
        if hasattr(MPI.Datatype, "Dup"):
            dup = dtype.Dup()
            assert dup.Get_attr(keyval) is value
            dup.Free()
            assert deleted == [(MPI.Datatype, value)]
            deleted.clear()
        dtype.Delete_attr(keyval)
        assert dtype.Get_attr(keyval) is None
        assert deleted == [(MPI.Datatype, value)]
    finally:
        MPI.Datatype.Free_keyval(keyval)


def test_win_keyvals():
    keyval = MPI.Win.Create_keyval(copy_fn=None, delete_fn=None)
    assert isinstance(keyval, int) and keyval != MPI.KEYVAL_INVALID
    with pytest.raises(MPI.Exception):
        MPI.WIN_NULL.Set_attr(keyval, 1)
    assert MPI.Win.Free_keyval(keyval) == MPI.KEYVAL_INVALID
