"""MPI-4 sessions: process sets, groups and communicators from them. With an
MPI-3 library, MPI.Session exists and every call raises NotImplementedError."""

import pickle

import pytest

from mpi4py import MPI

WORLD = MPI.COMM_WORLD
HAVE_SESSIONS = MPI.VERSION >= 4

needs_sessions = pytest.mark.skipif(not HAVE_SESSIONS, reason="MPI-4 sessions")


def test_class_and_null():
    assert isinstance(MPI.SESSION_NULL, MPI.Session)
    assert not MPI.SESSION_NULL
    assert MPI.Session() == MPI.SESSION_NULL
    assert MPI.Session(MPI.SESSION_NULL) == MPI.SESSION_NULL
    assert pickle.loads(pickle.dumps(MPI.SESSION_NULL)) == MPI.SESSION_NULL
    with pytest.raises(TypeError):
        MPI.Session(MPI.COMM_WORLD)


def test_subclass():
    class MySession(MPI.Session):
        pass

    assert MySession() == MPI.SESSION_NULL
    if HAVE_SESSIONS:
        session = MySession.Init()
        try:
            assert type(session) is MySession
        finally:
            session.Finalize()


@pytest.mark.skipif(HAVE_SESSIONS, reason="MPI-3 library only")
def test_unsupported():
    with pytest.raises(NotImplementedError):
        MPI.Session.Init()
    with pytest.raises(NotImplementedError):
        MPI.SESSION_NULL.Get_num_psets()
    with pytest.raises(NotImplementedError):
        MPI.SESSION_NULL.Finalize()
    with pytest.raises(NotImplementedError):
        MPI.Group.Create_from_session_pset(MPI.SESSION_NULL, "mpi://WORLD")


@pytest.fixture
def session():
    session = MPI.Session.Init()
    yield session
    if session:
        session.Finalize()


@needs_sessions
def test_init_finalize():
    session = MPI.Session.Init()
    assert isinstance(session, MPI.Session)
    assert session != MPI.SESSION_NULL
    session.Finalize()
    assert session == MPI.SESSION_NULL
    with pytest.raises(MPI.Exception):
        session.Finalize()


@needs_sessions
def test_init_with_info_and_errhandler():
    info = MPI.Info.Create({"thread_level": "MPI_THREAD_SINGLE"})
    try:
        session = MPI.Session.Init(info, MPI.ERRORS_RETURN)
    finally:
        info.Free()
    handler = session.Get_errhandler()
    assert handler == MPI.ERRORS_RETURN
    handler.Free()
    session.Finalize()


@needs_sessions
def test_psets(session):
    count = session.Get_num_psets()
    assert count >= 2
    names = [session.Get_nth_pset(n) for n in range(count)]
    assert "mpi://WORLD" in names
    assert "mpi://SELF" in names
    assert all(isinstance(name, str) and name for name in names)
    info = MPI.Info.Create()
    try:
        assert session.Get_num_psets(info) == count
        assert session.Get_nth_pset(0, info) == names[0]
    finally:
        info.Free()
    with pytest.raises(MPI.Exception):
        session.Get_nth_pset(count + 10)


@needs_sessions
def test_pset_info(session):
    info = session.Get_pset_info("mpi://WORLD")
    try:
        assert isinstance(info, MPI.Info)
        assert int(info["mpi_size"]) == WORLD.Get_size()
    finally:
        info.Free()
    info = session.Get_pset_info("mpi://SELF")
    try:
        assert int(info["mpi_size"]) == 1
    finally:
        info.Free()


@needs_sessions
def test_session_info(session):
    info = session.Get_info()
    try:
        assert isinstance(info, MPI.Info)
    finally:
        info.Free()


@needs_sessions
def test_groups_from_psets(session):
    world = session.Create_group("mpi://WORLD")
    self_group = MPI.Group.Create_from_session_pset(session, "mpi://SELF")
    try:
        assert world.Get_size() == WORLD.Get_size()
        assert world.Get_rank() == WORLD.Get_rank()
        assert self_group.Get_size() == 1
        assert self_group.Get_rank() == 0
    finally:
        world.Free()
        self_group.Free()

    class MyGroup(MPI.Group):
        pass

    group = MyGroup.Create_from_session_pset(session, "mpi://WORLD")
    assert type(group) is MyGroup
    group.Free()


@needs_sessions
def test_bad_pset_name(session):
    with pytest.raises(MPI.Exception):
        session.Create_group("mpi://NO-SUCH-PSET")
    with pytest.raises(TypeError):
        session.Create_group(None)


@needs_sessions
def test_comm_from_session_group(session):
    group = session.Create_group("mpi://WORLD")
    try:
        comm = MPI.Intracomm.Create_from_group(group, "org.mpi4py.test.session")
    finally:
        group.Free()
    try:
        assert type(comm) is MPI.Intracomm
        assert comm.Get_size() == WORLD.Get_size()
        assert comm.Get_rank() == WORLD.Get_rank()
        dup = comm.Dup()
        assert dup.Compare(comm) == MPI.CONGRUENT
        dup.Free()
    finally:
        comm.Free()


@needs_sessions
def test_session_errhandler(session):
    calls = []
    handler = MPI.Session.Create_errhandler(lambda s, code: calls.append((s, code)))
    try:
        session.Set_errhandler(handler)
        session.Call_errhandler(MPI.ERR_OTHER)
    finally:
        session.Set_errhandler(MPI.ERRORS_RETURN)
        handler.Free()
    assert len(calls) == 1
    assert isinstance(calls[0][0], MPI.Session)
    assert calls[0][0] == session
    assert calls[0][1] == MPI.ERR_OTHER


@needs_sessions
def test_session_handles(session):
    assert MPI.Session.f2py(session.py2f()) == session
    assert MPI.Session.fromhandle(session.handle) == session
    with pytest.raises(ValueError):
        pickle.dumps(session)
