# Two commands on a fresh machine:  make report   and   make test
# Both set up .venv (pinned dependencies from requirements.lock) on first use.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PARAMS ?= params/demo-2024.yml
# auto | quarto | embedded (auto: Quarto 1.10 if it is on PATH, else the embedded renderer)
RENDERER ?= auto
KERNEL := needs-assessment

AXE_CORE_VERSION := 4.14.1
AXE_STAMP := .cache/node/.axe-core-$(AXE_CORE_VERSION)

.PHONY: report test setup a11y-tools demo-data benchmarks clean

# The stamp is rebuilt when the pins change, so `git pull` + `make` keeps the venv in step.
$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Needs assessment (project venv)" >/dev/null
	touch $@

setup: $(VENV)/.installed

# axe-core (pinned) for the browser accessibility checks; without npm those checks skip.
a11y-tools: $(AXE_STAMP)

$(AXE_STAMP):
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --prefix .cache/node --no-audit --no-fund --no-save axe-core@$(AXE_CORE_VERSION) >/dev/null && touch $@ \
	  || echo "warning: npm could not install axe-core; browser accessibility checks will skip"; \
	else echo "warning: npm not found; browser accessibility checks will skip"; fi

demo-data: setup
	$(PY) build.py demo-data

report: setup demo-data
	$(PY) build.py --params $(PARAMS) --renderer $(RENDERER)

test: setup a11y-tools
	$(PY) -m pytest -n 2 --dist loadfile

benchmarks: setup
	$(PY) benchmarks/build_speed.py
	$(PY) benchmarks/load_speed.py
	$(PY) benchmarks/measure_speed.py
	$(PY) benchmarks/init_speed.py

clean:
	rm -rf _build _output .cache
