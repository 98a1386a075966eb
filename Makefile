# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DATA := data/demo
MODELS := models
SEED := 13
PORT ?= 8501

.PHONY: demo app test slow lint corpus clean real-text models-full

$(VENV)/installed: requirements.txt requirements-batch.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-batch.txt
	touch $@

$(DATA)/corpus.json: | $(VENV)/installed
	$(PY) -m engine corpus generate --out $(DATA) --seed $(SEED)

corpus: $(VENV)/installed $(DATA)/corpus.json

## Install, demo corpus and demo models if absent, their evaluations in the store, then the app.
demo: corpus
	$(PY) -m engine corpus stats $(DATA)
	$(PY) -m engine bootstrap --data $(DATA) --models $(MODELS)
	$(PY) -m webapp.worker sync --data $(DATA) --models $(MODELS)
	$(MAKE) app

## Optional, after `make demo`: the longer MiniLM recipe (about 25 minutes on 2 cores, at most 45),
## scored like the demo models; the app's default is whichever scores best on real text.
models-full: corpus
	$(PY) -m engine bootstrap --data $(DATA) --models $(MODELS) --full
	$(PY) -m webapp.worker sync --data $(DATA) --models $(MODELS)

## The web app on http://127.0.0.1:$(PORT) (this machine only; Ctrl+C stops it).
app: $(VENV)/installed
	$(PY) -m webapp.serve --server.address 127.0.0.1 --server.port $(PORT)

lint: $(VENV)/installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## Lint, then the whole test suite.
test: lint
	$(PY) -m pytest

## Checks of the trained demo models (after `make demo`): shorthand never tagged; and the twenty-session load test.
slow: $(VENV)/installed
	$(PY) -m pytest -m slow

## The real-text experiment (docs/experiments.md, 'Real text'): each recipe trained on the demo
## corpus and scored on the open real corpora; results in runs/real-text/results.md.
real-text: corpus
	$(PY) -m engine corpus open --out data/real
	$(PY) -m engine real-text --data $(DATA) --real data/real --out runs/real-text

clean:
	rm -rf $(VENV) $(DATA) $(MODELS)
