"""Preparing series for recurrent models: windows, splits by time, scaling, differencing.

- :func:`frame_series` cuts a series into supervised ``(X, y)`` windows; :func:`split_by_time`
  splits it into training, validation and test parts, each with its windows, without leaking targets;
- :func:`fit_scaler` adapts a ``keras.layers.Normalization`` on the training part; :func:`with_scaling`
  puts the scaling inside a model, so that it is saved with it (the only functions that import Keras);
- :func:`difference` and :func:`undifference` turn levels into changes (over a step or a season) and back.

Strings as one-hot arrays are in :mod:`lstm_companion.text`.
"""

from __future__ import annotations

import numbers
from collections import namedtuple
from typing import TYPE_CHECKING

import numpy as np

from ._validation import _show, check_array, check_float, check_int, check_model

if TYPE_CHECKING:
    import keras

__all__ = [
    "SeriesPart",
    "difference",
    "fit_scaler",
    "frame_series",
    "split_by_time",
    "undifference",
    "with_scaling",
]


def frame_series(series, *, n_steps_in: int, n_steps_out: int = 1, target=None) -> tuple[np.ndarray, np.ndarray]:
    """Cut a series into supervised pairs: ``n_steps_in`` values in, the next ``n_steps_out`` out.

    Every window of ``n_steps_in + n_steps_out`` consecutive steps gives one pair,
    with a stride of one step (``numpy.lib.stride_tricks.sliding_window_view``):
    pair ``i`` reads steps ``i .. i + n_steps_in - 1`` and predicts the
    ``n_steps_out`` steps after them.

    Args:
        series: ``(n_steps,)`` for one variable or ``(n_steps, n_features)``;
            at least ``n_steps_in + n_steps_out`` steps of numbers finite in ``float32``.
        n_steps_in: length of each input window.
        n_steps_out: number of future steps to predict.
        target: for a 2-D series, the column (an int) or columns (a list of ints)
            that ``y`` holds; every column stays in ``X``. ``None`` (the default)
            makes every column a target.

    Returns:
        ``X`` of shape ``(n_windows, n_steps_in, n_features)`` (``n_features = 1``
        for a 1-D series) and ``y`` of shape ``(n_windows, n_steps_out)`` for a
        1-D series or one target column, or ``(n_windows, n_steps_out, n_targets)``
        for several, both ``float32``, with ``n_windows = n_steps - n_steps_in - n_steps_out + 1``.

    Raises:
        ValueError: if the series is shorter than one window, or ``target`` is not
            a column of a 2-D series.

    Example:
        >>> x, y = preprocessing.frame_series(np.arange(6.0), n_steps_in=3)
        >>> x.shape, y[:, 0].tolist()
        ((3, 3, 1), [3.0, 4.0, 5.0])
        >>> weather = np.stack([np.arange(6.0), 10 * np.arange(6.0)], axis=1)  # two variables
        >>> x, y = preprocessing.frame_series(weather, n_steps_in=3, target=1)
        >>> x.shape, y[:, 0].tolist()
        ((3, 3, 2), [30.0, 40.0, 50.0])
    """
    series = check_array("series", series, ndim=(1, 2), dtype=np.float32)
    n_steps_in = check_int("n_steps_in", n_steps_in)
    n_steps_out = check_int("n_steps_out", n_steps_out)
    columns = _check_target(target, series)
    length = n_steps_in + n_steps_out
    if len(series) < length:
        raise ValueError(f"series must have at least n_steps_in + n_steps_out = {length} steps, got {len(series)}")
    univariate = series.ndim == 1
    table = series[:, None] if univariate else series
    windows = np.lib.stride_tricks.sliding_window_view(table, length, axis=0)  # (n_windows, n_features, length)
    windows = np.moveaxis(windows, 2, 1)  # (n_windows, length, n_features)
    x = np.ascontiguousarray(windows[:, :n_steps_in], dtype=np.float32)
    y = np.ascontiguousarray(windows[:, n_steps_in:], dtype=np.float32)
    if univariate:
        return x, y[:, :, 0]
    return x, (y if columns is None else np.ascontiguousarray(y[:, :, columns]))


