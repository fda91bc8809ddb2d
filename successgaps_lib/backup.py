"""Keeping the team's work: where it lives, a checkpoint when a server stops, and backups.

Everything the team enters lives in one SQLite file in the workbook folder,
``team_work.sqlite`` (``store.DEFAULT_NAME``). In WAL mode, SQLite keeps recent commits in
``team_work.sqlite-wal`` beside it until a *checkpoint* copies them into the main file: a
folder copied while a server runs, without its ``-wal`` file, misses the last changes.

- ``checkpoint(folder)`` moves everything into the main file and empties the ``-wal`` file
  (``successgaps present`` does it when it stops);
- ``backup(folder, to)`` writes one consistent copy with SQLite's online backup API (safe while
  dashboards are writing: the copy is one moment's state), named with the date and time,
  ``team_work-2025-10-08-1930.sqlite``; the copy is a complete store (no ``-wal`` file needed).

>>> import tempfile, pathlib, datetime as dt
>>> from successgaps_lib.store import Store
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> with Store.open(folder, by="Facilitator") as store:
...     _ = store.add_member("Ana Diaz", "parent")
>>> copy = backup(folder, folder / "backups", now=dt.datetime(2025, 10, 8, 19, 30))
>>> copy.name
'team_work-2025-10-08-1930.sqlite'
>>> with Store.open(copy) as store:
...     store.members()["name"].tolist()
['Ana Diaz']
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from pathlib import Path

from .errors import SuccessGapsError
from .store import BUSY_TIMEOUT_S, DEFAULT_NAME


class BackupError(SuccessGapsError):
    """The store could not be found, read or copied."""


def store_path(folder: str | os.PathLike) -> Path:
    """The team's store of a workbook folder (or the store file itself)."""
    path = Path(folder)
    return path / DEFAULT_NAME if path.is_dir() else path


def backup_name(when: dt.datetime, stem: str = Path(DEFAULT_NAME).stem) -> str:
    """A backup's file name: the store's name with the date and time (sorts by age).

    >>> backup_name(dt.datetime(2026, 1, 5, 8, 3))
    'team_work-2026-01-05-0803.sqlite'
    """
    return f"{stem}-{when:%Y-%m-%d-%H%M}.sqlite"


@contextlib.contextmanager
def _connect(path: Path):
    if not path.is_file():
        raise BackupError(f"{path}: no team-work store here (nothing has been saved in this workbook yet)")
    con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        yield con
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path}: cannot read the team-work store ({error})") from None
    finally:
        con.close()


def checkpoint(folder: str | os.PathLike) -> Path:
    """Copy every commit from the ``-wal`` file into the store and empty it; returns the store's path.

    Raises BackupError when another process holds the store so the checkpoint cannot finish.
    """
    path = store_path(folder)
    with _connect(path) as con:
        busy, _, _ = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy:
        raise BackupError(f"{path}: another program is using the store, so its last changes stay in "
                          f"{path.name}-wal for now (they are safe there)")
    return path


def backup(folder: str | os.PathLike, to: str | os.PathLike, *, now: dt.datetime | None = None) -> Path:
    """Write one consistent copy of the store into the folder ``to``; returns the copy's path.

    An existing copy of the same minute is not overwritten: the new one gets ``-2``, ``-3``...
    """
    path = store_path(folder)
    target_dir = Path(to)
    target_dir.mkdir(parents=True, exist_ok=True)
    name = backup_name(now or dt.datetime.now())
    target = target_dir / name
    n = 1
    while target.exists():
        n += 1
        target = target_dir / name.replace(".sqlite", f"-{n}.sqlite")
    partial = target.with_name(target.name + ".partial")
    with _connect(path) as con:
        copy = sqlite3.connect(partial, isolation_level=None)
        try:
            con.backup(copy)  # one read transaction: the copy is one moment's state
            copy.execute("PRAGMA journal_mode = DELETE")  # a single self-contained file
            ok = copy.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.Error as error:
            copy.close()
            partial.unlink(missing_ok=True)
            raise BackupError(f"{path}: the backup could not be written to {target_dir} ({error})") from None
        copy.close()
    if ok != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"{path}: the copy failed SQLite's integrity check ({ok}); the store was not changed")
    partial.rename(target)
    return target
