"""Sphinx extension: each page loads each script once.

sphinx-thebe (0.3.1, with Sphinx 7.4) registers its inline configuration script
twice, so every page declared ``const THEBE_JS_URL`` twice and the browser logged
"Identifier 'THEBE_JS_URL' has already been declared" (found by
tests/book/test_browser.py). This drops repeated entries, inline or not, from the
page's script list before the page is written.
"""


def _drop_repeated_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        if isinstance(script, str):
            key = (script, ())
        else:  # an inline script is registered with filename None by one extension and "" by another
            key = (script.filename or "", tuple(sorted((k, str(v)) for k, v in script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
