"""A real Voila server on a free 127.0.0.1 port, and Debian's Chromium driven by Playwright.

One server per test module (it takes a while to heat its kernels), serving a temporary
copy of the demo workbook. Every page is watched: a request to anything but the server is
blocked and recorded, and the test fails on it. The server's log is kept next to the
screenshots, under test-artifacts/.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from successgaps_lib import present
from tests.demo_copy import copy_demo_workbook

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1"}
LOCAL_SCHEMES = {"blob", "data", "about"}  # made inside the page, never sent anywhere
VIEWPORT = {"width": 1366, "height": 900}  # a common projector resolution


@dataclass
class Server:
    launch: present.Launch
    process: subprocess.Popen
    workbook: Path
    log: Path
    ready_after: float  # seconds from start until every heated kernel had built its dashboard

    def url(self, dashboard: str | None = None) -> str:
        return self.launch.url(dashboard)


def start_server(workbook: Path, runtime: Path, log: Path, **options) -> Server:
    settings = present.with_free_port(present.Settings(workbook=workbook, open_browser=False, **options))
    launch = present.build(settings, runtime)
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log.open("w") as out:
        process = subprocess.Popen(launch.argv, env=launch.env, stdout=out, stderr=subprocess.STDOUT)
    try:
        present.wait_until_up(launch, process, timeout=240)
    except BaseException:
        stop_server(process)
        raise
    return Server(launch, process, workbook, log, time.monotonic() - started)


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory, request) -> Iterator[Server]:
    """Meeting 2 is "the next meeting": two heated kernels (two browser contexts use it)."""
    folder = tmp_path_factory.mktemp("present")
    workbook = copy_demo_workbook(folder)
    log = ARTIFACTS / f"{request.module.__name__.rsplit('.', 1)[-1]}-voila.log"
    srv = start_server(workbook, folder / "runtime", log, first_meeting=2, pool_size=1, next_pool_size=2)
    yield srv
    stop_server(srv.process)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is missing (`make setup` installs Debian's chromium as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Watched:
    """A browser context whose requests are all checked."""

    context: object
    outside: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def page(self):
        page = self.context.new_page()
        page.set_default_timeout(60_000)
        # WebSockets bypass routing: check them too (the kernel's must go to the server)
        page.on("websocket", lambda ws: None if is_local(ws.url) else self.outside.append(ws.url))
        return page


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or (parts.scheme in ("http", "https", "ws", "wss")
                                             and parts.hostname in LOCAL_HOSTS)


@pytest.fixture
def new_context(browser):
    """Open watched browser contexts; at the end, fail if any request left 127.0.0.1."""
    opened: list[Watched] = []

    def open_context() -> Watched:
        context = browser.new_context(viewport=VIEWPORT)
        watched = Watched(context)

        def route(route):
            url = route.request.url
            watched.requests.append(url)
            if is_local(url):
                route.continue_()
            else:
                watched.outside.append(url)
                route.abort()  # blocked: the test must not reach the internet either way

        context.route("**/*", route)
        context.on("request", lambda r: None if is_local(r.url) else watched.outside.append(r.url))
        opened.append(watched)
        return watched

    yield open_context
    outside = sorted({u for w in opened for u in w.outside})
    for w in opened:
        w.context.close()
    assert outside == [], f"requests left 127.0.0.1: {outside}"
