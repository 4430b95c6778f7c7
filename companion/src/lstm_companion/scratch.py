"""NumPy reference implementations, written to be read.

The functions take weights in the layout Keras uses (``kernel`` of shape
``(n_features, units)``, ``recurrent_kernel`` of shape ``(units, units)``,
``bias`` of shape ``(units,)``), so ``layer.get_weights()`` of a
``keras.layers.SimpleRNN`` can be passed straight in and the results compared.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_array, check_choice

__all__ = ["ACTIVATIONS", "simple_rnn_forward", "simple_rnn_state_gradient_norms"]

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

    Used by: "Sequence prediction and the terminology of the notes".
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

    Used by: "Sequence prediction and the terminology of the notes".
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
