"""Every chapter under several seeds: does each hidden check hold, and what do the headlines read?

A chapter's results must be a property of its method, not of one seed on one CPU
(another CPU rounds differently, which for a short training run is the same as
another seed). This script runs nbval over the chapters once per seed, with
``LSTM_COURSE_SEED`` set (every seed a chapter uses is derived from it), and prints
a table, chapter by seed: whether every cell passed, hidden checks included, and
the chapter's headline as the results page quotes it (its first glued value there).

    python tests/book/seed_table.py --seeds 0 1 2 3 4 [--jobs 2] [--xla-isa SSE4_2] [notebooks ...]

``make test-seeds SEEDS="0 1 2 3 4"`` runs it, ``--jobs`` seeds at a time. Executions are stored in the book's
execution cache of each seed (``book/_ext/notebook_cache.py``), and a chapter
already cached for a seed (unchanged code and package) is not executed again.
``--xla-isa`` caps the instruction set XLA compiles for (``--xla_cpu_max_isa``),
which changes the kernels and their rounding as another CPU would. The table goes
to standard output and to ``--output`` (default ``_build/seed_table.md``).
Exit status 1 if any chapter failed under any seed.
"""

from __future__ import annotations

import argparse
import ast
import itertools
import json
import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))
import notebook_cache  # noqa: E402

ENVIRONMENT_LOCK = threading.Lock()  # the cache key is computed from os.environ, one seed at a time
GLUE_REFERENCE = re.compile(r"\{glue:text\}`([\w.]+)\.ipynb::(\w+):([^`]+)`")


