"""Student-year records -> canonical counts, in one vectorized pass.

Every (year, district, school) x group x outcome cell is counted with ``numpy.bincount``
over integer keys: one call per (dimension, outcome) gives the numerator and the
denominator of every group of that dimension in every school at once. District rows are
sums of school rows (each child is in one school a year), so the students are read once.

>>> import pandas as pd
>>> kids = pd.DataFrame({"year": [2024] * 4, "district": "D", "school": ["A", "A", "B", "B"],
...     "race": ["MB", "MW", "MB", "MB"], "dropped_out": [1.0, 0.0, 0.0, float("nan")]})
>>> c = count_students(kids)
>>> row = c[(c.school == "") & (c.group == "Black or African American") & (c.outcome == "dropout")]
>>> row[["numerator", "denominator"]].values.tolist()
[[1.0, 2.0]]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from . import groups as vocab
from .table import DISTRICT_LEVEL

_IDENTIFIED = "identification"


def _codes(column: pd.Series, index: dict) -> np.ndarray:
    """Each value's position in ``index`` (-1 when absent); each distinct value is looked up once."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    lookup = np.array([index.get(u, -1) for u in uniques] + [-1], dtype=np.int16)  # small: one per child
    return lookup[codes]  # code -1 (missing) picks the trailing -1


def _dimension_codes(students: pd.DataFrame, dimension: str) -> tuple[list[str], np.ndarray]:
    """Group labels of one dimension and each child's index among them (-1: in none)."""
    labels = vocab.groups_of(dimension)
    index = {vocab.GROUPS[label].value: i for i, label in enumerate(labels)}
    return labels, _codes(students[dimension], index)


def _dimensions(students: pd.DataFrame, intersections: Sequence[tuple[str, str]]):
    """Yield (labels, per-child code) for All students, each dimension present, each intersection."""
    yield [vocab.ALL_STUDENTS], np.zeros(len(students), dtype=np.int16)
    coded = {d: _dimension_codes(students, d) for d in vocab.DIMENSIONS if d in students}
    yield from coded.values()
    for first, second in intersections:
        (la, ca), (lb, cb) = coded[first], coded[second]
        labels = [f"{a} × {b}" for a in la for b in lb]
        yield labels, np.where((ca < 0) | (cb < 0), -1, ca * len(lb) + cb)


def _outcome_states(students: pd.DataFrame):
    """Yield (outcome ids, per-child state) where state 0 = not at risk, 1 = at risk, k+1 = outcome k.

    Most outcomes are a 0/1/blank column; identification for special education is read from
    the disability columns, with one state per category so one bincount counts them all.
    """
    for outcome in vocab.OUTCOMES.values():
        if outcome.column in students:
            values = students[outcome.column].to_numpy(dtype="float64", na_value=np.nan)
            yield [outcome.id], np.where(np.isnan(values), 0, 1 + (values == 1)).astype(np.int8)
    if "disability" in students:
        disabled = students["disability"].to_numpy(dtype=bool)
        categories = list(vocab.DISABILITY_CATEGORIES)
        ids = [_IDENTIFIED]
        state = 1 + disabled.astype(np.int8)
        if "disability_category" in students:
            cat = _codes(students["disability_category"], {code: i for i, code in enumerate(categories)})
            # identified children: 3 + category; an unknown category still counts as identified (2)
            state = np.where(disabled & (cat >= 0), 3 + cat, state)
            ids += [f"{_IDENTIFIED}_{c.lower()}" for c in categories]
        yield ids, state


def count_students(
    students: pd.DataFrame,
    *,
    schools: bool = True,
    intersections: Iterable[tuple[str, str]] = (),
) -> pd.DataFrame:
    """Count children by year, district, school, group and outcome.

    ``students`` holds canonical student-year records (``table.STUDENT_COLUMNS``; absent
    attribute or outcome columns are skipped). Returns a canonical counts table with
    district rows (``school == ""``) and, if ``schools``, one block per school. Groups with
    no child at risk of an outcome get no row. ``intersections`` adds groups such as
    ``("race", "disability")`` labelled "Black or African American × Students with disabilities".
    """
    intersections = list(intersections)
    school = students["school"] if "school" in students else pd.Series(DISTRICT_LEVEL, index=students.index)
    unit_codes, units = _factorize_rows([students["year"], students["district"], school])
    n_units = len(units)

    dims = list(_dimensions(students, intersections))
    outs = list(_outcome_states(students))
    group_labels = [label for labels, _ in dims for label in labels]
    outcome_ids = [o for ids, _ in outs for o in ids]
    # numerators and denominators of every (unit, group, outcome); int32: a count of children
    shape = (n_units, len(group_labels), len(outcome_ids))
    numerator, denominator = np.zeros(shape, dtype=np.int32), np.zeros(shape, dtype=np.int32)

    g0 = 0
    for labels, gcode in dims:
        k = len(labels)
        keep = gcode >= 0
        key = unit_codes[keep] * k + gcode[keep]
        o0 = 0
        for ids, state in outs:
            n_states = len(ids) + 2
            hist = np.bincount(key * n_states + state[keep], minlength=n_units * k * n_states)
            hist = hist.reshape(n_units, k, n_states)
            at_risk = hist[:, :, 1:].sum(axis=2)
            # the first id counts every state with the outcome (identified, in any category)
            numerator[:, g0:g0 + k, o0] = hist[:, :, 2:].sum(axis=2)
            denominator[:, g0:g0 + k, o0] = at_risk
            for j in range(1, len(ids)):  # categories: numerator per state, denominator shared
                numerator[:, g0:g0 + k, o0 + j] = hist[:, :, 2 + j]
                denominator[:, g0:g0 + k, o0 + j] = at_risk
            o0 += len(ids)
        g0 += k
    del dims, outs, unit_codes

    district_of_unit, district_units = _factorize_rows([units["year"], units["district"]])
    district_units["school"] = DISTRICT_LEVEL
    district_counts = []
    for dense in (numerator, denominator):  # district rows: sums of their schools
        total = np.zeros((len(district_units), *shape[1:]), dtype=np.int32)
        np.add.at(total, district_of_unit, dense)
        district_counts.append(total)
    levels = [(district_units, *district_counts)]
    if schools:
        levels.append((units, numerator, denominator))
    del district_counts, numerator, denominator  # _rows frees each level once read
    return _rows(levels, group_labels, outcome_ids)


