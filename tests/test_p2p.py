"""Point-to-point communication, buffer API: every rank talks to its ring
neighbours, so each test works for any number of processes."""

import array
import gc
import threading
import time

import numpy as np
import pytest

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


def ordered(comm, send, recv):
    """Blocking send to the right and receive from the left without deadlock:
    even ranks send first, odd ranks receive first (size 1: nonblocking)."""
    right, left = neighbours(comm)
    if comm.Get_size() == 1:
        raise AssertionError("ordered() needs two or more processes")
    if comm.Get_rank() % 2 == 0:
        send(right)
        recv(left)
    else:
        recv(left)
        send(right)


def error_class(excinfo):
    return excinfo.value.Get_error_class()


# --- blocking ----------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["b", "i", "l", "f", "d", "F", "D", "B", "?"])
def test_sendrecv_dtypes(comm, dtype):
    right, left = neighbours(comm)
    send = (np.arange(13) + comm.rank).astype(dtype)
    recv = np.zeros(13, dtype=dtype)
    status = MPI.Status()
    comm.Sendrecv(send, right, 7, recv, left, 7, status)
    assert np.array_equal(recv, (np.arange(13) + left).astype(dtype))
    assert status.Get_source() == left
    assert status.Get_tag() == 7
    assert status.Get_count(MPI.BYTE) == recv.nbytes


def test_send_recv_blocking_all_modes(comm):
    right, left = neighbours(comm)
    rank = comm.rank
    if comm.size == 1:
        # A blocking send to self may wait for its receive (MPICH's does):
        # post the receive first.
        data = np.array([rank, 1, 2], dtype="i")
        out = np.zeros(3, dtype="i")
        req = comm.Irecv(out, 0, 1)
        comm.Send(data, 0, 1)
        req.Wait()
        assert out.tolist() == [0, 1, 2]
        req = comm.Irecv(out, 0, 2)
        comm.Ssend(data * 2, 0, 2)
        req.Wait()
        assert out.tolist() == [0, 2, 4]
        req = comm.Irecv(out, 0, 3)
        comm.Rsend(data * 3, 0, 3)
        req.Wait()
        assert out.tolist() == [0, 3, 6]
        return
    for tag, mode in enumerate((comm.Send, comm.Ssend)):
        out = np.zeros(4, dtype="d")
        status = MPI.Status()
        ordered(
            comm,
            lambda dest, mode=mode, tag=tag: mode(
                np.full(4, rank + tag, "d"), dest, tag
            ),
            lambda source, out=out, tag=tag, status=status: comm.Recv(
                out, source, tag, status
            ),
        )
        assert out.tolist() == [left + tag] * 4
        assert (status.source, status.tag) == (left, tag)
    # Ready mode: the receive must be posted before the send starts.
    out = np.zeros(2, dtype="i")
    req = comm.Irecv(out, left, 5)
    sync(comm)
    comm.Rsend(np.array([rank, -rank], "i"), right, 5)
    req.Wait()
    assert out.tolist() == [left, -left]


def test_recv_any_source_any_tag(comm):
    right, left = neighbours(comm)
    req = comm.Isend(np.array([comm.rank], "i"), right, 40 + comm.rank)
    out = np.zeros(1, "i")
    status = MPI.Status()
    comm.Recv(out, MPI.ANY_SOURCE, MPI.ANY_TAG, status)
    req.Wait()
    assert out[0] == left
    assert status.source == left
    assert status.tag == 40 + left


def test_sendrecv_replace(comm):
    right, left = neighbours(comm)
    buf = np.arange(6, dtype="i") * (comm.rank + 1)
    status = MPI.Status()
    comm.Sendrecv_replace(buf, right, 3, left, 3, status)
    assert buf.tolist() == (np.arange(6) * (left + 1)).tolist()
    assert status.Get_count(MPI.INT) == 6


def test_sendrecv_none_recvbuf(comm):
    # Only the send side carries data: the receive side is an empty message.
    right, left = neighbours(comm)
    comm.Sendrecv(None, right, 4, None, left, 4)
    status = MPI.Status()
    comm.Sendrecv(b"", right, 5, bytearray(0), left, 5, status)
    assert status.Get_count(MPI.BYTE) == 0


