"""Shared test set-up: headless matplotlib, the course's default backend, the JAX compilation cache."""

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # this process only: kernels started by nbval and the book build keep the inline backend

REPO_ROOT = Path(__file__).resolve().parents[1]

# The book's JAX compilation cache (_build/jax_cache, git-ignored), set before JAX is imported: the
# tests compile many identical small programs (the same model trained in several tests, and in each
# xdist worker), which then compile once. Unit tests on 2 cores: 179 s with an empty cache, 88 s with
# a full one, against about 225 s without. Variables already set (another folder) are kept. Not with
# a JAX older than the one verified (notebook_cache.jax_cache_environment: 0.4.34 returned garbage).
sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))
import notebook_cache  # noqa: E402

# The kernels that nbval starts inherit this process's environment: they also get glibc's malloc
# as the book build sets it (notebook_cache.MALLOC_ENVIRONMENT).
for _name, _value in {**notebook_cache.jax_cache_environment(), **notebook_cache.MALLOC_ENVIRONMENT}.items():
    os.environ.setdefault(_name, _value)

# A pytest-xdist worker runs on one core of its own, as the chapters' kernels do (they inherit it):
# notebook_cache.pin_to_cores. Before Keras loads, so that every thread of its backend is pinned too.
notebook_cache.pin_test_process()

import lstm_companion  # noqa: E402,F401  (applies the default Keras backend before keras loads)

# The tests compile hundreds of small programs and run each for a moment: on JAX they are compiled
# with most of XLA's optimisations off (jax_disable_most_optimizations, meant for exactly that case).
# A subset of the unit tests took 64 s instead of 81 s from an empty cache. Only this process: the
# notebooks' kernels, and the subprocesses some tests start, compile as a reader's Python does.
import keras  # noqa: E402

if keras.backend.backend() == "jax":
    import jax

    if "jax_disable_most_optimizations" in jax.config.values:
        jax.config.update("jax_disable_most_optimizations", True)

import pytest  # noqa: E402

try:  # property-based tests write nothing into the repository: no example database, caches in a temp dir
    import tempfile

    from hypothesis import settings
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(tempfile.mkdtemp(prefix="hypothesis-"))
    settings.register_profile("course", database=None)
    settings.load_profile("course")
except ImportError:  # hypothesis comes with the test extra; only tests/companion/test_contract.py needs it
    pass


def pytest_collection_finish(session):
    """Freeze what is alive once the tests are collected, out of the garbage collector's reach.

    Keras, JAX (or TensorFlow, or PyTorch), matplotlib and the collected tests are millions of objects that
    live as long as the process. Building models and tracing training steps makes many short-lived ones,
    so Python's full collections, which traverse every tracked object, ran often and over all of them:
    in a profile of fit_together they were about 11 % of the CPU time. Frozen (``gc.freeze``), they are
    not traversed again, and a larger first generation collects less often. Measured on 2 cores, A/B
    alternating: TensorFlow's test_training.py and test_cells.py 117 and 123 CPU-s against 133 and 125
    (7 % less); the JAX unit tests about as much, within the machine's noise. This process only: the
    notebooks' kernels collect as a reader's do.
    """
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


# --- The suite writes nothing into the repository ------------------------------------
# Notebooks and tests must use temporary directories. The repository's state (git status,
# plus a hash of every file it lists) is taken when the session starts and compared when
# it ends; any file the run created or changed outside git-ignored paths (_build/, the
# virtual environments) fails the run, even when the tree was not clean to begin with.


def _repository_state():
    import hashlib
    import subprocess

    try:
        listed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all", "-z"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None  # not a git checkout (an sdist, say): nothing to compare
    state = {}
    for entry in filter(None, listed.split("\0")):
        path = REPO_ROOT / entry[3:]
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "-"
        state[entry[3:]] = (entry[:2], digest)
    return state


def pytest_sessionstart(session):
    session.config._repository_state = _repository_state()


def pytest_sessionfinish(session, exitstatus):
    before = getattr(session.config, "_repository_state", None)
    if before is None:
        return
    after = _repository_state()
    changed = sorted(path for path in set(before) | set(after) if before.get(path) != after.get(path))
    if changed:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = "The test run created or changed files in the repository: " + ", ".join(changed)
        if reporter is not None:
            reporter.write_line("")
            reporter.write_sep("=", message, red=True, bold=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
