"""The benchmark scripts run and print their tables (what they measure is not asserted: timings are not tests)."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


BENCHMARKS = REPO_ROOT / "benchmarks"


def load(name):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.tooling
def test_throughput_benchmark_prints_both_tables_for_the_course_path():
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "lstm_throughput.py"), "--epochs", "2", "--only", "course"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "LSTM(64)\n" in result.stdout and "LSTM(64) -> LSTM(64)" in result.stdout
    rows = [line.split() for line in result.stdout.splitlines() if line.startswith("course ")]
    # name, s/epoch, ratio, first epoch, predict, ratio, first predict: one row per model
    assert len(rows) == 2 and all(len(row) == 7 and row[2] == row[5] == "1.00x" for row in rows), result.stdout


def test_throughput_benchmark_refuses_to_run_without_a_peer_it_compares_against(capsys, monkeypatch):
    throughput = load("lstm_throughput")
    monkeypatch.setitem(throughput.REQUIRES, "torch nn.LSTM", "no_such_framework_installed")
    with pytest.raises(SystemExit) as stopped:
        throughput.main(["--epochs", "2", "--only", "torch nn.LSTM"])
    assert stopped.value.code == 2
    assert "no_such_framework_installed not installed: run `make bench-throughput`" in capsys.readouterr().err


def test_throughput_benchmark_rejects_a_single_epoch():
    throughput = load("lstm_throughput")
    with pytest.raises(SystemExit):
        throughput.main(["--epochs", "1"])


@pytest.mark.tooling
def test_notebook_benchmark_times_a_chapter_against_its_budget():
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "notebooks.py"), "intro", "--no-rebuild"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    row = next(line.split() for line in result.stdout.splitlines() if line.startswith("intro "))
    assert row[2] == "45s" and row[3] == "ok", row


def test_notebook_benchmark_knows_every_chapter_and_its_budget():
    notebooks = load("notebooks")
    names = [path.stem for path in notebooks.toc_notebooks()]
    assert len(names) == len(list((REPO_ROOT / "book").glob("*.ipynb")))
    budgets = {path.stem: notebooks.budget(path) for path in notebooks.toc_notebooks()}
    assert budgets["adding_problem"] == budgets["memory_limits"] == 60.0  # the claims part
    assert budgets["vanilla_lstm"] == budgets["intro"] == 45.0
    assert budgets["forecasting_co2"] == 45.0  # a claims chapter that declares its own budget
    with pytest.raises(SystemExit):
        notebooks.main(["no_such_chapter"])
