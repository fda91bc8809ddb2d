"""A server that survives the room: kernels shut down, bounded, culled, quiet, and a clean stop.

The 40-load browser test is tests/browser/test_room.py; these check the same rules over plain
HTTP (one preheated kernel, seconds) and the configuration without any server.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
import psutil
import pytest

from successgaps_lib import backup, present, room
from successgaps_lib.cli import main as cli_main
from successgaps_lib.store import DEFAULT_NAME, Store
from tests.demo_copy import copy_demo_workbook

#: What an IT or privacy officer must not read in the server's log.
ALARMING = ("not trusted", "without encryption", "not using encryption", "Traceback", "_xsrf")


@pytest.fixture
def workbook(tmp_path) -> Path:
    return copy_demo_workbook(tmp_path)


# --- What Voila is told ------------------------------------------------------------------------

def test_config_bounds_culls_and_uses_unix_sockets(workbook, tmp_path):
    launch = present.build(present.Settings(workbook=workbook, max_pages=7, cull_after=300, ipc=True),
                           tmp_path / "rt")
    assert launch.argv[:3] == [sys.executable, "-m", "successgaps_lib.room"]
    config = json.loads((launch.runtime / "config" / "voila.json").read_text())
    assert config["RoomVoila"] == {"max_pages": 7}
    assert config["MappingKernelManager"] == {"cull_idle_timeout": 300, "cull_interval": 60}
    assert config["KernelManager"] == {"transport": "ipc"}
    assert "cull_connected" not in config["MappingKernelManager"]  # an open page is never culled


def test_no_culling_and_tcp_when_asked(workbook, tmp_path):
    launch = present.build(present.Settings(workbook=workbook, cull_after=0, ipc=False, max_pages=0),
                           tmp_path / "rt")
    config = json.loads((launch.runtime / "config" / "voila.json").read_text())
    assert "MappingKernelManager" not in config and "KernelManager" not in config
    assert config["RoomVoila"] == {"max_pages": 0}


def test_served_notebooks_are_signed_in_the_runs_own_signature_store(workbook, tmp_path):
    from nbformat.sign import NotebookNotary

    launch = present.build(present.Settings(workbook=workbook), tmp_path / "rt")
    notary_config = json.loads((launch.runtime / "config" / "voila.json").read_text())["NotebookNotary"]
    assert Path(notary_config["db_file"]).parent == launch.runtime / "trust"
    notary = NotebookNotary(**notary_config)
    for name in launch.dashboards:
        assert notary.check_signature(nbformat.read(launch.served / name, as_version=4)), name
    stranger = NotebookNotary(db_file=":memory:", secret=b"another secret")
    assert not stranger.check_signature(nbformat.read(launch.served / launch.dashboards[0], as_version=4))


def test_every_interface_is_named_so_voila_does_not_warn(workbook, tmp_path):
    launch = present.build(present.Settings(workbook=workbook, ip="", token="t" * 20), tmp_path / "rt")
    assert "--Voila.ip=0.0.0.0" in launch.argv


def test_the_full_page_is_plain_and_self_contained():
    page = room.full_page(16)
    assert "16 dashboard pages are open" in page and "Close a dashboard tab" in page
    assert not re.search(r"(src|href)=['\"](?!data:)", page)  # nothing to load


def test_cli_warns_in_one_line_without_tls_only_off_loopback(workbook, capsys):
    import argparse

    from successgaps_lib.cli import present as cli_present

    parser = argparse.ArgumentParser()
    cli_present.add_arguments(parser)
    cli_present.settings_from(parser.parse_args([str(workbook)]))
    assert capsys.readouterr().out == ""
    settings = cli_present.settings_from(parser.parse_args([str(workbook), "--ip", "0.0.0.0", "--token",
                                                            "--max-pages", "5", "--cull-after", "90"]))
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "without encryption" in out[0] and "read what is sent" in out[0]
    assert (settings.max_pages, settings.cull_after) == (5, 90)


# --- A real server over HTTP -----------------------------------------------------------------------

class Client:
    """A browser-like client: keeps cookies, never asks a proxy."""

    def __init__(self, launch):
        self.launch = launch
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                  urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.launch.base_url + path, timeout=120) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def post(self, path: str, form: dict) -> int:
        request = urllib.request.Request(self.launch.base_url + path, method="POST",
                                         data=urllib.parse.urlencode(form).encode())
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


def kernel_id(page: str) -> str:
    return re.search(r'"kernelId": "([0-9a-f-]{36})"', page).group(1)


def running_kernels(process) -> list[psutil.Process]:
    return [p for p in psutil.Process(process.pid).children(recursive=True)
            if "ipykernel" in " ".join(p.cmdline())]


@pytest.mark.slow
def test_a_page_shuts_its_kernel_down_and_the_room_is_bounded(workbook, tmp_path):
    settings = present.with_free_port(present.Settings(
        workbook=workbook, open_browser=False, first_meeting=2, pool_size=0, next_pool_size=1, max_pages=1))
    launch = present.build(settings, tmp_path / "rt")
    log = tmp_path / "voila.log"
    with log.open("w") as out:
        process = subprocess.Popen(launch.argv, env=launch.env, stdout=out, stderr=subprocess.STDOUT)
    try:
        present.wait_until_up(launch, process, timeout=240)
        client = Client(launch)
        code, page = client.get("voila/render/meeting_2.ipynb")
        assert code == 200
        first = kernel_id(page)
        xsrf = client.cookie("_xsrf")
        assert xsrf, "the dashboard page sets the cookie its shutdown request carries"

        # the bound: one page holds a kernel, a second one is asked to wait
        code, page = Client(launch).get("voila/render/meeting_2.ipynb")
        assert code == 503 and room.FULL_TITLE.replace("'", "&#x27;") in page

        # what the page sends when it is closed: accepted, and the kernel goes
        assert client.post(f"voila/api/shutdown/{first}", {}) == 403  # without the cookie's value
        assert client.post(f"voila/api/shutdown/{first}", {"_xsrf": xsrf}) == 204
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and client.get(f"api/kernels/{first}")[0] != 404:
            time.sleep(0.3)
        assert client.get(f"api/kernels/{first}")[0] == 404
        assert client.post(f"voila/api/shutdown/{first}", {"_xsrf": xsrf}) == 204  # again: quietly fine

        # the room has a place again (the pool refills in the background)
        code, page = Client(launch).get("voila/render/meeting_2.ipynb")
        assert code == 200 and kernel_id(page) != first
        assert len(running_kernels(process)) <= 2  # the page's and the refilled pool's
        # kernels talk to the server over Unix sockets: the server's only TCP sockets are its web
        # port's (ipykernel's own IOPub pipe, between its threads, stays on 127.0.0.1 inside the kernel)
        if settings.ipc:
            tcp = psutil.Process(process.pid).net_connections(kind="tcp")
            assert tcp and {c.laddr.port for c in tcp} == {settings.port}
            assert psutil.Process(process.pid).net_connections(kind="unix")
    finally:
        present.stop_server(process)
    assert process.returncode == 0
    text = log.read_text()
    assert "Kernel shutdown: " + first in text
    # the one sent above without the cookie's value (Tornado logs it twice: error and access)
    assert len(set(re.findall(r"403 POST /voila/api/shutdown/(\S+)", text))) == 1
    for phrase in ALARMING:
        if phrase != "_xsrf":
            assert phrase not in text, f"{phrase!r} in the server log:\n{text}"


@pytest.mark.slow
def test_ctrl_c_stops_everything_checkpoints_and_says_where_the_work_is(workbook, tmp_path):
    port = present.with_free_port(present.Settings(workbook=workbook)).port
    process = subprocess.Popen(
        [sys.executable, "-m", "successgaps_lib.cli", "present", str(workbook), "--no-browser", "--no-preheat",
         "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)  # its own process group: Ctrl-C below reaches it as a terminal would
    lines = []
    try:
        for line in process.stdout:
            lines.append(line)
            if "Stop with Ctrl-C" in line:
                break
        client = Client(type("L", (), {"base_url": f"http://127.0.0.1:{port}/"})())
        code, _ = client.get("voila/render/meeting_3.ipynb")  # a page, so a kernel, is open
        assert code == 200
        with Store.open(workbook, by="test") as store:  # a change left in the -wal file
            store.set_meta("note", "written just before the meeting ended")
        wal = workbook / (DEFAULT_NAME + "-wal")
        assert wal.stat().st_size > 0
        descendants = psutil.Process(process.pid).children(recursive=True)
        assert any("ipykernel" in " ".join(p.cmdline()) for p in descendants)
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
        out, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    text = "".join(lines) + out
    assert process.returncode == 0, text
    assert "Traceback" not in text and "KeyboardInterrupt" not in text
    assert f"The team's work is saved in {workbook.resolve() / DEFAULT_NAME}" in text
    assert "successgaps backup" in text
    assert not wal.exists() or wal.stat().st_size == 0
    _, alive = psutil.wait_procs(descendants, timeout=10)
    assert alive == []
    with sqlite3.connect(workbook / DEFAULT_NAME) as con:  # the main file alone has the change
        con.execute("PRAGMA journal_mode")
        assert ("note", "written just before the meeting ended") in con.execute("SELECT key, value FROM meta")


# --- Backups --------------------------------------------------------------------------------------

def test_backup_is_one_consistent_dated_copy(workbook, tmp_path, capsys):
    with Store.open(workbook, by="Facilitator") as store:
        store.set_meta("statement", "Students with disabilities graduate at lower rates")
        keep_open = Store.open(workbook, by="someone else")  # a dashboard still running
        keep_open.set_meta("later", "still in the -wal file")
        assert cli_main(["backup", str(workbook), "--to", str(tmp_path / "usb")]) == 0
        keep_open.close()
    out = capsys.readouterr().out
    copies = list((tmp_path / "usb").iterdir())
    assert len(copies) == 1 and re.fullmatch(r"team_work-\d{4}-\d\d-\d\d-\d{4}\.sqlite", copies[0].name)
    assert str(copies[0]) in out
    with Store.open(copies[0]) as copy:
        assert copy.meta()["later"] == "still in the -wal file"
        assert copy.meta()["statement"].startswith("Students with disabilities")
    assert not Path(str(copies[0]) + "-wal").exists() or Path(str(copies[0]) + "-wal").stat().st_size == 0


def test_backup_never_overwrites_and_defaults_to_the_workbooks_backups_folder(workbook):
    import datetime as dt

    Store.open(workbook).close()
    when = dt.datetime(2025, 10, 8, 19, 30)
    first = backup.backup(workbook, workbook / "backups", now=when)
    second = backup.backup(workbook, workbook / "backups", now=when)
    assert first.name == "team_work-2025-10-08-1930.sqlite" and second.name == "team_work-2025-10-08-1930-2.sqlite"
    assert cli_main(["backup", str(workbook)]) == 0
    assert len(list((workbook / "backups").glob("team_work-*.sqlite"))) == 3


def test_backup_of_a_workbook_with_nothing_saved_is_one_line(tmp_path, capsys):
    assert cli_main(["backup", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no team-work store here" in err[0]
