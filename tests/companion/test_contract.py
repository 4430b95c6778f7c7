"""Input validation as a contract: generated bad arguments get a clear TypeError/ValueError.

Every entry of ``CONTRACT`` is a public function, a call that is valid, and the kind of
each argument. Hypothesis replaces one argument at a time with generated bad values and
checks that the call fails up front with the expected exception -- ``TypeError`` for a
value of the wrong type (a float, string, None or boolean where an integer belongs, a
string where a flag or an array belongs; arrays of complex numbers, dates, time spans,
Python objects or strings, and masked arrays), ``ValueError`` for a value of the right
type that is out of range (zero or negative sizes, NaN and infinity, values finite in
float64 but infinite in the float32 they are used in, unknown option, loss, metric and
optimizer names, arrays with too many dimensions, inputs and targets whose shape does not
fit the model) -- whose message names the parameter and shows what it got.

Generated the other way round: NumPy scalars (``np.int64``, ``np.float32``, ``np.bool_``)
are accepted wherever the Python ones are, and generators refuse sizes past what one
NumPy array can hold.

The per-module test files keep only the bad inputs the contract does not generate:
arguments that must agree with each other, shapes, and the specific messages.
"""

import math

import lstm_companion
from lstm_companion import (
    baselines,
    cells,
    data,
    datasets,
    forecasting,
    generation,
    gradients,
    layers,
    models,
    plotting,
    preprocessing,
    scratch,
    seq2seq,
    text,
    tokens,
    training,
)

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from subclassed import LastStep


def typed(type_errors, value_errors=None):
    """Bad values paired with the exception they must raise."""
    value_errors = st.nothing() if value_errors is None else value_errors
    return st.one_of(type_errors.map(lambda v: (v, TypeError)), value_errors.map(lambda v: (v, ValueError)))


NOT_INTEGERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=3),
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
)
NOT_NUMBERS = st.one_of(st.text(max_size=3), st.none(), st.booleans(), st.lists(st.floats(), max_size=2))
NOT_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])
# finite as Python floats, infinite in float32 (the precision of Keras weights and inputs)
NOT_FINITE_IN_FLOAT32 = st.sampled_from([1e39, -1e39, np.float64(3.5e38), 10**40])
OPTIONS = {
    "forward",
    "backward",
    "bidirectional",
    "concat",
    "sum",
    "mul",
    "ave",
    "left",
    "right",
    "constant",
    "cosine",
    *scratch.ACTIVATIONS,
    *models.SEQUENCE_MODEL_KINDS,
    *cells.CELLS,  # the recurrent cells: "lstm", "gru", ...
}  # every valid choice: a "bad" option must not be one
BAD_SEEDS = st.one_of(st.integers(max_value=-1), st.integers(min_value=2**32, max_value=2**64))


def sizes(minimum):
    """An integer >= ``minimum``."""
    return typed(NOT_INTEGERS, st.integers(max_value=minimum - 1))


BAD = {
    "size": sizes(1),
    "size2": sizes(2),
    "size4": sizes(4),
    "size_or_none": typed(st.one_of(st.floats(), st.text(max_size=3), st.booleans()), st.integers(max_value=0)),
    "count": sizes(0),  # an integer >= 0
    "seed": typed(NOT_INTEGERS, BAD_SEEDS),
    "seed_or_none": typed(st.one_of(st.floats(), st.text(max_size=3), st.booleans()), BAD_SEEDS),
    "positive": typed(NOT_NUMBERS, st.one_of(st.floats(max_value=0.0), NOT_FINITE)),  # a finite float > 0
    "fraction": typed(NOT_NUMBERS, st.one_of(st.floats(max_value=-1e-9), st.floats(min_value=1.0), NOT_FINITE)),
    "real": typed(NOT_NUMBERS, NOT_FINITE),  # any finite float
    # the same, for values used in float32
    "positive32": typed(NOT_NUMBERS, st.one_of(st.floats(max_value=0.0), NOT_FINITE, NOT_FINITE_IN_FLOAT32)),
    "real32": typed(NOT_NUMBERS, st.one_of(NOT_FINITE, NOT_FINITE_IN_FLOAT32)),
    "fraction_or_none": typed(  # a fraction in (0, 1), or None
        st.one_of(st.text(max_size=3), st.booleans(), st.lists(st.floats(), max_size=2)),
        st.one_of(st.floats(max_value=0.0), st.floats(min_value=1.0), NOT_FINITE),
    ),
    "option": typed(st.one_of(st.integers(), st.none()), st.text(max_size=8).filter(lambda s: s not in OPTIONS)),
    "activation": typed(
        st.one_of(st.integers(), st.booleans(), st.none()), st.sampled_from(["softmaxx", "tanhh", "relu6x", "linearly"])
    ),
    "output_activation": typed(  # None means linear
        st.one_of(st.integers(), st.booleans()), st.sampled_from(["softmaxx", "tanhh", "relu6x", "linearly"])
    ),
    # a string is never a flag: "no" must not turn an option on
    "flag": typed(st.one_of(st.integers(), st.text(max_size=3), st.sampled_from(["no", "False", "0"]), st.none())),
    "loss": typed(
        st.one_of(st.integers(), st.none(), st.booleans(), st.just(len)), st.sampled_from(["squared_wrongness", "mse2"])
    ),
    "metrics": typed(
        st.sampled_from(["accuracy", "mae", 3, [1], [None]]), st.sampled_from([["accurcy"], ("mse2",), ["mae", "auc2"]])
    ),
    "optimizer": typed(
        st.sampled_from([3, True, keras.layers.Dense(1), keras.optimizers.schedules.CosineDecay(0.1, 10)]),
        st.sampled_from(["adamm", "sgd2", ""]),
    ),
    "name": typed(st.one_of(st.integers(), st.none(), st.booleans()), st.sampled_from(["", "a/b", "/"])),
    "layer_name": typed(st.one_of(st.integers(), st.booleans()), st.sampled_from(["", "a/b", "/"])),  # None: automatic
}


