import keras
import numpy as np
import pytest

from lstm_companion import data, models, training


def small_problem():
    x, y = data.sequence_mean(64, n_steps=5, seed=0)
    model = models.build_sequence_model("many_to_one", input_shape=(5, 1), output_shape=(1,), units=4)
    return model, x, y


def test_set_seed_returns_the_seed_and_repeats_random_draws():
    assert training.set_seed(7) == 7
    first = np.random.rand(3)
    training.set_seed(7)
    np.testing.assert_array_equal(first, np.random.rand(3))


def test_compile_and_fit_trains_and_records_history():
    model, x, y = small_problem()
    history = training.compile_and_fit(model, x, y, epochs=3, batch_size=16, validation_data=(x, y))
    assert len(history.history["loss"]) == 3
    assert len(history.history["val_loss"]) == 3
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_same_seed_same_losses():
    losses = []
    for _ in range(2):
        training.set_seed(3)
        model, x, y = small_problem()
        losses.append(training.compile_and_fit(model, x, y, epochs=2, batch_size=16, seed=3).history["loss"])
    assert losses[0] == losses[1]


def test_cosine_schedule_decays_the_step_size_to_zero_by_the_last_batch():
    model, x, y = small_problem()  # 64 samples, batch 16: 4 batches per epoch
    training.compile_and_fit(model, x, y, epochs=2, batch_size=16, learning_rate=0.01, schedule="cosine")
    schedule = model.optimizer._learning_rate
    assert int(model.optimizer.iterations) == 8
    np.testing.assert_allclose(float(schedule(0)), 0.01, rtol=1e-6)
    np.testing.assert_allclose(float(schedule(4)), 0.005, rtol=1e-5)  # half way: cos(pi / 2)
    assert float(schedule(8)) < 1e-8
    constant, x, y = small_problem()
    training.compile_and_fit(constant, x, y, epochs=2, batch_size=16, learning_rate=0.01)
    np.testing.assert_allclose(float(constant.optimizer.learning_rate), 0.01, rtol=1e-6)


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"epochs": 0}, ValueError, "epochs"),
        ({"batch_size": 1.5}, TypeError, "batch_size"),
        ({"learning_rate": 0.0}, ValueError, "learning_rate"),
        ({"learning_rate": float("nan")}, ValueError, "learning_rate"),
        ({"loss": None}, TypeError, "loss"),
        ({"metrics": "accuracy"}, TypeError, "metrics"),
        ({"validation_data": (1, 2, 3)}, TypeError, "validation_data"),
        ({"validation_data": (np.zeros((4, 6, 1)), np.zeros((4, 1)))}, ValueError, "validation_data"),
        ({"seed": -2}, ValueError, "seed"),
        ({"verbose": -1}, ValueError, "verbose"),
        ({"schedule": "linear"}, ValueError, "schedule"),
    ],
)
def test_bad_fit_arguments_name_the_parameter(kwargs, error, name):
    model, x, y = small_problem()
    with pytest.raises(error, match=name):
        training.compile_and_fit(model, x, y, **kwargs)


def test_bad_data_and_model_are_rejected():
    model, x, y = small_problem()
    with pytest.raises(ValueError, match="same number of samples"):
        training.compile_and_fit(model, x, y[:10])
    with pytest.raises(ValueError, match="x"):
        training.compile_and_fit(model, np.full_like(x, np.inf), y)
    with pytest.raises(TypeError, match="model"):
        training.compile_and_fit("model", x, y)
    with pytest.raises(ValueError, match="seed"):
        training.set_seed(-1)


def _adding_models(seeds=(0, 1)):
    built = []
    for seed in seeds:
        training.set_seed(seed)
        built.append(models.build_vanilla_lstm(8, 2, units=4, n_outputs=1))
    return built


def test_fit_together_trains_each_model_exactly_as_alone():
    x0, y0 = data.adding_problem(96, n_steps=8, seed=0)
    x1, y1 = data.adding_problem(96, n_steps=8, seed=1)
    together = _adding_models()
    alone = _adding_models()
    histories = training.fit_together(together, [x0, x1], [y0, y1], epochs=2, batch_size=32, seed=4)
    assert [len(h["loss"]) for h in histories] == [2, 2]
    for model, x, y, history in zip(alone, (x0, x1), (y0, y1), histories):
        expected = training.compile_and_fit(model, x, y, epochs=2, batch_size=32, seed=4).history["loss"]
        np.testing.assert_allclose(history["loss"], expected, rtol=1e-5)
    for trained, reference in zip(together, alone):
        for w, w_ref in zip(trained.get_weights(), reference.get_weights()):
            np.testing.assert_allclose(w, w_ref, atol=1e-6)
    predictions = training.predict_together(together, [x0, x1])
    for model, x, prediction in zip(alone, (x0, x1), predictions):
        np.testing.assert_allclose(prediction, model.predict(x, verbose=0), atol=1e-6)


