"""Compute pi by numerical integration, split across all processes.

Each process integrates 4/(1+x^2) over its share of [0, 1] (midpoint rule),
then an Allreduce sums the parts.
"""

import math

import numpy as np

from mpi4py import MPI

comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()

intervals = 10_000_000
width = 1.0 / intervals
# This process takes intervals rank, rank+size, rank+2*size, ...
midpoints = (np.arange(rank, intervals, size, dtype=np.float64) + 0.5) * width
local = np.array([np.sum(4.0 / (1.0 + midpoints * midpoints)) * width])
total = np.zeros(1)
comm.Allreduce(local, total, op=MPI.SUM)

# The object API gives the same answer through pickled Python floats.
total_obj = comm.allreduce(float(local[0]), op=MPI.SUM)

if rank == 0:
    error = abs(total[0] - math.pi)
    print(f"pi ~= {total[0]:.15f} with {size} processes, error {error:.2e}")
    assert error < 1e-10, "integration went wrong"
    assert abs(total_obj - total[0]) < 1e-12
