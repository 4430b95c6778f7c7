"""lstm_companion.data: shapes, dtypes, seeding and the definition of every synthetic problem."""

from lstm_companion import data, text

import numpy as np
import pytest

EXPECTED_SHAPES = {  # n_samples = 7, default sizes
    "one_to_one": ((7, 1), (7, 1)),
    "many_to_one": ((7, 10, 1), (7, 1)),
    "one_to_many": ((7, 1), (7, 16, 1)),
    "many_to_many": ((7, 16, 1), (7, 4, 1)),
    "sequence_classification": ((7, 10, 1), (7, 1)),
    "sequence_generation": ((7, 16, 1), (7, 1)),
}


def test_every_kind_has_a_generator():
    assert list(data.SEQUENCE_PROBLEMS) == list(EXPECTED_SHAPES)


@pytest.mark.parametrize("kind", EXPECTED_SHAPES)
def test_shapes_and_dtypes(kind):
    x, y = data.SEQUENCE_PROBLEMS[kind](7, seed=3)
    assert (x.shape, y.shape) == EXPECTED_SHAPES[kind]
    assert x.dtype == np.float32 and y.dtype == np.float32
    assert np.all(np.isfinite(x)) and np.all(np.isfinite(y))


@pytest.mark.parametrize("kind", EXPECTED_SHAPES)
def test_same_seed_same_data_other_seed_other_data(kind):
    make = data.SEQUENCE_PROBLEMS[kind]
    x1, y1 = make(20, seed=5)
    x2, y2 = make(20, seed=5)
    x3, _ = make(20, seed=6)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(x1, x3)


def test_targets_follow_their_definitions():
    x, y = data.sine_of_value(50, seed=0)
    np.testing.assert_allclose(y, np.sin(np.pi * x), atol=1e-6)
    x, y = data.sequence_mean(50, n_steps=7, seed=0)
    np.testing.assert_allclose(y[:, 0], x[:, :, 0].mean(axis=1), atol=1e-6)
    x, y = data.sum_sign(500, n_steps=5, seed=0)
    np.testing.assert_array_equal(y[:, 0], (x.sum(axis=(1, 2)) > 0).astype(np.float32))
    assert 0.4 < y.mean() < 0.6  # balanced classes
    x, y = data.wave_from_frequency(5, n_steps=8, seed=0)
    t = np.arange(8) / 8
    np.testing.assert_allclose(y[:, :, 0], np.sin(2 * np.pi * x * t), atol=1e-6)


def test_forecast_and_next_value_continue_the_same_kind_of_wave():
    # A sine wave satisfies s[t+1] = 2 cos(w) s[t] - s[t-1]; check it holds across the input/target seam.
    x, y = data.sine_forecast(10, n_steps_in=6, n_steps_out=3, seed=1)
    wave = np.concatenate([x, y], axis=1)[:, :, 0]
    two_cos = (wave[:, 2] + wave[:, 0]) / wave[:, 1]
    np.testing.assert_allclose(wave[:, 7], two_cos * wave[:, 6] - wave[:, 5], atol=1e-4)
    x, y = data.next_value(10, n_steps=6, seed=1)
    wave = np.concatenate([x[:, :, 0], y], axis=1)
    two_cos = (wave[:, 2] + wave[:, 0]) / wave[:, 1]
    np.testing.assert_allclose(wave[:, 6], two_cos * wave[:, 5] - wave[:, 4], atol=1e-4)


def test_echo_sequence_shapes_and_target():
    x, y = data.echo_sequence(50, n_steps=7, n_features=4, echo_index=2, seed=0)
    assert x.shape == (50, 7, 4) and y.shape == (50, 4)
    assert x.dtype == np.float32 and y.dtype == np.float32
    np.testing.assert_array_equal(x.sum(axis=2), 1.0)  # one-hot
    np.testing.assert_array_equal(y, x[:, 2])
    x2, y2 = data.echo_sequence(50, n_steps=7, n_features=4, echo_index=2, seed=0)
    np.testing.assert_array_equal(x, x2)