def test_proc_null(comm):
    comm.Send(np.zeros(3), MPI.PROC_NULL)
    comm.Ssend(np.zeros(3), MPI.PROC_NULL)
    comm.Rsend(np.zeros(3), MPI.PROC_NULL)
    out = np.ones(3)
    status = MPI.Status()
    comm.Recv(out, MPI.PROC_NULL, 0, status)
    assert status.source == MPI.PROC_NULL
    assert status.tag == MPI.ANY_TAG
    assert status.Get_count(MPI.BYTE) == 0
    assert out.tolist() == [1, 1, 1]
    comm.Sendrecv(np.zeros(1), MPI.PROC_NULL, 0, out, MPI.PROC_NULL, 0)
    comm.Isend(np.zeros(1), MPI.PROC_NULL).Wait()
    comm.Irecv(out, MPI.PROC_NULL).Wait()
    assert comm.Probe(MPI.PROC_NULL) is True
    assert comm.Iprobe(MPI.PROC_NULL, status=status) is True
    assert status.source == MPI.PROC_NULL


# --- message specs -----------------------------------------------------------


SPECS = [
    (lambda b: b, 10),
    (lambda b: [b, MPI.INT], 10),
    (lambda b: [b, "i"], 10),
    (lambda b: [b, 4], 4),
    (lambda b: [b, 4, MPI.INT], 4),
    (lambda b: (b, 4, "i"), 4),
    (lambda b: [b, (3, 2), MPI.INT], 3),
    (lambda b: [b, 3, 2, MPI.INT], 3),
]


@pytest.mark.parametrize("make_spec,count", SPECS)
def test_message_specs(comm, make_spec, count):
    right, left = neighbours(comm)
    send = np.arange(10, dtype="i") + 100 * comm.rank
    recv = np.full(10, -1, dtype="i")
    status = MPI.Status()
    comm.Sendrecv(make_spec(send), right, 0, make_spec(recv), left, 0, status)
    assert status.Get_count(MPI.INT) == count
    expected = np.arange(10, dtype="i") + 100 * left
    spec = make_spec(recv)
    displ = (
        2
        if isinstance(spec, (list, tuple))
        and (len(spec) == 4 or isinstance(spec[1], tuple))
        else 0
    )
    assert (
        recv[displ : displ + count].tolist() == expected[displ : displ + count].tolist()
    )
    assert (recv[:displ] == -1).all() and (recv[displ + count :] == -1).all()


def test_python_buffers(comm):
    right, left = neighbours(comm)
    # bytes / bytearray / array.array / memoryview slices
    out = bytearray(5)
    comm.Sendrecv(b"abc%d" % (comm.rank % 10) + b"!", right, 0, out, left, 0)
    assert out == b"abc%d!" % (left % 10)
    a = array.array("d", [comm.rank, 0.5])
    b = array.array("d", [0, 0])
    comm.Sendrecv(a, right, 1, b, left, 1)
    assert b.tolist() == [left, 0.5]
    big = bytearray(b"xxxxxxxx")
    comm.Sendrecv(
        memoryview(b"%04d" % comm.rank), right, 2, memoryview(big)[2:6], left, 2
    )
    assert big == b"xx%04dxx" % left


def test_derived_and_typecodes(comm):
    right, left = neighbours(comm)
    send = np.arange(8, dtype="d") + comm.rank
    recv = np.zeros(8, dtype="d")
    comm.Sendrecv([send, 8, "d"], right, 0, [recv, 8, "f8"], left, 0)
    assert recv.tolist() == (np.arange(8) + left).tolist()
    # Bytes of doubles received as bytes.
    raw = bytearray(64)
    comm.Sendrecv([send, MPI.DOUBLE], right, 1, [raw, MPI.BYTE], left, 1)
    assert np.frombuffer(raw, "d").tolist() == (np.arange(8) + left).tolist()


# --- nonblocking -------------------------------------------------------------


def test_isend_irecv(comm):
    right, left = neighbours(comm)
    send = np.arange(100, dtype="l") * comm.rank
    recv = np.zeros(100, dtype="l")
    rreq = comm.Irecv(recv, left, 11)
    sreq = comm.Isend(send, right, 11)
    assert isinstance(rreq, MPI.Request) and isinstance(sreq, MPI.Request)
    assert rreq and sreq
    status = MPI.Status()
    rreq.Wait(status)
    sreq.Wait()
    assert not rreq and not sreq
    assert rreq == MPI.REQUEST_NULL
    assert recv.tolist() == (np.arange(100) * left).tolist()
    assert (status.source, status.tag, status.Get_count(MPI.LONG)) == (left, 11, 100)


