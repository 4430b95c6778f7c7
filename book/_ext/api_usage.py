"""Sphinx extension: on the API page, every public name says which chapters use it.

The list is read when the book is built, from the code cells of the notebooks in
``_toc.yml`` (with nbformat and Python's ``ast``), so it cannot drift from the
chapters the way a hand-typed "Used by" line does. A chapter uses a name when its
code refers to it through the package: ``models.build_vanilla_lstm(...)`` after
``from lstm_companion import models`` (under any alias),
``lstm_companion.models.build_vanilla_lstm``, or ``from lstm_companion.models import
build_vanilla_lstm``. Chapter titles are each notebook's first ``# `` heading.

autodoc documents each public function, class and constant; this extension appends
a line to its docstring: "Used in: <linked chapter titles>." or "Used in: no chapter.".

Configuration (``sphinx.config`` in ``_config.yml``): ``api_usage_package`` (the
package, default ``lstm_companion``), ``api_usage_root`` (the folder holding
``_toc.yml``; the source folder by default).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import nbformat
import yaml

DEFAULT_PACKAGE = "lstm_companion"


def toc_notebooks(root: Path) -> list[str]:
    """Docnames (``book/vanilla_lstm``) of the notebooks in ``root/_toc.yml``, in book order."""
    toc = yaml.safe_load((Path(root) / "_toc.yml").read_text())
    entries = [toc["root"]] + [chapter["file"] for part in toc.get("parts", []) for chapter in part.get("chapters", [])]
    return [entry for entry in entries if (Path(root) / f"{entry}.ipynb").is_file()]


def notebook_title(notebook) -> str:
    """The notebook's first level-1 Markdown heading (``# Title``)."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise ValueError("the notebook has no '# ' title")


def _python(source: str) -> str:
    """A code cell with its IPython lines (``%pip ...``, ``!ls``), which are not Python, replaced by ``pass``."""
    lines = source.splitlines()
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("%", "!")):
            lines[i] = line[: len(line) - len(line.lstrip())] + "pass"
    return "\n".join(lines)


def names_used(sources, package: str = DEFAULT_PACKAGE) -> set[tuple[str, str]]:
    """The ``(module, name)`` pairs of ``package`` that the code ``sources`` refer to.

    ``sources`` are the code cells of one notebook, read as one program: an import
    in one cell applies to the cells after it.
    """
    trees = [ast.parse(_python(source)) for source in sources]
    modules: dict[str, str] = {}  # local name -> submodule of the package
    packages: set[str] = set()  # local names bound to the package itself
    used: set[tuple[str, str]] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    parts = alias.name.split(".")
                    if parts[0] != package:
                        continue
                    if alias.asname and len(parts) == 2:
                        modules[alias.asname] = parts[1]
                    elif alias.asname is None or len(parts) == 1:
                        packages.add(alias.asname or package)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                parts = node.module.split(".")
                if parts[0] != package:
                    continue
                for alias in node.names:
                    if len(parts) == 1:  # from lstm_companion import models
                        modules[alias.asname or alias.name] = alias.name
                    elif len(parts) == 2 and alias.name != "*":  # from lstm_companion.models import build_x
                        used.add((parts[1], alias.name))
    for tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute):
                continue
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in modules:
                used.add((modules[owner.id], node.attr))
            elif isinstance(owner, ast.Attribute) and isinstance(owner.value, ast.Name) and owner.value.id in packages:
                used.add((owner.attr, node.attr))
    return used


def chapter_usage(root: Path, package: str = DEFAULT_PACKAGE) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """Which chapters use each name: ``{(module, name): [(docname, title), ...]}``, in book order."""
    usage: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for docname in toc_notebooks(root):
        notebook = nbformat.read(Path(root) / f"{docname}.ipynb", as_version=4)
        sources = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
        try:
            names = names_used(sources, package)
        except SyntaxError as error:
            raise ValueError(f"{docname}.ipynb: a code cell is not Python ({error})") from error
        title = notebook_title(notebook)
        for key in sorted(names):
            usage[key].append((docname, title))
    return dict(usage)


def _escape(title: str) -> str:
    return "".join("\\" + char if char in "`<>\\" else char for char in title)


def usage_line(usage, module: str, name: str) -> str:
    """The reStructuredText line appended to the documentation of ``module.name``."""
    chapters = usage.get((module, name), [])
    if not chapters:
        return "*Used in:* no chapter."
    links = ", ".join(f":doc:`{_escape(title)} </{docname}>`" for docname, title in chapters)
    return f"*Used in:* {links}."


def _public_name(name: str, package: str) -> tuple[str, str] | None:
    """``lstm_companion.models.build_x`` -> ``("models", "build_x")`` if it is in the module's ``__all__``."""
    import importlib

    parts = name.split(".")
    if len(parts) != 3 or parts[0] != package:
        return None  # the package, a module, or a method of a class
    try:
        module = importlib.import_module(f"{package}.{parts[1]}")
    except ImportError:
        return None
    return (parts[1], parts[2]) if parts[2] in getattr(module, "__all__", ()) else None


def _usage(app):
    if not hasattr(app, "_api_usage"):
        root = Path(app.config.api_usage_root or app.srcdir)
        app._api_usage = chapter_usage(root, app.config.api_usage_package)
    return app._api_usage


def _append_usage(app, what, name, obj, options, lines):
    key = _public_name(name, app.config.api_usage_package)
    if key is None:
        return
    if not hasattr(app.env, "api_usage_pages"):
        app.env.api_usage_pages = set()
    app.env.api_usage_pages.add(app.env.docname)
    app.env.api_usage_read_with = _usage(app)
    lines.extend(["", usage_line(_usage(app), *key)])


def _reread_api_pages_when_usage_changed(app, env, added, changed, removed):
    """The pages with "Used in" lines, when the chapters' usage differs from the one they were read with.

    The lines depend on the notebooks, which Sphinx does not know the API page depends on;
    the page's own source and the package's modules it does (autodoc records each module's
    file), so a warm build with nothing changed reads and writes the page no more.
    """
    if getattr(env, "api_usage_read_with", None) == _usage(app):
        return []
    return sorted(getattr(env, "api_usage_pages", set()) - set(removed))


def _merge(app, env, docnames, other):
    env.api_usage_pages = getattr(env, "api_usage_pages", set()) | getattr(other, "api_usage_pages", set())
    if hasattr(other, "api_usage_read_with"):
        env.api_usage_read_with = other.api_usage_read_with


def setup(app):
    app.add_config_value("api_usage_package", DEFAULT_PACKAGE, "env")
    app.add_config_value("api_usage_root", "", "env")
    app.setup_extension("sphinx.ext.autodoc")
    app.connect("autodoc-process-docstring", _append_usage, priority=900)  # after napoleon (500)
    app.connect("env-get-outdated", _reread_api_pages_when_usage_changed)
    app.connect("env-merge-info", _merge)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
