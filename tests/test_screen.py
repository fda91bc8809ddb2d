"""Screening: ranking by size and certainty, the success gap statement, the planted demo gaps."""

import math

import numpy as np
import pandas as pd
import pytest
import yaml

from successgaps_lib import metrics
from successgaps_lib.aggregate import count_students
from successgaps_lib.groups import ALL_STUDENTS, focal_groups
from successgaps_lib.load import load_counts
from successgaps_lib.screen import gap_phrases, group_noun, screen, statement, statements
from successgaps_lib.table import as_counts

GRAD = "graduation"
SWD = "Students with disabilities"


def make(rows, *, year=2025, district="D", school=""):
    """Counts from (group, outcome, numerator, denominator) rows in one place."""
    return as_counts(pd.DataFrame([
        {"year": year, "district": district, "school": school, "group": g, "outcome": o,
         "numerator": a, "denominator": n} for g, o, a, n in rows]))


def graduation():
    return make([
        (ALL_STUDENTS, GRAD, 900, 1000),
        (SWD, GRAD, 60, 150),  # 40.0% against 840/850 = 98.8%: huge and certain
        ("Homeless", GRAD, 70, 100),  # 70.0% against 830/900 = 92.2%: large and certain
        ("English learners", GRAD, 85, 100),  # 85.0% against 815/900 = 90.6%: CI reaches zero
        ("Foster care", GRAD, 5, 12),  # 41.7% of 12 children: a wobble, too few to measure
        ("Female", GRAD, 470, 500),  # 94.0% against 86.0%: better than the others
    ])


def row(gaps, group, **where):
    mask = gaps["group"] == group
    for column, value in where.items():
        mask &= gaps[column] == value
    assert mask.sum() == 1
    return gaps[mask].iloc[0]


def test_the_obvious_gap_ranks_first_and_the_wobble_is_not_flagged():
    gaps = screen(graduation())
    assert gaps["rank"].tolist() == list(range(1, len(gaps) + 1))
    assert gaps.iloc[0]["group"] == SWD and gaps.iloc[1]["group"] == "Homeless"
    assert gaps["flagged"].tolist()[:2] == [True, True] and gaps["flagged"].sum() == 2
    foster = row(gaps, "Foster care")
    assert not foster.flagged and not foster.measurable
    assert foster.reason == "fewer than 30 children in the group" and foster["rank"] == len(gaps)
    el = row(gaps, "English learners")
    assert el.adverse and el.ci_high > 0 and not el.flagged
    assert set(gaps["group"]) == {SWD, "Homeless", "English learners", "Foster care", "Female"}


def test_certainty_outranks_a_bigger_but_shakier_gap():
    gaps = screen(make([
        (ALL_STUDENTS, GRAD, 3400, 4000),
        # 20/35 = 57.1% against 3380/3965 = 85.2%: 28.1 points from 35 children. Wilson 20/35 reaches
        # 0.720, so the interval of the gap ends near -0.281 + 0.149 = -0.132: a sure 13 points.
        ("Migrant", GRAD, 20, 35),
        # 1050/1500 = 70.0% against 2350/2500 = 94.0%: 24.0 points, sure to within about 2.6.
        ("Economically disadvantaged", GRAD, 1050, 1500),
    ]))
    migrant, econ = row(gaps, "Migrant"), row(gaps, "Economically disadvantaged")
    assert migrant.flagged and econ.flagged
    assert abs(migrant.difference) > abs(econ.difference)  # the bigger gap ...
    assert migrant.ci_high - migrant.ci_low > 2 * (econ.ci_high - econ.ci_low)  # ... is much less sure
    assert econ.score > migrant.score and econ["rank"] == 1 and migrant["rank"] == 2


def test_statement_by_hand():
    gaps = screen(graduation())
    # 60/150 = 40.0%; all other children 840/850 = 98.82%; difference -58.82 points.
    # Wilson 60/150 = (0.32504, 0.47995); 840/850 = (0.97848, 0.99360). Newcombe:
    # low  = -0.58824 - sqrt((0.4 - 0.32504)^2 + (0.99360 - 0.98824)^2) = -0.66338
    # high = -0.58824 + sqrt((0.47995 - 0.4)^2 + (0.98824 - 0.97848)^2) = -0.50769
    assert gaps.iloc[0]["statement"] == (
        "In 2025, 40.0% of students with disabilities in D graduated in four years with a regular diploma, "
        "compared with 98.8% of all other children: a gap of 58.8 percentage points (95% CI 50.8 to 66.3). "
        "Groups: 150 students with disabilities, 850 other children.")
    assert statement(gaps.iloc[0]) == gaps.iloc[0]["statement"]
    assert statement(gaps.iloc[0].to_dict()) == statement(gaps.iloc[[0]])
    with pytest.raises(ValueError, match="one gap"):
        statement(gaps.iloc[:2])


