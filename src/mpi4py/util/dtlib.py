"""Convert between NumPy dtypes and MPI datatypes.

:func:`from_numpy_dtype` builds an MPI datatype with the memory layout of a
NumPy dtype: scalars map to predefined datatypes, subarray dtypes to
contiguous or subarray datatypes, structured dtypes (aligned or packed) to
struct datatypes resized to the dtype's itemsize. The result is a new
datatype the caller owns: commit it to communicate, free it when done.

:func:`to_numpy_dtype` goes the other way for the datatypes whose layout a
dtype can express: predefined, duplicated, contiguous, vector, indexed,
struct, resized (lower bound zero) and subarray datatypes. Structured results
name their fields ``f0``, ``f1``, ...
"""

from __future__ import annotations

from typing import Any, Sequence

from .. import MPI

_numpy: Any
try:
    import numpy as _numpy
except ImportError:  # pragma: no cover - NumPy is optional
    _numpy = None

__all__ = ["from_numpy_dtype", "to_numpy_dtype"]


def _np() -> Any:
    if _numpy is None:  # pragma: no cover
        raise RuntimeError("mpi4py.util.dtlib needs NumPy")
    return _numpy


class _Temporaries:
    """Datatypes made along the way; the derived ones are freed on exit."""

    def __init__(self) -> None:
        self.items: list[MPI.Datatype] = []

    def add(self, datatype: MPI.Datatype) -> MPI.Datatype:
        self.items.append(datatype)
        return datatype

    def __enter__(self) -> _Temporaries:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for datatype in self.items:
            if datatype and not datatype.is_predefined:
                datatype.Free()


# --- NumPy -> MPI --------------------------------------------------------------


def from_numpy_dtype(dtype: Any) -> MPI.Datatype:
    """Return a new MPI datatype with the memory layout of a NumPy dtype."""
    dtype = _np().dtype(dtype)
    if dtype.hasobject:
        raise ValueError("cannot convert a NumPy dtype holding Python objects")
    if not dtype.isnative:
        raise ValueError(
            f"cannot convert NumPy dtype {dtype} with non-native byte order"
        )
    if dtype.names is not None:
        return _from_struct(dtype)
    if dtype.subdtype is not None:
        return _from_subarray(*dtype.subdtype)
    try:
        datatype = MPI.Datatype.fromcode(dtype.char)
    except ValueError:
        raise ValueError(f"no MPI datatype matches NumPy dtype {dtype}") from None
    return datatype.Dup()


def _from_struct(dtype: Any) -> MPI.Datatype:
    with _Temporaries() as temps:
        offsets = [dtype.fields[name][1] for name in dtype.names]
        members = [
            temps.add(from_numpy_dtype(dtype.fields[name][0])) for name in dtype.names
        ]
        struct = temps.add(
            MPI.Datatype.Create_struct([1] * len(members), offsets, members)
        )
        return struct.Create_resized(0, dtype.itemsize)


def _from_subarray(base: Any, shape: tuple[int, ...]) -> MPI.Datatype:
    with _Temporaries() as temps:
        element = temps.add(from_numpy_dtype(base))
        if len(shape) == 1 or 0 in shape:
            count = 1
            for extent in shape:
                count *= extent
            return element.Create_contiguous(count)
        return element.Create_subarray(list(shape), list(shape), [0] * len(shape))


# --- MPI -> NumPy --------------------------------------------------------------

# The (value, index) pair datatypes of MINLOC/MAXLOC, by their value type.
_PAIR_VALUES = {
    "SHORT_INT": "h",
    "INT_INT": "i",
    "LONG_INT": "l",
    "FLOAT_INT": "f",
    "DOUBLE_INT": "d",
    "LONG_DOUBLE_INT": "g",
}


def to_numpy_dtype(datatype: MPI.Datatype) -> Any:
    """Return the NumPy dtype with the memory layout of an MPI datatype."""
    np = _np()
    if not datatype:
        raise ValueError("cannot convert MPI.DATATYPE_NULL to a NumPy dtype")
    return _element(np, datatype)


