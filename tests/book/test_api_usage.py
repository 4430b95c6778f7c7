"""The API page's "Used in" lines are generated from the chapters' code (book/_ext/api_usage.py)."""

import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))
import api_usage  # noqa: E402


def write_book(root: Path, chapters: dict[str, list[str]]) -> None:
    """A book in ``root``: ``_toc.yml`` and one notebook per chapter, titled ``# <name>``, with these code cells."""
    (root / "book").mkdir(parents=True)
    toc = {"format": "jb-book", "root": "index", "parts": [{"caption": "Part", "chapters": []}]}
    for name, cells in chapters.items():
        notebook = nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_markdown_cell(f"# {name.title()}\n\nSome text.")]
            + [nbformat.v4.new_code_cell(source) for source in cells],
            metadata={
                "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                "language_info": {"name": "python"},
            },
        )
        nbformat.write(notebook, root / "book" / f"{name}.ipynb")
        toc["parts"][0]["chapters"].append({"file": f"book/{name}"})
    (root / "_toc.yml").write_text(yaml.safe_dump(toc))


def test_a_function_a_chapter_calls_is_listed_with_that_chapter():
    usage = api_usage.chapter_usage(REPO_ROOT)
    assert ("book/vanilla_lstm", "The vanilla LSTM") in usage[("models", "build_vanilla_lstm")]
    line = api_usage.usage_line(usage, "models", "build_vanilla_lstm")
    assert line.startswith("*Used in:* ") and ":doc:`The vanilla LSTM </book/vanilla_lstm>`" in line


def test_every_way_of_reaching_a_name_counts_and_other_packages_do_not(tmp_path):
    write_book(
        tmp_path,
        {
            "aliases": [
                'try:\n    import lstm_companion\nexcept ImportError:\n    %pip install --quiet "lstm-companion"',
                "from lstm_companion import models as m, data\nimport keras\nfrom keras import layers",
                "m.build_vanilla_lstm(4, 1, units=2, n_outputs=1)\nx, y = data.sum_sign(8)\nlayers.Dense(3)",
            ],
            "paths": [
                "import lstm_companion.scratch\nimport lstm_companion.training as t",
                "from lstm_companion.generation import continue_sequence as grow\n!ls",
                "lstm_companion.scratch.lstm_step\nt.set_seed(0)\nkeras.layers.Dense(1)",
            ],
        },
    )
    usage = api_usage.chapter_usage(tmp_path)
    assert set(usage) == {
        ("models", "build_vanilla_lstm"),
        ("data", "sum_sign"),
        ("scratch", "lstm_step"),
        ("training", "set_seed"),
        ("generation", "continue_sequence"),
    }
    assert usage[("data", "sum_sign")] == [("book/aliases", "Aliases")]
    assert api_usage.usage_line(usage, "layers", "FusedLSTM") == "*Used in:* no chapter."  # keras.layers is not ours


def test_a_function_no_chapter_uses_says_so(tmp_path):
    write_book(tmp_path, {"first": ["from lstm_companion import models\nmodels.build_stacked_lstm"]})
    usage = api_usage.chapter_usage(tmp_path)
    assert api_usage.usage_line(usage, "models", "build_vanilla_lstm") == "*Used in:* no chapter."
    assert api_usage.usage_line(usage, "models", "build_stacked_lstm") == "*Used in:* :doc:`First </book/first>`."


def test_a_cell_that_is_not_python_names_its_notebook(tmp_path):
    write_book(tmp_path, {"broken": ["def f(:"]})
    with pytest.raises(ValueError, match="book/broken.ipynb"):
        api_usage.chapter_usage(tmp_path)


def small_project(root: Path) -> Path:
    """A Sphinx project with one chapter (it calls ``build_vanilla_lstm``) and an API page documenting two functions."""
    source = root / "source"
    write_book(
        source,
        {"chapter": ["from lstm_companion import models\nmodels.build_vanilla_lstm(4, 1, units=2, n_outputs=1)"]},
    )
    (source / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(REPO_ROOT / 'book' / '_ext')!r})\n"
        'extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "api_usage"]\n'
        'nb_execution_mode = "off"\nexclude_patterns = ["_build"]\n'
    )
    (source / "index.md").write_text("# Book\n\n```{toctree}\nbook/chapter\nbook/api\n```\n")
    (source / "book" / "api.md").write_text(
        "# API\n\n```{eval-rst}\n.. autofunction:: lstm_companion.models.build_vanilla_lstm\n\n"
        ".. autofunction:: lstm_companion.models.build_stacked_lstm\n```\n"
    )
    return source


def used_in_lines(html: Path) -> list[str]:
    """The "Used in" lines of the built API page, in page order."""
    return re.findall(r"Used in:</em> (.*?)</p>", (html / "book" / "api.html").read_text())


CHAPTER_LINK = '<a class="reference internal" href="chapter.html"><span class="doc">Chapter</span></a>.'


def test_the_api_page_shows_the_chapters_under_each_documented_name(tmp_path):
    """A small Sphinx project built with the extension (no notebook is executed)."""
    pytest.importorskip("sphinx", reason="Sphinx comes with the book's tools (the book extra)")
    from sphinx.cmd.build import build_main

    source = small_project(tmp_path)
    status = build_main(["-b", "html", "-W", "-q", str(source), str(tmp_path / "html")])
    assert status == 0
    assert used_in_lines(tmp_path / "html") == [CHAPTER_LINK, "no chapter."]


def test_the_api_page_is_read_again_when_and_only_when_the_chapters_usage_changes(tmp_path, capsys):
    """Incremental builds: nothing changed, the page is not read; a chapter starts using a function, it is listed."""
    pytest.importorskip("sphinx", reason="Sphinx comes with the book's tools (the book extra)")
    from sphinx.cmd.build import build_main

    source, html = small_project(tmp_path), tmp_path / "html"

    def build() -> str:
        capsys.readouterr()
        assert build_main(["-b", "html", "-W", str(source), str(html)]) == 0
        return capsys.readouterr().out

    assert "book/api" in build()
    assert "0 added, 0 changed, 0 removed" in build()  # a warm build reads nothing, the API page included
    chapter = source / "book" / "chapter.ipynb"
    notebook = nbformat.read(chapter, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("models.build_stacked_lstm(4, 1, units=2, n_outputs=1)"))
    nbformat.write(notebook, chapter)
    output = build()
    assert "2 changed" in output  # the chapter, and the API page because of it
    assert used_in_lines(html) == [CHAPTER_LINK, CHAPTER_LINK]
