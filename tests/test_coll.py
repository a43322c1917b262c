"""Buffer collectives that move data: Barrier, Bcast, Gather(v), Scatter(v),
Allgather(v), Alltoall(v,w), with the message spec forms and bad input."""

import numpy as np
import pytest

from mpi4py import MPI


@pytest.fixture
def comm():
    dup = MPI.COMM_WORLD.Dup()
    yield dup
    dup.Free()


def block(rank, count, dtype="i"):
    """The block rank `rank` contributes: rank*100 + 0..count-1."""
    return np.arange(count, dtype=dtype) + 100 * rank


def test_barrier(comm):
    assert comm.Barrier() is None


@pytest.mark.parametrize("root", ["first", "last"])
def test_bcast(comm, root):
    root = 0 if root == "first" else comm.size - 1
    buf = block(root, 5) if comm.rank == root else np.zeros(5, "i")
    comm.Bcast(buf, root=root)
    assert buf.tolist() == block(root, 5).tolist()


def test_bcast_spec_forms(comm):
    data = np.arange(6, dtype="d") if comm.rank == 0 else np.zeros(6)
    comm.Bcast([data, 3, MPI.DOUBLE])
    expect = [0.0, 1.0, 2.0] + ([3.0, 4.0, 5.0] if comm.rank == 0 else [0.0] * 3)
    assert data.tolist() == expect
    raw = bytearray(b"hello") if comm.rank == 0 else bytearray(5)
    comm.Bcast([raw, "B"])
    assert raw == b"hello"


def test_bcast_readonly_root(comm):
    # The root only reads: a read-only buffer is fine there.
    if comm.rank == 0:
        comm.Bcast(b"abcd")
    else:
        buf = bytearray(4)
        comm.Bcast(buf)
        assert buf == b"abcd"


def test_bcast_bad_root(comm):
    for root in (-1, comm.size, MPI.ROOT, MPI.PROC_NULL):
        with pytest.raises(MPI.Exception) as info:
            comm.Bcast(np.zeros(1), root=root)
        assert info.value.Get_error_class() == MPI.ERR_ROOT


def test_gather(comm):
    for root in range(comm.size):
        recv = np.full(3 * comm.size, -1, "i") if comm.rank == root else None
        comm.Gather(block(comm.rank, 3), recv, root=root)
        if comm.rank == root:
            assert (
                recv.tolist()
                == np.concatenate([block(r, 3) for r in range(comm.size)]).tolist()
            )


def test_gather_in_place(comm):
    recv = np.zeros(2 * comm.size, "i")
    recv[2 * comm.rank : 2 * comm.rank + 2] = block(comm.rank, 2)
    if comm.rank == 0:
        comm.Gather(MPI.IN_PLACE, recv)
        assert (
            recv.tolist()
            == np.concatenate([block(r, 2) for r in range(comm.size)]).tolist()
        )
    else:
        comm.Gather(block(comm.rank, 2), None)


def test_gather_explicit_count(comm):
    # Receive blocks of 2 into a larger buffer: the tail stays untouched.
    recv = np.full(2 * comm.size + 3, -1, "i")
    comm.Gather([block(comm.rank, 2), MPI.INT], [recv, 2, MPI.INT])
    if comm.rank == 0:
        got = recv[: 2 * comm.size].tolist()
        assert got == np.concatenate([block(r, 2) for r in range(comm.size)]).tolist()
        assert recv[2 * comm.size :].tolist() == [-1, -1, -1]


def test_gather_in_place_rejected_off_root(comm):
    if comm.size == 1:
        pytest.skip("needs a non-root process")
    # Local checks: IN_PLACE off the root is refused before MPI is called.
    if comm.rank != 0:
        with pytest.raises(ValueError):
            comm.Gather(MPI.IN_PLACE, None)
    comm.Barrier()


def test_gatherv(comm):
    counts = [r + 1 for r in range(comm.size)]
    total = sum(counts)
    send = block(comm.rank, comm.rank + 1)
    recv = np.full(total, -1, "i")
    comm.Gatherv(send, [recv, counts] if comm.rank == 0 else None)
    if comm.rank == 0:
        assert (
            recv.tolist()
            == np.concatenate([block(r, r + 1) for r in range(comm.size)]).tolist()
        )
    # Explicit displacements, reversed order, with gaps.
    displs = [2 * total - (sum(counts[: r + 1]) + r) for r in range(comm.size)]
    recv = np.full(2 * total, -1, "i")
    comm.Gatherv(send, [recv, counts, displs, MPI.INT])
    if comm.rank == 0:
        for r in range(comm.size):
            assert (
                recv[displs[r] : displs[r] + counts[r]].tolist()
                == block(r, r + 1).tolist()
            )
    # (counts, displs) pair form.
    recv = np.full(total, -1, "i")
    comm.Gatherv(send, [recv, (counts, None), "i"])
    if comm.rank == 0:
        assert (
            recv.tolist()
            == np.concatenate([block(r, r + 1) for r in range(comm.size)]).tolist()
        )


