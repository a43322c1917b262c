# Type stubs for mpi4py.MPI (the C++ core). Sections follow csrc/ rooms.
from __future__ import annotations

import builtins
from typing import Any, Callable, Final, Iterable, Sequence, overload

from .typing import Buffer, BufSpec, BufSpecB, BufSpecV, BufSpecW, TargetSpec

# --- constants (env.cpp, errors.cpp) -----------------------------------------
UNDEFINED: Final[int]
ANY_SOURCE: Final[int]
ANY_TAG: Final[int]
PROC_NULL: Final[int]
ROOT: Final[int]
KEYVAL_INVALID: Final[int]
TAG_UB: Final[int]
HOST: Final[int]
IO: Final[int]
WTIME_IS_GLOBAL: Final[int]
UNIVERSE_SIZE: Final[int]
APPNUM: Final[int]
LASTUSEDCODE: Final[int]
IDENT: Final[int]
CONGRUENT: Final[int]
SIMILAR: Final[int]
UNEQUAL: Final[int]
CART: Final[int]
GRAPH: Final[int]
DIST_GRAPH: Final[int]
COMM_TYPE_SHARED: Final[int]
COMM_TYPE_HW_GUIDED: Final[int]
COMM_TYPE_HW_UNGUIDED: Final[int]
COMM_TYPE_RESOURCE_GUIDED: Final[int]
MAX_PSET_NAME_LEN: Final[int]
MAX_STRINGTAG_LEN: Final[int]
THREAD_SINGLE: Final[int]
THREAD_FUNNELED: Final[int]
THREAD_SERIALIZED: Final[int]
THREAD_MULTIPLE: Final[int]
VERSION: Final[int]
SUBVERSION: Final[int]
MAX_PROCESSOR_NAME: Final[int]
MAX_ERROR_STRING: Final[int]
MAX_PORT_NAME: Final[int]
MAX_INFO_KEY: Final[int]
MAX_INFO_VAL: Final[int]
MAX_OBJECT_NAME: Final[int]
MAX_DATAREP_STRING: Final[int]
MAX_LIBRARY_VERSION_STRING: Final[int]
SUCCESS: Final[int]
ERR_LASTCODE: Final[int]
ERR_BUFFER: Final[int]
ERR_COUNT: Final[int]
ERR_TYPE: Final[int]
ERR_TAG: Final[int]
ERR_COMM: Final[int]
ERR_RANK: Final[int]
ERR_REQUEST: Final[int]
ERR_ROOT: Final[int]
ERR_GROUP: Final[int]
ERR_OP: Final[int]
ERR_TOPOLOGY: Final[int]
ERR_DIMS: Final[int]
ERR_ARG: Final[int]
ERR_UNKNOWN: Final[int]
ERR_TRUNCATE: Final[int]
ERR_OTHER: Final[int]
ERR_INTERN: Final[int]
ERR_IN_STATUS: Final[int]
ERR_PENDING: Final[int]
ERR_KEYVAL: Final[int]
ERR_NO_MEM: Final[int]
ERR_BASE: Final[int]
ERR_INFO_KEY: Final[int]
ERR_INFO_VALUE: Final[int]
ERR_INFO_NOKEY: Final[int]
ERR_INFO: Final[int]
ERR_SPAWN: Final[int]
ERR_PORT: Final[int]
ERR_SERVICE: Final[int]
ERR_NAME: Final[int]
ERR_WIN: Final[int]
ERR_SIZE: Final[int]
ERR_DISP: Final[int]
ERR_LOCKTYPE: Final[int]
ERR_ASSERT: Final[int]
ERR_RMA_CONFLICT: Final[int]
ERR_RMA_SYNC: Final[int]
ERR_RMA_RANGE: Final[int]
ERR_RMA_ATTACH: Final[int]
ERR_RMA_SHARED: Final[int]
ERR_RMA_FLAVOR: Final[int]
ERR_FILE: Final[int]
ERR_NOT_SAME: Final[int]
ERR_AMODE: Final[int]
ERR_UNSUPPORTED_DATAREP: Final[int]
ERR_UNSUPPORTED_OPERATION: Final[int]
ERR_NO_SUCH_FILE: Final[int]
ERR_FILE_EXISTS: Final[int]
ERR_BAD_FILE: Final[int]
ERR_ACCESS: Final[int]
ERR_NO_SPACE: Final[int]
ERR_QUOTA: Final[int]
ERR_READ_ONLY: Final[int]
ERR_FILE_IN_USE: Final[int]
ERR_DUP_DATAREP: Final[int]
ERR_CONVERSION: Final[int]
ERR_IO: Final[int]
ERR_SESSION: Final[int]
ERR_PROC_ABORTED: Final[int]
ERR_VALUE_TOO_LARGE: Final[int]
ERR_ERRHANDLER: Final[int]

