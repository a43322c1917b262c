"""Benchmarks of the mpi4py API, mirroring the C reference programs in c/.

Run under an MPI launcher with at least two processes, e.g.::

    mpiexec -n 2 python bench/py_bench.py [--only pingpong,bcast] [--api numpy]

Only the public API (``from mpi4py import MPI``) is used, so the same script
measures upstream mpi4py and this project's package alike.  Rank 0 prints one
JSON object per line: first a metadata record, then one record per workload
with the same fields the C programs print (``bench``, ``api``, ``size``,
``label``, ``sec`` = median seconds per message or call, ``min``, ``iters``,
``reps``).  The timing procedure is the same as in ``c/harness.h``.

Workloads (``bench`` / ``api``):

* ``pingpong``: Send/Recv between ranks 0 and 1, 0 B and 1 B .. 4 MiB in powers
  of 4; ``numpy`` sends and receives uint8 arrays, ``bytes`` sends a ``bytes``
  object and receives into a ``bytearray``; ``pickle`` uses send/recv of small
  Python objects (``size`` is then the pickled size).  Time is per message
  (half a round trip).
* ``bw``: a window of 16 Isend/Irecv, Waitall, zero-byte acknowledgement.
  Time is per message.
* ``allreduce`` (one double, SUM), ``bcast`` (1 KiB, 1 MiB), ``allgather`` and
  ``alltoall`` (one int per rank), ``barrier``: time is per call.  With
  ``bytes`` the buffers are bytearrays given as ``[buf, MPI.DOUBLE]`` etc.;
  with ``pickle`` the lowercase object methods are used.
"""

import argparse
import array
import json
import os
import sys
import time

from mpi4py import MPI

try:
    import numpy
except ImportError:  # the numpy workloads are skipped
    numpy = None

WINDOW = 16
PINGPONG_SIZES = [0] + [4**k for k in range(12)]  # 0, 1 B .. 4 MiB
BW_SIZES = [4096, 65536, 1 << 20, 4 << 20]
BCAST_SIZES = [1024, 1 << 20]
APIS = ("numpy", "bytes", "pickle")


def pickle_objects():
    """The Python objects sent through the pickle-based API."""
    return [
        ("None", None),
        ("int", 123456789),
        ("bytes1k", bytes(1024)),
        ("dict", {"name": "particle", "id": 7, "pos": (0.5, 1.5, 2.5), "ok": True}),
        ("list100", [float(i) for i in range(100)]),
    ]


def pickled_size(obj):
    try:
        return len(MPI.pickle.dumps(obj))
    except Exception:  # pragma: no cover - fall back to the stdlib
        import pickle

        return len(pickle.dumps(obj, pickle.HIGHEST_PROTOCOL))


