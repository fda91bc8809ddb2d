"""The demo district: reproducible, realistic in shape, and its planted gaps really are there.

Planted gaps are checked with plain pandas on the student records (not with the metrics
module), against the true rates written in planted_gaps.yml.
"""

import csv
import math
import re

import numpy as np
import pandas as pd
import pytest
import yaml

from successgaps_lib import demo
from successgaps_lib import groups as vocab
from successgaps_lib.table import STUDENT_COLUMNS, STUDENT_OUTCOMES

Z95 = 1.959964
TOLERANCE_SE = 4  # observed within 4 standard errors of the truth: fails by chance ~1 in 15,000
FILES = ("students.csv", "counts.csv", "state_public_file.csv", "planted_gaps.yml", "README.md")


@pytest.fixture(scope="module")
def students():
    return demo.generate()


@pytest.fixture(scope="module")
def planted(demo_dir):
    return yaml.safe_load((demo_dir / "planted_gaps.yml").read_text(encoding="utf-8"))


# --- Reproducibility -------------------------------------------------------------------------

def test_same_seed_gives_identical_records_and_another_seed_does_not(students):
    pd.testing.assert_frame_equal(students, demo.generate(demo.DEFAULT_SEED))
    other = demo.generate(demo.DEFAULT_SEED + 1)
    assert not students.equals(other)
    assert abs(len(other) - len(students)) < 0.05 * len(students)  # same design, other draws


def test_committed_files_are_what_the_code_writes(tmp_path, demo_dir, capsys):
    assert demo.main([str(tmp_path)]) == 0
    assert "students.csv" in capsys.readouterr().out
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (demo_dir / name).read_bytes(), f"{name} drifted: run make data"


def test_committed_students_read_back_equal_generate(students, demo_dir):
    path = demo_dir / "students.csv"
    assert path.stat().st_size < 10_000_000
    pd.testing.assert_frame_equal(demo.read_students(path), students)


