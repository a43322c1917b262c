"""Point-to-point communication of Python objects (the lowercase API)."""

import json
import pickle

import numpy as np
import pytest

import mpi4py
from mpi4py import MPI


@pytest.fixture
def comm():
    dup = MPI.COMM_WORLD.Dup()
    yield dup
    dup.Free()


def neighbours(comm):
    rank, size = comm.Get_rank(), comm.Get_size()
    return (rank + 1) % size, (rank - 1) % size


def sync(comm):
    """Barrier made of point-to-point messages: a token goes round the ring
    twice from rank 0; when it reaches a rank the second time, every rank has
    entered. (Communicator Barrier lives with the collectives.)"""
    right, left = neighbours(comm)
    if comm.Get_size() == 1:
        return
    token = bytearray(1)
    for _ in range(2):
        if comm.Get_rank() == 0:
            comm.Send(b"x", right, 999)
            comm.Recv(token, left, 999)
        else:
            comm.Recv(token, left, 999)
            comm.Send(b"x", right, 999)


def payload(rank):
    return [
        None,
        True,
        rank,
        3.5 * rank,
        f"text {rank}",
        b"\x00bytes",
        (1, 2, rank),
        {"rank": rank, "nested": [1, {2: 3}]},
        set(range(rank + 2)),
        np.arange(5, dtype="d") * rank,
        list(range(100000)),
    ]


def same(a, b):
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    return a == b and type(a) is type(b)


@pytest.mark.parametrize("index", range(len(payload(0))))
def test_send_recv_objects(comm, index):
    right, left = neighbours(comm)
    req = comm.isend(payload(comm.rank)[index], right, index)
    status = MPI.Status()
    obj = comm.recv(source=left, tag=index, status=status)
    req.wait()
    assert same(obj, payload(left)[index])
    assert status.source == left and status.tag == index
    assert status.Get_count(MPI.BYTE) > 0


def test_blocking_modes(comm):
    right, left = neighbours(comm)
    if comm.size == 1:
        req = comm.irecv(source=0, tag=1)
        comm.ssend("sync", 0, 1)
        assert req.wait() == "sync"
        req = comm.irecv(source=0, tag=2)
        comm.send("std", 0, 2)
        assert req.wait() == "std"
    else:
        for tag, mode in ((1, comm.ssend), (2, comm.send)):
            if comm.rank % 2 == 0:
                mode(("m", tag, comm.rank), right, tag)
                got = comm.recv(source=left, tag=tag)
            else:
                got = comm.recv(source=left, tag=tag)
                mode(("m", tag, comm.rank), right, tag)
            assert got == ("m", tag, left)
    attached = bytearray(1 << 16)
    MPI.Attach_buffer(attached)
    try:
        comm.bsend({"b": comm.rank}, right, 3)
        req = comm.ibsend({"ib": comm.rank}, right, 4)
        assert comm.recv(source=left, tag=3) == {"b": left}
        assert comm.recv(source=left, tag=4) == {"ib": left}
        req.wait()
    finally:
        MPI.Detach_buffer()
    req = comm.issend([comm.rank], right, 5)
    assert comm.recv(source=left, tag=5) == [left]
    assert req.wait() is None


def test_any_source_any_tag(comm):
    right, left = neighbours(comm)
    req = comm.isend(comm.rank, right, 50 + comm.rank)
    status = MPI.Status()
    assert comm.recv(status=status) == left
    assert (status.source, status.tag) == (left, 50 + left)
    req.wait()


def test_recv_without_mprobe(comm):
    right, left = neighbours(comm)
    saved = mpi4py.rc.recv_mprobe
    mpi4py.rc.recv_mprobe = False
    try:
        req = comm.isend({"plain": comm.rank}, right, 7)
        status = MPI.Status()
        assert comm.recv(None, MPI.ANY_SOURCE, 7, status) == {"plain": left}
        assert status.source == left
        req.wait()
    finally:
        mpi4py.rc.recv_mprobe = saved


def test_recv_into_buffer(comm):
    right, left = neighbours(comm)
    req = comm.isend(("into", comm.rank), right, 8)
    buf = bytearray(1024)
    assert comm.recv(buf, left, 8) == ("into", left)
    req.wait()
    # Truncated messages stay small: Open MPI 4.1 writes past the receive
    # buffer when it truncates a message above its eager size.
    req = comm.isend("x" * 500, right, 9)
    with pytest.raises(MPI.Exception) as excinfo:
        comm.recv(bytearray(100), left, 9)
    assert excinfo.value.Get_error_class() == MPI.ERR_TRUNCATE
    req.wait()
    with pytest.raises(BufferError):
        comm.recv(b"readonly", MPI.PROC_NULL)


def test_proc_null(comm):
    comm.send("nothing", MPI.PROC_NULL)
    assert comm.recv(source=MPI.PROC_NULL) is None
    assert comm.recv(bytearray(10), MPI.PROC_NULL) is None
    assert comm.irecv(source=MPI.PROC_NULL).wait() is None
    assert comm.isend("x", MPI.PROC_NULL).wait() is None
    assert comm.sendrecv("x", MPI.PROC_NULL, source=MPI.PROC_NULL) is None
    assert comm.probe(MPI.PROC_NULL) is True
    assert comm.iprobe(MPI.PROC_NULL) is True