def test_fit_together_accepts_one_array_for_all_and_models_of_different_shapes():
    x, y = data.adding_problem(64, n_steps=8, seed=0)
    training.set_seed(0)
    pair = [models.build_simple_rnn(8, 2, units=3, n_outputs=1), models.build_window_mlp(8, 2, window=4, n_outputs=1)]
    histories = training.fit_together(pair, x, y, epochs=1, batch_size=32)
    assert len(histories) == 2 and all(np.isfinite(h["loss"][0]) for h in histories)
    x_long, _ = data.adding_problem(64, n_steps=12, seed=0)
    training.set_seed(0)
    mixed = [models.build_simple_rnn(8, 2, units=3, n_outputs=1), models.build_simple_rnn(12, 2, units=3, n_outputs=1)]
    assert [p.shape for p in training.predict_together(mixed, [x, x_long])] == [(64, 1), (64, 1)]


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda m, x, y: training.fit_together(m[0], x, y), TypeError, "models must be a non-empty list"),
        (lambda m, x, y: training.fit_together([], x, y), TypeError, "models must be a non-empty list"),
        (lambda m, x, y: training.fit_together([m[0], "net"], x, y), TypeError, r"models\[1\] must be a keras.Model"),
        (lambda m, x, y: training.fit_together([m[0], m[0]], x, y), ValueError, "share the weight"),
        (lambda m, x, y: training.fit_together(m, [x], y), ValueError, r"x must hold one array per model \(2\)"),
        (lambda m, x, y: training.fit_together(m, [x, x[:10]], y), ValueError, "same number of samples"),
        (lambda m, x, y: training.fit_together(m, x, y[:10]), ValueError, "same number of samples"),
        (lambda m, x, y: training.fit_together(m, x[:, :5], y), ValueError, r"x\[0\] must have per-sample shape \(8, 2\)"),
        (lambda m, x, y: training.fit_together(m, x, y, loss=len), TypeError, "loss must be a Keras loss name"),
        (lambda m, x, y: training.fit_together(m, x, y, epochs=0), ValueError, "epochs"),
        (lambda m, x, y: training.fit_together(m, x, y, schedule="step"), ValueError, "schedule"),
        (lambda m, x, y: training.predict_together(m, [x, x[:5]]), ValueError, "same number of samples"),
        (lambda m, x, y: training.predict_together(m, x, batch_size=0), ValueError, "batch_size"),
    ],
)
def test_fit_together_and_predict_together_reject_bad_input(call, error, message):
    x, y = data.adding_problem(32, n_steps=8, seed=0)
    with pytest.raises(error, match=message):
        call(_adding_models(), x, y)


@pytest.mark.parametrize("n_models", [1, 2])
def test_fit_together_reports_each_models_validation_loss(n_models):
    x, y = data.adding_problem(64, n_steps=8, seed=0)
    x_val, y_val = data.adding_problem(32, n_steps=8, seed=1)
    together = _adding_models(seeds=range(n_models))
    histories = training.fit_together(together, x, y, epochs=2, batch_size=32, validation_data=(x_val, y_val))
    for model, history in zip(together, histories):
        assert len(history["val_loss"]) == 2
        # the last epoch's validation loss is the trained model's loss on the validation data
        mse = float(np.mean((model.predict(x_val, verbose=0) - y_val) ** 2))
        np.testing.assert_allclose(history["val_loss"][-1], mse, rtol=1e-4)


@pytest.mark.parametrize(
    "validation_data, error, message",
    [
        ("xy", TypeError, r"validation_data must be a pair"),
        (lambda x, y: (x[:, :5], y), ValueError, r"validation_data for models\[0\] must have the per-sample shapes"),
        (lambda x, y: ([x, x[:5]], y), ValueError, "same number of samples"),
        (lambda x, y: ([x], y), ValueError, r"validation_data\[0\] must hold one array per model"),
    ],
)
def test_fit_together_rejects_bad_validation_data(validation_data, error, message):
    x, y = data.adding_problem(32, n_steps=8, seed=0)
    bad = validation_data(x, y) if callable(validation_data) else validation_data
    with pytest.raises(error, match=message):
        training.fit_together(_adding_models(), x, y, validation_data=bad)


