"""Synthetic sequence problems: generators that return NumPy ``(X, y)``.

Every generator takes ``n_samples`` (how many samples, >= 1) and ``seed`` (a
non-negative integer below ``2**32``: the same seed gives the same arrays), and
returns ``float32`` arrays with the samples first, then the steps, then the
features. Sizes are positive integers unless a docstring says otherwise. Every
generator is called the same way::

    x, y = data.sequence_mean(1000, n_steps=10, seed=1)  # x: (1000, 10, 1), y: (1000, 1)

One generator per kind of sequence problem is collected in :data:`SEQUENCE_PROBLEMS`;
the others are the problems of the architecture and claims chapters. Benchmark
series (real, or the Mackey-Glass series) are in :mod:`lstm_companion.datasets`;
windowing in :mod:`lstm_companion.preprocessing`;
the addition problem as text, and one-hot strings, in :mod:`lstm_companion.text`.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_array, check_array_size, check_bool, check_choice, check_float, check_int, check_seed

__all__ = [
    "MOVING_SQUARE_DIRECTIONS",
    "SEQUENCE_PROBLEMS",
    "adding_problem",
    "cumulative_sum",
    "damped_sine",
    "echo_sequence",
    "moves_to_points",
    "moving_square",
    "next_value",
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


def _one_hot(codes: np.ndarray, n_classes: int) -> np.ndarray:
    """``float32`` one-hot rows of ``codes``, without an ``n_classes x n_classes`` identity matrix."""
    return (codes[..., None] == np.arange(n_classes)).astype(np.float32)


def _sine_waves(rng: np.random.Generator, n_samples: int, length: int) -> np.ndarray:
    """``(n_samples, length)`` sine waves with random period (6-20 steps), phase and amplitude."""
    frequency = rng.uniform(1 / 20, 1 / 6, size=(n_samples, 1))
    phase = rng.uniform(0.0, 2 * np.pi, size=(n_samples, 1))
    amplitude = rng.uniform(0.5, 1.0, size=(n_samples, 1))
    steps = np.arange(length)[None, :]
    return amplitude * np.sin(2 * np.pi * frequency * steps + phase)


def sine_of_value(n_samples: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """One to one: ``x`` uniform on [-1, 1] in, ``sin(pi * x)`` out (no time axis).

    Returns:
        ``X`` and ``y``, each of shape ``(n_samples, 1)``.
    """
    n_samples = check_int("n_samples", n_samples)
    check_array_size("n_samples", n_samples)
    rng = _rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n_samples, 1))
    return x.astype(np.float32), np.sin(np.pi * x).astype(np.float32)


def sequence_mean(n_samples: int, *, n_steps: int = 10, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Many to one: a sequence of values uniform on [-1, 1] in, its mean out.

    Returns:
        ``X`` of shape ``(n_samples, n_steps, 1)`` and ``y`` of shape ``(n_samples, 1)``.
    """
    n_samples = check_int("n_samples", n_samples)
    n_steps = check_int("n_steps", n_steps)
    check_array_size("n_samples * n_steps", n_samples * n_steps)
    rng = _rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n_samples, n_steps, 1))
    return x.astype(np.float32), x.mean(axis=1).astype(np.float32)


