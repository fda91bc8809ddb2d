"""A member's own link in a real browser: they rate at home, the room's screen sees it.

One server with members' links (``present --ip 0.0.0.0`` does this; here on 127.0.0.1 with a
token), its schedule moved to 2030 so meeting 2's homework is due now.
"""

from __future__ import annotations

import time

import pytest

from successgaps_lib import workbook as wbk
from successgaps_lib.store import Store
from tests.browser.conftest import ARTIFACTS, SCREENSHOTS, start_server, stop_server
from tests.browser.test_dashboards import ERROR_TEXT, _cell, _rate_first_indicator, wait_for_text
from tests.demo_copy import copy_demo_workbook
from tests.test_homework_links import later_years

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("links")
    workbook = copy_demo_workbook(folder, edit=later_years)
    srv = start_server(workbook, folder / "runtime", ARTIFACTS / "test_member_links-voila.log",
                       token="facilitator-" + "t" * 20, member_links=True, first_meeting=2, pool_size=0,
                       next_pool_size=1)
    yield srv
    stop_server(srv.process)


def test_a_member_rates_through_their_link_and_the_room_sees_it(server, new_context):
    member = wbk.load(server.workbook, check_files=False).team[2].name
    page = new_context().page()
    page.goto(server.launch.member_url(member, server.launch.base_url))
    page.wait_for_selector(".sg-dashboard")
    wait_for_text(page.locator(".sg-dashboard"), f"Your ratings, {member}")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "member-link.png"), full_page=False)
    assert not ERROR_TEXT.search(page.locator("body").inner_text())
    indicator, level = _rate_first_indicator(page, server.workbook, member)
    with Store.open(server.workbook) as store:
        last = store.history("ratings", f"{member} | {indicator}").iloc[-1]
    assert (last["who"], last["route"], last["new"]) == (member, "link", level)

    # the facilitator's consensus view shows it, as it shows every route's ratings
    room = new_context().page()
    room.goto(server.url("meeting_2.ipynb"))
    room.wait_for_selector(".sg-dashboard")
    deadline = time.monotonic() + 20
    while _cell(room, member, indicator) != level and time.monotonic() < deadline:
        time.sleep(0.3)
    assert _cell(room, member, indicator) == level

    # the member's browser opens nothing else
    response = page.goto(server.launch.base_url + "voila/render/meeting_2.ipynb")
    assert "/login" in page.url or response.status in (403, 404)
    assert page.locator(".sg-dashboard").count() == 0
