"""Same seed, same numbers: a chapter executed again glues exactly what the test run's execution glued.

``make test`` executes every chapter once, under nbval, and stores the executions in
the book's cache (``book/conftest.py``). This test executes one chapter a second time,
in a fresh kernel in a temporary folder (on one core, as the first was), and compares every glued value with the
cached execution's. (It needs that first execution: run it after ``pytest book``, as
``make test`` does, or after ``make book``.)
"""

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

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
def test_a_chapter_executed_again_glues_identical_results():
    from jupyter_cache import get_cache

    source = nbformat.read(NOTEBOOK, as_version=4)
    cache = get_cache(str(notebook_cache.cache_path()))
    assert notebook_cache.is_cached(cache, source), "run the chapters first (pytest book, or make book)"
    _, first = cache.merge_match_into_notebook(source)
    # executed as make book and nbval execute a chapter: in a temporary folder, its kernel on one core
    # (notebook_cache.pin_to_cores), from a thread of its own so that this process stays unpinned
    with ThreadPoolExecutor(max_workers=1, initializer=notebook_cache.pin_to_cores) as pool:
        second, _, error = pool.submit(notebook_cache._execute_one, NOTEBOOK, 600).result()
    assert error is None, error
    first_values, second_values = glued_texts(first), glued_texts(second)
    numbers = [value for value in first_values.values() if not value.startswith("<")]
    assert len(numbers) >= 3, first_values  # results to compare, not only figures
    assert first_values == second_values
