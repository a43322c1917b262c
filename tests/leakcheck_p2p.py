"""Memory-leak check for point-to-point communication (not part of the suite).

Runs many cycles of the point-to-point paths round the ring of processes and
prints the resident set size every tenth of the run. A leak shows as steady
growth; a flat line after the first samples is the expected shape.

    mpiexec -n 2 python tests/leakcheck_p2p.py [CYCLES]
"""

import gc
import os
import sys
import time

import numpy as np

from mpi4py import MPI


def rss_kib():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def main():
    cycles = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    comm = MPI.COMM_WORLD.Dup()
    rank, size = comm.Get_rank(), comm.Get_size()
    right, left = (rank + 1) % size, (rank - 1) % size
    send = np.arange(4, dtype="d") + rank
    recv = np.zeros(4)
    status = MPI.Status()
    obj = {"rank": rank, "data": [1, 2, 3]}
    samples = []
    start = time.perf_counter()
    step = max(cycles // 10, 1)
    for i in range(cycles):
        # object API: isend + recv (matched probe) + wait
        req = comm.isend(obj, right, 1)
        got = comm.recv(None, left, 1, status)
        req.wait()
        # buffer API: Irecv + Isend + Waitall with statuses
        reqs = [comm.Irecv(recv, left, 2), comm.Isend(send, right, 2)]
        MPI.Request.Waitall(reqs)
        # object irecv + send, one in eight cycles; a dropped request every
        # 1024 cycles (its buffers go to the orphans until it completes)
        if i % 8 == 0:
            req = comm.irecv(None, left, 3)
            comm.Sendrecv(send, right, 4, recv, left, 4, status)
            comm.send(i, right, 3)
            assert req.wait() == i
        if i % 1024 == 0:
            comm.Isend(send, right, 5)
            comm.Recv(recv, left, 5)
        if i % step == 0 or i == cycles - 1:
            gc.collect()
            samples.append((i, rss_kib()))
    elapsed = time.perf_counter() - start
    assert got == {"rank": left, "data": [1, 2, 3]}
    comm.Free()
    if rank == 0:
        print(f"{cycles} cycles on {size} processes in {elapsed:.1f} s")
        print("cycle      RSS (KiB)")
        for i, kib in samples:
            print(f"{i:>9}  {kib:>9}")
        first, last = samples[1][1], samples[-1][1]
        print(f"growth after the first tenth: {last - first} KiB")


if __name__ == "__main__":
    main()
