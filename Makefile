# Two commands on a fresh machine with Python 3.10+:
#   make book   build the book into _build/html (creates .venv and installs on first use)
#   make test   unit tests + nbval over every notebook + the -W book build + the browser test
# Both execute notebooks JOBS at a time (default 2) and each chapter once: the executions are
# cached in _build/.jupyter_cache/<key>, keyed on the companion package, the seed and the
# library versions (book/_ext/notebook_cache.py). LSTM_COURSE_SEED=3 make book runs the book
# on other seeds.
# Also: make lab (JupyterLab on book/), make unit (unit tests only), make lint (ruff), make clean;
#   make test-seeds SEEDS="0 1 2 3 4"   every chapter under each seed: a table of checks and headlines
# benchmarks (not part of make test; see benchmarks/README.md):
#   make bench-notebooks    every chapter's execution time against its budget, and a warm rebuild
#   make bench-throughput   LSTM training speed of the course's path against raw PyTorch and JAX
# extra pytest arguments go in PYTEST_ARGS, e.g. make test PYTEST_ARGS='-x -k scratch'.
# Variants of `make test`, each in a virtual environment of its own (run by .ci/run too):
#   make test-backends  the unit tests and one chapter under torch and tensorflow (CPU builds)
#   make test-lowest    the unit tests at the lowest versions companion/pyproject.toml allows

PYTHON ?= python3
VENV   ?= .venv
# The versions the stored outputs were computed with (make lock writes it; see the README).
LOCK   ?= constraints.txt
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=
JOBS   ?= 2
SEEDS  ?= 0 1 2 3 4

# Installs into a virtual environment with uv (from PyPI, into that environment): the same
# packages as pip resolves, in about 30 s instead of 55 s for .venv, bytecode compiled as pip
# would. $(1): the environment's python; $(2): what to install and how.
define install
$(1) -m pip install --quiet uv
$(1) -m uv pip install --quiet --compile-bytecode --python $(1) $(2)
endef

.PHONY: book test test-seeds unit lint lab clean test-backends test-torch test-tensorflow test-lowest bench-notebooks bench-throughput

$(STAMP): companion/pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10 or newer is needed; set PYTHON=python3.x")'
	$(PYTHON) -m venv $(VENV)
	$(call install,$(BIN)/python,-c $(LOCK) -e "./companion[dev]")
	@touch $(STAMP)

# Record every version installed in .venv, for the Python minor version it runs: a deliberate
# update (re-execute the notebooks, re-check the seed table), never a surprise.
lock: $(STAMP)
	@minor=$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	{ echo "# The versions the book's stored outputs were computed with (make lock), for Python $$minor."; \
	  echo "# make book / make test install with them; other Python versions resolve companion/pyproject.toml freely."; \
	  $(BIN)/python -m pip freeze --exclude-editable --exclude uv | sed "s/\$$/ ; python_version == \"$$minor\"/"; } > $(LOCK)

# The chapters the cache lacks are executed first, JOBS at a time; the build then executes nothing.
book: $(STAMP)
	env -u MPLBACKEND $(BIN)/python book/_ext/notebook_cache.py execute --jobs $(JOBS)
	env -u MPLBACKEND $(BIN)/jupyter-book build . -W -n --keep-going
	@echo "Open the book: file://$(CURDIR)/_build/html/index.html"

# Two runs of pytest: (1) the unit tests, the tooling checks (marked `tooling`: the cache test, the
# benchmark scripts) and nbval over every notebook, JOBS at a time (a notebook stays in one worker,
# the longest start first); nbval's executions fill the book's cache; (2) the tests marked `book`: the
# -W build from those executions (it executes nothing), the determinism check, the browser test.
# pytest exits 5 when it collects nothing: a failure here, unless PYTEST_ARGS filters the tests.
define run_pytest
$(BIN)/python -m pytest $(1) $(PYTEST_ARGS); status=$$?; \
if [ $$status -eq 5 ] && [ -z "$(PYTEST_ARGS)" ]; then echo "pytest collected no tests: failing"; exit 1; fi; \
if [ $$status -eq 5 ]; then exit 0; fi; exit $$status
endef

test: $(STAMP)
	@$(call run_pytest,-n $(JOBS) -m "not book")
	@$(call run_pytest,-m book)

