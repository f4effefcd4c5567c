# The verbs of the course. Every target creates .venv on first use (Python 3.11+ and git are all it needs).
PYTHON ?= python3
VENV   := .venv
BIN    := $(abspath $(VENV))/bin
STAMP  := $(VENV)/.installed
# nbgrader runs alembic as a subprocess: the environment's bin/ must come first on PATH.
export PATH := $(BIN):$(PATH)
# Test runs read the real data sets from the offline mirror when it is there (see README, "Data").
MIRROR := $(abspath ../shared/data)
PORT   ?= 8888

.PHONY: help lab test test-fast test-hub lint data bench clean-grading demo student-edition
help:
	@echo "make lab     open the course in JupyterLab (http://127.0.0.1:$(PORT))"
	@echo "make test    run the whole test suite"
	@echo "make test-hub  JupyterHub + exchange + PostgreSQL gradebook on loopback (root; docs/HUB.md)"
	@echo "make data    download and check every data set ahead of a class"
	@echo "make demo    grade a simulated class of 40 end to end (throwaway course root)"
	@echo "make student-edition   build the student edition (folder and zip under build/)"
	@echo "make bench   print notebook run times, UI latency, grading speed, sandbox overhead, coder and conversation evaluation"
	@echo "make lint    ruff over the library and the tests"

$(STAMP): pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test,hub]'
	$(VENV)/bin/python -m helpcourse.sandbox install
	@touch $@

lab: $(STAMP)
	@mkdir -p grading/exchange && chmod 1777 grading/exchange
	$(BIN)/jupyter lab --ip=127.0.0.1 --port=$(PORT) --no-browser --ServerApp.root_dir=. \
		--LabApp.default_url=/lab/tree/course/README.md $(if $(filter 0,$(shell id -u)),--allow-root,)

test: $(STAMP)
	@if [ -z "$$HELPCOURSE_DATA_DIR" ] && [ -d "$(MIRROR)" ]; then export HELPCOURSE_DATA_DIR="$(MIRROR)"; fi; \
	$(BIN)/ruff check src tests grading tools bench conftest.py && $(BIN)/python -m pytest $(PYTEST_ARGS)

# Root only: creates local accounts (hcins_/hcstu_/hcout_/hcpg_ + random), a hub, a PostgreSQL cluster; removes them.
test-hub: $(STAMP)
	@if [ -z "$$HELPCOURSE_DATA_DIR" ] && [ -d "$(MIRROR)" ]; then export HELPCOURSE_DATA_DIR="$(MIRROR)"; fi; \
	test -d tests/hub/node_modules || npm ci --prefix tests/hub --no-audit --no-fund >/dev/null; \
	HELPCOURSE_HUB_TESTS=1 $(BIN)/python -m pytest tests/hub -p no:cacheprovider $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests grading tools bench conftest.py

data: $(STAMP)
	$(BIN)/python -m helpcourse.data fetch

# Every benchmark runs even when one before it reports a missed goal (exit 1); the target fails at the end if any did.
BENCHES := bench/notebook_times.py bench/sandbox_overhead.py bench/grading_speed.py bench/ui_latency.py \
	bench/coder_eval.py "bench/conversation_eval.py --browser"
bench: $(STAMP)
	@if [ -z "$$HELPCOURSE_DATA_DIR" ] && [ -d "$(MIRROR)" ]; then export HELPCOURSE_DATA_DIR="$(MIRROR)"; fi; \
	failed=""; for bench in $(BENCHES); do $(BIN)/python $$bench || failed="$$failed $$bench"; done; \
	if [ -n "$$failed" ]; then echo "make bench: a goal was missed or a benchmark failed in:$$failed"; exit 1; fi

demo: $(STAMP)
	@if [ -z "$$HELPCOURSE_DATA_DIR" ] && [ -d "$(MIRROR)" ]; then export HELPCOURSE_DATA_DIR="$(MIRROR)"; fi; \
	$(BIN)/python -m helpcourse.instructor.democlass $(DEMO_ARGS)

student-edition: $(STAMP)
	$(BIN)/python -m helpcourse.instructor.edition

clean-grading:
	cd grading && rm -rf release submitted autograded feedback gradebook.db grades.csv exchange
