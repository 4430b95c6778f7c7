"""Model builders and inference helpers.

Builders are small pure functions: they take the problem's dimensions as
keyword arguments and return an **uncompiled** ``keras.Model`` that starts with
``keras.Input``. Compiling and training happen in the notebook (or in
:func:`lstm_companion.training.compile_and_fit`), where the reader sees them.

Their LSTM layers are :class:`lstm_companion.layers.FusedLSTM`: ``keras.layers.LSTM``
with the same arguments, weights and results, and a faster training loop on the
JAX backend (the stock layer on the others).
"""

from __future__ import annotations

import keras
import numpy as np

from ._validation import check_array, check_choice, check_float, check_int, check_shape_tuple
from .layers import FusedLSTM

__all__ = [
    "LSTM_DIRECTIONS",
    "SEQUENCE_MODEL_KINDS",
    "LastStepAttention",
    "ReverseSteps",
    "TimeDistributed",
    "build_attention_reader",
    "build_bidirectional_lstm",
    "build_cnn_lstm",
    "build_encoder_decoder_lstm",
    "build_generative_lstm",
    "build_mlp",
    "build_sequence_model",
    "build_simple_rnn",
    "build_stacked_lstm",
    "build_vanilla_lstm",
    "build_window_mlp",
    "continue_sequence",
    "generate_sequence",
]

#: The problem kinds :func:`build_sequence_model` knows, with the layout it uses.
SEQUENCE_MODEL_KINDS = {
    "one_to_one": "Dense -> Dense (an MLP: there is no sequence)",
    "many_to_one": "LSTM -> Dense (the final hidden state summarises the sequence)",
    "one_to_many": "Dense -> RepeatVector -> LSTM(return_sequences) -> TimeDistributed(Dense)",
    "many_to_many": "LSTM encoder -> RepeatVector -> LSTM decoder -> TimeDistributed(Dense)",
    "sequence_classification": "LSTM -> Dense(sigmoid or softmax)",
    "sequence_generation": "LSTM -> Dense (predicts the next step, fed back to generate)",
}

# Input rank (without the batch axis) and output rank each kind expects.
_RANKS = {
    "one_to_one": (1, 1),
    "many_to_one": (2, 1),
    "one_to_many": (1, 2),
    "many_to_many": (2, 2),
    "sequence_classification": (2, 1),
    "sequence_generation": (2, 1),
}


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
        n_hidden_layers: number of hidden layers (>= 1).
        activation: activation of the hidden layers (a Keras activation name).
        name: the model's name.

    Returns:
        Uncompiled ``keras.Model`` mapping ``(batch, n_inputs)`` to ``(batch, n_outputs)``.

    Used by: "Sequence prediction and the terminology of the notes", through
    ``build_sequence_model("one_to_one", ...)``.
    """
    n_inputs = check_int("n_inputs", n_inputs)
    n_outputs = check_int("n_outputs", n_outputs)
    hidden_units = check_int("hidden_units", hidden_units)
    n_hidden_layers = check_int("n_hidden_layers", n_hidden_layers)
    activation = _check_activation("activation", activation, allow_none=False)
    inputs = keras.Input(shape=(n_inputs,), name="inputs")
    hidden = inputs
    for i in range(n_hidden_layers):
        hidden = keras.layers.Dense(hidden_units, activation=activation, name=f"hidden_{i + 1}")(hidden)
    outputs = keras.layers.Dense(n_outputs, name="output")(hidden)
    return keras.Model(inputs, outputs, name=name)


def _check_activation(name: str, value, *, allow_none: bool):
    if value is None and allow_none:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a Keras activation name (str){' or None' if allow_none else ''}, got {value!r}")
    try:
        keras.activations.get(value)
    except ValueError as error:
        raise ValueError(f"{name} must be a Keras activation name, got {value!r}") from error
    return value


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

    The model takes whole sequences, so it can be trained on the same arrays as
    a recurrent model; a ``Cropping1D`` layer keeps the last ``window`` steps,
    which are flattened into one vector for a hidden Dense layer.

    Args:
        n_steps: sequence length of the input.
        n_features: features per step.
        window: how many of the most recent steps the MLP sees, ``1 <= window <= n_steps``.
        n_outputs: values predicted per sequence.
        hidden_units: units of the hidden ReLU layer.
        output_activation: activation of the output layer, e.g. ``"softmax"``; linear when ``None``.

    Returns:
        Uncompiled ``keras.Model`` mapping ``(batch, n_steps, n_features)`` to ``(batch, n_outputs)``.
        It has ``(window * n_features + 1) * hidden_units + (hidden_units + 1) * n_outputs`` parameters.

    Used by: "From MLPs to RNNs", "LSTM vs RNN vs MLP: the adding problem",
    "Forecasting: a window and a linear model, or an LSTM?".
    """
    n_steps = check_int("n_steps", n_steps)
    n_features = check_int("n_features", n_features)
    window = check_int("window", window)
    if window > n_steps:
        raise ValueError(f"window must be at most n_steps={n_steps}, got {window}")
    n_outputs = check_int("n_outputs", n_outputs)
    hidden_units = check_int("hidden_units", hidden_units)
    output_activation = _check_activation("output_activation", output_activation, allow_none=True)
    inputs = keras.Input(shape=(n_steps, n_features), name="inputs")
    recent = keras.layers.Cropping1D((n_steps - window, 0), name="last_steps")(inputs)
    flat = keras.layers.Flatten(name="flatten")(recent)
    hidden = keras.layers.Dense(hidden_units, activation="relu", name="hidden")(flat)
    outputs = keras.layers.Dense(n_outputs, activation=output_activation, name="output")(hidden)
    return keras.Model(inputs, outputs, name="window_mlp")


