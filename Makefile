# Two commands on a fresh machine with Python 3.10+:
#   make book   build the book into _build/html (creates .venv and installs on first use)
#   make test   unit tests + nbval over every notebook + the -W book build
# Also: make lab (JupyterLab on book/), make unit (unit tests only), make clean;
# extra pytest arguments go in PYTEST_ARGS, e.g. make test PYTEST_ARGS='-x -k scratch'.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: book test unit lab clean

$(STAMP): companion/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10 or newer is needed; set PYTHON=python3.x")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e "./companion[dev]"
	@touch $(STAMP)

book: $(STAMP)
	env -u MPLBACKEND $(BIN)/jupyter-book build . -W -n --keep-going
	@echo "Open the book: file://$(CURDIR)/_build/html/index.html"

# pytest exits 5 when it collects nothing: that is a failure here, not a pass.
test: $(STAMP)
	@$(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; \
	exit $$status

unit: $(STAMP)
	$(BIN)/python -m pytest tests -m "not book"

lab: $(STAMP)
	$(BIN)/jupyter lab book/

clean:
	rm -rf _build
