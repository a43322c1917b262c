"""Object (lowercase) collectives."""

import pytest

import mpi4py
from mpi4py import MPI


@pytest.fixture
def comm():
    dup = MPI.COMM_WORLD.Dup()
    yield dup
    dup.Free()


@pytest.fixture(params=[True, False], ids=["fast_reduce", "gather_reduce"])
def reduce_mode(request):
    saved = mpi4py.rc.fast_reduce
    mpi4py.rc.fast_reduce = request.param
    yield request.param
    mpi4py.rc.fast_reduce = saved


class Unpicklable:
    def __reduce__(self):
        raise TypeError("refuses to be pickled")


def test_barrier(comm):
    assert comm.barrier() is None


def test_bcast(comm):
    for root in range(comm.size):
        obj = (
            {"root": root, "data": list(range(root + 3))} if comm.rank == root else None
        )
        got = comm.bcast(obj, root=root)
        assert got == {"root": root, "data": list(range(root + 3))}
    sent = [1, 2]
    assert comm.bcast(sent) is not sent  # always a fresh object
    assert comm.bcast(None) is None
    big = bytes(range(256)) * 4096 if comm.rank == 0 else None
    assert comm.bcast(big) == bytes(range(256)) * 4096
    for length in range(440, 560):  # around the size sent with the first message
        data = bytes(k % 251 for k in range(length))
        assert comm.bcast(data if comm.rank == 0 else None) == data


def test_gather_scatter(comm):
    for root in range(comm.size):
        got = comm.gather(("rank", comm.rank), root=root)
        if comm.rank == root:
            assert got == [("rank", r) for r in range(comm.size)]
        else:
            assert got is None
        items = [{"to": r} for r in range(comm.size)] if comm.rank == root else None
        assert comm.scatter(items, root=root) == {"to": comm.rank}
    assert comm.scatter(tuple(range(comm.size))) == comm.rank
    assert comm.scatter(iter(range(comm.size))) == comm.rank


def test_allgather_alltoall(comm):
    assert comm.allgather(comm.rank * 2) == [r * 2 for r in range(comm.size)]
    assert comm.allgather(None) == [None] * comm.size
    # objects around the size sent with the first message, mixed across ranks
    for base in (200, 240, 250, 1000, 100000):
        got = comm.allgather(b"x" * (base + comm.rank))
        assert got == [b"x" * (base + r) for r in range(comm.size)]
    sent = [(comm.rank, d) for d in range(comm.size)]
    assert comm.alltoall(sent) == [(s, comm.rank) for s in range(comm.size)]


def test_wrong_lengths_raise_everywhere(comm):
    # The root's bad sequence is reported on every rank, nobody hangs.
    with pytest.raises((ValueError, RuntimeError)) as info:
        comm.scatter(list(range(comm.size + 1)) if comm.rank == 0 else None, root=0)
    if comm.rank == 0:
        assert info.type is ValueError and f"expecting {comm.size} items" in str(
            info.value
        )
    with pytest.raises(ValueError, match=f"expecting {comm.size} items"):
        comm.alltoall(list(range(comm.size + 1)))
    with pytest.raises((TypeError, RuntimeError)) as info:
        comm.scatter(5 if comm.rank == 0 else None, root=0)
    assert info.type is (TypeError if comm.rank == 0 else RuntimeError)
    comm.barrier()


def test_unpicklable_objects_do_not_hang(comm):
    # bcast: the root's failure reaches everyone.
    with pytest.raises((TypeError, RuntimeError)) as info:
        comm.bcast(Unpicklable() if comm.rank == 0 else None)
    assert info.type is (TypeError if comm.rank == 0 else RuntimeError)
    # gather: the failing rank raises its error, the root reports it.
    bad = comm.size - 1
    if comm.size == 1 or comm.rank in (0, bad):
        with pytest.raises((TypeError, RuntimeError)):
            comm.gather(Unpicklable() if comm.rank == bad else 1)
    else:
        assert comm.gather(1) is None
    # allgather: everyone needs the bad object.
    with pytest.raises((TypeError, RuntimeError)):
        comm.allgather(Unpicklable() if comm.rank == bad else 1)
    assert comm.allgather(comm.rank) == list(range(comm.size))


