"""The team's stored work as plain blocks for a handout: ratings, consensus, priorities, root causes,
the plan and its progress.

Widgets never reach a static handout (design.md section 6), so whatever the team entered in
the dashboards is shown here again as plain tables and text, made by the tested functions of
``teamwork`` and escaped by ``blocks``. Each function says plainly when nothing is recorded yet.

What the team typed is printed as typed, with one exception: a handout goes to parents and
community members, so a small count of children in a note ("credits recovered by 9 students")
is written "fewer than 10" (``privacy.mask_small_counts``, which the dashboards use too). It
is a safety net for the obvious cases, not a substitute for the facilitator reading the notes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from .. import blocks, teamwork
from ..groups import RATING_SCALE, ROLES
from ..privacy import MIN_SIZE, mask_small_counts
from ..rubric import Rubric
from ..store import Store
from ..words import date_text
from ..workbook import Workbook

KIND = "sg-teamwork"

def _masked(frame: pd.DataFrame, min_size: int) -> pd.DataFrame:
    """Every text cell through ``mask_small_counts``."""
    return frame.map(lambda v: mask_small_counts(v, min_size) if isinstance(v, str) else v)


def _nothing(what: str) -> blocks.Block:
    return blocks.note(f"Nothing recorded yet: {what}.")


# --- The team ------------------------------------------------------------------------------------

def role_coverage(workbook: Workbook) -> blocks.Block:
    """Every role with who fills it; the required roles nobody fills yet are named."""
    rows = []
    for role, members in workbook.role_coverage().items():
        who = "; ".join(f"{m.name} ({m.title})" if m.title else m.name for m in members)
        status = "filled" if members else "MISSING" if ROLES[role].required else "optional, not filled"
        rows.append({"Role": ROLES[role].label, "Who": who, "Status": status})
    table = blocks.table(pd.DataFrame(rows), kind=KIND, caption="Roles on the team")
    missing = [r.label for r in workbook.missing_roles()]
    if missing:
        text = (f"Still missing: {'; '.join(missing)}. Invite someone for "
                f"{'this role' if len(missing) == 1 else 'each of these roles'} before the team goes on: "
                "every required role brings a view the team needs.")
    else:
        text = "Every required role is filled."
    return table + blocks.note(text)


# --- Rubric review (meetings 2 to 4) -----------------------------------------------------------------

def _statements(rubric: Rubric) -> dict[str, str]:
    return {i.id: i.statement for i in rubric.indicators}


def ratings(store: Store, rubric: Rubric, section: str) -> blocks.Block:
    """How many members gave each rating to each indicator of a section, and whether they agree."""
    table = teamwork.ratings_by_indicator(store, rubric, section)
    if table[list(RATING_SCALE)].to_numpy().sum() == 0:
        return _nothing("no member has rated this section")
    # The practices' wording is in the consensus table just below: here, room for the counts.
    frame = table.rename(columns={"indicator": "Indicator", teamwork.NOT_RATED: "Not rated",
                                  "disagreement": "Agreement"})
    frame = frame.drop(columns=["section", "statement"])
    return blocks.table(frame.astype(str), kind=KIND, numeric=[*RATING_SCALE, "Not rated"],
                        caption="Homework ratings: how many members chose each level")


def consensus(store: Store, rubric: Rubric, section: str | None = None, *, evidence: bool = True,
              caption: str = "The team's consensus", min_size: int = MIN_SIZE) -> blocks.Block:
    """The consensus rating of each indicator (with its evidence and the further data to gather)."""
    table = teamwork.consensus_table(store, rubric, section)
    if (table["rating"] == "").all():
        return _nothing("no consensus rating yet")
    columns = {"indicator": "Indicator", "statement": "Practice", "rating": "Consensus rating"}
    if evidence:
        columns.update({"evidence": "Evidence", "notes": "Notes", "further_data": "Further data to gather"})
    frame = table[list(columns)].rename(columns=columns)
    frame = frame.loc[:, [c for c in frame.columns if c in ("Indicator", "Practice", "Consensus rating")
                          or (frame[c] != "").any()]]
    frame["Consensus rating"] = frame["Consensus rating"].replace("", "not agreed yet")
    return blocks.table(_masked(frame, min_size), kind=KIND, caption=caption)


def further_data(store: Store, rubric: Rubric, sections: Sequence[str], *, min_size: int = MIN_SIZE) -> blocks.Block:
    """The further data the team asked for, indicator by indicator."""
    table = pd.concat([teamwork.consensus_table(store, rubric, s) for s in sections], ignore_index=True) \
        if sections else teamwork.consensus_table(store, rubric)
    asked = table[table["further_data"] != ""]
    if asked.empty:
        return blocks.note("The team has not asked for further data on these sections.")
    return blocks.bullets([mask_small_counts(f"{r.indicator}: {r.further_data}", min_size) for r in asked.itertuples()],
                          kind=KIND)


def section_review(store: Store, rubric: Rubric, section: str, *, min_size: int = MIN_SIZE) -> blocks.Block:
    """One rubric section: what it is about, the homework ratings and the consensus with evidence."""
    part = rubric.section(section)
    intro = blocks.heading(part.title) + (blocks.paragraph(part.summary) if part.summary else blocks.empty())
    return blocks.join([intro, ratings(store, rubric, section), consensus(store, rubric, section, min_size=min_size)])


# --- Root causes and plan (meetings 5 and 6) -------------------------------------------------------

def priorities(store: Store, rubric: Rubric) -> blocks.Block:
    """The indicators members marked as priorities, most marked first."""
    tally = teamwork.priorities_tally(store, rubric)
    if tally.empty:
        return _nothing("no member has marked priorities")
    frame = tally.rename(columns={"indicator": "Indicator", "statement": "Practice", "consensus": "Consensus rating",
                                  "votes": "Members who marked it", "members": "Who"})
    return blocks.table(frame.astype(str), kind=KIND, numeric=["Members who marked it"],
                        caption="Priorities: indicators members would act on first")


def root_causes(store: Store, *, min_size: int = MIN_SIZE) -> blocks.Block:
    """The root causes the team agreed on."""
    table = teamwork.root_causes_table(store)
    if table.empty:
        return _nothing("the team has not agreed on root causes")
    frame = table.rename(columns={"number": "#", "statement": "Root cause", "indicators": "Rubric indicators",
                                  "notes": "Notes"})
    if (frame["Notes"] == "").all():
        frame = frame.drop(columns=["Notes"])
    return blocks.table(_masked(frame.astype(str), min_size), kind=KIND, caption="Root causes the team agreed on")


def goals(store: Store, *, min_size: int = MIN_SIZE) -> blocks.Block:
    """The SMART goals with baseline and target."""
    table = teamwork.goals_table(store)
    if table.empty:
        return _nothing("no SMART goal")
    frame = pd.DataFrame({"#": table["number"].astype(str), "Goal": table["goal"],
                          "Baseline": _with_date(table["baseline"], table["baseline_date"]),
                          "Target": _with_date(table["target"], table["by"])})
    return blocks.table(_masked(frame, min_size), kind=KIND, caption="SMART goals")


def _with_date(values: pd.Series, dates: pd.Series) -> list[str]:
    return [f"{v} ({date_text(d)})" if v and d else v for v, d in zip(values, dates, strict=True)]


def plan(store: Store, *, min_size: int = MIN_SIZE) -> blocks.Block:
    """The action plan: under each goal, its activities with who, when, resources, measure, status."""
    table = teamwork.plan_table(store)
    if table.empty:
        return _nothing("no action plan")
    parts = []
    for number, activities in table.groupby("goal", sort=True):
        goal = mask_small_counts(f"Goal {number}: {activities['goal_text'].iloc[0]}", min_size)
        parts.append(blocks.paragraph(goal, kind="sg-goal"))
        rows = activities[activities["activity"] != ""]
        if rows.empty:
            parts.append(_nothing("no activity for this goal"))
            continue
        frame = pd.DataFrame({"Activity": rows["activity"], "Who": rows["person"],
                              "When": [_span(s, d) for s, d in zip(rows["start"], rows["due"], strict=True)],
                              "Resources": rows["resources"], "Measure of progress": rows["measure"],
                              "Status": rows["status"]})
        parts.append(blocks.table(_masked(frame, min_size), kind=KIND))
    return blocks.join(parts)


def _span(start: str, due: str) -> str:
    start, due = date_text(start), date_text(due)
    return f"{start} to {due}" if start and due else start or (f"by {due}" if due else "")


# --- Monitoring (meeting 7 and after) ----------------------------------------------------------------

def progress(store: Store, *, min_size: int = MIN_SIZE) -> blocks.Block:
    """Progress notes on the activities, oldest first."""
    table = teamwork.progress_table(store)
    if table.empty:
        return _nothing("no progress note")
    frame = table.rename(columns={"date": "Date", "goal": "Goal", "activity": "Activity", "status": "Status",
                                  "note": "What happened"})
    frame["Date"] = frame["Date"].map(date_text)
    return blocks.table(_masked(frame.astype(str), min_size), kind=KIND, caption="Progress on the activities")


def goal_progress(store: Store, remeasured: Callable[[pd.Series], list[str]] | None = None) -> blocks.Block:
    """Each new measurement of each goal against its target, in a table and in words.

    ``remeasured(goal)`` may add sentences measuring the goal again from the data files.
    """
    table = teamwork.goal_progress_table(store)
    parts = []
    if table.empty:
        parts.append(_nothing("no new measurement of the goals"))
    else:
        frame = pd.DataFrame({"Goal": table["goal"].astype(str), "Date": table["date"].map(date_text),
                              "Value": table["value"], "Baseline": table["baseline"], "Target": table["target"],
                              "By": table["by"].map(date_text),
                              "Of the way to the target": table["share"], "Target met": table["met"],
                              "On track": table["on_track"]})
        parts.append(blocks.table(frame, kind=KIND, caption="The goals measured again",
                                  numeric=["Value", "Baseline", "Target", "Of the way to the target"]))
        parts.append(blocks.bullets([f"Goal {r.goal}: {r.statement}" for r in table.itertuples()], kind=KIND))
    if remeasured is not None:
        numbers = {id: n for n, id in enumerate(store.goals()["id"], 1)}
        sentences = [f"Goal {numbers[g['id']]}, {s}" for _, g in store.goals().iterrows() for s in remeasured(g)]
        parts.append(blocks.bullets(sentences, kind="sg-data") if sentences else blocks.note(
            "The data files have no year after the goals' baselines yet, so the goals are measured again "
            "only by the team's own entries above."))
    return blocks.join(parts)
