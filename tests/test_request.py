"""Requests: completion of one and of many, persistent and generalized
requests. Communication goes round the ring of processes."""

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


def exchange(comm, count=4, tag=0, start=None):
    """Post a ring exchange of `count` ints; return (requests, receive buffers)."""
    right, left = neighbours(comm)
    recvs = [np.zeros(count, "i") for _ in range(2)]
    reqs = [comm.Irecv(recvs[k], left, tag + k) for k in range(2)]
    reqs += [
        comm.Isend(np.full(count, comm.rank * 10 + k, "i"), right, tag + k)
        for k in range(2)
    ]
    return reqs, recvs


def check_received(comm, recvs):
    _, left = neighbours(comm)
    assert [r.tolist() for r in recvs] == [
        [left * 10 + k] * len(recvs[k]) for k in range(2)
    ]


# --- REQUEST_NULL and single requests ----------------------------------------


def test_request_null():
    null = MPI.REQUEST_NULL
    assert not null
    assert null == MPI.Request()
    assert MPI.Request() == MPI.Request(None)
    assert null.Wait() is True
    assert null.Test() is True
    status = MPI.Status()
    status.source, status.tag = 3, 4
    null.Wait(status)
    assert (status.source, status.tag, status.Get_count(MPI.BYTE)) == (
        MPI.ANY_SOURCE,
        MPI.ANY_TAG,
        0,
    )
    assert null.Get_status() is True
    assert null.wait() is None
    assert null.test() == (True, None)
    with pytest.raises(MPI.Exception):
        null.Free()
    null.free()  # lowercase: nothing to do for a null request
    with pytest.raises(MPI.Exception):
        MPI.Request().Free()


def test_wait_twice_and_test(comm):
    reqs, recvs = exchange(comm)
    status = MPI.Status()
    assert reqs[0].Wait(status) is True
    assert not reqs[0]
    _, left = neighbours(comm)
    assert status.source == left and status.tag == 0
    # A completed request is REQUEST_NULL: waiting again returns at once.
    assert reqs[0].Wait() is True
    assert reqs[0].Test() is True
    while not reqs[1].Test():
        pass
    assert not reqs[1]
    for req in reqs[2:]:
        req.Wait()
    check_received(comm, recvs)


def test_get_status_is_non_destructive(comm):
    right, left = neighbours(comm)
    out = np.zeros(1, "i")
    req = comm.Irecv(out, left, 5)
    # Nobody sends before every rank has passed sync(), after this check.
    assert req.Get_status() is False
    assert req.get_status() is False
    sync(comm)
    comm.Send(np.array([comm.rank], "i"), right, 5)
    status = MPI.Status()
    while not req.Get_status(status):
        pass
    assert req  # still there: Get_status does not complete it
    assert status.source == left
    assert req.Test() is True
    assert not req
    assert out[0] == left


def test_cancel_receive(comm):
    out = np.zeros(1, "i")
    req = comm.Irecv(out, MPI.ANY_SOURCE, 12345)
    req.Cancel()
    status = MPI.Status()
    req.Wait(status)
    assert status.Is_cancelled()
    assert not req
    req = comm.irecv(source=MPI.ANY_SOURCE, tag=12346)
    req.cancel()
    assert req.wait() is None


def test_free_pending_request(comm):
    # Freeing a running request lets the operation finish in the background;
    # its buffer stays alive until then even if the caller drops it.
    right, left = neighbours(comm)
    req = comm.Isend(np.arange(50, dtype="d") * comm.rank, right, 6)
    req.Free()
    assert not req
    out = np.zeros(50)
    comm.Recv(out, left, 6)
    assert out.tolist() == (np.arange(50) * left).tolist()
    # A completed request frees as well.
    req = comm.Isend(np.zeros(1), MPI.PROC_NULL)
    while not req.Get_status():
        pass
    req.Free()
    assert not req
    with pytest.raises(MPI.Exception):
        req.Free()


