"""Companion package of the executable LSTM course.

Modules, by concept:

- :mod:`lstm_companion.data` -- sequence-problem generators returning NumPy arrays.
- :mod:`lstm_companion.models` -- ``build_*`` functions returning uncompiled Keras models.
- :mod:`lstm_companion.layers` -- ``FusedLSTM``, the LSTM layer the builders use.
- :mod:`lstm_companion.training` -- seeding and a small compile-and-fit helper.
- :mod:`lstm_companion.gradients` -- loss gradients on any backend (jax, tensorflow, torch).
- :mod:`lstm_companion.plotting` -- figures for the chapters (they never save or show).
- :mod:`lstm_companion.scratch` -- NumPy reference implementations.

Importing the package only sets the default Keras backend (see
:mod:`lstm_companion.config`); the submodules, and Keras with them, load on
first use, so ``import lstm_companion`` costs no more than ``import keras``.
"""

from __future__ import annotations

import importlib

from .config import DEFAULT_BACKEND, apply_default_backend

__version__ = "0.1.0"

apply_default_backend()

_SUBMODULES = ("config", "data", "gradients", "layers", "models", "plotting", "scratch", "training")

__all__ = ["DEFAULT_BACKEND", "__version__", *_SUBMODULES]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))
