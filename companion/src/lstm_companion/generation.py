"""Generating sequences: feeding a trained model its own predictions.

- :func:`generate_sequence` for a model that predicts the next step from a
  fixed-length window (e.g. ``models.build_sequence_model("sequence_generation", ...)``);
- :func:`continue_sequence` for a model that predicts the next step at every step
  and accepts any length (:func:`lstm_companion.models.build_generative_lstm`).
"""

from __future__ import annotations

import keras
import numpy as np

from ._validation import check_array, check_int, check_model

__all__ = ["continue_sequence", "generate_sequence"]


def _as_batch(name: str, value) -> tuple[np.ndarray, bool]:
    """``value`` as a ``float32`` batch of sequences, and whether it was a single sequence."""
    array = check_array(name, value, ndim=(2, 3), dtype=np.float32)
    single = array.ndim == 2
    return (array[None] if single else array).astype(np.float32), single


def generate_sequence(model: keras.Model, context, *, n_steps: int) -> np.ndarray:
    """Generate ``n_steps`` new steps by feeding a one-step-ahead model its own predictions.

    The model maps ``(batch, window, features)`` to ``(batch, features)``. Each
    prediction is appended to the window and the oldest step dropped.

    Args:
        model: a trained ``keras.Model``.
        context: the seed window, ``(window, features)`` or ``(batch, window, features)``.
        n_steps: number of steps to generate.

    Returns:
        The generated steps: ``(n_steps, features)``, or ``(batch, n_steps, features)``
        for a batched context.

    Raises:
        ValueError: if ``context`` does not fit the model's input, or the model
            does not predict one step.

    Example:
        >>> future = generation.generate_sequence(model, x_test[0], n_steps=48)
    """
    check_model("model", model)
    n_steps = check_int("n_steps", n_steps)
    window, single = _as_batch("context", context)
    expected = tuple(model.input_shape[1:])
    if len(expected) != 2 or any(e is not None and e != w for e, w in zip(expected, window.shape[1:], strict=True)):
        raise ValueError(
            f"context must have per-sample shape {expected} to match the model's input, got {window.shape[1:]}"
        )
    generated = []
    for _ in range(n_steps):
        step = np.asarray(model.predict_on_batch(window))
        if step.shape != (window.shape[0], window.shape[2]):
            raise ValueError(
                "model must predict one step of shape (batch, features) = "
                f"{(window.shape[0], window.shape[2])}, got {step.shape}"
            )
        generated.append(step)
        window = np.concatenate([window[:, 1:], step[:, None, :]], axis=1)
    result = np.stack(generated, axis=1)
    return result[0] if single else result


def continue_sequence(model: keras.Model, prefix, *, n_steps: int) -> np.ndarray:
    """Extend ``prefix`` by ``n_steps`` steps, feeding a generative model its own predictions.

    The model must be causal (its output at step ``t`` depends only on inputs up
    to ``t``, as a forward LSTM's does): every round then runs the model on one
    buffer of the final length, whose steps not yet generated hold zeros, so the
    model is compiled once rather than once per length.

    Args:
        model: a trained model that accepts any length, e.g. from
            :func:`lstm_companion.models.build_generative_lstm` with ``n_steps=None``.
        prefix: the given start, ``(steps, n_features)`` or ``(batch, steps, n_features)``.
        n_steps: number of steps to generate.

    Returns:
        The prefix followed by the generated steps: ``(steps + n_steps, n_features)``,
        or with a leading batch axis.

    Raises:
        ValueError: if the model does not accept sequences of any length with
            the prefix's features, or does not predict one step per input step.

    Example:
        >>> drawing = generation.continue_sequence(model, moves[:, :4], n_steps=11)
    """
    check_model("model", model)
    n_steps = check_int("n_steps", n_steps)
    known, single = _as_batch("prefix", prefix)
    expected = tuple(model.input_shape[1:])
    if len(expected) != 2 or expected[0] is not None or expected[1] != known.shape[2]:
        raise ValueError(
            "model must accept sequences of any length with "
            f"{known.shape[2]} features (input shape (None, {known.shape[2]})), got {expected}"
        )
    batch, start, n_features = known.shape
    sequence = np.zeros((batch, start + n_steps, n_features), dtype=np.float32)
    sequence[:, :start] = known
    for t in range(start, start + n_steps):
        prediction = np.asarray(model.predict_on_batch(sequence))
        if prediction.shape != sequence.shape:
            raise ValueError(
                f"model must predict one step per input step, shape {sequence.shape}, got {prediction.shape}"
            )
        sequence[:, t] = prediction[:, t - 1]
    return sequence[0] if single else sequence