def test_gatherv_uniform_forms(comm):
    send = block(comm.rank, 2)
    for spec in ("bare", "int-count", "count-stride"):
        recv = np.full(3 * comm.size, -1, "i")
        if spec == "bare":
            # no counts: the buffer splits evenly, 3 per process; only 2 arrive
            comm.Gatherv(send, recv)
            step = 3
        elif spec == "int-count":
            comm.Gatherv(send, [recv, 2])
            step = 2
        else:
            comm.Gatherv(send, [recv, 2, 3, MPI.INT])  # displacement stride 3
            step = 3
        if comm.rank == 0:
            for r in range(comm.size):
                assert recv[step * r : step * r + 2].tolist() == block(r, 2).tolist()


def test_gatherv_bad_counts_raise_before_mpi(comm):
    # A bad receive spec at the root raises there before MPI runs; the others
    # are then matched by a correct call, so nothing hangs.
    send = block(comm.rank, 1)
    recv = np.zeros(comm.size, "i")
    if comm.rank == 0:
        with pytest.raises(ValueError, match="expecting"):
            comm.Gatherv(send, [recv, [1] * (comm.size + 1)])
        with pytest.raises(ValueError, match="bytes"):
            comm.Gatherv(send, [recv, [2] * comm.size])  # beyond the buffer
        with pytest.raises(ValueError, match="non-negative"):
            comm.Gatherv(send, [recv, [-1] * comm.size])
        with pytest.raises(ValueError, match="bytes"):
            comm.Gatherv(
                send, [recv, [1] * comm.size, [comm.size] * comm.size, MPI.INT]
            )
        with pytest.raises(TypeError):
            comm.Gatherv(send, [recv, ["x"] * comm.size])
    comm.Gatherv(send, [recv, [1] * comm.size])
    if comm.rank == 0:
        assert recv.tolist() == [100 * r for r in range(comm.size)]


def test_scatter(comm):
    for root in range(comm.size):
        send = (
            np.concatenate([block(r, 2) for r in range(comm.size)])
            if comm.rank == root
            else None
        )
        recv = np.zeros(2, "i")
        comm.Scatter(send, recv, root=root)
        assert recv.tolist() == block(comm.rank, 2).tolist()


def test_scatter_in_place(comm):
    send = np.concatenate([block(r, 2) for r in range(comm.size)])
    if comm.rank == 0:
        comm.Scatter(send, MPI.IN_PLACE)
        assert send[:2].tolist() == block(0, 2).tolist()
    else:
        recv = np.zeros(2, "i")
        comm.Scatter(None, recv)
        assert recv.tolist() == block(comm.rank, 2).tolist()


def test_scatter_uneven_buffer(comm):
    if comm.size == 1:
        pytest.skip("any buffer splits evenly among one process")
    # The root's buffer must split evenly; the check is at the root, so the
    # others are given a matching call afterwards.
    recv = np.zeros(1, "i")
    if comm.rank == 0:
        with pytest.raises(ValueError, match="not a multiple"):
            comm.Scatter(np.zeros(comm.size + 1, "i"), recv)
    comm.Scatter(np.arange(comm.size, dtype="i") if comm.rank == 0 else None, recv)
    assert recv[0] == comm.rank


def test_scatterv(comm):
    counts = [r + 1 for r in range(comm.size)]
    send = np.concatenate([block(r, r + 1) for r in range(comm.size)])
    recv = np.zeros(comm.rank + 1, "i")
    comm.Scatterv([send, counts] if comm.rank == 0 else None, recv)
    assert recv.tolist() == block(comm.rank, comm.rank + 1).tolist()
    # Reversed displacements.
    displs = [int(sum(counts[r + 1 :])) for r in range(comm.size)]
    rev = np.concatenate([block(r, r + 1) for r in reversed(range(comm.size))])
    recv = np.zeros(comm.rank + 1, "i")
    comm.Scatterv([rev, counts, displs, MPI.INT], recv)
    assert recv.tolist() == block(comm.rank, comm.rank + 1).tolist()


