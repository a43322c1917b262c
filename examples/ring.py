"""Pass a token around a ring of processes; each adds its rank.

Rank 0 starts the token at 0; after one lap it must equal 0 + 1 + ... + (size-1).
"""

import numpy as np

from mpi4py import MPI

comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
right, left = (rank + 1) % size, (rank - 1) % size

token = np.zeros(1, dtype=np.int64)
if size == 1:
    expected = 0
elif rank == 0:
    comm.Send(token, dest=right, tag=7)
    comm.Recv(token, source=left, tag=7)
else:
    comm.Recv(token, source=left, tag=7)
    token += rank
    comm.Send(token, dest=right, tag=7)

if rank == 0:
    expected = size * (size - 1) // 2
    assert token[0] == expected, (token[0], expected)
    print(
        f"ring of {size} processes: token came back as {token[0]} (expected {expected})"
    )
