"""The six architecture builders and their problem generators (issue: the six LSTM architectures)."""

import keras
import numpy as np
import pytest

from lstm_companion import data, models, training


def lstm_params(n_features, units):
    """The LSTM formula: four gates, each (n_features + units) x units weights plus units biases."""
    return 4 * ((n_features + units) * units + units)


def dense_params(n_in, n_out):
    return (n_in + 1) * n_out


# name -> (builder call, generator call, parameter count by hand)
CASES = {
    "vanilla": (
        lambda: models.build_vanilla_lstm(12, 10, units=25, n_outputs=10, output_activation="softmax"),
        lambda seed: data.echo_sequence(6, n_steps=12, n_features=10, seed=seed),
        lstm_params(10, 25) + dense_params(25, 10),
    ),
    "stacked": (
        lambda: models.build_stacked_lstm(50, 1, units=20, n_layers=3, n_outputs=5),
        lambda seed: data.damped_sine(6, n_steps_in=50, n_steps_out=5, seed=seed),
        lstm_params(1, 20) + 2 * lstm_params(20, 20) + dense_params(20, 5),
    ),
    "cnn": (
        lambda: models.build_cnn_lstm(8, 16, 16, 1, filters=4, kernel_size=3, units=10, n_outputs=4),
        lambda seed: data.moving_square(6, n_frames=8, size=16, seed=seed),
        # conv 3x3x1x4 + 4 biases; 14x14 -> pool -> 7x7x4 = 196 features per frame
        (3 * 3 * 1 * 4 + 4) + lstm_params(7 * 7 * 4, 10) + dense_params(10, 4),
    ),
    "encoder_decoder": (
        lambda: models.build_encoder_decoder_lstm(8, 12, 2, 12, units=16),
        lambda seed: data.addition_problem(6, seed=seed),
        lstm_params(12, 16) + lstm_params(16, 16) + dense_params(16, 12),
    ),
    "bidirectional": (
        lambda: models.build_bidirectional_lstm(10, 1, units=8),
        lambda seed: data.cumulative_sum(6, n_steps=10, seed=seed),
        2 * lstm_params(1, 8) + dense_params(16, 1),
    ),
    "attention_reader": (
        lambda: models.build_attention_reader(9, 12, key_dim=6, n_outputs=8, output_activation="softmax"),
        lambda seed: data.recall_problem(6, n_values=2, n_steps=9, label_slots=True, seed=seed)[:2],
        3 * 12 * 6 + dense_params(6, 8),  # query, key and value matrices, no biases
    ),
    "generative": (
        lambda: models.build_generative_lstm(2, units=12),
        lambda seed: data.rectangles(6, seed=seed),
        lstm_params(2, 12) + dense_params(12, 2),
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_builder_is_uncompiled_starts_with_input_and_counts_parameters(name):
    build, _, expected = CASES[name]
    model = build()
    assert isinstance(model, keras.Model) and not model.compiled
    assert isinstance(model.layers[0], keras.layers.InputLayer)
    assert model.count_params() == expected


@pytest.mark.parametrize("name", [n for n in CASES if CASES[n][1] is not None])
def test_builder_fits_its_generator_and_round_trips_through_a_keras_file(name, tmp_path):
    build, generate, _ = CASES[name]
    x, y = generate(0)
    model = build()
    prediction = model.predict(x, verbose=0)
    assert prediction.shape == y.shape
    model.save(tmp_path / f"{name}.keras")
    restored = keras.saving.load_model(tmp_path / f"{name}.keras")  # safe_mode stays on
    np.testing.assert_allclose(restored.predict(x, verbose=0), prediction, rtol=1e-5, atol=1e-6)


def test_time_distributed_applies_the_layer_to_every_step_of_sequences_of_any_length():
    # Keras's TimeDistributed returned (batch, batch, ...) on TensorFlow for inputs of unknown length
    dense = keras.layers.Dense(3)
    inputs = keras.Input(shape=(None, 2))
    model = keras.Model(inputs, models.TimeDistributed(dense)(inputs))
    rng = np.random.default_rng(0)
    for steps in (1, 5, 9, 2):
        x = rng.normal(size=(4, steps, 2)).astype(np.float32)
        expected = x @ np.asarray(dense.kernel) + np.asarray(dense.bias)
        np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_generative_round_trip_and_any_length(tmp_path):
    model = models.build_generative_lstm(2, units=4)
    for steps in (1, 5, 9):
        assert model.predict(np.zeros((3, steps, 2)), verbose=0).shape == (3, steps, 2)
    x = np.random.default_rng(0).normal(size=(2, 6, 2)).astype(np.float32)
    model.save(tmp_path / "generative.keras")
    restored = keras.saving.load_model(tmp_path / "generative.keras")
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", CASES)
def test_same_seed_same_initial_weights(name):
    build = CASES[name][0]
    training.set_seed(5)
    first = build().get_weights()
    training.set_seed(5)
    second = build().get_weights()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


GENERATORS = {
    "damped_sine": (lambda seed: data.damped_sine(5, n_steps_in=20, n_steps_out=4, seed=seed), (5, 20, 1), (5, 4)),
    "moving_square": (lambda seed: data.moving_square(5, n_frames=6, size=10, square=2, seed=seed), (5, 6, 10, 10, 1), (5, 4)),
    "addition_problem": (lambda seed: data.addition_problem(5, n_terms=3, largest=10, seed=seed), (5, 8, 12), (5, 2, 12)),
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
    for video, label in zip(x[..., 0], y.argmax(axis=1)):
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
    questions, answers = data.addition_strings(30, n_terms=3, largest=10, seed=2)
    assert all(sum(int(v) for v in q.split("+")) == int(a) for q, a in zip(questions, answers))
    x, y = data.addition_problem(30, n_terms=3, largest=10, seed=2)
    assert data.decode_one_hot(x, alphabet=data.ADDITION_ALPHABET) == questions
    assert data.decode_one_hot(y, alphabet=data.ADDITION_ALPHABET) == answers
    # right-aligned: the last input step is always a digit
    assert all(data.ADDITION_ALPHABET[i].isdigit() for i in x[:, -1].argmax(axis=1))


def test_cumulative_sum_labels_follow_the_running_sum():
    x, y = data.cumulative_sum(20, n_steps=8, seed=3)
    np.testing.assert_array_equal(y[..., 0], np.cumsum(x[..., 0], axis=1) > 2.0)
    assert np.all(np.diff(y[..., 0], axis=1) >= 0)  # once passed, stays passed
    xb, yb = data.cumulative_sum(20, n_steps=8, direction="backward", seed=3)
    np.testing.assert_array_equal(xb, x)
    np.testing.assert_array_equal(yb[..., 0], np.cumsum(x[:, ::-1, 0], axis=1)[:, ::-1] > 2.0)
    assert np.all(np.diff(yb[..., 0], axis=1) <= 0)


def test_bidirectional_directions_read_the_sequence_the_right_way():
    x = np.random.default_rng(0).uniform(size=(2, 6, 1)).astype(np.float32)
    changed = x.copy()
    changed[:, -1] += 1.0  # change only the last step
    for direction, first_step_changes in (("forward", False), ("backward", True), ("bidirectional", True)):
        model = models.build_bidirectional_lstm(6, 1, units=4, direction=direction)
        before, after = model.predict(x, verbose=0), model.predict(changed, verbose=0)
        assert np.allclose(before[:, 0], after[:, 0]) != first_step_changes, direction
        assert not np.allclose(before[:, -1], after[:, -1]), direction
    assert models.build_bidirectional_lstm(6, 1, units=4, direction="forward").count_params() == lstm_params(1, 4) + dense_params(4, 1)
    assert models.build_bidirectional_lstm(6, 1, units=4, merge_mode="sum").count_params() == 2 * lstm_params(1, 4) + dense_params(4, 1)


def test_backward_lstm_round_trips_with_its_reverse_layer(tmp_path):
    model = models.build_bidirectional_lstm(5, 2, units=3, direction="backward")
    x = np.random.default_rng(1).normal(size=(3, 5, 2)).astype(np.float32)
    model.save(tmp_path / "backward.keras")
    restored = keras.saving.load_model(tmp_path / "backward.keras")
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("label_slots", [False, True])
def test_recall_problem_targets_the_queried_stored_symbol(label_slots):
    n_values, n_steps, n_symbols = 3, 12, 5
    x, y, lags = data.recall_problem(400, n_values=n_values, n_steps=n_steps, n_symbols=n_symbols,
                                     label_slots=label_slots, seed=0)
    n_store = n_values if label_slots else 1
    assert x.shape == (400, n_steps, n_symbols + n_store + n_values) and y.shape == (400, n_symbols)
    assert x.dtype == y.dtype == np.float32 and lags.dtype == np.int64
    assert lags.min() == 0 and lags.max() == n_steps - n_values - 1  # every lag occurs in 400 draws
    symbols, store, query = x[..., :n_symbols], x[..., n_symbols:n_symbols + n_store], x[..., n_symbols + n_store:]
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
    x_again, y_again, _ = data.recall_problem(400, n_values=n_values, n_steps=n_steps, n_symbols=n_symbols,
                                              label_slots=label_slots, seed=0)
    np.testing.assert_array_equal(x, x_again)
    np.testing.assert_array_equal(y, y_again)


def test_attention_reader_reads_the_step_its_query_matches():
    """Hand-set weights: the query at the last step picks out the step whose key matches, however far back."""
    model = models.build_attention_reader(6, 4, key_dim=4, n_outputs=4)
    eye = np.eye(4, dtype=np.float32)
    model.get_layer("attention").set_weights([20 * eye, 20 * eye, eye])  # query, key, value
    model.get_layer("output").set_weights([eye, np.zeros(4, np.float32)])
    x = np.zeros((1, 6, 4), dtype=np.float32)
    x[0, 0] = [0, 1, 0, 0]  # the first step is the only earlier one that matches the query
    x[0, 1:5, 3] = 1.0
    x[0, 5] = [0, 1, 0, 0]  # the query (it matches itself too)
    read = model.predict(x, verbose=0)[0]
    np.testing.assert_allclose(read, [0, 1, 0, 0], atol=1e-3)
    x[0, 0] = [0, 0, 1, 0]  # nothing earlier matches: the query reads itself
    np.testing.assert_allclose(model.predict(x, verbose=0)[0], [0, 1, 0, 0], atol=1e-3)
    x[0, 5] = [0, 0, 1, 0]  # ask for the other symbol: it is found at step 0
    np.testing.assert_allclose(model.predict(x, verbose=0)[0], [0, 0, 1, 0], atol=1e-3)


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


def test_continue_sequence_matches_feeding_back_one_growing_sequence():
    training.set_seed(1)
    model = models.build_generative_lstm(2, units=6)
    prefix = np.random.default_rng(0).normal(size=(3, 4, 2)).astype(np.float32)
    grown = prefix
    for _ in range(5):  # the plain algorithm: rerun on the sequence so far, append the last output
        grown = np.concatenate([grown, model.predict(grown, verbose=0)[:, -1:]], axis=1)
    np.testing.assert_allclose(models.continue_sequence(model, prefix, n_steps=5), grown, rtol=1e-5, atol=1e-6)


def test_continue_sequence_feeds_predictions_back():
    # "next point = last point + 1": a hand-made model that accepts any length
    inputs = keras.Input(shape=(None, 1))
    counter = keras.Model(inputs, keras.layers.Rescaling(1.0, offset=1.0)(inputs))
    out = models.continue_sequence(counter, np.array([[0.0], [1.0]]), n_steps=3)
    np.testing.assert_allclose(out[:, 0], [0.0, 1.0, 2.0, 3.0, 4.0])
    batch = models.continue_sequence(counter, np.zeros((2, 1, 1)), n_steps=2)
    assert batch.shape == (2, 3, 1)
    fixed = models.build_generative_lstm(1, units=2, n_steps=4)
    with pytest.raises(ValueError, match="any length"):
        models.continue_sequence(fixed, np.zeros((4, 1)), n_steps=1)


@pytest.mark.parametrize(
    "call, error, name",
    [
        (lambda: models.build_stacked_lstm(5, 1, units=4, n_layers=0, n_outputs=1), ValueError, "n_layers"),
        (lambda: models.build_stacked_lstm(0, 1, units=4, n_outputs=1), ValueError, "n_steps"),
        (lambda: models.build_stacked_lstm(5, 1, units=4.5, n_outputs=1), TypeError, "units"),
        (lambda: models.build_cnn_lstm(4, 8, 8, 1, kernel_size=9, n_outputs=2), ValueError, "kernel_size"),
        (lambda: models.build_cnn_lstm(4, 3, 3, 1, kernel_size=3, n_outputs=2), ValueError, "too small"),
        (lambda: models.build_cnn_lstm(4, 8, 8, 0, n_outputs=2), ValueError, "channels"),
        (lambda: models.build_cnn_lstm("4", 8, 8, 1, n_outputs=2), TypeError, "n_frames"),
        (lambda: models.build_encoder_decoder_lstm(8, 12, 0, 12, units=4), ValueError, "n_steps_out"),
        (lambda: models.build_encoder_decoder_lstm(8, 12, 2, 12, units=4, output_activation="softmaxx"), ValueError, "output_activation"),
        (lambda: models.build_bidirectional_lstm(5, 1, units=4, direction="sideways"), ValueError, "direction"),
        (lambda: models.build_bidirectional_lstm(5, 1, units=4, merge_mode="max"), ValueError, "merge_mode"),
        (lambda: models.build_generative_lstm(0, units=4), ValueError, "n_features"),
        (lambda: models.build_attention_reader(5, 3, key_dim=0, n_outputs=2), ValueError, "key_dim"),
        (lambda: models.build_attention_reader(5, 3, key_dim=4, n_outputs=2, output_activation="soft"), ValueError, "output_activation"),
        (lambda: data.recall_problem(3, n_values=4, n_steps=4), ValueError, "n_steps"),
        (lambda: data.recall_problem(3, n_values=0), ValueError, "n_values"),
        (lambda: data.recall_problem(3, n_symbols=1), ValueError, "n_symbols"),
        (lambda: data.recall_problem(3, label_slots=1), TypeError, "label_slots"),
        (lambda: models.build_generative_lstm(2, units=4, n_steps=0), ValueError, "n_steps"),
        (lambda: models.continue_sequence("model", np.zeros((2, 1)), n_steps=1), TypeError, "model"),
        (lambda: models.continue_sequence(models.build_generative_lstm(1, units=2), np.zeros((2, 1)), n_steps=0), ValueError, "n_steps"),
        (lambda: models.continue_sequence(models.build_generative_lstm(1, units=2), np.zeros((2, 3)), n_steps=1), ValueError, "features"),
        (lambda: data.damped_sine(0), ValueError, "n_samples"),
        (lambda: data.damped_sine(3, n_steps_out=-1), ValueError, "n_steps_out"),
        (lambda: data.moving_square(3, size=4, square=4), ValueError, "square"),
        (lambda: data.moving_square(3, n_frames=20, size=10, square=2), ValueError, "n_frames"),
        (lambda: data.moving_square(3, seed=-1), ValueError, "seed"),
        (lambda: data.addition_problem(3, n_terms=1), ValueError, "n_terms"),
        (lambda: data.addition_problem(3, largest=0), ValueError, "largest"),
        (lambda: data.cumulative_sum(3, direction="both"), ValueError, "direction"),
        (lambda: data.cumulative_sum(3, n_steps=2.0), TypeError, "n_steps"),
        (lambda: data.rectangles(3, moves_per_side=0), ValueError, "moves_per_side"),
        (lambda: data.rectangles(3, min_side=0.0), ValueError, "min_side"),
        (lambda: data.rectangles(3, min_side=3.0, max_side=2.0), ValueError, "max_side"),
        (lambda: data.rectangles(3, max_side=float("inf")), ValueError, "max_side"),
        (lambda: data.moves_to_points(np.zeros((4, 3))), ValueError, "moves"),
        (lambda: data.moves_to_points(np.zeros((4, 2)), start=(0.0, 0.0, 0.0)), ValueError, "start"),
        (lambda: data.moves_to_points([[0.0, np.nan]]), ValueError, "moves"),
    ],
)
def test_bad_arguments_name_the_parameter(call, error, name):
    with pytest.raises(error, match=name):
        call()