def test_allgather(comm):
    recv = np.full(3 * comm.size, -1, "i")
    comm.Allgather(block(comm.rank, 3), recv)
    assert (
        recv.tolist()
        == np.concatenate([block(r, 3) for r in range(comm.size)]).tolist()
    )
    recv = np.zeros(3 * comm.size, "i")
    recv[3 * comm.rank : 3 * comm.rank + 3] = block(comm.rank, 3)
    comm.Allgather(MPI.IN_PLACE, recv)
    assert (
        recv.tolist()
        == np.concatenate([block(r, 3) for r in range(comm.size)]).tolist()
    )
    recv = np.zeros(3 * comm.size, "i")
    comm.Allgather([block(comm.rank, 3), 3, MPI.INT], [recv, 3, MPI.INT])
    assert (
        recv.tolist()
        == np.concatenate([block(r, 3) for r in range(comm.size)]).tolist()
    )


def test_allgather_bad_recv(comm):
    with pytest.raises(ValueError, match="not a multiple of the datatype extent"):
        comm.Allgather(block(comm.rank, 1), [bytearray(4 * comm.size + 1), "i"])
    if comm.size > 1:
        with pytest.raises(ValueError, match="not a multiple of"):
            comm.Allgather(block(comm.rank, 1), np.zeros(comm.size + 1, "i"))
    with pytest.raises(ValueError, match="bytes"):
        comm.Allgather(block(comm.rank, 1), [np.zeros(comm.size, "i"), 2, MPI.INT])
    with pytest.raises(BufferError):
        comm.Allgather(block(comm.rank, 1), bytes(4 * comm.size))


def test_allgatherv(comm):
    counts = [r + 1 for r in range(comm.size)]
    recv = np.full(sum(counts), -1, "i")
    comm.Allgatherv(block(comm.rank, comm.rank + 1), [recv, counts])
    assert (
        recv.tolist()
        == np.concatenate([block(r, r + 1) for r in range(comm.size)]).tolist()
    )
    recv[:] = -1
    start = sum(counts[: comm.rank])
    recv[start : start + comm.rank + 1] = block(comm.rank, comm.rank + 1)
    comm.Allgatherv(MPI.IN_PLACE, [recv, counts, None, MPI.INT])
    assert (
        recv.tolist()
        == np.concatenate([block(r, r + 1) for r in range(comm.size)]).tolist()
    )


def test_allgatherv_counts_length(comm):
    recv = np.zeros(comm.size + 1, "i")
    with pytest.raises(ValueError, match=f"expecting {comm.size} items"):
        comm.Allgatherv(block(comm.rank, 1), [recv, [1] * (comm.size + 1)])
    with pytest.raises(ValueError, match=f"expecting {comm.size} items"):
        comm.Allgatherv(
            block(comm.rank, 1), [recv, [1] * comm.size, [0] * (comm.size - 1), "i"]
        )
    with pytest.raises(TypeError, match="without counts"):
        comm.Allgatherv(block(comm.rank, 1), [recv, None, [0] * comm.size, "i"])


def test_alltoall(comm):
    send = np.concatenate([block(comm.rank, 2) + 10 * d for d in range(comm.size)])
    recv = np.full(2 * comm.size, -1, "i")
    comm.Alltoall(send, recv)
    expect = np.concatenate([block(s, 2) + 10 * comm.rank for s in range(comm.size)])
    assert recv.tolist() == expect.tolist()
    inplace = send.copy()
    comm.Alltoall(MPI.IN_PLACE, inplace)
    assert inplace.tolist() == expect.tolist()


def test_alltoallv(comm):
    # Rank s sends d+1 items to rank d; rank d receives d+1 items from each.
    scounts = [d + 1 for d in range(comm.size)]
    send = np.concatenate(
        [np.full(d + 1, 10 * comm.rank + d, "i") for d in range(comm.size)]
    )
    rcounts = [comm.rank + 1] * comm.size
    recv = np.full(sum(rcounts), -1, "i")
    comm.Alltoallv([send, scounts], [recv, rcounts])
    expect = np.concatenate(
        [np.full(comm.rank + 1, 10 * s + comm.rank, "i") for s in range(comm.size)]
    )
    assert recv.tolist() == expect.tolist()
    # Explicit displacements (reversed) on the receive side.
    rdispls = [(comm.size - 1 - s) * (comm.rank + 1) for s in range(comm.size)]
    recv = np.full(sum(rcounts), -1, "i")
    comm.Alltoallv([send, (scounts, None), MPI.INT], [recv, rcounts, rdispls, MPI.INT])
    for s in range(comm.size):
        got = recv[rdispls[s] : rdispls[s] + comm.rank + 1].tolist()
        assert got == [10 * s + comm.rank] * (comm.rank + 1)


def test_alltoallv_in_place(comm):
    counts = [2] * comm.size
    buf = np.concatenate(
        [np.full(2, 10 * comm.rank + d, "i") for d in range(comm.size)]
    )
    comm.Alltoallv(MPI.IN_PLACE, [buf, counts])
    expect = np.concatenate(
        [np.full(2, 10 * s + comm.rank, "i") for s in range(comm.size)]
    )
    assert buf.tolist() == expect.tolist()


