import numpy as np
import pytest

from lstm_companion import data

EXPECTED_SHAPES = {  # n_samples = 7, default sizes
    "one_to_one": ((7, 1), (7, 1)),
    "many_to_one": ((7, 10, 1), (7, 1)),
    "one_to_many": ((7, 1), (7, 16, 1)),
    "many_to_many": ((7, 16, 1), (7, 4, 1)),
    "sequence_classification": ((7, 10, 1), (7, 1)),
    "sequence_generation": ((7, 16, 1), (7, 1)),
}


def test_every_kind_has_a_generator():
    assert list(data.SEQUENCE_PROBLEMS) == list(EXPECTED_SHAPES)


@pytest.mark.parametrize("kind", EXPECTED_SHAPES)
def test_shapes_and_dtypes(kind):
    x, y = data.SEQUENCE_PROBLEMS[kind](7, seed=3)
    assert (x.shape, y.shape) == EXPECTED_SHAPES[kind]
    assert x.dtype == np.float32 and y.dtype == np.float32
    assert np.all(np.isfinite(x)) and np.all(np.isfinite(y))


@pytest.mark.parametrize("kind", EXPECTED_SHAPES)
def test_same_seed_same_data_other_seed_other_data(kind):
    make = data.SEQUENCE_PROBLEMS[kind]
    x1, y1 = make(20, seed=5)
    x2, y2 = make(20, seed=5)
    x3, _ = make(20, seed=6)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(x1, x3)


def test_targets_follow_their_definitions():
    x, y = data.sine_of_value(50, seed=0)
    np.testing.assert_allclose(y, np.sin(np.pi * x), atol=1e-6)
    x, y = data.sequence_mean(50, n_steps=7, seed=0)
    np.testing.assert_allclose(y[:, 0], x[:, :, 0].mean(axis=1), atol=1e-6)
    x, y = data.sum_sign(500, n_steps=5, seed=0)
    np.testing.assert_array_equal(y[:, 0], (x.sum(axis=(1, 2)) > 0).astype(np.float32))
    assert 0.4 < y.mean() < 0.6  # balanced classes
    x, y = data.wave_from_frequency(5, n_steps=8, seed=0)
    t = np.arange(8) / 8
    np.testing.assert_allclose(y[:, :, 0], np.sin(2 * np.pi * x * t), atol=1e-6)


def test_forecast_and_next_value_continue_the_same_kind_of_wave():
    # A sine wave satisfies s[t+1] = 2 cos(w) s[t] - s[t-1]; check it holds across the input/target seam.
    x, y = data.sine_forecast(10, n_steps_in=6, n_steps_out=3, seed=1)
    wave = np.concatenate([x, y], axis=1)[:, :, 0]
    two_cos = (wave[:, 2] + wave[:, 0]) / wave[:, 1]
    np.testing.assert_allclose(wave[:, 7], two_cos * wave[:, 6] - wave[:, 5], atol=1e-4)
    x, y = data.next_value(10, n_steps=6, seed=1)
    wave = np.concatenate([x[:, :, 0], y], axis=1)
    two_cos = (wave[:, 2] + wave[:, 0]) / wave[:, 1]
    np.testing.assert_allclose(wave[:, 6], two_cos * wave[:, 5] - wave[:, 4], atol=1e-4)


@pytest.mark.parametrize(
    "call, error, name",
    [
        (lambda: data.sequence_mean(0), ValueError, "n_samples"),
        (lambda: data.sequence_mean(-3), ValueError, "n_samples"),
        (lambda: data.sequence_mean(2.5), TypeError, "n_samples"),
        (lambda: data.sequence_mean(True), TypeError, "n_samples"),
        (lambda: data.sequence_mean(5, n_steps=0), ValueError, "n_steps"),
        (lambda: data.wave_from_frequency(5, n_steps="8"), TypeError, "n_steps"),
        (lambda: data.sine_forecast(5, n_steps_in=0), ValueError, "n_steps_in"),
        (lambda: data.sine_forecast(5, n_steps_out=-1), ValueError, "n_steps_out"),
        (lambda: data.sum_sign(5, seed=-1), ValueError, "seed"),
        (lambda: data.next_value(5, seed=1.0), TypeError, "seed"),
        (lambda: data.sine_of_value(5, seed=2**32), ValueError, "seed"),
    ],
)
def test_bad_arguments_name_the_parameter(call, error, name):
    with pytest.raises(error, match=name):
        call()


