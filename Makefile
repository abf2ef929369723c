# `make demo` and `make test` are all a newcomer needs: both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench fuzz clean faults scale

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/pitboard ask "/winner mid-ohio"
	@echo
	$(BIN)/pitboard ask "/results mid-ohio year:2022 series:truck"
	@echo
	$(BIN)/pitboard thread mid-ohio --year 2022 --series truck

test: $(STAMP)
	$(BIN)/pytest

fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest tests/test_fuzz.py -q --hypothesis-show-statistics

bench: $(STAMP)
	$(BIN)/python bench/bench.py

scale: $(STAMP)
	$(BIN)/python bench/scale.py

# `make faults` runs every scenario; `make faults FAULTS="repair disk-full"` some of them.
faults: $(STAMP)
	$(BIN)/python bench/faults.py $(FAULTS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