def test_alltoallw(comm):
    # Send one int and one double to everyone; displacements are in bytes.
    n = comm.size
    ints = np.array([10 * comm.rank + d for d in range(n)], "i")
    recv = np.zeros(n, "i")
    comm.Alltoallw(
        [ints, [1] * n, [4 * d for d in range(n)], [MPI.INT] * n],
        [recv, [1] * n, [4 * s for s in range(n)], [MPI.INT] * n],
    )
    assert recv.tolist() == [10 * s + comm.rank for s in range(n)]
    # A datatype per peer: DOUBLE between ranks of equal parity, INT otherwise,
    # each in an 8-byte slot.
    types = [MPI.DOUBLE if (comm.rank + d) % 2 == 0 else MPI.INT for d in range(n)]
    send = bytearray(8 * n)
    for d in range(n):
        code = "d" if types[d] == MPI.DOUBLE else "i"
        np.frombuffer(send, code, 1, 8 * d)[0] = 10 * comm.rank + d
    out = bytearray(8 * n)
    comm.Alltoallw(
        [send, [1] * n, [8 * d for d in range(n)], types],
        [out, [1] * n, [8 * s for s in range(n)], types],
    )
    for s in range(n):
        code = "d" if types[s] == MPI.DOUBLE else "i"
        assert np.frombuffer(out, code, 1, 8 * s)[0] == 10 * s + comm.rank
    # Datatypes only: one item per peer, laid out one after another.
    recv = np.zeros(n, "i")
    comm.Alltoallw([ints, [MPI.INT] * n], [recv, [MPI.INT] * n])
    assert recv.tolist() == [10 * s + comm.rank for s in range(n)]
    # IN_PLACE.
    buf = ints.copy()
    comm.Alltoallw(
        MPI.IN_PLACE, [buf, [1] * n, [4 * s for s in range(n)], [MPI.INT] * n]
    )
    assert buf.tolist() == [10 * s + comm.rank for s in range(n)]


def test_alltoallw_bad_spec(comm):
    n = comm.size
    buf = np.zeros(n, "i")
    with pytest.raises(ValueError, match="bytes"):
        comm.Alltoallw(
            [buf, [1] * n, [4 * n] * n, [MPI.INT] * n],
            [np.zeros(n, "i"), [MPI.INT] * n],
        )
    with pytest.raises(ValueError, match="expecting"):
        comm.Alltoallw([buf, [MPI.INT] * (n + 1)], [np.zeros(n, "i"), [MPI.INT] * n])
    with pytest.raises(ValueError, match="bytes"):
        comm.Alltoallw(
            [buf, [1] * n, [-4] * n, [MPI.INT] * n], [np.zeros(n, "i"), [MPI.INT] * n]
        )


def test_in_place_same_object_is_not_in_place(comm):
    # As upstream: passing one buffer twice is not IN_PLACE; it is refused.
    buf = np.ones(3)
    with pytest.raises(MPI.Exception) as info:
        comm.Allreduce(buf, buf)
    assert info.value.Get_error_class() == MPI.ERR_BUFFER


def test_none_buffers_for_empty_messages(comm):
    comm.Allgather(None, None)
    comm.Bcast(None)
    with pytest.raises(ValueError, match="None buffer"):
        comm.Allgatherv(None, [None, [1] * comm.size, None, MPI.INT])


def test_spec_type_errors(comm):
    with pytest.raises(TypeError):
        comm.Bcast(12345)
    with pytest.raises(TypeError):
        comm.Allgather(block(comm.rank, 1), [np.zeros(comm.size, "i"), 1, 2, 3, 4])
    with pytest.raises(ValueError):
        comm.Allgather(block(comm.rank, 1), [np.zeros(comm.size, "i"), "nonsense"])


def test_counts_and_displacements_as_any_integer_sequence(comm):
    n, r = comm.size, comm.rank
    recv = np.zeros(n, "i")
    counts = np.ones(n, dtype=np.int64)
    comm.Allgatherv(np.array([r], "i"), [recv, counts, np.arange(n), MPI.INT])
    assert recv.tolist() == list(range(n))
    recv = np.zeros(n, "i")
    comm.Allgatherv(
        np.array([r], "i"), [recv, (range(1, 2) if n == 1 else [1] * n, None)]
    )
    assert recv.tolist() == list(range(n))
    out = np.zeros(n, "i")
    comm.Alltoallw(
        [np.arange(n, dtype="i"), np.ones(n, "i"), np.arange(n) * 4, MPI.INT],
        [out, [np.int32(1)] * n, range(0, 4 * n, 4), "i"],
    )
    assert out.tolist() == [r] * n