def test_issend_irsend_ibsend(comm):
    right, left = neighbours(comm)
    out = [np.zeros(3, "i") for _ in range(3)]
    rreqs = [comm.Irecv(out[k], left, 20 + k) for k in range(3)]
    sync(comm)  # every receive is posted: ready mode is legal now
    attached = bytearray(1024 + MPI.BSEND_OVERHEAD)
    MPI.Attach_buffer(attached)
    try:
        sreqs = [
            comm.Issend(np.array([comm.rank, 0, 0], "i"), right, 20),
            comm.Irsend(np.array([comm.rank, 1, 1], "i"), right, 21),
            comm.Ibsend(np.array([comm.rank, 2, 2], "i"), right, 22),
        ]
        MPI.Request.Waitall(rreqs + sreqs)
    finally:
        assert MPI.Detach_buffer() is attached
    assert [o.tolist() for o in out] == [[left, 0, 0], [left, 1, 1], [left, 2, 2]]


def test_isendrecv(comm):
    right, left = neighbours(comm)
    send = np.array([comm.rank] * 3, "i")
    recv = np.zeros(3, "i")
    buf = np.array([comm.rank, -comm.rank], "i")
    if MPI.VERSION < 4:
        with pytest.raises(NotImplementedError):
            comm.Isendrecv(send, right, 0, recv, left, 0)
        with pytest.raises(NotImplementedError):
            comm.Isendrecv_replace(buf, right, 1, left, 1)
        return
    status = MPI.Status()
    req = comm.Isendrecv(send, right, 0, recv, left, 0)
    req.Wait(status)
    assert recv.tolist() == [left] * 3
    assert status.source == left
    req = comm.Isendrecv_replace(buf, right, 1, left, 1)
    req.Wait()
    assert buf.tolist() == [left, -left]


def test_request_keeps_buffer_exported(comm):
    # While the receive is pending its buffer stays exported: a bytearray
    # cannot be resized under MPI's feet.
    right, left = neighbours(comm)
    buf = bytearray(4)
    req = comm.Irecv(buf, left, 30)
    with pytest.raises(BufferError):
        buf.extend(b"more")
    comm.Send(b"%4d" % (comm.rank % 1000), right, 30)
    req.Wait()
    assert buf == b"%4d" % (left % 1000)
    buf.extend(b"more")  # released at completion
    assert len(buf) == 8


def test_dropped_request_keeps_buffers(comm):
    # A request object dropped before completion must not free the memory MPI
    # still uses: the data arrives intact.
    right, left = neighbours(comm)
    comm.Isend(np.arange(1000, dtype="d") + comm.rank, right, 31)
    gc.collect()
    out = np.zeros(1000)
    comm.Recv(out, left, 31)
    assert out.tolist() == (np.arange(1000) + left).tolist()
    # The same for a receive: it still lands in the buffer the caller keeps.
    target = np.zeros(5, "i")
    comm.Irecv(target, left, 32)
    gc.collect()
    comm.Send(np.full(5, comm.rank, "i"), right, 32)
    sync(comm)
    deadline = time.monotonic() + 10
    while target[0] != left and time.monotonic() < deadline:
        comm.Iprobe(left, 12345)  # drive progress
    assert target.tolist() == [left] * 5


# --- persistent --------------------------------------------------------------


def test_persistent_send_recv(comm):
    right, left = neighbours(comm)
    send = np.zeros(4, "i")
    recv = np.zeros(4, "i")
    sreq = comm.Send_init(send, right, 50)
    rreq = comm.Recv_init(recv, left, 50)
    assert isinstance(sreq, MPI.Prequest) and isinstance(rreq, MPI.Prequest)
    for round_ in range(4):
        send[:] = comm.rank * 10 + round_
        rreq.Start()
        sreq.Start()
        MPI.Request.Waitall([sreq, rreq])
        assert sreq and rreq  # inactive, not freed
        assert recv.tolist() == [left * 10 + round_] * 4
    for round_ in range(2):
        send[:] = -round_
        MPI.Prequest.Startall([rreq, sreq])
        rreq.Wait()
        sreq.Wait()
        assert recv.tolist() == [-round_] * 4
    sreq.Free()
    rreq.Free()
    assert not sreq and not rreq


