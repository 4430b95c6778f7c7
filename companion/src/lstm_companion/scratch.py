"""NumPy reference implementations, written to be read.

The functions take weights in the layout Keras uses, so ``layer.get_weights()``
of a ``keras.layers.SimpleRNN`` or ``keras.layers.LSTM`` can be passed straight
in and the results compared:

- SimpleRNN: ``kernel`` ``(n_features, units)``, ``recurrent_kernel``
  ``(units, units)``, ``bias`` ``(units,)``;
- LSTM: the same with ``4 * units`` columns, the four blocks in Keras's gate
  order input, forget, candidate, output;
- the 1997 LSTM without a forget gate (:class:`~lstm_companion.cells.NoForgetLSTM`):
  ``3 * units`` columns, input, candidate, output;
- the minimal LSTM (:class:`~lstm_companion.cells.MinLSTM`): ``kernel``
  ``(n_features, 3 * units)`` and ``bias``, forget, input, candidate; no recurrent kernel.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_array, check_bool, check_choice

__all__ = [
    "ACTIVATIONS",
    "LSTM_GATES",
    "lstm_forward",
    "lstm_step",
    "min_lstm_forward",
    "no_forget_lstm_forward",
    "simple_rnn_forward",
    "simple_rnn_state_gradient_norms",
]

#: Keras's order of the four blocks in an LSTM's weight matrices.
LSTM_GATES = ("input", "forget", "candidate", "output")

#: Activations supported by the NumPy RNN, as (function, derivative in terms of the output).
ACTIVATIONS = {
    "tanh": (np.tanh, lambda h: 1.0 - h**2),
    "linear": (lambda a: a, np.ones_like),
    "relu": (lambda a: np.maximum(a, 0.0), lambda h: (h > 0).astype(h.dtype)),
}


def _check_rnn_weights(x, kernel, recurrent_kernel, bias):
    x = check_array("x", x, ndim=3)
    n_features = x.shape[2]
    kernel = check_array("kernel", kernel, ndim=2)
    units = kernel.shape[1]
    if kernel.shape != (n_features, units):
        raise ValueError(f"kernel must have shape (n_features, units) = ({n_features}, units), got {kernel.shape}")
    recurrent_kernel = check_array("recurrent_kernel", recurrent_kernel, ndim=2)
    if recurrent_kernel.shape != (units, units):
        raise ValueError(
            f"recurrent_kernel must have shape (units, units) = ({units}, {units}), got {recurrent_kernel.shape}"
        )
    bias = check_array("bias", bias, ndim=1)
    if bias.shape != (units,):
        raise ValueError(f"bias must have shape (units,) = ({units},), got {bias.shape}")
    return x, kernel, recurrent_kernel, bias


def simple_rnn_forward(
    x,
    kernel,
    recurrent_kernel,
    bias,
    *,
    initial_state=None,
    activation: str = "tanh",
) -> np.ndarray:
    """Run an Elman RNN, ``h_t = act(x_t W + h_{t-1} U + b)``, over a batch of sequences.

    Matches ``keras.layers.SimpleRNN(units, activation=..., return_sequences=True)``.

    Args:
        x: inputs, ``(batch, n_steps, n_features)``.
        kernel: ``W``, ``(n_features, units)``.
        recurrent_kernel: ``U``, ``(units, units)``.
        bias: ``b``, ``(units,)``.
        initial_state: ``h_0``, ``(batch, units)``; zeros when ``None``.
        activation: one of :data:`ACTIVATIONS`.

    Returns:
        Hidden states ``h_1 .. h_T``, ``(batch, n_steps, units)``.

    Example:
        >>> states = scratch.simple_rnn_forward(x, *layer.get_weights(), activation="tanh")
    """
    x, kernel, recurrent_kernel, bias = _check_rnn_weights(x, kernel, recurrent_kernel, bias)
    act, _ = ACTIVATIONS[check_choice("activation", activation, tuple(ACTIVATIONS))]
    batch, n_steps, _ = x.shape
    units = kernel.shape[1]
    if initial_state is None:
        h = np.zeros((batch, units))
    else:
        h = check_array("initial_state", initial_state, ndim=2)
        if h.shape != (batch, units):
            raise ValueError(f"initial_state must have shape (batch, units) = ({batch}, {units}), got {h.shape}")
    states = np.empty((batch, n_steps, units))
    for t in range(n_steps):
        h = act(x[:, t] @ kernel + h @ recurrent_kernel + bias)
        states[:, t] = h
    return states


def simple_rnn_state_gradient_norms(
    x,
    kernel,
    recurrent_kernel,
    bias,
    *,
    activation: str = "tanh",
) -> np.ndarray:
    """How much the last hidden state depends on earlier ones: ``||dh_T / dh_t||``.

    Backpropagation through time multiplies one Jacobian per step,
    ``dh_s / dh_{s-1} = diag(act'(.)) U^T``, so the gradient that reaches a step
    ``d`` steps back is a product of ``d`` such matrices. When their gains are
    below one the product vanishes geometrically; above one it explodes.

    Args:
        x, kernel, recurrent_kernel, bias, activation: as in :func:`simple_rnn_forward`
            (the initial state is zero).

    Returns:
        ``(batch, n_steps)`` array whose column ``d - 1`` is the spectral norm
        (largest singular value) of ``dh_T / dh_{T-d}`` for ``d = 1 .. n_steps``.

    Example:
        >>> norms = scratch.simple_rnn_state_gradient_norms(x, *layer.get_weights())
    """
    x, kernel, recurrent_kernel, bias = _check_rnn_weights(x, kernel, recurrent_kernel, bias)
    _, derivative = ACTIVATIONS[check_choice("activation", activation, tuple(ACTIVATIONS))]
    states = simple_rnn_forward(x, kernel, recurrent_kernel, bias, activation=activation)
    batch, n_steps, units = states.shape
    # jacobian = dh_T / dh_s, walked backwards from s = T.
    jacobian = np.broadcast_to(np.eye(units), (batch, units, units))
    norms = np.empty((batch, n_steps))
    for d in range(1, n_steps + 1):
        s = n_steps - d + 1  # step whose Jacobian dh_s/dh_{s-1} is multiplied in now
        step_jacobian = derivative(states[:, s - 1])[:, :, None] * recurrent_kernel.T[None]
        jacobian = jacobian @ step_jacobian
        norms[:, d - 1] = np.linalg.norm(jacobian, ord=2, axis=(1, 2))
    return norms


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))  # numerically stable logistic function


def _check_lstm_weights(n_features, kernel, recurrent_kernel, bias):
    kernel = check_array("kernel", kernel, ndim=2)
    if kernel.shape[1] % 4 or kernel.shape[0] != n_features:
        raise ValueError(
            f"kernel must have shape (n_features, 4 * units) = ({n_features}, 4 * units), got {kernel.shape}"
        )
    units = kernel.shape[1] // 4
    recurrent_kernel = check_array("recurrent_kernel", recurrent_kernel, ndim=2)
    if recurrent_kernel.shape != (units, 4 * units):
        raise ValueError(
            f"recurrent_kernel must have shape (units, 4 * units) = ({units}, {4 * units}), "
            f"got {recurrent_kernel.shape}"
        )
    bias = check_array("bias", bias, ndim=1)
    if bias.shape != (4 * units,):
        raise ValueError(f"bias must have shape (4 * units,) = ({4 * units},), got {bias.shape}")
    return kernel, recurrent_kernel, bias


def _check_state(name, state, shape):
    state = check_array(name, state, ndim=len(shape))
    if state.shape != shape:
        raise ValueError(f"{name} must have shape (batch, units) = {shape}, got {state.shape}")
    return state


def lstm_step(x_t, h, c, kernel, recurrent_kernel, bias):
    """One step of an LSTM: the new hidden and cell states, and the four gates.

    With ``z = x_t W + h U + b`` split into four blocks in Keras's gate order::

        i = sigmoid(z_i)        input gate: how much of the candidate to write
        f = sigmoid(z_f)        forget gate: how much of the old cell to keep
        g = tanh(z_g)           candidate values
        o = sigmoid(z_o)        output gate: how much of the cell to expose
        c_new = f * c + i * g
        h_new = o * tanh(c_new)

    Args:
        x_t: the inputs at this step, ``(batch, n_features)``.
        h, c: the hidden and cell states before it, each ``(batch, units)``.
        kernel: ``W``, ``(n_features, 4 * units)``.
        recurrent_kernel: ``U``, ``(units, 4 * units)``.
        bias: ``b``, ``(4 * units,)``.

    Returns:
        ``(h_new, c_new, gates)``: the states after the step, each ``(batch, units)``,
        and a dict mapping each name in :data:`LSTM_GATES` to its values.

    Example:
        >>> h, c, gates = scratch.lstm_step(x[:, 0], h, c, *layer.get_weights())
    """
    x_t = check_array("x_t", x_t, ndim=2)
    kernel, recurrent_kernel, bias = _check_lstm_weights(x_t.shape[1], kernel, recurrent_kernel, bias)
    units = recurrent_kernel.shape[0]
    h = _check_state("h", h, (len(x_t), units))
    c = _check_state("c", c, (len(x_t), units))
    z = x_t @ kernel + h @ recurrent_kernel + bias
    z_i, z_f, z_g, z_o = np.split(z, 4, axis=1)
    i, f, g, o = _sigmoid(z_i), _sigmoid(z_f), np.tanh(z_g), _sigmoid(z_o)
    c = f * c + i * g
    h = o * np.tanh(c)
    return h, c, dict(zip(LSTM_GATES, (i, f, g, o), strict=True))


def lstm_forward(x, kernel, recurrent_kernel, bias, *, initial_state=None, return_gates: bool = False):
    """Run an LSTM over a batch of sequences, one :func:`lstm_step` at a time.

    Matches ``keras.layers.LSTM(units, return_sequences=True, return_state=True)``
    with its default activations.

    Args:
        x: inputs, ``(batch, n_steps, n_features)``.
        kernel: ``W``, ``(n_features, 4 * units)``.
        recurrent_kernel: ``U``, ``(units, 4 * units)``.
        bias: ``b``, ``(4 * units,)``.
        initial_state: optional pair ``(h_0, c_0)``, each ``(batch, units)``; zeros when ``None``.
        return_gates: also return the gate activations.

    Returns:
        ``(sequence, h_T, c_T)``: hidden states ``(batch, n_steps, units)`` and the
        final hidden and cell states ``(batch, units)``. With ``return_gates=True`` a
        fourth item, a dict mapping each name in :data:`LSTM_GATES` and ``"cell"``
        to its values at every step, ``(batch, n_steps, units)``.

    Example:
        >>> sequence, h, c = scratch.lstm_forward(x, *keras_lstm_layer.get_weights())
    """
    x = check_array("x", x, ndim=3)
    kernel, recurrent_kernel, bias = _check_lstm_weights(x.shape[2], kernel, recurrent_kernel, bias)
    return_gates = check_bool("return_gates", return_gates)
    batch, n_steps, _ = x.shape
    units = recurrent_kernel.shape[0]
    if initial_state is None:
        h, c = np.zeros((batch, units)), np.zeros((batch, units))
    else:
        if not isinstance(initial_state, (tuple, list)) or len(initial_state) != 2:
            raise TypeError("initial_state must be a pair (h_0, c_0) or None")
        h = _check_state("initial_state[0]", initial_state[0], (batch, units))
        c = _check_state("initial_state[1]", initial_state[1], (batch, units))
    sequence = np.empty((batch, n_steps, units))
    gates = {name: np.empty((batch, n_steps, units)) for name in (*LSTM_GATES, "cell")}
    for t in range(n_steps):
        h, c, step_gates = lstm_step(x[:, t], h, c, kernel, recurrent_kernel, bias)
        sequence[:, t] = h
        for name, value in (*step_gates.items(), ("cell", c)):
            gates[name][:, t] = value
    if return_gates:
        return sequence, h, c, gates
    return sequence, h, c


# ---------------------------------------------------------------------------------------------
# Cells other than Keras's: the NumPy references of cells.NoForgetLSTM and cells.MinLSTM.


def _check_blocks(x, kernel, bias, n_blocks: int):
    """``x`` and an input kernel and bias of ``n_blocks`` blocks of ``units`` columns."""
    x = check_array("x", x, ndim=3)
    kernel = check_array("kernel", kernel, ndim=2)
    if kernel.shape[1] % n_blocks or kernel.shape[0] != x.shape[2]:
        raise ValueError(
            f"kernel must have shape (n_features, {n_blocks} * units) = ({x.shape[2]}, {n_blocks} * units), "
            f"got {kernel.shape}"
        )
    units = kernel.shape[1] // n_blocks
    bias = check_array("bias", bias, ndim=1)
    if bias.shape != (n_blocks * units,):
        raise ValueError(f"bias must have shape ({n_blocks} * units,) = ({n_blocks * units},), got {bias.shape}")
    return x, kernel, bias, units


def no_forget_lstm_forward(x, kernel, recurrent_kernel, bias, *, return_cells: bool = False):
    """Run the LSTM of 1997, without a forget gate, over a batch of sequences.

    With ``z = x_t W + h U + b`` split into three blocks (input, candidate, output)::

        i = sigmoid(z_i),  g = tanh(z_g),  o = sigmoid(z_o)
        c_new = c + i * g       (nothing is ever forgotten: the forget gate is fixed at 1)
        h_new = o * tanh(c_new)

    Matches :class:`lstm_companion.cells.NoForgetLSTM` with ``return_sequences=True``;
    the states start at zero.

    Args:
        x: inputs, ``(batch, n_steps, n_features)``.
        kernel: ``W``, ``(n_features, 3 * units)``.
        recurrent_kernel: ``U``, ``(units, 3 * units)``.
        bias: ``b``, ``(3 * units,)``.
        return_cells: also return the cell state of every step.

    Returns:
        ``(sequence, h_T, c_T)``: hidden states ``(batch, n_steps, units)`` and the final
        hidden and cell states ``(batch, units)``; with ``return_cells=True`` a fourth
        item, the cell states ``(batch, n_steps, units)``.

    Example:
        >>> sequence, h, c, cells = scratch.no_forget_lstm_forward(x, *layer.get_weights(), return_cells=True)
    """
    x, kernel, bias, units = _check_blocks(x, kernel, bias, 3)
    recurrent_kernel = check_array("recurrent_kernel", recurrent_kernel, ndim=2)
    if recurrent_kernel.shape != (units, 3 * units):
        raise ValueError(
            f"recurrent_kernel must have shape (units, 3 * units) = ({units}, {3 * units}), "
            f"got {recurrent_kernel.shape}"
        )
    return_cells = check_bool("return_cells", return_cells)
    batch, n_steps, _ = x.shape
    h, c = np.zeros((batch, units)), np.zeros((batch, units))
    sequence, cells = np.empty((batch, n_steps, units)), np.empty((batch, n_steps, units))
    for t in range(n_steps):
        z_i, z_g, z_o = np.split(x[:, t] @ kernel + h @ recurrent_kernel + bias, 3, axis=1)
        c = c + _sigmoid(z_i) * np.tanh(z_g)
        h = _sigmoid(z_o) * np.tanh(c)
        sequence[:, t], cells[:, t] = h, c
    return (sequence, h, c, cells) if return_cells else (sequence, h, c)


def min_lstm_forward(x, kernel, bias) -> np.ndarray:
    """Run the minimal LSTM (minLSTM) of Feng et al. (2024) one step at a time.

    With ``z = x_t W + b`` split into three blocks (forget, input, candidate)::

        f = sigmoid(z_f),  i = sigmoid(z_i)
        h_new = f / (f + i) * h + i / (f + i) * z_h

    from ``h_0 = 0``. The loop is the definition; :class:`lstm_companion.cells.MinLSTM`
    computes the same states with a parallel scan, and its tests compare the two.

    Args:
        x: inputs, ``(batch, n_steps, n_features)``.
        kernel: ``W``, ``(n_features, 3 * units)``.
        bias: ``b``, ``(3 * units,)``.

    Returns:
        Hidden states ``h_1 .. h_T``, ``(batch, n_steps, units)``.

    Example:
        >>> states = scratch.min_lstm_forward(x, *layer.get_weights())
    """
    x, kernel, bias, units = _check_blocks(x, kernel, bias, 3)
    batch, n_steps, _ = x.shape
    h = np.zeros((batch, units))
    states = np.empty((batch, n_steps, units))
    for t in range(n_steps):
        z_f, z_i, z_h = np.split(x[:, t] @ kernel + bias, 3, axis=1)
        f, i = _sigmoid(z_f), _sigmoid(z_i)
        h = f / (f + i) * h + i / (f + i) * z_h
        states[:, t] = h
    return states
