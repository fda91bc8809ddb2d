"""The demo team's work: ``data/demo/workbook/team_work.json``, rebuilt reproducibly.

The demo team (the roster of ``data/demo/workbook/workbook.yml``) has met seven times about
the demo district's planted gap, four-year graduation of students with disabilities (class
of 2025: 96 of 134, 71.6%, against 90.7% for all other students). This module replays what
they entered, through the :class:`~successgaps_lib.store.Store` API with a clock set to the
days they met, and exports it. Everything here is fictional.

    python -m successgaps_lib.demo_teamwork data/demo/workbook/team_work.json
"""

from __future__ import annotations

import argparse
import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from . import paths
from .groups import RATING_SCALE
from .rubric import Rubric, load_rubric
from .store import Store

SEED = 2025
FACILITATOR = "Karen Nguyen"
DATA_LEAD = "Marcus Lee"

WORKBOOK = paths.DEMO_WORKBOOK


def _team() -> list[tuple[str, str, str]]:
    """The roster (name, main role, e-mail), read from the demo workbook.yml: one source of truth."""
    from .workbook import load

    return [(m.name, m.role, m.email) for m in load(WORKBOOK, check_files=False).team]

# Meeting days (workbook.yml) and when homework was done between them.
HOMEWORK = {  # section -> (first day, last day) members rated it
    "data_based_decision_making": ("2025-09-17", "2025-10-06"),
    "cultural_responsiveness": ("2025-09-17", "2025-10-06"),
    "core_instructional_program": ("2025-10-08", "2025-10-27"),
    "assessment": ("2025-10-08", "2025-10-27"),
    "interventions_and_supports": ("2025-10-29", "2025-11-17"),
}
PRIORITY_DAYS = ("2025-11-19", "2025-12-08")  # homework after meeting 4
CONSENSUS_DAY = {"data_based_decision_making": "2025-10-07", "cultural_responsiveness": "2025-10-07",
                 "core_instructional_program": "2025-10-28", "assessment": "2025-10-28",
                 "interventions_and_supports": "2025-11-18"}

# Where the team landed on each indicator (index into RATING_SCALE) ...
AGREED = {"DB-1": 1, "DB-2": 0, "DB-3": 1, "DB-4": 0, "CR-1": 1, "CR-2": 0, "CR-3": 1, "CR-4": 1,
          "CI-1": 1, "CI-2": 2, "CI-3": 1, "CI-4": 0, "AS-1": 2, "AS-2": 1, "AS-3": 1, "AS-4": 1,
          "IS-1": 1, "IS-2": 1, "IS-3": 0, "IS-4": 0, "IS-5": 1}
# ... and how members' homework ratings leaned: leaders and staff who run a practice see it
# more kindly than the parent and student who live with it.
LEAN = {"Samuel Okafor": 1, "Priya Raman": 0, "Tom Becker": 0, "Angela Brooks": 0, "Marcus Lee": 0,
        "Karen Nguyen": 0, "Denise Park": 0, "Maria Delgado": -1, "Jordan Ellis": -1}
# Indicators the team argued about: some ratings two levels apart.
CONTESTED = {"CR-2", "CI-1", "IS-2", "DB-3", "CI-4"}
SKIPPED = {("Jordan Ellis", "DB-4"), ("Jordan Ellis", "AS-2"), ("Denise Park", "CI-3")}