def test_request_copy_shares_state(comm):
    right, left = neighbours(comm)
    req = comm.irecv(source=left, tag=8)
    copy = MPI.Request(req)
    assert copy == req and copy is not req
    comm.send({"from": comm.rank}, right, 8)
    assert copy.wait() == {"from": left}
    with pytest.raises(TypeError):
        MPI.Request(object())
    assert MPI.Prequest(MPI.REQUEST_NULL) == MPI.REQUEST_NULL


# --- request lists -----------------------------------------------------------


def test_waitall_statuses(comm):
    right, left = neighbours(comm)
    reqs, recvs = exchange(comm, tag=10)
    statuses = [MPI.Status()]
    assert MPI.Request.Waitall(reqs, statuses) is True
    assert len(statuses) == 4  # extended to one per request
    assert [(s.source, s.tag) for s in statuses[:2]] == [(left, 10), (left, 11)]
    assert all(not r for r in reqs)
    check_received(comm, recvs)
    assert MPI.Request.Waitall([]) is True
    assert MPI.Request.Waitall([MPI.REQUEST_NULL]) is True


def test_testall(comm):
    reqs, recvs = exchange(comm, tag=20)
    statuses = []
    while not MPI.Request.Testall(reqs, statuses):
        pass
    assert len(statuses) == 4
    check_received(comm, recvs)
    assert MPI.Request.Testall(reqs) is True


def test_waitany_testany(comm):
    _, left = neighbours(comm)
    reqs, recvs = exchange(comm, tag=30)
    done = set()
    status = MPI.Status()
    while len(done) < 4:
        index = MPI.Request.Waitany(reqs, status)
        assert index not in done and 0 <= index < 4
        if index < 2:
            assert status.source == left
        done.add(index)
    assert MPI.Request.Waitany(reqs) == MPI.UNDEFINED
    check_received(comm, recvs)
    reqs, recvs = exchange(comm, tag=32)
    done = set()
    while len(done) < 4:
        index, flag = MPI.Request.Testany(reqs)
        if flag:
            assert index not in done
            done.add(index)
    assert MPI.Request.Testany(reqs) == (MPI.UNDEFINED, True)
    check_received(comm, recvs)


def test_waitsome_testsome(comm):
    reqs, recvs = exchange(comm, tag=40)
    done = []
    while len(done) < 4:
        statuses = []
        indices = MPI.Request.Waitsome(reqs, statuses)
        assert indices and len(statuses) >= len(indices)
        done += indices
    assert sorted(done) == [0, 1, 2, 3]
    assert MPI.Request.Waitsome(reqs) is None
    check_received(comm, recvs)
    reqs, recvs = exchange(comm, tag=42)
    done = []
    while len(done) < 4:
        done += MPI.Request.Testsome(reqs) or []
    assert sorted(done) == [0, 1, 2, 3]
    assert MPI.Request.Testsome(reqs) is None
    check_received(comm, recvs)


def test_get_status_lists(comm):
    right, left = neighbours(comm)
    out = np.zeros(1, "i")
    reqs = [comm.Irecv(out, left, 50), MPI.REQUEST_NULL]
    assert MPI.Request.Get_status_all(reqs) is False
    assert MPI.Request.Get_status_any(reqs) == (MPI.UNDEFINED, False)
    assert MPI.Request.Get_status_some(reqs) == []
    sync(comm)
    comm.Send(np.array([comm.rank], "i"), right, 50)
    statuses = []
    while not MPI.Request.Get_status_all(reqs, statuses):
        pass
    assert len(statuses) == 2 and statuses[0].source == left
    assert MPI.Request.Get_status_any(reqs) == (0, True)
    assert MPI.Request.get_status_some(reqs) == [0]
    assert reqs[0]  # none of these completes the request
    MPI.Request.Waitall(reqs)
    assert MPI.Request.Get_status_any(reqs) == (MPI.UNDEFINED, True)
    assert MPI.Request.Get_status_some(reqs) is None
    assert out[0] == left


