"""MPI.Op: predefined operations on buffers and Python objects, user-defined
operations (Op.Create), Reduce_local, Free."""

import numpy as np
import pytest

from mpi4py import MPI

ALL_OPS = [
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


def test_predefined_ops_exist_and_commute():
    for name in ALL_OPS:
        op = getattr(MPI, name)
        assert isinstance(op, MPI.Op)
        assert op.is_predefined
        if name not in ("REPLACE", "NO_OP"):
            assert op.Is_commutative() and op.is_commutative
    assert MPI.OP_NULL.is_predefined
    assert not MPI.OP_NULL
    assert MPI.Op(MPI.SUM) == MPI.SUM and MPI.SUM != MPI.PROD


def test_ops_on_objects():
    assert MPI.SUM(1, 2) == 3
    assert MPI.SUM([1], [2]) == [1, 2]
    assert MPI.SUM("ab", "cd") == "abcd"
    assert MPI.PROD(3, 5) == 15
    assert MPI.MAX(3, 5) == 5 and MPI.MIN(3, 5) == 3
    assert MPI.MAX((5, 1), (5, 0)) == (5, 1)
    assert MPI.LAND(3, 0) is False and MPI.LAND(3, 5) is True
    assert MPI.LOR(0, 0) is False and MPI.LOR(0, 2) is True
    assert MPI.LXOR(3, 5) is False and MPI.LXOR(3, 0) is True
    assert MPI.BAND(6, 3) == 2 and MPI.BOR(6, 3) == 7 and MPI.BXOR(6, 3) == 5
    assert MPI.REPLACE(1, 2) == 2 and MPI.NO_OP(1, 2) == 1
    assert MPI.MAXLOC((3, 1), (5, 0)) == (5, 0)
    assert MPI.MAXLOC((5, 1), (5, 0)) == (5, 0)  # tie: the lower index
    assert MPI.MINLOC((3, 1), (5, 0)) == (3, 1)
    assert MPI.MINLOC([5, 0], [5, 1]) == [5, 0]
    with pytest.raises(TypeError):
        MPI.MAXLOC(3, 5)
    with pytest.raises(ValueError):
        MPI.MAXLOC([1], [2])
    with pytest.raises(TypeError):
        MPI.PROD([1], [2])
    with pytest.raises(ValueError):
        MPI.OP_NULL(1, 2)


def test_reduce_local_predefined():
    a = np.arange(4, dtype="d")
    b = np.ones(4)
    MPI.SUM.Reduce_local(a, b)
    assert b.tolist() == [1.0, 2.0, 3.0, 4.0]
    MPI.MAX.Reduce_local(np.full(4, 2.5), b)
    assert b.tolist() == [2.5, 2.5, 3.0, 4.0]
    with pytest.raises(
        ValueError, match="mismatch in send count 3 and receive count 2"
    ):
        MPI.SUM.Reduce_local(np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="datatypes"):
        MPI.SUM.Reduce_local(np.ones(3), np.ones(3, "i"))
    with pytest.raises(MPI.Exception):
        MPI.OP_NULL.Reduce_local(np.ones(3), np.ones(3))


def test_reduce_local_maxloc_pairs():
    a = np.array([5, 3, 1, 2], "i")  # (value, index) pairs (5,3) (1,2)
    b = np.array([5, 1, 0, 3], "i")  # (5,1) (0,3)
    MPI.MAXLOC.Reduce_local([a, MPI.TWOINT], [b, MPI.TWOINT])
    assert b.tolist() == [5, 1, 1, 2]
    c = np.array([5, 3, 1, 2], "i")
    MPI.MINLOC.Reduce_local([np.array([5, 1, 0, 3], "i"), MPI.TWOINT], [c, MPI.TWOINT])
    assert c.tolist() == [5, 1, 0, 3]


def test_user_op_receives_writable_views():
    seen = {}

    def combine(inbuf, inoutbuf, datatype):
        seen["types"] = (type(inbuf), type(inoutbuf), datatype)
        seen["writable"] = not memoryview(inoutbuf).readonly
        x = np.frombuffer(inbuf, "i")
        y = np.frombuffer(inoutbuf, "i")
        y[:] = x * 100 + y

    op = MPI.Op.Create(combine, commute=False)
    try:
        assert not op.is_predefined and not op.Is_commutative()
        inout = np.array([1, 2, 3], "i")
        op.Reduce_local(np.array([4, 5, 6], "i"), inout)
        assert inout.tolist() == [401, 502, 603]
        assert seen["types"][0] is memoryview and seen["types"][1] is memoryview
        assert seen["types"][2] == MPI.INT
        assert seen["writable"]
        # Ops are callable on objects: the function gets (x, y, None).
        calls = []
        op2 = MPI.Op.Create(
            lambda x, y, dt: calls.append((x, y, dt)) or x + y, commute=True
        )
        assert op2(2, 3) == 5 and calls == [(2, 3, None)]
        assert op2.Is_commutative()
        op2.Free()
    finally:
        op.Free()
    assert op == MPI.OP_NULL


def test_user_op_exception_is_raised_not_fatal():
    def broken(inbuf, inoutbuf, datatype):
        raise KeyError("from the op")

    op = MPI.Op.Create(broken)
    try:
        with pytest.raises(KeyError, match="from the op"):
            op.Reduce_local(np.ones(2), np.ones(2))
        # The error does not linger: the next call is clean.
        MPI.SUM.Reduce_local(np.ones(2), np.ones(2))
    finally:
        op.Free()


def test_user_op_collective_error(comm_world=MPI.COMM_WORLD):
    def broken(inbuf, inoutbuf, datatype):
        raise RuntimeError("collective op failed")

    op = MPI.Op.Create(broken, commute=True)
    raised = False
    try:
        comm_world.Allreduce(np.ones(1), np.zeros(1), op=op)
    except RuntimeError as error:
        raised = "collective op failed" in str(error)
    finally:
        op.Free()
    # Every process completed the collective; those that applied the op raised.
    assert (
        comm_world.allreduce(raised, op=MPI.LOR) == (comm_world.size > 1)
        or comm_world.size == 1
    )


def test_user_op_kept_views_are_released():
    kept = []

    def keep(inbuf, inoutbuf, datatype):
        kept.append(inbuf)

    op = MPI.Op.Create(keep)
    try:
        op.Reduce_local(np.ones(2), np.ones(2))
    finally:
        op.Free()
    with pytest.raises(ValueError):
        kept[0][0]  # released: no access to memory MPI owns


def test_op_free_errors():
    with pytest.raises(MPI.Exception) as info:
        MPI.SUM.Free()
    assert info.value.Get_error_class() == MPI.ERR_OP
    op = MPI.Op.Create(lambda a, b, d: None)
    op.Free()
    with pytest.raises(MPI.Exception):
        op.Free()
    with pytest.raises(TypeError):
        MPI.Op.Create(42)


def test_many_user_ops_recycle_slots():
    for round_ in range(3):
        ops = [MPI.Op.Create(lambda a, b, d: None) for _ in range(50)]
        for op in ops:
            op.Free() if round_ % 2 else op.free()
        assert all(op == MPI.OP_NULL for op in ops)
    MPI.SUM.free()  # predefined: left alone
    assert MPI.SUM != MPI.OP_NULL


def test_create_keeps_subclasses():
    class MyOp(MPI.Op):
        pass

    op = MyOp.Create(lambda a, b, d: None, commute=True)
    try:
        assert type(op) is MyOp and op.Is_commutative()
    finally:
        op.Free()
