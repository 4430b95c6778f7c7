"""Custom Keras layers: what the builders need and Keras does not have (or gets wrong).

- :class:`FusedLSTM`: ``keras.layers.LSTM`` with the same arguments, weights and
  results, and a faster loop over the steps on the JAX and torch backends; every
  builder's LSTM.
- :class:`TimeDistributedAnyLength`: ``keras.layers.TimeDistributed``, fixed for
  sequences whose length is unknown when the model is traced (TensorFlow backend).
- :class:`ReverseSteps`: reverses the time axis (the backward-only LSTM).
- :class:`LastStepAttention`: dot-product attention from the last step to all steps.

All are registered with Keras (``package="lstm_companion"``) when the package is
imported, so a saved model that uses them loads after ``import lstm_companion``.
"""

from __future__ import annotations

import functools

import keras
import numpy as np
from keras import ops

from ._validation import check_bool, check_int, check_name

__all__ = [
    "FUSED_BACKENDS",
    "FusedLSTM",
    "LastStepAttention",
    "ReverseSteps",
    "TimeDistributedAnyLength",
]

#: Backends on which :class:`FusedLSTM` takes its fused path.
FUSED_BACKENDS = ("jax", "torch")


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


def _forward_only(projected, recurrent_kernel, h0, c0):
    """The recurrence for inference: the states only, nothing kept for a backward pass.

    Same arguments and results as :func:`_recurrence_with_gradient`; differentiable by
    the backend's own autodiff (slower than the hand-written pass, but correct), so a
    gradient taken through a model called with ``training=False`` is still right.
    """
    units = recurrent_kernel.shape[0]
    scale, shift, _ = _gate_constants(units, projected.dtype)

    def step(carry, projected_t):
        h, c = carry
        gates = ops.tanh((projected_t + ops.matmul(h, recurrent_kernel)) * scale) * scale + shift
        c = gates[:, units : 2 * units] * c + gates[:, :units] * gates[:, 2 * units : 3 * units]
        h = gates[:, 3 * units :] * ops.tanh(c)
        return (h, c), h

    (_, last_cell), states = ops.scan(step, (h0, c0), projected)
    return states, last_cell


def _recurrence_with_gradient(projected, recurrent_kernel, h0, c0):
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


def _checked_name(kwargs: dict) -> dict:
    """The keyword arguments of a layer, after checking its ``name`` (if given) as the package checks names."""
    if "name" in kwargs:
        kwargs["name"] = check_name("name", kwargs["name"], allow_none=True)
    return kwargs


@functools.cache
def _fused_lstm_recurrence():
    """:func:`_recurrence_with_gradient` as a differentiable op, wrapped on first use.

    Wrapping at import time would make ``import lstm_companion`` warn on the numpy
    backend, whose ``custom_gradient`` only passes the forward computation through.
    """
    return ops.custom_gradient(_recurrence_with_gradient)


