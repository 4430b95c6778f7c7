"""Recurrent cells side by side: one builder, six cells, and their parameter counts.

====================  ==============================================  ===================================
``cell``              what it is                                      parameters of the recurrent layer
====================  ==============================================  ===================================
``"lstm"``            LSTM with a forget gate                         ``4 * ((n + u) * u + u)``
                      (:class:`~lstm_companion.layers.FusedLSTM`)
``"gru"``             gated recurrent unit (``keras.layers.GRU``)     ``3 * ((n + u) * u + 2 * u)``
``"simple_rnn"``      Elman RNN with tanh                             ``(n + u) * u + u``
                      (``keras.layers.SimpleRNN``)
``"irnn"``            ReLU RNN whose recurrent weights start as the   ``(n + u) * u + u``
                      identity, biases at zero (Le et al. 2015)
``"lstm_no_forget"``  the LSTM of 1997, without a forget gate         ``3 * ((n + u) * u + u)``
                      (:class:`~lstm_companion.layers.NoForgetLSTM`)
``"min_lstm"``        minimal LSTM: gates from the input alone,       ``3 * (n + 1) * u``
                      a parallel scan (Feng et al. 2024,
                      :class:`~lstm_companion.layers.MinLSTM`)
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

from ._validation import check_activation, check_bool, check_choice, check_int, check_name, check_sequence_shape
from .layers import FusedLSTM, MinLSTM, NoForgetLSTM

__all__ = [
    "CELLS",
    "build_cell_model",
    "build_char_model",
    "count_parameters",
    "match_units",
    "recurrent_layer",
]

#: The cells :func:`recurrent_layer` builds, with what each is.
CELLS = {
    "lstm": "LSTM with a forget gate (FusedLSTM: keras.layers.LSTM)",
    "gru": "gated recurrent unit (keras.layers.GRU)",
    "simple_rnn": "Elman RNN with tanh (keras.layers.SimpleRNN)",
    "irnn": "ReLU RNN whose recurrent weights start as the identity (keras.layers.SimpleRNN)",
    "lstm_no_forget": "the LSTM of 1997, without a forget gate (layers.NoForgetLSTM)",
    "min_lstm": "minimal LSTM, gates from the input alone, trained by a parallel scan (layers.MinLSTM)",
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
        or ``(batch, steps, units)`` with ``return_sequences=True``. The IRNN is a
        ``keras.layers.SimpleRNN`` with ReLU, the identity as initial recurrent weights
        and zero biases (Keras's default for biases).

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
        return keras.layers.GRU(units, **options)
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
