"""`successgaps present`: what Voila is told, what it serves, and how a dashboard is composed.

The browser tests (tests/browser/) drive the real pages; these check the configuration and the
composition without a browser, in seconds.
"""

import argparse
import html
import json
import os
import re
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import ipywidgets as widgets
import nbformat
import pandas as pd
import pytest

from successgaps_lib import dashboard, present
from successgaps_lib.cli import present as cli_present
from successgaps_lib.errors import ConfigError
from successgaps_lib.groups import MEETINGS
from successgaps_lib.store import Store
from tests.demo_copy import copy_demo_workbook

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data" / "demo"


@pytest.fixture
def workbook(tmp_path) -> Path:
    return copy_demo_workbook(tmp_path)


@pytest.fixture
def launch(workbook, tmp_path):
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    return present.build(present.Settings(workbook=workbook, token="a-long-enough-token"), runtime)


# --- Who may connect ----------------------------------------------------------------------------

@pytest.mark.parametrize("ip", ["127.0.0.1", "127.0.0.2", "::1", "localhost", "[::1]"])
def test_loopback_needs_no_secret(ip):
    present.check_access(present.Settings(workbook=Path("wb"), ip=ip))


@pytest.mark.parametrize("ip", ["0.0.0.0", "", "::", "192.168.1.20", "10.0.0.5", "teacher-laptop.local"])
def test_any_other_address_needs_a_token_or_password(ip):
    with pytest.raises(ConfigError, match="--token or a --password"):
        present.check_access(present.Settings(workbook=Path("wb"), ip=ip))
    present.check_access(present.Settings(workbook=Path("wb"), ip=ip, token="s3cret-token"))
    present.check_access(present.Settings(workbook=Path("wb"), ip=ip, password="correct horse"))


def test_a_short_token_is_refused():
    with pytest.raises(ConfigError, match="too short"):
        present.check_access(present.Settings(workbook=Path("wb"), ip="0.0.0.0", token="abc"))


def test_default_listens_on_loopback_only(workbook, tmp_path):
    args = cli_present_args(workbook)
    settings = cli_present.settings_from(args)
    assert settings.ip == "127.0.0.1"
    launch = present.build(settings, tmp_path / "rt")
    assert "--Voila.ip=127.0.0.1" in launch.argv
    assert launch.base_url.startswith("http://127.0.0.1:")


def test_listening_everywhere_is_reached_here_through_loopback(workbook, tmp_path):
    launch = present.build(present.Settings(workbook=workbook, ip="0.0.0.0", token="t" * 20), tmp_path / "rt")
    assert "--Voila.ip=0.0.0.0" in launch.argv
    assert launch.base_url.startswith("http://127.0.0.1:") and launch.url().endswith("?token=" + "t" * 20)
    assert "0.0.0.0" not in launch.public_url


