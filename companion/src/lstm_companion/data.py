"""Sequence-problem generators.

Every generator takes ``n_samples`` and ``seed``, is deterministic for a given
seed, and returns NumPy ``(X, y)`` arrays of dtype ``float32`` whose shapes are
given in its docstring (``samples`` first, then ``steps``, then ``features``
for sequences).

The first group, one generator per kind of sequence problem, is collected in
:data:`SEQUENCE_PROBLEMS`; chapter "Sequence prediction and the terminology of
the notes" walks through them.

The module also loads the real data shipped with the package
(:func:`load_sunspots`, checked against a recorded SHA-256) and prepares data
for recurrent models: :func:`frame_series` cuts a series into supervised
windows, :func:`one_hot_strings` and :func:`decode_one_hot` turn text into
one-hot arrays and back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from importlib import resources

import numpy as np

from ._validation import check_array, check_bool, check_choice, check_float, check_int, check_seed

__all__ = [
    "ADDITION_ALPHABET",
    "adding_problem",
    "MOVING_SQUARE_DIRECTIONS",
    "SEQUENCE_PROBLEMS",
    "addition_problem",
    "addition_strings",
    "cumulative_sum",
    "damped_sine",
    "decode_one_hot",
    "echo_sequence",
    "frame_series",
    "moving_square",
    "load_sunspots",
    "mackey_glass",
    "moves_to_points",
    "next_value",
    "one_hot_strings",
    "recall_problem",
    "rectangles",
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


def damped_sine(
    n_samples: int, *, n_steps_in: int = 50, n_steps_out: int = 5, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Damped sine waves: the first ``n_steps_in`` points in, the next ``n_steps_out`` out.

    Each wave is ``0.5 + 0.5 * sin(2 pi t / period) * exp(-decay * t)`` with a
    random period (10 to 20 steps), decay rate (0.01 to 0.1) and phase, so values
    lie in [0, 1] and the model must infer all three from the input window.

    Args:
        n_samples: number of waves.
        n_steps_in: points given to the model.
        n_steps_out: future points to predict.
        seed: random seed.

    Returns:
        ``X`` of shape ``(n_samples, n_steps_in, 1)`` and ``y`` of shape
        ``(n_samples, n_steps_out)``, ``float32``.

    Used by: "The stacked LSTM".
    """
    n_samples = check_int("n_samples", n_samples)
    n_steps_in = check_int("n_steps_in", n_steps_in)
    n_steps_out = check_int("n_steps_out", n_steps_out)
    rng = _rng(seed)
    period = rng.uniform(10.0, 20.0, size=(n_samples, 1))
    decay = rng.uniform(0.01, 0.1, size=(n_samples, 1))
    phase = rng.uniform(0.0, 2 * np.pi, size=(n_samples, 1))
    t = np.arange(n_steps_in + n_steps_out)[None, :]
    waves = 0.5 + 0.5 * np.sin(2 * np.pi * t / period + phase) * np.exp(-decay * t)
    return waves[:, :n_steps_in, None].astype(np.float32), waves[:, n_steps_in:].astype(np.float32)


#: Class order of :func:`moving_square`'s one-hot labels.
MOVING_SQUARE_DIRECTIONS = ("left to right", "right to left", "top to bottom", "bottom to top")


