"""Typing support: the shapes of message specs accepted by mpi4py.MPI."""

from __future__ import annotations

from typing import Any, Protocol, Sequence, Union

__all__ = [
    "SupportsBuffer",
    "SupportsDLPack",
    "SupportsCAI",
    "Buffer",
    "Bottom",
    "InPlace",
    "Aint",
    "Count",
    "Displ",
    "Offset",
    "TypeSpec",
    "BufSpec",
    "BufSpecB",
    "BufSpecV",
    "BufSpecW",
    "TargetSpec",
]


class SupportsBuffer(Protocol):
    """An object exposing the Python buffer protocol."""

    def __buffer__(self, flags: int, /) -> memoryview: ...


class SupportsDLPack(Protocol):
    """An object exporting a DLPack capsule."""

    def __dlpack__(self, *, stream: int | None = None) -> Any: ...

    def __dlpack_device__(self) -> tuple[int, int]: ...


class SupportsCAI(Protocol):
    """An object exposing ``__cuda_array_interface__``."""

    @property
    def __cuda_array_interface__(self) -> dict[str, Any]: ...


Buffer = Union[
    SupportsBuffer, SupportsDLPack, SupportsCAI, bytes, bytearray, memoryview
]
Bottom = Any  # MPI.BOTTOM, or None where MPI allows it
InPlace = Any  # MPI.IN_PLACE, or None where MPI allows it
Aint = int
Count = int
Displ = int
Offset = int
TypeSpec = Any  # an MPI.Datatype or a typecode string such as "i" or "f8"

BufSpec = Union[
    Buffer,
    tuple[Buffer, Count],
    tuple[Buffer, TypeSpec],
    tuple[Buffer, Count, TypeSpec],
    tuple[Buffer, tuple[Count, Displ], TypeSpec],
    tuple[Buffer, Count, Displ, TypeSpec],
    list[Any],
]
BufSpecB = Union[
    Buffer,
    tuple[Buffer, Count],
    tuple[Buffer, TypeSpec],
    tuple[Buffer, Count, TypeSpec],
    list[Any],
]
BufSpecV = Union[
    Buffer,
    tuple[Buffer, Sequence[Count]],
    tuple[Buffer, tuple[Sequence[Count], Sequence[Displ]]],
    tuple[Buffer, TypeSpec],
    tuple[Buffer, Sequence[Count], TypeSpec],
    tuple[Buffer, tuple[Sequence[Count], Sequence[Displ]], TypeSpec],
    tuple[Buffer, Sequence[Count], Sequence[Displ], TypeSpec],
    list[Any],
]
BufSpecW = Union[
    tuple[Buffer, Sequence[Any]],
    tuple[Buffer, tuple[Sequence[Count], Sequence[Displ]], Sequence[Any]],
    tuple[Buffer, Sequence[Count], Sequence[Displ], Sequence[Any]],
    list[Any],
]
TargetSpec = Union[
    Displ,
    tuple[()],
    tuple[Displ],
    tuple[Displ, Count],
    tuple[Displ, Count, TypeSpec],
    list[Any],
]
