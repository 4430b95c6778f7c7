"""lstm_companion.forecasting: metrics, the naive baselines, recursive and direct multi-step forecasts."""

from pathlib import Path

from lstm_companion import datasets, forecasting, models, preprocessing

import keras
import numpy as np
import pytest


def test_mae_and_rmse_by_hand():
    y_true, y_pred = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[2.0, 2.0], [3.0, 1.0]])
    assert forecasting.mae(y_true, y_pred) == 1.0  # (1 + 0 + 0 + 3) / 4
    assert forecasting.rmse(y_true, y_pred) == pytest.approx(np.sqrt(10 / 4))
    assert forecasting.mae(y_true, y_true) == forecasting.rmse(y_true, y_true) == 0.0


def test_metrics_agree_with_keras_metrics():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.normal(size=(20, 12)), rng.normal(size=(20, 12))
    mae, rmse = keras.metrics.MeanAbsoluteError(), keras.metrics.RootMeanSquaredError()
    mae.update_state(y_true, y_pred)
    rmse.update_state(y_true, y_pred)
    assert forecasting.mae(y_true, y_pred) == pytest.approx(float(mae.result()), rel=1e-5)
    assert forecasting.rmse(y_true, y_pred) == pytest.approx(float(rmse.result()), rel=1e-5)


def test_metrics_refuse_shapes_that_would_broadcast():
    with pytest.raises(ValueError, match="y_pred must have the shape of y_true"):
        forecasting.mae(np.zeros((5, 12)), np.zeros((5, 12, 1)))


@pytest.mark.parametrize("season", [1, 4, 12])
def test_mase_of_the_seasonal_naive_forecast_on_its_own_training_part_is_one(season):
    _, co2 = datasets.load_co2()
    train = co2[:300]
    in_sample = train[:-season]  # y[t - season] forecasts y[t]
    assert forecasting.mase(train[season:], in_sample, train=train, season=season) == pytest.approx(1.0, abs=1e-12)


def test_mase_is_the_mae_over_the_in_sample_seasonal_naive_mae():
    train = np.array([1.0, 3.0, 2.0, 6.0, 4.0])  # lag-2 changes: 1, 3, 2 -> scale 2
    assert forecasting.mase([5.0, 7.0], [6.0, 4.0], train=train, season=2) == pytest.approx(2.0 / 2)
    with pytest.raises(ValueError, match="train must have more than season"):
        forecasting.mase([1.0], [1.0], train=train, season=5)
    with pytest.raises(ValueError, match="scale is zero"):
        forecasting.mase([1.0], [1.0], train=[1.0, 2.0, 1.0, 2.0], season=2)


def test_naive_and_seasonal_naive_on_one_series():
    history = np.arange(1.0, 9.0)  # 1 .. 8
    assert forecasting.naive_forecast(history, horizon=3).tolist() == [8.0, 8.0, 8.0]
    seasonal = forecasting.seasonal_naive_forecast(history, horizon=7, season=3)
    assert seasonal.tolist() == [6.0, 7.0, 8.0, 6.0, 7.0, 8.0, 6.0]  # the last season, repeated
    assert forecasting.seasonal_naive_forecast(history, horizon=2, season=1).tolist() == [8.0, 8.0]
    with pytest.raises(ValueError, match="history must have at least season"):
        forecasting.seasonal_naive_forecast(history, horizon=2, season=9)


def test_baselines_follow_the_layout_of_frame_series_targets():
    univariate_x, univariate_y = preprocessing.frame_series(np.arange(40.0), n_steps_in=12, n_steps_out=5)
    naive = forecasting.naive_forecast(univariate_x, horizon=5)
    assert naive.shape == univariate_y.shape == (24, 5)
    np.testing.assert_array_equal(naive[:, 0], univariate_x[:, -1, 0])
    seasonal = forecasting.seasonal_naive_forecast(univariate_x, horizon=5, season=12)
    np.testing.assert_array_equal(seasonal, univariate_x[:, :5, 0])  # one season back from each target
    several_x, several_y = preprocessing.frame_series(np.zeros((40, 3)), n_steps_in=12, n_steps_out=5)
    assert forecasting.naive_forecast(several_x, horizon=5).shape == several_y.shape == (24, 5, 3)
    assert forecasting.naive_forecast(np.zeros((12, 3)), horizon=5).shape == (5, 3)
    assert forecasting.naive_forecast(np.zeros((12, 1)), horizon=5).shape == (5,)