GENERATORS = {
    "damped_sine": (lambda seed: data.damped_sine(5, n_steps_in=20, n_steps_out=4, seed=seed), (5, 20, 1), (5, 4)),
    "moving_square": (
        lambda seed: data.moving_square(5, n_frames=6, size=10, square=2, seed=seed),
        (5, 6, 10, 10, 1),
        (5, 4),
    ),
    "addition_problem": (
        lambda seed: text.addition_problem(5, n_terms=3, largest=10, seed=seed),
        (5, 8, 12),
        (5, 2, 12),
    ),
    "cumulative_sum": (lambda seed: data.cumulative_sum(5, n_steps=9, seed=seed), (5, 9, 1), (5, 9, 1)),
    "rectangles": (lambda seed: data.rectangles(5, moves_per_side=3, seed=seed), (5, 11, 2), (5, 11, 2)),
}


@pytest.mark.parametrize("name", GENERATORS)
def test_generators_shapes_dtypes_and_seeding(name):
    generate, x_shape, y_shape = GENERATORS[name]
    x, y = generate(3)
    assert x.shape == x_shape and y.shape == y_shape
    assert x.dtype == y.dtype == np.float32
    x_again, y_again = generate(3)
    np.testing.assert_array_equal(x, x_again)
    np.testing.assert_array_equal(y, y_again)
    x_other, _ = generate(4)
    assert not np.array_equal(x, x_other)


def test_damped_sine_continues_the_same_wave():
    x, y = data.damped_sine(50, n_steps_in=30, n_steps_out=5, seed=0)
    assert 0.0 <= x.min() and x.max() <= 1.0 and 0.0 <= y.min() and y.max() <= 1.0
    # the target continues the input smoothly: the first target is close to the last input
    assert np.abs(y[:, 0] - x[:, -1, 0]).max() < 0.35


def test_moving_square_moves_one_pixel_per_frame_in_the_labelled_direction():
    x, y = data.moving_square(40, n_frames=5, size=12, square=3, seed=1)
    assert np.all(y.sum(axis=1) == 1)
    for video, label in zip(x[..., 0], y.argmax(axis=1), strict=True):
        bright = video > 0.5
        assert np.all(bright.sum(axis=(1, 2)) == 9)  # one 3x3 square per frame
        rows = np.array([np.nonzero(frame)[0].mean() for frame in bright])
        cols = np.array([np.nonzero(frame)[1].mean() for frame in bright])
        expected = {0: (0, 1), 1: (0, -1), 2: (1, 0), 3: (-1, 0)}[label]  # (row step, column step)
        np.testing.assert_allclose(np.diff(rows), expected[0])
        np.testing.assert_allclose(np.diff(cols), expected[1])
    assert set(y.argmax(axis=1)) == {0, 1, 2, 3}
    assert data.MOVING_SQUARE_DIRECTIONS[0] == "left to right"


def test_addition_problem_decodes_to_correct_sums():
    questions, answers = text.addition_strings(30, n_terms=3, largest=10, seed=2)
    assert all(sum(int(v) for v in q.split("+")) == int(a) for q, a in zip(questions, answers, strict=True))
    x, y = text.addition_problem(30, n_terms=3, largest=10, seed=2)
    assert text.decode_one_hot(x, alphabet=text.ADDITION_ALPHABET) == questions
    assert text.decode_one_hot(y, alphabet=text.ADDITION_ALPHABET) == answers
    # right-aligned: the last input step is always a digit
    assert all(text.ADDITION_ALPHABET[i].isdigit() for i in x[:, -1].argmax(axis=1))


