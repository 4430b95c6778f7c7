"""Model builders: functions that return an uncompiled ``keras.Model``, by kind of problem.

=====================================  =============================================  ==============================
Problem                                Builder                                        Shapes, without the batch axis
=====================================  =============================================  ==============================
one to one (no sequence)               :func:`~lstm_companion.baselines.build_mlp`    ``(n_inputs,)`` to
                                                                                      ``(n_outputs,)``
many to one (a value per sequence)     :func:`build_vanilla_lstm`; deeper,            ``(n_steps, n_features)`` to
                                       :func:`build_stacked_lstm`; both ways,         ``(n_outputs,)``
                                       :func:`build_bidirectional_lstm` with
                                       ``return_sequences=False``
many to many (an output per step)      :func:`build_bidirectional_lstm`               ``(n_steps, n_features)`` to
                                                                                      ``(n_steps, n_outputs)``
sequence to sequence (other length)    :func:`build_encoder_decoder_lstm`             ``(n_steps_in, n_features_in)``
                                                                                      to ``(n_steps_out,
                                                                                      n_features_out)``
image sequence (video)                 :func:`build_cnn_lstm`                         ``(n_frames, height, width,
                                                                                      channels)`` to ``(n_outputs,)``
generation (the next step, fed back)   :func:`build_generative_lstm`, then            ``(steps, n_features)`` to
                                       :mod:`~lstm_companion.generation`              ``(steps, n_features)``
any of the six kinds, tiny             :func:`build_sequence_model`                   :data:`SEQUENCE_MODEL_KINDS`
=====================================  =============================================  ==============================

Models that are not LSTMs, to compare with (MLPs, an Elman RNN, an attention
reader), are in :mod:`lstm_companion.baselines`; the custom layers in
:mod:`lstm_companion.layers`. Every builder starts with ``keras.Input`` and
returns the model uncompiled: compile and train it in the chapter or with
:func:`lstm_companion.training.compile_and_fit`. The LSTM layers are
:class:`~lstm_companion.layers.FusedLSTM` (``keras.layers.LSTM``, faster on JAX).
"""

from __future__ import annotations

import keras
import numpy as np

from ._validation import (
    check_activation,
    check_bool,
    check_choice,
    check_float,
    check_int,
    check_sequence_shape,
    check_shape_tuple,
)
from .baselines import build_mlp
from .layers import FusedLSTM, ReverseSteps, TimeDistributedAnyLength

