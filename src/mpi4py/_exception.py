"""MPI.Exception: the Python exception every failing MPI call raises.

It lives in Python because it must derive from RuntimeError; the C++ core
installs it into ``mpi4py.MPI`` at import and raises it with the error code.
"""

from __future__ import annotations

from typing import Any


def install(MPI: Any) -> None:
    """Define ``Exception`` in the namespace of the ``MPI`` module."""
    success = MPI.SUCCESS

    class Exception(RuntimeError):  # noqa: A001 - the name is the public API
        """Exception class."""

        def __init__(self, ierr: int = success) -> None:
            if not isinstance(ierr, int):
                ierr = int(ierr)
            self.ob_mpi = ierr
            super().__init__(ierr)

        def Get_error_code(self) -> int:
            """Error code."""
            return self.ob_mpi

        def Get_error_class(self) -> int:
            """Error class."""
            return MPI.Get_error_class(self.ob_mpi)

        def Get_error_string(self) -> str:
            """Error string."""
            return MPI.Get_error_string(self.ob_mpi)

        error_code = property(Get_error_code, doc="error code")
        error_class = property(Get_error_class, doc="error class")
        error_string = property(Get_error_string, doc="error string")

        def __int__(self) -> int:
            return self.ob_mpi

        def __index__(self) -> int:
            return self.ob_mpi

        def __bool__(self) -> bool:
            return self.ob_mpi != success

        def __hash__(self) -> int:
            return hash(self.ob_mpi)

        def __eq__(self, other: object) -> bool:
            if isinstance(other, Exception):
                return self.ob_mpi == other.ob_mpi
            if isinstance(other, int):
                return self.ob_mpi == other
            return NotImplemented

        def __ne__(self, other: object) -> bool:
            result = self.__eq__(other)
            return result if result is NotImplemented else not result

        def __lt__(self, other: int) -> bool:
            return self.ob_mpi < int(other)

        def __le__(self, other: int) -> bool:
            return self.ob_mpi <= int(other)

        def __gt__(self, other: int) -> bool:
            return self.ob_mpi > int(other)

        def __ge__(self, other: int) -> bool:
            return self.ob_mpi >= int(other)

        def __repr__(self) -> str:
            return f"MPI.Exception({self.ob_mpi})"

        def __str__(self) -> str:
            try:
                return self.Get_error_string()
            except BaseException:  # MPI finalized, or the code is unknown
                return f"MPI error code {self.ob_mpi}"

        def __reduce__(self) -> tuple[Any, ...]:
            return (Exception, (self.ob_mpi,))

    Exception.__module__ = "mpi4py.MPI"
    Exception.__qualname__ = "Exception"
    MPI.Exception = Exception
