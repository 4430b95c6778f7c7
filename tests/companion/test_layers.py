"""lstm_companion.layers: FusedLSTM computes what keras.layers.LSTM computes; the other custom layers."""

from lstm_companion import data, layers, models, training

import keras
import numpy as np
import pytest
from keras import ops

BACKEND = keras.backend.backend()
N_STEPS, N_FEATURES, UNITS, BATCH = 9, 3, 5, 4

CONFIGURATIONS = {
    "last state": dict(),
    "sequences": dict(return_sequences=True),
    "backwards": dict(return_sequences=True, go_backwards=True),
    "states": dict(return_state=True),
    "sequences and states": dict(return_sequences=True, return_state=True),
    "no bias": dict(return_sequences=True, use_bias=False),
    "random bias": dict(return_sequences=True, bias_initializer="random_normal"),
}


def twins(**kwargs):
    """A stock and a fused layer built from the same seed, and a check that they start with equal weights."""
    built = []
    for cls in (keras.layers.LSTM, layers.FusedLSTM):
        keras.utils.set_random_seed(3)
        layer = cls(UNITS, **kwargs)
        layer.build((None, N_STEPS, N_FEATURES))
        built.append(layer)
    stock, fused = built
    for a, b in zip(stock.weights, fused.weights, strict=True):
        np.testing.assert_array_equal(ops.convert_to_numpy(a), ops.convert_to_numpy(b))
    return stock, fused


def inputs(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(BATCH, N_STEPS, N_FEATURES)).astype("float32")
    h0, c0 = rng.normal(size=(2, BATCH, UNITS)).astype("float32")
    return x, h0, c0


def as_list(outputs):
    return [ops.convert_to_numpy(o) for o in (outputs if isinstance(outputs, (list, tuple)) else [outputs])]


@pytest.mark.parametrize("name", CONFIGURATIONS)
def test_outputs_and_states_equal_the_stock_layer(name):
    stock, fused = twins(**CONFIGURATIONS[name])
    x, h0, c0 = inputs()
    for kwargs in (dict(), dict(initial_state=[h0, c0])):
        expected, got = as_list(stock(x, **kwargs)), as_list(fused(x, **kwargs))
        assert len(expected) == len(got)
        for e, g in zip(expected, got, strict=True):
            assert e.shape == g.shape
            np.testing.assert_allclose(g, e, atol=2e-6, rtol=1e-5)


@pytest.mark.parametrize("name", CONFIGURATIONS)
def test_training_and_inference_paths_compute_the_same_outputs(name):
    _, fused = twins(**CONFIGURATIONS[name])
    x, h0, c0 = inputs()
    trained = as_list(fused(x, initial_state=[h0, c0], training=True))
    inferred = as_list(fused(x, initial_state=[h0, c0], training=False))
    for t, i in zip(trained, inferred, strict=True):
        np.testing.assert_allclose(i, t, atol=1e-6, rtol=1e-6)


def test_the_fused_path_is_taken_exactly_on_the_fused_backends():
    layer = layers.FusedLSTM(UNITS)
    assert layer.uses_fused_path() is (keras.backend.backend() in layers.FUSED_BACKENDS)
    assert layers.FUSED_BACKENDS == ("jax", "torch")


@pytest.mark.skipif(BACKEND != "torch", reason="PyTorch's own LSTM kernel, on the torch backend")
def test_on_torch_the_fused_path_is_pytorchs_own_lstm(monkeypatch):
    import torch

    calls = []
    kernel = torch.lstm
    monkeypatch.setattr(torch, "lstm", lambda *args: calls.append(args) or kernel(*args))
    _, fused = twins(return_sequences=True)
    x, _, _ = inputs()
    fused(x)
    assert len(calls) == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(dropout=0.1),
        dict(recurrent_dropout=0.1),
        dict(unroll=True),
        dict(activation="relu"),
        dict(recurrent_activation="hard_sigmoid"),
    ],
)
def test_configurations_it_does_not_fuse_fall_back_to_the_stock_computation(kwargs):
    stock, fused = twins(return_sequences=True, **kwargs)
    assert not fused.uses_fused_path()
    x, _, _ = inputs()
    np.testing.assert_allclose(as_list(fused(x))[0], as_list(stock(x))[0], atol=1e-6)


