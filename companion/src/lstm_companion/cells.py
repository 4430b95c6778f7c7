"""Recurrent cells side by side: one builder, six cells, their parameter counts, and the two cells Keras lacks.

====================  ==============================================  ===================================
``cell``              what it is                                      parameters of the recurrent layer
====================  ==============================================  ===================================
``"lstm"``            LSTM with a forget gate                         ``4 * ((n + u) * u + u)``
                      (:class:`~lstm_companion.layers.FusedLSTM`)
``"gru"``             gated recurrent unit (``keras.layers.GRU``,     ``3 * ((n + u) * u + 2 * u)``
                      update gate's bias starting at 1:
                      :class:`UpdateGateBias`)
``"simple_rnn"``      Elman RNN with tanh                             ``(n + u) * u + u``
                      (``keras.layers.SimpleRNN``)
``"irnn"``            ReLU RNN whose recurrent weights start as the   ``(n + u) * u + u``
                      identity, biases at zero (Le et al. 2015)
``"lstm_no_forget"``  the LSTM of 1997, without a forget gate         ``3 * ((n + u) * u + u)``
                      (:class:`NoForgetLSTM`)
``"min_lstm"``        minimal LSTM: gates from the input alone,       ``3 * (n + 1) * u``
                      a parallel scan (Feng et al. 2024,
                      :class:`MinLSTM`)
====================  ==============================================  ===================================

(``n`` features per step, ``u`` units; Keras's GRU has two bias vectors.)
:func:`build_cell_model` puts one recurrent layer of any cell under a Dense output,
for one value (or class) per sequence; :func:`build_char_model` makes a character
language model of it. :func:`count_parameters` gives a model's size by the formulas
above, and :func:`match_units` the number of units that gives a cell about the
parameters of another, so that cells are compared at equal size.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from ._validation import (
    check_activation,
    check_bool,
    check_choice,
    check_float,
    check_int,
    check_name,
    check_sequence_shape,
)
from .layers import FusedLSTM, _checked_name

__all__ = [
    "CELLS",
    "MinLSTM",
    "NoForgetLSTM",
    "UpdateGateBias",
    "build_cell_model",
    "build_char_model",
    "count_parameters",
    "match_units",
    "recurrent_layer",
]

# ---------------------------------------------------------------------------------------------
# The recurrent cells Keras does not have: the LSTM before the forget gate, and the minimal LSTM.
# Their NumPy references are lstm_companion.scratch.no_forget_lstm_forward and min_lstm_forward.


class _SequenceLayer(keras.layers.Layer):
    """What the two cells share: a ``units`` size, ``return_sequences``, and three blocks of weights."""

    def __init__(self, units, *, return_sequences=False, **kwargs):
        super().__init__(**_checked_name(kwargs))
        self.units = check_int("units", units)
        self.return_sequences = check_bool("return_sequences", return_sequences)

    def _add_weights(self, n_features: int, *, recurrent: bool) -> None:
        """Three blocks of ``units`` columns, in Keras's order: kernel, recurrent kernel (if any), bias."""
        self.kernel = self.add_weight(shape=(n_features, 3 * self.units), name="kernel")
        if recurrent:
            self.recurrent_kernel = self.add_weight(
                shape=(self.units, 3 * self.units), initializer="orthogonal", name="recurrent_kernel"
            )
        self.bias = self.add_weight(shape=(3 * self.units,), initializer="zeros", name="bias")

    def compute_output_shape(self, input_shape):
        if self.return_sequences:
            return (input_shape[0], input_shape[1], self.units)
        return (input_shape[0], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "return_sequences": self.return_sequences}


