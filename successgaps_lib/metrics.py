"""Gap metrics: pure, vectorized functions on the canonical counts table.

Notation (design.md section 2): in one district or school, ``a_g`` children of group
``g`` have the outcome out of ``n_g`` at risk; the comparison group has ``a_c`` of ``n_c``.

* risk ``R = a / n``, with a Wilson score interval;
* risk difference ``R_g - R_c`` with Newcombe's hybrid score interval (his method 10);
* risk ratio ``R_g / R_c`` with the Katz log interval;
* against all children (the group included) both intervals come from those against all
  other children, through the exact identities of ``all_children_intervals``;
* alternate risk ratio (district group against all other children in the state), weighted
  risk ratio, composition and the E-formula;
* the multi-year rule (``consecutive_years``).

Rules that decide whether a gap is *measurable* (34 CFR 300.647 lets a state set a minimum
n-size of at most 30 and a minimum cell size of at most 10 as presumed reasonable; both are
parameters here):

* an unknown (suppressed) count makes the gap unmeasurable, never zero;
* the **n-size** applies to denominators: the group *and* the comparison group need at
  least ``min_n`` children, otherwise the gap is "too few to measure" and carries a
  ``reason``; difference, interval and ratio are then NaN (the group's own rate and its
  Wilson interval are still given, for the data team);
* the **cell size** applies to numerators and, as in the regulation, only to the **risk
  ratio**: with fewer than ``min_cell`` children with the outcome in the group or in the
  comparison group the ratio is not calculated (``rr_reason`` says why). The difference and
  its interval are still shown. Applying the cell size to the whole gap would hide exactly
  the gaps that matter: 3 graduates out of 40 is a very large gap, and 0 suspensions out of
  200 is a real (favourable) difference.

>>> gaps = compare(as_counts(pd.DataFrame({
...     "year": 2025, "district": "D", "school": "", "outcome": "graduation",
...     "group": ["All students", "Students with disabilities"],
...     "numerator": [900, 60], "denominator": [1000, 100]})))
>>> row = gaps.iloc[0]
>>> row.comparison, round(float(row.rate_comparison), 4), round(float(row.difference), 4), bool(row.flagged)
('all other children', 0.9333, -0.3333, True)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from statistics import NormalDist

import numpy as np
import pandas as pd
import pyarrow as pa

from successgaps_lib.groups import ALL_STUDENTS, COMPARISONS, GROUPS, OUTCOMES, dimensions_of, groups_of
from successgaps_lib.statements import higher_is_better
from successgaps_lib.statements import statements as _write_statements
from successgaps_lib.table import CONFIDENCE, DISTRICT_LEVEL, KEY, STATE_COMPARISON, as_counts

#: Default minimum cell size (numerator) and n-size (denominator): the largest values
#: 34 CFR 300.647(b)(1)(iv) presumes reasonable. Pass your state's values.
MIN_CELL = 10
MIN_N = 30
#: Default screening thresholds. A gap is flagged when it is adverse, its interval of the
#: difference excludes zero, AND it is at least 5 percentage points OR the group is at least
#: twice as likely to have the harmful result (see ``compare``). Five points is a gap a team
#: can see in a slide and act on; "twice as likely" is the plain-language ratio that catches
#: rare outcomes (expulsion, identification by category) whose differences stay small in
#: points. This is a screen for a team, not a determination of significant
#: disproportionality: a state's own 300.647 threshold should be passed in when that is
#: the question.
DIFFERENCE_THRESHOLD = 0.05
RR_THRESHOLD = 2.0
#: Multi-year rule: a state may wait for up to three consecutive years above its threshold.
CONSECUTIVE_YEARS = 3
_TOLERANCE = 1e-9  # so that 15% vs 10% meets a 5-point threshold despite binary floats

#: Columns of the GAPS table, in order (team contract), then the extras this module adds.
GAPS_COLUMNS = [
    "year", "district", "school", "dimension", "group", "outcome", "comparison",
    "a_group", "n_group", "rate_group", "rate_group_low", "rate_group_high",
    "a_comparison", "n_comparison", "rate_comparison", "rate_comparison_low", "rate_comparison_high",
    "difference", "ci_low", "ci_high", "risk_ratio", "rr_ci_low", "rr_ci_high",
    "measurable", "reason", "adverse", "flagged", "score", "statement",
    "rr_reason",  # "" when the risk ratio is calculated, else why not (cell size, ...)
    "confidence",  # the confidence level of every interval on the row
]
SUPPRESSED = "count suppressed in the source file"


# --- Intervals ---------------------------------------------------------------------------

def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence!r}")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def _arrays(*values):
    return [np.asarray(v, dtype=np.float64) for v in values]


def wilson_interval(a, n, confidence: float = CONFIDENCE):
    """Wilson score interval for the rate ``a / n`` (arrays or scalars): ``(low, high)``.

    NaN where ``n`` is 0 or a count is unknown. Exactly 0 (1) when ``a`` is 0 (``n``).

    >>> low, high = wilson_interval([0, 5, 10], [10, 10, 10])
    >>> [round(float(x), 4) for x in low], [round(float(x), 4) for x in high]
    ([0.0, 0.2366, 0.7225], [0.2775, 0.7634, 1.0])
    """
    a, n = _arrays(a, n)
    z = _z(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = a / n
        centre = (a + z * z / 2) / (n + z * z)
        half = z / (n + z * z) * np.sqrt(a * (n - a) / n + z * z / 4)
        low = np.where(a == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
        high = np.where(a == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    bad = ~(n > 0) | np.isnan(p)
    return np.where(bad, np.nan, low), np.where(bad, np.nan, high)


def difference_interval(a1, n1, a2, n2, confidence: float = CONFIDENCE):
    """Newcombe's hybrid score interval for ``a1/n1 - a2/n2`` (his 1998 method 10).

    Built from the two Wilson intervals; it stays inside [-1, 1] and behaves at 0% and 100%.

    >>> low, high = difference_interval(56, 70, 48, 80)  # Newcombe (1998), example (a)
    >>> round(float(low), 4), round(float(high), 4)
    (0.0524, 0.3339)
    """
    a1, n1, a2, n2 = _arrays(a1, n1, a2, n2)
    l1, u1 = wilson_interval(a1, n1, confidence)
    l2, u2 = wilson_interval(a2, n2, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = a1 / n1, a2 / n2
    d = p1 - p2
    low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return low, high


def ratio_interval(a1, n1, a2, n2, confidence: float = CONFIDENCE):
    """Katz log interval for the risk ratio ``(a1/n1) / (a2/n2)``.

    ``exp(ln RR +/- z * sqrt(1/a1 - 1/n1 + 1/a2 - 1/n2))``. Zero cells: when ``a1`` is 0 the
    ratio is 0 and the lower bound is 0; when ``a2`` is 0 the ratio is infinite and the upper
    bound is infinite. The other bound then comes from the usual correction (0.5 added to
    each numerator and 1 to each denominator, i.e. 0.5 to each cell of the 2x2 table). Both
    zero: NaN. (``compare`` never reaches these cases with a cell size of 1 or more.)

    >>> low, high = ratio_interval(30, 100, 50, 900)  # RR = 0.3 / (50/900) = 5.4
    >>> round(float(low), 2), round(float(high), 2)
    (3.61, 8.08)
    """
    a1, n1, a2, n2 = _arrays(a1, n1, a2, n2)
    z = _z(confidence)
    zero = (a1 == 0) | (a2 == 0)
    c1, m1 = np.where(zero, a1 + 0.5, a1), np.where(zero, n1 + 1, n1)
    c2, m2 = np.where(zero, a2 + 0.5, a2), np.where(zero, n2 + 1, n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_rr = np.log((c1 / m1) / (c2 / m2))
        se = np.sqrt(1 / c1 - 1 / m1 + 1 / c2 - 1 / m2)
        low, high = np.exp(log_rr - z * se), np.exp(log_rr + z * se)
    low = np.where(a1 == 0, 0.0, low)
    high = np.where(a2 == 0, np.inf, high)
    bad = ((a1 == 0) & (a2 == 0)) | ~(n1 > 0) | ~(n2 > 0) | np.isnan(a1) | np.isnan(a2)
    return np.where(bad, np.nan, low), np.where(bad, np.nan, high)


# Against all children the group is part of the comparison (a_g of a and n_g of n), so the
# two rates are not independent and the intervals above do not apply to them directly.
# With the group's share f = n_g / n and all other children R_o = (a - a_g) / (n - n_g):
#   R_all = f R_g + (1 - f) R_o, so  R_g - R_all = (1 - f)(R_g - R_o)                 (exact)
#   R_g / R_all = RR_o / (f RR_o + 1 - f) = 1 / (f + (1 - f) / RR_o),  RR_o = R_g / R_o,
# an increasing function of RR_o (its derivative is (1 - f) / (f RR_o + 1 - f)^2 > 0).
# f is fixed by the design (the group sizes are known), so a monotone map of an interval of
# the all-other-children measure, whose two samples ARE independent, is an interval of the
# all-children one with the same coverage.

def all_children_difference(difference_other, share):
    """The difference with all children from the difference with all other children.

    ``(1 - share) * difference_other`` with ``share = n_g / n`` (the group's part of all
    children); applied to both ends of an interval it gives the interval.

    >>> round(float(all_children_difference(0.2, 0.25)), 4)  # 30/100; 30 of the other 300: 0.30 - 0.15
    0.15
    """
    difference_other, share = _arrays(difference_other, share)
    return (1 - share) * difference_other


def all_children_ratio(ratio_other, share):
    """The risk ratio with all children from the risk ratio with all other children.

    ``ratio_other / (share * ratio_other + 1 - share)``, increasing in ``ratio_other`` (so it
    maps an interval's ends to the interval's ends): 0 stays 0 and an infinite ratio (no
    other child with the outcome) becomes ``1 / share``.

    >>> [round(float(x), 4) for x in all_children_ratio([0, 1, 3, np.inf], 0.25)]
    [0.0, 1.0, 2.0, 4.0]
    """
    ratio_other, share = _arrays(ratio_other, share)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1 / (share + (1 - share) / ratio_other)


def all_children_intervals(a_g, n_g, a_all, n_all, confidence: float = CONFIDENCE):
    """Intervals of the difference and of the risk ratio of a group against all children.

    ``(d_low, d_high, r_low, r_high)``: Newcombe's and Katz's intervals against all other
    children (``a_all - a_g`` of ``n_all - n_g``), mapped through ``all_children_difference``
    and ``all_children_ratio``. When the group is all the children (no other child) the
    difference is exactly 0 and the ratio exactly 1.

    30 of 100 against 80 of 1000: all other children are 50 of 900 (Newcombe 0.1616 to
    0.3412, Katz 3.61 to 8.08) and the group is a tenth of all children, so the difference
    interval is 0.9 times Newcombe's and the ratio ends are ``1 / (0.1 + 0.9 / RR)``:

    >>> d_low, d_high, r_low, r_high = all_children_intervals(30, 100, 80, 1000)
    >>> [round(float(x), 4) for x in (d_low, d_high, r_low, r_high)]
    [0.1455, 0.3071, 2.8627, 4.73]
    """
    a_g, n_g, a_all, n_all = _arrays(a_g, n_g, a_all, n_all)
    a_o, n_o = a_all - a_g, n_all - n_g
    with np.errstate(divide="ignore", invalid="ignore"):
        share = n_g / n_all
    d_low, d_high = difference_interval(a_g, n_g, a_o, n_o, confidence)
    r_low, r_high = ratio_interval(a_g, n_g, a_o, n_o, confidence)
    everyone = (n_o == 0) & (n_g > 0)
    d_low, d_high = (np.where(everyone, 0.0, all_children_difference(x, share)) for x in (d_low, d_high))
    r_low, r_high = (np.where(everyone & (a_g > 0), 1.0, all_children_ratio(x, share)) for x in (r_low, r_high))
    return d_low, d_high, r_low, r_high


# --- Comparisons -------------------------------------------------------------------------

#: What ``compare(keep=...)`` and ``screen(keep=...)`` return: every focal row, only the
#: measurable gaps, or only the flagged ones. Every cell is measured either way.
KEEP = ("all", "measurable", "flagged")


def _lookup(labels: pd.Series, value) -> np.ndarray:
    """``value(label)`` for each row, computed once per distinct label (fast on millions of rows)."""
    codes, uniques = pd.factorize(labels)
    return np.array([value(u) for u in uniques])[codes] if len(uniques) else np.array([])


def _factorize(column: pd.Series) -> tuple[np.ndarray, list]:
    """Integer code of each value (-1 = missing) and the distinct values.

    A categorical column gives its own codes and years their offset from the first: no
    string is hashed and no wide array is built, which is what makes a state's counts
    (millions of rows, categorical keys) cheap to measure.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), list(column.cat.categories)
    if pd.api.types.is_integer_dtype(column.dtype) and len(column):
        values = column.to_numpy()
        low, high = int(values.min()), int(values.max())
        if high - low < 2**15 - 1:
            return (values - low).astype(np.int16), list(range(low, high + 1))
    codes, uniques = pd.factorize(column)
    return codes, list(uniques)


