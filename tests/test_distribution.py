"""The companion as users get it: a wheel built from companion/, installed outside the checkout."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

COMPANION = Path(__file__).resolve().parents[1] / "companion"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # --no-build-isolation: use the hatchling of this environment (a test dependency), no network needed
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(out), str(COMPANION)],
        check=True,
    )
    (built,) = out.glob("lstm_companion-*.whl")
    return built


def test_wheel_ships_the_data_files_and_their_licence_notes(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "lstm_companion/datasets/sunspots.csv" in names
    assert "lstm_companion/datasets/README.md" in names
    assert not any(name.startswith(("tests/", "book/")) for name in names)


def test_packaged_data_loads_from_an_installed_wheel(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)], check=True
    )
    script = (
        "import lstm_companion, lstm_companion.data as data\n"
        "print(lstm_companion.__file__)\n"
        "years, spots = data.load_sunspots()\n"
        "print(len(years), int(years[0]), int(years[-1]), float(spots.max()))\n"
    )
    # run from an empty directory with the installed copy first on the path, so neither the
    # checkout nor the editable install can be what is imported
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    )
    location, numbers = result.stdout.strip().splitlines()
    assert Path(location).resolve().is_relative_to(site.resolve()), location
    n, first, last, peak = numbers.split()
    assert (int(n), int(first), int(last)) == (309, 1700, 2008)
    assert float(peak) == pytest.approx(190.2)
