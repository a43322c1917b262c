"""Nonblocking (I*) and persistent (*_init, MPI-4) buffer collectives."""

import gc

import numpy as np
import pytest

from mpi4py import MPI

HAVE_PERSISTENT = MPI.VERSION >= 4


@pytest.fixture
def comm():
    dup = MPI.COMM_WORLD.Dup()
    yield dup
    dup.Free()


def test_ibarrier(comm):
    request = comm.Ibarrier()
    assert isinstance(request, MPI.Request)
    assert request.Wait() is True
    assert request == MPI.Request() or not request


def test_ibcast_keeps_buffer_alive(comm):
    # The only reference to the buffer is the request's until it completes.
    if comm.rank == 0:
        request = comm.Ibcast(np.arange(1000, dtype="d"))
        gc.collect()
        request.Wait()
    else:
        out = np.zeros(1000)
        request = comm.Ibcast(out)
        del out
        gc.collect()
        request.Wait()
    comm.Barrier()


def test_ibcast_values(comm):
    buf = np.arange(5, dtype="i") if comm.rank == 0 else np.zeros(5, "i")
    comm.Ibcast(buf).Wait()
    assert buf.tolist() == list(range(5))


def test_nonblocking_data_movement(comm):
    n, r = comm.size, comm.rank
    send = np.array([10 * r, 10 * r + 1], "i")
    gathered = np.zeros(2 * n, "i")
    allgathered = np.zeros(2 * n, "i")
    vgathered = np.zeros(2 * n, "i")
    scattered = np.zeros(2, "i")
    a2a_send = np.arange(n, dtype="i") + 100 * r
    a2a_recv = np.zeros(n, "i")
    a2av_recv = np.zeros(n, "i")
    a2aw_recv = np.zeros(n, "i")
    requests = [
        comm.Igather(send, gathered if r == 0 else None),
        comm.Igatherv(send, [vgathered, [2] * n] if r == 0 else None),
        comm.Iscatter(np.arange(2 * n, dtype="i") if r == 0 else None, scattered),
        comm.Iallgather(send, allgathered),
        comm.Ialltoall(a2a_send, a2a_recv),
        comm.Ialltoallv([a2a_send, [1] * n], [a2av_recv, [1] * n]),
        comm.Ialltoallw([a2a_send, [MPI.INT] * n], [a2aw_recv, [MPI.INT] * n]),
    ]
    assert MPI.Request.Waitall(requests) is True
    expect = [10 * s + k for s in range(n) for k in range(2)]
    assert allgathered.tolist() == expect
    if r == 0:
        assert gathered.tolist() == expect
        assert vgathered.tolist() == expect
    assert scattered.tolist() == [2 * r, 2 * r + 1]
    assert a2a_recv.tolist() == [100 * s + r for s in range(n)]
    assert a2av_recv.tolist() == [100 * s + r for s in range(n)]
    assert a2aw_recv.tolist() == [100 * s + r for s in range(n)]
    for request in requests:
        assert not request


def test_iscatterv_iallgatherv(comm):
    n, r = comm.size, comm.rank
    counts = [k + 1 for k in range(n)]
    send = np.concatenate([np.full(k + 1, k, "i") for k in range(n)])
    recv = np.zeros(r + 1, "i")
    comm.Iscatterv([send, counts] if r == 0 else None, recv).Wait()
    assert recv.tolist() == [r] * (r + 1)
    out = np.zeros(sum(counts), "i")
    comm.Iallgatherv(recv, [out, counts]).Wait()
    assert out.tolist() == send.tolist()


def test_nonblocking_reductions(comm):
    n, r = comm.size, comm.rank
    send = np.full(3, r + 1.0)
    results = {name: np.zeros(3) for name in ("reduce", "allreduce", "scan", "exscan")}
    rsb = np.zeros(1)
    rs = np.zeros(1)
    requests = [
        comm.Ireduce(send, results["reduce"] if r == 0 else None, op=MPI.SUM, root=0),
        comm.Iallreduce(send, results["allreduce"], op=MPI.MAX),
        comm.Iscan(send, results["scan"]),
        comm.Iexscan(send, results["exscan"]),
        comm.Ireduce_scatter_block(np.full(n, r + 1.0), rsb),
        comm.Ireduce_scatter(np.full(n, r + 1.0), rs, [1] * n),
    ]
    MPI.Request.Waitall(requests)
    total = n * (n + 1) / 2
    if r == 0:
        assert results["reduce"].tolist() == [total] * 3
    assert results["allreduce"].tolist() == [float(n)] * 3
    assert results["scan"].tolist() == [(r + 1) * (r + 2) / 2] * 3
    if r > 0:
        assert results["exscan"].tolist() == [r * (r + 1) / 2] * 3
    assert rsb[0] == total and rs[0] == total


def test_nonblocking_errors_raise_before_starting(comm):
    with pytest.raises(ValueError):
        comm.Iallreduce(np.zeros(3), np.zeros(2))
    with pytest.raises(MPI.Exception):
        comm.Ibcast(np.zeros(1), root=comm.size)


def test_request_test_and_status(comm):
    request = comm.Iallreduce(np.ones(1), np.zeros(1))
    status = MPI.Status()
    while not request.Test(status):
        pass
    assert not request


