"""Benchmark: how soon a meeting dashboard is usable after it is opened, preheated or not.

Usage: ``python bench/bench_startup.py [--visits N]`` (needs Debian's chromium).

The demo workbook is served twice by ``successgaps present``'s own settings, to Chromium driven
by Playwright:

- **preheated**: a kernel that has already run each dashboard waits in Voila's pool (the
  default); the clock starts once the server says it is ready (every pool filled);
- **not preheated**: each dashboard's kernel starts when the page is opened (``--no-preheat``).

A visit is timed from ``page.goto`` to the dashboard drawn by its widgets (``.sg-dashboard``
visible: the page is connected to its kernel and takes input). Each visit opens a dashboard
not yet opened in that mode, so every preheated visit finds a heated kernel; after a visit
the benchmark waits for the pool to be refilled (and the CPU to settle) before the next one.
*Cold* visits use a new browser context (nothing cached, as on a member's laptop the first
time); *warm* visits a context that has already loaded one dashboard (the room's screen).
The goal is 3 s, preheated. Medians are printed, then one ratio line.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from successgaps_lib import present  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
GOAL_S = 3.0


def copy_demo(folder: Path) -> Path:
    shutil.copytree(ROOT / "data" / "demo" / "workbook", folder / "workbook")
    (folder / "students.csv").symlink_to(ROOT / "data" / "demo" / "students.csv")
    return folder / "workbook"


def settle(launch: present.Launch, heated_before: int, seconds: float = 2.0, timeout: float = 90.0) -> None:
    """Wait until the pool is full again (a refill kernel has built its dashboard), then a bit."""
    deadline = time.monotonic() + timeout
    while launch.pools and present.heated(launch) < heated_before + 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(seconds)


def visit(context, url: str) -> float:
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=120_000)
    page.wait_for_selector(".sg-dashboard", state="visible", timeout=120_000)
    elapsed = time.perf_counter() - start
    page.close()
    return elapsed


def measure(browser, workbook: Path, preheat: bool, meetings: list[int]) -> dict:
    runtime = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    settings = present.with_free_port(present.Settings(
        workbook=workbook, preheat=preheat, pool_size=1, next_pool_size=1, first_meeting=meetings[0],
        open_browser=False))
    launch = present.build(settings, runtime)
    started = time.perf_counter()
    process = subprocess.Popen(launch.argv, env=launch.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        present.wait_until_up(launch, process, timeout=300)
        ready = time.perf_counter() - started
        time.sleep(3)  # let the server finish what it started
        def timed(context, number: int) -> float:
            before = present.heated(launch)
            elapsed = visit(context, launch.url(present.dashboard_name(number)))
            settle(launch, before)
            return elapsed

        warm_context = browser.new_context()
        timed(warm_context, 1)  # the room's screen has shown a dashboard before: its cache is filled
        cold, warm = [], []
        for number, kind in zip(meetings, ["cold", "warm"] * len(meetings), strict=False):
            if kind == "cold":
                context = browser.new_context()
                cold.append(timed(context, number))
                context.close()
            else:
                warm.append(timed(warm_context, number))
        warm_context.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(runtime, ignore_errors=True)
    return {"ready": ready, "cold": cold, "warm": warm, "kernels": sum(launch.pools.values())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=6, help="dashboards opened per mode (at most 6; default 6)")
    args = parser.parse_args(argv)
    meetings = [2, 3, 4, 5, 6, 7][: max(2, min(args.visits, 6))]

    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="bench-startup-wb-"))
    try:
        workbook = copy_demo(folder)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            results = {mode: measure(browser, workbook, mode == "preheated", meetings)
                       for mode in ("preheated", "not preheated")}
            browser.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print(f"dashboard start-up, page open -> usable (median of {len(meetings)} visits per mode, "
          f"half with a cold browser cache):")
    medians = {}
    for mode, r in results.items():
        every = r["cold"] + r["warm"]
        medians[mode] = statistics.median(every)
        print(f"  {mode:14} median {medians[mode]:.2f} s (cold cache {statistics.median(r['cold']):.2f} s, "
              f"warm {statistics.median(r['warm']):.2f} s; slowest {max(every):.2f} s); "
              f"server ready after {r['ready']:.1f} s ({r['kernels']} heated kernels)")
    preheated, cold_start = medians["preheated"], medians["not preheated"]
    print(f"goal: usable within {GOAL_S:.0f} s once the server is ready: "
          f"{'met' if max(results['preheated']['cold'] + results['preheated']['warm']) <= GOAL_S else 'MISSED'}")
    print(f"startup: preheated {preheated:.2f} s vs {cold_start:.2f} s without, "
          f"{cold_start / preheated:.1f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