def test_list_arguments_checked(comm):
    with pytest.raises(TypeError):
        MPI.Request.Waitall([MPI.REQUEST_NULL, "not a request"])
    with pytest.raises(TypeError):
        MPI.Request.Waitall(42)
    with pytest.raises(TypeError):
        MPI.Request.Waitall([MPI.REQUEST_NULL], statuses=(MPI.Status(),))
    with pytest.raises(TypeError):
        MPI.Request.Waitall([MPI.REQUEST_NULL], statuses=[42])
    with pytest.raises(TypeError):
        MPI.Request.Waitany([MPI.REQUEST_NULL], status=42)


def test_many_requests(comm):
    # More requests than the on-stack arrays hold.
    right, left = neighbours(comm)
    n = 40
    recvs = np.zeros(n, "i")
    reqs = [comm.Irecv(recvs[k : k + 1], left, k) for k in range(n)]
    reqs += [
        comm.Isend(np.array([comm.rank * 100 + k], "i"), right, k) for k in range(n)
    ]
    statuses = []
    MPI.Request.Waitall(reqs, statuses)
    assert len(statuses) == 2 * n
    assert recvs.tolist() == [left * 100 + k for k in range(n)]


def test_truncation_in_waitall(comm):
    right, left = neighbours(comm)
    small = np.zeros(1, "i")
    # Send first: Open MPI 4.1 does not report truncation of a message to self
    # by a receive posted before it arrived.
    sreq = comm.Isend(np.zeros(3, "i"), right, 60)
    reqs = [comm.Irecv(small, left, 60), sreq]
    with pytest.raises(MPI.Exception) as excinfo:
        MPI.Request.Waitall(reqs)
    assert excinfo.value.Get_error_class() in (MPI.ERR_IN_STATUS, MPI.ERR_TRUNCATE)
    MPI.Request.Waitall(reqs)  # whatever is left completes
    out = np.zeros(1, "i")
    comm.Sendrecv(np.array([7], "i"), right, 61, out, left, 61)
    assert out[0] == 7


# --- object results ----------------------------------------------------------


def object_exchange(comm, tag):
    right, left = neighbours(comm)
    reqs = [comm.irecv(source=left, tag=tag), comm.irecv(source=left, tag=tag + 1)]
    reqs += [
        comm.isend(("a", comm.rank), right, tag),
        comm.isend(("b", comm.rank), right, tag + 1),
    ]
    return reqs, [("a", left), ("b", left), None, None]


def test_lowercase_waitall_testall(comm):
    reqs, expected = object_exchange(comm, 70)
    statuses = []
    assert MPI.Request.waitall(reqs, statuses) == expected
    assert len(statuses) == 4
    reqs, expected = object_exchange(comm, 72)
    while True:
        flag, objs = MPI.Request.testall(reqs)
        if flag:
            break
        assert objs is None
    assert objs == expected


def test_lowercase_waitany_testany(comm):
    reqs, expected = object_exchange(comm, 74)
    got = {}
    for _ in range(4):
        index, obj = MPI.Request.waitany(reqs)
        got[index] = obj
    assert [got[k] for k in range(4)] == expected
    assert MPI.Request.waitany(reqs) == (MPI.UNDEFINED, None)
    reqs, expected = object_exchange(comm, 76)
    got = {}
    while len(got) < 4:
        index, flag, obj = MPI.Request.testany(reqs)
        if flag:
            got[index] = obj
    assert [got[k] for k in range(4)] == expected


def test_lowercase_waitsome_testsome(comm):
    reqs, expected = object_exchange(comm, 78)
    got = {}
    while len(got) < 4:
        indices, objs = MPI.Request.waitsome(reqs)
        got.update(zip(indices, objs))
    assert [got[k] for k in range(4)] == expected
    assert MPI.Request.waitsome(reqs) == (None, None)
    reqs, expected = object_exchange(comm, 80)
    got = {}
    while len(got) < 4:
        indices, objs = MPI.Request.testsome(reqs)
        if indices:
            got.update(zip(indices, objs))
    assert [got[k] for k in range(4)] == expected


def test_lowercase_single(comm):
    right, left = neighbours(comm)
    req = comm.irecv(source=left, tag=82)
    assert req.test() == (False, None)  # nobody sends before sync()
    sync(comm)
    comm.send([comm.rank] * 2, right, 82)
    status = MPI.Status()
    flag = False
    while not flag:
        flag, obj = req.test(status)
    assert obj == [left] * 2
    assert status.source == left
    assert req.wait() is None  # null by now


