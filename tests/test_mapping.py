"""Column mappings: validating the YAML, and reading long and wide tables through it."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from successgaps_lib.errors import ConfigError, InputError
from successgaps_lib.load import load, load_students
from successgaps_lib.mapping import Mapping, parse_mapping, read_mapping

ROOT = Path(__file__).parents[1]
WIDE = {"layout": "wide", "columns": {"year": "SY", "outcome": "IND"}, "constants": {"district": "State"},
        "wide": {"numerator": "{group}_NUM", "denominator": "{group}_DEN"}}


@pytest.mark.parametrize(("data", "key"), [
    ({"colums": {}}, "'colums'"),
    ({"layout": "sideways"}, "'layout'"),
    ({"kind": "schools"}, "'kind'"),
    ({"kind": "students", "layout": "wide", "wide": {}}, "'layout'"),
    ({"file": {"sheeet": "Data"}}, "'file.sheeet'"),
    ({"file": {"header_row": "three"}}, "'file.header_row'"),
    ({"file": {"encoding": "klingon"}}, "'file.encoding'"),
    ({"columns": {"yeer": "SY"}}, "'columns.yeer'"),
    ({"columns": {"year": {"a": 1}}}, "'columns.year'"),
    ({"columns": {"year": "SY"}, "constants": {"year": 2024}}, "'constants.year'"),
    ({"constants": {"district": ["A", "B"]}}, "'constants.district'"),
    ({"layout": "wide"}, "'wide'"),
    ({**WIDE, "wide": {"numerator": "ALL_NUM", "denominator": "{group}_DEN"}}, "'wide.numerator'"),
    ({**WIDE, "wide": {"numerator": "{grp}_NUM", "denominator": "{group}_DEN"}}, "'wide.numerator'"),
    ({**WIDE, "wide": {"denominator": "{group}_DEN"}}, "'wide'"),
    ({**WIDE, "wide": {"numerator": "{group}_NUM"}}, "'wide'"),
    ({**WIDE, "wide": {"numerator": "{group}_NUM", "denominator": "{group}_{outcome}_DEN"}},
     "'wide.denominator'"),
    ({**WIDE, "columns": {"year": "SY"}}, "'wide'"),  # outcome from nowhere
    ({**WIDE, "columns": {"year": "SY", "outcome": "IND", "group": "G"}}, "'columns.group'"),
    ({"wide": {"numerator": "{group}_NUM"}}, "'wide'"),  # wide patterns on a long layout
    ({"values": {"group": {"Hisp": "Martians"}}}, "'values.group.Hisp'"),
    ({"values": {"outcome": {"H": "happiness"}}}, "'values.outcome.H'"),
    ({"kind": "students", "values": {"race": {"1": "Female"}}}, "'values.race.1'"),
    ({"values": {"group": ["Hisp"]}}, "'values.group'"),
    ({"year_is": "middle"}, "'year_is'"),
    ({"rate_scale": "permille"}, "'rate_scale'"),
    ({"year_offset": "4"}, "'year_offset'"),
    ({"year_offset": 4.5}, "'year_offset'"),
    ({"year_offset": True}, "'year_offset'"),
    ({"year_offset": 21}, "'year_offset'"),
    ({"year_offset": -21}, "'year_offset'"),
    ({"suppressed": {"*": 1}}, "'suppressed'"),
])
def test_invalid_mappings_name_the_key(data, key):
    with pytest.raises(ConfigError) as caught:
        parse_mapping(data, source="m.yml")
    message = str(caught.value)
    assert key in message and message.startswith("m.yml") and "\n" not in message


def test_a_mapping_must_be_a_dict(tmp_path):
    path = tmp_path / "m.mapping.yml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(ConfigError, match=r"m\.mapping\.yml"):
        read_mapping(path)
    with pytest.raises(ConfigError, match="not found"):
        read_mapping(tmp_path / "missing.yml")


def test_docs_example_reads_as_documented(tmp_path):
    text = (ROOT / "docs" / "mapping.md").read_text(encoding="utf-8")
    csv_block = re.search(r"```csv\n(.*?)```", text, re.S)[1]
    yaml_block = re.search(r"```yaml\n(.*?)```", text, re.S)[1]
    data = tmp_path / "state.csv"
    data.write_bytes(csv_block.encode("cp1252"))
    (tmp_path / "state.mapping.yml").write_text(yaml_block)
    counts = load(data).counts.set_index(["outcome", "group"])
    assert len(counts) == 3 * 3
    assert (counts.loc[("graduation", "Black or African American"), ["numerator", "denominator"]]
            .tolist() == [9196, 11885])
    expelled = counts.loc[("expulsion", "Black or African American")]
    assert math.isnan(expelled.numerator) and (expelled.numerator_low, expelled.numerator_high) == (0, 148949)
    assert counts.loc[("identification", "Students with disabilities")][["numerator", "denominator"]].isna().all()
    assert set(counts.reset_index().district) == {"State"}


def test_demo_mapping_is_valid():
    mapping = read_mapping(ROOT / "data" / "demo" / "state_public_file.mapping.yml")
    assert isinstance(mapping, Mapping)
    assert mapping.layout == "wide" and mapping.constants["district"] == "State"
    assert mapping.constants["school"] == ""


def _write(tmp_path, name, text, mapping):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    path.with_name(path.stem + ".mapping.yml").write_text(yaml.safe_dump(mapping))
    return path


def test_renamed_and_respaced_headers_still_match(tmp_path):
    mapping = {**WIDE, "columns": {"year": ["SCHOOL_YEAR", "SY"], "outcome": ["INDICATOR", "Measure"]}}
    last_year = _write(tmp_path, "a.csv", "SCHOOL_YEAR,INDICATOR,ALL_NUM,ALL_DEN\n2022-23,GRAD,9,10\n", mapping)
    this_year = _write(tmp_path, "b.csv", "School Year ,measure , all_num,ALL_DEN \n2023-24,GRAD,8,10\n", mapping)
    a, b = load(last_year).counts, load(this_year).counts
    assert (a.year.item(), a.numerator.item()) == (2023, 9)
    assert (b.year.item(), b.numerator.item(), b.group.item()) == (2024, 8, "All students")


def test_groups_and_outcomes_both_in_column_names(tmp_path):
    # one denominator per group serves both outcomes; the group names hold the separator
    mapping = {"layout": "wide", "columns": {"year": "YEAR", "school": "SCHOOL"},
               "wide": {"numerator": "{outcome}_{group}_N", "denominator": "{group}_ENROLLED",
                        "groups": ["ALL", "TWO_OR_MORE", "MB"]},
               "values": {"group": {"TWO_OR_MORE": "Two or more races"}}}
    text = ("YEAR,SCHOOL,ALL_ENROLLED,MB_ENROLLED,TWO_OR_MORE_ENROLLED,OSS_ALL_N,OSS_MB_N,OSS_TWO_OR_MORE_N,"
            "ISS_ALL_N,ISS_MB_N,ISS_TWO_OR_MORE_N\n"
            "2024,Adams,500,100,40,25,12,s,30,9,3\n")
    counts = load(_write(tmp_path, "d.csv", text, mapping)).counts.set_index(["outcome", "group"])
    assert len(counts) == 6
    assert counts.loc[("suspension_out_of_school", "Black or African American"),
                      ["numerator", "denominator"]].tolist() == [12, 100]
    assert counts.loc[("suspension_in_school", "Two or more races"), ["numerator", "denominator"]].tolist() == [3, 40]
    assert math.isnan(counts.loc[("suspension_out_of_school", "Two or more races"), "numerator"])
    assert set(counts.reset_index().school) == {"Adams"}


def test_groups_as_rows_outcomes_as_columns(tmp_path):
    mapping = {"layout": "wide", "columns": {"year": "Year", "group": "Student Group"},
               "constants": {"district": "Riverside"},
               "wide": {"numerator": "{outcome} count", "denominator": "{outcome} cohort"},
               "year_is": "start", "suppressed": ["<>"], "skip_columns": ["Notes count"]}
    text = ("Year,Student Group,GRAD count,GRAD cohort,DROP count,DROP cohort,Notes count\n"
            "2023,All,90,100,4,400,see note\n"
            "2023,Hispanic,<>,30,1,120,\n")
    counts = load(_write(tmp_path, "r.csv", text, mapping)).counts
    assert set(counts.year) == {2024}  # year_is: start -> 2023 names 2023-24
    row = counts[(counts.group == "Hispanic/Latino") & (counts.outcome == "graduation")].iloc[0]
    assert math.isnan(row.numerator) and row.denominator == 30
    assert len(counts) == 4


def test_fraction_rates(tmp_path):
    mapping = {"columns": {"year": "y", "group": "g", "rate": "r", "denominator": "n"},
               "constants": {"outcome": "graduation"}, "rate_scale": "fraction"}
    text = "y,g,r,n\n2024,ALL,0.873,150\n2024,MB,>0.95,40\n"
    counts = load(_write(tmp_path, "f.csv", text, mapping)).counts.set_index("group")
    assert counts.loc["All students", "numerator"] == 131  # 0.8725 <= k/150 < 0.8735
    assert counts.loc["Black or African American", ["numerator_low", "numerator_high"]].tolist() == [39, 40]


def test_rate_beside_numerator_fills_only_the_suppressed_cells(tmp_path):
    mapping = {"layout": "wide", "columns": {"year": "SY"}, "constants": {"outcome": "graduation"},
               "wide": {"numerator": "{group}_N", "denominator": "{group}_D", "rate": "{group}_PCT"}}
    text = "SY,ALL_N,ALL_D,ALL_PCT,MB_N,MB_D,MB_PCT\n2024,90,100,90.0,*,40,80-84\n"
    counts = load(_write(tmp_path, "b.csv", text, mapping)).counts.set_index("group")
    assert counts.loc["All students", "numerator"] == 90
    assert counts.loc["Black or African American", ["numerator_low", "numerator_high"]].tolist() == [32, 33]


def test_mapped_column_missing_suggests_the_typo(tmp_path):
    mapping = {"columns": {"year": "SCHOOL_YEAR", "group": "GROUP", "outcome": "OUTCOME",
                           "numerator": "NUMERATOR", "denominator": "DENOMINATOR"}}
    path = _write(tmp_path, "t.csv", "SCHOOL_YEAR,GROUP,OUTCOME,NUMERATR,DENOMINATOR\n2024,ALL,GRAD,1,2\n", mapping)
    with pytest.raises(InputError, match=r"t\.csv, column 'NUMERATOR': missing required column "
                                         r"\(did you mean 'NUMERATR'\?\).*t\.mapping\.yml, columns\.numerator"):
        load(path)


def test_student_export_through_a_mapping(tmp_path):
    mapping = {"kind": "students",
               "columns": {"student_id": "Local ID", "year": "SchoolYear", "school": "Bldg",
                           "race": "Fed Race", "homeless": "McKinney-Vento", "graduated": "Grad"},
               "constants": {"district": "Riverside"},
               "values": {"race": {"1": "Hispanic/Latino", "5": "White"}, "homeless": {"": "N"},
                          "school": {"010": "Adams High"}}}
    text = ("Local ID,SchoolYear,Bldg,Fed Race,McKinney-Vento,Grad\n"
            "77,2023-2024,010,1,Y,1\n78,2023-2024,010,5,,0\n")
    students = load_students(_write(tmp_path, "sis.csv", text, mapping))
    assert students.race.tolist() == ["MHL", "MW"]
    assert students.homeless.tolist() == [True, False]
    assert students.school.tolist() == ["Adams High"] * 2
    assert set(students.district) == {"Riverside"} and set(students.year) == {2024}
    data = load(tmp_path / "sis.csv")
    assert data.kind == "students"
    c = data.counts.set_index(["school", "group", "outcome"])
    assert c.loc[("", "Homeless", "graduation"), ["numerator", "denominator"]].tolist() == [1, 1]


def test_canonical_counts_written_out_read_back(tmp_path):
    counts = load(ROOT / "tests" / "files" / "good" / "counts_markers.csv", district="Riverside").counts
    path = tmp_path / "export.csv"
    counts.to_csv(path, index=False)
    pd.testing.assert_frame_equal(load(path).counts, counts)


def test_intersection_groups_read_back(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("year,school,group,outcome,numerator,denominator\n2024,,ALL,OSS,40,1000\n"
                    "2024,,MB × WDIS,OSS,9,60\n", encoding="utf-8")
    assert load(path).counts.group.tolist()[1] == "Black or African American × Students with disabilities"


@pytest.mark.parametrize(("constants", "key"), [
    ({"year": "next year"}, "'constants.year'"), ({"outcome": "happiness"}, "'constants.outcome'"),
    ({"group": "Martians"}, "'constants.group'"),
])
def test_constants_are_checked_when_the_mapping_is_read(constants, key):
    with pytest.raises(ConfigError, match=re.escape(key)):
        parse_mapping({"constants": constants})


def test_year_offset_turns_an_entry_cohort_into_the_school_year_it_graduates(tmp_path):
    mapping = {"columns": {"year": "Cohort", "group": "Subgroup", "numerator": "Graduates",
                           "denominator": "Cohort Size"},
               "constants": {"outcome": "graduation"}, "year_offset": 4}
    text = ("Cohort,Subgroup,Graduates,Cohort Size\n"
            "2001,All Students,880,1000\n2001,Hispanic,130,150\n2002,All Students,900,1000\n")
    counts = load(_write(tmp_path, "cohorts.csv", text, mapping)).counts
    assert sorted(set(counts.year)) == [2005, 2006]  # cohort 2001 graduates in 2004-05
    assert parse_mapping({"year_offset": -3}).year_offset == -3
    assert parse_mapping({}).year_offset == 0


def test_year_offset_past_the_plausible_years_is_a_problem_of_the_row(tmp_path):
    mapping = {"columns": {"year": "Cohort", "group": "Subgroup", "numerator": "Graduates",
                           "denominator": "Cohort Size"},
               "constants": {"outcome": "graduation"}, "year_offset": 4}
    text = "Cohort,Subgroup,Graduates,Cohort Size\n2099,All Students,880,1000\n2001,All Students,880,1000\n"
    data = load(_write(tmp_path, "cohorts.csv", text, mapping), set_aside=True)
    assert [(p.row, p.column, p.kind) for p in data.problems] == [(2, "Cohort", "not a school year")]
    assert "year_offset 4: 2103" in data.problems[0].problem
    assert list(data.counts.year) == [2005]


def test_docs_year_offset_example_reads_as_documented(tmp_path):
    text = (ROOT / "docs" / "mapping.md").read_text(encoding="utf-8")
    csv_block, yaml_block = re.search(r"```csv\n(Cohort,.*?)```\n\n```yaml\n(.*?)```", text, re.S).groups()
    data = tmp_path / "cohorts.csv"
    data.write_text(csv_block, encoding="utf-8")
    (tmp_path / "cohorts.mapping.yml").write_text(yaml_block, encoding="utf-8")
    counts = load(data).counts
    assert set(counts.year) == {2005} and len(counts) == 2
