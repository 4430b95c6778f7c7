"""Sequence-problem generators.

Every generator takes ``n_samples`` and ``seed``, is deterministic for a given
seed, and returns NumPy ``(X, y)`` arrays of dtype ``float32`` whose shapes are
given in its docstring (``samples`` first, then ``steps``, then ``features``
for sequences).

The first group, one generator per kind of sequence problem, is collected in
:data:`SEQUENCE_PROBLEMS`; chapter "Sequence prediction and the terminology of
the notes" walks through them.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_int, check_seed

__all__ = [
    "SEQUENCE_PROBLEMS",
    "echo_sequence",
    "next_value",
    "sequence_mean",
    "sine_forecast",
    "sine_of_value",
    "sum_sign",
    "wave_from_frequency",
]


def _rng(seed) -> np.random.Generator:
    return np.random.default_rng(check_seed("seed", seed))


def _sine_waves(rng: np.random.Generator, n_samples: int, length: int) -> np.ndarray:
    """``(n_samples, length)`` sine waves with random period (6-20 steps), phase and amplitude."""
    frequency = rng.uniform(1 / 20, 1 / 6, size=(n_samples, 1))
    phase = rng.uniform(0.0, 2 * np.pi, size=(n_samples, 1))
    amplitude = rng.uniform(0.5, 1.0, size=(n_samples, 1))
    steps = np.arange(length)[None, :]
    return amplitude * np.sin(2 * np.pi * frequency * steps + phase)


def sine_of_value(n_samples: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """One-to-one: a single value in, a single value out (no time axis at all).

    ``x`` is uniform on [-1, 1] and the target is ``sin(pi * x)``: a plain
    function-approximation task, the home ground of a multilayer perceptron.

    Returns:
        ``X`` of shape ``(n_samples, 1)`` and ``y`` of shape ``(n_samples, 1)``.
    """
    n_samples = check_int("n_samples", n_samples)
    rng = _rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n_samples, 1))
    return x.astype(np.float32), np.sin(np.pi * x).astype(np.float32)


def sequence_mean(n_samples: int, *, n_steps: int = 10, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Many-to-one: a sequence in, one value out -- the mean of the sequence.

    Values are uniform on [-1, 1]; the answer depends on every step equally.

    Returns:
        ``X`` of shape ``(n_samples, n_steps, 1)`` and ``y`` of shape ``(n_samples, 1)``.
    """
    n_samples = check_int("n_samples", n_samples)
    n_steps = check_int("n_steps", n_steps)
    rng = _rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n_samples, n_steps, 1))
    return x.astype(np.float32), x.mean(axis=1).astype(np.float32)


def wave_from_frequency(n_samples: int, *, n_steps: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """One-to-many: one value in, a whole sequence out.

    The input is a frequency ``f`` uniform on [0.5, 2] (cycles per sequence);
    the target is the wave ``sin(2 pi f t / n_steps)`` for ``t = 0 .. n_steps - 1``.

    Returns:
        ``X`` of shape ``(n_samples, 1)`` and ``y`` of shape ``(n_samples, n_steps, 1)``.
    """
    n_samples = check_int("n_samples", n_samples)
    n_steps = check_int("n_steps", n_steps)
    rng = _rng(seed)
    frequency = rng.uniform(0.5, 2.0, size=(n_samples, 1))
    t = np.arange(n_steps)[None, :] / n_steps
    y = np.sin(2 * np.pi * frequency * t)[..., None]
    return frequency.astype(np.float32), y.astype(np.float32)


def sine_forecast(
    n_samples: int, *, n_steps_in: int = 16, n_steps_out: int = 4, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Many-to-many (sequence to sequence): the next ``n_steps_out`` values of a sine wave.

    Each sample is a sine wave with random period (6 to 20 steps), phase and
    amplitude (0.5 to 1); the input is its first ``n_steps_in`` values and the
    target the ``n_steps_out`` values that follow. Input and output lengths
    differ, so the steps are not aligned one to one.

    Returns:
        ``X`` of shape ``(n_samples, n_steps_in, 1)`` and ``y`` of shape
        ``(n_samples, n_steps_out, 1)``.
    """
    n_samples = check_int("n_samples", n_samples)
    n_steps_in = check_int("n_steps_in", n_steps_in)
    n_steps_out = check_int("n_steps_out", n_steps_out)
    rng = _rng(seed)
    waves = _sine_waves(rng, n_samples, n_steps_in + n_steps_out)[..., None]
    return waves[:, :n_steps_in].astype(np.float32), waves[:, n_steps_in:].astype(np.float32)


def sum_sign(n_samples: int, *, n_steps: int = 10, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Sequence classification: is the sum of the sequence positive?

    Values are uniform on [-1, 1]; the label is 1 when their sum is > 0, else 0,
    so the two classes are equally likely.

    Returns:
        ``X`` of shape ``(n_samples, n_steps, 1)`` and ``y`` of shape
        ``(n_samples, 1)`` holding 0.0 or 1.0.
    """
    n_samples = check_int("n_samples", n_samples)
    n_steps = check_int("n_steps", n_steps)
    rng = _rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n_samples, n_steps, 1))
    y = (x.sum(axis=1) > 0).astype(np.float32)
    return x.astype(np.float32), y


