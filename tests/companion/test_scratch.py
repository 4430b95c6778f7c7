"""lstm_companion.scratch: the NumPy reference implementations against Keras's layers."""

from lstm_companion import scratch

import keras
import numpy as np
import pytest


@pytest.mark.parametrize(
    "batch, n_steps, n_features, units, activation",
    [(1, 1, 1, 1, "tanh"), (3, 7, 2, 5, "tanh"), (4, 12, 3, 8, "relu"), (2, 5, 4, 3, "linear"), (5, 20, 1, 16, "tanh")],
)
def test_forward_matches_keras_simple_rnn(batch, n_steps, n_features, units, activation):
    rng = np.random.default_rng(batch * 100 + units)
    x = rng.normal(size=(batch, n_steps, n_features)).astype(np.float32)
    layer = keras.layers.SimpleRNN(
        units, activation=activation, return_sequences=True, bias_initializer="random_normal"
    )
    expected = keras.ops.convert_to_numpy(layer(x))
    kernel, recurrent_kernel, bias = layer.get_weights()
    np.testing.assert_allclose(
        scratch.simple_rnn_forward(x, kernel, recurrent_kernel, bias, activation=activation), expected, atol=1e-5
    )


def test_forward_uses_the_initial_state():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 4, 3)).astype(np.float32)
    h0 = rng.normal(size=(2, 5)).astype(np.float32)
    layer = keras.layers.SimpleRNN(5, return_sequences=True)
    expected = keras.ops.convert_to_numpy(layer(x, initial_state=h0))
    np.testing.assert_allclose(
        scratch.simple_rnn_forward(x, *layer.get_weights(), initial_state=h0), expected, atol=1e-5
    )


@pytest.mark.parametrize("activation", ["tanh", "linear"])
def test_gradient_norms_match_finite_differences(activation):
    rng = np.random.default_rng(1)
    n_steps, units = 6, 3
    x = rng.normal(size=(1, n_steps, 2))
    kernel = rng.normal(scale=0.5, size=(2, units))
    recurrent_kernel = rng.normal(scale=0.7, size=(units, units))
    bias = rng.normal(scale=0.1, size=units)
    norms = scratch.simple_rnn_state_gradient_norms(x, kernel, recurrent_kernel, bias, activation=activation)
    assert norms.shape == (1, n_steps)
    act, _ = scratch.ACTIVATIONS[activation]
    states = scratch.simple_rnn_forward(x, kernel, recurrent_kernel, bias, activation=activation)[0]
    eps = 1e-6
    for d in range(1, n_steps + 1):
        start = n_steps - d  # perturb h_{T-d}, then rerun the remaining d steps
        h_start = states[start - 1] if start > 0 else np.zeros(units)
        jacobian = np.empty((units, units))
        for j in range(units):
            h = h_start.copy()
            h[j] += eps
            for t in range(start, n_steps):
                h = act(x[0, t] @ kernel + h @ recurrent_kernel + bias)
            jacobian[:, j] = (h - states[-1]) / eps
        np.testing.assert_allclose(norms[0, d - 1], np.linalg.norm(jacobian, 2), rtol=1e-4)


def test_gradients_vanish_for_small_and_explode_for_large_recurrent_gain():
    rng = np.random.default_rng(0)
    orthogonal, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    x = rng.uniform(-1, 1, size=(4, 40, 1))
    kernel, bias = rng.normal(scale=0.5, size=(1, 8)), np.zeros(8)
    small = scratch.simple_rnn_state_gradient_norms(x, kernel, 0.5 * orthogonal, bias, activation="linear")
    np.testing.assert_allclose(small, np.broadcast_to(0.5 ** np.arange(1, 41), (4, 40)), rtol=1e-8)
    large = scratch.simple_rnn_state_gradient_norms(x, kernel, 3.0 * orthogonal, bias)
    # tanh' <= 1 and ||3 U|| = 3 bound the growth by 3**d; it still grows by orders of magnitude.
    assert np.all(large <= 3.0 ** np.arange(1, 41) * (1 + 1e-9))
    assert np.all(large[:, -1] > 10 * large[:, 0])