def _check_target(target, series: np.ndarray):
    """``target`` as an index of ``y``'s last axis: None (all columns), an int, or a list of ints."""
    if target is None:
        return None
    if series.ndim == 1:
        raise ValueError(f"target selects columns of a 2-D series (n_steps, n_features); series is 1-D, got {target!r}")
    n_features = series.shape[1]
    single = isinstance(target, numbers.Integral) and not isinstance(target, bool)
    items = [target] if single else target
    if not isinstance(items, (list, tuple)) or not items:
        raise TypeError(f"target must be a column index (int) or a non-empty list of them, got {_show(target)}")
    for item in items:
        if not isinstance(item, numbers.Integral) or isinstance(item, bool):
            raise TypeError(f"target must be a column index (int) or a non-empty list of them, got {_show(target)}")
        if not 0 <= item < n_features:
            raise ValueError(f"target must be a column of the series, from 0 to {n_features - 1}, got {_show(target)}")
    if len(set(int(i) for i in items)) != len(items):
        raise ValueError(f"target must not repeat a column, got {_show(target)}")
    return int(target) if single else [int(i) for i in items]


SeriesPart = namedtuple("SeriesPart", ["values", "index", "x", "y", "target_index"])
SeriesPart.__doc__ = "One part of a series, as :func:`split_by_time` returns it: a named tuple."
SeriesPart.values.__doc__ = "The part's steps, ``(part_steps,)`` or ``(part_steps, n_features)``."
SeriesPart.index.__doc__ = "Their positions in the whole series, ``(part_steps,)`` integers."
SeriesPart.x.__doc__ = "The part's input windows, as :func:`frame_series` shapes them; ``None`` without windows."
SeriesPart.y.__doc__ = "Their targets, as :func:`frame_series` shapes them; ``None`` without windows."
SeriesPart.target_index.__doc__ = (
    "``(n_windows, n_steps_out)`` integers, the position in the whole series of every target; ``None`` without windows."
)


def _check_time(time, n_steps: int) -> np.ndarray:
    array = np.asarray(time) if isinstance(time, (np.ndarray, list, tuple)) else np.empty((0, 0))
    if array.dtype.kind not in "iufM" or array.ndim != 1:
        raise TypeError(f"time must be a 1-D array of numbers or datetime64, got {_show(time)}")
    if len(array) != n_steps:
        raise ValueError(f"time must have one entry per step of the series ({n_steps}), got {len(array)}")
    if np.any(np.isnan(array)) or np.any(array[1:] <= array[:-1]):
        raise ValueError(f"time must be strictly increasing, without NaN or NaT, got {_show(time)}")
    return array


def _time_start(name: str, value, time: np.ndarray) -> int:
    """The first step whose time is at or after ``value`` (converted to ``time``'s dtype)."""
    kind = time.dtype.kind
    expected = (str, np.datetime64) if kind == "M" else numbers.Integral if kind in "iu" else numbers.Real
    if not isinstance(value, expected) or isinstance(value, bool):
        raise TypeError(f"{name} must be a time of the kind of time ({time.dtype}), got {_show(value)}")
    try:
        moment = np.asarray(value, dtype=time.dtype)
    except ValueError as error:
        raise ValueError(f"{name} must be a valid time ({time.dtype}), got {value!r}") from error
    if np.isnan(moment) or (kind == "f" and np.isinf(moment)):
        raise ValueError(f"{name} must be a finite time, got {value!r}")
    return int(np.searchsorted(time, moment, side="left"))


