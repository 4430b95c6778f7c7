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
