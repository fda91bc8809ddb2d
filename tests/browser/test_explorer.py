"""The interactive explorer in Voila, in a real browser: offline, linked both ways, private.

Voila, with our template (``present.serve_notebook``: Voila's own links Font Awesome from a
CDN), serves a notebook that shows ``explore(demo workbook)`` to Debian's Chromium. A change of
a drop-down redraws the chart, a click on a school in the chart moves the drop-down, and
nothing leaves 127.0.0.1 (the ``new_context`` fixture fails the test on any such request).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import pytest

from successgaps_lib import present

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CELL = ("from successgaps_lib.interactive import explore\n"
        "from successgaps_lib.paths import DEMO_WORKBOOK\n"
        "explore(DEMO_WORKBOOK)")


@pytest.fixture(scope="module")
def explorer_url(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("explorer")
    serving = present.serve_notebook([CELL], folder)
    log = (folder / "voila.log").open("w")
    server = subprocess.Popen(serving.argv, cwd=folder, stdout=log, stderr=subprocess.STDOUT, env=serving.env)
    url = serving.url
    try:
        present.wait_until_answering(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _svg_text(page) -> str:
    return page.locator(".sg-explorer .vega-embed svg").first.inner_html()


def _wait_changed(page, before: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = _svg_text(page)
        if now != before:
            return now
        time.sleep(0.1)
    raise AssertionError("the chart did not change")


def test_the_explorer_redraws_and_follows_clicks_offline(explorer_url, new_context):
    page = new_context().page()
    page.goto(explorer_url)
    page.wait_for_selector(".sg-explorer .vega-embed svg")
    selects = page.locator(".sg-explorer select")
    _outcome, group, place, year = (selects.nth(i) for i in range(4))

    before = _svg_text(page)
    year.select_option(index=1)  # a year: a param update in the page, no new chart
    _wait_changed(page, before)

    before = _svg_text(page)
    group.select_option(label="Students with disabilities")  # a group: new data in the same chart
    after = _wait_changed(page, before)
    assert "Students with disabilities" in after

    # a click on a school's bar in the second view moves the Place drop-down to that school
    assert place.evaluate("el => el.selectedIndex") == 0
    bars = page.locator(".sg-explorer .vega-embed svg path[aria-roledescription='bar']")
    if bars.count() == 0:  # older Vega: bars are plain paths of the 'mark-rect' group
        bars = page.locator(".sg-explorer .vega-embed svg .mark-rect path")
    assert bars.count() > 1, "the by-place view draws a bar per place"
    bars.nth(bars.count() - 1).click(force=True)
    deadline = time.monotonic() + 20
    while place.evaluate("el => el.selectedIndex") == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert place.evaluate("el => el.selectedIndex") != 0, "a click on a school moves the drop-down"
    assert "Traceback" not in page.content()
