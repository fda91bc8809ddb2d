"""count_students against a plain pandas reference computed row by row of groups."""

import numpy as np
import pandas as pd
import pytest

from successgaps_lib import groups as vocab
from successgaps_lib.aggregate import count_students
from successgaps_lib.table import COLUMNS, STUDENT_OUTCOMES


def _students(n=3000, seed=7):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "student_id": [f"T{i}" for i in range(n)],
        "year": rng.choice([2024, 2025], n),
        "district": "Testville",
        "school": rng.choice(["North", "South", "East"], n),
        "sex": rng.choice(["F", "M"], n),
        "race": rng.choice(["MHL", "MAN", "MA", "MB", "MNP", "MW", "MM", None], n),
        "disability": rng.random(n) < 0.15,
        "english_learner": rng.random(n) < 0.1,
        "econ_disadvantaged": rng.random(n) < 0.4,
        "migrant": rng.random(n) < 0.02,
        "homeless": rng.random(n) < 0.03,
        "foster_care": rng.random(n) < 0.01,
    })
    frame["disability_category"] = np.where(frame.disability, rng.choice(["SLD", "AUT", "OHI", "??"], n), "")
    for column in STUDENT_OUTCOMES:
        values = (rng.random(n) < 0.25).astype(float)
        values[rng.random(n) < 0.2] = np.nan
        frame[column] = values
    return frame


def _reference(students):
    """The same counts the slow, obvious way."""
    rows = []
    levels = [("", students.assign(_school=""))] + [(s, g.assign(_school=s)) for s, g in students.groupby("school")]
    members = {vocab.ALL_STUDENTS: lambda f: pd.Series(True, index=f.index)}
    for label, group in vocab.GROUPS.items():
        members[label] = lambda f, g=group: f[g.dimension] == g.value
    outcomes = {o.id: o.column for o in vocab.OUTCOMES.values() if o.column in students}
    for _, level in levels:
        for (year, school), f in level.groupby(["year", "_school"]):
            for label, member in members.items():
                sub = f[member(f)]
                for outcome, column in outcomes.items():
                    at_risk = sub[column].notna()
                    if at_risk.sum():
                        rows.append((year, school, label, outcome, sub[column].sum(), at_risk.sum()))
                if len(sub):
                    rows.append((year, school, label, "identification", sub.disability.sum(), len(sub)))
                    rows.append((year, school, label, "identification_sld",
                                 (sub.disability_category == "SLD").sum(), len(sub)))
    return pd.DataFrame(rows, columns=["year", "school", "group", "outcome", "numerator", "denominator"])


def test_matches_reference():
    students = _students()
    got = count_students(students)
    assert list(got.columns) == COLUMNS
    expected = _reference(students)
    merged = expected.merge(got.astype({"school": str, "group": str, "outcome": str}),
                            on=["year", "school", "group", "outcome"], how="left", suffixes=("", "_got"))
    assert merged.numerator_got.notna().all(), merged[merged.numerator_got.isna()].head()
    np.testing.assert_array_equal(merged.numerator, merged.numerator_got)
    np.testing.assert_array_equal(merged.denominator, merged.denominator_got)


def test_district_rows_are_sums_of_schools_and_groups_partition_all():
    got = count_students(_students()).astype({"school": str, "group": str, "outcome": str})
    district = got[got.school == ""].set_index(["year", "group", "outcome"])[["numerator", "denominator"]]
    schools = got[got.school != ""].groupby(["year", "group", "outcome"])[["numerator", "denominator"]].sum()
    pd.testing.assert_frame_equal(district.sort_index(), schools.sort_index(), check_dtype=False)
    # children with no race recorded are in All students but in no race group
    race = got[got.group.isin(vocab.groups_of("race")) & (got.school == "")]
    by_race = race.groupby(["year", "outcome"]).denominator.sum()
    total = district.xs(vocab.ALL_STUDENTS, level="group").denominator
    assert (by_race <= total.reindex(by_race.index)).all() and (by_race < total.reindex(by_race.index)).any()


def test_unknown_disability_category_still_counts_as_identified():
    students = _students(500)
    got = count_students(students, schools=False)
    everyone = got[(got.group == vocab.ALL_STUDENTS)].set_index(["year", "outcome"]).numerator
    for year in (2024, 2025):
        categories = sum(everyone.get((year, f"identification_{c.lower()}"), 0) for c in vocab.DISABILITY_CATEGORIES)
        assert everyone[(year, "identification")] == students[students.year == year].disability.sum() > categories


def test_intersections_and_no_school_rows():
    students = _students(800)
    got = count_students(students, schools=False, intersections=[("race", "disability")])
    assert set(got.school) == {""}
    label = "Black or African American × Students with disabilities"
    row = got[(got.group == label) & (got.outcome == "dropout") & (got.year == 2025)].iloc[0]
    sub = students[(students.year == 2025) & (students.race == "MB") & students.disability]
    assert (row.numerator, row.denominator) == (sub.dropped_out.sum(), sub.dropped_out.notna().sum())


@pytest.mark.parametrize("missing", ["race", "disability"])
def test_absent_attribute_columns_are_skipped(missing):
    got = count_students(_students(200).drop(columns=[missing]))
    assert len(got)
    assert not got.group.isin(vocab.groups_of(missing)).any()


def test_absent_outcome_columns_are_skipped():
    got = count_students(_students(200).drop(columns=["chronically_absent"]))
    assert "chronic_absence" not in set(got.outcome)
    assert "dropout" in set(got.outcome)


def test_bounds_share_the_numerator_but_writing_one_changes_only_it():
    got = count_students(_students(300))
    assert (got.numerator_low == got.numerator).all() and (got.numerator_high == got.numerator).all()
    before = got.numerator.copy()
    got.loc[0, "numerator_low"] = -1.0
    got["numerator_high"] += 1
    assert got.numerator.equals(before) and got.loc[0, "numerator_low"] == -1.0
    assert (got.numerator_high == before + 1).all()


def test_keys_are_categorical_and_match_str():
    got = count_students(_students(300))
    for column in ("district", "school", "group", "outcome"):
        assert isinstance(got[column].dtype, pd.CategoricalDtype)
        assert all(isinstance(c, str) for c in got[column].cat.categories)  # table.py: category of str
