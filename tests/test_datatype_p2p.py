"""Derived datatypes end to end: sent with Send, received with Recv."""

import numpy as np
import pytest

from mpi4py import MPI
from mpi4py.util import dtlib

COMM = MPI.COMM_WORLD

pytestmark = [
    pytest.mark.skipif(
        not (hasattr(MPI.Comm, "Send") and hasattr(MPI.Comm, "Recv")),
        reason="point-to-point communication is not available",
    ),
    pytest.mark.skipif(COMM.Get_size() < 2, reason="needs two processes"),
]


@pytest.fixture
def column():
    datatype = MPI.DOUBLE.Create_vector(4, 1, 4).Commit()
    yield datatype
    datatype.Free()


def test_send_column(column):
    rank = COMM.Get_rank()
    if rank == 0:
        matrix = np.arange(16, dtype="d").reshape(4, 4)
        # Buffers must be contiguous: start the flat array at the column's top.
        COMM.Send([matrix.reshape(-1)[1:], 1, column], dest=1, tag=7)  # column 1
        COMM.Send([matrix, 1, column], dest=1, tag=8)  # column 0
    elif rank == 1:
        received = np.zeros(4)
        COMM.Recv([received, 4, MPI.DOUBLE], source=0, tag=7)
        assert received.tolist() == [1.0, 5.0, 9.0, 13.0]
        target = np.full((4, 4), -1.0)
        COMM.Recv([target.reshape(-1)[2:], 1, column], source=0, tag=8)  # column 2
        assert target[:, 2].tolist() == [0.0, 4.0, 8.0, 12.0]
        assert (np.delete(target, 2, axis=1) == -1.0).all()


def test_send_structured_array():
    rank = COMM.Get_rank()
    dtype = np.dtype([("id", "i4"), ("pos", "f8", (3,)), ("flag", "?")], align=True)
    datatype = dtlib.from_numpy_dtype(dtype).Commit()
    try:
        if rank == 0:
            records = np.zeros(3, dtype=dtype)
            records["id"] = [10, 20, 30]
            records["pos"] = np.arange(9.0).reshape(3, 3)
            records["flag"] = [True, False, True]
            COMM.Send([records, 3, datatype], dest=1, tag=9)
        elif rank == 1:
            records = np.zeros(3, dtype=dtype)
            COMM.Recv([records, 3, datatype], source=0, tag=9)
            assert records["id"].tolist() == [10, 20, 30]
            assert records["pos"].tolist() == np.arange(9.0).reshape(3, 3).tolist()
            assert records["flag"].tolist() == [True, False, True]
    finally:
        datatype.Free()


def test_send_subarray():
    rank = COMM.Get_rank()
    block = MPI.INT.Create_subarray([4, 5], [2, 3], [1, 1]).Commit()
    try:
        if rank == 0:
            grid = np.arange(20, dtype="i").reshape(4, 5)
            COMM.Send([grid, 1, block], dest=1, tag=10)
        elif rank == 1:
            inner = np.zeros((2, 3), dtype="i")
            COMM.Recv([inner, 6, MPI.INT], source=0, tag=10)
            assert inner.tolist() == [[6, 7, 8], [11, 12, 13]]
    finally:
        block.Free()
