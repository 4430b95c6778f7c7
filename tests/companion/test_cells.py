"""lstm_companion.cells: one builder for six recurrent cells, their parameter counts, parameter matching."""

from lstm_companion import cells, data, layers, scratch, training

import keras
import numpy as np
import pytest
from keras import ops

N_STEPS, N_FEATURES, UNITS = 6, 2, 5

LAYER_TYPES = {
    "lstm": layers.FusedLSTM,
    "gru": keras.layers.GRU,
    "simple_rnn": keras.layers.SimpleRNN,
    "irnn": keras.layers.SimpleRNN,
    "lstm_no_forget": cells.NoForgetLSTM,
    "min_lstm": cells.MinLSTM,
}


def test_every_cell_has_a_layer_type():
    assert set(LAYER_TYPES) == set(cells.CELLS)


@pytest.mark.parametrize("cell", list(cells.CELLS))
def test_cell_model_shapes_layer_and_parameter_count_by_the_formula(cell):
    model = cells.build_cell_model(N_STEPS, N_FEATURES, cell=cell, units=UNITS, n_outputs=3)
    assert model.name == cell and type(model.get_layer(cell)) is LAYER_TYPES[cell]
    assert model.count_params() == cells.count_parameters(cell, n_features=N_FEATURES, units=UNITS, n_outputs=3)
    x = np.random.default_rng(0).normal(size=(4, N_STEPS, N_FEATURES)).astype(np.float32)
    assert model.predict(x, verbose=0).shape == (4, 3)
    assert not model.compiled


def test_parameter_formulas_by_hand():
    n, u = N_FEATURES, UNITS
    assert cells.count_parameters("lstm", n_features=n, units=u) == 4 * ((n + u) * u + u) == 160
    assert cells.count_parameters("gru", n_features=n, units=u) == 3 * ((n + u) * u + 2 * u) == 135
    assert cells.count_parameters("simple_rnn", n_features=n, units=u) == (n + u) * u + u == 40
    assert cells.count_parameters("lstm_no_forget", n_features=n, units=u) == 3 * ((n + u) * u + u) == 120
    assert cells.count_parameters("min_lstm", n_features=n, units=u) == 3 * (n + 1) * u == 45
    assert cells.count_parameters("lstm", n_features=n, units=u, n_outputs=2) == 160 + (u + 1) * 2


@pytest.mark.parametrize("cell", list(cells.CELLS))
@pytest.mark.parametrize("budget", [1, 100, 2617, 10_000, 123_457])
def test_match_units_gives_the_closest_parameter_count(cell, budget):
    units = cells.match_units(cell, n_parameters=budget, n_features=3, n_outputs=1)

    def distance(u):
        return abs(cells.count_parameters(cell, n_features=3, units=u, n_outputs=1) - budget)

    assert units >= 1 and distance(units) <= distance(units + 1)
    assert units == 1 or distance(units) <= distance(units - 1)


def test_match_units_for_the_chapter_budget():
    budget = cells.count_parameters("lstm", n_features=2, units=24, n_outputs=1)
    assert budget == 2617
    matched = {cell: cells.match_units(cell, n_parameters=budget, n_features=2, n_outputs=1) for cell in cells.CELLS}
    assert matched == {"lstm": 24, "gru": 27, "simple_rnn": 49, "irnn": 49, "lstm_no_forget": 28, "min_lstm": 262}


def test_irnn_is_a_relu_rnn_starting_from_the_identity_with_zero_biases():
    training.set_seed(0)
    model = cells.build_cell_model(N_STEPS, N_FEATURES, cell="irnn", units=UNITS, n_outputs=1)
    layer = model.get_layer("irnn")
    kernel, recurrent, bias = layer.get_weights()
    np.testing.assert_array_equal(recurrent, np.eye(UNITS))
    np.testing.assert_array_equal(bias, np.zeros(UNITS))
    x = np.random.default_rng(1).normal(size=(3, N_STEPS, N_FEATURES)).astype(np.float32)
    sequence = scratch.simple_rnn_forward(x, kernel, recurrent, bias, activation="relu")
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), sequence[:, -1], rtol=1e-5, atol=1e-6)


def test_the_gru_starts_with_its_update_gate_biased_to_keep_the_state():
    """Keras's GRU orders its bias blocks update, reset, candidate; only the update gate's input bias is 1."""
    model = cells.build_cell_model(N_STEPS, N_FEATURES, cell="gru", units=UNITS, n_outputs=1)
    _, _, bias = model.get_layer("gru").get_weights()
    expected = np.zeros((2, 3 * UNITS), dtype=np.float32)
    expected[0, :UNITS] = 1.0
    np.testing.assert_array_equal(bias, expected)
    # the gate it sets is the one that keeps the state: with all other weights zero, z = sigmoid(1) of h_{t-1} stays
    layer = keras.layers.GRU(UNITS, bias_initializer=cells.UpdateGateBias(1.0), kernel_initializer="zeros")
    layer.build((None, 1, N_FEATURES))
    layer.cell.recurrent_kernel.assign(np.zeros((UNITS, 3 * UNITS), dtype=np.float32))
    state = np.full((1, UNITS), 0.8, dtype=np.float32)
    _, (new_state,) = layer.cell(np.zeros((1, N_FEATURES), dtype=np.float32), [state])
    np.testing.assert_allclose(ops.convert_to_numpy(new_state), 0.8 / (1 + np.exp(-1.0)), rtol=1e-6)