# Internally a datatype converts to a dtype whose field offsets are measured
# from the datatype's origin and whose itemsize reaches the datatype's upper
# bound or the end of its data, whichever is further, so that it can be
# placed as a field of an enclosing record. Repeating it (and returning it)
# additionally needs a zero lower bound and no data past the upper bound:
# only then is the NumPy stride, the itemsize, the MPI stride, the extent.


def _convert(np: Any, datatype: MPI.Datatype) -> Any:
    if datatype.lb < 0:
        raise ValueError("cannot convert an MPI datatype reaching below its origin")
    combiner = datatype.combiner
    if combiner == MPI.COMBINER_NAMED:
        return _from_named(np, datatype)
    if combiner in (
        MPI.COMBINER_F90_INTEGER,
        MPI.COMBINER_F90_REAL,
        MPI.COMBINER_F90_COMPLEX,
    ):
        return np.dtype(datatype.typestr)
    with _Temporaries() as temps:
        base, name, params = datatype.decode()
        temps.add(base)
        for member in params.get("datatypes", ()):
            temps.add(member)
        convert = _CONVERTERS.get(name)
        if convert is None:
            raise ValueError(f"cannot convert a {name} MPI datatype to a NumPy dtype")
        return convert(np, datatype, base, params)


def _element(np: Any, datatype: MPI.Datatype) -> Any:
    """The dtype of a datatype used as a repeated element."""
    if datatype.lb != 0:
        raise ValueError("cannot convert an MPI datatype whose lower bound is not zero")
    dtype = _convert(np, datatype)
    if dtype.itemsize != datatype.extent:
        raise ValueError(
            "cannot convert an MPI datatype whose data reaches past its extent"
        )
    return dtype


def _reach(datatype: MPI.Datatype) -> int:
    """Bytes from the origin to the upper bound or the end of the data."""
    return max(datatype.ub, datatype.true_ub)


def _from_named(np: Any, datatype: MPI.Datatype) -> Any:
    for name, value in _PAIR_VALUES.items():
        if datatype == getattr(MPI, name):
            fields = [(np.dtype(value), 0), (np.dtype("i"), None)]
            return _record(np, fields, datatype.extent)
    typestr = datatype.typestr
    if typestr.startswith("V"):
        raise ValueError(f"no NumPy dtype matches MPI datatype {datatype.Get_name()}")
    return np.dtype(typestr)


def _record(np: Any, fields: Sequence[tuple[Any, int | None]], itemsize: int) -> Any:
    """A structured dtype with fields f0, f1, ... at the given offsets (None:
    the next suitably aligned offset). It is marked aligned when the layout is
    exactly the one a C compiler (and ``align=True``) would give the fields."""
    offsets, formats, end = [], [], 0
    for dtype, offset in fields:
        if offset is None:
            offset = _round_up(end, dtype.alignment)
        offsets.append(offset)
        formats.append(dtype)
        end = offset + dtype.itemsize
    spec: dict[str, Any] = {
        "names": [f"f{i}" for i in range(len(formats))],
        "formats": formats,
        "offsets": offsets,
        "itemsize": itemsize,
    }
    if formats and (offsets, itemsize) == _natural_layout(formats):
        spec["aligned"] = True
    return np.dtype(spec)


