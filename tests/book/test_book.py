"""The book: every notebook is in the table of contents, and it builds with zero warnings.

The build renders the executions that nbval made of every chapter (``pytest book``, the
first half of ``make test``, stores them in the book's execution cache), so it executes
nothing itself: the test checks both.
"""

import ast
import html as html_module
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))
import notebook_cache  # noqa: E402


def toc_files():
    toc = yaml.safe_load((REPO_ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def test_every_notebook_is_in_the_table_of_contents():
    notebooks = {str(p.relative_to(REPO_ROOT).with_suffix("")) for p in (REPO_ROOT / "book").glob("*.ipynb")}
    assert notebooks and notebooks <= set(toc_files())


def build_environment():
    """The caller's environment, minus a non-interactive matplotlib backend that would hide the figures."""
    return {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}


def uncached_chapters() -> list[str]:
    """The chapters not yet executed for the current package, seed and library versions."""
    import nbformat
    from jupyter_cache import get_cache

    cache = get_cache(str(notebook_cache.cache_path()))
    return [
        path.name
        for path in notebook_cache.book_notebooks()
        if not notebook_cache.is_cached(cache, nbformat.read(path, as_version=4))
    ]


@pytest.mark.book
def test_book_builds_without_warnings_from_the_test_runs_executions_and_shows_its_figures():
    missing = uncached_chapters()
    assert not missing, f"not executed yet for this package, seed and versions: {missing}: run `pytest book` first"
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jupyter_book), "build", str(REPO_ROOT), "-W", "-n", "--keep-going"],
        capture_output=True,
        text=True,
        timeout=3600,
        env=build_environment(),
    )
    log = result.stdout + result.stderr
    warnings = [line for line in log.splitlines() if re.search(r"(WARNING|ERROR): ", line)]
    assert result.returncode == 0, log[-5000:]
    assert warnings == []
    executed = [line for line in log.splitlines() if "Executing notebook" in line]
    assert executed == [], f"the build executed chapters again: {executed}"
    html = REPO_ROOT / "_build" / "html"
    for page in toc_files():
        assert (html / f"{page}.html").is_file(), page
    notebook_pages = [p for p in toc_files() if (REPO_ROOT / f"{p}.ipynb").exists()]
    for page in notebook_pages:
        text = (html / f"{page}.html").read_text()
        images = re.findall(r'<img[^>]+src="([^"]+)"', text)
        assert images, f"{page} shows no figure"
        for src in images:
            assert (html / page).parent.joinpath(src).resolve().is_file(), src
        assert "{glue" not in text, f"{page} has an unresolved glue reference"
    check_launch_buttons(html, notebook_pages)
    check_bibliography(html)
    check_api_reference(html)
    check_results_page(html)


def check_launch_buttons(html, notebook_pages):
    """Colab, Binder, download, edit and issue links on every notebook page, all at the configured repository."""
    config = yaml.safe_load((REPO_ROOT / "_config.yml").read_text())
    url, branch = config["repository"]["url"], config["repository"]["branch"]
    github = url.removeprefix("https://github.com/")
    for page in notebook_pages:
        text = (html / f"{page}.html").read_text()
        expected = [
            f"https://colab.research.google.com/github/{github}/blob/{branch}/{page}.ipynb",
            f"https://mybinder.org/v2/gh/{github}/{branch}?urlpath=lab/tree/{page}.ipynb",
            f"{url}/edit/{branch}/{page}.ipynb",
            f"{url}/issues/new?",
            f"_sources/{page}.ipynb",  # the download button
        ]
        for link in expected:
            assert f'href="{link}' in text or f'href="../{link}' in text, f"{page}: no link {link}"


def check_bibliography(html):
    """Every entry of references.bib is cited by a chapter and listed, with its DOI or arXiv link."""
    bib = (REPO_ROOT / "book" / "references.bib").read_text()
    entries = re.findall(r"@\w+\{(\w+),(.*?)\n\}", bib, flags=re.S)
    assert len(entries) >= 10
    references = (html / "book" / "references.html").read_text()
    for key, body in entries:
        link = re.search(r"doi\s*=\s*\{([^}]+)\}", body) or re.search(r"url\s*=\s*\{([^}]+)\}", body)
        assert link, f"{key}: no DOI or URL"
        assert link[1] in references, f"{key} is not in the bibliography: is it cited?"


def check_api_reference(html):
    """The API page documents every public name of every module (autodoc, from the docstrings), each with
    the chapters that use it (book/_ext/api_usage.py)."""
    import importlib

    import lstm_companion

    api = (html / "book" / "api.html").read_text()
    n_public = 0
    for module_name in lstm_companion._SUBMODULES:
        module = importlib.import_module(f"lstm_companion.{module_name}")
        for name in module.__all__:
            assert f'id="lstm_companion.{module_name}.{name}"' in api, f"{module_name}.{name} is not documented"
            n_public += 1
    assert api.count("Used in:</em>") == n_public, "every public name says which chapters use it"
    vanilla = api.split('id="lstm_companion.models.build_vanilla_lstm"')[1].split("Used in:</em>")[1].split("</p>")[0]
    assert (
        '<a class="reference internal" href="vanilla_lstm.html"><span class="doc">The vanilla LSTM</span></a>'
        in vanilla
    )


GLUE_REFERENCE = re.compile(r"\{glue:text\}`([\w.]+\.ipynb)::(\w+):([^`]+)`")


def built_glue_values(notebook):
    """The values a notebook glued in the run the book was built from (the execution cache): {name: value}."""
    import nbformat
    from jupyter_cache import get_cache

    cache = get_cache(str(notebook_cache.cache_path()))
    _, executed = cache.merge_match_into_notebook(nbformat.read(notebook, as_version=4))
    values = {}
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook")
            if record:
                values[record["name"]] = ast.literal_eval(output["data"][record["mime_prefix"] + "text/plain"])
    return values


def check_results_page(html):
    """The results page pastes a result from every chapter, each beside a citation, and shows the values
    the build computed."""
    source = (REPO_ROOT / "book" / "results.md").read_text()
    rows = [line for line in source.splitlines() if line.startswith("| [")]
    chapters = {p for p in toc_files()[1:] if (REPO_ROOT / f"{p}.ipynb").exists()}
    linked = {"book/" + re.match(r"\| \[[^]]+\]\(([\w]+)\.ipynb\)", row)[1] for row in rows}
    assert linked == chapters, (
        f"chapters without a row: {chapters - linked}, rows without a chapter: {linked - chapters}"
    )
    for row in rows:
        chapter = re.match(r"\| \[[^]]+\]\(([\w.]+)\)", row)[1]
        references = GLUE_REFERENCE.findall(row)
        assert references, f"{chapter}: no glued result"
        assert {notebook for notebook, _, _ in references} == {chapter}, f"{chapter}: pastes from another chapter"
        _, _, literature, agrees = row.strip(" |").split(" | ")
        # A row may go without a source only if it says that no paper reports a number for it.
        assert "{cite" in literature or agrees == "(no number)", f"{chapter}: no source cited beside the result"
    text = html_text((html / "book" / "results.html").read_text())
    values = {}
    for notebook, name, spec in GLUE_REFERENCE.findall(source):
        values.setdefault(notebook, built_glue_values(REPO_ROOT / "book" / notebook))
        assert name in values[notebook], f"{notebook} glues no {name}"
        shown = format(values[notebook][name], spec)
        assert shown in text, f"results page does not show {notebook}::{name} as {shown}"


def html_text(page):
    """The visible text of a built page, tags dropped and entities decoded."""
    return html_module.unescape(re.sub(r"<[^>]+>", "", page))
