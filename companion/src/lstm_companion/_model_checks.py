"""Checks of a Keras model against the data and the loss it is given.

Shared by :mod:`lstm_companion.training` and :mod:`lstm_companion.gradients`:
``x`` must fit the model's input, ``y`` the model's output and the loss (class
indices in range for a sparse cross-entropy, values in [0, 1] for a binary one,
rows summing to 1 for a categorical one), and a loss or metric named by a string
must be one Keras knows. Keras would otherwise broadcast a wrong target into a
plausible loss, or train on labels no output can predict.
"""

from __future__ import annotations

import inspect

import keras
import numpy as np

from ._validation import _show, check_array, check_registered

#: Keras's shortcuts that compile() resolves from the shapes (``keras.losses.get`` does not know them).
_CROSSENTROPY_SHORTCUTS = ("crossentropy", "ce")
_ACCURACY_SHORTCUTS = ("accuracy", "acc")

#: The losses whose targets are checked, by what their targets must be.
_LOSS_KINDS = {
    keras.losses.sparse_categorical_crossentropy: "sparse",
    keras.losses.binary_crossentropy: "binary",
    keras.losses.categorical_crossentropy: "categorical",
}
for _name, _kind in (("binary_focal_crossentropy", "binary"), ("categorical_focal_crossentropy", "categorical")):
    if hasattr(keras.losses, _name):  # not in every Keras 3 release
        _LOSS_KINDS[getattr(keras.losses, _name)] = _kind

#: Where values of a categorical target may be off 1 in their sum (float32 probabilities).
_ROW_SUM_TOLERANCE = 1e-3


def _takes_two_arguments(function) -> bool:
    try:
        inspect.signature(function).bind(None, None)
    except (TypeError, ValueError):
        return False
    return True


def check_loss(name: str, loss):
    """A Keras loss name (checked against Keras's registry), a ``keras.losses.Loss`` or a callable ``(y_true, y_pred)``.

    Returns:
        What the name stands for: a loss function or ``keras.losses.Loss`` (the
        shortcuts ``"crossentropy"``/``"ce"`` are returned as they are, since they
        are resolved from the shapes), or the object given.
    """
    if isinstance(loss, str):
        if loss.lower() in _CROSSENTROPY_SHORTCUTS:
            return loss.lower()
        return check_registered(name, loss, keras.losses.get, what="loss", examples="'mse' or 'binary_crossentropy'")
    if isinstance(loss, keras.losses.Loss) or (callable(loss) and _takes_two_arguments(loss)):
        return loss
    raise TypeError(
        f"{name} must be a Keras loss name (str), a keras.losses.Loss or a callable (y_true, y_pred), got {_show(loss)}"
    )


def check_metrics(name: str, metrics) -> list:
    """``None`` (no metrics) or a list/tuple of Keras metric names, ``keras.metrics.Metric`` objects or callables."""
    if metrics is None:
        return []
    if not isinstance(metrics, (list, tuple)):
        raise TypeError(
            f"{name} must be a list or tuple of metric names or keras.metrics.Metric objects, or None, "
            f"got {_show(metrics)}"
        )
    for i, metric in enumerate(metrics):
        if isinstance(metric, str):
            if metric.lower() not in _ACCURACY_SHORTCUTS:
                examples = "'mae' or 'accuracy'"
                check_registered(f"{name}[{i}]", metric, keras.metrics.get, what="metric", examples=examples)
        elif not (isinstance(metric, keras.metrics.Metric) or (callable(metric) and _takes_two_arguments(metric))):
            raise TypeError(
                f"{name}[{i}] must be a metric name, a keras.metrics.Metric or a callable (y_true, y_pred), "
                f"got {_show(metric)}"
            )
    return list(metrics)


def loss_label(loss) -> str:
    """How an error message names ``loss``."""
    if isinstance(loss, str):
        return f"loss {loss!r}"
    if isinstance(loss, keras.losses.Loss):
        return f"loss {type(loss).__name__} ({loss.name!r})"
    return f"loss {getattr(loss, '__name__', type(loss).__name__)}"


def _fits(shape: tuple, expected: tuple) -> bool:
    """``shape`` equals ``expected``, where ``None`` in ``expected`` matches any size."""
    return len(shape) == len(expected) and all(e is None or e == s for s, e in zip(shape, expected, strict=True))


def _without_trailing_one(shape: tuple) -> tuple:
    return shape[:-1] if shape and shape[-1] == 1 else shape


