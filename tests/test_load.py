"""Loading: the bad-file corpus, good files in every shape, and the demo district's files."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from successgaps_lib import groups as vocab
from successgaps_lib.errors import ConfigError, InputError
from successgaps_lib.load import Dataset, load, load_counts, load_students, parse_count, read_table, round_half_up
from successgaps_lib.parse import parse_rate, parse_year
from successgaps_lib.table import COLUMNS, STUDENT_COLUMNS

FILES = Path(__file__).parent / "files"
BAD, GOOD = FILES / "bad", FILES / "good"
DEMO = Path(__file__).parents[1] / "data" / "demo"
EXPECTED = yaml.safe_load((BAD / "expected.yml").read_text(encoding="utf-8"))
ERRORS = {"InputError": InputError, "ConfigError": ConfigError}


# --- The bad-file corpus --------------------------------------------------------------------

def _data_files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.is_file() and not p.name.endswith((".yml", ".yaml"))}


def test_corpus_is_complete():
    assert len(EXPECTED) >= 30
    assert _data_files(BAD) == set(EXPECTED), "every bad file needs an entry in expected.yml, and back"
    kinds = {Path(name).suffix for name in EXPECTED}
    assert {".csv", ".xlsx", ".parquet"} <= kinds


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_raises_one_clear_line(name):
    spec = EXPECTED[name]
    with pytest.raises(ERRORS[spec.get("error", "InputError")]) as caught:
        load(BAD / name)
    message = str(caught.value)
    assert "\n" not in message and message == message.strip()
    for part in spec["contains"]:
        assert str(part) in message, f"{part!r} missing from: {message}"
    for part in spec.get("absent", []):
        assert str(part) not in message


def test_binary_corpus_files_are_what_the_script_writes(tmp_path):
    spec = importlib.util.spec_from_file_location("make_bad_files", FILES / "make_bad_files.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    made = module.write(tmp_path)
    assert {p.name for p in made} <= set(EXPECTED)
    for path in made:
        mapping = BAD / (path.stem + ".mapping.yml")
        if mapping.exists():
            (tmp_path / mapping.name).write_bytes(mapping.read_bytes())
        with pytest.raises((InputError, ConfigError)) as fresh:
            load(path)
        with pytest.raises((InputError, ConfigError)) as committed:
            load(BAD / path.name)
        assert str(fresh.value).replace(str(tmp_path), "") == str(committed.value).replace(str(BAD), "")


def test_errors_name_the_file_as_given(tmp_path):
    with pytest.raises(InputError) as caught:
        load(str(BAD / "unknown_group.csv"))
    assert caught.value.file == str(BAD / "unknown_group.csv")
    assert (caught.value.row, caught.value.column, caught.value.value) == (4, "group", "Martians")


# --- Reading: encodings, BOMs, preambles, formats -------------------------------------------

NAMES = load(GOOD / "counts_names.csv").counts


def test_plain_counts_file():
    counts = NAMES
    assert list(counts.columns) == COLUMNS
    assert len(counts) == 8
    row = counts[(counts.school == "") & (counts.group == "Black or African American")].iloc[0]
    assert (row.year, row.district, row.outcome, row.numerator, row.denominator) == (
        2024, "District", "graduation", 20.0, 25.0)


def test_codes_and_plain_names_give_the_same_table():
    codes = load(GOOD / "counts_codes.csv").counts
    pd.testing.assert_frame_equal(codes, NAMES)


def test_bom_and_crlf_are_invisible():
    raw = read_table(GOOD / "counts_bom.csv")
    assert raw.columns[0] == "year"
    assert raw.attrs["encoding"] == "utf-8-sig"
    pd.testing.assert_frame_equal(load(GOOD / "counts_bom.csv").counts, NAMES)


def test_latin1_semicolons_preamble_footnote_and_trailing_spaces():
    raw = read_table(GOOD / "counts_latin1.csv")
    assert raw.attrs["encoding"] == "cp1252" and raw.attrs["header_row"] == 4
    assert list(raw.columns) == ["year", "School", "GROUP", "outcome", "numerator", "denominator"]
    assert raw.index.tolist() == [5, 6, 8, 9]  # blank row 7 and the footnote on row 10 are gone
    counts = load(GOOD / "counts_latin1.csv").counts
    assert sorted(set(counts.school)) == ["", "Peña High"]
    suppressed = counts[(counts.school == "Peña High") & (counts.group == "Hispanic/Latino")].iloc[0]
    assert math.isnan(suppressed.numerator)
    assert (suppressed.numerator_low, suppressed.numerator_high, suppressed.denominator) == (0, 9, 9)


def test_errors_in_a_file_with_a_preamble_name_the_spreadsheet_row(tmp_path):
    text = (GOOD / "counts_latin1.csv").read_bytes().replace(b"Pe\xf1a High;Hispanic/Latino;graduation;*;9",
                                                              b"Pe\xf1a High;Hispanic/Latino;graduation;10;9")
    path = tmp_path / "report.csv"
    path.write_bytes(text)
    with pytest.raises(InputError, match=r"report\.csv, row 9, column 'numerator': value '10'"):
        load(path)


def test_utf16_with_bom_and_tabs(tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes((GOOD / "counts_names.csv").read_text().replace(",", "\t").encode("utf-16"))
    pd.testing.assert_frame_equal(load(path).counts, NAMES)


def test_explicit_encoding_overrides_detection(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("year,school\n2024,Peña\n".encode("cp1252"))
    assert read_table(path, encoding="latin-1").loc[2, "school"] == "Peña"
    with pytest.raises(InputError, match=r"row 2.*not utf-8"):
        read_table(path, encoding="utf-8")


def test_excel_with_title_rows_and_a_readme_sheet(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Read me"
    book.active.append(["These counts are for the success gaps team"])
    sheet = book.create_sheet("Counts")
    sheet.append(["District counts, 2023-24"])
    sheet.append([])
    source = pd.read_csv(GOOD / "counts_names.csv", dtype=str, keep_default_na=False)
    sheet.append(list(source.columns))
    for row in source.itertuples(index=False):
        sheet.append([int(v) if v.isdigit() else v for v in row])
    path = tmp_path / "counts.xlsx"
    book.save(path)
    raw = read_table(path, expect=["year", "group", "outcome"])
    assert raw.attrs["file"].endswith("[sheet 'Counts']") and raw.attrs["header_row"] == 3
    assert raw.index[0] == 4
    pd.testing.assert_frame_equal(load(path).counts, NAMES)
    pd.testing.assert_frame_equal(load(path, sheet="counts").counts, NAMES)  # case-insensitive name
    with pytest.raises(InputError, match=r"no sheet.*'Read me', 'Counts'"):
        load(path, sheet="2024")


def test_parquet_counts_and_students(tmp_path):
    source = pd.read_csv(GOOD / "counts_names.csv", dtype=str, keep_default_na=False)
    path = tmp_path / "counts.parquet"
    source.to_parquet(path)
    pd.testing.assert_frame_equal(load(path).counts, NAMES)
    typed = source[source.numerator.str.isdigit()].astype({"numerator": "int64", "denominator": "float64",
                                                          "year": "int32"})
    typed.to_parquet(path)
    assert load(path).counts.numerator.tolist() == typed.numerator.astype(float).tolist()
    students = load_students(GOOD / "students_small.csv")
    students.to_parquet(tmp_path / "students.parquet")
    pd.testing.assert_frame_equal(load_students(tmp_path / "students.parquet"), students)


def test_a_file_with_the_wrong_extension_is_read_by_its_bytes(tmp_path):
    path = tmp_path / "counts.xlsx"
    path.write_bytes((GOOD / "counts_names.csv").read_bytes())
    pd.testing.assert_frame_equal(load(path).counts, NAMES)


# --- Values: markers, ranges, rates, years ---------------------------------------------------

def test_suppression_markers_stay_unknown_and_ranges_keep_bounds():
    counts = load(GOOD / "counts_markers.csv").counts.set_index("group")
    expected = {  # cell: (numerator, low, high) with denominator 60
        "Hispanic/Latino": (None, 0, 60), "American Indian or Alaska Native": (None, 0, 60),
        "Asian": (None, 0, 60), "Black or African American": (None, 0, 60),
        "Native Hawaiian or Other Pacific Islander": (None, 0, 60), "White": (None, 0, 60),
        "Two or more races": (None, 0, 60), "Students with disabilities": (None, 0, 60),
        "English learners": (None, 0, 9), "Economically disadvantaged": (None, 0, 5),
        "Migrant": (None, 10, 14), "Homeless": (None, 50, 60), "Foster care": (None, 0, 9),
        "Female": (None, 21, 60), "Male": (7, 7, 7),
    }
    for group, (value, low, high) in expected.items():
        row = counts.loc[group]
        assert (math.isnan(row.numerator) if value is None else row.numerator == value), group
        assert (row.numerator_low, row.numerator_high, row.denominator) == (low, high, 60), group
    assert not (counts.numerator == 0).any(), "a marker never becomes zero"


@pytest.mark.parametrize(("text", "expected"), [
    ("12", (12, 12, 12)), (" 1,234 ", (1234, 1234, 1234)), ("0", (0, 0, 0)), ("12.0", (12, 12, 12)),
    ("*", (None, None, None)), ("s", (None, None, None)), ("PS", (None, None, None)),
    ("-3", (None, None, None)), ("-99999999", (None, None, None)), ("", (None, None, None)),
    ("n/a", (None, None, None)), ("X", (None, None, None)), ("-", (None, None, None)),
    ("LT10", (None, 0, 9)), ("<10", (None, 0, 9)), ("< 10", (None, 0, 9)), ("LE10", (None, 0, 10)),
    ("GE50", (None, 50, None)), (">50", (None, 51, None)), ("10-14", (None, 10, 14)),
    ("10 – 14", (None, 10, 14)), ("N<10", (None, 0, 9)), ("5-5", (5, 5, 5)),
])
def test_parse_count(text, expected):
    got = parse_count(text)
    for g, e in zip(got, expected, strict=True):
        assert (math.isnan(g) if e is None else g == e), (text, got)


@pytest.mark.parametrize("text", ["twelve", "<5%", "14-10", "1 2", "12a", "95%"])
def test_parse_count_refuses(text):
    with pytest.raises(ValueError):
        parse_count(text)


@pytest.mark.parametrize(("text", "n", "bounds"), [
    ("87.3", 150, (131, 131, 131)),  # 130.875 <= k < 131.025
    ("80-84", 40, (None, 32, 33)),  # 79.5% <= rate < 85%: 31.8 <= k < 34
    ("GE90", 60, (None, 54, 60)),
    ("LT50", 200, (None, 0, 99)),
    ("<5%", 100, (None, 0, 4)),
    (">95%", 100, (None, 96, 100)),
    ("PS", 12, (None, 0, 12)),
    ("50", 3, ValueError),  # no whole count of 3 children is 50%
])
def test_rates_bound_the_count(text, n, bounds):
    if bounds is ValueError:
        with pytest.raises(ValueError):
            parse_rate(text).numerator_bounds(n)
        return
    got = parse_rate(text).numerator_bounds(n)
    for g, e in zip(got, bounds, strict=True):
        assert (math.isnan(g) if e is None else g == e), (text, got)


def test_round_half_up_differs_from_round():
    assert [round_half_up(x) for x in (0.5, 1.5, 2.5, -0.5)] == [1.0, 2.0, 3.0, -1.0]
    assert [round(x) for x in (0.5, 2.5)] == [0, 2]  # why the helper exists
    assert round_half_up(87.25, 1) == 87.3 and round_half_up(1.005, 2) == 1.01
    assert round_half_up(np.array([12.5, 13.5, 0.0])).tolist() == [13.0, 14.0, 0.0]


@pytest.mark.parametrize(("text", "year"), [
    ("2024", 2024), ("2023-24", 2024), ("2023-2024", 2024), ("SY2023-24", 2024), ("2023/24", 2024),
    ("1999-00", 2000), (2024, 2024), ("2024.0", 2024),
])
def test_parse_year(text, year):
    assert parse_year(text) == year


@pytest.mark.parametrize("text", ["next year", "2023-25", "24", "3024", "2024-23"])
def test_parse_year_refuses(text):
    with pytest.raises(ValueError):
        parse_year(text)


# --- Mapped files ---------------------------------------------------------------------------

def test_federal_rates_file_through_its_mapping():
    data = load(GOOD / "federal_rates.csv")
    assert data.kind == "mapped" and data.students is None
    c = data.counts.set_index(["school", "group"])
    assert set(c.index.get_level_values("school")) == {"Lincoln High", "Adams High"}
    assert set(data.counts.year) == {2024} and set(data.counts.district) == {"Demo"}
    assert set(data.counts.outcome) == {"graduation"}

    def bounds(school, group):
        row = c.loc[(school, group)]
        return tuple(None if math.isnan(v) else v for v in (row.numerator, row.numerator_low,
                                                             row.numerator_high, row.denominator))

    # hand-computed from the published rates (rounded half-up) and cohorts, see test_rates_bound_the_count
    assert bounds("Lincoln High", "All students") == (131, 131, 131, 150)
    assert bounds("Lincoln High", "Black or African American") == (None, 32, 33, 40)
    assert bounds("Lincoln High", "Students with disabilities") == (None, 0, 12, 12)
    assert bounds("Lincoln High", "Economically disadvantaged") == (None, 54, 60, 60)
    assert bounds("Adams High", "All students") == (None, 0, 99, 200)
    assert bounds("Adams High", "Students with disabilities") == (None, None, None, None)


def test_mapping_argument_overrides_and_dict_mappings(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Yr,Bldg,Sub,Ind,Met,Tested\n2024,,Total,Reading,45,100\n2024,,Hisp.,Reading,9,30\n"
                    "2024,,Gifted,Reading,20,21\n")
    mapping = {"columns": {"year": "Yr", "school": "Bldg", "group": "Sub", "outcome": "Ind",
                           "numerator": "Met", "denominator": "Tested"},
               "values": {"group": {"Hisp.": "Hispanic/Latino", "Gifted": None}}}
    counts = load(path, mapping=mapping).counts
    assert counts.group.tolist() == ["All students", "Hispanic/Latino"]  # Gifted dropped by the mapping
    assert counts.outcome.tolist() == ["reading_proficiency"] * 2
    yml = tmp_path / "elsewhere.yml"
    yml.write_text(yaml.safe_dump(mapping))
    pd.testing.assert_frame_equal(load_counts(path, mapping=yml), counts)


# --- Student records ------------------------------------------------------------------------

def test_student_records_are_canonical():
    students = load_students(GOOD / "students_small.csv")
    assert set(students.columns) <= set(STUDENT_COLUMNS)
    assert students.student_id.tolist() == ["A1", "A2", "A3", "A4", "A5"]
    assert students.year.tolist() == [2024] * 5 and students.year.dtype == np.int64
    assert students.grade.tolist() == ["12", "12", "11", "KG", "03"]
    assert students.school_level.tolist() == ["high", "high", "high", "elementary", "elementary"]
    assert students.sex.tolist() == ["F", "M", "F", "M", "F"]
    assert students.race.tolist() == ["MB", "MB", "MW", "MHL", "MHL"]
    assert students.disability.tolist() == [True, False, False, True, False]
    assert students.disability.dtype == bool
    assert students.disability_category.tolist() == ["SLD", "", "", "AUT", ""]
    assert students.english_learner.tolist() == [False, False, True, False, True]
    assert students.graduated.tolist()[:2] == [1.0, 0.0] and students.graduated.isna().sum() == 3


def test_student_file_is_counted():
    data = load(GOOD / "students_small.csv")
    assert isinstance(data, Dataset) and data.kind == "students" and len(data.students) == 5
    c = data.counts.set_index(["school", "group", "outcome"])

    def cell(school, group, outcome):
        row = c.loc[(school, group, outcome)]
        return row.numerator, row.denominator

    # counted by hand from students_small.csv
    assert cell("", "All students", "graduation") == (1, 2)
    assert cell("", "Black or African American", "graduation") == (1, 2)
    assert cell("", "All students", "suspension_out_of_school") == (2, 5)
    assert cell("", "Hispanic/Latino", "suspension_out_of_school") == (1, 2)
    assert cell("", "Students with disabilities", "suspension_out_of_school") == (1, 2)
    assert cell("", "Male", "suspension_out_of_school") == (2, 2)
    assert cell("", "All students", "identification") == (2, 5)
    assert cell("Lincoln High", "All students", "suspension_out_of_school") == (1, 3)
    assert "student_id" not in data.counts.columns


def test_load_students_from_a_frame_and_refuses_counts():
    frame = pd.DataFrame({"student_id": ["a", "b"], "year": [2024, 2024], "school": ["S", "S"],
                          "race": ["MB", None], "disability": [True, False], "graduated": [1.0, np.nan]})
    students = load_students(frame)
    assert students.race.tolist() == ["MB", ""] and students.graduated.isna().tolist() == [False, True]
    bad = frame.assign(disability=[True, None])
    with pytest.raises(InputError, match=r"\(data frame\), row 2, column 'disability'"):
        load_students(bad)
    with pytest.raises(InputError, match="holds counts, not student records"):
        load_students(GOOD / "counts_names.csv")


# --- The demo district ----------------------------------------------------------------------

demo = pytest.mark.skipif(not (DEMO / "students.csv").exists(), reason="demo data not generated yet")


@demo
def test_demo_students_and_counts_agree():
    from_students = load(DEMO / "students.csv")
    district = from_students.students.district.iloc[0]
    from_counts = load(DEMO / "counts.csv", district=district)
    assert from_counts.kind == "counts"
    key = ["year", "district", "school", "group", "outcome"]
    a = from_students.counts.astype(dict.fromkeys(key[1:], str)).sort_values(key).reset_index(drop=True)
    b = from_counts.counts.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


@demo
def test_demo_state_file_through_its_mapping():
    raw_lines = (DEMO / "state_public_file.csv").read_bytes().decode("cp1252").splitlines()
    header = raw_lines[2].split(",")
    first = dict(zip(header, raw_lines[3].split(","), strict=True))
    data = load(DEMO / "state_public_file.csv")
    counts = data.counts
    assert data.kind == "mapped"
    assert set(counts.district) == {"State"} and set(counts.school) == {""}
    groups = {c[:-4] for c in header if c.endswith("_NUM")}
    assert set(counts.group) == {vocab.canonical_group(g) for g in groups}
    n_rows = len(raw_lines) - 3
    assert len(counts) == n_rows * len(groups)
    year = parse_year(first["SCHOOL_YEAR"])
    outcome = vocab.canonical_outcome(first["INDICATOR"])
    cell = counts[(counts.year == year) & (counts.outcome == outcome) & (counts.group == "All students")].iloc[0]
    assert (cell.numerator, cell.denominator) == (float(first["ALL_NUM"]), float(first["ALL_DEN"]))
    stars = sum(line.count("*") for line in raw_lines[3:])
    assert counts.numerator.isna().sum() >= stars > 0
    assert not (counts.numerator == 0).any()


def test_a_sheet_name_is_ignored_for_text_files():
    pd.testing.assert_frame_equal(load(GOOD / "counts_names.csv", sheet="Data").counts, NAMES)


def test_a_truncated_last_row_is_reported_not_dropped_as_a_footnote(tmp_path):
    path = tmp_path / "kids.csv"
    path.write_text((GOOD / "students_small.csv").read_text() + "A6,,,,,,,,,,,,\n")
    with pytest.raises(InputError, match=r"kids\.csv, row 7, column 'year'"):
        load(path)


def test_unreadable_paths_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="folder"):
        load(tmp_path)
    with pytest.raises(InputError, match="not found"):
        load(tmp_path / "missing.csv")


def test_names_written_differently_across_years_are_one_name_as_the_latest_year_writes_it(tmp_path):
    path = tmp_path / "state.csv"
    path.write_text("year,district,school,group,outcome,numerator,denominator\n"
                    "2022,ALABAMA,,ALL,GRAD,80,100\n"
                    "2022,ALABAMA,PEÑASCO HIGH,ALL,GRAD,8,10\n"
                    "2023,Alabama,,ALL,GRAD,85,100\n"
                    "2023,Alabama,Penasco High,ALL,GRAD,9,10\n"
                    "2023,Alabama,St. Mary's,ALL,GRAD,4,5\n"
                    "2024,alabama ,,ALL,GRAD,88,100\n"
                    "2024,Alabama,,MB,GRAD,8,10\n"
                    "2024,Alabama,Peñasco High,ALL,GRAD,9,10\n"
                    "2024,Alabama,St Marys,ALL,GRAD,4,5\n"
                    "2024,Georgia,St. Mary's,ALL,GRAD,4,5\n", encoding="utf-8")
    data = load(path)
    counts = data.counts
    assert sorted(pd.unique(counts["district"])) == ["Alabama", "Georgia"]
    alabama = counts[counts["district"] == "Alabama"]
    assert set(alabama["school"]) == {"", "Peñasco High", "St Marys"}
    assert (counts[counts["district"] == "Georgia"]["school"] == "St. Mary's").all()  # another district's school
    assert data.notes[:4] == (
        "district 'ALABAMA' (2021-22) is read as 'Alabama', as 2023-24 writes it",
        "district 'alabama' (2023-24) is read as 'Alabama', as 2023-24 writes it",
        "school 'PEÑASCO HIGH' (2021-22) is read as 'Peñasco High', as 2023-24 writes it",
        "school 'Penasco High' (2022-23) is read as 'Peñasco High', as 2023-24 writes it",
    )
    assert data.notes[4] == "school \"St. Mary's\" (2022-23) is read as 'St Marys', as 2023-24 writes it"
    assert not any("Georgia" in n for n in data.notes)


def test_one_spelling_in_every_year_needs_no_note(tmp_path):
    path = tmp_path / "counts.csv"
    path.write_text("year,school,group,outcome,numerator,denominator\n"
                    "2023,Lincoln High,ALL,GRAD,8,10\n2024,Lincoln High,ALL,GRAD,9,10\n")
    data = load(path)
    assert data.notes == ()
    assert set(data.counts["school"]) == {"Lincoln High"}


def test_student_records_school_names_follow_the_latest_year(tmp_path):
    path = tmp_path / "students.csv"
    path.write_text("student_id,year,school,grade,race,graduated\n"
                    "S1,2023,LINCOLN HIGH,12,MW,1\nS2,2024,Lincoln High,12,MB,1\n")
    data = load(path)
    assert set(data.students["school"]) == {"Lincoln High"}
    assert data.notes[0] == "school 'LINCOLN HIGH' (2022-23) is read as 'Lincoln High', as 2023-24 writes it"
