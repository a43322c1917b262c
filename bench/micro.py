"""Per-call overhead of tiny calls and the cost of importing mpi4py.MPI.

Runs each interpreter (this package, upstream mpi4py) in turn, interleaved over
several repetitions, and reports medians:

    python bench/micro.py --python .venv/bin/python --upstream .venv-upstream/bin/python
"""

import argparse
import os
import statistics
import subprocess
import sys

CALLS = {
    "comm.Get_rank()": "comm.Get_rank()",
    "comm.rank": "comm.rank",
    "MPI.Wtime()": "Wtime()",
    "MPI.Get_processor_name()": "Get_processor_name()",
}

LOOP = """
import timeit
from mpi4py import MPI
comm = MPI.COMM_WORLD
Wtime = MPI.Wtime
Get_processor_name = MPI.Get_processor_name
n = {n}
best = min(timeit.repeat({stmt!r}, globals=globals(), number=n, repeat=5))
print(best / n)
"""

IMPORT = (
    "import time; t = time.perf_counter(); import mpi4py.MPI; "
    "print(time.perf_counter() - t)"
)


def singleton_env():
    prefixes = ("PMI_", "PMIX_", "OMPI_", "HYDRA_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    return env


def measure(python, code):
    result = subprocess.run(
        [python, "-c", code],
        capture_output=True,
        text=True,
        env=singleton_env(),
        cwd="/",
        check=True,
    )
    return float(result.stdout.split()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--python", default=".venv/bin/python")
    parser.add_argument("--upstream", default=".venv-upstream/bin/python")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--calls", type=int, default=1_000_000)
    options = parser.parse_args()
    pythons = {"ours": os.path.abspath(options.python)}
    if os.path.exists(options.upstream):
        pythons["upstream"] = os.path.abspath(options.upstream)
    rows = {"import mpi4py.MPI [ms]": IMPORT}
    rows.update(
        {
            f"{name} [ns]": LOOP.format(n=options.calls, stmt=stmt)
            for name, stmt in CALLS.items()
        }
    )
    samples = {(row, who): [] for row in rows for who in pythons}
    for _ in range(options.repeat):
        for row, code in rows.items():
            for who, python in pythons.items():
                samples[row, who].append(measure(python, code))
    header = f"{'workload':32} {'upstream':>10} {'ours':>10} {'ours/upstream':>14}"
    print(header)
    print("-" * len(header))
    for row in rows:
        scale = 1e3 if row.endswith("[ms]") else 1e9
        ours = statistics.median(samples[row, "ours"]) * scale
        if "upstream" in pythons:
            upstream = statistics.median(samples[row, "upstream"]) * scale
            print(f"{row:32} {upstream:10.1f} {ours:10.1f} {ours / upstream:14.2f}")
        else:
            print(f"{row:32} {'-':>10} {ours:10.1f} {'-':>14}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
