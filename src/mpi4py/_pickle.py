"""MPI.Pickle: the serializer behind every object (lowercase) API call.

The C++ core reads ``_dumps``, ``_loads`` and ``_protocol`` from the active
``MPI.pickle`` on each call, so ``MPI.pickle.__init__(dumps, loads)`` (e.g. with
cloudpickle, dill or json) takes effect immediately.
"""

from __future__ import annotations

import pickle as _stdpickle
from typing import Any, Callable

_DEFAULT_THRESHOLD = 256 * 1024


class Pickle:
    """Pickle/unpickle Python objects."""

    __slots__ = ("_dumps", "_loads", "_protocol", "_threshold")

    def __init__(
        self,
        dumps: Callable[..., Any] | None = None,
        loads: Callable[[Any], Any] | None = None,
        protocol: int | None = None,
        threshold: int | None = None,
    ) -> None:
        if dumps is None:
            dumps = _stdpickle.dumps
            if protocol is None:
                protocol = _stdpickle.HIGHEST_PROTOCOL
        self._dumps = dumps
        self._loads = _stdpickle.loads if loads is None else loads
        # A custom dumps gets a protocol argument only when one is given.
        self._protocol = protocol
        self._threshold = _DEFAULT_THRESHOLD if threshold is None else int(threshold)

    def dumps(self, obj: Any) -> bytes:
        """Serialize object to a bytes-like object."""
        if self._protocol is None:
            data = self._dumps(obj)
        else:
            data = self._dumps(obj, self._protocol)
        return data.encode() if isinstance(data, str) else data

    def loads(self, data: Any) -> Any:
        """Deserialize object from a bytes-like object."""
        return self._loads(data)

    def dumps_oob(self, obj: Any) -> tuple[bytes, list[memoryview]]:
        """Serialize object to data and out-of-band buffers (pickle protocol 5)."""
        buffers: list[memoryview] = []
        threshold = self._threshold

        def keep_large(buffer: _stdpickle.PickleBuffer) -> bool:
            raw = buffer.raw()
            if raw.nbytes < threshold:
                return True
            buffers.append(raw)
            return False

        protocol = max(self._protocol or 5, 5)
        data = _stdpickle.dumps(obj, protocol, buffer_callback=keep_large)
        return data, buffers

    def loads_oob(self, data: Any, buffers: Any) -> Any:
        """Deserialize object from data and out-of-band buffers."""
        return _stdpickle.loads(data, buffers=buffers)

    @property
    def PROTOCOL(self) -> int | None:
        """Protocol version."""
        return self._protocol

    @PROTOCOL.setter
    def PROTOCOL(self, protocol: int | None) -> None:
        if protocol is None and self._dumps is _stdpickle.dumps:
            protocol = _stdpickle.HIGHEST_PROTOCOL
        self._protocol = protocol

    @property
    def THRESHOLD(self) -> int:
        """Out-of-band threshold."""
        return self._threshold

    @THRESHOLD.setter
    def THRESHOLD(self, threshold: int | None) -> None:
        self._threshold = _DEFAULT_THRESHOLD if threshold is None else int(threshold)


def install(MPI: Any) -> None:
    """Define ``Pickle`` and the active ``pickle`` in the ``MPI`` module."""
    Pickle.__module__ = "mpi4py.MPI"
    MPI.Pickle = Pickle
    MPI.pickle = Pickle()
