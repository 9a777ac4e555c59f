# Two commands do all set-up on a fresh machine:
#   make run    create .venv on first use, install, run the default scenario
#   make test   create/update .venv, run the fast tests on PYTEST_WORKERS (default 2) processes;
#               CI=true also runs the slow ones (README §Tests)
#   make bench  benchmarks/run.py (ARGS="--quick --json"); see benchmarks/README.md
#   make run ARGS="sweep experiments/smoke.yaml"  batch sweeps (docs/experiments.md)
#   make dashboard  interactive SolaraViz dashboard on http://127.0.0.1:8765/ (ARGS="--port N")
PY      ?= python3
VENV    := .venv
VPY     := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
ARGS    ?=
PYTEST_MARK := $(if $(filter true,$(CI)),-m "",)
# pytest-xdist: one process per core; a test file stays on one worker (its module fixtures run once).
# PYTEST_WORKERS=0 runs in this process (no xdist)
PYTEST_XDIST = -n $${PYTEST_WORKERS:-2} --dist loadfile

.PHONY: run test test-all lint bench dashboard clean-venv

# pip -qq: errors only (a failed install still says why); -q would also print every warning of pip
# and of the build backend
$(VPY):
	$(PY) -m venv $(VENV)
	$(VPY) -m pip install -qq --upgrade pip

$(STAMP): pyproject.toml | $(VPY)
	$(VPY) -m pip install -qq -e ".[test,sweep,dashboard,calibrate,fast]"
	touch $(STAMP)

run: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(VPY) run.py $(ARGS)

test: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(VPY) -m pytest $(PYTEST_XDIST) $(PYTEST_MARK)

test-all: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(VPY) -m pytest $(PYTEST_XDIST) -m ""

bench: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(VPY) benchmarks/run.py $(ARGS)

dashboard: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(VPY) run.py dashboard $(ARGS)

lint: $(STAMP)
	$(VPY) -m ruff check sim run.py tests

clean-venv:
	rm -rf $(VENV)
