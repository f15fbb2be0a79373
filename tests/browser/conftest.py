"""Fixtures for the browser test: a live dashboard server and a headless Chromium page.

The server runs `streamlit run dashboard/app.py` in its own process group against a temporary
workspace ($BRAID_HOME); teardown cancels every job it left running and kills the group. The
browser is the system Chromium (Debian's /usr/bin/chromium, see scripts/install_browser.sh)
driven by the `playwright` package; `playwright install` is never needed.
"""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "dashboard" / "app.py"
CHROMIUM = Path(os.environ.get("BRAID_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI containers run as root, where the sandbox refuses to start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
SCREENSHOTS = REPO / "assets" / "screenshots"
START_TIMEOUT = 90.0  # seconds for the server to answer /_stcore/health
MAX_PNG_BYTES = 300_000


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    """Poll the health endpoint until it says ok; fail with the server log otherwise."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"streamlit did not start in {START_TIMEOUT:.0f} s:\n{log.read_text()}")


def stop_group(process: subprocess.Popen) -> None:
    """SIGTERM the server's process group, then SIGKILL after a grace period."""
    for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=grace)
            break
        except subprocess.TimeoutExpired:
            continue


def cancel_jobs(root: Path) -> None:
    """Cancel every run of the workspace that is not finished (jobs are their own groups)."""
    from braid_core import jobs
    from braid_core.runs import FINISHED, Workspace

    workspace = Workspace(root)
    for record in workspace.list_runs():
        if record.status not in FINISHED:
            jobs.cancel(workspace, record.id)


@pytest.fixture(scope="module")
def playwright_api():
    """The sync Playwright entry point, or a skip saying what is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: run scripts/install_browser.sh")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is missing (requirements-dev.txt)"
    )
    with sync_api.sync_playwright() as api:
        yield api


@pytest.fixture(scope="module")
def workspace_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("browser-workspace")


@pytest.fixture(scope="module")
def server(playwright_api, workspace_root: Path) -> Iterator[str]:
    """Base URL of a dashboard server on a free loopback port, stopped (with its jobs) after."""
    port = free_port()
    log = workspace_root.parent / f"streamlit-{port}.log"
    env = {**os.environ, "BRAID_HOME": str(workspace_root), "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless=true", "--server.address=127.0.0.1", f"--server.port={port}",
        "--browser.gatherUsageStats=false", "--server.fileWatcherType=none",
    ]  # fmt: skip
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, log)
        yield url
    finally:
        try:
            cancel_jobs(workspace_root)
        finally:
            stop_group(process)


@pytest.fixture(scope="module")
def browser(playwright_api):
    browser = playwright_api.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.browser_failed = report.failed  # read by the `page` fixture's teardown


@pytest.fixture
def page(request: pytest.FixtureRequest, browser, server: str, workspace_root: Path):
    """A fresh browser context (own session) at 1280x800, downloads accepted.

    When the test fails, a screenshot and the page's text go next to the workspace.
    """
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, base_url=server)
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    if getattr(request.node, "browser_failed", False):
        stem = workspace_root.parent / f"failed-{request.node.name}"
        page.screenshot(path=f"{stem}.png")
        Path(f"{stem}.txt").write_text(page.inner_text("body"))
        print(f"browser state at failure: {stem}.png, {stem}.txt")
    context.close()


def _save_png(png: bytes, path: Path) -> None:
    """Write a screenshot, palette-quantised if that is what keeps it under MAX_PNG_BYTES."""
    if len(png) > MAX_PNG_BYTES:
        try:
            from PIL import Image

            image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256)
            buffer = io.BytesIO()
            image.save(buffer, format="PNG", optimize=True)
            png = buffer.getvalue()
        except ImportError:
            pass
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)


@pytest.fixture
def screenshot() -> Callable[[object, str], None]:
    """`screenshot(page, name)` saves assets/screenshots/<name>.png when BRAID_SCREENSHOTS=1."""
    enabled = os.environ.get("BRAID_SCREENSHOTS") == "1"

    def take(page, name: str) -> None:
        if enabled:
            page.wait_for_timeout(600)  # let charts finish their transitions
            _save_png(page.screenshot(full_page=False), SCREENSHOTS / f"{name}.png")

    return take