def split_by_time(
    series,
    *,
    validation=0.15,
    test=0.15,
    time=None,
    n_steps_in: int | None = None,
    n_steps_out: int = 1,
    target=None,
) -> tuple[SeriesPart, SeriesPart, SeriesPart]:
    """Split a series in time order into training, validation and test parts, with their windows.

    The parts are consecutive: training, validation, test. With ``n_steps_in``, the
    series is cut into windows by :func:`frame_series` and each window goes to the
    part where **all of its targets** lie; a window whose targets straddle two parts
    is dropped. Inputs may reach back into the previous part (they are observed
    before the targets): no target is in two parts, nor an input of an earlier part.

    Args:
        series: ``(n_steps,)`` or ``(n_steps, n_features)``, finite numbers.
        validation, test: the share of the steps in each part, fractions in
            ``[0, 1)`` whose sum is below 1 (rounded to whole steps); or, with
            ``time``, the time at which each part starts (its first step is the
            first whose time is at or after it).
        time: ``None``, or the time of every step, ``(n_steps,)`` strictly
            increasing numbers or ``datetime64`` (e.g. ``months`` of
            :func:`lstm_companion.datasets.load_co2`); integer positions split by index.
        n_steps_in: length of each input window; ``None`` for the parts only.
        n_steps_out: number of targets of each window.
        target: the column or columns of a 2-D series that the windows' ``y`` holds,
            as in :func:`frame_series`.

    Returns:
        ``(train, validation, test)``, each a :class:`SeriesPart` (``values``, ``index``,
        ``x``, ``y``, ``target_index``), windows shaped as by :func:`frame_series`.
        The validation and test parts may be empty (zero windows), not the training part.

    Raises:
        ValueError: if the training part is empty or shorter than one window, or
            the validation part would start after the test part.

    Example:
        >>> train, validation, test = preprocessing.split_by_time(
        ...     np.arange(20.0), validation=0.2, test=0.2, n_steps_in=3, n_steps_out=2)
        >>> train.values.shape, train.x.shape, test.target_index.tolist()
        ((12,), (8, 3, 1), [[16, 17], [17, 18], [18, 19]])
    """
    series = check_array("series", series, ndim=(1, 2))
    n_steps = len(series)
    if time is None:
        validation = check_float("validation", validation, minimum=0.0, maximum=1.0)
        test = check_float("test", test, minimum=0.0, maximum=1.0)
        if validation + test >= 1.0:
            raise ValueError(f"validation + test must be below 1, got {validation} + {test}")
        test_start = n_steps - int(round(test * n_steps))
        validation_start = test_start - int(round(validation * n_steps))
    else:
        time = _check_time(time, n_steps)
        validation_start = _time_start("validation", validation, time)
        test_start = _time_start("test", test, time)
        if validation_start > test_start:
            raise ValueError(f"validation must not start after test, got {validation!r} and {test!r}")
    if n_steps_in is not None:
        n_steps_in = check_int("n_steps_in", n_steps_in)
    n_steps_out = check_int("n_steps_out", n_steps_out)
    if validation_start < 1:
        raise ValueError(f"the training part must not be empty, got validation={validation!r}, test={test!r}")
    bounds = ((0, validation_start), (validation_start, test_start), (test_start, n_steps))
    _check_target(target, series)
    if n_steps_in is None:
        if target is not None:
            raise ValueError(f"target chooses the windows' targets; give n_steps_in too, got target={_show(target)}")
        return tuple(SeriesPart(series[a:b], np.arange(a, b), None, None, None) for a, b in bounds)
    if validation_start < n_steps_in + n_steps_out:
        raise ValueError(
            f"n_steps_in + n_steps_out must fit in the training part ({validation_start} steps) for one window, "
            f"got {n_steps_in} + {n_steps_out} = {n_steps_in + n_steps_out}"
        )
    x, y = frame_series(series, n_steps_in=n_steps_in, n_steps_out=n_steps_out, target=target)
    target_index = np.arange(n_steps_in, n_steps_in + len(x))[:, None] + np.arange(n_steps_out)
    parts = []
    for a, b in bounds:
        inside = (target_index[:, 0] >= a) & (target_index[:, -1] < b)
        parts.append(SeriesPart(series[a:b], np.arange(a, b), x[inside], y[inside], target_index[inside]))
    return tuple(parts)


def _moved(name: str, value, initial, axis: int) -> tuple[np.ndarray, np.ndarray | None, int]:
    """``value`` and ``initial`` checked, with their time axis first, and the axis as a non-negative index."""
    array = check_array(name, value, ndim=(1, 2, 3))
    axis = check_int("axis", axis, minimum=None)
    if not -array.ndim <= axis < array.ndim:
        raise ValueError(f"axis must be in [-{array.ndim}, {array.ndim}) for {array.ndim} dimensions, got {axis}")
    if initial is None:
        return np.moveaxis(array, axis, 0), None, axis % array.ndim
    steps, start = np.moveaxis(array, axis, 0), np.moveaxis(check_array("initial", initial, ndim=array.ndim), axis, 0)
    if start.shape[1:] != steps.shape[1:]:
        raise ValueError(
            f"initial must have the shape of {name} {array.shape} but along axis {axis}, got {start.shape}"
        )
    return steps, start, axis % array.ndim


