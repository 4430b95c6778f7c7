"""Preparing data for recurrent models: windows of a series, text as one-hot arrays.

- :func:`frame_series` cuts a series into supervised ``(X, y)`` windows;
- :func:`one_hot_strings` and :func:`decode_one_hot` turn strings into one-hot
  arrays and back (a model's softmax output decodes too).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._validation import check_array, check_array_size, check_choice, check_int

__all__ = ["decode_one_hot", "frame_series", "one_hot_strings"]


def frame_series(series, *, n_steps_in: int, n_steps_out: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Cut a series into supervised pairs: ``n_steps_in`` values in, the next ``n_steps_out`` out.

    Every window of ``n_steps_in + n_steps_out`` consecutive steps gives one pair,
    with a stride of one step (``numpy.lib.stride_tricks.sliding_window_view``):
    pair ``i`` reads steps ``i .. i + n_steps_in - 1`` and predicts the
    ``n_steps_out`` steps after them.

    Args:
        series: ``(n_steps,)`` for one variable or ``(n_steps, n_features)``;
            at least ``n_steps_in + n_steps_out`` steps of numbers finite in ``float32``.
        n_steps_in: length of each input window.
        n_steps_out: number of future steps to predict.

    Returns:
        ``X`` of shape ``(n_windows, n_steps_in, n_features)`` (``n_features = 1``
        for a 1-D series) and ``y`` of shape ``(n_windows, n_steps_out)`` for a
        1-D series or ``(n_windows, n_steps_out, n_features)`` for a 2-D one,
        both ``float32``, with ``n_windows = n_steps - n_steps_in - n_steps_out + 1``.

    Raises:
        ValueError: if the series is shorter than one window.

    Example:
        >>> x, y = preprocessing.frame_series(np.arange(6.0), n_steps_in=3)
        >>> x.shape, y[:, 0].tolist()
        ((3, 3, 1), [3.0, 4.0, 5.0])
    """
    series = check_array("series", series, ndim=(1, 2), dtype=np.float32)
    n_steps_in = check_int("n_steps_in", n_steps_in)
    n_steps_out = check_int("n_steps_out", n_steps_out)
    length = n_steps_in + n_steps_out
    if len(series) < length:
        raise ValueError(f"series must have at least n_steps_in + n_steps_out = {length} steps, got {len(series)}")
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


def one_hot_strings(
    strings: Sequence[str], *, alphabet: str, length: int, pad: str = " ", align: str = "left"
) -> np.ndarray:
    """One-hot encode strings of characters from ``alphabet``, padded to ``length``.

    Args:
        strings: a list of texts, each at most ``length`` characters from ``alphabet``.
        alphabet: the symbols, in the order of the one-hot columns.
        length: number of steps of every encoded string.
        pad: the character that fills short strings; it must be in ``alphabet``.
        align: ``"left"`` pads on the right (``"23  "``), ``"right"`` on the left
            (``"  23"``), as ``keras.utils.pad_sequences`` calls ``padding="post"``/``"pre"``.

    Returns:
        ``float32`` array of shape ``(len(strings), length, len(alphabet))``.

    Raises:
        ValueError: if a string is too long or has a character not in ``alphabet``.

    Example:
        >>> preprocessing.one_hot_strings(["12"], alphabet="012 ", length=3).shape
        (1, 3, 4)
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
    check_array_size("len(strings) * length * len(alphabet)", len(strings) * length * len(alphabet))
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

    Each step becomes the symbol with the largest value (argmax), so a model's
    softmax output decodes as well as an exact one-hot array.

    Args:
        encoded: ``(n_strings, length, len(alphabet))``.
        alphabet: the symbols, in the order of the columns.
        strip: characters stripped from both ends of every string (the padding);
            ``None`` keeps them.

    Returns:
        A list of ``n_strings`` strings.

    Example:
        >>> encoded = preprocessing.one_hot_strings(["12"], alphabet="012 ", length=3)
        >>> preprocessing.decode_one_hot(encoded, alphabet="012 ")
        ['12']
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