def test_persistent_modes(comm):
    right, left = neighbours(comm)
    out = [np.zeros(2, "d") for _ in range(3)]
    rreqs = [comm.Recv_init(out[k], left, 60 + k) for k in range(3)]
    MPI.Prequest.Startall(rreqs)
    sync(comm)
    attached = bytearray(256 + MPI.BSEND_OVERHEAD)
    MPI.Attach_buffer(attached)
    try:
        sreqs = [
            comm.Bsend_init(np.array([comm.rank, 0.0]), right, 60),
            comm.Ssend_init(np.array([comm.rank, 1.0]), right, 61),
            comm.Rsend_init(np.array([comm.rank, 2.0]), right, 62),
        ]
        assert all(isinstance(r, MPI.Prequest) for r in sreqs)
        MPI.Prequest.Startall(sreqs)
        MPI.Request.Waitall(rreqs + sreqs)
    finally:
        MPI.Detach_buffer()
    assert [o.tolist() for o in out] == [[left, 0.0], [left, 1.0], [left, 2.0]]
    for req in rreqs + sreqs:
        req.Free()


def test_startall_type_check(comm):
    with pytest.raises(TypeError):
        MPI.Prequest.Startall([MPI.REQUEST_NULL, object()])


# --- probes ------------------------------------------------------------------


def test_probe_iprobe(comm):
    right, left = neighbours(comm)
    assert comm.Iprobe(left, 70) is False  # nobody sends before sync()
    sync(comm)
    req = comm.Isend(np.arange(7, dtype="f"), right, 70)
    status = MPI.Status()
    assert comm.Probe(left, 70, status) is True
    assert (status.source, status.tag, status.Get_count(MPI.FLOAT)) == (left, 70, 7)
    status2 = MPI.Status()
    assert comm.Iprobe(MPI.ANY_SOURCE, 70, status2) is True
    assert status2.source == left
    out = np.zeros(7, "f")
    comm.Recv(out, left, 70)
    req.Wait()
    assert out.tolist() == list(range(7))


def test_mprobe_improbe(comm):
    right, left = neighbours(comm)
    assert comm.Improbe(left, 71) is None  # nobody sends before sync()
    sync(comm)
    req = comm.Isend(np.array([comm.rank, 5], "i"), right, 71)
    status = MPI.Status()
    msg = comm.Mprobe(left, 71, status)
    assert isinstance(msg, MPI.Message) and msg
    assert status.Get_count(MPI.INT) == 2
    out = np.zeros(2, "i")
    msg.Recv(out)
    assert not msg and msg == MPI.MESSAGE_NULL
    assert out.tolist() == [left, 5]
    req.Wait()
    req = comm.Isend(np.array([comm.rank, 6], "i"), right, 72)
    msg = None
    while msg is None:
        msg = comm.Improbe(left, 72)
    rreq = msg.Irecv(out)
    MPI.Request.Waitall([req, rreq])
    assert out.tolist() == [left, 6]
    noproc = comm.Mprobe(MPI.PROC_NULL)
    assert noproc == MPI.MESSAGE_NO_PROC and noproc
    noproc.Recv(None)
    assert noproc == MPI.MESSAGE_NULL


# --- partitioned (MPI-4) -------------------------------------------------------------


@pytest.mark.skipif(
    MPI.VERSION >= 4, reason="the library has partitioned communication"
)
def test_partitioned_unsupported(comm):
    buf = np.zeros(8, "i")
    with pytest.raises(NotImplementedError):
        comm.Psend_init(buf, 4, 0)
    with pytest.raises(NotImplementedError):
        comm.Precv_init(buf, 4, 0)
    with pytest.raises(NotImplementedError):
        MPI.Prequest().Pready(0)