@keras.saving.register_keras_serializable(package="lstm_companion")
class UpdateGateBias(keras.initializers.Initializer):
    """Biases of ``keras.layers.GRU`` with the update gate's starting at ``value``, all others at zero.

    Keras's LSTM starts its forget gate's bias at 1 (``unit_forget_bias=True``, after
    Jozefowicz et al. 2015), so that the cell keeps most of its state from the first
    step of training. Keras's GRU has no counterpart: its update gate ``z`` starts at
    ``sigmoid(0) = 0.5``, and ``h_t = z * h_{t-1} + (1 - z) * candidate`` halves what it
    holds at every step, so that little of a signal 30 steps back survives to train on.
    This initialiser gives the GRU the LSTM's start: ``z = sigmoid(value)`` (0.73 for 1).

    It fills the first ``units`` entries of the input bias, Keras's update-gate block (the
    blocks are ordered update, reset, candidate), for both ``reset_after=True``
    (shape ``(2, 3 * units)``) and ``reset_after=False`` (shape ``(3 * units,)``).

    Args:
        value: the update gate's starting bias.

    Example:
        >>> keras.layers.GRU(4, bias_initializer=cells.UpdateGateBias(1.0))(np.zeros((2, 5, 3))).shape
        (2, 4)
    """

    def __init__(self, value: float = 1.0):
        self.value = check_float("value", value, dtype=np.float32)

    def __call__(self, shape, dtype=None):
        if not shape or shape[-1] % 3:
            raise ValueError(f"UpdateGateBias is for a GRU's bias, (3 * units,) or (2, 3 * units); got shape {shape}")
        units = shape[-1] // 3
        first = ops.concatenate([ops.full((units,), self.value, dtype=dtype), ops.zeros((2 * units,), dtype=dtype)])
        if len(shape) == 1:
            return first
        return ops.concatenate([first[None], ops.zeros((shape[0] - 1, shape[-1]), dtype=dtype)])

    def get_config(self):
        return {"value": self.value}


@keras.saving.register_keras_serializable(package="lstm_companion")
class NoForgetLSTM(_SequenceLayer):
    """The LSTM of Hochreiter & Schmidhuber (1997): no forget gate, the cell only adds.

    With ``z = x_t W + h_{t-1} U + b`` split into three blocks (input, candidate, output)::

        i = sigmoid(z_i),  g = tanh(z_g),  o = sigmoid(z_o)
        c_t = c_{t-1} + i * g        (the forget gate of later LSTMs, fixed open at 1)
        h_t = o * tanh(c_t)

    The weights are those of ``keras.layers.LSTM`` without the forget block, with
    the same initialisers (Glorot uniform, orthogonal, zeros): ``kernel``
    ``(n_features, 3 * units)``, ``recurrent_kernel`` ``(units, 3 * units)``, ``bias``
    ``(3 * units,)``, so ``3 * ((n_features + units) * units + units)`` parameters.
    States start at zero. Nothing bounds the cell state: on a long input it can
    grow without limit (Gers et al., 2000), which is what the forget gate fixes.

    Args:
        units: size of the hidden and cell states.
        return_sequences: return the hidden state of every step, ``(batch, steps, units)``,
            instead of the last one, ``(batch, units)``.
        **kwargs: passed to ``keras.layers.Layer`` (``name``, a non-empty string without ``/``, ...).

    Example:
        >>> cells.NoForgetLSTM(8)(np.zeros((2, 10, 3))).shape
        (2, 8)
    """

    def build(self, input_shape):
        self._add_weights(input_shape[-1], recurrent=True)

    def call(self, inputs):
        projected = _project(inputs, self.kernel, self.bias)  # (batch, steps, 3 * units), before the loop
        units = self.units
        # h and c travel as one (batch, 2 * units) carry: TensorFlow's scan trips on a tuple carry
        zeros = ops.zeros((ops.shape(inputs)[0], 2 * units), dtype=projected.dtype)

        def step(carry, projected_t):
            h, c = carry[:, :units], carry[:, units:]
            z = projected_t + ops.matmul(h, self.recurrent_kernel)
            i = ops.sigmoid(z[:, :units])
            g = ops.tanh(z[:, units : 2 * units])
            o = ops.sigmoid(z[:, 2 * units :])
            c = c + i * g
            h = o * ops.tanh(c)
            carry = ops.concatenate([h, c], axis=1)
            return carry, carry  # the per-step output shaped as the carry, as TensorFlow's scan expects

        last, states = ops.scan(step, zeros, ops.transpose(projected, (1, 0, 2)))
        if self.return_sequences:
            return ops.transpose(states[:, :, :units], (1, 0, 2))
        return last[:, :units]