def test_echo_sequence_shapes_and_target():
    x, y = data.echo_sequence(50, n_steps=7, n_features=4, echo_index=2, seed=0)
    assert x.shape == (50, 7, 4) and y.shape == (50, 4)
    assert x.dtype == np.float32 and y.dtype == np.float32
    np.testing.assert_array_equal(x.sum(axis=2), 1.0)  # one-hot
    np.testing.assert_array_equal(y, x[:, 2])
    x2, y2 = data.echo_sequence(50, n_steps=7, n_features=4, echo_index=2, seed=0)
    np.testing.assert_array_equal(x, x2)


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"echo_index": 7}, ValueError, "echo_index"),
        ({"echo_index": -1}, ValueError, "echo_index"),
        ({"n_features": 1}, ValueError, "n_features"),
        ({"n_steps": 0}, ValueError, "n_steps"),
        ({"echo_index": 1.0}, TypeError, "echo_index"),
    ],
)
def test_echo_sequence_bad_arguments(kwargs, error, name):
    with pytest.raises(error, match=name):
        data.echo_sequence(5, **{"n_steps": 7, **kwargs})


def test_load_sunspots_shapes_and_known_values():
    years, sunspots = data.load_sunspots()
    assert years.shape == sunspots.shape == (309,)
    assert years.dtype == np.int64 and sunspots.dtype == np.float64
    np.testing.assert_array_equal(years, np.arange(1700, 2009))
    assert sunspots[:3].tolist() == [5.0, 11.0, 16.0]  # first rows of the NOAA file
    assert sunspots[-1] == 2.9 and sunspots.max() == 190.2 and sunspots.min() >= 0


def test_packaged_data_files_all_have_recorded_checksums():
    from importlib import resources

    shipped = {p.name for p in resources.files("lstm_companion").joinpath("datasets").iterdir() if p.name.endswith(".csv")}
    assert shipped == set(data.DATASET_SHA256)


def test_a_modified_data_file_is_refused(monkeypatch):
    monkeypatch.setitem(data.DATASET_SHA256, "sunspots.csv", "0" * 64)
    with pytest.raises(RuntimeError, match="sunspots.csv.*corrupted or modified"):
        data.load_sunspots()


def test_frame_series_matches_an_explicit_loop():
    series = np.random.default_rng(0).normal(size=(30, 3))
    x, y = data.frame_series(series, n_steps_in=5, n_steps_out=2)
    assert x.shape == (24, 5, 3) and y.shape == (24, 2, 3)
    assert x.dtype == y.dtype == np.float32
    for i in range(24):
        np.testing.assert_allclose(x[i], series[i : i + 5], rtol=1e-6)
        np.testing.assert_allclose(y[i], series[i + 5 : i + 7], rtol=1e-6)
    x1, y1 = data.frame_series(np.arange(7.0), n_steps_in=3)
    assert x1.shape == (4, 3, 1) and y1.shape == (4, 1)
    assert x1[:, :, 0].tolist() == [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]]
    assert y1[:, 0].tolist() == [3, 4, 5, 6]
    x_exact, _ = data.frame_series(np.arange(4.0), n_steps_in=3)  # exactly one window
    assert x_exact.shape == (1, 3, 1)


def test_frame_series_agrees_with_keras_timeseries_dataset():
    pytest.importorskip("tensorflow", reason="keras.utils.timeseries_dataset_from_array needs TensorFlow")
    import keras

    series = np.arange(20.0)
    x, y = data.frame_series(series, n_steps_in=4)
    dataset = keras.utils.timeseries_dataset_from_array(series[:-1], series[4:], sequence_length=4, batch_size=100)
    keras_x, keras_y = next(iter(dataset))
    np.testing.assert_array_equal(x[:, :, 0], np.asarray(keras_x))
    np.testing.assert_array_equal(y[:, 0], np.asarray(keras_y))


def test_one_hot_strings_round_trip_and_padding():
    alphabet = "0123456789+ "
    encoded = data.one_hot_strings(["10+6+7", "23"], alphabet=alphabet, length=7)
    assert encoded.shape == (2, 7, 12) and encoded.dtype == np.float32
    np.testing.assert_array_equal(encoded.sum(axis=2), 1.0)
    assert data.decode_one_hot(encoded, alphabet=alphabet) == ["10+6+7", "23"]
    assert data.decode_one_hot(encoded, alphabet=alphabet, strip=None) == ["10+6+7 ", "23     "]
    right = data.one_hot_strings(["23"], alphabet=alphabet, length=4, align="right")
    assert data.decode_one_hot(right, alphabet=alphabet, strip=None) == ["  23"]
    # probabilities decode to their most likely symbol
    probabilities = 0.5 * encoded + 0.04
    assert data.decode_one_hot(probabilities, alphabet=alphabet) == ["10+6+7", "23"]


