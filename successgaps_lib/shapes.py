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


def filter_rows(frame: pd.DataFrame, conditions, resolve) -> tuple[pd.DataFrame, list[Filtered], list[str]]:
    """``frame`` without the rows the conditions leave out, what was left out by which condition, the columns read.

    ``resolve(name)`` gives the frame's column for a condition's column name.
    """
    keep = np.ones(len(frame), dtype=bool)
    out, read = [], []
    rows = frame.index.to_numpy()
    for condition in conditions:
        column = resolve(condition.column)
        read.append(column)
        holds = condition.holds(frame[column].astype("str").str.strip())
        leave = (~holds if condition.action == "keep" else holds) & keep
        keep &= ~leave
        if leave.any():  # a filter that left nothing out has nothing to say
            out.append(Filtered(condition.text(), column, tuple(int(r) for r in rows[leave])))
    return frame[keep], out, read


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
    different children). Summed outcomes are counted among the same children: their
    denominators must agree (if they do not, the row's denominator shows both, and the loader
    reports it). Targets may share parts (All students as the sum of every race and sex). A
    part the file has for that group (or outcome) elsewhere but not in this year and place
    makes the sum unknown there; a part the file never has for it (CRDC has no
    ``DISCWDIS_ISS_IDEA`` column for English learners) is not expected. A part twice in one
    year and place is left unsummed (the loader reports the file's name as unknown).
    ``same_row``: the fields whose parts sit on one row of the file (a wide file's ``{group}``).
    Vectorised: one groupby per target, whatever the number of schools.
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
        partner = next((c for c in ("group", "outcome") if c in key and c != field), None)
        pair = pd.DataFrame({"p": long[partner].astype("str") if partner else "", "f": folded})
        has = pair[is_any].groupby("p")["f"].agg(frozenset).to_dict()
        made = []
        for target, parts in targets.items():
            is_part = folded.isin(parts).to_numpy()
            if is_part.any():
                pieces = long[is_part].assign(_part=folded[is_part].to_numpy()).reset_index(drop=True)
                by = ["row", *key] if field in same_row else key
                made.extend(_sum_target(pieces, by, field, target, parts, has, partner, markers))
        long = pd.concat([long[~is_any], *made], ignore_index=True).sort_values("row", kind="stable")
        long = long.reset_index(drop=True)
    return long


def _counts_of(texts: pd.Series, markers) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """value, low, high of each count text (NaN where unknown) and whether it is no count at all."""
    uniques = pd.unique(texts)
    parsed = {}
    for text in uniques:
        if "".join(str(text).split()).lower() in markers:
            parsed[text] = (NAN, NAN, NAN, False)
            continue
        try:
            parsed[text] = (*parse_count(text), False)
        except ValueError:
            parsed[text] = (NAN, NAN, NAN, True)
    table = np.array([parsed[t] for t in texts], dtype=float).reshape(-1, 4)
    return table[:, 0], table[:, 1], table[:, 2], table[:, 3].astype(bool)


def _sum_target(pieces: pd.DataFrame, by: list, field: str, target: str, parts, has: dict, partner,
                markers) -> list[pd.DataFrame]:
    """The summed rows of one target, and the blocks left unsummed (a part twice)."""
    blocks = pieces.groupby(by, sort=False, dropna=False)
    block = blocks.ngroup().to_numpy()
    twice = pd.Series(pieces.duplicated([*by, "_part"], keep=False).to_numpy()).groupby(block).transform("any")
    twice = twice.to_numpy(dtype=bool)
    out = [pieces[twice].drop(columns="_part")] if twice.any() else []
    pieces, block = pieces[~twice].reset_index(drop=True), block[~twice]
    if not len(pieces):
        return out
    first = pieces.drop_duplicates(by).reset_index(drop=True)  # in block order: ngroup numbers blocks by first row
    index, order = pd.factorize(block)  # blocks numbered in order of appearance, as drop_duplicates keeps them
    present = np.bincount(index, minlength=len(order))
    partners = first[partner].astype("str") if partner else [""] * len(first)
    expected = np.array([len(parts & has.get(p, parts)) for p in partners])
    missing = np.maximum(expected - present, 0)
    result = first.drop(columns="_part").copy()
    result[field] = target
    labels = pieces.get(f"_col_{field}", pieces[field]).astype("str")
    result[f"_col_{field}"] = labels.groupby(index).agg(" + ".join).to_numpy()
    for value in ("numerator", "denominator"):
        if value not in pieces:
            continue
        texts = pieces[value].astype("str")
        if value == "denominator" and field == "outcome":
            same = texts.groupby(index).nunique().to_numpy() == 1
            joined = texts.groupby(index).agg(" / ".join).to_numpy()
            result[value] = np.where(same, texts.groupby(index).first().to_numpy(), joined)
        else:
            result[value] = _summed_texts(texts, index, len(order), missing, markers)
        column = f"_col_{value}"
        if column in pieces:
            names = pieces[column].astype("str")
            distinct = names.groupby(index).agg(lambda c: " + ".join(dict.fromkeys(c))).to_numpy()
            many = names.groupby(index).nunique().to_numpy() > 1
            result[column] = np.where(many, distinct, result[column].to_numpy(dtype=object))
    if "rate" in result:
        result["rate"] = ""  # rates of parts cannot be summed
    return [*out, result]


def _summed_texts(texts: pd.Series, index: np.ndarray, n: int, missing: np.ndarray, markers) -> np.ndarray:
    """``sum_counts`` of each block's texts, vectorised (``missing`` unknown parts added to each)."""
    value, low, high, bad = _counts_of(texts, markers)
    exact = np.bincount(index, weights=np.isnan(value), minlength=n) == 0
    exact &= missing == 0
    low_sum = np.bincount(index, weights=np.nan_to_num(low), minlength=n)
    open_high = (np.bincount(index, weights=np.isnan(high), minlength=n) > 0) | (missing > 0)
    high_sum = np.bincount(index, weights=np.nan_to_num(high), minlength=n)
    first_bad = {}
    for i in np.flatnonzero(bad):
        first_bad.setdefault(index[i], texts.iat[i])
    out = np.empty(n, dtype=object)
    for i in range(n):
        if i in first_bad:
            out[i] = first_bad[i]  # not a count: the loader reports it
        elif exact[i]:
            out[i] = f"{low_sum[i]:g}"
        elif open_high[i]:
            out[i] = f"GE{low_sum[i]:g}" if low_sum[i] > 0 else "*"
        else:
            out[i] = f"{low_sum[i]:g}-{high_sum[i]:g}"
    return out


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
