"""Matched-probe messages: MPI.Message and the matched probes on Comm."""

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


def test_constants():
    assert not MPI.MESSAGE_NULL
    assert MPI.MESSAGE_NO_PROC
    assert MPI.MESSAGE_NULL != MPI.MESSAGE_NO_PROC
    assert MPI.Message() == MPI.MESSAGE_NULL
    assert MPI.Message(MPI.MESSAGE_NO_PROC) == MPI.MESSAGE_NO_PROC
    assert isinstance(MPI.MESSAGE_NULL.handle, int)
    with pytest.raises(TypeError):
        MPI.Message(MPI.REQUEST_NULL)


def test_probe_classmethods(comm):
    right, left = neighbours(comm)
    assert MPI.Message.Iprobe(comm, left, 1) is None  # nobody sends before sync()
    sync(comm)
    req = comm.Isend(np.array([comm.rank, 1], "i"), right, 1)
    status = MPI.Status()
    msg = MPI.Message.Probe(comm, left, 1, status)
    assert isinstance(msg, MPI.Message) and msg
    assert (status.source, status.tag, status.Get_count(MPI.INT)) == (left, 1, 2)
    out = np.zeros(2, "i")
    status = MPI.Status()
    msg.Recv(out, status)
    assert out.tolist() == [left, 1]
    assert status.source == left
    assert msg == MPI.MESSAGE_NULL
    req.Wait()
    req = comm.Isend(np.array([comm.rank, 2], "i"), right, 2)
    msg = None
    while msg is None:
        msg = MPI.Message.Iprobe(comm, MPI.ANY_SOURCE, 2)
    rreq = msg.Irecv([out, MPI.INT])
    MPI.Request.Waitall([rreq, req])
    assert out.tolist() == [left, 2]


def test_subclass_probe(comm):
    class MyMessage(MPI.Message):
        pass

    right, left = neighbours(comm)
    req = comm.isend("hi", right, 3)
    msg = MyMessage.probe(comm, left, 3)
    assert type(msg) is MyMessage
    assert msg.recv() == "hi"
    req.wait()
    msg = MyMessage.Probe(comm, MPI.PROC_NULL)
    assert type(msg) is MyMessage and msg == MPI.MESSAGE_NO_PROC


def test_message_no_proc(comm):
    msg = comm.Mprobe(MPI.PROC_NULL)
    assert msg == MPI.MESSAGE_NO_PROC
    status = MPI.Status()
    msg.Recv(np.zeros(1), status)
    assert status.source == MPI.PROC_NULL
    assert msg == MPI.MESSAGE_NULL
    msg = comm.Improbe(MPI.PROC_NULL)
    assert msg == MPI.MESSAGE_NO_PROC
    assert msg.Irecv(None).Wait()
    assert comm.mprobe(MPI.PROC_NULL).recv() is None
    assert comm.improbe(MPI.PROC_NULL).irecv().wait() is None
    assert MPI.Message(MPI.MESSAGE_NO_PROC).recv() is None


def test_object_mprobe(comm):
    right, left = neighbours(comm)
    assert comm.improbe(left, 10) is None  # nobody sends before sync()
    sync(comm)
    reqs = [comm.isend({"rank": comm.rank, "k": k}, right, 10 + k) for k in range(3)]
    status = MPI.Status()
    msg = comm.mprobe(left, 10, status)
    assert status.source == left and status.tag == 10
    assert msg.recv() == {"rank": left, "k": 0}
    assert not msg
    msg = None
    while msg is None:
        msg = comm.improbe(left, 11)
    assert msg.irecv().wait() == {"rank": left, "k": 1}
    copy = MPI.Message(comm.mprobe(left, 12))
    assert copy.recv() == {"rank": left, "k": 2}  # copies share the buffer
    MPI.Request.Waitall(reqs)


def test_message_errors(comm):
    right, left = neighbours(comm)
    with pytest.raises(MPI.Exception):
        MPI.Message().Recv(np.zeros(1))
    with pytest.raises(MPI.Exception):
        MPI.Message().recv()
    with pytest.raises(MPI.Exception):
        MPI.Message().Irecv(np.zeros(1))
    req = comm.Isend(np.arange(4, dtype="i"), right, 20)
    msg = comm.Mprobe(left, 20)
    # Matched without a buffer: the object API cannot know the size.
    with pytest.raises(ValueError, match="Recv"):
        msg.recv()
    with pytest.raises(ValueError, match="Irecv"):
        msg.irecv()
    with pytest.raises(BufferError):
        msg.Recv(b"1234")
    small = np.zeros(2, "i")
    with pytest.raises(MPI.Exception) as excinfo:
        msg.Recv(small)
    assert excinfo.value.Get_error_class() == MPI.ERR_TRUNCATE
    req.Wait()
    out = np.zeros(1, "i")
    comm.Sendrecv(np.array([comm.rank], "i"), right, 21, out, left, 21)
    assert out[0] == left