def input_shape(name: str, model) -> tuple | None:
    """The per-sample input shape of a model with one symbolic input; ``None`` if it has none (subclassed, unbuilt)."""
    inputs = getattr(model, "inputs", None)  # a Sequential model without an Input raises AttributeError
    if not inputs:
        return None
    if len(inputs) != 1:
        raise ValueError(f"{name} must have exactly one input, got a model with {len(inputs)} inputs")
    return tuple(inputs[0].shape[1:])


def check_functional(name: str, model) -> tuple:
    """``model`` has one symbolic input (it was built from ``keras.Input``); return its per-sample shape."""
    expected = input_shape(name, model)
    if expected is None:
        raise ValueError(
            f"{name} must be a built model with one keras.Input (functional or Sequential), got "
            f"{type(model).__name__} {model.name!r}, which has no inputs (subclassed, or not built yet)"
        )
    return expected


def check_fits_input(name: str, x: np.ndarray, model, *, model_name: str = "model") -> None:
    """``x``'s per-sample shape fits the model's input, where the model has a symbolic one."""
    expected = input_shape(model_name, model)
    if expected is not None and not _fits(x.shape[1:], expected):
        raise ValueError(
            f"{name} must have per-sample shape {expected} to fit the input of {model_name} ({model.name}), "
            f"got {x.shape[1:]}"
        )


def output_shape(model, x: np.ndarray, *, model_name: str = "model", x_name: str = "x") -> tuple:
    """The model's per-sample output shape; from its symbolic output, or traced on ``x``'s shape."""
    outputs = getattr(model, "outputs", None)
    if outputs:
        if len(outputs) != 1:
            raise ValueError(f"{model_name} must have exactly one output, got a model with {len(outputs)} outputs")
        return tuple(outputs[0].shape[1:])
    try:  # a subclassed or unbuilt model: trace it symbolically (its weights stay as they would be)
        spec = model.compute_output_spec(keras.KerasTensor((None, *x.shape[1:])))
    except Exception as error:  # noqa: BLE001 -- whatever the model's call raises, it means x does not fit
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise ValueError(
            f"{x_name} with per-sample shape {x.shape[1:]} does not fit {model_name} ({model.name}): {first_line}"
        ) from error
    if not isinstance(spec, keras.KerasTensor):
        raise ValueError(f"{model_name} must have exactly one output, got {type(spec).__name__} of outputs")
    return tuple(spec.shape[1:])


def resolve_shortcut(loss, y: np.ndarray, shape: tuple):
    """The loss function Keras's ``compile`` picks for ``"crossentropy"``/``"ce"``, by its own rule; else ``loss``."""
    if not (isinstance(loss, str) and loss in _CROSSENTROPY_SHORTCUTS):
        return loss
    target_shape = y.shape[1:]
    if shape and shape[-1] == 1:
        return keras.losses.binary_crossentropy
    if len(target_shape) < len(shape) or (target_shape and target_shape[-1] == 1 and shape[-1] != 1):
        return keras.losses.sparse_categorical_crossentropy
    return keras.losses.categorical_crossentropy


def check_targets(name: str, y: np.ndarray, shape: tuple, loss, label: str) -> np.ndarray:
    """``y`` against the model's per-sample output ``shape`` and the (resolved) ``loss``.

    Returns:
        ``y``, with a trailing axis of size 1 added or removed so that its rank
        is the output's (what Keras's own losses do; the gradients call loss
        functions directly). Sparse labels are returned unchanged.
    """
    kind = _LOSS_KINDS.get(getattr(loss, "fn", loss))
    target_shape = y.shape[1:]
    if kind == "sparse":
        expected = shape[:-1]
        if not (_fits(target_shape, expected) or _fits(target_shape, (*expected, 1))):
            raise ValueError(
                f"{name} must hold one class index per output row for {label}: per-sample shape {expected} or "
                f"{(*expected, 1)} for the model's output {shape}, got {target_shape}"
            )
        if np.any(y != np.floor(y)):
            raise ValueError(f"{name} must hold integer class indices for {label}, got {y[y != np.floor(y)][0]:g}")
        n_classes = shape[-1]
        if y.min() < 0 or (n_classes is not None and y.max() >= n_classes):
            raise ValueError(
                f"{name} must hold class indices 0 .. {n_classes - 1 if n_classes else 'n'} for {label} over "
                f"{n_classes} output units, got values from {y.min():g} to {y.max():g}"
            )
        return y
    if not _fits(target_shape, shape):
        if not _fits(_without_trailing_one(target_shape), _without_trailing_one(shape)):
            hint = ""
            if len(target_shape) > len(shape):
                hint = " (more axes than the model's output: a target per step for a model with one per sequence?)"
            raise ValueError(
                f"{name} must have per-sample shape {shape} to match the model's output, got {target_shape}{hint}"
            )
        y = y[..., None] if len(target_shape) < len(shape) else y[..., 0]
    if kind in ("binary", "categorical") and (y.min() < 0 or y.max() > 1):
        what = "0/1 labels or probabilities" if kind == "binary" else "one-hot rows or probabilities"
        raise ValueError(f"{name} must hold {what} in [0, 1] for {label}, got values from {y.min():g} to {y.max():g}")
    if kind == "categorical":
        sums = y.sum(axis=-1, dtype=np.float64)
        if np.any(np.abs(sums - 1.0) > _ROW_SUM_TOLERANCE):
            raise ValueError(
                f"{name} must hold one-hot rows (or probabilities summing to 1 over the last axis) for {label}, "
                f"got rows summing to {sums.min():g} .. {sums.max():g} (class indices need a sparse loss)"
            )
    return y


