# `make demo` and `make test` are all a newcomer needs: both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every install takes its versions from constraints.txt (pyproject.toml's ranges say what works, the
# constraints say what is tested); `make lock` and `make upgrade` rewrite it with uv.
PIP_INSTALL := $(BIN)/pip install --quiet --disable-pip-version-check --constraint constraints.txt
LOCK := $(BIN)/uv pip compile pyproject.toml --extra test --extra dev --python-version 3.11 \
	--python-platform linux --custom-compile-command "make lock" --quiet --output-file constraints.txt

.PHONY: demo test lint lock upgrade bench fuzz clean faults scale fanout

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP_INSTALL) -e '.[test,dev]'
	$(BIN)/python .ci/check_pins.py constraints.txt
	touch $(STAMP)

# Locking needs only uv, not an install that may be out of date with pyproject.toml.
$(BIN)/uv: | $(BIN)/python
	$(PIP_INSTALL) uv

demo: $(STAMP)
	$(BIN)/pitboard ask "/winner mid-ohio"
	@echo
	$(BIN)/pitboard ask "/results mid-ohio year:2022 series:truck"
	@echo
	$(BIN)/pitboard thread mid-ohio --year 2022 --series truck

# Three workers on two cores: about a sixth of a worker's time is spent waiting (local servers, timers, child
# processes), which a third worker fills (README "Tests"). Bytecode is cached (into the ignored __pycache__ folders)
# even where PYTHONDONTWRITEBYTECODE is set: otherwise each worker compiles every module and rewrites every test
# module anew (8 s of CPU to collect instead of 4), and so does every `pitboard` a test starts.
test: $(STAMP)
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n 3

# Both checkers run even when the first one fails.
lint: $(STAMP)
	status=0; $(BIN)/ruff check . || status=1; $(BIN)/mypy || status=1; exit $$status

# `make lock` after editing pyproject.toml's dependencies: keeps every pin it can.
lock: $(BIN)/uv
	$(LOCK)

# `make upgrade`: every pin to the newest version pyproject.toml allows; then run `make test`.
upgrade: $(BIN)/uv
	$(LOCK) --upgrade

fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest tests/test_fuzz.py -q --hypothesis-show-statistics

bench: $(STAMP)
	$(BIN)/python bench/bench.py
	$(BIN)/python bench/console.py

scale: $(STAMP)
	$(BIN)/python bench/scale.py

# Race-day fan-out to 5,000 fake servers: the bot's own route against webhooks (README "Race-day fan-out").
fanout: $(STAMP)
	$(BIN)/python bench/fanout.py

# `make faults` runs every scenario; `make faults FAULTS="repair disk-full"` some of them.
faults: $(STAMP)
	$(BIN)/python bench/faults.py $(FAULTS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
