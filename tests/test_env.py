"""Environment: initialization state, versions, thread level, timers, rc."""

import os
import subprocess
import sys

import pytest

import mpi4py
from mpi4py import MPI


def test_initialized_by_import():
    assert MPI.Is_initialized()
    assert not MPI.Is_finalized()


def test_version_matches_constants():
    version = MPI.Get_version()
    assert version == (MPI.VERSION, MPI.SUBVERSION)
    assert version >= (3, 1)


def test_library_version_names_a_library():
    text = MPI.Get_library_version()
    assert isinstance(text, str)
    assert any(name in text for name in ("MPICH", "Open MPI"))


def test_thread_level_from_rc():
    # rc.threads=True, rc.thread_level="multiple" by default.
    provided = MPI.Query_thread()
    assert provided in (
        MPI.THREAD_SINGLE,
        MPI.THREAD_FUNNELED,
        MPI.THREAD_SERIALIZED,
        MPI.THREAD_MULTIPLE,
    )
    assert MPI.THREAD_SINGLE < MPI.THREAD_FUNNELED < MPI.THREAD_SERIALIZED
    assert MPI.THREAD_SERIALIZED < MPI.THREAD_MULTIPLE
    assert MPI.Is_thread_main()


def test_processor_name():
    name = MPI.Get_processor_name()
    assert isinstance(name, str) and name


def test_wtime_advances():
    t0 = MPI.Wtime()
    total = 0
    for i in range(100000):
        total += i
    t1 = MPI.Wtime()
    assert t1 >= t0
    assert 0 < MPI.Wtick() < 1


def test_pcontrol():
    MPI.Pcontrol(1)
    MPI.Pcontrol(0)


def test_get_include_and_config():
    include = mpi4py.get_include()
    assert os.path.isdir(include)
    config = mpi4py.get_config()
    assert "mpicc" in config


def test_rc_rejects_unknown_option():
    with pytest.raises(TypeError):
        mpi4py.rc(no_such_option=True)
    with pytest.raises(TypeError):
        mpi4py.rc.no_such_option = 1


def test_rc_defaults():
    rc = mpi4py.rc
    assert rc.initialize is True
    assert rc.threads is True
    assert rc.thread_level == "multiple"
    assert rc.finalize is None
    assert rc.errors == "exception"
    assert isinstance(rc.irecv_bufsz, int)


def _run_singleton(code, **env):
    """Run `code` in a fresh singleton Python process (not under mpiexec)."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            (
                "PMI_",
                "PMIX_",
                "OMPI_",
                "HYDRA_",
                "MPI_LOCALNRANKS",
                "MPI_LOCALRANKID",
                "MPIR_",
                "PRTE_",
                "OPAL_",
            )
        )
    }
    environ.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.skipif(MPI.COMM_WORLD.Get_rank() != 0, reason="one process spawns it")
def test_rc_environment_variables():
    code = (
        "import mpi4py; from mpi4py import MPI; "
        "print(MPI.Is_initialized(), mpi4py.rc.thread_level, mpi4py.rc.errors)"
    )
    result = _run_singleton(
        code,
        MPI4PY_RC_INITIALIZE="false",
        MPI4PY_RC_THREAD_LEVEL="serialized",
        MPI4PY_RC_ERRORS="fatal",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "serialized", "fatal"]


@pytest.mark.skipif(MPI.COMM_WORLD.Get_rank() != 0, reason="one process spawns it")
def test_rc_bad_environment_value_is_reported():
    result = _run_singleton("from mpi4py import MPI", MPI4PY_RC_THREADS="maybe")
    assert result.returncode != 0
    assert "MPI4PY_RC_THREADS" in result.stderr


@pytest.mark.skipif(MPI.COMM_WORLD.Get_rank() != 0, reason="one process spawns it")
def test_explicit_init_and_finalize():
    code = (
        "import mpi4py; mpi4py.rc.initialize = False; mpi4py.rc.finalize = False\n"
        "from mpi4py import MPI\n"
        "assert not MPI.Is_initialized()\n"
        "provided = MPI.Init_thread(MPI.THREAD_SERIALIZED)\n"
        "assert MPI.Is_initialized() and provided >= MPI.THREAD_SINGLE\n"
        "assert MPI.COMM_WORLD.Get_size() == 1\n"
        "MPI.Finalize()\n"
        "assert MPI.Is_finalized()\n"
        "print('ok')\n"
    )
    result = _run_singleton(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.skipif(MPI.COMM_WORLD.Get_rank() != 0, reason="one process spawns it")
def test_rc_threads_false_gives_single():
    code = (
        "import mpi4py; mpi4py.rc.threads = False\n"
        "from mpi4py import MPI; print(MPI.Query_thread() == MPI.THREAD_SINGLE)"
    )
    result = _run_singleton(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


@pytest.mark.skipif(MPI.COMM_WORLD.Get_rank() != 0, reason="one process spawns it")
def test_rc_errors_policy_applied():
    code = (
        "import mpi4py; mpi4py.rc.errors = 'fatal'\n"
        "from mpi4py import MPI\n"
        "print(MPI.COMM_WORLD.Get_errhandler() == MPI.ERRORS_ARE_FATAL)"
    )
    result = _run_singleton(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