def test_user_op_error_is_raised_by_wait(comm):
    def broken(inbuf, inoutbuf, datatype):
        raise ZeroDivisionError("broken op")

    op = MPI.Op.Create(broken, commute=True)
    raised = False
    try:
        request = comm.Iallreduce(np.ones(2), np.zeros(2), op=op)
        # Only processes where MPI applied the op see its error; all complete.
        try:
            request.Wait()
        except ZeroDivisionError as error:
            raised = "broken op" in str(error)
        assert not request
    finally:
        op.Free()
    anyone = comm.allreduce(raised, op=MPI.LOR)
    assert anyone == (comm.size > 1) or (comm.size == 1 and anyone in (True, False))


@pytest.mark.skipif(not HAVE_PERSISTENT, reason="MPI-4 persistent collectives")
def test_persistent_collectives(comm):
    n, r = comm.size, comm.rank
    send = np.zeros(2)
    recv = np.zeros(2)
    allreduce = comm.Allreduce_init(send, recv, op=MPI.SUM)
    bcast_buf = np.zeros(3, "i")
    bcast = comm.Bcast_init(bcast_buf, root=0)
    barrier = comm.Barrier_init()
    gathered = np.zeros(n, "i")
    mine = np.zeros(1, "i")
    allgather = comm.Allgather_init(mine, gathered)
    assert isinstance(allreduce, MPI.Prequest)
    for round_ in range(3):
        send[:] = r + round_
        if r == 0:
            bcast_buf[:] = round_
        mine[0] = r * round_
        MPI.Prequest.Startall([allreduce, bcast, allgather])
        barrier.Start()
        MPI.Request.Waitall([allreduce, bcast, allgather, barrier])
        assert recv.tolist() == [n * (n - 1) / 2 + n * round_] * 2
        assert bcast_buf.tolist() == [round_] * 3
        assert gathered.tolist() == [s * round_ for s in range(n)]
    for request in (allreduce, bcast, allgather, barrier):
        assert request  # persistent requests stay allocated until freed
        request.Free()


@pytest.mark.skipif(not HAVE_PERSISTENT, reason="MPI-4 persistent collectives")
def test_persistent_all_forms(comm):
    n, r = comm.size, comm.rank
    one = np.array([r + 1], "i")
    blocks = np.arange(n, dtype="i") + 10 * r
    outs = {
        k: np.zeros(n, "i") for k in ("g", "gv", "ag", "agv", "a2a", "a2av", "a2aw")
    }
    small = {
        k: np.zeros(1, "i") for k in ("s", "sv", "red", "rsb", "rs", "scan", "exscan")
    }
    requests = [
        comm.Gather_init(one, outs["g"] if r == 0 else None),
        comm.Gatherv_init(one, [outs["gv"], [1] * n] if r == 0 else None),
        comm.Scatter_init(np.arange(n, dtype="i") if r == 0 else None, small["s"]),
        comm.Scatterv_init(
            [np.arange(n, dtype="i"), [1] * n] if r == 0 else None, small["sv"]
        ),
        comm.Allgatherv_init(one, [outs["agv"], [1] * n]),
        comm.Alltoall_init(blocks, outs["a2a"]),
        comm.Alltoallv_init([blocks, [1] * n], [outs["a2av"], [1] * n]),
        comm.Alltoallw_init([blocks, [MPI.INT] * n], [outs["a2aw"], [MPI.INT] * n]),
        comm.Reduce_init(one, small["red"] if r == 0 else None),
        comm.Reduce_scatter_block_init(np.ones(n, "i"), small["rsb"]),
        comm.Reduce_scatter_init(np.ones(n, "i"), small["rs"], [1] * n),
        comm.Scan_init(one, small["scan"]),
        comm.Exscan_init(one, small["exscan"]),
    ]
    MPI.Prequest.Startall(requests)
    MPI.Request.Waitall(requests)
    for request in requests:
        request.Free()
    if r == 0:
        assert outs["g"].tolist() == [s + 1 for s in range(n)]
        assert outs["gv"].tolist() == [s + 1 for s in range(n)]
        assert small["red"][0] == n * (n + 1) // 2
    assert small["s"][0] == r and small["sv"][0] == r
    assert outs["agv"].tolist() == [s + 1 for s in range(n)]
    for key in ("a2a", "a2av", "a2aw"):
        assert outs[key].tolist() == [10 * s + r for s in range(n)]
    assert small["rsb"][0] == n and small["rs"][0] == n
    assert small["scan"][0] == (r + 1) * (r + 2) // 2
    if r > 0:
        assert small["exscan"][0] == r * (r + 1) // 2


@pytest.mark.skipif(
    HAVE_PERSISTENT, reason="the library has MPI-4 persistent collectives"
)
def test_persistent_not_implemented(comm):
    for call in (
        lambda: comm.Barrier_init(),
        lambda: comm.Bcast_init(np.zeros(1)),
        lambda: comm.Allreduce_init(np.zeros(1), np.zeros(1)),
        lambda: comm.Alltoallw_init(
            [np.zeros(1), [MPI.DOUBLE] * comm.size],
            [np.zeros(1), [MPI.DOUBLE] * comm.size],
        ),
    ):
        with pytest.raises(NotImplementedError):
            call()