class Float32(np.ndarray):
    """Marks an array argument that is used in float32 (fed to Keras, or returned as float32)."""


def in_float32(array):
    return np.asarray(array).view(Float32)


def bad_arrays(valid):
    """Arrays like ``valid`` with a NaN, an infinity or extra dimensions, and things that are not arrays of numbers.

    Arrays of complex numbers, dates, time spans, Python objects or strings, and masked arrays, are
    refused as the wrong type, not converted. For an argument used in float32, a value finite in float64
    but too large for float32 is refused too.
    """
    used_in_float32 = isinstance(valid, Float32)
    valid = np.asarray(valid, dtype=np.float64)
    with_nan, with_inf, too_large = valid.copy(), valid.copy(), valid.copy()
    with_nan.flat[0], with_inf.flat[-1], too_large.flat[-1] = np.nan, -np.inf, 1e39
    too_many_dimensions = valid.reshape((1, 1, 1, 1, *valid.shape))
    not_real = [
        valid + 1j,  # complex: the imaginary part would be dropped
        np.ma.masked_array(valid, mask=np.arange(valid.size).reshape(valid.shape) == 0),  # the mask would be ignored
        np.zeros(valid.shape, dtype="datetime64[D]"),  # dates would become day counts
        np.zeros(valid.shape, dtype="timedelta64[s]"),
        valid.astype(object),  # Python objects, even if they are numbers
        valid.astype(str),  # strings of digits are not numbers
    ]
    return typed(
        st.sampled_from(["abc", None, np.array([[1.0, "x"]], dtype=object), *not_real]),
        st.sampled_from([with_nan, with_inf, too_many_dimensions, *([too_large] if used_in_float32 else [])]),
    )


def value_errors(*values):
    """Values of the right type that must be refused with a ValueError (e.g. arrays whose shape does not fit)."""
    return st.sampled_from(values).map(lambda v: (v, ValueError))


def only_type_errors(*values):
    return typed(st.sampled_from(values))


BAD_MODELS = typed(st.one_of(st.none(), st.text(max_size=3), st.integers(), st.just(keras.layers.Dense(1))))
BAD_DISTRIBUTIONS = only_type_errors("ab", 3, keras.layers.Dense(1), object())