def test_wrong_weight_shapes_name_the_expected_shape():
    x = np.zeros((2, 3, 4))
    kernel, recurrent_kernel, bias = np.zeros((4, 5)), np.zeros((5, 5)), np.zeros(5)
    with pytest.raises(ValueError, match=r"kernel must have shape \(n_features, units\) = \(4, units\)"):
        scratch.simple_rnn_forward(x, np.zeros((3, 5)), recurrent_kernel, bias)
    with pytest.raises(ValueError, match=r"recurrent_kernel must have shape \(units, units\) = \(5, 5\)"):
        scratch.simple_rnn_forward(x, kernel, np.zeros((5, 4)), bias)
    with pytest.raises(ValueError, match=r"bias must have shape \(units,\) = \(5,\)"):
        scratch.simple_rnn_forward(x, kernel, recurrent_kernel, np.zeros(4))
    with pytest.raises(ValueError, match=r"initial_state must have shape \(batch, units\) = \(2, 5\)"):
        scratch.simple_rnn_forward(x, kernel, recurrent_kernel, bias, initial_state=np.zeros((1, 5)))
    with pytest.raises(ValueError, match="x must be a 3-dimensional array"):
        scratch.simple_rnn_forward(np.zeros((3, 4)), kernel, recurrent_kernel, bias)


LSTM_SHAPES = [(1, 1, 1, 1), (2, 3, 1, 4), (3, 9, 2, 5), (4, 6, 5, 3), (8, 25, 3, 16), (5, 12, 7, 32)]


@pytest.mark.parametrize("batch, n_steps, n_features, units", LSTM_SHAPES)
def test_lstm_forward_matches_keras(batch, n_steps, n_features, units):
    rng = np.random.default_rng(batch * 1000 + n_steps * 10 + units)
    x = rng.normal(size=(batch, n_steps, n_features)).astype(np.float32)
    layer = keras.layers.LSTM(units, return_sequences=True, return_state=True, bias_initializer="random_normal")
    sequence, h_last, c_last = (keras.ops.convert_to_numpy(t) for t in layer(x))
    ours = scratch.lstm_forward(x, *layer.get_weights())
    for expected, got in zip((sequence, h_last, c_last), ours, strict=True):
        np.testing.assert_allclose(got, expected, atol=1e-5)


def test_lstm_forward_initial_state_and_gates():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 5, 2)).astype(np.float32)
    h0, c0 = rng.normal(size=(2, 3, 4)).astype(np.float32)
    layer = keras.layers.LSTM(4, return_sequences=True, return_state=True)
    sequence, h_last, c_last = (keras.ops.convert_to_numpy(t) for t in layer(x, initial_state=[h0, c0]))
    ours_sequence, ours_h, ours_c, gates = scratch.lstm_forward(
        x, *layer.get_weights(), initial_state=(h0, c0), return_gates=True
    )
    np.testing.assert_allclose(ours_sequence, sequence, atol=1e-5)
    np.testing.assert_allclose(ours_c, c_last, atol=1e-5)
    assert set(gates) == {"input", "forget", "candidate", "output", "cell"}
    for name in ("input", "forget", "output"):
        assert np.all((gates[name] > 0) & (gates[name] < 1))  # sigmoid gates
    # h_t = o_t * tanh(c_t) at every step
    np.testing.assert_allclose(ours_sequence, gates["output"] * np.tanh(gates["cell"]), atol=1e-12)


def test_lstm_wrong_weight_shapes_name_the_expected_shape():
    x = np.zeros((2, 3, 4))
    kernel, recurrent_kernel, bias = np.zeros((4, 20)), np.zeros((5, 20)), np.zeros(20)
    with pytest.raises(ValueError, match=r"kernel must have shape \(n_features, 4 \* units\) = \(4, 4 \* units\)"):
        scratch.lstm_forward(x, np.zeros((4, 18)), recurrent_kernel, bias)
    with pytest.raises(ValueError, match=r"kernel must have shape"):
        scratch.lstm_forward(x, np.zeros((3, 20)), recurrent_kernel, bias)
    with pytest.raises(ValueError, match=r"recurrent_kernel must have shape \(units, 4 \* units\) = \(5, 20\)"):
        scratch.lstm_forward(x, kernel, np.zeros((5, 5)), bias)
    with pytest.raises(ValueError, match=r"bias must have shape \(4 \* units,\) = \(20,\)"):
        scratch.lstm_forward(x, kernel, recurrent_kernel, np.zeros(5))
    with pytest.raises(ValueError, match=r"initial_state\[1\] must have shape \(batch, units\) = \(2, 5\)"):
        scratch.lstm_forward(x, kernel, recurrent_kernel, bias, initial_state=(np.zeros((2, 5)), np.zeros((2, 4))))
    with pytest.raises(TypeError, match="initial_state"):
        scratch.lstm_forward(x, kernel, recurrent_kernel, bias, initial_state=np.zeros((2, 5)))
    with pytest.raises(ValueError, match=r"h must have shape \(batch, units\) = \(2, 5\)"):
        scratch.lstm_step(x[:, 0], np.zeros((2, 4)), np.zeros((2, 5)), kernel, recurrent_kernel, bias)
    with pytest.raises(ValueError, match=r"kernel must have shape \(n_features, 4 \* units\) = \(3, 4 \* units\)"):
        scratch.lstm_step(x[:, 0, :3], np.zeros((2, 5)), np.zeros((2, 5)), kernel, recurrent_kernel, bias)