def test_cumulative_sum_labels_follow_the_running_sum():
    x, y = data.cumulative_sum(20, n_steps=8, seed=3)
    np.testing.assert_array_equal(y[..., 0], np.cumsum(x[..., 0], axis=1) > 2.0)
    assert np.all(np.diff(y[..., 0], axis=1) >= 0)  # once passed, stays passed
    xb, yb = data.cumulative_sum(20, n_steps=8, direction="backward", seed=3)
    np.testing.assert_array_equal(xb, x)
    np.testing.assert_array_equal(yb[..., 0], np.cumsum(x[:, ::-1, 0], axis=1)[:, ::-1] > 2.0)
    assert np.all(np.diff(yb[..., 0], axis=1) <= 0)


@pytest.mark.parametrize("label_slots", [False, True])
def test_recall_problem_targets_the_queried_stored_symbol(label_slots):
    n_values, n_steps, n_symbols = 3, 12, 5
    x, y, lags = data.recall_problem(
        400, n_values=n_values, n_steps=n_steps, n_symbols=n_symbols, label_slots=label_slots, seed=0
    )
    n_store = n_values if label_slots else 1
    assert x.shape == (400, n_steps, n_symbols + n_store + n_values) and y.shape == (400, n_symbols)
    assert x.dtype == y.dtype == np.float32 and lags.dtype == np.int64
    assert lags.min() == 0 and lags.max() == n_steps - n_values - 1  # every lag occurs in 400 draws
    symbols, store, query = x[..., :n_symbols], x[..., n_symbols : n_symbols + n_store], x[..., n_symbols + n_store :]
    np.testing.assert_array_equal(symbols[:, :-1].sum(-1), 1.0)  # one symbol per step, none at the query
    np.testing.assert_array_equal(symbols[:, -1], 0.0)
    np.testing.assert_array_equal(query[:, :-1], 0.0)  # the question comes only at the end
    np.testing.assert_array_equal(query[:, -1].sum(-1), 1.0)
    for i in range(len(x)):
        stored_steps = np.flatnonzero(store[i].sum(-1))
        first = n_steps - 1 - lags[i] - n_values
        np.testing.assert_array_equal(stored_steps, first + np.arange(n_values))
        if label_slots:  # the j-th stored step carries slot j
            np.testing.assert_array_equal(store[i, stored_steps].argmax(-1), np.arange(n_values))
        asked = query[i, -1].argmax()
        assert y[i].argmax() == symbols[i, first + asked].argmax()
    x_again, y_again, _ = data.recall_problem(
        400, n_values=n_values, n_steps=n_steps, n_symbols=n_symbols, label_slots=label_slots, seed=0
    )
    np.testing.assert_array_equal(x, x_again)
    np.testing.assert_array_equal(y, y_again)


def test_rectangles_are_closed_axis_parallel_and_sized_as_asked():
    x, y = data.rectangles(200, moves_per_side=4, min_side=2.0, max_side=6.0, seed=0)
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])  # y is x shifted by one move
    moves = np.concatenate([x[:, :1], y], axis=1)
    points = data.moves_to_points(moves)
    np.testing.assert_allclose(points[:, -1], 0.0, atol=1e-5)  # back at the start
    width, height = points[:, 4, 0], points[:, 8, 1]
    assert 2.0 <= width.min() and width.max() <= 6.0 and 2.0 <= height.min() and height.max() <= 6.0
    assert np.all((moves == 0).sum(axis=-1) == 1)  # every move is horizontal or vertical
    expected_signs = np.repeat([[1, 0], [0, 1], [-1, 0], [0, -1]], 4, axis=0)
    np.testing.assert_array_equal(np.sign(moves), np.broadcast_to(expected_signs, moves.shape))


def test_moves_to_points_accumulates_from_the_start():
    points = data.moves_to_points(np.array([[1.0, 0.0], [0.0, 2.0]]), start=(3.0, -1.0))
    np.testing.assert_allclose(points, [[3.0, -1.0], [4.0, -1.0], [4.0, 1.0]])
    assert data.moves_to_points(np.ones((4, 5, 2))).shape == (4, 6, 2)


