"""The workbook folder: workbook.yml is read, checked with errors that name the key, and created by init."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from successgaps_lib import workbook as wbk
from successgaps_lib.errors import ConfigError
from successgaps_lib.groups import MEETINGS, ROLES

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo" / "workbook"

MINIMAL = """\
district: Lakeside
target_gap:
  group: English learners
  outcome: reading_proficiency
team:
  - name: Ann Lee
    role: parent
meetings:
  - number: 1
    date: 2025-09-16
    time: "16:00"
    place: Library
    duration: 90
  - number: 2
    date: 2025-10-07
    time: "16:00"
    place: Library
    duration: 90
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "workbook.yml").write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def load_text(tmp_path: Path, text: str) -> wbk.Workbook:
    return wbk.load(write(tmp_path, text))


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_text(tmp_path, text)
    message = str(info.value)
    assert "\n" not in message  # one line, as the CLI prints it
    return message


# --- the demo workbook ---------------------------------------------------------------------------

def test_demo_workbook_loads_with_its_data_file():
    book = wbk.load(DEMO)
    assert book.district == "Riverside Unified (demo)"
    assert (book.target.group, book.target.outcome, book.target.comparison) == (
        "Students with disabilities", "graduation", "all other children")
    assert book.min_group_size == 10
    assert [f.path for f in book.data] == [(DEMO.parent / "students.csv").resolve()]
    assert book.data[0].path.is_file()


def test_demo_team_covers_every_required_role():
    book = wbk.load(DEMO)
    required = {r for r, role in ROLES.items() if role.required}
    covered = {r for m in book.team for r in m.roles}
    assert required <= covered
    assert book.missing_roles() == []
    assert 7 <= len(book.team) <= 12
    assert len({m.name for m in book.team}) == len(book.team)
    assert book.facilitator is not None and "facilitator" in book.facilitator.roles


def test_demo_schedule_has_seven_meetings_in_order_in_2025_2026():
    book = wbk.load(DEMO)
    assert [m.number for m in book.meetings] == list(MEETINGS)
    starts = [m.start for m in book.meetings]
    assert starts == sorted(starts)
    assert all(m.date.year in (2025, 2026) for m in book.meetings)
    assert all(m.place and m.homework and 60 <= m.duration <= 240 for m in book.meetings)
    assert all(m.rubric_sections for m in book.meetings if m.number in (2, 3, 4))
    assert book.next_meeting(7) is None and book.meeting(7).next_meeting


def test_role_coverage_reports_missing_roles(tmp_path):
    book = load_text(tmp_path, MINIMAL)
    coverage = book.role_coverage()
    assert set(coverage) == set(ROLES)
    assert [m.name for m in coverage["parent"]] == ["Ann Lee"]
    missing = {r.id for r in book.missing_roles()}
    assert "parent" not in missing
    assert "leader" in missing and "special_education_teacher" in missing
    assert "student" not in missing  # optional role


# --- reading values ----------------------------------------------------------------------------------

def test_minimal_workbook_defaults(tmp_path):
    book = load_text(tmp_path, MINIMAL)
    assert book.target.comparison == "all other children"
    assert book.target.comparison_kind == "all_other"
    assert book.min_group_size == wbk.DEFAULT_MIN_GROUP_SIZE
    assert book.meeting(2).title == MEETINGS[2].title
    assert book.meeting(1).end == dt.datetime(2025, 9, 16, 17, 30)
    assert book.next_meeting(1).number == 2


def test_codes_and_aliases_are_accepted(tmp_path):
    text = MINIMAL.replace("group: English learners", "group: WDIS").replace(
        "outcome: reading_proficiency", "outcome: GRAD\n  comparison: White")
    book = load_text(tmp_path, text)
    assert (book.target.group, book.target.outcome) == ("Students with disabilities", "graduation")
    assert book.target.comparison == "White" and book.target.comparison_kind == "group"


@pytest.mark.parametrize(("written", "minutes"), [("90", 90), ('"2 hours"', 120), ('"1h30"', 90),
                                                  ('"45 min"', 45)])
def test_durations(tmp_path, written, minutes):
    book = load_text(tmp_path, MINIMAL.replace("duration: 90", f"duration: {written}", 1))
    assert book.meeting(1).duration == minutes


