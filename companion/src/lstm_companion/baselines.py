"""Models that are not LSTMs, for the LSTM to be compared with.

- :func:`build_mlp`: a multilayer perceptron, for problems without a time axis;
- :func:`build_window_mlp`: an MLP that sees only the last few steps of a sequence;
- :func:`build_simple_rnn`: an Elman RNN, the recurrent network before the LSTM;
- :func:`build_attention_reader`: attention from the last step, which looks
  things up instead of carrying them in a state;
- :func:`ngram_bits_per_char`: a character n-gram model, counted in NumPy, scored in
  bits per character on held-out text (the baseline of a character language model).

Like the LSTM builders of :mod:`lstm_companion.models`, each builder returns an
uncompiled ``keras.Model`` that starts with ``keras.Input`` and takes sequences
shaped ``(batch, n_steps, n_features)`` (except :func:`build_mlp`).
"""

from __future__ import annotations

import keras
import numpy as np

from ._validation import check_activation, check_array, check_float, check_int, check_name, check_sequence_shape
from .layers import LastStepAttention

__all__ = ["build_attention_reader", "build_mlp", "build_simple_rnn", "build_window_mlp", "ngram_bits_per_char"]


def build_mlp(
    n_inputs: int,
    n_outputs: int,
    *,
    hidden_units: int = 32,
    n_hidden_layers: int = 1,
    activation: str = "tanh",
    name: str = "mlp",
) -> keras.Model:
    """A multilayer perceptron: ``n_hidden_layers`` Dense layers, then a linear output.

    Args:
        n_inputs: features per sample.
        n_outputs: values predicted per sample.
        hidden_units: units in each hidden layer.
        n_hidden_layers: number of hidden layers.
        activation: activation of the hidden layers (a Keras activation name).
        name: the model's name (a non-empty string without ``/``).

    Returns:
        Uncompiled ``keras.Model`` mapping ``(batch, n_inputs)`` to ``(batch, n_outputs)``.

    Example:
        >>> model = baselines.build_mlp(1, 1, hidden_units=16)
    """
    n_inputs = check_int("n_inputs", n_inputs)
    n_outputs = check_int("n_outputs", n_outputs)
    hidden_units = check_int("hidden_units", hidden_units)
    n_hidden_layers = check_int("n_hidden_layers", n_hidden_layers)
    activation = check_activation("activation", activation, allow_none=False)
    name = check_name("name", name)
    inputs = keras.Input(shape=(n_inputs,), name="inputs")
    hidden = inputs
    for i in range(n_hidden_layers):
        hidden = keras.layers.Dense(hidden_units, activation=activation, name=f"hidden_{i + 1}")(hidden)
    outputs = keras.layers.Dense(n_outputs, name="output")(hidden)
    return keras.Model(inputs, outputs, name=name)


def build_window_mlp(
    n_steps: int,
    n_features: int,
    *,
    window: int,
    n_outputs: int,
    hidden_units: int = 32,
    output_activation: str | None = None,
) -> keras.Model:
    """An MLP that sees only the last ``window`` steps of each sequence.

    It takes whole sequences, so it trains on the same arrays as a recurrent
    model: ``Cropping1D`` keeps the last ``window`` steps, which are flattened
    into one vector for a hidden ReLU layer.

    Args:
        n_steps, n_features: shape of one input sequence.
        window: how many of the most recent steps the MLP sees, at most ``n_steps``.
        n_outputs: values predicted per sequence.
        hidden_units: units of the hidden layer.
        output_activation: activation of the output layer; linear when ``None``.

    Returns:
        Uncompiled ``keras.Model`` mapping ``(batch, n_steps, n_features)`` to
        ``(batch, n_outputs)``, with
        ``(window * n_features + 1) * hidden_units + (hidden_units + 1) * n_outputs`` parameters.

    Example:
        >>> model = baselines.build_window_mlp(50, 2, window=10, n_outputs=1)
    """
    n_steps = check_int("n_steps", n_steps)
    n_features = check_int("n_features", n_features)
    window = check_int("window", window)
    if window > n_steps:
        raise ValueError(f"window must be at most n_steps={n_steps}, got {window}")
    n_outputs = check_int("n_outputs", n_outputs)
    hidden_units = check_int("hidden_units", hidden_units)
    output_activation = check_activation(
        "output_activation", output_activation, allow_none=True, units=("n_outputs", n_outputs)
    )
    inputs = keras.Input(shape=(n_steps, n_features), name="inputs")
    recent = keras.layers.Cropping1D((n_steps - window, 0), name="last_steps")(inputs)
    flat = keras.layers.Flatten(name="flatten")(recent)
    hidden = keras.layers.Dense(hidden_units, activation="relu", name="hidden")(flat)
    outputs = keras.layers.Dense(n_outputs, activation=output_activation, name="output")(hidden)
    return keras.Model(inputs, outputs, name="window_mlp")


