"""The execution cache is keyed on the companion package: change the package, and the book shows the change.

jupyter-cache keys a notebook on its code cells only; book/_ext/notebook_cache.py adds the
package's files, the seed, the backend and the library versions to the key. This test builds
a one-page book, in a temporary folder, from a copy of the companion package, changes what one
of the package's functions returns, builds again, and reads the new value on the page.
"""

import itertools
import json
import os
import shutil
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def build(project: Path, environment: dict) -> str:
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jupyter_book), "build", str(project), "-W", "-n", "--keep-going"],
        capture_output=True,
        text=True,
        timeout=600,
        env=environment,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return (project / "_build" / "html" / "probe.html").read_text()


@pytest.mark.tooling
def test_a_change_in_the_package_shows_in_the_rebuilt_book(tmp_path):
    project = tmp_path / "book_project"
    (project / "book" / "_ext").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "book" / "_ext" / "notebook_cache.py", project / "book" / "_ext")
    package = project / "companion" / "src" / "lstm_companion"
    shutil.copytree(
        REPO_ROOT / "companion" / "src" / "lstm_companion", package, ignore=shutil.ignore_patterns("__pycache__")
    )
    probe = package / "training.py"
    probe.write_text(probe.read_text() + '\n\ndef _probe():\n    return "answer-one"\n')
    (project / "_toc.yml").write_text("format: jb-book\nroot: probe\n")
    (project / "_config.yml").write_text(
        textwrap.dedent("""\
        title: probe
        only_build_toc_files: true
        exclude_patterns: [_build, companion]
        execute:
          execute_notebooks: cache
          timeout: 300
        sphinx:
          local_extensions:
            notebook_cache: book/_ext
        """)
    )
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Probe\n\nThe package says {glue:text}`probe`."),
            nbformat.v4.new_code_cell(
                "from lstm_companion import training\nfrom myst_nb import glue\n\n"
                'glue("probe", training._probe(), display=False)'
            ),
        ]
    )
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, project / "probe.ipynb")
    # The build and its kernels import the copy: it comes first on the path.
    environment = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(package.parent), environment.get("PYTHONPATH")]))

    assert "answer-one" in build(project, environment)
    probe.write_text(probe.read_text().replace("answer-one", "answer-two"))  # the code cells do not change
    page = build(project, environment)
    assert "answer-two" in page and "answer-one" not in page
    assert len(list((project / "_build" / ".jupyter_cache").iterdir())) == 2  # one cache folder per package state


def test_the_cache_key_is_computed_without_importing_keras():
    # a warm `make book` computes the key twice (the executor, then the build): each would
    # otherwise import the package, Keras and its backend (about 1.5 s) for nothing
    code = textwrap.dedent(
        f"""
        import json, os, sys
        sys.path.insert(0, {str(REPO_ROOT / "book" / "_ext")!r})
        import notebook_cache
        print(json.dumps([notebook_cache.execution_inputs(), "keras" in sys.modules, "lstm_companion" in sys.modules]))
        """
    )
    environment = {**os.environ, "LSTM_COURSE_SEED": "7"}
    environment.pop("KERAS_BACKEND", None)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True)
    inputs, keras_imported, package_imported = json.loads(result.stdout)
    assert not keras_imported and not package_imported
    assert inputs["seed"] == 7 and inputs["backend"] == "jax"  # read from the environment as the package reads them
    sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))
    import notebook_cache

    assert inputs["companion"] == notebook_cache._package_digest("lstm_companion")


@pytest.mark.parametrize(
    ("version", "cached"), [("0.10.2", True), ("0.11.0", True), ("1.0.0rc1", True), ("0.4.34", False), ("0.9.9", False)]
)
def test_the_jax_compilation_cache_is_used_only_from_the_jax_it_was_verified_with(monkeypatch, version, cached):
    sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))
    import notebook_cache

    monkeypatch.setattr(notebook_cache.metadata, "version", lambda name: version)
    environment = notebook_cache.jax_cache_environment()
    if cached:
        assert environment["JAX_COMPILATION_CACHE_DIR"] == str(REPO_ROOT / "_build" / "jax_cache")
        assert environment["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] == "0"
    else:
        assert environment == {}  # JAX 0.4.34 loaded programs that returned uninitialised memory


def test_chapters_are_executed_longest_first_by_their_measured_time(monkeypatch, tmp_path):
    sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))
    import notebook_cache

    table = tmp_path / "chapter_seconds.json"
    table.write_text('{"seconds": {"book/short": 2.0, "book/long": 50.0, "book/middle": 20.0, "book/also_short": 2.0}}')
    monkeypatch.setattr(notebook_cache, "CHAPTER_SECONDS", table)
    chapters = [REPO_ROOT / "book" / f"{name}.ipynb" for name in ("short", "new", "middle", "also_short", "long")]
    ordered = [path.stem for path in notebook_cache.longest_first(chapters)]
    assert ordered == ["new", "long", "middle", "short", "also_short"]  # unmeasured first; equals keep their order
    monkeypatch.setattr(notebook_cache, "CHAPTER_SECONDS", tmp_path / "missing.json")
    assert notebook_cache.longest_first(chapters) == chapters  # no table: the order given


def test_every_chapter_has_a_measured_time():
    import json

    measured = json.loads((REPO_ROOT / "benchmarks" / "chapter_seconds.json").read_text())["seconds"]
    chapters = {path.relative_to(REPO_ROOT).with_suffix("").as_posix() for path in (REPO_ROOT / "book").glob("*.ipynb")}
    assert chapters <= set(measured), f"run make bench-notebooks to measure {sorted(chapters - set(measured))}"


