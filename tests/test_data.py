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
