"""A member's own link: it opens their rating page of the current homework and nothing else.

One real server (no preheated kernels) checks who can open what over HTTP; the page itself is
checked in the kernel's place, in-process (a rating goes into the store with route 'link').
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import subprocess
import urllib.error
import urllib.request

import pytest

from successgaps_lib import homework, present, room
from successgaps_lib import workbook as wbk
from successgaps_lib.homework import links, view
from successgaps_lib.store import Store
from tests.demo_copy import copy_demo_workbook


def later_years(text: str) -> str:
    """The demo's schedule moved to 2030-31, so meeting 2's homework is due now."""
    return text.replace("date: 2025-", "date: 2030-").replace("date: 2026-", "date: 2031-")


@pytest.fixture
def workbook(tmp_path):
    return copy_demo_workbook(tmp_path, edit=later_years)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Keeps cookies like a browser; follows redirects only when asked; never asks a proxy."""

    def __init__(self, launch):
        self.launch = launch
        self.jar = http.cookiejar.CookieJar()
        cookies = urllib.request.HTTPCookieProcessor(self.jar)
        self.following = urllib.request.build_opener(urllib.request.ProxyHandler({}), cookies)
        self.staying = urllib.request.build_opener(urllib.request.ProxyHandler({}), cookies, NoRedirect)

    def get(self, path: str, *, follow: bool = False) -> tuple[int, str]:
        opener = self.following if follow else self.staying
        try:
            with opener.open(self.launch.base_url + path, timeout=180) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")


def kernel_id(page: str) -> str:
    return re.search(r'"kernelId": "([0-9a-f-]{36})"', page).group(1)


@pytest.mark.slow
def test_a_member_link_opens_that_members_page_only(workbook, tmp_path):
    token = "facilitator-" + "t" * 20
    settings = present.with_free_port(present.Settings(workbook=workbook, token=token, preheat=False,
                                                       open_browser=False, member_links=True))
    launch = present.build(settings, tmp_path / "rt")
    book = wbk.load(workbook, check_files=False)
    ana, bo = book.team[0].name, book.team[1].name
    assert set(launch.members) == {m.name for m in book.team}
    assert launch.members == links.member_secrets(workbook, list(launch.members))  # the printed ones
    log = tmp_path / "voila.log"
    with log.open("w") as out:
        process = subprocess.Popen(launch.argv, env=launch.env, stdout=out, stderr=subprocess.STDOUT)
    try:
        present.wait_until_up(launch, process, timeout=120)
        stranger = Browser(launch)
        code, page = stranger.get("homework/" + "x" * 32)
        assert code == 404 and room.NO_PAGE_TITLE in page
        for path in ("voila/render/meeting_2.ipynb", f"voila/render/{room.member_notebook(ana)}", ""):
            assert stranger.get(path)[0] in (302, 403), path  # no link, no page

        first = Browser(launch)
        code, _ = first.get(f"homework/{launch.members[ana]}")
        assert code == 302
        code, page = first.get(f"homework/{launch.members[ana]}", follow=True)
        assert code == 200, page[-2000:]
        own_kernel = kernel_id(page)
        assert first.get(f"api/kernels/{own_kernel}")[0] == 200  # the page's own kernel

        second = Browser(launch)
        code, page = second.get(f"homework/{launch.members[bo]}", follow=True)
        assert code == 200
        other_kernel = kernel_id(page)

        # Ana's browser reaches nothing of Bo's, and nothing of the facilitator's
        refused = [f"voila/render/{room.member_notebook(bo)}", "voila/render/meeting_2.ipynb",
                   "voila/render/meeting_1.ipynb", "", "voila/tree", "voila/api/contents",
                   f"api/kernels/{other_kernel}", f"api/kernels/{other_kernel}/channels", "api/kernels"]
        for path in refused:
            code, body = first.get(path)
            assert code in (302, 403, 404), (path, code)
            assert bo not in body and "meeting_2" not in body, path

        # the facilitator's token opens everything, members' pages included
        facilitator = Browser(launch)
        code, body = facilitator.get(f"voila/api/contents?token={token}")
        assert code == 200
        names = {item["name"] for item in json.loads(body)["content"]}
        assert {room.member_notebook(ana), room.member_notebook(bo), "meeting_2.ipynb"} <= names
    finally:
        present.stop_server(process)
    assert "not theirs: refused" in log.read_text()