# name -> (function, a valid call's keyword arguments, {argument: kind})
CONTRACT = {
    "data.sine_of_value": (data.sine_of_value, dict(n_samples=3), {"n_samples": "size", "seed": "seed"}),
    "data.sequence_mean": (
        data.sequence_mean,
        dict(n_samples=3),
        {"n_samples": "size", "n_steps": "size", "seed": "seed"},
    ),
    "data.wave_from_frequency": (
        data.wave_from_frequency,
        dict(n_samples=3),
        {"n_samples": "size", "n_steps": "size", "seed": "seed"},
    ),
    "data.sine_forecast": (
        data.sine_forecast,
        dict(n_samples=3),
        {"n_samples": "size", "n_steps_in": "size", "n_steps_out": "size", "seed": "seed"},
    ),
    "data.sum_sign": (data.sum_sign, dict(n_samples=3), {"n_samples": "size", "n_steps": "size", "seed": "seed"}),
    "data.next_value": (data.next_value, dict(n_samples=3), {"n_samples": "size", "n_steps": "size", "seed": "seed"}),
    "data.echo_sequence": (
        data.echo_sequence,
        dict(n_samples=3),
        {"n_samples": "size", "n_steps": "size", "n_features": "size2", "echo_index": "count", "seed": "seed"},
    ),
    "data.damped_sine": (
        data.damped_sine,
        dict(n_samples=3),
        {"n_samples": "size", "n_steps_in": "size", "n_steps_out": "size", "seed": "seed"},
    ),
    "data.moving_square": (
        data.moving_square,
        dict(n_samples=2),
        {"n_samples": "size", "n_frames": "size2", "size": "size2", "square": "size", "seed": "seed"},
    ),
    "text.addition_strings": (
        text.addition_strings,
        dict(n_samples=3),
        {"n_samples": "size", "n_terms": "size2", "largest": "size", "seed": "seed"},
    ),
    "text.addition_problem": (
        text.addition_problem,
        dict(n_samples=3),
        {"n_samples": "size", "n_terms": "size2", "largest": "size", "seed": "seed"},
    ),
    "data.cumulative_sum": (
        data.cumulative_sum,
        dict(n_samples=3),
        {"n_samples": "size", "n_steps": "size", "direction": "option", "seed": "seed"},
    ),
    "data.rectangles": (
        data.rectangles,
        dict(n_samples=3),
        {
            "n_samples": "size",
            "moves_per_side": "size",
            "min_side": "positive32",
            "max_side": "positive32",
            "seed": "seed",
        },
    ),
    "data.adding_problem": (
        data.adding_problem,
        dict(n_samples=3),
        {"n_samples": "size", "n_steps": "size4", "seed": "seed"},
    ),
    "data.recall_problem": (
        data.recall_problem,
        dict(n_samples=3),
        {
            "n_samples": "size",
            "n_values": "size",
            "n_steps": "size",
            "n_symbols": "size2",
            "label_slots": "flag",
            "seed": "seed",
        },
    ),
    "datasets.mackey_glass": (
        datasets.mackey_glass,
        dict(n_points=5, discard=0),
        {
            "n_points": "size",
            "tau": "positive",  # used in float64 (a series that leaves float32 is refused: test_datasets.py)
            "beta": "positive",
            "gamma": "positive",
            "exponent": "positive",
            "dt": "positive",
            "sample_every": "size",
            "discard": "count",
            "seed": "seed",
        },
    ),
    "preprocessing.frame_series": (
        preprocessing.frame_series,
        dict(series=np.arange(10.0), n_steps_in=3),
        {"n_steps_in": "size", "n_steps_out": "size"},
    ),
    "preprocessing.split_by_time": (
        preprocessing.split_by_time,
        dict(series=np.arange(40.0), n_steps_in=3),
        {
            "validation": "fraction",
            "test": "fraction",
            "n_steps_in": "size_or_none",
            "n_steps_out": "size",
            "time": typed(
                st.sampled_from(["abc", 3, object()]),
                st.sampled_from([np.arange(39), np.arange(40)[::-1], np.full(40, np.nan)]),
            ),
        },
    ),
    "preprocessing.difference": (
        preprocessing.difference,
        dict(series=np.arange(10.0)),
        {"lag": "size", "axis": typed(NOT_INTEGERS, st.one_of(st.integers(min_value=1), st.integers(max_value=-2)))},
    ),
    "text.one_hot_strings": (
        text.one_hot_strings,
        dict(strings=["ab"], alphabet="ab ", length=3),
        {"length": "size", "align": "option"},
    ),
    "baselines.build_mlp": (
        baselines.build_mlp,
        dict(n_inputs=2, n_outputs=1),
        {
            "n_inputs": "size",
            "n_outputs": "size",
            "hidden_units": "size",
            "n_hidden_layers": "size",
            "activation": "activation",
            "name": "name",
        },
    ),
    "baselines.build_window_mlp": (
        baselines.build_window_mlp,
        dict(n_steps=4, n_features=2, window=2, n_outputs=1),
        {
            "n_steps": "size",
            "n_features": "size",
            "window": "size",
            "n_outputs": "size",
            "hidden_units": "size",
            "output_activation": "output_activation",
        },
    ),
    "baselines.build_simple_rnn": (
        baselines.build_simple_rnn,
        dict(n_steps=4, n_features=2, units=3, n_outputs=1),
        {
            "n_steps": "size",
            "n_features": "size",
            "units": "size",
            "n_outputs": "size",
            "output_activation": "output_activation",
            "activation": "activation",
            "recurrent_gain": "positive32",
        },
    ),
    "baselines.build_attention_reader": (
        baselines.build_attention_reader,
        dict(n_steps=4, n_features=3, key_dim=2, n_outputs=2),
        {
            "n_steps": "size",
            "n_features": "size",
            "key_dim": "size",
            "n_outputs": "size",
            "output_activation": "output_activation",
        },
    ),
    "models.build_vanilla_lstm": (
        models.build_vanilla_lstm,
        dict(n_steps=4, n_features=2, units=3, n_outputs=1),
        {
            "n_steps": "size",
            "n_features": "size",
            "units": "size",
            "n_outputs": "size",
            "output_activation": "output_activation",
            "forget_bias": "real32",
        },
    ),
    "models.build_stacked_lstm": (
        models.build_stacked_lstm,
        dict(n_steps=4, n_features=2, units=3, n_outputs=1),
        {
            "n_steps": "size",
            "n_features": "size",
            "units": "size",
            "n_layers": "size",
            "n_outputs": "size",
            "output_activation": "output_activation",
        },
    ),
    "models.build_cnn_lstm": (
        models.build_cnn_lstm,
        dict(n_frames=3, height=8, width=8, channels=1, n_outputs=2),
        {
            "n_frames": "size",
            "height": "size",
            "width": "size",
            "channels": "size",
            "filters": "size",
            "kernel_size": "size",
            "units": "size",
            "n_outputs": "size",
            "output_activation": "output_activation",
        },
    ),
    "models.build_encoder_decoder_lstm": (
        models.build_encoder_decoder_lstm,
        dict(n_steps_in=4, n_features_in=3, n_steps_out=2, n_features_out=3, units=3),
        {
            "n_steps_in": "size",
            "n_features_in": "size",
            "n_steps_out": "size",
            "n_features_out": "size",
            "units": "size",
            "output_activation": "output_activation",
        },
    ),
    "models.build_bidirectional_lstm": (
        models.build_bidirectional_lstm,
        dict(n_steps=4, n_features=1, units=2),
        {
            "n_steps": "size",
            "n_features": "size",
            "units": "size",
            "n_outputs": "size",
            "direction": "option",
            "merge_mode": "option",
            "output_activation": "output_activation",
            "return_sequences": "flag",
        },
    ),
    "models.build_generative_lstm": (
        models.build_generative_lstm,
        dict(n_features=2, units=3),
        {"n_features": "size", "units": "size", "n_steps": "size_or_none"},
    ),
    "models.build_sequence_model": (
        models.build_sequence_model,
        dict(kind="many_to_one", input_shape=(4, 1), output_shape=(1,)),
        {"kind": "option", "units": "size"},
    ),
    "training.set_seed": (training.set_seed, dict(seed=0), {"seed": "seed"}),
    "training.derive_seeds": (training.derive_seeds, dict(seed=0, n=3), {"seed": "seed", "n": "size"}),
    "layers.FusedLSTM": (
        layers.FusedLSTM,
        dict(units=2),
        {
            "units": "size",
            "return_sequences": "flag",
            "return_state": "flag",
            "go_backwards": "flag",
            "stateful": "flag",
            "name": "layer_name",
        },
    ),
    "layers.LastStepAttention": (
        layers.LastStepAttention,
        dict(key_dim=2),
        {"key_dim": "size", "name": "layer_name"},
    ),
    "layers.TimeDistributedAnyLength": (
        layers.TimeDistributedAnyLength,
        dict(layer=keras.layers.Dense(1)),
        {"layer": only_type_errors(None, "dense", 3, keras.layers.Dense), "name": "layer_name"},
    ),
    "layers.ReverseSteps": (layers.ReverseSteps, dict(), {"name": "layer_name"}),
    "plotting.plot_architecture_overview": (
        plotting.plot_architecture_overview,
        dict(),
        {"axes": only_type_errors("axes", 3, [1, 2, 3])},
    ),
}

