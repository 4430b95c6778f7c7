"""Seeding and a small compile-and-fit helper.

Used by every chapter: :func:`set_seed` at the top of a notebook makes its
numbers reproducible, and :func:`compile_and_fit` keeps the training call short
while leaving loss, optimiser settings and epochs visible in the notebook.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from ._validation import check_array, check_choice, check_float, check_int, check_seed

__all__ = ["set_seed", "compile_and_fit"]


def _check_model_and_data(model, x, y) -> tuple[np.ndarray, np.ndarray]:
    """Shared checks: ``model`` is a ``keras.Model``, ``x`` and ``y`` are finite arrays with as many samples."""
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    x = check_array("x", x, ndim=(2, 3, 4, 5))
    y = check_array("y", y, ndim=(1, 2, 3))
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same number of samples, got {len(x)} and {len(y)}")
    return x, y


def set_seed(seed: int = 0) -> int:
    """Seed Python, NumPy and the Keras backend in one call.

    Wraps :func:`keras.utils.set_random_seed`, so weight initialisation,
    shuffling and dropout repeat exactly for the same seed on the same backend.

    Args:
        seed: non-negative integer below ``2**32``.

    Returns:
        The seed, so a notebook can record it (``SEED = set_seed(0)``).

    Used by: every chapter.
    """
    seed = check_seed("seed", seed)
    keras.utils.set_random_seed(seed)
    return seed


def compile_and_fit(
    model: keras.Model,
    x,
    y,
    *,
    loss: str = "mse",
    metrics: Sequence[str] = (),
    epochs: int = 10,
    batch_size: int = 32,
    learning_rate: float = 1e-3,
    schedule: str = "constant",
    validation_data: tuple | None = None,
    seed: int | None = 0,
    verbose: int = 0,
) -> keras.callbacks.History:
    """Compile ``model`` with Adam and train it; return the Keras ``History``.

    Args:
        model: an uncompiled (or compiled, it is recompiled) ``keras.Model``.
        x: inputs, a NumPy array whose first axis is the sample axis.
        y: targets, with the same number of samples as ``x``.
        loss: a Keras loss name, e.g. ``"mse"`` or ``"binary_crossentropy"``.
        metrics: Keras metric names to track, e.g. ``("accuracy",)``.
        epochs: number of passes over the data (>= 1).
        batch_size: samples per gradient step (>= 1).
        learning_rate: Adam's step size (> 0); with ``schedule="cosine"`` the
            step size at the start of training.
        schedule: ``"constant"`` keeps the step size fixed; ``"cosine"`` lowers
            it along a half cosine to 0 at the last batch of the last epoch,
            which settles the weights at the end of a short training run.
        validation_data: optional ``(x_val, y_val)`` evaluated after each epoch.
        seed: seeds shuffling via :func:`set_seed` before training; ``None``
            leaves the global random state alone.
        verbose: Keras verbosity; 0 keeps notebook output quiet.

    Returns:
        ``keras.callbacks.History``; ``history.history["loss"]`` holds the
        per-epoch training loss (and ``"val_loss"`` with validation data).

    Used by: every chapter that trains a model.
    """
    x, y = _check_model_and_data(model, x, y)
    if not isinstance(loss, str):
        raise TypeError(f"loss must be a Keras loss name (str), got {loss!r}")
    if isinstance(metrics, str) or not all(isinstance(m, str) for m in metrics):
        raise TypeError(f"metrics must be a sequence of metric names, got {metrics!r}")
    epochs = check_int("epochs", epochs)
    batch_size = check_int("batch_size", batch_size)
    learning_rate = check_float("learning_rate", learning_rate, minimum=0.0, exclusive_minimum=True)
    schedule = check_choice("schedule", schedule, ("constant", "cosine"))
    verbose = check_int("verbose", verbose, minimum=0)
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError("validation_data must be a pair (x_val, y_val)")
        x_val = check_array("validation_data[0]", validation_data[0], ndim=x.ndim)
        y_val = check_array("validation_data[1]", validation_data[1], ndim=y.ndim)
        if x_val.shape[1:] != x.shape[1:] or y_val.shape[1:] != y.shape[1:]:
            raise ValueError(
                "validation_data must have the same per-sample shapes as x and y, got "
                f"{x_val.shape[1:]} and {y_val.shape[1:]} for {x.shape[1:]} and {y.shape[1:]}"
            )
        validation_data = (x_val.astype(np.float32), y_val.astype(np.float32))
    if seed is not None:
        set_seed(seed)
    if schedule == "cosine":
        steps = epochs * -(-len(x) // batch_size)  # batches per epoch, rounded up
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=loss,
        metrics=list(metrics),
    )
    return model.fit(
        x.astype(np.float32),
        y.astype(np.float32),
        epochs=epochs,
        batch_size=batch_size,
        validation_data=validation_data,
        verbose=verbose,
    )