def moving_square(
    n_samples: int, *, n_frames: int = 8, size: int = 16, square: int = 3, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Short videos of a square moving across the image; the label is its direction.

    A ``square x square`` block of ones starts at a random position on one edge
    and moves one pixel per frame towards the opposite edge, in one of the four
    :data:`MOVING_SQUARE_DIRECTIONS`, over a background of faint uniform noise
    (values up to 0.2). A single frame cannot tell the direction; the order of
    the frames can.

    Args:
        n_samples: number of videos.
        n_frames: frames per video, at most ``size - square + 1`` so the square stays inside.
        size: height and width of every frame, in pixels.
        square: side of the square, ``1 <= square < size``.
        seed: random seed.

    Returns:
        ``X`` of shape ``(n_samples, n_frames, size, size, 1)`` with values in
        [0, 1] and ``y`` of shape ``(n_samples, 4)``, one-hot, both ``float32``.

    Used by: "The CNN LSTM".
    """
    n_samples = check_int("n_samples", n_samples)
    n_frames = check_int("n_frames", n_frames, minimum=2)
    size = check_int("size", size, minimum=2)
    square = check_int("square", square)
    if square >= size:
        raise ValueError(f"square must be smaller than size={size}, got {square}")
    if n_frames > size - square + 1:
        raise ValueError(f"n_frames must be at most size - square + 1 = {size - square + 1}, got {n_frames}")
    rng = _rng(seed)
    direction = rng.integers(0, 4, size=n_samples)
    across = rng.integers(0, size - square + 1, size=n_samples)  # position along the edge
    start = rng.integers(0, size - square - n_frames + 2, size=n_samples)  # how far in it starts
    x = rng.uniform(0.0, 0.2, size=(n_samples, n_frames, size, size, 1))
    for i in range(n_samples):
        for frame in range(n_frames):
            along = start[i] + frame
            if direction[i] in (1, 3):  # right to left, bottom to top
                along = size - square - along
            if direction[i] in (0, 1):
                x[i, frame, across[i] : across[i] + square, along : along + square, 0] = 1.0
            else:
                x[i, frame, along : along + square, across[i] : across[i] + square, 0] = 1.0
    return x.astype(np.float32), np.eye(4, dtype=np.float32)[direction]


#: Symbols of :func:`addition_problem`, in one-hot column order (the blank pads).
ADDITION_ALPHABET = "0123456789+ "


def addition_strings(n_samples: int, *, n_terms: int = 3, largest: int = 10, seed: int = 0) -> tuple[list[str], list[str]]:
    """Random sums as text: ``(["10+6+7", ...], ["23", ...])``.

    Args:
        n_samples: number of sums.
        n_terms: numbers added in each sum (>= 2).
        largest: every number is drawn uniformly from ``1 .. largest``.
        seed: random seed.

    Returns:
        Two lists of ``n_samples`` strings: the questions and their answers.

    Used by: "The encoder-decoder LSTM", through :func:`addition_problem`.
    """
    n_samples = check_int("n_samples", n_samples)
    n_terms = check_int("n_terms", n_terms, minimum=2)
    largest = check_int("largest", largest)
    rng = _rng(seed)
    terms = rng.integers(1, largest + 1, size=(n_samples, n_terms))
    questions = ["+".join(str(v) for v in row) for row in terms]
    answers = [str(v) for v in terms.sum(axis=1)]
    return questions, answers


def addition_problem(
    n_samples: int, *, n_terms: int = 3, largest: int = 10, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Addition as sequence to sequence: "10+6+7" in, "23" out, one character per step.

    Questions and answers come from :func:`addition_strings`, are right-aligned
    (padded on the left with blanks) to the longest possible length, and one-hot
    encoded over :data:`ADDITION_ALPHABET`. Decode a prediction with
    ``decode_one_hot(y, alphabet=ADDITION_ALPHABET)``.

    Args:
        n_samples: number of sums.
        n_terms: numbers added in each sum (>= 2).
        largest: every number is drawn uniformly from ``1 .. largest``.
        seed: random seed.

    Returns:
        ``X`` of shape ``(n_samples, n_steps_in, 12)`` and ``y`` of shape
        ``(n_samples, n_steps_out, 12)``, one-hot ``float32``, where
        ``n_steps_in = n_terms * len(str(largest)) + n_terms - 1`` and
        ``n_steps_out = len(str(n_terms * largest))``.

    Used by: "The encoder-decoder LSTM".
    """
    questions, answers = addition_strings(n_samples, n_terms=n_terms, largest=largest, seed=seed)
    n_steps_in = n_terms * len(str(largest)) + n_terms - 1
    n_steps_out = len(str(n_terms * largest))
    x = one_hot_strings(questions, alphabet=ADDITION_ALPHABET, length=n_steps_in, align="right")
    y = one_hot_strings(answers, alphabet=ADDITION_ALPHABET, length=n_steps_out, align="right")
    return x, y


def cumulative_sum(
    n_samples: int, *, n_steps: int = 10, direction: str = "forward", seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Label every step: has the running sum passed a quarter of the sequence length?

    Values are uniform on [0, 1]. With ``direction="forward"`` step ``t`` is
    labelled 1 once ``x_1 + ... + x_t > n_steps / 4``: a model reading left to
    right has everything it needs. With ``direction="backward"`` the sum runs
    from the *end*, ``x_t + ... + x_T > n_steps / 4``, so the label of an early
    step depends on steps that come after it.

    Args:
        n_samples: number of sequences.
        n_steps: sequence length.
        direction: ``"forward"`` or ``"backward"``.
        seed: random seed.

    Returns:
        ``X`` of shape ``(n_samples, n_steps, 1)`` and ``y`` of shape
        ``(n_samples, n_steps, 1)`` holding 0.0 or 1.0, ``float32``.

    Used by: "The bidirectional LSTM".
    """
    n_samples = check_int("n_samples", n_samples)
    n_steps = check_int("n_steps", n_steps)
    direction = check_choice("direction", direction, ("forward", "backward"))
    rng = _rng(seed)
    x = rng.uniform(0.0, 1.0, size=(n_samples, n_steps))
    running = np.cumsum(x, axis=1) if direction == "forward" else np.cumsum(x[:, ::-1], axis=1)[:, ::-1]
    y = (running > n_steps / 4).astype(np.float32)
    return x[..., None].astype(np.float32), y[..., None]


def rectangles(
    n_samples: int,
    *,
    moves_per_side: int = 4,
    min_side: float = 2.0,
    max_side: float = 6.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Rectangles drawn with a pen, one move at a time: predict every next move.

    Each rectangle has a width and a height drawn uniformly from
    ``[min_side, max_side]`` and is drawn anticlockwise from its lower-left
    corner: ``moves_per_side`` equal moves right, then up, then left, then down,
    ending where it started. A move is the ``(dx, dy)`` offset from one point to
    the next, the pen-offset representation of Graves (2013); turn moves back
    into points with :func:`moves_to_points`.

    The sequence is split for next-step training (teacher forcing): ``X`` holds
    moves ``1 .. 4k - 1`` and ``y`` moves ``2 .. 4k`` for ``k = moves_per_side``,
    so ``y[:, t]`` is the move that follows ``X[:, t]``. The full drawing is
    ``np.concatenate([X[:, :1], y], axis=1)``. Only one move cannot be
    predicted from the moves before it: the first move up, whose length is the
    unseen height.

    Args:
        n_samples: number of rectangles.
        moves_per_side: equal moves drawing each side (>= 1).
        min_side, max_side: range of widths and heights, ``0 < min_side <= max_side``.
        seed: random seed.

    Returns:
        ``X`` and ``y``, each of shape ``(n_samples, 4 * moves_per_side - 1, 2)``,
        ``float32``.

    Used by: "The generative LSTM".
    """
    n_samples = check_int("n_samples", n_samples)
    moves_per_side = check_int("moves_per_side", moves_per_side)
    min_side = check_float("min_side", min_side, minimum=0.0, exclusive_minimum=True)
    max_side = check_float("max_side", max_side, minimum=min_side)
    rng = _rng(seed)
    width, height = rng.uniform(min_side, max_side, size=(2, n_samples)) / moves_per_side
    zero = np.zeros(n_samples)
    sides = [(width, zero), (zero, height), (-width, zero), (zero, -height)]
    moves = np.concatenate(
        [np.repeat(np.stack([dx, dy], axis=-1)[:, None, :], moves_per_side, axis=1) for dx, dy in sides], axis=1
    ).astype(np.float32)
    return moves[:, :-1], moves[:, 1:]


def moves_to_points(moves, *, start=(0.0, 0.0)) -> np.ndarray:
    """Turn pen moves ``(dx, dy)`` into the points they visit, starting at ``start``.

    Args:
        moves: ``(steps, 2)`` or ``(batch, steps, 2)`` offsets, e.g. from :func:`rectangles`.
        start: the first point, ``(x, y)``.

    Returns:
        Points of shape ``(steps + 1, 2)`` (or ``(batch, steps + 1, 2)``): ``start``
        followed by the running sum of the moves, ``float32``.

    Used by: "The generative LSTM".
    """
    moves = check_array("moves", moves, ndim=(2, 3))
    if moves.shape[-1] != 2:
        raise ValueError(f"moves must have 2 values (dx, dy) per step, got shape {moves.shape}")
    start = check_array("start", start, ndim=1)
    if start.shape != (2,):
        raise ValueError(f"start must be a point (x, y), got shape {start.shape}")
    origin = np.broadcast_to(start, moves.shape[:-2] + (1, 2))
    return np.concatenate([origin, origin + np.cumsum(moves, axis=-2)], axis=-2).astype(np.float32)


def adding_problem(n_samples: int, *, n_steps: int = 50, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem of Hochreiter & Schmidhuber (1997): add two marked values.

    Every step is a pair (value, marker). Values are uniform on [-1, 1]; exactly
    two steps carry marker 1.0, the others 0.0. As in the original experiment,
    the first marked step is one of the first ``min(10, n_steps // 2)`` steps and
    the second one of the steps before ``n_steps // 2``, so both marked values
    must be kept for at least half the sequence. The target is
    ``0.5 + (x1 + x2) / 4``, in [0, 1]; a sequence counts as solved when the
    absolute error is below 0.04.

    Args:
        n_samples: number of sequences.
        n_steps: sequence length T (>= 4).
        seed: random seed.

    Returns:
        ``X`` of shape ``(n_samples, n_steps, 2)`` (value, marker) and ``y`` of
        shape ``(n_samples, 1)``, ``float32``.

    Used by: "LSTM vs RNN vs MLP: the adding problem".
    """
    n_samples = check_int("n_samples", n_samples)
    n_steps = check_int("n_steps", n_steps, minimum=4)
    rng = _rng(seed)
    values = rng.uniform(-1.0, 1.0, size=(n_samples, n_steps))
    half = n_steps // 2
    first = rng.integers(0, min(10, half), size=n_samples)
    # the second marked step: uniform over the steps before `half`, other than `first`
    second = rng.integers(0, half - 1, size=n_samples)
    second = second + (second >= first)
    markers = np.zeros((n_samples, n_steps))
    rows = np.arange(n_samples)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    target = 0.5 + (values[rows, first] + values[rows, second]) / 4.0
    x = np.stack([values, markers], axis=-1).astype(np.float32)
    return x, target[:, None].astype(np.float32)


def recall_problem(
    n_samples: int,
    *,
    n_values: int = 1,
    n_steps: int = 20,
    n_symbols: int = 8,
    label_slots: bool = False,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Delayed recall: store ``n_values`` flagged symbols, then answer which one was asked for.

    Every step has ``n_symbols + n_store + n_values`` features: a one-hot
    symbol, a *store* part and a one-hot *query*. The store part is one flag
    (``n_store = 1``), or with ``label_slots=True`` a one-hot slot number
    (``n_store = n_values``) that tells the model which of the stored symbols
    this is. Each sequence of ``n_steps`` steps is random distractor symbols
    except for:

    - a block of ``n_values`` consecutive steps with the store part set: the
      symbols to remember;
    - the last step, which shows no symbol; its query part asks for the
      ``i``-th stored symbol, ``i`` uniform in ``0 .. n_values - 1``.

    The *lag* is the number of distractor steps between the end of the stored
    block and the query, drawn uniformly from ``0 .. n_steps - n_values - 1``
    for every sequence. The target is the one-hot ``i``-th stored symbol.
    Because the question comes last, a recurrent model must carry all
    ``n_values`` symbols across the lag. Chance accuracy is ``1 / n_symbols``.

    Args:
        n_samples: number of sequences.
        n_values: how many symbols to store (>= 1).
        n_steps: sequence length, ``>= n_values + 1``.
        n_symbols: size of the alphabet (>= 2).
        label_slots: mark the ``j``-th stored step with slot ``j`` instead of a
            plain flag.
        seed: random seed.

    Returns:
        ``X``, ``float32`` of shape ``(n_samples, n_steps, n_symbols + n_store + n_values)``;
        ``y``, one-hot ``float32`` of shape ``(n_samples, n_symbols)``; and
        ``lags``, ``int64`` of shape ``(n_samples,)``.

    Used by: "The limits of LSTM memory".
    """
    n_samples = check_int("n_samples", n_samples)
    n_values = check_int("n_values", n_values)
    n_steps = check_int("n_steps", n_steps)
    if n_steps < n_values + 1:
        raise ValueError(f"n_steps must be at least n_values + 1 = {n_values + 1}, got {n_steps}")
    n_symbols = check_int("n_symbols", n_symbols, minimum=2)
    label_slots = check_bool("label_slots", label_slots)
    n_store = n_values if label_slots else 1
    rng = _rng(seed)
    rows = np.arange(n_samples)
    symbols = rng.integers(0, n_symbols, size=(n_samples, n_steps - 1))
    lags = rng.integers(0, n_steps - n_values, size=n_samples)
    first = n_steps - 1 - lags - n_values  # index of the first stored step
    asked = rng.integers(0, n_values, size=n_samples)
    x = np.zeros((n_samples, n_steps, n_symbols + n_store + n_values), dtype=np.float32)
    x[rows[:, None], np.arange(n_steps - 1)[None, :], symbols] = 1.0
    slots = np.arange(n_values)[None, :]
    x[rows[:, None], first[:, None] + slots, n_symbols + (slots if label_slots else 0)] = 1.0
    x[rows, -1, n_symbols + n_store + asked] = 1.0
    y = np.eye(n_symbols, dtype=np.float32)[symbols[rows, first + asked]]
    return x, y, lags.astype(np.int64)


def mackey_glass(
    n_points: int,
    *,
    tau: float = 17.0,
    beta: float = 0.2,
    gamma: float = 0.1,
    exponent: float = 10.0,
    dt: float = 0.1,
    sample_every: int = 10,
    discard: int = 1000,
    seed: int = 0,
) -> np.ndarray:
    """The Mackey-Glass series, chaotic for ``tau=17``: ``dx/dt = beta x(t-tau) / (1 + x(t-tau)^n) - gamma x(t)``.

    Integrated with fourth-order Runge-Kutta at step ``dt`` (the delayed value
    held fixed within a step), from a constant history of 1.2 plus a small
    seeded perturbation, then sampled every ``sample_every`` integration steps
    (every 1.0 time units by default). The first ``discard`` samples, the
    transient, are dropped. This is the benchmark Gers, Eck & Schmidhuber (2001)
    used to compare LSTMs with windowed feed-forward models.

    Args:
        n_points: number of samples returned.
        tau: delay (> 0), a multiple of ``dt``.
        beta, gamma, exponent: the equation's constants (> 0).
        dt: integration step (> 0).
        sample_every: integration steps between samples (>= 1).
        discard: samples dropped from the start (>= 0).
        seed: seeds the perturbation of the initial history.

    Returns:
        ``float32`` array of shape ``(n_points,)``.

    Used by: "Forecasting: a window and a linear model, or an LSTM?".
    """
    n_points = check_int("n_points", n_points)
    tau = check_float("tau", tau, minimum=0.0, exclusive_minimum=True)
    beta = check_float("beta", beta, minimum=0.0, exclusive_minimum=True)
    gamma = check_float("gamma", gamma, minimum=0.0, exclusive_minimum=True)
    exponent = check_float("exponent", exponent, minimum=0.0, exclusive_minimum=True)
    dt = check_float("dt", dt, minimum=0.0, exclusive_minimum=True)
    sample_every = check_int("sample_every", sample_every)
    discard = check_int("discard", discard, minimum=0)
    delay = int(round(tau / dt))
    if delay < 1 or not np.isclose(delay * dt, tau):
        raise ValueError(f"tau must be a positive multiple of dt={dt}, got {tau}")
    rng = _rng(seed)
    n_steps = (n_points + discard) * sample_every
    x = np.empty(delay + n_steps + 1)
    x[: delay + 1] = 1.2 + 0.01 * rng.standard_normal(delay + 1)

    def slope(value, delayed):
        return beta * delayed / (1.0 + delayed**exponent) - gamma * value

    for t in range(delay, delay + n_steps):
        delayed = x[t - delay]
        k1 = slope(x[t], delayed)
        k2 = slope(x[t] + 0.5 * dt * k1, delayed)
        k3 = slope(x[t] + 0.5 * dt * k2, delayed)
        k4 = slope(x[t] + dt * k3, delayed)
        x[t + 1] = x[t] + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    samples = x[delay + sample_every :: sample_every][discard : discard + n_points]
    return samples.astype(np.float32)


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


# ---------------------------------------------------------------------------
# Real data shipped with the package

#: SHA-256 of every data file in ``lstm_companion/datasets``; a file that does
#: not match is refused when loaded.
DATASET_SHA256 = {
    "sunspots.csv": "f67889b1d9002cd5227f0e0ef54e35b419cdd85a31279adef6f73fb41e5c0a9b",
}


def _read_dataset(filename: str) -> str:
    raw = resources.files("lstm_companion").joinpath("datasets", filename).read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != DATASET_SHA256[filename]:
        raise RuntimeError(
            f"packaged data file {filename!r} is corrupted or modified: SHA-256 {digest}, "
            f"expected {DATASET_SHA256[filename]}; reinstall lstm-companion"
        )
    return raw.decode("utf-8")


def load_sunspots() -> tuple[np.ndarray, np.ndarray]:
    """Yearly mean sunspot numbers, 1700-2008: a real, public-domain series.

    Source: NOAA's National Geophysical Data Center (the original International
    Sunspot Number series), as redistributed by statsmodels; see
    ``lstm_companion/datasets/README.md``. The file is checked against its
    recorded SHA-256 before it is parsed.

    Returns:
        ``years``, ``int64`` of shape ``(309,)``, and ``sunspots``, ``float64``
        of shape ``(309,)``: the yearly mean number of sunspots.

    Used by: "Preparing sequence data", "Forecasting: a window and a linear model, or an LSTM?".
    """
    rows = _read_dataset("sunspots.csv").strip().splitlines()
    if rows[0].replace('"', "") != "YEAR,SUNACTIVITY":
        raise RuntimeError(f"unexpected header in sunspots.csv: {rows[0]!r}")
    values = np.array([row.split(",") for row in rows[1:]], dtype=np.float64)
    return values[:, 0].astype(np.int64), values[:, 1]


# ---------------------------------------------------------------------------
# Preparing data for recurrent models


def frame_series(series, *, n_steps_in: int, n_steps_out: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Cut a series into supervised pairs: ``n_steps_in`` values in, the next ``n_steps_out`` out.

    Every window of ``n_steps_in + n_steps_out`` consecutive steps gives one
    pair, with a stride of one step, built with
    ``numpy.lib.stride_tricks.sliding_window_view`` (no Python loop). Pair
    ``i`` reads steps ``i .. i + n_steps_in - 1`` and predicts steps
    ``i + n_steps_in .. i + n_steps_in + n_steps_out - 1``.

    Args:
        series: ``(n_steps,)`` for one variable or ``(n_steps, n_features)``;
            finite numbers, at least ``n_steps_in + n_steps_out`` steps.
        n_steps_in: length of each input window (>= 1).
        n_steps_out: number of future steps to predict (>= 1).

    Returns:
        ``X`` of shape ``(n_windows, n_steps_in, n_features)`` (``n_features = 1``
        for a 1-D series) and ``y`` of shape ``(n_windows, n_steps_out)`` for a
        1-D series or ``(n_windows, n_steps_out, n_features)`` for a 2-D one,
        both ``float32``, with ``n_windows = n_steps - n_steps_in - n_steps_out + 1``.

    Used by: "Preparing sequence data".
    """
    series = check_array("series", series, ndim=(1, 2))
    n_steps_in = check_int("n_steps_in", n_steps_in)
    n_steps_out = check_int("n_steps_out", n_steps_out)
    length = n_steps_in + n_steps_out
    if len(series) < length:
        raise ValueError(
            f"series must have at least n_steps_in + n_steps_out = {length} steps, got {len(series)}"
        )
    univariate = series.ndim == 1
    table = series[:, None] if univariate else series
    windows = np.lib.stride_tricks.sliding_window_view(table, length, axis=0)  # (n_windows, n_features, length)
    windows = np.moveaxis(windows, 2, 1)  # (n_windows, length, n_features)
    x = np.ascontiguousarray(windows[:, :n_steps_in], dtype=np.float32)
    y = np.ascontiguousarray(windows[:, n_steps_in:], dtype=np.float32)
    return x, (y[:, :, 0] if univariate else y)


def _check_alphabet(alphabet) -> str:
    if not isinstance(alphabet, str):
        raise TypeError(f"alphabet must be a string of distinct characters, got {alphabet!r}")
    if len(alphabet) < 2 or len(set(alphabet)) != len(alphabet):
        raise ValueError(f"alphabet must hold at least two distinct characters, got {alphabet!r}")
    return alphabet


def one_hot_strings(strings: Sequence[str], *, alphabet: str, length: int, pad: str = " ", align: str = "left") -> np.ndarray:
    """One-hot encode strings of characters from ``alphabet``, padded to ``length``.

    Args:
        strings: the texts, each at most ``length`` characters, all characters in ``alphabet``.
        alphabet: the symbols, in the order of the one-hot columns.
        length: number of steps of every encoded string (>= 1).
        pad: the character used to fill short strings; it must be in ``alphabet``.
        align: ``"left"`` pads on the right (``"23  "``), ``"right"`` on the left
            (``"  23"``), as ``keras.utils.pad_sequences`` calls ``padding="post"``/``"pre"``.

    Returns:
        ``float32`` array of shape ``(len(strings), length, len(alphabet))``.

    Used by: "Preparing sequence data".
    """
    alphabet = _check_alphabet(alphabet)
    length = check_int("length", length)
    if not isinstance(pad, str):
        raise TypeError(f"pad must be one character (str) of the alphabet, got {pad!r}")
    if len(pad) != 1 or pad not in alphabet:
        raise ValueError(f"pad must be one character of the alphabet {alphabet!r}, got {pad!r}")
    align = check_choice("align", align, ("left", "right"))
    if isinstance(strings, str) or not isinstance(strings, Sequence) or not strings:
        raise TypeError(f"strings must be a non-empty sequence of str (a list), got {type(strings).__name__}")
    index = {symbol: i for i, symbol in enumerate(alphabet)}
    codes = np.empty((len(strings), length), dtype=np.int64)
    for row, text in enumerate(strings):
        if not isinstance(text, str):
            raise TypeError(f"strings[{row}] must be a str, got {text!r}")
        if len(text) > length:
            raise ValueError(f"strings[{row}] = {text!r} is longer than length={length}")
        unknown = sorted(set(text) - set(alphabet))
        if unknown:
            raise ValueError(f"strings[{row}] = {text!r} has characters not in the alphabet {alphabet!r}: {unknown}")
        padded = text.ljust(length, pad) if align == "left" else text.rjust(length, pad)
        codes[row] = [index[symbol] for symbol in padded]
    return np.eye(len(alphabet), dtype=np.float32)[codes]


def decode_one_hot(encoded, *, alphabet: str, strip: str | None = " ") -> list[str]:
    """Turn one-hot rows, or predicted probabilities, back into strings.

    Each step becomes the alphabet symbol with the largest value (argmax), so
    this decodes a model's softmax output as well as an exact one-hot array.

    Args:
        encoded: ``(n_strings, length, len(alphabet))``.
        alphabet: the symbols, in the order of the columns.
        strip: characters stripped from both ends of every string (the padding);
            ``None`` keeps them.

    Returns:
        A list of ``n_strings`` strings.

    Used by: "Preparing sequence data".
    """
    alphabet = _check_alphabet(alphabet)
    encoded = check_array("encoded", encoded, ndim=3)
    if encoded.shape[2] != len(alphabet):
        raise ValueError(
            f"encoded must have len(alphabet) = {len(alphabet)} columns in its last axis, got shape {encoded.shape}"
        )
    if strip is not None and not isinstance(strip, str):
        raise TypeError(f"strip must be a string of characters or None, got {strip!r}")
    symbols = np.array(list(alphabet))[encoded.argmax(axis=2)]
    texts = ["".join(row) for row in symbols]
    return texts if strip is None else [text.strip(strip) for text in texts]
