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
	@bash scripts/ensure-virtuoso.sh
	$(BIN)/python -m pytest -q -p no:cacheprovider

## make bench: throughput benchmarks (prints figures and ratios). DataCite (the targets' format) at BENCH_N records
## (100000 or 600000 for the scale runs), the other harvested formats at BENCH_FORMATS_N; BENCH_WORKERS=1,0 times
## the end-to-end ingest both in one process and on every core; serving (HTTP, 20 clients) at BENCH_SERVE_N datasets
BENCH_N ?= 10000
BENCH_FORMATS_N ?= 2000
BENCH_WORKERS ?= 1,0
BENCH_SERVE_N ?= 20000
bench: $(STAMP)
	$(BIN)/python bench/bench_scale.py --n $(BENCH_N) --formats datacite --workers $(BENCH_WORKERS)
	$(BIN)/python bench/bench_scale.py --n $(BENCH_FORMATS_N) --formats oai_dc,panosc,scicat,tess,codemeta \
	    --workers 0 --json bench/results/scale-formats-$(BENCH_FORMATS_N).json
	$(BIN)/python bench/bench_serve.py --n $(BENCH_SERVE_N) --json bench/results/serve-$(BENCH_SERVE_N).json
	$(BIN)/python bench/bench_search.py --n 100000
	$(BIN)/python bench/bench_descriptions.py --n 10000

clean:
	rm -rf $(VENV) var build src/*.egg-info
