# Two entry points for a fresh machine (Python 3.11+):
#   make assess   install, then assess every request in examples/ and print the reports
#   make test     install with test extras, then run the drift check and the whole test suite
# PYTHON picks the interpreter (e.g. make test PYTHON=python3.13); VENV the environment folder.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: assess test install clean

# durable-rules 2.0.28 ships only as source and calls PyEval_CallObject, which
# Python 3.13 removed; the define maps it to its replacement on every version
# (its setup.py overwrites CFLAGS, so CPPFLAGS is what reaches the compiler).
$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ required"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	CPPFLAGS="-DPyEval_CallObject=PyObject_CallObject" $(BIN)/python -m pip install --quiet --no-cache-dir durable-rules==2.0.28
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

assess: $(STAMP)
	$(BIN)/policy assess examples/*.json

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build site
