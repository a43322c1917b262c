"""Buffer reductions: Reduce, Allreduce, Reduce_scatter(_block), Scan, Exscan."""

import numpy as np
import pytest

from mpi4py import MPI


@pytest.fixture
def comm():
    dup = MPI.COMM_WORLD.Dup()
    yield dup
    dup.Free()


def values(rank, count=4, dtype="d"):
    return np.arange(count, dtype=dtype) + rank + 1


def total(size, count=4, dtype="d"):
    return sum(values(r, count, dtype) for r in range(size))


PREDEFINED = [
    (MPI.SUM, np.add.reduce),
    (MPI.PROD, np.multiply.reduce),
    (MPI.MAX, np.maximum.reduce),
    (MPI.MIN, np.minimum.reduce),
    (MPI.BAND, np.bitwise_and.reduce),
    (MPI.BOR, np.bitwise_or.reduce),
    (MPI.BXOR, np.bitwise_xor.reduce),
    (MPI.LAND, lambda a: np.logical_and.reduce(a).astype("i")),
    (MPI.LOR, lambda a: np.logical_or.reduce(a).astype("i")),
    (MPI.LXOR, lambda a: np.logical_xor.reduce(a).astype("i")),
]


@pytest.mark.parametrize("op,ref", PREDEFINED)
def test_allreduce_predefined_ops(comm, op, ref):
    def contribution(r):
        if op in (
            MPI.LAND,
            MPI.LOR,
            MPI.LXOR,
        ):  # logical ops: MPI keeps 0/1 inputs as is
            return np.array([1, r % 2, (r + 1) % 2, 0], "i")
        return np.array([r + 1, (r * 7) % 5, r % 2, 3], "i")

    recv = np.zeros(4, "i")
    comm.Allreduce(contribution(comm.rank), recv, op=op)
    expect = ref(np.array([contribution(r) for r in range(comm.size)]))
    assert recv.tolist() == expect.tolist()


def test_reduce_every_root(comm):
    for root in range(comm.size):
        recv = np.zeros(4) if comm.rank == root else None
        comm.Reduce(values(comm.rank), recv, op=MPI.SUM, root=root)
        if comm.rank == root:
            assert recv.tolist() == total(comm.size).tolist()


def test_reduce_in_place(comm):
    buf = values(comm.rank)
    if comm.rank == 0:
        comm.Reduce(MPI.IN_PLACE, buf)
        assert buf.tolist() == total(comm.size).tolist()
    else:
        comm.Reduce(buf, None)


def test_allreduce_forms(comm):
    recv = np.zeros(4)
    comm.Allreduce(values(comm.rank), recv)
    assert recv.tolist() == total(comm.size).tolist()
    buf = values(comm.rank)
    comm.Allreduce(MPI.IN_PLACE, buf)
    assert buf.tolist() == total(comm.size).tolist()
    recv = np.zeros(4)
    comm.Allreduce(
        [values(comm.rank), 2, MPI.DOUBLE], [recv, 2, MPI.DOUBLE], op=MPI.MAX
    )
    assert recv.tolist() == (values(comm.size - 1)[:2].tolist() + [0.0, 0.0])
    small = np.zeros(1, "i")
    comm.Allreduce(np.array([comm.rank], "i"), small, MPI.SUM)
    assert small[0] == comm.size * (comm.size - 1) // 2


def test_allreduce_mismatch(comm):
    with pytest.raises(
        ValueError, match="mismatch in send count 4 and receive count 3"
    ):
        comm.Allreduce(values(comm.rank), np.zeros(3))
    with pytest.raises(ValueError, match="datatypes"):
        comm.Allreduce(values(comm.rank), np.zeros(4, "f"))
    with pytest.raises(BufferError):
        comm.Allreduce(values(comm.rank), bytes(32))
    with pytest.raises(TypeError):
        comm.Allreduce(values(comm.rank), np.zeros(4), op="sum")


@pytest.mark.parametrize(
    "pairtype,code",
    [
        (MPI.DOUBLE_INT, [("v", "d"), ("i", "i")]),
        (MPI.FLOAT_INT, [("v", "f"), ("i", "i")]),
        (MPI.TWOINT, [("v", "i"), ("i", "i")]),
        (MPI.LONG_INT, [("v", "l"), ("i", "i")]),
        (MPI.SHORT_INT, [("v", "h"), ("i", "i")]),
    ],
)
def test_maxloc_minloc(comm, pairtype, code):
    dtype = np.dtype(code, align=True)
    if dtype.itemsize != pairtype.extent:
        pytest.skip("no matching NumPy layout")
    send = np.zeros(2, dtype)
    # value 0: largest at the last rank; value 1: every rank ties, lowest index wins
    send["v"] = [comm.rank, 7]
    send["i"] = [comm.rank, comm.rank]
    out = np.zeros(2, dtype)
    comm.Allreduce([send, pairtype], [out, pairtype], op=MPI.MAXLOC)
    assert out["v"].tolist() == [comm.size - 1, 7]
    assert out["i"].tolist() == [comm.size - 1, 0]
    comm.Allreduce([send, pairtype], [out, pairtype], op=MPI.MINLOC)
    assert out["v"].tolist() == [0, 7]
    assert out["i"].tolist() == [0, 0]


