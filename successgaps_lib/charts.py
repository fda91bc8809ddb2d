"""Charts for the data slides: readable on a projector, in black and white, and with no internet.

Every builder takes a table that has already passed through ``privacy.protect`` (a suppressed
value is NaN) and returns a *new* Altair chart; nothing here changes global state except the two
functions whose job it is (``enable_offline`` and ``interactive``).

=================== ================================= =============================================
builder             input                              what it shows
=================== ================================= =============================================
``rate_chart``      GAPS rows of one year and school   rate of each group against its comparison
``trend_chart``     GAPS rows of one gap, many years   group and comparison rate per year
``schools_chart``   GAPS rows of one gap, many schools gap per school with its CI, sorted
``composition_chart`` a COMPOSITION table              share of the children with the outcome
                                                       against share of enrollment, per group
``related_chart``   GAPS rows of one group             one small panel per related outcome
``overview_chart``  screened GAPS rows                 the highest-ranked gaps with their CIs
=================== ================================= =============================================

The COMPOSITION table is ``metrics.composition``'s output (one row per group, outcome, year and
place). Needed: ``group``, ``composition`` (a_g / a: the group's share of the children *with the
outcome*, 0..1) and ``enrollment_share`` (n_g / n: its share of the children at risk). Used when
present: ``composition_difference`` (or ``difference``), ``a_group``, ``n_group``, ``a_all`` and
``n_all`` (or ``a_total``, ``n_total``), ``e_formula_flag`` (or ``flagged``), ``measurable``,
``reason``, ``outcome``, ``year``, ``school``. One dimension is drawn (``dimension=``).

Colour is never the only carrier of meaning: the group and its comparison differ by colour
(Okabe-Ito blue and orange) *and* by marker shape and line dash, values are written next to
the marks, and a suppressed value is left out of the marks and named "suppressed" in the chart
and in its text alternative (``describe``), never drawn as zero.

Offline: ``to_svg`` renders through vl-convert (no browser, no network) and adds the text
alternative as the SVG ``<title>``/``<desc>`` and ``aria-label``; ``figure`` wraps that in a
display object notebooks can show and papermill keeps; ``interactive`` gives a live
``JupyterChart`` whose JavaScript is bundled (about 0.9 MB per chart, blank in static HTML).
"""

from __future__ import annotations

import hashlib
import html
import math
import re
from collections.abc import Sequence

import altair as alt
import pandas as pd

from successgaps_lib.groups import (
    OUTCOMES,
    dimension_key,
    dimension_title,
    dimensions_of,
    display_order,
    is_intersection,
    noun,
)
from successgaps_lib.privacy import REASON as PRIVACY_REASON
from successgaps_lib.statements import GAP_PHRASE_COLUMNS, gap_phrases, incident_noun, measures_of, population_words
from successgaps_lib.words import gap_interval, gap_words, school_year

# --- Look ----------------------------------------------------------------------------------

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
#: deficiency. Blue and orange also stay apart in greyscale (dark against light).
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: How the two roles are drawn: colour, marker shape and line dash all differ.
ROLE_STYLE: dict[str, dict] = {
    "group": {"color": OKABE_ITO["blue"], "shape": "circle", "dash": [1, 0]},
    "comparison": {"color": OKABE_ITO["orange"], "shape": "square", "dash": [8, 5]},
}
INK = "#222222"  # text and neutral marks: near-black keeps contrast on paper and projectors
NOTE_INK = "#444444"  # notes ("suppressed"): still above 9:1 contrast on white
FONT_SIZE = 16  # axis labels, legends, value labels; titles are larger (read from the back of a room)
#: The widest a chart may be drawn (CSS px) so that FONT_SIZE still prints at 9 pt or more on a
#: Letter page with the handout's margins (7 in = 504 pt of text width): 16 px x 504 / 896 = 9 pt.
PRINT_WIDTH = 896
SUPPRESSED = "suppressed"
PRIVACY_NOTE = "suppressed to protect privacy"
MAX_ROWS = 400  # a chart gets aggregates only; more rows than this means something upstream is wrong

CONFIG = {
    "font": "Liberation Sans, Arial, Helvetica, sans-serif",
    "title": {"fontSize": 22, "subtitleFontSize": FONT_SIZE, "anchor": "start", "color": INK,
              "subtitleColor": INK, "offset": 14, "limit": 900},
    "axis": {"labelFontSize": FONT_SIZE, "titleFontSize": FONT_SIZE, "labelColor": INK,
             "titleColor": INK, "labelLimit": 360, "titleFontWeight": "normal", "gridColor": "#dddddd",
             "tickColor": INK, "domainColor": INK},
    "legend": {"labelFontSize": FONT_SIZE, "titleFontSize": FONT_SIZE, "labelColor": INK,
               "titleColor": INK, "symbolSize": 180, "symbolStrokeWidth": 2.5, "labelLimit": 400,
               "orient": "top", "direction": "horizontal", "titleOrient": "left"},
    "header": {"labelFontSize": 18, "titleFontSize": 18, "labelColor": INK, "labelFontWeight": "bold",
               "labelAnchor": "start", "labelLimit": 600},
    "text": {"fontSize": FONT_SIZE, "color": INK},
    "view": {"stroke": None},
}

KINDS = ("rates", "trend", "schools", "composition", "related", "overview")


# --- Words and numbers -----------------------------------------------------------------------

def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or bool(pd.isna(x))


def _num(x) -> float | None:
    return None if _missing(x) else float(x)


def _pct(x) -> str:
    """A rate as a percentage with one decimal; "suppressed" when unknown.

    >>> _pct(0.1234), _pct(float("nan"))
    ('12.3%', 'suppressed')
    """
    return SUPPRESSED if _missing(x) else f"{float(x) * 100:.1f}%"


def _pts(x, sign: bool = True) -> str:
    """A difference (a fraction) in percentage points.

    >>> _pts(0.084), _pts(-0.1), _pts(0.0)
    ('+8.4', '-10.0', '0.0')
    """
    if _missing(x):
        return SUPPRESSED
    value = round(float(x) * 100, 1) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{value:+.1f}" if sign and value != 0 else f"{value:.1f}"


def _gap(x) -> str:
    """A difference in words, one sign everywhere (``words.gap_words``); "suppressed" when unknown.

    >>> _gap(-0.191), _gap(float("nan"))
    ('19.1 points lower', 'suppressed')
    """
    return SUPPRESSED if _missing(x) else gap_words(x)


def _gap_ci(low, high) -> str:
    return SUPPRESSED if _missing(low) or _missing(high) else gap_interval(low, high)


def _count(n) -> str:
    """A count with thousands separators.

    >>> _count(1234.0), _count(float("nan"))
    ('1,234', 'suppressed')
    """
    return SUPPRESSED if _missing(n) else f"{round(float(n)):,}"


def _ci(low, high, fmt=_pct) -> str:
    if _missing(low) or _missing(high):
        return "not available"
    return f"{fmt(low)} to {fmt(high)}"


