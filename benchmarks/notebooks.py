"""How long each chapter takes to run, against its budget, and how long a warm rebuild of the book takes.

Run from the repository root (after ``make book`` or ``make test`` has created ``.venv``)::

    make bench-notebooks                                   # the same as the next line
    .venv/bin/python benchmarks/notebooks.py               # every notebook, then a warm rebuild
    .venv/bin/python benchmarks/notebooks.py cnn_lstm      # just the named chapters
    .venv/bin/python benchmarks/notebooks.py --no-rebuild

Each notebook is executed top to bottom in a fresh ``python3`` kernel with nbclient,
in memory, with a temporary working directory, so nothing is written into ``book/``. The
budget is 45 s per chapter and 60 s for the three chapters that test the notes'
claims. The warm rebuild runs ``jupyter-book build .`` twice with nothing changed
in between and times the second run, which the execution cache should make a
matter of seconds. The script exits 1 if a notebook fails or exceeds its budget.

After a run over every chapter it rewrites ``benchmarks/chapter_seconds.json`` with
the times measured: ``make book`` and the test runs execute the chapters longest first.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
BUDGET_SECONDS = 45.0
CLAIMS_BUDGET_SECONDS = 60.0
CLAIMS_PART = "The notes' claims, put to the test"  # its chapters get CLAIMS_BUDGET_SECONDS


def toc_notebooks() -> list[Path]:
    """The notebooks of the table of contents, in reading order."""
    import yaml

    toc = yaml.safe_load((REPO_ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc.get("parts", []) for c in part["chapters"]]
    return [REPO_ROOT / f"{f}.ipynb" for f in files if (REPO_ROOT / f"{f}.ipynb").exists()]


def budget(notebook: Path) -> float:
    """60 s for a chapter of the claims part, or what its metadata says (``lstm_course.budget_seconds``); else 45 s."""
    import nbformat
    import yaml

    toc = yaml.safe_load((REPO_ROOT / "_toc.yml").read_text())
    parts = toc.get("parts", [])
    claims = {chapter["file"] for part in parts if part.get("caption") == CLAIMS_PART for chapter in part["chapters"]}
    declared = nbformat.read(notebook, as_version=4).metadata.get("lstm_course", {}).get("budget_seconds")
    if declared is not None:
        return float(declared)
    return CLAIMS_BUDGET_SECONDS if str(notebook.relative_to(REPO_ROOT).with_suffix("")) in claims else BUDGET_SECONDS


def execute(notebook: Path, workdir: Path) -> float:
    """Execute ``notebook`` in memory in a fresh kernel whose working directory is ``workdir``
    (nothing is written back); return the wall time in seconds."""
    import nbformat
    from nbclient import NotebookClient

    sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))
    from notebook_cache import MALLOC_ENVIRONMENT

    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(workdir)}})
    start = time.perf_counter()
    client.execute(env={**MALLOC_ENVIRONMENT, **os.environ})  # glibc's malloc as the book build sets it
    return time.perf_counter() - start


def warm_rebuild_seconds() -> float:
    """Build the book, then time a second build with nothing changed."""
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    command = [str(jupyter_book), "build", str(REPO_ROOT)]
    subprocess.run(command, check=True, capture_output=True, env=env)
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def write_chapter_seconds(measured: dict[str, float]) -> None:
    """Record the chapters' times in ``benchmarks/chapter_seconds.json`` (the order of execution comes from it)."""
    import platform
    from importlib import metadata

    # the versions without importing Keras here: this process has no KERAS_BACKEND, and Keras
    # would pick TensorFlow, which .venv does not have (the kernels use the companion's default)
    backend = os.environ.get("KERAS_BACKEND", "jax")
    path = REPO_ROOT / "benchmarks" / "chapter_seconds.json"
    record = json.loads(path.read_text()) if path.exists() else {}
    record["measured"] = (
        f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
        f"Keras {metadata.version('keras')} on {backend}"
    )
    record["seconds"] = measured
    path.write_text(json.dumps(record, indent=2) + "\n")
    print(f"\nWrote {path.relative_to(REPO_ROOT)}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("chapters", nargs="*", help="notebook names without .ipynb (default: all)")
    parser.add_argument("--no-rebuild", action="store_true", help="skip the warm rebuild of the book")
    args = parser.parse_args(argv)
    notebooks = toc_notebooks()
    if args.chapters:
        unknown = set(args.chapters) - {n.stem for n in notebooks}
        if unknown:
            parser.error(f"no such chapter: {', '.join(sorted(unknown))}")
        notebooks = [n for n in notebooks if n.stem in args.chapters]
    print(
        f"Executing {len(notebooks)} notebooks, each in a fresh kernel; "
        f"Keras backend {os.environ.get('KERAS_BACKEND', 'jax')}; {os.cpu_count()} CPUs\n"
    )
    print(f"{'notebook':<28} {'seconds':>8} {'budget':>7}  status")
    total, failures, measured = 0.0, 0, {}
    with tempfile.TemporaryDirectory() as tmp:
        for notebook in notebooks:
            try:
                seconds = execute(notebook, Path(tmp))
            except Exception as error:  # a failing cell: report it and go on
                print(f"{notebook.stem:<28} {'-':>8} {budget(notebook):>6.0f}s  FAILED: {type(error).__name__}")
                failures += 1
                continue
            total += seconds
            measured[notebook.relative_to(REPO_ROOT).with_suffix("").as_posix()] = round(seconds, 1)
            over = seconds > budget(notebook)
            failures += over
            print(
                f"{notebook.stem:<28} {seconds:>8.1f} {budget(notebook):>6.0f}s  {'OVER BUDGET' if over else 'ok'}",
                flush=True,
            )
    print(f"{'total':<28} {total:>8.1f}")
    if not args.chapters and len(measured) == len(notebooks):
        write_chapter_seconds(measured)
    if not args.no_rebuild:
        print(f"\nWarm rebuild of the book (nothing changed): {warm_rebuild_seconds():.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
