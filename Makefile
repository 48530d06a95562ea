# One virtual environment, built from pinned versions (constraints.txt), used by every target.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	# The venv's own pip and setuptools are whatever the Python shipped (setuptools 65.5 with 3.11, which has known
	# advisories): replaced by the pinned ones first.
	$(BIN)/pip install --quiet --upgrade -c constraints.txt pip setuptools
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/python -m services run

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared router_service/domain.py case_service/domain.py router_service/floor.py router_service/explanations.py $(addprefix case_service/,$(addsuffix .py,folding classify sla lifecycle threads identity wording playbooks))
	$(BIN)/mypy $(addprefix services/console/public/,$(addsuffix .py,forms complaint paths)) $(addprefix services/console/screens/,$(addsuffix .py,floor_data reports_charts agents_form formatting desk_views desk_wording))

bench: install
	$(BIN)/python bench/post_to_assigned.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
