"""Integration: each architecture's builder on its problem's data, saved and loaded back."""

from lstm_companion import baselines, data, models, text, training

import keras
import numpy as np
import pytest


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
        lambda: models.build_encoder_decoder_lstm(8, 12, 2, 12, units=16, output_activation="softmax"),
        lambda seed: text.addition_problem(6, seed=seed),
        lstm_params(12, 16) + lstm_params(16, 16) + dense_params(16, 12),
    ),
    "bidirectional": (
        lambda: models.build_bidirectional_lstm(10, 1, units=8),
        lambda seed: data.cumulative_sum(6, n_steps=10, seed=seed),
        2 * lstm_params(1, 8) + dense_params(16, 1),
    ),
    "bidirectional_sequence_label": (
        lambda: models.build_bidirectional_lstm(10, 1, units=8, return_sequences=False),
        lambda seed: data.sum_sign(6, n_steps=10, seed=seed),
        2 * lstm_params(1, 8) + dense_params(16, 1),
    ),
    "attention_reader": (
        lambda: baselines.build_attention_reader(9, 12, key_dim=6, n_outputs=8, output_activation="softmax"),
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
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


def test_bidirectional_directions_read_the_sequence_the_right_way():
    x = np.random.default_rng(0).uniform(size=(2, 6, 1)).astype(np.float32)
    changed = x.copy()
    changed[:, -1] += 1.0  # change only the last step
    for direction, first_step_changes in (("forward", False), ("backward", True), ("bidirectional", True)):
        model = models.build_bidirectional_lstm(6, 1, units=4, direction=direction)
        before, after = model.predict(x, verbose=0), model.predict(changed, verbose=0)
        assert np.allclose(before[:, 0], after[:, 0]) != first_step_changes, direction
        assert not np.allclose(before[:, -1], after[:, -1]), direction
    assert models.build_bidirectional_lstm(6, 1, units=4, direction="forward").count_params() == lstm_params(
        1, 4
    ) + dense_params(4, 1)
    assert models.build_bidirectional_lstm(6, 1, units=4, merge_mode="sum").count_params() == 2 * lstm_params(
        1, 4
    ) + dense_params(4, 1)


def test_backward_lstm_round_trips_with_its_reverse_layer(tmp_path):
    model = models.build_bidirectional_lstm(5, 2, units=3, direction="backward")
    x = np.random.default_rng(1).normal(size=(3, 5, 2)).astype(np.float32)
    model.save(tmp_path / "backward.keras")
    restored = keras.saving.load_model(tmp_path / "backward.keras")
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