@pytest.mark.skipif(MPI.VERSION < 4, reason="partitioned communication is MPI-4")
def test_partitioned(comm):
    right, left = neighbours(comm)
    parts = 4
    send = np.zeros(parts * 3, "i")
    recv = np.full(parts * 3, -1, "i")
    sreq = comm.Psend_init(send, parts, right, 80)
    rreq = comm.Precv_init(recv, parts, left, 80)
    assert isinstance(sreq, MPI.Prequest)
    for round_ in range(2):
        send[:] = np.arange(parts * 3) + 100 * comm.rank + round_
        MPI.Prequest.Startall([rreq, sreq])
        sreq.Pready(0)
        sreq.Pready_range(1, 2)
        sreq.Pready_list([3])
        arrived = set()
        deadline = time.monotonic() + 30
        while len(arrived) < parts and time.monotonic() < deadline:
            arrived |= {p for p in range(parts) if rreq.Parrived(p)}
        assert arrived == set(range(parts))
        MPI.Request.Waitall([sreq, rreq])
        assert recv.tolist() == (np.arange(parts * 3) + 100 * left + round_).tolist()
    sreq.Free()
    rreq.Free()
    with pytest.raises(ValueError):
        comm.Psend_init(np.zeros(7, "i"), 2, right)
    with pytest.raises(ValueError):
        comm.Precv_init(np.zeros(8, "i"), 0, left)


# --- the buffered-send buffer --------------------------------------------------------


def test_attach_detach_bsend(comm):
    right, left = neighbours(comm)
    buf = bytearray(10 * (64 + MPI.BSEND_OVERHEAD))
    MPI.Attach_buffer(buf)
    try:
        with pytest.raises(BufferError):
            buf.extend(b"x")  # exported while attached
        for k in range(5):
            comm.Bsend(np.full(8, comm.rank + k, "d"), right, 90 + k)
        for k in range(5):
            out = np.zeros(8)
            comm.Recv(out, left, 90 + k)
            assert out.tolist() == [left + k] * 8
    finally:
        assert MPI.Detach_buffer() is buf
    buf.extend(b"x")
    assert MPI.Detach_buffer() is None


def test_buffer_automatic(comm):
    assert repr(MPI.BUFFER_AUTOMATIC) == "BUFFER_AUTOMATIC"
    if not (MPI.VERSION, MPI.SUBVERSION) >= (4, 1):
        with pytest.raises(NotImplementedError):
            MPI.Attach_buffer(MPI.BUFFER_AUTOMATIC)
        with pytest.raises(NotImplementedError):
            comm.Attach_buffer(bytearray(100))
        with pytest.raises(NotImplementedError):
            comm.Detach_buffer()
        with pytest.raises(NotImplementedError):
            MPI.Flush_buffer()
        return
    MPI.Attach_buffer(MPI.BUFFER_AUTOMATIC)
    assert MPI.Detach_buffer() is MPI.BUFFER_AUTOMATIC


def test_bsend_without_buffer_fails(comm):
    right, left = neighbours(comm)
    big = np.zeros(1 << 16)
    with pytest.raises(MPI.Exception) as excinfo:
        comm.Bsend(big, right, 95)
    assert error_class(excinfo) == MPI.ERR_BUFFER
    sync(comm)
    assert comm.Iprobe(left, 95) is False


# --- bad input ---------------------------------------------------------------


def test_truncation_then_usable(comm):
    right, left = neighbours(comm)
    req = comm.Isend(np.arange(10, dtype="i"), right, 100)
    small = np.zeros(5, "i")
    with pytest.raises(MPI.Exception) as excinfo:
        comm.Recv(small, left, 100)
    assert error_class(excinfo) == MPI.ERR_TRUNCATE
    req.Wait()
    # Nonblocking: the error comes from the completion call.
    req = comm.Isend(np.arange(10, dtype="i"), right, 101)
    rreq = comm.Irecv(small, left, 101)
    with pytest.raises(MPI.Exception) as excinfo:
        rreq.Wait()
    assert error_class(excinfo) == MPI.ERR_TRUNCATE
    req.Wait()
    # The communicator still works.
    out = np.zeros(2, "i")
    comm.Sendrecv(np.array([comm.rank, 1], "i"), right, 102, out, left, 102)
    assert out.tolist() == [left, 1]


