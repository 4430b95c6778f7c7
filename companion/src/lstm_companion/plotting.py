"""Figures for the chapters.

Every helper draws on the axes it is given (or on a new figure when ``ax`` is
``None``) and returns the figure. None of them saves a file or calls
``plt.show()``: that is the caller's choice.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.colors
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ._validation import _show, check_array, check_bool, check_int

__all__ = [
    "plot_architecture_overview",
    "plot_forecast",
    "plot_gate_activations",
    "plot_gradient_norms",
    "plot_learning_curves",
    "plot_sequence_example",
]

INPUT_COLOR = "tab:blue"
TARGET_COLOR = "tab:orange"
PREDICTION_COLOR = "tab:green"


def _axes(ax, figsize=(6, 3.5)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def _history_dict(history) -> dict:
    values = getattr(history, "history", history)
    if not isinstance(values, Mapping):
        raise TypeError(
            f"history must be a keras.callbacks.History or a dict of per-epoch lists, got {type(history).__name__}"
        )
    return values


def _history_curve(values: Mapping, key: str) -> np.ndarray:
    """One recorded metric as a 1-D array of numbers (NaN and infinity allowed: a diverged run is plotted)."""
    return check_array(f"history[{key!r}]", values[key], ndim=1, finite=False)


def plot_learning_curves(
    history, *, metric: str = "loss", ax=None, label: str | None = None, log_scale: bool = False, color=None
):
    """Plot a training metric per epoch, and its validation counterpart if recorded.

    Args:
        history: ``keras.callbacks.History`` (from ``fit``) or its ``.history`` dict.
        metric: key to plot, e.g. ``"loss"`` or ``"accuracy"``; ``"val_" + metric``
            is drawn dashed when present.
        ax: matplotlib axes to draw on; a new figure when ``None``.
        label: prefix for the legend entries (useful when overlaying several runs).
        log_scale: use a logarithmic y axis.
        color: a matplotlib colour for both curves; the axes' next colour when ``None``.

    Returns:
        The ``matplotlib.figure.Figure`` drawn on.

    Raises:
        TypeError: if ``history`` is not a History or a dict, a recorded curve is
            not a list of numbers, ``label`` is not a string, ``log_scale`` is not
            ``True`` or ``False``, ``color`` is not a string or tuple, or ``ax`` is
            not a matplotlib Axes.
        ValueError: if ``metric`` was not recorded, the validation curve has
            another length than the training curve, or ``color`` is not a
            matplotlib colour.

    Example:
        >>> fig = plotting.plot_learning_curves(history, log_scale=True)
    """
    values = _history_dict(history)
    if not isinstance(metric, str):
        raise TypeError(f"metric must be a string, got {metric!r}")
    if metric not in values:
        raise ValueError(f"metric must be one of the recorded keys {sorted(values)}, got {metric!r}")
    train = _history_curve(values, metric)
    validation = _history_curve(values, f"val_{metric}") if f"val_{metric}" in values else None
    if validation is not None and len(validation) != len(train):
        raise ValueError(
            f"history['val_{metric}'] must have one value per epoch like history[{metric!r}] ({len(train)}), "
            f"got {len(validation)}"
        )
    if label is not None and not isinstance(label, str):
        raise TypeError(f"label must be a string or None, got {_show(label)}")
    log_scale = check_bool("log_scale", log_scale)
    if color is not None:
        if not isinstance(color, (str, tuple, list, np.ndarray)):
            raise TypeError(f"color must be a matplotlib colour (a name, '#rrggbb' or RGB tuple), got {_show(color)}")
        if not matplotlib.colors.is_color_like(color):
            raise ValueError(f"color must be a matplotlib colour (a name, '#rrggbb' or RGB tuple), got {color!r}")
    ax = _axes(ax)
    prefix = f"{label} " if label else ""
    epochs = np.arange(1, len(train) + 1)
    (line,) = ax.plot(epochs, train, color=color, label=f"{prefix}train")
    if validation is not None:
        ax.plot(epochs, validation, linestyle="--", color=line.get_color(), label=f"{prefix}validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    if log_scale:
        ax.set_yscale("log")
    ax.legend()
    return ax.figure


def plot_sequence_example(x, y, *, prediction=None, ax=None, title: str | None = None):
    """Draw one sample of a sequence problem on a time line: inputs, then targets.

    Inputs occupy steps ``0 .. T_in - 1`` (a single value counts as one step)
    and the target follows at steps ``T_in .. T_in + T_out - 1``, so the figure
    shows at a glance how many steps go in and how many come out. Only the
    first feature is drawn.

    Args:
        x: one input sample, ``(features,)`` or ``(steps, features)``.
        y: its target, ``(features,)`` or ``(steps, features)``.
        prediction: optional model output with the shape of ``y``.
        ax: matplotlib axes to draw on; a new figure when ``None``.
        title: axes title.

    Returns:
        The ``matplotlib.figure.Figure`` drawn on.

    Example:
        >>> fig = plotting.plot_sequence_example(x_test[0], y_test[0], prediction=model.predict(x_test[:1])[0])
    """
    x = check_array("x", x, ndim=(1, 2))
    y = check_array("y", y, ndim=(1, 2))
    x_steps = x[:, 0] if x.ndim == 2 else x[:1]
    y_steps = y[:, 0] if y.ndim == 2 else y[:1]
    if prediction is not None:
        prediction = check_array("prediction", prediction, ndim=y.ndim)
        if prediction.shape != y.shape:
            raise ValueError(f"prediction must have the shape of y {y.shape}, got {prediction.shape}")
        prediction = prediction[:, 0] if prediction.ndim == 2 else prediction[:1]
    ax = _axes(ax)
    t_in = np.arange(len(x_steps))
    t_out = np.arange(len(x_steps), len(x_steps) + len(y_steps))
    ax.plot(t_in, x_steps, "o-", color=INPUT_COLOR, label=f"input ({len(x_steps)} step{'s' * (len(x_steps) > 1)})")
    ax.plot(t_out, y_steps, "s-", color=TARGET_COLOR, label=f"target ({len(y_steps)} step{'s' * (len(y_steps) > 1)})")
    if prediction is not None:
        ax.plot(t_out, prediction, "x--", color=PREDICTION_COLOR, markersize=8, label="prediction")
    ax.axvline(len(x_steps) - 0.5, color="0.7", linewidth=1)
    ax.set_xlabel("step")
    if title:
        ax.set_title(title)
    ax.legend(fontsize="small")
    return ax.figure


def plot_forecast(
    history,
    truth,
    forecasts,
    *,
    season: int | None = None,
    time=None,
    ax=None,
    title: str | None = None,
    ylabel: str | None = None,
):
    """Draw forecasts from one origin against what happened, with the naive baselines.

    The history ends at the forecast origin; the truth, each forecast, the naive
    forecast (the last value, dotted) and, with ``season``, the seasonal naive
    forecast (the last season again, dashed) follow over the horizon.

    Args:
        history: ``(n_history,)``, the observed values up to the origin.
        truth: ``(horizon,)``, what followed.
        forecasts: a forecast ``(horizon,)``, or a mapping from a label to one.
        season: the seasonal period in steps, at most ``n_history``; ``None``
            leaves the seasonal naive forecast out.
        time: ``None`` counts steps from the origin (the history ends at 0, the
            horizon is ``1 .. horizon``); or the time of every point,
            ``(n_history + horizon,)`` numbers or ``datetime64`` (e.g. months).
        ax: matplotlib axes to draw on; a new figure when ``None``.
        title: axes title.
        ylabel: y-axis label (the series' name and unit).

    Returns:
        The ``matplotlib.figure.Figure`` drawn on.

    Example:
        >>> fig = plotting.plot_forecast(test.x[-1, :, 0], test.y[-1], {"LSTM": forecast[-1]}, season=12)
    """
    from .forecasting import naive_forecast, seasonal_naive_forecast

    history = check_array("history", history, ndim=1)
    truth = check_array("truth", truth, ndim=1)
    horizon = len(truth)
    if not isinstance(forecasts, Mapping):
        forecasts = {"forecast": forecasts}
    if not forecasts:
        raise ValueError("forecasts must be an array or a non-empty mapping from label to array, got an empty mapping")
    checked = {str(k): check_array(f"forecasts[{k!r}]", v, ndim=1) for k, v in forecasts.items()}
    for label, values in checked.items():
        if len(values) != horizon:
            raise ValueError(f"forecasts[{label!r}] must have the horizon of truth ({horizon}), got {len(values)}")
    baselines = {"naive": (naive_forecast(history, horizon=horizon), ":")}
    if season is not None:
        season = check_int("season", season)
        baselines["seasonal naive"] = (seasonal_naive_forecast(history, horizon=horizon, season=season), "--")
    steps = np.arange(1 - len(history), horizon + 1)
    if time is not None:
        times = np.asarray(time) if isinstance(time, (np.ndarray, list, tuple)) else np.empty(0, dtype=str)
        if times.dtype.kind not in "iufM":
            raise TypeError(f"time must be an array of numbers or datetime64, got {_show(time)}")
        if times.shape != steps.shape:
            raise ValueError(f"time must hold n_history + horizon = {len(steps)} times, got shape {times.shape}")
        steps = times
    if ylabel is not None and not isinstance(ylabel, str):
        raise TypeError(f"ylabel must be a string or None, got {ylabel!r}")
    ax = _axes(ax, figsize=(7, 3.5))
    past, future = steps[: len(history)], steps[len(history) :]
    ax.plot(past, history, color=INPUT_COLOR, label="observed")
    ax.plot(future, truth, "o-", color=TARGET_COLOR, markersize=3, label="truth")
    for label, (values, style) in baselines.items():
        ax.plot(future, values, style, color="0.45", label=label)
    for i, (label, values) in enumerate(checked.items()):
        ax.plot(future, values, "s-", color=PREDICTION_COLOR if i == 0 else None, markersize=3, label=label)
    ax.axvline(past[-1], color="0.7", linewidth=1)
    ax.set_xlabel("step from the forecast origin" if time is None else "time")
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(fontsize="small")
    return ax.figure


def plot_gradient_norms(
    norms: Mapping[str, np.ndarray], *, ax=None, title: str | None = None, ylabel: str | None = None
):
    """Plot gradient norms against how many steps back they travelled, on a log scale.

    Args:
        norms: maps a label to a 1-D array whose entry ``d - 1`` is the norm
            after ``d`` steps of backpropagation through time (e.g. a row, or
            the median over a batch, of
            :func:`lstm_companion.scratch.simple_rnn_state_gradient_norms`).
            Or :func:`lstm_companion.gradients.input_gradient_norms` reversed,
            so that entry ``d - 1`` belongs to the step ``d - 1`` before the last.
        ax: matplotlib axes to draw on; a new figure when ``None``.
        title: axes title.
        ylabel: y-axis label; the hidden-state Jacobian norm when ``None``.

    Returns:
        The ``matplotlib.figure.Figure`` drawn on.

    Example:
        >>> fig = plotting.plot_gradient_norms({"gain 0.9": norms_09, "gain 1.1": norms_11})
    """
    if ylabel is not None and not isinstance(ylabel, str):
        raise TypeError(f"ylabel must be a string or None, got {ylabel!r}")
    if not isinstance(norms, Mapping) or not norms:
        raise TypeError(f"norms must be a non-empty mapping from label to a 1-D array, got {_show(norms)}")
    checked = {str(k): check_array(f"norms[{k!r}]", v, ndim=1, finite=False) for k, v in norms.items()}
    ax = _axes(ax)
    for label, values in checked.items():
        ax.semilogy(np.arange(1, len(values) + 1), values, label=label)
    ax.axhline(1.0, color="0.6", linewidth=1, linestyle=":")
    ax.set_xlabel("steps back in time, $d$")
    ax.set_ylabel(ylabel if ylabel is not None else r"$\|\partial h_T / \partial h_{T-d}\|$")
    if title:
        ax.set_title(title)
    ax.legend()
    return ax.figure


def plot_gate_activations(gates: Mapping[str, np.ndarray], *, sample: int = 0, axes=None):
    """Heatmaps of an LSTM's gates and cell state over time, one panel per quantity.

    Args:
        gates: the dict returned by ``scratch.lstm_forward(..., return_gates=True)``:
            ``"input"``, ``"forget"``, ``"candidate"``, ``"output"`` and ``"cell"``,
            each ``(batch, n_steps, units)``.
        sample: which sequence of the batch to draw.
        axes: a sequence of five matplotlib axes; a new figure when ``None``.

    Returns:
        The ``matplotlib.figure.Figure`` drawn on: units on the vertical axis, steps
        on the horizontal; gates on a 0..1 colour scale, candidate and cell state
        on a symmetric one.

    Example:
        >>> sequence, h, c, gates = scratch.lstm_forward(x, *layer.get_weights(), return_gates=True)
        >>> fig = plotting.plot_gate_activations(gates, sample=0)
    """
    names = ("input", "forget", "output", "candidate", "cell")
    if not isinstance(gates, Mapping) or set(names) - set(gates):
        got = sorted(gates) if isinstance(gates, Mapping) else _show(gates)
        raise TypeError(f"gates must be a mapping with the keys {list(names)} (see scratch.lstm_forward), got {got}")
    arrays = {name: check_array(f"gates[{name!r}]", gates[name], ndim=3) for name in names}
    shapes = {a.shape for a in arrays.values()}
    if len(shapes) != 1:
        raise ValueError(f"gates must all have the same shape (batch, n_steps, units), got {sorted(shapes)}")
    batch = shapes.pop()[0]
    sample = check_int("sample", sample, minimum=0)
    if sample >= batch:
        raise ValueError(f"sample must be an integer in [0, {batch}), got {sample}")
    if axes is None:
        _, axes = plt.subplots(len(names), 1, figsize=(9, 9), sharex=True, layout="constrained")
    axes = list(np.ravel(axes)) if not isinstance(axes, Axes) else [axes]
    if len(axes) != len(names) or not all(isinstance(a, Axes) for a in axes):
        raise TypeError(f"axes must be a sequence of {len(names)} matplotlib Axes, or None, got {_show(axes)}")
    for ax, name in zip(axes, names, strict=True):
        values = arrays[name][sample].T  # (units, n_steps)
        if name in ("input", "forget", "output"):
            image = ax.imshow(values, aspect="auto", cmap="viridis", vmin=0.0, vmax=1.0, interpolation="nearest")
        else:
            limit = max(float(np.abs(values).max()), 1e-6)
            image = ax.imshow(values, aspect="auto", cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
        ax.set_ylabel(f"{name}\nunit")
        ax.figure.colorbar(image, ax=ax, pad=0.01)
    axes[-1].set_xlabel("step")
    return axes[0].figure


# --- the architecture overview: three schematic panels -----------------------------------


def _box(ax, xy, text, *, color, width=0.8, height=0.5, fontsize=10):
    x, y = xy
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0.04",
            facecolor=color,
            edgecolor="0.2",
            linewidth=1,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, *, color="0.2", style="-|>", connectionstyle="arc3", linestyle="-"):
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle=style,
            mutation_scale=12,
            color=color,
            connectionstyle=connectionstyle,
            linestyle=linestyle,
            linewidth=1.2,
        )
    )


def _draw_mlp(ax):
    for i, t in enumerate(("t-2", "t-1", "t")):
        _box(ax, (i, 0), f"$x_{{{t}}}$", color="#cfe2f3")
        _arrow(ax, (i, 0.3), (1, 1.2))
    _box(ax, (1, 1.5), "hidden\n(Dense)", color="#d9ead3", width=1.6, height=0.55)
    _arrow(ax, (1, 1.8), (1, 2.45))
    _box(ax, (1, 2.7), r"$\hat y_{t+1}$", color="#fce5cd")
    ax.set_title("MLP on a window\nsees a fixed number of steps")
    ax.set_xlim(-0.7, 2.7)


def _draw_rnn(ax):
    for i, t in enumerate(("t-2", "t-1", "t")):
        _box(ax, (i, 0), f"$x_{{{t}}}$", color="#cfe2f3")
        _arrow(ax, (i, 0.3), (i, 1.2))
        _box(ax, (i, 1.5), f"$h_{{{t}}}$", color="#d9ead3")
        if i:
            _arrow(ax, (i - 0.6, 1.5), (i - 0.4, 1.5), color="tab:red")
    _arrow(ax, (-0.95, 1.5), (-0.4, 1.5), color="tab:red")
    ax.text(-0.95, 1.75, "$h_{t-3}$", fontsize=9, color="tab:red")
    _arrow(ax, (2, 1.8), (2, 2.45))
    _box(ax, (2, 2.7), r"$\hat y_{t+1}$", color="#fce5cd")
    ax.set_title("RNN, unrolled\nstate $h$ carries the past (red)")
    ax.set_xlim(-1.1, 2.7)


def _draw_lstm(ax):
    def node(xy, symbol):
        ax.add_patch(plt.Circle(xy, 0.15, facecolor="white", edgecolor="tab:purple", zorder=3))
        ax.text(*xy, symbol, ha="center", va="center", fontsize=9, zorder=4)

    # the cell state runs along the top; the gates sit below it and read x_t and h_{t-1}
    _arrow(ax, (-0.9, 2.4), (3.2, 2.4), color="tab:purple")
    ax.text(-0.9, 2.55, "$c_{t-1}$", color="tab:purple", fontsize=9)
    ax.text(2.9, 2.55, "$c_t$", color="tab:purple", fontsize=9)
    node((0.0, 2.4), r"$\times$")
    node((1.2, 2.4), "$+$")
    node((1.2, 1.75), r"$\times$")
    node((2.4, 1.75), r"$\times$")
    gates = (("forget\n$f_t$", 0.0), ("input\n$i_t$", 0.8), ("cand.\n$\\tilde c_t$", 1.6), ("output\n$o_t$", 2.4))
    for text, x in gates:
        _box(ax, (x, 0.95), text, color="#d9ead3", width=0.62, height=0.6, fontsize=8)
    _arrow(ax, (0.0, 1.25), (0.0, 2.25))
    _arrow(ax, (0.8, 1.25), (1.08, 1.65))
    _arrow(ax, (1.6, 1.25), (1.32, 1.65))
    _arrow(ax, (1.2, 1.9), (1.2, 2.25))
    _arrow(ax, (2.4, 1.25), (2.4, 1.6))
    _arrow(ax, (2.4, 2.4), (2.4, 1.9), color="tab:purple")
    ax.text(2.45, 2.08, "tanh", fontsize=7, color="tab:purple")
    _arrow(ax, (2.55, 1.75), (3.2, 1.75), color="tab:red")
    ax.text(2.8, 1.45, "$h_t$", color="tab:red", fontsize=9)
    _box(ax, (1.2, -0.15), "$x_t$, $h_{t-1}$", color="#cfe2f3", width=1.2, height=0.45)
    for _, x in gates:
        _arrow(ax, (1.2, 0.08), (x, 0.63), style="-")
    ax.set_title("LSTM cell\ngates protect the cell state $c$ (purple)")
    ax.set_xlim(-1.0, 3.3)


def plot_architecture_overview(axes=None):
    """MLP, RNN and LSTM in one picture: three schematic panels side by side.

    Args:
        axes: a sequence of three matplotlib axes; a new 1 x 3 figure when ``None``.

    Returns:
        The ``matplotlib.figure.Figure`` drawn on.

    Example:
        >>> fig = plotting.plot_architecture_overview()
    """
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(12, 4), layout="constrained")
    axes = list(np.ravel(axes)) if not isinstance(axes, Axes) else [axes]
    if len(axes) != 3 or not all(isinstance(a, Axes) for a in axes):
        raise TypeError(f"axes must be a sequence of three matplotlib Axes, or None, got {_show(axes)}")
    for ax, draw in zip(axes, (_draw_mlp, _draw_rnn, _draw_lstm), strict=True):
        draw(ax)
        ax.set_ylim(-0.6, 3.2)
        ax.set_aspect("equal")
        ax.axis("off")
    return axes[0].figure
