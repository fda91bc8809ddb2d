"""Real files in, whole: every problem found in one run, the sound rows kept, nothing dropped in silence.

The messy corpus (tests/files/messy, with expected.yml) holds real-shaped files that load with
problems; each entry lists, in file order, every problem `check` must report and what
`screen --set-aside` must set aside.
"""

from __future__ import annotations

import csv
import html
from pathlib import Path

import pandas as pd
import pytest
import yaml

from successgaps_lib import cli, problems
from successgaps_lib.errors import InputError
from successgaps_lib.load import load
from successgaps_lib.problems import FileProblems

from .demo_copy import DEMO, copy_demo_workbook

MESSY = Path(__file__).resolve().parent / "files" / "messy"
EXPECTED = yaml.safe_load((MESSY / "expected.yml").read_text(encoding="utf-8"))


def _listed(dataset) -> list[str]:
    return [f"{p.row} {p.column or '-'}: {p.kind}" + ("" if p.set_aside else " (kept)") for p in dataset.problems]


def test_corpus_is_complete():
    assert len(EXPECTED) >= 15
    assert {p.name for p in MESSY.glob("*.csv")} == set(EXPECTED), "every messy file needs an entry, and back"
    assert sum(1 for e in EXPECTED.values() if e["exit"] == 1) >= 12


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_problem_of_a_messy_file_in_one_run(name):
    spec = EXPECTED[name]
    data = load(MESSY / name, set_aside=True)
    assert _listed(data) == spec.get("problems", [])
    assert (data.rows, data.set_aside) == (spec["rows"], spec["set_aside"])
    assert list(data.columns_unused) == spec.get("not_used", [])
    assert list(data.notes) == spec.get("notes", [])
    assert [f.line() for f in data.left_out] == spec.get("left_out", [])
    assert len(data.counts) > 0, "the sound rows are loaded"


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e["exit"] == 1))
def test_without_set_aside_the_refusal_counts_the_problems_and_names_check(name):
    spec = EXPECTED[name]
    with pytest.raises(FileProblems) as caught:
        load(MESSY / name)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(MESSY / name))
    assert f"successgaps check {MESSY / name}" in message
    more = len(spec["problems"]) - 1
    assert (f"(and {more} more problem" in message) if more else ("lists every problem" in message)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_check_exit_code_terminal_and_files(name, tmp_path, capsys):
    spec = EXPECTED[name]
    assert cli.main(["check", str(MESSY / name), "--out", str(tmp_path)]) == spec["exit"]
    out = capsys.readouterr().out
    listed = spec.get("problems", [])
    if listed:
        assert f"{len(listed)} problem" in out
        with (tmp_path / "problems.csv").open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert [int(r["row"]) for r in rows] == [int(p.split()[0]) for p in listed]
        assert list(rows[0]) == problems.CSV_COLUMNS
    else:
        assert "no problems" in out
    if "not_used" in spec:
        assert "not used: " + ", ".join(spec["not_used"]) in out
    page = (tmp_path / "data-quality.html").read_text(encoding="utf-8")
    assert "<script" not in page and name in page


