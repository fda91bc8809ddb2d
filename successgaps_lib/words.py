"""How the workbook writes things for people: one place for each style, so every page agrees.

Every handout, dashboard, slide, form and export writes a school year, a date, a gap, a
column heading or a term the same way; a module that writes one for an audience calls the
function here instead of formatting its own.

- **A gap** is always the group's rate minus the comparison's, said in words: "19.1 points
  lower", never "-19.1" in one place and "+19.1" in another (:func:`gap_words`,
  :func:`gap_interval`). Charts that draw a gap on an axis use the same sign: left of zero
  is lower.
- **A school year** is ``2024-25`` (:func:`school_year`); **a date** is ``Feb 24, 2026``
  (:func:`date_text`), and a date with its weekday in letters and headers
  (``handouts.long_date``).
- **Column headings** for people, not ids (:func:`column_label`); **terms** in plain words
  (:data:`GLOSSARY`).

>>> school_year(2025)
'2024-25'
>>> school_year(2000), school_year(None)
('1999-00', '')
>>> gap_words(-0.191), gap_interval(-0.274, -0.119)
('19.1 points lower', '11.9 to 27.4 points lower')
>>> date_text("2026-02-24")
'Feb 24, 2026'
"""

from __future__ import annotations

import datetime as dt
import math
import re

__all__ = ["GLOSSARY", "column_label", "date_text", "dates_in_text", "gap_interval", "gap_words", "glossary_for",
           "hidden_sentences", "school_year"]


def _missing(x) -> bool:
    try:
        return x is None or math.isnan(float(x))
    except (TypeError, ValueError):
        return True


def school_year(year) -> str:
    """The school year a data year names (the calendar year it ends in), as ``2024-25``; ``""`` for none."""
    if year is None or (isinstance(year, float) and math.isnan(year)):
        return ""
    year = int(year)
    return f"{year - 1}-{year % 100:02d}"


# --- Gaps: one sign, said in words ---------------------------------------------------------------

def _tenths(fraction: float) -> float:
    return round(abs(float(fraction)) * 100, 1) + 0.0


def gap_words(difference, unit: str = "points") -> str:
    """A difference (group minus comparison, a fraction) in words: which way, how far.

    >>> gap_words(-0.191), gap_words(0.084), gap_words(0.0004), gap_words(None)
    ('19.1 points lower', '8.4 points higher', 'no difference', '')
    """
    if _missing(difference):
        return ""
    size = _tenths(difference)
    if size == 0:
        return "no difference"
    return f"{size:.1f} {unit} {'lower' if difference < 0 else 'higher'}"


def gap_interval(low, high, unit: str = "points") -> str:
    """A difference's confidence interval in the same words.

    >>> gap_interval(-0.274, -0.119), gap_interval(0.02, 0.05), gap_interval(-0.01, 0.05)
    ('11.9 to 27.4 points lower', '2.0 to 5.0 points higher', 'from 1.0 points lower to 5.0 points higher')
    """
    if _missing(low) or _missing(high):
        return ""
    low, high = sorted((float(low), float(high)))
    if high <= 0:
        return f"{_tenths(high):.1f} to {_tenths(low):.1f} {unit} lower"
    if low >= 0:
        return f"{_tenths(low):.1f} to {_tenths(high):.1f} {unit} higher"
    return f"from {_tenths(low):.1f} {unit} lower to {_tenths(high):.1f} {unit} higher"


# --- Dates -----------------------------------------------------------------------------------------

def date_text(value) -> str:
    """A date as a table or sentence writes it: ``Feb 24, 2026`` ('' for none; other text as is).

    >>> date_text(dt.date(2027, 8, 31)), date_text(""), date_text("next week")
    ('Aug 31, 2027', '', 'next week')
    """
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            return str(value)
    return f"{value:%b} {value.day}, {value.year}"


def long_date(day: dt.date) -> str:
    """A date as people write it in a letter, an agenda or the room's list of meetings.

    >>> long_date(dt.date(2025, 9, 16))
    'Tuesday, September 16, 2025'
    """
    return f"{day:%A}, {day:%B} {day.day}, {day.year}"


def clock(t: dt.time | dt.datetime) -> str:
    """A clock time, 12-hour style.

    >>> clock(dt.time(16, 0)), clock(dt.time(0, 5)), clock(dt.time(12, 30))
    ('4:00 PM', '12:05 AM', '12:30 PM')
    """
    return f"{t.hour % 12 or 12}:{t.minute:02d} {'AM' if t.hour < 12 else 'PM'}"


_ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


def dates_in_text(text: str) -> str:
    """Text with every ISO date (2026-02-24) written as :func:`date_text` writes it.

    >>> dates_in_text("2026-02-01 to 2026-12-18")
    'Feb 1, 2026 to Dec 18, 2026'
    """
    return _ISO_DATE.sub(lambda m: date_text(m[1]), str(text))


# --- Column headings ---------------------------------------------------------------------------------