def test_statements_say_chance_favour_and_too_few():
    gaps = screen(graduation())
    assert row(gaps, "English learners").statement.endswith(
        "a gap of 5.6 percentage points (95% CI -0.5 to 14.0, so it could be chance). "
        "Groups: 100 English learners, 900 other children.")
    # Female: 470/500 = 94.0% against 430/500 = 86.0%: 8 points the good way.
    # Newcombe: 4.3 to 11.8 points, clear of zero, so not chance.
    female = row(gaps, "Female").statement
    assert "a difference of 8.0 percentage points in their favour (95% CI 4.3 to 11.8). " in female
    assert row(gaps, "Foster care").statement == (
        "In 2025, the gap in four-year graduation between foster care students and all other children in D "
        "cannot be measured: too few to measure (fewer than 30 children in the group). "
        "Groups: 12 foster care students, 988 other children.")


def test_gap_phrase_is_the_statements_and_chance_means_the_interval_reaches_zero():
    gaps = screen(graduation(), keep="measurable")
    phrases = gap_phrases(gaps)
    for (_, gap), phrase in zip(gaps.iterrows(), phrases, strict=True):
        assert f": {phrase}. Groups:" in gap.statement
        reaches_zero = gap.ci_low <= 0 <= gap.ci_high
        assert ("could be chance" in phrase) == reaches_zero, phrase
        assert ("in their favour" in phrase) == (gap.difference > 0), phrase  # graduation: higher is better


def test_statement_hides_counts_below_ten_and_says_unknown():
    gaps = screen(make([(ALL_STUDENTS, GRAD, 900, 1000), ("Foster care", GRAD, 3, 8),
                        ("Homeless", GRAD, math.nan, 40)]))
    assert "Groups: fewer than 10 foster care students, 992 other children." in row(gaps, "Foster care").statement
    homeless = row(gaps, "Homeless").statement
    assert "cannot be measured: count suppressed in the source file." in homeless
    assert "3" not in row(gaps, "Foster care").statement.split("Groups:")[1]


def test_lower_is_better_and_school_statement():
    gaps = screen(make([(ALL_STUDENTS, "suspension_out_of_school", 60, 1000),
                        ("Black or African American", "suspension_out_of_school", 40, 200)],
                       school="Lincoln Middle"))
    # 40/200 = 20.0% against 20/800 = 2.5%: 17.5 points more often suspended.
    text = gaps.iloc[0]["statement"]
    assert text.startswith("In 2025, 20.0% of Black or African American students at Lincoln Middle, D "
                           "were suspended out of school, compared with 2.5% of all other children: "
                           "a gap of 17.5 percentage points (95% CI ")
    assert gaps.iloc[0]["flagged"]


def test_statement_names_the_reference_group():
    counts = make([(ALL_STUDENTS, "math_proficiency", 400, 1000), ("White", "math_proficiency", 300, 500),
                   ("Hispanic/Latino", "math_proficiency", 80, 400), (SWD, "math_proficiency", 10, 100)])
    gaps = screen(counts, comparison="group", reference="White")
    assert set(gaps["group"]) == {"Hispanic/Latino"}  # the reference's dimension only
    assert "compared with 60.0% of White students" in gaps.iloc[0]["statement"]
    assert "Groups: 400 Hispanic/Latino students, 500 White students." in gaps.iloc[0]["statement"]


def test_state_statement():
    district = make([(ALL_STUDENTS, GRAD, 900, 1000), (SWD, GRAD, 60, 150)])
    state = make([(ALL_STUDENTS, GRAD, 9000, 10000), (SWD, GRAD, 700, 1000)], district="State")
    text = screen(district, comparison="state", state=state).iloc[0]["statement"]
    # State: all other children 8300 of 9000 = 92.2%.
    assert "compared with 92.2% of all other children in the state" in text
    assert text.endswith("Groups: 150 students with disabilities, 9,000 other children in the state.")


