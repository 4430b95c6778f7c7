"""environment.yml and companion/pyproject.toml must name the same dependencies."""

import re
import sys
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]


if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def split(requirement):
    """'keras>=3.8' -> ('keras', '>=3.8'); drops spaces and environment markers."""
    requirement = requirement.split(";")[0].replace(" ", "")
    name, spec = re.match(r"^([A-Za-z0-9_.\-]+)(.*)$", requirement).groups()
    return name.lower().replace("_", "-"), spec


def load():
    pyproject = tomllib.loads((REPO_ROOT / "companion" / "pyproject.toml").read_text())
    environment = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    return pyproject["project"], environment


def test_conda_packages_match_runtime_and_book_dependencies():
    project, environment = load()
    expected = dict(split(r) for r in project["dependencies"] + project["optional-dependencies"]["book"])
    conda = [d for d in environment["dependencies"] if isinstance(d, str)]
    listed = dict(split(d) for d in conda if split(d)[0] not in ("python", "pip"))
    assert listed == expected


def test_python_version_and_channel_match():
    project, environment = load()
    python = [d for d in environment["dependencies"] if isinstance(d, str) and split(d)[0] == "python"]
    assert python == [f"python{project['requires-python']}"]
    assert environment["channels"] == ["conda-forge"]


def test_pip_section_installs_the_companion_with_book_extras():
    _, environment = load()
    pip_sections = [d["pip"] for d in environment["dependencies"] if isinstance(d, dict)]
    assert pip_sections == [["-e ./companion[book]"]]


def test_jupyter_book_is_pinned_below_2():
    project, _ = load()
    specs = dict(split(r) for r in project["optional-dependencies"]["book"])
    assert "<2" in specs["jupyter-book"].split(",")


def test_ruff_is_a_test_dependency_held_to_one_minor_version():
    # the formatter's output changes between minor versions: a range wider than one would let
    # `make test-lowest` and `make test` disagree on what is formatted
    project, _ = load()
    specs = dict(split(r) for r in project["optional-dependencies"]["test"])
    lower, upper = sorted(specs["ruff"].split(","), key=lambda s: s[0] != ">")
    major, minor = lower.removeprefix(">=").split(".")[:2]
    assert upper == f"<{major}.{int(minor) + 1}"