def build_simple_rnn(
    n_steps: int,
    n_features: int,
    *,
    units: int,
    n_outputs: int,
    output_activation: str | None = None,
    activation: str = "tanh",
    recurrent_gain: float = 1.0,
) -> keras.Model:
    """An Elman RNN (``keras.layers.SimpleRNN``) whose final state feeds a Dense output.

    Args:
        n_steps, n_features: shape of one input sequence.
        units: size of the hidden state.
        n_outputs: values predicted per sequence.
        output_activation: activation of the output layer; linear when ``None``.
        activation: activation of the recurrent layer.
        recurrent_gain: gain (> 0) of the orthogonal initialiser of the recurrent
            weights; Keras's default is 1.

    Returns:
        Uncompiled ``keras.Model`` mapping ``(batch, n_steps, n_features)`` to ``(batch, n_outputs)``,
        with ``(n_features + units) * units + units + (units + 1) * n_outputs`` parameters.

    Example:
        >>> model = baselines.build_simple_rnn(50, 2, units=32, n_outputs=1, recurrent_gain=1.5)
    """
    n_steps, n_features = check_sequence_shape(n_steps, n_features)
    inputs = keras.Input(shape=(n_steps, n_features), name="inputs")
    units = check_int("units", units)
    n_outputs = check_int("n_outputs", n_outputs)
    output_activation = check_activation(
        "output_activation", output_activation, allow_none=True, units=("n_outputs", n_outputs)
    )
    activation = check_activation("activation", activation, allow_none=False)
    recurrent_gain = check_float(
        "recurrent_gain", recurrent_gain, minimum=0.0, exclusive_minimum=True, dtype=np.float32
    )
    # Keras's own default when the gain is 1, so seeded runs match a plain SimpleRNN exactly.
    recurrent_initializer = (
        "orthogonal" if recurrent_gain == 1.0 else keras.initializers.Orthogonal(gain=recurrent_gain)
    )
    state = keras.layers.SimpleRNN(
        units, activation=activation, recurrent_initializer=recurrent_initializer, name="simple_rnn"
    )(inputs)
    outputs = keras.layers.Dense(n_outputs, activation=output_activation, name="output")(state)
    return keras.Model(inputs, outputs, name="simple_rnn")


def build_attention_reader(
    n_steps: int,
    n_features: int,
    *,
    key_dim: int,
    n_outputs: int,
    output_activation: str | None = None,
) -> keras.Model:
    """One attention layer whose query is the last step: it looks things up instead of remembering them.

    Every step, the last included, is a key and a value for the query at the last
    step (:class:`lstm_companion.layers.LastStepAttention`); a Dense layer reads
    the result. Nothing is carried from step to step, and there is no notion of
    position: the inputs must say what each step is (e.g.
    ``data.recall_problem(..., label_slots=True)``).

    Args:
        n_steps, n_features: shape of one input sequence.
        key_dim: size of the query, key and value projections.
        n_outputs: values predicted per sequence.
        output_activation: activation of the output layer; linear when ``None``.

    Returns:
        Uncompiled ``keras.Model`` mapping ``(batch, n_steps, n_features)`` to ``(batch, n_outputs)``,
        with ``3 * n_features * key_dim + (key_dim + 1) * n_outputs`` parameters.

    Example:
        >>> model = baselines.build_attention_reader(20, 12, key_dim=8, n_outputs=8, output_activation="softmax")
    """
    n_steps, n_features = check_sequence_shape(n_steps, n_features)
    inputs = keras.Input(shape=(n_steps, n_features), name="inputs")
    key_dim = check_int("key_dim", key_dim)
    n_outputs = check_int("n_outputs", n_outputs)
    output_activation = check_activation(
        "output_activation", output_activation, allow_none=True, units=("n_outputs", n_outputs)
    )
    read = LastStepAttention(key_dim, name="attention")(inputs)
    outputs = keras.layers.Dense(n_outputs, activation=output_activation, name="output")(read)
    return keras.Model(inputs, outputs, name="attention_reader")


