"""The meeting dashboards in a real browser: they load clean, draw, save and stay in step.

One Voila server (``successgaps present`` settings, preheated kernels) serves a temporary
copy of the demo workbook to Debian's Chromium. Screenshots of every dashboard are kept in
test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from successgaps_lib.groups import RATING_SCALE
from successgaps_lib.store import Store

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Text that must never reach a page: tracebacks, Voila's error notes, our own problem notes.
ERROR_TEXT = re.compile(r"Traceback|Exception|Error:|Error displaying|There was an error|error when executing|"
                        r"cannot be shown|Not saved|ModuleNotFound|KeyError|NameError")

MEETINGS = range(1, 8)


def open_dashboard(page, server, number: int):
    page.goto(server.url(f"meeting_{number}.ipynb"))
    page.wait_for_selector(".sg-dashboard")
    return page


def show_tab(page, title: str):
    page.locator(".sg-tabs .lm-TabBar-tab", has_text=title).click()
    page.wait_for_timeout(200)  # the panel switch is synchronous; let layout settle


def dropdown(page, label: str):
    """The visible <select> of the ipywidgets Dropdown described by ``label``."""
    return page.locator(".widget-dropdown:visible", has=page.locator("label", has_text=label)).locator("select")


def wait_for_text(locator, text: str, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in locator.inner_text():
            return
        time.sleep(0.2)
    raise AssertionError(f"{text!r} did not appear in {locator}: {locator.inner_text()[:300]!r}")


# --- Every dashboard ---------------------------------------------------------------------------

@pytest.mark.parametrize("number", MEETINGS)
def test_every_dashboard_loads_clean(server, new_context, number):
    watched = new_context()
    page = open_dashboard(watched.page(), server, number)
    page.wait_for_timeout(500)
    text = page.inner_text("body")
    assert not ERROR_TEXT.search(text), ERROR_TEXT.search(text)[0]
    assert page.locator(".sg-problem").count() == 0
    assert f"Meeting {number}: " in text and "Riverside Unified (demo)" in text
    # the navigation reaches every other meeting
    links = page.locator(".sg-nav a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert links == [f"meeting_{n}.ipynb" for n in MEETINGS if n != number]
    source = page.content()
    # no code cells: neither the call nor the parameter cell reaches the page
    assert "from successgaps_lib.dashboard import" not in source and f"meeting = {number}" not in source
    assert "cdn." not in source and "fonts.googleapis" not in source
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"meeting_{number}.png"), full_page=True)
    assert watched.requests  # the fixture checked each of them
    # the first visit found a kernel that had already run the dashboard
    assert re.search(rf"Using pre-heated kernel: \S+ for meeting_{number}\.ipynb", server.log.read_text())


def test_navigation_moves_between_meetings(server, new_context):
    page = open_dashboard(new_context().page(), server, 5)
    page.locator(".sg-nav a", has_text="6 · Action plan").click()
    page.wait_for_url(re.compile(r"/voila/render/meeting_6\.ipynb"))
    page.wait_for_selector(".sg-dashboard")
    assert "Meeting 6: Action plan" in page.inner_text(".sg-header")
    assert page.locator(".sg-nav .sg-current").inner_text().startswith("6 ")


def test_the_list_of_dashboards_stays_local(server, new_context):
    page = new_context().page()
    page.goto(server.url())
    page.wait_for_load_state("networkidle")
    assert "cdn." not in page.content()
    # our index (meeting_index) lists the meetings by number and title, never as file names
    for number in MEETINGS:
        page.locator(".sg-meeting", has_text=f"Meeting {number}:").first.wait_for()
    body = page.inner_text("body")
    assert ".ipynb" not in body  # which meeting is next: tests/test_meeting_index.py (the demo's are all held)
    assert "workbook.yml" not in body and ".sqlite" not in body
    page.locator(".sg-meeting a").first.click()  # the next meeting first: it opens its dashboard
    page.wait_for_selector(".sg-dashboard")


def test_the_data_and_the_store_are_not_served(server, new_context):
    page = new_context().page()
    for path in ("voila/files/workbook.yml", "voila/files/team_work.sqlite", "voila/files/../workbook/workbook.yml",
                 "voila/render/../workbook/workbook.yml", "voila/files/meeting_1.ipynb",
                 "voila/templates/successgaps/../../config/voila.json"):
        response = page.goto(server.url() + path)
        assert response.status in (403, 404), (path, response.status)


# --- The live chart ------------------------------------------------------------------------------

def test_chart_is_drawn_and_follows_the_choices(server, new_context):
    page = open_dashboard(new_context().page(), server, 1)  # it opens on the purpose and agenda
    show_tab(page, "The gap")
    chart = page.locator(".sg-explorer svg.marks").first
    chart.wait_for()
    assert page.locator(".sg-explorer svg.marks .mark-symbol path, .sg-explorer svg.marks .mark-rule line").count() > 0
    explorer = page.locator(".sg-explorer").first
    assert "Students with disabilities" in explorer.inner_text()

    # tooltips give the group sizes
    tooltip = page.locator("#vg-tooltip-element")
    for mark in page.locator(".sg-explorer svg.marks .mark-symbol path").all():
        mark.hover(force=True)
        if tooltip.is_visible() and "Children in the group (n)" in tooltip.inner_text():
            break
    else:
        pytest.fail("no tooltip with the group size")

    # another group, outcome and school: the chart is drawn again for them
    dropdown(page, "Group").select_option(label="Hispanic/Latino")
    wait_for_text(explorer, "Hispanic/Latino")
    dropdown(page, "Outcome").select_option(label="Chronic absence")
    wait_for_text(explorer, "Chronic absence")
    school = dropdown(page, "School")
    name = school.locator("option").nth(1).inner_text()
    school.select_option(label=name)
    wait_for_text(explorer, name)
    page.locator(".sg-explorer .widget-toggle-button", has_text="Over the years").click()
    page.wait_for_timeout(1000)
    assert page.locator(".sg-explorer svg.marks").count() >= 1
    assert not ERROR_TEXT.search(page.inner_text("body"))


# --- On a projector ------------------------------------------------------------------------------

def test_the_action_plan_is_readable_at_1280x720(server, new_context):
    """No input clips what it holds (names, resources, measures) on a 1280x720 projector."""
    watched = new_context()
    page = watched.page()
    page.set_viewport_size({"width": 1280, "height": 720})
    open_dashboard(page, server, 6)
    show_tab(page, "Action plan")
    page.wait_for_selector(".widget-text input:visible")
    clipped = page.evaluate("""() => [...document.querySelectorAll('input[type=text], .widget-combobox input')]
        .filter(e => e.offsetParent !== null && e.value)
        .filter(e => e.scrollWidth > e.clientWidth + 1 || e.clientWidth < 140)
        .map(e => [e.value, e.clientWidth, e.scrollWidth])""")
    assert clipped == []
    filled = page.evaluate("""() => [...document.querySelectorAll('input[type=text]')]
        .filter(e => e.offsetParent !== null && e.value).length""")
    assert filled >= 5  # the demo plan's people, resources and measures were all looked at
    assert page.locator("select[multiple]:visible").count() == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "meeting_6_1280x720.png"), full_page=True)


# --- Answers go to the store, and every screen sees them ---------------------------------------

def _rating_rows(page):
    """(indicator id, its radio group) for each visible rating row."""
    rows = []
    for radio in page.locator(".widget-radio-box:visible").all():
        row = radio.locator("xpath=ancestor::div[contains(@class, 'widget-vbox')][1]")
        rows.append((row.locator("b").first.inner_text().strip(), radio))
    return rows


def _choose(radio, level: str):
    radio.locator("label", has_text=re.compile(rf"^{re.escape(level)}$")).locator("input").check()


def _other_level(current: str) -> str:
    return RATING_SCALE[0] if current == RATING_SCALE[-1] else RATING_SCALE[-1]


def _rate_first_indicator(page, workbook, member: str) -> tuple[str, str]:
    """Give the page's first rating row another level than the store holds; wait until it is saved."""
    indicator, radio = _rating_rows(page)[0]
    with Store.open(workbook) as store:
        before = store.ratings(member).set_index("indicator")["rating"].get(indicator, "")
    level = _other_level(before)
    _choose(radio, level)
    wait_for_text(page.locator(".sg-dashboard"), "Saved at")
    return indicator, level