def test_a_mask_falls_back_to_the_stock_computation():
    stock, fused = twins(return_sequences=True)
    assert not fused.uses_fused_path(mask=np.ones((BATCH, N_STEPS), dtype=bool))
    x, _, _ = inputs()
    mask = np.ones((BATCH, N_STEPS), dtype=bool)
    mask[:, -3:] = False  # padded steps keep the previous state
    expected, got = stock(x, mask=mask), fused(x, mask=mask)
    np.testing.assert_allclose(ops.convert_to_numpy(got), ops.convert_to_numpy(expected), atol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(got)[:, -1], ops.convert_to_numpy(got)[:, -4], atol=1e-7)


def _loss(outputs):
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return sum(ops.sum(ops.sin(output * (k + 1))) for k, output in enumerate(outputs))


def _loss_and_gradients(layer, x, h0, c0, training=True):
    """Gradients of a loss that reads every output (sequences and both final states), by the backend's autodiff."""
    if BACKEND == "torch":
        import torch

        x, h0, c0 = (torch.tensor(a, requires_grad=True) for a in (x, h0, c0))
        loss = _loss(layer(x, initial_state=[h0, c0], training=training))
        weights = [v.value for v in layer.trainable_variables]
        *w, dx, dh0, dc0 = torch.autograd.grad(loss, [*weights, x, h0, c0])
        return loss.detach().numpy(), ([g.numpy() for g in w], dx.numpy(), dh0.numpy(), dc0.numpy())
    import jax

    def loss(trainable, x, h0, c0):
        outputs, _ = layer.stateless_call(
            trainable, [v.value for v in layer.non_trainable_variables], x, initial_state=[h0, c0], training=training
        )
        return _loss(outputs)

    return jax.value_and_grad(loss, argnums=(0, 1, 2, 3))([v.value for v in layer.trainable_variables], x, h0, c0)


@pytest.mark.skipif(BACKEND not in layers.FUSED_BACKENDS, reason="the fused path runs on JAX and torch")
@pytest.mark.parametrize("training", [True, False], ids=["training: custom gradient", "inference: autodiff"])
@pytest.mark.parametrize("name", CONFIGURATIONS)
def test_gradients_equal_the_stock_layer_for_weights_inputs_and_initial_states(name, training):
    stock, fused = twins(**CONFIGURATIONS[name])
    assert fused.uses_fused_path()
    x, h0, c0 = inputs(seed=1)
    expected_loss, expected = _loss_and_gradients(stock, x, h0, c0, training)
    got_loss, got = _loss_and_gradients(fused, x, h0, c0, training)
    np.testing.assert_allclose(float(got_loss), float(expected_loss), rtol=1e-5)
    (w_expected, *rest_expected), (w_got, *rest_got) = expected, got
    for e, g, what in zip(
        [*w_expected, *rest_expected],
        [*w_got, *rest_got],
        [*(v.name for v in fused.trainable_variables), "x", "h0", "c0"],  # no bias without use_bias
        strict=True,
    ):
        e, g = np.asarray(e), np.asarray(g)
        assert np.abs(e).max() > 1e-3, f"{what}: the loss must depend on it for the check to mean anything"
        np.testing.assert_allclose(g, e, atol=1e-5 * np.abs(e).max(), err_msg=what)


def test_bidirectional_wrapper_gives_the_stock_result():
    x, _, _ = inputs()
    results = []
    for cls in (keras.layers.LSTM, layers.FusedLSTM):
        keras.utils.set_random_seed(5)
        wrapper = keras.layers.Bidirectional(cls(UNITS, return_sequences=True))
        results.append(ops.convert_to_numpy(wrapper(x)))
    assert isinstance(wrapper.backward_layer, layers.FusedLSTM) and wrapper.backward_layer.go_backwards
    np.testing.assert_allclose(results[1], results[0], atol=2e-6)


def test_a_stateful_layer_continues_where_it_stopped():
    x, _, _ = inputs()
    whole = layers.FusedLSTM(UNITS, return_sequences=True)
    whole.build((BATCH, N_STEPS, N_FEATURES))
    stateful = layers.FusedLSTM(UNITS, return_sequences=True, stateful=True)
    stateful.build((BATCH, N_STEPS, N_FEATURES))
    stateful.set_weights(whole.get_weights())
    halves = [stateful(x[:, :4]), stateful(x[:, 4:])]
    np.testing.assert_allclose(
        np.concatenate([ops.convert_to_numpy(h) for h in halves], axis=1), ops.convert_to_numpy(whole(x)), atol=2e-6
    )


