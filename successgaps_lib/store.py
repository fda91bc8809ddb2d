"""The team's saved work: one SQLite file in the workbook folder.

Everything the team produces in meetings 2 to 7 lives here: the roster, each member's
homework ratings, the consensus ratings, priorities, root causes, the action plan (SMART
goals and activities), progress entries and new measurements of the gap.

Why it is built this way:

- **Saved at once.** Every public call is one short transaction (``BEGIN IMMEDIATE`` ...
  ``COMMIT``): a kernel that dies loses nothing it wrote before. There is no save button.
- **Several kernels at once.** Team members work in their own kernels (JupyterLab, Voila)
  on the same file. WAL mode lets readers go on while one writer writes; a writer waits
  (``busy_timeout``) for another instead of failing; each change re-reads the row it changes
  inside its transaction, so no one's edit is overwritten by a stale copy.
- **A history.** Each change writes who, when, which table and row, which field, the
  old and new values, and the route it came by (``ROUTES``: a dashboard, a paper sheet typed
  in, an Excel homework file, a member's personal link), in the same
  transaction as the change itself.
- **Crash-safe.** A process killed mid-write leaves the last committed state (SQLite's
  journal rolls the unfinished transaction back); ``synchronous=FULL`` makes each commit
  durable.
- **Portable.** ``export_json`` / ``export_csv`` write every table (history included);
  importing either into an empty store and exporting again gives identical bytes.
- **Versioned.** ``PRAGMA user_version`` holds the schema version; ``MIGRATIONS`` upgrades
  older files when they are opened.

Note: SQLite's WAL mode needs a local disk (not a network share) for the workbook folder.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> with Store.open(folder, by="Facilitator") as store:
...     _ = store.add_member("Ana Diaz", "parent")
...     store.set_rating("Ana Diaz", "DB-1", "Planning", evidence="No group reports this year")
...     store.ratings()[["member", "indicator", "rating"]].values.tolist()
True
[['Ana Diaz', 'DB-1', 'Planning']]
>>> with Store.open(folder) as store:
...     for change in store.history().itertuples():
...         print(change.who, change.action, change.table, change.key, change.field, repr(change.new))
Facilitator insert members Ana Diaz role 'parent'
Ana Diaz insert ratings Ana Diaz | DB-1 rating 'Planning'
Ana Diaz insert ratings Ana Diaz | DB-1 evidence 'No group reports this year'
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from .errors import InputError, SuccessGapsError
from .formulas import cell_text
from .formulas import restore as restore_cell
from .groups import (
    ACTIVITY_STATUSES,
    GOAL_MEASURES,
    MAX_ROOT_CAUSES,
    RATING_SCALE,
    ROLES,
    canonical_group,
    canonical_outcome,
)

#: Version of the tables below, kept in ``PRAGMA user_version``.
SCHEMA_VERSION = 2

#: The routes by which a change reaches the store, recorded in its history ('' = not said,
#: as in stores written before routes were recorded).
ROUTES: dict[str, str] = {
    "dashboard": "in a dashboard (the room's screen or a member's laptop in the room)",
    "paper": "from a paper rating sheet, typed in",
    "excel": "from an Excel homework file (successgaps import-homework)",
    "link": "through the member's own link on the school network",
}

#: The store's file name when ``Store.open`` is given a folder.
DEFAULT_NAME = "team_work.sqlite"

#: An export of the team's work that a workbook folder may carry (the demo does): an empty
#: store starts from it (``Store.seed``).
SEED_NAME = "team_work.json"

#: Names the export format (JSON header, CSV version file).
FORMAT = "successgaps-team-work"

BUSY_TIMEOUT_S = 30.0  # how long a writer waits for another kernel's write to finish

_SCHEMA_V1 = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY, value TEXT NOT NULL DEFAULT '', updated_at TEXT NOT NULL DEFAULT '');
CREATE TABLE members (
    name TEXT PRIMARY KEY, role TEXT NOT NULL, email TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL DEFAULT '');
CREATE TABLE ratings (
    member TEXT NOT NULL REFERENCES members(name), indicator TEXT NOT NULL,
    rating TEXT NOT NULL DEFAULT '', evidence TEXT NOT NULL DEFAULT '', notes TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL DEFAULT '', PRIMARY KEY (member, indicator));
CREATE TABLE consensus (
    indicator TEXT PRIMARY KEY, rating TEXT NOT NULL DEFAULT '', evidence TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '', further_data TEXT NOT NULL DEFAULT '', updated_at TEXT NOT NULL DEFAULT '');
CREATE TABLE priorities (
    member TEXT NOT NULL REFERENCES members(name), indicator TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT '', PRIMARY KEY (member, indicator));
CREATE TABLE root_causes (
    id INTEGER PRIMARY KEY, statement TEXT NOT NULL DEFAULT '', indicators TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '', updated_at TEXT NOT NULL DEFAULT '');
CREATE TABLE goals (
    id INTEGER PRIMARY KEY, smart TEXT NOT NULL DEFAULT '', outcome TEXT NOT NULL DEFAULT '',
    "group" TEXT NOT NULL DEFAULT '', measure TEXT NOT NULL DEFAULT 'rate',
    comparison TEXT NOT NULL DEFAULT '', baseline REAL, baseline_date TEXT NOT NULL DEFAULT '',
    target REAL, target_date TEXT NOT NULL DEFAULT '', updated_at TEXT NOT NULL DEFAULT '');
CREATE TABLE activities (
    id INTEGER PRIMARY KEY, goal INTEGER NOT NULL REFERENCES goals(id),
    description TEXT NOT NULL DEFAULT '', person TEXT NOT NULL DEFAULT '', start TEXT NOT NULL DEFAULT '',
    due TEXT NOT NULL DEFAULT '', resources TEXT NOT NULL DEFAULT '', measure TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'Not started', updated_at TEXT NOT NULL DEFAULT '');
CREATE TABLE progress (
    id INTEGER PRIMARY KEY, activity INTEGER NOT NULL REFERENCES activities(id), date TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '', status TEXT NOT NULL DEFAULT '', updated_at TEXT NOT NULL DEFAULT '');
CREATE TABLE measurements (
    id INTEGER PRIMARY KEY, goal INTEGER NOT NULL REFERENCES goals(id), date TEXT NOT NULL,
    value REAL NOT NULL, note TEXT NOT NULL DEFAULT '', updated_at TEXT NOT NULL DEFAULT '');
CREATE TABLE history (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,
    "table" TEXT NOT NULL, key TEXT NOT NULL, field TEXT NOT NULL, old TEXT NOT NULL, new TEXT NOT NULL);
"""