# functions that take models or arrays: the valid call's values are built once
training.set_seed(0)
_X, _Y = data.adding_problem(8, n_steps=5, seed=0)
_MODEL = baselines.build_simple_rnn(5, 2, units=2, n_outputs=1)
_OTHER = baselines.build_simple_rnn(5, 2, units=2, n_outputs=1)
_GENERATIVE = models.build_generative_lstm(2, units=2)
_ONE_STEP = models.build_sequence_model("sequence_generation", input_shape=(4, 2), output_shape=(2,))
_KERNELS = dict(kernel=np.zeros((2, 8)), recurrent_kernel=np.zeros((2, 8)), bias=np.zeros(8))
_STATES = dict(h=np.zeros((8, 2)), c=np.zeros((8, 2)))
_RNN_KERNELS = dict(kernel=np.zeros((2, 3)), recurrent_kernel=np.zeros((3, 3)), bias=np.zeros(3))
_GATES = {name: np.zeros((1, 4, 2)) for name in ("input", "forget", "candidate", "output", "cell")}
_ONE_HOT = text.one_hot_strings(["ab"], alphabet="ab ", length=3)
_SCALER = preprocessing.fit_scaler(np.arange(10.0))
_SCALABLE = models.build_vanilla_lstm(4, 1, units=2, n_outputs=1)
_AXES = typed(NOT_INTEGERS, st.one_of(st.integers(min_value=1), st.integers(max_value=-2)))  # for 1-D arrays
_NOT_SCALERS = only_type_errors("scaler", 3, keras.layers.Dense(1), np.zeros(3))
_TRAINING = {"epochs": "size", "batch_size": "size", "learning_rate": "positive32", "schedule": "option",
             "verbose": "count", "loss": "loss", "seed": "seed_or_none", "optimizer": "optimizer",
             "validation_split": "fraction_or_none"}  # fmt: skip