@pytest.mark.parametrize(("written", "clock"), [('"16:00"', dt.time(16)), ("16:00", dt.time(16)),
                                                ('"4:30 PM"', dt.time(16, 30)), ('"9 am"', dt.time(9))])
def test_clock_times_quoted_or_not(tmp_path, written, clock):
    # Unquoted 16:00 is the integer 960 to plain PyYAML (base 60); the workbook reads it as a time.
    book = load_text(tmp_path, MINIMAL.replace('time: "16:00"', f"time: {written}", 1))
    assert book.meeting(1).time == clock


def test_several_roles_for_one_member(tmp_path):
    book = load_text(tmp_path, MINIMAL.replace("    role: parent", "    roles: [parent, community]"))
    assert book.team[0].roles == ("parent", "community")
    assert "community" not in {r.id for r in book.missing_roles()}


# --- errors name the key -----------------------------------------------------------------------------

def test_missing_district(tmp_path):
    message = error_of(tmp_path, MINIMAL.replace("district: Lakeside\n", ""))
    assert "key 'district'" in message and "missing" in message


def test_missing_target_gap(tmp_path):
    text = MINIMAL.split("target_gap:")[0] + "team:" + MINIMAL.split("team:")[1]
    assert "key 'target_gap'" in error_of(tmp_path, text)


def test_missing_meeting_place(tmp_path):
    message = error_of(tmp_path, MINIMAL.replace("    place: Library\n", "", 1))
    assert "meeting 1" in message and "place" in message and "missing" in message


def test_unknown_role(tmp_path):
    message = error_of(tmp_path, MINIMAL.replace("role: parent", "role: janitor"))
    assert "team.1 (Ann Lee).role" in message and "'janitor'" in message
    assert "special_education_teacher" in message  # lists what is allowed


def test_unknown_group(tmp_path):
    message = error_of(tmp_path, MINIMAL.replace("group: English learners", "group: Martians"))
    assert "key 'target_gap.group'" in message and "'Martians'" in message


def test_unknown_outcome(tmp_path):
    message = error_of(tmp_path, MINIMAL.replace("outcome: reading_proficiency", "outcome: happiness"))
    assert "key 'target_gap.outcome'" in message and "'happiness'" in message and "graduation" in message


def test_unknown_comparison(tmp_path):
    text = MINIMAL.replace("outcome: reading_proficiency", "outcome: reading_proficiency\n  comparison: aliens")
    assert "key 'target_gap.comparison'" in error_of(tmp_path, text)


def test_group_compared_with_itself(tmp_path):
    text = MINIMAL.replace("outcome: reading_proficiency", "outcome: reading_proficiency\n  comparison: EL")
    assert "with itself" in error_of(tmp_path, text)


def test_outcome_not_measured_for_group(tmp_path):
    # Identification for special education is not screened by disability status.
    text = MINIMAL.replace("group: English learners", "group: Students with disabilities").replace(
        "outcome: reading_proficiency", "outcome: identification")
    assert "key 'target_gap.outcome'" in error_of(tmp_path, text)


@pytest.mark.parametrize("bad", ["2025-13-01", "2025-02-30", "next tuesday", "16/09/2025"])
def test_bad_date(tmp_path, bad):
    message = error_of(tmp_path, MINIMAL.replace("date: 2025-09-16", f"date: {bad}"))
    assert "meeting 1" in message and ".date'" in message and bad in message and "YYYY-MM-DD" in message


@pytest.mark.parametrize("bad", ['"25:00"', '"teatime"', '"13 pm"'])
def test_bad_time(tmp_path, bad):
    message = error_of(tmp_path, MINIMAL.replace('time: "16:00"', f"time: {bad}", 1))
    assert "meeting 1" in message and ".time'" in message


@pytest.mark.parametrize("bad", ["0", "600", '"soon"'])
def test_bad_duration(tmp_path, bad):
    assert ".duration'" in error_of(tmp_path, MINIMAL.replace("duration: 90", f"duration: {bad}", 1))


def test_unknown_key_is_a_typo(tmp_path):
    message = error_of(tmp_path, MINIMAL.replace("district:", "distrct: x\ndistrict:"))
    assert "key 'distrct'" in message and "unknown key" in message


