"""What a meeting shows (successgaps_lib.meeting and its parts), without running a notebook.

Expected figures come from the demo's own record of what it planted (data/demo/planted_gaps.yml)
and from the team's export (data/demo/workbook/team_work.json), not from the code under test.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import yaml

from successgaps_lib import blocks, charts, privacy
from successgaps_lib.errors import ConfigError
from successgaps_lib.explore import Exploration
from successgaps_lib.meeting import TEAM_WORK_EXPORT, Meeting, open_team_work
from successgaps_lib.meeting import data as meeting_data
from successgaps_lib.privacy import mask_small_counts
from successgaps_lib.store import DEFAULT_NAME, Store
from tests.demo_copy import clock_during_meeting, copy_demo_workbook

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
PLANTED = yaml.safe_load((DEMO / "planted_gaps.yml").read_text(encoding="utf-8"))
WORK = json.loads((DEMO / "workbook" / TEAM_WORK_EXPORT).read_text(encoding="utf-8"))["tables"]


def planted(gap_id: str) -> dict:
    return next(g for g in PLANTED["gaps"] if g["id"] == gap_id)


def percent(a: float, n: float) -> str:
    return f"{100 * a / n:.1f}%"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return copy_demo_workbook(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def first(demo) -> Meeting:
    return Meeting.open(demo, 1)


# --- The store the handouts read ---------------------------------------------------------------

def test_the_demo_comes_up_with_its_team_work_without_writing_a_store(demo):
    store = open_team_work(demo)
    assert len(store.ratings()) == len(WORK["ratings"]) and len(store.root_causes()) == len(WORK["root_causes"])
    assert not (demo / DEFAULT_NAME).exists()  # reading for a handout writes nothing into the folder


def test_a_workbook_without_an_export_has_an_empty_store(tmp_path):
    folder = copy_demo_workbook(tmp_path, work=False)
    assert open_team_work(folder).is_empty()
    text = Meeting.open(folder, 5).root_causes().text
    assert "Nothing recorded yet" in text


def test_an_existing_store_is_what_handouts_show(tmp_path):
    folder = copy_demo_workbook(tmp_path)
    with Store.open(folder, by="test", clock=clock_during_meeting(folder, 5)) as store:
        store.add_member("Ana Diaz", "parent")
        store.add_root_cause("Buses leave before the credit recovery class ends.")
    shown = Meeting.open(folder, 5).root_causes().text
    assert "Buses leave before the credit recovery class ends." in shown
    assert WORK["root_causes"][0]["statement"] not in shown  # the export is not mixed in


def test_an_empty_store_file_takes_in_the_export(tmp_path):
    folder = copy_demo_workbook(tmp_path)
    Store.open(folder).close()
    assert Meeting.open(folder, 5).root_causes().text.count("|") > 10
    assert WORK["root_causes"][0]["statement"] in Meeting.open(folder, 5).root_causes().text


# --- Opening, overrides -----------------------------------------------------------------------------

def test_unknown_override_is_refused(demo):
    with pytest.raises(ConfigError, match="unknown override 'colour'"):
        Meeting.open(demo, 1, colour="red")


def test_overrides_are_checked_like_the_workbook(demo):
    with pytest.raises(ConfigError, match=r"target_gap\.group.*Martians"):
        Meeting.open(demo, 1, group="Martians")
    with pytest.raises(ConfigError, match="meeting 9"):
        Meeting.open(demo, 9)


def test_the_minimum_group_size_may_only_go_up(demo):
    with pytest.raises(ConfigError, match="never lower"):
        Meeting.open(demo, 1, min_group_size=5)
    stricter = Meeting.open(demo, 1, min_group_size=150)  # the 2025 group has 134 children
    assert stricter.min_size == 150
    assert "not shown" in stricter.statement_text and "134" not in stricter.statement_text
    table = stricter.figures_by_year().text  # every year's group is under 150 children
    assert all(f"| {y} | * |" in table for y in ("2021-22", "2022-23", "2023-24", "2024-25"))
    assert not any(str(n) in table for n in (138, 126, 119, 134))


def test_relative_workbook_paths_are_taken_from_the_working_folder(demo, monkeypatch):
    monkeypatch.chdir(demo.parent)
    assert Meeting.open("workbook", 2).workbook.directory == demo.resolve()


# --- The data -----------------------------------------------------------------------------------

def test_statement_gives_the_planted_figures(first):
    seen = planted("swd_graduation")["observed"][2025]
    text = first.statement_text
    assert text.startswith("In 2025,")
    assert percent(seen["a_group"], seen["n_group"]) in text
    assert percent(seen["a_comparison"], seen["n_comparison"]) in text
    assert f"{seen['n_group']} students with disabilities" in text and f"{seen['n_comparison']:,} other" in text
    assert first.statement().html.startswith('<blockquote class="sg-statement">')


def test_another_gap_by_override(demo):
    m = Meeting.open(demo, 1, group="MB", outcome="OSS", year=2024)
    seen = planted("black_oss")["observed"][2024]
    assert "In 2024" in m.statement_text and "were suspended out of school" in m.statement_text
    assert percent(seen["a_group"], seen["n_group"]) in m.statement_text


def test_figures_by_year_match_the_planted_counts(first):
    seen = planted("swd_graduation")["observed"]
    table = first.figures_by_year()
    assert 'class="sg-data"' in table.html
    for year, counts in seen.items():
        row = f"| {year - 1}-{str(year)[2:]} | {counts['n_group']:,} | {percent(counts['a_group'], counts['n_group'])}"
        assert row in table.text


def test_meeting_one_shows_every_kind_of_slide(first):
    shown = first.slides()
    assert [type(s) for s in shown] == [charts.SvgFigure] * 5
    for figure in shown:
        assert figure.description and "<title" in figure.svg
        assert not re.findall(r"https?://", re.sub(r'xmlns(:\w+)?="[^"]*"', "", figure.svg))
    related = shown[-1].description
    assert "Chronic absence" in related and "Out-of-school suspension" in related  # attendance and discipline


def test_rubric_meetings_show_fewer_slides(demo):
    assert [type(s) for s in Meeting.open(demo, 3).slides()] == [charts.SvgFigure] * 2
    assert len(Meeting.open(demo, 3, slides=["schools"]).slides()) == 1
    with pytest.raises(ConfigError, match="unknown slide"):
        Meeting.open(demo, 3, slides=["pie"])


def test_a_school_team_has_no_schools_slide(demo):
    m = Meeting.open(demo, 1, school="Juniper Valley High", slides=["schools", "rates"])
    note, chart = m.slides()
    assert isinstance(note, blocks.Block) and "Juniper Valley High" in note.text
    assert "Juniper Valley High" in chart.description


def test_every_data_table_is_protected(first, monkeypatch):
    seen = []
    original = privacy.display
    monkeypatch.setattr(privacy, "display", lambda table: seen.append(privacy.is_protected(table, audience=True))
                        or original(table))
    first.figures_by_year()
    first.figures_by_school()
    assert seen == [True, True]
    for table in (first.gaps, meeting_data.composition(first.data, group="Students with disabilities",
                                                       outcome="graduation", min_size=10)):
        privacy.require_protected(table, audience=True)


def test_small_groups_never_show(first):
    """Every school's figures: what the privacy layer hides shows as '*', nothing under 10 shows."""
    text = first.figures_by_school().text
    rows = [line.split(" | ")[1:] for line in text.splitlines() if line.startswith("| ") and "School" not in line]
    assert rows
    for cells in rows:
        for cell in cells[:4]:
            if cell.replace(",", "").isdigit():
                assert int(cell.replace(",", "")) >= 10


