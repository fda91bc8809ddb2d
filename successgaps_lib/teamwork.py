"""Rules and plain tables for the team's work (meetings 2 to 7).

The widgets show what these functions compute, and handouts print the same tables, so
the rules live here, in plain tested functions, and never inside a widget:

- :func:`spread` says whether members disagree on an indicator;
- :func:`progress_against_target` re-measures a goal's gap against its target;
- :func:`parse_percent` / :func:`percent_text` translate what people type ("62.5") to the
  fractions the store keeps (0.625);
- the ``*_table`` functions return plain DataFrames (text for people) for handouts, and
  :func:`markdown_table` turns any of them into Markdown.

>>> spread(["Planning", "Implemented", ""]).text
'Disagreement: ratings span 3 levels, from Planning to Implemented'
>>> parse_percent("62.5%")
0.625
>>> percent_text(0.625)
'62.5'
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import pandas as pd

from .groups import OUTCOMES, RATING_SCALE, ROLES
from .rubric import Indicator, Rubric
from .store import Store, TeamWorkError
from .words import date_text, gap_words

#: Ratings of one indicator this many levels apart or more (Planning and Implemented) are a
#: disagreement to discuss. Ratings on neighbouring levels are usual among nine people and
#: are shown as "close" (in words, without the highlight), so the highlight stays meaningful.
DISAGREEMENT_STEPS = 2

NOT_RATED = "not rated"


# --- Agreement between members -------------------------------------------------------------

@dataclass(frozen=True)
class Spread:
    """How far apart the ratings of one indicator are."""

    ratings: tuple[str, ...]  # the ratings given, not-rated left out
    low: str = ""
    high: str = ""
    levels: int = 0  # levels covered from the lowest rating to the highest, both included

    @property
    def steps(self) -> int:
        """How many levels apart the lowest and highest ratings are (0 when all agree)."""
        return max(self.levels - 1, 0)

    @property
    def disagreement(self) -> bool:
        return self.steps >= DISAGREEMENT_STEPS

    @property
    def text(self) -> str:
        """Says it in words, so the highlight never depends on colour alone."""
        if not self.ratings:
            return "No ratings yet"
        if self.steps == 0:
            return f"Agreement: all rated {self.low}"
        if not self.disagreement:
            return f"Close: ratings on neighbouring levels, {self.low} and {self.high}"
        return f"Disagreement: ratings span {self.levels} levels, from {self.low} to {self.high}"

    @property
    def short(self) -> str:
        """``text`` in a few words, for a column of a wide table (the full sentence is nearby).

        >>> spread(["Planning", "Exemplary"]).short, spread(["Planning", "Partially implemented"]).short
        ('Disagreement: 4 levels', 'Close')
        """
        if not self.ratings:
            return "No ratings yet"
        if self.steps == 0:
            return "Agreement"
        return f"Disagreement: {self.levels} levels" if self.disagreement else "Close"


def spread(ratings: Iterable[str]) -> Spread:
    """The spread of some ratings (blank ratings are ignored).

    >>> spread(["Implemented", "Implemented"]).text
    'Agreement: all rated Implemented'
    >>> s = spread(["Planning", "Partially implemented"])
    >>> s.levels, s.disagreement
    (2, False)
    """
    given = tuple(r for r in ratings if r)
    unknown = [r for r in given if r not in RATING_SCALE]
    if unknown:
        raise TeamWorkError(f"{unknown[0]!r} is not a rating; expected one of: {', '.join(RATING_SCALE)}")
    if not given:
        return Spread(())
    positions = [RATING_SCALE.index(r) for r in given]
    low, high = min(positions), max(positions)
    return Spread(given, RATING_SCALE[low], RATING_SCALE[high], high - low + 1)


# --- Numbers people type -----------------------------------------------------------------

def parse_percent(text: str) -> float | None:
    """A percentage as typed ("62", "62.5 %", "-22") -> a fraction; blank -> None.

    >>> parse_percent("57.3")
    0.573
    >>> parse_percent("") is None
    True
    """
    cleaned = str(text).strip().removesuffix("%").strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise TeamWorkError(f"{text!r} is not a percentage; type a number such as 62 or 62.5") from None
    if not value.is_finite():
        raise TeamWorkError(f"{text!r} is not a percentage; type a number such as 62 or 62.5")
    return float(value / 100)


def percent_text(fraction: float | None) -> str:
    """A fraction as the number people type, without a % sign (None or NaN -> '').

    >>> percent_text(0.57), percent_text(-0.22), percent_text(None)
    ('57', '-22', '')
    """
    if fraction is None or (isinstance(fraction, float) and math.isnan(fraction)):
        return ""
    text = format((Decimal(repr(float(fraction))) * 100).normalize(), "f")
    return "0" if text == "-0" else text


def as_date(text: str | date | None) -> date | None:
    """ISO text from the store -> a date for a date picker ('' -> None)."""
    if text is None or isinstance(text, date):
        return text
    return date.fromisoformat(text) if text else None


def format_measure(value: float | None, measure: str = "rate") -> str:
    """A goal's value for people: '62.0%' for a rate, '22.0 points lower' for a gap (``words.gap_words``).

    >>> format_measure(0.62), format_measure(-0.22, "difference"), format_measure(None)
    ('62.0%', '22.0 points lower', '')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if measure == "difference":
        return gap_words(value)
    return f"{value * 100:.1f}%"


