# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DATA := data/demo
MODELS := models
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

## Install, generate the demo corpus and train the demo models if absent, annotate the example note.
demo: corpus
	$(PY) -m engine corpus stats $(DATA)
	$(PY) -m engine bootstrap --data $(DATA) --models $(MODELS)
	$(PY) -m engine predict --model $(MODELS)/encoder-crf examples/note.txt

lint: $(VENV)/installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## Lint, then the whole test suite.
test: lint
	$(PY) -m pytest

clean:
	rm -rf $(VENV) $(DATA) $(MODELS)
