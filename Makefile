# Two entry points for a fresh machine: `make demo` and `make test` (see README.md).
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test unit explore clean

$(STAMP): setup.cfg pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

demo: $(STAMP)
	$(PY) -m trafficshift_lab.demo

test: $(STAMP)
	.ci/install-packages
	$(PY) -m pytest -q

# the fast tier: no Salt daemons, no Prometheus or Chromium (about 30 s on 2 idle cores)
UNIT := tests/unit tests/effect tests/unit_rollout tests/unit_store tests/unit_router tests/unit_saltproxy tests/planner \
	tests/validation tests/badinput/test_corpus.py tests/render tests/test_layers.py tests/test_table.py
unit: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider $(UNIT)

# random exploration of the planner's properties (2,000 examples each; `make test` runs fixed ones)
explore: $(STAMP)
	HYPOTHESIS_PROFILE=explore $(PY) -m pytest -q -p no:cacheprovider --hypothesis-show-statistics \
		tests/planner/test_properties.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .hypothesis
