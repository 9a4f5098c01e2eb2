# pangraph: the two commands (`make run`, `make test`) bootstrap everything from a bare Python >= 3.11.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test bench clean install

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

## make run: build the demo graph (once; later runs reuse the store) and serve it at http://127.0.0.1:8000
run: $(STAMP)
	$(BIN)/pangraph demo

## make test: the whole test suite
test: $(STAMP)
	@bash scripts/ensure-chromium.sh
	$(BIN)/python -m pytest -q -p no:cacheprovider

## make bench: throughput benchmarks (prints figures and ratios)
bench: $(STAMP)
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_search.py --n 100000
	$(BIN)/python bench/bench_descriptions.py --n 10000

clean:
	rm -rf $(VENV) var build src/*.egg-info
