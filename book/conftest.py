"""nbval's executions of the chapters are the ones the book is built from.

``pytest book`` runs every notebook with nbval (``--nbval-lax``: every cell runs,
the hidden checks assert each chapter's headline, cells marked
``# NBVAL_CHECK_OUTPUT`` are compared with their stored output). This plugin keeps
what nbval executed: when a chapter's last cell has run, the executed notebook is
written to ``_build/nbval/<key>/`` with its status, and at the end of the session
every chapter that passed is stored in the book's execution cache
(``book/_ext/notebook_cache.py``). The book build that follows (``make test``, or
``make book``) then executes nothing: each chapter is executed once per test run.

With pytest-xdist (``--dist loadfile``, ``pytest.ini``) all cells of a notebook run
in one worker (and one kernel), in order; the controller stores the results.
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

# Kernels on one core each (notebook_cache.pin_to_cores): a pytest-xdist worker pins itself here,
# before anything starts threads; a run without workers in pytest_collection_finish below.
notebook_cache.pin_test_process()


def pytest_configure(config):
    # pytest-xdist (3.6 on) would sort the files by their number of tests: keep the order set below.
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False
    # The kernels nbval starts inherit this process's environment (this process has already
    # chosen its own matplotlib backend, so MPLBACKEND can go).
    os.environ.update(notebook_cache.kernel_environment())
    os.environ.pop("MPLBACKEND", None)
    config._notebook_runs = {}
    # The cache folder (and this run's staging folder, named alike) is fixed when the run starts:
    # what the kernels import is the package as it is now.
    config._cache_folder = notebook_cache.cache_path()
    config._staging_folder = STAGING_ROOT / config._cache_folder.name
    # The controller (or a run without xdist) starts from an empty staging folder; a run that only
    # collects (a test may start one) leaves it alone: it may be another run's, in progress.
    if _stages(config) and not hasattr(config, "workerinput"):
        shutil.rmtree(config._staging_folder, ignore_errors=True)
        config._staging_folder.mkdir(parents=True)


def _stages(config) -> bool:
    """Whether this run executes, and so stages, notebooks (not a ``--collect-only`` run)."""
    return not config.option.collectonly


def pytest_collection_modifyitems(config, items):
    """The notebooks first, longest first; then the other files in their order.

    With pytest-xdist a worker takes a whole notebook, the longest chapters first, and
    then the other tests one by one (:func:`pytest_xdist_make_scheduler`), which fill
    the gaps at the end. The cells of a notebook keep their order, and so do the other
    files (the book build's test comes before the browser test, which reads its pages).
    """
    files = {}
    for item in items:
        files.setdefault(Path(str(item.fspath)), []).append(item)
    notebooks = notebook_cache.longest_first([path for path in files if path.suffix == ".ipynb"])
    others = [path for path in files if path.suffix != ".ipynb"]
    items[:] = [item for path in [*notebooks, *others] for item in files[path]]


def pytest_collection_finish(session):
    """A run without workers that is to execute notebooks runs on one core, as a worker would."""
    notebook_cache.pin_test_process(session.items)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """With ``--dist loadfile``: every notebook whole in one worker, every other test handed out alone.

    A notebook's cells share one kernel, so they must run in one worker, in order.
    A test file has no such need, and a long one (the contract tests, about 60 s) handed
    out whole near the end would leave the other worker idle. (``--dist loadgroup``
    would do the same with marks, but pytest-xdist 3.8 cannot group tests under pytest 9.)
    """
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class NotebooksWhole(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            file = nodeid.split("::", 1)[0]
            return file if file.endswith(".ipynb") else nodeid

    return NotebooksWhole(config, log)


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
    folder = item.config._staging_folder
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
    if hasattr(session.config, "workerinput") or not _stages(session.config):
        return  # the controller stores what every worker staged
    folder = session.config._staging_folder
    statuses = [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]
    passed = [status for status in statuses if status["passed"]]
    if not passed:
        return
    import nbformat
    from jupyter_cache import get_cache

    cache = get_cache(str(session.config._cache_folder))
    for status in passed:
        path = Path(status["path"])
        executed = nbformat.read(folder / f"{path.stem}.ipynb", as_version=4)
        notebook_cache.store(cache, executed, path, status["seconds"])
