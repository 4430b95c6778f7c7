"""Text for recurrent models: strings as one-hot arrays, characters as codes, training windows, words.

- :func:`addition_problem` (from :func:`addition_strings`) is addition as text, "10+6+7" in and
  "23" out, one-hot encoded;
- :func:`one_hot_strings` and :func:`decode_one_hot` turn short strings into one-hot arrays
  and back (a model's softmax output decodes too);
- :func:`text_alphabet` lists the distinct characters of a text; :func:`encode_text`
  and :func:`decode_text` turn text into integer codes (one per character, its index
  in the alphabet) and back;
- :func:`next_char_windows` cuts coded text into training pairs for a language model:
  windows of characters, and the same windows shifted by one (the next character
  at every step). Training on windows cut from a long text is truncated
  backpropagation through time: the gradient flows back at most one window;
- :func:`words` and :func:`known_word_fraction` measure generated text: how many of
  its words are words of a reference text.

Nothing here imports Keras. The corpus is :func:`lstm_companion.datasets.load_python_docs`;
sampling from a trained model is :func:`lstm_companion.generation.sample_symbols`; the
n-gram baseline is :func:`lstm_companion.baselines.ngram_bits_per_char`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np

from ._validation import _show, check_array, check_array_size, check_choice, check_int, check_seed

__all__ = [
    "ADDITION_ALPHABET",
    "addition_problem",
    "addition_strings",
    "decode_one_hot",
    "decode_text",
    "encode_text",
    "known_word_fraction",
    "next_char_windows",
    "one_hot_strings",
    "text_alphabet",
    "words",
]

#: What counts as a word for :func:`words`: a run of ASCII letters.
WORD = re.compile(r"[A-Za-z]+")


def _check_text(name: str, value) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {_show(value)} ({type(value).__name__})")
    if not value:
        raise ValueError(f"{name} must not be empty, got {value!r}")
    return value


def _check_alphabet(alphabet) -> str:
    alphabet = _check_text("alphabet", alphabet)
    if len(set(alphabet)) != len(alphabet):
        raise ValueError(f"alphabet must hold distinct characters, got {_show(alphabet)}")
    return alphabet


def text_alphabet(text: str) -> str:
    """The distinct characters of ``text``, sorted: the alphabet of a character model.

    Args:
        text: a non-empty string.

    Returns:
        A string of distinct characters in code-point order; character ``k`` gets the code ``k``.

    Example:
        >>> text.text_alphabet("banana")
        'abn'
    """
    return "".join(sorted(set(_check_text("text", text))))


def encode_text(text: str, *, alphabet: str) -> np.ndarray:
    """Integer codes of the characters of ``text``: each character's index in ``alphabet``.

    Args:
        text: a non-empty string of characters from ``alphabet``.
        alphabet: distinct characters, e.g. from :func:`text_alphabet`.

    Returns:
        ``int64`` array of shape ``(len(text),)``.

    Raises:
        ValueError: if ``text`` has a character that is not in ``alphabet``.

    Example:
        >>> text.encode_text("nab", alphabet="abn").tolist()
        [2, 0, 1]
    """
    text = _check_text("text", text)
    alphabet = _check_alphabet(alphabet)
    unknown = sorted(set(text) - set(alphabet))
    if unknown:
        raise ValueError(f"text has characters that are not in the alphabet: {_show(''.join(unknown))}")
    table = np.full(max(map(ord, alphabet)) + 1, -1, dtype=np.int64)
    table[[ord(symbol) for symbol in alphabet]] = np.arange(len(alphabet))
    return table[np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)]


def decode_text(codes, *, alphabet: str) -> str | list[str]:
    """Turn integer codes back into text.

    Args:
        codes: ``(length,)`` for one text or ``(n_texts, length)`` for several,
            integers in ``[0, len(alphabet))``.
        alphabet: the characters the codes index.

    Returns:
        A string, or a list of ``n_texts`` strings.

    Raises:
        ValueError: if a code is not an integer index into ``alphabet``.

    Example:
        >>> text.decode_text([2, 0, 1], alphabet="abn")
        'nab'
    """
    alphabet = _check_alphabet(alphabet)
    codes = check_array("codes", codes, ndim=(1, 2))
    if np.any(codes != np.round(codes)) or codes.min() < 0 or codes.max() >= len(alphabet):
        raise ValueError(
            f"codes must be integers from 0 to len(alphabet) - 1 = {len(alphabet) - 1}, "
            f"got values from {codes.min():g} to {codes.max():g}"
        )
    symbols = np.array(list(alphabet))[codes.astype(np.int64)]
    return "".join(symbols) if symbols.ndim == 1 else ["".join(row) for row in symbols]


def next_char_windows(codes, *, n_steps: int, stride: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Training pairs for a character model: windows of text, and the next character at every step.

    Window ``k`` reads ``codes[s : s + n_steps]`` and its target is
    ``codes[s + 1 : s + n_steps + 1]``, with ``s = k * stride``: at every step the
    model learns to predict the character that follows. A model trained on these
    windows starts each one from a zero state, so it learns dependencies of at
    most ``n_steps`` characters (truncated backpropagation through time).

    Args:
        codes: integer codes of a text, ``(length,)``, at least ``n_steps + 1`` of them.
        n_steps: characters per window.
        stride: characters between the starts of consecutive windows; ``n_steps``
            (no overlap) when ``None``.

    Returns:
        ``x`` and ``y``, ``int32`` arrays of shape ``(n_windows, n_steps)``, with
        ``n_windows = (length - n_steps - 1) // stride + 1``.

    Raises:
        ValueError: if ``codes`` is shorter than one window and its next character,
            or holds values that are not non-negative integers.

    Example:
        >>> x, y = text.next_char_windows(np.arange(7), n_steps=3)
        >>> x.tolist(), y.tolist()
        ([[0, 1, 2], [3, 4, 5]], [[1, 2, 3], [4, 5, 6]])
    """
    codes = check_array("codes", codes, ndim=1)
    if np.any(codes != np.round(codes)) or codes.min() < 0 or codes.max() >= 2**31:
        raise ValueError(f"codes must be non-negative integers below 2**31, got values from {codes.min():g}")
    n_steps = check_int("n_steps", n_steps)
    stride = n_steps if stride is None else check_int("stride", stride)
    if len(codes) < n_steps + 1:
        raise ValueError(f"codes must hold at least n_steps + 1 = {n_steps + 1} characters, got {len(codes)}")
    check_array_size("n_windows * n_steps", ((len(codes) - n_steps - 1) // stride + 1) * n_steps)
    windows = np.lib.stride_tricks.sliding_window_view(codes.astype(np.int32), n_steps + 1)[::stride]
    return np.ascontiguousarray(windows[:, :-1]), np.ascontiguousarray(windows[:, 1:])


def words(text: str) -> list[str]:
    """The words of ``text``, in order: runs of ASCII letters (the pattern ``WORD``), lower-cased.

    Example:
        >>> text.words("The 'assert' statement, twice: assert.")
        ['the', 'assert', 'statement', 'twice', 'assert']
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {_show(text)} ({type(text).__name__})")
    return [word.lower() for word in WORD.findall(text)]


def known_word_fraction(text: str, vocabulary: Iterable[str]) -> float:
    """The fraction of the words of ``text`` (:func:`words`) that are in ``vocabulary``.

    A measure of generated text: with ``vocabulary = set(words(corpus))``, the share of
    generated words that the corpus has, which falls as sampling grows more random.

    Args:
        text: the text to measure; it must contain at least one word.
        vocabulary: the known words, lower case (a set, or any iterable of strings).

    Returns:
        A float in ``[0, 1]``.

    Raises:
        ValueError: if ``text`` has no word or ``vocabulary`` is empty.
        TypeError: if ``vocabulary`` is not an iterable of strings.

    Example:
        >>> text.known_word_fraction("the cat sat", {"the", "sat"})
        0.6666666666666666
    """
    found = words(text)
    if not found:
        raise ValueError(f"text must contain at least one word (a run of letters), got {_show(text)}")
    if isinstance(vocabulary, str) or not isinstance(vocabulary, Iterable):
        raise TypeError(f"vocabulary must be a set of words (str), got {_show(vocabulary)}")
    known = set(vocabulary)
    if not all(isinstance(word, str) for word in known):
        raise TypeError(f"vocabulary must be a set of words (str), got {_show(vocabulary)}")
    if not known:
        raise ValueError(f"vocabulary must hold at least one word, got {_show(vocabulary)}")
    return sum(word in known for word in found) / len(found)


def _check_one_hot_alphabet(alphabet) -> str:
    """As :func:`_check_alphabet`, and at least two symbols (one would be a constant column)."""
    alphabet = _check_alphabet(alphabet)
    if len(alphabet) < 2:
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
        >>> text.one_hot_strings(["12"], alphabet="012 ", length=3).shape
        (1, 3, 4)
    """
    alphabet = _check_one_hot_alphabet(alphabet)
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
        >>> encoded = text.one_hot_strings(["12"], alphabet="012 ", length=3)
        >>> text.decode_one_hot(encoded, alphabet="012 ")
        ['12']
    """
    alphabet = _check_one_hot_alphabet(alphabet)
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


#: Symbols of :func:`addition_problem`, in one-hot column order (the blank pads).
ADDITION_ALPHABET = "0123456789+ "


def addition_strings(
    n_samples: int, *, n_terms: int = 3, largest: int = 10, seed: int = 0
) -> tuple[list[str], list[str]]:
    """Random sums as text: ``(["10+6+7", ...], ["23", ...])``.

    Args:
        n_terms: numbers added in each sum (>= 2).
        largest: every number is drawn uniformly from ``1 .. largest``.

    Returns:
        Two lists of ``n_samples`` strings: the questions and their answers.
    """
    n_samples = check_int("n_samples", n_samples)
    n_terms = check_int("n_terms", n_terms, minimum=2)
    largest = check_int("largest", largest)
    check_array_size("n_samples * n_terms", n_samples * n_terms)
    if n_terms * largest > np.iinfo(np.int64).max:
        raise ValueError(f"n_terms * largest must be at most 2**63 - 1 (the sums are int64), got {n_terms} * {largest}")
    rng = np.random.default_rng(check_seed("seed", seed))
    terms = rng.integers(1, largest + 1, size=(n_samples, n_terms))
    questions = ["+".join(str(v) for v in row) for row in terms]
    answers = [str(v) for v in terms.sum(axis=1)]
    return questions, answers


def addition_problem(
    n_samples: int, *, n_terms: int = 3, largest: int = 10, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Addition as sequence to sequence: "10+6+7" in, "23" out, one character per step.

    The sums of :func:`addition_strings`, right-aligned (blanks on the left) to
    the longest possible length and one-hot encoded over :data:`ADDITION_ALPHABET`.
    Decode with ``text.decode_one_hot(y, alphabet=text.ADDITION_ALPHABET)``.

    Returns:
        ``X`` of shape ``(n_samples, n_steps_in, 12)`` and ``y`` of shape
        ``(n_samples, n_steps_out, 12)``, one-hot, where
        ``n_steps_in = n_terms * len(str(largest)) + n_terms - 1`` and
        ``n_steps_out = len(str(n_terms * largest))``.
    """
    questions, answers = addition_strings(n_samples, n_terms=n_terms, largest=largest, seed=seed)
    n_steps_in = n_terms * len(str(largest)) + n_terms - 1
    check_array_size("n_samples * n_steps_in * 12 (from n_samples, n_terms and largest)", n_samples * n_steps_in * 12)
    n_steps_out = len(str(n_terms * largest))
    x = one_hot_strings(questions, alphabet=ADDITION_ALPHABET, length=n_steps_in, align="right")
    y = one_hot_strings(answers, alphabet=ADDITION_ALPHABET, length=n_steps_out, align="right")
    return x, y
