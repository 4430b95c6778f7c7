import keras
import numpy as np
from pathlib import Path
import pytest

from lstm_companion import data, models, training


def lstm_params(n_features, units):
    """The LSTM formula: four gates, each (n_features + units) x units weights plus units biases."""
    return 4 * ((n_features + units) * units + units)


def dense_params(n_in, n_out):
    return (n_in + 1) * n_out


def built(kind, units=16):
    x, y = data.SEQUENCE_PROBLEMS[kind](4, seed=0)
    return models.build_sequence_model(kind, input_shape=x.shape[1:], output_shape=y.shape[1:], units=units), x, y


# Parameter counts by hand, for the default problem sizes and 16 units.
EXPECTED_PARAMS = {
    "one_to_one": dense_params(1, 16) + dense_params(16, 1),
    "many_to_one": lstm_params(1, 16) + dense_params(16, 1),
    "one_to_many": dense_params(1, 16) + lstm_params(16, 16) + dense_params(16, 1),
    "many_to_many": lstm_params(1, 16) + lstm_params(16, 16) + dense_params(16, 1),
    "sequence_classification": lstm_params(1, 16) + dense_params(16, 1),
    "sequence_generation": lstm_params(1, 16) + dense_params(16, 1),
}


@pytest.mark.parametrize("kind", EXPECTED_PARAMS)
def test_output_shape_and_parameter_count(kind):
    model, x, y = built(kind)
    assert isinstance(model, keras.Model)
    assert not model.compiled  # returned uncompiled
    assert model.count_params() == EXPECTED_PARAMS[kind]
    assert model.predict(x, verbose=0).shape == y.shape


def test_many_to_one_parameter_count_is_1169():
    # 4 * ((1 + 16) * 16 + 16) = 1152 for the LSTM, 17 for the Dense output.
    assert built("many_to_one")[0].count_params() == 1169


def test_classification_output_activation():
    model = models.build_sequence_model("sequence_classification", input_shape=(5, 2), output_shape=(1,))
    assert model.get_layer("output").activation.__name__ == "sigmoid"
    model = models.build_sequence_model("sequence_classification", input_shape=(5, 2), output_shape=(3,))
    assert model.get_layer("output").activation.__name__ == "softmax"
    probabilities = model.predict(np.zeros((2, 5, 2)), verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_build_mlp_layers_and_parameters():
    model = models.build_mlp(3, 2, hidden_units=8, n_hidden_layers=2)
    assert model.count_params() == dense_params(3, 8) + dense_params(8, 8) + dense_params(8, 2)
    assert model.predict(np.zeros((5, 3)), verbose=0).shape == (5, 2)


@pytest.mark.parametrize("kind", EXPECTED_PARAMS)
def test_keras_save_load_round_trip(kind, tmp_path):
    model, x, _ = built(kind, units=4)
    path = tmp_path / f"{kind}.keras"
    model.save(path)
    restored = keras.saving.load_model(path)  # safe_mode stays on
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6, atol=1e-6)


def test_nothing_turns_keras_safe_mode_off():
    # every builder round-trips through a .keras file with safe_mode on (the tests above), so no
    # code of the course needs, or may use, the switches that allow arbitrary code on loading
    repo_root = Path(__file__).resolve().parents[2]
    sources = [*(repo_root / "companion" / "src").rglob("*.py"), *(repo_root / "book").glob("*.ipynb")]
    assert len(sources) >= 10
    for path in sources:
        text = path.read_text()
        for unsafe in ("safe_mode=False", "enable_unsafe_deserialization", "keras.layers.Lambda", "layers.Lambda("):
            assert unsafe not in text, f"{path.name} uses {unsafe}"


def test_same_seed_same_initial_weights():
    training.set_seed(11)
    first = built("many_to_many")[0].get_weights()
    training.set_seed(11)
    second = built("many_to_many")[0].get_weights()
    training.set_seed(12)
    third = built("many_to_many")[0].get_weights()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, c) for a, c in zip(first, third))