def _children(label: str) -> str:
    """Name a group as children in a sentence.

    >>> _children("Black or African American"), _children("English learners"), _children("Foster care")
    ('Black or African American children', 'English learners', 'children in foster care')
    >>> _children("all other children"), _children("the state"), _children("Two or more races")
    ('all other children', 'children in the state', 'children of two or more races')
    >>> _children("Students with disabilities"), _children("Hispanic/Latino × Students with disabilities")
    ('students with disabilities', 'Hispanic/Latino students with disabilities')
    """
    text = str(label)
    if is_intersection(text):
        return noun(text)
    lower = text.lower()
    if lower.split()[-1:] and lower.split()[-1] in ("children", "students", "learners", "disabilities"):
        # Mid-sentence: "of students with disabilities" (but "English learners" keeps its capital).
        return text if text.split()[0] in ("English", "Non-English") else text[0].lower() + text[1:]
    if lower.startswith("the "):
        return f"children in {text}"
    if lower.startswith("two or more"):
        return f"children of {lower}"
    if lower.startswith("not in ") or lower == "foster care":
        return f"children {lower}" if lower.startswith("not in ") else f"children in {lower}"
    return f"{text} children"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _outcome_label(outcome: str) -> str:
    return OUTCOMES[outcome].label if outcome in OUTCOMES else str(outcome)


def _phrase(outcome: str) -> str:
    return OUTCOMES[outcome].phrase if outcome in OUTCOMES else f"had the outcome {outcome!r}"


_outcome_phrase = _phrase


def _per100(fraction) -> str:
    """A rate of actions per child as a number per 100 children: ``0.933`` -> ``93.3``."""
    return _pct(fraction).removesuffix("%")


def _direction(outcome: str) -> str:
    if outcome not in OUTCOMES:
        return ""
    return " (higher is better)" if OUTCOMES[outcome].higher_is_better else " (lower is better)"


def _place(table: pd.DataFrame, school: str | None = None) -> str:
    if school:
        return str(school)
    if "district" in table and table["district"].nunique() == 1:
        return str(table["district"].iloc[0])
    return "district"


# --- Checks and selection ---------------------------------------------------------------------

GAP_RATE_COLUMNS = ("group", "outcome", "comparison", "n_group", "rate_group", "rate_group_low",
                    "rate_group_high", "n_comparison", "rate_comparison", "rate_comparison_low",
                    "rate_comparison_high")
GAP_DIFFERENCE_COLUMNS = ("group", "outcome", "comparison", "n_group", "n_comparison", "difference",
                          "ci_low", "ci_high")
COMPOSITION_COLUMNS = ("group", "composition", "enrollment_share")


def _require_protected(table: pd.DataFrame) -> None:
    """Refuse a table that has not passed through ``privacy.protect`` (imported late: tests swap it)."""
    from successgaps_lib.privacy import require_protected

    require_protected(table)


def _check(table: pd.DataFrame, columns: Sequence[str], kind: str) -> None:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"the {kind} chart needs a pandas DataFrame, not {type(table).__name__}")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"the {kind} chart needs the column(s) {', '.join(missing)}")
    _require_protected(table)


def _only(table: pd.DataFrame, column: str, value, kind: str):
    """The value to keep in ``column``: the given one, or the only one the table has."""
    if value is not None:
        return value
    values = list(dict.fromkeys(table[column]))
    if len(values) != 1:
        shown = ", ".join(map(str, values[:6])) + (" ..." if len(values) > 6 else "")
        raise ValueError(f"the {kind} chart shows one {column}; the table has {len(values)} ({shown}): "
                         f"pass {column}=...")
    return values[0]


def _select(table: pd.DataFrame, kind: str, **equal) -> pd.DataFrame:
    rows = table
    for column, value in equal.items():
        if value is not None and column in rows:
            rows = rows[rows[column] == value]
    if rows.empty:
        asked = ", ".join(f"{k}={v!r}" for k, v in equal.items() if v is not None)
        raise ValueError(f"the {kind} chart found no rows for {asked}")
    return rows


def _latest(table: pd.DataFrame, year):
    if year is not None or "year" not in table:
        return year
    return int(table["year"].max())


def _for_altair(frame: pd.DataFrame) -> pd.DataFrame:
    if len(frame) > MAX_ROWS:
        raise ValueError(f"{len(frame)} rows reached a chart (at most {MAX_ROWS}); aggregate first")
    return frame.reset_index(drop=True)


# --- Preparing the data of each kind -----------------------------------------------------------
# Each _prepare_* returns (frame handed to Altair, meta used by the chart and by describe).

def _children_count(n) -> str:
    return "group size suppressed" if _missing(n) else f"{_count(n)} children"


def _rate_sentence(row, *, lead: str = "", measures=None) -> str:
    """One GAPS row in words: both rates with CIs and sizes, and the gap.

    >>> row = pd.Series({"group": "Hispanic/Latino", "outcome": "graduation", "comparison": "all other children",
    ...     "n_group": 200.0, "rate_group": 0.8, "rate_group_low": 0.74, "rate_group_high": 0.85,
    ...     "n_comparison": 800.0, "rate_comparison": 0.9, "rate_comparison_low": 0.88,
    ...     "rate_comparison_high": 0.92, "difference": -0.1, "ci_low": -0.16, "ci_high": -0.05})
    >>> print(_rate_sentence(row))  # doctest: +NORMALIZE_WHITESPACE
    80.0% of Hispanic/Latino children (95% CI 74.0% to 85.0%; 200 children) graduated in four years
    with a regular diploma, compared with 90.0% of all other children (95% CI 88.0% to 92.0%; 800
    children): a gap of 10.0 percentage points (95% CI 5.0 to 16.0).
    >>> hidden = row.copy()
    >>> hidden[["n_group", "rate_group", "difference"]] = float("nan")
    >>> print(_rate_sentence(hidden))  # doctest: +NORMALIZE_WHITESPACE
    The rate of Hispanic/Latino children is suppressed to protect privacy (group size suppressed); 90.0% of
    all other children (95% CI 88.0% to 92.0%; 800 children) graduated in four years with a regular diploma.
    >>> hidden[["n_comparison", "rate_comparison"]] = float("nan")
    >>> print(_rate_sentence(hidden))  # doctest: +NORMALIZE_WHITESPACE
    The rates of Hispanic/Latino children (group size suppressed) and of all other children (group size
    suppressed) are suppressed to protect privacy.
    """
    unit, population = measures_of(measures).get(row["outcome"], ("students", ""))
    words = population_words(population)  # "served under IDEA": who the denominator counts, if a mapping says
    group, comparison = _children(row["group"]) + words, _children(row["comparison"]) + words
    incidents = unit == "incidents"  # the numerator counts actions: "93.3 per 100", never "93.3% of"

    def measured(who: str, role: str) -> str:
        if incidents:
            return (f"{_per100(row[f'rate_{role}'])} {incident_noun(row['outcome'])} per 100 {who} (95% CI "
                    f"{_ci(row[f'rate_{role}_low'], row[f'rate_{role}_high'], _per100)}; "
                    f"{_children_count(row[f'n_{role}'])})")
        return (f"{_pct(row[f'rate_{role}'])} of {who} (95% CI "
                f"{_ci(row[f'rate_{role}_low'], row[f'rate_{role}_high'])}; {_children_count(row[f'n_{role}'])})")

    def _phrase(outcome):
        return "" if incidents else " " + _outcome_phrase(outcome)

    hidden_group, hidden_comparison = _missing(row["rate_group"]), _missing(row["rate_comparison"])
    if hidden_group and hidden_comparison:
        text = (f"{lead}The rates of {group} ({_children_count(row['n_group'])}) and of {comparison} "
                f"({_children_count(row['n_comparison'])}) are suppressed to protect privacy")
    elif hidden_group:
        text = (f"{lead}The rate of {group} is suppressed to protect privacy "
                f"({_children_count(row['n_group'])}); {measured(comparison, 'comparison')}{_phrase(row['outcome'])}")
    elif hidden_comparison:
        text = (f"{lead}{measured(group, 'group')}{_phrase(row['outcome'])}; the rate of {comparison} is "
                f"suppressed to protect privacy ({_children_count(row['n_comparison'])})")
    else:
        text = (f"{lead}{measured(group, 'group')}{_phrase(row['outcome'])}, compared with "
                f"{measured(comparison, 'comparison')}")
    if not _missing(row.get("difference")):
        # The statement's words: oriented so a gap is harmful, "in their favour" otherwise.
        points = f"{incident_noun(row['outcome'])} per 100 students" if incidents else "percentage points"
        text += ": " + gap_phrases(pd.DataFrame([row]).reindex(columns=GAP_PHRASE_COLUMNS), points=points).iloc[0]
    reason = row.get("reason", "")
    said = reason == PRIVACY_REASON and (hidden_group or hidden_comparison)  # the sentence already says so
    if isinstance(reason, str) and reason and not said and not _missing(row.get("measurable")) \
            and not row["measurable"]:
        text += f"; not measurable: {reason}"
    return text + "."


