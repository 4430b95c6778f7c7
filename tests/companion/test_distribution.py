"""The companion as users get it: a wheel built from companion/, installed outside the checkout."""

import importlib.util
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

COMPANION = Path(__file__).resolve().parents[2] / "companion"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # --no-build-isolation: use the hatchling of this environment (a test dependency), no network needed
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(COMPANION),
        ],
        check=True,
    )
    (built,) = out.glob("lstm_companion-*.whl")
    return built


def test_wheel_ships_the_data_files_and_their_licence_notes(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for filename in ("sunspots.csv", "co2_monthly.csv", "airline.csv", "python_docs.txt", "README.md"):
        assert f"lstm_companion/data_files/{filename}" in names
    assert not any(name.startswith(("tests/", "book/")) for name in names)


def test_packaged_data_loads_from_an_installed_wheel(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)], check=True
    )
    script = (
        "import lstm_companion, lstm_companion.datasets as datasets\n"
        "print(lstm_companion.__file__)\n"
        "years, spots = datasets.load_sunspots()\n"
        "print(len(years), int(years[0]), int(years[-1]), float(spots.max()))\n"
        "print(len(datasets.load_co2()[1]), len(datasets.load_airline()[1]), len(datasets.load_python_docs()))\n"
    )
    # run from an empty directory with the installed copy first on the path, so neither the
    # checkout nor the editable install can be what is imported
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    )
    location, numbers, lengths = result.stdout.strip().splitlines()
    assert lengths == "444 144 465119"
    assert Path(location).resolve().is_relative_to(site.resolve()), location
    n, first, last, peak = numbers.split()
    assert (int(n), int(first), int(last)) == (309, 1700, 2008)
    assert float(peak) == pytest.approx(190.2)


SMOKE = """
import pathlib, sys
import lstm_companion
from lstm_companion import baselines, data, datasets, models, training

here = pathlib.Path(lstm_companion.__file__).resolve()
assert here.is_relative_to(pathlib.Path(sys.prefix).resolve()), here  # the installed copy, not a checkout
years, spots = datasets.load_sunspots()
assert spots.shape == (309,)
training.set_seed(0)
built = [
    baselines.build_mlp(3, 2),
    baselines.build_window_mlp(6, 2, window=3, n_outputs=1),
    baselines.build_simple_rnn(6, 2, units=3, n_outputs=1),
    models.build_vanilla_lstm(6, 2, units=3, n_outputs=1),
    models.build_stacked_lstm(6, 2, units=3, n_outputs=1),
    models.build_cnn_lstm(4, 8, 8, 1, n_outputs=2),
    models.build_encoder_decoder_lstm(6, 5, 2, 5, units=3),
    models.build_bidirectional_lstm(6, 2, units=3),
    models.build_generative_lstm(2, units=3),
    baselines.build_attention_reader(6, 2, key_dim=3, n_outputs=1),
    models.build_sequence_model("many_to_one", input_shape=(6, 2), output_shape=(1,)),
]
x, y = data.adding_problem(8, n_steps=6, seed=0)
history = training.compile_and_fit(built[3], x, y, epochs=1, batch_size=4)
import matplotlib
matplotlib.use("Agg")
from lstm_companion import plotting
plotting.plot_learning_curves(history)
print("ok", len(built), "models;", lstm_companion.__version__, history.history["loss"][0] > 0)
"""


@pytest.fixture(scope="module")
def sdist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sdist")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "sdist", "-d", str(out)],
        cwd=COMPANION,
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("lstm_companion-*.tar.gz")
    return built


def test_sdist_builds_a_wheel_with_the_data_files(sdist, tmp_path):
    """Everything needed to build the package, data files included, is in the sdist."""
    import tarfile

    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path, filter="data")
    (source,) = tmp_path.glob("lstm_companion-*")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "w"),
            str(source),
        ],
        check=True,
    )
    (wheel_from_sdist,) = (tmp_path / "w").glob("*.whl")
    names = zipfile.ZipFile(wheel_from_sdist).namelist()
    for filename in ("sunspots.csv", "co2_monthly.csv", "airline.csv", "python_docs.txt"):
        assert f"lstm_companion/data_files/{filename}" in names


def test_wheel_installs_into_a_new_virtual_environment_and_works(wheel, tmp_path):
    """A brand-new venv gets only what the wheel declares: an undeclared dependency or missing file fails here."""
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    # uv (which make installs into .venv) resolves and installs the wheel's dependencies as pip does, in
    # about 6 s instead of 40 s on 2 cores; pip where uv is missing.
    if importlib.util.find_spec("uv") is not None:
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        install = [sys.executable, "-m", "uv", "pip", "install", "--quiet", "--python", str(python)]
    else:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        install = [str(python), "-m", "pip", "install", "--quiet"]
    subprocess.run([*install, str(wheel)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KERAS_BACKEND")}
    result = subprocess.run([str(python), "-c", SMOKE], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("models; " + __import__("lstm_companion").__version__ + " True")