def _recurrent_input(n_steps, n_features):
    """Check the sequence dimensions and return the ``keras.Input`` of a recurrent builder."""
    n_steps = check_int("n_steps", n_steps)
    n_features = check_int("n_features", n_features)
    return keras.Input(shape=(n_steps, n_features), name="inputs")


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
        n_steps: sequence length of the input.
        n_features: features per step.
        units: size of the hidden state.
        n_outputs: values predicted per sequence.
        output_activation: activation of the output layer, e.g. ``"softmax"``; linear when ``None``.
        activation: activation of the recurrent layer (Keras's default ``"tanh"``).
        recurrent_gain: gain of the orthogonal initialiser of the recurrent
            weights (> 0). Keras's default is 1; above 1 every step can stretch
            the state, which makes gradients explode.

    Returns:
        Uncompiled ``keras.Model`` mapping ``(batch, n_steps, n_features)`` to ``(batch, n_outputs)``.
        It has ``(n_features + units) * units + units + (units + 1) * n_outputs`` parameters.

    Used by: "From MLPs to RNNs", "The vanishing and exploding gradient problem",
    "LSTM vs RNN vs MLP: the adding problem".
    """
    inputs = _recurrent_input(n_steps, n_features)
    units = check_int("units", units)
    n_outputs = check_int("n_outputs", n_outputs)
    output_activation = _check_activation("output_activation", output_activation, allow_none=True)
    activation = _check_activation("activation", activation, allow_none=False)
    recurrent_gain = check_float("recurrent_gain", recurrent_gain, minimum=0.0, exclusive_minimum=True)
    # Keras's own default when the gain is 1, so seeded runs match a plain SimpleRNN exactly.
    recurrent_initializer = "orthogonal" if recurrent_gain == 1.0 else keras.initializers.Orthogonal(gain=recurrent_gain)
    state = keras.layers.SimpleRNN(
        units, activation=activation, recurrent_initializer=recurrent_initializer, name="simple_rnn"
    )(inputs)
    outputs = keras.layers.Dense(n_outputs, activation=output_activation, name="output")(state)
    return keras.Model(inputs, outputs, name="simple_rnn")


def build_vanilla_lstm(
    n_steps: int,
    n_features: int,
    *,
    units: int,
    n_outputs: int,
    output_activation: str | None = None,
    forget_bias: float = 1.0,
) -> keras.Model:
    """The vanilla LSTM: one ``keras.layers.LSTM`` whose final hidden state feeds a Dense output.

    Args:
        n_steps: sequence length of the input.
        n_features: features per step.
        units: size of the hidden and cell states.
        n_outputs: values predicted per sequence.
        output_activation: activation of the output layer, e.g. ``"softmax"``; linear when ``None``.
        forget_bias: initial bias of the forget gate (finite). Keras's default
            is 1 (``unit_forget_bias=True``), so the gate starts at about
            ``sigmoid(1) = 0.73``; larger values start it closer to fully open,
            so the cell state, and the gradient along it, is carried over more steps.

    Returns:
        Uncompiled ``keras.Model`` mapping ``(batch, n_steps, n_features)`` to ``(batch, n_outputs)``.
        It has ``4 * ((n_features + units) * units + units) + (units + 1) * n_outputs`` parameters.

    Used by: "The vanishing and exploding gradient problem", "The vanilla LSTM", and the
    three claims chapters.
    """
    inputs = _recurrent_input(n_steps, n_features)
    units = check_int("units", units)
    n_outputs = check_int("n_outputs", n_outputs)
    output_activation = _check_activation("output_activation", output_activation, allow_none=True)
    forget_bias = check_float("forget_bias", forget_bias)
    lstm = FusedLSTM(units, name="lstm")
    state = lstm(inputs)
    outputs = keras.layers.Dense(n_outputs, activation=output_activation, name="output")(state)
    if forget_bias != 1.0:
        bias = np.zeros(4 * units, dtype=np.float32)
        bias[units : 2 * units] = forget_bias  # gate order: input, forget, candidate, output
        lstm.cell.bias.assign(bias)
    return keras.Model(inputs, outputs, name="vanilla_lstm")


def build_stacked_lstm(
    n_steps: int,
    n_features: int,
    *,
    units: int,
    n_layers: int = 2,
    n_outputs: int,
    output_activation: str | None = None,
) -> keras.Model:
    """A stack of LSTM layers: each passes its whole sequence of hidden states to the next.

    All but the last LSTM use ``return_sequences=True``, so layer ``k + 1``
    reads the sequence of ``units``-dimensional states of layer ``k``; the last
    one's final state feeds a Dense output.

    Args:
        n_steps: sequence length of the input.
        n_features: features per step.
        units: size of every LSTM layer's state.
        n_layers: number of stacked LSTM layers (>= 1; 1 is the vanilla LSTM).
        n_outputs: values predicted per sequence.
        output_activation: activation of the output layer; linear when ``None``.

    Returns:
        Uncompiled ``keras.Model`` mapping ``(batch, n_steps, n_features)`` to
        ``(batch, n_outputs)``, with ``4 * ((n_features + units) * units + units)``
        parameters in the first LSTM, ``4 * (2 * units * units + units)`` in each
        further one, and ``(units + 1) * n_outputs`` in the output layer.

    Used by: "The stacked LSTM".
    """
    inputs = _recurrent_input(n_steps, n_features)
    units = check_int("units", units)
    n_layers = check_int("n_layers", n_layers)
    n_outputs = check_int("n_outputs", n_outputs)
    output_activation = _check_activation("output_activation", output_activation, allow_none=True)
    hidden = inputs
    for i in range(n_layers):
        hidden = FusedLSTM(units, return_sequences=i < n_layers - 1, name=f"lstm_{i + 1}")(hidden)
    outputs = keras.layers.Dense(n_outputs, activation=output_activation, name="output")(hidden)
    return keras.Model(inputs, outputs, name="stacked_lstm")


def build_cnn_lstm(
    n_frames: int,
    height: int,
    width: int,
    channels: int,
    *,
    filters: int = 8,
    kernel_size: int = 3,
    units: int = 16,
    n_outputs: int,
    output_activation: str | None = "softmax",
) -> keras.Model:
    """A CNN reads each frame, an LSTM reads the sequence of frame features.

    ``TimeDistributed`` applies the same small CNN (``Conv2D`` with ReLU,
    ``MaxPooling2D`` of 2, ``Flatten``) to every frame; the LSTM then sees one
    feature vector per frame, and its final state feeds a Dense output.

    Args:
        n_frames: frames per sequence (the time axis).
        height, width, channels: size of every frame.
        filters: number of convolution filters.
        kernel_size: side of the square convolution kernel, at most ``min(height, width)``.
        units: size of the LSTM state.
        n_outputs: values (or classes) predicted per sequence.
        output_activation: activation of the output layer, ``"softmax"`` for classes.

    Returns:
        Uncompiled ``keras.Model`` mapping ``(batch, n_frames, height, width, channels)``
        to ``(batch, n_outputs)``.

    Used by: "The CNN LSTM".
    """
    n_frames = check_int("n_frames", n_frames)
    height = check_int("height", height)
    width = check_int("width", width)
    channels = check_int("channels", channels)
    filters = check_int("filters", filters)
    kernel_size = check_int("kernel_size", kernel_size)
    if kernel_size > min(height, width):
        raise ValueError(f"kernel_size must be at most min(height, width) = {min(height, width)}, got {kernel_size}")
    if (height - kernel_size + 1) < 2 or (width - kernel_size + 1) < 2:
        raise ValueError(
            f"frames of {height}x{width} are too small for kernel_size={kernel_size} followed by 2x2 pooling"
        )
    units = check_int("units", units)
    n_outputs = check_int("n_outputs", n_outputs)
    output_activation = _check_activation("output_activation", output_activation, allow_none=True)
    layers = keras.layers
    inputs = keras.Input(shape=(n_frames, height, width, channels), name="frames")
    hidden = layers.TimeDistributed(layers.Conv2D(filters, kernel_size, activation="relu"), name="conv")(inputs)
    hidden = layers.TimeDistributed(layers.MaxPooling2D(2), name="pool")(hidden)
    hidden = layers.TimeDistributed(layers.Flatten(), name="flatten")(hidden)
    hidden = FusedLSTM(units, name="lstm")(hidden)
    outputs = layers.Dense(n_outputs, activation=output_activation, name="output")(hidden)
    return keras.Model(inputs, outputs, name="cnn_lstm")


def build_encoder_decoder_lstm(
    n_steps_in: int,
    n_features_in: int,
    n_steps_out: int,
    n_features_out: int,
    *,
    units: int,
    output_activation: str | None = "softmax",
) -> keras.Model:
    """Sequence to sequence: an encoder LSTM reads the input, a decoder LSTM writes the output.

    The encoder's final state is one fixed-size vector; ``RepeatVector`` hands
    it to the decoder at each of the ``n_steps_out`` output steps, and a
    ``TimeDistributed`` Dense layer turns every decoder state into one output
    step. Input and output lengths are independent.

    Args:
        n_steps_in, n_features_in: shape of one input sequence.
        n_steps_out, n_features_out: shape of one output sequence.
        units: size of the encoder's and the decoder's states.
        output_activation: activation per output step, ``"softmax"`` for symbols.

    Returns:
        Uncompiled ``keras.Model`` mapping ``(batch, n_steps_in, n_features_in)``
        to ``(batch, n_steps_out, n_features_out)``.

    Used by: "The encoder-decoder LSTM".
    """
    n_steps_in = check_int("n_steps_in", n_steps_in)
    n_features_in = check_int("n_features_in", n_features_in)
    n_steps_out = check_int("n_steps_out", n_steps_out)
    n_features_out = check_int("n_features_out", n_features_out)
    units = check_int("units", units)
    output_activation = _check_activation("output_activation", output_activation, allow_none=True)
    layers = keras.layers
    inputs = keras.Input(shape=(n_steps_in, n_features_in), name="inputs")
    encoded = FusedLSTM(units, name="encoder")(inputs)
    repeated = layers.RepeatVector(n_steps_out, name="repeat")(encoded)
    decoded = FusedLSTM(units, return_sequences=True, name="decoder")(repeated)
    outputs = layers.TimeDistributed(
        layers.Dense(n_features_out, activation=output_activation), name="output"
    )(decoded)
    return keras.Model(inputs, outputs, name="encoder_decoder_lstm")


@keras.saving.register_keras_serializable(package="lstm_companion")
class ReverseSteps(keras.layers.Layer):
    """Reverse the time axis (axis 1) of a ``(batch, steps, features)`` tensor."""

    def call(self, inputs):
        return keras.ops.flip(inputs, axis=1)

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package="lstm_companion")
class TimeDistributed(keras.layers.TimeDistributed):
    """``keras.layers.TimeDistributed`` that also works when the number of steps is unknown.

    Applies ``layer`` to every step of a ``(batch, steps, ...)`` tensor. Keras's
    own wrapper (checked up to Keras 3.15) has a bug on the path for sequences
    whose length is unknown when the model is traced, which is what the
    TensorFlow backend does with an input of shape ``(None, None, features)``:
    it maps over ``range(batch size)`` instead of ``range(steps)``, so a batch of
    3 sequences of 5 steps comes back with 3 steps, or the call fails. This
    subclass maps over the steps there; with a known number of steps, and on the
    JAX and torch backends, it runs Keras's code unchanged.

    Args:
        layer: the ``keras.layers.Layer`` applied to each step.
        **kwargs: passed to ``keras.layers.TimeDistributed`` (``name``, ...).

    Used by: :func:`build_generative_lstm`, whose models accept any length.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, keras.layers.Layer):
            raise TypeError(f"layer must be a keras.layers.Layer instance, got {layer!r}")
        super().__init__(layer, **kwargs)

    def call(self, inputs, training=None, mask=None):
        if inputs.shape[1] is not None:
            return super().call(inputs, training=training, mask=mask)
        steps_first = keras.ops.swapaxes(inputs, 0, 1)
        mask_steps_first = None if mask is None else keras.ops.swapaxes(mask, 0, 1)

        def one_step(t):
            kwargs = {}
            if self.layer._call_has_mask_arg and mask_steps_first is not None:
                kwargs["mask"] = mask_steps_first[t]
            if self.layer._call_has_training_arg:
                kwargs["training"] = training
            return self.layer.call(steps_first[t], **kwargs)

        outputs = keras.ops.vectorized_map(one_step, keras.ops.arange(keras.ops.shape(steps_first)[0]))
        return keras.ops.swapaxes(outputs, 0, 1)