def test_unreadable_file_is_exit_2(tmp_path, capsys):
    (tmp_path / "nothing.csv").write_text("just,a,header\n", encoding="utf-8")
    assert cli.main(["check", str(tmp_path / "nothing.csv")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_terminal_shows_the_first_twenty_and_counts_by_kind():
    found = [problems.Problem("f.csv", "negative numerator", row=r, column="numerator", value="-1",
                              expected="0 or more", kind="negative count") for r in range(2, 40)]
    found.append(problems.Problem("f.csv", "unknown group", row=40, column="group", value="X", kind="unknown group"))
    text = problems.terminal(found, limit=20)
    lines = text.splitlines()
    assert sum(line.startswith("f.csv, row") for line in lines) == 20
    assert "39 problems of 2 kinds: negative count: 38; unknown group: 1" in text


def test_report_escapes_what_the_file_says(tmp_path):
    """A value from the file is text on the report page, never markup."""
    bad = tmp_path / "hostile.csv"
    bad.write_text("year,school,group,outcome,numerator,denominator\n"
                   "2024,,All students,graduation,90,100\n"
                   "2024,,<script>alert(1)</script>,graduation,5,10\n", encoding="utf-8")
    assert cli.main(["check", str(bad), "--out", str(tmp_path / "out")]) == 1
    page = (tmp_path / "out" / "data-quality.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page and html.escape("<script>alert(1)</script>") in page


def test_screen_set_aside_says_what_it_set_aside_and_writes_the_problems_beside_the_output(tmp_path, capsys):
    name = "subtotal_over.csv"
    out = tmp_path / "gaps.csv"
    assert cli.main(["screen", str(MESSY / name), "--set-aside", "--schools", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    spec = EXPECTED[name]
    expected_line = (f"set aside {spec['set_aside']} of {spec['rows']} rows for 1 kind of problem: "
                     f"see {tmp_path / 'gaps.problems.csv'}")
    assert expected_line in printed
    written = pd.read_csv(tmp_path / "gaps.problems.csv")
    assert written["row"].tolist() == [int(p.split()[0]) for p in spec["problems"]]
    gaps = pd.read_csv(out, keep_default_na=False)
    district, lincoln = (set(gaps.loc[gaps["school"] == s, "group"]) for s in ("", "Lincoln High"))
    assert {"White", "Black or African American", "Students with disabilities"} <= district
    assert lincoln == {"Students with disabilities"}, "only the race rows of that school are set aside"


def test_screen_without_set_aside_refuses_in_one_line_with_the_count(capsys):
    assert cli.main(["screen", str(MESSY / "unknown_groups.csv")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "(and 1 more problem: `successgaps check" in err


def test_a_student_flag_column_nobody_mapped_is_named(capsys):
    assert cli.main(["check", str(MESSY / "students_messy.csv")]) == 1
    out = capsys.readouterr().out
    assert "column 'gifted_flag'" in out and "docs/mapping.md" in out
    with pytest.raises(InputError) as caught:
        load(MESSY / "students_messy.csv")
    assert "gifted_flag" in str(caught.value) or "5 more problems" in str(caught.value)


def test_float_noise_rates_are_the_rounded_values_they_stand_for():
    data = load(MESSY / "float_noise.csv")
    black = data.counts.set_index("group").loc["Black or African American"]
    assert black["numerator"] == 90  # 64.299999999999997% of 140 is 64.3%: exactly 90 students
    all_students = data.counts.set_index("group").loc["All students"]
    assert all_students["numerator"] == 719


def test_rate_and_count_that_disagree_are_a_problem_and_agreeing_ones_are_not():
    data = load(MESSY / "rate_disagrees.csv", set_aside=True)
    assert [(p.row, p.column) for p in data.problems] == [(3, "rate")]
    assert "90 of 140" in data.problems[0].problem


def test_short_row_is_a_problem_not_a_suppressed_count():
    data = load(MESSY / "short_and_long_rows.csv", set_aside=True)
    assert 4 in [p.row for p in data.problems]
    assert data.counts["numerator"].notna().all(), "no padded blank read as a suppressed count"


def test_screen_csv_is_what_a_user_can_open(tmp_path, capsys):
    out = tmp_path / "gaps.csv"
    assert cli.main(["screen", str(DEMO / "counts.csv"), "--out", str(out), "--outcome", "GRAD",
                     "--group", "WDIS"]) == 0
    printed = capsys.readouterr().out
    gaps = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert set(gaps["outcome"]) == {"graduation"} and set(gaps["group"]) == {"Students with disabilities"}
    assert {"school_year", "outcome_name", "years_flagged", "persistent"} <= set(gaps.columns)
    assert all(y[:4].isdigit() and y[4] == "-" and len(y) == 7 for y in gaps["school_year"])
    for column in ("n_group", "n_comparison"):
        assert all(v == "" or v.isdigit() for v in gaps[column]), f"{column} is whole numbers"
    assert "School year" in printed and "Gap (points)" in printed


def test_screen_filter_with_a_mistake_gets_the_nearest_values_in_one_line(capsys):
    assert cli.main(["screen", str(DEMO / "counts.csv"), "--outcome", "graduaton"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "graduation" in err


def test_workbook_set_aside_loads_the_rest_and_every_page_says_so(tmp_path):
    from successgaps_lib.meeting import Meeting

    students = (DEMO / "students.csv").read_text(encoding="utf-8").splitlines()
    broken = students[1].split(",")
    broken[0] = ""  # a row with no student ID
    folder = copy_demo_workbook(tmp_path, work=False, edit=lambda t: t.replace(
        "  mapping: {}", "  mapping: {}\n  set_aside: true"))
    (tmp_path / "students.csv").unlink()
    (tmp_path / "students.csv").write_text("\n".join([*students, ",".join(broken)]) + "\n", encoding="utf-8")
    title = Meeting.open(folder, 2).title().text
    assert "set aside" in title and f"1 of the {len(students):,} rows of students.csv" in title
