"""Homework away from the room: each member rates the rubric sections of a meeting on their own.

Between meetings each member rates, before meeting N, the sections meeting N reviews (the
workbook's ``rubric_sections`` for that meeting, else the sections ``templates/rubric.yml``
assigns to it). Three ways, all ending in the team's store, whose history says who, when and by
which route (``store.ROUTES``):

- **paper** (``homework.sheets``): a printable rating sheet per member, HTML and PDF, in the
  handouts of the meeting that hands the homework out (``handed_out_at``) and by
  ``successgaps homework DIR --meeting N``; the facilitator types it in (route ``paper``);
- **Excel** (``homework.excel``): one file per member, returned and read back by
  ``successgaps import-homework`` (route ``excel``), which refuses a file that is not ours,
  and never overwrites a newer rating entered elsewhere without saying so;
- **a personal link** (``homework.links``): ``successgaps present --ip 0.0.0.0`` opens each
  member's own rating view, and nothing else, at a link only they have (route ``link``).

The homework *handed out* at meeting M is the one due at the next scheduled meeting that
reviews rubric sections: meeting 1 hands out meeting 2's, and so on. The *current*
homework is the one due at the first such meeting that has not ended yet.

>>> from successgaps_lib import paths
>>> wb = workbooks.load(paths.DEMO_WORKBOOK, check_files=False)
>>> work = assignment(wb, 3)
>>> work.meeting.number, [s.id for s in work.sections], work.indicator_ids[:2]
(3, ['core_instructional_program', 'assessment'], ['CI-1', 'CI-2'])
>>> [handed_out_at(wb, m) for m in (1, 2, 3, 4)]
[2, 3, 4, None]
>>> current(wb, dt.date(2025, 10, 8)).meeting.number
3
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import workbook as workbooks
from ..errors import ConfigError
from ..rubric import Indicator, Rubric, Section, load_rubric

__all__ = ["Assignment", "assignment", "current", "handed_out_at", "open_rubric", "reviewed_sections"]


def open_rubric(wb: workbooks.Workbook) -> Rubric:
    """The workbook's own ``templates/rubric.yml`` if it has one, else the shipped rubric."""
    own = wb.directory / "templates" / "rubric.yml"
    return load_rubric(own if own.is_file() else None)


def reviewed_sections(wb: workbooks.Workbook, number: int, rubric: Rubric) -> list[Section]:
    """The sections meeting ``number`` reviews: workbook.yml's list for it, else the rubric's.

    An id the rubric does not have is a ConfigError naming the key.
    """
    ids = list(wb.meeting(number).rubric_sections) or [s.id for s in rubric.sections_for_meeting(number)]
    known = {s.id for s in rubric.sections}
    for sid in ids:
        if sid not in known:
            raise ConfigError(f"{wb.path}, key 'meetings (meeting {number}).rubric_sections': unknown section "
                              f"{sid!r}; expected ids from {rubric.source}: {', '.join(sorted(known))}")
    return [rubric.section(sid) for sid in ids]


@dataclass(frozen=True)
class Assignment:
    """The homework due at one meeting: the sections it reviews, for every member of the team."""

    workbook: workbooks.Workbook
    rubric: Rubric
    meeting: workbooks.MeetingPlan  # the meeting the ratings are due at (it reviews the sections)
    sections: tuple[Section, ...]

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for s in self.sections for i in s.indicators)

    @property
    def indicator_ids(self) -> list[str]:
        return [i.id for i in self.indicators]

    @property
    def members(self) -> tuple[workbooks.Member, ...]:
        """Everyone on the team rates, the facilitator included."""
        return self.workbook.team

    def member(self, name: str) -> workbooks.Member | None:
        return next((m for m in self.members if m.name == name), None)

    @property
    def due_text(self) -> str:
        """'meeting 3, Core instruction and assessment, Tuesday, October 28, 2025'."""
        from ..handouts import long_date

        return f"meeting {self.meeting.number}, {self.meeting.title}, {long_date(self.meeting.date)}"


def assignment(wb: workbooks.Workbook, number: int, rubric: Rubric | None = None) -> Assignment:
    """The homework due at meeting ``number``; a ConfigError if that meeting reviews no section."""
    rubric = rubric or open_rubric(wb)
    sections = reviewed_sections(wb, number, rubric)
    if not sections:
        with_sections = [m.number for m in wb.meetings if reviewed_sections(wb, m.number, rubric)]
        raise ConfigError(f"meeting {number} reviews no rubric section, so it has no rating homework; "
                          f"meetings that do: {', '.join(map(str, with_sections)) or 'none'} "
                          "(rubric_sections in workbook.yml)")
    return Assignment(wb, rubric, wb.meeting(number), tuple(sections))


def handed_out_at(wb: workbooks.Workbook, number: int, rubric: Rubric | None = None) -> int | None:
    """The meeting whose homework is handed out at meeting ``number`` (the next one reviewing
    sections), or None."""
    rubric = rubric or open_rubric(wb)
    for m in wb.meetings:
        if m.number > number and reviewed_sections(wb, m.number, rubric):
            return m.number
    return None


def current(wb: workbooks.Workbook, today: dt.date | None = None, rubric: Rubric | None = None,
            now: Callable[[], dt.datetime] | None = None) -> Assignment | None:
    """The homework due now: at the first meeting reviewing sections that has not ended (None if all have)."""
    rubric = rubric or open_rubric(wb)
    moment = (now or (lambda: dt.datetime.now(dt.UTC)))()
    for m in wb.meetings:
        if not reviewed_sections(wb, m.number, rubric):
            continue
        ended = m.date < today if today is not None else wb.moment(m.end) < moment
        if not ended:
            return assignment(wb, m.number, rubric)
    return None


def output_folder(wb: workbooks.Workbook, number: int, out: str | Path | None = None) -> Path:
    """Where ``successgaps homework`` writes a meeting's sheets and files: ``DIR/homework/meeting-NN``."""
    return Path(out) if out else wb.directory / "homework" / f"meeting-{number:02d}"


def open_team_store(wb: workbooks.Workbook, *, route: str = "", by: str | None = None):
    """The team's store, as the dashboards open it: a new one starts from ``team_work.json`` when
    the folder has one, and everyone on the roster is in it (add only)."""
    from ..store import SEED_NAME, Store

    who = by or (wb.facilitator.name if wb.facilitator else "facilitator")
    store = Store.open(wb.directory, by=who, route=route)  # checks the route
    store.route = ""  # the roster comes from workbook.yml, by no route of homework
    try:
        store.seed(wb.directory / SEED_NAME)
        store.add_roster(((m.name, m.role, m.email) for m in wb.team), by="workbook.yml")
    except BaseException:
        store.close()
        raise
    store.route = route
    return store
