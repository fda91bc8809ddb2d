"""The disproportionality counts table: the one shape the method reads (THE contract).

Whatever produces the figures (a file through ``read.read_counts``, student records through
``counts_from_students``, or a warehouse query that counts in the database), the method
reads one long table, one row per (year, district, race, category):

=========== ======= ===================================================================
column      dtype   meaning
=========== ======= ===================================================================
year        int64   school year, named by the calendar year it ends in (2024 = 2023-24)
district    str     the district (LEA): its name or id, as the report should show it
race        str     one of the seven groups of 300.647(b)(2), as ``categories.RACES`` labels
                    them (a code such as ``MB`` or a common name is accepted on input)
category    str     a ``categories.CATEGORIES`` id (``identification``, ``placement_lt40``,
                    ``discipline_oss_gt10``, ...; plain names and codes accepted on input)
count       int64   children of that group in that district with the outcome (for
                    ``discipline_removals``: the number of removals, which may exceed
                    ``population``)
population  int64   children of that group in that district at risk: the category's
                    denominator (``CATEGORIES[c].population`` and ``.ages``: enrolled
                    children ages 3-21 for identification, children with disabilities ages
                    6-21 for placement and ages 3-21 for discipline)
=========== ======= ===================================================================

Rules: every count is a known whole number (the state computes on its full data, never on
suppressed figures); ``0 <= count <= population`` except for total removals; a group with no
row in a district-year-category is read as 0 of 0 (no children); the district's totals are
the sum of its seven rows, so no "All students" row is given. ``as_counts`` checks all of it
and raises ``InputError`` in one line naming the file, row, column and value.

>>> t = as_counts(pd.DataFrame({"year": ["2023-24"], "district": ["North"], "race": ["MB"],
...     "category": ["Autism"], "count": ["12"], "population": ["400"]}))
>>> print(t.to_string(index=False))
 year district                      race           category  count  population
 2024    North Black or African American identification_aut     12         400
>>> as_counts(pd.DataFrame({"year": [2024], "district": ["North"], "race": ["Martian"],
...     "category": ["autism"], "count": [1], "population": [2]}), source="state.csv")
Traceback (most recent call last):
...
successgaps_lib.errors.InputError: state.csv, row 2, column 'race': value 'Martian': not one of the seven \
race/ethnicity groups; expected Hispanic/Latino, American Indian or Alaska Native, Asian, Black or African American, \
Native Hawaiian or Other Pacific Islander, White, Two or more races (or their EDFacts codes)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError
from ..parse import parse_flag, parse_year
from .categories import CATEGORIES, RACES, category_id, race_label

#: The columns of the counts table, in order.
COLUMNS = ["year", "district", "race", "category", "count", "population"]
KEY = ["year", "district", "race", "category"]


def _row(frame: pd.DataFrame, i: int) -> int:
    """The row number people see: the file's own row when the frame carries it, else header + i."""
    index = frame.index[i]
    return int(index) if frame.attrs.get("file_rows") else i + 2


def _translate(frame, column, lookup, source, expected, problem):
    values = frame[column]
    unique = pd.unique(values.astype(str))
    table = {}
    for value in unique:
        try:
            table[value] = lookup(value)
        except (KeyError, ValueError):
            i = int(np.flatnonzero((values.astype(str) == value).to_numpy())[0])
            raise InputError(source, problem, row=_row(frame, i), column=column, value=value,
                             expected=expected) from None
    return values.astype(str).map(table)


def _whole(frame, column, source) -> np.ndarray:
    text = frame[column].astype(str).str.strip().str.replace(",", "", regex=False)
    numbers = pd.to_numeric(text, errors="coerce")
    bad = numbers.isna() | (numbers < 0) | (numbers != np.floor(numbers))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(source, "not a whole number of children", row=_row(frame, i), column=column,
                         value=frame[column].iloc[i],
                         expected="a known count, 0 or more (the method needs the state's full data, "
                                  "never suppressed figures)")
    return numbers.to_numpy(dtype=np.int64)