def _factorize_rows(columns: list[pd.Series]) -> tuple[np.ndarray, pd.DataFrame]:
    """Integer code of each row's combination of values, and the distinct combinations."""
    combined = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        codes, values = pd.factorize(column)
        combined = combined * (len(values) + 1) + codes
    _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    frame = pd.DataFrame({c.name: c.to_numpy()[first] for c in columns})
    return inverse.astype(np.int64), frame


def _categorical(values, codes: np.ndarray) -> pd.Categorical:
    """``values[codes]`` as a categorical of str, without building one Python string per row."""
    uniques, inverse = np.unique(np.asarray(values, dtype=object).astype(str), return_inverse=True)
    small = np.int8 if len(uniques) < 2**7 else np.int16 if len(uniques) < 2**15 else np.int32
    return pd.Categorical.from_codes(inverse.astype(small)[codes], categories=pd.Index(uniques, dtype="str"))


def _rows(levels: list, group_labels, outcome_ids, block: int = 1 << 20) -> pd.DataFrame:
    """Long rows for every (unit, group, outcome) cell with at least one child at risk.

    ``levels`` pairs a frame of units (year, district, school) with its dense numerators and
    denominators; each level is dropped from the list once read, and read ``block`` cells at
    a time into columns allocated once, so a state's counts never exist twice. Key columns
    are categorical: building millions of Python strings would cost more than all the
    counting. ``numerator_low`` and ``numerator_high`` are the numerator itself, shared until
    someone writes to one of them (copy-on-write): a third less memory.
    """
    all_units = pd.concat([units for units, _, _ in levels], ignore_index=True)
    every_unit = np.arange(len(all_units))
    district, school = (_categorical(all_units[c], every_unit) for c in ("district", "school"))
    unit_year = all_units["year"].to_numpy(dtype=np.int64)
    # code of each label (by position) among the sorted categories
    group, outcome = (_categorical(labels, np.arange(len(labels))) for labels in (group_labels, outcome_ids))
    n_outcomes, cells = len(outcome_ids), len(group_labels) * len(outcome_ids)

    size = sum(int(np.count_nonzero(den)) for _, _, den in levels)
    columns = {"year": np.empty(size, np.int64), "district": np.empty(size, district.codes.dtype),
               "school": np.empty(size, school.codes.dtype), "group": np.empty(size, group.codes.dtype),
               "outcome": np.empty(size, outcome.codes.dtype), "numerator": np.empty(size, np.float64),
               "denominator": np.empty(size, np.float64)}
    start, offset = 0, 0
    while levels:
        units, numerator, denominator = levels.pop(0)
        numerator, denominator = numerator.reshape(-1), denominator.reshape(-1)
        for first in range(0, len(denominator), block):
            flat = np.flatnonzero(denominator[first:first + block]) + first
            rows = slice(start, start + len(flat))
            unit, cell = flat // cells + offset, flat % cells
            columns["year"][rows] = unit_year[unit]
            columns["district"][rows] = district.codes[unit]
            columns["school"][rows] = school.codes[unit]
            columns["group"][rows] = group.codes[cell // n_outcomes]
            columns["outcome"][rows] = outcome.codes[cell % n_outcomes]
            columns["numerator"][rows] = numerator[flat]
            columns["denominator"][rows] = denominator[flat]
            start += len(flat)
        offset += len(units)
        del units, numerator, denominator
    frame = pd.DataFrame({
        **columns,
        "district": pd.Categorical.from_codes(columns["district"], dtype=district.dtype),
        "school": pd.Categorical.from_codes(columns["school"], dtype=school.dtype),
        "group": pd.Categorical.from_codes(columns["group"], dtype=group.dtype),
        "outcome": pd.Categorical.from_codes(columns["outcome"], dtype=outcome.dtype),
    }, copy=False)  # copy=False: no consolidation copy of millions of rows
    frame["numerator_low"] = frame["numerator"]  # shared, copy-on-write
    frame["numerator_high"] = frame["numerator"]
    return frame