def test_schools_excluded_dimensions_and_groups():
    district = make([(ALL_STUDENTS, "identification", 100, 1000), (SWD, "identification", 100, 100),
                     ("Hispanic/Latino", "identification", 40, 300), ("Students without disabilities",
                                                                       "identification", 0, 900)])
    school = make([(ALL_STUDENTS, "identification", 10, 100), ("Hispanic/Latino", "identification", 5, 40)],
                  school="S")
    counts = pd.concat([district, school])
    gaps = screen(counts)
    assert set(gaps["group"]) == {"Hispanic/Latino"}  # disability is not screened on identification
    assert set(gaps["school"]) == {"", "S"}  # and complements are never focal
    assert set(screen(counts, schools=False)["school"]) == {""}
    assert "Students without disabilities" not in focal_groups()


def test_years_and_the_multi_year_rule():
    counts = pd.concat([make([(ALL_STUDENTS, GRAD, 900, 1000), (SWD, GRAD, a, 150)], year=y)
                        for y, a in ((2021, 60), (2022, 60), (2023, 60), (2024, 140), (2025, 60))])
    gaps = screen(counts)
    by_year = gaps.set_index("year").sort_index()
    assert by_year["flagged"].tolist() == [True, True, True, False, True]  # 2024: 93.3% vs 89.4%
    assert by_year["years_flagged"].tolist() == [1, 2, 3, 0, 1]
    assert by_year["persistent"].tolist() == [False, False, True, False, False]
    only = screen(counts, years=2023)
    assert only["year"].tolist() == [2023] and only.iloc[0]["years_flagged"] == 3 and only.iloc[0]["persistent"]
    assert not screen(counts, years=[2023], consecutive=4).iloc[0]["persistent"]
    assert sorted(screen(counts, years=[2025, 2023])["year"]) == [2023, 2025]
    with pytest.raises(ValueError, match="consecutive"):
        screen(counts, consecutive=0)


def test_thresholds_pass_through():
    gaps = screen(graduation(), difference_threshold=0.30, rr_threshold=None)
    assert gaps["flagged"].sum() == 1 and gaps.iloc[0]["group"] == SWD


def test_every_group_has_a_noun():
    for label in focal_groups():
        noun = group_noun(label)
        assert "students" in noun or "learners" in noun, noun


def test_empty():
    gaps = screen(make([(ALL_STUDENTS, GRAD, 900, 1000)]))
    assert gaps.empty and set(metrics.GAPS_COLUMNS) <= set(gaps.columns)
    assert statements(gaps).empty


# --- The demo district: every planted gap ------------------------------------------------------

def test_planted_demo_gaps(demo_dir):
    plan_file, counts_file = demo_dir / "planted_gaps.yml", demo_dir / "counts.csv"
    if not (plan_file.exists() and counts_file.exists()):
        pytest.skip("data/demo/ not generated yet")
    plan = yaml.safe_load(plan_file.read_text(encoding="utf-8"))
    gaps = screen(load_counts(counts_file, district=plan["district"]))
    kinds = {gap["kind"] for gap in plan["gaps"]}
    assert kinds == {"real", "noise"}
    for gap in plan["gaps"]:
        rows = gaps[(gaps["group"] == gap["group"]) & (gaps["outcome"] == gap["outcome"])
                    & (gaps["school"] == (gap.get("school") or "")) & gaps["year"].isin(gap["years"])]
        assert len(rows) == len(gap["years"]), gap["id"]
        if gap["kind"] == "real":
            assert rows["flagged"].all(), (gap["id"], rows[["year", "difference", "ci_low", "ci_high"]])
        else:
            assert not rows["flagged"].any(), (gap["id"], rows[["year", "difference", "reason"]])


def test_statement_of_a_suppressed_rate():
    gaps = screen(graduation())
    gaps.loc[0, ["rate_group", "difference", "ci_low", "ci_high"]] = math.nan  # as suppression would
    text = statements(gaps.iloc[[0]]).iloc[0]
    assert text.startswith("In 2025, [suppressed] of students with disabilities in D graduated")
    assert "compared with 98.8% of all other children: a gap of [suppressed] percentage points" in text


# --- Categorical keys (count_students) and what screen keeps -------------------------------------