#: Reading directions :func:`build_bidirectional_lstm` offers.
LSTM_DIRECTIONS = ("forward", "backward", "bidirectional")


def build_bidirectional_lstm(
    n_steps: int,
    n_features: int,
    *,
    units: int,
    n_outputs: int = 1,
    direction: str = "bidirectional",
    merge_mode: str = "concat",
    output_activation: str | None = "sigmoid",
) -> keras.Model:
    """An LSTM that labels every step, reading forwards, backwards, or both ways.

    With ``direction="bidirectional"`` a ``keras.layers.Bidirectional`` wrapper
    runs one LSTM left to right and a second one right to left and merges their
    states at each step (``merge_mode``); ``"forward"`` and ``"backward"`` keep
    one of the two, so the three variants can be compared with the same code.
    The state at each step feeds a ``TimeDistributed`` Dense layer.

    Args:
        n_steps: sequence length.
        n_features: features per step.
        units: size of the state of each LSTM (each direction).
        n_outputs: values predicted per step.
        direction: one of :data:`LSTM_DIRECTIONS`.
        merge_mode: how the two directions combine, ``"concat"``, ``"sum"``,
            ``"mul"`` or ``"ave"`` (only used when bidirectional).
        output_activation: activation per step, ``"sigmoid"`` for 0/1 labels.

    Returns:
        Uncompiled ``keras.Model`` mapping ``(batch, n_steps, n_features)`` to
        ``(batch, n_steps, n_outputs)``. The LSTM part has
        ``4 * ((n_features + units) * units + units)`` parameters per direction.

    Used by: "The bidirectional LSTM".
    """
    inputs = _recurrent_input(n_steps, n_features)
    units = check_int("units", units)
    n_outputs = check_int("n_outputs", n_outputs)
    direction = check_choice("direction", direction, LSTM_DIRECTIONS)
    merge_mode = check_choice("merge_mode", merge_mode, ("concat", "sum", "mul", "ave"))
    output_activation = _check_activation("output_activation", output_activation, allow_none=True)
    layers = keras.layers
    if direction == "bidirectional":
        states = layers.Bidirectional(
            FusedLSTM(units, return_sequences=True), merge_mode=merge_mode, name="bidirectional"
        )(inputs)
    elif direction == "forward":
        states = FusedLSTM(units, return_sequences=True, name="forward")(inputs)
    else:  # read the reversed sequence, then put the states back in time order
        reversed_states = FusedLSTM(units, return_sequences=True, name="backward")(ReverseSteps(name="reverse")(inputs))
        states = ReverseSteps(name="restore_order")(reversed_states)
    outputs = layers.TimeDistributed(layers.Dense(n_outputs, activation=output_activation), name="output")(states)
    return keras.Model(inputs, outputs, name=f"{direction}_lstm")


