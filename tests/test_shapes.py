"""Mapping shapes of real files: row filters, sums, denominators from a row, spelling drift, ready mappings."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from successgaps_lib.cli import main
from successgaps_lib.errors import ConfigError, InputError
from successgaps_lib.load import load
from successgaps_lib.mapping import parse_mapping, read_mapping, shipped_mappings
from successgaps_lib.parse import parse_rate

FEDERAL = Path(__file__).parent / "files" / "federal"


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _row(counts, **where):
    rows = counts
    for key, value in where.items():
        rows = rows[rows[key] == value]
    assert len(rows) == 1, where
    return rows.iloc[0]


# --- Row filters ------------------------------------------------------------------------------

GRAD = ("Cohort Year,Cohort,District,Subgroup,Graduates,Cohort Size\n"
        "2024,4 Year June,Riverside,All Students,300,340\n"
        "2024,4 Year August,Riverside,All Students,305,340\n"
        "2024,4 Year June,Riverside,Hispanic,40,50\n"
        "2024,4 Year August,Riverside,Hispanic,41,50\n")
GRAD_MAPPING = {"columns": {"year": "Cohort Year", "district": "District", "group": "Subgroup",
                            "numerator": "Graduates", "denominator": "Cohort Size"},
                "constants": {"outcome": "graduation"}}


@pytest.mark.parametrize("rows", [{"keep": 'Cohort == "4 Year August"'}, {"keep": {"Cohort": "4 year august"}},
                                  {"drop": ["Cohort != 4 Year August"]}])
def test_row_filter_keeps_the_august_cohort_and_names_what_it_left_out(tmp_path, rows):
    path = _write(tmp_path, "grad.csv", GRAD)
    data = load(path, mapping={**GRAD_MAPPING, "rows": rows})
    assert sorted(data.counts["numerator"]) == [41.0, 305.0]
    (left,) = data.left_out
    assert left.rows == (2, 4)  # the June rows, as a spreadsheet numbers them
    assert "Cohort" in left.line() and "2 rows (rows 2, 4)" in left.line()
    assert "Cohort" in data.columns_used and data.columns_unused == ()  # the filter read it


def test_check_prints_the_rows_a_filter_left_out(tmp_path, capsys):
    path = _write(tmp_path, "grad.csv", GRAD)
    (tmp_path / "grad.mapping.yml").write_text(
        "columns: {year: Cohort Year, district: District, group: Subgroup, numerator: Graduates, "
        "denominator: Cohort Size}\nconstants: {outcome: graduation}\nrows: {keep: 'Cohort == \"4 Year August\"'}\n",
        encoding="utf-8")
    assert main(["check", str(path), "--out", str(tmp_path / "q")]) == 0
    out = capsys.readouterr().out
    assert "left out by the mapping (keep Cohort == '4 Year August'): 2 rows (rows 2, 4)" in out
    assert "left out by the mapping" in (tmp_path / "q" / "data-quality.html").read_text(encoding="utf-8")


def test_numeric_conditions_and_bad_filters(tmp_path):
    path = _write(tmp_path, "grad.csv", GRAD.replace("Cohort,", "Age,").replace("4 Year June", "5")
                  .replace("4 Year August", "7"))
    data = load(path, mapping={**GRAD_MAPPING, "rows": {"keep": "Age >= 6"}})
    assert sorted(data.counts["numerator"]) == [41.0, 305.0]
    for bad in ({"keep": "Age >= six"}, {"maybe": {"Age": 5}}, {"keep": "just words"}, {"keep": {"Age": {"a": 1}}}):
        with pytest.raises(ConfigError, match="'rows"):
            parse_mapping({**GRAD_MAPPING, "rows": bad}, source="m.yml")


# --- Sums of categories -----------------------------------------------------------------------

SEXES = ("year,group,outcome,numerator,denominator\n"
         "2024,All students,OSS,30,400\n"
         "2024,Hispanic male,OSS,12,60\n"
         "2024,Hispanic female,OSS,{female},58\n")


@pytest.mark.parametrize(("female", "value", "low", "high"), [
    ("9", 21.0, 21.0, 21.0),      # both known: the sum
    ("*", math.nan, 12.0, 118.0),  # one suppressed: unknown, at least the known part, at most the denominator
    ("1-4", math.nan, 13.0, 16.0),  # a range: the range of the sum
])
def test_summed_groups_are_unknown_when_a_part_is_suppressed(tmp_path, female, value, low, high):
    path = _write(tmp_path, "oss.csv", SEXES.format(female=female))
    mapping = {"columns": {"year": "year", "group": "group", "outcome": "outcome", "numerator": "numerator",
                           "denominator": "denominator"},
               "sum": {"group": {"Hispanic/Latino": ["Hispanic male", "Hispanic female"]}}}
    row = _row(load(path, mapping=mapping).counts, group="Hispanic/Latino")
    assert row["denominator"] == 118.0
    assert (math.isnan(row["numerator"]) and math.isnan(value)) or row["numerator"] == value
    assert (row["numerator_low"], row["numerator_high"]) == (low, high)


def test_summed_outcomes_share_their_denominator(tmp_path):
    path = _write(tmp_path, "oss.csv", "year,group,single,multiple,enrolled\n2024,ALL,20,5,400\n2024,MB,8,x,90\n")
    mapping = {"layout": "wide", "columns": {"year": "year", "group": "group", "denominator": "enrolled"},
               "wide": {"numerator": "{outcome}"}, "skip_columns": ["enrolled"],
               "sum": {"outcome": {"suspension_out_of_school": ["single", "multiple"]}}}
    counts = load(path, mapping=mapping).counts
    assert _row(counts, group="All students")[["numerator", "denominator"]].tolist() == [25.0, 400.0]
    black = _row(counts, group="Black or African American")
    assert black["denominator"] == 90.0 and math.isnan(black["numerator"]) and black["numerator_low"] == 8.0


def test_a_sum_needs_a_known_target_and_two_parts():
    with pytest.raises(ConfigError, match=r"'sum\.group\.Martians'"):
        parse_mapping({"sum": {"group": {"Martians": ["a", "b"]}}}, source="m.yml")
    with pytest.raises(ConfigError, match=r"'sum\.group\.Hispanic/Latino'"):
        parse_mapping({"sum": {"group": {"Hispanic/Latino": ["a"]}}}, source="m.yml")


# --- Denominators from another row, All students from a column, spelling drift ----------------

CATEGORIES = ("Year,State,Category,Black Ages 6-21,White Age 6 to 21,Age 6 to21\n"
              "2024,Alabama,All Disabilities,140,210,400\n"
              "2024,Alabama,Autism,15,26,45\n"
              "2024,ALASKA,Autism,3,5,9\n")
CATEGORY_MAPPING = {"layout": "wide", "columns": {"year": "Year", "district": "State", "outcome": "Category"},
                    "wide": {"numerator": "{group} Ages 6-21", "all_students": "Ages 6-21"},
                    "denominator_from": {"outcome": "All Disabilities"},
                    "values": {"outcome": {"Autism": "identification_aut"}},
                    "population": "children served under IDEA"}


def test_the_all_disabilities_row_is_the_denominator_of_each_category(tmp_path):
    path = _write(tmp_path, "cc.csv", CATEGORIES)
    data = load(path, mapping=CATEGORY_MAPPING, set_aside=True)
    alabama = data.counts[data.counts["district"] == "Alabama"].set_index("group")
    assert alabama.loc["Black or African American", ["numerator", "denominator"]].tolist() == [15.0, 140.0]
    assert alabama.loc["White", ["numerator", "denominator"]].tolist() == [26.0, 210.0]
    assert alabama.loc["All students", ["numerator", "denominator"]].tolist() == [45.0, 400.0]
    assert set(data.counts["outcome"]) == {"identification_aut"}  # the All Disabilities row is no outcome
    # Alaska has no All Disabilities row: a problem of each of its rows, never a made-up denominator
    assert {p.kind for p in data.problems} == {"no denominator row"} and len(data.problems) == 3
    assert all("'All Disabilities'" in p.problem for p in data.problems)
    # the drifted spellings are read, and check lists which column matched
    assert any("'White Age 6 to 21' is read as '{group} Ages 6-21'" in n for n in data.notes)
    assert any("'Age 6 to21' is read as 'Ages 6-21'" in n for n in data.notes)
    assert data.columns_unused == ()
    assert ("identification_aut", "students", "children served under IDEA") in data.measures


def test_drifted_column_names_in_columns(tmp_path):
    path = _write(tmp_path, "d.csv", "SCHOOL YEAR,Sub-Groups,Outcome,Num,Den\n2024,ALL,GRAD,9,10\n")
    data = load(path, mapping={"columns": {"year": "School Years", "group": "Sub Group", "outcome": "Outcome",
                                           "numerator": "Num", "denominator": "Den"}})
    assert data.counts["numerator"].tolist() == [9.0]
    assert any("'Sub-Groups' is read as 'Sub Group'" in n for n in data.notes)


@pytest.mark.parametrize(("wanted", "column", "matches"), [
    ("Ages 6-21", "Ages 6 to 21", True), ("Ages 6-21", "Age 6 to21", True), ("Ages 6-21", "AGES 6 – 21", True),
    ("Ages 6-21", "Ages 3-5", False), ("Ages 6-21", "Ages 6-2", False), ("Ages 6-21", "Ages 16-21", False),
])
def test_drift_is_case_spacing_punctuation_plural_and_to(wanted, column, matches):
    from successgaps_lib.shapes import drift_regex

    assert bool(drift_regex(wanted).fullmatch(column)) is matches


# --- Ready mappings, on files laid out as the federal ones ------------------------------------

def test_ready_mappings_are_shipped_and_valid():
    ready = shipped_mappings()
    assert {"edfacts-acgr", "idea618-child-count", "crdc-school", "crdc-school-files"} <= set(ready)
    for name in ready:
        assert read_mapping(name).source == f"{name} (ready mapping)"
    with pytest.raises(ConfigError, match="by name: crdc-school, crdc-school-files, edfacts-acgr, idea618-child-count"):
        read_mapping("edfacts-acrg")


@pytest.mark.parametrize("name", ["acgr-lea-sy2020-21.csv", "acgr-sch-sy2020-21.csv"])
def test_edfacts_acgr_ranges_are_bounds_never_points(name, capsys):
    data = load(FEDERAL / name, mapping="edfacts-acgr")
    counts = data.counts
    assert set(counts["year"]) == {2021} and set(counts["outcome"]) == {"graduation"}
    assert not data.problems and data.columns_unused == ()
    first = _row(counts, district="Albertville City", group="Black or African American")  # 80-89 of 22
    assert first["denominator"] == 22 and math.isnan(first["numerator"])
    assert (first["numerator_low"], first["numerator_high"]) == (18.0, 19.0)
    tiny = _row(counts, district="Albertville City", group="American Indian or Alaska Native")  # PS of 3
    assert math.isnan(tiny["numerator"]) and (tiny["numerator_low"], tiny["numerator_high"]) == (0.0, 3.0)
    assert main(["check", str(FEDERAL / name), "--mapping", "edfacts-acgr"]) == 0
    if "sch" in name:
        assert set(counts["school"]) == {"Albertville High School", "Asbury High School"}
        top = _row(counts, school="Asbury High School", group="All students")  # GE95 of 96
        assert math.isnan(top["numerator"]) and (top["numerator_low"], top["numerator_high"]) == (92.0, 96.0)


@pytest.mark.parametrize(("text", "n", "bounds"), [("90-94", 45, (41.0, 42.0)), ("GE95", 40, (38.0, 40.0)),
                                                   ("LT50", 10, (0.0, 4.0)), ("PS", 4, (0.0, 4.0))])
def test_published_rate_ranges_are_intervals(text, n, bounds):
    value, low, high = parse_rate(text).numerator_bounds(n)
    assert math.isnan(value) and (low, high) == bounds


def test_idea618_child_count_file_as_published():
    data = load(FEDERAL / "idea618_childcount_state.csv", mapping="idea618-child-count")
    counts = data.counts
    assert not data.problems and data.columns_unused == ()
    assert set(counts["district"]) == {"Alabama", "Alaska"}  # national totals left out, and named
    assert sum(len(f.rows) for f in data.left_out) == 30  # 28 rows of another environment, 2 national totals
    black = _row(counts, district="Alabama", group="Black or African American", outcome="identification_sld")
    assert black[["numerator", "denominator"]].tolist() == [5600.0, 15321.0]  # of the All Disabilities row
    everyone = _row(counts, district="Alabama", group="All students", outcome="identification_sld")
    assert everyone[["numerator", "denominator"]].tolist() == [15544.0, 42950.0]  # the 'Ages 6-21' column
    # six small categories summed: an 'x' (suppressed) deaf-blindness count makes the sum unknown, never a guess
    other = _row(counts, district="Alabama", group="Black or African American", outcome="identification_oth")
    assert math.isnan(other["numerator"]) and other["numerator_low"] == 520.0
    native = _row(counts, district="Alabama", group="American Indian or Alaska Native", outcome="identification_oth")
    assert native["numerator"] == 38.0
    assert _row(counts, district="Alabama", group="English learners", outcome="identification_aut")["numerator"] == 276
    assert any("'Female Age 6 to 21'" in n for n in data.notes)


# --- What a rate counts: the statements' words --------------------------------------------------

ISS = ("year,school,group,outcome,numerator,denominator\n"
       "2024,,ALL,ISS,120,900\n2024,,MB,ISS,42,45\n2024,,MHL,ISS,3,60\n")
ISS_MAPPING = {"columns": {"year": "year", "school": "school", "group": "group", "outcome": "outcome",
                           "numerator": "numerator", "denominator": "denominator"}}


def test_incidents_are_written_as_actions_for_children_never_as_a_share_of_children(tmp_path):
    from successgaps_lib.screen import screen

    path = _write(tmp_path, "iss.csv", ISS)
    data = load(path, mapping={**ISS_MAPPING, "unit": {"ISS": "incidents"}})
    assert data.measures == (("suspension_in_school", "incidents", ""),)
    gaps = screen(data.counts).set_index("group")
    black = gaps.loc["Black or African American", "statement"]
    assert black.startswith("In 2024, 42 in-school suspensions for 45 Black or African American students in District "
                            "(93.3 per 100), compared with ")
    assert "in-school suspensions per 100 students" in black
    assert "%" not in black.split("(95% CI")[0] and "were suspended" not in black
    small = gaps.loc["Hispanic/Latino", "statement"]
    assert "fewer than 10 in-school suspensions for 60" in small  # a small count is not printed
    plain = screen(load(path, mapping=ISS_MAPPING).counts).set_index("group")  # without unit: the old words
    assert "93.3% of Black or African American students in District were suspended in school" in \
        plain.loc["Black or African American", "statement"]


def test_the_population_of_the_denominator_follows_the_group():
    from successgaps_lib.meeting.data import with_statements
    from successgaps_lib.screen import screen, statements

    data = load(FEDERAL / "idea618_childcount_state.csv", mapping="idea618-child-count")
    gaps = screen(data.counts)
    measured = gaps[gaps["measurable"]]
    assert measured["statement"].str.contains(" served under IDEA in ").all()
    assert measured["statement"].str.contains("of all other children served under IDEA: ").all()
    again = statements(measured)  # written again from the table (its attrs keep what the rates count)
    assert again.tolist() == measured["statement"].tolist()
    assert with_statements(measured, 10)["statement"].str.contains("served under IDEA").all()
    bare = statements(measured, measures={})
    assert not bare.str.contains("served under IDEA").any()


def test_unit_and_population_keys_are_checked():
    with pytest.raises(ConfigError, match="'unit'"):
        parse_mapping({"unit": "actions"}, source="m.yml")
    with pytest.raises(ConfigError, match=r"'unit\.happiness'"):
        parse_mapping({"unit": {"happiness": "incidents"}}, source="m.yml")
    with pytest.raises(ConfigError, match="'population'"):
        parse_mapping({"population": ["a"]}, source="m.yml")


def test_crdc_school_file_as_published_with_the_year_named_in_a_mapping_of_ones_own():
    with pytest.raises(InputError, match=re.escape("extends: crdc-school, constants: {year: ...}")):
        load(FEDERAL / "crdc_school_2015-16.csv", mapping="crdc-school")
    data = load(FEDERAL / "crdc_school_2015-16.csv", mapping={"extends": "crdc-school",
                                                               "constants": {"year": "2015-16"}})
    counts = data.counts
    assert not data.problems and data.columns_unused == ()
    assert set(counts["year"]) == {2016}
    assert set(counts["outcome"]) == {"suspension_in_school", "suspension_out_of_school", "expulsion"}
    high = counts[counts["school"] == "Albertville High School"]
    # groups summed over sex and disability status; enrollment is the denominator
    hispanic = _row(high, group="Hispanic/Latino", outcome="suspension_in_school")
    assert hispanic[["numerator", "denominator"]].tolist() == [16.0, 270.0]
    # OSS: one suspension plus more than one; the sum of every race and sex is All students
    everyone = _row(high, group="All students", outcome="suspension_out_of_school")
    assert everyone[["numerator", "denominator"]].tolist() == [37.0, 898.0]
    males = _row(high, group="Male", outcome="suspension_out_of_school")["numerator"]
    females = _row(high, group="Female", outcome="suspension_out_of_school")["numerator"]
    assert males + females == everyone["numerator"]
    # a -11 (suppressed) part: Black, Female and All students unknown, bounded by the known parts
    black = _row(high, group="Black or African American", outcome="suspension_in_school")
    assert math.isnan(black["numerator"]) and black["numerator_low"] == 6.0
    assert math.isnan(_row(high, group="All students", outcome="suspension_in_school")["numerator"])
    # -9 (not applicable) expulsions of the middle school are unknown, not zero
    middle = counts[(counts["school"] == "Albertville Middle School") & (counts["outcome"] == "expulsion")]
    assert middle["numerator"].isna().all() and len(middle) == 11


def _docs_example(tmp_path, starts: str):
    text = (Path(__file__).parents[1] / "docs" / "mapping.md").read_text(encoding="utf-8")
    csv_block, yaml_block = re.search(r"```csv\n(" + re.escape(starts) + r".*?)```\n\n```yaml\n(.*?)```",
                                      text, re.S).groups()
    data = tmp_path / "example.csv"
    data.write_text(csv_block, encoding="utf-8")
    (tmp_path / "example.mapping.yml").write_text(yaml_block, encoding="utf-8")
    return load(data, set_aside=True)


def test_docs_row_filter_example_reads_as_documented(tmp_path):
    data = _docs_example(tmp_path, "Cohort Year,Cohort,")
    assert sorted(data.counts["numerator"]) == [41.0, 305.0]
    assert [f.line() for f in data.left_out] == [
        "left out by the mapping (keep Cohort == '4 Year August'): 2 rows (rows 2, 4)"]


def test_docs_denominator_row_example_reads_as_documented(tmp_path):
    data = _docs_example(tmp_path, "Year,State Name,SEA Disability Category,")
    counts = data.counts.set_index("group")
    assert counts.loc["Black or African American", ["numerator", "denominator"]].tolist() == [5600, 15321]
    assert counts.loc["All students", ["numerator", "denominator"]].tolist() == [15544, 42950]
    assert not data.problems and set(data.counts["outcome"]) == {"identification_sld"}


def test_crdc_files_since_2017_are_joined_on_combokey_and_read_as_the_one_file(tmp_path):
    import shutil

    mine = {"extends": "crdc-school-files", "constants": {"year": "2015-16"}}
    split = load(FEDERAL / "crdc2020-21" / "Suspensions.csv", mapping=mine)
    whole = load(FEDERAL / "crdc_school_2015-16.csv", mapping={"extends": "crdc-school",
                                                                "constants": {"year": "2015-16"}})
    assert not split.problems and split.columns_unused == ()
    suspensions = whole.counts[whole.counts["outcome"] != "expulsion"].reset_index(drop=True)
    assert split.counts.equals(suspensions)
    # the joined file must be there, and hold one row per key
    folder = tmp_path / "crdc"
    folder.mkdir()
    shutil.copy(FEDERAL / "crdc2020-21" / "Suspensions.csv", folder)
    with pytest.raises(InputError, match=r"Enrollment\.csv: file not found"):
        load(folder / "Suspensions.csv", mapping=mine)
    enrollment = (FEDERAL / "crdc2020-21" / "Enrollment.csv").read_text(encoding="utf-8").splitlines()
    (folder / "Enrollment.csv").write_text("\n".join([*enrollment, enrollment[1]]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="the same key twice in a joined file"):
        load(folder / "Suspensions.csv", mapping=mine)
    (folder / "Enrollment.csv").write_text("\n".join(enrollment[:-1]) + "\n", encoding="utf-8")  # a school less
    short = load(folder / "Suspensions.csv", mapping=mine, set_aside=True)
    (problem,) = short.problems
    assert (problem.row, problem.kind, problem.column) == (4, "not in the joined file", "COMBOKEY")
    assert "Enrollment.csv" in problem.problem and short.set_aside == 1
    assert "Asbury High School" not in set(short.counts["school"])
    with pytest.raises(ConfigError, match=r"'file\.join'"):
        parse_mapping({"file": {"join": {"file": "Enrollment.csv"}}}, source="m.yml")


def test_chart_text_alternatives_say_what_the_rate_counts(tmp_path):
    from successgaps_lib import charts, privacy
    from successgaps_lib.screen import screen

    path = _write(tmp_path, "iss.csv", "year,school,group,outcome,numerator,denominator\n"
                  "2024,,ALL,ISS,300,2000\n2024,,MB,ISS,62,80\n2024,,MHL,ISS,60,700\n2024,,MW,ISS,178,1220\n")
    data = load(path, mapping={**ISS_MAPPING, "unit": "incidents"})
    gaps = privacy.protect(screen(data.counts), counts=data.counts)
    _, meta = charts._prepare_rates(gaps, group="Black or African American", outcome="suspension_in_school")
    text = meta["description"]
    assert "77.5 in-school suspensions per 100 Black or African American children (95% CI " in text
    assert "in-school suspensions per 100 students (95% CI" in text
    assert "%" not in text.split("(95% CI")[0] and "were suspended" not in text
    idea = load(FEDERAL / "idea618_childcount_state.csv", mapping="idea618-child-count")
    gaps = privacy.protect(screen(idea.counts), counts=idea.counts)
    _, meta = charts._prepare_rates(gaps, group="Black or African American", outcome="identification_sld")
    assert "of Black or African American children served under IDEA (95% CI" in meta["description"]
    assert "of all other children served under IDEA (95% CI" in meta["description"]


def test_a_workbook_names_a_ready_mapping_and_its_handouts_say_what_the_rates_count(tmp_path):
    from successgaps_lib import workbook as wbk
    from successgaps_lib.meeting.data import load_data
    from successgaps_lib.screen import screen
    from tests.demo_copy import copy_demo_workbook

    folder = copy_demo_workbook(tmp_path, work=False, edit=lambda t: t.replace(
        "    - path: ../students.csv     # relative to this folder: data/demo/students.csv\n"
        "      kind: students            # one row per student (or \"counts\" for aggregate tables)\n",
        f"    - path: {FEDERAL / 'idea618_childcount_state.csv'}\n      mapping: idea618-child-count\n"))
    book = wbk.load(folder)
    assert book.data[0].mapping == "idea618-child-count"
    counts = load_data(book).counts
    assert counts.attrs["measures"]["identification_sld"] == ("students", "children served under IDEA")
    measured = screen(counts).query("measurable")
    assert measured["statement"].str.contains("of all other children served under IDEA: ").all()