HOMEWORK_NOTES = {  # (member, indicator): (evidence, notes)
    ("Maria Delgado", "CR-2"): ("Every letter about my son's IEP came in English, and the meetings are at 2 pm.",
                                "Ask how many parents of students with IEPs came to anything this year."),
    ("Samuel Okafor", "CR-2"): ("We send a newsletter in English and Spanish and hold two open houses.", ""),
    ("Maria Delgado", "IS-4"): ("Nobody told us about the credit requirements until 11th grade.", ""),
    ("Jordan Ellis", "IS-2"): ("Friends with IEPs get sent home for things others get a warning for.", ""),
    ("Priya Raman", "CI-1"): ("Most of my English 9 sections include students with IEPs.",
                              "But the co-teacher is pulled out for testing about once a week."),
    ("Tom Becker", "CI-1"): ("About a third of our students with IEPs take core courses in a separate room.", ""),
    ("Tom Becker", "CI-4"): ("Our common planning period was cut when the schedule changed last year.",
                             "We plan in the hallway between classes."),
    ("Samuel Okafor", "CI-4"): ("Co-teaching pairs have a shared prep on paper.", ""),
    ("Angela Brooks", "IS-3"): ("The attendance report comes out monthly; by then students have missed weeks.",
                                "I have 410 students on my caseload."),
    ("Marcus Lee", "DB-1"): ("Graduation by group goes to the board every fall, district total only.", ""),
    ("Marcus Lee", "DB-3"): ("Course grades are in the system within a week, but no report pulls them by group.",
                             "I can build an early-warning report if someone will use it."),
    ("Marcus Lee", "IS-5"): ("No intervention has been evaluated by group since 2021.", ""),
    ("Denise Park", "CR-1"): ("Young people at the center say few teachers know what happens outside school.", ""),
    ("Karen Nguyen", "AS-3"): ("Testing accommodations are in IEPs; nobody checks they are given on test day.", ""),
}
CHANGED_MIND = (  # (member, indicator, new rating index, note, day)
    ("Samuel Okafor", "CI-4", 1, "Changed after talking with Tom: the shared prep is often lost.", "2025-10-27"),
    ("Jordan Ellis", "IS-3", 0, "Asked friends: nobody was contacted before failing a class.", "2025-11-16"),
)

CONSENSUS = {  # indicator: (evidence, notes, further data)
    "DB-1": ("Graduation by group reaches the board once a year, for the district only.",
             "Schools never see their own results by group.", ""),
    "DB-2": ("Only the graduation rate was discussed in the last two annual reviews.", "", ""),
    "DB-3": ("Data are in the system quickly, but no routine report puts them in front of counselors.",
             "Marcus showed course failures by grade at meeting 3: half of the 9th graders with IEPs failed "
             "a core course in the fall.", "Course failures by grade and group (brought to meeting 3)."),
    "DB-4": ("No record of decisions about students with disabilities and their graduation.", "", ""),
    "CR-1": ("Two one-off trainings in the last two years; nothing in classrooms since.", "", ""),
    "CR-2": ("IEP letters only in English; meetings in school hours; one parent of a student with an IEP "
             "attended the last open house.", "Staff and parents saw this very differently.",
             "Attendance of families of students with IEPs at school events and IEP meetings, by language."),
    "CR-3": ("Some English classes chose new texts; no shared review.", "", ""),
    "CR-4": ("Suspensions were reviewed by race once in 2023, never by disability.", "",
             "Out-of-school suspension days of students with IEPs against other students, 2025."),
    "CI-1": ("A third of students with IEPs take core courses in a separate room.",
             "Teachers and the parent disagreed on how well supports follow students into classes.",
             "Minutes per week in general education classes for 9th and 10th graders with IEPs."),
    "CI-2": ("Walkthroughs check the agreed practices twice a year.", "", ""),
    "CI-3": ("Accommodations mostly added after a student struggles.", "", ""),
    "CI-4": ("Common planning time for co-teaching pairs was cut last year; pairs plan informally.",
             "The principal revised his rating after hearing the teachers.", ""),
    "AS-1": ("All 9th graders are screened in reading and math in September and January.", "", ""),
    "AS-2": ("Progress is measured monthly for students in interventions, without rules for acting on it.",
             "", ""),
    "AS-3": ("Accommodations are listed in IEPs but not checked on test day.", "", ""),
    "AS-4": ("Score reports go home with no explanation; some teachers regroup students from results.", "", ""),
    "IS-1": ("Interventions exist in reading and math; entry and exit rules differ by teacher.", "", ""),
    "IS-2": ("A reset room exists at the middle school only; removals remain the main response.",
             "Jordan's account of friends being sent home weighed in the discussion.",
             "Office referrals and removals by disability status, fall 2025."),
    "IS-3": ("Attendance and grade reports come monthly; nobody is named to act on them.",
             "The team saw this as the clearest lever for graduation.", ""),
    "IS-4": ("Transition plans start at 16 and rarely involve families before grade 11.", "", ""),
    "IS-5": ("No intervention evaluated by group since 2021.", "", ""),
}

