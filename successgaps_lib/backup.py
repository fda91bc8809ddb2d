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
  A damaged store is not copied (its check fails first), so a backup is always a whole store;
- ``restore(folder, source)`` puts the newest backup (or a named backup, JSON or CSV export)
  in place of the store; the file it replaces is kept beside it, renamed, never deleted
  (``successgaps restore DIR``, the command a damaged store's message names).

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
>>> _ = (folder / "team_work.sqlite").write_bytes(b"")  # a failed sync empties the store
>>> restored, kept = restore(folder)
>>> restored == copy, kept.name.startswith("team_work-replaced-")
(True, True)
>>> with Store.open(folder) as store:
...     store.members()["name"].tolist()
['Ana Diaz']
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from pathlib import Path

from . import storefile
from .errors import SuccessGapsError
from .store import BUSY_TIMEOUT_S, DEFAULT_NAME, Store, StoreDamaged


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
    The store is read as handouts read it (``Store.open(..., readonly=True)``: checked first, no
    ``-wal`` file made), so a damaged store is refused rather than copied.
    """
    path = store_path(folder)
    if not path.is_file():
        raise BackupError(f"{path}: no team-work store here (nothing has been saved in this workbook yet)")
    source = Store.open(path, readonly=True)  # raises StoreDamaged (one line) for a damaged file
    target_dir = Path(to)
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        source.close()
        raise BackupError(f"{target_dir}: the backup folder cannot be made ({error.strerror})") from None
    name = backup_name(now or dt.datetime.now())
    target = target_dir / name
    n = 1
    while target.exists():
        n += 1
        target = target_dir / name.replace(".sqlite", f"-{n}.sqlite")
    partial = target.with_name(target.name + ".partial")
    try:
        copy = sqlite3.connect(partial, isolation_level=None)
        try:
            source._con.backup(copy)  # the store's one-moment copy, written out
            copy.execute("PRAGMA journal_mode = DELETE")  # a single self-contained file
            ok = copy.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            copy.close()
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"{path}: the backup could not be written to {target_dir} ({error})") from None
    finally:
        source.close()
    if ok != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"{path}: the copy failed SQLite's integrity check ({ok}); the store was not changed")
    partial.rename(target)
    return target


def latest_backup(folder: str | os.PathLike) -> Path | None:
    """The newest dated copy in the workbook folder's ``backups/`` (None when there is none)."""
    found = storefile.backups(Path(folder))
    return found[-1] if found else None


def restore(folder: str | os.PathLike, source: str | os.PathLike | None = None, *, force: bool = False,
            now: dt.datetime | None = None) -> tuple[Path, Path | None]:
    """Put ``source`` (default: the newest backup) in place of the workbook folder's store.

    ``source`` is a backup (``.sqlite``), a JSON export (``team_work.json``) or a CSV export
    folder; it is checked whole before anything moves. The store it replaces (and its ``-wal``
    and ``-shm`` files) is renamed ``team_work-replaced-<date>.sqlite``, never deleted. A store
    that passes its check is only replaced with ``force=True``: restoring would set the team's
    work back to the copy. Returns (the source used, the renamed old store or None).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise BackupError(f"{folder}: no such workbook folder")
    path = folder / DEFAULT_NAME
    if source is None:
        source = latest_backup(folder)
        if source is None:
            raise BackupError(f"{folder / storefile.BACKUP_FOLDER}: no backup to restore; name one, or an "
                              f"export, with --from (e.g. --from {folder / storefile.EXPORT_NAME})")
    source = Path(source)
    if not source.exists():
        raise BackupError(f"{source}: no such backup or export")
    if path.exists() and not force:
        try:
            Store.open(path, readonly=True).close()
        except StoreDamaged:
            pass
        else:
            raise BackupError(f"{path}: the store is whole; restoring {source.name} would set the team's work "
                              "back to that copy. Add --force to do it anyway (the current store is kept, renamed)")
    when = f"{now or dt.datetime.now():%Y-%m-%d-%H%M%S}"
    fresh = folder / f".{DEFAULT_NAME}.restoring-{when}"
    for leftover in (fresh, Path(f"{fresh}-wal"), Path(f"{fresh}-shm")):
        leftover.unlink(missing_ok=True)
    try:
        if source.suffix == ".sqlite":
            with Store.open(source, readonly=True) as copy:
                out = sqlite3.connect(fresh, isolation_level=None)
                try:
                    copy._con.backup(out)
                    out.execute("PRAGMA journal_mode = WAL")
                finally:
                    out.close()
        else:
            with Store.open(fresh) as new:
                if source.is_dir():
                    new.import_csv(source)
                else:
                    new.import_json(source)
        with Store.open(fresh):  # whole, and at this version's schema
            pass
    except BaseException:
        for leftover in (fresh, Path(f"{fresh}-wal"), Path(f"{fresh}-shm")):
            leftover.unlink(missing_ok=True)
        raise
    kept = None
    if path.exists():
        kept = folder / f"{Path(DEFAULT_NAME).stem}-replaced-{when}.sqlite"
        for suffix in ("-wal", "-shm", ""):
            side = Path(f"{path}{suffix}")
            if side.exists():
                side.rename(Path(f"{kept}{suffix}"))
    os.replace(fresh, path)
    return source, kept