def build_generative_lstm(
    n_features: int,
    *,
    units: int,
    n_steps: int | None = None,
) -> keras.Model:
    """An LSTM that predicts, at every step, the next step of the sequence.

    ``LSTM(return_sequences=True)`` followed by a ``TimeDistributed`` Dense
    layer: output ``t`` is the prediction of input ``t + 1``. Trained with
    targets shifted by one step (teacher forcing), it generates new sequences
    with :func:`continue_sequence`. With ``n_steps=None`` the model accepts
    sequences of any length, which generation needs.

    Args:
        n_features: values per step (2 for points in the plane).
        units: size of the LSTM state.
        n_steps: fixed sequence length, or ``None`` for any length.

    Returns:
        Uncompiled ``keras.Model`` mapping ``(batch, steps, n_features)`` to
        ``(batch, steps, n_features)``.

    Used by: "The generative LSTM".
    """
    n_features = check_int("n_features", n_features)
    units = check_int("units", units)
    if n_steps is not None:
        n_steps = check_int("n_steps", n_steps)
    layers = keras.layers
    inputs = keras.Input(shape=(n_steps, n_features), name="inputs")
    states = FusedLSTM(units, return_sequences=True, name="lstm")(inputs)
    # The companion's TimeDistributed: Keras's fails on TensorFlow when the length is unknown.
    outputs = TimeDistributed(layers.Dense(n_features), name="next_step")(states)
    return keras.Model(inputs, outputs, name="generative_lstm")


