#!/usr/bin/env python3
"""Compare plain C, upstream mpi4py and this project's mpi4py on one MPI library.

The three implementations run interleaved (C, upstream, ours, C, upstream,
ours, ...) for several rounds, so slow phases of a noisy machine hit all of them
alike.  Each program reports the median time of its own repetitions; this
driver takes the median of those over the rounds and prints one table.

Standard library only.  See README.md in this directory.
"""

import argparse
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

C_PROGRAMS = {  # program -> workloads it measures
    "pingpong": ("pingpong",),
    "bandwidth": ("bw",),
    "collectives": ("allreduce", "bcast", "allgather", "alltoall", "barrier"),
}
WORKLOADS = ("pingpong", "bw", "allreduce", "bcast", "allgather", "alltoall", "barrier")
APIS = ("numpy", "bytes", "pickle")
API_ORDER = {"c": 0, "numpy": 1, "bytes": 2, "buffer": 3, "pickle": 4}
IMPLS = ("c", "upstream", "ours")
# Units of interleaving: (workloads, Python APIs).  Each group also runs the C
# programs for its workloads that no earlier group runs (so the pickle rows
# compare with the C results of the buffer groups).
GROUPS = (
    (("pingpong", "bw"), ("numpy", "bytes")),
    (WORKLOADS[2:], ("numpy", "bytes")),
    (WORKLOADS, ("pickle",)),
)


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# -- configuration ------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Benchmark C vs upstream mpi4py vs this project's mpi4py.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--mpi",
        default="mpich",
        choices=("mpich", "openmpi"),
        help="MPI library (selects mpicc.MPI / mpiexec.MPI and the C build)",
    )
    p.add_argument("-n", "--np", type=int, default=2, help="number of processes")
    p.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="interleaved rounds (each runs every implementation once)",
    )
    p.add_argument(
        "--reps",
        type=int,
        default=5,
        help="timed repetitions per workload inside one program run",
    )
    p.add_argument(
        "--target-ms",
        type=float,
        default=10.0,
        help="approximate duration of one timed repetition",
    )
    p.add_argument(
        "--only", default="", help="comma-separated workloads: " + ",".join(WORKLOADS)
    )
    p.add_argument(
        "--api",
        default="",
        help="comma-separated Python APIs: " + ",".join(APIS) + " (default all)",
    )
    p.add_argument(
        "--max-size",
        type=int,
        default=None,
        help="leave out messages larger than this many bytes",
    )
    p.add_argument(
        "--python",
        default=None,
        help="interpreter with this project's mpi4py "
        "(default: .venv/bin/python at the repository root)",
    )
    p.add_argument(
        "--pythonpath",
        default=None,
        help="directory prepended to PYTHONPATH for 'ours' (e.g. src)",
    )
    p.add_argument(
        "--upstream-python",
        default=None,
        help="interpreter with upstream mpi4py (default: "
        ".venv-upstream/bin/python, or .venv-upstream-openmpi for Open MPI)",
    )
    p.add_argument("--no-c", action="store_true", help="leave out the C column")
    p.add_argument(
        "--no-upstream", action="store_true", help="leave out upstream mpi4py"
    )
    p.add_argument(
        "--no-ours", action="store_true", help="leave out this project's mpi4py"
    )
    p.add_argument(
        "--stat",
        default="median",
        choices=("median", "min"),
        help="statistic per program run: the median of its repetitions "
        "or the fastest one (rounds are always combined by median)",
    )
    p.add_argument(
        "--small",
        type=int,
        default=4096,
        help="messages up to this size get the per-call overhead columns",
    )
    p.add_argument("--mpiexec", default=None, help="launcher (default: mpiexec.MPI)")
    p.add_argument(
        "--build-dir",
        default=None,
        help="where the C programs are (default: bench/build/MPI); "
        "built with make when missing",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=180.0,
        help="seconds before one program run is killed",
    )
    p.add_argument(
        "--json",
        default=None,
        metavar="FILE",
        help="also write every raw record (JSON lines) to FILE",
    )
    p.add_argument(
        "--load",
        default=None,
        metavar="FILE",
        help="run nothing: print the table of an earlier run saved with --json "
        "(e.g. with another --stat)",
    )
    p.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show each program run and its non-JSON output",
    )
    return p.parse_args(argv)


def first_existing(*paths):
    for path in paths:
        if path and os.path.exists(path):
            return path
    return None


def venv_python(venv):
    return first_existing(
        os.path.join(venv, "bin", "python"), os.path.join(venv, "Scripts", "python.exe")
    )


