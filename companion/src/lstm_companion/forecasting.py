"""Forecasting a series: error metrics, the naive baselines, and forecasts over a horizon.

- :func:`mae`, :func:`rmse` and :func:`mase` score forecasts; MASE divides the
  error by that of the seasonal naive forecast on the training part, so 1 means
  "as good as repeating last season" and below 1 is better;
- :func:`naive_forecast` (the last value) and :func:`seasonal_naive_forecast`
  (the value one season ago) are the baselines every model must beat;
- :func:`recursive_forecast` feeds a one-step model its own predictions
  ``horizon`` times; :func:`direct_forecast` asks a model that predicts all
  ``horizon`` steps at once (e.g. ``models.build_vanilla_lstm(..., n_outputs=horizon)``).

Every forecast has the layout of the targets ``y`` of
:func:`lstm_companion.preprocessing.frame_series`: a history of one series,
``(steps,)`` or ``(steps, n_features)``, gives ``(horizon,)`` or ``(horizon,
n_features)``; a batch of windows ``(batch, steps, n_features)``, as ``x`` of
``frame_series``, gives ``(batch, horizon, n_features)``. With one feature the
feature axis is dropped, as in ``frame_series``'s ``y`` of a 1-D series: windows
``(batch, steps, 1)`` give ``(batch, horizon)``.

Split, scale and difference the series with :mod:`lstm_companion.preprocessing`.
"""

from __future__ import annotations

import keras
import numpy as np

from ._validation import check_array, check_int, check_model
from .generation import generate_sequence

__all__ = [
    "direct_forecast",
    "mae",
    "mase",
    "naive_forecast",
    "recursive_forecast",
    "rmse",
    "seasonal_naive_forecast",
]


def _pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    y_true = check_array("y_true", y_true, ndim=(1, 2, 3))
    y_pred = check_array("y_pred", y_pred, ndim=(1, 2, 3))
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_pred must have the shape of y_true {y_true.shape}, got {y_pred.shape}")
    return y_true, y_pred


def mae(y_true, y_pred) -> float:
    """Mean absolute error over every entry: ``mean(|y_true - y_pred|)``.

    Args:
        y_true: the truth, ``(horizon,)``, ``(n_windows, horizon)`` or
            ``(n_windows, horizon, n_features)``.
        y_pred: forecasts of the same shape.

    Returns:
        The error, a ``float`` in the units of the series.

    Example:
        >>> forecasting.mae([1.0, 2.0, 4.0], [1.0, 3.0, 2.0])
        1.0
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.mean(np.abs(y_true - y_pred)))


def rmse(y_true, y_pred) -> float:
    """Root mean squared error over every entry, ``sqrt(mean((y_true - y_pred) ** 2))``; arguments as for :func:`mae`.

    Returns:
        The error, a ``float`` in the units of the series; large errors weigh more than in :func:`mae`.

    Example:
        >>> forecasting.rmse([0.0, 0.0], [3.0, 4.0]) ** 2
        12.5
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))


def mase(y_true, y_pred, *, train, season: int = 1) -> float:
    """Mean absolute scaled error (Hyndman & Koehler, 2006): the MAE divided by the seasonal naive's in training.

    The scale is the in-sample MAE of the seasonal naive forecast on the training
    part, ``mean(|train[t] - train[t - season]|)`` for ``t = season .. n - 1``
    (with ``season=1``, the naive forecast's). A MASE below 1 beats that
    one-step in-sample baseline; the seasonal naive forecast scored on its own
    training part has a MASE of exactly 1.

    Args:
        y_true: the truth, any shape (see :func:`mae`).
        y_pred: forecasts of the same shape.
        train: the training part of the same series, ``(n_steps,)``, longer than ``season``.
        season: the seasonal period in steps (12 for monthly data with a yearly
            cycle); 1 for a series without a season.

    Returns:
        The scaled error, a ``float`` without units.

    Raises:
        ValueError: if ``train`` has no more than ``season`` steps or its seasonal
            naive forecast is exact (a scale of zero).

    Example:
        >>> score = forecasting.mase(test.y, forecast, train=train.values, season=12)
    """
    error = mae(y_true, y_pred)
    train = check_array("train", train, ndim=1)
    season = check_int("season", season)
    if len(train) <= season:
        raise ValueError(f"train must have more than season = {season} steps, got {len(train)}")
    scale = float(np.mean(np.abs(train[season:] - train[:-season])))
    if scale == 0.0:
        raise ValueError(f"train must not repeat itself exactly every season = {season} steps: the scale is zero")
    return error / scale


def _history(name: str, value) -> tuple[np.ndarray, bool, bool]:
    """``value`` as ``(batch, steps, features)``, whether it was a single series, whether it had one feature."""
    array = check_array(name, value, ndim=(1, 2, 3))
    single = array.ndim < 3
    windows = array.reshape(1, -1, 1) if array.ndim == 1 else array[None] if single else array
    return windows, single, array.ndim == 1 or windows.shape[2] == 1


def _layout(forecast: np.ndarray, single: bool, univariate: bool) -> np.ndarray:
    """``(batch, horizon, features)`` in the layout of ``frame_series``'s targets."""
    if univariate:
        forecast = forecast[..., 0]
    return forecast[0] if single else forecast


