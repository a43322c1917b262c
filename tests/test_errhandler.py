"""Error handlers: predefined ones, handlers written in Python, user error codes."""

import pathlib
import sys
import tempfile

import pytest
from cbuild import open_file

from mpi4py import MPI


@pytest.fixture
def comm():
    comm = MPI.COMM_WORLD.Dup()
    yield comm
    comm.Set_errhandler(MPI.ERRORS_RETURN)
    comm.Free()


@pytest.fixture
def reported(monkeypatch):
    hooked = []
    monkeypatch.setattr(sys, "unraisablehook", hooked.append)
    yield hooked
    hooked.clear()


def test_predefined():
    for name in (
        "ERRHANDLER_NULL",
        "ERRORS_RETURN",
        "ERRORS_ARE_FATAL",
        "ERRORS_ABORT",
    ):
        assert isinstance(getattr(MPI, name), MPI.Errhandler)
    assert not MPI.ERRHANDLER_NULL
    assert MPI.ERRORS_RETURN
    assert MPI.ERRORS_RETURN != MPI.ERRORS_ARE_FATAL


def test_default_handler_is_errors_return():
    for comm in (MPI.COMM_WORLD, MPI.COMM_SELF):
        handler = comm.Get_errhandler()
        try:
            assert handler == MPI.ERRORS_RETURN
        finally:
            handler.Free()


def test_set_and_get(comm):
    comm.Set_errhandler(MPI.ERRORS_ARE_FATAL)
    handler = comm.Get_errhandler()
    assert handler == MPI.ERRORS_ARE_FATAL
    handler.Free()
    comm.Set_errhandler(MPI.ERRORS_RETURN)
    handler = comm.Get_errhandler()
    assert handler == MPI.ERRORS_RETURN
    handler.Free()


def test_dup_inherits_handler(comm):
    comm.Set_errhandler(MPI.ERRORS_ARE_FATAL)
    dup = comm.Dup()
    try:
        handler = dup.Get_errhandler()
        assert handler == MPI.ERRORS_ARE_FATAL
        handler.Free()
    finally:
        dup.Set_errhandler(MPI.ERRORS_RETURN)
        dup.Free()


def test_free_predefined_raises():
    for handler in (MPI.ERRORS_RETURN, MPI.ERRORS_ARE_FATAL, MPI.ERRHANDLER_NULL):
        with pytest.raises(MPI.Exception):
            handler.Free()
    copy = MPI.Errhandler(MPI.ERRORS_RETURN)
    copy.free()  # predefined: left alone
    assert copy == MPI.ERRORS_RETURN
    # Other objects holding a predefined handler (as Get_errhandler returns
    # them) release their reference.
    copy.Free()
    assert copy == MPI.ERRHANDLER_NULL
    assert MPI.ERRORS_RETURN != MPI.ERRHANDLER_NULL


def test_python_handler_call(comm):
    calls = []
    handler = MPI.Comm.Create_errhandler(lambda c, code: calls.append((c, code)))
    try:
        assert isinstance(handler, MPI.Errhandler)
        assert handler != MPI.ERRHANDLER_NULL
        comm.Set_errhandler(handler)
        current = comm.Get_errhandler()
        assert current == handler
        current.Free()
        comm.Call_errhandler(MPI.ERR_OTHER)
        comm.Call_errhandler(MPI.ERR_ARG)
    finally:
        comm.Set_errhandler(MPI.ERRORS_RETURN)
        handler.Free()
    assert [code for _, code in calls] == [MPI.ERR_OTHER, MPI.ERR_ARG]
    obj = calls[0][0]
    assert isinstance(obj, MPI.Intracomm)
    assert obj == comm


def test_python_handler_on_real_error(comm):
    calls = []
    handler = MPI.Comm.Create_errhandler(lambda c, code: calls.append(code))
    comm.Set_errhandler(handler)
    handler.Free()  # still attached to comm
    with pytest.raises(MPI.Exception) as excinfo:
        comm.Get_attr(987654321)
    comm.Set_errhandler(MPI.ERRORS_RETURN)
    assert len(calls) == 1
    assert calls[0] == excinfo.value.Get_error_code()


def test_python_handler_several(comm):
    seen = []
    handlers = [
        MPI.Comm.Create_errhandler(lambda c, code, i=i: seen.append((i, code)))
        for i in range(5)
    ]
    try:
        for handler in handlers:
            comm.Set_errhandler(handler)
            comm.Call_errhandler(MPI.ERR_OTHER)
    finally:
        comm.Set_errhandler(MPI.ERRORS_RETURN)
        for handler in handlers:
            handler.Free()
    assert seen == [(i, MPI.ERR_OTHER) for i in range(5)]


def test_many_handlers_created_and_freed(comm):
    # Slots of freed handlers are reused once fresh ones run out.
    count = 0
    for _ in range(200):
        handler = MPI.Comm.Create_errhandler(lambda c, code: None)
        handler.Free()
        assert handler == MPI.ERRHANDLER_NULL
        count += 1
    assert count == 200


def test_handler_table_exhaustion():
    # Each live Python handler holds one of a fixed number of C entry points.
    handlers = []
    try:
        with pytest.raises(RuntimeError):
            for _ in range(1000):
                handlers.append(MPI.Win.Create_errhandler(lambda w, code: None))
        assert 1 <= len(handlers) <= 64
    finally:
        for handler in handlers:
            handler.Free()
    # Freed entries are handed out again.
    handler = MPI.Win.Create_errhandler(lambda w, code: None)
    handler.Free()