def check_data(name_x: str, name_y: str, x, y, *, x_ndim=(2, 3, 4, 5)) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``y`` as ``float32`` arrays (finite in ``float32``) with as many samples."""
    x = check_array(name_x, x, ndim=x_ndim, dtype=np.float32)
    y = check_array(name_y, y, ndim=(1, 2, 3), dtype=np.float32)
    if len(x) != len(y):
        raise ValueError(f"{name_x} and {name_y} must have the same number of samples, got {len(x)} and {len(y)}")
    return x, y


# --- Models with several inputs (a seq2seq model reads a source and the decoder's input) ---------------------


def n_inputs(model) -> int:
    """How many symbolic inputs ``model`` has (1 for a subclassed or unbuilt model, which has none)."""
    inputs = getattr(model, "inputs", None)
    return len(inputs) if inputs else 1


def check_model_inputs(name: str, value, model, *, model_name: str = "model") -> list[np.ndarray]:
    """``value`` as the inputs of a model with several: a list of arrays, one per input (``model.inputs``' order).

    Each array is checked as :func:`check_array` checks arrays fed to Keras (``float32``), against the
    per-sample shape of its input, and all must have the same number of samples.
    """
    expected = [tuple(symbolic.shape[1:]) for symbolic in model.inputs]
    if not isinstance(value, (list, tuple)):
        raise TypeError(
            f"{name} must be a list of {len(expected)} arrays, one per input of {model_name} ({model.name}), "
            f"got {_show(value)}"
        )
    if len(value) != len(expected):
        raise ValueError(
            f"{name} must hold one array per input of {model_name} ({model.name}), {len(expected)}, got {len(value)}"
        )
    arrays = []
    for j, (array, shape) in enumerate(zip(value, expected, strict=True)):
        array = check_array(f"{name}[{j}]", array, ndim=(2, 3, 4, 5), dtype=np.float32)
        if not _fits(array.shape[1:], shape):
            raise ValueError(
                f"{name}[{j}] must have per-sample shape {shape} to fit input {j} ({model.inputs[j].name}) of "
                f"{model_name} ({model.name}), got {array.shape[1:]}"
            )
        arrays.append(array)
    if len({len(array) for array in arrays}) != 1:
        raise ValueError(f"{name} must hold arrays with as many samples, got {[len(array) for array in arrays]}")
    return arrays


def flat_inputs(xs: list) -> list[np.ndarray]:
    """The arrays of per-model inputs, a list of arrays or of lists of arrays, in one flat list."""
    return [array for x in xs for array in (x if isinstance(x, list) else [x])]


def regroup_inputs(flat: list[np.ndarray], like: list) -> list:
    """:func:`flat_inputs` undone: ``flat`` grouped as ``like`` is."""
    grouped, start = [], 0
    for x in like:
        size = len(x) if isinstance(x, list) else 1
        grouped.append(list(flat[start : start + size]) if isinstance(x, list) else flat[start])
        start += size
    return grouped


def sample_shapes(x) -> tuple:
    """The per-sample shape of an input array, or the tuple of them for a list of input arrays."""
    return tuple(array.shape[1:] for array in x) if isinstance(x, list) else x.shape[1:]