PRIORITIES = {
    "Maria Delgado": ("CR-2", "IS-4", "IS-3"), "Jordan Ellis": ("IS-2", "IS-3", "CR-2"),
    "Priya Raman": ("CI-4", "CI-1", "IS-3"), "Tom Becker": ("CI-4", "IS-4", "CI-1"),
    "Angela Brooks": ("IS-3", "DB-3", "IS-4"), "Samuel Okafor": ("CI-4", "IS-3", "IS-2"),
    "Denise Park": ("CR-2", "IS-2", "IS-4"), "Karen Nguyen": ("IS-4", "IS-3", "CR-2"),
    "Marcus Lee": ("DB-3", "IS-3", "IS-5"),
}

ROOT_CAUSES = (
    ("Warning signs (absences, failed courses) of 9th and 10th graders with IEPs reach nobody whose job is to "
     "act on them, so help starts after students have already lost credits.", ("IS-3", "DB-3"),
     "Most marked in the tally."),
    ("General and special education teachers have no protected time to plan together, so co-taught core "
     "courses do not give students with IEPs the support their plans promise.", ("CI-4", "CI-1"), ""),
    ("Families learn about diploma options and credit requirements too late, in English only and at times they "
     "cannot come, so transition planning happens without them.", ("IS-4", "CR-2"), ""),
    ("Students with IEPs are sent home for incidents that lead to a warning for others, and lose class time "
     "they cannot make up.", ("IS-2", "CR-4"), "Check with the suspension data the team asked for."),
)

GOALS = (
    {"smart": "By August 31, 2027, raise the four-year graduation rate of students with disabilities in "
               "Riverside Unified from 71.6% (class of 2025) to 78.0% (class of 2027), as measured by the "
               "state's adjusted cohort graduation rate.",
         "outcome": "graduation", "group": "Students with disabilities", "measure": "rate",
         "comparison": "all other children", "baseline": 0.716, "baseline_date": "2025-08-31", "target": 0.78,
         "target_date": "2027-08-31"},
    {"smart": "By August 31, 2027, narrow the gap in four-year graduation between students with disabilities "
               "and all other students from 19.1 percentage points (class of 2025) to 12 points or less.",
         "outcome": "graduation", "group": "Students with disabilities", "measure": "difference",
         "comparison": "all other children", "baseline": -0.191, "baseline_date": "2025-08-31", "target": -0.12,
         "target_date": "2027-08-31"},
)

ACTIVITIES = (  # (goal number, key, fields)
    (1, "warning", {
        "description": "Weekly early-warning review of attendance, behaviour and course grades for 9th and 10th "
                    "graders with IEPs; each flagged student has a named adult within one week.",
        "person": "Angela Brooks", "start": "2026-02-02", "due": "2026-06-12",
        "resources": "Counselor time (2 hours a week); early-warning report from the student information system",
        "measure": "Flagged students with a named adult within 7 days (goal: 90%)"}),
    (1, "recovery", {
        "description": "After-school credit recovery twice a week, with a special education teacher in the room.",
        "person": "Tom Becker", "start": "2026-02-09", "due": "2026-06-12",
        "resources": "Two teacher stipends; 12 online course licences",
        "measure": "Credits recovered by students with IEPs (goal: 40 this spring)"}),
    (1, "reset", {
        "description": "Replace out-of-school suspension for minor incidents with an in-school reset room and "
                    "restorative conferences.",
        "person": "Samuel Okafor", "start": "2026-01-26", "due": "2026-06-12",
        "resources": "One paraprofessional; two days of training in restorative conferences",
        "measure": "Out-of-school suspension days of students with IEPs, against the same months of 2025"}),
    (2, "coplan", {
        "description": "A protected common planning period for the co-teaching pairs in English 9, Algebra 1 and "
                    "Biology.",
        "person": "Samuel Okafor", "start": "2026-03-01", "due": "2027-06-11",
        "resources": "Master schedule change for 2026-27; three paid summer planning days per pair",
        "measure": "Co-planning sessions held per pair per month (goal: 3)"}),
    (2, "pathway", {
        "description": "Review the graduation pathway at every IEP meeting from grade 8 on, with a one-page guide "
                    "to diploma options in English and Spanish.",
        "person": "Karen Nguyen", "start": "2026-02-01", "due": "2026-12-18",
        "resources": "Translation of the guide; 2 hours of training for case managers",
        "measure": "IEPs for grades 8-12 with a recorded pathway review (goal: 95%)"}),
    (2, "families", {
        "description": "Three family evenings on graduation requirements and life after school, with childcare "
                    "and Spanish interpretation.",
        "person": "Denise Park", "start": "2026-03-01", "due": "2026-11-30",
        "resources": "Youth Center meeting room; childcare; interpreter; $600 for food",
        "measure": "Families of students with IEPs attending (goal: 40 over three evenings)"}),
)