#: Schema 2: the history says by which route each change came (``ROUTES``).
_ROUTE_COLUMN = "ALTER TABLE history ADD COLUMN route TEXT NOT NULL DEFAULT ''"

#: Every table, parents before children (the order of exports and imports).
TABLES: tuple[str, ...] = ("meta", "members", "ratings", "consensus", "priorities", "root_causes", "goals",
                           "activities", "progress", "measurements", "history")

#: Primary key of each table.
KEYS: dict[str, tuple[str, ...]] = {
    "meta": ("key",), "members": ("name",), "ratings": ("member", "indicator"), "consensus": ("indicator",),
    "priorities": ("member", "indicator"), "root_causes": ("id",), "goals": ("id",), "activities": ("id",),
    "progress": ("id",), "measurements": ("id",), "history": ("id",),
}

#: MIGRATIONS[v](connection) upgrades a file from schema version v to v + 1. It runs inside
#: the transaction that opens the file; add one whenever SCHEMA_VERSION goes up.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: lambda con: con.execute(_ROUTE_COLUMN),
}

#: EXPORT_UPGRADES[v](tables) brings the rows of an export written with schema v to v + 1, so
#: an older export still imports (``import_json``, ``import_csv``).
EXPORT_UPGRADES: dict[int, Callable[[dict[str, list[dict]]], None]] = {
    1: lambda tables: [row.setdefault("route", "") for row in tables.get("history", [])],
}


class TeamWorkError(SuccessGapsError, ValueError):
    """A change the store refuses, with the reason (e.g. a sixth root cause)."""


# --- Checking values ---------------------------------------------------------------------------

def _text(value) -> str:
    if not isinstance(value, str):
        raise TeamWorkError(f"expected text, got {value!r}")
    return value


def _level(value) -> str:
    value = _text(value)
    if value not in ("", *RATING_SCALE):
        raise TeamWorkError(f"{value!r} is not a rating; expected one of: {', '.join(RATING_SCALE)} "
                            "(or '' for not rated)")
    return value


def _role(value) -> str:
    value = _text(value)
    by_label = {r.label: r.id for r in ROLES.values()}
    value = by_label.get(value, value)
    if value not in ROLES:
        raise TeamWorkError(f"{value!r} is not a team role; expected one of: {', '.join(ROLES)}")
    return value


def _outcome(value) -> str:
    value = _text(value)
    try:
        return canonical_outcome(value) if value else ""
    except KeyError:
        raise TeamWorkError(f"{value!r} is not an outcome the workbook knows") from None


def _group(value) -> str:
    value = _text(value)
    try:
        return canonical_group(value) if value else ""
    except KeyError:
        raise TeamWorkError(f"{value!r} is not a group the workbook knows") from None


def _measure(value) -> str:
    if value not in GOAL_MEASURES:
        raise TeamWorkError(f"{value!r} is not a goal measure; expected one of: {', '.join(GOAL_MEASURES)}")
    return value


def _status(value) -> str:
    value = _text(value)
    if value not in ACTIVITY_STATUSES:
        raise TeamWorkError(f"{value!r} is not an activity status; expected one of: "
                            f"{', '.join(ACTIVITY_STATUSES)}")
    return value


def _route(value) -> str:
    value = _text(value)
    if value not in ("", *ROUTES):
        raise TeamWorkError(f"{value!r} is not a route; expected one of: {', '.join(ROUTES)}")
    return value


def _status_or_blank(value) -> str:
    return "" if value == "" else _status(value)