#: A rate label goes left of its interval when the interval ends above this (the axis ends at 100%).
_LABEL_LEFT_FROM = 0.62


def _label_place(rate, low, high) -> tuple[float | None, str]:
    """Where a rate's label goes and how it is aligned there: after the interval's end (``left``:
    the text runs right), or before its start (``right``) when it would otherwise run past 100%."""
    end = high if high is not None else rate
    if end is not None and end > _LABEL_LEFT_FROM:
        return (low if low is not None else rate), "right"
    return end, "left"


def _rate_records(rows: pd.DataFrame, panels: Sequence[str]) -> pd.DataFrame:
    records = []
    for i, ((_, row), panel) in enumerate(zip(rows.iterrows(), panels, strict=True)):
        common = {
            "panel": panel,
            "n_group": _count(row["n_group"]),
            "n_comparison": _count(row["n_comparison"]),
            "gap": _gap_text(row),
            "reason": row.get("reason", "") if isinstance(row.get("reason", ""), str) else "",
        }
        for j, role in enumerate(("group", "comparison")):
            rate, low, high = (_num(row[f"rate_{role}{s}"]) for s in ("", "_low", "_high"))
            n = row[f"n_{role}"]
            label = SUPPRESSED if rate is None else f"{_pct(rate)}  (n = {_count(n)})"
            records.append({
                **common,
                "role": role,
                "who": _capital(str(row[role])),
                "order": 2 * i + j,
                "rate": rate,
                "low": low,
                "high": high,
                **dict(zip(("label_x", "label_align"), _label_place(rate, low, high), strict=True)),
                "label": label,
                "rate_text": _pct(rate),
                "ci": _ci(low, high),
            })
    return pd.DataFrame.from_records(records)


def _prepare_rates(gaps, *, year=None, school="", group=None, outcome=None, comparison=None):
    _check(gaps, GAP_RATE_COLUMNS, "rates")
    rows = _select(gaps, "rates", school=school, group=group, outcome=outcome, comparison=comparison)
    year = _latest(rows, year)
    rows = _select(rows, "rates", year=year)
    several = {c: rows[c].nunique() > 1 for c in ("group", "outcome", "comparison")}
    panels = [" · ".join([r["group"]] * several["group"] + [_outcome_label(r["outcome"])] * several["outcome"]
                         + [f"vs {r['comparison']}"] * several["comparison"]) or r["group"]
              for _, r in rows.iterrows()]
    place = _place(rows, school)
    outcomes = list(dict.fromkeys(rows["outcome"]))
    title = ", ".join(x for x in (" and ".join(map(_outcome_label, outcomes)), school_year(year), place) if x)
    lead = f"{title}. "
    said = gaps.attrs.get("measures")
    sentences = [_rate_sentence(r, lead=lead if i == 0 else "", measures=said)
                 for i, (_, r) in enumerate(rows.iterrows())]
    if len(rows) == 1:
        r = rows.iloc[0]
        subtitle = f"{r['group']} compared with {r['comparison']}. Lines show 95% confidence intervals."
    else:
        subtitle = "Each group against its comparison. Lines show 95% confidence intervals."
    meta = {"title": title, "subtitle": subtitle, "description": " ".join(sentences),
            "facet": len(rows) > 1, "facet_columns": 1}
    return _rate_records(rows, panels), meta


def _prepare_related(gaps, *, group, outcomes, comparison=None, year=None, school=""):
    _check(gaps, GAP_RATE_COLUMNS, "related")
    if isinstance(outcomes, str):
        outcomes = [outcomes, *(OUTCOMES[outcomes].related if outcomes in OUTCOMES else ())]
    outcomes = list(dict.fromkeys(outcomes))
    rows = _select(gaps, "related", school=school, group=group, comparison=comparison)
    rows = rows[rows["outcome"].isin(outcomes)]
    if rows.empty:
        raise ValueError(f"the related chart found no rows for {group!r} and outcomes {outcomes}")
    year = _latest(rows, year)
    rows = _select(rows, "related", year=year)
    comparison = _only(rows, "comparison", comparison, "related")
    rows = rows[rows["comparison"] == comparison]
    order = {o: i for i, o in enumerate(outcomes)}
    rows = rows.sort_values("outcome", key=lambda s: s.map(order), kind="stable")
    panels = [_outcome_label(o) + _direction(o) for o in rows["outcome"]]
    place = _place(rows, school)
    title = f"{group}: related outcomes, {school_year(year)}, {place}"
    said = gaps.attrs.get("measures")
    sentences = [_rate_sentence(r, lead=f"{_outcome_label(r['outcome'])}: ", measures=said) for _, r in rows.iterrows()]
    absent = [o for o in outcomes if o not in set(rows["outcome"])]
    if absent:
        sentences.append("No data for " + ", ".join(map(_outcome_label, absent)) + ".")
    meta = {"title": title,
            "subtitle": f"{group} compared with {comparison}. Lines show 95% confidence intervals.",
            "description": f"{title}. " + " ".join(sentences),
            "facet": True, "facet_columns": 1}  # one column: two would print under 9 pt
    return _rate_records(rows, panels), meta