__all__ = [
    "LSTM_DIRECTIONS",
    "SEQUENCE_MODEL_KINDS",
    "build_bidirectional_lstm",
    "build_cnn_lstm",
    "build_encoder_decoder_lstm",
    "build_generative_lstm",
    "build_sequence_model",
    "build_stacked_lstm",
    "build_vanilla_lstm",
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

#: Reading directions :func:`build_bidirectional_lstm` offers.
LSTM_DIRECTIONS = ("forward", "backward", "bidirectional")

# Input rank (without the batch axis) and output rank each kind expects.
_RANKS = {
    "one_to_one": (1, 1),
    "many_to_one": (2, 1),
    "one_to_many": (1, 2),
    "many_to_many": (2, 2),
    "sequence_classification": (2, 1),
    "sequence_generation": (2, 1),
}


def build_vanilla_lstm(
    n_steps: int,
    n_features: int,
    *,
    units: int,
    n_outputs: int,
    output_activation: str | None = None,
    forget_bias: float = 1.0,
) -> keras.Model:
    """The vanilla LSTM: one LSTM layer whose final hidden state feeds a Dense output.

    Args:
        n_steps, n_features: shape of one input sequence.
        units: size of the hidden and cell states.
        n_outputs: values predicted per sequence.
        output_activation: activation of the output layer, e.g. ``"softmax"``; linear when ``None``.
        forget_bias: initial bias of the forget gate (finite); Keras's default is 1
            (``unit_forget_bias=True``).

    Returns:
        Uncompiled ``keras.Model`` mapping ``(batch, n_steps, n_features)`` to ``(batch, n_outputs)``,
        with ``4 * ((n_features + units) * units + units) + (units + 1) * n_outputs`` parameters.

    Example:
        >>> model = models.build_vanilla_lstm(12, 10, units=25, n_outputs=10, output_activation="softmax")
    """
    n_steps, n_features = check_sequence_shape(n_steps, n_features)
    inputs = keras.Input(shape=(n_steps, n_features), name="inputs")
    units = check_int("units", units)
    n_outputs = check_int("n_outputs", n_outputs)
    output_activation = check_activation(
        "output_activation", output_activation, allow_none=True, units=("n_outputs", n_outputs)
    )
    forget_bias = check_float("forget_bias", forget_bias, dtype=np.float32)
    lstm = FusedLSTM(units, name="lstm")
    outputs = keras.layers.Dense(n_outputs, activation=output_activation, name="output")(lstm(inputs))
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
    """A stack of LSTM layers, each reading the sequence of hidden states of the one below.

    All but the last LSTM return sequences; the last one's final state feeds a
    Dense output.

    Args:
        n_steps, n_features: shape of one input sequence.
        units: size of every LSTM layer's state.
        n_layers: number of stacked LSTM layers (1 is the vanilla LSTM).
        n_outputs: values predicted per sequence.
        output_activation: activation of the output layer; linear when ``None``.

    Returns:
        Uncompiled ``keras.Model`` mapping ``(batch, n_steps, n_features)`` to
        ``(batch, n_outputs)``, with ``4 * ((n_features + units) * units + units)``
        parameters in the first LSTM, ``4 * (2 * units * units + units)`` in each
        further one and ``(units + 1) * n_outputs`` in the output layer.

    Example:
        >>> model = models.build_stacked_lstm(50, 1, units=20, n_layers=3, n_outputs=5)
    """
    n_steps, n_features = check_sequence_shape(n_steps, n_features)
    inputs = keras.Input(shape=(n_steps, n_features), name="inputs")
    units = check_int("units", units)
    n_layers = check_int("n_layers", n_layers)
    n_outputs = check_int("n_outputs", n_outputs)
    output_activation = check_activation(
        "output_activation", output_activation, allow_none=True, units=("n_outputs", n_outputs)
    )
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
    ``MaxPooling2D`` of 2, ``Flatten``) to every frame; the LSTM's final state
    feeds a Dense output.

    Args:
        n_frames: frames per sequence (the time axis).
        height, width, channels: size of every frame.
        filters: number of convolution filters.
        kernel_size: side of the square convolution kernel, at most ``min(height, width)``.
        units: size of the LSTM state.
        n_outputs: values (or classes) predicted per sequence.
        output_activation: activation of the output layer; linear when ``None``.
            The default softmax needs ``n_outputs >= 2`` (over one unit it would
            predict 1.0 whatever the input): pass ``"sigmoid"`` or ``None`` for one output.

    Returns:
        Uncompiled ``keras.Model`` mapping ``(batch, n_frames, height, width, channels)``
        to ``(batch, n_outputs)``.

    Example:
        >>> model = models.build_cnn_lstm(8, 16, 16, 1, n_outputs=4)
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
    output_activation = check_activation(
        "output_activation", output_activation, allow_none=True, units=("n_outputs", n_outputs)
    )
    inputs = keras.Input(shape=(n_frames, height, width, channels), name="frames")
    conv = keras.layers.Conv2D(filters, kernel_size, activation="relu")
    hidden = keras.layers.TimeDistributed(conv, name="conv")(inputs)
    hidden = keras.layers.TimeDistributed(keras.layers.MaxPooling2D(2), name="pool")(hidden)
    hidden = keras.layers.TimeDistributed(keras.layers.Flatten(), name="flatten")(hidden)
    hidden = FusedLSTM(units, name="lstm")(hidden)
    outputs = keras.layers.Dense(n_outputs, activation=output_activation, name="output")(hidden)
    return keras.Model(inputs, outputs, name="cnn_lstm")


