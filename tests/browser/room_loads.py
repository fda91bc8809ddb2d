"""A room's use of the dashboards, replayed: many loads, reloads and closed tabs from several screens.

Shared by the browser test (tests/browser/test_room.py, which asserts the bounds) and the
benchmark (bench/bench_room.py, which prints the figures). Nothing here asserts.

One *load* is a ``goto`` of a dashboard or a reload, timed from the request to the dashboard
drawn by its widgets (``.sg-dashboard`` visible: connected to its kernel, taking input).
Between loads, screens also close their tab (with the page's unload handlers run, as a
browser does) and open a new one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import psutil

VIEWPORT = {"width": 1280, "height": 720}
READY = ".sg-dashboard"


def server_memory(pid: int) -> tuple[float, int]:
    """Resident memory of the server and all its kernels (MB), and how many kernels run."""
    server = psutil.Process(pid)
    processes = [server, *server.children(recursive=True)]
    total, kernels = 0, 0
    for p in processes:
        try:
            total += p.memory_info().rss
            kernels += "ipykernel" in " ".join(p.cmdline())
        except psutil.NoSuchProcess:
            pass
    return total / 2**20, kernels


def wait_for(condition, timeout: float, step: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


@dataclass
class Screen:
    """One browser context (a member's laptop, the room's screen) and its open tab."""

    context: object
    outside: list[str] = field(default_factory=list)
    page: object = None
    loads: int = 0


def open_screens(browser, n: int) -> list[Screen]:
    screens = []
    for _ in range(n):
        context = browser.new_context(viewport=VIEWPORT)
        screen = Screen(context)

        def route(route, screen=screen):
            url = route.request.url
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob", "about") or parts.hostname == "127.0.0.1":
                route.continue_()
            else:
                screen.outside.append(url)
                route.abort()

        context.route("**/*", route)
        screens.append(screen)
    return screens


def timed(action, page) -> float:
    started = time.monotonic()
    action()
    page.wait_for_selector(READY, state="visible", timeout=120_000)
    return time.monotonic() - started


def visit(screen: Screen, url: str) -> float:
    if screen.page is None:
        screen.page = screen.context.new_page()
    screen.loads += 1
    page = screen.page
    return timed(lambda: page.goto(url, wait_until="commit"), page)


def reload(screen: Screen) -> float:
    screen.loads += 1
    page = screen.page
    return timed(lambda: page.reload(wait_until="commit"), page)


def close_tab(screen: Screen) -> None:
    if screen.page is not None:
        screen.page.close(run_before_unload=True)  # a closed tab runs the page's unload handlers
        screen.page = None


def replay(screens: list[Screen], urls: list[str], loads: int = 40) -> list[float]:
    """``loads`` loads round-robin over the screens: open, reload, go to another meeting, close
    the tab and open a new one; returns every load's seconds to a usable dashboard."""
    times: list[float] = []
    step = 0
    while len(times) < loads:
        screen = screens[step % len(screens)]
        turn = step // len(screens)
        url = urls[(step + turn) % len(urls)]
        if screen.page is None:
            times.append(visit(screen, url))
        elif turn % 3 == 1:
            times.append(reload(screen))
        elif turn % 3 == 2:
            times.append(visit(screen, url))  # navigating away unloads the page before
        else:
            close_tab(screen)
            times.append(visit(screen, url))
        step += 1
    return times