def _prepare_trend(gaps, *, group=None, outcome=None, comparison=None, school=""):
    _check(gaps, (*GAP_RATE_COLUMNS, "year"), "trend")
    rows = _select(gaps, "trend", school=school)
    group = _only(rows, "group", group, "trend")
    rows = _select(rows, "trend", group=group)
    outcome = _only(rows, "outcome", outcome, "trend")
    rows = _select(rows, "trend", outcome=outcome)
    comparison = _only(rows, "comparison", comparison, "trend")
    rows = _select(rows, "trend", comparison=comparison).sort_values("year")
    if rows["year"].duplicated().any():
        raise ValueError("the trend chart needs one row per year; filter the table to one district")
    names = {"group": str(group), "comparison": _capital(str(comparison))}
    shift = {"group": -0.07, "comparison": 0.07}  # side by side so the CI lines do not overlap
    records, parts = [], []
    for _, row in rows.iterrows():
        year = int(row["year"])
        rates = {role: _num(row[f"rate_{role}"]) for role in ("group", "comparison")}
        upper = "group" if (rates["comparison"] is None or (rates["group"] or 0) >= rates["comparison"]) \
            else "comparison"
        for role in ("group", "comparison"):
            low, high = _num(row[f"rate_{role}_low"]), _num(row[f"rate_{role}_high"])
            records.append({
                "year": year, "school_year": school_year(year), "x": year + shift[role], "role": role,
                "who": names[role],
                "rate": rates[role], "low": low, "high": high,
                "label": _pct(rates[role]), "above": role == upper,
                "ci": _ci(low, high), "n": _count(row[f"n_{role}"]),
                "n_group": _count(row["n_group"]), "n_comparison": _count(row["n_comparison"]),
                "gap": _gap_text(row),
                # One note per year, under its tick label.
                "note": SUPPRESSED if role == "group" and None in rates.values() else "",
            })
        if rates["group"] is None and rates["comparison"] is None:
            parts.append(f"{school_year(year)}: both rates suppressed")
        elif rates["group"] is None:
            parts.append(f"{school_year(year)}: the group's rate suppressed ({_pct(rates['comparison'])} of "
                         f"{_count(row['n_comparison'])} for the comparison)")
        elif rates["comparison"] is None:
            parts.append(f"{school_year(year)}: {_pct(rates['group'])} of {_count(row['n_group'])}, "
                         "the comparison's rate suppressed")
        else:
            parts.append(f"{school_year(year)}: {_pct(rates['group'])} of {_count(row['n_group'])} against "
                         f"{_pct(rates['comparison'])} of {_count(row['n_comparison'])} "
                         f"(gap: {_gap(row.get('difference'))})")
    frame = pd.DataFrame.from_records(records)
    place = _place(rows, school)
    years = list(rows["year"].astype(int))
    title = (f"{_outcome_label(outcome)}{_direction(outcome)}, {school_year(years[0])} to "
             f"{school_year(years[-1])}, {place}")
    description = (f"{title}. Share of {_children(group)} against {_children(comparison)} who "
                   f"{_phrase(outcome)}, by year: " + "; ".join(parts) + ".")
    meta = {"title": title,
            "subtitle": f"{group} compared with {comparison}. Lines show 95% confidence intervals.",
            "description": description, "years": years, "names": names}
    return frame, meta


STATUS = {
    "measurable": ("measurable", "too few children to measure"),
    "flagged": ("flagged", "not flagged"),
}


def _difference_records(rows: pd.DataFrame, labels: Sequence[str], status: str) -> pd.DataFrame:
    records = []
    for (_, row), label in zip(rows.iterrows(), labels, strict=True):
        difference = _num(row["difference"])
        low, high = _num(row["ci_low"]), _num(row["ci_high"])
        value = row.get(status, True)
        on = True if _missing(value) else bool(value)
        records.append({
            "label": label,
            "difference": None if difference is None else difference * 100,
            "low": None if low is None else low * 100,
            "high": None if high is None else high * 100,
            "label_x": None if difference is None else (high if high is not None else difference) * 100,
            "value": _gap(difference).replace(" points", ""),
            "status": STATUS[status][0 if on else 1],
            "ci": _gap_ci(low, high),
            "rate_group": _pct(row.get("rate_group")),
            "rate_comparison": _pct(row.get("rate_comparison")),
            "n_group": _count(row["n_group"]),
            "n_comparison": _count(row["n_comparison"]),
            "reason": _reason(row),
            "note": _unknown_gap(row) if difference is None else "",
        })
    return pd.DataFrame.from_records(records)


def _reason(row) -> str:
    reason = row.get("reason", "")
    return reason if isinstance(reason, str) else ""


def _unknown_gap(row) -> str:
    """Why a gap has no value: metrics' reason when it had one (e.g. a small group), else privacy."""
    reason = _reason(row)
    return f"not measured ({reason})" if reason and reason != PRIVACY_REASON else PRIVACY_NOTE


def _gap_text(row) -> str:
    if _missing(row.get("difference")):
        return _unknown_gap(row)
    return f"{_gap(row['difference'])} (95% CI {_gap_ci(row.get('ci_low'), row.get('ci_high'))})"


def _difference_sentence(label: str, row) -> str:
    if _missing(row["difference"]):
        return f"{label}: {_unknown_gap(row)}"
    return (f"{label}: {_gap(row['difference'])} (95% CI {_gap_ci(row['ci_low'], row['ci_high'])}; "
            f"{_count(row['n_group'])} against {_count(row['n_comparison'])} children)")


def _listing(sentences: list[str], most: int = 12) -> str:
    if len(sentences) <= most:
        return "; ".join(sentences)
    return "; ".join(sentences[:most]) + f"; and {len(sentences) - most} more"


def _prepare_schools(gaps, *, group=None, outcome=None, comparison=None, year=None):
    _check(gaps, (*GAP_DIFFERENCE_COLUMNS, "school"), "schools")
    rows = gaps[gaps["school"] != ""]
    if rows.empty:
        raise ValueError("the schools chart found no school rows (school is '' for the district)")
    group = _only(rows, "group", group, "schools")
    rows = _select(rows, "schools", group=group)
    outcome = _only(rows, "outcome", outcome, "schools")
    rows = _select(rows, "schools", outcome=outcome)
    comparison = _only(rows, "comparison", comparison, "schools")
    year = _latest(rows, year)
    rows = _select(rows, "schools", comparison=comparison, year=year)
    # Largest gap in the harmful direction first; schools without a value last, in name order.
    harm = -1.0 if outcome in OUTCOMES and OUTCOMES[outcome].higher_is_better else 1.0
    rows = rows.assign(_known=rows["difference"].notna(), _harm=rows["difference"] * harm).sort_values(
        ["_known", "_harm", "school"], ascending=[False, False, True], kind="stable")
    frame = _difference_records(rows, list(rows["school"].astype(str)), "measurable")
    title = f"{_outcome_label(outcome)}{_direction(outcome)}: gap by school, {school_year(year)}"
    head = (f"{title}. Gap between {_children(group)} and {_children(comparison)} in percentage points, "
            f"in {len(rows)} schools, largest {'shortfall' if harm < 0 else 'excess'} first: ")
    description = head + _listing([_difference_sentence(r["school"], r) for _, r in rows.iterrows()]) + "."
    meta = {"title": title,
            "subtitle": f"{group} minus {comparison}, in percentage points. Lines show 95% confidence "
                        "intervals.",
            "description": description, "order": list(frame["label"])}
    return frame, meta