class Harness:
    """Calibrate, repeat and report, the same way as c/harness.h."""

    def __init__(self, comm, opts):
        self.comm = comm
        self.rank = comm.Get_rank()
        self.opts = opts
        self.only = set(filter(None, opts.only.split(","))) if opts.only else None
        self.apis = set(filter(None, opts.api.split(","))) if opts.api else set(APIS)
        self.current = None
        self.skip = set(filter(None, opts.skip.split(","))) if opts.skip else set()
        if numpy is None:
            self.apis.discard("numpy")

    def selected(self, bench, api, size=0):
        if self.only is not None and bench not in self.only:
            return False
        if api == "buffer":  # API-neutral buffer workload (Barrier)
            if not (self.apis & {"numpy", "bytes"}):
                return False
        elif api not in self.apis:
            return False
        if f"{bench}:{api}" in self.skip or bench in self.skip:
            return False
        return size <= self.opts.max_size

    def _batch(self, fn, n):
        """Run ``n`` iterations after a barrier; the slowest rank's time."""
        comm = self.comm
        comm.Barrier()
        t0 = time.perf_counter()
        fn(n)
        el = time.perf_counter() - t0
        return self._max(el)

    def _max(self, x):
        """Maximum of ``x`` over all ranks (the same value on every rank)."""
        # Bookkeeping outside the timed region; prefer the object API and fall
        # back to the buffer API, so that an implementation lacking one of
        # them can still be measured on the other.
        comm = self.comm
        if hasattr(comm, "allreduce"):
            return comm.allreduce(x, op=MPI.MAX)
        sbuf, rbuf = array.array("d", [x]), array.array("d", [0.0])
        comm.Allreduce([sbuf, MPI.DOUBLE], [rbuf, MPI.DOUBLE], op=MPI.MAX)
        return rbuf[0]

    def _clamp(self, n):
        return int(max(1, min(self.opts.max_iters, n)))

    def run(self, bench, api, size, label, units, fn):
        o = self.opts
        self.current = f"{bench}:{api}"
        target = o.target_ms / 1e3
        # Warm-up and calibration: double the batch until it lasts a quarter
        # of the target, then three confirmation batches, each sized from the
        # previous one; the median of their per-iteration times decides the
        # iteration count (one preempted or lucky batch must not).
        n = 1
        while True:
            el = self._batch(fn, n)
            if el >= target / 4 or n >= o.max_iters:
                break
            n = self._clamp(2 * n)
        per = max(el, 1e-9) / n
        conf = []
        for _ in range(3):
            n = self._clamp(target / 4 / per + 1)
            el = self._batch(fn, n)
            per = max(el, 1e-9) / n
            conf.append(per)
        conf.sort()
        iters = max(o.min_iters, self._clamp(target / conf[1] + 0.5))

        times = []
        for _ in range(o.reps):
            el = self._batch(fn, iters)
            times.append(el / iters / units)
        times.sort()
        k = len(times)
        med = times[k // 2] if k % 2 else 0.5 * (times[k // 2 - 1] + times[k // 2])
        if self.rank == 0:
            rec = {
                "bench": bench,
                "api": api,
                "size": size,
                "label": label,
                "sec": float(f"{med:.6e}"),
                "min": float(f"{times[0]:.6e}"),
                "iters": iters,
                "reps": o.reps,
            }
            print(json.dumps(rec), flush=True)


# -- point to point ---------------------------------------------------------


def pingpong_fn(comm, rank, sbuf, rbuf):
    if rank == 0:

        def fn(n):
            for _ in range(n):
                comm.Send(sbuf, dest=1, tag=0)
                comm.Recv(rbuf, source=1, tag=0)

    elif rank == 1:

        def fn(n):
            for _ in range(n):
                comm.Recv(rbuf, source=0, tag=0)
                comm.Send(sbuf, dest=0, tag=0)

    else:

        def fn(n):
            pass

    return fn


def pingpong_obj_fn(comm, rank, obj):
    if rank == 0:

        def fn(n):
            for _ in range(n):
                comm.send(obj, dest=1, tag=0)
                comm.recv(source=1, tag=0)

    elif rank == 1:

        def fn(n):
            for _ in range(n):
                x = comm.recv(source=0, tag=0)
                comm.send(x, dest=0, tag=0)

    else:

        def fn(n):
            pass

    return fn


def bw_fn(comm, rank, sbuf, rbufs, ack):
    Waitall = MPI.Request.Waitall
    if rank == 0:

        def fn(n):
            for _ in range(n):
                reqs = [comm.Isend(sbuf, dest=1, tag=1) for _ in range(WINDOW)]
                Waitall(reqs)
                comm.Recv(ack, source=1, tag=2)

    elif rank == 1:

        def fn(n):
            for _ in range(n):
                reqs = [comm.Irecv(b, source=0, tag=1) for b in rbufs]
                Waitall(reqs)
                comm.Send(ack, dest=0, tag=2)

    else:

        def fn(n):
            pass

    return fn


def bench_p2p(h, comm):
    rank = comm.Get_rank()
    if comm.Get_size() < 2:
        return
    for api in ("numpy", "bytes"):
        for size in PINGPONG_SIZES:
            if not h.selected("pingpong", api, size):
                continue
            if api == "numpy":
                sbuf = numpy.ones(size, dtype="u1")
                rbuf = numpy.zeros(size, dtype="u1")
            else:
                sbuf = b"\1" * size
                rbuf = bytearray(size)
            h.run("pingpong", api, size, "", 2.0, pingpong_fn(comm, rank, sbuf, rbuf))
    if h.selected("pingpong", "pickle"):
        for label, obj in pickle_objects():
            size = pickled_size(obj)
            if h.selected("pingpong", "pickle", size):
                h.run(
                    "pingpong",
                    "pickle",
                    size,
                    label,
                    2.0,
                    pingpong_obj_fn(comm, rank, obj),
                )
    for api in ("numpy", "bytes"):
        for size in BW_SIZES:
            if not h.selected("bw", api, size):
                continue
            if api == "numpy":
                sbuf = numpy.ones(size, dtype="u1")
                rbufs = [numpy.zeros(size, dtype="u1") for _ in range(WINDOW)]
                ack = numpy.zeros(0, dtype="u1")
            else:
                sbuf = b"\1" * size
                rbufs = [bytearray(size) for _ in range(WINDOW)]
                ack = bytearray(0)
            h.run(
                "bw", api, size, "", float(WINDOW), bw_fn(comm, rank, sbuf, rbufs, ack)
            )
            del sbuf, rbufs


# -- collectives -----------------------------------------------------------


def bench_coll(h, comm):
    np_ = comm.Get_size()
    SUM = MPI.SUM
    DOUBLE, INT = MPI.DOUBLE, MPI.INT

    for api in ("numpy", "bytes"):
        if h.selected("allreduce", api, 8):
            if api == "numpy":
                s = numpy.ones(1, dtype="f8")
                r = numpy.zeros(1, dtype="f8")
            else:
                s = [bytearray(8), DOUBLE]
                r = [bytearray(8), DOUBLE]

            def fn(n, s=s, r=r):
                for _ in range(n):
                    comm.Allreduce(s, r, op=SUM)

            h.run("allreduce", api, 8, "", 1.0, fn)

        for size in BCAST_SIZES:
            if not h.selected("bcast", api, size):
                continue
            buf = numpy.ones(size, dtype="u1") if api == "numpy" else bytearray(size)

            def fn(n, buf=buf):
                for _ in range(n):
                    comm.Bcast(buf, root=0)

            h.run("bcast", api, size, "", 1.0, fn)

        for bench in ("allgather", "alltoall"):
            if not h.selected(bench, api, 4):
                continue
            scount = 1 if bench == "allgather" else np_
            if api == "numpy":
                s = numpy.ones(scount, dtype="i4")
                r = numpy.zeros(np_, dtype="i4")
            else:
                s = [bytearray(4 * scount), INT]
                r = [bytearray(4 * np_), INT]
            if bench == "allgather":

                def fn(n, s=s, r=r):
                    for _ in range(n):
                        comm.Allgather(s, r)

            else:

                def fn(n, s=s, r=r):
                    for _ in range(n):
                        comm.Alltoall(s, r)

            h.run(bench, api, 4, "", 1.0, fn)

    if h.selected("barrier", "buffer"):

        def fn(n):
            for _ in range(n):
                comm.Barrier()

        h.run("barrier", "buffer", 0, "", 1.0, fn)

    # pickle-based (lowercase) collectives
    if h.selected("bcast", "pickle"):
        for label, obj in pickle_objects():
            if label not in ("dict", "bytes1k"):
                continue
            size = pickled_size(obj)
            if not h.selected("bcast", "pickle", size):
                continue
            root_obj = obj if comm.Get_rank() == 0 else None

            def fn(n, o=root_obj):
                for _ in range(n):
                    comm.bcast(o, root=0)

            h.run("bcast", "pickle", size, label, 1.0, fn)

    if h.selected("allreduce", "pickle"):
        value = 123456789

        def fn(n):
            for _ in range(n):
                comm.allreduce(value, op=SUM)

        h.run("allreduce", "pickle", pickled_size(value), "int", 1.0, fn)

    if h.selected("allgather", "pickle"):
        value = 123456789

        def fn(n):
            for _ in range(n):
                comm.allgather(value)

        h.run("allgather", "pickle", pickled_size(value), "int", 1.0, fn)

    if h.selected("alltoall", "pickle"):
        values = [123456789] * np_

        def fn(n):
            for _ in range(n):
                comm.alltoall(values)

        h.run("alltoall", "pickle", pickled_size(values[0]), "int", 1.0, fn)

    if h.selected("barrier", "pickle"):

        def fn(n):
            for _ in range(n):
                comm.barrier()

        h.run("barrier", "pickle", 0, "", 1.0, fn)


# -- main -------------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=5, help="timed repetitions per workload")
    p.add_argument(
        "--target-ms",
        type=float,
        default=20.0,
        help="approximate duration of one repetition",
    )
    p.add_argument("--min-iters", type=int, default=5)
    p.add_argument("--max-iters", type=int, default=100_000_000)
    p.add_argument(
        "--max-size",
        type=int,
        default=1 << 62,
        help="skip messages larger than this many bytes",
    )
    p.add_argument(
        "--only",
        default="",
        help="comma-separated workloads: pingpong,bw,allreduce,bcast,"
        "allgather,alltoall,barrier",
    )
    p.add_argument(
        "--api",
        default="",
        help="comma-separated APIs: numpy,bytes,pickle (default: all)",
    )
    p.add_argument(
        "--skip",
        default="",
        help="comma-separated BENCH or BENCH:API entries to leave out",
    )
    opts = p.parse_args(argv)
    opts.reps = max(1, opts.reps)
    opts.min_iters = max(1, opts.min_iters)
    opts.max_iters = max(opts.min_iters, opts.max_iters)
    return opts


def meta(comm):
    import mpi4py

    lib = MPI.Get_library_version().strip().splitlines()
    return {
        "meta": True,
        "impl": "mpi4py",
        "version": getattr(mpi4py, "__version__", "?"),
        "path": os.path.dirname(os.path.abspath(mpi4py.__file__)),
        "library": " ".join(lib[0].split()) if lib else "",
        "np": comm.Get_size(),
        "python": sys.version.split()[0],
        "numpy": numpy.__version__ if numpy is not None else None,
    }


def main(argv=None):
    opts = parse_args(argv)
    comm = MPI.COMM_WORLD
    h = Harness(comm, opts)
    if comm.Get_rank() == 0:
        print(json.dumps(meta(comm)), flush=True)
    try:
        bench_p2p(h, comm)
        bench_coll(h, comm)
    except BaseException as exc:
        # A failure on one rank would leave the others waiting forever.
        rec = {
            "error": f"{type(exc).__name__}: {exc}",
            "rank": comm.Get_rank(),
            "workload": h.current,
        }
        print(json.dumps(rec), flush=True)
        comm.Abort(1)


if __name__ == "__main__":
    main()
