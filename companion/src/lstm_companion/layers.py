"""Layers: an LSTM whose training loop is written for the CPU.

:class:`FusedLSTM` is ``keras.layers.LSTM`` with the same arguments, weights,
initialisers, configuration and results, whose recurrence runs as one
``keras.ops.scan`` with a hand-written backward pass where that is faster. The
course's builders in :mod:`lstm_companion.models` use it; anything that accepts
an LSTM layer (``Bidirectional``, ``TimeDistributed`` inputs, ``return_state``,
``initial_state``, saving and loading) accepts it.

What it changes, and why (measured in ``benchmarks/README.md``):

* the input projection ``x @ kernel + bias`` is computed for all steps in one
  product before the loop, instead of once per step;
* inside the loop the four gate pre-activations are activated by **one**
  ``tanh`` over the whole ``(batch, 4 * units)`` block, using
  ``sigmoid(x) = (1 + tanh(x / 2)) / 2``; XLA:CPU runs that more than twice as
  fast as four separate activations of column slices;
* the forward loop also stores, per step, the factors the backward pass
  multiplies by (each gate's input times its activation's derivative), so a
  backward step is one elementwise product and one matrix product;
* the backward pass is one reverse ``scan`` that carries only the gradients
  of the hidden and cell state; the recurrent kernel's gradient is one matrix
  product after the loop instead of one small product per step inside it.

It is the stock layer, unchanged, wherever the fused path does not apply: on
backends other than JAX (``keras.ops.custom_gradient`` is missing on torch,
and TensorFlow was not measured to gain), and for configurations the fused
path does not implement (a mask, dropout, ``unroll=True``, ``use_cudnn=True``,
activations other than ``tanh``/``sigmoid``). Both paths compute the same
function; :meth:`FusedLSTM.uses_fused_path` says which one a call takes.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from ._validation import check_bool, check_int

__all__ = ["FUSED_BACKENDS", "FusedLSTM"]

#: Backends on which :class:`FusedLSTM` takes its fused path.
FUSED_BACKENDS = ("jax",)


def _gate_constants(units: int, dtype):
    """Per-column constants of the ``[input, forget, candidate, output]`` block.

    ``activated = tanh(z * scale) * scale + shift`` is ``sigmoid(z)`` where
    ``scale = 1/2, shift = 1/2`` and ``tanh(z)`` where ``scale = 1, shift = 0``.
    """
    scale = np.full(4 * units, 0.5, dtype=np.float32)
    scale[2 * units : 3 * units] = 1.0
    is_candidate = scale == 1.0
    return (
        ops.convert_to_tensor(scale, dtype=dtype),
        ops.convert_to_tensor(1.0 - scale, dtype=dtype),
        ops.convert_to_tensor(is_candidate),
    )


def _forward(projected, recurrent_kernel, h0, c0):
    units = recurrent_kernel.shape[0]
    scale, shift, is_candidate = _gate_constants(units, projected.dtype)

    def step(carry, projected_t):
        h, c_prev = carry
        z = projected_t + ops.matmul(h, recurrent_kernel)
        gates = ops.tanh(z * scale) * scale + shift
        i = gates[:, :units]
        f = gates[:, units : 2 * units]
        g = gates[:, 2 * units : 3 * units]
        o = gates[:, 3 * units :]
        c = f * c_prev + i * g
        tanh_c = ops.tanh(c)
        h = o * tanh_c
        # What the backward pass needs, in the form it needs it:
        # d z = [dc, dc, dc, dh] * pullback, with
        # pullback = [g, c_prev, i, tanh(c)] * (each gate's activation derivative).
        derivative = ops.where(is_candidate, 1.0 - gates * gates, gates * (1.0 - gates))
        pullback = ops.concatenate([g, c_prev, i, tanh_c], axis=-1) * derivative
        return (h, c), (h, pullback, o * (1.0 - tanh_c * tanh_c), f)

    (_, last_cell), saved = ops.scan(step, (h0, c0), projected)
    return (last_cell, *saved)


@ops.custom_gradient
def _fused_lstm_recurrence(projected, recurrent_kernel, h0, c0):
    """The LSTM recurrence over time-major, already-projected inputs.

    Args:
        projected: ``(n_steps, batch, 4 * units)``, ``x_t @ kernel + bias`` for
            every step, gates in Keras's order (input, forget, candidate, output).
        recurrent_kernel: ``(units, 4 * units)``.
        h0, c0: ``(batch, units)`` initial hidden and cell state.

    Returns:
        ``(states, last_cell)``: the hidden states ``(n_steps, batch, units)``
        and the final cell state ``(batch, units)``. Differentiable with
        respect to all four arguments (a custom gradient: one reverse scan,
        then the recurrent kernel's gradient as one matrix product).
    """
    last_cell, states, pullbacks, cell_to_state, forgets = _forward(projected, recurrent_kernel, h0, c0)
    units = recurrent_kernel.shape[0]

    def grad(*args, upstream=None):
        if upstream is None:
            upstream = args[0] if len(args) == 1 else args
        d_states, d_last_cell = upstream
        previous_states = ops.concatenate([ops.expand_dims(h0, 0), states[:-1]], axis=0)
        recurrent_t = ops.transpose(recurrent_kernel)

        def step(carry, inputs):
            dh_next, dc_next = carry
            dh_out, pullback, cell_to_state_t, f = inputs
            dh = dh_out + dh_next
            dc = dc_next + dh * cell_to_state_t
            dz = ops.concatenate([dc, dc, dc, dh], axis=-1) * pullback
            return (ops.matmul(dz, recurrent_t), dc * f), dz

        (dh0, dc0), dz = ops.scan(
            step,
            (ops.zeros_like(h0), ops.cast(d_last_cell, h0.dtype)),
            (d_states, pullbacks, cell_to_state, forgets),
            reverse=True,
        )
        d_recurrent = ops.matmul(
            ops.transpose(ops.reshape(previous_states, (-1, units))),
            ops.reshape(dz, (-1, 4 * units)),
        )
        return dz, d_recurrent, dh0, dc0

    return (states, last_cell), grad


@keras.saving.register_keras_serializable(package="lstm_companion")
class FusedLSTM(keras.layers.LSTM):
    """``keras.layers.LSTM``, with a faster training loop on the JAX backend.

    Takes exactly the arguments of ``keras.layers.LSTM`` and computes the same
    function from the same weights (``cell.kernel``, ``cell.recurrent_kernel``,
    ``cell.bias``, created in the same order by the same initialisers, so a
    seed gives the same initial weights as the stock layer). Outputs agree with
    the stock layer to about 1e-6 and gradients to about 1e-5 (float32
    rounding; tested in ``tests/test_layers.py``).

    ``units`` and the flags ``return_sequences``, ``return_state``,
    ``go_backwards`` and ``stateful`` are checked up front (a ``TypeError`` or
    ``ValueError`` naming the argument); the rest is checked by Keras.

    Example:
        >>> layer = FusedLSTM(64, return_sequences=True)   # doctest: +SKIP
    """

    def __init__(self, units, *, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, **kwargs):
        super().__init__(
            check_int("units", units),
            return_sequences=check_bool("return_sequences", return_sequences),
            return_state=check_bool("return_state", return_state),
            go_backwards=check_bool("go_backwards", go_backwards),
            stateful=check_bool("stateful", stateful),
            **kwargs,
        )

    def uses_fused_path(self, mask=None) -> bool:
        """Whether a call with this ``mask`` takes the fused path (else the stock one)."""
        cell = self.cell
        return (
            keras.backend.backend() in FUSED_BACKENDS
            and mask is None
            and not self.unroll
            and self.use_cudnn != True  # noqa: E712 -- "auto" and False both allow it
            and not (cell.dropout or cell.recurrent_dropout)
            and cell.activation is keras.activations.tanh
            and cell.recurrent_activation is keras.activations.sigmoid
        )

    def inner_loop(self, sequences, initial_state, mask, training=False):
        mask_ = mask[0] if isinstance(mask, (list, tuple)) else mask
        if not self.uses_fused_path(mask=mask_):
            return super().inner_loop(sequences, initial_state, mask, training=training)
        if self.go_backwards:
            sequences = ops.flip(sequences, axis=1)
        cell = self.cell
        projected = ops.matmul(sequences, cell.kernel)
        if cell.use_bias:
            projected = projected + cell.bias
        h0, c0 = initial_state[0], initial_state[1]
        states, last_cell = _fused_lstm_recurrence(  # a tensor, not the variable: older Keras passes it on to JAX as is
            ops.transpose(projected, (1, 0, 2)), ops.convert_to_tensor(cell.recurrent_kernel), h0, c0
        )
        last_state = states[-1]
        outputs = ops.transpose(states, (1, 0, 2)) if self.return_sequences else last_state
        return last_state, outputs, [last_state, last_cell]
