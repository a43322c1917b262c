"""MPI.Exception and error classes, codes and strings."""

import pickle

import pytest

from mpi4py import MPI

ERROR_NAMES = [name for name in dir(MPI) if name.startswith("ERR_")]


def test_exception_is_runtime_error():
    assert issubclass(MPI.Exception, RuntimeError)
    assert MPI.Exception.__module__ == "mpi4py.MPI"
    assert MPI.Exception.__name__ == "Exception"


def test_exception_accessors():
    exc = MPI.Exception(MPI.ERR_RANK)
    assert exc.Get_error_code() == MPI.ERR_RANK
    assert exc.error_code == MPI.ERR_RANK
    assert exc.Get_error_class() == MPI.ERR_RANK
    assert exc.error_class == MPI.ERR_RANK
    assert isinstance(exc.Get_error_string(), str) and exc.Get_error_string()
    assert exc.error_string == MPI.Get_error_string(MPI.ERR_RANK)
    assert str(exc) == exc.Get_error_string()
    assert int(exc) == MPI.ERR_RANK
    assert exc == MPI.ERR_RANK and exc != MPI.ERR_TAG
    assert MPI.ERR_RANK == exc
    assert bool(exc) and not bool(MPI.Exception(MPI.SUCCESS))
    assert MPI.Exception() == MPI.SUCCESS
    assert hash(exc) == hash(MPI.ERR_RANK)
    assert repr(exc) == f"MPI.Exception({MPI.ERR_RANK})"


def test_exception_pickles():
    exc = pickle.loads(pickle.dumps(MPI.Exception(MPI.ERR_TAG)))
    assert isinstance(exc, MPI.Exception) and exc == MPI.ERR_TAG


def test_error_constants_are_distinct_classes():
    assert MPI.SUCCESS == 0
    assert len(ERROR_NAMES) > 50
    for name in ERROR_NAMES:
        value = getattr(MPI, name)
        assert isinstance(value, int)
        if name != "ERR_LASTCODE":
            assert MPI.SUCCESS < value <= MPI.ERR_LASTCODE, name
    standard = [
        getattr(MPI, n)
        for n in (
            "ERR_BUFFER",
            "ERR_COUNT",
            "ERR_TYPE",
            "ERR_TAG",
            "ERR_COMM",
            "ERR_RANK",
            "ERR_ROOT",
            "ERR_TRUNCATE",
        )
    ]
    assert len(set(standard)) == len(standard)


def test_error_class_and_string_of_classes():
    for name in ERROR_NAMES:
        if name == "ERR_LASTCODE":
            continue
        code = getattr(MPI, name)
        assert MPI.Get_error_class(code) == code, name
        assert isinstance(MPI.Get_error_string(code), str)


def test_user_error_class_code_string():
    errorclass = MPI.Add_error_class()
    assert errorclass > MPI.ERR_LASTCODE or errorclass > 0
    errorcode = MPI.Add_error_code(errorclass)
    MPI.Add_error_string(errorcode, "a user error")
    assert MPI.Get_error_class(errorcode) == errorclass
    assert MPI.Get_error_string(errorcode) == "a user error"
    assert MPI.Exception(errorcode).Get_error_class() == errorclass


def test_error_handler_constants():
    for name in ("ERRORS_RETURN", "ERRORS_ARE_FATAL", "ERRORS_ABORT"):
        handler = getattr(MPI, name)
        assert isinstance(handler, MPI.Errhandler) and handler
    assert not MPI.ERRHANDLER_NULL
    assert MPI.ERRORS_RETURN != MPI.ERRORS_ARE_FATAL


def test_predefined_communicators_return_errors():
    # rc.errors == "exception": failures come back as MPI.Exception.
    assert MPI.COMM_WORLD.Get_errhandler() == MPI.ERRORS_RETURN
    assert MPI.COMM_SELF.Get_errhandler() == MPI.ERRORS_RETURN
    with pytest.raises(MPI.Exception) as info:
        MPI.COMM_WORLD.Split_type(-12345)
    assert info.value.Get_error_class() != MPI.SUCCESS


def test_freeing_predefined_errhandler_raises():
    with pytest.raises(MPI.Exception):
        MPI.ERRORS_RETURN.Free()
    assert MPI.ERRORS_RETURN