def test_bad_root(comm):
    with pytest.raises(MPI.Exception) as info:
        comm.bcast(1, root=comm.size)
    assert info.value.Get_error_class() == MPI.ERR_ROOT
    with pytest.raises(MPI.Exception):
        comm.gather(1, root=-1)
    with pytest.raises(MPI.Exception):
        comm.reduce(1, root=comm.size)


def test_reduce_predefined(comm, reduce_mode):
    n, r = comm.size, comm.rank
    for root in range(n):
        got = comm.reduce(r + 1, op=MPI.SUM, root=root)
        assert got == (n * (n + 1) // 2 if r == root else None)
    assert comm.allreduce(r + 1) == n * (n + 1) // 2
    assert comm.allreduce([r]) == list(range(n))  # SUM concatenates lists in rank order
    assert comm.allreduce(r, op=MPI.MAX) == n - 1
    assert comm.allreduce(r, op=MPI.MIN) == 0
    assert comm.allreduce(r + 1, op=MPI.PROD) == __import__("math").factorial(n)
    assert comm.allreduce(r % 2 == 0, op=MPI.LAND) == (n == 1)
    assert comm.allreduce((r % 2, r), op=MPI.MAXLOC) == ((1, 1) if n > 1 else (0, 0))
    assert comm.allreduce((r % 2, r), op=MPI.MINLOC) == (0, 0)
    assert comm.allreduce(1 << r, op=MPI.BOR) == (1 << n) - 1


def test_reduce_callable_in_rank_order(comm, reduce_mode):
    n, r = comm.size, comm.rank
    ordered = "".join(str(k) for k in range(n))
    assert comm.allreduce(str(r), op=lambda a, b: a + b) == ordered
    assert comm.reduce(str(r), op=lambda a, b: a + b, root=n - 1) == (
        ordered if r == n - 1 else None
    )
    # A mutating op must not touch the caller's object.
    mine = [r]

    def extend(a, b):
        a.extend(b)
        return a

    assert comm.allreduce(mine, op=extend) == list(range(n))
    assert mine == [r]


def test_reduce_user_op(comm, reduce_mode):
    # Called on objects, a user-defined op's function gets (x, y, None).
    op = MPI.Op.Create(lambda a, b, dt: a + b, commute=False)
    try:
        n = comm.size
        assert comm.allreduce(f"<{comm.rank}>", op=op) == "".join(
            f"<{k}>" for k in range(n)
        )
        assert comm.scan(f"<{comm.rank}>", op=op) == "".join(
            f"<{k}>" for k in range(comm.rank + 1)
        )
    finally:
        op.Free()


def test_scan_exscan(comm, reduce_mode):
    r = comm.rank
    assert comm.scan(r + 1) == (r + 1) * (r + 2) // 2
    assert comm.exscan(r + 1) == (r * (r + 1) // 2 if r > 0 else None)
    assert comm.scan(str(r), op=lambda a, b: a + b) == "".join(
        str(k) for k in range(r + 1)
    )
    assert comm.exscan([r]) == (list(range(r)) if r > 0 else None)
    assert comm.scan((r % 2, r), op=MPI.MAXLOC) == ((1, 1) if r >= 1 else (0, 0))


def test_reduce_errors(comm, reduce_mode):
    with pytest.raises(TypeError, match="op must be"):
        comm.allreduce(1, op=42)
    with pytest.raises(TypeError, match="op must be"):
        comm.reduce(1, op="sum")

    def fails_on_two(a, b):
        if 2 in b:
            raise ArithmeticError("cannot take rank 2's set")
        return a | b

    # An op that fails on some values: every process completes, the ones
    # whose result needed the failing step raise, the others return.
    for call in (comm.allreduce, comm.scan):
        try:
            call({comm.rank}, op=fails_on_two)
            raised = False
        except (ArithmeticError, RuntimeError):
            raised = True
        assert comm.allreduce(raised, op=MPI.LOR) == (comm.size >= 3)
    assert comm.allreduce(1) == comm.size  # the communicator is still usable