def _one_step_identity(n_steps):
    """A model that predicts the next step as the last one: recursive forecasts are the naive forecast."""
    inputs = keras.Input(shape=(n_steps, 1))
    last = keras.layers.Cropping1D((n_steps - 1, 0))(inputs)
    return keras.Model(inputs, keras.layers.Flatten()(last))


def test_recursive_forecast_feeds_predictions_back():
    model = _one_step_identity(4)
    x, _ = preprocessing.frame_series(np.arange(20.0), n_steps_in=4, n_steps_out=3)
    forecast = forecasting.recursive_forecast(model, x, horizon=3)
    assert forecast.shape == (len(x), 3)
    np.testing.assert_array_equal(forecast, forecasting.naive_forecast(x, horizon=3))
    single = forecasting.recursive_forecast(model, x[0], horizon=6)
    assert single.shape == (6,) and single.tolist() == [3.0] * 6


def test_direct_forecast_predicts_the_horizon_at_once():
    model = models.build_vanilla_lstm(4, 1, units=2, n_outputs=3)
    x, y = preprocessing.frame_series(np.sin(np.arange(30.0)), n_steps_in=4, n_steps_out=3)
    forecast = forecasting.direct_forecast(model, x)
    assert forecast.shape == y.shape == (24, 3)
    np.testing.assert_allclose(forecast, model.predict(x, verbose=0), rtol=1e-6)
    assert forecasting.direct_forecast(model, x[0]).shape == (3,)
    with pytest.raises(ValueError, match="context must have per-sample shape"):
        forecasting.direct_forecast(model, np.zeros((2, 5, 1)))
    sequence_model = models.build_encoder_decoder_lstm(4, 2, 3, 2, units=2, output_activation=None)
    assert forecasting.direct_forecast(sequence_model, np.zeros((5, 4, 2))).shape == (5, 3, 2)


README = Path(__file__).resolve().parents[2] / "README.md"


def readme_forecast_example() -> str:
    """The README's forecasting example, the Python block after its ``forecast-example`` marker."""
    text = README.read_text(encoding="utf-8")
    after_marker = text[text.index("<!-- forecast-example") :]
    return after_marker.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_readmes_co2_example_forecasts_a_year_ahead_better_than_the_seasonal_naive(tmp_path, monkeypatch):
    """The workflow end to end, as a user copies it: split, difference, scale inside the model, train, save, MASE."""
    code = readme_forecast_example()
    assert sum(1 for line in code.splitlines() if line.strip()) <= 20  # "in about 20 lines"
    monkeypatch.chdir(tmp_path)  # the example saves co2.keras in the working directory
    namespace: dict = {}
    exec(compile(code, "README.md (forecast example)", "exec"), namespace)
    test, train, forecast = namespace["test"], namespace["train"], namespace["forecast"]
    assert forecast.shape == test.y.shape
    lstm_mase = forecasting.mase(test.y, forecast, train=train.values, season=12)
    seasonal_mase = forecasting.mase(test.y, namespace["seasonal"], train=train.values, season=12)
    assert lstm_mase < 0.8 * seasonal_mase, (lstm_mase, seasonal_mase)
    loaded = keras.saving.load_model(tmp_path / "co2.keras")  # safe_mode on; the scaling travels with it
    x_test = namespace["x_test"]
    np.testing.assert_allclose(loaded.predict(x_test, verbose=0), namespace["model"].predict(x_test, verbose=0))