@pytest.mark.tooling
def test_a_test_run_starts_the_longest_chapters_first_and_keeps_the_order_of_everything_else():
    sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))
    import notebook_cache

    # The run this test is part of stages its executions there: collecting must leave them alone.
    staging = REPO_ROOT / "_build" / "nbval" / notebook_cache.cache_path().name
    staging.mkdir(parents=True, exist_ok=True)
    sentinel = staging / f"collect-only-sentinel-{os.getpid()}.txt"
    sentinel.write_text("staged by another run")
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert sentinel.exists(), "a --collect-only run emptied the staging folder of the run in progress"
    finally:
        sentinel.unlink(missing_ok=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    ids = [line for line in result.stdout.splitlines() if "::" in line]
    files = [file for file, _ in itertools.groupby(line.split("::")[0] for line in ids)]
    assert len(files) == len(set(files)), "the items of a file must follow each other"
    notebooks = sorted((REPO_ROOT / "book").glob("*.ipynb"))
    assert files[: len(notebooks)] == [
        path.relative_to(REPO_ROOT).as_posix() for path in notebook_cache.longest_first(notebooks)
    ]
    # the other files keep their order: the book build's test before the browser test that reads its pages
    assert files.index("tests/book/test_book.py") < files.index("tests/book/test_browser.py")
    for notebook in files[: len(notebooks)]:
        cells = [int(line.rsplit("Cell ", 1)[1]) for line in ids if line.startswith(notebook + "::")]
        assert cells == sorted(cells) and len(cells) == len(set(cells))


@pytest.mark.tooling
def test_a_notebook_executed_for_make_book_is_found_by_the_build(tmp_path):
    # make book executes the chapters first, then the build looks each source notebook up in the cache:
    # the stored execution must hash like its source (nbclient's cell timings had made it miss)
    sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))
    import notebook_cache
    from jupyter_cache import get_cache

    source = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# Probe"), nbformat.v4.new_code_cell("print(6 * 7)")],
        metadata={"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
    )
    path = tmp_path / "probe.ipynb"
    nbformat.write(source, path)
    executed, seconds, error = notebook_cache._execute_one(path, timeout=120)
    assert error is None and executed.cells[1].outputs[0]["text"] == "42\n"
    cache = get_cache(str(tmp_path / "cache"))
    notebook_cache.store(cache, executed, path, seconds)
    assert notebook_cache.is_cached(cache, nbformat.read(path, as_version=4))


def test_kernels_get_glibc_malloc_kept_from_returning_memory_unless_set_otherwise(monkeypatch):
    sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))
    import notebook_cache

    for name in notebook_cache.MALLOC_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    assert notebook_cache.kernel_environment()["MALLOC_MMAP_MAX_"] == "0"
    monkeypatch.setenv("MALLOC_MMAP_MAX_", "65536")  # a reader's own setting wins
    assert notebook_cache.kernel_environment()["MALLOC_MMAP_MAX_"] == "65536"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc variables")
def test_the_malloc_settings_stop_freed_scratch_memory_from_being_faulted_in_again():
    """What the settings are for: a 64 MiB buffer allocated, written and freed 20 times, as XLA
    does with a training step's scratch memory, faults its pages in once instead of 20 times."""
    sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))
    import notebook_cache

    code = (  # through the C library's malloc, as XLA allocates (NumPy asks for huge pages)
        "import ctypes, resource\n"
        "libc = ctypes.CDLL(None); libc.malloc.restype = ctypes.c_void_p; libc.free.argtypes = [ctypes.c_void_p]\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
        "for _ in range(20):\n"
        "    buffer = libc.malloc(64 * 2**20); ctypes.memset(buffer, 1, 64 * 2**20); libc.free(buffer)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)\n"
    )
    environment = {k: v for k, v in os.environ.items() if k not in notebook_cache.MALLOC_ENVIRONMENT}

    def faults(env):
        run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        return int(run.stdout)

    pages = 64 * 2**20 // os.sysconf("SC_PAGE_SIZE")
    assert faults(environment) > 10 * pages  # glibc's default: mmap and munmap each time
    assert faults({**environment, **notebook_cache.MALLOC_ENVIRONMENT}) < 2 * pages


def test_each_slot_pins_the_thread_to_its_own_group_of_cores_once(monkeypatch):
    sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))
    import notebook_cache

    pinned = []
    monkeypatch.setattr(notebook_cache.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    monkeypatch.setattr(
        notebook_cache.os, "sched_setaffinity", lambda pid, cores: pinned.append(set(cores)), raising=False
    )

    def in_a_new_thread(*arguments):
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(
                lambda: (notebook_cache.pin_to_cores(*arguments), notebook_cache.pin_to_cores(3))
            ).result()

    assert [in_a_new_thread(slot) for slot in range(5)] == [({c}, {c}) for c in (0, 1, 2, 3, 0)]  # then kept
    assert in_a_new_thread(1, 2) == ({2, 3}, {2, 3})  # the second group of two
    assert pinned == [{0}, {1}, {2}, {3}, {0}, {2, 3}]  # once per thread


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity on this system")
def test_a_kernel_started_from_a_pinned_thread_runs_on_its_one_core(tmp_path):
    sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))
    import notebook_cache

    probe = "import os\nprint(sorted(os.sched_getaffinity(0)))"
    path = tmp_path / "probe.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(probe)]), path)
    with ThreadPoolExecutor(max_workers=1, initializer=notebook_cache.pin_to_cores, initargs=(1,)) as pool:
        core = pool.submit(notebook_cache.pin_to_cores).result()
        executed, _, error = pool.submit(notebook_cache._execute_one, path, 120).result()
    assert error is None, error
    assert len(core) == 1 and executed.cells[0].outputs[0]["text"] == f"{sorted(core)}\n"