def test_data_is_read_once_per_process(demo):
    a = meeting_data.load_data(Meeting.open(demo, 1).workbook)
    b = meeting_data.load_data(Meeting.open(demo, 2).workbook)
    assert a is b


def test_an_edited_data_file_is_read_again(tmp_path):
    lines = (DEMO / "counts.csv").read_text(encoding="utf-8").splitlines()
    small = tmp_path / "counts.csv"
    small.write_text("\n".join([lines[0], *(line for line in lines if ",graduation," in line)]), encoding="utf-8")
    folder = copy_demo_workbook(tmp_path, edit=lambda t: t.replace("../students.csv", "../counts.csv")
                           .replace("kind: students", "kind: counts"))
    before = meeting_data.load_data(Meeting.open(folder, 1).workbook)
    assert meeting_data.load_data(Meeting.open(folder, 2).workbook) is before
    os.utime(small, ns=(small.stat().st_atime_ns, small.stat().st_mtime_ns + 10**9))
    assert meeting_data.load_data(Meeting.open(folder, 1).workbook) is not before


def test_a_file_of_the_wrong_kind_is_named(tmp_path):
    folder = copy_demo_workbook(tmp_path, edit=lambda t: t.replace("kind: students", "kind: counts"))
    with pytest.raises(ConfigError, match=r"students\.csv is listed as kind 'counts' but holds student records"):
        _ = Meeting.open(folder, 1).statement_text