@keras.saving.register_keras_serializable(package="lstm_companion")
class LastStepAttention(keras.layers.Layer):
    """Dot-product attention from the last step of a sequence to all its steps.

    For inputs ``x`` of shape ``(batch, steps, features)``: the query is
    ``q = x[:, -1] @ W_q``, every step ``t`` has a key ``k_t = x[:, t] @ W_k``
    and a value ``v_t = x[:, t] @ W_v``, and the output is
    ``sum_t softmax_t(k_t . q / sqrt(key_dim)) v_t``, of shape
    ``(batch, key_dim)``. The three weight matrices are
    ``(features, key_dim)`` each, without biases.

    Args:
        key_dim: size of the query, key and value projections (>= 1).
    """

    def __init__(self, key_dim: int, **kwargs):
        super().__init__(**kwargs)
        self.key_dim = check_int("key_dim", key_dim)

    def build(self, input_shape):
        n_features = input_shape[-1]
        for name in ("query", "key", "value"):
            setattr(self, name, self.add_weight(shape=(n_features, self.key_dim), name=name))

    def call(self, inputs):
        ops = keras.ops
        query = ops.matmul(inputs[:, -1, :], self.query)  # (batch, key_dim)
        keys = ops.matmul(inputs, self.key)  # (batch, steps, key_dim)
        scores = ops.sum(keys * query[:, None, :], axis=-1) / float(np.sqrt(self.key_dim))
        weights = ops.softmax(scores, axis=-1)  # (batch, steps), sums to 1 over the steps
        return ops.sum(weights[:, :, None] * ops.matmul(inputs, self.value), axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.key_dim)

    def get_config(self):
        return {**super().get_config(), "key_dim": self.key_dim}