def test_adding_problem_marks_two_early_steps_and_adds_them():
    x, y = data.adding_problem(500, n_steps=40, seed=0)
    assert x.shape == (500, 40, 2) and y.shape == (500, 1) and x.dtype == y.dtype == np.float32
    markers = x[..., 1]
    assert set(np.unique(markers)) == {0.0, 1.0}
    assert np.all(markers.sum(axis=1) == 2)
    assert not markers[:, 20:].any()  # both marked steps in the first half
    assert markers[:, :10].any(axis=1).all()  # the first one in the first 10 steps
    marked_sum = (x[..., 0] * markers).sum(axis=1)
    np.testing.assert_allclose(y[:, 0], 0.5 + marked_sum / 4, rtol=1e-6, atol=1e-6)
    assert -1.0 <= x[..., 0].min() and x[..., 0].max() <= 1.0
    again, _ = data.adding_problem(500, n_steps=40, seed=0)
    np.testing.assert_array_equal(x, again)
    assert not np.array_equal(x, data.adding_problem(500, n_steps=40, seed=1)[0])


# Bad single arguments are generated by test_contract.py; these are the ones that must agree with others.
@pytest.mark.parametrize(
    "call, error, name",
    [
        (lambda: data.echo_sequence(5, n_steps=7, echo_index=7), ValueError, "echo_index"),
        (lambda: data.moving_square(3, size=4, square=4), ValueError, "square"),
        (lambda: data.moving_square(3, n_frames=20, size=10, square=2), ValueError, "n_frames"),
        (lambda: data.recall_problem(3, n_values=4, n_steps=4), ValueError, "n_steps"),
        (lambda: data.rectangles(3, min_side=3.0, max_side=2.0), ValueError, "max_side"),
        (lambda: data.moves_to_points(np.zeros((4, 3))), ValueError, "moves"),
        (lambda: data.moves_to_points(np.zeros((4, 2)), start=(0.0, 0.0, 0.0)), ValueError, "start"),
    ],
)
def test_arguments_that_must_agree_are_checked(call, error, name):
    with pytest.raises(error, match=name):
        call()


def test_addition_refuses_sums_that_would_overflow_int64():
    # the sums are int64: 3 numbers up to 2**62 used to wrap around to wrong (negative) answers
    with pytest.raises(
        ValueError, match=r"n_terms \* largest must be at most 2\*\*63 - 1.*got 3 \* 4611686018427387904"
    ):
        text.addition_strings(4, n_terms=3, largest=2**62)
    questions, answers = text.addition_strings(4, n_terms=2, largest=2**62 - 1)  # the largest sums that fit
    assert all(int(a) == sum(int(v) for v in q.split("+")) for q, a in zip(questions, answers, strict=True))


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: data.recall_problem(2, n_symbols=2**63), "n_symbols"),  # was numpy's "high is out of bounds"
        (lambda: data.echo_sequence(2, n_features=2**62), "n_features"),  # was a 2**124-value identity matrix
        (lambda: data.sequence_mean(2**61, n_steps=4), "n_samples"),  # was "array is too big"
    ],
)
def test_sizes_past_what_an_array_holds_are_refused_with_the_bound(call, name):
    with pytest.raises(ValueError, match=rf"{name}.* must be at most .* values .*got"):
        call()


def test_one_hot_targets_are_unchanged_by_building_them_without_an_identity_matrix():
    x, y = data.echo_sequence(50, n_steps=6, n_features=5, echo_index=2, seed=3)
    np.testing.assert_array_equal(x, np.eye(5, dtype=np.float32)[x.argmax(axis=2)])
    np.testing.assert_array_equal(y, x[:, 2])
    x, y, _ = data.recall_problem(50, n_values=2, n_symbols=6, seed=3)
    assert y.dtype == np.float32 and np.all(y.sum(axis=1) == 1)