# --- Goals: the gap re-measured against the plan's target ------------------------------------

@dataclass(frozen=True)
class GoalProgress:
    """A new measurement of a goal, compared with its baseline and target."""

    baseline: float
    target: float
    value: float
    change: float  # value - baseline
    needed: float  # target - baseline
    share: float | None  # change / needed: 0 at the baseline, 1 at the target (None if needed == 0)
    met: bool  # the target is reached (or passed, in the goal's direction)
    expected: float | None  # where a straight line from baseline to target puts the value on `on`
    on_track: bool | None  # at least as far as the straight line (None without dates)
    statement: str


def progress_against_target(goal: Mapping, new_value: float, on: date | str | None = None) -> GoalProgress:
    """Compare a new measurement with a goal's baseline and target.

    ``goal`` is a row of ``Store.goals()`` (or any mapping with baseline, target and
    optionally measure, baseline_date, target_date, outcome, group). The direction of
    improvement is the direction from the baseline to the target.

    >>> goal = {"baseline": 0.62, "target": 0.72, "baseline_date": "2025-08-31",
    ...         "target_date": "2027-08-31", "outcome": "graduation", "group": "Students with disabilities"}
    >>> p = progress_against_target(goal, 0.66, on="2026-08-31")
    >>> round(p.share, 2), p.met, round(p.expected, 4), p.on_track
    (0.4, False, 0.67, False)
    >>> p.statement
    'Four-year graduation, Students with disabilities: 66.0% on Aug 31, 2026, up 4.0 points from the baseline of 62.0%; 40% of the way to the target of 72.0% by Aug 31, 2027 (a steady pace would be at 67.0% by now).'
    """  # noqa: E501
    baseline, target = _number(goal, "baseline"), _number(goal, "target")
    value = float(new_value)
    measure = goal.get("measure") or "rate"
    change, needed = value - baseline, target - baseline
    direction = 1 if needed > 0 else -1 if needed < 0 else 0
    share = change / needed if needed else None
    met = (value - target) * direction >= -1e-12 if direction else math.isclose(value, target, abs_tol=1e-12)
    expected = _straight_line(goal, baseline, target, on)
    on_track = None
    if expected is not None:
        on_track = (value - expected) * direction >= -1e-12 if direction else met
    return GoalProgress(baseline, target, value, change, needed, share, met, expected, on_track,
                        _goal_statement(goal, measure, value, change, share, met, expected, on_track, on))


def _number(goal: Mapping, key: str) -> float:
    value = goal.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise TeamWorkError(f"the goal has no {key}; enter its {key} first")
    return float(value)


