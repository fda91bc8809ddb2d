"""The shapes real files have, read through a mapping: row filters, sums, denominators from rows,
and column names that drift in spelling.

A public file rarely has one row per year, school, group and outcome with its own
denominator. The mapping keys of docs/mapping.md that this module carries out:

* ``rows: {keep: ..., drop: ...}``: rows kept or left out by a column's value or a simple
  condition (``Cohort == "August"``, ``Age >= 6``). Every row left out is counted and named
  (``Filtered``), never dropped in silence.
* ``sum: {group: {Hispanic/Latino: [Hispanic male, Hispanic female]}}``: several of the
  file's categories read as one. A suppressed or missing part makes the sum unknown, with the
  bounds the known parts give (``sum_counts``): never a guess.
* ``denominator_from: {outcome: All Disabilities}``: each row's denominator is the count of
  the row that names ``All Disabilities`` in the same year, place and group.
* column names matched through their spelling drift (``drift_regex``): ``Ages 6-21``,
  ``Ages 6 to 21`` and ``Age 6 to21`` are one name.

>>> sum_counts(["12", "30"]), sum_counts(["12", "*"]), sum_counts(["1-5", "10"])
('42', 'GE12', '11-15')
>>> bool(drift_regex("Ages 6-21").fullmatch("Age 6 to21"))
True
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .parse import NAN, parse_count
from .read import fold

# --- Spelling drift -------------------------------------------------------------------------

_CONNECTORS = ("-", "–", "—", "to", "through", "thru")
_TOKEN = re.compile(r"[A-Za-z]+|\d+|[-–—]")
_SEP = r"[\W_]*"


def drift_regex(name: str, captures: dict[str, str] | None = None) -> re.Pattern:
    """A regex matching ``name`` whatever its case, spacing, punctuation, plural ``s`` and ``to``/``-``.

    ``captures`` maps a placeholder in ``name`` (``{group}``) to the regex of its value.

    >>> r = drift_regex("{group} Ages 6-21", {"group": "(?P<group>.+?)"})
    >>> r.fullmatch("Black or African American Age 6 to21")["group"]
    'Black or African American'
    >>> bool(drift_regex("Ages 6-21").fullmatch("Ages 3-5"))
    False
    """
    captures = captures or {}
    parts = re.split(r"(\{[a-z]+\})", name)
    out = []
    for part in parts:
        if part in {"{" + k + "}" for k in captures}:
            out.append(captures[part[1:-1]])
            continue
        tokens = _TOKEN.findall(part)
        pieces = []
        for i, token in enumerate(tokens):
            between = 0 < i < len(tokens) - 1 and tokens[i - 1].isdigit() and tokens[i + 1].isdigit()
            if token.lower() in _CONNECTORS and between:
                pieces.append("(?:" + "|".join(re.escape(c) for c in _CONNECTORS) + ")")
            elif token in ("-", "–", "—"):
                continue  # punctuation outside a range of numbers is spacing
            elif token.isalpha() and len(token) > 3 and token.lower().endswith("s") and token[-2:].lower() != "ss":
                pieces.append(re.escape(token[:-1]) + "s?")
            elif token.isalpha() and len(token) > 2:
                pieces.append(re.escape(token) + "s?")
            else:
                pieces.append(re.escape(token))
        if pieces:
            out.append(_SEP + _SEP.join(pieces) + _SEP)
        elif part:
            out.append(_SEP)
    return re.compile("".join(out), re.IGNORECASE)


def drift_match(wanted: str, columns) -> str | None:
    """The one column of ``columns`` that is ``wanted`` spelt otherwise; None if none or several."""
    regex = drift_regex(wanted)
    hits = [c for c in columns if regex.fullmatch(str(c).strip())]
    return hits[0] if len(hits) == 1 else None


# --- Row filters ----------------------------------------------------------------------------

_CONDITION = re.compile(r"^\s*(.+?)\s*(==|!=|>=|<=|=|>|<)\s*(.+?)\s*$")


@dataclass(frozen=True)
class Condition:
    """One row filter: ``column op values`` (``==`` / ``!=``: any of the values, compared folded)."""

    action: str  # keep | drop
    column: str
    op: str  # == != >= <= > <
    values: tuple[str, ...]

    def text(self) -> str:
        """``keep Cohort == 'August'``, ``drop State in ['US', 'Outlying areas']``."""
        if len(self.values) == 1:
            return f"{self.action} {self.column} {self.op} {self.values[0]!r}"
        op = "in" if self.op == "==" else "not in"
        return f"{self.action} {self.column} {op} [{', '.join(repr(v) for v in self.values)}]"

    def holds(self, cells: pd.Series) -> np.ndarray:
        """Where the condition is true (a number compared with a non-number is false)."""
        if self.op in ("==", "!="):
            wanted = {fold(v) for v in self.values}
            uniques = pd.unique(cells)
            equal = cells.map({u: fold(u) in wanted for u in uniques}).to_numpy(dtype=bool)
            return equal if self.op == "==" else ~equal
        bound = float(self.values[0])
        numbers = pd.to_numeric(cells.astype("str").str.replace(",", "").str.strip(), errors="coerce").to_numpy()
        with np.errstate(invalid="ignore"):
            result = {">": numbers > bound, "<": numbers < bound, ">=": numbers >= bound, "<=": numbers <= bound}
        return result[self.op] & ~np.isnan(numbers)


def parse_condition(action: str, item) -> list[Condition]:
    """``{Column: value}``, ``{Column: [a, b]}`` or ``'Column == value'``; ValueError if neither."""
    if isinstance(item, dict):
        out = []
        for column, value in item.items():
            values = value if isinstance(value, list) else [value]
            if not values or any(isinstance(v, dict | list) or v is None for v in values):
                raise ValueError(f"{column!r}: expected a value or a list of values")
            out.append(Condition(action, str(column).strip(), "==", tuple(str(v).strip() for v in values)))
        return out
    if isinstance(item, str):
        match = _CONDITION.match(item)
        if not match:
            raise ValueError(f"{item!r} is not a condition such as 'Cohort == August' or 'Age >= 6'")
        column, op, value = match[1].strip(), "==" if match[2] == "=" else match[2], match[3].strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        if op not in ("==", "!="):
            try:
                float(value)
            except ValueError:
                raise ValueError(f"{item!r}: {op} compares numbers, and {value!r} is not a number") from None
        return [Condition(action, column.strip("\"'"), op, (value,))]
    raise ValueError("expected 'Column: value' lines or conditions such as 'Cohort == August'")


@dataclass(frozen=True)
class Filtered:
    """Rows a filter left out: which filter, how many, and which rows of the file."""

    condition: str
    column: str  # the file's column the filter read
    rows: tuple[int, ...]

    def line(self) -> str:
        shown = ", ".join(str(r) for r in self.rows[:10]) + (", ..." if len(self.rows) > 10 else "")
        n = len(self.rows)
        return f"left out by the mapping ({self.condition}): {n:,} row{'s' if n != 1 else ''} (rows {shown})"


def filter_rows(frame: pd.DataFrame, conditions, resolve) -> tuple[pd.DataFrame, list[Filtered]]:
    """``frame`` without the rows the conditions leave out, and what was left out by which condition.

    ``resolve(name)`` gives the frame's column for a condition's column name.
    """
    keep = np.ones(len(frame), dtype=bool)
    out = []
    rows = frame.index.to_numpy()
    for condition in conditions:
        column = resolve(condition.column)
        holds = condition.holds(frame[column].astype("str").str.strip())
        leave = (~holds if condition.action == "keep" else holds) & keep
        keep &= ~leave
        out.append(Filtered(condition.text(), column, tuple(int(r) for r in rows[leave])))
    return frame[keep], out


# --- Sums of categories ---------------------------------------------------------------------

def sum_counts(texts, markers=frozenset()) -> str:
    """Several count cells summed, as a count cell: exact, a range, ``GE<n>``, or ``*`` (unknown).

    A cell that is not a count is returned as it is, so the loader reports it.
    """
    low = high = 0.0
    exact = True
    for text in texts:
        text = "" if text is None else str(text)
        if "".join(text.split()).lower() in markers:
            value, lo, hi = NAN, NAN, NAN
        else:
            try:
                value, lo, hi = parse_count(text)
            except ValueError:
                return text
        exact &= not math.isnan(value)
        low += 0.0 if math.isnan(lo) else lo
        high = NAN if math.isnan(hi) else high + hi
    if exact:
        return f"{low:g}"
    if math.isnan(high):
        return f"GE{low:g}" if low > 0 else "*"
    return f"{low:g}-{high:g}"


_VALUES = ("row", "numerator", "denominator", "rate", "numerator_low", "numerator_high")


def apply_sums(long: pd.DataFrame, sums: dict, markers, *, same_row=()) -> pd.DataFrame:
    """Rows of the parts of each ``sum`` (field -> {target: folded parts}) replaced by one row per target.

    The numerators of the parts are summed; so are the denominators of summed groups (they hold
    different children). Summed outcomes share one population: their denominators must agree
    (if they do not, the row's denominator shows both, and the loader reports it). Targets may
    share parts (All students as the sum of every race and sex). A part the file has for that
    group (or outcome) elsewhere but not in this year and place makes the sum unknown there;
    a part the file never has for it (CRDC has no ``DISCWDIS_ISS_IDEA`` column for English
    learners) is not expected. ``same_row``: the fields whose parts sit on one row of the file
    (a wide file's ``{group}`` columns).
    """
    for field, targets in sums.items():
        if field not in long:
            continue
        folded = long[field].astype("str").map(fold)
        every = frozenset().union(*targets.values())
        is_any = folded.isin(every).to_numpy()
        if not is_any.any():
            continue
        key = [c for c in long.columns if c not in (*_VALUES, field) and not c.startswith("_")]
        partner = [c for c in ("group", "outcome") if c in key and c != field]
        seen = (pd.DataFrame({"p": long[partner[0]].astype("str"), "f": folded}) if partner else
                pd.DataFrame({"p": "", "f": folded}))
        has = seen[is_any].groupby("p")["f"].agg(frozenset).to_dict()
        made = []
        for target, parts in targets.items():
            is_part = folded.isin(parts).to_numpy()
            if not is_part.any():
                continue
            pieces = long[is_part].assign(_part=folded[is_part].to_numpy())
            by = ["row", *key] if field in same_row else key
            for _, block in pieces.groupby(by, sort=False, dropna=False):
                made.append(_summed(block, field, target, parts, has, partner, markers))
        long = pd.concat([long[~is_any], *made], ignore_index=True).sort_values("row", kind="stable")
        long = long.reset_index(drop=True)
    return long


def _summed(block: pd.DataFrame, field: str, target: str, parts, has: dict, partner: list, markers) -> pd.DataFrame:
    """One row: the parts of ``block`` summed (or the block as it is, if a part appears twice)."""
    if block["_part"].duplicated().any():
        return block.drop(columns="_part")  # a part twice: left unsummed, reported as unknown names
    first = block.iloc[[0]].drop(columns="_part").copy()
    expected = parts & has.get(str(block[partner[0]].iat[0]) if partner else "", parts)
    missing = len(expected - set(block["_part"]))
    first[field] = target
    first[f"_col_{field}"] = " + ".join(str(c) for c in block.get(f"_col_{field}", block[field]))
    for value in ("numerator", "denominator"):
        if value not in block:
            continue
        texts = list(block[value].astype("str"))
        if value == "denominator" and field == "outcome":
            first[value] = texts[0] if len(set(texts)) == 1 else " / ".join(texts)
        else:
            first[value] = sum_counts(texts + ["*"] * missing, markers)
        columns = [str(c) for c in block.get(f"_col_{value}", []) if isinstance(c, str)]
        if len(set(columns)) > 1:
            first[f"_col_{value}"] = " + ".join(dict.fromkeys(columns))
    if "rate" in block:
        first["rate"] = ""  # rates of parts cannot be summed
    return first


# --- Denominators from another row ----------------------------------------------------------

def denominators_from_rows(long: pd.DataFrame, field: str, name: str) -> pd.DataFrame:
    """Each row's denominator: the numerator of the row naming ``name`` in ``field``, same year, place, group.

    The rows naming ``name`` are denominators, not outcomes: they leave the table. A row with
    no such row has ``_no_denominator`` set (the loader reports it).
    """
    folded = long[field].astype("str").map(fold)
    source = (folded == fold(name)).to_numpy()
    key = [c for c in long.columns if c not in ("row", field, "numerator", "denominator", "rate", "numerator_low",
                                               "numerator_high") and not c.startswith("_")]
    totals = long[source]
    rest = long[~source].copy()
    if "numerator" not in totals:
        rest["_no_denominator"] = True
        return rest.reset_index(drop=True)
    totals = totals.drop_duplicates(key, keep="first")
    lookup = totals.set_index(key)[["numerator", "_col_numerator", "row"]] if key else None
    if lookup is None:
        rest["denominator"] = totals["numerator"].iat[0] if len(totals) else ""
        rest["_no_denominator"] = len(totals) == 0
        return rest.reset_index(drop=True)
    joined = rest[key].join(lookup, on=key)
    found = joined["row"].notna().to_numpy()
    number = joined["numerator"].to_numpy(dtype=object)
    column = joined["_col_numerator"].to_numpy(dtype=object)
    rest["denominator"] = np.where(found, number, "")
    rest["_col_denominator"] = [f"{c} (row {name!r})" if f else None for c, f in zip(column, found, strict=True)]
    rest["_no_denominator"] = ~found
    return rest.reset_index(drop=True)