# --- environment (env.cpp) -----------------------------------------------------
def Init() -> None: ...
def Init_thread(required: int = ...) -> int: ...
def Finalize() -> None: ...
def Is_initialized() -> bool: ...
def Is_finalized() -> bool: ...
def Query_thread() -> int: ...
def Is_thread_main() -> bool: ...
def Get_version() -> tuple[int, int]: ...
def Get_library_version() -> str: ...
def Get_processor_name() -> str: ...
def Wtime() -> float: ...
def Wtick() -> float: ...
def Pcontrol(level: int) -> None: ...

# --- errors (errors.cpp, mpi4py/_exception.py) ----------------------------------
def Get_error_class(errorcode: int) -> int: ...
def Get_error_string(errorcode: int) -> str: ...
def Add_error_class() -> int: ...
def Add_error_code(errorclass: int) -> int: ...
def Add_error_string(errorcode: int, string: str) -> None: ...

class Exception(RuntimeError):
    def __init__(self, ierr: int = ...) -> None: ...
    def Get_error_code(self) -> int: ...
    def Get_error_class(self) -> int: ...
    def Get_error_string(self) -> str: ...
    @property
    def error_code(self) -> int: ...
    @property
    def error_class(self) -> int: ...
    @property
    def error_string(self) -> str: ...
    def __int__(self) -> int: ...
    def __index__(self) -> int: ...
    def __lt__(self, other: int) -> bool: ...
    def __le__(self, other: int) -> bool: ...
    def __gt__(self, other: int) -> bool: ...
    def __ge__(self, other: int) -> bool: ...

# --- buffer sentinels (buffer.cpp) ---------------------------------------------
class BottomType: ...
class InPlaceType: ...

BOTTOM: Final[BottomType]
IN_PLACE: Final[InPlaceType]

# --- pickle (pickle.cpp, mpi4py/_pickle.py) --------------------------------------
class Pickle:
    def __init__(
        self,
        dumps: Callable[..., Any] | None = None,
        loads: Callable[[Any], Any] | None = None,
        protocol: int | None = None,
        threshold: int | None = None,
    ) -> None: ...
    def dumps(self, obj: Any) -> bytes: ...
    def loads(self, data: Buffer) -> Any: ...
    def dumps_oob(self, obj: Any) -> tuple[bytes, list[memoryview]]: ...
    def loads_oob(self, data: Buffer, buffers: Iterable[Buffer]) -> Any: ...
    PROTOCOL: int | None
    THRESHOLD: int

pickle: Pickle

# --- status (status.cpp) -------------------------------------------------------
class Status:
    def __init__(self, status: Status | None = None) -> None: ...
    def Get_source(self) -> int: ...
    def Set_source(self, source: int) -> None: ...
    def Get_tag(self) -> int: ...
    def Set_tag(self, tag: int) -> None: ...
    def Get_error(self) -> int: ...
    def Set_error(self, error: int) -> None: ...
    def Get_count(self, datatype: Datatype | None = None) -> int: ...
    def Get_elements(self, datatype: Datatype) -> int: ...
    def Set_elements(self, datatype: Datatype, count: int) -> None: ...
    def Is_cancelled(self) -> bool: ...
    def Set_cancelled(self, flag: bool) -> None: ...
    source: int
    tag: int
    error: int
    @property
    def count(self) -> int: ...
    @property
    def cancelled(self) -> bool: ...

# --- datatype (datatype.cpp) ---------------------------------------------------
class Datatype:
    def __init__(self, datatype: Datatype | None = None) -> None: ...
    def __bool__(self) -> bool: ...
    @property
    def handle(self) -> int: ...
    def Get_size(self) -> int: ...
    def Get_extent(self) -> tuple[int, int]: ...
    def Get_true_extent(self) -> tuple[int, int]: ...
    def Get_name(self) -> str: ...
    def Set_name(self, name: str) -> None: ...
    @property
    def size(self) -> int: ...
    @property
    def extent(self) -> int: ...
    @property
    def lb(self) -> int: ...
    @property
    def ub(self) -> int: ...
    name: str
    # (datatype constructors and queries: section below)