def difference(series, *, lag: int = 1, initial=None, axis: int = 0) -> np.ndarray:
    """Changes over ``lag`` steps, ``series[t] - series[t - lag]``; a season's change with ``lag`` = its period.

    Args:
        series: 1-D to 3-D finite numbers, e.g. ``(n_steps,)``, ``(n_steps, n_features)``,
            or windows ``(n_windows, n_steps, n_features)`` with ``axis=1``.
        lag: steps between the values subtracted (1: month to month; 12 on
            monthly data: year on year).
        initial: ``None``, or the ``lag`` values just before ``series`` (the shape
            of ``series`` but ``lag`` steps along ``axis``); then every step gets a
            change, e.g. the targets of windows, with the last input steps as ``initial``.
        axis: the time axis.

    Returns:
        ``float64`` changes along ``axis``: without ``initial``, ``lag`` fewer steps
        than ``series`` (entry ``t`` is ``series[t + lag] - series[t]``); with it,
        as many, and :func:`undifference` with the same ``initial`` gives ``series`` back.

    Raises:
        ValueError: if ``series`` is too short, or ``initial`` does not have ``lag`` steps.

    Example:
        >>> preprocessing.difference(np.array([1.0, 3.0, 6.0, 10.0])).tolist()
        [2.0, 3.0, 4.0]
    """
    steps, start, axis = _moved("series", series, initial, axis)
    lag = check_int("lag", lag)
    if start is not None:
        if len(start) != lag:
            raise ValueError(f"initial must have lag = {lag} steps along axis {axis}, got {len(start)}")
        steps = np.concatenate([start, steps])
    if len(steps) <= lag:
        raise ValueError(f"series must have more than lag = {lag} steps along axis {axis}, got {len(steps)}")
    return np.moveaxis(steps[lag:] - steps[:-lag], 0, axis)


