"""Test helpers: small C programs built with the MPI compiler wrapper this
package was built with, and ways to complete requests from C."""

from __future__ import annotations

import atexit
import ctypes
import os
import shlex
import shutil
import subprocess
import sysconfig
import tempfile

import mpi4py
from mpi4py import MPI

_built: dict[str, str] = {}
_workdir: list[str] = []


def workdir() -> str:
    """A private directory for this process (pytest's tmp_path is shared by ranks)."""
    if not _workdir:
        directory = tempfile.mkdtemp(prefix=f"mpi4py-test-{os.getpid()}-")
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        _workdir.append(directory)
    return _workdir[0]


def build_source_path(name: str) -> str:
    return os.path.join(workdir(), name)


# A helper library for ctypes tests: plain C functions taking MPI handles by
# value or by address, exactly as C libraries wrapped with ctypes do.
HELPER_LIBRARY = r"""
#include <mpi.h>

int helper_comm_size(MPI_Comm comm) {
  int size = -1;
  if (MPI_Comm_size(comm, &size) != MPI_SUCCESS) return -1;
  return size;
}

int helper_comm_rank_p(MPI_Comm *comm) {
  int rank = -1;
  if (MPI_Comm_rank(*comm, &rank) != MPI_SUCCESS) return -1;
  return rank;
}

int helper_comm_dup(MPI_Comm comm, MPI_Comm *newcomm) {
  return MPI_Comm_dup(comm, newcomm);
}

int helper_type_size(MPI_Datatype type) {
  int size = -1;
  if (MPI_Type_size(type, &size) != MPI_SUCCESS) return -1;
  return size;
}

int helper_wait(MPI_Request *request) {
  MPI_Status status;
  return MPI_Wait(request, &status);
}

int helper_handle_size(void) { return (int) sizeof(MPI_Comm); }

int helper_file_open(const char *path, MPI_File *file) {
  int amode = MPI_MODE_CREATE | MPI_MODE_RDWR | MPI_MODE_DELETE_ON_CLOSE;
  return MPI_File_open(MPI_COMM_SELF, path, amode, MPI_INFO_NULL, file);
}
"""


def mpicc() -> list[str]:
    """The MPI C compiler wrapper recorded at build time (or $MPICC, or mpicc)."""
    compiler = mpi4py.get_config().get("mpicc") or os.environ.get("MPICC") or "mpicc"
    return shlex.split(compiler)


def build_shared(
    name: str, source: str, extra: list[str] | None = None, suffix: str = ".so"
) -> str:
    """Compile `source` (C) into a shared object, once per process and name."""
    key = name + suffix
    if key in _built:
        return _built[key]
    directory = workdir()
    source_path = os.path.join(directory, name + ".c")
    output = os.path.join(directory, name + suffix)
    with open(source_path, "w") as stream:
        stream.write(source)
    command = [
        *mpicc(),
        "-shared",
        "-fPIC",
        "-O1",
        "-o",
        output,
        source_path,
        *(extra or []),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"compiling {name} failed:\n{' '.join(command)}\n{result.stderr}"
        )
    _built[key] = output
    return output


def helper_library() -> ctypes.CDLL:
    return ctypes.CDLL(build_shared("mpihelper", HELPER_LIBRARY))


def python_extension_suffix() -> str:
    return sysconfig.get_config_var("EXT_SUFFIX") or ".so"


def python_include() -> str:
    return sysconfig.get_paths()["include"]


def open_file(path: str) -> MPI.File:
    """A File opened on COMM_SELF from C (deleted on close)."""
    library = helper_library()
    library.helper_file_open.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    file = MPI.File()
    ierr = library.helper_file_open(os.fsencode(path), MPI._addressof(file))
    if ierr != MPI.SUCCESS:
        raise MPI.Exception(ierr)
    return file


def wait_request(request: MPI.Request) -> None:
    """Complete a request, through Request.Wait when the binding has it."""
    if hasattr(MPI.Request, "Wait"):
        request.Wait()
        return
    library = helper_library()
    ierr = library.helper_wait(ctypes.c_void_p(MPI._addressof(request)))
    if ierr != MPI.SUCCESS:
        raise MPI.Exception(ierr)