def _students(n=4000, seed=11):
    """Student-year records in two districts, three schools each, two years (some gaps, some small groups)."""
    rng = np.random.default_rng(seed)
    district = rng.choice(["North (demo)", "South (demo)"], n)
    frame = pd.DataFrame({
        "year": rng.choice([2024, 2025], n), "district": district,
        "school": np.char.add(district.astype(str).astype("U5"), rng.choice(["-A", "-B", "-C"], n)),
        "sex": rng.choice(["F", "M"], n), "race": rng.choice(["MHL", "MB", "MW", "MA"], n),
        "disability": rng.random(n) < 0.15, "english_learner": rng.random(n) < 0.1,
        "homeless": rng.random(n) < 0.03,
    })
    disability = frame["disability"].to_numpy()
    frame["graduated"] = np.where(rng.random(n) < 0.3, (rng.random(n) < np.where(disability, 0.6, 0.9)) * 1.0,
                                  np.nan)
    frame["suspended_out_of_school"] = (rng.random(n) < np.where(frame["race"] == "MB", 0.12, 0.04)) * 1.0
    return frame


def _as_str(counts):
    return counts.astype(dict.fromkeys(("district", "school", "group", "outcome"), str))


TEXT_COLUMNS = ["district", "school", "dimension", "group", "outcome", "comparison", "reason", "statement",
                "rr_reason"]


def test_categorical_keys_screen_like_str_keys():
    # count_students makes its keys categorical; the gaps did not know the words they had never seen
    # ("all other children", the reasons) and came out NaN, so building the statements failed.
    counts = count_students(_students())
    assert isinstance(counts["group"].dtype, pd.CategoricalDtype)
    gaps = screen(counts)
    assert gaps["flagged"].any() and (~gaps["measurable"]).any()  # both kinds of statement are built
    assert (gaps["comparison"] == "all other children").all()
    assert gaps[TEXT_COLUMNS].notna().all().all()
    assert (gaps["statement"].str.len() > 50).all()
    assert all(gaps[c].dtype == "str" for c in TEXT_COLUMNS)
    pd.testing.assert_frame_equal(gaps, screen(_as_str(counts)), check_exact=True)
    for options in ({"comparison": "group", "reference": "White"}, {"comparison": "all", "schools": False},
                    {"years": 2025}):
        pd.testing.assert_frame_equal(screen(counts, **options), screen(_as_str(counts), **options),
                                      check_exact=True)


def test_categorical_keys_compare_against_the_state():
    counts = count_students(_students())
    north = counts[counts["district"] == "North (demo)"]
    by_state = metrics.compare(north, comparison="state", state=counts)
    assert len(by_state) and by_state["measurable"].any()
    assert (by_state["comparison"] == metrics.STATE_COMPARISON).all()
    pd.testing.assert_frame_equal(by_state, metrics.compare(_as_str(north), comparison="state",
                                                            state=_as_str(counts)), check_exact=True)
    # categories need not agree between the two tables
    pd.testing.assert_frame_equal(by_state, metrics.compare(north, comparison="state", state=_as_str(counts)),
                                  check_exact=True)


def test_the_demo_students_file_screens(demo_dir):
    students = demo_dir / "students.csv"
    if not students.exists():
        pytest.skip("data/demo/ not generated yet")
    from successgaps_lib.load import load

    gaps = screen(load(students).counts, schools=True)
    assert gaps["flagged"].any() and gaps["statement"].str.startswith("In ").all()


def test_keep_measurable_or_flagged_and_flagged_statements():
    counts = count_students(_students())
    every = screen(counts)
    measurable = every[every["measurable"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(screen(counts, keep="measurable"), measurable, check_exact=True)
    flagged = every[every["flagged"]].reset_index(drop=True)
    assert len(flagged) and len(flagged) < len(measurable) < len(every)
    pd.testing.assert_frame_equal(screen(counts, keep="flagged"), flagged, check_exact=True)
    few = screen(counts, statements="flagged")
    pd.testing.assert_frame_equal(few.drop(columns="statement"), every.drop(columns="statement"), check_exact=True)
    assert (few["statement"] == every["statement"].where(every["flagged"], "")).all()
    assert (screen(counts, statements=False)["statement"] == "").all()
    assert statement(few.iloc[-1]) == every.iloc[-1]["statement"]  # any one gap, on demand
    with pytest.raises(ValueError, match="keep"):
        screen(counts, keep="some")
    with pytest.raises(ValueError, match="statements"):
        screen(counts, statements="all of them")
