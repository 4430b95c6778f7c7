"""Same seed, same numbers: a chapter executed again glues exactly what the test run's execution glued.

``make test`` executes every chapter once, under nbval, and stores the executions in
the book's cache (``book/conftest.py``). This test executes one chapter a second time,
in a fresh kernel in a temporary folder, and compares every glued value with the
cached execution's. (It needs that first execution: run it after ``pytest book``, as
``make test`` does, or after ``make book``.)
"""

import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))
import notebook_cache  # noqa: E402

# a chapter that trains models and glues its headline numbers, and runs in about 15 s
NOTEBOOK = REPO_ROOT / "book" / "cnn_lstm.ipynb"


def glued_texts(notebook) -> dict[str, str]:
    """Every glued value of an executed notebook, as the text glue stored (a figure as its MIME types)."""
    values = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is not None:
                data = output["data"]
                values[name] = data.get("application/papermill.record/text/plain", "<" + ", ".join(sorted(data)) + ">")
    return values


@pytest.mark.book
def test_a_chapter_executed_again_glues_identical_results(tmp_path):
    from jupyter_cache import get_cache

    source = nbformat.read(NOTEBOOK, as_version=4)
    cache = get_cache(str(notebook_cache.cache_path()))
    assert notebook_cache.is_cached(cache, source), "run the chapters first (pytest book, or make book)"
    _, first = cache.merge_match_into_notebook(source)
    NotebookClient(source, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute(
        env=notebook_cache.kernel_environment()
    )
    first_values, second_values = glued_texts(first), glued_texts(source)
    numbers = [value for value in first_values.values() if not value.startswith("<")]
    assert len(numbers) >= 3, first_values  # results to compare, not only figures
    assert first_values == second_values