def undifference(differences, *, initial, axis: int = 0) -> np.ndarray:
    """Rebuild levels from their changes, the inverse of :func:`difference`.

    The lag is the number of steps of ``initial``: each level is the level
    ``lag`` steps before it plus its change, ``level[t] = level[t - lag] +
    differences[t]``, starting from the ``lag`` known levels in ``initial``. To
    turn forecast changes into forecast levels, ``initial`` holds the last
    ``lag`` observed levels.

    Args:
        differences: 1-D to 3-D changes, e.g. ``(n_steps,)``, or the forecasts
            of many windows ``(n_windows, horizon)`` with ``axis=1``.
        initial: the ``lag`` levels just before the first change: the shape of
            ``differences`` but ``lag`` steps along ``axis``.
        axis: the time axis of both.

    Returns:
        ``float64`` levels with the shape of ``differences``, the steps that follow
        ``initial``: ``undifference(difference(x, lag=k), initial=x[:k])`` is ``x[k:]``
        (to rounding).

    Raises:
        ValueError: if ``initial`` does not match ``differences`` outside ``axis``.

    Example:
        >>> x = np.array([1.0, 3.0, 6.0, 10.0])
        >>> preprocessing.undifference(preprocessing.difference(x), initial=x[:1]).tolist()
        [3.0, 6.0, 10.0]
    """
    if initial is None:
        raise TypeError("initial must be an array of numbers (the levels before the first change), got None")
    changes, start, axis = _moved("differences", differences, initial, axis)
    lag, n_steps, rest = len(start), len(changes), changes.shape[1:]
    n_seasons = -(-n_steps // lag)
    seasons = np.zeros((n_seasons * lag, *rest))
    seasons[:n_steps] = changes
    seasons = seasons.reshape(n_seasons, lag, *rest)  # row r: the changes of steps r * lag .. r * lag + lag - 1
    levels = np.cumsum(np.concatenate([start[None], seasons]), axis=0)[1:]  # level[t] = level[t - lag] + change[t]
    return np.moveaxis(levels.reshape(n_seasons * lag, *rest)[:n_steps], 0, axis)


def fit_scaler(train) -> keras.layers.Normalization:
    """A ``keras.layers.Normalization`` adapted on the training part: ``(x - mean) / std``.

    Fit the scaling on the training part only, so that nothing of the
    validation or test parts leaks into it. Call the layer on arrays to scale
    them, or put it inside a model with :func:`with_scaling`.

    Args:
        train: the training part, ``(n_steps,)`` (one mean and variance, ``axis=None``)
            or ``(n_steps, n_features)`` (one per feature, ``axis=-1``).

    Returns:
        The adapted layer; it scales arrays of any shape whose last axis holds
        the same features.

    Raises:
        ValueError: if a feature is constant in ``train`` (nothing to scale by).

    Example:
        >>> scaler = preprocessing.fit_scaler(train.values)
    """
    import keras

    train = check_array("train", train, ndim=(1, 2))
    if len(train) < 2 or np.any(np.var(train, axis=0) == 0):
        raise ValueError(f"train must vary over at least two steps in every feature, got shape {train.shape}")
    scaler = keras.layers.Normalization(axis=None if train.ndim == 1 else -1)
    scaler.adapt(train)
    return scaler


def _statistics(name: str, scaler, shape: tuple, what: str) -> tuple[tuple[int, ...], object, object]:
    """The axis, mean and variance of a ``Normalization`` (adapted, or given them), as plain numbers for a config."""
    import keras

    if not isinstance(scaler, keras.layers.Normalization):
        raise TypeError(f"{name} must be a keras.layers.Normalization (from fit_scaler), got {type(scaler).__name__}")
    given = (scaler.input_mean, scaler.input_variance)  # mean= and variance= of the constructor, before building
    statistics = given if scaler.mean is None else (scaler.mean, scaler.variance)
    if scaler.invert or statistics[0] is None or tuple(scaler.axis) not in ((), (-1,)):
        raise ValueError(f"{name} must be adapted, invert=False, axis None or -1; got {scaler.get_config()}")
    mean, variance = (keras.ops.convert_to_numpy(v).reshape(-1).astype(float) for v in statistics)
    if len(mean) == 1:  # one mean and variance for every feature
        return tuple(scaler.axis), float(mean[0]), float(variance[0])
    if shape[-1] != len(mean):
        raise ValueError(f"{name} has {len(mean)} features, got a model whose {what} have shape {shape}")
    return (-1,), mean.tolist(), variance.tolist()


def with_scaling(model: keras.Model, scaler, *, target_scaler=None) -> keras.Model:
    """Wrap ``model`` so that it normalises its inputs and de-normalises its outputs itself.

    The new model reads and predicts values in the series' own units:
    ``Normalization`` with the scaler's mean and variance, then ``model``, then
    ``Normalization(invert=True)`` with the target scaler's. Both statistics are
    stored in the layers' configuration, so ``model.save`` and
    ``keras.saving.load_model`` (``safe_mode`` on) keep the scaling. The wrapped
    model shares ``model``'s layers: training either trains both.

    Args:
        model: a ``keras.Model`` with one input and one output.
        scaler: the ``Normalization`` of the inputs, from :func:`fit_scaler`.
        target_scaler: the ``Normalization`` whose statistics de-normalise the
            outputs; ``None`` uses ``scaler`` (right for one variable, where one
            mean and variance serve inputs and targets alike).

    Returns:
        A ``keras.Model`` with ``model``'s input and output shapes.

    Raises:
        ValueError: if a scaler was not adapted, or has one mean per feature and
            the model's inputs (or outputs) do not have that many features.

    Example:
        >>> scaler = preprocessing.fit_scaler(train.values)
        >>> model = preprocessing.with_scaling(models.build_vanilla_lstm(24, 1, units=32, n_outputs=12), scaler)
    """
    import keras

    check_model("model", model)
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError(f"model must have one input and one output, got {len(model.inputs)} and {len(model.outputs)}")
    input_shape, output_shape = tuple(model.inputs[0].shape), tuple(model.outputs[0].shape)
    axis, mean, variance = _statistics("scaler", scaler, input_shape, "inputs")
    inputs = keras.Input(shape=input_shape[1:], name="inputs")
    scaled = keras.layers.Normalization(axis=axis, mean=mean, variance=variance, name="scale_inputs")(inputs)
    name, target_scaler = ("scaler", scaler) if target_scaler is None else ("target_scaler", target_scaler)
    axis, mean, variance = _statistics(name, target_scaler, output_shape, "outputs")
    unscale = keras.layers.Normalization(axis=axis, mean=mean, variance=variance, invert=True, name="unscale_outputs")
    return keras.Model(inputs, unscale(model(scaled)), name=f"scaled_{model.name}")
