"""Seeding, a small compile-and-fit helper, and training several models side by side.

- :func:`set_seed` makes a notebook's numbers reproducible; :func:`derive_seeds`
  derives the seeds of a multi-seed experiment from one;
- :func:`compile_and_fit` keeps the training call short while leaving the loss,
  optimiser settings and epochs visible;
- :func:`fit_together` and :func:`predict_together` train and run many small,
  independent models (seeds, lengths, architectures) in one compiled program;
- :class:`EpochTimer` records how long each epoch took.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence

import keras
import numpy as np

from ._validation import check_array, check_choice, check_float, check_int, check_model_and_data, check_seed

__all__ = ["EpochTimer", "set_seed", "derive_seeds", "compile_and_fit", "fit_together", "predict_together"]


def _check_fit_options(loss, epochs, batch_size, learning_rate, schedule, verbose):
    """The training options shared by :func:`compile_and_fit` and :func:`fit_together`, checked."""
    if not isinstance(loss, str):
        raise TypeError(f"loss must be a Keras loss name (str), got {loss!r}")
    return (
        check_int("epochs", epochs),
        check_int("batch_size", batch_size),
        check_float("learning_rate", learning_rate, minimum=0.0, exclusive_minimum=True),
        check_choice("schedule", schedule, ("constant", "cosine")),
        check_int("verbose", verbose, minimum=0),
    )


def _adam(learning_rate: float, schedule: str, *, n_batches: int) -> keras.optimizers.Adam:
    """Adam at ``learning_rate``, constant or decayed along a half cosine to 0 over ``n_batches``."""
    if schedule == "cosine":
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=n_batches)
    return keras.optimizers.Adam(learning_rate=learning_rate)


class EpochTimer(keras.callbacks.Callback):
    """A callback that records the wall-clock seconds of every epoch in ``seconds``.

    Pass it in ``callbacks=`` to :func:`compile_and_fit` (or ``model.fit``);
    afterwards ``timer.seconds[k]`` is the duration of epoch ``k``, the first
    one including compilation. It starts empty at every ``fit``.

    Example:
        >>> timer = training.EpochTimer()
        >>> history = training.compile_and_fit(model, x, y, epochs=3, callbacks=[timer])
        >>> len(timer.seconds)
        3
    """

    def __init__(self):
        super().__init__()
        self.seconds: list[float] = []
        self._start = 0.0

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def set_seed(seed: int = 0) -> int:
    """Seed Python, NumPy and the Keras backend in one call.

    Wraps ``keras.utils.set_random_seed``, so weight initialisation,
    shuffling and dropout repeat exactly for the same seed on the same backend.

    Args:
        seed: non-negative integer below ``2**32``.

    Returns:
        The seed, so a notebook can record it (``SEED = set_seed(0)``).

    Example:
        >>> SEED = training.set_seed(config.course_seed())
    """
    seed = check_seed("seed", seed)
    keras.utils.set_random_seed(seed)
    return seed


def derive_seeds(seed: int, n: int) -> list[int]:
    """``n`` seeds derived from one, for experiments that train from several seeds.

    The seeds come from NumPy's ``SeedSequence(seed)``: the same ``seed`` always
    gives the same list (and a longer list starts with the shorter one), and two
    different ``seed`` values give unrelated lists. A chapter derives the seeds
    of its multi-seed experiments from its one seed,
    :func:`lstm_companion.config.course_seed`, so that changing that one number
    moves every seed of the chapter.

    Args:
        seed: non-negative integer below ``2**32``.
        n: how many seeds (>= 1).

    Returns:
        A list of ``n`` integers in ``[0, 2**31)``.

    Example:
        >>> training.derive_seeds(0, 3)
        [1484405855, 1838574579, 372825380]
    """
    seed = check_seed("seed", seed)
    n = check_int("n", n)
    return [int(value) for value in np.random.SeedSequence(seed).generate_state(n) >> 1]


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
    callbacks: Sequence[keras.callbacks.Callback] = (),
    distribution: keras.distribution.DataParallel | keras.distribution.ModelParallel | None = None,
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
        callbacks: ``keras.callbacks.Callback`` objects passed to ``fit``, e.g.
            to time or stop the training.
        distribution: a ``keras.distribution.DataParallel`` or ``ModelParallel``
            (JAX backend) to train on several devices.
            Build the model inside ``with distribution.scope():`` so that its
            weights are laid out on the distribution's devices; for
            ``DataParallel``, ``batch_size`` and the number of samples must be
            multiples of the number of devices. ``None`` trains as usual (on the
            global distribution, if one was set with ``keras.distribution.set_distribution``).

    Returns:
        ``keras.callbacks.History``; ``history.history["loss"]`` holds the
        per-epoch training loss (and ``"val_loss"`` with validation data).

    Example:
        >>> history = training.compile_and_fit(model, x, y, loss="mse", epochs=20, validation_data=(x_val, y_val))
    """
    x, y = check_model_and_data(model, x, y)
    if isinstance(metrics, str) or not all(isinstance(m, str) for m in metrics):
        raise TypeError(f"metrics must be a sequence of metric names, got {metrics!r}")
    if not isinstance(callbacks, (list, tuple)) or not all(isinstance(c, keras.callbacks.Callback) for c in callbacks):
        raise TypeError(f"callbacks must be a list or tuple of keras.callbacks.Callback, got {callbacks!r}")
    epochs, batch_size, learning_rate, schedule, verbose = _check_fit_options(
        loss, epochs, batch_size, learning_rate, schedule, verbose
    )
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
    if distribution is not None:
        _check_distribution(distribution, model, batch_size, x, validation_data)
    with distribution.scope() if distribution is not None else contextlib.nullcontext():
        if seed is not None:
            set_seed(seed)
        model.compile(
            optimizer=_adam(learning_rate, schedule, n_batches=epochs * -(-len(x) // batch_size)),
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
            callbacks=list(callbacks),
        )


def _check_distribution(distribution, model, batch_size: int, x: np.ndarray, validation_data) -> None:
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


class _SideBySide(keras.Model):
    """Runs independent models on their own inputs; output ``model_i`` is model ``i``'s prediction."""

    def __init__(self, members):
        super().__init__(name="side_by_side")
        # One attribute per member, not a list: on the torch backend only attributes register the
        # members as torch submodules, and the trainer's zero_grad() reaches only those. Held in a
        # list, the members' gradients were never cleared and added up from step to step.
        for i, member in enumerate(members):
            setattr(self, f"model_{i}", member)

    def call(self, inputs):
        return {f"model_{i}": getattr(self, f"model_{i}")(x) for i, x in enumerate(inputs)}


def _check_models(models) -> list:
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


def _per_model_arrays(name: str, values, n_models: int, ndim: tuple[int, ...]) -> list[np.ndarray]:
    """One float32 array per model: ``values`` is one array for all of them, or a list of ``n_models``."""
    if isinstance(values, (list, tuple)):
        if len(values) != n_models:
            raise ValueError(f"{name} must hold one array per model ({n_models}), got {len(values)}")
        return [check_array(f"{name}[{i}]", v, ndim=ndim).astype(np.float32) for i, v in enumerate(values)]
    array = check_array(name, values, ndim=ndim).astype(np.float32)
    return [array] * n_models


def _check_input_shapes(models, xs) -> None:
    for i, (model, x) in enumerate(zip(models, xs, strict=True)):
        inputs = getattr(model, "inputs", None)
        if inputs is not None and len(inputs) == 1:
            expected = tuple(inputs[0].shape[1:])
            if x.shape[1:] != expected:
                raise ValueError(
                    f"x[{i}] must have per-sample shape {expected} for models[{i}] ({model.name}), got {x.shape[1:]}"
                )


def fit_together(
    models: Sequence[keras.Model],
    x,
    y,
    *,
    loss: str = "mse",
    epochs: int = 10,
    batch_size: int = 32,
    learning_rate: float = 1e-3,
    schedule: str = "constant",
    validation_data: tuple | None = None,
    seed: int | None = 0,
    verbose: int = 0,
) -> list[dict[str, list[float]]]:
    """Train independent models side by side, in one compiled training step.

    The models are wrapped in one Keras model whose loss is the sum of theirs. No
    weight is shared, so each model is trained exactly as :func:`compile_and_fit`
    would train it alone on the same batches (the tests check the weights to 1e-6
    on JAX); what is saved is compilation, once instead of once per model.

    Args:
        models: independent ``keras.Model`` objects (no shared weights), trained in place.
        x: one input array for all models, or a list with one array per model;
            every array has the same number of samples.
        y: one target array for all models, or a list with one per model.
        loss: a Keras loss name, applied to every model.
        validation_data: optional ``(x_val, y_val)``, each one array for all
            models or a list with one per model, evaluated after every epoch.
        epochs, batch_size, learning_rate, schedule, seed, verbose: as in
            :func:`compile_and_fit`.

    Returns:
        One history dict per model, in the order of ``models``:
        ``{"loss": [per-epoch loss, ...]}``, plus ``"val_loss"`` with
        validation data; each plots with
        :func:`lstm_companion.plotting.plot_learning_curves`.

    Example:
        >>> histories = training.fit_together([build(seed) for seed in seeds], x, y, epochs=20)
    """
    models = _check_models(models)
    xs = _per_model_arrays("x", x, len(models), ndim=(2, 3, 4, 5))
    ys = _per_model_arrays("y", y, len(models), ndim=(1, 2, 3))
    n_samples = {len(a) for a in xs + ys}
    if len(n_samples) != 1:
        raise ValueError(f"every array in x and y must have the same number of samples, got {sorted(n_samples)}")
    _check_input_shapes(models, xs)
    names = [f"model_{i}" for i in range(len(models))]
    validation = None
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError("validation_data must be a pair (x_val, y_val)")
        x_val = _per_model_arrays("validation_data[0]", validation_data[0], len(models), ndim=(2, 3, 4, 5))
        y_val = _per_model_arrays("validation_data[1]", validation_data[1], len(models), ndim=(1, 2, 3))
        for i in range(len(models)):
            if x_val[i].shape[1:] != xs[i].shape[1:] or y_val[i].shape[1:] != ys[i].shape[1:]:
                raise ValueError(
                    f"validation_data for models[{i}] must have the per-sample shapes of its x and y, got "
                    f"{x_val[i].shape[1:]} and {y_val[i].shape[1:]} for {xs[i].shape[1:]} and {ys[i].shape[1:]}"
                )
        if len({len(a) for a in x_val + y_val}) != 1:
            raise ValueError("every array in validation_data must have the same number of samples")
        validation = (x_val, dict(zip(names, y_val, strict=True)))
    epochs, batch_size, learning_rate, schedule, verbose = _check_fit_options(
        loss, epochs, batch_size, learning_rate, schedule, verbose
    )
    if seed is not None:
        set_seed(seed)
    side_by_side = _SideBySide(models)
    side_by_side.compile(
        optimizer=_adam(learning_rate, schedule, n_batches=epochs * -(-n_samples.pop() // batch_size)),
        loss={name: loss for name in names},
    )
    history = side_by_side.fit(
        xs,
        dict(zip(names, ys, strict=True)),
        epochs=epochs,
        batch_size=batch_size,
        validation_data=validation,
        verbose=verbose,
    ).history
    histories = []
    for name in names:
        key = "loss" if len(models) == 1 else f"{name}_loss"  # Keras names a single output's loss "loss"
        histories.append({"loss": list(history[key])})
        if validation is not None:
            histories[-1]["val_loss"] = list(history[f"val_{key}"])
    return histories


def predict_together(models: Sequence[keras.Model], x, *, batch_size: int = 256) -> list[np.ndarray]:
    """Predict with several independent models in one compiled call.

    Args:
        models: ``keras.Model`` objects, e.g. those trained by :func:`fit_together`.
        x: one input array for all models, or a list with one array per model,
            all with the same number of samples.
        batch_size: samples per forward pass (>= 1).

    Returns:
        One prediction array per model, in the order of ``models``.

    Example:
        >>> predictions = training.predict_together(trained_models, x_test)
    """
    models = _check_models(models)
    xs = _per_model_arrays("x", x, len(models), ndim=(2, 3, 4, 5))
    if len({len(a) for a in xs}) != 1:
        raise ValueError(f"every array in x must have the same number of samples, got {[len(a) for a in xs]}")
    _check_input_shapes(models, xs)
    batch_size = check_int("batch_size", batch_size)
    predictions = _SideBySide(models).predict(xs, batch_size=batch_size, verbose=0)
    return [np.asarray(predictions[f"model_{i}"]) for i in range(len(models))]
