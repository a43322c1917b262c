"""The runner: `python -m mpi4py` aborts the whole job on an unhandled exception.

Only rank 0 launches the nested jobs; it removes the launcher's environment so
they start as independent MPI jobs.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import mpi4py
from mpi4py import MPI

WORLD = MPI.COMM_WORLD
IS_MPICH = "MPICH" in MPI.Get_library_version()
MPIEXEC = "mpiexec.mpich" if IS_MPICH else "mpiexec.openmpi"

pytestmark = pytest.mark.skipif(
    WORLD.Get_rank() != 0, reason="rank 0 launches the jobs"
)


def clean_env():
    prefixes = (
        "PMI_",
        "PMIX_",
        "OMPI_",
        "HYDRA_",
        "MPIR_",
        "PRTE_",
        "OPAL_",
        "MPI_LOCAL",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
    env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    src = os.path.dirname(os.path.dirname(mpi4py.__file__))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    return env


def launch(np, args, timeout):
    """Run `mpiexec -n np python args`: (returncode, or None on timeout; output)."""
    command = [MPIEXEC, "-n", str(np)]
    if not IS_MPICH:
        command.append("--oversubscribe")
    command += [sys.executable, *args]
    process = subprocess.Popen(
        command,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
        return process.returncode, output
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        return None, output


FAILING_SCRIPT = textwrap.dedent("""
    from mpi4py import MPI
    comm = MPI.COMM_WORLD
    if comm.rank == 0:
        1 / 0  # fails before its send
        comm.send("data", dest=1)
    elif comm.rank == 1:
        comm.recv(source=0)
""")


@pytest.fixture
def failing_script(tmp_path):
    path = tmp_path / "fails.py"
    path.write_text(FAILING_SCRIPT)
    return str(path)


def test_runner_aborts_instead_of_deadlocking(failing_script):
    start = time.monotonic()
    status, output = launch(2, ["-m", "mpi4py", failing_script], timeout=30)
    elapsed = time.monotonic() - start
    assert status is not None, "python -m mpi4py did not end the job:\n" + output
    assert status != 0
    assert "ZeroDivisionError" in output
    assert elapsed < 30


@pytest.mark.skipif(
    not IS_MPICH,
    reason="Open MPI's mpiexec itself kills a job whose "
    "process exits non-zero, so plain python ends there too",
)
def test_plain_python_is_the_case_that_hangs(failing_script):
    status, output = launch(2, [failing_script], timeout=8)
    message = f"expected plain python to hang; it ended with {status!r}:\n{output}"
    assert status is None, message
    assert "ZeroDivisionError" in output


def test_runner_success_exit_status(tmp_path):
    path = tmp_path / "ok.py"
    path.write_text(
        "import sys\nfrom mpi4py import MPI\n"
        "assert sys.argv[1:] == ['x', 'y']\n"
        'sys.stdout.write(f"rank {MPI.COMM_WORLD.Get_rank()}\\n")\n'
    )
    status, output = launch(2, ["-m", "mpi4py", str(path), "x", "y"], timeout=60)
    assert status == 0, output
    assert "rank 0" in output and "rank 1" in output


def test_runner_sys_exit_nonzero_aborts(tmp_path):
    path = tmp_path / "exit.py"
    path.write_text(
        "import sys\nfrom mpi4py import MPI\n"
        "if MPI.COMM_WORLD.rank == 0:\n    sys.exit(3)\n"
        "MPI.COMM_WORLD.recv(source=0)\n"
    )
    status, output = launch(2, ["-m", "mpi4py", str(path)], timeout=30)
    assert status not in (None, 0), output


def run_local(*args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "mpi4py", *args],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        input=stdin,
    )


def test_command_module_and_stdin_forms():
    result = run_local("-c", "import sys; print(sys.argv)", "a")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['-c', 'a']"
    result = run_local("-m", "mpi4py.bench", "helloworld")
    assert result.returncode == 0, result.stderr
    assert "Hello, World! I am process 0 of 1 on" in result.stdout
    result = run_local("-", "z", stdin="import sys; print(sys.argv[1:])\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['z']"


def test_informational_options():
    result = run_local("--version")
    assert result.stdout.strip() == f"mpi4py {mpi4py.__version__}"
    result = run_local("--prefix")
    assert os.path.isdir(result.stdout.strip())
    result = run_local("--mpi-std-version")
    assert result.stdout.strip() == "MPI {}.{}".format(*MPI.Get_version())
    result = run_local("--mpi-lib-version")
    assert result.stdout.strip() == MPI.Get_library_version().strip()
    result = run_local("-h")
    assert result.returncode == 0 and "usage:" in result.stdout


def test_rc_option():
    result = run_local(
        "--rc",
        "threads=false",
        "-c",
        "from mpi4py import MPI; print(MPI.Query_thread())",
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == MPI.THREAD_SINGLE
    result = run_local("--rc", "no_such_key=1", "-c", "pass")
    assert result.returncode != 0 and "no_such_key" in result.stderr


def test_usage_errors():
    result = run_local()
    assert result.returncode != 0 and "usage:" in result.stderr
    result = run_local("--bogus")
    assert result.returncode != 0 and "--bogus" in result.stderr