def _project(inputs, kernel, bias):
    """``inputs @ kernel + bias`` for ``(batch, steps, features)`` inputs, as one 2-D matrix product.

    XLA on the CPU multiplies a 3-D array by a matrix several times slower than the
    same numbers reshaped to 2-D (measured 3-7x for these shapes).
    """
    steps = inputs.shape[1] if inputs.shape[1] is not None else ops.shape(inputs)[1]
    batch_steps = ops.reshape(inputs, (-1, ops.shape(inputs)[-1]))
    projected = ops.matmul(batch_steps, kernel) + bias
    # the static number of steps, where known, keeps the shape known to TensorFlow's graph (its scans need it)
    return ops.reshape(projected, (-1, steps, kernel.shape[1]))


def _compose(earlier, later):
    """Two steps ``h -> a h + b`` composed, ``later`` after ``earlier``: the associative operator of the scan."""
    a_earlier, b_earlier = earlier
    a_later, b_later = later
    return a_earlier * a_later, a_later * b_earlier + b_later


@keras.saving.register_keras_serializable(package="lstm_companion")
class MinLSTM(_SequenceLayer):
    """The minimal LSTM (minLSTM) of Feng et al. (2024): gates from the input alone, trained in parallel.

    With ``z = x_t W + b`` split into three blocks (forget, input, candidate)::

        f = sigmoid(z_f),  i = sigmoid(z_i)
        f' = f / (f + i),  i' = i / (f + i)      (the two gates normalised to sum to 1)
        h_t = f' * h_{t-1} + i' * z_h            from h_0 = 0

    Nothing in the gates depends on ``h_{t-1}``, so ``h_t = a_t h_{t-1} + b_t`` is a
    linear recurrence whose coefficients are known for every step before it runs:
    composing steps is associative, and ``keras.ops.associative_scan`` computes all
    the states in ``log2(steps)`` rounds of elementwise work instead of a loop over
    the steps. The paper's own code runs its scan in log space, which its
    formulation (dividing by a running product of forget gates) needs; composing
    pairs of steps only multiplies numbers in ``[0, 1]`` and adds, so here the
    equations run as written. There is no recurrent weight matrix and no output
    gate: ``kernel`` ``(n_features, 3 * units)`` and ``bias`` ``(3 * units,)``, so
    ``3 * (n_features + 1) * units`` parameters.

    Args:
        units: size of the hidden state.
        return_sequences: return the hidden state of every step, ``(batch, steps, units)``,
            instead of the last one, ``(batch, units)``.
        **kwargs: passed to ``keras.layers.Layer`` (``name``, a non-empty string without ``/``, ...).

    Example:
        >>> cells.MinLSTM(8, return_sequences=True)(np.zeros((2, 10, 3))).shape
        (2, 10, 8)
    """

    def build(self, input_shape):
        self._add_weights(input_shape[-1], recurrent=False)

    def call(self, inputs):
        z = _project(inputs, self.kernel, self.bias)
        units = self.units
        # f' = sigmoid(-d) and i' = sigmoid(d), with d = log(i / f): normalised without a division
        d = ops.softplus(-z[..., :units]) - ops.softplus(-z[..., units : 2 * units])
        _, states = ops.associative_scan(_compose, (ops.sigmoid(-d), ops.sigmoid(d) * z[..., 2 * units :]), axis=1)
        states = ops.reshape(states, (-1, z.shape[1] or ops.shape(z)[1], units))  # TensorFlow's scan drops the shape
        return states if self.return_sequences else states[:, -1]


#: The cells :func:`recurrent_layer` builds, with what each is.
CELLS = {
    "lstm": "LSTM with a forget gate (FusedLSTM: keras.layers.LSTM)",
    "gru": "gated recurrent unit (keras.layers.GRU, update gate's bias starting at 1)",
    "simple_rnn": "Elman RNN with tanh (keras.layers.SimpleRNN)",
    "irnn": "ReLU RNN whose recurrent weights start as the identity (keras.layers.SimpleRNN)",
    "lstm_no_forget": "the LSTM of 1997, without a forget gate (NoForgetLSTM)",
    "min_lstm": "minimal LSTM, gates from the input alone, trained by a parallel scan (MinLSTM)",
}