def _prepare_overview(gaps, *, top=20, year=None):
    _check(gaps, GAP_DIFFERENCE_COLUMNS, "overview")
    rows = _select(gaps, "overview", year=year)
    key = "score" if "score" in rows else "difference"
    # A gap without a value cannot be shown; it is counted in the text instead of taking a place.
    known = rows[rows["difference"].notna()]
    ranked = known.assign(_rank=known[key].abs() if key == "difference" else known[key])
    ranked = ranked.sort_values("_rank", ascending=False, na_position="last", kind="stable").head(top)
    if ranked.empty:
        raise ValueError("the overview chart has no gap to show: every difference is suppressed")
    varies = {c: c in ranked and ranked[c].nunique() > 1 for c in ("outcome", "school", "year", "comparison")}
    labels = []
    for _, r in ranked.iterrows():
        first = [str(r["group"])] + [_outcome_label(r["outcome"])] * varies["outcome"]
        second = ([r["school"] or "district"] * varies["school"] + [school_year(r["year"])] * varies["year"]
                  + [f"vs {r['comparison']}"] * varies["comparison"])
        labels.append(" · ".join(first) + ("\n" + " · ".join(second) if second else ""))
    # Two gaps share a label only if the table repeats a row; keep both visible.
    labels = [label if labels.count(label) == 1 else f"{label} ({i + 1})" for i, label in enumerate(labels)]
    frame = _difference_records(ranked, labels, "flagged" if "flagged" in ranked else "measurable")
    common = [f"{_outcome_label(ranked['outcome'].iloc[0])}"] * (not varies["outcome"])
    if "school" in ranked and not varies["school"]:
        common.append(ranked["school"].iloc[0] or _place(ranked))
    if "year" in ranked and not varies["year"]:
        common.append(school_year(ranked["year"].iloc[0]))
    title = ", ".join([f"The {len(ranked)} {'highest-ranked' if key == 'score' else 'largest'} gaps", *common])
    sentences = [f"{i + 1}. " + _difference_sentence(label.replace("\n", " · "), r)
                 for i, (label, (_, r)) in enumerate(zip(labels, ranked.iterrows(), strict=True))]
    description = (f"{title}, of {_count(len(rows))} screened, ranked by {'score' if key == 'score' else 'size'}; "
                   f"gap in percentage points between each group and its comparison"
                   + (f" ({ranked['comparison'].iloc[0]})" if not varies["comparison"] else "") + ": "
                   + _listing(sentences, most=25) + ".")
    unknown = rows[rows["difference"].isna()]
    not_measured = int((unknown["reason"].fillna("") != "").sum()) if "reason" in unknown else 0
    hidden = [f"{_count(n)} {what}" for n, what in ((not_measured, "not measurable"),
                                            (len(unknown) - not_measured, "suppressed to protect privacy")) if n]
    if hidden:
        description += " Not shown: " + " and ".join(hidden) + "."
    subtitle = "Group minus comparison"
    if not varies["comparison"]:
        subtitle += f" ({ranked['comparison'].iloc[0]})"
    subtitle += ", in percentage points. Lines show 95% confidence intervals."
    if hidden:
        subtitle = [subtitle, "Not shown: " + " and ".join(hidden) + "."]
    meta = {"title": title, "subtitle": subtitle, "description": description, "order": labels}
    return frame, meta


def _first(row, *names, default=None):
    """The value of the first of ``names`` the row has (the metrics name, then a short alias)."""
    for name in names:
        if name in row.index:
            return row[name]
    return default


def _prepare_composition(composition, *, dimension=None, outcome=None, year=None, school=""):
    _check(composition, COMPOSITION_COLUMNS, "composition")
    # Groups of one dimension, or intersections "A × B" of two (dimension "race × disability"); not "All students".
    rows = composition[composition["group"].map(lambda g: bool(dimensions_of(g)))]
    rows = _select(rows, "composition", school=school)
    outcome = _only(rows, "outcome", outcome, "composition") if "outcome" in rows else outcome
    rows = _select(rows, "composition", outcome=outcome)
    dimensions = rows["group"].map(dimension_key)
    dimension = _only(pd.DataFrame({"dimension": dimensions}), "dimension", dimension, "composition")
    rows = rows[dimensions == dimension]
    year = _latest(rows, year)
    rows = _select(rows, "composition", year=year)
    rows = rows.sort_values("group", key=lambda s: s.map(display_order), kind="stable")
    measures = {"composition": f"Share of the children who {_phrase(outcome)}" if outcome
                else "Share of the children with the outcome",
                "enrollment_share": "Share of enrollment"}
    records, sentences = [], []
    for _, row in rows.iterrows():
        shares = {m: _num(row[m]) for m in measures}
        shares = {m: v if v is not None and math.isfinite(v) else None for m, v in shares.items()}
        difference = _first(row, "composition_difference", "difference")
        if _missing(difference) and None not in shares.values():
            difference = shares["composition"] - shares["enrollment_share"]
        flag = _first(row, "e_formula_flag", "flagged", default=False)
        flagged = False if _missing(flag) else bool(flag)
        # The E-formula's range is symmetric about the enrollment share: below its lower end the
        # group is under-represented among the children with the outcome (for graduation, the harm).
        limit = _num(_first(row, "e_formula_limit"))
        fewer = (not flagged and limit is not None and None not in shares.values()
                 and shares["composition"] < 2 * shares["enrollment_share"] - limit)
        reason = _first(row, "reason", default="")
        reason = reason if isinstance(reason, str) and not bool(_first(row, "measurable", default=True)) else ""
        a_group, n_group = _first(row, "a_group"), _first(row, "n_group")
        for measure, name in measures.items():
            label = _pct(shares[measure])
            if measure == "composition" and flagged:
                label += "  (more than expected)"
            elif measure == "composition" and fewer:
                label += "  (fewer than expected)"
            records.append({
                "group": str(row["group"]), "measure": name, "share": shares[measure], "label": label,
                "composition": _pct(shares["composition"]), "enrollment_share": _pct(shares["enrollment_share"]),
                "difference": _gap(difference),
                "a_group": _count(a_group), "n_group": _count(n_group),
                "flagged": "yes" if flagged else "no", "reason": reason,
            })
        if None in shares.values():
            sentences.append(f"{row['group']}: suppressed")
        else:
            sentences.append(f"{row['group']}: {_pct(shares['composition'])} of the children with the outcome "
                             f"({_count(a_group)}) against {_pct(shares['enrollment_share'])} of enrollment "
                             f"({_children_count(n_group)}): {_gap(difference)}"
                             + (", more than expected by the E-formula" if flagged else "")
                             + (", fewer than expected by the E-formula" if fewer else "")
                             + (f" (not measurable: {reason})" if reason else ""))
    if not records:
        raise ValueError(f"the composition chart found no groups of {dimension!r}")
    frame = pd.DataFrame.from_records(records)
    what = _outcome_label(outcome) if outcome else "the outcome"
    title = f"{_capital(what)} against enrollment, {dimension_title(dimension)}"
    title += f", {school_year(year)}" if year is not None else ""
    first = rows.iloc[0]
    a_all, n_all = _first(first, "a_all", "a_total"), _first(first, "n_all", "n_total")
    totals = ""
    if not _missing(a_all) and not _missing(n_all):
        totals = (f" Of {_count(n_all)} children, {_count(a_all)} "
                  f"{_phrase(outcome) if outcome else 'had the outcome'}.")
    description = (f"{title}.{totals} Share of the children with the outcome against share of enrollment, "
                   f"by group: " + "; ".join(sentences) + ".")
    meta = {"title": title,
            "subtitle": "Filled bars: children with the outcome. Open dashed bars: enrollment.",
            "description": description, "measures": list(measures.values()),
            "order": list(dict.fromkeys(frame["group"]))}
    return frame, meta


_PREPARE = {
    "rates": _prepare_rates,
    "trend": _prepare_trend,
    "schools": _prepare_schools,
    "composition": _prepare_composition,
    "related": _prepare_related,
    "overview": _prepare_overview,
}


# --- Drawing -------------------------------------------------------------------------------------

