"""Is a team-work store whole, and where would it be restored from?

The team's work lives in one SQLite file (``team_work.sqlite``). A failed copy or sync leaves
a file of 0 bytes or a part of one; a bad disk leaves a page of zeros. SQLite itself takes an
empty file for a new database and reads a damaged one until it trips over the damage, so the
store checks every file before it uses it:

- ``header_problem(path)``: what is wrong with the file's first bytes and length, read without
  opening it in SQLite (0 bytes, shorter than a header, not SQLite, not a whole number of pages);
- ``check_connection(con)``: SQLite's ``PRAGMA quick_check`` over every page (a few
  milliseconds for a team's store); a page of zeros or a truncated file fails it;
- ``damaged_line(path, problem)``: the one line a damaged store is refused with, naming the
  command that restores the newest backup (``successgaps restore DIR``) or, with no backup, the
  export the folder has. The damaged file is never replaced, re-seeded or written to.

A store opened only to read (handouts, exports) is read into memory (``read_copy``), so that
reading leaves no ``-wal`` or ``-shm`` file and never writes into the folder: when no ``-wal`` file
exists (no program is writing), the file's bytes are the whole state; when one exists, SQLite
reads both through a read-only connection.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> empty = folder / "team_work.sqlite"
>>> _ = empty.write_bytes(b"")
>>> header_problem(empty)
'the file is empty (0 bytes), as a failed copy or sync leaves it'
>>> print(damaged_line(empty, header_problem(empty)).replace(str(folder), "DIR"))  # doctest: +NORMALIZE_WHITESPACE
DIR/team_work.sqlite: the team's work cannot be read: the file is empty (0 bytes), as a failed copy or sync
leaves it. The file was left as it is. No backup (DIR/backups) or export (team_work.json) was found: keep the
file and ask for help recovering it.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path

#: The first 16 bytes of every SQLite database file.
MAGIC = b"SQLite format 3\x00"

#: Where ``successgaps backup`` writes its dated copies, inside the workbook folder.
BACKUP_FOLDER = "backups"

#: An export of the team's work a folder may carry (as ``store.SEED_NAME``).
EXPORT_NAME = "team_work.json"

#: A backup's name: the store's name, the date and time, and a number for a second copy of a minute.
_BACKUP = re.compile(r"^(?P<stem>.+)-(?P<when>\d{4}-\d{2}-\d{2}-\d{4})(?:-(?P<n>\d+))?\.sqlite$")


def header_problem(path: Path) -> str | None:
    """What is wrong with the store file's length and header, or None (read without SQLite)."""
    size = path.stat().st_size
    if size == 0:
        return "the file is empty (0 bytes), as a failed copy or sync leaves it"
    with path.open("rb") as handle:
        head = handle.read(100)
    if len(head) < 100:
        return f"the file is cut short ({size} bytes, less than an SQLite header)"
    if head[:16] != MAGIC:
        return "the file is not an SQLite database, so not a team-work store"
    page = int.from_bytes(head[16:18], "big")
    page = 65536 if page == 1 else page
    if page < 512 or page & (page - 1):
        return "the file's header is damaged (no valid page size)"
    if size % page:
        return f"the file is cut short ({size} bytes, not a whole number of {page}-byte pages)"
    return None