# --- training on several devices (keras.distribution, JAX backend) ----------------------

TWO_DEVICE_SCRIPT = r"""
import os, json
os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
import numpy as np
import keras
from lstm_companion import data, models, training

x, y = data.sequence_mean(64, n_steps=5, seed=0)
def build():
    training.set_seed(0)
    return models.build_vanilla_lstm(5, 1, units=4, n_outputs=1)

alone = training.compile_and_fit(build(), x, y, epochs=3, batch_size=16).history["loss"]
distribution = keras.distribution.DataParallel(devices=keras.distribution.list_devices())
with distribution.scope():
    model = build()
spread = training.compile_and_fit(model, x, y, epochs=3, batch_size=16, distribution=distribution).history["loss"]
devices = sorted({len(w.value.sharding.device_set) for w in model.weights})
errors = {}
outside = build()  # built without the scope: its weights sit on one device
for name, call in {
    "outside": lambda: training.compile_and_fit(outside, x, y, epochs=1, distribution=distribution),
    "odd_batch": lambda: training.compile_and_fit(model, x, y, epochs=1, batch_size=15, distribution=distribution),
    "odd_samples": lambda: training.compile_and_fit(model, x[:63], y[:63], epochs=1, distribution=distribution),
}.items():
    try:
        call()
        errors[name] = None
    except ValueError as error:
        errors[name] = str(error)
print(json.dumps({"alone": alone, "spread": spread, "devices": devices, "errors": errors}))
"""


@pytest.mark.skipif(keras.backend.backend() != "jax", reason="keras.distribution runs on the JAX backend")
def test_compile_and_fit_trains_on_two_devices_like_on_one():
    import json
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", TWO_DEVICE_SCRIPT], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["devices"] == [2], "every weight should be replicated on both devices"
    # DataParallel averages the two halves' gradients: the same updates as one device, up to rounding
    np.testing.assert_allclose(report["spread"], report["alone"], rtol=1e-4)
    assert "build the model inside" in report["errors"]["outside"]
    assert "batch_size must be a multiple of the 2 devices" in report["errors"]["odd_batch"]
    assert "number of samples in x must be a multiple" in report["errors"]["odd_samples"]


def test_compile_and_fit_rejects_what_is_not_a_distribution():
    model, x, y = small_problem()
    with pytest.raises(TypeError, match="distribution must be a keras.distribution"):
        training.compile_and_fit(model, x, y, epochs=1, distribution="2 devices")


def test_epoch_timer_records_one_duration_per_epoch_and_restarts_with_each_fit():
    from lstm_companion import models

    x, y = data.sequence_mean(32, n_steps=5, seed=0)
    model = models.build_vanilla_lstm(5, 1, units=4, n_outputs=1)
    timer = training.EpochTimer()
    assert timer.seconds == []
    training.compile_and_fit(model, x, y, epochs=3, batch_size=16, callbacks=[timer])
    assert len(timer.seconds) == 3 and all(s > 0 for s in timer.seconds), timer.seconds
    training.compile_and_fit(model, x, y, epochs=2, batch_size=16, callbacks=[timer])
    assert len(timer.seconds) == 2, timer.seconds


def test_derive_seeds_repeats_extends_and_differs_between_seeds():
    first = training.derive_seeds(0, 3)
    assert first == training.derive_seeds(0, 3)
    assert training.derive_seeds(0, 5)[:3] == first  # a longer list starts with the shorter one
    assert len(set(first)) == 3 and all(0 <= s < 2**31 for s in first)
    assert not set(first) & set(training.derive_seeds(1, 3))


def test_course_seed_reads_the_environment(monkeypatch):
    from lstm_companion import config

    monkeypatch.delenv(config.SEED_VARIABLE, raising=False)
    assert config.course_seed() == 0
    monkeypatch.setenv(config.SEED_VARIABLE, "7")
    assert config.course_seed() == 7
    for bad in ("-1", "x", "1.5", str(2**31)):
        monkeypatch.setenv(config.SEED_VARIABLE, bad)
        with pytest.raises(ValueError, match=config.SEED_VARIABLE):
            config.course_seed()