# --- persistent requests -----------------------------------------------------


def test_prequest_start_wait_cycle(comm):
    right, left = neighbours(comm)
    send, recv = np.zeros(3, "i"), np.zeros(3, "i")
    preqs = [comm.Recv_init(recv, left, 90), comm.Send_init(send, right, 90)]
    for k in range(5):
        send[:] = comm.rank + k
        for req in preqs:
            req.Start()
        status = MPI.Status()
        preqs[0].Wait(status)
        preqs[1].Wait()
        assert status.source == left
        assert recv.tolist() == [left + k] * 3
    statuses = []
    MPI.Prequest.Startall(preqs)
    assert MPI.Request.Waitall(preqs, statuses)
    assert statuses[0].source == left
    for req in preqs:
        req.Free()
        assert not req


def test_prequest_dropped_inactive(comm):
    # Dropping an inactive persistent request without Free is harmless.
    right, _ = neighbours(comm)
    req = comm.Send_init(np.zeros(1), right, 91)
    del req


# --- generalized requests ----------------------------------------------------


def test_grequest_callbacks():
    calls = []

    def query(status, *args, **kwargs):
        calls.append(("query", args, kwargs))
        status.source = 5
        status.tag = 6
        status.Set_elements(MPI.BYTE, 42)

    def free(*args, **kwargs):
        calls.append(("free", args, kwargs))

    def cancel(completed, *args, **kwargs):
        calls.append(("cancel", completed, args, kwargs))

    req = MPI.Grequest.Start(query, free, cancel, args=(1, 2), kwargs={"k": 3})
    assert isinstance(req, MPI.Grequest) and req
    assert req.Test() is False
    req.Cancel()
    assert calls[-1] == ("cancel", False, (1, 2), {"k": 3})
    req.Complete()
    status = MPI.Status()
    assert req.Wait(status) is True
    assert not req
    assert (status.source, status.tag, status.Get_count(MPI.BYTE)) == (5, 6, 42)
    names = [c[0] for c in calls]
    assert names == ["cancel", "query", "free"]
    assert calls[1] == ("query", (1, 2), {"k": 3})


def test_grequest_defaults_and_complete_object():
    req = MPI.Grequest.Start()
    req.complete({"answer": 42})
    status = MPI.Status()
    assert req.wait(status) == {"answer": 42}
    assert status.Get_count(MPI.BYTE) == 0
    req = MPI.Grequest.Start()
    req.Complete()
    assert req.test() == (True, None)


def test_grequest_completed_by_thread():
    # Wait releases the GIL: another thread gets to complete the request.
    req = MPI.Grequest.Start()

    def later():
        time.sleep(0.2)
        req.Complete()

    thread = threading.Thread(target=later)
    thread.start()
    start = time.monotonic()
    req.Wait()
    thread.join()
    assert time.monotonic() - start >= 0.15


def test_grequest_in_waitall_with_messages(comm):
    reqs, recvs = exchange(comm, tag=95)
    greq = MPI.Grequest.Start()
    greq.Complete()
    MPI.Request.Waitall(reqs + [greq])
    check_received(comm, recvs)


def test_grequest_callback_errors():
    def bad_query(status):
        raise ZeroDivisionError("query failed")

    req = MPI.Grequest.Start(bad_query)
    req.Complete()
    with pytest.raises(ZeroDivisionError, match="query failed"):
        req.Wait()

    def mpi_error_query(status):
        raise MPI.Exception(MPI.ERR_OTHER)

    req = MPI.Grequest.Start(mpi_error_query)
    req.Complete()
    with pytest.raises(MPI.Exception):
        req.Wait()
    with pytest.raises(TypeError):
        MPI.Grequest.Start(42)
    with pytest.raises(TypeError):
        MPI.Grequest.Start(None, None, None, args=[1])


def test_grequest_subclass():
    class MyGrequest(MPI.Grequest):
        pass

    req = MyGrequest.Start()
    assert type(req) is MyGrequest
    req.Complete()
    req.Wait()
