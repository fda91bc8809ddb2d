"""The team's work as it stood at any moment, read back from the store's history.

Every change the store makes writes its history in the same transaction (who, when, which
row, which field, old and new value), so the state at a past moment is the present state
with every later change undone, newest first. Undoing (rather than replaying from nothing)
keeps rows that predate the history, such as a store imported from another tool.

A meeting's handout shows the work as it stood when the meeting ended: what the team had
agreed by then, not what it entered afterwards. Reprinting an old meeting's handout after
months of later work gives the same document (``as_of_meeting``). A meeting not yet over
shows the work as it is now.

>>> import tempfile, pathlib
>>> from datetime import UTC, datetime
>>> days = iter([datetime(2025, 12, 9, 16, tzinfo=UTC), datetime(2026, 1, 13, 16, tzinfo=UTC)])
>>> store = Store.open(":memory:", by="Karen", clock=lambda: next(days))
>>> cause = store.add_root_cause("Warning signs reach nobody")
>>> store.update_root_cause(cause, statement="Warning signs reach nobody who can act")
True
>>> as_of(store, datetime(2025, 12, 31, tzinfo=UTC)).root_causes()["statement"].tolist()
['Warning signs reach nobody']
>>> as_of(store, datetime(2025, 12, 1, tzinfo=UTC)).root_causes().empty
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from .store import KEYS, TABLES, Store

__all__ = ["as_of", "as_of_meeting", "meeting_moment", "state_at"]


def _at(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _utc(moment: dt.datetime) -> dt.datetime:
    return (moment if moment.tzinfo else moment.astimezone()).astimezone(dt.UTC)


def _typed(kind: str, text: str):
    """A history value (always text) back in its column's type."""
    if kind == "INTEGER":
        return int(text)
    if kind == "REAL":
        return None if text == "" else float(text)
    return text


def _key_values(table: str, key: str, types: dict[str, str]) -> dict:
    """A history key ('Ana Diaz | DB-1', '3') as the row's key columns."""
    names = KEYS[table]
    parts = [key] if len(names) == 1 else key.rsplit(" | ", len(names) - 1)
    return {n: _typed(types[n], p) for n, p in zip(names, parts, strict=True)}


def state_at(store: Store, moment: dt.datetime) -> dict[str, list[dict]]:
    """Every table as it stood at ``moment`` (rows as ``Store.snapshot`` gives them), with the
    history up to that moment."""
    cutoff = _utc(moment)
    snapshot = store.snapshot()
    types = store.column_types()
    history = snapshot["history"]
    kept = [h for h in history if _at(h["at"]) <= cutoff]
    later = [h for h in history if _at(h["at"]) > cutoff]
    rows = {t: {tuple(r[k] for k in KEYS[t]): dict(r) for r in snapshot[t]} for t in TABLES if t != "history"}
    touched: set[tuple[str, tuple]] = set()
    for change in sorted(later, key=lambda h: h["id"], reverse=True):
        table = change["table"]
        key = _key_values(table, change["key"], types[table])
        ident = tuple(key.values())
        touched.add((table, ident))
        if change["action"] == "insert":
            rows[table].pop(ident, None)
            continue
        row = rows[table].get(ident)
        if row is None:  # undoing a delete: the row comes back, field by field
            row = rows[table][ident] = {c: key.get(c, "" if k == "TEXT" else None)
                                        for c, k in types[table].items()}
        if change["field"]:
            row[change["field"]] = _typed(types[table][change["field"]], change["old"])
    # A row changed later carries the time of its last change before the moment.
    last = {}
    for h in kept:
        last[(h["table"], tuple(_key_values(h["table"], h["key"], types[h["table"]]).values()))] = h["at"]
    for table, ident in touched:
        if ident in rows[table]:
            rows[table][ident]["updated_at"] = last.get((table, ident), "")
    out = {t: [rows[t][k] for k in sorted(rows[t])] for t in rows}
    out["history"] = kept
    return out


def as_of(store: Store, moment: dt.datetime) -> Store:
    """The team's work at ``moment`` as a read-only copy in memory (``store`` itself when nothing
    changed since)."""
    newest = store.history().tail(1)
    if newest.empty or _at(newest["at"].iloc[0]) <= _utc(moment):
        return store
    past = Store.open(":memory:", by=store.by, clock=store.clock)
    past.import_tables(state_at(store, moment), source=f"{store.path} as of {_utc(moment).isoformat()}")
    return past


def meeting_moment(workbook, number: int, now: Callable[[], dt.datetime] | None = None) -> dt.datetime:
    """The moment a meeting's documents show: when the meeting ended, or now if it has not yet."""
    end = workbook.moment(workbook.meeting(number).end)
    current = (now or (lambda: dt.datetime.now(dt.UTC)))()
    return min(_utc(end), _utc(current))


def as_of_meeting(store: Store, workbook, number: int, now: Callable[[], dt.datetime] | None = None) -> Store:
    """The team's work as it stood at the end of meeting ``number`` (now, for a meeting not yet over)."""
    return as_of(store, meeting_moment(workbook, number, now))
