"""Miscellaneous utilities built on :mod:`mpi4py.MPI`.

Submodules are imported on demand: ``from mpi4py.util import dtlib``.
"""
