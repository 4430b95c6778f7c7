"""The book's execution cache: keyed on everything a chapter's results depend on.

Jupyter Book (``execute_notebooks: cache``) stores executed notebooks with
jupyter-cache, which keys a notebook on its code cells only (MyST-NB issue 299):
change a function of the companion package, the seed or a library version, and
the build would go on serving the old outputs, figures and glued numbers. Here
the cache lives in a folder named by a hash of the rest of what a chapter's
results depend on (:func:`execution_inputs`): the companion package's files,
the book's seed (``LSTM_COURSE_SEED``), the Keras backend, ``XLA_FLAGS`` and the
versions of the numerical libraries. Change any of them and the build starts
from an empty folder, ``_build/.jupyter_cache/<key>``.

The one folder is shared by everything that executes the chapters:

- the book build: this file is a Sphinx extension (``_config.yml``) that points
  MyST-NB at the folder;
- ``make book``: ``python book/_ext/notebook_cache.py execute`` first executes, in
  parallel, the chapters the folder lacks, so the build itself executes nothing;
- ``make test``: nbval's executions are stored in the folder
  (``tests/book/nbval_cache.py``), so the book build that follows executes nothing.

Every kernel that executes a chapter for the book or the tests runs on one core
(:func:`pin_to_cores`): two chapters side by side no longer contend for both
cores, and a chapter's numbers no longer depend on how many cores the machine has.

Kernels also share a JAX compilation cache (``_build/jax_cache``): a chapter
executed again, or under another seed, loads its compiled training steps instead
of compiling them again. The test suite uses the same cache (``tests/conftest.py``):
its tests compile many identical small programs.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from importlib import metadata, util
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_ROOT = REPO_ROOT / "_build" / ".jupyter_cache"
JAX_CACHE = REPO_ROOT / "_build" / "jax_cache"
JAX_CACHE_SINCE = (0, 10)  # the oldest JAX whose compilation cache the course uses (jax_cache_environment)
# Each chapter's last measured execution time (make bench-notebooks writes it): executions start
# longest first, so that notebooks run two at a time finish together (longest_first).
CHAPTER_SECONDS = REPO_ROOT / "benchmarks" / "chapter_seconds.json"
KEEP = 12  # cache folders kept (the most recently used): the default seed, a seed table's, a few versions
LIBRARIES = ("keras", "jax", "jaxlib", "numpy", "matplotlib", "ml-dtypes", "torch", "tensorflow", "ipykernel")


def _package_root(name: str) -> Path:
    """The folder of an installed package, found without importing it."""
    spec = util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{name} is not installed: run `make book` or `pip install -e ./companion`")
    return Path(next(iter(spec.submodule_search_locations)))


def _package_digest(name: str) -> str:
    """SHA-256 over the files of an installed package (an editable install reads the checkout)."""
    root = _package_root(name)
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _companion_config():
    """``lstm_companion.config``, without importing the package when it is not imported yet.

    The package's ``__init__`` imports Keras and its backend (about 1.5 s); the cache key
    needs only the seed and the default backend, which ``config.py`` reads from the
    environment with the standard library alone. A warm ``make book`` and its build each
    compute the key, and import Keras for nothing otherwise.
    """
    if "lstm_companion.config" in sys.modules:
        return sys.modules["lstm_companion.config"]
    spec = util.spec_from_file_location("_lstm_companion_config", _package_root("lstm_companion") / "config.py")
    config = util.module_from_spec(spec)
    spec.loader.exec_module(config)
    return config


def execution_inputs() -> dict:
    """What a chapter's results depend on besides its code cells, as the cache key's parts."""
    config = _companion_config()
    versions = {}
    for library in LIBRARIES:
        try:
            versions[library] = metadata.version(library)
        except metadata.PackageNotFoundError:
            continue
    return {
        "companion": _package_digest("lstm_companion"),
        "seed": config.course_seed(),
        "backend": os.environ.get("KERAS_BACKEND") or config.DEFAULT_BACKEND,
        "xla_flags": os.environ.get("XLA_FLAGS", ""),
        "cores_per_kernel": KERNEL_CORES,
        "python": sys.version.split()[0],
        "versions": versions,
    }


def cache_path() -> Path:
    """The cache folder for the current package, seed, backend, flags and versions; created if missing."""
    inputs = execution_inputs()
    key = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:16]
    path = CACHE_ROOT / key
    path.mkdir(parents=True, exist_ok=True)
    (path / "inputs.json").write_text(json.dumps(inputs, indent=2, sort_keys=True) + "\n")  # also marks it used
    _prune(keep=path)
    return path


def _prune(keep: Path) -> None:
    folders = sorted(
        (p for p in CACHE_ROOT.iterdir() if (p / "inputs.json").is_file()),
        key=lambda p: (p / "inputs.json").stat().st_mtime,
        reverse=True,
    )
    for old in folders[KEEP:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def jax_cache_environment() -> dict[str, str]:
    """The variables that point JAX at the shared compilation cache and store every program there
    (JAX stores only those that took a second or more to compile, by default); empty for a JAX
    older than :data:`JAX_CACHE_SINCE`.

    A program is loaded only when its computation, compile options, XLA flags and JAX version all
    match. With JAX 0.10.2 (``constraints.txt``) the whole test suite passes from an empty and from
    a full cache, and a chapter executed again from the cache glues identical numbers
    (``tests/book/test_determinism.py``). With JAX 0.4.34 (``make test-lowest``) programs loaded
    from the cache returned uninitialised memory on the CPU (a model saved and loaded predicted
    values like 1e-45): there, nothing is cached.
    """
    try:
        version = metadata.version("jax")
    except metadata.PackageNotFoundError:
        return {}
    if tuple(int(part) for part in re.findall(r"\d+", version)[:2]) < JAX_CACHE_SINCE:
        return {}
    return {
        "JAX_COMPILATION_CACHE_DIR": str(JAX_CACHE),
        "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
        "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0",
    }


# glibc's malloc hands an allocation above its mmap threshold (at most 32 MiB) to the kernel with
# mmap and gives it back with munmap when it is freed. XLA's CPU runtime allocates a training step's
# scratch memory for each step (54 MiB for bidirectional_lstm's 18 models side by side), so every step
# faulted its pages in again: memory_limits alone, 6.8 million page faults and 19 of its 66 CPU-seconds
# in the kernel. Kept in the heap instead (no mmap, and freed memory kept up to 256 MiB): 0.43 million
# faults and 2 s, the same outputs to the last digit. A variable already set is kept; other C libraries
# ignore both.
MALLOC_ENVIRONMENT = {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": str(256 * 2**20)}


# --- One core per kernel ------------------------------------------------------------------
# XLA's CPU runtime splits a large enough matrix product over a pool of threads, one per core it may
# use, and the split sets the order of the additions: the same chapter rounds differently on 1, 2 or
# 8 cores. Two chapters side by side on 2 cores each had a pool of two, and they contended for both
# cores. Every kernel this project starts to execute chapters (make book, nbval in make test, the
# seed tables, the book build) now runs on one core of its own, chosen by its slot: the numbers are
# those of one core on any machine with that CPU, whatever its number of cores (constraints.txt's
# promise of the stored numbers, exactly). It is no reliable speed-up: six chapters two at a time
# from an empty JAX cache on 2 cores took 127.5 and 133.6 s pinned against 141.5 and 141.0 s when
# the unpinned run came first in each pair, and 133.5 s against 133.7 s when the pinned one did.
KERNEL_CORES = 1
_PINNED = threading.local()


def pin_to_cores(slot: int = 0, count: int = KERNEL_CORES) -> set[int] | None:
    """Run the calling thread, and every thread and process it starts from now on, on ``count`` cores.

    The cores are the ``slot``-th group of ``count`` among those the calling thread may use
    (modulo their number). A thread is pinned once: later calls return its cores. A child
    process inherits the cores of the thread that started it (a kernel, a pytest worker), and
    so do the threads that JAX, TensorFlow or PyTorch start in it, which size their pools to
    them. Returns the cores, or ``None`` where the system has no CPU affinity (macOS, Windows):
    nothing is pinned there.

    Args:
        slot: which group of cores, e.g. a worker's or a job's index.
        count: how many cores.
    """
    if not hasattr(os, "sched_setaffinity"):
        return None
    if getattr(_PINNED, "cores", None) is None:
        cores = sorted(os.sched_getaffinity(0))  # 0: the calling thread
        _PINNED.cores = {cores[(slot * count + i) % len(cores)] for i in range(count)}
        os.sched_setaffinity(0, _PINNED.cores)
    return _PINNED.cores


def pin_test_process(items=None) -> None:
    """Pin a pytest process as the chapters' kernels are pinned: the kernels nbval starts inherit it.

    A pytest-xdist worker takes the core of its index (``gw1``: the second) when its
    conftest is imported, before any library starts threads. A run without workers takes
    the first of its cores once its tests are collected (``items``), if nbval is to run a
    notebook among them; other runs (the book build's tests, the browser) are left alone,
    and so is the controller of workers: its workers inherit its cores and pick one each.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        pin_to_cores(int(worker.removeprefix("gw")))
    elif items is not None and any(str(item.fspath).endswith(".ipynb") for item in items):
        pin_to_cores(0)


def kernel_environment() -> dict[str, str]:
    """The environment of a kernel that executes a chapter: this process's, with the shared JAX
    compilation cache and glibc's malloc kept from returning memory (:data:`MALLOC_ENVIRONMENT`), and
    without ``MPLBACKEND`` (a non-interactive backend would leave no figures)."""
    environment = {**MALLOC_ENVIRONMENT, **os.environ, **jax_cache_environment()}
    environment.pop("MPLBACKEND", None)
    return environment


def book_notebooks() -> list[Path]:
    """The notebooks of the table of contents, in its order."""
    import yaml

    toc = yaml.safe_load((REPO_ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [chapter["file"] for part in toc.get("parts", []) for chapter in part["chapters"]]
    return [REPO_ROOT / f"{file}.ipynb" for file in files if (REPO_ROOT / f"{file}.ipynb").is_file()]


def cell_timeout() -> int:
    import yaml

    return int(yaml.safe_load((REPO_ROOT / "_config.yml").read_text())["execute"]["timeout"])


def longest_first(notebooks: list[Path]) -> list[Path]:
    """``notebooks`` ordered by their measured execution time (:data:`CHAPTER_SECONDS`), longest first.

    Run two at a time, the longest chapters then start first and the short ones fill
    the gaps at the end, instead of one long chapter running alone after all the
    others. A chapter not measured yet counts as the longest; the order of equals is kept.
    """
    try:
        seconds = json.loads(CHAPTER_SECONDS.read_text())["seconds"]
    except (OSError, ValueError, KeyError):
        seconds = {}

    def measured(path: Path) -> float:
        try:
            name = Path(path).resolve().relative_to(REPO_ROOT).with_suffix("").as_posix()
        except ValueError:  # not in this checkout
            return float("inf")
        return seconds.get(name, float("inf"))

    return sorted(notebooks, key=measured, reverse=True)


def store(cache, notebook, path: Path, seconds: float) -> None:
    """Put an executed notebook into the jupyter-cache ``cache`` (what MyST-NB does after executing one)."""
    from jupyter_cache.base import CacheBundleIn

    cache.cache_notebook_bundle(
        CacheBundleIn(notebook, str(path), data={"execution_seconds": seconds}), check_validity=False, overwrite=True
    )


def is_cached(cache, notebook) -> bool:
    try:
        cache.match_cache_notebook(notebook)
    except KeyError:
        return False
    return True


def _execute_one(path: Path, timeout: int):
    """Execute a notebook in a temporary folder, as the book build does; return (notebook, seconds, error).

    The kernel runs on the cores of the calling thread: :func:`execute` pins each of its threads
    to one core first (:func:`pin_to_cores`)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        client = NotebookClient(
            notebook,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=False,
            # no execution times in the cells' metadata: jupyter-cache hashes that metadata, and the
            # build, which looks the source notebook up, would not find this execution
            record_timing=False,
            resources={"metadata": {"path": workdir}},
        )
        try:
            client.execute(env=kernel_environment())
        except CellExecutionError as error:
            return notebook, time.perf_counter() - start, str(error)
    return notebook, time.perf_counter() - start, None


def execute(notebooks: list[Path], *, jobs: int) -> list[str]:
    """Execute, ``jobs`` at a time, the notebooks the cache lacks, and cache them; return the failures."""
    import nbformat
    from jupyter_cache import get_cache

    folder = cache_path()
    cache = get_cache(str(folder))
    missing = longest_first([path for path in notebooks if not is_cached(cache, nbformat.read(path, as_version=4))])
    print(
        f"notebook cache {folder.relative_to(REPO_ROOT)}: {len(notebooks) - len(missing)} of "
        f"{len(notebooks)} notebooks cached, executing {len(missing)} with {jobs} job(s)",
        flush=True,
    )
    failures = []
    timeout = cell_timeout()
    slots = itertools.count()  # each job's thread takes the next slot, hence its own core, when it starts
    with ThreadPoolExecutor(max_workers=jobs, initializer=lambda: pin_to_cores(next(slots))) as pool:
        futures = {pool.submit(_execute_one, path, timeout): path for path in missing}
        for future in as_completed(futures):
            path = futures[future]
            notebook, seconds, error = future.result()
            name = path.relative_to(REPO_ROOT)
            if error is None:
                store(cache, notebook, path, seconds)
                print(f"  executed {name} in {seconds:.1f} s", flush=True)
            else:
                failures.append(f"{name}:\n{error}")
                print(f"  FAILED {name} after {seconds:.1f} s", flush=True)
    return failures


# --- Sphinx extension ------------------------------------------------------------------


def _point_myst_nb_at_the_cache(app, config):
    config.nb_execution_cache_path = str(cache_path())


def setup(app):
    # A chapter the cache lacks is executed by the build itself (MyST-NB), with a kernel that inherits
    # the build's cores: one, as every other execution of a chapter (pin_to_cores; Sphinx uses one anyway).
    pin_to_cores(0)
    app.connect("config-inited", _point_myst_nb_at_the_cache)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


# --- Command line ------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("execute", help="execute the chapters the cache lacks, in parallel")
    run.add_argument("--jobs", type=int, default=2, help="notebooks executed at the same time (default 2)")
    run.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook of the table of contents")
    commands.add_parser("path", help="print the cache folder for the current package, seed and versions")
    arguments = parser.parse_args(argv)
    if arguments.command == "path":
        print(cache_path())
        return 0
    notebooks = [path.resolve() for path in arguments.notebooks] or book_notebooks()
    failures = execute(notebooks, jobs=arguments.jobs)
    for failure in failures:
        print(f"\n{failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
