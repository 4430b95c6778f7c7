"""environment.yml and companion/pyproject.toml must name the same dependencies."""

import re
import sys

import yaml
from pathlib import Path

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
