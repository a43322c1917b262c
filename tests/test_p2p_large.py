"""Messages of more than 2**31-1 elements (MPI-4 large counts, or a derived
datatype on older libraries). Two processes, a little over 2 GiB each."""

import numpy as np
import pytest

from mpi4py import MPI

COUNT = 2**31 + 11  # elements (bytes): just over the int limit
NEEDED = 3 * COUNT  # per process: the message, plus room for the library's copies


def available_memory():
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def enough_memory(comm):
    # Every rank must agree, or one would wait for the other forever.
    mine = np.array([available_memory() >= comm.Get_size() * NEEDED], "i")
    theirs = np.zeros(1, "i")
    other = 1 - comm.Get_rank()
    comm.Sendrecv(mine, other, 0, theirs, other, 0)
    return bool(mine[0] and theirs[0])


STEP = 1 << 28  # few marks: untouched pages of the sender cost no memory
BODY = COUNT - 64


def marks(buf):
    """A sparse fingerprint of a large buffer: one byte every 64 KiB, and the tail."""
    return np.concatenate([buf[:BODY:STEP], buf[BODY:]])


def fill(buf):
    buf[:BODY:STEP] = (np.arange(len(range(0, BODY, STEP))) % 251).astype(np.uint8)
    buf[BODY:] = np.arange(64, dtype=np.uint8) + 100


def expected_marks():
    """marks() of a buffer after fill(), computed without the buffer."""
    sparse = (np.arange(len(range(0, BODY, STEP))) % 251).astype(np.uint8)
    return np.concatenate([sparse, np.arange(64, dtype=np.uint8) + 100])


@pytest.mark.skipif(
    MPI.COMM_WORLD.Get_size() != 2,
    reason="large-message test runs with exactly 2 processes",
)
def test_large_send_recv():
    comm = MPI.COMM_WORLD.Dup()
    try:
        if not enough_memory(comm):
            pytest.skip(f"needs about {2 * NEEDED >> 30} GiB of available memory")
        rank = comm.Get_rank()
        if rank == 0:
            buf = np.zeros(COUNT, dtype=np.uint8)  # mostly untouched: reads as zeros
            fill(buf)
            comm.Send(buf, 1, 1)
            # And back again, nonblocking, into the same buffer.
            buf.fill(0xFF)
            status = MPI.Status()
            comm.Irecv([buf, COUNT, MPI.BYTE], 1, 2).Wait(status)
        else:
            # Every byte starts non-zero, so a byte the message missed shows.
            buf = np.full(COUNT, 0xFF, dtype=np.uint8)
            status = MPI.Status()
            comm.Recv(buf, 0, 1, status)
            assert status.source == 0
        assert status.Get_count(MPI.BYTE) == COUNT
        assert status.Get_elements(MPI.BYTE) == COUNT
        expected = expected_marks()
        assert np.array_equal(marks(buf), expected)
        assert np.count_nonzero(buf) == np.count_nonzero(expected)
        if rank == 1:
            comm.Isend(buf, 0, 2).Wait()
    finally:
        comm.Free()


def test_large_count_spec_checked():
    # An explicit count beyond the buffer is refused before MPI sees it.
    buf = np.zeros(16, dtype=np.uint8)
    with pytest.raises(ValueError):
        MPI.COMM_WORLD.Send([buf, COUNT, MPI.BYTE], MPI.PROC_NULL)
