"""``python -m mpi4py``: run a Python program under MPI, aborting on errors."""

from .run import main

if __name__ == "__main__":
    main()
