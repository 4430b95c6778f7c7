"""The package as a user meets it: import cost, backend default and override."""

import os
import subprocess
import sys

import pytest


def run_python(code, **env_overrides):
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    env.update(env_overrides)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_import_is_lazy():
    # `import lstm_companion` must not pull in Keras or matplotlib: it costs no more than `import keras`.
    out = run_python("import sys, lstm_companion; print(sorted(m for m in ('keras', 'matplotlib', 'jax') if m in sys.modules))")
    assert out == "[]"


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
        capture_output=True, text=True, env={**os.environ, "KERAS_BACKEND": "theano"}, timeout=60,
    )
    assert result.returncode != 0
    assert "KERAS_BACKEND='theano' is not a Keras backend" in result.stderr


def test_submodules_are_reachable_as_attributes():
    import lstm_companion

    assert lstm_companion.models.build_sequence_model is not None
    with pytest.raises(AttributeError, match="no attribute 'modles'"):
        lstm_companion.modles  # noqa: B018


@pytest.mark.parametrize("module_name", ["data", "gradients", "layers", "models", "plotting", "scratch", "training"])
def test_every_public_function_is_exported_and_documented(module_name):
    import importlib
    import inspect

    module = importlib.import_module(f"lstm_companion.{module_name}")
    defined_here = {
        name for name, value in vars(module).items()
        if not name.startswith("_") and (inspect.isfunction(value) or inspect.isclass(value))
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

    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import lstm_companion, keras\nprint(keras.backend.backend())")
    ])
    NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert notebook.cells[0].outputs[0]["text"].strip() == keras.backend.backend() == os.environ["KERAS_BACKEND"]


def test_a_saved_builder_model_loads_in_a_fresh_process_after_importing_the_models(tmp_path):
    # the companion's layers (FusedLSTM, TimeDistributed, ...) are registered with Keras when
    # lstm_companion.models is imported, which is what the README tells a reader to do before loading
    from lstm_companion import models

    path = tmp_path / "encoder_decoder.keras"
    models.build_encoder_decoder_lstm(n_steps_in=4, n_features_in=2, n_steps_out=3, n_features_out=2, units=3).save(path)
    out = run_python(
        "import lstm_companion.models, keras\n"
        f"model = keras.saving.load_model({str(path)!r})\n"
        "print(sorted({type(layer).__name__ for layer in model.layers}))"
    )
    assert "FusedLSTM" in out and "TimeDistributed" in out, out
