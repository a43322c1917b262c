"""MPI.Status getters, setters and properties."""

import pytest

from mpi4py import MPI


def test_defaults():
    status = MPI.Status()
    assert status.Get_source() == MPI.ANY_SOURCE
    assert status.Get_tag() == MPI.ANY_TAG
    assert status.Get_error() == MPI.SUCCESS
    assert status.Get_count() == 0
    assert not status.Is_cancelled()


def test_setters_and_properties():
    status = MPI.Status()
    status.Set_source(3)
    status.Set_tag(7)
    status.Set_error(MPI.ERR_OTHER)
    assert (status.source, status.tag, status.error) == (3, 7, MPI.ERR_OTHER)
    status.source, status.tag, status.error = 1, 2, MPI.SUCCESS
    assert (status.Get_source(), status.Get_tag(), status.Get_error()) == (1, 2, 0)
    status.Set_elements(MPI.INT, 5)
    assert status.Get_count(MPI.INT) == 5
    assert status.Get_elements(MPI.INT) == 5
    assert status.Get_count(MPI.BYTE) == 5 * MPI.INT.Get_size()
    assert status.count == 5 * MPI.INT.Get_size()
    status.Set_cancelled(True)
    assert status.Is_cancelled() and status.cancelled


def test_copy_and_equality():
    status = MPI.Status()
    status.source, status.tag = 4, 9
    copy = MPI.Status(status)
    assert copy == status
    copy.tag = 10
    assert copy != status and status.tag == 9


def test_count_not_multiple_is_undefined():
    status = MPI.Status()
    status.Set_elements(MPI.BYTE, 3)
    assert status.Get_count(MPI.INT) == MPI.UNDEFINED


def test_bad_arguments():
    status = MPI.Status()
    with pytest.raises(TypeError):
        status.Set_source("zero")
    with pytest.raises(TypeError):
        status.Get_count(42)
