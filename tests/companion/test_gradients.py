"""lstm_companion.gradients against gradients worked out by hand."""

import keras
import numpy as np
import pytest

from lstm_companion import gradients, models


def linear_rnn(n_steps, w=0.5, u=0.8):
    """h_t = w x_t + u h_{t-1}, output h_T: dh_T/dx_t = w * u**(T - t)."""
    inputs = keras.Input(shape=(n_steps, 1))
    rnn = keras.layers.SimpleRNN(1, activation="linear", use_bias=False)
    model = keras.Model(inputs, rnn(inputs))
    rnn.set_weights([np.array([[w]]), np.array([[u]])])
    return model


def test_input_gradients_match_the_linear_rnn_formula():
    n_steps, w, u = 12, 0.5, 0.8
    model = linear_rnn(n_steps, w, u)
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(5, n_steps, 1))
    y = rng.uniform(-1, 1, size=(5, 1))
    h_last = (x[:, :, 0] * w * u ** np.arange(n_steps - 1, -1, -1)).sum(axis=1, keepdims=True)
    # L_i = (h_T - y_i)^2, so dL_i/dx_t = 2 (h_T - y_i) w u^(T - t): not divided by the batch size.
    expected = 2 * (h_last - y) * w * u ** np.arange(n_steps - 1, -1, -1)
    got = gradients.input_gradients(model, x, y, loss="mse")
    assert got.shape == x.shape and got.dtype == np.float32
    np.testing.assert_allclose(got[:, :, 0], expected, rtol=1e-4, atol=1e-6)
    norms = gradients.input_gradient_norms(model, x, y, loss="mse")
    np.testing.assert_allclose(norms, np.abs(expected).mean(axis=0), rtol=1e-4, atol=1e-6)
    # geometric decay towards the first step: each step back multiplies by u
    np.testing.assert_allclose(norms[:-1] / norms[1:], u, rtol=1e-4)


def test_input_gradients_are_per_sample():
    model = models.build_vanilla_lstm(6, 2, units=3, n_outputs=1)
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(4, 6, 2)), rng.normal(size=(4, 1))
    batch = gradients.input_gradients(model, x, y)
    single = gradients.input_gradients(model, x[2:3], y[2:3])
    np.testing.assert_allclose(batch[2:3], single, rtol=1e-5, atol=1e-7)


def test_weight_gradient_norms_match_the_dense_formula():
    inputs = keras.Input(shape=(3,))
    dense = keras.layers.Dense(1, name="dense")
    model = keras.Model(inputs, dense(inputs))
    a, b = np.array([[0.3], [-0.2], [0.5]]), np.array([0.1])
    dense.set_weights([a, b])
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 1))
    error = x @ a + b - y  # mean loss (1/N) sum error^2
    expected = {"dense/kernel": np.linalg.norm(2 * x.T @ error / len(x)), "dense/bias": abs(2 * error.mean())}
    got = gradients.weight_gradient_norms(model, x, y, loss="mse")
    assert list(got) == ["dense/kernel", "dense/bias"]
    for path, value in expected.items():
        assert got[path] == pytest.approx(value, rel=1e-4)


def test_loss_may_be_a_name_or_a_callable():
    model = models.build_simple_rnn(4, 1, units=2, n_outputs=1, output_activation="sigmoid")
    x, y = np.random.default_rng(3).normal(size=(3, 4, 1)), np.array([[0.0], [1.0], [1.0]])
    by_name = gradients.input_gradients(model, x, y, loss="binary_crossentropy")
    by_callable = gradients.input_gradients(model, x, y, loss=keras.losses.binary_crossentropy)
    np.testing.assert_allclose(by_name, by_callable, rtol=1e-6)
    doubled = gradients.input_gradients(model, x, y, loss=lambda t, p: 2 * keras.losses.binary_crossentropy(t, p))
    np.testing.assert_allclose(doubled, 2 * by_name, rtol=1e-5)


@pytest.mark.parametrize("function", [gradients.input_gradients, gradients.input_gradient_norms, gradients.weight_gradient_norms])
@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        (("not a model", np.zeros((2, 5, 1)), np.zeros((2, 1))), {}, TypeError, "model"),
        ((None, np.zeros((2, 4, 1)), np.zeros((2, 1))), {}, ValueError, "per-sample shape"),
        ((None, np.zeros((2, 5, 2)), np.zeros((2, 1))), {}, ValueError, "per-sample shape"),
        ((None, np.zeros((2, 5, 1)), np.zeros((3, 1))), {}, ValueError, "same number of samples"),
        ((None, np.full((2, 5, 1), np.nan), np.zeros((2, 1))), {}, ValueError, "x must contain only finite"),
        ((None, np.zeros((2, 5, 1)), np.zeros((2, 1))), {"loss": "squared_wrongness"}, ValueError, "loss"),
        ((None, np.zeros((2, 5, 1)), np.zeros((2, 1))), {"loss": 3}, TypeError, "loss"),
    ],
)
def test_bad_arguments_name_the_parameter(function, args, kwargs, error, match):
    model = models.build_simple_rnn(5, 1, units=2, n_outputs=1)
    args = tuple(model if a is None else a for a in args)
    with pytest.raises(error, match=match):
        function(*args, **kwargs)