def _straight_line(goal: Mapping, baseline: float, target: float, on) -> float | None:
    start, end, when = (as_date(goal.get("baseline_date") or None), as_date(goal.get("target_date") or None),
                        as_date(on or None))
    if start is None or end is None or when is None or end <= start:
        return None
    fraction = min(max((when - start).days / (end - start).days, 0.0), 1.0)
    return baseline + fraction * (target - baseline)


def _goal_statement(goal, measure, value, change, share, met, expected, on_track, on) -> str:
    what = ", ".join(x for x in (_outcome_label(goal.get("outcome", "")), goal.get("group", "")) if x)
    if measure == "difference":
        what = f"{what}, gap with {goal.get('comparison') or 'the comparison'}".lstrip(", ")
    text = f"{what}: " if what else ""
    text += format_measure(value, measure) + (f" on {date_text(on)}" if on else "") + ", "
    if abs(change) < 5e-4:
        text += "unchanged from"
    elif measure == "difference":  # a gap narrows or widens; its sign is in the words already
        wider = abs(value) - abs(float(goal["baseline"]))
        text += f"{abs(wider) * 100:.1f} points {'wider' if wider > 0 else 'narrower'} than"
    else:
        text += f"{'up' if change > 0 else 'down'} {abs(change) * 100:.1f} points from"
    text += f" the baseline of {format_measure(float(goal['baseline']), measure)}; "
    target = format_measure(float(goal["target"]), measure)
    target += f" by {date_text(goal['target_date'])}" if goal.get("target_date") else ""
    if met:
        return text + f"the target of {target} is reached."
    if share is not None and share < 0:
        return text + f"moving away from the target of {target}."
    text += f"{(share or 0) * 100:.0f}% of the way to the target of {target}"
    if expected is not None:
        text += " (on track)" if on_track else \
            f" (a steady pace would be at {format_measure(expected, measure)} by now)"
    return text + "."


def _outcome_label(outcome: str) -> str:
    return OUTCOMES[outcome].label if outcome in OUTCOMES else outcome


# --- Plain tables for handouts -------------------------------------------------------------

def _indicators(rubric: Rubric, section: str | None) -> list[Indicator]:
    return list(rubric.section(section).indicators if section else rubric.indicators)


def side_by_side(store: Store, rubric: Rubric, section: str | None = None) -> pd.DataFrame:
    """Every member's rating of each indicator, one column per member, with the disagreement.

    Columns: section, indicator, statement, one per team member (the rating, '' if none),
    levels (how many levels the ratings span), disagree (bool: a disagreement to discuss),
    disagreement (in words: agreement, close or disagreement, see :func:`spread`), spread (the
    same in a few words), consensus.
    """
    names = store.members()["name"].tolist()
    ratings = store.ratings()
    given = {(r.member, r.indicator): r.rating for r in ratings.itertuples()}
    agreed = dict(zip(store.consensus()["indicator"], store.consensus()["rating"], strict=True))
    rows = []
    for indicator in _indicators(rubric, section):
        row = {"section": indicator.section, "indicator": indicator.id, "statement": indicator.statement}
        row.update({name: given.get((name, indicator.id), "") for name in names})
        s = spread(row[name] for name in names)
        rows.append({**row, "levels": s.levels, "disagree": s.disagreement, "disagreement": s.text,
                     "spread": s.short, "consensus": agreed.get(indicator.id, "")})
    columns = ["section", "indicator", "statement", *names, "levels", "disagree", "disagreement", "spread",
               "consensus"]
    return pd.DataFrame(rows, columns=columns).astype({"levels": "int64", "disagree": "bool"})


def ratings_by_indicator(store: Store, rubric: Rubric, section: str | None = None) -> pd.DataFrame:
    """How many members gave each rating to each indicator.

    Columns: section, indicator, statement, one per level of RATING_SCALE, 'not rated',
    disagreement (in words).
    """
    wide = side_by_side(store, rubric, section)
    names = store.members()["name"].tolist()
    out = wide[["section", "indicator", "statement"]].copy()
    for level in (*RATING_SCALE, ""):
        out[level or NOT_RATED] = (wide[names] == level).sum(axis=1).astype("int64") if names else 0
    out["disagreement"] = wide["disagreement"]
    return out


