"""lstm_companion.generation: feeding a model its own predictions."""

from lstm_companion import generation, models, training

import keras
import numpy as np
import pytest


def test_generate_sequence_feeds_predictions_back():
    # A "model" that predicts the last value plus one: generation must count upwards.
    inputs = keras.Input(shape=(3, 1))
    outputs = keras.layers.Lambda(lambda t: t[:, -1, :] + 1.0)(inputs)
    counter = keras.Model(inputs, outputs)
    generated = generation.generate_sequence(counter, np.array([[0.0], [1.0], [2.0]]), n_steps=4)
    np.testing.assert_allclose(generated[:, 0], [3.0, 4.0, 5.0, 6.0])
    batch = generation.generate_sequence(counter, np.zeros((2, 3, 1)), n_steps=2)
    assert batch.shape == (2, 2, 1)


def test_generate_sequence_checks_the_context_against_the_model():
    model = models.build_sequence_model("sequence_generation", input_shape=(16, 1), output_shape=(1,), units=2)
    with pytest.raises(ValueError, match=r"context must have per-sample shape \(16, 1\)"):
        generation.generate_sequence(model, np.zeros((15, 1)), n_steps=2)
    with pytest.raises(ValueError, match="context must be a 2 or 3-dimensional array"):
        generation.generate_sequence(model, np.zeros(16), n_steps=2)


def test_continue_sequence_matches_feeding_back_one_growing_sequence():
    training.set_seed(1)
    model = models.build_generative_lstm(2, units=6)
    prefix = np.random.default_rng(0).normal(size=(3, 4, 2)).astype(np.float32)
    grown = prefix
    for _ in range(5):  # the plain algorithm: rerun on the sequence so far, append the last output
        grown = np.concatenate([grown, model.predict(grown, verbose=0)[:, -1:]], axis=1)
    np.testing.assert_allclose(generation.continue_sequence(model, prefix, n_steps=5), grown, rtol=1e-5, atol=1e-6)


def test_continue_sequence_feeds_predictions_back():
    # "next point = last point + 1": a hand-made model that accepts any length
    inputs = keras.Input(shape=(None, 1))
    counter = keras.Model(inputs, keras.layers.Rescaling(1.0, offset=1.0)(inputs))
    out = generation.continue_sequence(counter, np.array([[0.0], [1.0]]), n_steps=3)
    np.testing.assert_allclose(out[:, 0], [0.0, 1.0, 2.0, 3.0, 4.0])
    batch = generation.continue_sequence(counter, np.zeros((2, 1, 1)), n_steps=2)
    assert batch.shape == (2, 3, 1)
    fixed = models.build_generative_lstm(1, units=2, n_steps=4)
    with pytest.raises(ValueError, match="any length"):
        generation.continue_sequence(fixed, np.zeros((4, 1)), n_steps=1)


def test_continue_sequence_checks_the_prefix_against_the_model():
    with pytest.raises(ValueError, match="any length with 3 features"):
        generation.continue_sequence(models.build_generative_lstm(1, units=2), np.zeros((2, 3)), n_steps=1)