DATATYPE_NULL: Final[Datatype]
PACKED: Final[Datatype]
BYTE: Final[Datatype]
AINT: Final[Datatype]
OFFSET: Final[Datatype]
COUNT: Final[Datatype]
CHAR: Final[Datatype]
WCHAR: Final[Datatype]
SIGNED_CHAR: Final[Datatype]
SHORT: Final[Datatype]
INT: Final[Datatype]
LONG: Final[Datatype]
LONG_LONG: Final[Datatype]
UNSIGNED_CHAR: Final[Datatype]
UNSIGNED_SHORT: Final[Datatype]
UNSIGNED: Final[Datatype]
UNSIGNED_LONG: Final[Datatype]
UNSIGNED_LONG_LONG: Final[Datatype]
FLOAT: Final[Datatype]
DOUBLE: Final[Datatype]
LONG_DOUBLE: Final[Datatype]
C_BOOL: Final[Datatype]
INT8_T: Final[Datatype]
INT16_T: Final[Datatype]
INT32_T: Final[Datatype]
INT64_T: Final[Datatype]
UINT8_T: Final[Datatype]
UINT16_T: Final[Datatype]
UINT32_T: Final[Datatype]
UINT64_T: Final[Datatype]
C_COMPLEX: Final[Datatype]
C_FLOAT_COMPLEX: Final[Datatype]
C_DOUBLE_COMPLEX: Final[Datatype]
C_LONG_DOUBLE_COMPLEX: Final[Datatype]
CXX_BOOL: Final[Datatype]
CXX_FLOAT_COMPLEX: Final[Datatype]
CXX_DOUBLE_COMPLEX: Final[Datatype]
CXX_LONG_DOUBLE_COMPLEX: Final[Datatype]
SHORT_INT: Final[Datatype]
INT_INT: Final[Datatype]
TWOINT: Final[Datatype]
LONG_INT: Final[Datatype]
FLOAT_INT: Final[Datatype]
DOUBLE_INT: Final[Datatype]
LONG_DOUBLE_INT: Final[Datatype]
CHARACTER: Final[Datatype]
LOGICAL: Final[Datatype]
INTEGER: Final[Datatype]
REAL: Final[Datatype]
DOUBLE_PRECISION: Final[Datatype]
COMPLEX: Final[Datatype]
DOUBLE_COMPLEX: Final[Datatype]
LOGICAL1: Final[Datatype]
LOGICAL2: Final[Datatype]
LOGICAL4: Final[Datatype]
LOGICAL8: Final[Datatype]
INTEGER1: Final[Datatype]
INTEGER2: Final[Datatype]
INTEGER4: Final[Datatype]
INTEGER8: Final[Datatype]
INTEGER16: Final[Datatype]
REAL2: Final[Datatype]
REAL4: Final[Datatype]
REAL8: Final[Datatype]
REAL16: Final[Datatype]
COMPLEX4: Final[Datatype]
COMPLEX8: Final[Datatype]
COMPLEX16: Final[Datatype]
COMPLEX32: Final[Datatype]
UNSIGNED_INT: Final[Datatype]
SIGNED_SHORT: Final[Datatype]
SIGNED_INT: Final[Datatype]
SIGNED_LONG: Final[Datatype]
SIGNED_LONG_LONG: Final[Datatype]
BOOL: Final[Datatype]
SINT8_T: Final[Datatype]
SINT16_T: Final[Datatype]
SINT32_T: Final[Datatype]
SINT64_T: Final[Datatype]
F_BOOL: Final[Datatype]
F_INT: Final[Datatype]
F_FLOAT: Final[Datatype]
F_DOUBLE: Final[Datatype]
F_COMPLEX: Final[Datatype]
F_FLOAT_COMPLEX: Final[Datatype]
F_DOUBLE_COMPLEX: Final[Datatype]
_typedict: dict[str, Datatype]

# --- op (op.cpp) -----------------------------------------------------------------
class Op:
    def __init__(self, op: Op | None = None) -> None: ...
    def __bool__(self) -> bool: ...
    @property
    def handle(self) -> int: ...
    def Is_commutative(self) -> bool: ...
    @property
    def is_commutative(self) -> bool: ...
    @property
    def is_predefined(self) -> bool: ...
    # (user ops and Reduce_local: collectives section below)

OP_NULL: Final[Op]
MAX: Final[Op]
MIN: Final[Op]
SUM: Final[Op]
PROD: Final[Op]
LAND: Final[Op]
BAND: Final[Op]
LOR: Final[Op]
BOR: Final[Op]
LXOR: Final[Op]
BXOR: Final[Op]
MAXLOC: Final[Op]
MINLOC: Final[Op]
REPLACE: Final[Op]
NO_OP: Final[Op]

# --- info (info.cpp) -------------------------------------------------------------
class Info:
    def __init__(self, info: Info | None = None) -> None: ...
    def __bool__(self) -> bool: ...
    @property
    def handle(self) -> int: ...

INFO_NULL: Final[Info]
INFO_ENV: Final[Info]

# --- errhandler (errhandler.cpp) -------------------------------------------------
class Errhandler:
    def __init__(self, errhandler: Errhandler | None = None) -> None: ...
    def __bool__(self) -> bool: ...
    @property
    def handle(self) -> int: ...
    def Free(self) -> None: ...