unit: $(STAMP)
	$(BIN)/python -m pytest tests -m "not book and not tooling" -n $(JOBS)

# ruff, configured in ruff.toml: lint, then check the formatting (`$(BIN)/ruff format .` applies it).
# make test runs the same two checks (tests/repository/test_lint.py).
lint: $(STAMP)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .

# Every chapter executed (nbval, hidden checks included) under each seed in SEEDS; prints a table
# of pass/fail and headline values and writes it to _build/seed_table.md. Not part of make test.
test-seeds: $(STAMP)
	$(BIN)/python tests/book/seed_table.py --jobs $(JOBS) --seeds $(SEEDS)

bench-notebooks: $(STAMP)
	env -u MPLBACKEND $(BIN)/python benchmarks/notebooks.py

# Runs in .venv-torch: the companion with the versions of constraints.txt, and the CPU build of
# PyTorch it is compared with (a peer that cannot be installed is an error, not a skip).
bench-throughput: .venv-torch/.installed
	.venv-torch/bin/python benchmarks/lstm_throughput.py

# --- Other Keras backends --------------------------------------------------------
# CPU-only builds: torch from PyTorch's CPU index (PyPI's Linux wheel pulls several GB
# of CUDA libraries), tensorflow-cpu from PyPI. The versions are the ones CI tests.
TORCH_PACKAGE      ?= torch==2.13.0
TORCH_INDEX        ?= https://download.pytorch.org/whl/cpu
TENSORFLOW_PACKAGE ?= tensorflow-cpu==2.21.0
# the chapter executed under each backend (nbval, with its hidden checks)
BACKEND_NOTEBOOK   ?= book/generative_lstm.ipynb

.venv-torch/.installed: companion/pyproject.toml $(LOCK)
	$(PYTHON) -m venv .venv-torch
	$(call install,.venv-torch/bin/python,-c $(LOCK) -e "./companion[test]" myst-nb)
	.venv-torch/bin/python -m pip install --quiet --retries 1 "$(TORCH_PACKAGE)" --index-url $(TORCH_INDEX)
	@touch $@

.venv-tensorflow/.installed: companion/pyproject.toml
	$(PYTHON) -m venv .venv-tensorflow
	$(call install,.venv-tensorflow/bin/python,-e "./companion[test]" myst-nb "$(TENSORFLOW_PACKAGE)")
	@touch $@

# The install paths (tests/test_distribution.py) do not depend on the backend: make test covers them.
# JOBS workers (TensorFlow: 134 s against 199 s in one process, on 2 cores). Torch gets one thread per
# worker: with a pool per worker claiming every core, two workers took 455 s against 74 s in one
# process; with OMP_NUM_THREADS=1, 40 s against 60 s (TensorFlow's thread settings changed nothing).
test-torch test-tensorflow: test-%: .venv-%/.installed
	$(if $(filter torch,$*),OMP_NUM_THREADS=1) KERAS_BACKEND=$* .venv-$*/bin/python -m pytest tests $(BACKEND_NOTEBOOK) \
		-m "not book and not tooling" -n $(JOBS) --ignore=tests/companion/test_distribution.py $(PYTEST_ARGS)

test-backends: test-torch test-tensorflow

# --- Lowest declared versions ------------------------------------------------------
# uv resolves every direct dependency of the companion (and of its test extra) to the
# lowest version its lower bound allows, so the bounds in pyproject.toml are tested.
.venv-lowest/.installed: companion/pyproject.toml
	$(PYTHON) -m venv .venv-lowest
	$(call install,.venv-lowest/bin/python,--resolution lowest-direct -e "./companion[test]")
	@touch $@

# JOBS workers: 142 s against 234 s in one process, on 2 cores.
test-lowest: .venv-lowest/.installed
	.venv-lowest/bin/python -m pip list 2>/dev/null | grep -E -i "^(keras|jax|numpy|matplotlib) "
	.venv-lowest/bin/python -m pytest tests -m "not book and not tooling" -n $(JOBS) \
		--ignore=tests/companion/test_distribution.py \
		$(PYTEST_ARGS)

lab: $(STAMP)
	$(BIN)/jupyter lab book/

clean:
	rm -rf _build
