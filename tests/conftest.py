"""Per-rank plumbing for running pytest under ``mpiexec`` (see ``tests/run``).

Every MPI rank runs the whole pytest session, so every test is executed
collectively by all ranks.  This file makes that workable:

* The rank and size are read from the launcher's environment (Hydra/MPICH sets
  PMI_RANK/PMI_SIZE, Open MPI sets OMPI_COMM_WORLD_RANK/SIZE and PMIX_RANK).
  MPI is deliberately *not* imported here: importing ``mpi4py.MPI`` at
  collection time would initialize MPI even for tests that do not want it, and
  would break every test if the package cannot be imported.
* Ranks > 0 keep pytest's terminal report quiet; rank 0 prints the usual one.
* If ``MPI4PY_TEST_RESULTS`` names a directory, every rank appends JSON lines to
  ``rank<N>.jsonl`` there: a "start" record before each test and an "outcome"
  record after it (plus session and collection-error records).  ``tests/run``
  merges these files into the verdict.  A "start" without an "outcome" means
  the rank died or hung inside that test.
* If ``MPI4PY_TEST_TIMEOUT`` is a positive number of seconds, a hung test makes
  the rank dump all thread stacks (to ``rank<N>.stack`` in the results
  directory, else to stderr) and exit; ``mpiexec`` then tears the job down.
  The same watchdog covers interpreter shutdown (e.g. a hanging MPI_Finalize).
  SIGUSR1 dumps the stacks the same way without exiting.
* Under ``tests/run`` the ranks leave pytest together (see
  ``_RankRecorder.wait_for_other_ranks``), so that Open MPI does not kill rank 0
  mid-report when another rank exits early with a failure status.

Run outside ``mpiexec`` (plain ``pytest``), this behaves as rank 0 of 1 and
writes nothing.
"""

import faulthandler
import json
import os
import signal
import sys
import time

import pytest

RESULTS_ENV = "MPI4PY_TEST_RESULTS"
TIMEOUT_ENV = "MPI4PY_TEST_TIMEOUT"

# (rank variable, size variable) per launcher, most specific first.  PMIx does
# not export the job size (Open MPI, the PMIx user here, also sets its own
# OMPI_COMM_WORLD_* variables); with the size unknown, rank + 1 is assumed.
_LAUNCHER_VARS = (
    ("PMI_RANK", "PMI_SIZE"),  # MPICH / Hydra, Intel MPI
    ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),  # Open MPI
    ("PMIX_RANK", None),  # other PMIx launchers
)


def env_rank_size(environ=None):
    """Return ``(rank, size)`` as told by the MPI launcher, ``(0, 1)`` if none."""
    environ = os.environ if environ is None else environ
    for rank_var, size_var in _LAUNCHER_VARS:
        if environ.get(rank_var, "").isdigit():
            rank = int(environ[rank_var])
            size_text = environ.get(size_var, "") if size_var else ""
            size = int(size_text) if size_text.isdigit() else rank + 1
            return rank, size
    return 0, 1


RANK, SIZE = env_rank_size()

# Taken out of the environment so that a pytest run in a subprocess of a test
# (which would load this file too) cannot write into this rank's records.
RESULTS_DIR = os.environ.pop(RESULTS_ENV, "") or None
try:
    TIMEOUT = float(os.environ.pop(TIMEOUT_ENV, "0"))
except ValueError:
    TIMEOUT = 0.0