def naive_forecast(history, *, horizon: int) -> np.ndarray:
    """The naive forecast: the last observed value, repeated ``horizon`` times.

    Args:
        history: what was observed up to the forecast origin: one series,
            ``(steps,)`` or ``(steps, n_features)``, or windows
            ``(batch, steps, n_features)`` (``x`` of ``frame_series``).
        horizon: number of steps to forecast.

    Returns:
        ``(horizon,)``, ``(horizon, n_features)``, ``(batch, horizon)`` or
        ``(batch, horizon, n_features)`` (see the module's layout rule).

    Example:
        >>> forecasting.naive_forecast(np.array([1.0, 2.0, 5.0]), horizon=2).tolist()
        [5.0, 5.0]
    """
    windows, single, univariate = _history("history", history)
    horizon = check_int("horizon", horizon)
    return _layout(np.repeat(windows[:, -1:], horizon, axis=1), single, univariate)


def seasonal_naive_forecast(history, *, horizon: int, season: int) -> np.ndarray:
    """The seasonal naive forecast: the value one season before each forecast step.

    Step ``j`` (1-based) ahead gets the value ``season`` steps before it, taken
    from the last observed season: beyond one season, the last season repeats.

    Args:
        history: what was observed up to the forecast origin, as for
            :func:`naive_forecast`, at least ``season`` steps.
        horizon: number of steps to forecast.
        season: the seasonal period in steps (12 for monthly data with a yearly cycle).

    Returns:
        The forecast, in the layout of :func:`naive_forecast`.

    Raises:
        ValueError: if ``history`` is shorter than one season.

    Example:
        >>> forecasting.seasonal_naive_forecast(np.array([1.0, 2.0, 3.0, 4.0]), horizon=3, season=2).tolist()
        [3.0, 4.0, 3.0]
    """
    windows, single, univariate = _history("history", history)
    horizon = check_int("horizon", horizon)
    season = check_int("season", season)
    if windows.shape[1] < season:
        raise ValueError(f"history must have at least season = {season} steps, got {windows.shape[1]}")
    last_season = windows[:, -season:]
    return _layout(last_season[:, np.arange(horizon) % season], single, univariate)


def recursive_forecast(model: keras.Model, context, *, horizon: int) -> np.ndarray:
    """Forecast ``horizon`` steps with a one-step model, feeding it its own predictions.

    Each prediction is appended to the window and the oldest step dropped
    (:func:`lstm_companion.generation.generate_sequence`), so the errors of
    early steps feed into later ones.

    Args:
        model: a trained ``keras.Model`` mapping ``(batch, steps, n_features)``
            to the next step, ``(batch, n_features)``.
        context: the last observed window, ``(steps, n_features)``, or a batch of
            windows ``(batch, steps, n_features)``.
        horizon: number of steps to forecast.

    Returns:
        ``(horizon,)`` or ``(batch, horizon)`` for one feature; ``(horizon,
        n_features)`` or ``(batch, horizon, n_features)`` otherwise.

    Raises:
        ValueError: if ``context`` does not fit the model, or the model does not
            predict one step.

    Example:
        >>> forecast = forecasting.recursive_forecast(one_step_model, test.x, horizon=12)
    """
    check_model("model", model)
    context = check_array("context", context, ndim=(2, 3))
    horizon = check_int("horizon", horizon)
    forecast = generate_sequence(model, context, n_steps=horizon)
    single = context.ndim == 2
    return _layout(forecast[None] if single else forecast, single, context.shape[-1] == 1)


def direct_forecast(model: keras.Model, context) -> np.ndarray:
    """Forecast all steps of the horizon at once with a multi-output model.

    Args:
        model: a trained ``keras.Model`` mapping ``(batch, steps, n_features)``
            to ``(batch, horizon)`` (e.g. ``models.build_vanilla_lstm(...,
            n_outputs=horizon)``) or to ``(batch, horizon, n_features)`` (e.g.
            ``models.build_encoder_decoder_lstm``).
        context: the last observed window, ``(steps, n_features)``, or a batch of
            windows ``(batch, steps, n_features)``.

    Returns:
        ``(horizon,)`` or ``(batch, horizon)`` for one feature; ``(horizon,
        n_features)`` or ``(batch, horizon, n_features)`` otherwise.

    Raises:
        ValueError: if ``context`` does not fit the model's input, or the model
            does not predict a horizon.

    Example:
        >>> forecast = forecasting.direct_forecast(model, test.x)
    """
    check_model("model", model)
    context = check_array("context", context, ndim=(2, 3))
    single = context.ndim == 2
    windows = (context[None] if single else context).astype(np.float32)
    expected = tuple(model.input_shape[1:])
    if len(expected) != 2 or any(e is not None and e != w for e, w in zip(expected, windows.shape[1:], strict=True)):
        raise ValueError(
            f"context must have per-sample shape {expected} to match the model's input, got {windows.shape[1:]}"
        )
    forecast = np.asarray(model.predict(windows, verbose=0), dtype=np.float64)
    if forecast.ndim not in (2, 3):
        raise ValueError(f"model must predict (batch, horizon) or (batch, horizon, n_features), got {forecast.shape}")
    forecast = forecast[..., None] if forecast.ndim == 2 else forecast
    return _layout(forecast, single, forecast.shape[2] == 1)