@keras.saving.register_keras_serializable(package="lstm_companion")
class FusedLSTM(keras.layers.LSTM):
    """``keras.layers.LSTM``, with a faster loop over the steps on the JAX and torch backends.

    Takes the arguments of ``keras.layers.LSTM`` and computes the same function
    from the same weights, created in the same order by the same initialisers
    (a seed gives the stock layer's initial weights). Outputs agree with the
    stock layer to about 1e-6 and gradients to about 1e-5 (float32 rounding).

    On JAX the recurrence runs as one ``keras.ops.scan`` with a hand-written
    backward pass: the input projection is computed for all steps before the
    loop, the four gates are activated by one ``tanh`` over the whole block
    (``sigmoid(x) = (1 + tanh(x / 2)) / 2``), and the backward scan carries only
    the state gradients (measured in ``benchmarks/README.md``). Called with
    ``training=False`` (``predict``, ``evaluate``) it runs a forward-only scan
    that keeps nothing for a backward pass. On torch it calls PyTorch's own
    LSTM kernel (``torch.lstm``, what ``torch.nn.LSTM`` runs) with the layer's
    weights, where Keras loops over the steps in Python on a CPU (2.5-4.4x faster
    training in ``benchmarks/README.md``). Elsewhere (TensorFlow), and for
    what the fused path does not implement (a mask, dropout, ``unroll=True``,
    ``use_cudnn=True``, other activations), it is the stock layer;
    :meth:`uses_fused_path` says which path a call takes.

    Args:
        units: size of the hidden and cell states.
        return_sequences, return_state, go_backwards, stateful: as in
            ``keras.layers.LSTM``; must be ``True`` or ``False``.
        **kwargs: any other argument of ``keras.layers.LSTM``; a ``name`` must be a
            non-empty string without ``/`` (or ``None``).

    Example:
        >>> lstm = layers.FusedLSTM(64, return_sequences=True)
        >>> lstm(np.zeros((2, 10, 3))).shape
        (2, 10, 64)
    """

    def __init__(
        self, units, *, return_sequences=False, return_state=False, go_backwards=False, stateful=False, **kwargs
    ):
        super().__init__(
            check_int("units", units),
            return_sequences=check_bool("return_sequences", return_sequences),
            return_state=check_bool("return_state", return_state),
            go_backwards=check_bool("go_backwards", go_backwards),
            stateful=check_bool("stateful", stateful),
            **_checked_name(kwargs),
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
        if keras.backend.backend() == "torch":
            return self._torch_inner_loop(sequences, initial_state)
        projected = ops.matmul(sequences, cell.kernel)
        if cell.use_bias:
            projected = projected + cell.bias
        h0, c0 = initial_state[0], initial_state[1]
        recurrence = _fused_lstm_recurrence() if training else _forward_only
        states, last_cell = recurrence(  # a tensor, not the variable: older Keras passes it on to JAX as is
            ops.transpose(projected, (1, 0, 2)), ops.convert_to_tensor(cell.recurrent_kernel), h0, c0
        )
        last_state = states[-1]
        outputs = ops.transpose(states, (1, 0, 2)) if self.return_sequences else last_state
        return last_state, outputs, [last_state, last_cell]

    def _torch_inner_loop(self, sequences, initial_state):
        """PyTorch's own LSTM (``torch.lstm``, what ``torch.nn.LSTM`` calls) with this layer's weights.

        Keras's torch backend takes this kernel only on CUDA and loops over the steps in
        Python on the CPU. Both order the gates input, forget, candidate, output; PyTorch
        keeps each weight transposed (``(4 * units, inputs)``) and adds a second bias,
        zero here. PyTorch's autograd differentiates it.
        """
        import torch

        cell = self.cell
        weights = [ops.transpose(cell.kernel), ops.transpose(cell.recurrent_kernel)]
        if cell.use_bias:
            bias = ops.convert_to_tensor(cell.bias)
            weights += [bias, torch.zeros_like(bias)]
        h0, c0 = (ops.expand_dims(state, 0) for state in initial_state[:2])
        states, last_state, last_cell = torch.lstm(
            ops.convert_to_tensor(sequences, dtype=weights[0].dtype),
            (h0, c0),
            [w.contiguous() for w in weights],
            cell.use_bias,  # has_biases
            1,  # layers
            0.0,  # dropout: the fused path is taken without it
            False,  # train (only changes dropout)
            False,  # bidirectional
            True,  # batch_first
        )
        last_state, last_cell = last_state[0], last_cell[0]
        outputs = states if self.return_sequences else last_state
        return last_state, outputs, [last_state, last_cell]


@keras.saving.register_keras_serializable(package="lstm_companion")
class ReverseSteps(keras.layers.Layer):
    """Reverse the time axis (axis 1) of a ``(batch, steps, ...)`` tensor.

    Args:
        **kwargs: passed to ``keras.layers.Layer`` (``name``, a non-empty string
            without ``/``, ...).

    Example:
        >>> layers.ReverseSteps()(np.arange(3.0).reshape(1, 3, 1))[0, :, 0].tolist()
        [2.0, 1.0, 0.0]
    """

    def __init__(self, **kwargs):
        super().__init__(**_checked_name(kwargs))

    def call(self, inputs):
        return ops.flip(inputs, axis=1)

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package="lstm_companion")
class TimeDistributedAnyLength(keras.layers.TimeDistributed):
    """``keras.layers.TimeDistributed`` that also works when the number of steps is unknown.

    Keras's wrapper (checked up to Keras 3.15) maps over ``range(batch size)``
    instead of ``range(steps)`` when the sequence length is unknown while the
    model is traced, which the TensorFlow backend does for an input of shape
    ``(None, None, features)``: 3 sequences of 5 steps come back with 3 steps, or
    the call fails. This subclass maps over the steps there; with a known number
    of steps, and on the JAX and torch backends, it runs Keras's code unchanged.

    Args:
        layer: the ``keras.layers.Layer`` applied to each step.
        **kwargs: passed to ``keras.layers.TimeDistributed`` (``name``, a non-empty
            string without ``/``, ...).

    Example:
        >>> inputs = keras.Input(shape=(None, 2))
        >>> outputs = layers.TimeDistributedAnyLength(keras.layers.Dense(3))(inputs)
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, keras.layers.Layer):
            raise TypeError(f"layer must be a keras.layers.Layer instance, got {layer!r}")
        super().__init__(layer, **_checked_name(kwargs))

    def call(self, inputs, training=None, mask=None):
        if inputs.shape[1] is not None:
            return super().call(inputs, training=training, mask=mask)
        steps_first = ops.swapaxes(inputs, 0, 1)
        mask_steps_first = None if mask is None else ops.swapaxes(mask, 0, 1)

        def one_step(t):
            kwargs = {}
            if self.layer._call_has_mask_arg and mask_steps_first is not None:
                kwargs["mask"] = mask_steps_first[t]
            if self.layer._call_has_training_arg:
                kwargs["training"] = training
            return self.layer.call(steps_first[t], **kwargs)

        outputs = ops.vectorized_map(one_step, ops.arange(ops.shape(steps_first)[0]))
        return ops.swapaxes(outputs, 0, 1)


@keras.saving.register_keras_serializable(package="lstm_companion")
class LastStepAttention(keras.layers.Layer):
    """Dot-product attention from the last step of a sequence to all its steps.

    For inputs ``x`` of shape ``(batch, steps, features)``: the query is
    ``q = x[:, -1] @ W_q``, step ``t`` has the key ``k_t = x[:, t] @ W_k`` and the
    value ``v_t = x[:, t] @ W_v``, and the output is
    ``sum_t softmax_t(k_t . q / sqrt(key_dim)) v_t``, of shape ``(batch, key_dim)``.
    The three weight matrices are ``(features, key_dim)``, without biases.

    Args:
        key_dim: size of the query, key and value projections.
        **kwargs: passed to ``keras.layers.Layer`` (``name``, a non-empty string
            without ``/``, ...).

    Example:
        >>> layers.LastStepAttention(4)(np.zeros((2, 6, 3))).shape
        (2, 4)
    """

    def __init__(self, key_dim: int, **kwargs):
        super().__init__(**_checked_name(kwargs))
        self.key_dim = check_int("key_dim", key_dim)

    def build(self, input_shape):
        n_features = input_shape[-1]
        for name in ("query", "key", "value"):
            setattr(self, name, self.add_weight(shape=(n_features, self.key_dim), name=name))

    def call(self, inputs):
        query = ops.matmul(inputs[:, -1, :], self.query)  # (batch, key_dim)
        keys = ops.matmul(inputs, self.key)  # (batch, steps, key_dim)
        scores = ops.sum(keys * query[:, None, :], axis=-1) / float(np.sqrt(self.key_dim))
        weights = ops.softmax(scores, axis=-1)  # (batch, steps), sums to 1 over the steps
        return ops.sum(weights[:, :, None] * ops.matmul(inputs, self.value), axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.key_dim)

    def get_config(self):
        return {**super().get_config(), "key_dim": self.key_dim}