def _cell(page, member: str, indicator: str) -> str:
    """The side-by-side grid's cell for one member and indicator (facilitator view)."""
    return page.evaluate("""([member, indicator]) => {
        for (const table of document.querySelectorAll('table')) {
            if (table.offsetParent === null) continue;
            const heads = [...table.querySelectorAll('thead th')].map(th => th.textContent.trim());
            const col = heads.indexOf(member);
            if (col < 0 || !heads.includes('Consensus')) continue;
            for (const tr of table.querySelectorAll('tbody tr')) {
                const cells = [...tr.children].map(td => td.textContent.trim());
                if (cells.includes(indicator)) return cells[col];
            }
        }
        return null;
    }""", [member, indicator])


def test_a_rating_survives_a_reload_and_shows_on_another_screen(server, new_context):
    member = "Priya Raman"
    facilitator = open_dashboard(new_context().page(), server, 2)  # the room's screen: consensus tab
    page = open_dashboard(new_context().page(), server, 2)  # a member's laptop
    show_tab(page, "Members' ratings")
    dropdown(page, "Your name").select_option(label=member)
    page.wait_for_timeout(500)
    indicator, level = _rate_first_indicator(page, server.workbook, member)

    # the room's screen picks it up without anyone pressing anything
    deadline = time.monotonic() + 20
    while _cell(facilitator, member, indicator) != level and time.monotonic() < deadline:
        time.sleep(0.3)
    assert _cell(facilitator, member, indicator) == level

    # and after a reload (a new kernel) it is still there
    page.reload()
    page.wait_for_selector(".sg-dashboard")
    show_tab(page, "Members' ratings")
    dropdown(page, "Your name").select_option(label=member)
    page.wait_for_timeout(500)
    again = dict(_rating_rows(page))[indicator]
    checked = again.locator("input:checked").evaluate("e => e.parentElement.textContent.trim()")
    assert checked == level