def test_training_follows_the_stock_layer():
    x, y = data.sequence_mean(256, n_steps=20, seed=0)
    histories = []
    for cls in (keras.layers.LSTM, layers.FusedLSTM):
        training.set_seed(0)
        inputs_ = keras.Input((20, 1))
        hidden = cls(16, return_sequences=True)(inputs_)
        model = keras.Model(inputs_, keras.layers.Dense(1)(cls(16)(hidden)))
        histories.append(training.compile_and_fit(model, x, y, epochs=3, batch_size=32, learning_rate=3e-3).history)
    stock, fused = histories
    assert fused["loss"][-1] < 0.5 * fused["loss"][0]  # it learns
    np.testing.assert_allclose(fused["loss"], stock["loss"], rtol=1e-3)


def test_the_builders_use_it_and_a_saved_model_loads_back(tmp_path):
    model = models.build_stacked_lstm(n_steps=N_STEPS, n_features=N_FEATURES, units=UNITS, n_outputs=1)
    assert all(isinstance(model.get_layer(f"lstm_{k}"), layers.FusedLSTM) for k in (1, 2))
    x, _, _ = inputs()
    path = tmp_path / "stacked.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.get_layer("lstm_1"), layers.FusedLSTM)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    config = model.get_layer("lstm_1").get_config()
    assert config["units"] == UNITS and config["return_sequences"] is True


def test_time_distributed_applies_the_layer_to_every_step_of_sequences_of_any_length():
    # Keras's TimeDistributed returned (batch, batch, ...) on TensorFlow for inputs of unknown length
    dense = keras.layers.Dense(3)
    inputs = keras.Input(shape=(None, 2))
    model = keras.Model(inputs, layers.TimeDistributedAnyLength(dense)(inputs))
    rng = np.random.default_rng(0)
    for steps in (1, 5, 9, 2):
        x = rng.normal(size=(4, steps, 2)).astype(np.float32)
        expected = x @ np.asarray(dense.kernel) + np.asarray(dense.bias)
        np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_time_distributed_any_length_keeps_keras_behaviour_for_a_known_length():
    dense = keras.layers.Dense(3)
    x = np.random.default_rng(1).normal(size=(2, 4, 2)).astype(np.float32)
    ours = ops.convert_to_numpy(layers.TimeDistributedAnyLength(dense)(x))
    np.testing.assert_allclose(ours, ops.convert_to_numpy(keras.layers.TimeDistributed(dense)(x)), atol=1e-6)


def test_reverse_steps_flips_the_time_axis_only():
    x = np.arange(12.0, dtype=np.float32).reshape(2, 3, 2)
    np.testing.assert_array_equal(ops.convert_to_numpy(layers.ReverseSteps()(x)), x[:, ::-1])


def test_last_step_attention_weights_and_output():
    layer = layers.LastStepAttention(4)
    x = np.random.default_rng(2).normal(size=(3, 5, 6)).astype(np.float32)
    out = ops.convert_to_numpy(layer(x))
    assert out.shape == (3, 4) and [w.shape for w in layer.get_weights()] == [(6, 4)] * 3
    query, key, value = layer.get_weights()
    scores = np.einsum("btk,bk->bt", x @ key, x[:, -1] @ query) / 2.0  # sqrt(key_dim) = 2
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(out, np.einsum("bt,btk->bk", weights, x @ value), rtol=1e-4, atol=1e-5)
    assert layers.LastStepAttention.from_config(layer.get_config()).key_dim == 4


@pytest.mark.parametrize(
    "make",
    [
        lambda name: layers.FusedLSTM(2, name=name),
        lambda name: layers.LastStepAttention(2, name=name),
        lambda name: layers.TimeDistributedAnyLength(keras.layers.Dense(1), name=name),
        lambda name: layers.ReverseSteps(name=name),
    ],
)
def test_layer_names_are_checked_by_the_package(make):
    with pytest.raises(TypeError, match=r"name must be a layer name \(str\) or None, got 3"):
        make(3)
    with pytest.raises(ValueError, match=r"name must be a non-empty layer name without '/', got 'a/b'"):
        make("a/b")
    assert make("fine").name == "fine"
