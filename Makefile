# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DATA := data/demo
SEED := 13

.PHONY: demo test lint corpus clean

$(VENV)/installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(DATA)/corpus.json: | $(VENV)/installed
	$(PY) -m engine corpus generate --out $(DATA) --seed $(SEED)

corpus: $(VENV)/installed $(DATA)/corpus.json

## Install, generate the demo corpus if absent, and show what it holds.
demo: corpus
	$(PY) -m engine corpus stats $(DATA)

lint: $(VENV)/installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## Lint, then the whole test suite.
test: lint
	$(PY) -m pytest

clean:
	rm -rf $(VENV) $(DATA)