def test_a_workbook_without_data_says_so(tmp_path):
    folder = copy_demo_workbook(tmp_path, edit=lambda t: t.replace("    - path: ../students.csv", "    []\n    #")
                           .replace("      kind: students", "#"))
    m = Meeting.open(folder, 1)
    assert not m.has_data
    assert "No data yet" in m.statement_text and "No data yet" in m.slides()[0].text


def test_the_state_comparison_needs_state_data():
    with pytest.raises(ConfigError, match="state"):
        meeting_data.comparison_options("the state")


# --- The team and its work -------------------------------------------------------------------------

def test_role_coverage_names_every_role_and_who_fills_it(first):
    text = first.role_coverage().text
    assert "Every required role is filled." in text
    assert "Maria Delgado" in text and "Parent of a child in the target group" in text


def test_role_coverage_names_a_missing_role(tmp_path):
    folder = copy_demo_workbook(tmp_path, edit=lambda t: re.sub(r"  - name: Denise Park\n(    .*\n)+", "", t))
    text = Meeting.open(folder, 1).role_coverage().text
    assert "| Community member |  | MISSING |" in text
    assert "Still missing: Community member." in text


def test_rubric_review_shows_the_sections_of_the_meeting(demo):
    m = Meeting.open(demo, 3)
    shown = m.rubric_review().text
    wanted = {c["indicator"] for c in WORK["consensus"] if c["indicator"][:2] in ("CI", "AS")}
    assert wanted and all(f"| {i} |" in shown for i in wanted)
    assert "| DB-1 |" not in shown
    for row in WORK["consensus"]:
        if row["indicator"] in wanted and row["evidence"]:
            assert mask_small_counts(row["evidence"]) in shown
    assert "| DB-1 |" in m.consensus_so_far().text  # meeting 2's sections


def test_homework_ratings_are_counted_per_level(demo):
    shown = Meeting.open(demo, 2).rubric_review().text
    db1 = [r["rating"] for r in WORK["ratings"] if r["indicator"] == "DB-1"]
    row = next(line for line in shown.splitlines() if line.startswith("| DB-1 |") and "Agreement" not in line
               and any(level in line for level in ("Close", "Agreement:", "Disagreement")))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1:5] == [str(db1.count(level)) for level in
                          ("Planning", "Partially implemented", "Implemented", "Exemplary")]


def test_plan_and_progress_show_what_the_team_stored(demo):
    m = Meeting.open(demo, 7)
    plan = m.plan().text
    assert all(a["description"] in plan for a in WORK["activities"])
    assert all(g["smart"] in plan for g in WORK["goals"])
    progress = m.goal_progress().text
    # The team's measurement of goal 1 (0.742, the class of 2026) came in August, after meeting 7.
    assert "74.2%" not in progress and "no new measurement of the goals" in progress
    assert "no year after the goals' baselines" in progress  # the demo data ends with the baseline year