def test_generate_sequence_feeds_predictions_back():
    # A "model" that predicts the last value plus one: generation must count upwards.
    inputs = keras.Input(shape=(3, 1))
    outputs = keras.layers.Lambda(lambda t: t[:, -1, :] + 1.0)(inputs)
    counter = keras.Model(inputs, outputs)
    generated = models.generate_sequence(counter, np.array([[0.0], [1.0], [2.0]]), n_steps=4)
    np.testing.assert_allclose(generated[:, 0], [3.0, 4.0, 5.0, 6.0])
    batch = models.generate_sequence(counter, np.zeros((2, 3, 1)), n_steps=2)
    assert batch.shape == (2, 2, 1)


@pytest.mark.parametrize(
    "call, error, name",
    [
        (lambda: models.build_sequence_model("many_to_few", input_shape=(3, 1), output_shape=(1,)), ValueError, "kind"),
        (lambda: models.build_sequence_model(3, input_shape=(3, 1), output_shape=(1,)), TypeError, "kind"),
        (lambda: models.build_sequence_model("many_to_one", input_shape=(3,), output_shape=(1,)), ValueError, "input_shape"),
        (lambda: models.build_sequence_model("many_to_one", input_shape=(3, 0), output_shape=(1,)), ValueError, "input_shape"),
        (lambda: models.build_sequence_model("many_to_one", input_shape=3, output_shape=(1,)), TypeError, "input_shape"),
        (lambda: models.build_sequence_model("one_to_many", input_shape=(1,), output_shape=(4,)), ValueError, "output_shape"),
        (lambda: models.build_sequence_model("many_to_one", input_shape=(3, 1), output_shape=(1,), units=0), ValueError, "units"),
        (lambda: models.build_sequence_model("many_to_one", input_shape=(3, 1), output_shape=(1,), units=2.0), TypeError, "units"),
        (lambda: models.build_sequence_model("sequence_generation", input_shape=(3, 2), output_shape=(1,)), ValueError, "output_shape"),
        (lambda: models.build_mlp(0, 1), ValueError, "n_inputs"),
        (lambda: models.build_mlp(1, -1), ValueError, "n_outputs"),
        (lambda: models.build_mlp(1, 1, hidden_units=None), TypeError, "hidden_units"),
        (lambda: models.build_mlp(1, 1, n_hidden_layers=0), ValueError, "n_hidden_layers"),
        (lambda: models.build_mlp(1, 1, activation="sigmoidal"), ValueError, "activation"),
        (lambda: models.build_mlp(1, 1, activation=3), TypeError, "activation"),
    ],
)
def test_bad_builder_arguments_name_the_parameter(call, error, name):
    with pytest.raises(error, match=name):
        call()


def test_bad_generate_sequence_arguments_name_the_parameter():
    model = built("sequence_generation", units=2)[0]
    with pytest.raises(TypeError, match="model"):
        models.generate_sequence("not a model", np.zeros((16, 1)), n_steps=2)
    with pytest.raises(ValueError, match="n_steps"):
        models.generate_sequence(model, np.zeros((16, 1)), n_steps=0)
    with pytest.raises(ValueError, match="context"):
        models.generate_sequence(model, np.zeros((15, 1)), n_steps=2)
    with pytest.raises(ValueError, match="context"):
        models.generate_sequence(model, np.full((16, 1), np.nan), n_steps=2)
    with pytest.raises(ValueError, match="context"):
        models.generate_sequence(model, np.zeros(16), n_steps=2)


def test_window_mlp_sees_only_the_last_window_steps():
    model = models.build_window_mlp(12, 10, window=5, n_outputs=10, output_activation="softmax")
    assert model.count_params() == (5 * 10 + 1) * 32 + (32 + 1) * 10
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 12, 10)).astype(np.float32)
    changed = x.copy()
    changed[:, :7] = rng.normal(size=(4, 7, 10))  # only steps outside the window change
    np.testing.assert_allclose(model.predict(x, verbose=0), model.predict(changed, verbose=0), rtol=1e-6)
    changed[:, -1] += 1.0  # a step inside the window changes the output
    assert not np.allclose(model.predict(x, verbose=0), model.predict(changed, verbose=0))
    np.testing.assert_allclose(model.predict(x, verbose=0).sum(axis=1), 1.0, rtol=1e-5)


def test_simple_rnn_parameters_follow_the_formula():
    model = models.build_simple_rnn(12, 10, units=32, n_outputs=10)
    assert model.count_params() == (10 + 32) * 32 + 32 + (32 + 1) * 10
    assert not model.compiled
    assert model.predict(np.zeros((3, 12, 10)), verbose=0).shape == (3, 10)