# x and y whose arrays are fine but whose shapes do not fit _MODEL (5 steps, 2 features in; 1 value out)
_BAD_X = value_errors(_X[:, :4], np.concatenate([_X, _X[:, :, :1]], axis=2), _X[:, :, 0])
_BAD_Y = value_errors(np.zeros((8, 5, 1)), np.zeros((8, 3)), np.zeros((8, 1, 2)))  # a target per step; 3 targets
_X32, _Y32 = in_float32(_X), in_float32(_Y)
_VALIDATION = typed(
    st.sampled_from(["xy", (1, 2, 3), (_X,)]),
    st.sampled_from([(_X[:5], _Y[:4]), (_X[:, :4], _Y), (_X, np.zeros((8, 5, 1))), (_X + np.nan, _Y)]),
)
ARRAY_CONTRACT = {
    "training.compile_and_fit": (
        training.compile_and_fit,
        dict(model=_MODEL, x=_X, y=_Y, epochs=1, batch_size=4),
        {
            "model": BAD_MODELS,
            "x": st.one_of(bad_arrays(_X32), _BAD_X),
            "y": st.one_of(bad_arrays(_Y32), _BAD_Y),
            **_TRAINING,
            "metrics": "metrics",
            "validation_data": _VALIDATION,
            "distribution": BAD_DISTRIBUTIONS,
            "callbacks": typed(st.one_of(st.text(max_size=3), st.integers(), st.just([1]), st.none())),
        },
    ),
    "training.fit_together": (
        training.fit_together,
        dict(models=[_MODEL, _OTHER], x=_X, y=_Y, epochs=1, batch_size=4),
        {
            "models": BAD_MODELS,
            "x": st.one_of(bad_arrays(_X32), _BAD_X),
            "y": st.one_of(bad_arrays(_Y32), _BAD_Y),
            **_TRAINING,
            "validation_data": _VALIDATION,
        },
    ),
    "training.predict_together": (
        training.predict_together,
        dict(models=[_MODEL, _OTHER], x=_X),
        {"models": BAD_MODELS, "x": st.one_of(bad_arrays(_X32), _BAD_X), "batch_size": "size"},
    ),
    "generation.continue_sequence": (
        generation.continue_sequence,
        dict(model=_GENERATIVE, prefix=_X[0], n_steps=2),
        {"model": BAD_MODELS, "prefix": in_float32(_X[0]), "n_steps": "size"},
    ),
    "generation.generate_sequence": (
        generation.generate_sequence,
        dict(model=_ONE_STEP, context=_X[0, :4], n_steps=2),
        {"model": BAD_MODELS, "context": in_float32(_X[0, :4]), "n_steps": "size"},
    ),
    "scratch.lstm_forward": (
        scratch.lstm_forward,
        dict(x=_X, **_KERNELS),
        {"x": _X, **_KERNELS, "return_gates": "flag"},
    ),
    "scratch.lstm_step": (
        scratch.lstm_step,
        dict(x_t=_X[:, 0], **_STATES, **_KERNELS),
        {"x_t": _X[:, 0], **_STATES, **_KERNELS},
    ),  # fmt: skip
    "scratch.simple_rnn_forward": (
        scratch.simple_rnn_forward,
        dict(x=_X, **_RNN_KERNELS),
        {"x": _X, **_RNN_KERNELS, "activation": "option"},
    ),
    "scratch.simple_rnn_state_gradient_norms": (
        scratch.simple_rnn_state_gradient_norms,
        dict(x=_X, **_RNN_KERNELS),
        {"x": _X, **_RNN_KERNELS, "activation": "option"},
    ),
    "preprocessing.frame_series (array)": (
        preprocessing.frame_series,
        dict(series=np.arange(10.0), n_steps_in=3),
        {"series": in_float32(np.arange(10.0))},  # the windows are float32
    ),
    "preprocessing.difference (array)": (
        preprocessing.difference,
        dict(series=np.arange(10.0), initial=np.zeros(1)),
        {
            "series": np.arange(10.0),
            "initial": typed(  # None is valid: no initial values
                st.sampled_from(["abc", np.array([[1.0, "x"]], dtype=object)]),
                st.sampled_from([np.array([np.nan]), np.zeros((1, 1, 1, 1, 1)), np.zeros(2)]),
            ),
        },
    ),
    "preprocessing.undifference": (
        preprocessing.undifference,
        dict(differences=np.ones(5), initial=np.zeros(2)),
        {"differences": np.ones(5), "initial": np.zeros(2), "axis": _AXES},
    ),
    "preprocessing.frame_series (target)": (
        preprocessing.frame_series,
        dict(series=np.ones((10, 3)), n_steps_in=3, target=1),
        {
            "target": typed(
                st.sampled_from(["a", 1.5, True, [], [0, "b"], {0: 1}]),
                st.sampled_from([3, -1, [0, 0], [0, 3]]),
            )
        },
    ),
    "preprocessing.split_by_time (array)": (
        preprocessing.split_by_time,
        dict(series=np.arange(40.0)),
        {"series": np.arange(40.0)},
    ),
    "preprocessing.fit_scaler": (preprocessing.fit_scaler, dict(train=np.arange(10.0)), {"train": np.arange(10.0)}),
    "preprocessing.with_scaling": (
        preprocessing.with_scaling,
        dict(model=_SCALABLE, scaler=_SCALER),
        {"model": BAD_MODELS, "scaler": _NOT_SCALERS, "target_scaler": _NOT_SCALERS},
    ),
    "forecasting.mase": (
        forecasting.mase,
        dict(y_true=_Y, y_pred=_Y, train=np.arange(10.0) % 3, season=2),
        {"y_true": _Y, "y_pred": _Y, "train": np.arange(10.0) % 3, "season": "size"},
    ),
    "forecasting.naive_forecast": (
        forecasting.naive_forecast,
        dict(history=_X, horizon=3),
        {"history": _X, "horizon": "size"},
    ),
    "forecasting.seasonal_naive_forecast": (
        forecasting.seasonal_naive_forecast,
        dict(history=_X, horizon=3, season=2),
        {"history": _X, "horizon": "size", "season": "size"},
    ),
    "forecasting.direct_forecast": (
        forecasting.direct_forecast,
        dict(model=_MODEL, context=_X),
        {"model": BAD_MODELS, "context": _X},
    ),
    "plotting.plot_forecast": (
        plotting.plot_forecast,
        dict(history=np.arange(6.0), truth=np.ones(2), forecasts=np.ones(2)),
        {
            "history": np.arange(6.0),
            "truth": np.ones(2),
            "forecasts": only_type_errors(None, "abc", [["a"]]),
            "season": "size_or_none",
            "time": only_type_errors("abc", 3, object()),
            "ylabel": only_type_errors(3, ["a"]),
            "ax": only_type_errors("ax", 1, object()),
        },
    ),
    "text.decode_one_hot": (
        text.decode_one_hot,
        dict(encoded=_ONE_HOT, alphabet="ab "),
        {"encoded": _ONE_HOT},
    ),
    "data.moves_to_points": (
        data.moves_to_points,
        dict(moves=_X[0]),
        {"moves": in_float32(_X[0]), "start": in_float32(np.zeros(2))},  # the points are float32
    ),
    "plotting.plot_sequence_example": (
        plotting.plot_sequence_example,
        dict(x=_X[0, :, 0], y=_Y[:, 0]),
        {"x": _X[0, :, 0], "y": _Y[:, 0]},
    ),
    "plotting.plot_learning_curves": (
        plotting.plot_learning_curves,
        dict(history={"loss": [1.0, 0.5]}),
        {
            "history": typed(
                st.sampled_from([None, "loss", 3, [1.0, 0.5], {"loss": ["a", "b"]}, {"loss": [1.0, None]}]),
                st.sampled_from([{"loss": [1.0, 0.5], "val_loss": [1.0]}, {"loss": [[1.0], [0.5]]}]),
            ),
            "ax": only_type_errors("ax", 1, object()),
            "log_scale": "flag",
            "label": only_type_errors(3, ["run"], b"run"),
            "color": typed(st.sampled_from([3, object(), {"r": 1}]), st.sampled_from(["blu", "#12345", (1, 2)])),
            "metric": typed(st.sampled_from([None, 3, ["loss"]]), st.sampled_from(["accuracy", "val_loss2"])),
        },
    ),
    "plotting.plot_gradient_norms": (
        plotting.plot_gradient_norms,
        dict(norms={"rnn": np.ones(4)}),
        {"norms": only_type_errors(None, {}, [1.0], "rnn")},
    ),
    "plotting.plot_gate_activations": (
        plotting.plot_gate_activations,
        dict(gates=_GATES),
        {"gates": only_type_errors(None, {}, {"input": np.zeros((1, 4, 2))}), "sample": "count"},
    ),
}
# The gradient functions need a model built from keras.Input: a subclassed or unbuilt one is refused.
_NO_INPUT = value_errors(LastStep(), keras.Sequential([keras.layers.Dense(1)]))
for _name in ("input_gradients", "input_gradient_norms", "weight_gradient_norms"):
    ARRAY_CONTRACT[f"gradients.{_name}"] = (
        getattr(gradients, _name),
        dict(model=_MODEL, x=_X, y=_Y),
        {
            "model": st.one_of(BAD_MODELS, _NO_INPUT),
            "x": st.one_of(bad_arrays(_X32), _BAD_X),
            "y": st.one_of(bad_arrays(_Y32), _BAD_Y),
            "loss": "loss",
        },
    )
# recursive_forecast takes what generate_sequence takes, its number of steps called horizon
ARRAY_CONTRACT["forecasting.recursive_forecast"] = (
    forecasting.recursive_forecast,
    *(
        {"horizon" if k == "n_steps" else k: v for k, v in d.items()}
        for d in ARRAY_CONTRACT["generation.generate_sequence"][1:]
    ),
)
for _name in ("mae", "rmse"):
    ARRAY_CONTRACT[f"forecasting.{_name}"] = (
        getattr(forecasting, _name),
        dict(y_true=_Y, y_pred=_Y),
        {"y_true": _Y, "y_pred": _Y},
    )
