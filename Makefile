# Two commands on a fresh machine:  make report   and   make test
# Both set up .venv (pinned dependencies from requirements.lock) on first use.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PARAMS ?= params/demo-2024.yml
KERNEL := needs-assessment

.PHONY: report test setup demo-data benchmarks clean

# The stamp is rebuilt when the pins change, so `git pull` + `make` keeps the venv in step.
$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Needs assessment (project venv)" >/dev/null
	touch $@

setup: $(VENV)/.installed

demo-data: setup
	$(PY) build.py demo-data

report: setup demo-data
	$(PY) build.py --params $(PARAMS)

test: setup
	$(PY) -m pytest -n 2 --dist loadfile

benchmarks: setup
	$(PY) benchmarks/build_speed.py
	$(PY) benchmarks/load_speed.py
	$(PY) benchmarks/measure_speed.py

clean:
	rm -rf _build _output .cache
