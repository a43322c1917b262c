"""Intercommunicators and the collectives MPI defines on them.

COMM_WORLD is split into a low half (group A, color 0) and a high half
(group B); with 3 processes the halves differ in size.
"""

import numpy as np
import pytest

from mpi4py import MPI

pytestmark = pytest.mark.skipif(MPI.COMM_WORLD.size < 2, reason="needs two groups")

HAVE_PERSISTENT = MPI.VERSION >= 4


class Split:
    def __init__(self):
        world = MPI.COMM_WORLD
        half = world.size // 2
        self.color = 0 if world.rank < half else 1
        self.local = world.Split(self.color, world.rank)
        remote_leader = half if self.color == 0 else 0
        self.inter = self.local.Create_intercomm(0, world, remote_leader, tag=11)
        self.rank = self.local.rank
        self.size = self.local.size
        self.remote_size = self.inter.remote_size

    def root_a(self, leader=0):
        """The root argument when group A's process `leader` is the root."""
        if self.color == 0:
            return MPI.ROOT if self.rank == leader else MPI.PROC_NULL
        return leader

    def free(self):
        self.inter.Free()
        self.local.Free()


@pytest.fixture
def ic():
    split = Split()
    yield split
    split.free()


def value(color, rank):
    return 100 * color + rank


def test_intercomm_basics(ic):
    inter = ic.inter
    assert isinstance(inter, MPI.Intercomm)
    assert inter.Is_inter() and not inter.Is_intra()
    assert inter.Get_remote_size() == inter.remote_size == MPI.COMM_WORLD.size - ic.size
    group = inter.Get_remote_group()
    assert group.size == inter.remote_size == inter.remote_group.size
    group.Free()
    assert inter.size == ic.size and inter.rank == ic.rank
    merged = inter.Merge(high=ic.color == 1)
    assert isinstance(merged, MPI.Intracomm)
    assert merged.size == MPI.COMM_WORLD.size
    assert merged.rank == MPI.COMM_WORLD.rank  # group A low, group B high
    merged.Free()
    assert not hasattr(inter, "Scan") and not hasattr(inter, "scan")


def test_barrier(ic):
    ic.inter.Barrier()
    ic.inter.Ibarrier().Wait()
    ic.inter.barrier()


def test_bcast(ic):
    buf = np.zeros(3, "i")
    if ic.color == 0 and ic.rank == 0:
        buf[:] = [7, 8, 9]
    ic.inter.Bcast(buf, root=ic.root_a())
    if ic.color == 1:
        assert buf.tolist() == [7, 8, 9]
    elif ic.rank != 0:
        assert buf.tolist() == [0, 0, 0]  # PROC_NULL: untouched
    got = ic.inter.bcast(
        {"from": "A"} if ic.color == 0 and ic.rank == 0 else None, root=ic.root_a()
    )
    assert got == ({"from": "A"} if ic.color == 1 else None)


class Unpicklable:
    def __reduce__(self):
        raise TypeError("refuses to be pickled")


def test_object_bcast_sizes_and_failure(ic):
    root = ic.root_a()
    for data in (b"", b"x" * 100, bytes(range(256)) * 1000):
        got = ic.inter.bcast(data if root == MPI.ROOT else None, root=root)
        assert got == (data if ic.color == 1 else None)
    # The root cannot serialize: it raises its error, the other group
    # RuntimeError, PROC_NULL processes return; nobody hangs.
    try:
        got = ic.inter.bcast(Unpicklable() if root == MPI.ROOT else None, root=root)
        outcome = ("returned", got)
    except (TypeError, RuntimeError) as error:
        outcome = (type(error).__name__,)
    if root == MPI.ROOT:
        assert outcome == ("TypeError",)
    elif ic.color == 1:
        assert outcome == ("RuntimeError",)
    else:
        assert outcome == ("returned", None)
    assert ic.inter.allgather(ic.rank) == list(range(ic.remote_size))


