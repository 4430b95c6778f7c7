"""lstm_companion.tokens: the token convention, the two problems, the scores."""

from lstm_companion import tokens
from lstm_companion.tokens import _shape_mask

import numpy as np
import pytest


def test_the_special_tokens_come_first_and_the_symbols_follow():
    assert (tokens.PAD, tokens.START, tokens.END) == (0, 1, 2)
    assert tokens.vocabulary_size(tokens.DIGITS) == 13
    assert tokens.vocabulary_size(tokens.SHAPES) == 7
    assert tokens.encode(["0", "9"], symbols=tokens.DIGITS, length=1).tolist() == [[3], [12]]


def test_encode_pads_on_either_side_and_writes_the_end_token_on_request():
    assert tokens.encode(["12"], symbols=tokens.DIGITS, length=4).tolist() == [[4, 5, 0, 0]]
    assert tokens.encode(["12"], symbols=tokens.DIGITS, length=4, align="right").tolist() == [[0, 0, 4, 5]]
    assert tokens.encode(["12"], symbols=tokens.DIGITS, length=4, end=True).tolist() == [[4, 5, 2, 0]]
    assert tokens.encode([""], symbols=tokens.DIGITS, length=2, end=True).tolist() == [[2, 0]]
    words = tokens.encode([["circle", "cross"]], symbols=tokens.SHAPES, length=3, end=True)
    assert words.tolist() == [[4, 6, 2]] and words.dtype == np.int32


@pytest.mark.parametrize(
    "texts, length, end, message",
    [
        (["123"], 2, False, r"must fit in length=2 steps \(END included\), got '123', 3 steps"),
        (["12"], 2, True, "got '12', 3 steps"),
        (["1a"], 3, False, "must hold symbols of the alphabet only"),
    ],
)
def test_encode_refuses_texts_that_do_not_fit(texts, length, end, message):
    with pytest.raises(ValueError, match=message):
        tokens.encode(texts, symbols=tokens.DIGITS, length=length, end=end)


@pytest.mark.parametrize("symbols", ["", "aa", ("a", "a"), ()])
def test_an_alphabet_holds_each_symbol_once(symbols):
    with pytest.raises(ValueError, match="symbols"):
        tokens.vocabulary_size(symbols)


def test_decode_skips_padding_and_start_and_stops_at_the_end_token():
    ids = [[1, 0, 4, 5, 2, 6, 7], [4, 4, 4, 4, 4, 4, 4]]
    assert tokens.decode(ids, symbols=tokens.DIGITS) == ["12", "1111111"]
    texts = ["square circle", "cross"]
    encoded = tokens.encode([t.split() for t in texts], symbols=tokens.SHAPES, length=4, end=True)
    assert tokens.decode(encoded, symbols=tokens.SHAPES, separator=" ") == texts
    with pytest.raises(ValueError, match="below the vocabulary size 13"):
        tokens.decode([[13]], symbols=tokens.DIGITS)
    with pytest.raises(ValueError, match="token ids"):
        tokens.decode([[1.5]], symbols=tokens.DIGITS)


def test_token_labels_name_every_token():
    assert tokens.token_labels([[0, 1, 2, 3, 12]], symbols=tokens.DIGITS) == [["<pad>", "<start>", "<end>", "0", "9"]]


def test_shift_right_puts_the_start_token_in_front_and_drops_the_last_step():
    target = np.array([[4, 5, 2, 0], [6, 2, 0, 0]])
    assert tokens.shift_right(target).tolist() == [[1, 4, 5, 2], [1, 6, 2, 0]]


def test_exact_match_compares_the_symbols_and_the_end_token_only():
    target = [[4, 5, 2, 0], [4, 5, 2, 0], [4, 5, 2, 0], [4, 5, 2, 0], [4, 5, 2, 0]]
    predicted = [
        [4, 5, 2, 9],  # anything after the END: still right
        [4, 5, 2, 0],
        [4, 5, 6, 2],  # no END where the target has it
        [5, 4, 2, 0],
        [4, 5, 0, 0],  # stopped without END
    ]
    assert tokens.exact_match(predicted, target).tolist() == [True, True, False, False, False]
    assert tokens.exact_match([[4, 5, 2]], target[:1]).tolist() == [True]  # shorter than the target
    assert tokens.exact_match([[4, 5]], target[:1]).tolist() == [False]
    assert tokens.exact_match([[4, 5, 2, 0, 0, 0]], target[:1]).tolist() == [True]  # longer