# --- Recurrent cells and character models (cells, text, the n-gram baseline, sampling) ---
_TEXTS = typed(st.sampled_from([3, None, b"ab", ["a"]]), st.just(""))  # a non-empty str
_ALPHABETS = typed(st.sampled_from([3, None, b"ab", ["a", "b"]]), st.sampled_from(["", "aab"]))  # distinct characters
_CHAR_MODEL = cells.build_char_model(6, units=2, embedding_dim=2)
_CELL_LAYER = {"units": "size", "return_sequences": "flag", "name": "layer_name"}
CONTRACT.update(
    {
        "cells.NoForgetLSTM": (cells.NoForgetLSTM, dict(units=2), _CELL_LAYER),
        "cells.MinLSTM": (cells.MinLSTM, dict(units=2), _CELL_LAYER),
        "cells.UpdateGateBias": (cells.UpdateGateBias, dict(value=1.0), {"value": "real"}),
        "cells.recurrent_layer": (
            cells.recurrent_layer,
            dict(cell="gru", units=2),
            {"cell": "option", **_CELL_LAYER},
        ),
        "cells.build_cell_model": (
            cells.build_cell_model,
            dict(n_steps=4, n_features=2, cell="min_lstm", units=3, n_outputs=1),
            {
                "n_steps": "size",
                "n_features": "size",
                "cell": "option",
                "units": "size",
                "n_outputs": "size",
                "output_activation": "output_activation",
            },
        ),
        "cells.build_char_model": (
            cells.build_char_model,
            dict(n_symbols=5, units=2),
            {
                "n_symbols": "size2",
                "units": "size",
                "embedding_dim": "size",
                "cell": "option",
                "n_steps": "size_or_none",
            },
        ),
        "cells.count_parameters": (
            cells.count_parameters,
            dict(cell="lstm", n_features=2, units=3),
            {"cell": "option", "n_features": "size", "units": "size", "n_outputs": "count"},
        ),
        "cells.match_units": (
            cells.match_units,
            dict(cell="irnn", n_parameters=100, n_features=2),
            {"cell": "option", "n_parameters": "size", "n_features": "size", "n_outputs": "count"},
        ),
        "text.text_alphabet": (text.text_alphabet, dict(text="abca"), {"text": _TEXTS}),
        "text.encode_text": (
            text.encode_text,
            dict(text="ab", alphabet="ab "),
            {"text": _TEXTS, "alphabet": _ALPHABETS},
        ),
        "text.words": (text.words, dict(text="a word"), {"text": only_type_errors(3, None, b"ab", ["a"])}),
        "text.known_word_fraction": (
            text.known_word_fraction,
            dict(text="a word", vocabulary={"word"}),
            {
                "text": typed(st.sampled_from([3, None, b"ab"]), st.sampled_from(["", "12 + 3"])),
                "vocabulary": typed(st.sampled_from([3, None, "word", [1, 2]]), st.sampled_from([set(), []])),
            },
        ),
    }
)
ARRAY_CONTRACT.update(
    {
        "scratch.no_forget_lstm_forward": (
            scratch.no_forget_lstm_forward,
            dict(x=_X, kernel=np.zeros((2, 6)), recurrent_kernel=np.zeros((2, 6)), bias=np.zeros(6)),
            {
                "x": _X,
                "kernel": np.zeros((2, 6)),
                "recurrent_kernel": np.zeros((2, 6)),
                "bias": np.zeros(6),
                "return_cells": "flag",
            },
        ),  # fmt: skip
        "scratch.min_lstm_forward": (
            scratch.min_lstm_forward,
            dict(x=_X, kernel=np.zeros((2, 6)), bias=np.zeros(6)),
            {"x": _X, "kernel": np.zeros((2, 6)), "bias": np.zeros(6)},
        ),
        "text.decode_text": (
            text.decode_text,
            dict(codes=np.array([0, 1]), alphabet="ab"),
            {"codes": np.array([0.0, 1.0]), "alphabet": _ALPHABETS},
        ),
        "text.next_char_windows": (
            text.next_char_windows,
            dict(codes=np.arange(10), n_steps=3),
            {"codes": np.arange(10.0), "n_steps": "size", "stride": "size_or_none"},
        ),
        "baselines.ngram_bits_per_char": (
            baselines.ngram_bits_per_char,
            dict(train=np.arange(10) % 3, test=np.arange(6) % 3, n_symbols=3),
            {
                "train": np.arange(10.0) % 3,
                "test": np.arange(6.0) % 3,
                "n_symbols": "size2",
                "order": "size",
                "smoothing": "positive",
            },
        ),
        "generation.sample_symbols": (
            generation.sample_symbols,
            dict(model=_CHAR_MODEL, prompt=np.array([1, 2]), n_steps=2),
            {
                "model": BAD_MODELS,
                "prompt": np.array([1.0, 2.0]),
                "n_steps": "size",
                "temperature": "positive",
                "window": "size_or_none",
                "seed": "seed",
            },
        ),
    }
)
for _name, (_function, _valid, _kinds) in ARRAY_CONTRACT.items():
    CONTRACT[_name] = (_function, _valid, {
        argument: bad_arrays(kind) if isinstance(kind, np.ndarray) else kind for argument, kind in _kinds.items()
    })  # fmt: skip