def as_counts(frame: pd.DataFrame, *, source: str = "counts") -> pd.DataFrame:
    """``frame`` as the counts table (a new frame): canonical labels and dtypes, every rule checked."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(source, "missing required column", column=missing[0],
                         expected=f"the columns {', '.join(COLUMNS)}")
    out = pd.DataFrame(index=frame.index)
    out["year"] = _translate(frame, "year", parse_year, source, "a school year such as 2024 or 2023-24",
                             "not a school year").astype("int64")
    district = frame["district"].astype(str).str.strip()
    blank = (district == "") | frame["district"].isna()
    if blank.any():
        i = int(np.flatnonzero(blank.to_numpy())[0])
        raise InputError(source, "blank district", row=_row(frame, i), column="district",
                         expected="the district's name or id")
    out["district"] = district
    out["race"] = _translate(frame, "race", race_label, source,
                             ", ".join(RACES) + " (or their EDFacts codes)",
                             "not one of the seven race/ethnicity groups")
    out["category"] = _translate(frame, "category", category_id, source,
                                 "a category of 34 CFR 300.647, such as " + ", ".join(list(CATEGORIES)[:3]),
                                 "not a category of the regulation")
    out["count"] = _whole(frame, "count", source)
    out["population"] = _whole(frame, "population", source)
    over = (out["count"] > out["population"]) & (out["category"] != "discipline_removals")
    if over.any():
        i = int(np.flatnonzero(over.to_numpy())[0])
        raise InputError(source, "more children with the outcome than children at risk", row=_row(frame, i),
                         column="count", value=out["count"].iloc[i],
                         expected=f"at most the population ({out['population'].iloc[i]})")
    twice = out.duplicated(KEY, keep=False)
    if twice.any():
        rows = [_row(frame, int(i)) for i in np.flatnonzero(twice.to_numpy())[:2]]
        first = out[twice].iloc[0]
        raise InputError(source, f"the same year, district, race and category appear twice (rows {rows[0]}, "
                         f"{rows[1]})", row=rows[0], column="category", value=first["category"],
                         expected="one row per year, district, race and category")
    return out.reset_index(drop=True)


# --- From student records ----------------------------------------------------------------------

#: Student-record columns ``counts_from_students`` reads (one row per child per school year).
STUDENT_COLUMNS = {
    "year": "school year",
    "district": "district (LEA)",
    "race": "race/ethnicity (EDFacts code or name)",
    "age": "age in years on the state's count date (optional: all are counted when absent)",
    "disability": "has an IEP under IDEA (yes/no)",
    "disability_category": "primary disability: ID, SLD, EMD, SLI, OHI, AUT, or another code",
    "environment": "educational environment for ages 6-21 (EDFacts: RC80, RC79TO40, RC39LT, SS, RF, HH, CF, PPPS)",
    "oss_days": "days of out-of-school suspension and expulsion in the year, in total",
    "iss_days": "days of in-school suspension in the year, in total",
    "removals": "disciplinary removals in the year (suspensions, expulsions, removals to an interim setting)",
}
_SEPARATE = {"SS", "RF"}  # separate schools, residential facilities (not HH, CF, PPPS)
_LT40 = {"RC39LT"}


def counts_from_students(students: pd.DataFrame, *, source: str = "students") -> pd.DataFrame:
    """Count student records (``STUDENT_COLUMNS``) into the counts table, every race and category.

    Missing columns of discipline or placement leave those categories out; a missing ``age``
    counts everyone. Rows come for every race in every district-year (0 of 0 for none).

    >>> s = pd.DataFrame({"year": 2024, "district": "D", "race": ["MB", "MB", "MW"], "age": [7, 9, 8],
    ...     "disability": ["Y", "N", "Y"], "disability_category": ["AUT", "", "SLD"],
    ...     "environment": ["RC39LT", "", "RC80"], "oss_days": [12, 0, 0], "iss_days": 0, "removals": [2, 0, 0]})
    >>> c = counts_from_students(s)
    >>> black = c[(c.race == "Black or African American") & c.category.isin(["identification_aut",
    ...     "placement_lt40", "discipline_oss_gt10", "discipline_removals"])]
    >>> black[["category", "count", "population"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['identification_aut', 1, 2], ['placement_lt40', 1, 1], ['discipline_oss_gt10', 1, 1],
     ['discipline_removals', 2, 1]]
    """
    needed = ["year", "district", "race", "disability"]
    missing = [c for c in needed if c not in students.columns]
    if missing:
        raise InputError(source, "missing required column", column=missing[0],
                         expected=f"student records with {', '.join(needed)} "
                                  f"(and {', '.join(list(STUDENT_COLUMNS)[3:])})")
    frame = students
    base = pd.DataFrame({
        "year": _translate(frame, "year", parse_year, source, "a school year", "not a school year").astype("int64"),
        "district": frame["district"].astype(str).str.strip(),
        "race": _translate(frame, "race", race_label, source, ", ".join(RACES), "not a race/ethnicity group"),
    })
    disability = _translate(frame, "disability", parse_flag, source, "Y or N", "not a yes/no value").astype(bool)
    age = pd.to_numeric(frame["age"], errors="coerce") if "age" in frame else pd.Series(10.0, index=frame.index)
    school_age, any_age = age.between(6, 21).to_numpy(), age.between(3, 21).to_numpy()
    swd = disability.to_numpy()
    code = (frame["disability_category"].astype(str).str.strip().str.upper() if "disability_category" in frame
            else pd.Series("", index=frame.index))
    numerators, populations = {}, {}
    enrolled = any_age
    numerators["identification"], populations["identification"] = swd & any_age, enrolled
    for cid in CATEGORIES:
        if cid.startswith("identification_"):
            numerators[cid] = swd & any_age & (code.to_numpy() == cid.split("_", 1)[1].upper())
            populations[cid] = enrolled
    if "environment" in frame:
        env = frame["environment"].astype(str).str.strip().str.upper().to_numpy()
        for cid, codes in (("placement_lt40", _LT40), ("placement_separate", _SEPARATE)):
            numerators[cid] = swd & school_age & np.isin(env, list(codes))
            populations[cid] = swd & school_age
    days = {c: pd.to_numeric(frame[c], errors="coerce").fillna(0).to_numpy() for c in ("oss_days", "iss_days")
            if c in frame}
    for prefix, column in (("discipline_oss", "oss_days"), ("discipline_iss", "iss_days")):
        if column in days:
            numerators[f"{prefix}_le10"] = swd & any_age & (days[column] > 0) & (days[column] <= 10)
            numerators[f"{prefix}_gt10"] = swd & any_age & (days[column] > 10)
            populations[f"{prefix}_le10"] = populations[f"{prefix}_gt10"] = swd & any_age
    if "removals" in frame:
        numerators["discipline_removals"] = np.where(
            swd & any_age, pd.to_numeric(frame["removals"], errors="coerce").fillna(0).to_numpy(), 0)
        populations["discipline_removals"] = swd & any_age
    places = base[["year", "district"]].drop_duplicates()
    grid = places.merge(pd.DataFrame({"race": list(RACES)}), how="cross")
    blocks = []
    for cid in CATEGORIES:
        if cid not in numerators:
            continue
        summed = base.assign(count=np.asarray(numerators[cid], dtype=np.int64),
                             population=np.asarray(populations[cid], dtype=np.int64)).groupby(
            ["year", "district", "race"], sort=False, as_index=False)[["count", "population"]].sum()
        block = grid.merge(summed, on=["year", "district", "race"], how="left").fillna({"count": 0, "population": 0})
        blocks.append(block.assign(category=cid))
    out = pd.concat(blocks, ignore_index=True)[COLUMNS]
    out[["count", "population"]] = out[["count", "population"]].astype("int64")
    return out.sort_values(["year", "district", "category", "race"], key=_order, kind="stable").reset_index(drop=True)


def _order(column: pd.Series) -> pd.Series:
    if column.name == "race":
        return column.map({r: i for i, r in enumerate(RACES)})
    if column.name == "category":
        return column.map({c: i for i, c in enumerate(CATEGORIES)})
    return column
