"""The data slides of a meeting: charts and plain tables, built only from protected tables.

Five kinds of slide (design.md, the data a team looks at):

============== ====================================================================
``rates``      the group's rate against its comparison, with 95% confidence intervals
``trend``      the same over the years
``schools``    where the gap is: the gap in each school, largest first
``composition`` the group's share of the children with the outcome against its share of enrollment
``related``    the same group on related outcomes (attendance, discipline, dropout, ...)
============== ====================================================================

A slide is a ``charts.SvgFigure`` (SVG with its text alternative under it) or, when there is
nothing to draw (no school rows, every figure suppressed), a ``blocks.note`` that says why.
Tables of the figures (``by_year``, ``by_school``) show ``privacy.display`` strings: a hidden
value is ``*`` and the table says what that means.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import blocks, charts, privacy
from .groups import OUTCOMES, dimension_key
from .meeting import data as meeting_data
from .words import hidden_sentences, school_year

KINDS = ("rates", "trend", "schools", "composition", "related")

#: The slides each meeting shows unless the notebook asks for others.
DEFAULT_SLIDES: dict[int, tuple[str, ...]] = {
    1: KINDS,
    2: ("rates", "trend"), 3: ("rates", "trend"), 4: ("rates", "trend"),
    5: ("rates", "trend", "related"),
    6: ("rates", "trend"),
    7: ("trend", "rates", "schools"),
}

HIDDEN_NOTE = ("* = not shown to protect children's privacy: the figure rests on fewer than {m} children, or "
               "would let a reader work out such a figure from the others. n/a = not available (for a gap: "
               "too few children to measure it reliably).")


@dataclass(frozen=True)
class Focus:
    """The gap the slides show."""

    group: str
    outcome: str
    comparison: str
    school: str
    year: int
    min_size: int
    audience: bool = True  # False: the data team's view (privacy.protect(audience=False))

    @property
    def dimension(self) -> str:
        """The group's dimension, or "first × second" for an intersection (``groups.dimension_key``)."""
        return dimension_key(self.group)


def slide(kind: str, data: meeting_data.Data, focus: Focus, gaps: pd.DataFrame):
    """One slide (an SvgFigure, or a note when it cannot be drawn). ``gaps`` is ``meeting_data.measure``'s table."""
    if kind not in KINDS:
        raise ValueError(f"unknown slide {kind!r}; one of {', '.join(KINDS)}")
    common = {"group": focus.group, "outcome": focus.outcome, "comparison": focus.comparison}
    try:
        if kind == "rates":
            chart = charts.rate_chart(gaps, year=focus.year, school=focus.school, **common)
        elif kind == "trend":
            chart = charts.trend_chart(gaps, school=focus.school, **common)
        elif kind == "schools":
            if focus.school:
                return blocks.note(f"The team works on {focus.school}: there is no comparison across schools.")
            schools = gaps[(gaps["school"] != "") & (gaps["outcome"] == focus.outcome)
                           & (gaps["year"] == focus.year)]
            if schools.empty:
                return blocks.note("The data has no school-level figures for this outcome and year.")
            chart = charts.schools_chart(gaps, year=focus.year, **common)
        elif kind == "composition":
            table = meeting_data.composition(data, group=focus.group, outcome=focus.outcome,
                                             min_size=focus.min_size, audience=focus.audience)
            chart = charts.composition_chart(table, dimension=focus.dimension, outcome=focus.outcome,
                                             year=focus.year, school=focus.school)
        else:
            outcomes = related(data, focus)
            if len(outcomes) < 2:
                return blocks.note(f"The data has no outcomes related to {_label(focus.outcome).lower()} "
                                   f"for {focus.group}.")
            chart = charts.related_chart(gaps, group=focus.group, outcomes=outcomes, comparison=focus.comparison,
                                         year=focus.year, school=focus.school)
    except ValueError as error:  # nothing to draw for this choice: say so instead of failing the handout
        return blocks.note(f"This slide cannot be drawn: {error}.")
    drawn = charts.figure(chart)
    why = hidden_sentences(hidden_rows(drawn_rows(kind, data, focus, gaps)), focus.min_size)
    if why:  # the chart says which figures are missing; this says why (caption and text alternative)
        drawn = charts.SvgFigure(drawn.svg, " ".join([drawn.description, *why]).strip())
    return drawn