# --- Sequence to sequence: the token convention and problems, the seq2seq builders and their decoding -------
_SYMBOLS = typed(st.sampled_from([3, None, [1, 2], ("a", 3)]), st.sampled_from(["", "aa", ("a", "a"), ()]))
_TOKENS = np.array([[0, 1, 4, 5, 2]])
_SEQ2SEQ = seq2seq.build_seq2seq(13, 13, units=2, embedding_dim=2)
_ATTENTION = seq2seq.build_seq2seq(13, 13, units=2, embedding_dim=2, attention=True)
_CAPTIONER = seq2seq.build_image_to_sequence(8, 8, 1, 7, filters=2, units=2, embedding_dim=2)
_SOURCE, _TARGET = tokens.reversal_problem(8, max_length=5, seed=0)
_TWO_INPUTS = [_SOURCE, tokens.shift_right(_TARGET)]
# inputs whose arrays are fine but do not fit the two inputs of _SEQ2SEQ and _ATTENTION
_BAD_TWO_INPUTS = st.one_of(
    only_type_errors(_SOURCE, [_SOURCE, _TWO_INPUTS], [[_SOURCE, "abc"], _TWO_INPUTS]),
    value_errors([_TWO_INPUTS], [_TWO_INPUTS, [_SOURCE]], [_TWO_INPUTS, [_SOURCE, _SOURCE[:4]]]),
)
CONTRACT.update(
    {
        "tokens.vocabulary_size": (tokens.vocabulary_size, dict(symbols="ab"), {"symbols": _SYMBOLS}),
        "tokens.encode": (
            tokens.encode,
            dict(texts=["12"], symbols=tokens.DIGITS, length=4),
            {
                "texts": typed(st.sampled_from(["12", None, 3, [], [3]]), st.sampled_from([["123456"], ["1a"]])),
                "symbols": _SYMBOLS,
                "length": "size",
                "align": "option",
                "end": "flag",
            },
        ),
        "tokens.decode": (
            tokens.decode,
            dict(token_ids=_TOKENS, symbols=tokens.DIGITS),
            {
                "token_ids": st.one_of(bad_arrays(_TOKENS), value_errors(_TOKENS + 0.5, _TOKENS - 1, _TOKENS + 20)),
                "symbols": _SYMBOLS,
                "separator": only_type_errors(None, 3, [" "]),
            },
        ),
        "tokens.token_labels": (
            tokens.token_labels,
            dict(token_ids=_TOKENS, symbols=tokens.DIGITS),
            {"token_ids": st.one_of(bad_arrays(_TOKENS), value_errors(_TOKENS + 20)), "symbols": _SYMBOLS},
        ),
        "tokens.shift_right": (tokens.shift_right, dict(target=_TOKENS), {"target": bad_arrays(_TOKENS)}),
        "tokens.exact_match": (
            tokens.exact_match,
            dict(predicted=_TOKENS, target=_TOKENS),
            {
                "predicted": st.one_of(bad_arrays(_TOKENS), value_errors(_TOKENS - 1)),
                "target": st.one_of(bad_arrays(_TOKENS), value_errors(_TOKENS - 1)),
            },
        ),
        "tokens.token_accuracy": (
            tokens.token_accuracy,
            dict(predicted=_TOKENS, target=_TOKENS),
            {"predicted": bad_arrays(_TOKENS), "target": bad_arrays(_TOKENS), "per_step": "flag"},
        ),
        "tokens.reversal_problem": (
            tokens.reversal_problem,
            dict(n_samples=3),
            {"n_samples": "size", "min_length": "size", "max_length": "size", "seed": "seed"},
        ),
        "tokens.shape_captions": (
            tokens.shape_captions,
            dict(n_samples=2),
            {"n_samples": "size", "rows": "size", "columns": "size", "cell_size": "size", "seed": "seed"},
        ),
        "seq2seq.build_seq2seq": (
            seq2seq.build_seq2seq,
            dict(source_vocabulary=13, target_vocabulary=13, units=2),
            {
                "source_vocabulary": "size4",
                "target_vocabulary": "size4",
                "units": "size",
                "embedding_dim": "size",
                "attention": "flag",
            },
        ),
        "seq2seq.build_image_to_sequence": (
            seq2seq.build_image_to_sequence,
            dict(height=8, width=8, channels=1, vocabulary=7),
            {
                "height": "size",
                "width": "size",
                "channels": "size",
                "vocabulary": "size4",
                "filters": "size",
                "kernel_size": "size",
                "units": "size",
                "embedding_dim": "size",
            },
        ),
        "seq2seq.inference_models": (
            seq2seq.inference_models,
            dict(model=_ATTENTION),
            {"model": st.one_of(BAD_MODELS, value_errors(_MODEL))},
        ),
        "seq2seq.greedy_decode": (
            seq2seq.greedy_decode,
            dict(model=_ATTENTION, source=_SOURCE, max_length=3),
            {
                "model": st.one_of(BAD_MODELS, value_errors(_MODEL)),
                "source": st.one_of(bad_arrays(_SOURCE), value_errors(_SOURCE + 20, _SOURCE - 1)),
                "max_length": "size",
                "return_attention": "flag",
            },
        ),
        "seq2seq.beam_search_decode": (
            seq2seq.beam_search_decode,
            dict(model=_ATTENTION, source=_SOURCE, max_length=3, beam_width=2),
            {
                "model": st.one_of(BAD_MODELS, value_errors(_MODEL)),
                "source": st.one_of(bad_arrays(_SOURCE), value_errors(_SOURCE + 20, _SOURCE - 1)),
                "max_length": "size",
                "beam_width": "size",
            },
        ),
        "seq2seq.greedy_decode (image)": (
            seq2seq.greedy_decode,
            dict(model=_CAPTIONER, source=np.zeros((2, 8, 8, 1)), max_length=3),
            {
                "source": st.one_of(
                    bad_arrays(in_float32(np.zeros((2, 8, 8, 1)))), value_errors(np.zeros((2, 6, 8, 1)))
                ),
                "return_attention": typed(st.nothing(), st.just(True)),  # a captioner has no attention
            },
        ),
        "training.fit_together (several inputs)": (
            training.fit_together,
            dict(
                models=[_SEQ2SEQ, _ATTENTION],
                x=[_TWO_INPUTS, _TWO_INPUTS],
                y=_TARGET,
                loss="sparse_categorical_crossentropy",
                epochs=1,
                batch_size=4,
            ),
            {"x": _BAD_TWO_INPUTS, "loss": "loss"},
        ),
        "training.predict_together (several inputs)": (
            training.predict_together,
            dict(models=[_SEQ2SEQ, _ATTENTION], x=[_TWO_INPUTS, _TWO_INPUTS]),
            {"x": _BAD_TWO_INPUTS},
        ),
    }
)


@pytest.mark.parametrize("name", CONTRACT)
def test_the_valid_call_works(name):
    function, valid, _ = CONTRACT[name]
    function(**valid)


CASES = [(name, argument) for name, (_, _, kinds) in CONTRACT.items() for argument in kinds]