# ---------------------------------------------------------------------------------------------
# The baseline of a character language model: n-gram counts, in NumPy.


def _check_codes(name: str, value, n_symbols: int, minimum_length: int) -> np.ndarray:
    codes = check_array(name, value, ndim=1)
    if np.any(codes != np.round(codes)) or codes.min() < 0 or codes.max() >= n_symbols:
        raise ValueError(
            f"{name} must hold integer codes from 0 to n_symbols - 1 = {n_symbols - 1}, "
            f"got values from {codes.min():g} to {codes.max():g}"
        )
    if len(codes) < minimum_length:
        raise ValueError(f"{name} must hold at least {minimum_length} codes for this order, got {len(codes)}")
    return codes.astype(np.int64)


def _ngram_ids(codes: np.ndarray, order: int, n_symbols: int) -> tuple[np.ndarray, np.ndarray]:
    """For every position from ``order - 1`` on: the id of the ``order - 1`` codes before it, and of all ``order``."""
    windows = np.lib.stride_tricks.sliding_window_view(codes, order)
    context = np.zeros(len(windows), dtype=np.int64)
    for j in range(order - 1):
        context = context * n_symbols + windows[:, j]
    return context, context * n_symbols + windows[:, -1]


def _counts(keys: np.ndarray, table: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """How often each of ``keys`` occurs, from a table ``(sorted unique keys, their counts)``."""
    unique, counts = table
    position = np.minimum(np.searchsorted(unique, keys), len(unique) - 1)
    return np.where(unique[position] == keys, counts[position], 0)


def ngram_bits_per_char(train, test, *, n_symbols: int, order: int = 3, smoothing: float = 0.05) -> float:
    """Bits per character of a character n-gram model on held-out text, with add-k smoothing.

    The model predicts each character from the ``order - 1`` characters before it, by
    counts over the training text (Lidstone's add-k smoothing)::

        P(c | context) = (N(context, c) + k) / (N(context) + k * n_symbols)

    so a context never seen gives every character the same probability. ``order=1``
    is the unigram model (character frequencies, no context), ``order=3`` the
    trigram. The score is the average of ``-log2 P`` over the characters of ``test``
    from position ``order - 1`` on (the first ``order - 1`` have no full context):
    the bits per character of a code built from the model, the unit of the
    cross-entropy a language model is trained on, divided by ``ln 2``.

    Args:
        train: integer codes of the training text, ``(length,)``, values in ``[0, n_symbols)``.
        test: integer codes of the held-out text, longer than ``order - 1``.
        n_symbols: size of the alphabet (>= 2).
        order: characters per n-gram, the one predicted included (1 to 9).
        smoothing: ``k`` (> 0), added to every count.

    Returns:
        Bits per character, a float; ``log2(n_symbols)`` for a model that knows nothing.

    Raises:
        ValueError: if the codes are not integers in ``[0, n_symbols)``, a text is too
            short for ``order``, or ``n_symbols ** order`` n-grams cannot be numbered in 64 bits.

    Example:
        >>> codes = text.encode_text(corpus, alphabet=alphabet)
        >>> baselines.ngram_bits_per_char(codes[:90_000], codes[90_000:], n_symbols=len(alphabet), order=3)
    """
    n_symbols = check_int("n_symbols", n_symbols, minimum=2)
    order = check_int("order", order, maximum=9)
    if n_symbols**order >= 2**63:
        raise ValueError(f"order must keep n_symbols ** order below 2**63 (n_symbols={n_symbols}), got {order}")
    smoothing = check_float("smoothing", smoothing, minimum=0.0, exclusive_minimum=True)
    train = _check_codes("train", train, n_symbols, order)
    test = _check_codes("test", test, n_symbols, order)
    train_context, train_ngram = _ngram_ids(train, order, n_symbols)
    test_context, test_ngram = _ngram_ids(test, order, n_symbols)
    n_ngram = _counts(test_ngram, np.unique(train_ngram, return_counts=True))
    n_context = _counts(test_context, np.unique(train_context, return_counts=True))
    probability = (n_ngram + smoothing) / (n_context + smoothing * n_symbols)
    return float(-np.mean(np.log2(probability)))
