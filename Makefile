# Two entry points for a fresh machine (Python 3.11+):
#   make assess   install, then assess every request in examples/ and print the reports
#   make test     install with test extras, then run the drift check, the whole test
#                 suite, the docs site build, the policies' PDFs and the browser tests
# PYTHON picks the interpreter (e.g. make test PYTHON=python3.13; pyenv versions are
# found even when not selected); VENV the environment folder (one per interpreter).

PYTHON ?= python3
PYTHON_EXE := $(shell tools/find-python $(PYTHON))
VENV ?= .venv$(if $(filter python3,$(PYTHON)),,-$(subst python,,$(PYTHON)))
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BUILD := build

.PHONY: assess test install clean check unit site pdf browser serve bench mutate

# durable-rules 2.0.28 ships only as source; policy/engine/build.py builds it with the
# project's fix (policy/engine/durable-rules-2.0.28.patch: safe retraction, so each
# policy keeps one engine session, and the call Python 3.13 removed) as 2.0.28+policy.1.
$(STAMP): pyproject.toml policy/engine/build.py policy/engine/durable-rules-2.0.28.patch
	@test -n "$(PYTHON_EXE)" || { echo "no interpreter $(PYTHON)"; exit 1; }
	$(PYTHON_EXE) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ required"; exit 1; }
	test -x $(BIN)/python || $(PYTHON_EXE) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python policy/engine/build.py
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

assess: $(STAMP)
	$(BIN)/policy assess examples/*/*.json

# The drift check, then every test; the site is built from the results the
# tests just recorded, each policy is printed to PDF, and both are opened in a
# real browser. Every step runs even when one before it failed (a failing
# example then shows as failed on the site); the target fails if any step did.
test: $(STAMP)
	@failed=""; \
	$(MAKE) --no-print-directory check || failed="$$failed check"; \
	$(MAKE) --no-print-directory unit || failed="$$failed unit"; \
	$(MAKE) --no-print-directory browser || failed="$$failed site/pdf/browser"; \
	if [ -n "$$failed" ]; then echo "make test: failed:$$failed"; exit 1; fi

check: $(STAMP)
	$(BIN)/policy check
	$(BIN)/mypy

unit: $(STAMP)
	rm -rf $(BUILD)/test-results
	$(BIN)/python -m pytest

# Material and a plugin print banners about MkDocs 2 on every run; they are not build warnings.
MKDOCS := NO_MKDOCS_2_WARNING=1 DISABLE_MKDOCS_2_WARNING=true $(BIN)/mkdocs

# The handbook, from the policy source and the last recorded test results;
# --strict turns every warning (a broken link, an unknown tag) into a failure.
site: $(STAMP)
	$(MKDOCS) build --strict --quiet

# Each policy's printable page of the built site, printed by headless Chromium
# (Debian's, installed once by tools/install-chromium) to $(BUILD)/pdf/<policy-id>.pdf
# and copied beside it, as site/<policy-id>/<policy-id>.pdf, which the policy's home links.
pdf: site
	tools/install-chromium
	$(BIN)/python tools/print-pdf --out $(BUILD)/pdf

# The built site in headless Chromium, served and opened from disk (file://), and
# the PDFs read back; after `pdf`, since a site build would remove the copies in site/.
# Screenshots land in $(BUILD)/screenshots/.
browser: pdf
	$(BIN)/python -m pytest browser_tests

# Rebuilds and reloads the page when docs/ or mkdocs.yml change.
serve: $(STAMP)
	$(MKDOCS) serve -a 127.0.0.1:8000

# Speed and memory on the full policy; results in docs/benchmarks.md (BENCH_ARGS=--quick for a short run).
# Then `policy serve` under loopback load, 1 and 2 workers (bench/serve.py): results in bench/results-serve.json.
bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)
	$(BIN)/python -m bench.serve $(if $(findstring --quick,$(BENCH_ARGS)),--quick) $(BENCH_SERVE_ARGS)

# Mutation testing, not part of `make test` (about 11 minutes with 2 workers on 2 cores): each
# policy's rules, derivations and parameters are changed one small step at a time and its examples
# run against every change. The reports go to docs/mutation/<policy-id>.json (committed), which the handbook
# shows on each statement page (`make site` after it); the target fails when a mutant survived.
MUTATE_WORKERS ?= 2
mutate: $(STAMP)
	$(BIN)/policy mutate --workers $(MUTATE_WORKERS) --results docs/mutation

clean:
	rm -rf .venv .venv-* $(BUILD) site