def resolve_path(path):
    """A path as given, or else relative to the repository root (for make -C)."""
    if path is None or os.path.exists(path) or os.path.isabs(path):
        return path if path is None else os.path.abspath(path)
    alt = os.path.join(ROOT, path)
    return alt if os.path.exists(alt) else path


def resolve_implementations(opts):
    """Return {impl: (argv prefix, env additions)} for what will run."""
    impls = {}
    opts.python = resolve_path(opts.python)
    opts.upstream_python = resolve_path(opts.upstream_python)
    opts.pythonpath = resolve_path(opts.pythonpath)
    if not opts.no_c:
        impls["c"] = None  # handled per program
    if not opts.no_upstream:
        py = opts.upstream_python
        if py is None:
            name = (
                ".venv-upstream"
                if opts.mpi == "mpich"
                else ".venv-upstream-" + opts.mpi
            )
            py = venv_python(os.path.join(ROOT, name))
        if py:
            impls["upstream"] = ([py], {})
        else:
            log(
                "note: no upstream environment (run: sh bench/setup-upstream.sh "
                f"{opts.mpi}); leaving out the upstream column"
            )
    if not opts.no_ours:
        py = opts.python
        env = {}
        if opts.pythonpath:
            env["PYTHONPATH"] = os.pathsep.join(
                [os.path.abspath(opts.pythonpath)]
                + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])
            )
        if py is None:
            py = venv_python(os.path.join(ROOT, ".venv"))
            if py is None and opts.pythonpath:
                py = sys.executable
        if py:
            impls["ours"] = ([py], env)
        else:
            log(
                "note: no .venv with this project's package (give --python, or "
                "--pythonpath src); leaving out the 'ours' column"
            )
    return impls


def launcher(opts):
    mpiexec = opts.mpiexec or shutil.which("mpiexec." + opts.mpi) or "mpiexec"
    argv = [mpiexec, "-n", str(opts.np)]
    env = {}
    if opts.mpi == "openmpi":
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
            env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        if opts.np > (os.cpu_count() or 1):
            argv.append("--oversubscribe")
    elif opts.np > (os.cpu_count() or 1):
        log(
            f"warning: {opts.np} processes on {os.cpu_count()} cores; MPICH "
            "busy-polls, so timings will be dominated by scheduling"
        )
    return argv, env


