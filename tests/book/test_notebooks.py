"""Notebook hygiene: what is stored in book/*.ipynb is what a reader should open."""

import json
import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


NOTEBOOKS = sorted((REPO_ROOT / "book").glob("*.ipynb"))
# absolute paths of an author's machine: home directories, this workspace, temporary build dirs
PRIVATE_PATH = re.compile(r"(/home/\w|/Users/\w|/root/|/work/|/tmp/|[A-Z]:\\\\Users)")


def code_cells(path):
    notebook = json.loads(path.read_text())
    return notebook, [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 10


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_kernelspec_is_the_standard_python_3(path):
    notebook, _ = code_cells(path)
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_checked_by_nbval_are_stored(path):
    """A "# NBVAL_CHECK_OUTPUT" cell is compared with its stored output; without one it checks nothing."""
    _, cells = code_cells(path)
    for cell in cells:
        if "NBVAL_CHECK_OUTPUT" in "".join(cell["source"]):
            assert cell["outputs"], f"{path.name}: a NBVAL_CHECK_OUTPUT cell has no stored output to compare with"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_errors_no_private_paths_and_cells_run_in_order(path):
    _, cells = code_cells(path)
    counts = [cell["execution_count"] for cell in cells if cell["execution_count"] is not None]
    assert counts == sorted(counts) and len(set(counts)) == len(counts), f"{path.name}: cells run out of order"
    for cell in cells:
        for output in cell["outputs"]:
            assert output["output_type"] != "error", f"{path.name}: stored error output"
            text = json.dumps(output)
            assert not PRIVATE_PATH.search(text), (
                f"{path.name}: private path in an output: {PRIVATE_PATH.search(text)[0]}"
            )


# the install cell: `%pip install "lstm-companion @ git+<url>@<ref>#subdirectory=companion"`
INSTALL = re.compile(
    r'%pip install --quiet "lstm-companion @ git\+(?P<url>[^@"]+)@(?P<ref>[^#"]+)#subdirectory=companion"'
)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_cell_installs_a_pinned_companion_only_where_it_is_missing(path):
    """On Colab or Binder the first code cell installs the companion: from the repository set in
    _config.yml, at the release tag of the package's version (or a full commit hash), never a
    moving branch; hidden in the book and skipped where the companion is installed."""
    import lstm_companion

    import yaml

    _, cells = code_cells(path)
    first = cells[0]
    source = "".join(first["source"])
    assert "remove-cell" in first["metadata"].get("tags", []), (
        f"{path.name}: the install cell must be hidden in the book"
    )
    assert 'if importlib.util.find_spec("lstm_companion") is None:\n' in source, (
        f"{path.name}: install only when missing"
    )
    found = INSTALL.search(source)
    assert found, f"{path.name}: the first code cell does not install the companion:\n{source}"
    config = yaml.safe_load((REPO_ROOT / "_config.yml").read_text())
    assert found["url"] == config["repository"]["url"], f"{path.name}: not the repository set in _config.yml"
    ref = found["ref"]
    assert ref == f"v{lstm_companion.__version__}" or re.fullmatch(r"[0-9a-f]{40}", ref), (
        f"{path.name}: installs {ref!r}, a moving target; pin the release tag v{lstm_companion.__version__} or a commit"
    )


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.stem != "intro"], ids=lambda p: p.name)
def test_every_chapter_ends_with_exercises_whose_solutions_are_hidden(path):
    notebook, _ = code_cells(path)
    markdown = "\n".join("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "markdown")
    assert "\n## Exercises\n" in "\n" + markdown, f"{path.name}: no Exercises section"
    exercises = markdown.split("## Exercises", 1)[1]
    solutions = re.findall(r"```\{admonition\} Solution\n:class: dropdown\n", exercises)
    assert len(solutions) >= 2, f"{path.name}: {len(solutions)} solutions behind a toggle, expected at least 2"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_cells_carry_no_execution_timestamps(path):
    """Timestamps of a past execution would only make noise in every diff (and in the cache key)."""
    notebook, _ = code_cells(path)
    stamped = [i for i, cell in enumerate(notebook["cells"]) if "execution" in cell.get("metadata", {})]
    assert stamped == [], f"{path.name}: cells {stamped} carry execution metadata"
