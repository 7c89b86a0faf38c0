# Two commands on a fresh machine with only python3 >= 3.11:  make run  /  make test
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
PORT   ?= 8501
# Extra pytest arguments, e.g. make test PYTEST_ARGS="-k store -x"
PYTEST_ARGS ?=

.PHONY: run test demo bench samples clean

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(PY) -m streamlit run serve.py --server.port $(PORT)

test: $(VENV)/.dev
	$(PY) -m pytest -q $(PYTEST_ARGS)

demo: $(VENV)/.runtime
	$(PY) cli.py demo

bench: $(VENV)/.dev
	$(PY) bench/run.py

samples: $(VENV)/.runtime
	$(PY) -m data.demo --out data/samples

clean:
	rm -rf $(VENV) var .pytest_cache test-artifacts
