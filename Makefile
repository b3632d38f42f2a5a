# Two entry points for a fresh machine: `make demo` and `make test` (see README.md).
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test explore clean

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

# random exploration of the planner's properties (2,000 examples each; `make test` runs fixed ones)
explore: $(STAMP)
	HYPOTHESIS_PROFILE=explore $(PY) -m pytest -q -p no:cacheprovider --hypothesis-show-statistics \
		tests/planner/test_properties.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .hypothesis
