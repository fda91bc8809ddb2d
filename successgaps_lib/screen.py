"""Screening: rank every candidate gap at once, and say any one of them in plain words.

``screen(counts)`` measures every focal group the data has, for every outcome (skipping the
group dimensions an outcome is not screened on, such as disability for identification),
in every district and school and year, against one comparison group, and ranks the result:
flagged gaps first, then by ``score`` (the bound of the interval of the difference nearest
zero, signed so that positive is harmful: large *and* certain gaps come first, a large
wobble in a small group does not), then by group size.

``statement(gap)`` writes the success gap statement for one row of the result:

>>> import pandas as pd
>>> from successgaps_lib.table import as_counts
>>> counts = as_counts(pd.DataFrame({"year": 2025, "district": "Riverside Unified (demo)",
...     "school": "", "outcome": "graduation", "group": ["All students", "Students with disabilities"],
...     "numerator": [3103, 130], "denominator": [3552, 212]}))
>>> print(statement(screen(counts).iloc[0]))  # doctest: +NORMALIZE_WHITESPACE
In 2025, 61.3% of students with disabilities in Riverside Unified (demo) graduated in four years
with a regular diploma, compared with 89.0% of all other children: a gap of 27.7 percentage points
(95% CI 21.3 to 34.5). Groups: 212 students with disabilities, 3,340 other children.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa

from successgaps_lib import metrics
from successgaps_lib.groups import GROUPS, focal_groups
from successgaps_lib.statements import (  # noqa: F401  (the wording, re-exported for callers)
    GAP_PHRASE_COLUMNS,
    INCIDENT_NOUNS,
    MIN_SIZE,
    SUPPRESSED,
    _statement_array,  # screen words only the rows it ranks
    gap_phrases,
    group_noun,
    incident_noun,
    measures_of,
    population_words,
    statement,
    statements,
)
from successgaps_lib.table import DISTRICT_LEVEL, KEY, as_counts

_statements = statements  # screen() has a parameter of that name


def screen(
    counts: pd.DataFrame,
    *,
    schools: bool = True,
    comparison: str = "all_other",
    reference: str | None = None,
    state: pd.DataFrame | None = None,
    groups: Iterable[str] | None = None,
    min_cell: int = metrics.MIN_CELL,
    min_n: int = metrics.MIN_N,
    rr_threshold: float | None = metrics.RR_THRESHOLD,
    difference_threshold: float | None = metrics.DIFFERENCE_THRESHOLD,
    confidence: float = metrics.CONFIDENCE,
    years: int | Iterable[int] | None = None,
    consecutive: int = metrics.CONSECUTIVE_YEARS,
    statements: bool | str = True,
    keep: str = "all",
    measures=None,
) -> pd.DataFrame:
    """Rank every candidate gap: focal group x outcome x district and school x year.

    ``counts`` is a canonical counts table. ``schools=False`` screens district rows only.
    ``groups`` defaults to every focal group (``groups.focal_groups()``) the data has; with
    ``comparison="group"`` to the focal groups of the reference's dimension. ``years`` picks
    the years reported (an int or several; default all); runs of flagged years are still
    counted over every earlier year the data has. The other options are those of
    ``metrics.compare``.

    Returns the GAPS table, ranked (flagged first, then by ``score``, then by group size),
    with three more columns: ``years_flagged`` (how many years in a row, ending this year, the
    gap has been flagged), ``persistent`` (``years_flagged >= consecutive``, the multi-year
    rule) and ``rank`` (1 = first). Its text columns are plain ``str`` (see ``metrics.compare``).

    For a state's millions of cells: ``keep="measurable"`` (or ``"flagged"``) returns only
    those gaps (every cell is still measured; ``years_flagged`` is the same), and
    ``statements="flagged"`` writes the statement of the flagged gaps only (the others are
    "": ``statement(row)`` writes any one on demand). ``statements=False`` writes none.
    ``measures`` (``load.Dataset.measures``; default ``counts.attrs["measures"]``): what each
    outcome's rate counts, for the statements' words (see ``statements``); kept in the
    table's ``attrs`` so statements written again later say the same.
    """
    said = measures_of(measures if measures is not None else counts.attrs.get("measures"))
    if int(consecutive) != consecutive or consecutive < 1:
        raise ValueError(f"consecutive must be a whole number of at least 1, not {consecutive!r}")
    if statements not in (True, False, "flagged"):
        raise ValueError(f"statements must be True, False or 'flagged', not {statements!r}")
    counts = counts if list(counts.columns[: len(KEY)]) == KEY else as_counts(counts)
    if not schools:
        counts = counts[(counts["school"] == DISTRICT_LEVEL).to_numpy()]
    wanted = None
    if years is not None:
        wanted = [int(years)] if np.isscalar(years) else [int(y) for y in years]
        counts = counts[(counts["year"] <= max(wanted)).to_numpy()]  # earlier years still count for the runs
    if groups is None:
        present = set(pd.unique(counts["group"]))
        candidates = (focal_groups(GROUPS[reference].dimension)
                      if comparison == "group" and reference in GROUPS else focal_groups())
        groups = [g for g in candidates if g in present and g != reference]
    measures, finish = metrics._gap_arrays(
        counts, comparison=comparison, reference=reference, state=state, groups=groups,
        min_cell=min_cell, min_n=min_n, confidence=confidence, rr_threshold=rr_threshold,
        difference_threshold=difference_threshold, keep=keep,
    )
    flagged = measures["flagged"]
    years_flagged = _years_flagged(measures)
    chosen = np.arange(len(flagged)) if wanted is None else np.flatnonzero(np.isin(measures["year"], wanted))
    # flagged first, then by score, then by group size (descending; unknown last; ties keep their order)
    order = chosen[np.lexsort((-measures["n_group"][chosen], -measures["score"][chosen], ~flagged[chosen]))]
    del chosen, flagged
    gaps = pd.DataFrame(finish(order), copy=False)  # copy=False: no consolidation copy of millions of rows
    gaps["years_flagged"] = years_flagged[order]
    gaps["persistent"] = gaps["years_flagged"] >= consecutive
    gaps["rank"] = np.arange(1, len(gaps) + 1)
    if statements == "flagged":
        rows = np.flatnonzero(gaps["flagged"].to_numpy())
        index = np.zeros(len(gaps), dtype=np.int64)
        index[rows] = np.arange(1, len(rows) + 1)
        text = pa.concat_arrays([pa.array([""], pa.large_string()),
                                 _statement_array(gaps.iloc[rows], MIN_SIZE, said)])
        gaps["statement"] = pd.array(text.take(pa.array(index)), dtype="str")
    elif statements and len(gaps):
        gaps["statement"] = _statements(gaps, measures=said)
    if said:
        gaps.attrs["measures"] = said
    return gaps


def _years_flagged(measures: dict) -> np.ndarray:
    """``metrics.streak`` of each row, computed on the flagged rows only (a run never passes an unflagged year)."""
    flagged = np.flatnonzero(measures["flagged"])
    out = np.zeros(len(measures["flagged"]), dtype=np.int64)
    if len(flagged):
        # one integer identifies the gap (district, school, group, outcome; one comparison per screen)
        runs = pd.DataFrame({"year": measures["year"][flagged], "group": measures["gap"][flagged], "flagged": True})
        out[flagged] = metrics.streak(runs, "flagged").to_numpy()
    return out
