"""The canonical counts table: the one shape every loader produces and every metric reads.

One row per (year, district, school, group, outcome):

=============== ======== ===================================================================
column          dtype    meaning
=============== ======== ===================================================================
year            int64    school year, named by the calendar year it ends in (2024 = 2023-24)
district        str      district (LEA) name (key columns may be ``category`` of str: same values)
school          str      school name; ``""`` for the district as a whole
group           str      canonical group label (see ``groups``), or ``"All students"``
outcome         str      canonical outcome id (see ``groups.OUTCOMES``)
numerator       float64  children in the group with the outcome; NaN when unknown (suppressed)
denominator     float64  children in the group at risk of the outcome; NaN when unknown
numerator_low   float64  lower bound on the numerator (= numerator when known; from a range
                         such as ``10-14`` or ``LT10`` when not; NaN when nothing is known)
numerator_high  float64  upper bound on the numerator, likewise
=============== ======== ===================================================================

A suppressed cell is *unknown*, never zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KEY = ["year", "district", "school", "group", "outcome"]
VALUES = ["numerator", "denominator", "numerator_low", "numerator_high"]
COLUMNS = KEY + VALUES
DISTRICT_LEVEL = ""  # the `school` value of district-wide rows


def as_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with exactly the canonical columns and dtypes (a new frame).

    Missing bound columns are filled from the numerator.

    >>> t = as_counts(pd.DataFrame({"year": [2024], "district": ["D"], "school": [""],
    ...     "group": ["All students"], "outcome": ["graduation"], "numerator": [90], "denominator": [100]}))
    >>> list(t.columns) == COLUMNS, float(t.numerator_high.iloc[0])
    (True, 90.0)
    """
    out = frame.copy()
    for column in ("numerator_low", "numerator_high"):
        if column not in out:
            out[column] = out["numerator"]
    out = out[COLUMNS]
    out["year"] = out["year"].astype("int64")
    for column in ("district", "school", "group", "outcome"):
        out[column] = _text_key(out[column])
    for column in VALUES:
        out[column] = pd.to_numeric(out[column], errors="raise").astype(np.float64)
    return out.reset_index(drop=True)


def _text_key(column: pd.Series) -> pd.Series:
    """A key column as str, or as a categorical of str when it is categorical (millions of rows, few
    values: keep it so); missing values become "" either way.

    >>> _text_key(pd.Series([1, None, 1], dtype="category")).tolist()
    ['1', '', '1']
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = pd.Index([str(c) for c in column.cat.categories], dtype="str")
        codes = column.cat.codes.to_numpy()
        if categories.is_unique and not (codes < 0).any():  # the usual case: no string is built per row
            return pd.Series(pd.Categorical.from_codes(codes, categories=categories), index=column.index)
        column = column.astype(object).where(column.notna(), "").astype(str).astype("category")
        return column.cat.rename_categories(pd.Index(column.cat.categories, dtype="str"))
    return column.fillna("").astype(str)


def empty_counts() -> pd.DataFrame:
    """A counts table with no rows."""
    return as_counts(pd.DataFrame({c: [] for c in COLUMNS}))


# --- Student records ---------------------------------------------------------------------
#: The canonical student-year record: one row per child per school year. Loaders map a
#: district's export onto these columns; ``aggregate.count_students`` turns them into counts.
#: Group attributes (see ``groups.GROUPS[...].dimension``):
STUDENT_ATTRIBUTES = {
    "student_id": "str",  # never leaves the data team: not in counts, outputs or logs
    "year": "int64",
    "district": "str",
    "school": "str",
    "school_level": "str",  # elementary / middle / high
    "grade": "str",  # "PK", "KG", "01" ... "12"
    "sex": "str",  # F / M
    "race": "str",  # EDFacts code: MHL, MAN, MA, MB, MNP, MW, MM
    "disability": "bool",  # IDEA
    "disability_category": "str",  # groups.DISABILITY_CATEGORIES key, "" if none
    "english_learner": "bool",
    "econ_disadvantaged": "bool",
    "migrant": "bool",
    "homeless": "bool",
    "foster_care": "bool",
}
#: Outcome columns: 1.0 = has the outcome, 0.0 = at risk but does not, NaN = not in the
#: population at risk (e.g. not tested, not in the graduation cohort). Identification for
#: special education is derived from ``disability`` and ``disability_category``.
STUDENT_OUTCOMES = [
    "graduated", "dropped_out", "reading_proficient", "math_proficient",
    "suspended_out_of_school", "suspended_in_school", "expelled", "chronically_absent",
]
STUDENT_COLUMNS = [*STUDENT_ATTRIBUTES, *STUDENT_OUTCOMES]


#: The confidence level of every interval unless a table says otherwise (its ``confidence`` column).
CONFIDENCE = 0.95
#: The comparison of a group in a district with all other children in the state (the ARR's).
STATE_COMPARISON = "all other children in the state"