def homework_status(store: Store, rubric: Rubric, section: str | None = None) -> pd.DataFrame:
    """Who has rated how many of the indicators: member, role, rated, of, done."""
    indicators = {i.id for i in _indicators(rubric, section)}
    ratings = store.ratings()
    rated = ratings[ratings["indicator"].isin(indicators) & (ratings["rating"] != "")]
    counts = rated.groupby("member").size()
    members = store.members()
    out = pd.DataFrame({
        "member": members["name"],
        "role": [ROLES[r].label if r in ROLES else r for r in members["role"]],
        "rated": [int(counts.get(name, 0)) for name in members["name"]],
    })
    out["of"] = len(indicators)
    out["done"] = out["rated"] == out["of"]
    return out.astype({"rated": "int64", "of": "int64", "done": "bool"})


def consensus_table(store: Store, rubric: Rubric, section: str | None = None) -> pd.DataFrame:
    """The team's consensus per indicator, in rubric order (blank where not yet agreed).

    Columns: section, indicator, statement, rating, evidence, notes, further_data.
    """
    agreed = store.consensus().set_index("indicator")
    rows = []
    for indicator in _indicators(rubric, section):
        found = agreed.loc[indicator.id] if indicator.id in agreed.index else None
        rows.append({"section": indicator.section, "indicator": indicator.id, "statement": indicator.statement,
                     **{c: ("" if found is None else found[c])
                        for c in ("rating", "evidence", "notes", "further_data")}})
    return pd.DataFrame(rows, columns=["section", "indicator", "statement", "rating", "evidence", "notes",
                                       "further_data"])


def priorities_tally(store: Store, rubric: Rubric, *, include_unmarked: bool = False) -> pd.DataFrame:
    """Indicators by how many members would act on them, most marked first (rubric order breaks ties).

    Columns: indicator, statement, consensus, votes, members (names, comma-separated).
    """
    marks = store.priorities()
    agreed = dict(zip(store.consensus()["indicator"], store.consensus()["rating"], strict=True))
    order = {id: n for n, id in enumerate(rubric.ids)}
    rows = []
    for indicator in sorted(set(marks["indicator"]) | (set(rubric.ids) if include_unmarked else set()),
                            key=lambda id: order.get(id, len(order))):
        who = marks.loc[marks["indicator"] == indicator, "member"].tolist()
        statement = rubric.indicator(indicator).statement if indicator in order else ""
        rows.append({"indicator": indicator, "statement": statement, "consensus": agreed.get(indicator, ""),
                     "votes": len(who), "members": ", ".join(who)})
    out = pd.DataFrame(rows, columns=["indicator", "statement", "consensus", "votes", "members"])
    out = out.astype({"votes": "int64"})
    return out.sort_values("votes", ascending=False, kind="stable").reset_index(drop=True)


def root_causes_table(store: Store) -> pd.DataFrame:
    """The agreed root causes, numbered 1.. : number, statement, indicators, notes."""
    causes = store.root_causes()
    out = causes[["statement", "indicators", "notes"]].copy()
    out.insert(0, "number", range(1, len(out) + 1))
    return out.astype({"number": "int64"})


def goals_table(store: Store) -> pd.DataFrame:
    """The SMART goals for people: number, goal, outcome, group, measure, baseline, target, by."""
    goals = store.goals()
    rows = [{
        "number": n, "goal": g.smart, "outcome": _outcome_label(g.outcome), "group": g.group,
        "measure": g.measure, "baseline": format_measure(g.baseline, g.measure),
        "baseline_date": g.baseline_date, "target": format_measure(g.target, g.measure), "by": g.target_date,
    } for n, g in enumerate(goals.itertuples(), 1)]
    columns = ["number", "goal", "outcome", "group", "measure", "baseline", "baseline_date", "target", "by"]
    return pd.DataFrame(rows, columns=columns).astype({"number": "int64"})


