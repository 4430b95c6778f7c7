"""Same seed, same numbers: a chapter executed twice glues exactly the same results."""

import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import REPO_ROOT

# a chapter that trains models and glues its headline numbers, and runs in about 15 s
NOTEBOOK = REPO_ROOT / "book" / "cnn_lstm.ipynb"


def glued_values(path, workdir) -> dict[str, str]:
    """Execute a copy of the notebook in ``workdir``; return every glued value as its text."""
    copy = shutil.copy(path, workdir)
    notebook = nbformat.read(copy, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}).execute()
    values = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is not None:
                data = output["data"]  # glue stores a value's repr under this key; a glued figure has none
                values[name] = data.get("application/papermill.record/text/plain", "<" + ", ".join(sorted(data)) + ">")
    return values


@pytest.mark.book
def test_a_chapter_executed_twice_glues_identical_results(tmp_path):
    runs = []
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        runs.append(glued_values(NOTEBOOK, tmp_path / name))
    first, second = runs
    numbers = [value for value in first.values() if not value.startswith("<")]
    assert len(numbers) >= 3, first  # results to compare, not only figures
    assert first == second
