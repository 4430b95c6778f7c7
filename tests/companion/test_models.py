"""lstm_companion.models: the LSTM builders, and build_sequence_model dispatching to them."""

import warnings
from pathlib import Path

from lstm_companion import baselines, data, models, training

import keras
import numpy as np
import pytest


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


# build_sequence_model builds each kind with the named builder for its layout: same layers, same seeded weights.
DISPATCH = {
    "one_to_one": lambda: baselines.build_mlp(3, 2, hidden_units=16, name="one_to_one"),
    "many_to_one": lambda: models.build_vanilla_lstm(5, 3, units=16, n_outputs=2),
    "sequence_generation": lambda: models.build_vanilla_lstm(5, 3, units=16, n_outputs=3),
    "sequence_classification": lambda: models.build_vanilla_lstm(
        5, 3, units=16, n_outputs=4, output_activation="softmax"
    ),
    "many_to_many": lambda: models.build_encoder_decoder_lstm(5, 3, 4, 2, units=16, output_activation=None),
}
SHAPES = {
    "one_to_one": ((3,), (2,)),
    "many_to_one": ((5, 3), (2,)),
    "sequence_generation": ((5, 3), (3,)),
    "sequence_classification": ((5, 3), (4,)),
    "many_to_many": ((5, 3), (4, 2)),
}


def without_names(config):
    """A layer configuration without the layer names Keras numbers automatically."""
    if isinstance(config, dict):
        return {key: without_names(value) for key, value in config.items() if key != "name"}
    return config


@pytest.mark.parametrize("kind", DISPATCH)
def test_sequence_model_is_the_named_builders_model(kind):
    input_shape, output_shape = SHAPES[kind]
    training.set_seed(2)
    generic = models.build_sequence_model(kind, input_shape=input_shape, output_shape=output_shape)
    training.set_seed(2)
    named = DISPATCH[kind]()
    assert generic.name == kind
    assert [type(layer).__name__ for layer in generic.layers] == [type(layer).__name__ for layer in named.layers]
    assert [layer.name for layer in generic.layers] == [layer.name for layer in named.layers]
    assert without_names(generic.get_layer("output").get_config()) == without_names(
        named.get_layer("output").get_config()
    )
    for a, b in zip(generic.get_weights(), named.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", models.SEQUENCE_MODEL_KINDS)
def test_a_sequence_model_has_one_input_and_one_output_not_lists_of_one(kind):
    # With lists of one, a model built on model.input (lstm_cell reads a layer's output that way)
    # warned on every call that the structure of its inputs did not match.
    input_shape, output_shape = {**SHAPES, "one_to_many": ((3,), (4, 2))}[kind]
    model = models.build_sequence_model(kind, input_shape=input_shape, output_shape=output_shape)
    assert not isinstance(model.input, list) and not isinstance(model.output, list)
    inner = keras.Model(model.input, model.layers[-2].output)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        inner(np.zeros((2, *input_shape), np.float32))


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
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, c) for a, c in zip(first, third, strict=True))


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
    bias = (
        models.build_vanilla_lstm(5, 2, units=units, n_outputs=1, forget_bias=forget_bias)
        .get_layer("lstm")
        .get_weights()[2]
    )
    expected = np.zeros(4 * units)
    expected[units : 2 * units] = forget_bias  # Keras's gate order: input, forget, candidate, output
    np.testing.assert_array_equal(bias, expected)


def test_vanilla_lstm_save_load_round_trip(tmp_path):
    model = models.build_vanilla_lstm(6, 3, units=4, n_outputs=2, forget_bias=2.5)
    x = np.random.default_rng(0).normal(size=(5, 6, 3)).astype(np.float32)
    model.save(tmp_path / "vanilla.keras")
    restored = keras.saving.load_model(tmp_path / "vanilla.keras")
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6, atol=1e-6)


# Bad single arguments are generated by test_contract.py; these are shapes and arguments that must agree.
@pytest.mark.parametrize(
    "call, error, name",
    [
        (
            lambda: models.build_sequence_model("many_to_one", input_shape=(3,), output_shape=(1,)),
            ValueError,
            "input_shape",
        ),
        (
            lambda: models.build_sequence_model("many_to_one", input_shape=(3, 0), output_shape=(1,)),
            ValueError,
            "input_shape",
        ),
        (
            lambda: models.build_sequence_model("many_to_one", input_shape=3, output_shape=(1,)),
            TypeError,
            "input_shape",
        ),
        (
            lambda: models.build_sequence_model("one_to_many", input_shape=(1,), output_shape=(4,)),
            ValueError,
            "output_shape",
        ),
        (
            lambda: models.build_sequence_model("sequence_generation", input_shape=(3, 2), output_shape=(1,)),
            ValueError,
            "output_shape",
        ),
        (lambda: models.build_cnn_lstm(4, 8, 8, 1, kernel_size=9, n_outputs=2), ValueError, "kernel_size"),
        (lambda: models.build_cnn_lstm(4, 3, 3, 1, kernel_size=3, n_outputs=2), ValueError, "too small"),
    ],
)
def test_bad_shapes_name_the_parameter(call, error, name):
    with pytest.raises(error, match=name):
        call()