def build_encoder_decoder_lstm(
    n_steps_in: int,
    n_features_in: int,
    n_steps_out: int,
    n_features_out: int,
    *,
    units: int,
    output_activation: str | None = None,
) -> keras.Model:
    """Sequence to sequence: an encoder LSTM reads the input, a decoder LSTM writes the output.

    ``RepeatVector`` hands the encoder's final state to the decoder at each of
    the ``n_steps_out`` output steps; a ``TimeDistributed`` Dense layer turns every
    decoder state into one output step.

    Args:
        n_steps_in, n_features_in: shape of one input sequence.
        n_steps_out, n_features_out: shape of one output sequence.
        units: size of the encoder's and the decoder's states.
        output_activation: activation per output step: linear when ``None``, the
            default (for values); ``"softmax"`` for one-hot symbols, which needs
            ``n_features_out >= 2``.

    Returns:
        Uncompiled ``keras.Model`` mapping ``(batch, n_steps_in, n_features_in)``
        to ``(batch, n_steps_out, n_features_out)``.

    Raises:
        ValueError: if a size is not a positive integer, ``output_activation`` is
            not a Keras activation, or it is a softmax over ``n_features_out=1``
            (which would predict 1.0 whatever the input).

    Example:
        >>> model = models.build_encoder_decoder_lstm(8, 12, 2, 12, units=64, output_activation="softmax")
    """
    n_steps_in = check_int("n_steps_in", n_steps_in)
    n_features_in = check_int("n_features_in", n_features_in)
    n_steps_out = check_int("n_steps_out", n_steps_out)
    n_features_out = check_int("n_features_out", n_features_out)
    units = check_int("units", units)
    output_activation = check_activation(
        "output_activation", output_activation, allow_none=True, units=("n_features_out", n_features_out)
    )
    inputs = keras.Input(shape=(n_steps_in, n_features_in), name="inputs")
    encoded = FusedLSTM(units, name="encoder")(inputs)
    repeated = keras.layers.RepeatVector(n_steps_out, name="repeat")(encoded)
    decoded = FusedLSTM(units, return_sequences=True, name="decoder")(repeated)
    step_output = keras.layers.Dense(n_features_out, activation=output_activation)
    outputs = keras.layers.TimeDistributed(step_output, name="output")(decoded)
    return keras.Model(inputs, outputs, name="encoder_decoder_lstm")


def build_bidirectional_lstm(
    n_steps: int,
    n_features: int,
    *,
    units: int,
    n_outputs: int = 1,
    direction: str = "bidirectional",
    merge_mode: str = "concat",
    output_activation: str | None = "sigmoid",
    return_sequences: bool = True,
) -> keras.Model:
    """An LSTM that labels every step, or the whole sequence, reading forwards, backwards, or both ways.

    ``"bidirectional"`` wraps the LSTM in ``keras.layers.Bidirectional`` (one LSTM
    per direction, their states merged); ``"forward"`` and ``"backward"`` keep one
    of the two. With ``return_sequences=True`` a ``TimeDistributed`` Dense layer
    reads the (merged) state at each step; with ``False`` a Dense layer reads the
    final state of each direction (the backward LSTM's is its state after reading
    back to the first step), for one label per sequence.

    Args:
        n_steps, n_features: shape of one input sequence.
        units: size of the state of each LSTM (each direction).
        n_outputs: values predicted per step (or per sequence).
        direction: one of :data:`LSTM_DIRECTIONS`.
        merge_mode: how the two directions combine, ``"concat"``, ``"sum"``,
            ``"mul"`` or ``"ave"`` (used when bidirectional).
        output_activation: activation of the output, ``"sigmoid"`` for 0/1 labels; linear when ``None``.
        return_sequences: ``True`` for an output at every step, ``False`` for one
            per sequence (as ``keras.layers.LSTM``'s argument of the same name).

    Returns:
        Uncompiled ``keras.Model`` mapping ``(batch, n_steps, n_features)`` to
        ``(batch, n_steps, n_outputs)``, or to ``(batch, n_outputs)`` with
        ``return_sequences=False``; with ``4 * ((n_features + units) * units + units)``
        LSTM parameters per direction.

    Raises:
        TypeError: if ``return_sequences`` is not ``True`` or ``False``, or another
            argument has the wrong type.
        ValueError: for a size that is not positive, an unknown option, or a
            softmax over ``n_outputs=1``.

    Example:
        >>> model = models.build_bidirectional_lstm(10, 1, units=8, direction="backward")
        >>> classifier = models.build_bidirectional_lstm(10, 1, units=8, return_sequences=False)  # (batch, 1)
    """
    n_steps, n_features = check_sequence_shape(n_steps, n_features)
    inputs = keras.Input(shape=(n_steps, n_features), name="inputs")
    units = check_int("units", units)
    n_outputs = check_int("n_outputs", n_outputs)
    direction = check_choice("direction", direction, LSTM_DIRECTIONS)
    merge_mode = check_choice("merge_mode", merge_mode, ("concat", "sum", "mul", "ave"))
    output_activation = check_activation(
        "output_activation", output_activation, allow_none=True, units=("n_outputs", n_outputs)
    )
    every_step = check_bool("return_sequences", return_sequences)
    if direction == "bidirectional":
        lstm = FusedLSTM(units, return_sequences=every_step)
        states = keras.layers.Bidirectional(lstm, merge_mode=merge_mode, name="bidirectional")(inputs)
    elif direction == "forward":
        states = FusedLSTM(units, return_sequences=every_step, name="forward")(inputs)
    else:  # read the reversed sequence, then put the states back in time order
        reversed_inputs = ReverseSteps(name="reverse")(inputs)
        states = FusedLSTM(units, return_sequences=every_step, name="backward")(reversed_inputs)
        if every_step:
            states = ReverseSteps(name="restore_order")(states)
    if not every_step:
        outputs = keras.layers.Dense(n_outputs, activation=output_activation, name="output")(states)
        return keras.Model(inputs, outputs, name=f"{direction}_lstm")
    step_output = keras.layers.Dense(n_outputs, activation=output_activation)
    outputs = keras.layers.TimeDistributed(step_output, name="output")(states)
    return keras.Model(inputs, outputs, name=f"{direction}_lstm")