def test_goals_are_measured_again_from_newer_data(demo):
    m = Meeting.open(demo, 7)
    goal = m.store.goals().iloc[0].copy()
    goal["baseline_date"] = "2023-08-31"
    sentences = m._remeasured(goal)
    seen = planted("swd_graduation")["observed"]
    assert [s[:7] for s in sentences] == ["2023-24", "2024-25"]
    assert percent(seen[2025]["a_group"], seen[2025]["n_group"]) in sentences[1]


@pytest.mark.parametrize(("text", "expected"), [
    ("11 credits recovered so far by 9 students.", "11 credits recovered so far by fewer than 10 students."),
    ("17 families, 9 of them of students with IEPs", "17 families, fewer than 10 of them of students with IEPs"),
    ("2 out-of-school suspensions", "fewer than 10 out-of-school suspensions"),
    ("3 English learners and 12 students", "fewer than 10 English learners and 12 students"),
    ("Grade 9 students, 2 hours a week, goal: 3 sessions, 0 students", None),
    ("From 19.1 percentage points to 12 points; 9th graders", None),
])
def test_small_counts_in_team_notes_are_masked(text, expected):
    assert mask_small_counts(text) == (expected or text)
    assert mask_small_counts("by 9 students", 5) == "by 9 students"


def test_progress_notes_in_a_handout_mask_small_counts(tmp_path):
    folder = copy_demo_workbook(tmp_path, work=False)
    with Store.open(folder, by="test", clock=clock_during_meeting(folder, 7)) as store:
        goal = store.add_goal("g")
        activity = store.add_activity(goal, "Credit recovery")
        store.add_progress(activity, "2026-04-14", "11 credits recovered so far by 9 students.")
    block = Meeting.open(folder, 7).progress()
    assert "11 credits recovered so far by fewer than 10 students." in block.html
    assert "9 students" not in block.html


def test_team_text_is_escaped(tmp_path):
    folder = copy_demo_workbook(tmp_path, work=False)
    with Store.open(folder, by="test", clock=clock_during_meeting(folder, 5)) as store:
        store.add_root_cause("<script>alert(1)</script> | pipes | stay text")
    block = Meeting.open(folder, 5).root_causes()
    assert "<script>" not in block.html and "&lt;script&gt;" in block.html


# --- Agenda, homework ------------------------------------------------------------------------------

def test_agenda_homework_and_next_meeting_come_from_the_workbook(demo):
    m = Meeting.open(demo, 2)
    assert "Data-based decision making and Cultural responsiveness" in m.objectives().text
    assert m.agenda().text.splitlines()[2].startswith("| 4:00 PM to ")
    assert "core instructional program and assessment" in m.homework().text
    assert "Meeting 3" in m.next_meeting().text
    assert m.next_meeting().text != Meeting.open(demo, 2, next_meeting="Pizza at six.").next_meeting().text
    assert "Quarterly review in July 2026" in Meeting.open(demo, 7).next_meeting().text


# --- The data team's exploration ---------------------------------------------------------------------

def test_exploration_ranks_and_drills_in(demo):
    x = Exploration.open(demo)
    top = x.top_gaps(5).text
    assert top.count("\n| ") == 6 and "| yes |" in top  # the header and five gaps
    x.choose("Students with disabilities", "graduation")
    assert "graduated in four years" in x.statement().text
    assert "Juniper Valley High" in x.by_school().text


def test_intersections_are_protected_unless_the_data_team_asks(demo):
    shown = Exploration.open(demo).intersection("race", "disability", outcome="graduation")[0].text
    assert "Black or African American × Students with disabilities" in shown
    assert "| * |" in shown  # small intersections are hidden
    team = Exploration.open(demo, data_team=True).intersection("race", "disability", outcome="graduation")[0].text
    assert team.count("| * |") < shown.count("| * |")