def test_help_and_seed_option(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        demo.main(["--help"])
    assert exit_.value.code == 0
    assert "--seed" in capsys.readouterr().out


def test_generation_is_fast():
    import time

    start = time.perf_counter()
    demo.generate(5)
    assert time.perf_counter() - start < 5


# --- Shape --------------------------------------------------------------------------------

def test_columns_types_and_district(students):
    assert list(students.columns) == STUDENT_COLUMNS
    assert set(students.district) == {demo.DISTRICT}
    assert students.student_id.str.fullmatch(r"DEMO-\d{6}").all()
    assert not students.duplicated(["student_id", "year"]).any()
    for column in ("disability", "english_learner", "econ_disadvantaged", "migrant", "homeless", "foster_care"):
        assert students[column].dtype == bool
    for column in STUDENT_OUTCOMES:
        assert set(students[column].dropna().unique()) <= {0.0, 1.0}


def test_schools_years_and_enrollment(students):
    assert sorted(students.year.unique()) == [2022, 2023, 2024, 2025]
    levels = students.groupby("school").school_level.agg(lambda s: set(s))
    assert all(len(v) == 1 for v in levels)
    assert sorted(levels.map(lambda s: next(iter(s))).value_counts().items()) == [
        ("elementary", 6), ("high", 2), ("middle", 2)]
    per_year = students.groupby("year").size()
    assert per_year.between(14_000, 16_000).all()
    grades = {"elementary": {"KG", "01", "02", "03", "04", "05"}, "middle": {"06", "07", "08"},
              "high": {"09", "10", "11", "12"}}
    for level, seen in students.groupby("school_level").grade.agg(set).items():
        assert seen == grades[level]


def test_race_composition_has_all_seven_groups_with_small_nhpi_and_aian(students):
    share = students.race.value_counts(normalize=True)
    assert set(share.index) == {g.code for g in vocab.GROUPS.values() if g.dimension == "race"}
    assert share["MNP"] < 0.01 and share["MAN"] < 0.02
    assert 0.35 < share["MW"] < 0.55 and 0.2 < share["MHL"] < 0.35 and 0.1 < share["MB"] < 0.2
    assert set(students.sex) == {"F", "M"}


def test_children_persist_and_move_up_a_grade(students):
    order = {g: i for i, g in enumerate(demo.GRADES)}
    a = students[students.year == 2023].set_index("student_id").grade.map(order)
    b = students[students.year == 2024].set_index("student_id").grade.map(order)
    both = a.index.intersection(b.index)
    assert len(both) > 0.8 * len(a)
    assert ((b[both] - a[both]) == 1).all()


def test_populations_at_risk(students):
    grade = students.grade
    assert students.graduated.notna().eq(grade == "12").all()
    assert students.dropped_out.notna().eq(grade.isin(["09", "10", "11", "12"])).all()
    tested_grade = grade.isin(["03", "04", "05", "06", "07", "08", "11"])
    for column in ("reading_proficient", "math_proficient"):
        assert not students.loc[~tested_grade, column].notna().any()
        assert students.loc[tested_grade, column].notna().mean() > 0.95
    for column in ("suspended_out_of_school", "suspended_in_school", "expelled", "chronically_absent"):
        assert students[column].notna().all()


def test_background_rates_are_realistic(students):
    rate = students[STUDENT_OUTCOMES].mean()
    assert 0.80 < rate.graduated < 0.92
    assert 0.005 < rate.dropped_out < 0.05
    assert 0.35 < rate.reading_proficient < 0.55 and 0.30 < rate.math_proficient < 0.50
    assert 0.02 < rate.suspended_out_of_school < 0.07 and 0.02 < rate.suspended_in_school < 0.08
    assert 0 < rate.expelled < 0.01
    assert 0.10 < rate.chronically_absent < 0.20
    assert 0.10 < students.disability.mean() < 0.16
    for column, low, high in (("english_learner", 0.05, 0.15), ("econ_disadvantaged", 0.35, 0.6),
                              ("homeless", 0.01, 0.05), ("migrant", 0.005, 0.03), ("foster_care", 0.001, 0.01)):
        assert low < students[column].mean() < high, column


def test_dropouts_leave_and_count_as_not_graduated(students):
    dropouts = students[students.dropped_out == 1]
    last_year = students.groupby("student_id").year.max()
    assert (dropouts.year.to_numpy() == last_year[dropouts.student_id].to_numpy()).all()
    assert (dropouts.loc[dropouts.grade == "12", "graduated"] == 0).all()
    assert (dropouts.grade == "12").any()


def test_disability_categories(students):
    swd = students.disability
    assert (students.disability_category[~swd] == "").all()
    assert set(students.disability_category[swd]) == set(vocab.DISABILITY_CATEGORIES)
    assert students.loc[swd & ~students.grade.isin(["KG", "01", "02", "03"]), "disability_category"].ne("DD").all()


# --- Planted gaps ---------------------------------------------------------------------------

def _observed(students, gap):
    """Per year a_group, n_group, a_comparison, n_comparison; and the effective number of children.

    A child counted in several years with a persistent status weighs w = years; the pooled rate
    is then as precise as sum(w)^2 / sum(w^2) independent children.
    """
    frame = students[students.school == gap["school"]] if gap["school"] else students
    group = vocab.GROUPS[gap["group"]]
    column = vocab.OUTCOMES[gap["outcome"]].column
    if column in frame:
        values = frame[column]
    else:  # identification_<category>
        values = (frame.disability_category == gap["outcome"].split("_")[1].upper()).astype(float)
    rows = frame[values.notna()].assign(value=values, member=frame[group.dimension] == group.value)
    per_year = rows.groupby(["year", "member"]).value.agg(["sum", "size"]).unstack("member")
    weights = rows.groupby(["member", "student_id"]).size()
    children = weights.groupby("member").sum() ** 2 / (weights**2).groupby("member").sum()
    return per_year, children


def test_planted_gap_list(planted):
    gaps = planted["gaps"]
    assert sum(g["kind"] == "real" for g in gaps) >= 5 and sum(g["kind"] == "noise" for g in gaps) >= 3
    assert any(g["kind"] == "real" and g["school"] for g in gaps)
    assert sum(g["kind"] == "real" and not g["school"] for g in gaps) >= 4
    for g in gaps:
        assert g["group"] in vocab.GROUPS and vocab.GROUPS[g["group"]].focal
        assert g["outcome"] in vocab.OUTCOMES
        assert g["school"] in ("", *demo.SCHOOLS)
        assert g["years"] == [2022, 2023, 2024, 2025] and g["sentence"]
        assert 0 < g["true_rate_group"] < 1 and 0 < g["true_rate_comparison"] < 1
        assert g["true_risk_ratio"] == pytest.approx(g["true_rate_group"] / g["true_rate_comparison"], abs=1e-3)
        if g["kind"] == "noise":
            assert g["true_rate_group"] == g["true_rate_comparison"]
        else:
            ratio, difference = g["true_risk_ratio"], abs(g["true_difference"])
            assert difference >= 0.05 and (difference >= 0.15 or ratio >= 2 or ratio <= 0.5)


def test_observed_counts_in_yaml_match_the_records(students, planted):
    for gap in planted["gaps"]:
        per_year, _ = _observed(students, gap)
        for year, seen in gap["observed"].items():
            assert (seen["a_group"], seen["n_group"]) == tuple(per_year.loc[year, [("sum", True), ("size", True)]])
            assert (seen["a_comparison"], seen["n_comparison"]) == tuple(
                per_year.loc[year, [("sum", False), ("size", False)]])


@pytest.mark.parametrize("gap_id", [g.id for g in demo.PLANTED_GAPS])
def test_observed_rates_agree_with_true_rates(students, planted, gap_id):
    gap = next(g for g in planted["gaps"] if g["id"] == gap_id)
    per_year, children = _observed(students, gap)
    pooled = per_year.sum()
    # Identification persists from year to year, so a child is one observation, not four.
    persistent = gap["outcome"].startswith("identification")
    for member, truth in ((True, gap["true_rate_group"]), (False, gap["true_rate_comparison"])):
        a, n = pooled[("sum", member)], pooled[("size", member)]
        se = math.sqrt(truth * (1 - truth) / (children[member] if persistent else n))
        assert abs(a / n - truth) < TOLERANCE_SE * se, (member, a, n, truth)


@pytest.mark.parametrize("gap_id", [g.id for g in demo.PLANTED_GAPS if g.kind == "real"])
def test_real_gaps_are_certain_every_year(students, planted, gap_id):
    gap = next(g for g in planted["gaps"] if g["id"] == gap_id)
    per_year, _ = _observed(students, gap)
    sign = np.sign(gap["true_difference"])
    for year, row in per_year.iterrows():
        p1, n1 = row[("sum", True)] / row[("size", True)], row[("size", True)]
        p2, n2 = row[("sum", False)] / row[("size", False)], row[("size", False)]
        se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
        assert sign * (p1 - p2) - Z95 * se > 0, (year, p1, p2)  # the 95% CI excludes no difference
        assert n1 >= 100 and row[("sum", True)] >= 10


def test_school_gaps_are_concentrated_in_their_school(students, planted):
    """A school-level real gap is not (much) present elsewhere in the district."""
    for gap in (g for g in planted["gaps"] if g["kind"] == "real" and g["school"]):
        level = demo.SCHOOLS[gap["school"]]
        others = students[(students.school_level == level) & (students.school != gap["school"])]
        per_year, _ = _observed(others.assign(school=""), {**gap, "school": ""})
        pooled = per_year.sum()
        ratio = (pooled[("sum", True)] / pooled[("size", True)]) / (pooled[("sum", False)] / pooled[("size", False)])
        assert ratio < 1.6 < gap["true_risk_ratio"]


@pytest.mark.parametrize("gap_id", [g.id for g in demo.PLANTED_GAPS if g.kind == "noise"])
def test_noise_gaps_are_on_small_groups(students, planted, gap_id):
    gap = next(g for g in planted["gaps"] if g["id"] == gap_id)
    per_year, _ = _observed(students, gap)
    assert per_year[("size", True)].between(1, 39).all(), per_year[("size", True)].tolist()


# --- The state public file ---------------------------------------------------------------

def test_state_public_file_layout(demo_dir):
    raw = (demo_dir / "state_public_file.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    lines = raw.decode("cp1252").splitlines()
    assert "é" in lines[0] and "* = suppressed" in lines[1] and "," not in lines[0] + lines[1]
    rows = list(csv.reader(lines[2:]))
    header = rows[0]
    codes = ["ALL", "MHL", "MAN", "MA", "MB", "MNP", "MW", "MM", "WDIS", "LEP", "ECODIS", "MS",
             "HOMELSENRL", "FCS", "F", "M"]
    assert header == ["SCHOOL_YEAR", "INDICATOR", *(f"{c}_{s}" for c in codes for s in ("NUM", "DEN"))]
    table = pd.DataFrame(rows[1:], columns=header)
    assert len(table) == 4 * 9
    assert sorted(table.SCHOOL_YEAR.unique()) == ["2021-22", "2022-23", "2023-24", "2024-25"]
    assert list(table.INDICATOR.unique()) == ["GRAD", "DROP", "RLA", "MTH", "OSS", "ISS", "EXP", "CHRABS", "IDEA"]
    for code in codes:
        assert vocab.canonical_group(code)
    for indicator in table.INDICATOR.unique():
        assert vocab.canonical_outcome(indicator)
    idea = table[table.INDICATOR == "IDEA"]
    assert (idea[["WDIS_NUM", "WDIS_DEN"]] == "-").all().all()
    values = table.drop(columns=["SCHOOL_YEAR", "INDICATOR"])
    assert 4 <= (values == "*").sum().sum() <= 12 and (values == "*").any()["MNP_NUM"]
    assert values.map(lambda v: bool(re.fullmatch(r"\d+|\*|-", v))).all().all()
    enrollment = idea.ALL_DEN.astype(int)
    assert enrollment.between(850_000, 950_000).all()


def test_state_rates_are_close_to_but_not_the_district(demo_dir, students):
    table = pd.read_csv(demo_dir / "state_public_file.csv", encoding="cp1252", skiprows=2, dtype=str)
    known = table[table.ALL_NUM.str.isdigit()]
    state = (known.ALL_NUM.astype(int) / known.ALL_DEN.astype(int)).groupby(known.INDICATOR).mean()
    district = {"GRAD": "graduated", "DROP": "dropped_out", "RLA": "reading_proficient", "MTH": "math_proficient",
                "OSS": "suspended_out_of_school", "ISS": "suspended_in_school", "CHRABS": "chronically_absent"}
    for indicator, column in district.items():
        here = students[column].mean()
        assert state[indicator] != pytest.approx(here, abs=1e-4)
        assert abs(state[indicator] - here) < 0.25 * here + 0.01, indicator
    rows = table[table.INDICATOR == "IDEA"]
    shares = rows[[f"{c}_DEN" for c in ("MHL", "MAN", "MA", "MB", "MNP", "MW", "MM")]].astype(int)
    assert (shares.sum(axis=1) == rows.ALL_DEN.astype(int)).all()


# --- The data dictionary ------------------------------------------------------------------

def test_data_dictionary_names_every_column(root, demo_dir):
    text = (root / "data" / "README.md").read_text(encoding="utf-8")
    counts = pd.read_csv(demo_dir / "counts.csv", nrows=1)
    state = pd.read_csv(demo_dir / "state_public_file.csv", encoding="cp1252", skiprows=2, nrows=1)
    for column in [*STUDENT_COLUMNS, *counts.columns]:
        assert f"`{column}`" in text, column
    for column in state.columns:
        code = column.removesuffix("_NUM").removesuffix("_DEN")
        assert f"`{column}`" in text or f"`{code}`" in text, column
    for key in ("id", "kind", "group", "outcome", "school", "years", "true_rate_group", "true_rate_comparison",
                "true_difference", "true_risk_ratio", "sentence", "observed"):
        assert f"`{key}`" in text, key
