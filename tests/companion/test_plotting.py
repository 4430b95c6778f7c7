import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from lstm_companion import plotting


def test_learning_curves_draw_train_and_validation():
    history = {"loss": [1.0, 0.5, 0.2], "val_loss": [1.1, 0.6, 0.3]}
    fig, ax = plt.subplots()
    assert plotting.plot_learning_curves(history, ax=ax, log_scale=True) is fig
    assert len(ax.lines) == 2
    np.testing.assert_allclose(ax.lines[1].get_ydata(), history["val_loss"])
    assert ax.get_yscale() == "log"


def test_learning_curves_take_one_colour_for_both_curves():
    fig, ax = plt.subplots()
    plotting.plot_learning_curves({"loss": [1.0, 0.5], "val_loss": [1.2, 0.7]}, ax=ax, color="tab:red")
    assert [line.get_color() for line in ax.lines] == ["tab:red", "tab:red"]


def test_sequence_example_puts_targets_after_inputs():
    fig = plotting.plot_sequence_example(np.zeros((5, 1)), np.ones((3, 1)), prediction=np.ones((3, 1)))
    assert isinstance(fig, Figure)
    inputs, targets, predictions = fig.axes[0].lines[:3]
    np.testing.assert_array_equal(inputs.get_xdata(), np.arange(5))
    np.testing.assert_array_equal(targets.get_xdata(), [5, 6, 7])
    np.testing.assert_array_equal(predictions.get_xdata(), [5, 6, 7])


def test_sequence_example_single_values():
    fig = plotting.plot_sequence_example(np.array([0.3]), np.array([0.7]))
    inputs, targets = fig.axes[0].lines[:2]
    np.testing.assert_array_equal(inputs.get_xdata(), [0])
    np.testing.assert_array_equal(targets.get_xdata(), [1])


def test_gradient_norms_on_a_log_axis():
    fig = plotting.plot_gradient_norms({"a": 0.5 ** np.arange(1, 11), "b": np.ones(10)})
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert [line.get_label() for line in ax.get_lines()[:2]] == ["a", "b"]
    assert "partial h_T" in ax.get_ylabel()
    fig = plotting.plot_gradient_norms({"a": np.ones(3)}, ylabel="input gradient")
    assert fig.axes[0].get_ylabel() == "input gradient"
    with pytest.raises(TypeError, match="ylabel"):
        plotting.plot_gradient_norms({"a": np.ones(3)}, ylabel=1)


def test_architecture_overview_has_three_panels():
    fig = plotting.plot_architecture_overview()
    assert len(fig.axes) == 3
    assert all(len(ax.patches) > 5 for ax in fig.axes)


def test_helpers_never_save_or_show(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plot helper called plt.show()"))
    plotting.plot_architecture_overview()
    plotting.plot_learning_curves({"loss": [1, 2]})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "call, error, name",
    [
        (lambda: plotting.plot_learning_curves([1, 2]), TypeError, "history"),
        (lambda: plotting.plot_learning_curves({"loss": [1]}, metric="accuracy"), ValueError, "metric"),
        (lambda: plotting.plot_learning_curves({"loss": [1]}, ax="axes"), TypeError, "ax"),
        (lambda: plotting.plot_sequence_example(np.zeros((2, 2, 2)), np.zeros(1)), ValueError, "x"),
        (lambda: plotting.plot_sequence_example(np.zeros(3), np.zeros((2, 1)), prediction=np.zeros((3, 1))), ValueError, "prediction"),
        (lambda: plotting.plot_gradient_norms({}), TypeError, "norms"),
        (lambda: plotting.plot_gradient_norms({"a": np.zeros((2, 2))}), ValueError, "norms"),
        (lambda: plotting.plot_architecture_overview(axes=[1, 2, 3]), TypeError, "axes"),
    ],
)
def test_bad_plot_arguments_name_the_parameter(call, error, name):
    with pytest.raises(error, match=name):
        call()


def fake_gates(batch=2, n_steps=5, units=3):
    rng = np.random.default_rng(0)
    return {name: rng.uniform(size=(batch, n_steps, units)) for name in ("input", "forget", "output", "candidate", "cell")}


def test_gate_activations_one_heatmap_per_quantity():
    gates = fake_gates()
    fig = plotting.plot_gate_activations(gates, sample=1)
    heatmaps = [ax for ax in fig.axes if ax.images]
    assert len(heatmaps) == 5
    np.testing.assert_allclose(heatmaps[0].images[0].get_array(), gates["input"][1].T)


@pytest.mark.parametrize(
    "gates, sample, error, name",
    [
        ({"input": np.zeros((1, 2, 3))}, 0, TypeError, "gates"),
        ({**fake_gates(), "cell": np.zeros((2, 5, 4))}, 0, ValueError, "gates"),
        (fake_gates(), 2, ValueError, "sample"),
        (fake_gates(), True, ValueError, "sample"),
    ],
)
def test_bad_gate_arguments_name_the_parameter(gates, sample, error, name):
    with pytest.raises(error, match=name):
        plotting.plot_gate_activations(gates, sample=sample)
