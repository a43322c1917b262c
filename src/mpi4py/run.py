"""Run Python code under MPI so that an unhandled exception aborts the job.

Under ``mpiexec``, a process that dies from an unhandled exception leaves its
peers waiting forever in communication with it. Running the code through
``python -m mpi4py`` instead prints the traceback and calls ``MPI_Abort`` on
``COMM_WORLD``, so the whole job ends promptly with a non-zero status.

Usage::

    mpiexec -n <N> python -m mpi4py [options] <pyfile> [arg] ...
    mpiexec -n <N> python -m mpi4py [options] -m <module> [arg] ...
    mpiexec -n <N> python -m mpi4py [options] -c <string> [arg] ...
    mpiexec -n <N> python -m mpi4py [options] - [arg] ...
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

__all__ = ["main", "run_command_line", "set_abort_status"]

_USAGE = """\
usage: {prog} [options] <pyfile> [arg] ...
   or: {prog} [options] -m <mod> [arg] ...
   or: {prog} [options] -c <cmd> [arg] ...
   or: {prog} [options] - [arg] ...
"""

_HELP = """\
Run Python code under MPI; an unhandled exception in any process aborts the job.

options:
  --version          show the version number and exit
  --help, -h         show this help message and exit
  --prefix           show the install path and exit
  --mpi-std-version  show the MPI standard version and exit
  --mpi-lib-version  show the MPI library version and exit
  --rc key=value,... set mpi4py.rc options (e.g. --rc threads=false)

arguments:
  pyfile             run a program from a script file
  -m mod             run a library module as a script
  -c cmd             run a program passed in as a string
  -                  run a program read from standard input
  arg ...            arguments passed to the program in sys.argv[1:]
"""

_abort_status: Any = None


def set_abort_status(status: Any) -> None:
    """Set the exit status used when the job is aborted."""
    global _abort_status
    _abort_status = status


def _exit_code(status: Any) -> int:
    if status is None:
        return 0
    if isinstance(status, bool):
        return int(status)
    if isinstance(status, int):
        return status
    return 1


def _abort(status: Any) -> NoReturn:
    """Flush output and abort COMM_WORLD (if MPI is up), else exit."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # a closed or broken stream must not block the abort
            pass
    code = _exit_code(status) or 1
    # The launcher forwards output asynchronously and stops once MPI_Abort tears
    # the job down: give it a moment to pass on the traceback just written.
    import time

    time.sleep(0.2)
    mpi = sys.modules.get("mpi4py.MPI")
    if mpi is not None and mpi.Is_initialized() and not mpi.Is_finalized():
        mpi.COMM_WORLD.Abort(code)
    sys.exit(code)


def _parse_rc(text: str) -> dict[str, Any]:
    """Parse ``key=value,key=value`` into rc keyword arguments."""
    words = {
        "true": True,
        "yes": True,
        "on": True,
        "false": False,
        "no": False,
        "off": False,
        "none": None,
    }
    options: dict[str, Any] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        if "=" not in item:
            raise ValueError(f"--rc expects key=value, got {item!r}")
        key, value = (part.strip() for part in item.split("=", 1))
        lowered = value.lower()
        if lowered in words:
            options[key] = words[lowered]
        else:
            try:
                options[key] = int(value)
            except ValueError:
                options[key] = value
    return options


def _usage_error(prog: str, message: str) -> NoReturn:
    sys.stderr.write(_USAGE.format(prog=prog))
    sys.stderr.write(f"{prog}: error: {message}\n")
    sys.exit(1)


def _parse_args(argv: list[str]) -> tuple[str, str | None, list[str]]:
    """Return (kind, target, program argv); handles informational options."""
    prog = "python -m mpi4py"
    import mpi4py

    args = list(argv)
    while args:
        arg = args[0]
        if arg in ("-h", "--help"):
            sys.stdout.write(_USAGE.format(prog=prog) + "\n" + _HELP)
            sys.exit(0)
        if arg == "--version":
            print(f"mpi4py {mpi4py.__version__}")
            sys.exit(0)
        if arg == "--prefix":
            import os

            print(os.path.dirname(mpi4py.__file__))
            sys.exit(0)
        if arg in ("--mpi-std-version", "--mpi-lib-version"):
            from . import MPI

            if arg == "--mpi-std-version":
                print("MPI {}.{}".format(*MPI.Get_version()))
            else:
                print(MPI.Get_library_version().rstrip())
            sys.exit(0)
        if arg in ("--rc", "-rc") or arg.startswith(("--rc=", "-rc=")):
            if "=" in arg.split("rc", 1)[1][:1]:
                text = arg.split("=", 1)[1]
                args = args[1:]
            else:
                if len(args) < 2:
                    _usage_error(prog, f"argument {arg}: expected key=value")
                text = args[1]
                args = args[2:]
            try:
                mpi4py.rc(**_parse_rc(text))
            except (TypeError, ValueError) as error:
                _usage_error(prog, f"argument --rc: {error}")
            continue
        if arg in ("-m", "-c"):
            if len(args) < 2:
                _usage_error(prog, f"argument {arg}: expected one argument")
            kind = "module" if arg == "-m" else "command"
            target = args[1]
            return kind, target, ([arg] if arg == "-c" else [target]) + args[2:]
        if arg == "-":
            return "stdin", None, args
        if arg.startswith("-"):
            _usage_error(prog, f"unknown option {arg}")
        return "path", arg, args
    _usage_error(prog, "no program given")


def _run(kind: str, target: str | None) -> None:
    import runpy

    if kind == "path":
        assert target is not None
        runpy.run_path(target, run_name="__main__")
    elif kind == "module":
        assert target is not None
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    elif kind == "command":
        namespace = {"__name__": "__main__", "__builtins__": __builtins__}
        exec(compile(target or "", "<string>", "exec"), namespace)
    else:
        source = sys.stdin.read()
        namespace = {"__name__": "__main__", "__builtins__": __builtins__}
        exec(compile(source, "<stdin>", "exec"), namespace)


def run_command_line(args: list[str] | None = None) -> None:
    """Run a program as ``python -m mpi4py`` would, without the abort handling."""
    kind, target, program_argv = _parse_args(sys.argv[1:] if args is None else args)
    sys.argv[:] = program_argv
    if kind == "path":
        import os

        assert target is not None
        sys.path[0] = os.path.dirname(os.path.abspath(target))
    elif kind in ("command", "stdin"):
        sys.path[0] = ""
    _run(kind, target)


def main() -> None:
    """Entry point of ``python -m mpi4py``."""
    try:
        run_command_line()
    except SystemExit as exc:
        status = exc.code
        if _exit_code(status) == 0 and _abort_status is None:
            raise
        if isinstance(status, str):
            sys.stderr.write(status + "\n")
        _abort(_abort_status if _abort_status is not None else status)
    except KeyboardInterrupt:
        _print_user_traceback()
        _abort(130)
    except BaseException:
        _print_user_traceback()
        _abort(_abort_status if _abort_status is not None else 1)


def _print_user_traceback() -> None:
    """Print the active exception without the runner's own frames."""
    import traceback

    etype, value, tb = sys.exc_info()
    skip = {__file__, "<frozen runpy>"}
    while tb is not None and tb.tb_frame.f_code.co_filename in skip:
        tb = tb.tb_next
    traceback.print_exception(etype, value, tb)