def test_text_typed_is_kept_when_the_browser_is_closed_without_leaving_the_box(server, new_context):
    member = "Marcus Lee"
    watched = new_context()
    page = open_dashboard(watched.page(), server, 4)
    show_tab(page, "Members' ratings")
    dropdown(page, "Your name").select_option(label=member)
    page.wait_for_timeout(500)
    indicator, _ = _rating_rows(page)[0]
    box = page.locator("textarea:visible[placeholder^='Evidence']").first
    text = f"Typed, never left the box {time.monotonic_ns()}"
    box.click()
    box.fill("")
    page.keyboard.type(text)
    page.wait_for_timeout(1000)  # a moment later the laptop lid closes: no blur, no click elsewhere
    watched.context.close()

    deadline = time.monotonic() + 20
    while True:
        with Store.open(server.workbook) as store:
            saved = store.ratings(member).set_index("indicator")["evidence"].get(indicator, "")
        if saved == text or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert saved == text


def test_two_screens_entering_at_once_lose_nothing(server, new_context):
    members = ("Tom Becker", "Angela Brooks")
    pages = []
    for member in members:
        page = open_dashboard(new_context().page(), server, 3)
        show_tab(page, "Members' ratings")
        dropdown(page, "Your name").select_option(label=member)
        pages.append(page)
    for page in pages:
        page.wait_for_timeout(500)
    rows = [_rating_rows(page) for page in pages]
    assert [i for i, _ in rows[0]] == [i for i, _ in rows[1]] and len(rows[0]) >= 2
    with Store.open(server.workbook) as store:
        before = {m: store.ratings(m).set_index("indicator")["rating"].to_dict() for m in members}
    wanted = {(m, i): _other_level(before[m].get(i, "")) for m in members for i, _ in rows[0]}

    # interleaved, without waiting: both kernels write to the store at the same time
    for k in range(len(rows[0])):
        for m, member in enumerate(members):
            indicator, radio = rows[m][k]
            _choose(radio, wanted[(member, indicator)])

    deadline = time.monotonic() + 30
    while True:
        with Store.open(server.workbook) as store:
            saved = {(m, i): store.ratings(m).set_index("indicator")["rating"].get(i, "") for m, i in wanted}
        if saved == wanted or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert saved == wanted
    for page in pages:
        assert "Not saved" not in page.inner_text(".sg-dashboard")
