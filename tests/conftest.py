"""Shared test set-up: headless matplotlib, the course's default backend."""

import matplotlib

matplotlib.use("Agg")  # this process only: kernels started by nbval and the book build keep the inline backend

import lstm_companion  # noqa: E402,F401  (applies the default Keras backend before keras loads)
import pytest  # noqa: E402
from pathlib import Path  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]

try:  # property-based tests write nothing into the repository: no example database, caches in a temp dir
    import tempfile

    from hypothesis import settings
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(tempfile.mkdtemp(prefix="hypothesis-"))
    settings.register_profile("course", database=None)
    settings.load_profile("course")
except ImportError:  # hypothesis comes with the test extra; only tests/test_contract.py needs it
    pass


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