def plan_table(store: Store) -> pd.DataFrame:
    """The action plan, one row per activity under its goal (a goal with none gets a blank row).

    Columns: goal (its number), goal_text, activity, person, start, due, resources, measure, status.
    """
    numbers = {id: n for n, id in enumerate(store.goals()["id"], 1)}
    goals = store.goals().set_index("id")
    activities = store.activities()
    rows = []
    for id, number in numbers.items():
        mine = activities[activities["goal"] == id]
        base = {"goal": number, "goal_text": goals.loc[id, "smart"]}
        if mine.empty:
            rows.append({**base, **dict.fromkeys(("activity", "person", "start", "due", "resources", "measure",
                                                  "status"), "")})
        for a in mine.itertuples():
            rows.append({**base, "activity": a.description, "person": a.person, "start": a.start, "due": a.due,
                         "resources": a.resources, "measure": a.measure, "status": a.status})
    columns = ["goal", "goal_text", "activity", "person", "start", "due", "resources", "measure", "status"]
    return pd.DataFrame(rows, columns=columns).astype({"goal": "int64"})


def progress_table(store: Store, activity: int | None = None) -> pd.DataFrame:
    """Progress entries, oldest first: date, goal (number), activity, status, note."""
    numbers = {id: n for n, id in enumerate(store.goals()["id"], 1)}
    activities = store.activities().set_index("id")
    entries = store.progress(activity).sort_values(["date", "id"], kind="stable")
    rows = [{"date": e.date, "goal": numbers[activities.loc[e.activity, "goal"]],
             "activity": activities.loc[e.activity, "description"], "status": e.status, "note": e.note}
            for e in entries.itertuples()]
    return pd.DataFrame(rows, columns=["date", "goal", "activity", "status", "note"]).astype({"goal": "int64"})


def goal_progress_table(store: Store, goal: int | None = None) -> pd.DataFrame:
    """Each new measurement of each goal (or of one goal, by id) against its target, oldest first.

    Columns (text for people): goal (its number), date, value, baseline, target, by, share
    (of the way from baseline to target, '40%'), met ('yes'/'no'), on_track ('yes'/'no', ''
    without dates), statement.
    """
    goals = store.goals().set_index("id")
    numbers = {id: n for n, id in enumerate(goals.index, 1)}
    rows = []
    for m in store.measurements(goal).sort_values(["goal", "date", "id"], kind="stable").itertuples():
        row = {"id": m.goal, **goals.loc[m.goal].to_dict()}
        p = progress_against_target(row, m.value, on=m.date)
        rows.append({"goal": numbers[m.goal], "date": m.date, "value": format_measure(m.value, row["measure"]),
                     "baseline": format_measure(p.baseline, row["measure"]),
                     "target": format_measure(p.target, row["measure"]), "by": row["target_date"],
                     "share": "" if p.share is None else f"{p.share:.0%}", "met": _yes_no(p.met),
                     "on_track": _yes_no(p.on_track), "statement": p.statement})
    columns = ["goal", "date", "value", "baseline", "target", "by", "share", "met", "on_track", "statement"]
    return pd.DataFrame(rows, columns=columns).astype({"goal": "int64"})


def _yes_no(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"


def members_table(store: Store) -> pd.DataFrame:
    """The roster for people: name, role (its label)."""
    members = store.members()
    return pd.DataFrame({"name": members["name"],
                         "role": [ROLES[r].label if r in ROLES else r for r in members["role"]]})


def missing_roles(store: Store) -> list[str]:
    """Labels of the required roles nobody on the roster fills."""
    present = set(store.members()["role"])
    return [r.label for r in ROLES.values() if r.required and r.id not in present]


def markdown_table(frame: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table (pipes escaped, line breaks kept as <br>).

    >>> print(markdown_table(pd.DataFrame({"a": ["x|y"], "b": [1]})))
    | a | b |
    |---|---|
    | x\\|y | 1 |
    """
    def cell(value) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        return str(value).replace("|", "\\|").replace("\r\n", "\n").replace("\n", "<br>")

    lines = ["| " + " | ".join(cell(c) for c in frame.columns) + " |",
             "|" + "|".join("---" for _ in frame.columns) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)