def test_python_handler_raising(comm, reported):
    def broken(c, code):
        raise ZeroDivisionError("on purpose")

    handler = MPI.Comm.Create_errhandler(broken)
    comm.Set_errhandler(handler)
    try:
        comm.Call_errhandler(MPI.ERR_OTHER)
    finally:
        comm.Set_errhandler(MPI.ERRORS_RETURN)
        handler.Free()
    assert len(reported) == 1
    assert isinstance(reported[0].exc_value, ZeroDivisionError)


def test_create_errhandler_not_callable():
    for kind in (MPI.Comm, MPI.Win, MPI.File):
        with pytest.raises(TypeError):
            kind.Create_errhandler(42)
        with pytest.raises(TypeError):
            kind.Create_errhandler(None)


def test_subclass_errhandler(comm):
    class MyComm(MPI.Intracomm):
        pass

    calls = []
    handler = MyComm.Create_errhandler(lambda c, code: calls.append(code))
    mine = MyComm(comm)
    mine.Set_errhandler(handler)
    mine.Call_errhandler(MPI.ERR_ARG)
    mine.Set_errhandler(MPI.ERRORS_RETURN)
    handler.Free()
    assert calls == [MPI.ERR_ARG]


def test_file_default_handler():
    # FILE_NULL carries the default error handler of file operations.
    default = MPI.FILE_NULL.Get_errhandler()
    try:
        assert default == MPI.ERRORS_RETURN
        MPI.FILE_NULL.Set_errhandler(MPI.ERRORS_RETURN)
    finally:
        default.Free()


def test_file_handlers():
    # Per-process temporary files: pytest's tmp_path is shared by the ranks.
    with tempfile.TemporaryDirectory() as directory:
        check_file_handlers(pathlib.Path(directory) / "errhandler.bin")


def check_file_handlers(path):
    file = open_file(str(path))
    calls = []
    handler = MPI.File.Create_errhandler(lambda f, code: calls.append((f, code)))
    try:
        file.Set_errhandler(handler)
        current = file.Get_errhandler()
        assert current == handler
        current.Free()
        file.Call_errhandler(MPI.ERR_IO)
        file.Set_errhandler(MPI.ERRORS_RETURN)
    finally:
        handler.Free()
        file.free()  # closes it
    assert file == MPI.FILE_NULL
    assert not path.exists()
    assert len(calls) == 1
    assert isinstance(calls[0][0], MPI.File)
    assert calls[0][1] == MPI.ERR_IO


def test_win_handlers():
    handler = MPI.Win.Create_errhandler(lambda w, code: None)
    assert isinstance(handler, MPI.Errhandler) and handler
    handler.Free()
    assert handler == MPI.ERRHANDLER_NULL
    with pytest.raises(MPI.Exception):
        MPI.WIN_NULL.Call_errhandler(MPI.ERR_OTHER)
    with pytest.raises(MPI.Exception):
        MPI.WIN_NULL.Get_errhandler()


def test_error_classes_codes_strings(comm):
    errorclass = MPI.Add_error_class()
    assert errorclass >= MPI.ERR_LASTCODE
    errorcode = MPI.Add_error_code(errorclass)
    MPI.Add_error_string(errorcode, "a user defined error")
    assert MPI.Get_error_class(errorcode) == errorclass
    assert MPI.Get_error_string(errorcode) == "a user defined error"
    exc = MPI.Exception(errorcode)
    assert exc.Get_error_code() == errorcode
    assert exc.Get_error_class() == errorclass
    assert exc.error_string == "a user defined error"
    assert str(exc) == "a user defined error"
    calls = []
    handler = MPI.Comm.Create_errhandler(lambda c, code: calls.append(code))
    comm.Set_errhandler(handler)
    comm.Call_errhandler(errorcode)
    comm.Set_errhandler(MPI.ERRORS_RETURN)
    handler.Free()
    assert calls == [errorcode]
    last = MPI.COMM_WORLD.Get_attr(MPI.LASTUSEDCODE)
    assert last is None or last >= errorclass


def test_error_string_of_standard_classes():
    for errorclass in (MPI.ERR_COMM, MPI.ERR_ARG, MPI.ERR_OTHER, MPI.SUCCESS):
        assert isinstance(MPI.Get_error_string(errorclass), str)
        assert MPI.Get_error_class(errorclass) == errorclass


def test_bad_arguments():
    with pytest.raises(TypeError):
        MPI.Add_error_code("class")
    with pytest.raises(TypeError):
        MPI.Add_error_string(MPI.ERR_OTHER, 42)
    with pytest.raises(TypeError):
        MPI.COMM_WORLD.Set_errhandler(None)
    with pytest.raises(TypeError):
        MPI.COMM_WORLD.Call_errhandler("code")


def test_errhandler_handles():
    assert MPI.Errhandler.f2py(MPI.ERRORS_RETURN.py2f()) == MPI.ERRORS_RETURN
    assert MPI.Errhandler.fromhandle(MPI.ERRORS_RETURN.handle) == MPI.ERRORS_RETURN