class _RankRecorder:
    """Appends this rank's JSON-lines records and arms the hang watchdog."""

    def __init__(self, results_dir, timeout):
        self.timeout = timeout
        self.reports = {}  # nodeid -> list of TestReport (setup/call/teardown)
        self.fd = None
        self.results_dir = results_dir
        if results_dir:
            os.makedirs(results_dir, exist_ok=True)
            path = os.path.join(results_dir, f"rank{RANK}.jsonl")
            # One os.write() per O_APPEND record: the line is in the kernel as
            # soon as it returns, so it survives os._exit() and SIGKILL.
            self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            stack_path = os.path.join(results_dir, f"rank{RANK}.stack")
            self.stack_file = open(stack_path, "w")  # noqa: SIM115 - lives forever
            # tests/run sends SIGUSR1 before killing a run that overran its
            # whole-run timeout: dump the stacks, then go on (and be killed).
            faulthandler.register(signal.SIGUSR1, file=self.stack_file)
        else:
            # dup() stderr now, while pytest is not capturing it: during a test
            # fd 2 points at pytest's capture file, which dies with the process.
            self.stack_file = os.fdopen(os.dup(sys.stderr.fileno()), "w")

    def write(self, event, **fields):
        if self.fd is None:
            return
        record = {"event": event, "rank": RANK, "size": SIZE, "time": time.time()}
        record.update(fields)
        os.write(self.fd, (json.dumps(record) + "\n").encode())

    def arm(self):
        # faulthandler's watchdog is a C thread that does not need the GIL, so
        # it fires even if the main thread is stuck in C code holding the GIL.
        if self.timeout > 0:
            faulthandler.dump_traceback_later(
                self.timeout, exit=True, file=self.stack_file
            )

    def disarm(self):
        if self.timeout > 0:
            faulthandler.cancel_dump_traceback_later()

    # -- pytest hooks ------------------------------------------------------

    def pytest_sessionstart(self, session):
        self.write("session", pid=os.getpid(), argv=sys.argv)

    def pytest_collectreport(self, report):
        if report.failed:
            self.write(
                "collect_error",
                nodeid=report.nodeid,
                short=_short_text(report),
                text=_long_text(report),
            )

    def pytest_runtest_logstart(self, nodeid, location):
        self.write("start", nodeid=nodeid)
        self.arm()

    def pytest_runtest_logreport(self, report):
        self.reports.setdefault(report.nodeid, []).append(report)

    def pytest_runtest_logfinish(self, nodeid, location):
        self.disarm()
        outcome, when, short, text = _summarize(self.reports.pop(nodeid, []))
        self.write(
            "outcome", nodeid=nodeid, outcome=outcome, when=when, short=short, text=text
        )

    def pytest_sessionfinish(self, session, exitstatus):
        self.write("sessionfinish", exitstatus=int(exitstatus))

    def pytest_unconfigure(self, config):
        # pytest's final report (with the tracebacks) has been printed now.
        self.write("unconfigure")
        self.wait_for_other_ranks()
        # Keep a watchdog running through interpreter shutdown: atexit handlers
        # (MPI_Finalize) can hang too.  It is cancelled when faulthandler shuts
        # down, which happens after atexit handlers have run.
        self.arm()

    def wait_for_other_ranks(self):
        """Leave pytest only when every rank has, or has died trying.

        Open MPI aborts the whole job as soon as one rank exits with a
        non-zero status; pytest exits with 1 on a rank where a test failed.
        Without MPI initialized nothing else holds the ranks together, and
        rank 0 would be killed before printing its report.  The ranks meet
        through files in the results directory: each writes rank<N>.done and
        waits until every other rank has written its own or left a watchdog
        stack dump.  A rank that crashed costs at most half the test timeout.
        """
        if self.fd is None or SIZE == 1:
            return
        results_dir = self.results_dir
        open(os.path.join(results_dir, f"rank{RANK}.done"), "w").close()
        deadline = time.monotonic() + (self.timeout / 2 if self.timeout > 0 else 30)
        waiting = set(range(SIZE)) - {RANK}
        while waiting and time.monotonic() < deadline:
            for rank in list(waiting):
                base = os.path.join(results_dir, f"rank{rank}")
                if os.path.exists(base + ".done") or _nonempty(base + ".stack"):
                    waiting.discard(rank)
            time.sleep(0.02)


def _nonempty(path):
    try:
        return os.path.getsize(path) > 0
    except OSError:
        return False


def _summarize(reports):
    """Fold one test's setup/call/teardown reports into a single outcome."""
    for report in reports:
        if report.failed:
            return "failed", report.when, _short_text(report), _long_text(report)
    for report in reports:
        if report.skipped:
            # xfail is reported by pytest as a skip carrying ``wasxfail``.
            reason = getattr(report, "wasxfail", None)
            if reason is None and isinstance(report.longrepr, tuple):
                reason = report.longrepr[2]
            return "skipped", report.when, str(reason or ""), ""
    if reports:
        return "passed", "call", "", ""
    return "failed", "setup", "no test report", ""


def _short_text(report):
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return crash.message.splitlines()[0] if crash.message else ""
    lines = [line for line in report.longreprtext.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _long_text(report, limit=8000):
    text = report.longreprtext
    for title, content in report.sections:  # captured stdout/stderr/log
        text += f"\n----- {title} -----\n{content}"
    if len(text) > limit:  # keep the end, where the error is
        text = "...\n" + text[-limit:]
    return text


# -- hooks of this conftest --------------------------------------------------

_saved_stdout = None  # rank > 0: the real sys.stdout while it is swapped out
_devnull = None


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """Install the recorder; hide pytest's terminal report on ranks > 0."""
    global _saved_stdout, _devnull
    config.pluginmanager.register(
        _RankRecorder(RESULTS_DIR, TIMEOUT),
        "mpi4py-rank-recorder",
    )
    if RANK > 0:
        # pytest's TerminalReporter binds to sys.stdout in its own
        # pytest_configure, which runs after this tryfirst hook.  Handing it
        # /dev/null silences it while keeping it registered (pytest's
        # assertion rewriting asks it for a terminal writer on failures).
        _saved_stdout = sys.stdout
        _devnull = sys.stdout = open(os.devnull, "w")  # noqa: SIM115


def pytest_sessionstart(session):
    # Every pytest_configure has run by now, so the reporter holds /dev/null;
    # give the process its real stdout back.
    # (pytest's capturing may already have put the real one back itself.)
    global _saved_stdout
    if _saved_stdout is not None and sys.stdout is _devnull:
        sys.stdout = _saved_stdout
    _saved_stdout = None


def pytest_report_header(config):
    return f"mpi (from launcher env): rank {RANK} of {SIZE}"


@pytest.fixture(scope="session")
def launcher_rank_size():
    """``(rank, size)`` as the MPI launcher told this process (no MPI import)."""
    return RANK, SIZE


@pytest.fixture(scope="session")
def results_dir():
    """The per-run results directory shared by all ranks, or None."""
    return RESULTS_DIR
