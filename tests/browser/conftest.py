"""Browser test fixtures: the real app served by waitress over a real index of a made-up
archive, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fixture_archive import write_archive

from archivist.indexing import ingest
from archivist.web import create_app

PROJECT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = PROJECT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = PROJECT / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser_archive(tmp_path_factory) -> Path:
    """The made-up archive with its catalogue (three cities, six years)."""
    return write_archive(tmp_path_factory.mktemp("browser-archive"))


@pytest.fixture(scope="session")
def browser_index(browser_archive, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("browser-index")
    result = ingest(browser_archive, root, rebuild=True, jobs=1)
    assert not result.skipped, result.skipped
    return root


def _serve(index: Path, archive: Path):
    """The app over an index served by waitress on a free port of 127.0.0.1, in a background
    thread: its address, then closed."""
    from waitress import create_server

    app = create_app({"INDEX_DIR": str(index), "ARCHIVE_DIR": str(archive)})
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


@pytest.fixture(scope="session")
def base_url(browser_index, browser_archive):
    """The app over the made-up archive."""
    yield from _serve(browser_index, browser_archive)


@pytest.fixture(scope="session")
def sample_base_url(sample_index, sample_archive):
    """The app over the shipped sample archive (e-paper pages of several stories)."""
    yield from _serve(sample_index, sample_archive)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _open_context(browser, base_url, **options):
    context = browser.new_context(
        base_url=base_url, locale="zh-CN", accept_downloads=True, **options
    )
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def page(browser, base_url):
    """A desktop page that fails the test on a script error or a CSP violation."""
    context = _open_context(browser, base_url, viewport=DESKTOP)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    yield page
    context.close()
    if problems:
        pytest.fail("the browser reported problems:\n" + "\n".join(problems))


@pytest.fixture
def page_at(browser, base_url):
    """A page at desktop or phone width, on the made-up archive or another address, where
    axe-core can be injected (the app's CSP forbids inline scripts)."""
    contexts = []

    def open_page(width: str, url: str = base_url):
        viewport = {"desktop": DESKTOP, "phone": PHONE}[width]
        contexts.append(_open_context(browser, url, viewport=viewport, bypass_csp=True))
        return contexts[-1].new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page_without_js(browser, base_url):
    context = _open_context(browser, base_url, viewport=PHONE, java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.fixture
def screenshot(browser, base_url):
    """Save screenshots of a URL at phone and desktop widths into screenshots/ (the whole page,
    or only the window, e.g. to show where a link lands)."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(url: str, name: str, full_page: bool = True) -> list[Path]:
        paths = []
        for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            context = _open_context(browser, base_url, viewport=viewport)
            page = context.new_page()
            page.goto(url)
            page.wait_for_load_state("load")
            path = SCREENSHOTS / f"{name}-{label}.png"
            page.screenshot(path=str(path), full_page=full_page)
            context.close()
            paths.append(path)
        return paths

    return take


@pytest.fixture(scope="session")
def axe_source() -> Path:
    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE.relative_to(PROJECT)}): run `make install`")
    return AXE
