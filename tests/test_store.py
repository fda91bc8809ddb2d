"""The team-work store: every change saved at once with its history, safe under concurrent
kernels and killed processes, versioned, and exported/imported exactly."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from successgaps_lib import demo_teamwork
from successgaps_lib import store as store_module
from successgaps_lib.errors import InputError
from successgaps_lib.groups import MAX_ROOT_CAUSES, RATING_SCALE, ROLES
from successgaps_lib.rubric import load_rubric
from successgaps_lib.store import DEFAULT_NAME, SCHEMA_VERSION, TABLES, Store, TeamWorkError
from successgaps_lib.teamwork import progress_against_target, side_by_side
from tests.clock import TickingClock

ROOT = Path(__file__).resolve().parents[1]
DEMO_WORK = ROOT / "data" / "demo" / "workbook" / "team_work.json"




@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path, by="Facilitator", clock=TickingClock(datetime(2025, 10, 7, 16, 0, tzinfo=UTC))) as s:
        s.add_member("Ana Diaz", "parent", "ana@example.org")
        s.add_member("Ben Okoro", "leader")
        yield s


def fill(s: Store) -> None:
    """Some of everything, with text that is hard to carry through JSON and CSV."""
    s.set_meta("team", "Riverside graduation team")
    s.set_rating("Ana Diaz", "DB-1", "Planning", evidence='Letters only in English, "always"', notes="a, b\nc")
    s.set_rating("Ben Okoro", "DB-1", "Implemented", evidence="Board sees the data — yearly")
    s.set_consensus("DB-1", "Partially implemented", evidence="é ü 中文", further_data="Attendance by group")
    s.set_priority("Ana Diaz", "DB-1")
    s.add_root_cause("No one acts on warning signs", ["IS-3", "DB-3"], notes="=1+1 (not a formula)")
    goal = s.add_goal("Raise graduation", outcome="GRAD", group="SWD", baseline=0.1 + 0.2, target=0.78,
                      baseline_date=date(2025, 8, 31), target_date="2027-08-31")
    s.add_goal("Blank goal")
    activity = s.add_activity(goal, "Early warning", person="Ben Okoro", start="2026-02-01", due="2026-06-12",
                              resources="", measure="share with an adult", status="In progress")
    s.add_progress(activity, "2026-03-31", "29 of 31", status="Completed")
    s.add_measurement(goal, "2026-08-31", 0.742, note="class of 2026")


# --- Opening ---------------------------------------------------------------------------------

def test_open_creates_one_file_in_the_workbook_folder_with_wal_and_the_schema_version(tmp_path):
    with Store.open(tmp_path) as s:
        assert s.path == tmp_path / DEFAULT_NAME
        assert s.schema_version == SCHEMA_VERSION
        assert s._read("PRAGMA journal_mode")[0][0] == "wal"
        assert s._read("PRAGMA busy_timeout")[0][0] >= 10_000
        assert s.is_empty()
    with sqlite3.connect(tmp_path / DEFAULT_NAME) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    raw.close()
    assert set(TABLES) <= tables


def test_a_missing_folder_and_files_that_are_not_stores_are_refused(tmp_path):
    with pytest.raises(TeamWorkError, match="does not exist"):
        Store.open(tmp_path / "no" / "such" / "file.sqlite")
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(TeamWorkError, match="not a team-work store"):
        Store.open(garbage)
    other = tmp_path / "other.sqlite"
    raw = sqlite3.connect(other)
    raw.execute("CREATE TABLE t (x)")
    raw.commit()
    raw.close()
    with pytest.raises(TeamWorkError, match="not a team-work store"):
        Store.open(other)


def test_a_file_from_a_newer_version_is_refused(tmp_path):
    Store.open(tmp_path).close()
    raw = sqlite3.connect(tmp_path / DEFAULT_NAME)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(TeamWorkError, match="newer version"):
        Store.open(tmp_path)


def test_migrations_upgrade_an_older_file_when_it_is_opened(tmp_path, monkeypatch):
    with Store.open(tmp_path, by="x") as s:
        s.add_member("Ana Diaz", "parent")

    def add_column(con):
        con.execute("ALTER TABLE members ADD COLUMN phone TEXT NOT NULL DEFAULT ''")

    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setattr(store_module, "MIGRATIONS", {SCHEMA_VERSION: add_column})
    with Store.open(tmp_path) as s:
        assert s.schema_version == SCHEMA_VERSION + 1
        assert s.members().columns.tolist() == ["name", "role", "email", "updated_at", "phone"]
        assert s.members()["name"].tolist() == ["Ana Diaz"]  # data kept
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 2)
    with pytest.raises(TeamWorkError, match="no migration"):
        Store.open(tmp_path)


# --- Changes and their history -------------------------------------------------------------------

def test_a_rating_is_saved_at_once_and_visible_to_another_kernel(store, tmp_path):
    assert store.set_rating("Ana Diaz", "DB-1", "Planning", evidence="letters")
    with Store.open(tmp_path) as other:  # another kernel: a separate connection
        row = other.ratings().iloc[0]
        assert (row.member, row.indicator, row.rating, row.evidence, row.notes) == (
            "Ana Diaz", "DB-1", "Planning", "letters", "")


def test_arguments_left_out_keep_their_value_and_an_empty_rating_clears_it(store):
    store.set_rating("Ana Diaz", "DB-1", "Planning", evidence="letters", notes="ask")
    store.set_rating("Ana Diaz", "DB-1", notes="asked")
    row = store.ratings("Ana Diaz").iloc[0]
    assert (row.rating, row.evidence, row.notes) == ("Planning", "letters", "asked")
    store.set_rating("Ana Diaz", "DB-1", "")
    assert store.ratings().iloc[0].rating == ""


def test_history_records_who_when_what_from_and_to(store):
    store.set_rating("Ana Diaz", "DB-1", "Planning")
    store.set_rating("Ana Diaz", "DB-1", "Implemented", by="Ben Okoro")
    history = store.history("ratings")
    assert history[["who", "action", "key", "field", "old", "new"]].values.tolist() == [
        ["Ana Diaz", "insert", "Ana Diaz | DB-1", "rating", "", "Planning"],
        ["Ben Okoro", "update", "Ana Diaz | DB-1", "rating", "Planning", "Implemented"],
    ]
    # The clock started at 16:00:00 and moves a second per change: two members, then these two.
    assert history["at"].tolist() == ["2025-10-07T16:00:03+00:00", "2025-10-07T16:00:04+00:00"]
    assert store.ratings().iloc[0].updated_at == "2025-10-07T16:00:04+00:00"
    assert store.history(key="Ana Diaz | DB-1")["id"].tolist() == history["id"].tolist()


def test_revision_grows_with_every_change_seen_from_any_kernel(store, tmp_path):
    with Store.open(tmp_path) as other:
        start = other.revision()
        assert start == store.revision() > 0  # the fixture's two members
        store.set_rating("Ana Diaz", "DB-1", "Planning")
        assert other.revision() > start
        seen = other.revision()
        store.set_rating("Ana Diaz", "DB-1", "Planning")  # no change, no new revision
        assert other.revision() == seen
    with Store.open(tmp_path / "empty.sqlite") as empty:
        assert empty.revision() == 0


def test_roster_adds_new_names_only_and_keeps_what_the_store_says(store):
    store.add_member("Ana Diaz", "special_education_teacher", "ana@school.example")
    added = store.add_roster([("Ana Diaz", "parent", ""), ("Cy Moss", "leader", "cy@x.example")], by="workbook.yml")
    assert added == 1
    members = store.members().set_index("name")
    assert members.loc["Ana Diaz", "role"] == "special_education_teacher"  # the team's change stays
    assert members.loc["Cy Moss", "role"] == "leader"
    assert store.add_roster([("Cy Moss", "leader", "cy@x.example")]) == 0
    assert set(store.history("members").query("key == 'Cy Moss'")["who"]) == {"workbook.yml"}


def test_a_change_that_changes_nothing_writes_no_history(store):
    store.set_rating("Ana Diaz", "DB-1", "Planning")
    before = len(store.history())
    assert store.set_rating("Ana Diaz", "DB-1", "Planning") is False
    assert len(store.history()) == before


def test_bad_values_are_refused_and_nothing_is_written(store):
    before = len(store.history())
    with pytest.raises(TeamWorkError, match="not a rating"):
        store.set_rating("Ana Diaz", "DB-1", "Great")
    with pytest.raises(TeamWorkError, match="not on the team"):
        store.set_rating("Nobody", "DB-1", "Planning")
    with pytest.raises(TeamWorkError, match="not a team role"):
        store.add_member("Cy", "janitor")
    with pytest.raises(TeamWorkError, match="not a date"):
        store.add_goal("g", target_date="next spring")
    with pytest.raises(TeamWorkError, match="not an outcome"):
        store.add_goal("g", outcome="happiness")
    with pytest.raises(TeamWorkError, match="not a number"):
        store.add_goal("g", baseline="62%")
    with pytest.raises(TeamWorkError, match="no field 'colour'"):
        store.add_goal("g", colour="red")
    assert len(store.history()) == before
    assert store.ratings().empty and store.goals().empty


def test_roles_may_be_given_by_id_or_label_and_a_member_with_ratings_stays(store):
    store.add_member("Cy Ng", ROLES["community"].label)
    assert store.members().set_index("name").loc["Cy Ng", "role"] == "community"
    store.remove_member("Cy Ng")
    store.set_rating("Ana Diaz", "DB-1", "Planning")
    with pytest.raises(TeamWorkError, match="stay on the roster"):
        store.remove_member("Ana Diaz")
    assert store.members()["name"].tolist() == ["Ana Diaz", "Ben Okoro"]


def test_priorities_are_marked_and_unmarked_with_history(store):
    store.set_priority("Ana Diaz", "IS-3")
    store.set_priority("Ben Okoro", "IS-3")
    store.set_priority("Ana Diaz", "IS-3", False)
    assert store.priorities()[["member", "indicator"]].values.tolist() == [["Ben Okoro", "IS-3"]]
    assert store.history("priorities")["action"].tolist() == ["insert", "insert", "delete"]


def test_a_sixth_root_cause_is_refused_with_the_reason(store):
    ids = [store.add_root_cause(f"cause {n}", ["IS-3"]) for n in range(MAX_ROOT_CAUSES)]
    with pytest.raises(TeamWorkError) as refused:
        store.add_root_cause("one more")
    assert f"at most {MAX_ROOT_CAUSES} actionable root causes" in str(refused.value)
    assert "remove or merge one" in str(refused.value)
    assert len(store.root_causes()) == MAX_ROOT_CAUSES
    store.update_root_cause(ids[0], statement="merged cause", indicators="IS-3, DB-3")
    store.remove_root_cause(ids[1])
    store.add_root_cause("now there is room")
    causes = store.root_causes()
    assert len(causes) == MAX_ROOT_CAUSES
    assert causes.set_index("id").loc[ids[0], "indicators"] == "IS-3, DB-3"


def test_the_plan_progress_and_measurements(store):
    goal = store.add_goal("Raise graduation", outcome="Graduation rate", group="WDIS", baseline=0.716,
                          target=0.78, baseline_date="2025-08-31", target_date=date(2027, 8, 31))
    row = store.goals().iloc[0]
    assert (row.outcome, row.group, row.measure, row.target_date) == (
        "graduation", "Students with disabilities", "rate", "2027-08-31")
    activity = store.add_activity(goal, "Early warning", person="Ben Okoro", start="2026-02-02")
    assert store.activities(goal).iloc[0].status == "Not started"
    with pytest.raises(TeamWorkError, match="not an activity status"):
        store.update_activity(activity, status="Done-ish")
    with pytest.raises(TeamWorkError, match="no goal"):
        store.add_activity(99, "orphan")
    store.add_progress(activity, "2026-02-24", "started", status="In progress", by="Ben Okoro")
    store.add_progress(activity, date(2026, 3, 31), "no change")
    assert store.activities().iloc[0].status == "In progress"  # the entry's status became the activity's
    assert store.progress(activity)[["date", "status"]].values.tolist() == [
        ["2026-02-24", "In progress"], ["2026-03-31", ""]]
    status_change = store.history("activities").iloc[-1]
    assert (status_change.who, status_change.old, status_change.new) == ("Ben Okoro", "Not started", "In progress")
    store.add_measurement(goal, "2026-08-31", 0.742)
    assert store.measurements(goal).iloc[0].value == 0.742
    store.update_goal(goal, baseline=None)
    assert store.goals().baseline.isna().all()
    with pytest.raises(TeamWorkError, match="still has 1 activities"):
        store.remove_goal(goal)
    with pytest.raises(TeamWorkError, match="Discontinued"):
        store.remove_activity(activity)


# --- Export and import ---------------------------------------------------------------------------

def test_json_export_import_export_gives_identical_bytes(store, tmp_path):
    fill(store)
    first = store.export_json(tmp_path / "a.json")
    with Store.open(tmp_path / "copy.sqlite") as copy:
        copy.import_json(first)
        second = copy.export_json(tmp_path / "b.json")
        assert copy.history().equals(store.history())  # history carried, none added
        assert copy.goals().equals(store.goals())
    assert first.read_bytes() == second.read_bytes()
    data = json.loads(first.read_text(encoding="utf-8"))
    assert data["schema_version"] == SCHEMA_VERSION and set(data["tables"]) == set(TABLES)


def test_csv_export_import_export_gives_identical_files_and_matches_json(store, tmp_path):
    fill(store)
    store.export_csv(tmp_path / "csv1")
    with Store.open(tmp_path / "copy.sqlite") as copy:
        copy.import_csv(tmp_path / "csv1")
        copy.export_csv(tmp_path / "csv2")
        copy.export_json(tmp_path / "from_csv.json")
    store.export_json(tmp_path / "direct.json")
    names = sorted(p.name for p in (tmp_path / "csv1").iterdir())
    assert names == sorted([*(f"{t}.csv" for t in TABLES), "schema_version.txt"])
    for name in names:
        assert (tmp_path / "csv1" / name).read_bytes() == (tmp_path / "csv2" / name).read_bytes(), name
    assert (tmp_path / "from_csv.json").read_bytes() == (tmp_path / "direct.json").read_bytes()


def test_import_refuses_a_store_that_already_holds_work_unless_told_to_replace(store, tmp_path):
    fill(store)
    path = store.export_json(tmp_path / "a.json")
    with pytest.raises(TeamWorkError, match="already holds team work"):
        store.import_json(path)
    store.set_rating("Ana Diaz", "XX-1", "Exemplary")
    store.import_json(path, replace=True)
    assert "XX-1" not in store.ratings()["indicator"].tolist()
    assert store.export_json(tmp_path / "b.json").read_bytes() == path.read_bytes()


def _broken(path: Path, change) -> Path:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    out = path.with_name("broken.json")
    out.write_text(json.dumps(data), encoding="utf-8")
    return out


IMPORT_MISTAKES = {
    "not an export": (lambda d: d.update(format="something else"), "not a team-work export"),
    "newer schema": (lambda d: d.update(schema_version=SCHEMA_VERSION + 1), "schema version"),
    "bad rating": (lambda d: d["tables"]["ratings"][0].update(rating="Great"), "'Great' is not a rating"),
    "missing column": (lambda d: d["tables"]["goals"][0].pop("target"), "table 'goals' has columns"),
    "text for a number": (lambda d: d["tables"]["goals"][0].update(baseline="62%"), "not a number"),
    "dangling activity": (lambda d: d["tables"]["activities"][0].update(goal=99), "FOREIGN KEY"),
    "six root causes": (lambda d: d["tables"]["root_causes"].extend(
        dict(d["tables"]["root_causes"][0], id=n) for n in range(10, 15)), "more than 5 root causes"),
}


@pytest.mark.parametrize("mistake", IMPORT_MISTAKES)
def test_a_bad_import_names_the_file_and_problem_and_changes_nothing(store, tmp_path, mistake):
    fill(store)
    change, expected = IMPORT_MISTAKES[mistake]
    path = _broken(store.export_json(tmp_path / "a.json"), change)
    with Store.open(tmp_path / "copy.sqlite") as copy, pytest.raises(InputError) as caught:
        copy.import_json(path)
    assert str(caught.value).startswith(str(path)) and expected in str(caught.value), str(caught.value)
    with Store.open(tmp_path / "copy.sqlite") as copy:
        assert copy.is_empty()


def test_a_bad_csv_cell_is_named_by_file_and_row(store, tmp_path):
    fill(store)
    folder = store.export_csv(tmp_path / "csv")
    goals = (folder / "goals.csv").read_text(encoding="utf-8").replace("0.78", "lots")
    (folder / "goals.csv").write_text(goals, encoding="utf-8")
    with Store.open(tmp_path / "copy.sqlite") as copy, pytest.raises(InputError) as caught:
        copy.import_csv(folder)
    assert str(caught.value).startswith(str(folder / "goals.csv") + ", row 2") and "target" in str(caught.value)


# --- Several kernels, and a kernel killed mid-write ---------------------------------------------

WRITES = 200


def _concurrent_writer(path: str, worker: int, activity: int, start) -> None:
    start.wait()
    with Store.open(path, by=f"W{worker}") as s:
        for i in range(WRITES):
            kind = i % 3
            if kind == 0:  # a row of one's own
                s.set_rating(f"W{worker}", f"I-{i:03d}", RATING_SCALE[i % 4], notes=f"{worker}-{i}")
            elif kind == 1:  # rows appended to the same activity
                s.add_progress(activity, "2026-01-01", f"{worker}-{i}")
            else:  # the same field of the same row, contended
                s.set_consensus("SHARED", notes=f"{worker}-{i}")


def test_two_kernels_writing_200_times_each_lose_nothing(tmp_path):
    path = tmp_path / DEFAULT_NAME
    with Store.open(path) as s:
        for worker in range(2):
            s.add_member(f"W{worker}", "parent")
        activity = s.add_activity(s.add_goal("g"), "a")
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    workers = [context.Process(target=_concurrent_writer, args=(str(path), w, activity, start)) for w in range(2)]
    for p in workers:
        p.start()
    start.set()
    for p in workers:
        p.join(60)
        assert p.exitcode == 0
    expected = {kind: [(w, i) for w in range(2) for i in range(WRITES) if i % 3 == kind] for kind in range(3)}
    with Store.open(path) as s:
        ratings = s.ratings()
        assert sorted(ratings["notes"]) == sorted(f"{w}-{i}" for w, i in expected[0])
        assert sorted(s.progress(activity)["note"]) == sorted(f"{w}-{i}" for w, i in expected[1])
        # The contended field: every change is in the history, each from the value the one before left.
        chain = s.history("consensus", "SHARED")
        chain = chain[chain["field"] == "notes"]
        assert len(chain) == len(expected[2])
        assert chain["old"].tolist() == ["", *chain["new"].tolist()[:-1]]
        assert s.consensus().iloc[0].notes == chain["new"].iloc[-1]
        # History is complete: two fields per new rating, three per progress entry.
        assert len(s.history("ratings")) == 2 * len(expected[0])
        assert len(s.history("progress")) == 3 * len(expected[1])
        assert set(s.history("progress")["who"]) == {"W0", "W1"}
        assert s._read("PRAGMA integrity_check")[0][0] == "ok"


def _root_cause_adder(path: str, worker: int, start, results) -> None:
    start.wait()
    added = refused = 0
    with Store.open(path) as s:
        for n in range(MAX_ROOT_CAUSES):
            try:
                s.add_root_cause(f"cause {worker}-{n}")
                added += 1
            except TeamWorkError:
                refused += 1
    results.put((added, refused))


def test_two_kernels_adding_root_causes_at_once_cannot_exceed_the_limit(tmp_path):
    path = tmp_path / DEFAULT_NAME
    Store.open(path).close()
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    workers = [context.Process(target=_root_cause_adder, args=(str(path), w, start, results)) for w in range(2)]
    for p in workers:
        p.start()
    start.set()
    outcomes = [results.get(timeout=60) for _ in workers]
    for p in workers:
        p.join(60)
    assert sum(a for a, _ in outcomes) == MAX_ROOT_CAUSES
    assert sum(r for _, r in outcomes) == MAX_ROOT_CAUSES
    with Store.open(path) as s:
        assert len(s.root_causes()) == MAX_ROOT_CAUSES


def _write_until_killed(path: str, first: int, committed) -> None:
    with Store.open(path, by="doomed") as s:
        i = first
        while True:
            # A write of several rows: the rating and its three history rows commit together.
            s.set_rating("M", f"K-{i:06d}", RATING_SCALE[i % 4], evidence="x" * 4000, notes=str(i))
            committed.value = i + 1  # only after the commit returned
            i += 1


def test_a_kernel_killed_mid_write_leaves_exactly_the_committed_writes(tmp_path):
    path = tmp_path / DEFAULT_NAME
    with Store.open(path) as s:
        s.add_member("M", "parent")
    context = multiprocessing.get_context("spawn")
    done = 0
    for round, stop_after in enumerate((150, 400, 650)):
        committed = context.Value("q", done)
        child = context.Process(target=_write_until_killed, args=(str(path), done, committed))
        child.start()
        deadline = time.monotonic() + 60
        while committed.value < stop_after and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(0.0013 * round)  # land at another point of a write
        child.kill()  # SIGKILL: no cleanup, no rollback by Python
        child.join(10)
        reported = committed.value
        with Store.open(path) as s:
            assert s._read("PRAGMA integrity_check")[0][0] == "ok"
            found = sorted(int(n) for n in s.ratings("M")["notes"])
            # Every write the child saw committed is there, in order, with no gap; at most one more
            # (committed but killed before it could report it).
            assert found == list(range(len(found)))
            assert reported <= len(found) <= reported + 1
            assert len(s.history("ratings")) == 3 * len(found)  # no change without its history
            done = len(found)
    assert done >= 650


# --- The demo team's work ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    with Store.open(folder) as s:
        s.import_json(DEMO_WORK)
        yield s


def test_the_demo_team_work_imports_and_exports_to_the_same_bytes(demo, tmp_path):
    assert demo.export_json(tmp_path / "again.json").read_bytes() == DEMO_WORK.read_bytes()


def test_the_demo_team_work_is_what_its_builder_writes(tmp_path):
    assert demo_teamwork.write(tmp_path / "rebuilt.json").read_bytes() == DEMO_WORK.read_bytes()


def test_the_demo_team_is_the_workbook_roster_and_covers_the_required_roles(demo):
    workbook = yaml.safe_load((DEMO_WORK.parent / "workbook.yml").read_text(encoding="utf-8"))
    roster = sorted((m["name"], m["role"], m.get("email", "")) for m in workbook["team"])
    assert sorted(map(tuple, demo.members()[["name", "role", "email"]].values.tolist())) == roster
    required = {r.id for r in ROLES.values() if r.required}
    assert required <= set(demo.members()["role"])


def test_the_demo_team_rated_everything_disagreed_somewhere_and_agreed_on_all(demo):
    rubric = load_rubric()
    wide = side_by_side(demo, rubric)
    names = demo.members()["name"].tolist()
    assert ((wide[names] != "").sum(axis=1) >= len(names) - 1).all()  # all indicators, nearly everyone
    assert 2 <= wide["disagree"].sum() <= len(wide) // 2
    assert (wide["levels"] == 1).any()
    consensus = demo.consensus().set_index("indicator")
    assert set(consensus.index) == set(rubric.ids)
    assert (consensus["rating"] != "").all() and (consensus["evidence"] != "").all()
    assert (consensus["further_data"] != "").sum() >= 3
    assert demo.history("consensus")["action"].eq("update").any()  # a consensus revised on further data
    marks = demo.priorities()
    assert set(marks["member"]) == set(names)
    assert 4 <= len(demo.root_causes()) <= MAX_ROOT_CAUSES
    known = set(rubric.ids)
    assert all(set(c.split(", ")) <= known for c in demo.root_causes()["indicators"])


def test_the_demo_plan_targets_the_planted_gap(demo):
    planted = {g["id"]: g for g in yaml.safe_load((ROOT / "data/demo/planted_gaps.yml").read_text())["gaps"]}
    counts = planted["swd_graduation"]["observed"][2025]
    rate = counts["a_group"] / counts["n_group"]
    difference = rate - counts["a_comparison"] / counts["n_comparison"]
    goals = demo.goals()
    assert len(goals) == 2
    assert set(goals["outcome"]) == {"graduation"} and set(goals["group"]) == {"Students with disabilities"}
    by_measure = goals.set_index("measure")
    assert by_measure.loc["rate", "baseline"] == pytest.approx(rate, abs=5e-4)
    assert by_measure.loc["difference", "baseline"] == pytest.approx(difference, abs=5e-4)
    assert (goals["baseline_date"].str[:4] == "2025").all() and (goals["target_date"].str[:4] == "2027").all()
    assert (by_measure.loc["rate", "target"] > by_measure.loc["rate", "baseline"])
    assert (by_measure.loc["difference", "target"] > by_measure.loc["difference", "baseline"])  # gap narrows
    activities = demo.activities()
    assert 5 <= len(activities) <= 7 and set(activities["goal"]) == set(goals["id"])
    assert set(activities["person"]) <= set(demo.members()["name"])
    assert (activities["start"] <= activities["due"]).all() and (activities["resources"] != "").all()
    progress = demo.progress()
    quarters = {(d.year, (d.month - 1) // 3) for d in map(date.fromisoformat, progress["date"])}
    assert len(quarters) >= 3 and progress["date"].min() > goals["updated_at"].min()[:10]
    for m in demo.measurements().itertuples():
        goal = goals.set_index("id").loc[m.goal].to_dict()
        assert 0 < progress_against_target(goal, m.value, on=m.date).share < 1


def test_seed_imports_into_an_empty_store_only(tmp_path):
    export = tmp_path / "work.json"
    with Store.open(tmp_path / "a.sqlite") as source:
        source.add_member("Ana Ruiz", "parent")
        source.export_json(export)
    with Store.open(tmp_path / "b.sqlite") as store:
        assert store.seed(tmp_path / "missing.json") is False and store.is_empty()
        assert store.seed(export) is True
        assert list(store.members()["name"]) == ["Ana Ruiz"]
        assert store.seed(export) is False  # not empty any more: nothing imported twice
        assert len(store.members()) == 1


def test_seed_raises_on_a_bad_export(tmp_path):
    export = tmp_path / "work.json"
    with Store.open(tmp_path / "a.sqlite") as source:
        source.add_member("Ana Ruiz", "parent")
        source.export_json(export)
    export.write_text(export.read_text().replace('"parent"', '"astronaut"'))
    with Store.open(tmp_path / "b.sqlite") as store, pytest.raises(InputError, match="astronaut"):
        store.seed(export)
    with Store.open(tmp_path / "b.sqlite") as store:
        assert store.is_empty()  # nothing half-imported


# --- Routes: by which way a change reached the store ----------------------------------------------

def test_the_history_says_by_which_route_each_change_came(tmp_path):
    with Store.open(tmp_path, by="Karen", route="dashboard") as s:
        s.add_member("Ana Diaz", "parent")
        s.set_rating("Ana Diaz", "DB-1", "Planning")
        s.set_rating("Ana Diaz", "DB-2", "Exemplary", route="excel")
        routes = dict(zip(s.history()["key"] + " " + s.history()["field"], s.history()["route"], strict=True))
    assert routes["Ana Diaz role"] == "dashboard"
    assert routes["Ana Diaz | DB-1 rating"] == "dashboard"
    assert routes["Ana Diaz | DB-2 rating"] == "excel"
    with Store.open(tmp_path) as s, pytest.raises(TeamWorkError, match="not a route"):
        s.set_rating("Ana Diaz", "DB-3", "Planning", route="carrier pigeon")
    with pytest.raises(TeamWorkError, match="not a route"):
        Store.open(tmp_path, route="fax")


def test_a_store_of_schema_1_gains_routes_and_an_export_of_schema_1_still_imports(tmp_path):
    old = tmp_path / "old.sqlite"
    raw = sqlite3.connect(old)
    for statement in store_module._SCHEMA_V1.split(";"):
        if statement.strip():
            raw.execute(statement)
    raw.execute("INSERT INTO members VALUES ('Ana Diaz', 'parent', '', '2025-09-01T00:00:00+00:00')")
    raw.execute("INSERT INTO history (at, who, action, \"table\", key, field, old, new) VALUES "
                "('2025-09-01T00:00:00+00:00', 'Karen', 'insert', 'members', 'Ana Diaz', 'role', '', 'parent')")
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()
    with Store.open(old) as s:
        assert s.schema_version == SCHEMA_VERSION
        assert s.history()["route"].tolist() == [""]
        s.set_rating("Ana Diaz", "DB-1", "Planning", route="paper")
        assert s.history()["route"].tolist() == ["", "paper"]
    export = json.loads(DEMO_WORK.read_text(encoding="utf-8"))
    export["schema_version"] = 1
    for row in export["tables"]["history"]:
        del row["route"]
    (tmp_path / "v1.json").write_text(json.dumps(export), encoding="utf-8")
    with Store.open(tmp_path / "new.sqlite") as s:
        s.import_json(tmp_path / "v1.json")
        assert len(s.history()) == len(export["tables"]["history"]) and set(s.history()["route"]) == {""}
