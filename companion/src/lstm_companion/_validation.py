"""Argument checks shared by the public modules.

Every public function validates its arguments up front with these helpers, so a
bad value fails with a ``TypeError``/``ValueError`` that names the parameter,
shows the value received and says what was expected -- not with a traceback
from deep inside Keras or NumPy. The checks that need Keras import it when they
run, so the modules that never touch Keras (``data``, ``preprocessing``,
``scratch``) do not load it.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_int(name: str, value, *, minimum: int | None = 1) -> int:
    """Return ``value`` as ``int``; it must be an integer (not bool) >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {_show(value)} ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return value


def check_bool(name: str, value) -> bool:
    """Return ``value``; it must be ``True`` or ``False`` (not 0, 1 or a string)."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {_show(value)} ({type(value).__name__})")
    return value


def check_float(
    name: str,
    value,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
) -> float:
    """Return ``value`` as a finite ``float`` within the given bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_show(value)} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if minimum is not None:
        if exclusive_minimum and value <= minimum:
            raise ValueError(f"{name} must be > {minimum}, got {value}")
        if not exclusive_minimum and value < minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_seed(name: str, value) -> int:
    """A seed is a non-negative integer below 2**32."""
    value = check_int(name, value, minimum=0)
    if value >= 2**32:
        raise ValueError(f"{name} must be < 2**32, got {value}")
    return value


def check_choice(name: str, value, choices: Sequence[str]) -> str:
    """``value`` must be one of the strings in ``choices``."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {list(choices)}; got {_show(value)}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def check_shape_tuple(name: str, value, *, min_rank: int = 1, max_rank: int | None = None) -> tuple[int, ...]:
    """A shape without the batch axis: a tuple/list of positive integers."""
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{name} must be a tuple of positive integers, got {_show(value)}")
    dims = tuple(check_int(f"{name}[{i}]", d) for i, d in enumerate(value))
    if len(dims) < min_rank or (max_rank is not None and len(dims) > max_rank):
        expected = f"{min_rank}" if max_rank == min_rank else f"{min_rank} to {max_rank}"
        raise ValueError(f"{name} must have {expected} dimensions, got {dims}")
    return dims


def check_sequence_shape(n_steps, n_features) -> tuple[int, int]:
    """The shape ``(n_steps, n_features)`` of one input sequence: two positive integers."""
    return check_int("n_steps", n_steps), check_int("n_features", n_features)


def check_array(
    name: str,
    value,
    *,
    ndim: int | Sequence[int] | None = None,
    finite: bool = True,
) -> np.ndarray:
    """Convert ``value`` to a float NumPy array and check its rank and finiteness."""
    if value is None:
        raise TypeError(f"{name} must be an array of numbers, got None")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be an array of numbers, got {_show(value)}") from error
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if array.ndim not in allowed:
            wanted = " or ".join(str(n) for n in allowed)
            raise ValueError(f"{name} must be a {wanted}-dimensional array, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    if finite and not np.all(np.isfinite(array)):
        n_nan, n_inf = int(np.isnan(array).sum()), int(np.isinf(array).sum())
        raise ValueError(f"{name} must contain only finite numbers, got {n_nan} NaN and {n_inf} infinite values")
    return array


def check_model(name: str, value):
    """``value`` must be a ``keras.Model``."""
    import keras

    if not isinstance(value, keras.Model):
        raise TypeError(f"{name} must be a keras.Model, got {type(value).__name__}")
    return value


def check_model_and_data(model, x, y) -> tuple[np.ndarray, np.ndarray]:
    """``model`` is a ``keras.Model``; ``x`` and ``y`` are finite arrays with as many samples."""
    check_model("model", model)
    x = check_array("x", x, ndim=(2, 3, 4, 5))
    y = check_array("y", y, ndim=(1, 2, 3))
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same number of samples, got {len(x)} and {len(y)}")
    return x, y


def check_activation(name: str, value, *, allow_none: bool):
    """A Keras activation name (or ``None`` where that means linear)."""
    import keras

    if value is None and allow_none:
        return None
    if not isinstance(value, str):
        or_none = " or None" if allow_none else ""
        raise TypeError(f"{name} must be a Keras activation name (str){or_none}, got {value!r}")
    try:
        keras.activations.get(value)
    except ValueError as error:
        raise ValueError(f"{name} must be a Keras activation name, got {value!r}") from error
    return value