@pytest.mark.parametrize("name, argument", CASES, ids=[f"{n}:{a}" for n, a in CASES])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data_strategy=st.data())
def test_a_bad_argument_is_rejected_by_name(name, argument, data_strategy):
    function, valid, kinds = CONTRACT[name]
    kind = kinds[argument]
    bad, expected = data_strategy.draw(BAD[kind] if isinstance(kind, str) else kind, label=argument)
    with pytest.raises((TypeError, ValueError)) as caught:
        function(**{**valid, argument: bad})
    message = str(caught.value)
    assert caught.type is expected, f"{name}({argument}={bad!r}) raised {caught.type.__name__}: {message}"
    assert argument in message, f"{name}({argument}={bad!r}): {message}"
    assert "got" in message or "expected" in message, f"{name}({argument}={bad!r}): {message}"


GENERATORS = [name for name in CONTRACT if name.startswith("data.") and set(CONTRACT[name][2]) >= {"n_samples", "seed"}]


@pytest.mark.parametrize("name", GENERATORS)
@settings(max_examples=15, deadline=None)
@given(n_samples=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_generators_accept_any_valid_size_and_seed_and_repeat(name, n_samples, seed):
    function, valid, _ = CONTRACT[name]
    first = function(**{**valid, "n_samples": n_samples, "seed": seed})
    second = function(**{**valid, "n_samples": n_samples, "seed": seed})
    for a, b in zip(first, second, strict=True):
        assert len(a) == n_samples
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


# NumPy scalars are accepted wherever the Python ones are: the kinds of argument that take a number or a flag,
# with the Python value they are given in the test (the valid call's, or the default) turned into each NumPy type.
NUMPY_SCALARS = {
    "size": (np.int64, np.int32, np.uint16),
    "size2": (np.int64, np.int32),
    "size4": (np.int64, np.int32),
    "count": (np.int64, np.uint8),
    "seed": (np.int64, np.uint32),
    "seed_or_none": (np.int64,),
    "size_or_none": (np.int64,),
    "positive": (np.float64, np.float32, np.int64),
    "positive32": (np.float64, np.float32, np.int64),
    "real": (np.float64, np.float32),
    "real32": (np.float64, np.float32),
    "fraction_or_none": (np.float64, np.float32),
    "flag": (np.bool_,),
}
NUMERIC_CASES = [
    (name, argument)
    for name, (_, _, kinds) in CONTRACT.items()
    for argument, kind in kinds.items()
    if isinstance(kind, str) and kind in NUMPY_SCALARS
]


def _python_value(function, valid, argument, kind):
    """The value the valid call gives ``argument`` (its default if it gives none; a number for a None default)."""
    import inspect

    value = valid[argument] if argument in valid else inspect.signature(function).parameters[argument].default
    return {"seed_or_none": 0, "size_or_none": 4, "fraction_or_none": 0.25}.get(kind) if value is None else value


@pytest.mark.parametrize("name, argument", NUMERIC_CASES, ids=[f"{n}:{a}" for n, a in NUMERIC_CASES])
def test_numpy_scalars_are_accepted_where_python_ones_are(name, argument):
    function, valid, kinds = CONTRACT[name]
    value = _python_value(function, valid, argument, kinds[argument])
    if isinstance(value, float) and not value.is_integer():
        types = [t for t in NUMPY_SCALARS[kinds[argument]] if not np.issubdtype(t, np.integer)]
    else:
        types = NUMPY_SCALARS[kinds[argument]]
    for numpy_type in types:
        function(**{**valid, argument: numpy_type(value)})


# Sizes past what one NumPy array can hold (2**63 bytes) are refused by name, not with NumPy's own
# "high is out of bounds", "array is too big" or "Maximum allowed dimension exceeded".
SIZED = [
    (name, argument)
    for name, (_, _, kinds) in CONTRACT.items()
    if name.startswith(("data.", "datasets.", "preprocessing."))
    for argument, kind in kinds.items()
    if kind in ("size", "size2", "size4", "count") and argument != "seed"
]


@pytest.mark.parametrize("name, argument", SIZED, ids=[f"{n}:{a}" for n, a in SIZED])
@pytest.mark.parametrize("huge", [2**62, 2**63, 2**64 + 1, 10**30])
def test_generators_refuse_sizes_past_what_an_array_holds(name, argument, huge):
    function, valid, _ = CONTRACT[name]
    with pytest.raises(ValueError) as caught:
        function(**{**valid, argument: huge})
    message = str(caught.value)
    assert argument in message and "got" in message, f"{name}({argument}={huge}): {message}"


# public names that take no arguments, so there is nothing to validate
NO_ARGUMENTS = {
    "datasets.load_airline",
    "datasets.load_co2",
    "datasets.load_python_docs",
    "datasets.load_sunspots",
    "training.EpochTimer",
}
# public named tuples that functions return: users read them, they do not build them from arguments
RESULTS = {"preprocessing.SeriesPart"}
MODULES = [name for name in lstm_companion._SUBMODULES if name != "config"]


def test_every_public_function_and_class_is_in_the_contract():
    import importlib
    import inspect

    public = set()
    for module_name in MODULES:
        module = importlib.import_module(f"lstm_companion.{module_name}")
        for name in module.__all__:
            if callable(getattr(module, name)):
                public.add(f"{module_name}.{name}")
    covered = {name.split(" ")[0] for name in CONTRACT} | NO_ARGUMENTS | RESULTS
    assert public - covered == set(), "public functions without a contract entry"
    assert covered - public == set(), "contract entries that are not public"
    for name in NO_ARGUMENTS:
        module_name, attribute = name.split(".")
        target = getattr(importlib.import_module(f"lstm_companion.{module_name}"), attribute)
        parameters = inspect.signature(target).parameters
        assert all(p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) for p in parameters.values()), name
    for name in RESULTS:
        module_name, attribute = name.split(".")
        target = getattr(importlib.import_module(f"lstm_companion.{module_name}"), attribute)
        assert issubclass(target, tuple) and target._fields, name