@pytest.mark.parametrize(
    "call, error, name",
    [
        (lambda: models.build_window_mlp(5, 2, window=6, n_outputs=1), ValueError, "window"),
        (lambda: models.build_window_mlp(5, 2, window=0, n_outputs=1), ValueError, "window"),
        (lambda: models.build_window_mlp(5, 2, window=2, n_outputs=1, output_activation="softmaxx"), ValueError, "output_activation"),
        (lambda: models.build_window_mlp(0, 2, window=1, n_outputs=1), ValueError, "n_steps"),
        (lambda: models.build_simple_rnn(5, 2, units=-1, n_outputs=1), ValueError, "units"),
        (lambda: models.build_simple_rnn(5, 2.0, units=3, n_outputs=1), TypeError, "n_features"),
        (lambda: models.build_simple_rnn(5, 2, units=3, n_outputs=1, output_activation=1), TypeError, "output_activation"),
    ],
)
def test_bad_rnn_and_window_arguments_name_the_parameter(call, error, name):
    with pytest.raises(error, match=name):
        call()


def test_vanilla_lstm_parameters_follow_the_lstm_formula():
    model = models.build_vanilla_lstm(12, 10, units=25, n_outputs=10, output_activation="softmax")
    assert model.count_params() == 4 * ((10 + 25) * 25 + 25) + (25 + 1) * 10
    assert not model.compiled
    assert isinstance(model.layers[0], keras.layers.InputLayer)
    probabilities = model.predict(np.zeros((3, 12, 10)), verbose=0)
    assert probabilities.shape == (3, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("forget_bias", [1.0, 3.0, -2.0])
def test_vanilla_lstm_forget_bias_sets_only_the_forget_block(forget_bias):
    units = 4
    bias = models.build_vanilla_lstm(5, 2, units=units, n_outputs=1, forget_bias=forget_bias).get_layer("lstm").get_weights()[2]
    expected = np.zeros(4 * units)
    expected[units : 2 * units] = forget_bias  # Keras's gate order: input, forget, candidate, output
    np.testing.assert_array_equal(bias, expected)


def test_vanilla_lstm_save_load_round_trip(tmp_path):
    model = models.build_vanilla_lstm(6, 3, units=4, n_outputs=2, forget_bias=2.5)
    x = np.random.default_rng(0).normal(size=(5, 6, 3)).astype(np.float32)
    model.save(tmp_path / "vanilla.keras")
    restored = keras.saving.load_model(tmp_path / "vanilla.keras")
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("gain", [0.5, 1.0, 1.5])
def test_simple_rnn_recurrent_gain_scales_an_orthogonal_matrix(gain):
    model = models.build_simple_rnn(5, 2, units=6, n_outputs=1, activation="relu", recurrent_gain=gain)
    layer = model.get_layer("simple_rnn")
    recurrent = layer.get_weights()[1]
    np.testing.assert_allclose(np.linalg.svd(recurrent, compute_uv=False), gain, rtol=1e-5)
    assert layer.activation.__name__ == "relu"


@pytest.mark.parametrize(
    "call, error, name",
    [
        (lambda: models.build_vanilla_lstm(5, 2, units=0, n_outputs=1), ValueError, "units"),
        (lambda: models.build_vanilla_lstm(5, 2, units=3, n_outputs=True), TypeError, "n_outputs"),
        (lambda: models.build_vanilla_lstm(5, 2, units=3, n_outputs=1, forget_bias=float("nan")), ValueError, "forget_bias"),
        (lambda: models.build_vanilla_lstm(5, 2, units=3, n_outputs=1, forget_bias="3"), TypeError, "forget_bias"),
        (lambda: models.build_simple_rnn(5, 2, units=3, n_outputs=1, recurrent_gain=0.0), ValueError, "recurrent_gain"),
        (lambda: models.build_simple_rnn(5, 2, units=3, n_outputs=1, activation="tanhh"), ValueError, "activation"),
        (lambda: models.build_simple_rnn(5, 2, units=3, n_outputs=1, activation=None), TypeError, "activation"),
    ],
)
def test_bad_vanilla_lstm_and_rnn_options_name_the_parameter(call, error, name):
    with pytest.raises(error, match=name):
        call()
