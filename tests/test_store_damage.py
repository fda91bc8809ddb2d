"""The store never loses or hides damage (issue 9, item 4).

Damaged files are built here as a failed copy, a sync or a bad disk leaves them: 0 bytes, cut
short, a page of zeros. Each is refused with one line naming the restore command, and is left
byte for byte as it was (never replaced, never re-seeded from ``team_work.json``). A store opened
to read (handouts, backups) writes nothing into the folder. A full disk and a read-only folder
are one clear line each.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from successgaps_lib import backup, dashboard
from successgaps_lib import workbook as workbooks
from successgaps_lib.cli import main
from successgaps_lib.errors import SuccessGapsError
from successgaps_lib.meeting import Meeting, open_team_work
from successgaps_lib.store import DEFAULT_NAME, SEED_NAME, Store, TeamWorkError

from .demo_copy import copy_demo_workbook

ROOT = Path(__file__).resolve().parent.parent
PAGE = 4096


def side_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(("-wal", "-shm")))


@pytest.fixture(scope="module")
def store_bytes(tmp_path_factory) -> bytes:
    """A real store of several pages (30 members, each with a rating), checkpointed into one file."""
    folder = tmp_path_factory.mktemp("whole")
    with Store.open(folder, by="Facilitator") as store:
        store.add_roster((f"Member {n:02d}", "parent", "") for n in range(30))
        for n in range(30):
            store.set_rating(f"Member {n:02d}", "DB-1", "Planning", evidence="evidence " * 60)
    data = (folder / DEFAULT_NAME).read_bytes()
    assert len(data) >= 8 * PAGE and not side_files(folder)
    return data


@pytest.fixture
def whole(store_bytes, tmp_path) -> bytes:
    """``tmp_path`` holding the whole store; returns its bytes."""
    (tmp_path / DEFAULT_NAME).write_bytes(store_bytes)
    return store_bytes


DAMAGE = {
    "empty": lambda data: b"",
    "cut at a page": lambda data: data[: len(data) // PAGE // 2 * PAGE],
    "cut mid-page": lambda data: data[: len(data) // 2 + 1000],
    "cut in the header": lambda data: data[:50],
    "page 2 zeroed": lambda data: data[:PAGE] + bytes(PAGE) + data[2 * PAGE:],
    "page 3 zeroed": lambda data: data[: 2 * PAGE] + bytes(PAGE) + data[3 * PAGE:],
}


def assert_one_line_refusal(error: Exception, folder: Path) -> str:
    text = str(error)
    assert "\n" not in text and str(folder / DEFAULT_NAME) in text
    assert "cannot be read" in text and "left as it is" in text
    return text


# --- Damaged files are refused, never replaced, never re-seeded --------------------------------------

@pytest.mark.parametrize("damage", DAMAGE)
@pytest.mark.parametrize("readonly", [False, True], ids=["to write", "to read"])
def test_a_damaged_store_is_refused_in_one_line_and_left_as_it_was(tmp_path, whole, damage, readonly):
    damaged = DAMAGE[damage](whole)
    (tmp_path / DEFAULT_NAME).write_bytes(damaged)
    with pytest.raises(TeamWorkError) as refused:  # to read: as a handout opens it
        (open_team_work(tmp_path) if readonly else Store.open(tmp_path)).close()
    assert_one_line_refusal(refused.value, tmp_path)
    assert (tmp_path / DEFAULT_NAME).read_bytes() == damaged  # not replaced, not written to
    assert side_files(tmp_path) == []  # nothing left beside it either


def test_a_zero_byte_store_is_not_reseeded_from_the_export_by_a_dashboard_or_a_handout(tmp_path):
    folder = copy_demo_workbook(tmp_path)  # has team_work.json, older than the lost store
    (folder / DEFAULT_NAME).write_bytes(b"")  # a failed copy or sync
    wb = workbooks.load(folder)
    with pytest.raises(TeamWorkError) as refused:
        dashboard.open_store(wb)
    text = assert_one_line_refusal(refused.value, folder)
    assert "0 bytes" in text
    assert f"successgaps restore {folder} --from {folder / SEED_NAME}" in text  # no backup: the export
    assert (folder / DEFAULT_NAME).stat().st_size == 0 and side_files(folder) == []
    with pytest.raises(TeamWorkError, match="0 bytes"):  # a handout (papermill runs this) stops, too
        _ = Meeting.open(folder, 2).store
    assert (folder / DEFAULT_NAME).stat().st_size == 0
    page = dashboard.meeting_dashboard(2, folder, live=False)  # the room sees the same one line
    assert "cannot be read" in page.value and "successgaps restore" in page.value


def test_the_refusal_names_the_newest_backup_and_restore_brings_it_back(tmp_path, whole, capsys):
    older = backup.backup(tmp_path, tmp_path / "backups", now=dt.datetime(2026, 1, 5, 8, 3))
    with Store.open(tmp_path, by="Facilitator") as store:
        store.add_member("Added after the first backup", "parent")
    newest = backup.backup(tmp_path, tmp_path / "backups", now=dt.datetime(2026, 1, 12, 19, 30))
    again = backup.backup(tmp_path, tmp_path / "backups", now=dt.datetime(2026, 1, 12, 19, 30))  # -2
    assert older.name < newest.name and again.name == "team_work-2026-01-12-1930-2.sqlite"
    damaged = DAMAGE["page 2 zeroed"](whole)
    (tmp_path / DEFAULT_NAME).write_bytes(damaged)
    with pytest.raises(TeamWorkError) as refused:
        Store.open(tmp_path)
    text = assert_one_line_refusal(refused.value, tmp_path)
    assert f"(backups/{again.name})" in text and f"successgaps restore {tmp_path}" in text

    assert main(["restore", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"from {again}" in out
    with Store.open(tmp_path) as store:
        assert "Added after the first backup" in set(store.members()["name"])
        assert store._read("PRAGMA integrity_check")[0][0] == "ok"
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("team_work-replaced-")]
    assert len(kept) == 1 and kept[0].read_bytes() == damaged  # the damaged file is kept, never deleted
    assert f"kept as {kept[0]}" in out

    # A whole store is not replaced without --force: restoring would set the work back.
    assert main(["restore", str(tmp_path), "--from", str(older)]) == 2
    assert "the store is whole" in capsys.readouterr().err
    with Store.open(tmp_path) as store:
        assert "Added after the first backup" in set(store.members()["name"])


def test_restore_from_the_export_when_there_is_no_backup(tmp_path, capsys):
    folder = copy_demo_workbook(tmp_path)
    (folder / DEFAULT_NAME).write_bytes(b"")
    assert main(["restore", str(folder)]) == 2  # no backup: says so, in one line, changes nothing
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no backup to restore" in err and "--from" in err
    assert (folder / DEFAULT_NAME).stat().st_size == 0
    assert main(["restore", str(folder), "--from", str(folder / SEED_NAME)]) == 0
    with Store.open(folder, readonly=True) as store:
        assert len(store.ratings()) > 0 and len(store.goals()) > 0


def test_a_damaged_store_is_not_backed_up(tmp_path, whole, capsys):
    (tmp_path / DEFAULT_NAME).write_bytes(DAMAGE["page 2 zeroed"](whole))
    assert main(["backup", str(tmp_path)]) == 2  # a damaged copy would become "the newest backup"
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot be read" in err
    assert backup.latest_backup(tmp_path) is None
    (tmp_path / DEFAULT_NAME).write_bytes(b"")
    assert main(["backup", str(tmp_path)]) == 2
    assert "0 bytes" in capsys.readouterr().err and backup.latest_backup(tmp_path) is None


# --- Reading writes nothing ---------------------------------------------------------------------------

def test_a_store_opened_to_read_makes_no_wal_file_refuses_writes_and_sees_the_wal_commits(tmp_path, whole):
    path = tmp_path / DEFAULT_NAME
    before = path.read_bytes(), path.stat().st_mtime_ns
    store = open_team_work(tmp_path)  # what a handout opens
    assert len(store.members()) == 30 and len(store.ratings()) == 30
    assert side_files(tmp_path) == []  # while it is open: no -wal, no -shm
    with pytest.raises(TeamWorkError, match="opened only to read") as refused:
        store.add_member("Someone", "parent")
    assert "\n" not in str(refused.value)
    store.close()
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before and side_files(tmp_path) == []
    with Store.open(tmp_path, by="a dashboard") as writer:  # a server is running: its -wal file holds this
        writer.add_member("Saved a moment ago", "parent")
        assert (tmp_path / (DEFAULT_NAME + "-wal")).stat().st_size > 0
        reader = open_team_work(tmp_path)
        assert "Saved a moment ago" in set(reader.members()["name"])
        reader.close()


def test_reading_an_empty_store_takes_the_export_in_memory_not_into_the_file(tmp_path):
    folder = copy_demo_workbook(tmp_path)
    Store.open(folder).close()  # a whole store with nothing in it yet
    before = (folder / DEFAULT_NAME).read_bytes()
    store = open_team_work(folder)
    assert len(store.ratings()) > 0  # the demo's work, as the dashboards would start from it
    store.close()
    assert (folder / DEFAULT_NAME).read_bytes() == before and side_files(folder) == []
    with Store.open(folder, readonly=True) as store:
        assert store.is_empty()


def test_opening_a_whole_store_to_write_writes_nothing_until_a_change(tmp_path, whole):
    with Store.open(tmp_path) as store:  # a dashboard opening: no write transaction
        assert store.revision() > 0
        wal = tmp_path / (DEFAULT_NAME + "-wal")
        assert not wal.exists() or wal.stat().st_size == 0


# --- A full disk and a read-only folder -----------------------------------------------------------------

def test_a_full_disk_is_one_line_and_loses_nothing(tmp_path, whole):
    with Store.open(tmp_path, by="Facilitator") as store:
        ratings, history = store.ratings(), store.history()
        pages = store._read("PRAGMA page_count")[0][0]
        store._con.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full from here on
        with pytest.raises(TeamWorkError) as refused:
            store.set_rating("Member 00", "DB-2", "Implemented", evidence="a long piece of evidence " * 2000)
        text = str(refused.value)
        assert isinstance(refused.value, SuccessGapsError)  # the CLI prints it and exits 2
        assert "\n" not in text and "disk is full" in text and "not saved" in text
        assert store.ratings().equals(ratings) and store.history().equals(history)  # rolled back whole
        store.set_rating("Member 00", "DB-2", "Implemented")  # a small change still fits
        assert len(store.ratings()) == len(ratings) + 1
        # Only a full disk, a read-only file or folder and damage become one line; a bug stays a bug.
        with pytest.raises(sqlite3.OperationalError, match="no such table"), store._write("x") as change:
            change.con.execute("SELECT * FROM no_such_table")
    with Store.open(tmp_path, readonly=True) as store:
        assert len(store.ratings()) == 31


READ_ONLY_SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from successgaps_lib.cli import main
    from successgaps_lib.meeting import open_team_work
    from successgaps_lib.store import Store, TeamWorkError

    folder, empty = Path(sys.argv[1]), Path(sys.argv[2])
    print("read", len(open_team_work(folder).members()))  # a handout from a read-only folder works
    for where in (folder, empty):
        try:
            with Store.open(where, by="x") as store:
                store.add_member("Zed", "parent")
            print("wrote", where)
        except TeamWorkError as error:
            print("refused", str(error).replace(chr(10), "<newline>"))
    sys.exit(main(["backup", str(folder)]))
""")