# The notes model what a team should write for a room that includes parents: no count of
# children that, with another count beside it, gives a group smaller than 10 by subtraction
# ("46 flagged, 41 with an adult" would tell that 5 were left without one).
PROGRESS = (  # (day, activity key, status, note)
    ("2026-02-24", "warning", "In progress", "First four weekly reviews held; 19 flagged students had a "
                                             "named adult within a week."),
    ("2026-02-24", "recovery", "In progress", "Started with 14 students; 80% attendance so far."),
    ("2026-02-24", "reset", "In progress", "Reset room open since January 26: 11 referrals; no out-of-school "
                                           "suspension for a minor incident since the staff training."),
    ("2026-03-31", "warning", "", "29 flagged students had a named adult within a week."),
    ("2026-03-31", "pathway", "In progress", "Guide drafted; the Spanish translation is being reviewed by two "
                                             "parents."),
    ("2026-03-31", "families", "In progress", "First evening on March 19: 17 families, about half of them of "
                                              "students with IEPs."),
    ("2026-03-31", "coplan", "In progress", "The draft 2026-27 master schedule gives all three pairs a common "
                                            "period."),
    ("2026-04-14", "recovery", "", "11 credits recovered so far."),
    ("2026-06-30", "warning", "In progress", "End of the year: 41 flagged students had a named adult within a "
                                             "week, close to the 90% goal. Grade 11 added for next year."),
    ("2026-06-30", "recovery", "Completed", "Spring session finished: 29 credits recovered by 17 students "
                                            "(goal 40). Summer session approved."),
    ("2026-06-30", "reset", "In progress", "Out-of-school suspension days of students with IEPs, February to "
                                           "May: 38, against 71 in the same months of 2025."),
    ("2026-06-30", "pathway", "", "12 of 14 case managers trained; pathway reviewed at 37 of 52 spring IEP "
                                  "meetings (71%)."),
    ("2026-06-30", "families", "", "Second evening on June 4: 22 families. The third is set for October."),
    ("2026-09-29", "coplan", "In progress", "Common period running for all three pairs since August 24; "
                                            "September logs show 3, 3 and 2 sessions."),
    ("2026-09-29", "warning", "In progress", "Restarted September 8 with grades 9 to 11; the first 17 flagged "
                                             "students all had a named adult within a week."),
    ("2026-09-29", "reset", "Completed", "Reset room and restorative conferences are now school policy; "
                                         "monitoring moves to the discipline report."),
)

MEASUREMENTS = (  # (goal number, day, value, note)
    (1, "2026-08-31", 0.742, "Class of 2026, from the district's cohort file before state certification."),
    (2, "2026-08-31", -0.158, "Class of 2026 against all other students, same source."),
)


