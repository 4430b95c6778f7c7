"""The rendered book in a real browser: headless Chromium, driven by Playwright.

Every page of the table of contents is loaded from a local web server and must show
no JavaScript error, load every image, and render its mathematics with MathJax; the
search page must find a term; the launch buttons must point at the repository. Two
screenshots are saved for inspection under ``_build/screenshots/``.

Chromium comes from the system packages (``apt-get install chromium``, done by
``.ci/run``); the test is skipped where there is none, unless ``REQUIRE_BROWSER=1`` (set
by CI) turns that into a failure. MathJax is loaded by the pages from a CDN; the test
serves the same release (``mathjax@3`` from the npm registry, downloaded once into
``_build/``) in its place, so it needs no network once that file is there.
"""

import functools
import http.server
import os
import shutil
import subprocess
import sys
import tarfile
import threading
import urllib.request
from pathlib import Path

import pytest
import yaml
from test_book import build_environment, toc_files

REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.book

HTML = REPO_ROOT / "_build" / "html"
SCREENSHOTS = REPO_ROOT / "_build" / "screenshots"
MATHJAX_CDN = "https://cdn.jsdelivr.net/npm/mathjax@3/"
MATHJAX_PACKAGE = "https://registry.npmjs.org/mathjax/-/mathjax-3.2.2.tgz"
CHROMIUM_FLAGS = [  # headless on a machine without a display or outside network
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


@pytest.fixture(scope="module")
def site():
    """The book, built (the notebook cache makes this quick after `make book`) and served on localhost."""
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jupyter_book), "build", str(REPO_ROOT), "-W", "-n", "--keep-going"],
        capture_output=True,
        text=True,
        timeout=3600,
        env=build_environment(),
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(HTML)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def mathjax():
    """The files of the MathJax 3 release the pages ask the CDN for, from the npm registry (cached in _build/)."""
    folder = REPO_ROOT / "_build" / "mathjax-3.2.2"
    if not (folder / "package" / "es5" / "tex-mml-chtml.js").is_file():
        archive = folder.with_suffix(".tgz")
        folder.parent.mkdir(exist_ok=True)
        urllib.request.urlretrieve(MATHJAX_PACKAGE, archive)
        with tarfile.open(archive) as tar:
            tar.extractall(folder, filter="data")
    return folder / "package"


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    if executable is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but no Chromium found (apt-get install chromium)")
        pytest.skip("no Chromium on this machine (apt-get install chromium); CI runs this test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


def open_page(browser, mathjax, url):
    """Load ``url``; return the page and the JavaScript errors it reported (console errors and exceptions)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    def serve_mathjax(route):
        path = mathjax / route.request.url[len(MATHJAX_CDN) :].split("?")[0]
        route.fulfill(path=str(path)) if path.is_file() else route.fulfill(status=404)

    page.route(MATHJAX_CDN + "**", serve_mathjax)
    page.goto(url, wait_until="load")
    return page, errors


PAGES = [*toc_files(), "search"]


@pytest.mark.parametrize("page_name", PAGES)
def test_page_loads_without_errors_with_its_images_and_math(site, mathjax, browser, page_name):
    page, errors = open_page(browser, mathjax, f"{site}/{page_name}.html")
    try:
        # images: every one fetched and decoded (lazy ones included), none broken
        broken = page.evaluate(
            """async () => {
                const images = Array.from(document.images);
                await Promise.all(images.map(image => image.decode().catch(() => null)));
                return {count: images.length,
                        broken: images.filter(image => image.naturalWidth === 0).map(image => image.src)};
            }"""
        )
        assert broken["broken"] == [], f"{page_name}: images that did not load: {broken['broken']}"
        if (REPO_ROOT / f"{page_name}.ipynb").exists():
            assert broken["count"] >= 1, f"{page_name} shows no figure"
        # mathematics: every formula typeset by MathJax, none left as TeX source
        formulas = page.locator(".math").count()
        if formulas:
            page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
            page.evaluate("() => MathJax.startup.promise")
            typeset = page.locator(".math mjx-container").count()
            assert typeset == formulas, f"{page_name}: {formulas - typeset} of {formulas} formulas not typeset"
        text = page.locator("main").inner_text()
        assert "$$" not in text and "{glue" not in text and "{cite" not in text, f"{page_name}: raw markup shown"
        assert errors == [], f"{page_name}: JavaScript errors: {errors}"
        if page_name == "book/results":  # the one page that gathers every chapter: keep a picture of it
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "results.png"), full_page=True)
    finally:
        page.close()


def test_search_finds_a_term(site, mathjax, browser):
    page, errors = open_page(browser, mathjax, f"{site}/search.html?q=forget+gate")
    try:
        # Sphinx shows the results one by one, then its summary: read them once the search has finished,
        # not when the first appears (which of the pages are listed by then depends on their ranking).
        page.locator("#search-results p.search-summary", has_text="Search finished").wait_for(timeout=30_000)
        titles = page.locator("#search-results ul.search li").all_inner_texts()
        assert len(titles) >= 3 and any("LSTM cell" in title for title in titles), titles
        assert errors == []
    finally:
        page.close()


def test_launch_buttons_point_at_the_repository_and_screenshots(site, mathjax, browser):
    config = yaml.safe_load((REPO_ROOT / "_config.yml").read_text())
    url, branch = config["repository"]["url"], config["repository"]["branch"]
    github = url.removeprefix("https://github.com/")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for page_name in ("book/intro", "book/lstm_cell"):
        page, _ = open_page(browser, mathjax, f"{site}/{page_name}.html")
        try:
            links = page.evaluate("() => Array.from(document.querySelectorAll('a[href]'), a => a.href)")
            for expected in (
                f"https://colab.research.google.com/github/{github}/blob/{branch}/{page_name}.ipynb",
                f"https://mybinder.org/v2/gh/{github}/{branch}?urlpath=lab/tree/{page_name}.ipynb",
                f"{site}/_sources/{page_name}.ipynb",
                url,
            ):
                assert expected in links, f"{page_name}: no link to {expected}"
            page.screenshot(path=str(SCREENSHOTS / f"{page_name.split('/')[-1]}.png"))
        finally:
            page.close()