def drawn_rows(kind: str, data: meeting_data.Data, focus: Focus, gaps: pd.DataFrame) -> pd.DataFrame:
    """The GAPS rows a slide of ``kind`` draws (none for the composition slide, which has its own table)."""
    common = {"group": focus.group, "comparison": focus.comparison}
    if kind == "rates":
        return meeting_data.rows(gaps, outcome=focus.outcome, school=focus.school, year=focus.year, **common)
    if kind == "trend":
        return meeting_data.rows(gaps, outcome=focus.outcome, school=focus.school, **common)
    if kind == "schools":
        return meeting_data.rows(gaps, outcome=focus.outcome, school=None, year=focus.year, **common)
    if kind == "related":
        return pd.concat([meeting_data.rows(gaps, outcome=o, school=focus.school, year=focus.year, **common)
                          for o in related(data, focus)] or [gaps.iloc[0:0]])
    return gaps.iloc[0:0]


def hidden_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of a protected GAPS table that privacy hid."""
    if rows.empty:
        return rows
    flag = rows[privacy.ROW_FLAG] if privacy.ROW_FLAG in rows else rows["reason"].eq(privacy.REASON)
    return rows[flag.fillna(False).astype(bool).to_numpy()]


def related(data: meeting_data.Data, focus: Focus) -> list[str]:
    """The outcomes of the ``related`` slide: the focus outcome first."""
    return meeting_data.related_outcomes(focus.outcome, focus.group, data.outcomes())


def _label(outcome: str) -> str:
    return OUTCOMES[outcome].label if outcome in OUTCOMES else outcome


# --- Tables of the figures ---------------------------------------------------------------------------

_COLUMNS = {
    "n_group": "Children in the group",
    "rate_group": "Rate of the group",
    "n_comparison": "Children in the comparison",
    "rate_comparison": "Rate of the comparison",
    "difference": "Gap (points)",
}


def _table(rows: pd.DataFrame, first: str, first_values: list[str], m: int, caption: str) -> blocks.Block:
    if rows.empty:
        return blocks.note("No figures for this choice.")
    shown = privacy.display(rows)
    frame = pd.DataFrame({first: first_values})
    for column, title in _COLUMNS.items():
        frame[title] = shown[column].to_numpy()
    frame["95% CI of the gap"] = [_interval(lo, hi) for lo, hi in zip(shown["ci_low"], shown["ci_high"], strict=True)]
    reasons = rows["reason"].fillna("").astype(str).to_numpy()
    if any(reasons):
        frame["Note"] = reasons
    table = blocks.table(frame, kind="sg-data", caption=caption, numeric=[*_COLUMNS.values(), "95% CI of the gap"])
    hidden = shown.map(lambda v: v in (privacy.SUPPRESSED, privacy.UNKNOWN)).to_numpy().any()
    if not hidden:
        return table
    why = " ".join(hidden_sentences(hidden_rows(rows), m))
    return table + blocks.paragraph(" ".join([HIDDEN_NOTE.format(m=m), why]).strip(), kind="sg-footnote")


def _interval(low: str, high: str) -> str:
    if privacy.SUPPRESSED in (low, high):
        return privacy.SUPPRESSED
    if privacy.UNKNOWN in (low, high):
        return privacy.UNKNOWN
    return f"{low} to {high}"


def by_year(gaps: pd.DataFrame, focus: Focus) -> blocks.Block:
    """The gap in each year (one place), as a table of protected figures."""
    rows = meeting_data.rows(gaps, group=focus.group, outcome=focus.outcome, comparison=focus.comparison,
                             school=focus.school)
    where = focus.school or (rows["district"].iloc[0] if len(rows) else "the district")
    caption = f"{_label(focus.outcome)}: {focus.group} compared with {focus.comparison}, {where}, by school year"
    return _table(rows, "School year", [school_year(y) for y in rows["year"]], focus.min_size, caption)


def by_school(gaps: pd.DataFrame, focus: Focus) -> blocks.Block:
    """The gap in each school (one year), as a table of protected figures; the district first."""
    rows = meeting_data.rows(gaps, group=focus.group, outcome=focus.outcome, comparison=focus.comparison,
                             school=None, year=focus.year)
    caption = (f"{_label(focus.outcome)}: {focus.group} compared with {focus.comparison}, "
               f"{school_year(focus.year)}, by school")
    names = [s or f"{d} (district)" for s, d in zip(rows["school"], rows["district"], strict=True)]
    return _table(rows, "School", names, focus.min_size, caption)