def ensure_c_programs(opts, programs):
    build = opts.build_dir or os.path.join(HERE, "build", opts.mpi)
    if opts.build_dir and all(os.path.exists(os.path.join(build, p)) for p in programs):
        return build  # prebuilt elsewhere: use as is
    # make is a no-op when the programs are up to date
    cmd = ["make", "-s", "-C", HERE, "build", f"MPI={opts.mpi}"]
    if opts.build_dir:
        cmd.append(f"BUILD={os.path.abspath(opts.build_dir)}")
    res = subprocess.run(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    if res.returncode != 0:
        log(res.stdout)
        sys.exit("building the C programs failed: " + " ".join(cmd))
    return build


# -- running ------------------------------------------------------------------


def run_program(argv, env_add, opts):
    """Run one program under the launcher; return (records, metas, errors, rc)."""
    env = dict(os.environ)
    env.update(env_add)
    if opts.verbose:
        log("$", " ".join(argv))
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=opts.timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        out, err = proc.communicate()
        err += f"\n(killed after {opts.timeout:.0f} s)"
        rc = -9
    else:
        rc = proc.returncode
    records, metas, errors = [], [], []
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if rec.get("meta"):
                metas.append(rec)
            elif "error" in rec:
                errors.append(rec)
            elif "bench" in rec:
                records.append(rec)
        elif line and opts.verbose:
            log("  |", line)
    if rc != 0 and not errors:
        tail = "\n".join((err or "").strip().splitlines()[-8:])
        errors.append({"error": f"exit status {rc}", "stderr": tail})
    elif opts.verbose and err.strip():
        for line in err.strip().splitlines()[-8:]:
            log("  !", line)
    return records, metas, errors, rc


def common_args(opts):
    args = ["--reps", str(opts.reps), "--target-ms", str(opts.target_ms)]
    if opts.max_size is not None:
        args += ["--max-size", str(opts.max_size)]
    return args


class Collector:
    def __init__(self):
        self.values = {}  # (impl, bench, api, label, size) -> [sec per round]
        self.metas = {}  # impl -> list of meta records
        self.order = []  # first-seen order of (bench, api, label, size)
        self.raw = []

    def add(self, impl, rnd, rec, stat):
        key = (rec["bench"], rec["api"], rec.get("label", ""), int(rec["size"]))
        if key not in self.order:
            self.order.append(key)
        sec = rec["min"] if stat == "min" else rec["sec"]
        self.values.setdefault((impl,) + key, []).append(float(sec))
        self.raw.append(dict(rec, impl=impl, round=rnd))

    def get(self, impl, key):
        vals = self.values.get((impl,) + key)
        return median(vals) if vals else None


def median(vals):
    v = sorted(vals)
    k = len(v)
    return v[k // 2] if k % 2 else 0.5 * (v[k // 2 - 1] + v[k // 2])


def run_all(opts):
    only = [w for w in opts.only.split(",") if w]
    bad = [w for w in only if w not in WORKLOADS]
    if bad:
        sys.exit(
            f"unknown workload(s): {', '.join(bad)}; choose from {', '.join(WORKLOADS)}"
        )
    apis = [a for a in opts.api.split(",") if a]
    bad = [a for a in apis if a not in APIS]
    if bad:
        sys.exit(f"unknown API(s): {', '.join(bad)}; choose from {', '.join(APIS)}")

    impls = resolve_implementations(opts)
    if not impls:
        sys.exit("nothing to run")
    launch, launch_env = launcher(opts)

    # Interleave per group of workloads, so that each implementation measures a
    # workload close in time to the others (the load of a shared machine drifts).
    groups = []
    scheduled = set()
    for workloads, gapis in GROUPS:
        ws = [w for w in workloads if not only or w in only]
        aps = [a for a in gapis if not apis or a in apis]
        if not ws or not aps:
            continue
        c_progs = [
            p
            for p, pws in C_PROGRAMS.items()
            if set(pws) & set(ws) and p not in scheduled
        ]
        scheduled.update(c_progs)
        groups.append((c_progs, ws, aps))

    build = None
    if "c" in impls:
        needed = [p for g in groups for p in g[0]]
        if needed:
            build = ensure_c_programs(opts, needed)
    script = os.path.join(HERE, "py_bench.py")
    skips = {impl: [] for impl in IMPLS}

    col = Collector()
    failures = []
    t_start = time.time()
    col.load = [load_average()]
    for rnd in range(opts.rounds):
        log(f"round {rnd + 1}/{opts.rounds} ({time.time() - t_start:.0f} s)")
        for c_progs, ws, aps in groups:
            sel = ["--only", ",".join(ws)]
            for impl in IMPLS:
                if impl not in impls:
                    continue
                if impl == "c":
                    for prog in c_progs:
                        argv = launch + [os.path.join(build, prog)]
                        argv += common_args(opts) + sel
                        recs, metas, errs, _ = run_program(argv, launch_env, opts)
                        for rec in recs:
                            col.add("c", rnd, rec, opts.stat)
                        col.metas.setdefault("c", []).extend(metas)
                        failures.extend(("c", rnd, e) for e in errs)
                    continue
                prefix, env_add = impls[impl]
                env = dict(launch_env)
                env.update(env_add)
                pyargs = common_args(opts) + sel + ["--api", ",".join(aps)]
                done = set()  # BENCH:API measured in this round
                while True:
                    leave_out = skips[impl] + sorted(done)
                    extra = ["--skip", ",".join(leave_out)] if leave_out else []
                    argv = launch + prefix + [script] + pyargs + extra
                    recs, metas, errs, rc = run_program(argv, env, opts)
                    col.metas.setdefault(impl, []).extend(metas)
                    failures.extend((impl, rnd, e) for e in errs)
                    for rec in recs:
                        col.add(impl, rnd, rec, opts.stat)
                        done.add(f"{rec['bench']}:{rec['api']}")
                    failed = {e["workload"] for e in errs if e.get("workload")}
                    failed -= set(skips[impl])
                    if rc == 0 or not failed:
                        break
                    # A workload raised: leave it out of this implementation's
                    # runs from now on and measure what is left of this group.
                    skips[impl].extend(sorted(failed))
    elapsed = time.time() - t_start
    col.load.append(load_average())
    return col, impls, failures, elapsed


def load_average():
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


# -- reporting ------------------------------------------------------------------


def fmt_size(n):
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
    return f"{n} B"


def fmt_us(sec):
    if sec is None:
        return "-"
    us = sec * 1e6
    if us >= 1000:
        return f"{us:.0f}"
    if us >= 100:
        return f"{us:.1f}"
    return f"{us:.2f}"


def fmt_ratio(a, b):
    if a is None or b is None or b <= 0:
        return "-"
    return f"{a / b:.2f}"


def fmt_delta(a, b):
    if a is None or b is None:
        return "-"
    return f"{(a - b) * 1e6:+.2f}"


def c_reference(col, key):
    """The C result a row compares with: same workload, nearest size."""
    bench, api, label, size = key
    cands = [k for k in col.order if k[0] == bench and k[1] == "c"]
    if not cands:
        return None, False
    best = min(cands, key=lambda k: abs(math.log2(k[3] + 1) - math.log2(size + 1)))
    return col.get("c", best), best[3] == size


def sort_key(key):
    bench, api, label, size = key
    b = WORKLOADS.index(bench) if bench in WORKLOADS else len(WORKLOADS)
    return (b, API_ORDER.get(api, 9), size if api != "pickle" else 0)


def describe(impl, metas):
    if not metas:
        return f"{impl}: (no output)"
    m = metas[0]
    if impl == "c":
        return f"C: {m.get('library', '?')}"
    extra = f", numpy {m['numpy']}" if m.get("numpy") else ", no numpy"
    return (
        f"{impl}: mpi4py {m.get('version', '?')} at {m.get('path', '?')} "
        f"(Python {m.get('python', '?')}{extra}; {m.get('library', '?')})"
    )


def print_table(col, impls, opts, failures, elapsed):
    have = [i for i in IMPLS if i in impls]
    print(
        f"MPI: {opts.mpi}, np={opts.np}, {opts.rounds} interleaved rounds, "
        f"{opts.reps} reps x ~{opts.target_ms:g} ms per workload and run; "
        f"statistic: median over rounds of per-run {opts.stat}; "
        f"total {elapsed:.0f} s"
    )
    for impl in have:
        print("  " + describe(impl, col.metas.get(impl, [])))
    loads = [x for x in getattr(col, "load", []) if x is not None]
    ncpu = os.cpu_count() or 1
    if loads and max(loads) > 0.5 * ncpu + opts.np:
        print(
            f"  WARNING: machine busy (load average {max(loads):.1f} on {ncpu} cores); "
            "timings are unreliable"
        )
    libs = {
        m.get("library", "").split()[0]
        for ms in col.metas.values()
        for m in ms
        if m.get("library")
    }
    if len(libs) > 1:
        print(
            "  WARNING: the implementations report different MPI libraries: "
            f"{sorted(libs)}"
        )
    print()

    py_rows = sorted((k for k in col.order if k[1] != "c"), key=sort_key)
    c_rows = sorted((k for k in col.order if k[1] == "c"), key=sort_key)
    rows = py_rows or c_rows
    present = {i for i in IMPLS if any(k[0] == i for k in col.values)}
    present |= {i for i in IMPLS if i in impls}
    # (header, needed implementations, cell function of (c, exact, up, ours, small))
    columns = [
        ("C us", {"c"}, lambda c, ex, up, ours, sm: ("" if ex else "~") + fmt_us(c)),
        ("upstream us", {"upstream"}, lambda c, ex, up, ours, sm: fmt_us(up)),
        ("ours us", {"ours"}, lambda c, ex, up, ours, sm: fmt_us(ours)),
        ("ours/C", {"ours", "c"}, lambda c, ex, up, ours, sm: fmt_ratio(ours, c)),
        (
            "ours/up",
            {"ours", "upstream"},
            lambda c, ex, up, ours, sm: fmt_ratio(ours, up),
        ),
        (
            "up-C us",
            {"upstream", "c"},
            lambda c, ex, up, ours, sm: fmt_delta(up, c) if sm else "",
        ),
        (
            "ours-C us",
            {"ours", "c"},
            lambda c, ex, up, ours, sm: fmt_delta(ours, c) if sm else "",
        ),
    ]
    if "ours" not in present:
        columns.insert(
            3, ("up/C", {"upstream", "c"}, lambda c, ex, up, ours, sm: fmt_ratio(up, c))
        )
    columns = [col_ for col_ in columns if col_[1] <= present]
    header = ["workload", "api", "size"] + [h for h, _, _ in columns]
    table = []
    ratios_c, ratios_up = [], []
    for key in rows:
        bench, api, label, size = key
        c, exact = (col.get("c", key), True) if api == "c" else c_reference(col, key)
        up = col.get("upstream", key)
        ours = col.get("ours", key)
        small = size <= opts.small and bench != "bw"
        name = bench + (f" {label}" if label else "")
        if bench == "bw":
            name += " (per msg)"
        exact = exact or c is None
        cells = [f(c, exact, up, ours, small) for _, _, f in columns]
        table.append([name, api, fmt_size(size)] + cells)
        if ours and c and exact:
            ratios_c.append(ours / c)
        if ours and up:
            ratios_up.append(ours / up)
    widths = [max(len(str(r[i])) for r in table + [header]) for i in range(len(header))]
    align = ["<", "<", ">"] + [">"] * (len(header) - 3)

    def line(cells):
        return " | ".join(
            f"{c:{a}{w}}" for c, a, w in zip(cells, align, widths)
        ).rstrip()

    print(line(header))
    print("-+-".join("-" * w for w in widths))
    for r in table:
        print(line(r))
    print()
    print("Times are microseconds per message (point to point: half a round trip;")
    print("bw: per message of a 16-message window) or per call (collectives). A '~'")
    print("marks a C time taken at the nearest C message size (pickle rows compare")
    print(
        "with C at the pickled size). The -C columns (messages up to "
        f"{fmt_size(opts.small)})"
    )
    print("are the per-call overhead above plain C.")

    bw = [k for k in rows if k[0] == "bw"]
    if bw:
        print()
        print("Bandwidth (MB/s = 1e6 bytes/s):")
        for key in bw:
            c, _ = (col.get("c", key), True) if key[1] == "c" else c_reference(col, key)
            vals = [
                ("C", c),
                ("upstream", col.get("upstream", key)),
                ("ours", col.get("ours", key)),
            ]
            txt = ", ".join(f"{n} {key[3] / v / 1e6:.0f}" for n, v in vals if v)
            print(f"  {key[1]:<6} {fmt_size(key[3]):>7}: {txt}")

    if ratios_c or ratios_up:
        print()

        def gmean(xs):
            return math.exp(sum(math.log(x) for x in xs) / len(xs))

        if ratios_c:
            print(
                f"geometric mean ours/C over {len(ratios_c)} rows: "
                f"{gmean(ratios_c):.2f}"
            )
        if ratios_up:
            print(
                f"geometric mean ours/upstream over {len(ratios_up)} rows: "
                f"{gmean(ratios_up):.2f}"
            )

    if failures:
        print()
        print("FAILURES:")
        seen = set()
        for impl, rnd, e in failures:
            msg = e.get("error", "?")
            where = e.get("workload") or ""
            sig = (impl, where, msg)
            if sig in seen:
                continue
            seen.add(sig)
            print(f"  {impl} (round {rnd + 1}) {where}: {msg}")
            if e.get("stderr"):
                for ln in e["stderr"].splitlines():
                    print("      " + ln)


def save(path, col, opts, failures, elapsed):
    run = {
        "mpi": opts.mpi,
        "np": opts.np,
        "rounds": opts.rounds,
        "reps": opts.reps,
        "target_ms": opts.target_ms,
        "elapsed": elapsed,
        "load": getattr(col, "load", []),
    }
    with open(path, "w") as f:
        f.write(json.dumps({"run": run}) + "\n")
        for impl, ms in col.metas.items():
            for m in ms[:1]:
                f.write(json.dumps(dict(m, impl_name=impl)) + "\n")
        for rec in col.raw:
            f.write(json.dumps(rec) + "\n")
        for impl, rnd, e in failures:
            f.write(json.dumps({"failure": e, "impl": impl, "round": rnd}) + "\n")


def load(path, opts):
    """Rebuild the results of an earlier run from its --json file."""
    col = Collector()
    failures, impls, elapsed = [], {}, 0.0
    with open(path) as f:
        for line in f:
            rec = json.loads(line)
            if "run" in rec:
                run = rec["run"]
                for k in ("mpi", "np", "rounds", "reps", "target_ms"):
                    setattr(opts, k, run.get(k, getattr(opts, k)))
                elapsed = run.get("elapsed", 0.0)
                col.load = run.get("load", [])
            elif rec.get("meta"):
                col.metas.setdefault(rec.get("impl_name", "?"), []).append(rec)
            elif "failure" in rec:
                failures.append((rec["impl"], rec["round"], rec["failure"]))
            elif "bench" in rec:
                col.add(rec["impl"], rec.get("round", 0), rec, opts.stat)
                impls[rec["impl"]] = None
    return col, impls, failures, elapsed


def main(argv=None):
    opts = parse_args(argv)
    if opts.rounds < 1 or opts.np < 1:
        sys.exit("--rounds and --np must be positive")
    if opts.load:
        col, impls, failures, elapsed = load(opts.load, opts)
    else:
        col, impls, failures, elapsed = run_all(opts)
        if opts.json:
            save(opts.json, col, opts, failures, elapsed)
    print_table(col, impls, opts, failures, elapsed)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
