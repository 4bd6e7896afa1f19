# Two entry points for a fresh machine (Python 3.11+):
#   make assess   install, then assess every request in examples/ and print the reports
#   make test     install with test extras, then run the drift check, the whole test
#                 suite, the docs site build and the browser test of the site
# PYTHON picks the interpreter (e.g. make test PYTHON=python3.13; pyenv versions are
# found even when not selected); VENV the environment folder (one per interpreter).

PYTHON ?= python3
PYTHON_EXE := $(shell tools/find-python $(PYTHON))
VENV ?= .venv$(if $(filter python3,$(PYTHON)),,-$(subst python,,$(PYTHON)))
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BUILD := build

.PHONY: assess test install clean check unit site browser serve bench

# durable-rules 2.0.28 ships only as source and calls PyEval_CallObject, which
# Python 3.13 removed; the define maps it to its replacement on every version
# (its setup.py overwrites CFLAGS, so CPPFLAGS is what reaches the compiler).
$(STAMP): pyproject.toml
	@test -n "$(PYTHON_EXE)" || { echo "no interpreter $(PYTHON)"; exit 1; }
	$(PYTHON_EXE) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ required"; exit 1; }
	test -x $(BIN)/python || $(PYTHON_EXE) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	CPPFLAGS="-DPyEval_CallObject=PyObject_CallObject" $(BIN)/python -m pip install --quiet --no-cache-dir durable-rules==2.0.28
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

assess: $(STAMP)
	$(BIN)/policy assess examples/*.json

# The drift check, then every test; the site is built from the results the
# tests just recorded and opened in a real browser.
test: check unit site browser

check: $(STAMP)
	$(BIN)/policy check

unit: $(STAMP)
	rm -rf $(BUILD)/test-results
	$(BIN)/python -m pytest

clean:
	rm -rf .venv .venv-* $(BUILD) site