def recurrent_layer(cell: str, units: int, *, return_sequences: bool = False, name: str | None = None):
    """One recurrent layer of the given cell, with Keras's default initialisers unless the cell says otherwise.

    Args:
        cell: one of :data:`CELLS`.
        units: size of the state.
        return_sequences: return the state at every step instead of the last one.
        name: the layer's name (a non-empty string without ``/``), or ``None`` for Keras's.

    Returns:
        A ``keras.layers.Layer`` mapping ``(batch, steps, features)`` to ``(batch, units)``,
        or ``(batch, steps, units)`` with ``return_sequences=True``. The GRU's update gate
        starts at a bias of 1 (:class:`UpdateGateBias`), as the LSTM's forget gate does.
        The IRNN is a ``keras.layers.SimpleRNN`` with ReLU, the identity as initial
        recurrent weights and zero biases (Keras's default for biases).

    Example:
        >>> layer = cells.recurrent_layer("gru", 16)
    """
    cell = check_choice("cell", cell, tuple(CELLS))
    units = check_int("units", units)
    options = dict(
        return_sequences=check_bool("return_sequences", return_sequences),
        name=check_name("name", name, allow_none=True),
    )
    if cell == "lstm":
        return FusedLSTM(units, **options)
    if cell == "gru":
        return keras.layers.GRU(units, bias_initializer=UpdateGateBias(1.0), **options)
    if cell == "simple_rnn":
        return keras.layers.SimpleRNN(units, **options)
    if cell == "irnn":
        return keras.layers.SimpleRNN(
            units, activation="relu", recurrent_initializer=keras.initializers.Identity(), **options
        )
    if cell == "lstm_no_forget":
        return NoForgetLSTM(units, **options)
    return MinLSTM(units, **options)


def build_cell_model(
    n_steps: int,
    n_features: int,
    *,
    cell: str,
    units: int,
    n_outputs: int,
    output_activation: str | None = None,
) -> keras.Model:
    """One recurrent layer of any cell, whose final state feeds a Dense output: one value per sequence.

    With ``cell="lstm"`` these are the layers of :func:`lstm_companion.models.build_vanilla_lstm`.

    Args:
        n_steps, n_features: shape of one input sequence.
        cell: one of :data:`CELLS`.
        units: size of the state.
        n_outputs: values predicted per sequence.
        output_activation: activation of the output layer; linear when ``None``.

    Returns:
        Uncompiled ``keras.Model`` named after the cell, mapping ``(batch, n_steps, n_features)``
        to ``(batch, n_outputs)``, with :func:`count_parameters` parameters.

    Example:
        >>> model = cells.build_cell_model(40, 2, cell="min_lstm", units=262, n_outputs=1)
    """
    n_steps, n_features = check_sequence_shape(n_steps, n_features)
    cell = check_choice("cell", cell, tuple(CELLS))
    units = check_int("units", units)
    n_outputs = check_int("n_outputs", n_outputs)
    output_activation = check_activation(
        "output_activation", output_activation, allow_none=True, units=("n_outputs", n_outputs)
    )
    inputs = keras.Input(shape=(n_steps, n_features), name="inputs")
    state = recurrent_layer(cell, units, name=cell)(inputs)
    outputs = keras.layers.Dense(n_outputs, activation=output_activation, name="output")(state)
    return keras.Model(inputs, outputs, name=cell)