def cli_present_args(*argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli_present.add_arguments(parser)
    return parser.parse_args([str(a) for a in argv])


def test_cli_refuses_a_public_address_without_a_secret(workbook):
    with pytest.raises(ConfigError, match="--token or a --password"):
        cli_present.settings_from(cli_present_args(workbook, "--ip", "0.0.0.0"))


def test_cli_makes_up_a_token_when_asked(workbook):
    settings = cli_present.settings_from(cli_present_args(workbook, "--ip", "0.0.0.0", "--token"))
    assert len(settings.token) >= 24 and settings.token != cli_present.GENERATE
    other = cli_present.settings_from(cli_present_args(workbook, "--ip", "0.0.0.0", "--token"))
    assert other.token != settings.token


def test_cli_reads_the_password_from_the_environment(workbook, monkeypatch):
    monkeypatch.setenv(cli_present.PASSWORD_ENV, "correct horse battery")
    settings = cli_present.settings_from(cli_present_args(workbook, "--ip", "0.0.0.0", "--password"))
    assert settings.password == "correct horse battery"


# --- What Voila is told ---------------------------------------------------------------------------

def test_no_sources_no_tracebacks_no_template_switching(launch):
    argv = launch.argv
    assert argv[:3] == [sys.executable, "-m", "successgaps_lib.room"]
    for option in ("--VoilaConfiguration.show_tracebacks=False", "--VoilaConfiguration.strip_sources=True",
                   "--VoilaConfiguration.template=successgaps", "--VoilaConfiguration.allow_template_override=NO",
                   "--VoilaConfiguration.allow_theme_override=NO", "--VoilaConfiguration.preheat_kernel=True"):
        assert option in argv
    instruction = next(a for a in argv if a.startswith("--VoilaExecutor.cell_error_instruction="))
    assert "traceback" not in instruction.lower() and "--debug" not in instruction


def test_secrets_stay_off_the_command_line(workbook, tmp_path):
    settings = present.Settings(workbook=workbook, ip="0.0.0.0", token="token-1234567", password="pass phrase")
    launch = present.build(settings, tmp_path / "rt")
    assert not any("token-1234567" in a or "pass phrase" in a for a in launch.argv)
    config_file = launch.runtime / "config" / "voila.json"
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    config = json.loads(config_file.read_text())
    assert config["Voila"]["token"] == "token-1234567"
    hashed = config["PasswordIdentityProvider"]["hashed_password"]
    assert "pass phrase" not in hashed

    from jupyter_server.auth import passwd_check
    assert passwd_check(hashed, "pass phrase") and not passwd_check(hashed, "wrong")


def test_the_next_meeting_gets_the_larger_pool(workbook, tmp_path):
    settings = present.Settings(workbook=workbook, first_meeting=5, pool_size=1, next_pool_size=3)
    launch = present.build(settings, tmp_path / "rt")
    assert launch.first == "meeting_5.ipynb"
    assert launch.pools == {f"meeting_{n}.ipynb": 3 if n == 5 else 1 for n in MEETINGS}
    pools = json.loads((launch.runtime / "config" / "voila.json").read_text())["VoilaKernelManager"]
    assert pools["kernel_pools_config"]["default"] == {"pool_size": 0}
    assert pools["kernel_pools_config"]["meeting_5.ipynb"] == {"pool_size": 3}


def test_without_preheat_no_pool(workbook, tmp_path):
    launch = present.build(present.Settings(workbook=workbook, preheat=False), tmp_path / "rt")
    assert launch.pools == {}
    assert not any(a.startswith("--VoilaConfiguration.preheat") for a in launch.argv)


def test_first_dashboard_is_the_next_meeting_by_date(workbook):
    import datetime as dt
    assert present.first_dashboard(workbook, dt.date(2025, 10, 8)) == "meeting_3.ipynb"
    assert present.first_dashboard(workbook, dt.date(2025, 10, 7)) == "meeting_2.ipynb"
    assert present.first_dashboard(workbook, dt.date(2030, 1, 1)) == "meeting_7.ipynb"


def test_kernels_find_the_workbook_through_the_environment(launch, workbook):
    assert launch.env[present.ENV_WORKBOOK] == str(workbook.resolve())
    share = Path(launch.env["JUPYTER_PATH"].split(os.pathsep)[0])
    assert (share / "voila" / "templates" / present.TEMPLATE / "index.html.j2").is_file()
    assert present.ENV_WORKBOOK == dashboard.ENV_WORKBOOK


# --- What is served ------------------------------------------------------------------------------

def test_served_root_holds_only_the_dashboards(launch, workbook):
    served = launch.served.resolve()
    files = sorted(p.relative_to(served).as_posix() for p in served.rglob("*"))
    assert files == sorted(f"meeting_{n}.ipynb" for n in MEETINGS) == sorted(launch.dashboards)
    # the data, the store and the workbook are elsewhere, and not reachable from the root
    assert workbook.resolve() not in served.parents and served not in workbook.resolve().parents
    for path in served.rglob("*"):
        assert not path.is_symlink()
    assert f"{present.TEMPLATE}" not in {p.name for p in served.iterdir()}
    assert f"--Voila.config_file_paths={launch.runtime / 'config'}" in launch.argv
    assert str(served) == launch.argv[3]


def test_dashboards_are_the_live_notebooks_with_the_meeting_set(launch):
    for name in launch.dashboards:
        number = int(re.fullmatch(r"meeting_(\d)\.ipynb", name)[1])
        nb = nbformat.read(launch.served / name, as_version=4)
        params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert [c.source for c in params] == [f"meeting = {number}"]
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_only_scheduled_meetings_are_served(workbook, tmp_path):
    text = (workbook / "workbook.yml").read_text()
    # drop meetings 3 and 4 (merged into 2, as the process allows)
    kept = re.sub(r"  - number: [34]\n(?:    .*\n|      .*\n)+", "", text)
    (workbook / "workbook.yml").write_text(kept)
    assert present.scheduled_meetings(workbook) == [1, 2, 5, 6, 7]
    launch = present.build(present.Settings(workbook=workbook, first_meeting=2), tmp_path / "rt")
    assert launch.dashboards == tuple(f"meeting_{n}.ipynb" for n in (1, 2, 5, 6, 7))


def test_refuses_to_serve_from_inside_the_workbook(workbook):
    with pytest.raises(ConfigError, match="inside the workbook"):
        present.build(present.Settings(workbook=workbook), workbook / "runtime")


def test_a_broken_workbook_fails_before_anything_starts(tmp_path):
    (tmp_path / "wb").mkdir()
    (tmp_path / "wb" / "workbook.yml").write_text("district: X\n")
    with pytest.raises(ConfigError, match="target_gap"):
        present.build(present.Settings(workbook=tmp_path / "wb"), tmp_path / "rt")


# --- The notebooks and the template ------------------------------------------------------------

@pytest.mark.parametrize("stem", sorted({m.notebook for m in MEETINGS.values()}))
def test_live_notebooks_are_thin_and_clean(stem):
    path = present.LIVE_NOTEBOOKS / f"{stem}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3" and nb.metadata.language_info.name == "python"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert len(code) <= 3 and sum(len(c.source.splitlines()) for c in code) <= 6  # calls, not logic
    assert any("meeting_dashboard(meeting)" in c.source for c in code)


def test_template_loads_nothing_from_outside():
    texts = {p.name: p.read_text() for p in (present.TEMPLATES / present.TEMPLATE).rglob("*") if p.is_file()}
    assert {"index.html.j2", "page.html", "conf.json", "successgaps.css"} <= set(texts)
    for name, text in texts.items():
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", text, re.IGNORECASE), name
        assert "@import" not in text, name


# --- The dashboard, composed (no browser) ----------------------------------------------------

def _texts(widget) -> str:
    """Every HTML/label text and tab title under a widget, for looking things up."""
    out = []
    if isinstance(widget, widgets.HTML | widgets.Label):
        out.append(str(widget.value))
    if isinstance(widget, widgets.Tab):
        out.extend(widget.titles)
    for child in getattr(widget, "children", ()):
        out.append(_texts(child))
    return "\n".join(out)


def test_a_missing_workbook_is_a_plain_sentence(monkeypatch, tmp_path, capfd):
    monkeypatch.delenv(present.ENV_WORKBOOK, raising=False)
    page = dashboard.meeting_dashboard(2)
    assert isinstance(page, widgets.HTML) and "sg-problem" in page.value
    assert present.ENV_WORKBOOK in page.value and "Traceback" not in page.value
    page = dashboard.meeting_dashboard(2, tmp_path / "nowhere")
    assert "no workbook here" in page.value and "Traceback" not in page.value
    assert "no workbook here" in capfd.readouterr().err  # and the server's log says it too


def test_an_unexpected_failure_shows_no_details(monkeypatch, workbook, capfd):
    def boom(wb):
        raise RuntimeError("secret internals at /srv/x.py line 3")
    monkeypatch.setattr(dashboard, "open_rubric", boom)
    page = dashboard.meeting_dashboard(2, workbook)
    assert isinstance(page, widgets.HTML)
    assert "secret internals" not in page.value and "server's log" in html.unescape(page.value)
    err = capfd.readouterr().err
    assert "Traceback" in err and "secret internals" in err  # the details go to the log


def test_no_such_meeting():
    page = dashboard.meeting_dashboard(9, "unused")
    assert "no meeting 9" in page.value


def test_each_meeting_gets_its_views_and_navigation(workbook):
    closing = "Homework and next meeting"
    expected = {1: ["Purpose and agenda", "The gap", "The team", closing],
                2: ["Consensus", "Members' ratings", "Data", closing],
                5: ["Priorities", "Root causes", "Data", closing], 6: ["Action plan", "Root causes", "Data", closing],
                7: ["Progress", "New data", "Data", closing]}
    for number, titles in expected.items():
        page = dashboard.meeting_dashboard(number, workbook, live=False)
        assert isinstance(page, dashboard.Dashboard), _texts(page)
        assert list(page.tabs.titles) == titles
        assert page.tabs.selected_index == 0 and "sg-problem" not in _texts(page)
        last = _texts(page.views[-1])
        assert "Homework" in last and "Next meeting" in last
        if number == 1:  # it opens on why the team meets, the agenda and the norms
            first = _texts(page.views[0])
            assert "Why we meet" in first and "Agenda" in first and "Our norms" in first
        text = _texts(page)
        assert f"Meeting {number}: " in text and "Riverside Unified (demo)" in text
        # one link per other meeting, the current one marked and not linked
        links = re.findall(r'href="(meeting_\d\.ipynb)"', text)
        assert links == [f"meeting_{n}.ipynb" for n in MEETINGS if n != number]
        assert 'aria-current="page"' in text
        page.close()


def test_roster_goes_into_the_store_once(tmp_path):
    wb_dir = copy_demo_workbook(tmp_path)
    (wb_dir / dashboard.TEAM_WORK_EXPORT).unlink()  # a workbook with no team work yet
    from successgaps_lib import workbook as workbooks
    wb = workbooks.load(wb_dir)
    with dashboard.open_store(wb) as store:
        assert sorted(store.members()["name"]) == sorted(m.name for m in wb.team)
        store.add_member("Karen Nguyen", "leader")  # changed in the store since
    with dashboard.open_store(wb) as store:
        members = store.members().set_index("name")
        assert members.loc["Karen Nguyen", "role"] == "leader"  # the store's word stands


def test_the_demo_team_work_is_imported_into_a_new_store(workbook):
    from successgaps_lib import workbook as workbooks
    with dashboard.open_store(workbooks.load(workbook)) as store:
        assert len(store.ratings()) > 0 and len(store.goals()) > 0


def test_live_updates_refresh_every_view_when_the_store_changes(workbook):
    from successgaps_lib import workbook as workbooks
    wb = workbooks.load(workbook)
    mine = dashboard.open_store(wb)

    class View:
        refreshed = 0

        def refresh(self):
            self.refreshed += 1

    views = [View(), View()]
    live = dashboard.LiveUpdates(mine, views, widgets.HTML())
    assert not live.check() and [v.refreshed for v in views] == [0, 0]
    with Store.open(workbook, by="another kernel") as other:  # as a member's own screen would
        rated = other.ratings().iloc[0]
        new = "Exemplary" if rated["rating"] != "Exemplary" else "Planning"
        assert other.set_rating(rated["member"], rated["indicator"], new)
    assert live.check() and [v.refreshed for v in views] == [1, 1]
    assert not live.check()  # nothing new since
    assert "Last update" in live.status.value
    live.stop()
    mine.close()


def test_live_updates_need_a_running_loop(workbook):
    from successgaps_lib import workbook as workbooks
    with dashboard.open_store(workbooks.load(workbook)) as store:
        live = dashboard.LiveUpdates(store, [], widgets.HTML())
        assert live.start() is False  # plain Python: refresh on demand only
        live.stop()


# --- A real server: access control over HTTP (no kernel is started) -----------------------------

@pytest.mark.slow
def test_server_refuses_requests_without_the_token(workbook, tmp_path):
    settings = present.with_free_port(present.Settings(workbook=workbook, token="tok-" + "x" * 20,
                                                       preheat=False, open_browser=False))
    launch = present.build(settings, tmp_path / "rt")
    process = subprocess.Popen(launch.argv, env=launch.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        present.wait_until_up(launch, process, timeout=60)

        def status(path):
            request = urllib.request.Request(launch.base_url + path)
            opener = urllib.request.build_opener(NoRedirect, urllib.request.ProxyHandler({}))
            try:
                with opener.open(request, timeout=10) as response:
                    return response.status, response.read().decode()
            except urllib.error.HTTPError as error:
                return error.code, ""

        code, _ = status("voila/render/meeting_1.ipynb")
        assert code in (302, 403)  # to the login page, not to the dashboard
        code, _ = status("voila/api/contents")
        assert code in (302, 403)
        code, body = status(f"voila/api/contents?token={settings.token}")
        assert code == 200
        names = sorted(item["name"] for item in json.loads(body)["content"])
        assert names == sorted(launch.dashboards)
        code, body = status(f"voila/api/contents/meeting_1.ipynb?token={settings.token}")
        assert code == 200 and json.loads(body)["content"] is None  # no notebook source
        for path in ("voila/files/workbook.yml", "voila/files/../workbook/workbook.yml",
                     "voila/files/meeting_1.ipynb", "voila/api/contents/..%2Fconfig%2Fvoila.json"):
            code, _ = status(f"{path}?token={settings.token}")
            assert code in (403, 404), path
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_waiting_for_the_server_never_asks_a_proxy(tmp_path, monkeypatch):
    """Networks locked down to a registry proxy set http_proxy: 127.0.0.1 must still be reached directly."""
    import http.server
    import threading

    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # the discard port: nothing answers there
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    (tmp_path / "ready").mkdir()
    settings = present.Settings(workbook=tmp_path, port=httpd.server_address[1])
    launch = present.Launch(argv=[], env={}, served=tmp_path, runtime=tmp_path, dashboards=(), first="",
                            pools={}, settings=settings)
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        present.wait_until_up(launch, process, timeout=10)
    finally:
        process.kill()
        process.wait()
        httpd.shutdown()
        httpd.server_close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_kernels_screen_the_data_once(workbook, tmp_path, monkeypatch):
    from successgaps_lib import workbook as workbooks
    calls = []

    def screened(wb):
        calls.append(wb.district)
        table = pd.DataFrame({"group": ["x"]})
        table.attrs["privacy"] = {"min_size": wb.min_group_size, "audience": True}
        return table

    monkeypatch.setattr(dashboard, "workbook_gaps", screened)
    monkeypatch.setenv(present.ENV_CACHE, str(tmp_path))
    wb = workbooks.load(workbook)
    first, second = dashboard.shared_gaps(wb), dashboard.shared_gaps(wb)
    assert len(calls) == 1 and second.equals(first)
    assert second.attrs["privacy"]["audience"] is True  # still marked as protected
    other = workbooks.from_mapping({**wb.raw, "min_group_size": 20}, wb.directory)
    dashboard.shared_gaps(other)  # another minimum size: screened again
    assert len(calls) == 2
    monkeypatch.delenv(present.ENV_CACHE)
    dashboard.shared_gaps(wb)  # no shared folder (e.g. in JupyterLab): computed each time
    assert len(calls) == 3
