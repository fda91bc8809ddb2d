"""The federal method (34 CFR 300.647): risk ratios, alternate risk ratios, determinations.

Pure functions on the counts table (``counts.COLUMNS``). For every year, district (LEA),
race/ethnicity group ``g`` and category (``categories.CATEGORIES``):

* **risk** ``R_g = a_g / n_g``: children of the group with the outcome over the children of
  the group at risk (the category's population);
* **comparison risk**: all other children *in the district*, ``(A - a_g) / (N - n_g)`` where
  ``A, N`` are the district's totals over the seven groups;
* **risk ratio** ``R_g / R_comparison`` ((b)(3)-(4));
* **alternate risk ratio** ``R_g / R_state other``, the group's district risk over the risk of
  all other children *in the state* (the state's totals minus the state's own figures for the
  group), when the district's comparison group does not meet the minimum n-size or cell size
  ((b)(5)), or when no child of it has the outcome (a ratio over zero is not a number: our
  reading, as a comparison risk of zero cannot be divided by);
* **not calculated** when the group itself does not meet the minimum n-size or cell size ((c)),
  or when the state comparison has no child with the outcome either.

"Meets" means at least: ``n >= min_n_size`` and ``a >= min_cell_size`` (state settings, per
category). A ratio **exceeds** the threshold when it is strictly above it, compared exactly in
whole numbers (``a_g * n_c * q > p * n_g * a_c`` for a threshold ``p/q``), so that a ratio of
exactly 3 is not above 3 whatever floating point says.

The **determination** of a year ``Y`` (``determinations``), per district, group and category:
the LEA is identified when the ratio exceeded the threshold in each of the
``consecutive_years`` years ending in ``Y`` (consecutive school years, each one calculated:
a year without data or without a ratio breaks the run) ((d)(1)), **unless** the state uses
reasonable progress and the ratio fell by at least the state's amount in each of the two prior
consecutive years, from ``Y-2`` to ``Y-1`` and from ``Y-1`` to ``Y`` ((d)(2); the ratio or
alternate ratio of each year, whichever was calculated). A district is identified in a
category when it is for at least one group (``district_determinations``).

>>> import pandas as pd
>>> from .settings import parse_settings
>>> counts = pd.DataFrame({"year": 2024, "district": "North", "category": "identification",
...     "race": ["Black or African American", "White"], "count": [60, 40], "population": [300, 800]})
>>> r = risk_ratios(counts, parse_settings({"risk_ratio_threshold": 3}))
>>> r[r.race == "Black or African American"][["risk", "comparison_risk", "ratio", "ratio_kind",
...     "exceeds"]].values.tolist()
[[0.2, 0.05, 4.0, 'risk ratio', True]]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..words import school_year
from .categories import CATEGORIES, RACES
from .counts import COLUMNS, as_counts
from .settings import Settings

RISK_RATIO, ALTERNATE, NOT_CALCULATED = "risk ratio", "alternate risk ratio", "not calculated"
DISTRICT_OTHERS, STATE_OTHERS = "all other children in the district", "all other children in the state"
#: Columns of ``risk_ratios``, in order.
RATIO_COLUMNS = [
    "year", "district", "race", "category", "count", "population", "risk",
    "comparison", "comparison_count", "comparison_population", "comparison_risk",
    "ratio_kind", "ratio", "threshold", "exceeds", "reason",
]
#: Columns of ``determinations``, in order.
DETERMINATION_COLUMNS = [
    "year", "district", "race", "category", "ratio_kind", "ratio", "threshold", "exceeds", "years_exceeded",
    "consecutive_years", "ratio_1_year_before", "ratio_2_years_before", "reasonable_progress", "identified",
    "years", "why",
]
_TOLERANCE = 1e-9  # reasonable progress: a fall of exactly the state's amount counts, despite binary floats


def _districts_in_chunks(counts: pd.DataFrame, size: int):
    names = pd.unique(counts["district"])
    for start in range(0, len(names), size):
        chunk = names[start:start + size]
        yield counts[counts["district"].isin(chunk)], len(chunk)


def _complete(counts: pd.DataFrame) -> pd.DataFrame:
    """Every race for every (year, district, category) the table has: a missing group is 0 of 0."""
    places = counts[["year", "district", "category"]].drop_duplicates()
    grid = places.merge(pd.DataFrame({"race": list(RACES)}), how="cross")
    full = grid.merge(counts, on=["year", "district", "category", "race"], how="left")
    full[["count", "population"]] = full[["count", "population"]].fillna(0).astype("int64")
    order = {c: i for i, c in enumerate(CATEGORIES)}, {r: i for i, r in enumerate(RACES)}
    full = full.assign(_c=full["category"].map(order[0]), _r=full["race"].map(order[1]))
    return full.sort_values(["year", "district", "_c", "_r"], kind="stable").drop(columns=["_c", "_r"])[COLUMNS]


def risk_ratios(counts: pd.DataFrame, settings: Settings, *,
                progress: Callable[[int], None] | None = None, chunk: int = 200) -> pd.DataFrame:
    """The risk ratio (or alternate risk ratio, or why neither) of every row: ``RATIO_COLUMNS``.

    ``counts`` is the counts table (checked with ``counts.as_counts`` if it is not one yet).
    ``progress(k)`` is called after each ``k`` districts (``chunk`` at a time), for a progress bar.
    """
    if list(counts.columns) != COLUMNS or counts["count"].dtype != np.int64:
        counts = as_counts(counts)
    counts = _complete(counts)
    # the state's own figures: per year, category, and per year, category, race
    state = counts.groupby(["year", "category"], as_index=False)[["count", "population"]].sum()
    state_race = counts.groupby(["year", "category", "race"], as_index=False)[["count", "population"]].sum()
    others = state_race.merge(state, on=["year", "category"], suffixes=("", "_all"))
    others = others.assign(state_count=others["count_all"] - others["count"],
                           state_population=others["population_all"] - others["population"])
    others = others[["year", "category", "race", "state_count", "state_population"]]
    parts = []
    for rows, done in _districts_in_chunks(counts, chunk):
        parts.append(_measure(rows, others, settings))
        if progress is not None:
            progress(done)
    if not parts:
        return pd.DataFrame({c: [] for c in RATIO_COLUMNS})
    return pd.concat(parts, ignore_index=True)


def _measure(rows: pd.DataFrame, others: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    totals = rows.groupby(["year", "district", "category"])[["count", "population"]].transform("sum")
    frame = rows.merge(others, on=["year", "category", "race"], how="left", sort=False)
    a, n = frame["count"].to_numpy(np.int64), frame["population"].to_numpy(np.int64)
    a_d = totals["count"].to_numpy(np.int64) - a
    n_d = totals["population"].to_numpy(np.int64) - n
    a_s = frame["state_count"].to_numpy(np.int64)
    n_s = frame["state_population"].to_numpy(np.int64)
    category = frame["category"].to_numpy(dtype=object)
    cell = np.array([settings.min_cells[c] for c in category], dtype=np.int64)
    size = np.array([settings.min_ns[c] for c in category], dtype=np.int64)
    group_ok = (n >= size) & (a >= cell) & (n > 0)
    district_ok = (n_d >= size) & (a_d >= cell) & (a_d > 0)
    state_ok = (n_s >= size) & (a_s >= cell) & (a_s > 0)
    use_rr = group_ok & district_ok
    use_arr = group_ok & ~district_ok & state_ok
    a_c, n_c = np.where(use_arr, a_s, a_d), np.where(use_arr, n_s, n_d)
    calculated = use_rr | use_arr
    with np.errstate(divide="ignore", invalid="ignore"):
        risk = np.where(n > 0, a / np.where(n > 0, n, 1), np.nan)
        comparison_risk = np.where(n_c > 0, a_c / np.where(n_c > 0, n_c, 1), np.nan)
        ratio = np.where(calculated, risk / comparison_risk, np.nan)
    threshold = [settings.thresholds[c] for c in category]
    # exact: a * n_c * q > p * n * a_c, in Python integers (no overflow whatever the state's size)
    exceeds = np.array([bool(k) and int(x) * int(y) * t.denominator > t.numerator * int(z) * int(w)
                        for k, x, y, z, w, t in zip(calculated, a, n_c, n, a_c, threshold, strict=True)], dtype=bool)
    noun = np.array(["removals" if CATEGORIES[c].counts == "removals" else "children" for c in category],
                    dtype=object)
    reason = np.full(len(frame), "", dtype=object)
    for i in np.flatnonzero(~calculated | use_arr):
        if not group_ok[i]:
            if n[i] < size[i] or n[i] == 0:
                reason[i] = f"not calculated: fewer than {size[i]} children of the group at risk (minimum n-size)"
            else:
                reason[i] = (f"not calculated: fewer than {cell[i]} {noun[i]} of the group with the outcome "
                             "(minimum cell size)")
            continue
        if n_d[i] < size[i]:
            why = f"the district's comparison group has fewer than {size[i]} children at risk (minimum n-size)"
        elif a_d[i] < cell[i]:
            why = (f"the district's comparison group has fewer than {cell[i]} {noun[i]} with the outcome "
                   "(minimum cell size)")
        else:
            why = "no child of the district's comparison group has the outcome"
        reason[i] = (f"alternate risk ratio: {why}" if use_arr[i] else
                     f"not calculated: {why}, and all other children in the state do not meet the minimums")
    kind = np.where(use_rr, RISK_RATIO, np.where(use_arr, ALTERNATE, NOT_CALCULATED))
    out = pd.DataFrame({
        "year": frame["year"].to_numpy(), "district": frame["district"].to_numpy(),
        "race": frame["race"].to_numpy(), "category": category.astype(str),
        "count": a, "population": n, "risk": risk,
        "comparison": np.where(use_arr, STATE_OTHERS, np.where(use_rr, DISTRICT_OTHERS, "")),
        "comparison_count": np.where(calculated, a_c, a_d), "comparison_population": np.where(calculated, n_c, n_d),
        "comparison_risk": np.where(calculated, comparison_risk, np.nan),
        "ratio_kind": kind, "ratio": ratio, "threshold": [float(t) for t in threshold], "exceeds": exceeds,
        "reason": reason.astype(str),
    })
    return out


# --- Determinations --------------------------------------------------------------------------

def _fell(before: float, after: float, settings: Settings) -> bool:
    if np.isnan(before) or np.isnan(after):
        return False
    if settings.progress == "percent":
        return before > 0 and (before - after) / before * 100 >= settings.progress_amount - _TOLERANCE
    return before - after >= settings.progress_amount - _TOLERANCE


def determinations(ratios: pd.DataFrame, settings: Settings, *, year: int | None = None,
                   progress: Callable[[int], None] | None = None) -> pd.DataFrame:
    """The determination of ``year`` (default: the latest in ``ratios``) for every district, group and
    category: ``DETERMINATION_COLUMNS``, with the years behind it and why, in plain words.
    ``progress(1)`` is called as each district is done."""
    if not len(ratios):
        return pd.DataFrame({c: [] for c in DETERMINATION_COLUMNS})
    year = int(ratios["year"].max()) if year is None else int(year)
    window = 3  # the regulation's longest look back: shown whatever the state's choice
    key = ["district", "race", "category"]
    current = ratios[ratios["year"] == year].reset_index(drop=True)
    # the window's years side by side, oldest last: offset 0 is this year, 1 the year before, ...
    ratio, above, found = [], [], []
    for offset in range(window):
        earlier = ratios.loc[ratios["year"] == year - offset, [*key, "ratio", "exceeds"]]
        joined = current[key].merge(earlier.assign(_found=True), on=key, how="left")
        ratio.append(joined["ratio"].to_numpy(dtype=float))
        above.append(joined["exceeds"].astype("boolean").fillna(False).to_numpy(dtype=bool))
        found.append(joined["_found"].astype("boolean").fillna(False).to_numpy(dtype=bool))
    run = np.zeros(len(current), dtype=np.int64)
    going = np.ones(len(current), dtype=bool)
    for offset in range(window):
        going &= above[offset]
        run += going
    nan = np.full(len(current), np.nan)
    ratio_1 = ratio[1] if window > 1 else nan
    ratio_2 = ratio[2] if window > 2 else nan
    needed = settings.consecutive_years
    out = []
    districts = current["district"].to_numpy()
    for i, row in enumerate(current.itertuples(index=False)):
        if progress is not None and i and districts[i] != districts[i - 1]:
            progress(1)
        shown_progress = None
        if settings.progress is not None and run[i] >= needed:  # only asked of a district that would be identified
            shown_progress = _fell(ratio_2[i], ratio_1[i], settings) and _fell(ratio_1[i], row.ratio, settings)
        identified = bool(run[i] >= needed and not shown_progress)
        out.append({
            "year": year, "district": row.district, "race": row.race, "category": row.category,
            "ratio_kind": row.ratio_kind, "ratio": row.ratio, "threshold": row.threshold, "exceeds": row.exceeds,
            "years_exceeded": int(run[i]), "consecutive_years": needed, "ratio_1_year_before": ratio_1[i],
            "ratio_2_years_before": ratio_2[i],
            "reasonable_progress": "" if shown_progress is None else ("yes" if shown_progress else "no"),
            "identified": identified,
            "years": "; ".join(_year_text(year - o, ratio[o][i], above[o][i], found[o][i])
                               for o in reversed(range(window))),
            "why": _why(row, int(run[i]), needed, shown_progress, identified, settings),
        })
    if progress is not None and len(current):
        progress(1)
    return pd.DataFrame(out, columns=DETERMINATION_COLUMNS)


def _year_text(year: int, ratio: float, above: bool, found: bool) -> str:
    if not found:
        return f"{school_year(year)}: no data"
    if np.isnan(ratio):
        return f"{school_year(year)}: not calculated"
    return f"{school_year(year)}: {ratio:.2f}{' (above)' if above else ''}"


def _why(row, run: int, needed: int, progress, identified: bool, settings: Settings) -> str:
    """Why, in plain words, with no figure computed from counts (the ratios have their own columns)."""
    threshold = f"{row.threshold:g}"
    what = "alternate risk ratio" if row.ratio_kind == ALTERNATE else "risk ratio"
    if row.ratio_kind == NOT_CALCULATED:
        return f"Not identified: {row.reason.removeprefix('not calculated: ')}, so no ratio is calculated."
    if not row.exceeds:
        return f"Not identified: the {what} is not above the threshold of {threshold}."
    years = "one year" if needed == 1 else f"{needed} consecutive years"
    if run < needed:
        return (f"Not identified yet: the {what} is above the threshold of {threshold} in {run} consecutive "
                f"year{'s' if run != 1 else ''}; the state identifies after {years}.")
    if progress:
        return (f"Not identified: the {what} is above the threshold of {threshold}, but the district made "
                f"reasonable progress: {settings.progress_words()}.")
    tail = ("" if settings.progress is None else
            "; it did not fall enough in each of the two prior years to count as reasonable progress")
    span = "this year" if needed == 1 else f"each of the last {needed} consecutive years"
    return f"Identified: the {what} is above the threshold of {threshold} in {span}{tail}."


def district_determinations(dets: pd.DataFrame) -> pd.DataFrame:
    """One row per district and category: identified when at least one group is, with the groups named.

    Columns: year, district, category, identified, groups (identified, in the regulation's
    order), groups_above (above the threshold this year), groups_calculated. Reads only columns
    the published determinations keep, so it may be given those (``report.publish``).
    """
    if not len(dets):
        return pd.DataFrame({c: [] for c in ("year", "district", "category", "identified", "groups", "groups_above",
                                             "groups_calculated")})
    rows = []
    for (year, district, category), part in dets.groupby(["year", "district", "category"], sort=False):
        rows.append({"year": year, "district": district, "category": category,
                     "identified": bool(part["identified"].any()),
                     "groups": ", ".join(part.loc[part["identified"], "race"]),
                     "groups_above": ", ".join(part.loc[part["years_exceeded"] > 0, "race"]),
                     "groups_calculated": int((part["ratio_kind"] != NOT_CALCULATED).sum())})
    return pd.DataFrame(rows)