def build_char_model(
    n_symbols: int,
    *,
    units: int,
    embedding_dim: int = 32,
    cell: str = "lstm",
    n_steps: int | None = None,
) -> keras.Model:
    """A character language model: at every step, the probabilities of the next character.

    ``keras.layers.Embedding`` turns each character code into a vector, a recurrent
    layer of the given cell reads them (``return_sequences=True``), and a Dense
    softmax over the alphabet reads its state at every step. Train it on
    :func:`lstm_companion.text.next_char_windows` with
    ``loss="sparse_categorical_crossentropy"``; sample from it with
    :func:`lstm_companion.generation.sample_symbols`.

    Args:
        n_symbols: size of the alphabet (>= 2).
        units: size of the recurrent state.
        embedding_dim: size of each character's vector.
        cell: one of :data:`CELLS`.
        n_steps: fixed window length, or ``None`` for windows of any length.

    Returns:
        Uncompiled ``keras.Model`` mapping integer codes ``(batch, steps)`` to
        probabilities ``(batch, steps, n_symbols)``, with
        ``n_symbols * embedding_dim + count_parameters(cell, n_features=embedding_dim, units=units,
        n_outputs=n_symbols)`` parameters.

    Example:
        >>> model = cells.build_char_model(94, units=96)
    """
    n_symbols = check_int("n_symbols", n_symbols, minimum=2)
    units = check_int("units", units)
    embedding_dim = check_int("embedding_dim", embedding_dim)
    cell = check_choice("cell", cell, tuple(CELLS))
    if n_steps is not None:
        n_steps = check_int("n_steps", n_steps)
    inputs = keras.Input(shape=(n_steps,), dtype="int32", name="characters")
    vectors = keras.layers.Embedding(n_symbols, embedding_dim, name="embedding")(inputs)
    states = recurrent_layer(cell, units, return_sequences=True, name=cell)(vectors)
    outputs = keras.layers.Dense(n_symbols, activation="softmax", name="next_character")(states)
    return keras.Model(inputs, outputs, name=f"char_{cell}")


def _recurrent_parameters(cell: str, n: int, u: int) -> int:
    if cell == "lstm":
        return 4 * ((n + u) * u + u)
    if cell == "gru":
        return 3 * ((n + u) * u + 2 * u)  # Keras's GRU (reset_after=True) has two bias vectors
    if cell in ("simple_rnn", "irnn"):
        return (n + u) * u + u
    if cell == "lstm_no_forget":
        return 3 * ((n + u) * u + u)
    return 3 * (n + 1) * u


def count_parameters(cell: str, *, n_features: int, units: int, n_outputs: int = 0) -> int:
    """The parameters of one recurrent layer of ``cell``, plus a Dense output of ``n_outputs`` units.

    The formulas are in the table of this module; ``n_outputs=0`` counts the recurrent
    layer alone. :func:`build_cell_model` has exactly this many.

    Args:
        cell: one of :data:`CELLS`.
        n_features: values per input step.
        units: size of the state.
        n_outputs: units of the Dense output layer (``(units + 1) * n_outputs`` parameters); 0 for none.

    Returns:
        The number of parameters, an ``int``.

    Example:
        >>> cells.count_parameters("lstm", n_features=2, units=24, n_outputs=1)
        2617
    """
    cell = check_choice("cell", cell, tuple(CELLS))
    n_features = check_int("n_features", n_features)
    units = check_int("units", units)
    n_outputs = check_int("n_outputs", n_outputs, minimum=0)
    return _recurrent_parameters(cell, n_features, units) + (units + 1) * n_outputs


def match_units(cell: str, *, n_parameters: int, n_features: int, n_outputs: int = 0) -> int:
    """The number of units that gives ``cell`` the parameter count closest to ``n_parameters``.

    Counts as :func:`count_parameters` does (the recurrent layer, and a Dense output of
    ``n_outputs`` units). Ties go to the smaller layer.

    Args:
        cell: one of :data:`CELLS`.
        n_parameters: the parameter count to match, e.g. another cell's.
        n_features: values per input step.
        n_outputs: units of the Dense output layer; 0 to match the recurrent layers alone.

    Returns:
        ``units`` (>= 1), an ``int``.

    Example:
        >>> budget = cells.count_parameters("lstm", n_features=2, units=24, n_outputs=1)
        >>> cells.match_units("simple_rnn", n_parameters=budget, n_features=2, n_outputs=1)
        49
    """
    cell = check_choice("cell", cell, tuple(CELLS))
    n_parameters = check_int("n_parameters", n_parameters)
    n_features = check_int("n_features", n_features)
    n_outputs = check_int("n_outputs", n_outputs, minimum=0)

    def size(u: int) -> int:
        return _recurrent_parameters(cell, n_features, u) + (u + 1) * n_outputs

    low, high = 1, 1
    while size(high) < n_parameters:  # the count grows with the units: bracket, then bisect
        low, high = high, 2 * high
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if size(middle) < n_parameters else (low, middle)
    return min((low, high), key=lambda u: (abs(size(u) - n_parameters), u))