def _date(value) -> str:
    """A date as ISO text ('' for none); accepts date objects and ISO text."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(_text(value).strip()).isoformat()
    except ValueError:
        raise TeamWorkError(f"{value!r} is not a date; expected YYYY-MM-DD") from None


def _required_date(value) -> str:
    value = _date(value)
    if not value:
        raise TeamWorkError("a date is required")
    return value


def _number(value) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TeamWorkError(f"{value!r} is not a number (rates are fractions: 0.62 for 62%)")
    return float(value)


def _required_number(value) -> float:
    value = _number(value)
    if value is None:
        raise TeamWorkError("a value is required")
    return value


def _id_list(value) -> str:
    """Indicator ids as one text: 'DB-1, CR-2'."""
    items = value.split(",") if isinstance(value, str) else list(value)
    return ", ".join(_text(item).strip() for item in items if _text(item).strip())


def _name(value) -> str:
    value = " ".join(_text(value).split())
    if not value:
        raise TeamWorkError("a name is required")
    return value


def _integer(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TeamWorkError(f"expected a whole number, got {value!r}")
    return value


# How each field is checked and normalised; fields not listed are free text.
_CHECKS: dict[tuple[str, str], Callable] = {
    ("members", "name"): _name, ("members", "role"): _role,
    ("ratings", "member"): _name, ("ratings", "indicator"): _name, ("ratings", "rating"): _level,
    ("consensus", "indicator"): _name, ("consensus", "rating"): _level,
    ("priorities", "member"): _name, ("priorities", "indicator"): _name,
    ("root_causes", "indicators"): _id_list,
    ("goals", "outcome"): _outcome, ("goals", "group"): _group, ("goals", "measure"): _measure,
    ("goals", "baseline"): _number, ("goals", "target"): _number,
    ("goals", "baseline_date"): _date, ("goals", "target_date"): _date,
    ("activities", "goal"): _integer, ("activities", "start"): _date, ("activities", "due"): _date,
    ("activities", "status"): _status,
    ("progress", "activity"): _integer, ("progress", "date"): _required_date,
    ("progress", "status"): _status_or_blank,
    ("measurements", "goal"): _integer, ("measurements", "date"): _required_date,
    ("measurements", "value"): _required_number,
    ("history", "route"): _route,
}


def _as_history_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


# --- The store -----------------------------------------------------------------------------------

class Store:
    """The team's work in one SQLite file. Open with :meth:`Store.open`.

    ``by`` names who is working (recorded in the history unless a call passes its own
    ``by=``); ``route`` says by which route the changes come (``ROUTES``; a call may pass its
    own ``route=``); ``clock`` returns the current time (tests and the demo pass a fixed clock).
    """

    def __init__(self, connection: sqlite3.Connection, path: Path, by: str = "",
                 clock: Callable[[], datetime] | None = None, route: str = ""):
        self._con = connection
        self.route = _route(route)
        self._lock = threading.RLock()  # one kernel may call from widget callbacks and code alike
        self.path = path
        self.by = by
        self.clock = clock or (lambda: datetime.now(UTC))
        self._columns: dict[str, list[tuple[str, str]]] = {}

    # -- opening ------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, *, by: str = "", clock: Callable[[], datetime] | None = None,
             route: str = "") -> Store:
        """Open (creating if needed) the store at ``path``, a file or a workbook folder."""
        path = Path(path)
        if path.is_dir():
            path = path / DEFAULT_NAME
        if not path.parent.is_dir():
            raise TeamWorkError(f"{path}: the folder {path.parent} does not exist")
        try:
            con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as error:
            raise TeamWorkError(f"{path}: cannot open the team-work store ({error})") from None
        try:
            store = cls(con, path, by, clock, route)
        except TeamWorkError:
            con.close()
            raise
        try:
            con.row_factory = sqlite3.Row
            con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            con.execute("PRAGMA journal_mode = WAL")
            con.execute("PRAGMA synchronous = FULL")
            con.execute("PRAGMA foreign_keys = ON")
            store._prepare()
        except sqlite3.DatabaseError as error:
            con.close()
            raise TeamWorkError(f"{path}: not a team-work store ({error})") from None
        except BaseException:
            con.close()
            raise
        return store

    def _prepare(self) -> None:
        """Create the tables in a new file, or migrate an older one, in one transaction."""
        with self._lock:
            con = self._con
            con.execute("BEGIN IMMEDIATE")
            try:
                version = con.execute("PRAGMA user_version").fetchone()[0]
                if version == 0:
                    if con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                        raise TeamWorkError(f"{self.path}: an SQLite file that is not a team-work store")
                    for statement in _SCHEMA_V1.split(";"):
                        if statement.strip():
                            con.execute(statement)
                    version = 1  # and the migrations below bring it to SCHEMA_VERSION
                if version > SCHEMA_VERSION:
                    raise TeamWorkError(
                        f"{self.path}: written by a newer version of the workbook (schema {version}); "
                        f"this version reads schema {SCHEMA_VERSION} or older: upgrade successgaps")
                for old in range(version, SCHEMA_VERSION):
                    if old not in MIGRATIONS:
                        raise TeamWorkError(f"{self.path}: no migration from schema {old} to {old + 1}")
                    MIGRATIONS[old](con)
                con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
            for table in TABLES:
                info = con.execute(f'PRAGMA table_info("{table}")').fetchall()
                self._columns[table] = [(row["name"], row["type"].upper()) for row in info]

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    @property
    def schema_version(self) -> int:
        return self._read("PRAGMA user_version")[0][0]

    def today(self) -> date:
        """Today by the store's clock (local date of the clock's time)."""
        return self.clock().astimezone().date()

    # -- transactions ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def _write(self, by: str | None, route: str | None = None) -> Iterator[_Change]:
        """One transaction: every change and its history commit together or not at all."""
        route = self.route if route is None else _route(route)
        with self._lock:
            self._con.execute("BEGIN IMMEDIATE")
            try:
                yield _Change(self, by or self.by or "unknown", route)
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            self._con.execute("COMMIT")

    def _read(self, sql: str, params: Iterable = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._con.execute(sql, tuple(params)).fetchall()

    def _frame(self, table: str, where: str = "", params: Iterable = ()) -> pd.DataFrame:
        columns = self._columns[table]
        order = ", ".join(f'"{k}"' for k in KEYS[table])
        rows = self._read(f'SELECT * FROM "{table}" {where} ORDER BY {order}', params)
        frame = pd.DataFrame([tuple(r) for r in rows], columns=[c for c, _ in columns])
        dtypes = {"TEXT": "str", "INTEGER": "int64", "REAL": "float64"}
        return frame.astype({c: dtypes[t] for c, t in columns})

    # -- meta --------------------------------------------------------------------------------------

    def set_meta(self, key: str, value: str, *, by: str | None = None) -> bool:
        """Set a workbook-wide setting (team name, the gap statement, ...)."""
        with self._write(by) as change:
            return change.upsert("meta", {"key": _name(key)}, {"value": value})

    def meta(self) -> dict[str, str]:
        return {r["key"]: r["value"] for r in self._read("SELECT key, value FROM meta ORDER BY key")}

    # -- the team -----------------------------------------------------------------------------------

    def add_member(self, name: str, role: str, email: str = "", *, by: str | None = None) -> bool:
        """Add a team member, or change their role and email. ``role`` is a ``groups.ROLES`` id."""
        with self._write(by) as change:
            return change.upsert("members", {"name": name}, {"role": role, "email": email})

    def add_roster(self, members: Iterable[tuple[str, str, str]], *, by: str | None = None) -> int:
        """Add each ``(name, role, email)`` not yet in the store; returns how many were added.

        Add only: a name the store already has keeps what the store says (the team may have
        changed it since). One transaction, so kernels opening a new store together add each
        name once.
        """
        added = 0
        with self._write(by) as change:
            for name, role, email in members:
                if not change.count("members", "name = ?", [name]):
                    added += change.upsert("members", {"name": name}, {"role": role, "email": email})
        return added

    def remove_member(self, name: str, *, by: str | None = None) -> bool:
        """Remove a member who has no ratings or priorities (those are the team's record)."""
        with self._write(by) as change:
            for table in ("ratings", "priorities"):
                n = change.count(table, "member = ?", [name])
                if n:
                    raise TeamWorkError(f"{name!r} has {n} {table} recorded; they stay on the roster so "
                                        "the record keeps its author")
            return change.delete("members", {"name": name})

    def members(self) -> pd.DataFrame:
        """Columns name, role, email, updated_at; sorted by name."""
        return self._frame("members")

    # -- rubric ratings -------------------------------------------------------------------------------

    def set_rating(self, member: str, indicator: str, rating: str | None = None, *, evidence: str | None = None,
                   notes: str | None = None, by: str | None = None, route: str | None = None) -> bool:
        """Record one member's homework rating of one indicator.

        Arguments left as None keep their saved value; ``rating=""`` clears the rating.
        ``by`` defaults to the member; ``route`` to the store's. Returns whether anything changed.
        """
        with self._write(by or member, route) as change:
            change.require_member(member)
            return change.upsert("ratings", {"member": member, "indicator": indicator},
                                 {"rating": rating, "evidence": evidence, "notes": notes})

    def set_ratings(self, member: str, ratings: Iterable[Mapping], *, by: str | None = None,
                    route: str | None = None) -> int:
        """Record several of one member's ratings in one transaction (all or none); returns how
        many indicators changed. Each mapping has ``indicator`` and any of rating, evidence, notes."""
        changed = 0
        with self._write(by or member, route) as change:
            change.require_member(member)
            for row in ratings:
                values = {k: row.get(k) for k in ("rating", "evidence", "notes")}
                changed += change.upsert("ratings", {"member": member, "indicator": row["indicator"]}, values)
        return changed

    def ratings(self, member: str | None = None) -> pd.DataFrame:
        """Columns member, indicator, rating, evidence, notes, updated_at."""
        if member is None:
            return self._frame("ratings")
        return self._frame("ratings", "WHERE member = ?", [member])

    def set_consensus(self, indicator: str, rating: str | None = None, *, evidence: str | None = None,
                      notes: str | None = None, further_data: str | None = None,
                      by: str | None = None) -> bool:
        """Record the team's consensus on one indicator (None keeps the saved value)."""
        with self._write(by) as change:
            return change.upsert("consensus", {"indicator": indicator}, {
                "rating": rating, "evidence": evidence, "notes": notes, "further_data": further_data})

    def consensus(self) -> pd.DataFrame:
        """Columns indicator, rating, evidence, notes, further_data, updated_at."""
        return self._frame("consensus")

    # -- priorities and root causes --------------------------------------------------------------------

    def set_priority(self, member: str, indicator: str, marked: bool = True, *, by: str | None = None) -> bool:
        """Mark (or unmark) an indicator as one ``member`` would act on."""
        with self._write(by or member) as change:
            change.require_member(member)
            key = {"member": member, "indicator": indicator}
            return change.upsert("priorities", key, {}) if marked else change.delete("priorities", key)

    def priorities(self) -> pd.DataFrame:
        """Columns member, indicator, updated_at: one row per mark."""
        return self._frame("priorities")

    def add_root_cause(self, statement: str, indicators: Iterable[str] | str = (), *, notes: str = "",
                       by: str | None = None) -> int:
        """Add an agreed root cause; refused once the team has ``MAX_ROOT_CAUSES`` of them."""
        if not _text(statement).strip():
            raise TeamWorkError("a root cause needs a statement")
        with self._write(by) as change:
            n = change.count("root_causes")
            if n >= MAX_ROOT_CAUSES:
                raise TeamWorkError(
                    f"The team already has {n} root causes. The Success Gaps process keeps at most "
                    f"{MAX_ROOT_CAUSES} actionable root causes so the plan stays focused: remove or merge "
                    "one before adding another.")
            return change.insert("root_causes", {"statement": statement, "indicators": indicators,
                                                 "notes": notes})

    def update_root_cause(self, id: int, *, by: str | None = None, **fields) -> bool:
        """Change a root cause's statement, indicators or notes."""
        with self._write(by) as change:
            return change.update("root_causes", id, fields)

    def remove_root_cause(self, id: int, *, by: str | None = None) -> bool:
        with self._write(by) as change:
            return change.delete("root_causes", {"id": id})

    def root_causes(self) -> pd.DataFrame:
        """Columns id, statement, indicators (text: 'DB-1, CR-2'), notes, updated_at."""
        return self._frame("root_causes")

    # -- the action plan ------------------------------------------------------------------------------

    def add_goal(self, smart: str = "", *, by: str | None = None, **fields) -> int:
        """Add a SMART goal. Fields: outcome, group, measure ('rate' or 'difference'), comparison,
        baseline and target (fractions: 0.62 for 62%), baseline_date and target_date."""
        with self._write(by) as change:
            return change.insert("goals", {"smart": smart, **fields})

    def update_goal(self, id: int, *, by: str | None = None, **fields) -> bool:
        with self._write(by) as change:
            return change.update("goals", id, fields)

    def remove_goal(self, id: int, *, by: str | None = None) -> bool:
        """Remove a goal that has no activities or measurements left."""
        with self._write(by) as change:
            for table in ("activities", "measurements"):
                n = change.count(table, "goal = ?", [id])
                if n:
                    raise TeamWorkError(f"goal {id} still has {n} {table}; remove them first")
            return change.delete("goals", {"id": id})

    def goals(self) -> pd.DataFrame:
        """Columns id, smart, outcome, group, measure, comparison, baseline, baseline_date,
        target, target_date, updated_at."""
        return self._frame("goals")

    def add_activity(self, goal: int, description: str = "", *, by: str | None = None, **fields) -> int:
        """Add an activity to a goal. Fields: person, start, due, resources, measure, status."""
        with self._write(by) as change:
            change.require("goals", goal)
            return change.insert("activities", {"goal": goal, "description": description, **fields})

    def update_activity(self, id: int, *, by: str | None = None, **fields) -> bool:
        with self._write(by) as change:
            if "goal" in fields:
                change.require("goals", fields["goal"])
            return change.update("activities", id, fields)

    def remove_activity(self, id: int, *, by: str | None = None) -> bool:
        """Remove an activity with no progress entries (otherwise set its status to Discontinued)."""
        with self._write(by) as change:
            n = change.count("progress", "activity = ?", [id])
            if n:
                raise TeamWorkError(f"activity {id} has {n} progress entries; set its status to "
                                    "'Discontinued' instead so the record stays")
            return change.delete("activities", {"id": id})

    def activities(self, goal: int | None = None) -> pd.DataFrame:
        """Columns id, goal, description, person, start, due, resources, measure, status, updated_at."""
        if goal is None:
            return self._frame("activities")
        return self._frame("activities", "WHERE goal = ?", [goal])

    # -- implementation and monitoring ----------------------------------------------------------------

    def add_progress(self, activity: int, date: date | str, note: str = "", *, status: str = "",
                     by: str | None = None) -> int:
        """Add a dated progress entry; a ``status`` also becomes the activity's status."""
        with self._write(by) as change:
            change.require("activities", activity)
            id = change.insert("progress", {"activity": activity, "date": date, "note": note, "status": status})
            if status:
                change.update("activities", activity, {"status": status})
            return id

    def update_progress(self, id: int, *, by: str | None = None, **fields) -> bool:
        with self._write(by) as change:
            return change.update("progress", id, fields)

    def remove_progress(self, id: int, *, by: str | None = None) -> bool:
        with self._write(by) as change:
            return change.delete("progress", {"id": id})

    def progress(self, activity: int | None = None) -> pd.DataFrame:
        """Columns id, activity, date, note, status, updated_at; in entry order."""
        if activity is None:
            return self._frame("progress")
        return self._frame("progress", "WHERE activity = ?", [activity])

    def add_measurement(self, goal: int, date: date | str, value: float, *, note: str = "",
                        by: str | None = None) -> int:
        """Record a new measurement of a goal's measure (a fraction, as its baseline is)."""
        with self._write(by) as change:
            change.require("goals", goal)
            return change.insert("measurements", {"goal": goal, "date": date, "value": value, "note": note})

    def update_measurement(self, id: int, *, by: str | None = None, **fields) -> bool:
        with self._write(by) as change:
            return change.update("measurements", id, fields)

    def remove_measurement(self, id: int, *, by: str | None = None) -> bool:
        with self._write(by) as change:
            return change.delete("measurements", {"id": id})

    def measurements(self, goal: int | None = None) -> pd.DataFrame:
        """Columns id, goal, date, value, note, updated_at."""
        if goal is None:
            return self._frame("measurements")
        return self._frame("measurements", "WHERE goal = ?", [goal])

    # -- history -----------------------------------------------------------------------------------

    def history(self, table: str | None = None, key: str | None = None) -> pd.DataFrame:
        """Every change, oldest first: id, at, who, action (insert/update/delete), table, key,
        field, old, new, route (``ROUTES``; '' when not said). ``key`` is the row's key as text,
        e.g. 'Ana Diaz | DB-1' or '3'."""
        where, params = [], []
        if table is not None:
            where.append('"table" = ?')
            params.append(table)
        if key is not None:
            where.append("key = ?")
            params.append(key)
        return self._frame("history", "WHERE " + " AND ".join(where) if where else "", params)

    # -- export and import ----------------------------------------------------------------------------

    def snapshot(self) -> dict[str, list[dict]]:
        """Every table's rows (dicts, in key order), read in one consistent transaction."""
        with self._lock:
            self._con.execute("BEGIN")
            try:
                out = {}
                for table in TABLES:
                    order = ", ".join(f'"{k}"' for k in KEYS[table])
                    rows = self._con.execute(f'SELECT * FROM "{table}" ORDER BY {order}').fetchall()
                    out[table] = [dict(row) for row in rows]
            finally:
                self._con.execute("COMMIT")
        return out

    def column_types(self) -> dict[str, dict[str, str]]:
        """{table: {column: SQLite type ('TEXT', 'INTEGER', 'REAL')}}, in column order."""
        return {table: dict(columns) for table, columns in self._columns.items()}

    def import_tables(self, tables: Mapping[str, list[dict]], *, source: str = "tables") -> None:
        """Load rows as ``snapshot`` returns them into this empty store (history included, none
        added; checked like an import)."""
        self._load(source, {t: list(tables.get(t, [])) for t in TABLES}, False, parse=False)

    def revision(self) -> int:
        """A number that grows with every change (the newest history entry; 0 when none).

        Every change writes its history row in its own transaction, so a screen that remembers
        this number knows, with one indexed query, whether anyone has saved anything since.
        """
        return int(self._read("SELECT coalesce(max(id), 0) FROM history")[0][0])

    def is_empty(self) -> bool:
        """True when no table holds a row."""
        return not any(self._read(f'SELECT 1 FROM "{t}" LIMIT 1') for t in TABLES)

    def seed(self, export: str | Path) -> bool:
        """Import ``export`` if it exists and this store is still empty; True if it did.

        Several kernels may open a new store together: the first import wins, and the
        others' refusal (the store is no longer empty) is expected. A bad export leaves the
        store empty (imports are one transaction), so its error is raised.
        """
        export = Path(export)
        if not export.is_file() or not self.is_empty():
            return False
        try:
            self.import_json(export)
        except TeamWorkError:
            if self.is_empty():
                raise
            return False
        return True

    def export_json(self, path: str | Path) -> Path:
        """Write every table to one JSON file (one row a line); returns the path."""
        snapshot = self.snapshot()
        lines = ["{", f' "format": {json.dumps(FORMAT)},', f' "schema_version": {self.schema_version},',
                 ' "tables": {']
        for n, table in enumerate(TABLES):
            comma = "," if n < len(TABLES) - 1 else ""
            rows = [json.dumps(row, ensure_ascii=False, allow_nan=False) for row in snapshot[table]]
            if rows:
                lines += [f"  {json.dumps(table)}: [", *("   " + r + "," for r in rows[:-1]),
                          "   " + rows[-1], f"  ]{comma}"]
            else:
                lines.append(f"  {json.dumps(table)}: []{comma}")
        lines += [" }", "}", ""]
        path = Path(path)
        _write_atomically(path, "\n".join(lines))
        return path

    def export_csv(self, directory: str | Path) -> Path:
        """Write one CSV per table, plus ``schema_version.txt``, into ``directory``."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        snapshot = self.snapshot()
        for table in TABLES:
            columns = [c for c, _ in self._columns[table]]
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(columns)
            for row in snapshot[table]:
                # Text that a spreadsheet would run (=, +, -, @ ...) gets an apostrophe; import removes it.
                writer.writerow([cell_text(row[c]) for c in columns])
            _write_atomically(directory / f"{table}.csv", buffer.getvalue())
        _write_atomically(directory / "schema_version.txt", f"{FORMAT} {self.schema_version}\n")
        return directory

    def import_json(self, path: str | Path, *, replace: bool = False) -> None:
        """Load a JSON export into this store (which must be empty unless ``replace=True``)."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise InputError(path, "file not found") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise InputError(path, f"not a team-work export: not valid JSON ({error})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InputError(path, "not a team-work export", expected=f'"format": "{FORMAT}"')
        version = data.get("schema_version")
        self._check_version(path, version)
        tables = data.get("tables")
        if not isinstance(tables, dict):
            raise InputError(path, "no 'tables' in the file")
        loaded = {}
        for table in TABLES:
            rows = tables.get(table, [])
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                raise InputError(path, f"table {table!r} is not a list of rows")
            loaded[table] = rows
        _upgrade_export(loaded, version)
        self._load(path, loaded, replace, parse=False)

    def import_csv(self, directory: str | Path, *, replace: bool = False) -> None:
        """Load a CSV export (a folder written by ``export_csv``)."""
        directory = Path(directory)
        version_file = directory / "schema_version.txt"
        try:
            name, _, version = version_file.read_text(encoding="utf-8").strip().partition(" ")
        except FileNotFoundError:
            raise InputError(version_file, "file not found: not a team-work CSV export") from None
        if name != FORMAT or not version.isdigit():
            raise InputError(version_file, "not a team-work CSV export", expected=f"'{FORMAT} <version>'")
        self._check_version(version_file, int(version))
        loaded = {}
        for table in TABLES:
            file = directory / f"{table}.csv"
            try:
                with file.open(encoding="utf-8-sig", newline="") as handle:
                    loaded[table] = list(csv.DictReader(handle))
            except FileNotFoundError:
                raise InputError(file, "file not found: every table of the export is needed") from None
        _upgrade_export(loaded, int(version))
        self._load(directory, loaded, replace, parse=True)

    def _check_version(self, file, version) -> None:
        """An export of this store's schema, or of an older one that ``EXPORT_UPGRADES`` brings up."""
        older = isinstance(version, int) and not isinstance(version, bool) and 0 < version < self.schema_version \
            and all(v in EXPORT_UPGRADES for v in range(version, self.schema_version))
        if version != self.schema_version and not older:
            raise InputError(file, f"written with schema version {version}; this store has version "
                                   f"{self.schema_version}", column="schema_version")

    def _load(self, source, tables: dict[str, list[dict]], replace: bool, parse: bool) -> None:
        """Insert exported rows verbatim (history included, none added) in one transaction."""
        with self._lock:
            con = self._con
            con.execute("BEGIN IMMEDIATE")
            try:
                if not replace and any(con.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone() for t in TABLES):
                    raise TeamWorkError(f"{self.path}: the store already holds team work; import into an "
                                        "empty store, or pass replace=True to replace everything")
                for table in reversed(TABLES):
                    con.execute(f'DELETE FROM "{table}"')
                for table in TABLES:
                    self._load_table(con, source, table, tables[table], parse)
                if con.execute("SELECT count(*) FROM root_causes").fetchone()[0] > MAX_ROOT_CAUSES:
                    raise InputError(source, f"more than {MAX_ROOT_CAUSES} root causes", column="root_causes")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def _load_table(self, con, source, table: str, rows: list[dict], parse: bool) -> None:
        columns = self._columns[table]
        names = [c for c, _ in columns]
        file = Path(source) / f"{table}.csv" if parse else source
        sql = (f'INSERT INTO "{table}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in names)}) '
               f'VALUES ({", ".join("?" * len(names))})')
        for number, row in enumerate(rows, 2 if parse else 1):
            where = {"row": number} if parse else {"column": f"{table}[{number - 1}]"}
            if set(row) != set(names):
                raise InputError(file, f"table {table!r} has columns {sorted(row)}", **where,
                                 expected=", ".join(names))
            values = []
            for column, kind in columns:
                try:
                    values.append(self._import_value(table, column, kind, row[column], parse))
                except (TeamWorkError, ValueError) as error:
                    raise InputError(file, f"table {table!r}, column {column!r}: {error}", **where) from None
            try:
                con.execute(sql, values)
            except sqlite3.IntegrityError as error:
                raise InputError(file, f"table {table!r}: {error}", **where) from None

    @staticmethod
    def _import_value(table: str, column: str, kind: str, value, parse: bool):
        if parse:  # CSV holds text: read it back by the column's type
            if kind == "TEXT":
                value = restore_cell(value)
            elif kind == "INTEGER":
                value = int(value)
            elif kind == "REAL":
                value = None if value == "" else float(value)
        if kind == "INTEGER":
            return _integer(value)
        if kind == "REAL":
            value = _number(value)
            if value is None and column == "value":
                raise TeamWorkError("a value is required")
            return value
        check = _CHECKS.get((table, column), _text)
        return check(value)


def _upgrade_export(tables: dict[str, list[dict]], version: int) -> None:
    """Bring the rows of an export written with an older schema up to this one, in place."""
    for old in range(version, SCHEMA_VERSION):
        EXPORT_UPGRADES[old](tables)


class _Change:
    """The changes of one transaction, each written with its history rows."""

    def __init__(self, store: Store, by: str, route: str = ""):
        self.store, self.con, self.by, self.route = store, store._con, by, route
        self.now = store.clock().astimezone(UTC).isoformat(timespec="seconds")

    def clean(self, table: str, values: Mapping) -> dict:
        names = [c for c, _ in self.store._columns[table]]
        out = {}
        for field, value in values.items():
            if field not in names or field in ("id", "updated_at"):
                editable = [n for n in names if n not in ("id", "updated_at", *KEYS[table])]
                raise TeamWorkError(f"{table} have no field {field!r}; fields: {', '.join(editable)}")
            if value is None and field not in ("baseline", "target"):
                continue  # None = leave unchanged
            check = _CHECKS.get((table, field), _text)
            out[field] = check(value)
        return out

    def count(self, table: str, where: str = "", params: Iterable = ()) -> int:
        sql = f'SELECT count(*) FROM "{table}"' + (f" WHERE {where}" if where else "")
        return self.con.execute(sql, tuple(params)).fetchone()[0]

    def require(self, table: str, id: int) -> None:
        if not self.count(table, "id = ?", [id]):
            raise TeamWorkError(f"there is no {table.rstrip('s')} with id {id!r}")

    def require_member(self, name: str) -> None:
        if not self.count("members", "name = ?", [_name(name)]):
            raise TeamWorkError(f"{name!r} is not on the team; add them with add_member first")

    def _row(self, table: str, key: Mapping) -> sqlite3.Row | None:
        where = " AND ".join(f'"{k}" = ?' for k in key)
        return self.con.execute(f'SELECT * FROM "{table}" WHERE {where}', tuple(key.values())).fetchone()

    def log(self, action: str, table: str, key: Mapping, changes: Mapping[str, tuple]) -> None:
        key_text = " | ".join(str(v) for v in key.values())
        rows = [(self.now, self.by, action, table, key_text, field, _as_history_text(old), _as_history_text(new),
                 self.route) for field, (old, new) in changes.items()] or [
                (self.now, self.by, action, table, key_text, "", "", "", self.route)]
        self.con.executemany('INSERT INTO history (at, who, action, "table", key, field, old, new, route) '
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def _data_fields(self, table: str, row: sqlite3.Row) -> dict:
        skip = {"updated_at", *KEYS[table]}
        return {k: row[k] for k in row.keys() if k not in skip}  # noqa: SIM118 - a Row iterates values

    def upsert(self, table: str, key: Mapping, values: Mapping) -> bool:
        key = self.clean(table, key)
        values = self.clean(table, values)
        old = self._row(table, key)
        if old is None:
            self._insert_row(table, {**key, **values})
            new = self._row(table, key)
            self.log("insert", table, key, {f: ("", v) for f, v in self._data_fields(table, new).items()
                                            if v not in ("", None)})
            return True
        return self._update_row(table, key, old, values)

    def insert(self, table: str, values: Mapping) -> int:
        values = self.clean(table, values)
        id = self._insert_row(table, values)
        new = self._row(table, {"id": id})
        self.log("insert", table, {"id": id}, {f: ("", v) for f, v in self._data_fields(table, new).items()
                                               if v not in ("", None)})
        return id

    def update(self, table: str, id: int, values: Mapping) -> bool:
        values = self.clean(table, values)
        old = self._row(table, {"id": id})
        if old is None:
            raise TeamWorkError(f"there is no {table.rstrip('s')} with id {id!r}")
        return self._update_row(table, {"id": id}, old, values)

    def delete(self, table: str, key: Mapping) -> bool:
        key = self.clean(table, key) if "id" not in key else dict(key)
        old = self._row(table, key)
        if old is None:
            return False
        where = " AND ".join(f'"{k}" = ?' for k in key)
        self.con.execute(f'DELETE FROM "{table}" WHERE {where}', tuple(key.values()))
        self.log("delete", table, key, {f: (v, "") for f, v in self._data_fields(table, old).items()
                                        if v not in ("", None)})
        return True

    def _insert_row(self, table: str, values: Mapping) -> int:
        values = {**values, "updated_at": self.now}
        columns = ", ".join(f'"{c}"' for c in values)
        cursor = self.con.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join("?" * len(values))})',
                                  tuple(values.values()))
        return cursor.lastrowid

    def _update_row(self, table: str, key: Mapping, old: sqlite3.Row, values: Mapping) -> bool:
        changed = {f: v for f, v in values.items() if old[f] != v}
        if not changed:
            return False
        sets = ", ".join(f'"{f}" = ?' for f in [*changed, "updated_at"])
        where = " AND ".join(f'"{k}" = ?' for k in key)
        self.con.execute(f'UPDATE "{table}" SET {sets} WHERE {where}',
                         (*changed.values(), self.now, *key.values()))
        self.log("update", table, key, {f: (old[f], v) for f, v in changed.items()})
        return True


def _write_atomically(path: Path, text: str) -> None:
    """Write a file whole or not at all (a reader never sees half an export)."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