def build_attention_reader(
    n_steps: int,
    n_features: int,
    *,
    key_dim: int,
    n_outputs: int,
    output_activation: str | None = None,
) -> keras.Model:
    """One attention layer whose query is the last step: a model that looks things up instead of remembering them.

    The last step of the sequence is the query; every step, itself included,
    is a key and a value (:class:`LastStepAttention`). The output is a weighted
    sum of the projected steps, with weights from how well each step's key
    matches the query, followed by a Dense layer. Nothing is carried from step
    to step: any step can be read at the end, however far back it is. It is the
    contrast to the LSTM in "The limits of LSTM memory". It has no notion of
    position, so the inputs must say what each step is (e.g.
    ``data.recall_problem(..., label_slots=True)``).

    Args:
        n_steps: sequence length of the input.
        n_features: features per step.
        key_dim: size of the query, key and value projections.
        n_outputs: values predicted per sequence.
        output_activation: activation of the output layer, e.g. ``"softmax"``; linear when ``None``.

    Returns:
        Uncompiled ``keras.Model`` mapping ``(batch, n_steps, n_features)`` to ``(batch, n_outputs)``.
        It has ``3 * n_features * key_dim + (key_dim + 1) * n_outputs`` parameters.

    Used by: "The limits of LSTM memory".
    """
    inputs = _recurrent_input(n_steps, n_features)
    key_dim = check_int("key_dim", key_dim)
    n_outputs = check_int("n_outputs", n_outputs)
    output_activation = _check_activation("output_activation", output_activation, allow_none=True)
    read = LastStepAttention(key_dim, name="attention")(inputs)
    outputs = keras.layers.Dense(n_outputs, activation=output_activation, name="output")(read)
    return keras.Model(inputs, outputs, name="attention_reader")