class _Clock:
    """A clock the builder moves forward by hand: one minute per change on the day set.

    Hours are the district's local time (workbook.yml's ``timezone``), as the meetings' are: a
    consensus entered at 4 pm on a meeting day is entered during that meeting, so that
    meeting's handout shows it (``history.as_of_meeting``) and the one before does not.
    """

    def __init__(self, timezone: str = ""):
        self.zone = ZoneInfo(timezone) if timezone else UTC
        self.now = datetime(2025, 9, 16, tzinfo=UTC)

    def day(self, iso: str, hour: int = 18) -> None:
        self.now = datetime.fromisoformat(iso).replace(hour=hour, tzinfo=self.zone).astimezone(UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def _day_between(rng: random.Random, days: tuple[str, str]) -> str:
    first, last = (datetime.fromisoformat(d) for d in days)
    return (first + timedelta(days=rng.randrange((last - first).days + 1))).date().isoformat()


def build(store: Store, rubric: Rubric) -> None:
    """Replay the demo team's seven meetings into an empty store."""
    clock: _Clock = store.clock  # type: ignore[assignment]
    rng = random.Random(SEED)
    clock.day("2025-09-16", 16)
    team = _team()
    for name, role, email in team:
        store.add_member(name, role, email, by=FACILITATOR)

    # Homework ratings, each member on a day of their own between meetings.
    drift = {id: rng.choice((-1, 1)) for id in AGREED}  # the way doubt leans on each indicator
    for section in rubric.sections:
        for name, *_ in team:
            clock.day(_day_between(rng, HOMEWORK[section.id]), 19 + rng.randrange(3))
            for indicator in section.indicators:
                if (name, indicator.id) in SKIPPED:
                    continue
                # Elsewhere ratings differ by one level at most: each member either agrees or
                # drifts one level the indicator's way (more likely if they lean that way).
                leaning = LEAN[name] == drift[indicator.id]
                shift = drift[indicator.id] if rng.random() < (0.6 if leaning else 0.2) else 0
                level = AGREED[indicator.id] + shift
                if indicator.id in CONTESTED and LEAN[name]:
                    level = AGREED[indicator.id] + 2 * LEAN[name]
                level = min(max(level, 0), len(RATING_SCALE) - 1)
                evidence, notes = HOMEWORK_NOTES.get((name, indicator.id), ("", ""))
                store.set_rating(name, indicator.id, RATING_SCALE[level], evidence=evidence, notes=notes)
    for name, indicator, level, note, day in CHANGED_MIND:
        clock.day(day, 21)
        store.set_rating(name, indicator, RATING_SCALE[level], notes=note)

    # Consensus, section by section, at meetings 2 to 4; DB-3 revised when further data came.
    for section in rubric.sections:
        clock.day(CONSENSUS_DAY[section.id], 16)
        for indicator in section.indicators:
            evidence, notes, further = CONSENSUS[indicator.id]
            level = AGREED[indicator.id] + (1 if indicator.id == "DB-3" else 0)
            store.set_consensus(indicator.id, RATING_SCALE[level], evidence=evidence,
                                notes="" if indicator.id == "DB-3" else notes,
                                further_data=further, by=FACILITATOR)
    clock.day(CONSENSUS_DAY["assessment"], 17)
    store.set_consensus("DB-3", RATING_SCALE[AGREED["DB-3"]], notes=CONSENSUS["DB-3"][1], by=FACILITATOR)

    # Priorities (homework after meeting 4), root causes (meeting 5), the plan (meeting 6).
    for name, marked in PRIORITIES.items():
        clock.day(_day_between(rng, PRIORITY_DAYS), 20)
        for indicator in marked:
            store.set_priority(name, indicator)
    clock.day("2025-12-09", 16)
    for statement, indicators, notes in ROOT_CAUSES:
        store.add_root_cause(statement, indicators, notes=notes, by=FACILITATOR)
    clock.day("2026-01-13", 16)
    goals = [store.add_goal(by=FACILITATOR, **fields) for fields in GOALS]
    activities = {key: store.add_activity(goals[number - 1], by=FACILITATOR, **fields)
                  for number, key, fields in ACTIVITIES}

    # Implementation: progress entries by each activity's lead, and the new graduation data.
    people = {key: fields["person"] for _, key, fields in ACTIVITIES}
    for day, key, status, note in PROGRESS:
        clock.day(day, 15)
        store.add_progress(activities[key], day, note, status=status, by=people[key])
    for number, day, value, note in MEASUREMENTS:
        clock.day(day, 10)
        store.add_measurement(goals[number - 1], day, value, note=note, by=DATA_LEAD)


def write(path: str | Path, rubric: Rubric | None = None) -> Path:
    """Build the demo team's work in a scratch store and export it to ``path`` (JSON)."""
    from .workbook import load

    clock = _Clock(load(WORKBOOK, check_files=False).timezone)
    with tempfile.TemporaryDirectory() as scratch, Store.open(Path(scratch), clock=clock) as store:
        build(store, rubric or load_rubric())
        return store.export_json(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m successgaps_lib.demo_teamwork",
                                     description="Rebuild the demo team's work (JSON export of the store).")
    parser.add_argument("target", type=Path, nargs="?", default=WORKBOOK / "team_work.json",
                        help="JSON file to write, or a folder to write team_work.json into "
                             "(default data/demo/workbook/team_work.json)")
    target = parser.parse_args(argv).target
    print(write(target / "team_work.json" if target.is_dir() else target))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
