"""Token sequences for sequence-to-sequence models: the convention, two problems, and their scores.

The convention, the same in this module and in :mod:`lstm_companion.seq2seq`:

- a sequence is a row of integer token ids, so a batch is ``(samples, steps)``;
- id 0 is :data:`PAD`, which fills a short sequence up to the length of the batch;
  id 1 is :data:`START`, the first token a decoder reads; id 2 is :data:`END`, the
  last token a decoder writes; symbol ``i`` of an alphabet is id ``3 + i``, so a
  vocabulary holds ``len(symbols) + 3`` ids (:func:`vocabulary_size`);
- a *source* (what the encoder reads) is padded on the left, so that the encoder
  reads its symbols last and its final state comes right after them;
- a *target* (what the decoder writes) is its symbols, then END, then PAD up to
  the length of the batch;
- under teacher forcing the decoder reads the target shifted one step to the right
  behind START (:func:`shift_right`): at step ``t`` it reads the true token ``t - 1``
  and is trained to write token ``t``.

An alphabet (``symbols``) is a string of distinct characters (``"0123456789"``) or
a tuple of distinct words (:data:`SHAPES`). The two problems:

- :func:`reversal_problem`: strings of digits, written back in reverse order;
- :func:`shape_captions`: images of a few shapes, captioned with their names in reading order.

:func:`exact_match` and :func:`token_accuracy` score predicted token sequences
against the targets.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._validation import _show, check_array, check_array_size, check_bool, check_choice, check_int, check_seed

__all__ = [
    "DIGITS",
    "END",
    "PAD",
    "SHAPES",
    "START",
    "decode",
    "encode",
    "exact_match",
    "reversal_problem",
    "shape_captions",
    "shift_right",
    "token_accuracy",
    "token_labels",
    "vocabulary_size",
]

#: Pads a sequence up to the length of its batch.
PAD = 0
#: The first token a decoder reads.
START = 1
#: The last token a decoder writes.
END = 2
_N_SPECIAL = 3

#: The alphabet of :func:`reversal_problem`.
DIGITS = "0123456789"
#: The alphabet of :func:`shape_captions`: the shapes it draws, by name.
SHAPES = ("square", "circle", "triangle", "cross")


def _check_symbols(symbols) -> tuple[str, ...]:
    """An alphabet: a string of distinct characters or a tuple/list of distinct non-empty strings."""
    if isinstance(symbols, str):
        items = tuple(symbols)
    elif isinstance(symbols, (tuple, list)) and all(isinstance(s, str) and s for s in symbols):
        items = tuple(symbols)
    else:
        raise TypeError(
            f"symbols must be a string of distinct characters or a tuple of distinct words, got {_show(symbols)}"
        )
    if not items or len(set(items)) != len(items):
        raise ValueError(f"symbols must hold at least one symbol, each once, got {_show(symbols)}")
    return items


def _check_tokens(name: str, value, *, vocabulary: int | None = None) -> np.ndarray:
    """A ``(samples, steps)`` array of token ids (integers from 0, below ``vocabulary`` if given) as ``int32``."""
    array = check_array(name, value, ndim=2)
    if np.any(array != np.floor(array)) or array.min() < 0:
        bad = array[(array != np.floor(array)) | (array < 0)][0]
        raise ValueError(f"{name} must hold token ids (integers >= 0), got {bad:g}")
    if vocabulary is not None and array.max() >= vocabulary:
        raise ValueError(f"{name} must hold token ids below the vocabulary size {vocabulary}, got {array.max():g}")
    if array.max() > np.iinfo(np.int32).max:
        raise ValueError(f"{name} must hold token ids that fit in int32, got {array.max():g}")
    return array.astype(np.int32)


def vocabulary_size(symbols) -> int:
    """How many token ids an alphabet needs: its symbols and the three special tokens.

    Args:
        symbols: a string of distinct characters, or a tuple of distinct words.

    Returns:
        ``len(symbols) + 3``: the ``input_dim`` of an ``Embedding``, the units of the softmax.

    Example:
        >>> tokens.vocabulary_size(tokens.DIGITS)
        13
    """
    return len(_check_symbols(symbols)) + _N_SPECIAL


def encode(texts: Sequence, *, symbols, length: int, align: str = "left", end: bool = False) -> np.ndarray:
    """Token ids of texts, padded with :data:`PAD` to ``length`` steps.

    Args:
        texts: a non-empty list of texts; each a string (one character per
            symbol) or a list of words, every one in ``symbols``.
        symbols: the alphabet: symbol ``i`` becomes id ``3 + i``.
        length: steps of every encoded row.
        align: ``"left"`` pads on the right (targets), ``"right"`` on the left (sources).
        end: whether to write :data:`END` after the symbols (targets).

    Returns:
        ``int32`` array of shape ``(len(texts), length)``.

    Raises:
        ValueError: if a text, with its END, is longer than ``length``, or holds a
            symbol not in ``symbols``.

    Example:
        >>> tokens.encode(["12"], symbols=tokens.DIGITS, length=4, end=True).tolist()
        [[4, 5, 2, 0]]
    """
    items = _check_symbols(symbols)
    length = check_int("length", length)
    align = check_choice("align", align, ("left", "right"))
    end = check_bool("end", end)
    if isinstance(texts, str) or not isinstance(texts, Sequence) or not texts:
        raise TypeError(f"texts must be a non-empty list of texts, got {_show(texts)}")
    check_array_size("len(texts) * length", len(texts) * length)
    index = {symbol: _N_SPECIAL + i for i, symbol in enumerate(items)}
    encoded = np.full((len(texts), length), PAD, dtype=np.int32)
    for row, text in enumerate(texts):
        if not isinstance(text, (str, list, tuple)):
            raise TypeError(f"texts[{row}] must be a string or a list of symbols, got {_show(text)}")
        unknown = [symbol for symbol in text if symbol not in index]
        if unknown:
            raise ValueError(
                f"texts[{row}] must hold symbols of the alphabet only, got {_show(text)}: {_show(unknown)}"
            )
        ids = [index[symbol] for symbol in text] + ([END] if end else [])
        if len(ids) > length:
            raise ValueError(
                f"texts[{row}] must fit in length={length} steps (END included), got {_show(text)}, {len(ids)} steps"
            )
        if ids:
            if align == "left":
                encoded[row, : len(ids)] = ids
            else:
                encoded[row, length - len(ids) :] = ids
    return encoded


def decode(token_ids, *, symbols, separator: str = "") -> list[str]:
    """Texts of token-id rows: PAD and START are skipped, and a row ends at its first END.

    Args:
        token_ids: ``(samples, steps)`` token ids, e.g. a source, a target or a decoder's output.
        symbols: the alphabet the ids were encoded with.
        separator: what joins the symbols: ``""`` for characters, ``" "`` for words.

    Returns:
        A list of ``samples`` strings.

    Raises:
        ValueError: if an id is not an id of ``symbols`` or a special token.

    Example:
        >>> tokens.decode([[0, 4, 5, 2, 0]], symbols=tokens.DIGITS)
        ['12']
    """
    items = _check_symbols(symbols)
    if not isinstance(separator, str):
        raise TypeError(f"separator must be a string, got {_show(separator)}")
    ids = _check_tokens("token_ids", token_ids, vocabulary=len(items) + _N_SPECIAL)
    texts = []
    for row in ids:
        ends = np.flatnonzero(row == END)
        kept = row[: ends[0]] if ends.size else row
        texts.append(separator.join(items[i - _N_SPECIAL] for i in kept if i >= _N_SPECIAL))
    return texts


def token_labels(token_ids, *, symbols) -> list[list[str]]:
    """A label for every token id, special tokens included: for tables and the axes of figures.

    Args:
        token_ids: ``(samples, steps)`` token ids.
        symbols: the alphabet the ids were encoded with.

    Returns:
        One list of ``steps`` labels per sample: ``"<pad>"``, ``"<start>"``, ``"<end>"`` or the symbol.

    Example:
        >>> tokens.token_labels([[0, 1, 4, 2]], symbols=tokens.DIGITS)
        [['<pad>', '<start>', '1', '<end>']]
    """
    items = _check_symbols(symbols)
    ids = _check_tokens("token_ids", token_ids, vocabulary=len(items) + _N_SPECIAL)
    names = ("<pad>", "<start>", "<end>", *items)
    return [[names[i] for i in row] for row in ids]


def shift_right(target) -> np.ndarray:
    """The decoder's input under teacher forcing: :data:`START`, then the target without its last step.

    Args:
        target: ``(samples, steps)`` target token ids.

    Returns:
        ``int32`` array of the same shape: column 0 is START, column ``t`` is ``target[:, t - 1]``.

    Example:
        >>> tokens.shift_right([[4, 5, 2, 0]]).tolist()
        [[1, 4, 5, 2]]
    """
    target = _check_tokens("target", target)
    shifted = np.empty_like(target)
    shifted[:, 0] = START
    shifted[:, 1:] = target[:, :-1]
    return shifted


def _scored_steps(predicted, target) -> tuple[np.ndarray, np.ndarray]:
    """Which target steps count (the symbols and the END), and whether ``predicted`` has them right."""
    target = _check_tokens("target", target)
    predicted = _check_tokens("predicted", predicted)
    if len(predicted) != len(target):
        raise ValueError(
            f"predicted and target must have the same number of samples, got {len(predicted)} and {len(target)}"
        )
    if predicted.shape[1] < target.shape[1]:  # a shorter prediction has PAD where it stopped
        predicted = np.pad(predicted, ((0, 0), (0, target.shape[1] - predicted.shape[1])))
    predicted = predicted[:, : target.shape[1]]
    steps = np.arange(target.shape[1])
    has_end = (target == END).any(axis=1)
    last = np.where(has_end, (target == END).argmax(axis=1), target.shape[1] - 1)
    counted = steps[None, :] <= last[:, None]
    return counted, (predicted == target) & counted


def exact_match(predicted, target) -> np.ndarray:
    """Whether each predicted sequence is exactly the target: every symbol and the END in place.

    What follows the target's END (its padding) is not compared, so a decoder's
    output that ends in PAD, or in anything after its own END, scores by its sequence alone.

    Args:
        predicted: ``(samples, steps)`` token ids, e.g. from :func:`lstm_companion.seq2seq.greedy_decode`
            or the ``argmax`` of a model's output; shorter or longer than ``target`` is fine.
        target: ``(samples, target_steps)`` target token ids.

    Returns:
        Boolean array of shape ``(samples,)``; its mean is the exact-match accuracy.

    Example:
        >>> tokens.exact_match([[4, 5, 2]], [[4, 5, 2, 0]]).tolist()
        [True]
    """
    counted, right = _scored_steps(predicted, target)
    return right.sum(axis=1) == counted.sum(axis=1)


def token_accuracy(predicted, target, *, per_step: bool = False):
    """The fraction of target tokens (symbols and END, not the padding) predicted at their step.

    Args:
        predicted: ``(samples, steps)`` token ids.
        target: ``(samples, target_steps)`` target token ids.
        per_step: ``False`` for one number over all tokens; ``True`` for one per
            target step (``NaN`` at a step no target reaches).

    Returns:
        A float, or with ``per_step=True`` a ``float64`` array of shape ``(target_steps,)``.

    Example:
        >>> tokens.token_accuracy([[4, 6, 2]], [[4, 5, 2, 0]])
        0.6666666666666666
    """
    per_step = check_bool("per_step", per_step)
    counted, right = _scored_steps(predicted, target)
    if not per_step:
        return float(right.sum() / counted.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        return right.sum(axis=0) / counted.sum(axis=0)


def reversal_problem(
    n_samples: int, *, min_length: int = 1, max_length: int = 10, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Strings of random digits in, the same digits in reverse order out: ``40721`` -> ``12704``.

    Each string's length is drawn uniformly from ``min_length .. max_length``, each
    digit uniformly from :data:`DIGITS`. Every symbol of the answer is one of the
    question, so a decoder that can look back at the source has an easy job, and
    one that must hold the whole string in a fixed-size state has a harder one the
    longer the string.

    Args:
        min_length, max_length: shortest and longest string (1 <= min_length <= max_length).

    Returns:
        ``source`` of shape ``(n_samples, max_length)``, padded on the left, and
        ``target`` of shape ``(n_samples, max_length + 1)``: the reversed digits, END,
        then padding; both ``int32`` token ids over :data:`DIGITS` (13 ids).
        A string's length is ``(source != tokens.PAD).sum(axis=1)``.

    Example:
        >>> source, target = tokens.reversal_problem(1000, min_length=2, max_length=12, seed=1)
        >>> tokens.decode(source[:1], symbols=tokens.DIGITS), tokens.decode(target[:1], symbols=tokens.DIGITS)
    """
    n_samples = check_int("n_samples", n_samples)
    min_length = check_int("min_length", min_length)
    max_length = check_int("max_length", max_length)
    if max_length < min_length:
        raise ValueError(f"max_length must be >= min_length = {min_length}, got {max_length}")
    check_array_size("n_samples * max_length", n_samples * (max_length + 1))
    rng = np.random.default_rng(check_seed("seed", seed))
    lengths = rng.integers(min_length, max_length + 1, size=n_samples)
    digits = rng.integers(0, len(DIGITS), size=(n_samples, max_length)) + _N_SPECIAL
    steps = np.arange(max_length)
    source = np.where(steps[None, :] >= max_length - lengths[:, None], digits, PAD).astype(np.int32)
    target = np.full((n_samples, max_length + 1), PAD, dtype=np.int32)
    target[:, :max_length] = np.where(steps[None, :] < lengths[:, None], digits[:, ::-1], PAD)
    target[np.arange(n_samples), lengths] = END
    return source, target