def build_generative_lstm(n_features: int, *, units: int, n_steps: int | None = None) -> keras.Model:
    """An LSTM that predicts, at every step, the next step of the sequence.

    Output ``t`` is the prediction of input ``t + 1``: train it with targets
    shifted by one step (teacher forcing), then generate with
    :func:`lstm_companion.generation.continue_sequence`, which needs ``n_steps=None``.

    Args:
        n_features: values per step (2 for points in the plane).
        units: size of the LSTM state.
        n_steps: fixed sequence length, or ``None`` for any length.

    Returns:
        Uncompiled ``keras.Model`` mapping ``(batch, steps, n_features)`` to
        ``(batch, steps, n_features)``.

    Example:
        >>> model = models.build_generative_lstm(2, units=32)
    """
    n_features = check_int("n_features", n_features)
    units = check_int("units", units)
    if n_steps is not None:
        n_steps = check_int("n_steps", n_steps)
    inputs = keras.Input(shape=(n_steps, n_features), name="inputs")
    states = FusedLSTM(units, return_sequences=True, name="lstm")(inputs)
    # Keras's own TimeDistributed fails on TensorFlow when the length is unknown.
    outputs = TimeDistributedAnyLength(keras.layers.Dense(n_features), name="next_step")(states)
    return keras.Model(inputs, outputs, name="generative_lstm")


def build_sequence_model(
    kind: str,
    *,
    input_shape: tuple[int, ...],
    output_shape: tuple[int, ...],
    units: int = 16,
) -> keras.Model:
    """A tiny model with the right input and output layout for a kind of sequence problem.

    Each kind is built by the builder for its layout (:data:`SEQUENCE_MODEL_KINDS`):
    ``one_to_one`` by :func:`~lstm_companion.baselines.build_mlp`; ``many_to_one``, ``sequence_generation``
    and ``sequence_classification`` by :func:`build_vanilla_lstm` (a sigmoid
    output for one class column, softmax for more); ``many_to_many`` by
    :func:`build_encoder_decoder_lstm` with a linear output. ``one_to_many``
    feeds one embedded value to a decoder LSTM at every output step.

    Args:
        kind: one of :data:`SEQUENCE_MODEL_KINDS`.
        input_shape: shape of one input sample, ``(features,)`` for ``one_to_one``
            and ``one_to_many``, ``(steps, features)`` otherwise.
        output_shape: shape of one target, ``(steps, features)`` for
            ``one_to_many`` and ``many_to_many``, ``(features,)`` otherwise; for
            ``sequence_generation`` the input's ``(features,)``, since predictions are fed back.
        units: width of every LSTM and hidden Dense layer.

    Returns:
        Uncompiled ``keras.Model`` named ``kind``, from ``(batch, *input_shape)`` to
        ``(batch, *output_shape)``.

    Example:
        >>> model = models.build_sequence_model("many_to_one", input_shape=(10, 1), output_shape=(1,))
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
    if kind == "many_to_many":
        model = build_encoder_decoder_lstm(*input_shape, *output_shape, units=units, output_activation=None)
    elif kind == "one_to_many":
        inputs = keras.Input(shape=input_shape, name="inputs")
        hidden = keras.layers.Dense(units, activation="tanh", name="embed")(inputs)
        hidden = keras.layers.RepeatVector(output_shape[0], name="repeat")(hidden)
        hidden = FusedLSTM(units, return_sequences=True, name="lstm")(hidden)
        outputs = keras.layers.TimeDistributed(keras.layers.Dense(n_out), name="output")(hidden)
        return keras.Model(inputs, outputs, name=kind)
    else:  # many_to_one, sequence_classification, sequence_generation
        activation = None
        if kind == "sequence_classification":
            activation = "sigmoid" if n_out == 1 else "softmax"
        model = build_vanilla_lstm(*input_shape, units=units, n_outputs=n_out, output_activation=activation)
    # the same layers, under the kind's name; one input and one output, not lists of one (a model
    # built on `model.input` would otherwise warn that its input's structure does not match)
    return keras.Model(model.input, model.output, name=kind)