@pytest.mark.parametrize(
    "call, error, name",
    [
        (lambda: data.frame_series(np.arange(5.0), n_steps_in=5), ValueError, "series must have at least"),
        (lambda: data.frame_series(np.arange(5.0), n_steps_in=0), ValueError, "n_steps_in"),
        (lambda: data.frame_series(np.arange(5.0), n_steps_in=2, n_steps_out=1.5), TypeError, "n_steps_out"),
        (lambda: data.frame_series(np.zeros((2, 3, 4)), n_steps_in=1), ValueError, "series"),
        (lambda: data.frame_series([1.0, np.nan, 3.0], n_steps_in=1), ValueError, "series"),
        (lambda: data.one_hot_strings(["12"], alphabet="01 ", length=3), ValueError, r"strings\[0\].*not in the alphabet"),
        (lambda: data.one_hot_strings(["0101"], alphabet="01 ", length=3), ValueError, "longer than length"),
        (lambda: data.one_hot_strings("01", alphabet="01 ", length=3), TypeError, "strings"),
        (lambda: data.one_hot_strings([1], alphabet="01 ", length=3), TypeError, r"strings\[0\]"),
        (lambda: data.one_hot_strings(["01"], alphabet="0110", length=3), ValueError, "alphabet"),
        (lambda: data.one_hot_strings(["01"], alphabet=["0", "1"], length=3), TypeError, "alphabet"),
        (lambda: data.one_hot_strings(["01"], alphabet="01", length=3, pad="x"), ValueError, "pad"),
        (lambda: data.one_hot_strings(["01"], alphabet="01 ", length=3, align="centre"), ValueError, "align"),
        (lambda: data.one_hot_strings(["01"], alphabet="01 ", length=0), ValueError, "length"),
        (lambda: data.decode_one_hot(np.zeros((1, 3, 2)), alphabet="012"), ValueError, "encoded"),
        (lambda: data.decode_one_hot(np.zeros((3, 2)), alphabet="01"), ValueError, "encoded"),
        (lambda: data.decode_one_hot(np.zeros((1, 3, 2)), alphabet="01", strip=0), TypeError, "strip"),
    ],
)
def test_bad_preparation_arguments_name_the_parameter(call, error, name):
    with pytest.raises(error, match=name):
        call()


def test_adding_problem_marks_two_early_steps_and_adds_them():
    x, y = data.adding_problem(500, n_steps=40, seed=0)
    assert x.shape == (500, 40, 2) and y.shape == (500, 1) and x.dtype == y.dtype == np.float32
    markers = x[..., 1]
    assert set(np.unique(markers)) == {0.0, 1.0}
    assert np.all(markers.sum(axis=1) == 2)
    assert not markers[:, 20:].any()  # both marked steps in the first half
    assert markers[:, :10].any(axis=1).all()  # the first one in the first 10 steps
    marked_sum = (x[..., 0] * markers).sum(axis=1)
    np.testing.assert_allclose(y[:, 0], 0.5 + marked_sum / 4, rtol=1e-6, atol=1e-6)
    assert -1.0 <= x[..., 0].min() and x[..., 0].max() <= 1.0
    again, _ = data.adding_problem(500, n_steps=40, seed=0)
    np.testing.assert_array_equal(x, again)
    assert not np.array_equal(x, data.adding_problem(500, n_steps=40, seed=1)[0])


def test_mackey_glass_is_chaotic_in_range_and_settles_when_the_delay_is_short():
    series = data.mackey_glass(1500, seed=0)
    assert series.shape == (1500,) and series.dtype == np.float32
    assert 0.2 < series.min() < 0.6 and 1.1 < series.max() < 1.4  # the attractor's known range for tau = 17
    np.testing.assert_array_equal(series, data.mackey_glass(1500, seed=0))
    assert not np.allclose(series, data.mackey_glass(1500, seed=1), atol=1e-2)  # chaos amplifies the perturbation
    # with a short delay the fixed point x* = (beta / gamma - 1) ** (1 / n) = 1 is stable
    stable = data.mackey_glass(200, tau=1.0, discard=300, seed=0)
    np.testing.assert_allclose(stable, 1.0, atol=1e-4)


@pytest.mark.parametrize(
    "call, error, name",
    [
        (lambda: data.adding_problem(3, n_steps=3), ValueError, "n_steps"),
        (lambda: data.adding_problem(0), ValueError, "n_samples"),
        (lambda: data.mackey_glass(0), ValueError, "n_points"),
        (lambda: data.mackey_glass(10, tau=0.0), ValueError, "tau"),
        (lambda: data.mackey_glass(10, tau=1.05), ValueError, "tau"),
        (lambda: data.mackey_glass(10, dt=-0.1), ValueError, "dt"),
        (lambda: data.mackey_glass(10, sample_every=1.5), TypeError, "sample_every"),
        (lambda: data.mackey_glass(10, discard=-1), ValueError, "discard"),
    ],
)
def test_bad_claim_data_arguments_name_the_parameter(call, error, name):
    with pytest.raises(error, match=name):
        call()