def _role_scale(domain=("group", "comparison")) -> dict:
    roles = ("group", "comparison")
    return {
        "color": alt.Scale(domain=list(domain), range=[ROLE_STYLE[r]["color"] for r in roles]),
        "shape": alt.Scale(domain=list(domain), range=[ROLE_STYLE[r]["shape"] for r in roles]),
        "dash": alt.Scale(domain=list(domain), range=[ROLE_STYLE[r]["dash"] for r in roles]),
    }


def _known(frame: pd.DataFrame, *columns: str) -> list[float]:
    return [float(v) for c in columns for v in frame[c].dropna().tolist()]


def _finish(chart, kind: str, meta: dict, options: dict):
    """Title, text alternative, kind tag and the shared look: every builder ends here."""
    def plain(value):  # JSON for the spec: numpy scalars and tuples become Python ones
        if isinstance(value, tuple | list):
            return [plain(v) for v in value]
        return value.item() if hasattr(value, "item") else value

    kept = {k: plain(v) for k, v in options.items()}
    return chart.properties(
        title=alt.Title(meta["title"], subtitle=meta["subtitle"]),
        description=meta["description"],
        usermeta={"successgaps": {"kind": kind, "options": kept}},
    ).configure(**CONFIG)


def _tooltip(*fields: tuple[str, str]) -> list:
    return [alt.Tooltip(f"{name}:N", title=title) for name, title in fields]


_SIZES = (("n_group", "Children in the group (n)"), ("n_comparison", "Children in the comparison (n)"))


def _rate_panels(frame: pd.DataFrame, meta: dict):
    scales = _role_scale()
    valid = "isValid(datum.rate)"
    tooltip = _tooltip(("who", "Children"), ("rate_text", "Rate"), ("ci", "95% CI"), *_SIZES, ("gap", "Gap"),
                       ("reason", "Note"))
    y = alt.Y("who:N", sort=alt.EncodingSortField("order", op="min"), title=None,
              axis=alt.Axis(labelFontWeight="bold", ticks=False, domain=False, labelPadding=14))
    # One shared scale from 0 to a labelled 100%: panels compare at a glance, and a rate is read
    # against the whole. Labels sit beside the interval line, never on it.
    scale = alt.Scale(domain=[0, 1], nice=False)
    x = alt.X("rate:Q", title="Rate", axis=alt.Axis(format=".0%", values=[0, 0.2, 0.4, 0.6, 0.8, 1]), scale=scale)
    color = alt.Color("role:N", scale=scales["color"], legend=None)
    base = alt.Chart().encode(y=y)
    ci = base.mark_rule(strokeWidth=3).encode(
        x=alt.X("low:Q", scale=scale), x2="high:Q", color=color,
        strokeDash=alt.StrokeDash("role:N", scale=scales["dash"], legend=None),
    ).transform_filter("isValid(datum.low) && isValid(datum.high)")
    points = base.mark_point(filled=True, size=260, stroke=INK, strokeWidth=1, opacity=1).encode(
        x=x, color=color, shape=alt.Shape("role:N", scale=scales["shape"], legend=None), tooltip=tooltip,
    ).transform_filter(valid)
    labels = [base.mark_text(align=align, dx=10 if align == "left" else -10, fontWeight="bold").encode(
        x=alt.X("label_x:Q", scale=scale), text="label:N").transform_filter(
        f"{valid} && datum.label_align == '{align}'") for align in ("left", "right")]
    notes = base.mark_text(align="left", dx=4, fontStyle="italic", color=NOTE_INK).encode(
        x=alt.value(0), text=alt.value(PRIVACY_NOTE), tooltip=tooltip,
    ).transform_filter(f"!({valid})")
    layers = alt.layer(ci, points, *labels, notes, data=_for_altair(frame))
    if not meta["facet"]:
        return layers.properties(width=560, height=alt.Step(56))
    return layers.properties(width=460 if meta["facet_columns"] > 1 else 560, height=alt.Step(52)).facet(
        facet=alt.Facet("panel:N", title=None, sort=alt.EncodingSortField("order", op="min")),
        columns=meta["facet_columns"],
    ).resolve_scale(y="independent")


_TREND_HEIGHT = 360


def _trend(frame: pd.DataFrame, meta: dict):
    names = meta["names"]
    scales = _role_scale(domain=(names["group"], names["comparison"]))
    years = meta["years"]
    # Tick labels say the school year ("2023-24"), so no axis title is needed and the space under
    # the labels is free for the "suppressed" notes.
    x = alt.X("x:Q", title=None,
              scale=alt.Scale(domain=[years[0] - 0.45, years[-1] + 0.45], nice=False, zero=False),
              axis=alt.Axis(values=years, grid=False, labelPadding=8,
                            labelExpr="(datum.value - 1) + '-' + slice(toString(datum.value), 2)"))
    y = alt.Y("rate:Q", title="Rate", axis=alt.Axis(format=".0%", values=[i / 10 for i in range(11)]),
              scale=alt.Scale(domain=[0, 1], nice=False))
    legend = alt.Legend(title=None, symbolType="stroke", symbolStrokeWidth=3, symbolSize=900)
    color = alt.Color("who:N", scale=scales["color"], legend=legend)
    tooltip = _tooltip(("school_year", "School year"), ("who", "Children"), ("label", "Rate"), ("ci", "95% CI"),
                       *_SIZES, ("gap", "Gap"))
    base = alt.Chart().encode(x=x)
    # Null rates stay in the line's data: Vega-Lite breaks the line there instead of bridging it.
    line = base.mark_line(strokeWidth=3).encode(
        y=y, color=color, strokeDash=alt.StrokeDash("who:N", scale=scales["dash"], legend=legend))
    # Points and CI lines take fixed styles per role (no scales): the only legend is the line's.
    marks = []
    for role in names:
        style = ROLE_STYLE[role]
        mine = base.transform_filter(alt.datum.role == role)
        marks.append(mine.mark_rule(strokeWidth=2, color=style["color"]).encode(y="low:Q", y2="high:Q")
                     .transform_filter("isValid(datum.low) && isValid(datum.high)"))
        marks.append(mine.mark_point(filled=True, size=200, stroke=INK, strokeWidth=1, opacity=1,
                                     color=style["color"], shape=style["shape"])
                     .encode(y=y, tooltip=tooltip).transform_filter("isValid(datum.rate)"))
    above = base.mark_text(dy=-18, fontWeight="bold").encode(y=y, text="label:N").transform_filter(
        "isValid(datum.rate) && datum.above")
    below = base.mark_text(dy=22, fontWeight="bold").encode(y=y, text="label:N").transform_filter(
        "isValid(datum.rate) && !datum.above")
    notes = alt.Chart().mark_text(fontStyle="italic", color=NOTE_INK, baseline="top").encode(
        x=alt.X("year:Q", scale=x.to_dict()["scale"]), y=alt.value(_TREND_HEIGHT + 34), text="note:N",
    ).transform_filter("datum.note != ''")
    return alt.layer(line, *marks, above, below, notes, data=_for_altair(frame)).properties(
        width=max(420, 110 * len(years)), height=_TREND_HEIGHT)


