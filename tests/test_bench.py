"""python -m mpi4py.bench helloworld (run collectively in-process)."""

import contextlib
import io

from mpi4py import MPI, bench


def test_helloworld_message():
    comm = MPI.COMM_WORLD
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        message = bench.helloworld(comm, [])
    size, rank = comm.Get_size(), comm.Get_rank()
    name = MPI.Get_processor_name()
    width = len(str(size - 1))
    assert (
        message == f"Hello, World! I am process {rank:{width}d} of {size} on {name}.\n"
    )
    assert out.getvalue() == message


def test_helloworld_quiet():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        bench.helloworld(MPI.COMM_WORLD, ["-q"])
    assert out.getvalue() == ""
