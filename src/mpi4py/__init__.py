"""MPI for Python: Python bindings for the Message Passing Interface.

The compiled module :mod:`mpi4py.MPI` (C++) wraps a real MPI library. Importing
it initializes MPI and registers finalization at exit, as :data:`rc` says.
"""

from __future__ import annotations

import os
import sys
from typing import Any

__version__ = "4.1.0"
__author__ = "MPI for Python developers"
__credits__ = "MPI Forum, MPICH Team, Open MPI Team"

__all__ = ["rc", "get_include", "get_config", "profile"]


class Rc:
    """Runtime configuration options, read when :mod:`mpi4py.MPI` is imported.

    Each option can also be set through an ``MPI4PY_RC_<NAME>`` environment
    variable, which takes precedence.
    """

    initialize = True
    threads = True
    thread_level = "multiple"
    finalize: bool | None = None
    fast_reduce = True
    recv_mprobe = True
    irecv_bufsz = 32768
    errors = "exception"

    def __init__(self, **kwargs: Any) -> None:
        self(**kwargs)

    def __setattr__(self, name: str, value: Any) -> None:
        if not hasattr(self, name):
            raise TypeError(f"object has no attribute {name!r}")
        super().__setattr__(name, value)

    def __call__(self, **kwargs: Any) -> None:
        for key, value in kwargs.items():
            setattr(self, key, value)

    def __repr__(self) -> str:
        return f"<{__spec__.name}.rc>"


rc = Rc()
sys.modules[__name__ + ".rc"] = rc  # type: ignore[assignment]  # `import mpi4py.rc`


_BOOL_WORDS = {
    "true": True,
    "yes": True,
    "on": True,
    "y": True,
    "1": True,
    "false": False,
    "no": False,
    "off": False,
    "n": False,
    "0": False,
}


def _rc_from_env(rc: Rc, environ: Any = os.environ) -> None:
    """Apply ``MPI4PY_RC_*`` environment variables to ``rc``."""

    def as_bool(name: str, value: str, allow_none: bool = False) -> Any:
        word = value.strip().lower()
        if allow_none and word == "none":
            return None
        if word in _BOOL_WORDS:
            return _BOOL_WORDS[word]
        raise ValueError(f"MPI4PY_RC_{name.upper()}: expected a boolean, got {value!r}")

    def choice(name: str, value: str, choices: tuple[str, ...]) -> str:
        word = value.strip().lower()
        if word not in choices:
            raise ValueError(
                f"MPI4PY_RC_{name.upper()}: expected one of {choices}, got {value!r}"
            )
        return word

    for name in ("initialize", "threads", "fast_reduce", "recv_mprobe"):
        value = environ.get(f"MPI4PY_RC_{name.upper()}")
        if value is not None:
            setattr(rc, name, as_bool(name, value))
    value = environ.get("MPI4PY_RC_FINALIZE")
    if value is not None:
        rc.finalize = as_bool("finalize", value, allow_none=True)
    value = environ.get("MPI4PY_RC_THREAD_LEVEL")
    if value is not None:
        rc.thread_level = choice(
            "thread_level", value, ("single", "funneled", "serialized", "multiple")
        )
    value = environ.get("MPI4PY_RC_ERRORS")
    if value is not None:
        rc.errors = choice("errors", value, ("exception", "default", "abort", "fatal"))
    value = environ.get("MPI4PY_RC_IRECV_BUFSZ")
    if value is not None:
        rc.irecv_bufsz = int(value)


def get_include() -> str:
    """Return the directory with the C header ``mpi4py/mpi4py.h``."""
    return os.path.join(os.path.dirname(__file__), "include")


def get_config() -> dict[str, str]:
    """Return a dictionary with the MPI build configuration (``mpi.cfg``)."""
    from configparser import ConfigParser

    parser = ConfigParser()
    parser.read(os.path.join(os.path.dirname(__file__), "mpi.cfg"))
    return dict(parser.items("mpi")) if parser.has_section("mpi") else {}


def profile(name: str, *, path: str | list[str] | None = None) -> None:
    """Load an MPI profiling library (``lib<name>.so``) before MPI is initialized."""
    import ctypes
    import ctypes.util

    if name is None:
        raise ValueError("profile name must be given")
    if isinstance(path, str):
        path = [path]
    candidates: list[str] = []
    for directory in path or []:
        candidates += [
            os.path.join(directory, f"lib{name}.so"),
            os.path.join(directory, name),
        ]
    found = ctypes.util.find_library(name)
    if found:
        candidates.append(found)
    for candidate in candidates:
        if os.path.isabs(candidate) and not os.path.exists(candidate):
            continue
        try:
            ctypes.CDLL(candidate, mode=ctypes.RTLD_GLOBAL)
            return
        except OSError:
            continue
    raise ValueError(f"profiling library {name!r} not found")
