"""Generating sequences: feeding a trained model its own predictions.

- :func:`generate_sequence` for a model that predicts the next step from a
  fixed-length window (e.g. ``models.build_sequence_model("sequence_generation", ...)``);
- :func:`continue_sequence` for a model that predicts the next step at every step
  and accepts any length (:func:`lstm_companion.models.build_generative_lstm`);
- :func:`sample_symbols` for a model that gives, at every step, the probabilities of
  the next symbol (a character language model, :func:`lstm_companion.cells.build_char_model`):
  it draws each symbol at random, at a temperature.
"""

from __future__ import annotations

import keras
import numpy as np

from ._validation import check_array, check_float, check_int, check_model, check_seed

__all__ = ["continue_sequence", "generate_sequence", "sample_symbols"]


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


# ---------------------------------------------------------------------------------------------
# Sampling symbols (characters) from a model's predicted probabilities, at a temperature.


def _check_prompt(prompt, n_symbols: int) -> tuple[np.ndarray, bool]:
    codes = check_array("prompt", prompt, ndim=(1, 2))
    if np.any(codes != np.round(codes)) or codes.min() < 0 or codes.max() >= n_symbols:
        raise ValueError(
            f"prompt must hold integer codes from 0 to {n_symbols - 1} (the model's symbols), "
            f"got values from {codes.min():g} to {codes.max():g}"
        )
    single = codes.ndim == 1
    return (codes[None] if single else codes).astype(np.int32), single


def _draw(probabilities: np.ndarray, temperature: float, rng: np.random.Generator) -> np.ndarray:
    """One symbol per row of ``(batch, n_symbols)`` probabilities, sharpened or flattened by ``temperature``."""
    with np.errstate(divide="ignore"):
        logits = np.log(probabilities) / temperature  # p ** (1 / T), in logs; log(0) = -inf stays impossible
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    cumulative = np.cumsum(weights, axis=1)
    draws = rng.random(len(weights))[:, None] * cumulative[:, -1:]
    return np.minimum((cumulative <= draws).sum(axis=1), weights.shape[1] - 1)


def sample_symbols(
    model: keras.Model,
    prompt,
    *,
    n_steps: int,
    temperature: float = 1.0,
    window: int | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Continue a prompt by drawing one symbol at a time from the model's probabilities.

    At every step the model reads the latest ``window`` symbols and gives the
    probabilities ``p`` of the next one; the symbol is drawn from ``p ** (1 / T)``,
    renormalised, at the temperature ``T``: below 1 the likely symbols become likelier
    (at ``T -> 0``, always the most probable one), above 1 the distribution flattens
    towards uniform, and ``T = 1`` samples the model as it is. The model must be
    causal (its output at a step depends only on the symbols up to it, as a forward
    RNN's does): while fewer than ``window`` symbols are known, the rest of the
    window is padded with code 0 after them and the prediction is read at the last
    known one, so every call has the same shape and the model is compiled once.

    Args:
        model: a trained model mapping integer codes ``(batch, steps)`` to
            probabilities ``(batch, steps, n_symbols)``, e.g. from
            :func:`lstm_companion.cells.build_char_model`.
        prompt: codes to start from, ``(length,)`` or ``(batch, length)``.
        n_steps: symbols to generate.
        temperature: ``T`` (> 0).
        window: how many of the latest symbols the model reads at each step; by
            default the model's fixed input length, or for a model that takes any
            length, everything so far. A model trained on windows of ``n``
            characters from a zero state has learnt to use at most ``n``.
        seed: seeds the draws (a non-negative integer below ``2**32``).

    Returns:
        The prompt followed by the generated codes, ``int32`` of shape
        ``(length + n_steps,)``, or ``(batch, length + n_steps)``.

    Raises:
        ValueError: if the model does not map codes to one probability row per step,
            its probabilities do not sum to 1, a code is not one of its symbols, or
            ``window`` differs from the model's fixed input length.

    Example:
        >>> codes = generation.sample_symbols(model, text.encode_text("The ", alphabet=alphabet),
        ...                                   n_steps=200, temperature=0.5, seed=1)
    """
    check_model("model", model)
    n_steps = check_int("n_steps", n_steps)
    temperature = check_float("temperature", temperature, minimum=0.0, exclusive_minimum=True)
    seed = check_seed("seed", seed)
    expected = tuple(model.input_shape[1:])
    output = tuple(model.output_shape[1:])
    if len(expected) != 1 or len(output) != 2 or output[1] is None or output[1] < 2:
        raise ValueError(
            "model must map codes (batch, steps) to probabilities (batch, steps, n_symbols), "
            f"got input shape {model.input_shape} and output shape {model.output_shape}"
        )
    n_symbols = output[1]
    codes, single = _check_prompt(prompt, n_symbols)
    batch, start = codes.shape
    total = start + n_steps
    if window is None:
        window = expected[0] if expected[0] is not None else total
    else:
        window = check_int("window", window)
        if expected[0] is not None and window != expected[0]:
            raise ValueError(f"window must be the model's input length {expected[0]}, got {window}")
    sequence = np.zeros((batch, max(total, window)), dtype=np.int32)
    sequence[:, :start] = codes
    rng = np.random.default_rng(seed)
    for t in range(start, total):
        first = max(0, t - window)
        probabilities = np.asarray(model.predict_on_batch(sequence[:, first : first + window]), dtype=np.float64)
        if probabilities.shape != (batch, window, n_symbols):
            raise ValueError(
                f"model must give probabilities of shape {(batch, window, n_symbols)}, got {probabilities.shape}"
            )
        step = probabilities[:, t - 1 - first]
        if t == start and (not np.all(np.isfinite(step)) or step.min() < 0 or np.abs(step.sum(1) - 1).max() > 1e-3):
            raise ValueError("model must output probabilities (a softmax over the symbols), got rows that are not")
        sequence[:, t] = _draw(step, temperature, rng)
    result = sequence[:, :total]
    return result[0] if single else result
