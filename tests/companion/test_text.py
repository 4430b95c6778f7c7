"""lstm_companion.text: characters as codes and back, training windows, words of generated text."""

from lstm_companion import datasets, text

import numpy as np
import pytest


def test_alphabet_encode_and_decode_are_inverse():
    sample = "The 'assert' statement\n  x = 1\n"
    alphabet = text.text_alphabet(sample)
    assert alphabet == "".join(sorted(set(sample))) and len(set(alphabet)) == len(alphabet)
    codes = text.encode_text(sample, alphabet=alphabet)
    assert codes.dtype == np.int64 and codes.shape == (len(sample),)
    assert [alphabet[c] for c in codes] == list(sample)
    assert text.decode_text(codes, alphabet=alphabet) == sample
    assert text.decode_text(np.stack([codes, codes[::-1]]), alphabet=alphabet) == [sample, sample[::-1]]


def test_the_corpus_encodes_and_decodes_whole():
    corpus = datasets.load_python_docs()
    alphabet = text.text_alphabet(corpus)
    assert len(alphabet) == 94 and alphabet[0] == "\n" and alphabet[1] == " "
    codes = text.encode_text(corpus, alphabet=alphabet)
    assert text.decode_text(codes, alphabet=alphabet) == corpus


def test_encode_refuses_characters_outside_the_alphabet_and_decode_codes_out_of_range():
    with pytest.raises(ValueError, match="text has characters that are not in the alphabet: 'xz'"):
        text.encode_text("abxz", alphabet="ab")
    with pytest.raises(ValueError, match="alphabet must hold distinct characters"):
        text.encode_text("ab", alphabet="aab")
    with pytest.raises(ValueError, match=r"codes must be integers from 0 to len\(alphabet\) - 1 = 1, got values"):
        text.decode_text([0, 2], alphabet="ab")
    with pytest.raises(ValueError, match="codes must be integers"):
        text.decode_text([0.5], alphabet="ab")
    with pytest.raises(TypeError, match="text must be a str"):
        text.encode_text(b"ab", alphabet="ab")


def test_next_char_windows_shift_by_one_and_stride():
    codes = np.arange(20)
    x, y = text.next_char_windows(codes, n_steps=4)
    assert x.dtype == np.int32 and x.shape == y.shape == (4, 4)
    np.testing.assert_array_equal(y, x + 1)  # the target at every step is the next character
    np.testing.assert_array_equal(x[:, 0], [0, 4, 8, 12])
    x, y = text.next_char_windows(codes, n_steps=4, stride=1)
    assert len(x) == 20 - 4 and x[-1, -1] == 18 and y[-1, -1] == 19
    x, y = text.next_char_windows(np.arange(5), n_steps=4)
    assert x.tolist() == [[0, 1, 2, 3]] and y.tolist() == [[1, 2, 3, 4]]
    with pytest.raises(ValueError, match=r"codes must hold at least n_steps \+ 1 = 5 characters, got 4"):
        text.next_char_windows(np.arange(4), n_steps=4)
    with pytest.raises(ValueError, match="codes must be non-negative integers"):
        text.next_char_windows(np.array([0.5, 1, 2]), n_steps=1)


def test_words_and_known_word_fraction():
    assert text.words("Assert statements -- x_1 = 2; the END.") == ["assert", "statements", "x", "the", "end"]
    vocabulary = set(text.words(datasets.load_python_docs()))
    assert {"assert", "statement", "the", "lambda"} <= vocabulary and "qzxw" not in vocabulary
    assert text.known_word_fraction("The assert statement", vocabulary) == 1.0
    assert text.known_word_fraction("the qzxw", vocabulary) == 0.5
    with pytest.raises(ValueError, match="text must contain at least one word"):
        text.known_word_fraction("12 + 3", vocabulary)
    with pytest.raises(ValueError, match="vocabulary must hold at least one word"):
        text.known_word_fraction("the", set())
    with pytest.raises(TypeError, match="vocabulary must be a set of words"):
        text.known_word_fraction("the", "the")