def _difference(frame: pd.DataFrame, meta: dict, *, status_title: str):
    two_lines = frame["label"].str.contains("\n", regex=False).any()
    y = alt.Y("label:N", sort=meta["order"], title=None,
              axis=alt.Axis(ticks=False, domain=False, labelPadding=10, labelLimit=420,
                            labelExpr="split(datum.label, '\\n')" if two_lines else alt.Undefined))
    known = _known(frame, "low", "high", "difference")
    low, high = min([*known, 0.0]), max([*known, 0.0])
    pad = max(2.0, (high - low) * 0.08)
    scale = alt.Scale(domain=[low - pad, high + pad * 2.5], nice=False)
    x = alt.X("difference:Q", title="Gap in percentage points (left of 0: the group's rate is lower)", scale=scale)
    statuses = next(pair for pair in STATUS.values() if frame["status"].iloc[0] in pair)
    # A legend only when both kinds of point are drawn: filled circle vs open diamond.
    shown = set(frame.loc[frame["difference"].notna(), "status"])
    legend = alt.Legend(title=status_title) if len(shown) > 1 else None
    shape = alt.Shape("status:N", legend=legend,
                      scale=alt.Scale(domain=list(statuses), range=["circle", "diamond"]))
    fill = alt.Fill("status:N", legend=legend,
                    scale=alt.Scale(domain=list(statuses), range=[OKABE_ITO["blue"], "#ffffff"]))
    tooltip = _tooltip(("label", "Gap"), ("value", "Points"), ("ci", "95% CI (points)"),
                       ("rate_group", "Rate of the group"), ("rate_comparison", "Rate of the comparison"),
                       *_SIZES, ("reason", "Note"))
    valid = "isValid(datum.difference)"
    base = alt.Chart().encode(y=y)
    # The zero line is drawn row by row, only where there is a gap, so it never runs through a note.
    zero = base.mark_tick(color=INK, thickness=1.5, orient="vertical", size=60 if two_lines else 40,
                          opacity=1).encode(x=alt.datum(0, scale=scale)).transform_filter(valid)
    ci = base.mark_rule(strokeWidth=3, color=OKABE_ITO["blue"]).encode(
        x=alt.X("low:Q", scale=scale), x2="high:Q").transform_filter(
        "isValid(datum.low) && isValid(datum.high)")
    points = base.mark_point(size=240, stroke=OKABE_ITO["blue"], strokeWidth=2.5, opacity=1).encode(
        x=x, shape=shape, fill=fill, tooltip=tooltip).transform_filter(valid)
    labels = base.mark_text(align="left", dx=10, fontWeight="bold").encode(
        x=alt.X("label_x:Q", scale=scale), text="value:N").transform_filter(valid)
    notes = base.mark_text(align="left", dx=4, fontStyle="italic", color=NOTE_INK).encode(
        x=alt.value(0), text="note:N", tooltip=tooltip,
    ).transform_filter(f"!({valid})")
    return alt.layer(zero, ci, points, labels, notes, data=_for_altair(frame)).properties(
        width=520, height=alt.Step(60 if two_lines else 40))


def _composition(frame: pd.DataFrame, meta: dict):
    measures = meta["measures"]
    y = alt.Y("group:N", sort=meta["order"], title=None,
              axis=alt.Axis(ticks=False, domain=False, labelPadding=10))
    legend = alt.Legend(title=None, orient="top", direction="vertical", symbolType="square",
                        labelLimit=PRINT_WIDTH - 80)  # the measures are long sentences: never cut them
    scale = alt.Scale(domain=[0, min(1.0, max(_known(frame, "share") or [1.0]) * 1.25 + 0.03)], nice=False)
    x = alt.X("share:Q", title="Share", axis=alt.Axis(format=".0%", tickCount=6), scale=scale)
    tooltip = _tooltip(("group", "Group"), ("composition", "Share of the children with the outcome"),
                       ("enrollment_share", "Share of enrollment"), ("difference", "Difference"),
                       ("a_group", "Children in the group with the outcome"), ("n_group", "Children in the group (n)"),
                       ("flagged", "More than expected (E-formula)"), ("reason", "Note"))
    base = alt.Chart().encode(y=y, yOffset=alt.YOffset("measure:N", sort=measures))
    bars = base.mark_bar(strokeWidth=2.5, height={"band": 0.85}).encode(
        x=x,
        fill=alt.Fill("measure:N", sort=measures, legend=legend,
                      scale=alt.Scale(domain=measures, range=[OKABE_ITO["blue"], "#ffffff"])),
        stroke=alt.Stroke("measure:N", sort=measures, legend=legend,
                          scale=alt.Scale(domain=measures, range=[OKABE_ITO["blue"], INK])),
        strokeDash=alt.StrokeDash("measure:N", sort=measures, legend=legend,
                                  scale=alt.Scale(domain=measures, range=[[1, 0], [6, 3]])),
        tooltip=tooltip,
    ).transform_filter("isValid(datum.share)")
    labels = base.mark_text(align="left", dx=6).encode(x=x, text="label:N").transform_filter(
        "isValid(datum.share)")
    notes = base.mark_text(align="left", dx=4, fontStyle="italic", color=NOTE_INK).encode(
        x=alt.value(0), text=alt.value(SUPPRESSED), tooltip=tooltip).transform_filter("!isValid(datum.share)")
    return alt.layer(bars, labels, notes, data=_for_altair(frame)).properties(
        width=520, height=alt.Step(34))


# --- Builders -----------------------------------------------------------------------------------

def rate_chart(gaps: pd.DataFrame, *, year: int | None = None, school: str = "", group: str | None = None,
               outcome: str | None = None, comparison: str | None = None):
    """Rate of each group against its comparison, with 95% CIs (one panel per GAPS row).

    Rows are those of ``year`` (default: the latest) at ``school`` (default ``""``: the district),
    optionally narrowed to one group, outcome or comparison.
    """
    options = {"year": year, "school": school, "group": group, "outcome": outcome, "comparison": comparison}
    frame, meta = _prepare_rates(gaps, **options)
    return _finish(_rate_panels(frame, meta), "rates", meta, options)


def trend_chart(gaps: pd.DataFrame, *, group: str | None = None, outcome: str | None = None,
                comparison: str | None = None, school: str = ""):
    """Group rate and comparison rate per year, each with its 95% CI; a suppressed year breaks the line."""
    options = {"group": group, "outcome": outcome, "comparison": comparison, "school": school}
    frame, meta = _prepare_trend(gaps, **options)
    return _finish(_trend(frame, meta), "trend", meta, options)


def schools_chart(gaps: pd.DataFrame, *, group: str | None = None, outcome: str | None = None,
                  comparison: str | None = None, year: int | None = None):
    """Where the gap is: the gap (percentage points, 95% CI) in each school, largest first."""
    options = {"group": group, "outcome": outcome, "comparison": comparison, "year": year}
    frame, meta = _prepare_schools(gaps, **options)
    return _finish(_difference(frame, meta, status_title="Group size"), "schools", meta, options)


def composition_chart(composition: pd.DataFrame, *, dimension: str | None = None, outcome: str | None = None,
                      year: int | None = None, school: str = ""):
    """Share of the children with the outcome against share of enrollment, per group of one dimension.

    ``composition`` is ``metrics.composition``'s table (see the module doc); rows are those of
    ``year`` (default: the latest) at ``school`` (default ``""``: the district).
    """
    options = {"dimension": dimension, "outcome": outcome, "year": year, "school": school}
    frame, meta = _prepare_composition(composition, **options)
    return _finish(_composition(frame, meta), "composition", meta, options)