def _round_up(value: int, alignment: int) -> int:
    return -(-value // alignment) * alignment


def _natural_layout(formats: list[Any]) -> tuple[list[int], int]:
    offsets, end = [], 0
    for dtype in formats:
        offsets.append(_round_up(end, dtype.alignment))
        end = offsets[-1] + dtype.itemsize
    return offsets, _round_up(end, max(dtype.alignment for dtype in formats))


def _repeat(np: Any, datatype: MPI.Datatype, count: int) -> Any:
    """`count` consecutive items of a datatype as one field."""
    if count == 1:
        return _convert(np, datatype)
    return np.dtype((_element(np, datatype), (count,)))


def _blocks(
    np: Any, datatype: MPI.Datatype, base: MPI.Datatype, blocks: list[tuple[int, int]]
) -> Any:
    """A record of (byte offset, item count) blocks of `base`."""
    fields = [(_repeat(np, base, count), offset) for offset, count in blocks]
    return _record(np, fields, _reach(datatype))


def _dup(
    np: Any, datatype: MPI.Datatype, base: MPI.Datatype, params: dict[str, Any]
) -> Any:
    return _convert(np, base)


def _contiguous(
    np: Any, datatype: MPI.Datatype, base: MPI.Datatype, params: dict[str, Any]
) -> Any:
    return np.dtype((_element(np, base), (params["count"],)))


def _vector(
    np: Any, datatype: MPI.Datatype, base: MPI.Datatype, params: dict[str, Any]
) -> Any:
    stride = params["stride"]
    if datatype.combiner == MPI.COMBINER_VECTOR:
        stride *= base.extent
    blocks = [(i * stride, params["blocklength"]) for i in range(params["count"])]
    return _blocks(np, datatype, base, blocks)


def _indexed(
    np: Any, datatype: MPI.Datatype, base: MPI.Datatype, params: dict[str, Any]
) -> Any:
    displacements = params["displacements"]
    lengths = params.get("blocklengths") or [params["blocklength"]] * len(displacements)
    unit = 1
    if datatype.combiner in (MPI.COMBINER_INDEXED, MPI.COMBINER_INDEXED_BLOCK):
        unit = base.extent
    blocks = [(d * unit, n) for d, n in zip(displacements, lengths)]
    return _blocks(np, datatype, base, blocks)


def _struct(
    np: Any, datatype: MPI.Datatype, base: MPI.Datatype, params: dict[str, Any]
) -> Any:
    fields = [
        (_repeat(np, member, count), offset)
        for member, count, offset in zip(
            params["datatypes"], params["blocklengths"], params["displacements"]
        )
    ]
    return _record(np, fields, _reach(datatype))


def _resized(
    np: Any, datatype: MPI.Datatype, base: MPI.Datatype, params: dict[str, Any]
) -> Any:
    inner = _convert(np, base)
    if inner.names is None:
        fields = [(inner, 0)]
    else:
        fields = [inner.fields[name] for name in inner.names]
    return _record(np, fields, _reach(datatype))


def _subarray(
    np: Any, datatype: MPI.Datatype, base: MPI.Datatype, params: dict[str, Any]
) -> Any:
    element = _element(np, base)
    sizes, subsizes, starts = params["sizes"], params["subsizes"], params["starts"]
    if params["order"] == MPI.ORDER_FORTRAN:
        sizes, subsizes, starts = sizes[::-1], subsizes[::-1], starts[::-1]
    if subsizes == sizes:
        return np.dtype((element, tuple(sizes)))
    # One block per contiguous run along the last (fastest) dimension.
    strides = [1] * len(sizes)
    for k in range(len(sizes) - 2, -1, -1):
        strides[k] = strides[k + 1] * sizes[k + 1]
    blocks = []
    for index in np.ndindex(*subsizes[:-1]):
        first = sum((s + i) * t for s, i, t in zip(starts, (*index, 0), strides))
        blocks.append((first * base.extent, subsizes[-1]))
    return _blocks(np, datatype, base, blocks)


_CONVERTERS = {
    "DUP": _dup,
    "CONTIGUOUS": _contiguous,
    "VECTOR": _vector,
    "HVECTOR": _vector,
    "INDEXED": _indexed,
    "HINDEXED": _indexed,
    "INDEXED_BLOCK": _indexed,
    "HINDEXED_BLOCK": _indexed,
    "STRUCT": _struct,
    "RESIZED": _resized,
    "SUBARRAY": _subarray,
}
