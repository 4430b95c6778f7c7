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


# --- Sampling symbols at a temperature ---


def fixed_distribution_model(probabilities):
    """A causal "model" that gives the same next-symbol probabilities at every step."""
    probabilities = np.asarray(probabilities, dtype=np.float32)
    inputs = keras.Input(shape=(None,), dtype="int32")
    embedding = keras.layers.Embedding(
        10, len(probabilities), embeddings_initializer=keras.initializers.Constant(np.log(probabilities))
    )
    outputs = keras.layers.Softmax()(embedding(inputs))
    return keras.Model(inputs, outputs)


def test_sample_symbols_draws_from_the_probabilities_sharpened_or_flattened_by_temperature():
    model = fixed_distribution_model([0.6, 0.3, 0.1])
    prompt = np.zeros((50, 1), dtype=np.int32)
    drawn = {}
    for temperature in (0.25, 1.0, 4.0):
        codes = generation.sample_symbols(model, prompt, n_steps=40, temperature=temperature, seed=3)
        assert codes.shape == (50, 41) and codes.dtype == np.int32
        np.testing.assert_array_equal(codes[:, 0], 0)
        drawn[temperature] = np.bincount(codes[:, 1:].ravel(), minlength=3) / codes[:, 1:].size
    for temperature, frequencies in drawn.items():
        powered = np.array([0.6, 0.3, 0.1]) ** (1 / temperature)
        np.testing.assert_allclose(frequencies, powered / powered.sum(), atol=0.03)


def test_sample_symbols_repeats_with_its_seed_and_reads_the_latest_window():
    training.set_seed(0)
    from lstm_companion import cells

    model = cells.build_char_model(6, units=4)
    prompt = np.array([1, 2, 3, 4, 5])
    first = generation.sample_symbols(model, prompt, n_steps=12, window=4, seed=7)
    assert first.shape == (17,) and np.array_equal(first[:5], prompt)
    np.testing.assert_array_equal(first, generation.sample_symbols(model, prompt, n_steps=12, window=4, seed=7))
    assert not np.array_equal(first, generation.sample_symbols(model, prompt, n_steps=12, window=4, seed=8))
    # a window longer than the text so far: the same as giving the model everything
    whole = generation.sample_symbols(model, prompt, n_steps=6, seed=2)
    np.testing.assert_array_equal(whole, generation.sample_symbols(model, prompt, n_steps=6, window=30, seed=2))


def test_sample_symbols_checks_the_model_and_the_prompt():
    from lstm_companion import cells

    model = cells.build_char_model(6, units=4)
    with pytest.raises(ValueError, match=r"prompt must hold integer codes from 0 to 5"):
        generation.sample_symbols(model, [1, 6], n_steps=2)
    fixed = cells.build_char_model(6, units=4, n_steps=8)
    with pytest.raises(ValueError, match="window must be the model's input length 8, got 4"):
        generation.sample_symbols(fixed, [1, 2], n_steps=2, window=4)
    assert generation.sample_symbols(fixed, [1, 2], n_steps=10).shape == (12,)
    values = models.build_generative_lstm(2, units=2)
    with pytest.raises(ValueError, match=r"model must map codes \(batch, steps\) to probabilities"):
        generation.sample_symbols(values, [1, 2], n_steps=2)
    inputs = keras.Input(shape=(None,), dtype="int32")
    logits = keras.Model(inputs, keras.layers.Dense(4)(keras.layers.Embedding(6, 3)(inputs)))
    with pytest.raises(ValueError, match="model must output probabilities"):
        generation.sample_symbols(logits, [1, 2], n_steps=2)