def _shape_mask(kind: str, side: int) -> np.ndarray:
    """A ``side x side`` boolean drawing of one of :data:`SHAPES`."""
    rows, columns = np.mgrid[0:side, 0:side]
    centre = (side - 1) / 2
    if kind == "square":
        return np.ones((side, side), dtype=bool)
    if kind == "circle":
        return (rows - centre) ** 2 + (columns - centre) ** 2 <= (side / 2) ** 2
    if kind == "triangle":  # apex at the top, base at the bottom
        return np.abs(columns - centre) <= (rows + 1) / 2
    thickness = max(1.0, side / 5)  # cross: a plus sign
    return (np.abs(rows - centre) <= thickness / 2) | (np.abs(columns - centre) <= thickness / 2)


def shape_captions(
    n_samples: int, *, rows: int = 2, columns: int = 2, cell_size: int = 12, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Images of a few shapes on a grid, each captioned with the shapes' names in reading order.

    The image is a grid of ``rows x columns`` cells of ``cell_size`` pixels. From 1
    to all of the cells (how many drawn uniformly, which ones at random) hold one
    shape each, drawn uniformly from :data:`SHAPES`: white on a dark background
    with noise up to 0.2, ``cell_size - 3`` pixels wide and high, shifted at random
    by 0 to 2 pixels within its cell (so neighbours never touch). The caption names
    the shapes row by row, left to right, as one reads a page: ``"circle square cross"``.

    Args:
        rows, columns: the grid; a caption has at most ``rows * columns`` words.
        cell_size: side of a cell in pixels (>= 6).

    Returns:
        ``images`` of shape ``(n_samples, rows * cell_size, columns * cell_size, 1)``,
        ``float32`` in [0, 1], and ``captions`` of shape ``(n_samples, rows * columns + 1)``:
        ``int32`` token ids over :data:`SHAPES` (7 ids), END after the last word, then padding.
        Decode with ``tokens.decode(captions, symbols=tokens.SHAPES, separator=" ")``.

    Example:
        >>> images, captions = tokens.shape_captions(1000, seed=1)  # (1000, 24, 24, 1), (1000, 5)
    """
    n_samples = check_int("n_samples", n_samples)
    rows = check_int("rows", rows)
    columns = check_int("columns", columns)
    cell_size = check_int("cell_size", cell_size, minimum=6)
    n_cells = rows * columns
    check_array_size("n_samples * rows * columns * cell_size**2", n_samples * n_cells * cell_size**2)
    rng = np.random.default_rng(check_seed("seed", seed))
    side = cell_size - 3  # shifted by 0 to 2 pixels: a gap of at least one pixel between neighbours
    counts = rng.integers(1, n_cells + 1, size=n_samples)
    # the `count` cells with the smallest random keys hold a shape: a uniform choice of which ones
    ranks = rng.random((n_samples, n_cells)).argsort(axis=1).argsort(axis=1)
    present = ranks < counts[:, None]
    kinds = rng.integers(0, len(SHAPES), size=(n_samples, n_cells))
    cells = np.arange(n_cells)
    tops = (cells // columns) * cell_size + rng.integers(0, 3, size=(n_samples, n_cells))
    lefts = (cells % columns) * cell_size + rng.integers(0, 3, size=(n_samples, n_cells))
    images = rng.uniform(0.0, 0.2, size=(n_samples, rows * cell_size, columns * cell_size))
    for k, kind in enumerate(SHAPES):
        sample, cell = np.nonzero(present & (kinds == k))
        mask_rows, mask_columns = np.nonzero(_shape_mask(kind, side))
        images[
            sample[:, None], tops[sample, cell][:, None] + mask_rows, lefts[sample, cell][:, None] + mask_columns
        ] = 1.0
    order = np.argsort(~present, axis=1, kind="stable")  # the cells with a shape first, in reading order
    words = np.take_along_axis(kinds, order, axis=1) + _N_SPECIAL
    steps = np.arange(n_cells + 1)[None, :]
    captions = np.where(steps < counts[:, None], np.pad(words, ((0, 0), (0, 1))), PAD)
    captions[np.arange(n_samples), counts] = END
    return images[..., None].astype(np.float32), captions.astype(np.int32)