def continue_sequence(model: keras.Model, prefix, *, n_steps: int) -> np.ndarray:
    """Extend ``prefix`` by ``n_steps`` steps, feeding a generative model its own predictions.

    At each round the prediction for the step after the last known one is
    appended. The model must be causal, its output at step ``t`` depending only
    on inputs up to ``t``, as a forward LSTM's is: that lets every round run the
    model on one buffer of the final length (steps not yet generated hold
    zeros and cannot affect the output read), so the model is compiled once
    rather than once per length.

    Args:
        model: a trained model from :func:`build_generative_lstm` with ``n_steps=None``.
        prefix: the given start, ``(steps, n_features)`` or ``(batch, steps, n_features)``.
        n_steps: number of steps to generate (>= 1).

    Returns:
        The prefix followed by the generated steps:
        ``(steps + n_steps, n_features)``, or with a leading batch axis.

    Used by: "The generative LSTM".
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    n_steps = check_int("n_steps", n_steps)
    prefix = check_array("prefix", prefix, ndim=(2, 3))
    single = prefix.ndim == 2
    known = (prefix[None] if single else prefix).astype(np.float32)
    expected = tuple(model.input_shape[1:])
    if len(expected) != 2 or expected[0] is not None or expected[1] != known.shape[2]:
        raise ValueError(
            "model must accept sequences of any length with "
            f"{known.shape[2]} features (input shape (None, {known.shape[2]})), got {expected}"
        )
    batch, start, n_features = known.shape
    sequence = np.zeros((batch, start + n_steps, n_features), dtype=np.float32)
    sequence[:, :start] = known
    for t in range(start, start + n_steps):
        prediction = np.asarray(model.predict_on_batch(sequence))
        if prediction.shape != sequence.shape:
            raise ValueError(
                f"model must predict one step per input step, shape {sequence.shape}, got {prediction.shape}"
            )
        sequence[:, t] = prediction[:, t - 1]
    return sequence[0] if single else sequence


def build_sequence_model(
    kind: str,
    *,
    input_shape: tuple[int, ...],
    output_shape: tuple[int, ...],
    units: int = 16,
) -> keras.Model:
    """A tiny model with the right input/output layout for a kind of sequence problem.

    The layouts are listed in :data:`SEQUENCE_MODEL_KINDS`. Shapes exclude the
    batch axis: ``(features,)`` for a single value, ``(steps, features)`` for a
    sequence.

    Args:
        kind: one of :data:`SEQUENCE_MODEL_KINDS`.
        input_shape: shape of one input sample, ``(features,)`` for ``one_to_one``
            and ``one_to_many``, ``(steps, features)`` otherwise.
        output_shape: shape of one target, ``(steps, features)`` for
            ``one_to_many`` and ``many_to_many``, ``(features,)`` otherwise.
            For ``sequence_classification`` ``(1,)`` gives a sigmoid output and
            ``(num_classes,)`` a softmax; for ``sequence_generation`` it must
            equal the input's feature count, since predictions are fed back.
        units: width of every LSTM and hidden Dense layer.

    Returns:
        Uncompiled ``keras.Model`` from ``(batch, *input_shape)`` to ``(batch, *output_shape)``.

    Used by: "Sequence prediction and the terminology of the notes".
    """
    kind = check_choice("kind", kind, tuple(SEQUENCE_MODEL_KINDS))
    in_rank, out_rank = _RANKS[kind]
    input_shape = check_shape_tuple("input_shape", input_shape, min_rank=in_rank, max_rank=in_rank)
    output_shape = check_shape_tuple("output_shape", output_shape, min_rank=out_rank, max_rank=out_rank)
    units = check_int("units", units)
    n_out = output_shape[-1]
    if kind == "sequence_generation" and n_out != input_shape[-1]:
        raise ValueError(
            "output_shape must equal (n_features,) of the input for sequence_generation, "
            f"got {output_shape} for input_shape {input_shape}"
        )

    if kind == "one_to_one":  # no sequence at all: a plain MLP
        return build_mlp(input_shape[0], n_out, hidden_units=units, activation="tanh", name=kind)

    inputs = keras.Input(shape=input_shape, name="inputs")
    layers = keras.layers
    if kind in ("many_to_one", "sequence_generation"):
        hidden = FusedLSTM(units, name="lstm")(inputs)
        outputs = layers.Dense(n_out, name="output")(hidden)
    elif kind == "sequence_classification":
        hidden = FusedLSTM(units, name="lstm")(inputs)
        activation = "sigmoid" if n_out == 1 else "softmax"
        outputs = layers.Dense(n_out, activation=activation, name="output")(hidden)
    elif kind == "one_to_many":
        hidden = layers.Dense(units, activation="tanh", name="embed")(inputs)
        hidden = layers.RepeatVector(output_shape[0], name="repeat")(hidden)
        hidden = FusedLSTM(units, return_sequences=True, name="lstm")(hidden)
        outputs = layers.TimeDistributed(layers.Dense(n_out), name="output")(hidden)
    else:  # many_to_many
        encoded = FusedLSTM(units, name="encoder")(inputs)
        hidden = layers.RepeatVector(output_shape[0], name="repeat")(encoded)
        hidden = FusedLSTM(units, return_sequences=True, name="decoder")(hidden)
        outputs = layers.TimeDistributed(layers.Dense(n_out), name="output")(hidden)
    return keras.Model(inputs, outputs, name=kind)


def generate_sequence(model: keras.Model, context, *, n_steps: int) -> np.ndarray:
    """Generate ``n_steps`` new steps by feeding a one-step-ahead model its own predictions.

    The model must map ``(batch, window, features)`` to ``(batch, features)``
    (e.g. a trained ``sequence_generation`` model). Each new prediction is
    appended to the window and the oldest step dropped.

    Args:
        model: trained ``keras.Model``.
        context: the seed window, ``(window, features)`` or ``(batch, window, features)``.
        n_steps: number of steps to generate (>= 1).

    Returns:
        Generated values: ``(n_steps, features)``, or ``(batch, n_steps, features)``
        for a batched context.

    Used by: "Sequence prediction and the terminology of the notes".
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    n_steps = check_int("n_steps", n_steps)
    context = check_array("context", context, ndim=(2, 3))
    single = context.ndim == 2
    window = (context[None] if single else context).astype(np.float32)
    expected = tuple(model.input_shape[1:])
    if len(expected) != 2 or any(e is not None and e != w for e, w in zip(expected, window.shape[1:])):
        raise ValueError(
            f"context must have per-sample shape {expected} to match the model's input, "
            f"got {window.shape[1:]}"
        )
    generated = []
    for _ in range(n_steps):
        step = np.asarray(model.predict_on_batch(window))
        if step.shape != (window.shape[0], window.shape[2]):
            raise ValueError(
                "model must predict one step of shape (batch, features) = "
                f"{(window.shape[0], window.shape[2])}, got {step.shape}"
            )
        generated.append(step)
        window = np.concatenate([window[:, 1:], step[:, None, :]], axis=1)
    result = np.stack(generated, axis=1)
    return result[0] if single else result