def wave_from_frequency(n_samples: int, *, n_steps: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """One to many: a frequency ``f`` uniform on [0.5, 2] in, ``sin(2 pi f t / n_steps)`` out.

    Returns:
        ``X`` of shape ``(n_samples, 1)`` and ``y`` of shape ``(n_samples, n_steps, 1)``.
    """
    n_samples = check_int("n_samples", n_samples)
    n_steps = check_int("n_steps", n_steps)
    check_array_size("n_samples * n_steps", n_samples * n_steps)
    rng = _rng(seed)
    frequency = rng.uniform(0.5, 2.0, size=(n_samples, 1))
    t = np.arange(n_steps)[None, :] / n_steps
    y = np.sin(2 * np.pi * frequency * t)[..., None]
    return frequency.astype(np.float32), y.astype(np.float32)


def sine_forecast(
    n_samples: int, *, n_steps_in: int = 16, n_steps_out: int = 4, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Many to many: the first ``n_steps_in`` values of a sine wave in, the next ``n_steps_out`` out.

    Each wave has a random period (6 to 20 steps), phase and amplitude (0.5 to 1).

    Returns:
        ``X`` of shape ``(n_samples, n_steps_in, 1)`` and ``y`` of shape
        ``(n_samples, n_steps_out, 1)``.
    """
    n_samples = check_int("n_samples", n_samples)
    n_steps_in = check_int("n_steps_in", n_steps_in)
    n_steps_out = check_int("n_steps_out", n_steps_out)
    check_array_size("n_samples * (n_steps_in + n_steps_out)", n_samples * (n_steps_in + n_steps_out))
    rng = _rng(seed)
    waves = _sine_waves(rng, n_samples, n_steps_in + n_steps_out)[..., None]
    return waves[:, :n_steps_in].astype(np.float32), waves[:, n_steps_in:].astype(np.float32)


def sum_sign(n_samples: int, *, n_steps: int = 10, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Sequence classification: values uniform on [-1, 1] in, 1 if their sum is positive out.

    Returns:
        ``X`` of shape ``(n_samples, n_steps, 1)`` and ``y`` of shape
        ``(n_samples, 1)`` holding 0.0 or 1.0 (balanced classes).
    """
    n_samples = check_int("n_samples", n_samples)
    n_steps = check_int("n_steps", n_steps)
    check_array_size("n_samples * n_steps", n_samples * n_steps)
    rng = _rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n_samples, n_steps, 1))
    y = (x.sum(axis=1) > 0).astype(np.float32)
    return x.astype(np.float32), y


