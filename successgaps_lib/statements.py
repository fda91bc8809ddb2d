"""Success gap statements: one row of a GAPS table said in plain words, for millions of rows at once.

``statement(gap)`` writes one row's statement, ``statements(gaps)`` a whole table's (vectorised
with pyarrow: a state's screen has millions of rows), ``gap_phrases(gaps)`` only the gap and its
interval ("a gap of 19.1 percentage points (95% CI 12.1 to 26.0)"). Counts under ``MIN_SIZE``
are written "fewer than 10"; a figure privacy blanked reads ``SUPPRESSED``. A discipline file
that counts actions (``measures``: ``unit: incidents``) is said in actions per 100 students,
never as a share of children.

This module reads only the GAPS table's columns and the vocabularies (``groups``, ``table``):
``metrics`` writes its statements with it and ``screen`` re-exports it, so imports flow one way
(statements <- metrics <- screen).

>>> row = {"year": 2025, "district": "Riverside Unified (demo)", "school": "", "outcome": "graduation",
...        "group": "Students with disabilities", "comparison": "all other children", "measurable": True,
...        "a_group": 130, "n_group": 212, "rate_group": 130 / 212, "a_comparison": 2973,
...        "n_comparison": 3340, "rate_comparison": 2973 / 3340, "difference": 130 / 212 - 2973 / 3340,
...        "ci_low": -0.345, "ci_high": -0.213, "confidence": 0.95, "reason": ""}
>>> print(statement(row))  # doctest: +NORMALIZE_WHITESPACE
In 2025, 61.3% of students with disabilities in Riverside Unified (demo) graduated in four years
with a regular diploma, compared with 89.0% of all other children: a gap of 27.7 percentage points
(95% CI 21.3 to 34.5). Groups: 212 students with disabilities, 3,340 other children.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from successgaps_lib.groups import COMPARISONS, OUTCOMES, noun
from successgaps_lib.table import CONFIDENCE, DISTRICT_LEVEL, STATE_COMPARISON


def higher_is_better(outcomes: pd.Series) -> np.ndarray:
    """For each outcome id, whether a higher rate is better (ValueError naming unknown ids)."""
    unknown = sorted(set(pd.unique(outcomes)) - set(OUTCOMES), key=str)
    if unknown:
        raise ValueError(f"unknown outcome id(s) {unknown}; expected ids of groups.OUTCOMES")
    codes, uniques = pd.factorize(outcomes)
    return np.array([OUTCOMES[o].higher_is_better for o in uniques], dtype=bool)[codes] if len(uniques) else \
        np.array([], dtype=bool)


#: Counts below this are written "fewer than 10" in statements (design.md section 3).
MIN_SIZE = 10
#: How a value blanked by privacy suppression (NaN in a measurable row) reads in a statement.
SUPPRESSED = "[suppressed]"

# How a comparison is named after "compared with X% of ..." and in the group sizes.
_COMPARED_WITH = {
    COMPARISONS["all_other"]: ("all other children", "other children"),
    COMPARISONS["all"]: ("all children", "children in all"),
    STATE_COMPARISON: (STATE_COMPARISON, "other children in the state"),
}


def group_noun(label: str) -> str:
    """The group as the noun of a sentence: "61% of <noun> graduated" (``groups.noun``).

    >>> [group_noun(g) for g in ("Students with disabilities", "English learners", "Homeless",
    ...                          "White", "Two or more races", "Not in foster care")]
    ['students with disabilities', 'English learners', 'homeless students', 'White students', \
'students of two or more races', 'students not in foster care']
    """
    return noun(label)  # groups.py owns the wording (intersections too)


def _text(values) -> pa.Array:
    """Any column as an Arrow string array (the statement is built with Arrow kernels: fast)."""
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values.cast(pa.large_string())
    series = pd.Series(values)
    if series.dtype == "str" or isinstance(series.dtype, pd.CategoricalDtype):  # no Python string per row
        return pa.array(series).cast(pa.large_string())
    return pa.array(series.astype(str)).cast(pa.large_string())


def _join(*parts) -> pa.Array:
    """Concatenate string arrays and literals element-wise."""
    parts = [pa.scalar(p, pa.large_string()) if isinstance(p, str) else _text(p) for p in parts]
    return pc.binary_join_element_wise(*parts, pa.scalar("", pa.large_string()))


def _say(labels, say) -> pa.Array:
    """Map a column of labels through ``say`` applied once to each distinct label."""
    codes, uniques = pd.factorize(pd.Series(labels), use_na_sentinel=False)
    return pa.array([say(u) for u in uniques], type=pa.large_string()).take(pa.array(codes))


def _int_text(values: np.ndarray, pad: int = 0) -> pa.Array:
    text = pc.cast(pa.array(values.astype(np.int64)), pa.large_string())
    return pc.utf8_lpad(text, width=pad, padding="0") if pad else text


def _tenths(values) -> pa.Array:
    """Fractions as percentages with one decimal, rounded half away from zero ("61.3")."""
    values = np.asarray(values, dtype=float)
    tenths = np.floor(np.abs(np.nan_to_num(values)) * 1000 + 0.5 + 1e-9).astype(np.int64)
    sign = pc.if_else(pa.array((values < 0) & (tenths > 0)), "-", "")
    text = _join(sign, _int_text(tenths // 10), ".", _int_text(tenths % 10))
    return pc.if_else(pa.array(np.isnan(values)), SUPPRESSED, text)


def _percent(values) -> pa.Array:
    """``_tenths`` with a percent sign ("61.3%"); an unknown (suppressed) value stays a word."""
    text = _tenths(values)
    return pc.if_else(pc.equal(text, SUPPRESSED), text, _join(text, "%"))


def _sizes(counts, min_size: int) -> pa.Array:
    """Counts with thousands separators ("3,340"); "fewer than 10" below ``min_size``."""
    n = np.nan_to_num(np.asarray(counts, dtype=float)).astype(np.int64)
    units, thousands, millions = n % 1000, n // 1000 % 1000, n // 1_000_000
    text = pc.if_else(pa.array(n >= 1_000_000),
                      _join(_int_text(millions), ",", _int_text(thousands, 3), ",", _int_text(units, 3)),
                      pc.if_else(pa.array(n >= 1000), _join(_int_text(thousands), ",", _int_text(units, 3)),
                                 _int_text(units)))
    text = pc.if_else(pa.array(n < min_size), f"fewer than {min_size}", text)
    text = pc.if_else(pa.array(n == 0), "no", text)
    return pc.if_else(pa.array(np.isnan(np.asarray(counts, dtype=float))), "an unknown number of", text)


def _compared_with(comparison: str, which: int) -> str:
    return _COMPARED_WITH.get(comparison, (group_noun(comparison),) * 2)[which]


#: What an incident is called, by outcome, when a file's numerator counts actions, not children.
INCIDENT_NOUNS = {"suspension_in_school": "in-school suspensions", "suspension_out_of_school":
                  "out-of-school suspensions", "expulsion": "expulsions"}


def measures_of(measures) -> dict[str, tuple[str, str]]:
    """``{outcome: (unit, population)}`` from ``load.Dataset.measures``, a dict, or a table's ``attrs``.

    >>> measures_of((("expulsion", "incidents", ""),))
    {'expulsion': ('incidents', '')}
    """
    if measures is None:
        return {}
    if isinstance(measures, dict):
        return {str(o): (str(v[0]), str(v[1])) for o, v in measures.items()}
    return {str(o): (str(u), str(p)) for o, u, p in measures}


def population_words(population: str) -> str:
    """What follows a group's noun for the population of the denominator (empty for enrolled children).

    >>> population_words("children served under IDEA"), population_words("enrolled students")
    (' served under IDEA', '')
    >>> population_words("the cohort")
    ' (the cohort)'
    """
    text = " ".join(str(population).split())
    if text.lower() in ("", "enrolled children", "enrolled students", "children", "students"):
        return ""
    for head in ("children ", "students "):
        if text.lower().startswith(head):
            return " " + text[len(head):]
    return f" ({text})"


def incident_noun(outcome: str) -> str:
    """``in-school suspensions``: what one counted action of ``outcome`` is called."""
    if outcome in INCIDENT_NOUNS:
        return INCIDENT_NOUNS[outcome]
    label = OUTCOMES[outcome].label.lower() if outcome in OUTCOMES else str(outcome)
    return f"incidents of {label}"


def statements(gaps: pd.DataFrame, *, min_size: int = MIN_SIZE, measures=None) -> pd.Series:
    """The success gap statement of every row of a GAPS table (vectorized), aligned with it.

    A measurable gap gives both rates, the gap in percentage points with its confidence
    interval (magnitude, oriented so the harmful direction is positive; "in their favour"
    when the gap points the other way; "could be chance" when the interval reaches zero) and
    both group sizes. A gap that cannot be measured says why ("too few to measure" for the
    n-size). Sizes below ``min_size`` are written "fewer than 10"; a value that privacy
    suppression has blanked (NaN) reads "[suppressed]", so a table that has been through
    suppression can be given statements again.

    ``measures`` (``load.Dataset.measures``; default: the table's ``attrs["measures"]``) says
    what a rate counts when a mapping says so: the denominator's population is named after the
    group ("of Black students served under IDEA"), and a numerator that counts actions
    (``unit: incidents``) is written as a count of actions for a number of children with the
    rate per 100, never as a percentage of children.
    """
    if not len(gaps):
        return pd.Series([], index=gaps.index, dtype="str")
    chosen = measures_of(measures if measures is not None else gaps.attrs.get("measures"))
    return pd.Series(pd.array(_statement_array(gaps, min_size, chosen), dtype="str"), index=gaps.index)


def _statement_array(gaps: pd.DataFrame, min_size: int, measures: dict | None = None) -> pa.Array:
    """``statements`` as one Arrow array."""
    if not len(gaps):
        return pa.array([], pa.large_string())
    if measures:
        def _measured_with(rows, size):
            return _measured(rows, size, measures)

        def _unmeasured_with(rows, size):
            return _unmeasured(rows, size, measures)

        return _statement_parts(gaps, min_size, _measured_with, _unmeasured_with)
    return _statement_parts(gaps, min_size, _measured, _unmeasured)


def _statement_parts(gaps: pd.DataFrame, min_size: int, measured, unmeasured) -> pa.Array:
    """Each kind of row gets only its own sentence built (the text is most of the cost)."""
    measurable = gaps["measurable"].to_numpy(dtype=bool)
    first = int(measurable.sum())
    if measurable[:first].all():  # measurable rows first, as screen ranks them: slices, no reordering
        parts = [(measured, slice(0, first)), (unmeasured, slice(first, len(gaps)))]
        return pa.concat_arrays([build(gaps.iloc[rows], min_size) for build, rows in parts if rows.stop > rows.start])
    rows = [np.flatnonzero(measurable), np.flatnonzero(~measurable)]
    parts = [build(gaps.iloc[index], min_size) for build, index in zip((measured, unmeasured), rows, strict=True)
             if len(index)]
    return pa.concat_arrays(parts).take(pa.array(np.argsort(np.concatenate(rows), kind="stable")))


def _opening_and_sizes(gaps: pd.DataFrame, min_size: int):
    """The parts every statement has: "In 2025, ", the group, the comparison, the place, the sizes."""
    group = _say(gaps["group"], group_noun)
    school = _text(gaps["school"])
    place = pc.if_else(pc.equal(school, DISTRICT_LEVEL), _join("in ", gaps["district"]),
                       _join("at ", school, ", ", gaps["district"]))
    sizes = _join(". Groups: ", _sizes(gaps["n_group"], min_size), " ", group, ", ",
                  _sizes(gaps["n_comparison"], min_size), " ",
                  _say(gaps["comparison"], lambda c: _compared_with(c, 1)), ".")
    start = _join("In ", _int_text(gaps["year"].to_numpy()), ", ")
    return start, group, _say(gaps["comparison"], lambda c: _compared_with(c, 0)), place, sizes


#: The columns ``gap_phrases`` reads (``confidence`` may be left out: 95%).
GAP_PHRASE_COLUMNS = ["outcome", "difference", "ci_low", "ci_high", "confidence"]


def gap_phrases(gaps: pd.DataFrame, *, points: str = "percentage points") -> pd.Series:
    """The gap of each row in words, oriented so that a gap is harmful, with its interval.

    The part of the success gap statement after the two rates; charts' text alternatives use
    it too, so both say the same. Reads ``GAP_PHRASE_COLUMNS``. ``points``: the unit of the
    difference ("in-school suspensions per 100 students" for a count of actions).

    >>> rows = pd.DataFrame({"outcome": ["graduation", "graduation", "suspension_out_of_school"],
    ...                      "difference": [-0.10, 0.08, 0.02], "ci_low": [-0.16, 0.043, -0.01],
    ...                      "ci_high": [-0.05, 0.118, 0.05]})
    >>> for phrase in gap_phrases(rows):
    ...     print(phrase)
    a gap of 10.0 percentage points (95% CI 5.0 to 16.0)
    a difference of 8.0 percentage points in their favour (95% CI 4.3 to 11.8)
    a gap of 2.0 percentage points (95% CI -1.0 to 5.0, so it could be chance)
    """
    if not len(gaps):
        return pd.Series([], index=gaps.index, dtype="str")
    return pd.Series(pd.array(_gap_phrase_array(gaps, points), dtype="str"), index=gaps.index)


def _gap_phrase_array(gaps: pd.DataFrame, points="percentage points") -> pa.Array:
    sign = np.where(higher_is_better(gaps["outcome"]), -1.0, 1.0)
    harm = sign * gaps["difference"].to_numpy(float)
    ends = sign * gaps[["ci_low", "ci_high"]].to_numpy(float).T
    lo, hi = np.minimum(*ends), np.maximum(*ends)
    favour = harm < 0
    size = _tenths(np.abs(harm))
    words = pc.if_else(pc.equal(size, "0.0"), _join("no difference in ", points),
                       pc.if_else(pa.array(favour),
                                  _join("a difference of ", size, " ", points, " in their favour"),
                                  _join("a gap of ", size, " ", points)))
    confidence = (gaps["confidence"].fillna(CONFIDENCE) if "confidence" in gaps
                  else np.full(len(gaps), CONFIDENCE))
    # "Could be chance" when the interval reaches zero, whichever way the gap points.
    chance = (lo <= 0) & (hi >= 0)
    interval = _join(" (", _say(confidence, lambda c: f"{c * 100:g}% CI"), " ",
                     _tenths(np.where(favour, -hi, lo)), " to ", _tenths(np.where(favour, -lo, hi)),
                     pc.if_else(pa.array(chance), ", so it could be chance)", ")"))
    return _join(words, interval)


def _measured(gaps: pd.DataFrame, min_size: int, measures: dict | None = None) -> pa.Array:
    """The data point, both rates, the gap oriented so that positive is harmful, its interval."""
    start, group, compared, place, sizes = _opening_and_sizes(gaps, min_size)
    outcome = gaps["outcome"]
    if measures:
        group, compared = _populations(gaps, group, compared, measures)
    text = _join(start, _percent(gaps["rate_group"]), " of ", group, " ", place, " ",
                 _say(outcome, lambda o: OUTCOMES[o].phrase), ", compared with ",
                 _percent(gaps["rate_comparison"]), " of ", compared, ": ", _gap_phrase_array(gaps), sizes)
    incidents = [o for o, (unit, _) in (measures or {}).items() if unit == "incidents"]
    hit = outcome.isin(incidents).to_numpy() if incidents else None
    if hit is None or not hit.any():
        return text
    # "42 in-school suspensions for 45 Black students (93.3 per 100)": actions, never "93.3% of ... were suspended"
    per = _join(start, _sizes(gaps["a_group"], min_size), " ", _say(outcome, incident_noun), " for ",
                _sizes(gaps["n_group"], min_size), " ", group, " ", place, " (", _tenths(gaps["rate_group"]),
                " per 100), compared with ", _tenths(gaps["rate_comparison"]), " per 100 for ", compared, ": ",
                _gap_phrase_array(gaps, _say(outcome, lambda o: incident_noun(o) + " per 100 students")), sizes)
    return pc.if_else(pa.array(hit), per, text)


def _populations(gaps: pd.DataFrame, group: pa.Array, compared: pa.Array, measures: dict):
    """The group and comparison nouns followed by the denominator's population, where a mapping names it."""
    words = _say(gaps["outcome"], lambda o: population_words(measures.get(o, ("", ""))[1]))
    return _join(group, words), _join(compared, words)


def _unmeasured(gaps: pd.DataFrame, min_size: int, measures: dict | None = None) -> pa.Array:
    """Why the gap cannot be measured."""
    start, group, compared, place, sizes = _opening_and_sizes(gaps, min_size)
    if measures:
        group, compared = _populations(gaps, group, compared, measures)
    reason = _text(gaps["reason"])
    too_few = pc.or_(pc.starts_with(reason, "fewer than"), pc.starts_with(reason, "no children"))
    outcome = _say(gaps["outcome"], lambda o: OUTCOMES[o].label[0].lower() + OUTCOMES[o].label[1:])
    return _join(start, "the gap in ", outcome, " between ", group, " and ", compared, " ", place,
                 " cannot be measured: ", pc.if_else(too_few, _join("too few to measure (", reason, ")"), reason),
                 sizes)


def statement(gap: pd.Series | pd.DataFrame | dict, *, min_size: int = MIN_SIZE, measures=None) -> str:
    """The success gap statement of one gap: a row of a GAPS table (Series, dict or 1-row frame)."""
    frame = gap if isinstance(gap, pd.DataFrame) else pd.DataFrame([dict(gap)])
    if len(frame) != 1:
        raise ValueError(f"statement() takes one gap, not {len(frame)}; use statements() for a table")
    return str(statements(frame, min_size=min_size, measures=measures).iloc[0])
