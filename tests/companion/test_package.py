"""The package as a user meets it: what importing it does, the backend and the seed (lstm_companion.config)."""

import os
import subprocess
import sys

import lstm_companion

import pytest


def run_python(code, **env_overrides):
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    env.update(env_overrides)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_import_loads_the_layers_and_nothing_else_of_the_package():
    # `import lstm_companion` registers the custom layers (so Keras loads); the other submodules load on first use
    out = run_python(
        "import sys, lstm_companion; print(sorted(m for m in sys.modules if m.startswith('lstm_companion.')))"
    )
    assert out == "['lstm_companion._validation', 'lstm_companion.config', 'lstm_companion.layers']"


def test_a_missing_backend_package_is_one_line_naming_what_to_install():
    import importlib.util

    if importlib.util.find_spec("torch") is not None:
        pytest.skip("torch is installed here")
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    result = subprocess.run(
        [sys.executable, "-c", "import lstm_companion"], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last == (
        "ImportError: KERAS_BACKEND='torch' needs torch, which is not installed: "
        "pip install torch --index-url https://download.pytorch.org/whl/cpu (or unset KERAS_BACKEND to use jax)"
    )
    assert len(result.stderr.strip().splitlines()) < 8, result.stderr  # no chained traceback from inside Keras


def test_missing_backend_message_names_only_the_backends_own_package():
    from lstm_companion import config

    assert "pip install tensorflow-cpu" in config.missing_backend_message(
        "tensorflow", ModuleNotFoundError(name="tensorflow.python")
    )
    assert config.missing_backend_message("torch", ModuleNotFoundError(name="scipy")) is None
    assert config.missing_backend_message("numpy", ModuleNotFoundError(name="numpy")) is None


def test_default_backend_is_jax():
    assert run_python("import lstm_companion, keras; print(keras.backend.backend())") == "jax"


def test_keras_backend_variable_overrides_the_default():
    assert run_python("import lstm_companion, keras; print(keras.backend.backend())", KERAS_BACKEND="numpy") == "numpy"


def test_warns_when_keras_was_imported_first_with_another_backend():
    code = (
        "import os, warnings, keras\n"
        "os.environ.pop('KERAS_BACKEND')\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    import lstm_companion\n"
        "print(keras.backend.backend(), any('imported before lstm_companion' in str(w.message) for w in caught))"
    )
    assert run_python(code, KERAS_BACKEND="numpy") == "numpy True"


def test_unknown_backend_is_rejected():
    result = subprocess.run(
        [sys.executable, "-c", "import lstm_companion"],
        capture_output=True,
        text=True,
        env={**os.environ, "KERAS_BACKEND": "theano"},
        timeout=60,
    )
    assert result.returncode != 0
    assert "KERAS_BACKEND='theano' is not a Keras backend" in result.stderr


def test_submodules_are_reachable_as_attributes():
    import lstm_companion

    assert lstm_companion.models.build_sequence_model is not None
    with pytest.raises(AttributeError, match="no attribute 'modles'"):
        lstm_companion.modles  # noqa: B018


@pytest.mark.parametrize("module_name", [name for name in lstm_companion._SUBMODULES if name != "config"])
def test_every_public_function_is_exported_and_documented(module_name):
    import importlib
    import inspect

    module = importlib.import_module(f"lstm_companion.{module_name}")
    defined_here = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__ == module.__name__
    }
    assert defined_here <= set(module.__all__), f"missing from __all__: {sorted(defined_here - set(module.__all__))}"
    for name in module.__all__:
        value = getattr(module, name)  # every exported name exists
        if inspect.isfunction(value) or inspect.isclass(value):
            assert value.__doc__ and value.__doc__.strip(), f"{module_name}.{name} has no docstring"


def test_notebook_kernels_run_on_the_backend_of_the_test_run(tmp_path):
    # nbval and the book build start Jupyter kernels: they inherit KERAS_BACKEND, so a chapter executed
    # by `make test-torch` really trains on torch (and on JAX when nothing is set)
    import keras
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import lstm_companion, keras\nprint(keras.backend.backend())")]
    )
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    assert notebook.cells[0].outputs[0]["text"].strip() == keras.backend.backend() == os.environ["KERAS_BACKEND"]


def test_a_saved_model_loads_in_a_fresh_process_after_a_bare_import(tmp_path):
    # every custom layer is registered with Keras by `import lstm_companion` alone
    from lstm_companion import baselines, models

    saved = {
        "generative": models.build_generative_lstm(2, units=3),  # FusedLSTM, TimeDistributedAnyLength
        "backward": models.build_bidirectional_lstm(4, 2, units=3, direction="backward"),  # ReverseSteps
        "attention": baselines.build_attention_reader(4, 3, key_dim=2, n_outputs=1),  # LastStepAttention
    }
    for name, model in saved.items():
        model.save(tmp_path / f"{name}.keras")
    out = run_python(
        "import lstm_companion, keras\n"
        f"for name in {sorted(saved)!r}:\n"
        f"    model = keras.saving.load_model({str(tmp_path)!r} + f'/{{name}}.keras')\n"
        "    print(*sorted({type(layer).__name__ for layer in model.layers}))"
    )
    for layer in ("FusedLSTM", "TimeDistributedAnyLength", "ReverseSteps", "LastStepAttention"):
        assert layer in out, out


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