def test_help_starts_with_which_builder_suits_which_problem_and_stays_short():
    import pydoc

    text = pydoc.render_doc(models, renderer=pydoc.plaintext)
    description = text.split("FUNCTIONS")[0]
    problems = ("one to one", "many to one", "many to many", "sequence to sequence", "image sequence", "generation")
    for problem in problems:
        assert problem in description, problem
    assert "CLASSES" not in text  # no Keras layer documentation inherited into help(models)
    assert len(text.splitlines()) < 300


def test_encoder_decoder_output_is_linear_unless_softmax_is_asked_for():
    # The old default, a softmax, predicted exactly 1.0 everywhere for one output feature.
    x = np.random.default_rng(0).normal(size=(4, 5, 1)).astype(np.float32)
    values = models.build_encoder_decoder_lstm(5, 1, 3, 1, units=4)
    assert values.get_layer("output").layer.activation.__name__ == "linear"
    assert not np.allclose(values.predict(x, verbose=0), 1.0)
    symbols = models.build_encoder_decoder_lstm(5, 1, 3, 4, units=4, output_activation="softmax")
    np.testing.assert_allclose(symbols.predict(x, verbose=0).sum(axis=-1), 1.0, rtol=1e-5)


# A softmax over a single unit predicts 1.0 whatever the input: every builder refuses it.
ONE_UNIT_SOFTMAX = {
    "encoder_decoder": lambda a: models.build_encoder_decoder_lstm(5, 2, 3, 1, units=4, output_activation=a),
    "vanilla": lambda a: models.build_vanilla_lstm(5, 2, units=4, n_outputs=1, output_activation=a),
    "stacked": lambda a: models.build_stacked_lstm(5, 2, units=4, n_outputs=1, output_activation=a),
    "cnn": lambda a: models.build_cnn_lstm(3, 8, 8, 1, n_outputs=1, output_activation=a),
    "bidirectional": lambda a: models.build_bidirectional_lstm(5, 2, units=4, n_outputs=1, output_activation=a),
    "window_mlp": lambda a: baselines.build_window_mlp(5, 2, window=2, n_outputs=1, output_activation=a),
    "simple_rnn": lambda a: baselines.build_simple_rnn(5, 2, units=4, n_outputs=1, output_activation=a),
    "attention": lambda a: baselines.build_attention_reader(5, 2, key_dim=2, n_outputs=1, output_activation=a),
}


@pytest.mark.parametrize("builder", ONE_UNIT_SOFTMAX)
@pytest.mark.parametrize("activation", ["softmax", "log_softmax"])
def test_a_softmax_over_one_output_unit_is_refused(builder, activation):
    with pytest.raises(ValueError, match=rf"output_activation='{activation}' over a single output unit.*=1\)"):
        ONE_UNIT_SOFTMAX[builder](activation)
    ONE_UNIT_SOFTMAX[builder]("sigmoid")


def test_cnn_lstm_keeps_its_softmax_default_for_several_classes_and_says_what_to_use_for_one():
    assert models.build_cnn_lstm(3, 8, 8, 1, n_outputs=2).get_layer("output").activation.__name__ == "softmax"
    with pytest.raises(ValueError, match="use 'sigmoid' for a 0/1 label or None for a value"):
        models.build_cnn_lstm(3, 8, 8, 1, n_outputs=1)


@pytest.mark.parametrize("direction", models.LSTM_DIRECTIONS)
def test_bidirectional_lstm_gives_one_label_per_sequence_with_return_sequences_false(direction, tmp_path):
    x, y = data.sum_sign(64, n_steps=6, seed=0)  # one 0/1 label per sequence, shape (64, 1)
    training.set_seed(0)
    model = models.build_bidirectional_lstm(6, 1, units=3, direction=direction, return_sequences=False)
    assert model.output_shape == (None, 1)
    n_lstms = 2 if direction == "bidirectional" else 1
    assert model.count_params() == n_lstms * lstm_params(1, 3) + dense_params(n_lstms * 3, 1)
    history = training.compile_and_fit(model, x, y, loss="binary_crossentropy", epochs=2, batch_size=16)
    assert np.all(np.isfinite(history.history["loss"]))
    model.save(tmp_path / "sequence_label.keras")
    restored = keras.saving.load_model(tmp_path / "sequence_label.keras")
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6, atol=1e-6)