def test_gather_scatter(ic):
    root = ic.root_a()
    # Gather: A's root receives one block from every process of B.
    recv = np.full(2 * ic.remote_size, -1, "i") if root == MPI.ROOT else None
    send = np.array([value(ic.color, ic.rank)] * 2, "i") if ic.color == 1 else None
    ic.inter.Gather(send, recv, root=root)
    if root == MPI.ROOT:
        assert recv.tolist() == [
            value(1, k) for k in range(ic.remote_size) for _ in range(2)
        ]
    if root == MPI.ROOT:
        recv = np.full(ic.remote_size, -1, "i")
        ic.inter.Gatherv(None, [recv, [1] * ic.remote_size], root=root)
        assert recv.tolist() == [value(1, k) for k in range(ic.remote_size)]
    else:
        mine = np.array([value(ic.color, ic.rank)], "i") if ic.color == 1 else None
        ic.inter.Gatherv(mine, None, root=root)
    # Scatter: A's root sends one block to every process of B.
    send = np.arange(ic.remote_size, dtype="i") * 3 if root == MPI.ROOT else None
    recv = np.zeros(1, "i") if ic.color == 1 else None
    ic.inter.Scatter(send, recv, root=root)
    if ic.color == 1:
        assert recv[0] == 3 * ic.rank
    recv = np.zeros(1, "i") if ic.color == 1 else None
    ic.inter.Scatterv(
        [send, [1] * ic.remote_size] if root == MPI.ROOT else None, recv, root=root
    )
    if ic.color == 1:
        assert recv[0] == 3 * ic.rank
    # Objects.
    got = ic.inter.gather(value(ic.color, ic.rank), root=root)
    assert got == (
        [value(1, k) for k in range(ic.remote_size)] if root == MPI.ROOT else None
    )
    items = [f"to {k}" for k in range(ic.remote_size)] if root == MPI.ROOT else None
    got = ic.inter.scatter(items, root=root)
    assert got == (f"to {ic.rank}" if ic.color == 1 else None)


def test_allgather_alltoall(ic):
    other = 1 - ic.color
    recv = np.zeros(ic.remote_size, "i")
    ic.inter.Allgather(np.array([value(ic.color, ic.rank)], "i"), recv)
    assert recv.tolist() == [value(other, k) for k in range(ic.remote_size)]
    recv = np.zeros(ic.remote_size, "i")
    ic.inter.Allgatherv(
        np.array([value(ic.color, ic.rank)], "i"), [recv, [1] * ic.remote_size]
    )
    assert recv.tolist() == [value(other, k) for k in range(ic.remote_size)]
    send = np.array(
        [1000 * ic.color + 10 * ic.rank + d for d in range(ic.remote_size)], "i"
    )
    expect = [1000 * other + 10 * s + ic.rank for s in range(ic.remote_size)]
    for call in ("Alltoall", "Alltoallv", "Alltoallw"):
        recv = np.zeros(ic.remote_size, "i")
        if call == "Alltoall":
            ic.inter.Alltoall(send, recv)
        elif call == "Alltoallv":
            ic.inter.Alltoallv(
                [send, [1] * ic.remote_size], [recv, [1] * ic.remote_size]
            )
        else:
            types = [MPI.INT] * ic.remote_size
            ic.inter.Alltoallw([send, types], [recv, types])
        assert recv.tolist() == expect, call
    assert ic.inter.allgather(ic.rank) == list(range(ic.remote_size))
    got = ic.inter.alltoall([(ic.color, ic.rank, d) for d in range(ic.remote_size)])
    assert got == [(other, s, ic.rank) for s in range(ic.remote_size)]


