"""The team's work as it stood at one meeting, for the forms: root causes, priorities, goals with
their activities, and each goal's gap against its target.

A form printed for meeting 5 is filled with what the team had agreed by the end of meeting 5
(``history.as_of_meeting``), like that meeting's handout; blank lines follow for what is still
to be written. Text the team typed goes through ``privacy.mask_small_counts``.

>>> from successgaps_lib import workbook as wbk
>>> from successgaps_lib.paths import DEMO_WORKBOOK
>>> book = wbk.load(DEMO_WORKBOOK)
>>> len(TeamWork(book, 4).root_causes), len(TeamWork(book, 5).root_causes) > 0
(0, True)
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from .. import teamwork
from ..history import as_of_meeting
from ..privacy import mask_small_counts
from ..rubric import load_rubric
from ..words import date_text


class TeamWork:
    """Lazy views of the store as of one meeting (nothing is read until a template asks)."""

    def __init__(self, workbook, number: int):
        self.workbook, self.number = workbook, number
        self.min_size = workbook.min_group_size

    def _text(self, value: Any) -> str:
        return mask_small_counts(str(value or ""), self.min_size)

    @cached_property
    def store(self):
        from ..meeting import open_team_work

        return as_of_meeting(open_team_work(self.workbook.directory), self.workbook, self.number)

    @cached_property
    def root_causes(self) -> list[dict]:
        """[{number, statement, indicators, notes}], as agreed by this meeting."""
        return [{k: (self._text(v) if k != "number" else v) for k, v in r.items()}
                for r in teamwork.root_causes_table(self.store).to_dict("records")]

    @cached_property
    def priorities(self) -> list[dict]:
        """[{indicator, statement, consensus, votes}], most marked first."""
        own = self.workbook.directory / "templates" / "rubric.yml"
        rubric = load_rubric(own if own.is_file() else None)
        rows = teamwork.priorities_tally(self.store, rubric).to_dict("records")
        return [{**r, "statement": self._text(r["statement"])} for r in rows]

    @cached_property
    def goals(self) -> list[dict]:
        """[{number, goal, outcome, group, baseline, baseline_date, target, by, activities: [...],
        latest: {date, value, share, on_track, statement} or None}]."""
        goals = teamwork.goals_table(self.store).to_dict("records")
        plan = teamwork.plan_table(self.store)
        progress = teamwork.goal_progress_table(self.store)
        out = []
        for g in goals:
            rows = plan[(plan["goal"] == g["number"]) & (plan["activity"] != "")]
            activities = [{"activity": self._text(a.activity), "person": self._text(a.person),
                           "when": _span(a.start, a.due), "resources": self._text(a.resources),
                           "measure": self._text(a.measure), "status": a.status} for a in rows.itertuples()]
            mine = progress[progress["goal"] == g["number"]]
            latest = None
            if len(mine):
                last = mine.iloc[-1]
                latest = {"date": date_text(last["date"]), "value": last["value"], "share": last["share"],
                          "on_track": last["on_track"], "met": last["met"], "statement": last["statement"]}
            out.append({**g, "goal": self._text(g["goal"]), "baseline_date": date_text(g["baseline_date"]),
                        "by": date_text(g["by"]), "activities": activities, "latest": latest})
        return out

    @property
    def activities(self) -> list[dict]:
        """Every activity of every goal, with its goal's number."""
        return [{**a, "goal": g["number"]} for g in self.goals for a in g["activities"]]


def _span(start: str, due: str) -> str:
    start, due = date_text(start), date_text(due)
    return f"{start} to {due}" if start and due else start or (f"by {due}" if due else "")
