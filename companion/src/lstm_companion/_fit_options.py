"""Training options shared by :func:`~lstm_companion.training.compile_and_fit` and ``fit_together``.

The checks of the optimizer, learning rate, schedule and validation split; the
optimizer they describe; the chronological validation split; and the stop (with
a warning) when the loss becomes NaN or infinite.
"""

from __future__ import annotations

import math
import warnings

import keras
import numpy as np

from ._validation import _show, check_choice, check_float, check_int, check_registered

DEFAULT_LEARNING_RATE = 1e-3


def check_fit_options(
    epochs, batch_size, learning_rate, schedule, verbose, optimizer, validation_split, validation_data
):
    """The training options shared by :func:`compile_and_fit` and :func:`fit_together`, checked."""
    epochs = check_int("epochs", epochs)
    batch_size = check_int("batch_size", batch_size)
    learning_rate = check_float("learning_rate", learning_rate, minimum=0.0, exclusive_minimum=True, dtype=np.float32)
    schedule = check_choice("schedule", schedule, ("constant", "cosine"))
    verbose = check_int("verbose", verbose, minimum=0)
    if isinstance(optimizer, keras.optimizers.Optimizer):
        if learning_rate != DEFAULT_LEARNING_RATE or schedule != "constant":
            raise ValueError(
                "learning_rate and schedule configure the Adam optimizer built when optimizer=None; set them on the "
                f"optimizer given instead, got learning_rate={learning_rate}, schedule={schedule!r} with {optimizer!r}"
            )
    elif isinstance(optimizer, str):
        check_registered("optimizer", optimizer, keras.optimizers.get, what="optimizer", examples="'adam' or 'sgd'")
    elif optimizer is not None:
        raise TypeError(
            "optimizer must be None (Adam), a Keras optimizer name or a keras.optimizers.Optimizer, "
            f"got {_show(optimizer)}"
        )
    if validation_split is not None:
        validation_split = check_float("validation_split", validation_split)
        if not 0.0 < validation_split < 1.0:
            raise ValueError(f"validation_split must be a fraction between 0 and 1 (exclusive), got {validation_split}")
        if validation_data is not None:
            raise ValueError(
                "validation_split and validation_data exclude each other (Keras would ignore validation_split), "
                "got both"
            )
    return epochs, batch_size, learning_rate, schedule, verbose, validation_split


def build_optimizer(optimizer, learning_rate: float, schedule: str, *, n_batches: int) -> keras.optimizers.Optimizer:
    """The optimizer given, or the one named (Adam if ``None``) at ``learning_rate``, constant or on a half cosine.

    The cosine decays the step size to 0 over ``n_batches``.
    """
    if isinstance(optimizer, keras.optimizers.Optimizer):
        return optimizer
    if schedule == "cosine":
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=n_batches)
    if optimizer is None:
        return keras.optimizers.Adam(learning_rate=learning_rate)
    return keras.optimizers.get({"class_name": optimizer, "config": {"learning_rate": learning_rate}})


def split_last(fraction: float, arrays: list[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The first samples for training, the last ``fraction`` for validation, in order (Keras's ``validation_split``)."""
    n_samples = len(arrays[0])
    n_train = int(math.floor(n_samples * (1.0 - fraction)))
    if n_train in (0, n_samples):
        raise ValueError(
            f"validation_split must leave at least one sample for training and one for validation, got "
            f"{fraction} of {n_samples} samples ({n_samples - n_train} for validation)"
        )
    return [a[:n_train] for a in arrays], [a[n_train:] for a in arrays]


class StopOnNaN(keras.callbacks.TerminateOnNaN):
    """Keras's ``TerminateOnNaN``, remembering where it stopped so that the helpers can say so."""

    def on_train_begin(self, logs=None):
        self.stopped_at = None
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if self.stopped_at is None and loss is not None and not np.isfinite(loss):
            self.stopped_at = (self._epoch, batch)
        super().on_batch_end(batch, logs)


def warn_if_diverged(stopper: StopOnNaN) -> None:
    if stopper.stopped_at is not None:
        epoch, batch = stopper.stopped_at
        warnings.warn(
            f"training stopped at epoch {epoch + 1}, batch {batch + 1}: the loss became NaN or infinite (the weights "
            "diverged). Try a lower learning_rate, gradient clipping (optimizer=keras.optimizers.Adam(clipnorm=1.0)) "
            "or inputs and targets scaled to about 1; the chapter 'The vanishing and exploding gradient problem' "
            "shows why.",
            RuntimeWarning,
            stacklevel=3,
        )


def check_distribution(distribution, model, batch_size: int, x: np.ndarray, validation_data) -> None:
    """A Keras distribution on the JAX backend, over the devices the model's weights live on."""
    if not isinstance(distribution, (keras.distribution.DataParallel, keras.distribution.ModelParallel)):
        raise TypeError(
            "distribution must be a keras.distribution.DataParallel or ModelParallel, or None, "
            f"got {type(distribution).__name__}"
        )
    backend = keras.backend.backend()
    if backend != "jax":
        raise ValueError(f"distribution needs the JAX backend (KERAS_BACKEND=jax), got the {backend} backend")
    n_devices = int(distribution.device_mesh.devices.size)
    for variable in model.weights:
        held_on = len(variable.value.sharding.device_set)
        if held_on != n_devices:
            raise ValueError(
                f"distribution spans {n_devices} devices, but the model's weight {variable.path!r} lives on "
                f"{held_on}: build the model inside `with distribution.scope():`"
            )
    if isinstance(distribution, keras.distribution.DataParallel):
        sizes = {"batch_size": batch_size, "the number of samples in x": len(x)}
        if validation_data is not None:
            sizes["the number of validation samples"] = len(validation_data[0])
        for name, size in sizes.items():
            if size % n_devices:
                raise ValueError(
                    f"{name} must be a multiple of the {n_devices} devices DataParallel splits each batch over, "
                    f"got {size}"
                )