ERRHANDLER_NULL: Final[Errhandler]
ERRORS_RETURN: Final[Errhandler]
ERRORS_ARE_FATAL: Final[Errhandler]
ERRORS_ABORT: Final[Errhandler]

# --- group (group.cpp) -----------------------------------------------------------
class Group:
    def __init__(self, group: Group | None = None) -> None: ...
    def __bool__(self) -> bool: ...
    @property
    def handle(self) -> int: ...
    def Get_size(self) -> int: ...
    def Get_rank(self) -> int: ...
    @property
    def size(self) -> int: ...
    @property
    def rank(self) -> int: ...
    def Translate_ranks(self, ranks: Sequence[int] | None = None, group: Group | None = None) -> list[int]: ...
    def Compare(self, group: Group) -> int: ...
    def Union(self, group: Group) -> Group: ...
    def Intersection(self, group: Group) -> Group: ...
    def Difference(self, group: Group) -> Group: ...
    def Incl(self, ranks: Sequence[int]) -> Group: ...
    def Excl(self, ranks: Sequence[int]) -> Group: ...
    def Range_incl(self, ranks: Sequence[tuple[int, int, int]]) -> Group: ...
    def Range_excl(self, ranks: Sequence[tuple[int, int, int]]) -> Group: ...
    def Dup(self) -> Group: ...
    def Free(self) -> None: ...

GROUP_NULL: Final[Group]
GROUP_EMPTY: Final[Group]

# --- requests (request.cpp) ------------------------------------------------------
class Request:
    def __init__(self, request: Request | None = None) -> None: ...
    def __bool__(self) -> bool: ...
    @property
    def handle(self) -> int: ...
    # (completion methods: point-to-point section below)

class Prequest(Request): ...
class Grequest(Request): ...

# --- messages (message.cpp) ------------------------------------------------------
class Message:
    def __init__(self, message: Message | None = None) -> None: ...
    def __bool__(self) -> bool: ...
    @property
    def handle(self) -> int: ...

# --- communicators (comm.cpp) ----------------------------------------------------
class Comm:
    def __init__(self, comm: Comm | None = None) -> None: ...
    def __bool__(self) -> bool: ...
    @property
    def handle(self) -> int: ...
    def Get_size(self) -> int: ...
    def Get_rank(self) -> int: ...
    @property
    def size(self) -> int: ...
    @property
    def rank(self) -> int: ...
    def Get_group(self) -> Group: ...
    @property
    def group(self) -> Group: ...
    def Compare(self, comm: Comm) -> int: ...
    def Is_inter(self) -> bool: ...
    def Is_intra(self) -> bool: ...
    @property
    def is_inter(self) -> bool: ...
    @property
    def is_intra(self) -> bool: ...
    def Dup(self, info: Info | None = None) -> Comm: ...
    def Dup_with_info(self, info: Info) -> Comm: ...
    def Clone(self) -> Comm: ...
    def Split(self, color: int = 0, key: int = 0) -> Comm: ...
    def Split_type(self, split_type: int, key: int = 0, info: Info | None = None) -> Comm: ...
    def Create(self, group: Group) -> Comm: ...
    def Free(self) -> None: ...
    def Abort(self, errorcode: int = 0) -> None: ...
    def Get_name(self) -> str: ...
    def Set_name(self, name: str) -> None: ...
    name: str
    def Get_errhandler(self) -> Errhandler: ...
    def Set_errhandler(self, errhandler: Errhandler) -> None: ...
    def Get_topology(self) -> int: ...
    @property
    def topology(self) -> int: ...
    def Barrier(self) -> None: ...
    # (point-to-point, collectives, topology: sections below)

class Intracomm(Comm): ...
class Topocomm(Intracomm): ...
class Cartcomm(Topocomm): ...
class Graphcomm(Topocomm): ...
class Distgraphcomm(Topocomm): ...
class Intercomm(Comm): ...

COMM_NULL: Final[Comm]
COMM_SELF: Final[Intracomm]
COMM_WORLD: Final[Intracomm]

# --- one-sided, I/O, sessions (win.cpp, file.cpp, session.cpp) -------------------
class Win:
    def __init__(self, win: Win | None = None) -> None: ...
    def __bool__(self) -> bool: ...

class File:
    def __init__(self, file: File | None = None) -> None: ...
    def __bool__(self) -> bool: ...

class Session:
    def __init__(self, session: Session | None = None) -> None: ...
    def __bool__(self) -> bool: ...

# === point-to-point: p2p.cpp, request.cpp, message.cpp ===========================

# === collectives: coll.cpp, op.cpp ================================================

# === topologies: topo.cpp =========================================================

# === datatypes, memory: datatype.cpp, memory.cpp ==================================

# === info, attributes, errhandlers, handles, sessions =============================
