"""A room, not a demo: 40 loads and reloads from 4 screens, and the server's bounds hold.

The server serves meetings 1 to 4 (meeting 2 is "next": two heated kernels, the others one).
Four browser contexts open, reload, move between and close dashboards, 40 loads in all. Then:

- the kernels running are no more than the pool plus the pages still open (each closed or
  reloaded page shut its kernel down), and, once every tab is closed, no more than the pool;
- the resident memory of the server and its kernels is back within 20% of its level after
  start-up (it does not grow with every visit);
- the server's log has no refused shutdown, no "not trusted" and no "encryption" warning.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.browser import room_loads
from tests.browser.conftest import ARTIFACTS, start_server, stop_server
from tests.demo_copy import copy_demo_workbook

# Nine minutes of a room's traffic: run by `make test-room`, not by `make test` (see pyproject's addopts).
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.room]

LOADS = 40
SCREENS = 4
MEETINGS = (1, 2, 3, 4)
ALARMING = re.compile(r"_xsrf|not trusted|encryption|Traceback|Room full")


def only_meetings_1_to_4(text: str) -> str:
    return text[:text.index("  - number: 5")]


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    folder = tmp_path_factory.mktemp("room")
    workbook = copy_demo_workbook(folder, edit=only_meetings_1_to_4)
    srv = start_server(workbook, folder / "runtime", ARTIFACTS / "test_room-voila.log",
                       first_meeting=2, pool_size=1, next_pool_size=2)
    yield srv
    stop_server(srv.process)


def test_forty_loads_from_four_screens_stay_within_the_pool_plus_open_pages(room, browser):
    pool = sum(room.launch.pools.values())
    assert pool == 5
    pid = room.process.pid
    assert room_loads.wait_for(lambda: room_loads.server_memory(pid)[1] == pool, 60)
    time.sleep(3)  # heated kernels have run their dashboard (wait_until_up); let them settle
    baseline_mb, _ = room_loads.server_memory(pid)

    screens = room_loads.open_screens(browser, SCREENS)
    try:
        urls = [room.url(f"meeting_{n}.ipynb") for n in MEETINGS]
        times = room_loads.replay(screens, urls, LOADS)
        assert len(times) == LOADS and sum(s.loads for s in screens) == LOADS
        open_pages = sum(s.page is not None for s in screens)
        assert open_pages == SCREENS
        # every page unloaded along the way has shut its kernel down (the beacons are async)
        assert room_loads.wait_for(lambda: room_loads.server_memory(pid)[1] <= pool + open_pages, 60), \
            f"{room_loads.server_memory(pid)[1]} kernels for a pool of {pool} and {open_pages} open pages"

        for screen in screens:
            room_loads.close_tab(screen)
        assert room_loads.wait_for(lambda: room_loads.server_memory(pid)[1] <= pool, 60), \
            f"{room_loads.server_memory(pid)[1]} kernels left for a pool of {pool}, every tab closed"
        # back to the level after start-up: the pools refilled, nothing else kept
        assert room_loads.wait_for(lambda: room_loads.server_memory(pid)[0] <= 1.2 * baseline_mb, 90, step=2), \
            f"{room_loads.server_memory(pid)[0]:.0f} MB after {LOADS} loads, {baseline_mb:.0f} MB after start-up"
    finally:
        for screen in screens:
            screen.context.close()
    assert [u for s in screens for u in s.outside] == []

    log = room.log.read_text()
    shut = set(re.findall(r"Kernel shutdown: (\S+)", log))
    assert len(shut) >= LOADS  # each load took a kernel, and each tab, now closed, ended its own
    assert not ALARMING.search(log), ALARMING.search(log)[0]