def test_sendrecv(comm):
    right, left = neighbours(comm)
    status = MPI.Status()
    got = comm.sendrecv({"sr": comm.rank}, right, 10, None, left, 10, status)
    assert got == {"sr": left}
    assert status.source == left
    got = comm.sendrecv(
        list(range(comm.rank + 3)), right, 11, bytearray(4096), left, 11
    )
    assert got == list(range(left + 3))


def test_irecv(comm):
    right, left = neighbours(comm)
    req = comm.irecv(source=left, tag=12)
    comm.send({"ir": comm.rank}, right, 12)
    status = MPI.Status()
    assert req.wait(status) == {"ir": left}
    assert status.source == left
    buf = bytearray(256)
    req = comm.irecv(buf, left, 13)
    comm.send(("buf", comm.rank), right, 13)
    assert req.wait() == ("buf", left)


def test_irecv_default_size(comm):
    # Without a buffer, irecv receives into rc.irecv_bufsz bytes. (The
    # truncated message stays small: Open MPI 4.1 writes past the receive
    # buffer when it truncates a message above its eager size.)
    right, left = neighbours(comm)
    saved = mpi4py.rc.irecv_bufsz
    try:
        mpi4py.rc.irecv_bufsz = 300
        big = b"z" * 600
        sreq = comm.isend(big, right, 14)
        req = comm.irecv(source=left, tag=14)
        with pytest.raises(MPI.Exception) as excinfo:
            req.wait()
        assert excinfo.value.Get_error_class() == MPI.ERR_TRUNCATE
        sreq.wait()
        mpi4py.rc.irecv_bufsz = 1000
        req = comm.irecv(source=left, tag=15)
        sreq = comm.isend(big, right, 15)
        assert req.wait() == big
        sreq.wait()
        mpi4py.rc.irecv_bufsz = saved
        huge = b"h" * (saved // 2)
        req = comm.irecv(source=left, tag=16)
        sreq = comm.isend(huge, right, 16)
        assert req.wait() == huge
        sreq.wait()
    finally:
        mpi4py.rc.irecv_bufsz = saved


def test_probe_iprobe(comm):
    right, left = neighbours(comm)
    assert comm.iprobe(left, 30) is False  # nobody sends before sync()
    sync(comm)
    req = comm.isend("probe", right, 30)
    status = MPI.Status()
    assert comm.probe(left, 30, status) is True
    assert status.source == left
    assert comm.iprobe(left, 30) is True
    assert comm.recv(source=left, tag=30) == "probe"
    req.wait()


def test_unpicklable_sends_nothing(comm):
    right, left = neighbours(comm)
    unpicklable = lambda: None  # noqa: E731
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        comm.send(unpicklable, right, 17)
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        comm.isend(unpicklable, right, 17)
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        comm.sendrecv(unpicklable, right, 17, None, left, 17)
    sync(comm)
    assert comm.iprobe(left, 17) is False
    # The communicator is fine afterwards.
    assert comm.sendrecv(comm.rank, right, 18, None, left, 18) == left


def test_custom_pickle_json(comm):
    right, left = neighbours(comm)
    try:
        MPI.pickle.__init__(json.dumps, json.loads)
        req = comm.isend({"json": [comm.rank, "x"]}, right, 19)
        assert comm.recv(source=left, tag=19) == {"json": [left, "x"]}
        req.wait()
        req = comm.irecv(source=left, tag=20)
        comm.send([1, 2, comm.rank], right, 20)
        assert req.wait() == [1, 2, left]
        assert comm.sendrecv("s", right, 21, bytearray(64), left, 21) == "s"
        msg = comm.isend(("t", comm.rank), right, 22)
        assert comm.mprobe(left, 22).recv() == ["t", left]  # json: tuples become lists
        msg.wait()
        with pytest.raises(TypeError):
            comm.send(object(), right, 23)
    finally:
        MPI.pickle.__init__()
    req = comm.isend(("t", comm.rank), right, 24)
    assert comm.recv(source=left, tag=24) == ("t", left)
    req.wait()


def test_custom_pickle_protocol(comm):
    right, left = neighbours(comm)
    try:
        MPI.pickle.__init__(pickle.dumps, pickle.loads, protocol=0)
        req = comm.isend({"p0": comm.rank}, right, 25)
        assert comm.recv(source=left, tag=25) == {"p0": left}
        req.wait()
    finally:
        MPI.pickle.__init__()
    assert MPI.pickle.PROTOCOL == pickle.HIGHEST_PROTOCOL


def test_large_object(comm):
    right, left = neighbours(comm)
    big = np.full(1 << 20, comm.rank, dtype="d")  # 8 MiB: rendezvous protocol
    req = comm.isend(big, right, 26)
    got = comm.recv(source=left, tag=26)
    req.wait()
    assert got.shape == big.shape and (got == left).all()