def test_reduce_scatter_block(comm):
    send = np.concatenate([values(comm.rank, 2) * (d + 1) for d in range(comm.size)])
    recv = np.zeros(2)
    comm.Reduce_scatter_block(send, recv)
    assert recv.tolist() == (total(comm.size, 2) * (comm.rank + 1)).tolist()
    buf = send.copy()
    comm.Reduce_scatter_block(MPI.IN_PLACE, buf)
    assert buf[:2].tolist() == (total(comm.size, 2) * (comm.rank + 1)).tolist()
    with pytest.raises(
        ValueError, match="mismatch in send count 2 and receive count 1"
    ):
        comm.Reduce_scatter_block(send, [recv, 1, MPI.DOUBLE])


def test_reduce_scatter(comm):
    counts = [d + 1 for d in range(comm.size)]
    send = np.arange(sum(counts), dtype="d") + comm.rank
    recv = np.zeros(comm.rank + 1)
    comm.Reduce_scatter(send, recv, counts)
    start = sum(counts[: comm.rank])
    expect = sum(np.arange(sum(counts), dtype="d") + r for r in range(comm.size))
    assert recv.tolist() == expect[start : start + comm.rank + 1].tolist()
    # recvcounts=None: each process's receive count is what its buffer holds.
    recv = np.zeros(comm.rank + 1)
    comm.Reduce_scatter(send, recv, None)
    assert recv.tolist() == expect[start : start + comm.rank + 1].tolist()
    # IN_PLACE: the receive buffer holds the whole input.
    buf = send.copy()
    comm.Reduce_scatter(MPI.IN_PLACE, buf, counts)
    assert (
        buf[: comm.rank + 1].tolist() == expect[start : start + comm.rank + 1].tolist()
    )


def test_reduce_scatter_bad_counts(comm):
    counts = [1] * comm.size
    with pytest.raises(ValueError, match="sum"):
        comm.Reduce_scatter(np.zeros(comm.size + 1), np.zeros(1), counts)
    with pytest.raises(ValueError, match="expecting"):
        comm.Reduce_scatter(np.zeros(comm.size), np.zeros(1), counts + [1])
    with pytest.raises(ValueError, match="receive buffer holds 1 items"):
        comm.Reduce_scatter(np.zeros(2 * comm.size), np.zeros(1), [2] * comm.size)


def test_scan_exscan(comm):
    recv = np.zeros(4)
    comm.Scan(values(comm.rank), recv)
    assert recv.tolist() == total(comm.rank + 1).tolist()
    buf = values(comm.rank)
    comm.Scan(MPI.IN_PLACE, buf, op=MPI.MAX)
    assert buf.tolist() == values(comm.rank).tolist()
    recv = np.full(4, -1.0)
    comm.Exscan(values(comm.rank), recv)
    if comm.rank > 0:
        assert recv.tolist() == total(comm.rank).tolist()
    buf = values(comm.rank)
    comm.Exscan(MPI.IN_PLACE, buf)
    if comm.rank > 0:
        assert buf.tolist() == total(comm.rank).tolist()
    with pytest.raises(ValueError, match="mismatch"):
        comm.Scan(values(comm.rank), np.zeros(5))


def test_noncommutative_user_op_applies_in_rank_order(comm):
    # 2x2 matrix product: associative, not commutative; inoutbuf = inbuf @ inoutbuf.
    def matmul(inbuf, inoutbuf, datatype):
        assert datatype == MPI.DOUBLE
        a = np.frombuffer(inbuf, "d").reshape(-1, 2, 2)
        b = np.frombuffer(inoutbuf, "d").reshape(-1, 2, 2)
        b[:] = a @ b

    def matrix(r):
        return np.array([[1.0, r + 1.0], [1.0, 0.0]])

    def ordered(ranks):
        out = np.eye(2)
        for r in ranks:
            out = out @ matrix(r)
        return out

    op = MPI.Op.Create(matmul, commute=False)
    try:
        assert not op.Is_commutative()
        recv = np.zeros((2, 2))
        comm.Allreduce(matrix(comm.rank), recv, op=op)
        assert recv.tolist() == ordered(range(comm.size)).tolist()
        comm.Scan(matrix(comm.rank), recv, op=op)
        assert recv.tolist() == ordered(range(comm.rank + 1)).tolist()
        out = np.zeros((2, 2)) if comm.rank == comm.size - 1 else None
        comm.Reduce(matrix(comm.rank), out, op=op, root=comm.size - 1)
        if out is not None:
            assert out.tolist() == ordered(range(comm.size)).tolist()
    finally:
        op.Free()
