"""Self-tests of the test harness (tests/run and tests/conftest.py).

None of these import mpi4py: they must pass even when it cannot be imported.
"""

import importlib.machinery
import importlib.util
import json
import os
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


def load_source(name, filename):
    """Import a file of this directory under a private module name.

    (``tests/run`` has no .py suffix; conftest.py is loaded afresh rather than
    imported by name, which depends on pytest's import mode.)
    """
    path = os.path.join(HERE, filename)
    loader = importlib.machinery.SourceFileLoader(name, path)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def runner():
    return load_source("_mpi4py_tests_run", "run")


def test_ranks_agree_through_files(launcher_rank_size, results_dir, tmp_path):
    """All ranks see one size and distinct ranks 0..size-1 (no MPI needed).

    Each rank drops a file into the directory shared by the run, then waits
    for the others' files.
    """
    rank, size = launcher_rank_size
    assert 0 <= rank < size
    shared = os.path.join(results_dir or str(tmp_path), "rendezvous")
    os.makedirs(shared, exist_ok=True)
    mine = os.path.join(shared, f"rank{rank}")
    with open(mine + ".tmp", "w") as f:
        json.dump({"rank": rank, "size": size, "pid": os.getpid()}, f)
    os.rename(mine + ".tmp", mine)  # others never read a half-written file

    deadline = time.monotonic() + 30
    while len([n for n in os.listdir(shared) if not n.endswith(".tmp")]) < size:
        assert time.monotonic() < deadline, "other ranks never showed up"
        time.sleep(0.05)
    seen = []
    for name in os.listdir(shared):
        if not name.endswith(".tmp"):
            with open(os.path.join(shared, name)) as f:
                seen.append(json.load(f))
    assert sorted(s["rank"] for s in seen) == list(range(size))
    assert {s["size"] for s in seen} == {size}
    assert len({s["pid"] for s in seen}) == size


def test_start_record_precedes_outcome(request, launcher_rank_size, results_dir):
    """While a test runs, its rank's results file ends with its "start"."""
    if results_dir is None:
        pytest.skip("not run by tests/run (no results directory)")
    rank, _ = launcher_rank_size
    with open(os.path.join(results_dir, f"rank{rank}.jsonl")) as f:
        records = [json.loads(line) for line in f]
    assert records[0]["event"] == "session"
    last = records[-1]
    assert (last["event"], last["nodeid"]) == ("start", request.node.nodeid)
    assert last["rank"] == rank


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"PMI_RANK": "2", "PMI_SIZE": "3"}, (2, 3)),
        ({"OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_SIZE": "4"}, (1, 4)),
        ({"PMIX_RANK": "3"}, (3, 4)),
        ({}, (0, 1)),
    ],
)
def test_env_rank_size(environ, expected):
    conftest = load_source("_mpi4py_tests_conftest", "conftest.py")
    assert conftest.env_rank_size(environ) == expected


# -- the aggregation rules of tests/run, on made-up records -------------------


def records(*per_rank):
    """Build {rank: records} from per-rank lists of (event, nodeid, outcome)."""
    out = {}
    for rank, events in enumerate(per_rank):
        out[rank] = [{"event": "session"}]
        for event, nodeid, outcome in events:
            rec = {"event": event, "nodeid": nodeid}
            if event == "outcome":
                rec.update(outcome=outcome, short=f"{outcome} r{rank}", text="")
            out[rank].append(rec)
    return out


def ran(nodeid, outcome):
    return [("start", nodeid, None), ("outcome", nodeid, outcome)]


def verdicts(result):
    return {t.nodeid: t.outcome for t in result.tests}


def test_aggregate_a_failure_on_any_rank_fails(runner):
    recs = records(
        ran("t::a", "passed") + ran("t::b", "passed") + ran("t::c", "skipped"),
        ran("t::a", "passed") + ran("t::b", "failed") + ran("t::c", "skipped"),
        ran("t::a", "passed") + ran("t::b", "skipped") + ran("t::c", "skipped"),
    )
    result = runner.aggregate(recs, 3, returncode=1)
    assert verdicts(result) == {"t::a": "passed", "t::b": "failed", "t::c": "skipped"}
    assert (result.passed, result.failed, result.skipped) == (1, 1, 1)
    assert result.problems == []  # the failed test explains the exit status
    assert "rank 1" in result.tests[1].reason


def test_aggregate_skipping_on_some_ranks_is_allowed(runner):
    # e.g. a test that only rank 0 runs (it launches a child mpiexec job)
    recs = records(ran("t::a", "passed"), ran("t::a", "skipped"))
    assert verdicts(runner.aggregate(recs, 2)) == {"t::a": "passed"}


def test_aggregate_hang_names_the_test(runner):
    recs = records(
        ran("t::a", "passed") + [("start", "t::hang", None)],
        ran("t::a", "passed") + [("start", "t::hang", None)],
    )
    result = runner.aggregate(recs, 2, returncode=1, stacks={1: "Thread 0x1"})
    assert verdicts(result) == {"t::a": "passed", "t::hang": "failed"}
    assert "hang/timeout" in result.tests[1].reason
    assert result.failed == 1


def test_aggregate_unexplained_exit_and_timeout(runner):
    recs = records(ran("t::a", "passed"), ran("t::a", "passed"))
    bad_exit = runner.aggregate(recs, 2, returncode=134)
    assert bad_exit.failed == 1 and "134" in bad_exit.problems[0]
    timed_out = runner.aggregate(recs, 2, returncode=-9, timed_out=5)
    assert timed_out.failed == 1 and "timed out" in timed_out.problems[0]
    silent_rank = runner.aggregate({0: recs[0]}, 2, returncode=0)
    assert silent_rank.failed == 1 and "rank 1" in silent_rank.problems[0]


def test_aggregate_test_missing_on_a_rank(runner):
    # Rank 1 finished its session without running t::b: a real mismatch.
    recs = records(ran("t::a", "passed") + ran("t::b", "passed"), ran("t::a", "passed"))
    recs[1] += [{"event": "sessionfinish", "exitstatus": 0}]
    assert verdicts(runner.aggregate(recs, 2))["t::b"] == "failed"
    # Rank 1 was killed before reaching t::b: not judged, the hang is reported.
    recs = records(
        ran("t::a", "passed") + ran("t::b", "passed"), [("start", "t::a", None)]
    )
    result = runner.aggregate(recs, 2, returncode=1)
    assert verdicts(result) == {"t::a": "failed", "t::b": "incomplete"}
    assert (result.passed, result.failed, result.skipped) == (0, 1, 0)
