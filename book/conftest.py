"""nbval's executions of the chapters are the ones the book is built from.

``pytest book`` runs every notebook with nbval (``--nbval-lax``: every cell runs,
the hidden checks assert each chapter's headline, cells marked
``# NBVAL_CHECK_OUTPUT`` are compared with their stored output). This plugin keeps
what nbval executed: when a chapter's last cell has run, the executed notebook is
written to ``_build/nbval/<key>/`` with its status, and at the end of the session
every chapter that passed is stored in the book's execution cache
(``book/_ext/notebook_cache.py``). The book build that follows (``make test``, or
``make book``) then executes nothing: each chapter is executed once per test run.

With pytest-xdist, run with ``--dist loadfile`` so that all cells of a notebook
stay in one worker (and one kernel); the controller stores the results.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "_ext"))
import notebook_cache  # noqa: E402

STAGING_ROOT = notebook_cache.REPO_ROOT / "_build" / "nbval"


def staging_folder() -> Path:
    """Where this run's executed notebooks go: one folder per cache key (package, seed, versions)."""
    return STAGING_ROOT / notebook_cache.cache_path().name


def pytest_configure(config):
    # The kernels nbval starts inherit this process's environment (this process has already
    # chosen its own matplotlib backend, so MPLBACKEND can go).
    os.environ.update(notebook_cache.kernel_environment())
    os.environ.pop("MPLBACKEND", None)
    config._notebook_runs = {}
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist)
        folder = staging_folder()
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)


def _is_notebook_cell(item) -> bool:
    return type(item).__name__ == "IPyNbCell"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if not _is_notebook_cell(item):
        return
    report = outcome.get_result()
    run = item.config._notebook_runs.setdefault(item.parent.nodeid, {"cells": {}, "seconds": 0.0, "failed": []})
    run["seconds"] += report.duration
    run["cells"][item.cell_num] = item
    if report.failed:
        run["failed"].append(item.cell_num)


def pytest_runtest_teardown(item, nextitem):
    if not _is_notebook_cell(item) or (nextitem is not None and nextitem.parent is item.parent):
        return
    # The notebook's last cell has run: write the executed notebook and its status.
    run = item.config._notebook_runs.pop(item.parent.nodeid)
    notebook = copy.deepcopy(item.parent.nb)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code_cells):
        ran = run["cells"].get(number)
        cell.outputs = list(getattr(ran, "test_outputs", None) or [])
        cell.execution_count = number + 1
    complete = len(run["cells"]) == len(code_cells) and not run["failed"]
    folder = staging_folder()
    stem = Path(str(item.parent.fspath)).stem
    import nbformat

    nbformat.write(notebook, folder / f"{stem}.ipynb")
    status = {
        "path": str(item.parent.fspath),
        "passed": complete,
        "failed_cells": run["failed"],
        "seconds": run["seconds"],
    }
    (folder / f"{stem}.json").write_text(json.dumps(status, indent=2) + "\n")


def pytest_sessionfinish(session, exitstatus):
    if hasattr(session.config, "workerinput"):
        return  # the controller stores what every worker staged
    folder = staging_folder()
    statuses = [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]
    passed = [status for status in statuses if status["passed"]]
    if not passed:
        return
    import nbformat
    from jupyter_cache import get_cache

    cache = get_cache(str(notebook_cache.cache_path()))
    for status in passed:
        path = Path(status["path"])
        executed = nbformat.read(folder / f"{path.stem}.ipynb", as_version=4)
        notebook_cache.store(cache, executed, path, status["seconds"])
