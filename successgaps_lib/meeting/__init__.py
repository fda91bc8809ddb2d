"""What a meeting notebook shows, as calls: ``Meeting.open(workbook, meeting)`` and one method per part.

A meeting notebook holds the narrative; every figure, table and list it shows comes from here::

    m = Meeting.open("../data/demo/workbook", 1)
    m.objectives(); m.agenda()          # from templates/agendas (the same text as the printed agendas)
    m.statement()                       # the success gap statement, from the data
    display(*m.slides())                # the data slides: SVG charts with their text alternative
    m.role_coverage()                   # meeting 1: who fills which role, which role is missing
    m.rubric_review()                   # meetings 2-4: ratings and consensus of the meeting's sections
    m.priorities(); m.root_causes(); m.plan(); m.goal_progress(); m.progress()
    m.homework(); m.next_meeting()

Everything comes from the workbook folder: ``workbook.yml`` (target gap, data files, team,
schedule, minimum group size), the team's stored work (``team_work.sqlite``; see
``open_team_work``) and the templates. Keyword overrides replace a workbook value for this
notebook only: ``group``, ``outcome``, ``comparison``, ``school``, ``year``, ``min_group_size``
(only upwards: a notebook may hide more, never less), ``slides`` (kinds of ``slides.KINDS``),
``homework`` and ``next_meeting`` (text).

Privacy: every figure about children comes from a table protected by ``privacy.protect`` with
the workbook's minimum group size (``meeting.data``); charts refuse anything else.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from .. import (
    blocks,
    handouts,
    slides,
)
from .. import workbook as wbk
from ..errors import ConfigError
from ..groups import MEETINGS, RATING_SCALE
from ..history import as_of_meeting
from ..notebook_errors import one_line_errors
from ..rubric import Rubric, load_rubric
from ..store import DEFAULT_NAME, SEED_NAME, Store
from ..teamwork import progress_against_target
from . import data as meeting_data
from . import work as meeting_work

#: An export of the team's work that a workbook folder may carry; see ``Store.seed``.
TEAM_WORK_EXPORT = SEED_NAME

OVERRIDES = ("group", "outcome", "comparison", "school", "year", "min_group_size", "slides", "homework",
             "next_meeting")


def open_team_work(directory: str | os.PathLike) -> Store:
    """The team's stored work in a workbook folder, for reading: nothing is written into the folder.

    The store file (``team_work.sqlite``) is read into memory when it exists (``Store.open(...,
    readonly=True)``: no ``-wal`` file, no seeding); a damaged one is refused with one line that
    says how to restore it. When there is no store, or the store holds nothing yet, the work is
    read into memory from ``team_work.json`` if the folder has one (an export, as the demo
    ships), as the dashboards would start from it; else the store is empty.

    >>> from successgaps_lib.paths import DEMO_WORKBOOK
    >>> open_team_work(DEMO_WORKBOOK).is_empty()
    False
    """
    directory = Path(directory)
    if (directory / DEFAULT_NAME).exists():
        store = Store.open(directory / DEFAULT_NAME, readonly=True)
        if not store.is_empty() or not (directory / TEAM_WORK_EXPORT).is_file():
            return store
        store.close()
    store = Store.open(":memory:")
    store.seed(directory / TEAM_WORK_EXPORT)
    return store


def _plain(text: Any) -> str:
    """Agenda text as plain text (the agenda renderer returns escaped Markup for filled placeholders)."""
    return str(text.unescape()) if isinstance(text, Markup) else str(text)


class Meeting:
    """One meeting's content, ready to display. Create with :meth:`Meeting.open`.

    >>> from successgaps_lib.paths import DEMO_WORKBOOK
    >>> Meeting.open(DEMO_WORKBOOK, 7).number, Meeting.open(DEMO_WORKBOOK, 7).target.group
    (7, 'Students with disabilities')
    """

    def __init__(self, workbook: wbk.Workbook, number: int, *, year: int | None = None,
                 slide_kinds: Sequence[str] | None = None, homework: str = "", next_meeting: str = ""):
        self.workbook = workbook
        self.number = number
        self.meeting_plan = workbook.meeting(number)
        self.target = workbook.target
        self.min_size = workbook.min_group_size
        self._year = year
        kinds = tuple(slide_kinds) if slide_kinds is not None else slides.DEFAULT_SLIDES.get(number, ("rates",))
        unknown = [k for k in kinds if k not in slides.KINDS]
        if unknown:
            raise ConfigError(f"unknown slide {unknown[0]!r}; slides are {', '.join(slides.KINDS)}")
        self.slide_kinds = kinds
        self._homework, self._next = homework, next_meeting

    @classmethod
    def open(cls, workbook: str | os.PathLike = ".", meeting: int = 1, **overrides) -> Meeting:
        """Load the workbook folder (a relative path is taken from the notebook's folder) for one meeting.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> m = Meeting.open(DEMO_WORKBOOK, 2, min_group_size=20)
        >>> m.number, m.min_size
        (2, 20)
        """
        one_line_errors()
        unknown = sorted(set(overrides) - set(OVERRIDES))
        if unknown:
            raise ConfigError(f"unknown override {unknown[0]!r}; a meeting notebook may override "
                              f"{', '.join(OVERRIDES)}")
        wb = base = wbk.load(workbook)
        if isinstance(meeting, bool) or not isinstance(meeting, int) or meeting not in MEETINGS:
            raise ConfigError(f"meeting {meeting!r}: expected a meeting number from {min(MEETINGS)} to "
                              f"{max(MEETINGS)}")
        target_keys = {k: overrides[k] for k in ("group", "outcome", "comparison", "school")
                       if overrides.get(k) is not None}
        raw = dict(wb.raw)
        if target_keys:
            raw["target_gap"] = {**(wb.raw.get("target_gap") or {}), **target_keys}
        if overrides.get("min_group_size") is not None:
            raw["min_group_size"] = overrides["min_group_size"]
        if raw != wb.raw:  # checked by the workbook's own rules and messages
            wb = wbk.from_mapping(raw, wb.directory, source=f"{wb.path} (with this notebook's overrides)")
            wb = _keep_minimum(wb, base.min_group_size)
        year = overrides.get("year")
        return cls(wb, meeting, year=year if year is not None else wb.target.year,
                   slide_kinds=overrides.get("slides"), homework=overrides.get("homework") or "",
                   next_meeting=overrides.get("next_meeting") or "")

    def __repr__(self) -> str:
        return f"Meeting({self.number}, {self.workbook.name!r}, {self.target.describe()!r})"

    # -- what the meeting rests on -------------------------------------------------------------------

    @cached_property
    def dirs(self) -> list[Path]:
        """The template folders, the workbook's own ``templates/`` first.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> Meeting.open(DEMO_WORKBOOK, 1).dirs[-1].name
        'templates'
        """
        return handouts.template_dirs(self.workbook)

    @cached_property
    def context(self) -> dict[str, Any]:
        """The agenda context the printed agendas use (objectives, timed steps, homework, next meeting).

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> sorted(Meeting.open(DEMO_WORKBOOK, 1).context)[:3]
        ['agenda', 'agreement', 'homework']
        """
        return handouts.meeting_context(self.workbook, self.number, self.dirs)

    @cached_property
    def rubric(self) -> Rubric:
        """The workbook's own ``templates/rubric.yml``, else the shipped rubric.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> Meeting.open(DEMO_WORKBOOK, 2).rubric.sections[0].title
        'Data-based decision making'
        """
        own = self.workbook.directory / "templates" / "rubric.yml"
        return load_rubric(own if own.is_file() else None)

    @cached_property
    def store(self) -> Store:
        """The team's work as it stood at the end of this meeting, or now for a meeting not yet
        over (``history.as_of_meeting``): an old meeting's handout reprints unchanged.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> len(Meeting.open(DEMO_WORKBOOK, 5).store.root_causes()) > 0
        True
        """
        return as_of_meeting(open_team_work(self.workbook.directory), self.workbook, self.number)

    @cached_property
    def data(self) -> meeting_data.Data:
        """The workbook's data files, read once per process.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> Meeting.open(DEMO_WORKBOOK, 1).data.years[-1]
        2025
        """
        return meeting_data.load_data(self.workbook)

    @cached_property
    def gaps(self) -> pd.DataFrame:
        """The protected GAPS rows of the target group on its outcome and the related ones.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> set(Meeting.open(DEMO_WORKBOOK, 1).gaps["group"])
        {'Students with disabilities'}
        """
        t = self.target
        outcomes = meeting_data.related_outcomes(t.outcome, t.group, self.data.outcomes()) or [t.outcome]
        return meeting_data.measure(self.data, group=t.group, outcomes=outcomes, comparison=t.comparison,
                                    min_size=self.min_size)

    @cached_property
    def focus(self) -> slides.Focus:
        """The gap the slides show: the target gap in the meeting's year.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> f = Meeting.open(DEMO_WORKBOOK, 1).focus
        >>> f.group, f.outcome, f.year
        ('Students with disabilities', 'graduation', 2025)
        """
        t = self.target
        year = self._year if self._year is not None else meeting_data.latest_year(
            self.gaps[self.gaps["outcome"] == t.outcome], t.school)
        return slides.Focus(t.group, t.outcome, t.comparison, t.school, int(year), self.min_size)

    @property
    def sections(self) -> list[tuple[str, str]]:
        """(id, title) of the rubric sections this meeting reviews.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> Meeting.open(DEMO_WORKBOOK, 2).sections[0]
        ('data_based_decision_making', 'Data-based decision making')
        """
        return list(self.context["sections"])

    # -- agenda ------------------------------------------------------------------------------------------

    def title(self) -> blocks.Block:
        """Meeting, date, time and place (the handout prints this in its header already).

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> print(Meeting.open(DEMO_WORKBOOK, 1).title().text.splitlines()[0])
        # Riverside Unified (demo), meeting 1: Getting started
        """
        p = self.meeting_plan
        block = blocks.heading(f"{self.workbook.name}, meeting {p.number}: {p.title}", 1) + blocks.paragraph(
            f"{handouts.long_date(p.date)}, {handouts.clock(p.time)} to {handouts.clock(p.end.time())}, {p.place}")
        note = self.data.set_aside_note if self.has_data else ""
        return block + blocks.note(note) if note else block

    def objectives(self) -> blocks.Block:
        """The meeting's objectives, as the printed agendas list them.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> print(Meeting.open(DEMO_WORKBOOK, 1).objectives().text.splitlines()[0])
        - Get to know each other and why each of us is on the team.
        """
        return blocks.bullets([_plain(o) for o in self.context["agenda"]["objectives"]])

    def agenda(self) -> blocks.Block:
        """The timed steps of the meeting, as a table.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> print(Meeting.open(DEMO_WORKBOOK, 1).agenda().text.splitlines()[0])
        | Time | What we do |
        """
        rows = [{"Time": f"{handouts.clock(s['start'])} to {handouts.clock(s['end'])}",
                 "What we do": _plain(s["activity"]) + (f": {_plain(s['team'])}" if s.get("team") else "")}
                for s in self.context["steps"]]
        return blocks.table(pd.DataFrame(rows, columns=["Time", "What we do"]), kind="agenda")

    def homework(self) -> blocks.Block:
        """The homework for the next meeting (the notebook's override, else the agenda's).

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> Meeting.open(DEMO_WORKBOOK, 1, homework="Read section 1.").homework().text
        'Read section 1.'
        """
        return blocks.paragraph(self._homework or _plain(self.context["homework"]))

    def next_meeting(self) -> blocks.Block:
        """When and where the team meets next.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> Meeting.open(DEMO_WORKBOOK, 1).next_meeting().text.startswith("Meeting 2")
        True
        """
        return blocks.paragraph(self._next or _plain(self.context["next_meeting_text"]))

    # -- the data -----------------------------------------------------------------------------------------

    @property
    def has_data(self) -> bool:
        """Whether workbook.yml lists data files (a new workbook may not yet: its handouts then say so).

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> Meeting.open(DEMO_WORKBOOK, 1).has_data
        True
        """
        return bool(self.workbook.data)

    def _no_data(self) -> blocks.Block:
        return blocks.note(f"No data yet: list the data files under 'data: files:' in {self.workbook.path.name}, "
                           "and the success gap statement and the data slides appear here.")

    @property
    def statement_text(self) -> str:
        """The success gap statement of the target gap in the meeting's year (protected figures only).

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> Meeting.open(DEMO_WORKBOOK, 1).statement_text[:40]
        'In 2025, 71.6% of students with disabili'
        """
        if not self.has_data:
            return self._no_data().text.removeprefix("> ")
        f = self.focus
        row = meeting_data.rows(self.gaps, group=f.group, outcome=f.outcome, comparison=f.comparison,
                                school=f.school, year=f.year)
        if row.empty:
            where = f.school or self.workbook.district
            return (f"The data has no figures for {f.group}, {slides._label(f.outcome).lower()}, in {where} "
                    f"in {slides.school_year(f.year)}.")
        return str(row["statement"].iloc[0])

    def statement(self) -> blocks.Block:
        """The success gap statement, set apart as a quotation.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> Meeting.open(DEMO_WORKBOOK, 1).statement().text[:10]
        '> In 2025,'
        """
        return blocks.statement(self.statement_text)

    def slides(self, kinds: Sequence[str] | None = None) -> list:
        """The data slides (``slides.KINDS``; default: those of this meeting), each an SvgFigure or a note.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> [type(s).__name__ for s in Meeting.open(DEMO_WORKBOOK, 2).slides(["rates"])]
        ['SvgFigure']
        """
        if not self.has_data:
            return [self._no_data()]
        return [slides.slide(k, self.data, self.focus, self.gaps) for k in (kinds or self.slide_kinds)]

    def figures_by_year(self) -> blocks.Block:
        """The target gap's figures in every year, as a table.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> "2024-25" in Meeting.open(DEMO_WORKBOOK, 1).figures_by_year().text
        True
        """
        return slides.by_year(self.gaps, self.focus) if self.has_data else blocks.empty()

    def figures_by_school(self) -> blocks.Block:
        """The target gap's figures in every school in the meeting's year, as a table.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> "Juniper Valley High" in Meeting.open(DEMO_WORKBOOK, 1).figures_by_school().text
        True
        """
        return slides.by_school(self.gaps, self.focus) if self.has_data else blocks.empty()

    # -- the team and its work ------------------------------------------------------------------------------

    def role_coverage(self) -> blocks.Block:
        """Every role with who fills it; the required roles nobody fills yet are named.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> Meeting.open(DEMO_WORKBOOK, 1).role_coverage().text.splitlines()[-1]
        '> Every required role is filled.'
        """
        return meeting_work.role_coverage(self.workbook)

    def rubric_outline(self) -> blocks.Block:
        """The rubric's sections, the meeting that reviews each, and the rating scale.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> print(Meeting.open(DEMO_WORKBOOK, 1).rubric_outline().text.splitlines()[0])
        Success gaps rubric
        """
        meetings = {}
        for m in self.workbook.meetings:
            for sid in m.rubric_sections or [s.id for s in self.rubric.sections_for_meeting(m.number)]:
                meetings.setdefault(sid, m.number)
        frame = pd.DataFrame([{"Section": s.title, "Indicators": str(len(s.indicators)),
                               "Reviewed at meeting": str(meetings.get(s.id, "not scheduled"))}
                              for s in self.rubric.sections])
        scale = blocks.paragraph("Each indicator is rated on four levels: " + ", ".join(RATING_SCALE) + ".")
        return blocks.table(frame, kind="sg-teamwork", caption=self.rubric.title) + scale

    def rubric_review(self) -> blocks.Block:
        """Each section of this meeting: the homework ratings and the consensus with its evidence.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> print(Meeting.open(DEMO_WORKBOOK, 2).rubric_review().text.splitlines()[0])
        ### Data-based decision making
        """
        if not self.sections:
            return blocks.note("This meeting reviews no rubric section.")
        return blocks.join(meeting_work.section_review(self.store, self.rubric, sid, min_size=self.min_size)
                           for sid, _ in self.sections)

    def further_data(self) -> blocks.Block:
        """The further data the team asked for on this meeting's sections.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> Meeting.open(DEMO_WORKBOOK, 2).further_data().text.startswith("- DB-")
        True
        """
        return meeting_work.further_data(self.store, self.rubric, [sid for sid, _ in self.sections],
                                         min_size=self.min_size)

    def consensus_so_far(self) -> blocks.Block:
        """The consensus on the sections reviewed at earlier meetings (compact: no evidence).

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> print(Meeting.open(DEMO_WORKBOOK, 3).consensus_so_far().text.splitlines()[0])
        Consensus: Data-based decision making
        """
        earlier = []
        for m in self.workbook.meetings:
            if m.number < self.number:
                earlier += [sid for sid, _ in handouts.meeting_sections(self.workbook, m.number, self.dirs)]
        if not earlier:
            return blocks.note("No rubric section has been reviewed before this meeting.")
        return blocks.join(meeting_work.consensus(self.store, self.rubric, sid, evidence=False, min_size=self.min_size,
                                                  caption=f"Consensus: {self.rubric.section(sid).title}")
                           for sid in dict.fromkeys(earlier))

    def consensus_summary(self) -> blocks.Block:
        """The consensus rating of every indicator of the rubric (meetings 5 and on).

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> print(Meeting.open(DEMO_WORKBOOK, 5).consensus_summary().text.splitlines()[0])
        The team's consensus ratings, whole rubric
        """
        return meeting_work.consensus(self.store, self.rubric, evidence=False, min_size=self.min_size,
                                      caption="The team's consensus ratings, whole rubric")

    def priorities(self) -> blocks.Block:
        """The indicators members marked as priorities, most marked first.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> print(Meeting.open(DEMO_WORKBOOK, 5).priorities().text.splitlines()[0])
        Priorities: indicators members would act on first
        """
        return meeting_work.priorities(self.store, self.rubric)

    def root_causes(self) -> blocks.Block:
        """The root causes the team agreed on (five or fewer).

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> print(Meeting.open(DEMO_WORKBOOK, 5).root_causes().text.splitlines()[0])
        Root causes the team agreed on
        """
        return meeting_work.root_causes(self.store, min_size=self.min_size)

    def goals(self) -> blocks.Block:
        """The SMART goals with baseline and target.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> print(Meeting.open(DEMO_WORKBOOK, 6).goals().text.splitlines()[0])
        SMART goals
        """
        return meeting_work.goals(self.store, min_size=self.min_size)

    def plan(self) -> blocks.Block:
        """The action plan: each goal with its activities.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> Meeting.open(DEMO_WORKBOOK, 6).plan().text.startswith("Goal 1: ")
        True
        """
        return meeting_work.plan(self.store, min_size=self.min_size)

    def progress(self) -> blocks.Block:
        """Progress notes on the plan's activities, oldest first.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> print(Meeting.open(DEMO_WORKBOOK, 7).progress().text.splitlines()[0])
        Progress on the activities
        """
        return meeting_work.progress(self.store, min_size=self.min_size)

    def goal_progress(self) -> blocks.Block:
        """The goals measured again: by the team's entries, and from the data files where they are newer.

        As of its own day: the demo's meeting 7 (April 2026) comes before the class of 2026
        is measured in August, so its handout says nothing new has been recorded.

        >>> from successgaps_lib.paths import DEMO_WORKBOOK
        >>> print(Meeting.open(DEMO_WORKBOOK, 7).goal_progress().text.splitlines()[0])
        > Nothing recorded yet: no new measurement of the goals.
        """
        return meeting_work.goal_progress(self.store, self._remeasured if self.has_data else None)

    def _remeasured(self, goal: pd.Series) -> list[str]:
        """Sentences measuring a goal from the data files, for years after its baseline."""
        baseline_year = int(goal["baseline_date"][:4]) if goal["baseline_date"] else None
        comparison = goal["comparison"] or self.target.comparison
        try:
            gaps = meeting_data.measure(self.data, group=goal["group"], outcomes=[goal["outcome"]],
                                        comparison=comparison, min_size=self.min_size)
        except ConfigError:
            return []
        rows = meeting_data.rows(gaps, group=goal["group"], outcome=goal["outcome"], comparison=comparison,
                                 school=self.target.school)
        column = "difference" if goal["measure"] == "difference" else "rate_group"
        out = []
        for row in rows.itertuples():
            value = getattr(row, column)
            if baseline_year is None or row.year <= baseline_year or pd.isna(value):
                continue
            progress = progress_against_target(goal.to_dict(), float(value))
            out.append(f"{slides.school_year(row.year)}, from the data files: {progress.statement}")
        return out


def _keep_minimum(wb: wbk.Workbook, minimum: int) -> wbk.Workbook:
    if wb.min_group_size < minimum:
        raise ConfigError(f"min_group_size {wb.min_group_size}: a notebook may raise the workbook's minimum "
                          f"group size ({minimum}), never lower it")
    return wb