#: Headings for the columns of the team-work and figures tables (ids of teamwork, metrics, store).
COLUMN_LABELS: dict[str, str] = {
    "name": "Name", "role": "Role", "member": "Member", "rated": "Indicators rated", "of": "Of", "done": "Done",
    "section": "Section", "indicator": "Indicator", "statement": "Statement", "rating": "Rating",
    "evidence": "Evidence", "notes": "Notes", "further_data": "Further data to gather", "consensus": "Consensus",
    "levels": "Levels apart", "disagree": "Disagreement", "disagreement": "Agreement", "spread": "Agreement",
    "votes": "Members who marked it", "members": "Who", "number": "#", "goal": "Goal", "goal_text": "Goal",
    "outcome": "Outcome", "group": "Group", "measure": "Measure", "baseline": "Baseline",
    "baseline_date": "Baseline date", "target": "Target", "target_date": "Target date", "by": "By",
    "activity": "Activity", "description": "Activity", "person": "Who", "start": "Start", "due": "Due",
    "resources": "Resources", "status": "Status", "date": "Date", "note": "What happened", "value": "Value",
    "share": "Of the way to the target", "met": "Target met", "on_track": "On track", "updated_at": "Last changed",
    "year": "School year", "school": "School", "comparison": "Compared with", "n_group": "Children in the group",
    "rate_group": "Rate of the group", "n_comparison": "Children in the comparison",
    "rate_comparison": "Rate of the comparison", "difference": "Gap (points)", "risk_ratio": "Risk ratio",
    "ci_low": "Interval from", "ci_high": "Interval to", "reason": "Why not measured",
}


def column_label(column) -> str:
    """The heading people read for a table column id.

    >>> column_label("on_track"), column_label("Already a heading"), column_label("credits_recovered")
    ('On track', 'Already a heading', 'Credits recovered')
    """
    text = str(column)
    if text in COLUMN_LABELS:
        return COLUMN_LABELS[text]
    if re.fullmatch(r"[a-z0-9]+(?:_[a-z0-9]+)+", text):  # an id nobody named: at least no underscores
        text = text.replace("_", " ")
        return text[:1].upper() + text[1:]
    return text


# --- Terms, in plain words ---------------------------------------------------------------------------

#: (term, explanation, pattern that says a page uses it), in the order a handout lists them.
GLOSSARY: tuple[tuple[str, str, str], ...] = (
    ("Rate", "Out of every 100 children in a group, how many had the outcome (graduated, were suspended, ...).",
     r"%"),
    ("Gap", "The group's rate minus the rate of the children it is compared with, in percentage points: "
            "\"19.1 points lower\" means 19 fewer children out of every 100.", r"\bgap\b"),
    ("95% confidence interval (95% CI)", "The range where the true figure most likely lies. Small groups have "
     "wide ranges: a gap whose range includes zero could be chance.", r"95%\s*CI|confidence interval"),
    ("Risk ratio", "How many times as likely the group is to have the outcome as the children it is compared "
     "with: 2.0 means twice as likely, 1.0 means equally likely.", r"(?i)risk ratio"),
    ("E-formula", "A test of whether a group makes up more of the children with an outcome than its share of "
     "enrollment would lead us to expect, allowing for chance.", r"E-formula"),
    ("Suppressed (*)", "Hidden to protect privacy: a figure based on very few children, or one that could be "
     "worked out from the figures next to it, is not shown.", r"(?i)suppressed|\*|\bhidden\b"),
)


def glossary_for(text: str) -> list[tuple[str, str]]:
    """The terms of :data:`GLOSSARY` a page's text uses, as (term, explanation).

    >>> [t for t, _ in glossary_for("71.6% (95% CI 63.5% to 78.6%), suppressed")]
    ['Rate', '95% confidence interval (95% CI)', 'Suppressed (*)']
    """
    return [(term, meaning) for term, meaning, uses in GLOSSARY if re.search(uses, text)]


# --- Why a figure is hidden ----------------------------------------------------------------------------

def _series(items: list[str]) -> str:
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def hidden_sentences(rows, min_size: int) -> list[str]:
    """One sentence per hidden gap (grouped by outcome, group and place), saying why it is hidden.

    ``rows`` are the hidden rows of a protected GAPS table (labels only are left on them:
    year, district, school, group, outcome). The sentence names what is hidden and what it is
    protected against, never a hidden number, and is the same whether the figure itself rests on
    few children (primary suppression) or is hidden with one that does (complementary): telling
    the two apart would tell a reader which hidden figure is the small one (``privacy``, Display).

    >>> import pandas as pd
    >>> rows = pd.DataFrame({"year": [2025, 2025], "district": "Riverside", "school": ["", "Ironwood High"],
    ...                      "group": "Students with disabilities", "outcome": "dropout"})
    >>> for s in hidden_sentences(rows, 10): print(s)
    Dropout of students with disabilities in Riverside, 2024-25: hidden so that no figure about fewer than 10 \
children can be read, or worked out from the figures for all children and for the schools shown.
    Dropout of students with disabilities at Ironwood High, 2024-25: hidden so that no figure about fewer \
than 10 children can be read, or worked out from the district total and the other schools' figures.
    """
    from .groups import OUTCOMES, noun

    out = []
    if rows is None or len(rows) == 0:
        return out
    frame = rows.assign(_level=[bool(s) for s in rows["school"]])
    for (outcome, group, level), part in frame.groupby(["outcome", "group", "_level"], sort=False):
        label = OUTCOMES[outcome].label if outcome in OUTCOMES else str(outcome).replace("_", " ")
        places = list(dict.fromkeys(part["school"] if level else part["district"]))
        years = [school_year(y) for y in sorted(set(part["year"]))]
        where = ("at " if level else "in ") + _series(places)
        against = ("the district total and the other schools' figures" if level
                   else "the figures for all children and for the schools shown")
        out.append(f"{label} of {noun(str(group))} {where}, {_series(years)}: hidden so that no figure about "
                   f"fewer than {min_size} children can be read, or worked out from {against}.")
    return out