def test_unknown_meeting_number(tmp_path):
    message = error_of(tmp_path, MINIMAL.replace("number: 2", "number: 9"))
    assert "key 'meetings.2.number'" in message and "no meeting 9" in message


def test_meeting_listed_twice(tmp_path):
    assert "appears twice" in error_of(tmp_path, MINIMAL.replace("number: 2", "number: 1"))


def test_meetings_out_of_order(tmp_path):
    message = error_of(tmp_path, MINIMAL.replace("date: 2025-10-07", "date: 2025-09-01"))
    assert "meeting 2" in message and "before meeting 1 ends" in message


def test_member_listed_twice(tmp_path):
    text = MINIMAL.replace("meetings:", "  - name: Ann Lee\n    role: community\nmeetings:")
    assert "'Ann Lee' is listed twice" in error_of(tmp_path, text)


def test_min_group_size_must_be_a_positive_number(tmp_path):
    assert "key 'min_group_size'" in error_of(tmp_path, MINIMAL + "min_group_size: ten\n")
    assert "key 'min_group_size'" in error_of(tmp_path, MINIMAL + "min_group_size: 0\n")


def test_missing_data_file(tmp_path):
    message = error_of(tmp_path, MINIMAL + "data:\n  files:\n    - nowhere.csv\n")
    assert "key 'data.files.1.path'" in message and "'nowhere.csv'" in message


def test_yaml_syntax_error_names_the_line(tmp_path):
    message = error_of(tmp_path, MINIMAL.replace("  outcome: reading_proficiency", "  outcome: [unclosed"))
    assert "line" in message and "not valid YAML" in message


def test_no_workbook_in_folder(tmp_path):
    with pytest.raises(ConfigError, match="successgaps init"):
        wbk.load(tmp_path)


def test_unscheduled_meeting(tmp_path):
    book = load_text(tmp_path, MINIMAL)
    with pytest.raises(ConfigError, match="meeting 5 is not in the schedule"):
        book.meeting(5)


# --- init ----------------------------------------------------------------------------------------------

def test_init_round_trip(tmp_path):
    data = tmp_path / "exports" / "students 2025.csv"
    data.parent.mkdir()
    data.write_text("student_id\n1\n", encoding="utf-8")
    folder = tmp_path / "Lakeside: team"
    file = wbk.init(folder, district="Lakeside \"North\" Schools", school="Lakeside High",
                    data_files=[data], group="LEP", outcome="Dropout", comparison="all children",
                    min_group_size=15, first_meeting=dt.date(2026, 1, 6))
    assert file == folder / "workbook.yml"
    text = file.read_text(encoding="utf-8")
    assert text.count("\n#") > 10  # a commented starter a person can follow
    book = wbk.load(folder)
    assert book.district == 'Lakeside "North" Schools' and book.school == "Lakeside High"
    assert book.name == 'Lakeside High, Lakeside "North" Schools'
    assert (book.target.group, book.target.outcome, book.target.comparison) == (
        "English learners", "dropout", "all children")
    assert book.min_group_size == 15
    assert [f.path for f in book.data] == [data.resolve()]
    assert "../exports/students 2025.csv" in text  # stored relative: the folder can move with its data
    assert [m.number for m in book.meetings] == list(MEETINGS)
    assert book.meeting(1).date == dt.date(2026, 1, 6)
    assert book.meeting(2).date == dt.date(2026, 1, 27)
    assert all(a.start < b.start for a, b in zip(book.meetings, book.meetings[1:], strict=False))
    assert book.team == () and book.missing_roles()


def test_init_refuses_to_overwrite(tmp_path):
    wbk.init(tmp_path, district="A")
    with pytest.raises(ConfigError, match="already"):
        wbk.init(tmp_path, district="B")
    assert wbk.load(tmp_path).district == "A"
    wbk.init(tmp_path, district="B", overwrite=True)
    assert wbk.load(tmp_path).district == "B"


def test_init_with_a_bad_group_writes_nothing(tmp_path):
    with pytest.raises(ConfigError, match=r"target_gap\.group"):
        wbk.init(tmp_path / "new", group="Martians")
    assert not (tmp_path / "new" / "workbook.yml").exists()


def test_init_default_first_meeting_is_in_the_future(tmp_path):
    book = wbk.load(wbk.init(tmp_path))
    assert book.meeting(1).date > dt.date.today()