def test_bad_rank_and_tag(comm):
    size = comm.size
    buf = np.zeros(2, "i")
    for dest in (size, -7):
        with pytest.raises(MPI.Exception) as excinfo:
            comm.Send(buf, dest)
        assert error_class(excinfo) == MPI.ERR_RANK
        with pytest.raises(MPI.Exception) as excinfo:
            comm.Isend(buf, dest)
        assert error_class(excinfo) == MPI.ERR_RANK
    with pytest.raises(MPI.Exception) as excinfo:
        comm.Recv(buf, size)
    assert error_class(excinfo) == MPI.ERR_RANK
    with pytest.raises(MPI.Exception) as excinfo:
        comm.Send(buf, 0, -5)
    assert error_class(excinfo) == MPI.ERR_TAG
    with pytest.raises(MPI.Exception) as excinfo:
        comm.Irecv(buf, 0, -5)
    assert error_class(excinfo) == MPI.ERR_TAG
    with pytest.raises(MPI.Exception) as excinfo:
        comm.Probe(size)
    assert error_class(excinfo) == MPI.ERR_RANK
    with pytest.raises(TypeError):
        comm.Send(buf, "0")
    with pytest.raises(TypeError):
        comm.Send(buf, 0, 1.5)


def test_bad_buffers(comm):
    buf = np.zeros(10, "i")
    with pytest.raises(ValueError, match="non-negative"):
        comm.Send([buf, -1, MPI.INT], MPI.PROC_NULL)
    with pytest.raises(ValueError, match="non-negative"):
        comm.Recv([buf, (2, -1), MPI.INT], MPI.PROC_NULL)
    with pytest.raises(ValueError, match="bytes"):
        comm.Send([buf, 11, MPI.INT], MPI.PROC_NULL)
    with pytest.raises(ValueError, match="bytes"):
        comm.Recv([buf, (5, 6), MPI.INT], MPI.PROC_NULL)
    with pytest.raises(ValueError, match="bytes"):
        comm.Irecv([buf, 3, 8, MPI.INT], MPI.PROC_NULL)
    with pytest.raises(ValueError):
        comm.Send([buf, 6, MPI.DOUBLE], MPI.PROC_NULL)
    with pytest.raises(BufferError, match="writable"):
        comm.Recv(b"readonly", MPI.PROC_NULL)
    readonly = np.zeros(3)
    readonly.flags.writeable = False
    with pytest.raises(BufferError, match="writable"):
        comm.Irecv(readonly, MPI.PROC_NULL)
    with pytest.raises(BufferError, match="writable"):
        comm.Sendrecv_replace(readonly, MPI.PROC_NULL)
    comm.Send(readonly, MPI.PROC_NULL)  # reading is fine
    with pytest.raises(TypeError, match="buffer"):
        comm.Send(object(), MPI.PROC_NULL)
    with pytest.raises(TypeError, match="buffer"):
        comm.Recv(42, MPI.PROC_NULL)
    with pytest.raises(TypeError):
        comm.Send([buf, 1, 2, 3, 4], MPI.PROC_NULL)
    with pytest.raises(ValueError, match="typecode"):
        comm.Send([buf, "not-a-type"], MPI.PROC_NULL)
    with pytest.raises(TypeError):
        comm.Send([buf, 2, 3.5], MPI.PROC_NULL)
    with pytest.raises(ValueError):
        comm.Send([buf, MPI.DATATYPE_NULL], MPI.PROC_NULL)
    with pytest.raises(ValueError):
        comm.Send([None, 3, MPI.INT], MPI.PROC_NULL)
    with pytest.raises(TypeError, match="Status"):
        comm.Recv(buf, MPI.PROC_NULL, 0, status=object())
    with pytest.raises(TypeError):
        comm.Sendrecv(buf, MPI.PROC_NULL, recvbuf=object())


def test_send_noncontiguous_refused(comm):
    strided = np.zeros(20, "d")[::2]
    with pytest.raises((BufferError, ValueError)):
        comm.Send(strided, MPI.PROC_NULL)


# --- the GIL -----------------------------------------------------------------


def test_gil_released_while_blocked(comm):
    # The main thread blocks in Recv right away; the message it waits for is
    # sent by a thread of the left neighbour after counting for a while. With
    # the GIL held inside Recv that thread could not run: no message, hang.
    right, left = neighbours(comm)
    counter = [0]

    def worker():
        stop = time.monotonic() + 0.3
        while time.monotonic() < stop:
            counter[0] += 1
        comm.Send(np.array([counter[0]], "l"), right, 1)

    thread = threading.Thread(target=worker)
    thread.start()
    out = np.zeros(1, "l")
    if comm.size == 1:
        # MPICH 4.0 never wakes a blocking receive from self posted before
        # another thread sends (upstream mpi4py hangs the same way): wait in
        # Probe, which also releases the GIL, then receive.
        comm.Probe(left, 1)
    comm.Recv(out, left, 1)
    thread.join()
    assert out[0] > 1000