def test_lstm_step_is_one_step_of_the_forward_pass():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3, 4, 2))
    kernel, recurrent_kernel, bias = rng.normal(size=(2, 12)), rng.normal(size=(3, 12)), rng.normal(size=12)
    sequence, _, _, gates = scratch.lstm_forward(x, kernel, recurrent_kernel, bias, return_gates=True)
    h, c = np.zeros((3, 3)), np.zeros((3, 3))
    for t in range(4):
        h, c, step_gates = scratch.lstm_step(x[:, t], h, c, kernel, recurrent_kernel, bias)
        assert list(step_gates) == list(scratch.LSTM_GATES)
        np.testing.assert_array_equal(h, sequence[:, t])
        np.testing.assert_array_equal(c, gates["cell"][:, t])
        for name in scratch.LSTM_GATES:
            np.testing.assert_array_equal(step_gates[name], gates[name][:, t])
    np.testing.assert_allclose(h, step_gates["output"] * np.tanh(c), atol=1e-12)


def test_lstm_forward_calls_lstm_step():
    # the chapter shows lstm_step whole (inspect.getsource); lstm_forward must be built on it, not a copy of it
    import inspect

    assert "lstm_step(" in inspect.getsource(scratch.lstm_forward)
    assert "np.tanh" not in inspect.getsource(scratch.lstm_forward)


# --- The LSTM of 1997 and the minimal LSTM ---


def test_no_forget_lstm_is_an_lstm_whose_forget_gate_is_fixed_open():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 12, 2))
    kernel, recurrent, bias = rng.normal(size=(2, 12)), rng.normal(size=(4, 12)) * 0.5, rng.normal(size=12)
    blocks = lambda w: np.split(w, 3, axis=-1)  # noqa: E731 -- input, candidate, output
    # the same weights in an LSTM, with a forget block whose sigmoid is 1 in float64
    lstm_kernel = np.concatenate([blocks(kernel)[0], np.zeros((2, 4)), *blocks(kernel)[1:]], axis=1)
    lstm_recurrent = np.concatenate([blocks(recurrent)[0], np.zeros((4, 4)), *blocks(recurrent)[1:]], axis=1)
    lstm_bias = np.concatenate([blocks(bias)[0], np.full(4, 50.0), *blocks(bias)[1:]])
    sequence, h, c, cells = scratch.no_forget_lstm_forward(x, kernel, recurrent, bias, return_cells=True)
    expected, h_lstm, c_lstm, gates = scratch.lstm_forward(x, lstm_kernel, lstm_recurrent, lstm_bias, return_gates=True)
    np.testing.assert_allclose(sequence, expected, atol=1e-12)
    np.testing.assert_allclose(cells, gates["cell"], atol=1e-12)
    np.testing.assert_allclose(c, c_lstm, atol=1e-12)


def test_min_lstm_with_balanced_gates_halves_the_distance_to_its_candidate_every_step():
    # z_f = z_i = 0: both normalised gates are 1/2, so h_t = h_{t-1} / 2 + z_h / 2 from h_0 = 0
    kernel = np.zeros((1, 6))
    bias = np.array([0.0, 0.0, 0.0, 0.0, 2.0, -1.0])
    states = scratch.min_lstm_forward(np.zeros((1, 8, 1)), kernel, bias)
    t = np.arange(1, 9)
    np.testing.assert_allclose(states[0], np.stack([2.0 * (1 - 0.5**t), -1.0 * (1 - 0.5**t)], axis=1))


def test_new_references_name_the_expected_weight_shapes():
    x = np.zeros((1, 4, 2))
    with pytest.raises(ValueError, match=r"kernel must have shape \(n_features, 3 \* units\) = \(2, 3 \* units\)"):
        scratch.min_lstm_forward(x, np.zeros((2, 4)), np.zeros(4))
    with pytest.raises(ValueError, match=r"bias must have shape \(3 \* units,\) = \(6,\)"):
        scratch.min_lstm_forward(x, np.zeros((2, 6)), np.zeros(5))
    with pytest.raises(ValueError, match=r"recurrent_kernel must have shape \(units, 3 \* units\) = \(2, 6\)"):
        scratch.no_forget_lstm_forward(x, np.zeros((2, 6)), np.zeros((3, 6)), np.zeros(6))