def test_token_accuracy_counts_the_target_tokens_up_to_its_end():
    target = [[4, 5, 2, 0], [6, 2, 0, 0]]
    predicted = [[4, 6, 2, 0], [6, 6, 6, 6]]
    assert tokens.token_accuracy(predicted, target) == pytest.approx(3 / 5)
    per_step = tokens.token_accuracy(predicted, target, per_step=True)
    np.testing.assert_allclose(per_step[:3], [1.0, 0.0, 1.0])
    assert np.isnan(per_step[3])  # no target reaches step 4
    with pytest.raises(ValueError, match="same number of samples"):
        tokens.token_accuracy(predicted[:1], target)


def test_reversal_problem_writes_the_digits_back_reversed():
    source, target = tokens.reversal_problem(200, min_length=2, max_length=7, seed=3)
    assert source.shape == (200, 7) and target.shape == (200, 8)
    assert source.dtype == target.dtype == np.int32
    lengths = (source != tokens.PAD).sum(axis=1)
    assert lengths.min() == 2 and lengths.max() == 7
    for row, n in zip(source, lengths, strict=True):
        assert (row[: 7 - n] == tokens.PAD).all() and (row[7 - n :] >= 3).all()  # padded on the left
    questions = tokens.decode(source, symbols=tokens.DIGITS)
    answers = tokens.decode(target, symbols=tokens.DIGITS)
    assert answers == [q[::-1] for q in questions]
    assert (target[np.arange(200), lengths] == tokens.END).all()
    again = tokens.reversal_problem(200, min_length=2, max_length=7, seed=3)
    np.testing.assert_array_equal(again[0], source)
    assert not np.array_equal(tokens.reversal_problem(200, min_length=2, max_length=7, seed=4)[0], source)


def test_reversal_problem_checks_its_lengths():
    with pytest.raises(ValueError, match="max_length must be >= min_length = 5"):
        tokens.reversal_problem(3, min_length=5, max_length=4)
    with pytest.raises(ValueError, match="n_samples"):
        tokens.reversal_problem(2**62, max_length=4)


def _drawn_shape(image, top, left, cell_size):
    """The shape in one cell, by matching the bright pixels against every shape's drawing; None if empty."""
    bright = image[top : top + cell_size, left : left + cell_size] > 0.5
    if not bright.any():
        return None
    side = cell_size - 3
    rows, columns = np.nonzero(bright)
    for kind in tokens.SHAPES:
        mask = _shape_mask(kind, side)
        for dy in range(3):
            for dx in range(3):
                drawn = np.zeros_like(bright)
                drawn[dy : dy + side, dx : dx + side] = mask
                if (drawn == bright).all():
                    return kind
    raise AssertionError(f"no shape matches the cell at {(top, left)}: {rows}, {columns}")


def test_shape_captions_name_the_shapes_drawn_in_reading_order():
    images, captions = tokens.shape_captions(60, rows=2, columns=3, cell_size=10, seed=1)
    assert images.shape == (60, 20, 30, 1) and images.dtype == np.float32
    assert captions.shape == (60, 7) and captions.dtype == np.int32
    assert 0.0 <= images.min() and images.max() <= 1.0
    texts = tokens.decode(captions, symbols=tokens.SHAPES, separator=" ")
    counts = []
    for image, text in zip(images[..., 0], texts, strict=True):
        seen = [_drawn_shape(image, r * 10, c * 10, 10) for r in range(2) for c in range(3)]
        words = [kind for kind in seen if kind is not None]
        assert words == text.split()
        counts.append(len(words))
    assert min(counts) == 1 and max(counts) == 6
    assert set(np.unique(captions)) <= set(range(7))
    np.testing.assert_array_equal(tokens.shape_captions(60, rows=2, columns=3, cell_size=10, seed=1)[0], images)


def test_shape_captions_checks_its_sizes():
    with pytest.raises(ValueError, match="cell_size must be an integer >= 6"):
        tokens.shape_captions(3, cell_size=5)
    with pytest.raises(ValueError, match="n_samples"):
        tokens.shape_captions(2**62)
