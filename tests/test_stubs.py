"""MPI.pyi describes the runtime module: every public name has a stub, and
mypy accepts the stubs and a typed program that uses them."""

import ast
import os
import shutil
import site
import subprocess
import sys

import pytest

import mpi4py
from mpi4py import MPI

STUBS = os.path.join(os.path.dirname(mpi4py.__file__), "MPI.pyi")
RANK = MPI.COMM_WORLD.Get_rank()


def stub_names():
    """Module-level names and, per class, member names declared in MPI.pyi."""
    with open(STUBS) as stream:
        tree = ast.parse(stream.read())
    names, members = set(), {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names.add(node.name)
            members[node.name] = {
                item.name if hasattr(item, "name") else item.target.id
                for item in node.body
                if isinstance(item, (ast.FunctionDef, ast.AnnAssign, ast.ClassDef))
            }
        elif isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names, members


def public(names):
    return {name for name in names if not name.startswith("_")}


def test_every_module_name_has_a_stub():
    names, _ = stub_names()
    missing = sorted(public(dir(MPI)) - names)
    assert not missing, f"names without stubs: {missing}"


def test_every_method_has_a_stub():
    names, members = stub_names()
    missing = []
    for cls_name in sorted(members):
        cls = getattr(MPI, cls_name, None)
        if not isinstance(cls, type):
            continue
        declared = set()
        for klass in cls.__mro__:
            declared |= members.get(klass.__name__, set())
        for name in public(vars(cls)):
            if name not in declared:
                missing.append(f"{cls_name}.{name}")
    assert not missing, f"members without stubs: {missing}"


SAMPLE = """
from mpi4py import MPI

comm: MPI.Intracomm = MPI.COMM_WORLD
size: int = comm.Get_size() + comm.rank
group: MPI.Group = comm.Get_group()
ranks: list[int] = group.Translate_ranks([0], group)
dup: MPI.Comm = comm.Dup()
status = MPI.Status()
count: int = status.Get_count(MPI.INT)
error: int = MPI.Exception(MPI.ERR_RANK).Get_error_class()
version: tuple[int, int] = MPI.Get_version()
elapsed: float = MPI.Wtime()
"""


@pytest.mark.skipif(RANK != 0, reason="one process runs mypy")
@pytest.mark.skipif(
    shutil.which("mypy") is None
    and "mypy" not in sys.modules
    and subprocess.run(
        [sys.executable, "-c", "import mypy"], capture_output=True
    ).returncode
    != 0,
    reason="mypy is not installed",
)
def test_mypy_accepts_stubs_and_sample(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(SAMPLE)
    package_parent = os.path.dirname(os.path.dirname(mpi4py.__file__))
    env = dict(os.environ)
    # An installed package (py.typed) is found by mypy itself; mypy refuses a
    # site-packages directory on MYPYPATH, so only an in-tree build is added.
    if package_parent not in site.getsitepackages():
        env["MYPYPATH"] = package_parent
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--no-incremental",
            "--python-version",
            "3.11",
            "--follow-imports=silent",
            str(sample),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # The stubs and the pure-Python package themselves must type-check too.
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "-p", "mpi4py"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    bad = tmp_path / "bad.py"
    bad.write_text("from mpi4py import MPI\nx: str = MPI.COMM_WORLD.Get_size()\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--no-incremental",
            "--follow-imports=silent",
            str(bad),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode != 0 and "incompatible" in result.stdout.lower()
