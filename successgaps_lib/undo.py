"""Undo a change, read back from the store's history.

Every change the store makes writes its history rows (which row, which field, old and new
value) in its own transaction, and the store remembers which history rows each of its own
changes wrote (``Store.changes``). Undoing a change applies those rows backwards, newest
first, in one new transaction that is itself in the history (so an undo can be undone):

- an added row is removed again;
- a changed field gets its old value back;
- a removed row comes back with every value it had (its id included, so the activities and
  progress entries that point at it still do).

An undo never overwrites someone else's later work: if a field, or a row, is no longer what
the change left (another screen changed it since), the whole undo is refused in one line.

>>> from successgaps_lib.store import Store
>>> store = Store.open(":memory:", by="Karen")
>>> goal = store.add_goal("Raise the graduation rate")
>>> activity = store.add_activity(goal, "Mentoring", person="Tom")
>>> store.remove_activity(activity)
True
>>> describe(store, store.changes[-1])
'removed activity 1'
>>> undo(store, store.changes[-1])
'removed activity 1'
>>> store.activities()[["id", "description", "person"]].values.tolist()
[[1, 'Mentoring', 'Tom']]
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from .groups import MAX_ROOT_CAUSES
from .history import _key_values, _typed
from .store import KEYS, Store, TeamWorkError, _as_history_text

__all__ = ["describe", "undo"]

#: One change: the first and last id of the history rows its transaction wrote.
Change = tuple[int, int]

_DONE = {"insert": "added", "update": "changed", "delete": "removed"}
_NOUN = {"members": "member", "ratings": "rating", "consensus": "consensus", "priorities": "priority",
         "root_causes": "root cause", "goals": "goal", "activities": "activity", "progress": "progress entry",
         "measurements": "measurement", "meta": "setting"}


def _rows(store: Store, changes: Sequence[Change]) -> list[dict]:
    rows: list[dict] = []
    for first, last in changes:
        found = store._read('SELECT * FROM history WHERE id BETWEEN ? AND ? ORDER BY id', (first, last))
        rows += [dict(row) for row in found]
    return rows


def describe(store: Store, *changes: Change) -> str:
    """A change in a few words: 'removed activity 3', 'changed goal 1 (target, target_date)'."""
    parts: dict[tuple[str, str, str], list[str]] = {}
    for row in _rows(store, changes):
        fields = parts.setdefault((row["action"], row["table"], row["key"]), [])
        if row["field"] and row["action"] == "update":
            fields.append(row["field"].replace("_", " "))
    words = []
    for (action, table, key), fields in parts.items():
        text = f"{_DONE.get(action, action)} {_NOUN.get(table, table)} {key}"
        words.append(text + (f" ({', '.join(dict.fromkeys(fields))})" if fields else ""))
    return "; ".join(words) or "nothing"


def undo(store: Store, *changes: Change, by: str | None = None) -> str:
    """Undo ``changes`` (ranges of history ids, as in ``Store.changes``) in one transaction.

    Returns what was undone, in words. Raises TeamWorkError (nothing changed) when a row or field
    is no longer what the change left.
    """
    rows = sorted(_rows(store, changes), key=lambda r: r["id"], reverse=True)
    if not rows:
        raise TeamWorkError("there is nothing to undo")
    what = describe(store, *changes)
    types = store.column_types()
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for row in rows:  # newest first; one group per row touched by one kind of change
        groups.setdefault((row["table"], row["key"], row["action"]), []).append(row)
    try:
        with store._write(by) as change:
            for (table, key_text, action), group in groups.items():
                key = _key_values(table, key_text, types[table])
                current = change._row(table, key)
                if action == "insert":
                    _check(current, group, "new", table, key_text)
                    change.delete(table, key)
                elif action == "update":
                    _check(current, group, "new", table, key_text)
                    old = {r["field"]: _typed(types[table][r["field"]], r["old"]) for r in group}  # oldest wins
                    change._update_row(table, key, current, old)
                else:  # a removed row comes back as it was
                    if current is not None:
                        raise TeamWorkError(f"cannot undo: {_NOUN.get(table, table)} {key_text} is there again")
                    values = {**key, **{r["field"]: _typed(types[table][r["field"]], r["old"])
                                        for r in group if r["field"]}}
                    change._insert_row(table, values)
                    change.log("insert", table, key, {f: ("", v) for f, v in values.items()
                                                      if f not in KEYS[table] and v not in ("", None)})
            if change.count("root_causes") > MAX_ROOT_CAUSES:
                raise TeamWorkError(f"cannot undo: the team would have more than {MAX_ROOT_CAUSES} root causes")
    except sqlite3.IntegrityError:
        raise TeamWorkError(f"cannot undo ({what}): other work now depends on it") from None
    return what


def _check(current, group: list[dict], side: str, table: str, key: str) -> None:
    """The row must still hold what the change left, or someone else has changed it since."""
    noun = _NOUN.get(table, table)
    if current is None:
        raise TeamWorkError(f"cannot undo: {noun} {key} has been removed since")
    seen = set()
    for row in group:  # newest first: only the last value a field was given must still be there
        if not row["field"] or row["field"] in seen:
            continue
        seen.add(row["field"])
        if _as_history_text(current[row["field"]]) != row[side]:
            raise TeamWorkError(f"cannot undo: {noun} {key} was changed since ({row['field'].replace('_', ' ')}); "
                                "change it back by hand")