def _without_root_powers() -> list[str]:
    """A command prefix under which this user obeys file permissions (root does not, by default)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root, where permissions do not apply, and setpriv (util-linux) is not "
                    "installed to drop root's CAP_DAC_OVERRIDE")
    caps = "-dac_override,-dac_read_search"
    return [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}"]


def test_a_read_only_folder_is_one_line_and_reading_still_works(tmp_path, store_bytes):
    prefix = _without_root_powers()
    folder, empty = tmp_path / "workbook", tmp_path / "empty"
    folder.mkdir()
    empty.mkdir()
    (folder / DEFAULT_NAME).write_bytes(store_bytes)
    (folder / DEFAULT_NAME).chmod(0o444)
    for path in (folder, empty):
        path.chmod(0o555)
    try:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
        result = subprocess.run([*prefix, sys.executable, "-c", READ_ONLY_SCRIPT, str(folder), str(empty)],
                                capture_output=True, text=True, env=env, timeout=120)
    finally:
        for path in (folder, empty):
            path.chmod(0o755)
    lines = result.stdout.splitlines()
    assert lines[:1] == ["read 30"], result.stderr
    for line, where in zip(lines[1:], (folder, empty), strict=True):
        assert line.startswith("refused ") and "<newline>" not in line
        assert str(where / DEFAULT_NAME) in line and "read-only" in line
    assert result.returncode == 2 and result.stderr.count("\n") == 1  # the backup: one line, no traceback
    assert result.stderr.startswith("successgaps: error: ") and "Traceback" not in result.stderr
    assert side_files(folder) == [] and not (folder / "backups").exists()
    assert (folder / DEFAULT_NAME).read_bytes() == store_bytes



def test_kernels_creating_the_store_together_never_take_each_other_for_damage(tmp_path):
    """A guard for the refusal above (main passes it too): a new store appears whole, never as 0 bytes.

    Threads stand for kernels here: each has its own SQLite connection, and SQLite and the file
    system calls run outside Python's lock, so the creations race as processes would.
    """
    import threading

    shutil.copy(ROOT / "data" / "demo" / "workbook" / SEED_NAME, tmp_path / SEED_NAME)
    for round in range(2):
        folder = tmp_path / f"round{round}"
        folder.mkdir()
        barrier, outcomes = threading.Barrier(6), []

        def kernel(folder=folder, barrier=barrier, outcomes=outcomes):
            barrier.wait()
            try:
                with Store.open(folder, by="kernel") as store:
                    outcomes.append("seeded" if store.seed(tmp_path / SEED_NAME) else "opened")
            except Exception as error:
                outcomes.append(f"{type(error).__name__}: {error}")

        threads = [threading.Thread(target=kernel) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(outcomes) == ["opened"] * 5 + ["seeded"], outcomes
        assert [p.name for p in folder.iterdir() if ".new-" in p.name] == []  # no temporary file left
        with Store.open(folder, readonly=True) as store:
            assert len(store.ratings()) > 0
