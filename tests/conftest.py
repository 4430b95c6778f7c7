"""Shared test set-up: headless matplotlib, the course's default backend."""

import matplotlib

matplotlib.use("Agg")  # this process only: kernels started by nbval and the book build keep the inline backend

import lstm_companion  # noqa: E402,F401  (applies the default Keras backend before keras loads)
import pytest  # noqa: E402
from pathlib import Path  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
