"""The team's work as it stood at any moment (``history``), and handouts true to their meeting's day."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest

from successgaps_lib import history
from successgaps_lib import workbook as wbk
from successgaps_lib.errors import ConfigError
from successgaps_lib.groups import ACTIVITY_STATUSES, RATING_SCALE
from successgaps_lib.handouts import as_of_text, build_handouts
from successgaps_lib.meeting import Meeting
from successgaps_lib.store import SEED_NAME, Store
from tests.demo_copy import copy_demo_workbook
from tests.test_handout_content import executed, normalise, page

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo" / "workbook"
WORK = json.loads((DEMO / "team_work.json").read_text(encoding="utf-8"))["tables"]
UTC = dt.UTC


class Clock:
    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def demo_store() -> Store:
    store = Store.open(":memory:")
    store.import_json(DEMO / "team_work.json")
    return store


# --- Reading the history back ----------------------------------------------------------------------

def test_the_whole_history_gives_the_present_and_nothing_before_it(demo_store):
    assert history.state_at(demo_store, dt.datetime(2100, 1, 1, tzinfo=UTC)) == demo_store.snapshot()
    before = history.state_at(demo_store, dt.datetime(2000, 1, 1, tzinfo=UTC))
    assert all(rows == [] for rows in before.values())
    assert history.as_of(demo_store, dt.datetime(2100, 1, 1, tzinfo=UTC)) is demo_store  # no copy needed


def test_every_past_state_is_read_back_exactly(tmp_path):
    """Random edits (inserts, updates, deletes, clears) with a snapshot after each: the history
    gives back each snapshot, updated_at and history included."""
    rng = random.Random(11)
    clock = Clock(dt.datetime(2025, 9, 1, 16, tzinfo=UTC))
    store = Store.open(tmp_path, by="Karen", clock=clock)
    seen = []
    names = ["Ana Diaz", "Bo | Li", "Cy"]  # a name with the key separator in it
    for name in names:
        store.add_member(name, "parent")
    goal = store.add_goal("Raise graduation", outcome="graduation", group="Students with disabilities",
                          baseline=0.716, target=0.78)
    activities = [store.add_activity(goal, "Early warning")]
    causes: list[int] = []
    for step in range(120):
        clock.now += dt.timedelta(minutes=rng.choice((1, 7, 60 * 24)))
        action = rng.randrange(8)
        if action == 0:
            store.set_rating(rng.choice(names), rng.choice(["DB-1", "DB-2"]), rng.choice(("", *RATING_SCALE)),
                             evidence=rng.choice(("", "notes", None)))
        elif action == 1 and len(causes) < 5:
            causes.append(store.add_root_cause(f"cause {step}", ["IS-3"], notes=rng.choice(("", "n"))))
        elif action == 2 and causes:
            store.remove_root_cause(causes.pop(rng.randrange(len(causes))))
        elif action == 3 and causes:
            store.update_root_cause(rng.choice(causes), statement=f"changed {step}", notes="")
        elif action == 4:
            store.update_goal(goal, target=rng.choice((None, 0.8, 0.75)), baseline_date=rng.choice(("", "2025-08-31")))
        elif action == 5:
            store.add_progress(rng.choice(activities), "2026-02-24", f"note {step}",
                               status=rng.choice(("", *ACTIVITY_STATUSES)))
        elif action == 6:
            store.set_priority(rng.choice(names), "IS-3", rng.random() < 0.5)
        else:
            activities.append(store.add_activity(goal, f"activity {step}", due="2026-06-12"))
        seen.append((clock.now, store.snapshot()))
    for moment, snapshot in seen:
        assert history.state_at(store, moment) == snapshot, moment
        past = history.as_of(store, moment)
        assert past.snapshot() == snapshot  # a store that reads like the one of that moment


# --- The demo: each meeting sees what it saw ---------------------------------------------------------

def test_each_demo_meeting_sees_what_it_saw(demo_store):
    book = wbk.load(DEMO, check_files=False)
    assert book.timezone == "America/Chicago"
    at = {n: history.as_of_meeting(demo_store, book, n) for n in range(1, 8)}
    assert len(at[1].members()) == 9 and at[1].ratings().empty
    assert set(at[2].consensus()["indicator"].str[:2]) == {"DB", "CR"}
    # DB-3 was agreed at meeting 2, revised at meeting 3 when the further data came.
    db3 = {n: at[n].consensus().set_index("indicator").loc["DB-3", "rating"] for n in (2, 3)}
    assert db3 == {2: "Implemented", 3: "Partially implemented"}
    assert at[4].priorities().empty and len(at[5].priorities()) == len(WORK["priorities"])
    assert at[4].root_causes().empty and len(at[5].root_causes()) == len(WORK["root_causes"])
    assert at[5].goals().empty and at[5].activities().empty  # the plan is meeting 6's work
    assert len(at[6].activities()) == len(WORK["activities"])
    assert set(at[6].activities()["status"]) == {"Not started"} and at[6].progress().empty
    meeting7 = book.meeting(7).date.isoformat()
    shown = at[7].progress()
    assert len(shown) == sum(p["date"] <= meeting7 for p in WORK["progress"]) > 0
    assert (shown["date"] <= meeting7).all()
    assert "Completed" not in set(at[7].activities()["status"])  # completed in June and September
    assert at[7].measurements().empty  # the class of 2026 graduated after meeting 7


def test_a_meeting_not_yet_over_shows_the_work_as_it_is_now(demo_store):
    book = wbk.load(DEMO, check_files=False)
    during = lambda: dt.datetime(2025, 12, 9, 17, 0, tzinfo=book.moment(book.meeting(5).end).tzinfo)  # noqa: E731
    assert history.meeting_moment(book, 5, during) == during().astimezone(UTC)
    assert "has not ended yet" in as_of_text(book, 5, during)
    assert "at the end of this meeting, Tuesday, December 9, 2025, 6:00 PM" in as_of_text(book, 5)
    before = lambda: dt.datetime(2026, 4, 14, 12, tzinfo=UTC)  # noqa: E731 - the morning of meeting 7
    assert history.as_of_meeting(demo_store, book, 7, before).snapshot() == history.state_at(demo_store, before())


def test_timezone_is_checked(tmp_path):
    with pytest.raises(ConfigError, match=r"key 'timezone': 'Mars/Olympus' is not a time zone"):
        copy_demo_workbook(tmp_path, edit=lambda t: t.replace("America/Chicago", "Mars/Olympus"))
        wbk.load(tmp_path / "workbook")


# --- Reprinting an old meeting's handout ------------------------------------------------------------

@pytest.mark.slow
def test_meeting_5_reprints_unchanged_after_the_plan_and_progress(tmp_path):
    folder = copy_demo_workbook(tmp_path)
    with Store.open(folder) as store:  # a store file with the demo's work (as a dashboard starts it), taking new work
        assert store.seed(folder / SEED_NAME)
    build_handouts(folder, 5, out=tmp_path / "first", documents=["handout"], pdf=False, progress=False)
    with Store.open(folder, by="Karen Nguyen") as store:  # later work, by today's clock
        goal = store.add_goal("By 2028, raise the graduation rate of students with disabilities to 85%.",
                              outcome="graduation", group="Students with disabilities", baseline=0.716, target=0.85)
        activity = store.add_activity(goal, "Summer bridge course for rising 9th graders with IEPs",
                                      person="Tom Becker", status="In progress")
        store.add_progress(activity, dt.date.today(), "Bridge course planned with 25 places.", status="Completed")
        store.update_root_cause(int(store.root_causes()["id"].iloc[0]), statement="A root cause reworded later.")
    build_handouts(folder, 5, out=tmp_path / "again", documents=["handout"], pdf=False, progress=False)
    first, again = normalise(executed(tmp_path / "first", 5)), normalise(executed(tmp_path / "again", 5))
    assert first == again
    text = page(tmp_path / "again", 5)
    assert "Summer bridge course" not in text and "A root cause reworded later." not in text
    assert WORK["root_causes"][0]["statement"] in text
    assert "as it stood at the end of this meeting" in text
    assert "A root cause reworded later." not in Meeting.open(folder, 5).root_causes().text
    with Store.open(folder) as store:  # the later work is kept, for the meetings that come after
        assert "A root cause reworded later." in set(store.root_causes()["statement"])