@contextmanager
def environment(**variables):
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update({name: value for name, value in variables.items() if value is not None})
    for name, value in variables.items():
        if value is None:
            os.environ.pop(name, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def headlines() -> dict[str, list[tuple[str, str]]]:
    """Each chapter's glued values quoted on the results page, in order: {stem: [(name, format), ...]}."""
    quoted: dict[str, list[tuple[str, str]]] = {}
    for stem, name, spec in GLUE_REFERENCE.findall((REPO_ROOT / "book" / "results.md").read_text()):
        quoted.setdefault(stem, []).append((name, spec))
    return quoted


def glued_values(notebook) -> dict:
    values = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook")
            if record and record["mime_prefix"] + "text/plain" in output.get("data", {}):
                text = output["data"][record["mime_prefix"] + "text/plain"]
                try:
                    values[record["name"]] = ast.literal_eval(text)
                except (ValueError, SyntaxError):
                    values[record["name"]] = text
    return values


def prepare_seed(seed: int, notebooks: list[Path], xla_flags: str | None):
    """What is cached for one seed: (environment, staging folder, {stem: result} of cached ones, to run)."""
    import nbformat
    from jupyter_cache import get_cache

    variables = {"LSTM_COURSE_SEED": str(seed), "XLA_FLAGS": xla_flags}
    with ENVIRONMENT_LOCK, environment(**variables):
        folder = notebook_cache.cache_path()
        run_environment = dict(os.environ)
    cache = get_cache(str(folder))
    results, to_run = {}, []
    for path in notebooks:
        notebook = nbformat.read(path, as_version=4)
        if notebook_cache.is_cached(cache, notebook):
            _, executed = cache.merge_match_into_notebook(notebook)
            results[path.stem] = {"passed": True, "values": glued_values(executed), "failed_cells": [], "seconds": None}
        else:
            to_run.append(path)
    return run_environment, REPO_ROOT / "_build" / "nbval" / folder.name, results, to_run


def run_seed(seed: int, notebooks: list[Path], *, xla_flags: str | None, workers: int = 1) -> dict[str, dict]:
    """Execute the notebooks under one seed with nbval, ``workers`` at a time; return
    {stem: {"passed", "values", "failed_cells", "seconds"}}."""
    import nbformat

    run_environment, staging, results, to_run = prepare_seed(seed, notebooks, xla_flags)
    if to_run:
        parallel = ["-n", str(workers), "--dist", "loadfile"] if workers > 1 else []
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *parallel, *map(str, to_run)]
        start = time.perf_counter()
        subprocess.run(command, cwd=REPO_ROOT, env=run_environment, stdout=subprocess.DEVNULL, check=False)
        print(
            f"  seed {seed}: executed {len(to_run)} notebook(s) in {time.perf_counter() - start:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        for path in to_run:
            status_file = staging / f"{path.stem}.json"
            if not status_file.is_file():
                results[path.stem] = {"passed": False, "values": {}, "failed_cells": ["not run"], "seconds": None}
                continue
            status = json.loads(status_file.read_text())
            executed = nbformat.read(staging / f"{path.stem}.ipynb", as_version=4)
            results[path.stem] = {
                "passed": status["passed"],
                "values": glued_values(executed),
                "failed_cells": status["failed_cells"],
                "seconds": status["seconds"],
            }
    return results


def format_cell(result: dict, quoted: list[tuple[str, str]]) -> str:
    shown = []
    for name, spec in quoted[:1]:
        value = result["values"].get(name)
        shown.append("?" if value is None else format(value, spec))
    mark = "pass" if result["passed"] else f"FAIL (cell {', '.join(map(str, result['failed_cells']))})"
    return f"{mark} {' '.join(shown)}".strip()


def table(seeds: list[int], notebooks: list[Path], results: dict[int, dict], quoted) -> str:
    lines = [
        "| chapter | headline | " + " | ".join(f"seed {seed}" for seed in seeds) + " |",
        "|---|---|" + "---|" * len(seeds),
    ]
    for path in notebooks:
        stem = path.stem
        names = quoted.get(stem, [])
        headline = names[0][0] if names else "-"
        cells = [format_cell(results[seed][stem], names) for seed in seeds]
        lines.append(f"| {stem} | `{headline}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--jobs", type=int, default=2, help="seeds executed at the same time")
    parser.add_argument("--xla-isa", help="cap XLA's instruction set, e.g. SSE4_2 or AVX (emulates another CPU)")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "_build" / "seed_table.md")
    parser.add_argument("--json", type=Path, help="also write every glued value of every run as JSON")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every chapter of the table of contents")
    arguments = parser.parse_args(argv)
    notebooks = [path.resolve() for path in arguments.notebooks] or notebook_cache.book_notebooks()
    xla_flags = f"--xla_cpu_max_isa={arguments.xla_isa}" if arguments.xla_isa else None
    # Seeds run side by side, up to --jobs of them; with fewer seeds than jobs, each seed's
    # notebooks are spread over the jobs left (pytest-xdist, a notebook per worker).
    at_once = min(arguments.jobs, len(arguments.seeds))
    workers = max(1, arguments.jobs // at_once)
    # Each seed's thread, and the pytest it starts, on cores of its own (`workers` of them), as
    # make book and make test pin the chapters' kernels (notebook_cache.pin_to_cores).
    slots = itertools.count()
    with ThreadPoolExecutor(
        max_workers=at_once, initializer=lambda: notebook_cache.pin_to_cores(next(slots), workers)
    ) as pool:
        futures = {
            seed: pool.submit(run_seed, seed, notebooks, xla_flags=xla_flags, workers=workers)
            for seed in arguments.seeds
        }
        results = {seed: future.result() for seed, future in futures.items()}
    quoted = headlines()
    text = table(arguments.seeds, notebooks, results, quoted)
    where = f" (XLA instruction set capped at {arguments.xla_isa})" if arguments.xla_isa else ""
    report = f"Chapters under seeds {', '.join(map(str, arguments.seeds))}{where}:\n\n{text}\n"
    print(report)
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(report)
    if arguments.json:
        arguments.json.write_text(json.dumps({str(s): r for s, r in results.items()}, indent=1, default=str))
    failed = sum(not result["passed"] for per_seed in results.values() for result in per_seed.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
