# Two commands on a fresh machine with Python 3.11 and make:
#   make demo   set up, then run the main job on the demo district
#   make test   set up, then run the whole suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= build/demo

.PHONY: setup demo test test-room lint bench present data clean help

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (successgaps)" >/dev/null
	touch $@

# Debian's Chromium prints PDF handouts and drives the browser tests (its own downloads are
# blocked here, so Playwright uses this one). Installed once, as root, when missing.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium (PDF handouts, browser tests)..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "warning: $(CHROMIUM) is missing and cannot be installed here: PDF handouts and browser tests are skipped"; \
	fi

setup: $(STAMP) $(CHROMIUM)  ## create .venv, install the package with its test tools, and Chromium

demo: setup  ## screen the demo district and build every meeting's handouts into build/demo
	$(BIN)/successgaps demo --out $(OUT)

test: setup  ## lint, then run the whole suite
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

test-room: setup  ## the room's load test: 40 page loads from 4 browsers (about 9 minutes)
	$(BIN)/python -m pytest -m room tests/browser/test_room.py

lint: setup  ## ruff
	$(BIN)/ruff check .

bench: setup  ## benchmarks, each against a baseline measured in the same run
	$(BIN)/python bench/bench_screen.py
	$(BIN)/python bench/bench_handouts.py
	$(BIN)/python bench/bench_startup.py
	$(BIN)/python bench/bench_check.py
	$(BIN)/python bench/bench_privacy.py
	$(BIN)/python bench/bench_explore.py
	$(BIN)/python bench/bench_room.py
	$(BIN)/python bench/bench_disproportionality.py
	$(BIN)/python bench/bench_warehouse.py

# Voila on a copy of the demo workbook, so the team's answers go to build/, not to data/.
present: setup  ## live dashboards of the demo workbook in Voila, on 127.0.0.1
	rm -rf build/present && mkdir -p build/present
	cp -r data/demo/workbook build/present/workbook
	rm -f build/present/workbook/team_work.sqlite*
	ln -s ../../data/demo/students.csv build/present/students.csv
	$(BIN)/successgaps present build/present/workbook

data: setup  ## regenerate the demo district from its seed
	$(BIN)/python -m successgaps_lib.demo data/demo
	$(BIN)/python -m successgaps_lib.demo_teamwork data/demo/workbook

clean:  ## remove the virtual environment and build products
	rm -rf $(VENV) build .pytest_cache .ruff_cache .hypothesis
