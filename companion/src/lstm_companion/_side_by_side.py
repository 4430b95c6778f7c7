"""Checks and the wrapper model behind :func:`lstm_companion.training.fit_together` and
:func:`~lstm_companion.training.predict_together`: several independent models, each with its own
inputs and targets, run as one Keras model."""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from ._model_checks import check_fits_input, check_model_inputs, check_targets, n_inputs, output_shape, resolve_shortcut
from ._validation import _show, check_array


class SideBySide(keras.Model):
    """Runs independent models on their own inputs; output ``model_i`` is model ``i``'s prediction."""

    def __init__(self, members):
        super().__init__(name="side_by_side")
        # One attribute per member, not a list: on the torch backend only attributes register the
        # members as torch submodules, and the trainer's zero_grad() reaches only those. Held in a
        # list, the members' gradients were never cleared and added up from step to step.
        for i, member in enumerate(members):
            setattr(self, f"model_{i}", member)
        # The wrapper has no weights of its own: it is built when its members are. Left unbuilt,
        # Keras's predict() would build it by running every member eagerly on one batch, op by op
        # (on JAX, seconds for a dozen models, before the compiled pass even starts).
        self.built = all(member.built for member in members)

    def call(self, inputs, training=None):
        # The trainer passes training=True only to a model whose call takes it; the members must get it
        # from here (without it they trained in inference mode: Dropout off, FusedLSTM on its forward-only
        # path, differentiated by the backend instead of by its own backward pass).
        return {f"model_{i}": getattr(self, f"model_{i}")(x, training=training) for i, x in enumerate(inputs)}


def check_models(models) -> list:
    if isinstance(models, keras.Model) or not isinstance(models, Sequence) or not models:
        raise TypeError(f"models must be a non-empty list of keras.Model, got {type(models).__name__}")
    seen: dict[int, int] = {}
    for i, model in enumerate(models):
        if not isinstance(model, keras.Model):
            raise TypeError(f"models[{i}] must be a keras.Model, got {type(model).__name__}")
        for variable in model.weights:
            owner = seen.setdefault(id(variable), i)
            if owner != i:
                raise ValueError(
                    f"models[{owner}] and models[{i}] share the weight {variable.path!r}; "
                    "models trained together must be independent (build each one separately)"
                )
    return list(models)


def per_model_arrays(name: str, values, n_models: int, ndim: tuple[int, ...]) -> list[np.ndarray]:
    """One float32 array per model: ``values`` is one array for all of them, or a list of ``n_models``."""
    if isinstance(values, (list, tuple)):
        if len(values) != n_models:
            raise ValueError(f"{name} must hold one array per model ({n_models}), got {len(values)}")
        return [check_array(f"{name}[{i}]", v, ndim=ndim, dtype=np.float32) for i, v in enumerate(values)]
    array = check_array(name, values, ndim=ndim, dtype=np.float32)
    return [array] * n_models


def per_model_inputs(name: str, values, models) -> list:
    """As :func:`per_model_arrays` for ``x``; a model with several inputs takes a list of arrays, one per input."""
    if all(n_inputs(model) == 1 for model in models):
        return per_model_arrays(name, values, len(models), ndim=(2, 3, 4, 5))
    if not isinstance(values, (list, tuple)):
        raise TypeError(
            f"{name} must be a list with one entry per model ({len(models)}) when a model has several inputs "
            f"(a list of arrays for such a model), got {_show(values)}"
        )
    if len(values) != len(models):
        raise ValueError(
            f"{name} must hold one entry per model ({len(models)}) when a model has several inputs, got {len(values)}"
        )
    return [
        check_model_inputs(f"{name}[{i}]", value, model, model_name=f"models[{i}]")
        if n_inputs(model) > 1
        else check_array(f"{name}[{i}]", value, ndim=(2, 3, 4, 5), dtype=np.float32)
        for i, (value, model) in enumerate(zip(values, models, strict=True))
    ]


def check_input_shapes(models, xs, name: str = "x") -> None:
    for i, (model, x) in enumerate(zip(models, xs, strict=True)):
        if isinstance(x, list):  # a model with several inputs: checked input by input by per_model_inputs
            continue
        check_fits_input(f"{name}[{i}]", x, model, model_name=f"models[{i}]")


def check_model_targets(models, xs, ys, name: str, loss_function, label: str) -> list[np.ndarray]:
    """Each model's targets against its output and the loss."""
    checked = []
    for i, (model, x, y) in enumerate(zip(models, xs, ys, strict=True)):
        shape = output_shape(model, x, model_name=f"models[{i}]", x_name=f"x[{i}]")
        checked.append(check_targets(f"{name}[{i}]", y, shape, resolve_shortcut(loss_function, y, shape), label))
    return checked