def next_value(n_samples: int, *, n_steps: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Sequence generation: a window of a sine wave in, its next value out.

    The waves of :func:`sine_forecast`, one step ahead; generate with
    :func:`lstm_companion.generation.generate_sequence`.

    Returns:
        ``X`` of shape ``(n_samples, n_steps, 1)`` and ``y`` of shape ``(n_samples, 1)``.
    """
    n_samples = check_int("n_samples", n_samples)
    n_steps = check_int("n_steps", n_steps)
    check_array_size("n_samples * (n_steps + 1)", n_samples * (n_steps + 1))
    rng = _rng(seed)
    waves = _sine_waves(rng, n_samples, n_steps + 1)
    return waves[:, :n_steps, None].astype(np.float32), waves[:, n_steps:].astype(np.float32)


def echo_sequence(
    n_samples: int, *, n_steps: int = 12, n_features: int = 10, echo_index: int = 0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Echo: a sequence of one-hot symbols in, the symbol seen at ``echo_index`` out.

    Args:
        n_steps: sequence length.
        n_features: number of distinct symbols, drawn uniformly (the one-hot width, >= 2).
        echo_index: position to echo, ``0 <= echo_index < n_steps``.

    Returns:
        ``X`` of shape ``(n_samples, n_steps, n_features)`` and ``y`` of shape
        ``(n_samples, n_features)``, both one-hot.
    """
    n_samples = check_int("n_samples", n_samples)
    n_steps = check_int("n_steps", n_steps)
    n_features = check_int("n_features", n_features, minimum=2)
    echo_index = check_int("echo_index", echo_index, minimum=0)
    if echo_index >= n_steps:
        raise ValueError(f"echo_index must be a position in the sequence, < n_steps={n_steps}, got {echo_index}")
    check_array_size("n_samples * n_steps * n_features", n_samples * n_steps * n_features)
    rng = _rng(seed)
    symbols = rng.integers(0, n_features, size=(n_samples, n_steps))
    return _one_hot(symbols, n_features), _one_hot(symbols[:, echo_index], n_features)


def damped_sine(
    n_samples: int, *, n_steps_in: int = 50, n_steps_out: int = 5, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Damped sine waves: the first ``n_steps_in`` points in, the next ``n_steps_out`` out.

    Each wave is ``0.5 + 0.5 * sin(2 pi t / period + phase) * exp(-decay * t)``
    with a random period (10 to 20 steps), decay rate (0.01 to 0.1) and phase,
    so values lie in [0, 1].

    Returns:
        ``X`` of shape ``(n_samples, n_steps_in, 1)`` and ``y`` of shape
        ``(n_samples, n_steps_out)``.
    """
    n_samples = check_int("n_samples", n_samples)
    n_steps_in = check_int("n_steps_in", n_steps_in)
    n_steps_out = check_int("n_steps_out", n_steps_out)
    check_array_size("n_samples * (n_steps_in + n_steps_out)", n_samples * (n_steps_in + n_steps_out))
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

    A ``square x square`` block of ones moves one pixel per frame from one edge
    towards the other (:data:`MOVING_SQUARE_DIRECTIONS`) over noise up to 0.2.

    Args:
        n_frames: frames per video (>= 2), at most ``size - square + 1``.
        size: height and width of every frame, in pixels (>= 2).
        square: side of the square, smaller than ``size``.

    Returns:
        ``X`` of shape ``(n_samples, n_frames, size, size, 1)`` with values in
        [0, 1] and ``y`` of shape ``(n_samples, 4)``, one-hot.
    """
    n_samples = check_int("n_samples", n_samples)
    n_frames = check_int("n_frames", n_frames, minimum=2)
    size = check_int("size", size, minimum=2)
    square = check_int("square", square)
    if square >= size:
        raise ValueError(f"square must be smaller than size={size}, got {square}")
    if n_frames > size - square + 1:
        raise ValueError(f"n_frames must be at most size - square + 1 = {size - square + 1}, got {n_frames}")
    check_array_size("n_samples * n_frames * size * size", n_samples * n_frames * size * size)
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


def cumulative_sum(
    n_samples: int, *, n_steps: int = 10, direction: str = "forward", seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Label every step: has the running sum passed a quarter of the sequence length?

    Values are uniform on [0, 1]. With ``direction="forward"`` step ``t`` is
    labelled 1 once ``x_1 + ... + x_t > n_steps / 4``; with ``"backward"`` the sum
    runs from the end, ``x_t + ... + x_T``, so a label depends on later steps.

    Returns:
        ``X`` and ``y``, each of shape ``(n_samples, n_steps, 1)``; ``y`` holds 0.0 or 1.0.
    """
    n_samples = check_int("n_samples", n_samples)
    n_steps = check_int("n_steps", n_steps)
    direction = check_choice("direction", direction, ("forward", "backward"))
    check_array_size("n_samples * n_steps", n_samples * n_steps)
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

    Each rectangle is drawn anticlockwise from its lower-left corner, in
    ``moves_per_side`` equal ``(dx, dy)`` moves per side (pen offsets, as in Graves,
    2013; :func:`moves_to_points` gives the points). ``y[:, t]`` is the move after
    ``X[:, t]``; the whole drawing is ``np.concatenate([X[:, :1], y], axis=1)``.

    Args:
        moves_per_side: equal moves drawing each side.
        min_side, max_side: range of widths and heights, ``0 < min_side <= max_side``.

    Returns:
        ``X`` and ``y``, each of shape ``(n_samples, 4 * moves_per_side - 1, 2)``.
    """
    n_samples = check_int("n_samples", n_samples)
    moves_per_side = check_int("moves_per_side", moves_per_side)
    min_side = check_float("min_side", min_side, minimum=0.0, exclusive_minimum=True, dtype=np.float32)
    max_side = check_float("max_side", max_side, minimum=min_side, dtype=np.float32)
    check_array_size("n_samples * moves_per_side * 8", n_samples * moves_per_side * 8)
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
        ``float32`` points of shape ``(steps + 1, 2)`` (or ``(batch, steps + 1, 2)``):
        ``start`` followed by the running sum of the moves.

    Example:
        >>> data.moves_to_points([[1.0, 0.0], [0.0, 2.0]]).tolist()
        [[0.0, 0.0], [1.0, 0.0], [1.0, 2.0]]
    """
    moves = check_array("moves", moves, ndim=(2, 3), dtype=np.float32)
    if moves.shape[-1] != 2:
        raise ValueError(f"moves must have 2 values (dx, dy) per step, got shape {moves.shape}")
    start = check_array("start", start, ndim=1, dtype=np.float32)
    if start.shape != (2,):
        raise ValueError(f"start must be a point (x, y), got shape {start.shape}")
    origin = np.broadcast_to(start, moves.shape[:-2] + (1, 2))
    return np.concatenate([origin, origin + np.cumsum(moves, axis=-2)], axis=-2).astype(np.float32)


def adding_problem(n_samples: int, *, n_steps: int = 50, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem of Hochreiter & Schmidhuber (1997): add two marked values.

    Every step is a pair (value uniform on [-1, 1], marker). Two steps carry
    marker 1.0: the first among the first ``min(10, n_steps // 2)`` steps, the
    second before step ``n_steps // 2``. The target is ``0.5 + (x1 + x2) / 4``,
    in [0, 1]; a sequence counts as solved when the absolute error is below 0.04.

    Args:
        n_steps: sequence length T (>= 4).

    Returns:
        ``X`` of shape ``(n_samples, n_steps, 2)`` (value, marker) and ``y`` of
        shape ``(n_samples, 1)``.
    """
    n_samples = check_int("n_samples", n_samples)
    n_steps = check_int("n_steps", n_steps, minimum=4)
    check_array_size("n_samples * n_steps * 2", n_samples * n_steps * 2)
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

    A step is a one-hot symbol, a *store* part (a flag, ``n_store = 1``, or with
    ``label_slots=True`` a one-hot slot number, ``n_store = n_values``) and a
    one-hot *query*. Random distractors surround a block of ``n_values`` stored
    steps; the last step asks for the ``i``-th stored symbol after a *lag* of
    ``0 .. n_steps - n_values - 1`` distractors. Chance accuracy is ``1 / n_symbols``.

    Args:
        n_values: how many symbols to store.
        n_steps: sequence length, ``>= n_values + 1``.
        n_symbols: size of the alphabet (>= 2).
        label_slots: mark the ``j``-th stored step with slot ``j`` instead of a flag.

    Returns:
        ``X`` of shape ``(n_samples, n_steps, n_symbols + n_store + n_values)``,
        ``y``, one-hot of shape ``(n_samples, n_symbols)``, and ``lags``,
        ``int64`` of shape ``(n_samples,)``.
    """
    n_samples = check_int("n_samples", n_samples)
    n_values = check_int("n_values", n_values)
    n_steps = check_int("n_steps", n_steps)
    if n_steps < n_values + 1:
        raise ValueError(f"n_steps must be at least n_values + 1 = {n_values + 1}, got {n_steps}")
    n_symbols = check_int("n_symbols", n_symbols, minimum=2)
    label_slots = check_bool("label_slots", label_slots)
    n_store = n_values if label_slots else 1
    n_columns = n_symbols + n_store + n_values
    check_array_size("n_samples * n_steps * (n_symbols + n_store + n_values)", n_samples * n_steps * n_columns)
    rng = _rng(seed)
    rows = np.arange(n_samples)
    symbols = rng.integers(0, n_symbols, size=(n_samples, n_steps - 1))
    lags = rng.integers(0, n_steps - n_values, size=n_samples)
    first = n_steps - 1 - lags - n_values  # index of the first stored step
    asked = rng.integers(0, n_values, size=n_samples)
    x = np.zeros((n_samples, n_steps, n_columns), dtype=np.float32)
    x[rows[:, None], np.arange(n_steps - 1)[None, :], symbols] = 1.0
    slots = np.arange(n_values)[None, :]
    x[rows[:, None], first[:, None] + slots, n_symbols + (slots if label_slots else 0)] = 1.0
    x[rows, -1, n_symbols + n_store + asked] = 1.0
    y = _one_hot(symbols[rows, first + asked], n_symbols)
    return x, y, lags.astype(np.int64)


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