def test_update_gate_bias_fills_both_bias_layouts_and_refuses_other_shapes():
    init = cells.UpdateGateBias(2.5)
    np.testing.assert_array_equal(ops.convert_to_numpy(init((6,))), [2.5, 2.5, 0, 0, 0, 0])
    np.testing.assert_array_equal(ops.convert_to_numpy(init((2, 3))), [[2.5, 0, 0], [0, 0, 0]])
    assert cells.UpdateGateBias.from_config(init.get_config()).value == 2.5
    with pytest.raises(ValueError, match=r"GRU's bias, \(3 \* units,\)"):
        init((4,))
    with pytest.raises(TypeError, match="value must be a real number"):
        cells.UpdateGateBias("1")


def test_the_lstm_cell_model_has_the_layers_of_the_vanilla_lstm():
    from lstm_companion import models

    training.set_seed(2)
    ours = cells.build_cell_model(N_STEPS, N_FEATURES, cell="lstm", units=UNITS, n_outputs=1)
    training.set_seed(2)
    vanilla = models.build_vanilla_lstm(N_STEPS, N_FEATURES, units=UNITS, n_outputs=1)
    for a, b in zip(ours.get_weights(), vanilla.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cell", list(cells.CELLS))
def test_every_cell_trains_and_round_trips_through_a_keras_file_with_safe_mode(cell, tmp_path):
    training.set_seed(0)
    x, y = data.adding_problem(64, n_steps=N_STEPS, seed=1)
    model = cells.build_cell_model(N_STEPS, 2, cell=cell, units=UNITS, n_outputs=1)
    history = training.compile_and_fit(model, x, y, epochs=2, batch_size=16)
    assert np.all(np.isfinite(history.history["loss"]))
    path = tmp_path / f"{cell}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


@pytest.mark.parametrize("cell", ["lstm", "min_lstm"])
def test_char_model_gives_next_character_probabilities_and_round_trips(cell, tmp_path):
    model = cells.build_char_model(7, units=4, embedding_dim=3, cell=cell)
    assert model.count_params() == 7 * 3 + cells.count_parameters(cell, n_features=3, units=4, n_outputs=7)
    codes = np.random.default_rng(0).integers(0, 7, size=(2, 9)).astype(np.int32)
    probabilities = model.predict(codes, verbose=0)
    assert probabilities.shape == (2, 9, 7)
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-5)
    model.save(tmp_path / "char.keras")
    loaded = keras.saving.load_model(tmp_path / "char.keras", safe_mode=True)
    np.testing.assert_allclose(loaded.predict(codes, verbose=0), probabilities, atol=1e-6)
    fixed = cells.build_char_model(7, units=4, n_steps=9)
    assert fixed.input_shape == (None, 9)


def test_char_model_is_causal():
    """The prediction at a step does not depend on the characters after it: what sampling relies on."""
    model = cells.build_char_model(5, units=4)
    codes = np.random.default_rng(1).integers(0, 5, size=(1, 10)).astype(np.int32)
    changed = codes.copy()
    changed[0, 6:] = (changed[0, 6:] + 1) % 5
    np.testing.assert_allclose(model.predict(codes, verbose=0)[0, :6], model.predict(changed, verbose=0)[0, :6])


def test_unknown_cells_are_refused_by_name():
    with pytest.raises(ValueError, match=r"cell must be one of \['lstm', 'gru'"):
        cells.build_cell_model(4, 2, cell="transformer", units=2, n_outputs=1)
    with pytest.raises(TypeError, match="cell must be a string"):
        cells.recurrent_layer(3, 2)


# --- The cells Keras does not have: NoForgetLSTM and MinLSTM against their NumPy references ---


def perturbed_weights(layer, seed):
    """The layer's weights plus noise, so that biases are not all zero and the comparison means something."""
    rng = np.random.default_rng(seed)
    weights = [w + 0.3 * rng.normal(size=w.shape).astype(np.float32) for w in layer.get_weights()]
    layer.set_weights(weights)
    return weights


