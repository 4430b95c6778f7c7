"""Companion package of the executable LSTM course.

Modules, by concept:

- :mod:`lstm_companion.data` -- synthetic sequence problems as NumPy ``(X, y)``.
- :mod:`lstm_companion.datasets` -- named series: packaged real data (checksummed) and benchmarks.
- :mod:`lstm_companion.preprocessing` -- windows of a series, splits by time, scaling, differencing, one-hot text.
- :mod:`lstm_companion.models` -- LSTM builders returning uncompiled Keras models, by kind of problem.
- :mod:`lstm_companion.baselines` -- builders of the models the LSTM is compared with, and an n-gram baseline.
- :mod:`lstm_companion.cells` -- recurrent cells side by side (LSTM, GRU, RNNs, minLSTM): builders, parameter counts.
- :mod:`lstm_companion.layers` -- the custom Keras layers (``FusedLSTM``, ...).
- :mod:`lstm_companion.generation` -- generating sequences by feeding a model its own outputs.
- :mod:`lstm_companion.tokens` -- token sequences: start/end/padding, the reversal and shape-caption problems, scores.
- :mod:`lstm_companion.seq2seq` -- encoder-decoder and image-captioning models with teacher forcing, greedy decoding.
- :mod:`lstm_companion.forecasting` -- forecast metrics (MAE, RMSE, MASE), naive baselines, multi-step forecasts.
- :mod:`lstm_companion.training` -- seeds, a compile-and-fit helper, training models side by side.
- :mod:`lstm_companion.gradients` -- loss gradients on any backend (jax, tensorflow, torch).
- :mod:`lstm_companion.plotting` -- figures for the chapters (they never save or show).
- :mod:`lstm_companion.scratch` -- NumPy reference implementations.
- :mod:`lstm_companion.text` -- characters as integer codes, training windows of text, words of generated text.
- :mod:`lstm_companion.config` -- the default Keras backend and the book's seed.

Importing the package sets the default Keras backend (see :mod:`lstm_companion.config`)
before Keras loads, then registers the custom layers with Keras, so a saved model
loads with ``keras.saving.load_model`` after a bare ``import lstm_companion``. The
other submodules load on first use.
"""

from __future__ import annotations

import importlib

from .config import DEFAULT_BACKEND, apply_default_backend, missing_backend_message

__version__ = "0.1.0"

_backend = apply_default_backend()
try:
    from . import layers  # noqa: F401 -- imported to register the custom layers with Keras
except ModuleNotFoundError as error:
    message = missing_backend_message(_backend, error)
    if message is None:
        raise
    raise ImportError(message) from None

_SUBMODULES = (
    "baselines",
    "cells",
    "config",
    "data",
    "datasets",
    "forecasting",
    "generation",
    "gradients",
    "layers",
    "models",
    "plotting",
    "preprocessing",
    "scratch",
    "seq2seq",
    "text",
    "tokens",
    "training",
)

__all__ = ["DEFAULT_BACKEND", "__version__", *_SUBMODULES]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))