def test_member_pages_are_written_signed_with_the_name_as_a_literal(workbook, tmp_path):
    import nbformat

    settings = present.Settings(workbook=workbook, token="a-long-enough-token", member_links=True)
    launch = present.build(settings, tmp_path / "rt")
    for name in launch.members:
        nb = nbformat.read(launch.served / room.member_notebook(name), as_version=4)
        params = [c.source for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert params == [f"member = {name!r}"]
    config = json.loads((launch.runtime / "config" / "voila.json").read_text())
    assert "execute_request" not in config["MappingKernelManager"]["allowed_message_types"]
    assert "comm_msg" in config["MappingKernelManager"]["allowed_message_types"]
    source = nbformat.read(present.LIVE_NOTEBOOKS / f"{present.MEMBER_NOTEBOOK}.ipynb", as_version=4)
    nbformat.validate(source)
    code = [c for c in source.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)  # committed without outputs
    assert len(code) <= 3 and any("member_page(member)" in c.source for c in code)  # a call, not logic
    loopback = present.build(present.Settings(workbook=workbook), tmp_path / "rt2")
    assert loopback.members == {} and not list(loopback.served.glob("homework_*"))


def test_the_cli_says_in_one_line_that_plain_http_can_be_read_and_takes_a_certificate(workbook, tmp_path, capsys):
    import argparse

    from successgaps_lib.cli import present as cli_present

    parser = argparse.ArgumentParser()
    cli_present.add_arguments(parser)
    cli_present.settings_from(parser.parse_args([str(workbook), "--ip", "0.0.0.0", "--token"]))
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "can read what is sent" in out[0] and "--certfile" in out[0]
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    cert.write_text("x")
    key.write_text("x")
    settings = cli_present.settings_from(parser.parse_args([str(workbook), "--ip", "0.0.0.0", "--token",
                                                            "--certfile", str(cert), "--keyfile", str(key)]))
    assert capsys.readouterr().out == "" and settings.scheme == "https"
    launch = present.build(settings, tmp_path / "rt")
    assert launch.base_url.startswith("https://")
    assert launch.member_url(next(iter(launch.members))).startswith("https://")
    config = json.loads((launch.runtime / "config" / "voila.json").read_text())
    assert config["RoomVoila"]["certfile"] == str(cert.resolve())


def test_the_page_rates_the_current_homework_as_that_member_with_route_link(workbook, monkeypatch):
    monkeypatch.setenv(present.ENV_WORKBOOK, str(workbook))
    book = wbk.load(workbook, check_files=False)
    ana, bo = book.team[0].name, book.team[1].name
    page = view.member_page(ana)
    member_view = page.children[1]
    due = homework.current(book)
    assert due.meeting.number == 2
    assert set(member_view.rows) == set(due.indicator_ids)
    assert [value for _, value in member_view.member.options if value] == [ana]  # nobody else to pick
    assert member_view.member.disabled and member_view.member.value == ana
    indicator = due.indicator_ids[0]
    row = member_view.rows[indicator]
    row.rating.value = "Exemplary" if row.rating.value != "Exemplary" else "Planning"
    with Store.open(workbook) as store:
        last = store.history("ratings", f"{ana} | {indicator}").iloc[-1]
        assert (last["who"], last["route"], last["new"]) == (ana, "link", row.rating.value)
        with pytest.raises(Exception, match="only"):
            view.OwnStore(store, ana).set_rating(bo, indicator, "Planning")
        with pytest.raises(AttributeError):
            view.OwnStore(store, ana).set_consensus(indicator, "Planning")


def test_no_homework_due_is_one_sentence(tmp_path, monkeypatch):
    folder = copy_demo_workbook(tmp_path)  # every meeting of the demo is over
    monkeypatch.setenv(present.ENV_WORKBOOK, str(folder))
    page = view.member_page(wbk.load(folder, check_files=False).team[0].name)
    assert "No rating homework is due now" in page.value
