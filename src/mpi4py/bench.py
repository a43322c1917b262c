"""``python -m mpi4py.bench``: small MPI programs to check and time a setup.

Commands::

    helloworld   every process prints its rank, size and host
    ringtest     pass a message around a ring of processes, time each lap
    pingpong     round-trip latency and bandwidth between ranks 0 and 1
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def helloworld(comm: Any, args: list[str] | None = None, verbose: bool = True) -> str:
    """Each process greets, in rank order; returns this process's greeting."""
    from . import MPI

    parser = argparse.ArgumentParser(prog=f"{__spec__.name} helloworld")
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_false",
        dest="verbose",
        default=verbose,
        help="print nothing",
    )
    options = parser.parse_args(args)
    size = comm.Get_size()
    rank = comm.Get_rank()
    name = MPI.Get_processor_name()
    width = len(str(size - 1))
    message = f"Hello, World! I am process {rank:{width}d} of {size} on {name}.\n"
    # Print in rank order: one rank writes between consecutive barriers.
    if options.verbose:
        for turn in range(size):
            comm.Barrier()
            if turn == rank:
                sys.stdout.write(message)
                sys.stdout.flush()
        comm.Barrier()
    return message


def ringtest(comm: Any, args: list[str] | None = None, verbose: bool = True) -> float:
    """Time a message passed around the ring; returns seconds per lap."""
    from . import MPI

    parser = argparse.ArgumentParser(prog=f"{__spec__.name} ringtest")
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_false",
        dest="verbose",
        default=verbose,
        help="print nothing",
    )
    parser.add_argument(
        "-n", "--size", type=int, default=1, help="message size in bytes"
    )
    parser.add_argument(
        "-l", "--loops", type=int, default=1, help="number of laps timed"
    )
    parser.add_argument(
        "-s", "--skip", type=int, default=0, help="warm-up laps, not timed"
    )
    options = parser.parse_args(args)
    size, rank = comm.Get_size(), comm.Get_rank()
    source, dest = (rank - 1) % size, (rank + 1) % size
    sendmsg = bytearray(b"+" * options.size)
    recvmsg = bytearray(options.size)
    Sendrecv, Send, Recv = comm.Sendrecv, comm.Send, comm.Recv

    def lap() -> None:
        if size == 1:
            Sendrecv(sendmsg, dest, 0, recvmsg, source, 0)
        elif rank == 0:
            Send(sendmsg, dest, 0)
            Recv(recvmsg, source, 0)
        else:
            Recv(recvmsg, source, 0)
            Send(recvmsg, dest, 0)

    comm.Barrier()
    for _ in range(options.skip):
        lap()
    start = MPI.Wtime()
    for _ in range(options.loops):
        lap()
    elapsed = (MPI.Wtime() - start) / max(options.loops, 1)
    if rank == 0 and recvmsg != sendmsg:
        raise RuntimeError("ringtest: message corrupted around the ring")
    if options.verbose and rank == 0:
        print(
            f"time for {options.loops} loops = {elapsed * options.loops:g} seconds "
            f"({size} processes, {options.size} bytes)",
            flush=True,
        )
    return elapsed


def pingpong(
    comm: Any, args: list[str] | None = None, verbose: bool = True
) -> list[tuple]:
    """Round trips between ranks 0 and 1 over a range of sizes."""
    from . import MPI

    parser = argparse.ArgumentParser(prog=f"{__spec__.name} pingpong")
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_false",
        dest="verbose",
        default=verbose,
        help="print nothing",
    )
    parser.add_argument(
        "-m", "--min-size", type=int, default=1, help="smallest size (bytes)"
    )
    parser.add_argument(
        "-n", "--max-size", type=int, default=1 << 20, help="largest size (bytes)"
    )
    parser.add_argument(
        "-l", "--loops", type=int, default=1000, help="round trips per size"
    )
    parser.add_argument(
        "-s", "--skip", type=int, default=100, help="warm-up round trips"
    )
    parser.add_argument(
        "-o",
        "--object",
        action="store_true",
        help="use the pickle-based object API instead of buffers",
    )
    options = parser.parse_args(args)
    if comm.Get_size() < 2:
        raise SystemExit("pingpong needs at least two processes")
    rank = comm.Get_rank()
    results: list[tuple] = []
    if options.verbose and rank == 0:
        print(
            f"# {'size [B]':>10} {'latency [us]':>14} {'bandwidth [MB/s]':>18}",
            flush=True,
        )
    size = max(options.min_size, 0)
    while size <= options.max_size:
        buf = bytearray(size)
        loops = options.loops if size < (1 << 20) else max(options.loops // 10, 10)
        comm.Barrier()
        start = 0.0
        for i in range(options.skip + loops):
            if i == options.skip:
                start = MPI.Wtime()
            if rank == 0:
                if options.object:
                    comm.send(buf, 1, 0)
                    buf = comm.recv(None, 1, 0)
                else:
                    comm.Send(buf, 1, 0)
                    comm.Recv(buf, 1, 0)
            elif rank == 1:
                if options.object:
                    buf = comm.recv(None, 0, 0)
                    comm.send(buf, 0, 0)
                else:
                    comm.Recv(buf, 0, 0)
                    comm.Send(buf, 0, 0)
        elapsed = MPI.Wtime() - start
        latency = elapsed / loops / 2
        bandwidth = size / latency / 1e6 if latency > 0 else 0.0
        results.append((size, latency, bandwidth))
        if options.verbose and rank == 0:
            print(f"  {size:10d} {latency * 1e6:14.2f} {bandwidth:18.2f}", flush=True)
        size = size * 2 if size > 0 else 1
    return results


_COMMANDS = {"helloworld": helloworld, "ringtest": ringtest, "pingpong": pingpong}


def main(args: list[str] | None = None) -> None:
    """Entry point of ``python -m mpi4py.bench``."""
    parser = argparse.ArgumentParser(
        prog=__spec__.name,
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=sorted(_COMMANDS))
    parser.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args(args)
    from . import MPI

    _COMMANDS[options.command](MPI.COMM_WORLD, options.args)


if __name__ == "__main__":
    main()