def test_in_place_rejected(ic):
    with pytest.raises(ValueError, match="intercommunicator"):
        ic.inter.Allgather(MPI.IN_PLACE, np.zeros(ic.remote_size))
    with pytest.raises(ValueError, match="intercommunicator"):
        ic.inter.Allreduce(MPI.IN_PLACE, np.zeros(1))
    with pytest.raises(ValueError, match="intercommunicator"):
        ic.inter.Alltoall(MPI.IN_PLACE, np.zeros(ic.remote_size))


def test_bad_roots(ic):
    for root in (ic.remote_size, -5):
        with pytest.raises(MPI.Exception) as info:
            ic.inter.Bcast(np.zeros(1), root=root)
        assert info.value.Get_error_class() == MPI.ERR_ROOT
        with pytest.raises(MPI.Exception):
            ic.inter.bcast(None, root=root)


def test_reductions(ic):
    other = 1 - ic.color
    root = ic.root_a()
    remote_sum = sum(value(other, k) for k in range(ic.remote_size))
    # Reduce: A's root gets the reduction of B's values.
    recv = np.zeros(2, "i") if root == MPI.ROOT else None
    send = np.full(2, value(ic.color, ic.rank), "i") if ic.color == 1 else None
    ic.inter.Reduce(send, recv, op=MPI.SUM, root=root)
    if root == MPI.ROOT:
        assert recv.tolist() == [remote_sum] * 2
    # Allreduce: each group gets the reduction of the other group's values.
    recv = np.zeros(2, "i")
    ic.inter.Allreduce(np.full(2, value(ic.color, ic.rank), "i"), recv)
    assert recv.tolist() == [remote_sum] * 2
    # Reduce_scatter_block: both groups reduce vectors of local*remote items.
    count = ic.size * ic.remote_size
    send = np.arange(count, dtype="i") + value(ic.color, ic.rank)
    recv = np.zeros(ic.remote_size, "i")
    ic.inter.Reduce_scatter_block(send, recv)
    full = sum(
        np.arange(count, dtype="i") + value(other, k) for k in range(ic.remote_size)
    )
    assert (
        recv.tolist()
        == full[ic.rank * ic.remote_size : (ic.rank + 1) * ic.remote_size].tolist()
    )
    # Reduce_scatter with explicit counts (local group size entries).
    counts = [ic.remote_size] * ic.size
    recv = np.zeros(ic.remote_size, "i")
    ic.inter.Reduce_scatter(send, recv, counts)
    assert (
        recv.tolist()
        == full[ic.rank * ic.remote_size : (ic.rank + 1) * ic.remote_size].tolist()
    )
    # Objects.
    assert ic.inter.allreduce(value(ic.color, ic.rank)) == remote_sum
    assert ic.inter.allreduce([ic.rank]) == list(range(ic.remote_size))
    got = ic.inter.reduce(value(ic.color, ic.rank), op=MPI.MAX, root=root)
    assert got == (value(1, ic.remote_size - 1) if root == MPI.ROOT else None)


def test_nonblocking_and_persistent(ic):
    other = 1 - ic.color
    remote_sum = sum(value(other, k) for k in range(ic.remote_size))
    recv = np.zeros(1, "i")
    gathered = np.zeros(ic.remote_size, "i")
    requests = [
        ic.inter.Iallreduce(np.array([value(ic.color, ic.rank)], "i"), recv),
        ic.inter.Iallgather(np.array([value(ic.color, ic.rank)], "i"), gathered),
    ]
    MPI.Request.Waitall(requests)
    assert recv[0] == remote_sum
    assert gathered.tolist() == [value(other, k) for k in range(ic.remote_size)]
    if not HAVE_PERSISTENT:
        with pytest.raises(NotImplementedError):
            ic.inter.Allreduce_init(np.zeros(1), np.zeros(1))
        return
    send = np.zeros(1, "i")
    request = ic.inter.Allreduce_init(send, recv)
    for k in range(2):
        send[0] = value(ic.color, ic.rank) + k
        request.Start()
        request.Wait()
        assert recv[0] == remote_sum + k * ic.remote_size
    request.Free()