def test_gil_released_in_wait_probe_and_ring(comm):
    right, left = neighbours(comm)
    progress = [0]
    done = threading.Event()

    def spin():
        while not done.is_set():
            progress[0] += 1

    thread = threading.Thread(target=spin)
    thread.start()
    try:
        # Every rank holds its message back for a while: its neighbour waits
        # inside MPI, and the spinning thread must keep running meanwhile.
        before = progress[0]
        rreq = comm.Irecv(out := np.zeros(1, "i"), left, 110)
        time.sleep(0.2)
        comm.Send(np.array([comm.rank], "i"), right, 110)
        rreq.Wait()
        assert out[0] == left
        comm.Probe(MPI.PROC_NULL)
        sreq = comm.Isend(np.array([comm.rank], "i"), right, 111)
        comm.Probe(left, 111)
        comm.Recv(out, left, 111)
        sreq.Wait()
        assert progress[0] > before
    finally:
        done.set()
        thread.join()


# --- DLPack and the CUDA array interface -------------------------------------


class DLPackOnly:
    """Exposes an array through DLPack only (no buffer protocol)."""

    def __init__(self, array, device=(1, 0)):
        self.array = array
        self.device = device

    def __dlpack__(self, **kwargs):
        return self.array.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self.device


class CAIOnly:
    """Exposes host memory through __cuda_array_interface__ only."""

    def __init__(self, array, readonly=False, strides=None):
        self.array = array
        self.readonly = readonly
        self.strides = strides

    @property
    def __cuda_array_interface__(self):
        return {
            "shape": self.array.shape,
            "typestr": self.array.dtype.str,
            "data": (self.array.ctypes.data, self.readonly),
            "strides": self.strides,
            "version": 3,
        }


def test_dlpack_buffers(comm):
    right, left = neighbours(comm)
    send = np.arange(12, dtype="d").reshape(3, 4) + comm.rank
    recv = np.zeros((3, 4), "d")
    status = MPI.Status()
    comm.Sendrecv(DLPackOnly(send), right, 0, DLPackOnly(recv), left, 0, status)
    assert status.Get_count(MPI.DOUBLE) == 12
    assert recv.tolist() == (np.arange(12).reshape(3, 4) + left).tolist()
    ints = np.zeros(4, "i")
    req = comm.Irecv(DLPackOnly(ints), left, 1)
    comm.Send([DLPackOnly(np.arange(4, dtype="i") * comm.rank), MPI.INT], right, 1)
    req.Wait()
    assert ints.tolist() == (np.arange(4) * left).tolist()


def test_dlpack_errors(comm):
    with pytest.raises(BufferError, match="host"):
        comm.Send(DLPackOnly(np.zeros(3), device=(2, 0)), MPI.PROC_NULL)
    readonly = np.zeros(3)
    readonly.flags.writeable = False
    with pytest.raises(BufferError):
        comm.Recv(DLPackOnly(readonly), MPI.PROC_NULL)
    with pytest.raises(BufferError, match="contiguous"):
        comm.Send(DLPackOnly(np.zeros((4, 4))[:, ::2]), MPI.PROC_NULL)


def test_cuda_array_interface_host_memory(comm):
    right, left = neighbours(comm)
    send = np.arange(6, dtype="i") + comm.rank
    recv = np.zeros(6, "i")
    comm.Sendrecv(CAIOnly(send, readonly=True), right, 0, CAIOnly(recv), left, 0)
    assert recv.tolist() == (np.arange(6) + left).tolist()
    with pytest.raises(BufferError, match="writable"):
        comm.Recv(CAIOnly(recv, readonly=True), MPI.PROC_NULL)
    strided = np.zeros(8, "i")
    with pytest.raises(BufferError, match="contiguous"):
        comm.Send(CAIOnly(strided[:4], strides=(8,)), MPI.PROC_NULL)