def related_chart(gaps: pd.DataFrame, *, group: str, outcomes: str | Sequence[str],
                  comparison: str | None = None, year: int | None = None, school: str = ""):
    """One small panel per outcome for one group: its rate against the comparison's.

    ``outcomes`` is a list of outcome ids, or one id: that outcome and its ``related`` ones.
    """
    options = {"group": group, "outcomes": outcomes, "comparison": comparison, "year": year, "school": school}
    frame, meta = _prepare_related(gaps, **options)
    return _finish(_rate_panels(frame, meta), "related", meta, options)


def overview_chart(gaps: pd.DataFrame, *, top: int = 20, year: int | None = None):
    """The ``top`` gaps by ``score`` (by size when there is no score), with their 95% CIs."""
    options = {"top": top, "year": year}
    frame, meta = _prepare_overview(gaps, **options)
    return _finish(_difference(frame, meta, status_title="Screening"), "overview", meta, options)


BUILDERS = {
    "rates": rate_chart,
    "trend": trend_chart,
    "schools": schools_chart,
    "composition": composition_chart,
    "related": related_chart,
    "overview": overview_chart,
}


def describe(chart_or_kind, data: pd.DataFrame | None = None, **options) -> str:
    """The text alternative of a chart: sentences with the numbers, sizes and what is suppressed.

    Give a chart built here (its stored text is returned, or recomputed from ``data`` with the
    chart's own options), or a kind from ``KINDS`` with the table and the builder's options.
    """
    if isinstance(chart_or_kind, str):
        if chart_or_kind not in _PREPARE:
            raise ValueError(f"unknown chart kind {chart_or_kind!r}; one of {', '.join(KINDS)}")
        if data is None:
            raise ValueError("describe(kind, data): the table is needed")
        return _PREPARE[chart_or_kind](data, **options)[1]["description"]
    spec_meta = getattr(chart_or_kind, "usermeta", alt.Undefined)
    tag = spec_meta.get("successgaps") if isinstance(spec_meta, dict) else None
    if tag is None:
        description = getattr(chart_or_kind, "description", alt.Undefined)
        if isinstance(description, str):
            return description
        raise ValueError("describe(chart): not a chart built by successgaps_lib.charts; give the kind")
    if data is None:
        return chart_or_kind.description
    return _PREPARE[tag["kind"]](data, **{**tag["options"], **options})[1]["description"]


# --- Offline rendering ----------------------------------------------------------------------------

_NAMESPACE = re.compile(r'\s+xmlns(?::[\w-]+)?="https?://[^"]*"')
_EXTERNAL = re.compile(r"https?://", re.IGNORECASE)


def _title_text(spec: dict) -> str:
    title = spec.get("title", "")
    if isinstance(title, dict):
        title = title.get("text", "")
    return " ".join(title) if isinstance(title, list) else str(title)


def _clean_svg(svg: str, title: str, description: str) -> str:
    """Add the text alternative, make ids unique per figure, and drop anything external."""
    if "xlink:" not in svg.replace("xmlns:xlink", ""):
        svg = svg.replace(' xmlns:xlink="http://www.w3.org/1999/xlink"', "")
    # External fonts, images or stylesheets: vl-convert emits none for our specs; drop any anyway.
    svg = re.sub(r'\s(?:xlink:)?href="https?://[^"]*"', "", svg)
    svg = re.sub(r"@import[^;]*;|url\(\s*['\"]?https?://[^)]*\)", "", svg)
    # Several charts inline in one HTML handout must not share clip-path or gradient ids.
    prefix = "sg" + hashlib.sha1(svg.encode()).hexdigest()[:8] + "-"
    for name in dict.fromkeys(re.findall(r'\sid="([^"]+)"', svg)):
        svg = svg.replace(f'id="{name}"', f'id="{prefix}{name}"').replace(f"#{name})", f"#{prefix}{name})") \
            .replace(f'href="#{name}"', f'href="#{prefix}{name}"')
    head = svg.index(">", svg.index("<svg")) + 1
    opening = svg[:head - 1]
    opening = re.sub(r'\s(?:role|aria-label|aria-labelledby|aria-describedby|style)="[^"]*"', "", opening)
    # Scales down to the page or slide width; the viewBox keeps the proportions.
    opening += (f' role="img" aria-label={_attr(description or title)} aria-describedby="{prefix}desc"'
                ' style="max-width: 100%; height: auto;">')
    svg = (opening + f'<title id="{prefix}title">{html.escape(title, quote=False)}</title>'
           f'<desc id="{prefix}desc">{html.escape(description, quote=False)}</desc>' + svg[head:])
    leftover = _EXTERNAL.findall(_NAMESPACE.sub("", svg))
    if leftover:
        raise RuntimeError("the rendered chart still refers to the internet; it would not display offline")
    return svg


def _attr(text: str) -> str:
    return '"' + html.escape(" ".join(text.split()), quote=True) + '"'


def to_svg(chart, description: str | None = None) -> str:
    """Render a chart to a self-contained SVG string with its text alternative; no browser, no network.

    ``description`` defaults to the chart's own (set by every builder here).
    """
    import vl_convert

    spec = chart.to_dict()
    if description is None:
        description = spec.get("description", "") or ""
    svg = vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])
    return _clean_svg(svg, _title_text(spec), description)


class SvgFigure:
    """A rendered chart with its text alternative shown underneath; display it in a notebook.

    Papermill and nbconvert keep both the HTML (chart + caption) and the bare SVG.

    >>> fig = SvgFigure('<svg xmlns="http://www.w3.org/2000/svg"></svg>', "Two bars & a line.")
    >>> "<figcaption" in fig._repr_html_() and "Two bars &amp; a line." in fig._repr_html_()
    True
    """

    def __init__(self, svg: str, description: str):
        self.svg = svg
        self.description = description

    def _repr_svg_(self) -> str:
        return self.svg

    def _repr_html_(self) -> str:
        caption = html.escape(self.description, quote=False)
        return ('<figure class="successgaps-chart" style="margin: 0 0 1.5em 0; max-width: 100%;">'
                f'<div style="overflow-x: auto;">{self.svg}</div>'
                '<figcaption class="successgaps-chart-description" '
                'style="font-size: 1em; line-height: 1.4; color: #222; margin-top: 0.5em; max-width: 60em;">'
                f"{caption}</figcaption></figure>")

    def __repr__(self) -> str:
        return f"Chart: {self.description}"

    def save(self, path) -> None:
        """Write the SVG to ``path`` (UTF-8)."""
        with open(path, "w", encoding="utf-8") as file:
            file.write(self.svg)


def figure(chart, description: str | None = None) -> SvgFigure:
    """Render ``chart`` for a handout or slide: an ``SvgFigure`` (chart and its text alternative)."""
    spec_description = getattr(chart, "description", alt.Undefined)
    if description is None:
        description = spec_description if isinstance(spec_description, str) else ""
    return SvgFigure(to_svg(chart, description), description)


def enable_offline() -> None:
    """Make plainly displayed Altair charts render as SVG (works in Voila, nbconvert and papermill).

    Returns None so that no renderer-registry repr lands in a notebook's output.
    """
    alt.renderers.enable("svg")


def interactive(chart):
    """A live chart (tooltips) for JupyterLab or Voila, with its JavaScript bundled: no CDN.

    About 0.9 MB of JavaScript per chart; it is blank in static HTML, so handouts use ``figure``.
    """
    alt.JupyterChart.enable_offline()  # bundles vega/vega-lite once per process (~1 s)
    return alt.JupyterChart(chart, embed_options={"actions": False})