def _per_label(codes: np.ndarray, labels: list, value, missing) -> np.ndarray:
    """``value(label)`` for each code (``missing`` for -1), computed once per distinct label."""
    return np.array([value(label) for label in labels] + [missing])[codes]


def _as_text(column: pd.Series, rows: np.ndarray) -> pa.Array:
    """``column[rows]`` as Arrow text: a categorical is decoded through its categories."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()[rows]
        categories = pa.array([str(c) for c in column.cat.categories], pa.large_string())
        return categories.take(pa.array(codes, mask=codes < 0))
    values = column.iloc[rows]
    return pa.array(values if values.dtype == "str" else values.astype("str")).cast(pa.large_string())


def _texts(texts: list[str], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``texts[codes]`` as ``str``, without one Python string per row."""
    return pd.array(pa.array(texts, pa.large_string()).take(pa.array(codes)), dtype="str")


def _sum_known(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Sum numerator and denominator by ``by``; a sum with any unknown part is unknown."""
    values = frame[["numerator", "denominator"]]
    grouped = values.groupby([frame[c] for c in by], sort=False, observed=True)
    totals = grouped.sum()
    unknown = values.isna().groupby([frame[c] for c in by], sort=False, observed=True).any()
    return totals.mask(unknown).reset_index()


def _key(codes: list[tuple[np.ndarray, int]], rows: np.ndarray) -> np.ndarray:
    """One int64 per row of ``rows`` combining several factorized columns (each code -1 .. size-1)."""
    key = np.zeros(len(rows), dtype=np.int64)
    for column, size in codes:
        key = key * (size + 1) + (column[rows].astype(np.int64) + 1)
    return key


def _comparison_lookup(counts, codes, comparison, reference, state):
    """A function giving, for focal rows, the comparison numerator, denominator and "no comparison row".

    Within ``counts`` (all other, all, a named group) rows are matched on integer codes of
    year, district, school and outcome; the state's totals (a small table) by label.
    """
    numerator, denominator = counts["numerator"].to_numpy(float), counts["denominator"].to_numpy(float)
    if comparison in ("all_other", "all", "group"):
        target = ALL_STUDENTS if comparison != "group" else reference
        g_codes, g_labels = codes["group"]
        right = np.flatnonzero(g_codes == g_labels.index(target)) if target in g_labels else np.zeros(0, np.int64)
        place = [(codes[c][0], len(codes[c][1])) for c in ("year", "district", "school", "outcome")]
        index = pd.Index(_key(place, right))
        if not index.is_unique:
            raise ValueError(f"counts has more than one {target} row for the same year, district, school and "
                             "outcome; sum or drop the duplicates first")
        a_right, n_right = np.append(numerator[right], np.nan), np.append(denominator[right], np.nan)

        def lookup(rows):
            at = index.get_indexer(_key(place, rows))  # -1 (not found) picks the trailing NaN
            return a_right[at], n_right[at], at < 0

        return lookup, f"no {target} row to compare with"

    # state: all other children in the state = state All students minus the state group
    totals = _sum_known(state[state["school"] == DISTRICT_LEVEL], ["year", "group", "outcome"])
    totals = totals.astype({"group": str, "outcome": str})
    everyone = totals[totals["group"] == ALL_STUDENTS].drop(columns="group")
    right = everyone.merge(totals, on=["year", "outcome"], suffixes=("", "_g"), validate="1:m")
    on = ["year", "group", "outcome"]
    right = right.assign(numerator=right["numerator"] - right["numerator_g"],
                         denominator=right["denominator"] - right["denominator_g"], _found=True)
    right = right[[*on, "numerator", "denominator", "_found"]]

    def lookup(rows):  # one match per distinct (year, group, outcome) of the rows, not per row
        _, first, inverse = np.unique(_key([(codes[c][0], len(codes[c][1])) for c in on], rows),
                                      return_index=True, return_inverse=True)
        first = rows[first]
        left = pd.DataFrame({"year": counts["year"].to_numpy()[first],
                             "group": _as_text(counts["group"], first).to_pylist(),
                             "outcome": _as_text(counts["outcome"], first).to_pylist()})
        merged = left.merge(right, on=on, how="left", validate="m:1")
        return (merged["numerator"].to_numpy(float)[inverse], merged["denominator"].to_numpy(float)[inverse],
                merged["_found"].isna().to_numpy()[inverse])

    return lookup, "no state figures to compare with"


def _reasons(conditions: list[tuple[np.ndarray, str]], size: int) -> np.ndarray:
    """The text of the first condition that holds on each row, "" where none does."""
    out = np.full(size, "", dtype=object)
    undecided = np.ones(size, dtype=bool)
    for condition, text in conditions:
        hit = undecided & condition
        out[hit] = text
        undecided &= ~hit
    return out


def _reason_codes(conditions: list[np.ndarray], size: int, first: int = 1) -> np.ndarray:
    """Like ``_reasons``, as codes: ``first + k`` for the first condition ``k`` that holds, 0 where none does."""
    codes = np.zeros(size, dtype=np.int8)
    for k, condition in enumerate(conditions, start=first):
        codes[(codes == 0) & condition] = k
    return codes


def _spread(values: np.ndarray, at: np.ndarray, found: np.ndarray, fill=np.nan) -> np.ndarray:
    """Values computed on the measurable rows, put back on the rows kept (``fill`` on the others).

    ``found`` marks the kept rows that are measurable and ``at`` their position among them.
    """
    out = np.full(len(found), fill, dtype=np.float64 if isinstance(fill, float) else values.dtype)
    out[found] = values[at[found]]
    return out


#: Focal rows measured at a time: bounds the working memory on a state's millions of cells.
_CHUNK = 1 << 18


def _gap_arrays(
    counts: pd.DataFrame,
    *,
    comparison: str = "all_other",
    reference: str | None = None,
    state: pd.DataFrame | None = None,
    groups: Iterable[str] | None = None,
    min_cell: int = MIN_CELL,
    min_n: int = MIN_N,
    confidence: float = CONFIDENCE,
    rr_threshold: float | None = RR_THRESHOLD,
    difference_threshold: float | None = DIFFERENCE_THRESHOLD,
    keep: str = "all",
):
    """The GAPS table as arrays: ``(measures, finish)``, the engine of ``compare`` and ``screen``.

    ``measures`` holds one numpy array per numeric and boolean column of the GAPS table (and
    ``year``), rows in ``counts`` order, ``source`` (the row of ``counts``) and ``gap`` (an
    integer per district, school, group and outcome, for runs of years). ``finish(rows)``
    returns every column of ``GAPS_COLUMNS`` (statement empty) on those rows, in that order
    (None: all): text is built once, in its final order, and ``measures`` is emptied as it
    goes.

    It works on integer codes of the key columns, a chunk of rows at a time, and computes the
    comparative measures (intervals of the difference and the ratio, flags) on measurable
    rows only, so that a state's millions of cells (most too small to measure) cost little
    time and memory.
    """
    if comparison not in COMPARISONS:
        raise ValueError(f"comparison must be one of {list(COMPARISONS)}, not {comparison!r}")
    if keep not in KEEP:
        raise ValueError(f"keep must be one of {list(KEEP)}, not {keep!r}")
    if min_cell < 0 or min_n < 0:
        raise ValueError("min_cell and min_n must be zero or more")
    _z(confidence)  # validate before any work
    counts = counts if list(counts.columns[: len(KEY)]) == KEY else as_counts(counts)
    chosen = None if groups is None else list(groups)
    if comparison == "group":
        if reference is None or not dimensions_of(reference):  # a group, or an intersection "A × B"
            raise ValueError(f"comparison='group' needs reference= a group label of groups.GROUPS, "
                             f"not {reference!r}")
        if chosen is not None and reference in chosen:
            raise ValueError(f"cannot compare {reference!r} with itself; leave it out of groups=")
        if chosen is None and reference in GROUPS:
            chosen = [g for g in groups_of(GROUPS[reference].dimension) if g != reference]
    if comparison == "state" and state is None:
        raise ValueError("comparison='state' needs state= a counts table of the state's districts")
    if comparison == "state":
        state = state if list(state.columns[: len(KEY)]) == KEY else as_counts(state)

    codes = {c: _factorize(counts[c]) for c in KEY}
    (g_codes, g_labels), (o_codes, o_labels) = codes["group"], codes["outcome"]
    if chosen is None:
        wanted = _per_label(g_codes, g_labels, lambda g: g not in (ALL_STUDENTS, reference), True)
    else:
        chosen_set = set(chosen)
        wanted = _per_label(g_codes, g_labels, lambda g: g in chosen_set, False)
    # A group is never measured on an outcome that excludes its dimension (one check per pair of labels).
    # An intersection "A × B" is excluded where either part is.
    dimensions = [dimensions_of(g) for g in g_labels] + [()]
    dimension_of = [ds[0] if len(ds) == 1 else None for ds in dimensions]
    excluded = np.array([[o in OUTCOMES and any(d in OUTCOMES[o].excluded_dimensions for d in ds)
                          for o in [*o_labels, None]] for ds in dimensions], dtype=bool)
    focal = np.flatnonzero(wanted & ~excluded[g_codes, o_codes])
    del wanted
    present = np.unique(o_codes[focal])  # ValueError on an outcome id groups.py does not know
    higher_better = np.zeros(len(o_labels) + 1, dtype=bool)
    higher_better[present] = higher_is_better(
        pd.Series([o_labels[c] if c >= 0 else np.nan for c in present], dtype=object))

    lookup, missing_text = _comparison_lookup(counts, codes, comparison, reference, state)
    reasons = ["", missing_text, SUPPRESSED, f"comparison {SUPPRESSED}",
               "the group's counts are impossible (numerator above denominator)",
               "the comparison counts do not add up (the group is larger than the total?)",
               "no children in the group", f"fewer than {min_n} children in the group",
               "no children in the comparison group", f"fewer than {min_n} children in the comparison group",
               # the risk ratio's own reasons (rr_reason) on measurable rows
               f"fewer than {min_cell} children with the outcome in the group",
               f"fewer than {min_cell} children with the outcome in the comparison group",
               "no children with the outcome in the comparison group"]
    settings = {
        "o_codes": o_codes, "higher_better": higher_better, "lookup": lookup,
        "comparison": comparison, "keep": keep, "min_cell": min_cell, "min_n": min_n,
        "confidence": confidence, "rr_threshold": rr_threshold, "difference_threshold": difference_threshold,
        "numerator": counts["numerator"].to_numpy(float), "denominator": counts["denominator"].to_numpy(float),
    }
    parts = [_measure(rows, **settings) for rows in np.array_split(focal, max(1, -(-len(focal) // _CHUNK)))]
    measures = {}
    for name in list(parts[0]):  # one column at a time: never two copies of everything
        measures[name] = np.concatenate([p.pop(name) for p in parts])
    measures["year"] = counts["year"].to_numpy()[measures["source"]]
    measures["gap"] = _key([(codes[c][0], len(codes[c][1])) for c in ("district", "school", "group", "outcome")],
                           measures["source"])

    text = {c: _decoder(counts[c], codes[c]) for c in ("district", "school", "group", "outcome")}
    label = {"all_other": COMPARISONS["all_other"], "all": COMPARISONS["all"],
             "group": reference, "state": STATE_COMPARISON}[comparison]

    def finish(rows: np.ndarray | None = None) -> dict:
        take = (lambda x: x) if rows is None else (lambda x: x[rows])
        source = take(measures.pop("source"))
        size = len(source)
        measures.pop("gap", None)
        out = {"year": take(measures.pop("year"))}
        for c in ("district", "school"):
            out[c] = text[c](source)
        out["dimension"] = _texts([d or "" for d in dimension_of], g_codes[source])
        out["group"], out["outcome"] = text["group"](source), text["outcome"](source)
        out["comparison"] = _texts([label], np.zeros(size, dtype=np.int8))
        for name in GAPS_COLUMNS[7:]:
            if name in ("reason", "rr_reason"):
                out[name] = _texts(reasons, take(measures.pop(name)))
            elif name == "statement":
                out[name] = _texts([""], np.zeros(size, dtype=np.int8))
            elif name == "confidence":
                out[name] = np.full(size, float(confidence))
            else:
                out[name] = take(measures.pop(name))
        return out

    return measures, finish


def _decoder(column: pd.Series, factorized: tuple[np.ndarray, list]):
    """A function: row positions -> that column's text (``str``) on those rows, in that order."""
    if isinstance(column.dtype, pd.CategoricalDtype):  # decoded through its categories: one string per category
        codes, categories = factorized
        words = pa.array([str(c) for c in categories], pa.large_string())
        return lambda rows: pd.array(words.take(pa.array(codes[rows], mask=codes[rows] < 0)), dtype="str")
    return lambda rows: pd.array(_as_text(column, rows), dtype="str")


def _measure(focal, *, o_codes, higher_better, lookup, comparison, keep, min_cell, min_n, confidence,
             rr_threshold, difference_threshold, numerator, denominator) -> dict[str, np.ndarray]:
    """The numeric columns of the GAPS table for one chunk of focal rows (positions in ``counts``).

    ``reason`` and ``rr_reason`` are codes into ``_gap_arrays``' list of reasons; ``source``
    is the row of ``counts``.
    """
    size = len(focal)
    a_g, n_g = numerator[focal], denominator[focal]
    a_c, n_c, missing = lookup(focal)
    if comparison == "all_other":
        a_c, n_c = a_c - a_g, n_c - n_g
    higher_better = higher_better[o_codes[focal]]

    with np.errstate(invalid="ignore"):
        reason = _reason_codes([  # in the order of _gap_arrays' list of reasons
            missing,
            np.isnan(a_g) | np.isnan(n_g),
            np.isnan(a_c) | np.isnan(n_c),
            (a_g < 0) | (a_g > n_g),
            (a_c < 0) | (n_c < 0) | (a_c > n_c)
            # against all children the group is inside the total: the others cannot be negative
            | ((comparison == "all") & ((a_c - a_g < 0) | (n_c - n_g < 0) | (a_c - a_g > n_c - n_g))),
            n_g == 0,
            n_g < min_n,
            n_c == 0,
            n_c < min_n,
        ], size)

    # --- Everything comparative, on the measurable rows only ---
    m = np.flatnonzero(reason == 0)
    ag, ng, ac, nc, hb = a_g[m], n_g[m], a_c[m], n_c[m], higher_better[m]
    rr_code = _reason_codes([ag < min_cell, ac < min_cell, ac == 0], len(m), first=10)
    has_ratio = rr_code == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        difference = ag / ng - ac / nc
        if comparison == "all":  # the group is part of the comparison: see all_children_intervals
            d_low, d_high, r_low, r_high = all_children_intervals(ag, ng, ac, nc, confidence)
        else:
            d_low, d_high = difference_interval(ag, ng, ac, nc, confidence)
            r_low, r_high = ratio_interval(ag, ng, ac, nc, confidence)
        ratio = (ag / ng) / (ac / nc)
        ratio, r_low, r_high = (np.where(has_ratio, x, np.nan) for x in (ratio, r_low, r_high))
        harm_ratio = np.where(hb, 1 / ratio, ratio)
    harm = np.where(hb, -1.0, 1.0) * difference  # positive where the gap is harmful
    adverse = harm > 0
    score = np.where(hb, -d_high, d_low)
    routes = []
    if difference_threshold is not None:
        routes.append(np.abs(difference) >= difference_threshold - _TOLERANCE)
    if rr_threshold is not None:
        routes.append(harm_ratio >= rr_threshold - _TOLERANCE)
    big = np.logical_or.reduce(routes) if routes else np.ones(len(m), dtype=bool)
    flagged = adverse & (score > 0) & big

    # --- The rows kept, and every column on them ---
    rows = {"all": np.arange(size), "measurable": m, "flagged": m[flagged]}[keep]
    at = np.minimum(np.searchsorted(m, rows), max(len(m) - 1, 0))
    found = m[at] == rows if len(m) else np.zeros(len(rows), dtype=bool)
    a_g, n_g, a_c, n_c, missing = a_g[rows], n_g[rows], a_c[rows], n_c[rows], missing[rows]
    with np.errstate(divide="ignore", invalid="ignore"):
        rate_g, rate_c = a_g / n_g, a_c / n_c
        g_low, g_high = wilson_interval(a_g, n_g, confidence)
        c_low, c_high = wilson_interval(a_c, n_c, confidence)
        # Rates are shown whenever they exist; everything comparative only when measurable.
        usable_c = ~missing & (n_c > 0) & (a_c >= 0) & (a_c <= n_c)
    rate_c, c_low, c_high = (np.where(usable_c, x, np.nan) for x in (rate_c, c_low, c_high))
    return {
        "source": focal[rows],
        "a_group": a_g, "n_group": n_g, "rate_group": rate_g, "rate_group_low": g_low, "rate_group_high": g_high,
        "a_comparison": a_c, "n_comparison": n_c, "rate_comparison": rate_c,
        "rate_comparison_low": c_low, "rate_comparison_high": c_high,
        "difference": _spread(difference, at, found), "ci_low": _spread(d_low, at, found),
        "ci_high": _spread(d_high, at, found), "risk_ratio": _spread(ratio, at, found),
        "rr_ci_low": _spread(r_low, at, found), "rr_ci_high": _spread(r_high, at, found),
        "measurable": found,
        "reason": reason[rows],
        "adverse": _spread(adverse, at, found, False), "flagged": _spread(flagged, at, found, False),
        "score": _spread(score, at, found),
        # the ratio's own reason on measurable rows, else the row's reason
        "rr_reason": np.where(found, _spread(rr_code, at, found, 0), reason[rows]),
    }


def compare(
    counts: pd.DataFrame,
    *,
    comparison: str = "all_other",
    reference: str | None = None,
    state: pd.DataFrame | None = None,
    groups: Iterable[str] | None = None,
    min_cell: int = MIN_CELL,
    min_n: int = MIN_N,
    confidence: float = CONFIDENCE,
    rr_threshold: float | None = RR_THRESHOLD,
    difference_threshold: float | None = DIFFERENCE_THRESHOLD,
    statements: bool = True,
    keep: str = "all",
) -> pd.DataFrame:
    """Measure every group of ``counts`` against a comparison group: the GAPS table.

    ``comparison`` (a key of ``groups.COMPARISONS``):

    * ``"all_other"`` (default): all other children, from the All students row of the same
      year, district, school and outcome: ``a_c = a_all - a_g``, ``n_c = n_all - n_g``;
    * ``"all"``: all children (the All students row itself). The group is part of it, so
      the two rates are not independent: the intervals of the difference and the ratio are
      those against all other children mapped through the exact identities (difference
      times ``1 - n_g / n``; ratio ``RR_o / (f RR_o + 1 - f)``), see
      ``all_children_intervals``. A group with more children (or more with the outcome)
      than All students is then "the comparison counts do not add up";
    * ``"group"``: the named group ``reference`` (e.g. ``"White"``) in the same place. By
      default the other groups of its dimension are measured; measuring the reference
      against itself is an error;
    * ``"state"``: all other children in the state: ``state`` is a counts table of the
      state's district rows (``school == ""``), summed by year, group and outcome (a sum with
      any unknown part is unknown, so pass the state's own totals as one "district" when
      small districts are suppressed). The ratio is then the alternate risk ratio.

    ``groups`` limits the groups measured (default: every group in ``counts`` except All
    students and the reference). A group is never measured on an outcome that excludes its
    dimension (``OUTCOMES[o].excluded_dimensions``: disability for identification). See the
    module docstring for the n-size and cell-size rules.

    A gap is **adverse** when it points the harmful way for the outcome
    (``OUTCOMES[o].higher_is_better``) and **flagged** when it is measurable, adverse, its
    interval of the difference excludes zero, and either ``|difference| >=
    difference_threshold`` or the harm ratio is ``>= rr_threshold``. The harm ratio is the risk
    ratio when lower is better (suspension: 2.0 = twice as likely to be suspended) and its
    inverse when higher is better (graduation: the comparison group graduates at twice the
    group's rate); it needs the cell size. A threshold of None means no threshold on that
    measure (both None: every certain adverse gap is flagged).

    **score** ranks by size and certainty at once: the bound of the interval of the
    difference nearest zero, signed so that positive is harmful (a fraction: 0.20 = we can be
    95% confident the gap is at least 20 points). NaN when not measurable.

    ``statements=False`` leaves the ``statement`` column empty (faster on huge tables; see
    ``screen.statement``). ``keep`` (one of ``KEEP``) returns every focal row (default), only
    the measurable gaps, or only the flagged ones; every cell is measured either way.

    Text columns (year aside, the keys, ``dimension``, ``comparison``, ``reason``,
    ``rr_reason``, ``statement``) are always plain ``str``, whether the keys of ``counts`` are
    ``str`` or ``category`` (as ``aggregate.count_students`` makes them).
    """
    _, finish = _gap_arrays(
        counts, comparison=comparison, reference=reference, state=state, groups=groups, min_cell=min_cell,
        min_n=min_n, confidence=confidence, rr_threshold=rr_threshold, difference_threshold=difference_threshold,
        keep=keep)
    gaps = pd.DataFrame(finish(), copy=False)  # copy=False: no consolidation copy of millions of rows
    if statements and len(gaps):
        gaps["statement"] = _write_statements(gaps)
    return gaps


def alternate_risk_ratio(counts: pd.DataFrame, state: pd.DataFrame, **options) -> pd.DataFrame:
    """Each group in the district against all other children in the state (the ARR).

    ``R_g(district) / R_other(state)``, for when the district's own comparison group is below
    the cell or n-size. Returns the GAPS table of ``compare(counts, comparison="state",
    state=state, **options)`` (its ``risk_ratio`` is the ARR) with one more column,
    ``arr_needed``: True where the district's all-other-children comparison is not measurable
    or has no risk ratio.
    """
    options.pop("comparison", None)
    by_state = compare(counts, comparison="state", state=state, **options)
    local = compare(counts, comparison="all_other", **{**options, "statements": False})
    needed = ~local["measurable"].to_numpy() | (local["rr_reason"] != "").to_numpy()
    return by_state.assign(arr_needed=needed)  # same focal rows, same order


def _dimensions(groups: pd.Series) -> pd.api.extensions.ExtensionArray:
    """The dimension of each group label ("" for a label groups.py does not know)."""
    return pd.array(_lookup(groups, lambda g: getattr(GROUPS.get(g), "dimension", "")), dtype="str")


def _place_and_group(rows: pd.DataFrame) -> pd.DataFrame:
    """The key columns of ``rows`` and each group's dimension; text as plain ``str`` (like ``compare``)."""
    every = np.arange(len(rows))
    text = {c: pd.array(_as_text(rows[c], every), dtype="str") for c in ("district", "school", "group", "outcome")}
    return pd.DataFrame({"year": rows["year"].to_numpy(), "district": text["district"], "school": text["school"],
                         "dimension": _dimensions(rows["group"]), "group": text["group"], "outcome": text["outcome"]})


def _state_shares(state_shares, rows: pd.DataFrame, members: list[str]) -> np.ndarray:
    if isinstance(state_shares, pd.DataFrame):
        district = state_shares[(state_shares["school"] == DISTRICT_LEVEL)
                                & state_shares["group"].isin(members)]
        enrolled = district.groupby(["year", "outcome", "group"])["denominator"].sum(min_count=1)
        shares = (enrolled / enrolled.groupby(level=["year", "outcome"]).transform("sum")).rename("_p")
        return rows[["year", "outcome", "group"]].merge(
            shares.reset_index(), how="left", on=["year", "outcome", "group"])["_p"].to_numpy(float)
    return rows["group"].map(dict(state_shares)).to_numpy(float)


def weighted_risk_ratio(
    counts: pd.DataFrame,
    state_shares: Mapping[str, float] | pd.Series | pd.DataFrame,
    *,
    dimension: str = "race",
    min_cell: int = MIN_CELL,
    min_n: int = MIN_N,
) -> pd.DataFrame:
    """Weighted risk ratio of each group of ``dimension`` (race/ethnicity by default).

    ``WRR_g = (1 - p_g) R_g / sum over k != g of p_k R_k``, with ``R_k`` the district (or
    school) risk and ``p_k`` group k's share of *state* enrollment: a mapping label -> share,
    or a counts table of the state's districts (shares then come from the denominators, per
    year and outcome). A group with no children in the place has no risk and drops out of the
    weighted average of the others (the weights are renormalised: ``WRR = R_g / (sum p_k R_k /
    sum p_k)`` over the groups present), which equals the formula when every group is present.
    Unknown counts in any group of the place make the WRR unknown. The group itself needs the
    n-size and the cell size (a ratio, as in 34 CFR 300.647).

    >>> counts = as_counts(pd.DataFrame({"year": 2025, "district": "D", "school": "",
    ...     "outcome": "suspension_out_of_school", "group": ["Hispanic/Latino", "Asian", "White"],
    ...     "numerator": [20, 10, 10], "denominator": [100, 100, 200]}))
    >>> shares = {"Hispanic/Latino": 0.5, "Asian": 0.3, "White": 0.2}
    >>> [round(x, 3) for x in weighted_risk_ratio(counts, shares).weighted_risk_ratio]
    [2.5, 0.636, 0.308]
    """
    members = groups_of(dimension)
    rows = counts[counts["group"].isin(members)].reset_index(drop=True)
    a, n = rows["numerator"].to_numpy(float), rows["denominator"].to_numpy(float)
    p = _state_shares(state_shares, rows, members)
    with np.errstate(divide="ignore", invalid="ignore"):
        risk = a / n
    unknown = np.isnan(a) | np.isnan(n)
    counted = (n > 0) & ~unknown & ~np.isnan(p)  # groups that enter the weighted average
    weighted = np.where(counted, p * risk, 0.0)
    weight = np.where(counted, p, 0.0)
    place = [rows[c] for c in ("year", "district", "school", "outcome")]
    frame = pd.DataFrame({"w": weighted, "p": weight, "u": unknown})
    totals = frame.groupby(place, sort=False).transform("sum")
    others_w, others_p = totals["w"].to_numpy() - weighted, totals["p"].to_numpy() - weight
    reason = _reasons([
        (unknown, SUPPRESSED),
        (totals["u"].to_numpy() > 0, f"another group's {SUPPRESSED}"),
        (np.isnan(p), "no state enrollment share for the group"),
        (n < min_n, f"fewer than {min_n} children in the group"),
        (a < min_cell, f"fewer than {min_cell} children with the outcome in the group"),
        (others_w <= 0, "no children with the outcome in the other groups"),
    ], len(rows))
    with np.errstate(divide="ignore", invalid="ignore"):
        wrr = risk / (others_w / others_p)
    out = _place_and_group(rows)
    out["weighted_risk_ratio"] = np.where(reason == "", wrr, np.nan)
    out["measurable"] = reason == ""
    out["reason"] = reason.astype(str)
    return out


def composition(
    counts: pd.DataFrame, *, min_cell: int = MIN_CELL, min_n: int = MIN_N
) -> pd.DataFrame:
    """Composition of the children with the outcome, and the E-formula, per group and place.

    ``composition = a_g / a`` (the group's share of the children with the outcome),
    ``enrollment_share = n_g / n`` (its share of the children at risk),
    ``composition_difference`` = the two subtracted, and the E-formula:
    ``e_formula_flag`` when ``composition > A + sqrt(A (1 - A) / N)`` with ``A = n_g / n`` and
    ``N = a`` (over-representation). Totals come from the All students row. The group needs
    the n-size and cell size to be measurable (a share built on a handful of children
    flags noise); the flag is False when not measurable.

    >>> counts = as_counts(pd.DataFrame({"year": 2025, "district": "D", "school": "",
    ...     "outcome": "identification", "group": ["All students", "Black or African American"],
    ...     "numerator": [100, 30], "denominator": [1000, 200]}))
    >>> row = composition(counts).iloc[0]  # A = 0.2, limit = 0.2 + sqrt(0.16 / 100) = 0.24
    >>> round(float(row.composition), 2), round(float(row.e_formula_limit), 2), bool(row.e_formula_flag)
    (0.3, 0.24, True)
    """
    place = ["year", "district", "school", "outcome"]
    rows = counts[counts["group"] != ALL_STUDENTS].reset_index(drop=True)
    totals = counts.loc[counts["group"] == ALL_STUDENTS, place + ["numerator", "denominator"]]
    merged = rows[place].merge(totals.assign(_found=True), on=place, how="left", validate="m:1")
    a_g, n_g = rows["numerator"].to_numpy(float), rows["denominator"].to_numpy(float)
    a, n = merged["numerator"].to_numpy(float), merged["denominator"].to_numpy(float)
    reason = _reasons([
        (merged["_found"].isna().to_numpy(), f"no {ALL_STUDENTS} row to compare with"),
        (np.isnan(a_g) | np.isnan(n_g) | np.isnan(a) | np.isnan(n), SUPPRESSED),
        ((a_g > a) | (n_g > n) | (a_g > n_g), "counts do not add up (the group is larger than the total?)"),
        (a == 0, "no children with the outcome"),
        (n_g < min_n, f"fewer than {min_n} children in the group"),
        (a_g < min_cell, f"fewer than {min_cell} children with the outcome in the group"),
    ], len(rows))
    with np.errstate(divide="ignore", invalid="ignore"):
        comp, share = a_g / a, n_g / n
        limit = share + np.sqrt(share * (1 - share) / a)
    out = _place_and_group(rows)
    out["a_group"], out["n_group"], out["a_all"], out["n_all"] = a_g, n_g, a, n
    out["composition"], out["enrollment_share"] = comp, share
    out["composition_difference"] = comp - share
    out["e_formula_limit"] = limit
    out["measurable"] = reason == ""
    out["e_formula_flag"] = out["measurable"].to_numpy() & (comp > limit)
    out["reason"] = reason.astype(str)
    return out


# --- Several years -----------------------------------------------------------------------

def streak(gaps: pd.DataFrame, column: str = "flagged") -> pd.Series:
    """How many years in a row ``column`` has held for each row's gap, ending in its year.

    A gap is identified by district, school, group, outcome and comparison (those of them the
    table has); years must follow each other (2023 then 2024): a missing year breaks the run,
    as does a year where the gap was not measured. Aligned with ``gaps.index``.
    """
    keys = [c for c in ("district", "school", "group", "outcome", "comparison") if c in gaps]
    if len(gaps) == 0:
        return pd.Series(np.zeros(0, dtype=np.int64), index=gaps.index, name=f"{column}_years")
    gid = (gaps.groupby(keys, sort=False, dropna=False).ngroup().to_numpy() if keys
           else np.zeros(len(gaps), dtype=np.int64))
    order = np.lexsort((gaps["year"].to_numpy(), gid))  # by gap, then year
    gid, year = gid[order], gaps["year"].to_numpy()[order]
    flag = gaps[column].to_numpy(dtype=bool)[order]
    same_run = np.zeros(len(gaps), dtype=bool)
    same_run[1:] = flag[1:] & flag[:-1] & (gid[1:] == gid[:-1]) & (year[1:] == year[:-1] + 1)
    start = flag & ~same_run
    index = np.arange(len(gaps))
    run_start = np.maximum.accumulate(np.where(start, index, 0))
    length = np.where(flag, index - run_start + 1, 0)
    out = np.empty(len(gaps), dtype=np.int64)
    out[order] = length
    return pd.Series(out, index=gaps.index, name=f"{column}_years")


def consecutive_years(
    gaps: pd.DataFrame, years: int = CONSECUTIVE_YEARS, column: str = "flagged"
) -> pd.Series:
    """The multi-year rule: True where ``column`` held in this year and the ``years - 1`` before.

    >>> gaps = pd.DataFrame({"year": [2022, 2023, 2024, 2025], "district": "D", "school": "",
    ...     "group": "Migrant", "outcome": "dropout", "comparison": "all other children",
    ...     "flagged": [True, True, True, False]})
    >>> consecutive_years(gaps, years=3).tolist()
    [False, False, True, False]
    """
    if int(years) != years or years < 1:
        raise ValueError(f"years must be a whole number of at least 1, not {years!r}")
    return (streak(gaps, column) >= years).rename(f"{column}_{years}_years")