def next_value(n_samples: int, *, n_steps: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Sequence generation: predict the next value of a sine wave from a window.

    The same waves as :func:`sine_forecast`, one step ahead. A model trained on
    this generates a whole new sequence when its predictions are fed back as
    inputs (see :func:`lstm_companion.models.generate_sequence`).

    Returns:
        ``X`` of shape ``(n_samples, n_steps, 1)`` and ``y`` of shape ``(n_samples, 1)``.
    """
    n_samples = check_int("n_samples", n_samples)
    n_steps = check_int("n_steps", n_steps)
    rng = _rng(seed)
    waves = _sine_waves(rng, n_samples, n_steps + 1)
    return waves[:, :n_steps, None].astype(np.float32), waves[:, n_steps:].astype(np.float32)


def echo_sequence(
    n_samples: int, *, n_steps: int = 12, n_features: int = 10, echo_index: int = 0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Echo: a sequence of one-hot symbols in, the symbol seen at ``echo_index`` out.

    Each step is one of ``n_features`` symbols, drawn uniformly and one-hot
    encoded; the target is the one-hot symbol at position ``echo_index``. To
    answer, a model must remember that step for ``n_steps - 1 - echo_index``
    steps: a window over the last few steps sees it only when it is recent.

    Args:
        n_samples: number of sequences.
        n_steps: sequence length.
        n_features: number of distinct symbols (the one-hot width, >= 2).
        echo_index: position to echo, ``0 <= echo_index < n_steps``.
        seed: random seed.

    Returns:
        ``X`` of shape ``(n_samples, n_steps, n_features)`` and ``y`` of shape
        ``(n_samples, n_features)``, both one-hot ``float32``.

    Used by: "From MLPs to RNNs".
    """
    n_samples = check_int("n_samples", n_samples)
    n_steps = check_int("n_steps", n_steps)
    n_features = check_int("n_features", n_features, minimum=2)
    echo_index = check_int("echo_index", echo_index, minimum=0)
    if echo_index >= n_steps:
        raise ValueError(f"echo_index must be a position in the sequence, 0 <= echo_index < n_steps={n_steps}, got {echo_index}")
    rng = _rng(seed)
    symbols = rng.integers(0, n_features, size=(n_samples, n_steps))
    one_hot = np.eye(n_features, dtype=np.float32)
    return one_hot[symbols], one_hot[symbols[:, echo_index]]


#: The kinds of sequence problem, each with a generator that has sensible
#: defaults: ``X, y = SEQUENCE_PROBLEMS[kind](n_samples, seed=seed)``.
SEQUENCE_PROBLEMS = {
    "one_to_one": sine_of_value,
    "many_to_one": sequence_mean,
    "one_to_many": wave_from_frequency,
    "many_to_many": sine_forecast,
    "sequence_classification": sum_sign,
    "sequence_generation": next_value,
}
