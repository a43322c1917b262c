#!/bin/sh
# Create the upstream baseline environment for the benchmarks.
#
# Builds upstream mpi4py from its PyPI source distribution against the same MPI
# library the project uses, in a virtual environment `.venv-upstream` at the
# repository root (not tracked by git). The driver bench/run.py picks it up on
# its own. Building takes several minutes.
#
# Usage:  sh bench/setup-upstream.sh [mpich|openmpi]      (default: mpich)
# Environment overrides:
#   PYTHON   interpreter used to create the venv          (default: python3)
#   MPICC    MPI compiler wrapper to build mpi4py with    (default: per MPI flavour)
#   VENV     target directory  (default: <repo>/.venv-upstream for MPICH,
#                               <repo>/.venv-upstream-openmpi for Open MPI)
#   MPI4PY_SPEC  pip requirement for upstream mpi4py      (default: mpi4py)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

flavour=${1:-mpich}
case "$flavour" in
    mpich)   default_mpicc=mpicc.mpich ;;
    openmpi) default_mpicc=mpicc.openmpi ;;
    *) echo "unknown MPI flavour: $flavour (expected mpich or openmpi)" >&2; exit 2 ;;
esac

PYTHON=${PYTHON:-python3}
MPICC=${MPICC:-$default_mpicc}
if [ "$flavour" = mpich ]; then
    VENV=${VENV:-$root/.venv-upstream}
else
    VENV=${VENV:-$root/.venv-upstream-$flavour}
fi
MPI4PY_SPEC=${MPI4PY_SPEC:-mpi4py}

if ! command -v "$MPICC" >/dev/null 2>&1; then
    echo "MPI compiler wrapper '$MPICC' not found" >&2
    exit 1
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo ">> creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi

echo ">> installing numpy and $MPI4PY_SPEC (built with MPICC=$MPICC)"
"$VENV/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
"$VENV/bin/python" -m pip install numpy
# --no-binary forces a source build so the extension links against the chosen
# MPI; --no-cache-dir avoids reusing a wheel built against another MPI.
MPICC="$MPICC" "$VENV/bin/python" -m pip install \
    --no-binary mpi4py --no-cache-dir --force-reinstall --no-deps "$MPI4PY_SPEC"

echo ">> checking"
"$VENV/bin/python" - <<'EOF'
import mpi4py
from mpi4py import MPI
print("mpi4py", mpi4py.__version__, "|", MPI.Get_library_version().splitlines()[0])
EOF