def check_connection(con: sqlite3.Connection) -> str | None:
    """SQLite's quick check of every page of an open database: None when whole, else the problem."""
    try:
        rows = [row[0] for row in con.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as error:
        if not is_damage(error):
            raise  # a locked file, a read-only folder, a full disk: not damage
        return f"SQLite's check fails: {error}"
    if rows == ["ok"]:
        return None
    first = " ".join(str(rows[0]).split()) if rows else "no answer"
    more = f" (and {len(rows) - 1} more problems)" if len(rows) > 1 else ""
    return f"SQLite's check fails: {first}{more}"


def is_damage(error: sqlite3.Error) -> bool:
    """Whether SQLite's error says the file is damaged (corrupt, or not a database at all)."""
    name = getattr(error, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or (
        not name and type(error) is sqlite3.DatabaseError)


def read_copy(path: Path) -> sqlite3.Connection:
    """The store at ``path`` as an in-memory database, read without writing anything beside it.

    Raises sqlite3.DatabaseError when SQLite cannot read it.
    """
    wal = path.with_name(path.name + "-wal")
    memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    for _ in range(3):
        if not wal.exists():
            before = path.stat()
            data = bytearray(path.read_bytes())
            after = path.stat()
            if not wal.exists() and (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns):
                data[18:20] = b"\x01\x01"  # a file in WAL mode, read as one whole file
                memory.deserialize(bytes(data))
                return memory
            continue  # a program started writing while we read: read again, through SQLite
        source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
        try:
            source.backup(memory)  # one read transaction: one moment's state, the -wal file's commits included
        finally:
            source.close()
        return memory
    raise sqlite3.OperationalError("the file kept changing while it was read")


def backups(folder: Path) -> list[Path]:
    """The dated backups of a workbook folder's store, oldest first (``successgaps backup`` names them)."""
    where = folder / BACKUP_FOLDER
    if not where.is_dir():
        return []
    found = []
    for file in where.iterdir():
        match = _BACKUP.match(file.name)
        if match and file.is_file():
            when = dt.datetime.strptime(match["when"], "%Y-%m-%d-%H%M")
            found.append((when, int(match["n"] or 1), file))
    return [file for _, _, file in sorted(found)]


def restore_hint(path: Path) -> str:
    """What to run to get the team's work back: the newest backup, else the folder's export."""
    folder = path.parent
    found = backups(folder)
    if found:
        return (f"Restore the newest backup ({found[-1].relative_to(folder)}) with: "
                f"successgaps restore {folder}")
    export = folder / EXPORT_NAME
    if export.is_file():
        return (f"No backup was found in {folder / BACKUP_FOLDER}; restore the export with: "
                f"successgaps restore {folder} --from {export} (it holds only the work exported into it)")
    return (f"No backup ({folder / BACKUP_FOLDER}) or export ({EXPORT_NAME}) was found: keep the file and ask "
            "for help recovering it.")


def damaged_line(path: Path, problem: str) -> str:
    """The one line a damaged store is refused with."""
    text = (f"{path}: the team's work cannot be read: {problem}. The file was left as it is. "
            f"{restore_hint(path)}")
    return " ".join(text.split())


def storage_problem(error: sqlite3.Error, path: Path, *, writing: bool = True) -> str | None:
    """A plain sentence for SQLite errors a user can fix (full disk, read-only folder), else None."""
    text = str(error).lower()
    folder = path.parent
    if "disk is full" in text or "database or disk is full" in text:
        return (f"{path}: the disk is full, so this change was not saved (nothing saved before it is lost); "
                f"free some space on the disk of {folder} and try again")
    if "readonly" in text or "read-only" in text or "unable to open" in text or "access permission" in text:
        if not writing:
            return f"{path}: the store cannot be read ({error}); check that the file and {folder} can be read"
        return (f"{path}: the team's work cannot be saved: the folder {folder} or the file is read-only "
                "(or not yours). Ask for write access, or copy the workbook folder to one you can write to")
    if "disk i/o error" in text:
        return f"{path}: the disk reported an error reading or writing the store ({error}); nothing was saved"
    return None


def remove_new_side_files(path: Path, existed: set[str]) -> None:
    """Remove the ``-wal`` and ``-shm`` files SQLite made beside a file it then found damaged
    (only those that were not there before, and only an empty ``-wal``: nothing of the team's)."""
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if suffix not in existed and side.exists() and (suffix == "-shm" or side.stat().st_size == 0):
            side.unlink(missing_ok=True)


def side_files(path: Path) -> set[str]:
    """Which of ``-wal`` and ``-shm`` exist beside ``path``."""
    return {suffix for suffix in ("-wal", "-shm") if path.with_name(path.name + suffix).exists()}
