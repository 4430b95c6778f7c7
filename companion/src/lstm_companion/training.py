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

from ._fit_options import (
    DEFAULT_LEARNING_RATE,
    StopOnNaN,
    build_optimizer,
    check_distribution,
    check_fit_options,
    split_last,
    warn_if_diverged,
)
from ._model_checks import (
    check_data,
    check_fits_input,
    check_loss,
    check_metrics,
    check_targets,
    flat_inputs,
    loss_label,
    output_shape,
    regroup_inputs,
    resolve_shortcut,
    sample_shapes,
)
from ._side_by_side import (
    check_input_shapes,
    check_model_targets,
    check_models,
    per_model_arrays,
    per_model_inputs,
    side_by_side,
)
from ._validation import _show, check_int, check_model, check_seed

__all__ = ["EpochTimer", "set_seed", "derive_seeds", "compile_and_fit", "fit_together", "predict_together"]


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
    loss: str | keras.losses.Loss = "mse",
    metrics: Sequence[str | keras.metrics.Metric] | None = (),
    epochs: int = 10,
    batch_size: int = 32,
    learning_rate: float = DEFAULT_LEARNING_RATE,
    schedule: str = "constant",
    optimizer: str | keras.optimizers.Optimizer | None = None,
    validation_data: tuple | None = None,
    validation_split: float | None = None,
    seed: int | None = 0,
    verbose: int = 0,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    distribution: keras.distribution.DataParallel | keras.distribution.ModelParallel | None = None,
) -> keras.callbacks.History:
    """Compile ``model`` (with Adam unless told otherwise) and train it; return the Keras ``History``.

    Everything is checked before training starts: ``x`` must fit the model's
    input and ``y`` its output (a model with one output per sequence is not
    trained on a target per step), and ``y`` must suit the loss (class indices
    ``0 .. n_classes - 1`` for ``sparse_categorical_crossentropy``, values in
    ``[0, 1]``, 0/1 labels or probabilities, for ``binary_crossentropy``, one-hot or
    probability rows summing to 1 for ``categorical_crossentropy``). Training
    stops as soon as the loss becomes NaN or infinite
    (``keras.callbacks.TerminateOnNaN``) and a ``RuntimeWarning`` says what to try.

    Args:
        model: an uncompiled (or compiled, it is recompiled) ``keras.Model`` with
            one input and one output.
        x: inputs, a NumPy array whose first axis is the sample axis, finite in
            ``float32`` and shaped like the model's input.
        y: targets, with the same number of samples as ``x`` and the model's
            per-sample output shape (a trailing axis of size 1 may be left out),
            or class indices for a sparse loss.
        loss: a Keras loss name (``"mse"``, ``"binary_crossentropy"``, ...), a
            ``keras.losses.Loss`` object (``keras.losses.Huber(delta=0.5)``) or a
            callable ``(y_true, y_pred)``.
        metrics: Keras metric names (``"accuracy"``, ``"mae"``, ...) or
            ``keras.metrics.Metric`` objects to track; ``None`` or ``()`` for none.
        epochs: number of passes over the data (>= 1).
        batch_size: samples per gradient step (>= 1).
        learning_rate: the step size (> 0) of the optimizer built here; with
            ``schedule="cosine"`` the step size at the start of training.
        schedule: ``"constant"`` keeps the step size fixed; ``"cosine"`` lowers
            it along a half cosine to 0 at the last batch of the last epoch,
            which settles the weights at the end of a short training run.
        optimizer: ``None`` for Adam; a Keras optimizer name (``"sgd"``,
            ``"rmsprop"``, ...) built with ``learning_rate`` and ``schedule``; or a
            ``keras.optimizers.Optimizer`` used as it is (e.g.
            ``keras.optimizers.Adam(1e-3, clipnorm=1.0)``), in which case
            ``learning_rate`` and ``schedule`` must be left at their defaults.
        validation_data: optional ``(x_val, y_val)`` evaluated after each epoch,
            with the per-sample shapes of ``x`` and ``y``.
        validation_split: optional fraction in (0, 1): the *last* samples of
            ``x`` and ``y`` are held out for validation, in order and before any
            shuffling, exactly as Keras's ``validation_split`` (so for a time
            series the most recent windows). Not with ``validation_data``.
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

    Raises:
        TypeError: if an argument has the wrong type (a loss that is neither a
            name, a ``keras.losses.Loss`` nor a callable; metrics given as one
            string; an array of complex numbers, dates, strings or objects, or a
            masked array).
        ValueError: if a value is wrong: an unknown loss, metric or optimizer
            name; ``x`` or ``y`` that does not fit the model, or ``y`` that does
            not suit the loss; values that are NaN or infinite in ``float32``;
            validation data unlike the training data.

    Warns:
        RuntimeWarning: if the loss became NaN or infinite and training stopped.

    Example:
        >>> history = training.compile_and_fit(model, x, y, loss="mse", epochs=20, validation_data=(x_val, y_val))
        >>> history = training.compile_and_fit(model, x, y, loss=keras.losses.Huber(), validation_split=0.2)
    """
    check_model("model", model)
    x, y = check_data("x", "y", x, y)
    check_fits_input("x", x, model)
    loss_function = check_loss("loss", loss)
    metrics = check_metrics("metrics", metrics)
    if not isinstance(callbacks, (list, tuple)) or not all(isinstance(c, keras.callbacks.Callback) for c in callbacks):
        raise TypeError(f"callbacks must be a list or tuple of keras.callbacks.Callback, got {callbacks!r}")
    epochs, batch_size, learning_rate, schedule, verbose, validation_split = check_fit_options(
        epochs, batch_size, learning_rate, schedule, verbose, optimizer, validation_split, validation_data
    )
    shape = output_shape(model, x)
    loss_function = resolve_shortcut(loss_function, y, shape)
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError(f"validation_data must be a pair (x_val, y_val), got {_show(validation_data)}")
        x_val, y_val = check_data("validation_data[0]", "validation_data[1]", *validation_data, x_ndim=x.ndim)
        if x_val.shape[1:] != x.shape[1:] or y_val.shape[1:] != y.shape[1:]:
            raise ValueError(
                "validation_data must have the same per-sample shapes as x and y, got "
                f"{x_val.shape[1:]} and {y_val.shape[1:]} for {x.shape[1:]} and {y.shape[1:]}"
            )
        validation_data = (x_val, check_targets("validation_data[1]", y_val, shape, loss_function, loss_label(loss)))
    y = check_targets("y", y, shape, loss_function, loss_label(loss))
    if validation_split is not None:
        (x, y), validation_data = split_last(validation_split, [x, y])
        validation_data = tuple(validation_data)
    if distribution is not None:
        check_distribution(distribution, model, batch_size, x, validation_data)
    stopper = StopOnNaN()
    with distribution.scope() if distribution is not None else contextlib.nullcontext():
        if seed is not None:
            set_seed(seed)
        model.compile(
            optimizer=build_optimizer(optimizer, learning_rate, schedule, n_batches=epochs * -(-len(x) // batch_size)),
            loss=loss,
            metrics=metrics,
        )
        history = model.fit(
            x,
            y,
            epochs=epochs,
            batch_size=batch_size,
            validation_data=validation_data,
            verbose=verbose,
            callbacks=[*callbacks, stopper],
        )
    warn_if_diverged(stopper)
    return history


def fit_together(
    models: Sequence[keras.Model],
    x,
    y,
    *,
    loss: str | keras.losses.Loss = "mse",
    epochs: int = 10,
    batch_size: int = 32,
    learning_rate: float = DEFAULT_LEARNING_RATE,
    schedule: str = "constant",
    optimizer: str | keras.optimizers.Optimizer | None = None,
    validation_data: tuple | None = None,
    validation_split: float | None = None,
    seed: int | None = 0,
    verbose: int = 0,
) -> list[dict[str, list[float]]]:
    """Train independent models side by side, in one compiled training step.

    The models are wrapped in one Keras model whose loss is the sum of theirs. No
    weight is shared, so each model is trained exactly as :func:`compile_and_fit`
    would train it alone on the same batches (the tests check the weights to 1e-6
    on JAX), in training mode as ``fit`` runs it (its ``Dropout`` active, its
    ``FusedLSTM`` layers with their own backward pass) and in inference mode for
    validation; what is saved is compilation, once instead of once per model. The
    data are checked against every model as :func:`compile_and_fit` checks them,
    and training stops with a ``RuntimeWarning`` if the summed loss becomes NaN
    or infinite.

    On JAX, models of one architecture (the same Keras and ``lstm_companion``
    layers with the same settings and weight shapes, on inputs of the same shape:
    one model built from several seeds, say) are stacked: each weight becomes one
    array with a leading axis over the models, and ``jax.vmap`` runs one copy of
    the model over that axis, so XLA compiles and runs one copy of the model's ops
    instead of one per model (7-10 % less time for the book's chapters that stack,
    ``benchmarks/README.md``). The optimizer must then update weights element by element (SGD, Adam,
    AdamW, Adamax, Nadam, RMSprop, Adagrad, Adadelta, Ftrl, Lion, without
    ``clipnorm`` or ``global_clipnorm``); other models and optimizers, and the other
    backends, run the models one after the other in the same compiled step. Either
    way each model ends with the weights it would have alone. (One exception, on
    torch: a ``Dropout`` built without ``seed=`` draws its masks from PyTorch's
    global generator, so models trained together draw other masks than alone.)

    Args:
        models: independent ``keras.Model`` objects (no shared weights), trained in place.
        x: one input array for all models, or a list with one array per model;
            every array has the same number of samples. A model with several
            inputs (e.g. :func:`lstm_companion.seq2seq.build_seq2seq`) takes a list
            of arrays, one per input in the order of ``model.inputs``, as its entry.
        y: one target array for all models, or a list with one per model.
        loss: a Keras loss name, a ``keras.losses.Loss`` or a callable
            ``(y_true, y_pred)``, applied to every model.
        optimizer: as in :func:`compile_and_fit`; one optimizer updates all the
            models (Adam's statistics are per weight, so this is the same as one
            Adam per model).
        validation_data: optional ``(x_val, y_val)``, each one array for all
            models or a list with one per model (as ``x`` and ``y``), evaluated after every epoch.
        validation_split: optional fraction in (0, 1): the last samples of every
            array are held out for validation, in order, as in :func:`compile_and_fit`.
        epochs, batch_size, learning_rate, schedule, seed, verbose: as in
            :func:`compile_and_fit`.

    Returns:
        One history dict per model, in the order of ``models``:
        ``{"loss": [per-epoch loss, ...]}``, plus ``"val_loss"`` with
        validation data; each plots with
        :func:`lstm_companion.plotting.plot_learning_curves`. The loss is the
        value of ``loss``: a penalty that a layer adds (a regularizer) is
        trained on, but not counted in it, unlike in :func:`compile_and_fit`'s history.

    Raises:
        TypeError: for arguments of the wrong type, as in :func:`compile_and_fit`.
        ValueError: for wrong values, as in :func:`compile_and_fit`, and for
            models that share a weight.

    Warns:
        RuntimeWarning: if the loss became NaN or infinite and training stopped.

    Example:
        >>> histories = training.fit_together([build(seed) for seed in seeds], x, y, epochs=20)
    """
    models = check_models(models)
    xs = per_model_inputs("x", x, models)
    ys = per_model_arrays("y", y, len(models), ndim=(1, 2, 3))
    n_samples = {len(a) for a in flat_inputs(xs) + ys}
    if len(n_samples) != 1:
        raise ValueError(f"every array in x and y must have the same number of samples, got {sorted(n_samples)}")
    check_input_shapes(models, xs)
    loss_function = check_loss("loss", loss)
    epochs, batch_size, learning_rate, schedule, verbose, validation_split = check_fit_options(
        epochs, batch_size, learning_rate, schedule, verbose, optimizer, validation_split, validation_data
    )
    names = [f"model_{i}" for i in range(len(models))]
    validation = None
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError(f"validation_data must be a pair (x_val, y_val), got {_show(validation_data)}")
        x_val = per_model_inputs("validation_data[0]", validation_data[0], models)
        y_val = per_model_arrays("validation_data[1]", validation_data[1], len(models), ndim=(1, 2, 3))
        for i in range(len(models)):
            if sample_shapes(x_val[i]) != sample_shapes(xs[i]) or y_val[i].shape[1:] != ys[i].shape[1:]:
                raise ValueError(
                    f"validation_data for models[{i}] must have the per-sample shapes of its x and y, got "
                    f"{sample_shapes(x_val[i])} and {y_val[i].shape[1:]} for {sample_shapes(xs[i])} and "
                    f"{ys[i].shape[1:]}"
                )
        if len({len(a) for a in flat_inputs(x_val) + y_val}) != 1:
            raise ValueError(
                "every array in validation_data must have the same number of samples, got "
                f"{sorted({len(a) for a in flat_inputs(x_val) + y_val})}"
            )
        y_val = check_model_targets(models, x_val, y_val, "validation_data[1]", loss_function, loss_label(loss))
        validation = (x_val, dict(zip(names, y_val, strict=True)))
    ys = check_model_targets(models, xs, ys, "y", loss_function, loss_label(loss))
    # Which models get the same array, read before a split makes a view per model.
    input_lists = [xs] if validation is None else [xs, validation[0]]
    if validation_split is not None:
        n_x = len(flat_inputs(xs))
        train, held_out = split_last(validation_split, flat_inputs(xs) + ys)
        xs, ys = regroup_inputs(train[:n_x], xs), train[n_x:]
        validation = (regroup_inputs(held_out[:n_x], xs), dict(zip(names, held_out[n_x:], strict=True)))
    n_batches = epochs * -(-len(ys[0]) // batch_size)
    optimizer = build_optimizer(optimizer, learning_rate, schedule, n_batches=n_batches)
    runner = side_by_side(models, input_lists, optimizer)
    if seed is not None:
        set_seed(seed)
    runner.compile(optimizer=optimizer, loss={name: loss for name in names})
    if validation is not None:
        validation = (runner.pack(validation[0]), validation[1])
    stopper = StopOnNaN()
    try:
        history = runner.fit(
            runner.pack(xs),
            dict(zip(names, ys, strict=True)),
            epochs=epochs,
            batch_size=batch_size,
            validation_data=validation,
            verbose=verbose,
            callbacks=[stopper],
        ).history
    finally:
        runner.write_back()
    warn_if_diverged(stopper)
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
            all with the same number of samples (a list of arrays for a model with
            several inputs, as in :func:`fit_together`).
        batch_size: samples per forward pass (>= 1). With more samples than
            that and a last batch that would be smaller, the last batch is
            filled up with copies of the last sample, whose predictions are
            dropped: every batch then has the same shape, and the backend
            compiles the forward pass once instead of twice.

    Returns:
        One prediction array per model, in the order of ``models``, one row per sample of ``x``.

    Example:
        >>> predictions = training.predict_together(trained_models, x_test)
    """
    models = check_models(models)
    xs = per_model_inputs("x", x, models)
    if len({len(a) for a in flat_inputs(xs)}) != 1:
        raise ValueError(
            f"every array in x must have the same number of samples, got {[len(a) for a in flat_inputs(xs)]}"
        )
    check_input_shapes(models, xs)
    batch_size = check_int("batch_size", batch_size)
    n_samples = len(flat_inputs(xs)[0])
    batch_size = min(batch_size, n_samples)
    filler = -n_samples % batch_size
    runner = side_by_side(models, [xs])
    if filler:
        xs = keras.tree.map_structure(lambda a: np.concatenate([a, np.repeat(a[-1:], filler, axis=0)]), xs)
    predictions = runner.predict(runner.pack(xs), batch_size=batch_size, verbose=0)
    runner.write_back()  # state a layer keeps between calls (a stateful RNN's) goes back to its model
    return [np.asarray(predictions[f"model_{i}"])[:n_samples] for i in range(len(models))]