@pytest.mark.parametrize("cls", [cells.NoForgetLSTM, cells.MinLSTM])
def test_new_cells_match_their_numpy_references(cls):
    from lstm_companion import scratch

    x = np.random.default_rng(0).normal(size=(4, N_STEPS, N_FEATURES)).astype("float32")
    layer = cls(UNITS, return_sequences=True)
    layer(x)
    weights = perturbed_weights(layer, 1)
    if cls is cells.NoForgetLSTM:
        expected = scratch.no_forget_lstm_forward(x, *weights)[0]
    else:
        expected = scratch.min_lstm_forward(x, *weights)
    sequences = ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(sequences, expected, rtol=1e-5, atol=1e-5)
    last = cls(UNITS)
    last(x)
    last.set_weights(weights)
    np.testing.assert_allclose(ops.convert_to_numpy(last(x)), expected[:, -1], rtol=1e-5, atol=1e-5)


def test_new_cells_have_the_weights_and_parameters_their_docstrings_state():
    no_forget, minimal = cells.NoForgetLSTM(UNITS), cells.MinLSTM(UNITS)
    no_forget.build((None, N_STEPS, N_FEATURES))
    minimal.build((None, N_STEPS, N_FEATURES))
    assert [w.shape for w in no_forget.get_weights()] == [(N_FEATURES, 15), (UNITS, 15), (15,)]
    assert no_forget.count_params() == 3 * ((N_FEATURES + UNITS) * UNITS + UNITS)
    assert [w.shape for w in minimal.get_weights()] == [(N_FEATURES, 15), (15,)]
    assert minimal.count_params() == 3 * (N_FEATURES + 1) * UNITS
    recurrent = no_forget.get_weights()[1]
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(UNITS), atol=1e-5)  # orthogonal, as Keras's LSTM


def test_without_a_forget_gate_the_cell_state_only_adds():
    """c_t = c_{t-1} + i_t g_t: with inputs that keep i g positive, the cell grows with every step."""
    from lstm_companion import scratch

    layer = cells.NoForgetLSTM(2, return_sequences=True)
    layer.build((None, 50, 1))
    kernel = np.zeros((1, 6), np.float32)
    bias = np.array([3.0, 3.0, 1.0, 1.0, 3.0, 3.0], np.float32)  # input gate open, candidate > 0, output open
    layer.set_weights([kernel, np.zeros((2, 6), np.float32), bias])
    _, _, c, states = scratch.no_forget_lstm_forward(np.zeros((1, 50, 1)), *layer.get_weights(), return_cells=True)
    step = 1 / (1 + np.exp(-3.0)) * np.tanh(1.0)
    np.testing.assert_allclose(states[0, :, 0], step * np.arange(1, 51), rtol=1e-6)
    assert np.all(np.diff(states[0, :, 0]) > 0) and c[0, 0] > 35


def test_min_lstm_parallel_scan_agrees_with_the_loop_over_a_long_sequence_and_has_gradients():
    from lstm_companion import scratch

    x = np.random.default_rng(4).normal(size=(2, 1000, 3)).astype(np.float32)
    layer = cells.MinLSTM(4, return_sequences=True)
    layer(x)
    weights = perturbed_weights(layer, 5)
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), scratch.min_lstm_forward(x, *weights), atol=1e-4)
    inputs_ = keras.Input(shape=(None, 3))
    model = keras.Model(inputs_, keras.layers.Dense(1)(cells.MinLSTM(4)(inputs_)))
    history = training.compile_and_fit(model, x, np.ones((2, 1)), epochs=2, batch_size=2)
    assert np.all(np.isfinite(history.history["loss"]))


@pytest.mark.parametrize("cls", [cells.NoForgetLSTM, cells.MinLSTM])
def test_new_cells_round_trip_through_a_keras_file_with_safe_mode(cls, tmp_path):
    inputs_ = keras.Input(shape=(N_STEPS, N_FEATURES))
    model = keras.Model(inputs_, keras.layers.Dense(1)(cls(UNITS, name="cell")(inputs_)))
    perturbed_weights(model.get_layer("cell"), 2)
    path = tmp_path / "cell.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded.get_layer("cell"), cls) and loaded.get_layer("cell").units == UNITS
    x = np.random.default_rng(0).normal(size=(4, N_STEPS, N_FEATURES)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    config = model.get_layer("cell").get_config()
    assert config["units"] == UNITS and config["return_sequences"] is False


@pytest.mark.parametrize("cls", [cells.NoForgetLSTM, cells.MinLSTM])
def test_new_cells_check_their_arguments(cls):
    with pytest.raises(TypeError, match="units must be an integer"):
        cls(2.5)
    with pytest.raises(ValueError, match="units must be an integer >= 1"):
        cls(0)
    with pytest.raises(TypeError, match="return_sequences must be True or False"):
        cls(2, return_sequences="yes")
    with pytest.raises(ValueError, match="name must be a non-empty layer name"):
        cls(2, name="a/b")
