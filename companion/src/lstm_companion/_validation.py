"""Argument checks shared by the public modules.

Every public function validates its arguments up front with these helpers, so a
bad value fails with a ``TypeError``/``ValueError`` that names the parameter,
shows the value received and says what was expected -- not with a traceback
from deep inside Keras or NumPy. The checks that need Keras import it when they
run, so the modules that never touch Keras (``data``, ``preprocessing``,
``scratch``) do not load it.

The rules, the same everywhere:

- a number is real and finite *in the dtype it is used in* (:func:`_not_finite`):
  ``np.float32`` for what goes into Keras or a ``float32`` result, where ``1e39``
  is infinite although Python's float holds it;
- arrays hold booleans, integers or floats; complex numbers, dates and time spans,
  Python objects, strings and masked arrays are refused, never converted;
- NumPy scalars count as the Python ones (``np.int64`` as an int, ``np.float32`` as
  a float, ``np.bool_`` as a bool); a flag is ``True`` or ``False``, never a string;
- sizes are bounded by what one NumPy array can hold (:func:`check_array_size`).

The checks of a model against its data and loss are in :mod:`._model_checks`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_))


def _approx(n: int) -> str:
    """A large integer, short: ``2.77e+19``."""
    try:
        return f"{n:.3g}"
    except OverflowError:
        return f"about 10**{len(str(abs(n))) - 1}"


def _dtype_name(dtype) -> str:
    return np.dtype(dtype).name


def _not_finite(values: np.ndarray, dtype) -> np.ndarray:
    """Where ``values`` (float64) are NaN or infinite once stored in ``dtype``: the one rule for "finite"."""
    with np.errstate(over="ignore", invalid="ignore"):
        return ~np.isfinite(np.asarray(values, dtype=np.float64).astype(dtype))


def check_int(name: str, value, *, minimum: int | None = 1, maximum: int | None = None) -> int:
    """Return ``value`` as ``int``; an integer (Python or NumPy, not bool) in ``[minimum, maximum]``."""
    if _is_bool(value) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {_show(value)} ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be an integer <= {maximum}, got {_show(value)}")
    return value


def check_bool(name: str, value) -> bool:
    """Return ``value`` as ``bool``; it must be ``True`` or ``False`` (or ``np.bool_``), not 0, 1 or a string."""
    if not _is_bool(value):
        raise TypeError(f"{name} must be True or False, got {_show(value)} ({type(value).__name__})")
    return bool(value)


def check_float(
    name: str,
    value,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
    dtype=np.float64,
) -> float:
    """Return ``value`` as a ``float`` that is finite in ``dtype`` and within the given bounds.

    Python and NumPy reals (``np.floating``, ``np.integer``) are accepted; bool,
    complex and strings are not. ``dtype`` is the precision the value is used in:
    ``np.float32`` for a value that ends up in a Keras weight or a ``float32``
    array, where ``1e39`` is infinite although it is finite as a Python float.
    """
    if _is_bool(value) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_show(value)} ({type(value).__name__})")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf if value > 0 else -math.inf
    if _not_finite(number, dtype):
        largest = f"{np.finfo(dtype).max:.4g}"
        where = "" if np.dtype(dtype) == np.float64 else f" in {_dtype_name(dtype)} (|value| <= {largest})"
        raise ValueError(f"{name} must be finite{where}, got {_show(value)}")
    if minimum is not None:
        if exclusive_minimum and number <= minimum:
            raise ValueError(f"{name} must be > {minimum}, got {number}")
        if not exclusive_minimum and number < minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {number}")
    return number


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
    return str(value)


def check_name(name: str, value, *, allow_none: bool = False) -> str | None:
    """A Keras layer or model name: a non-empty string without ``/`` (or ``None`` where Keras picks one)."""
    if value is None and allow_none:
        return None
    if not isinstance(value, str):
        or_none = " or None" if allow_none else ""
        raise TypeError(f"{name} must be a layer name (str){or_none}, got {_show(value)} ({type(value).__name__})")
    if not value or "/" in value:
        raise ValueError(f"{name} must be a non-empty layer name without '/', got {value!r}")
    return str(value)


def check_array_size(sizes: str, n_values: int, *, itemsize: int = 8) -> None:
    """Refuse sizes whose array of ``n_values`` numbers NumPy cannot represent (over 2**63 - 1 bytes).

    ``sizes`` names the arguments the count comes from, e.g. ``"n_samples * n_steps"``.
    """
    limit = np.iinfo(np.intp).max // itemsize
    if n_values > limit:
        raise ValueError(
            f"{sizes} must be at most {_approx(limit)} values (what one NumPy array of {itemsize}-byte numbers "
            f"can hold), got {_approx(n_values)}"
        )


def check_registered(name: str, value: str, get, *, what: str, examples: str):
    """A name that one of Keras's registries knows: return ``get(value)`` (``keras.losses.get``, ...).

    Args:
        what: the kind of name, for the message (``"loss"``, ``"metric"``, ...).
        examples: names to suggest, e.g. ``"'mse' or 'binary_crossentropy'"``.
    """
    try:
        return get(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be a Keras {what} name such as {examples}, got {value!r}") from error


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


#: What an array of each refused dtype kind holds, for the error message.
_NOT_REAL = {
    "c": "complex numbers (take .real or np.abs first)",
    "M": "dates (datetime64; convert them to numbers of your choice first)",
    "m": "time spans (timedelta64; convert them to numbers of your choice first)",
    "O": "Python objects (convert with np.asarray(value, dtype=float) if they are numbers)",
    "U": "strings",
    "S": "bytes",
    "V": "records",
}


def check_array(
    name: str,
    value,
    *,
    ndim: int | Sequence[int] | None = None,
    finite: bool = True,
    dtype=np.float64,
) -> np.ndarray:
    """Return ``value`` as an array of ``dtype`` after checking its type, rank and finiteness.

    Booleans, integers and floats are accepted; complex numbers, dates and time
    spans, Python objects, strings and masked arrays are refused (``TypeError``)
    rather than converted. ``dtype`` is the precision the values are used in
    (``np.float32`` for arrays fed to Keras): with ``finite=True`` every value
    must be finite there, so ``1e39`` is refused for ``float32``.
    """
    if value is None:
        raise TypeError(f"{name} must be an array of numbers, got None")
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(
            f"{name} must be a plain array of numbers, got a masked array (fill or drop the masked values first)"
        )
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be an array of numbers, got {_show(value)}") from error
    if raw.dtype.kind not in "biuf":
        what = _NOT_REAL.get(raw.dtype.kind, f"dtype {raw.dtype}")
        raise TypeError(f"{name} must be an array of real numbers, got an array of {what}")
    array = np.asarray(raw, dtype=np.float64)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if array.ndim not in allowed:
            wanted = " or ".join(str(n) for n in allowed)
            raise ValueError(f"{name} must be a {wanted}-dimensional array, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    if finite:
        bad = _not_finite(array, dtype)
        if bad.any():
            n_nan, n_inf = int(np.isnan(array).sum()), int(bad.sum() - np.isnan(array).sum())
            overflow = int(bad.sum() - (~np.isfinite(array)).sum())
            where = "" if np.dtype(dtype) == np.float64 else f" in {_dtype_name(dtype)}"
            detail = f" ({overflow} of them finite in float64 only)" if overflow else ""
            raise ValueError(
                f"{name} must contain only finite numbers{where}, got {n_nan} NaN and {n_inf} infinite values{detail}"
            )
    return array.astype(dtype, copy=False)


def check_model(name: str, value):
    """``value`` must be a ``keras.Model``."""
    import keras

    if not isinstance(value, keras.Model):
        raise TypeError(f"{name} must be a keras.Model, got {type(value).__name__}")
    return value


def check_activation(name: str, value, *, allow_none: bool, units: tuple[str, int] | None = None):
    """A Keras activation name (or ``None`` where that means linear).

    ``units`` is ``(argument, count)``, the number of output units the activation
    acts on and the argument that sets it: a softmax over a single unit is refused,
    since it predicts exactly 1.0 whatever the input (and its log, 0.0).
    """
    import keras

    if value is None and allow_none:
        return None
    if not isinstance(value, str):
        or_none = " or None" if allow_none else ""
        raise TypeError(f"{name} must be a Keras activation name (str){or_none}, got {value!r}")
    try:
        function = keras.activations.get(value)
    except ValueError as error:
        raise ValueError(f"{name} must be a Keras activation name, got {value!r}") from error
    if units is not None and units[1] == 1 and function in (keras.activations.softmax, keras.activations.log_softmax):
        raise ValueError(
            f"{name}={value!r} over a single output unit predicts a constant; use 'sigmoid' for a 0/1 label "
            f"or None for a value (got {units[0]}=1)"
        )
    return str(value)
