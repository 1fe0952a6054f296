# `make demo` and `make test` each work on a fresh machine: they create .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
AS_OF  ?= 2026-11-20

.PHONY: install demo test check lint bench golden notebooks clean help

help:  ## list the targets
	@grep -E '^[a-z]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,test]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install techplan-nb with its test tools

demo: install  ## render the bundled example into out/, then make it with its audit notebook
	$(BIN)/techplan validate examples/issue-57-roast-export.yaml
	$(BIN)/techplan render examples/issue-57-roast-export.yaml --as-of $(AS_OF) -o out/issue-57-technical-plan.md --force
	@echo "Plan written to out/issue-57-technical-plan.md"
	$(BIN)/techplan run examples/issue-57-roast-export.yaml --out out --as-of $(AS_OF) --force
	$(BIN)/techplan audit out/issue-57-*/technical-plan.ipynb

# Unit and CLI tests run on two processes (pytest-xdist); kernels, Voila and Chromium one at a time,
# since their timeouts and interrupts are measured against the clock.
test: lint  ## lint, then every test: unit, CLI, notebooks (nbval), kernels, Voila and Chromium
	$(BIN)/python -m pytest tests/unit tests/cli -n 2 -q
	$(BIN)/python -m pytest tests/system notebooks -q

check: lint  ## the fast tier (under 2 minutes): lint, then every test that starts no kernel or browser
	$(BIN)/python -m pytest tests/unit tests/cli -m "not kernel and not browser" -n 2 -q

lint: install  ## check style (ruff) and types (mypy, files and strictness set in pyproject.toml)
	$(BIN)/ruff check techplan_nb tests benchmarks fuzz
	$(BIN)/mypy

bench: install  ## run the benchmarks (by hand; figures go in the issue notes)
	$(BIN)/python benchmarks/render_vs_papermill.py
	$(BIN)/python benchmarks/run_vs_render.py
	$(BIN)/python benchmarks/batch.py

notebooks: install  ## re-execute the committed notebook on the bundled example (after changing it)
	cd notebooks && ../$(BIN)/papermill technical_plan.ipynb technical_plan.ipynb --no-progress-bar \
		-p inputs_path ../examples/issue-57-roast-export.yaml -p as_of $(AS_OF) -p seed 0 -p output_dir ""

golden: install  ## regenerate the golden plans after a deliberate template change
	$(BIN)/python tests/update_golden.py

clean:  ## remove the virtual environment and outputs
	rm -rf $(VENV) out build dist *.egg-info
