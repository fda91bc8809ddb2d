"""The demo district: synthetic student records with gaps of known size, reproducible from a seed.

``generate(seed)`` returns canonical student-year records (``table.STUDENT_COLUMNS``) for a
fictional district of 10 schools and about 15,000 children a year over four school years.
The same seed gives byte-identical files; ``python -m successgaps_lib.demo OUTDIR`` writes them
(``make data`` regenerates the committed copy in ``data/demo/``).

How the children are made (all vectorized numpy, about a second):

* *Roster.* One cohort per kindergarten year; children persist from year to year with their
  grade advancing, about 6% move away each year and as many move in. Each child lives in one
  of six neighbourhoods, which fixes the elementary school and, through the feeder pattern,
  the middle and high school.
* *Attributes.* Race/ethnicity depends on the neighbourhood; economic disadvantage on
  neighbourhood and race; English learner status on race, with reclassification as children
  grow; disability (IDEA) and its category come from one persistent uniform draw per child
  cut into category intervals, so status mostly persists.
* *Outcomes.* Each outcome is a Bernoulli draw from a logistic model with modest background
  effects (economic disadvantage, disability, English learner, sex, school level, school).
  Its intercept is solved so that the district rate each year equals a realistic background
  rate. Then each planted gap (``PLANTED_GAPS``) is imposed exactly: the log-odds of the group
  and of everyone else in the gap's scope are shifted so that the *expected* rate of each equals
  the stated true rate every year. A NOISE gap shifts its small group to the same expected rate
  as everyone else in its scope, so any difference seen there is chance alone.

>>> students = generate()
>>> list(students.columns) == STUDENT_COLUMNS, sorted(students.year.unique().tolist())
(True, [2022, 2023, 2024, 2025])
>>> students.school.nunique(), int(students.groupby("year").size().min()) > 14000
(10, True)
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import groups as vocab
from .table import STUDENT_ATTRIBUTES, STUDENT_COLUMNS, STUDENT_OUTCOMES

DEFAULT_SEED = 2024
DISTRICT = "Riverside Unified (demo)"
YEARS = (2022, 2023, 2024, 2025)  # named by the calendar year the school year ends in
GRADES = ("KG", *(f"{g:02d}" for g in range(1, 13)))  # index = grade number, KG = 0
TESTED_GRADES = (3, 4, 5, 6, 7, 8, 11)
RACES = ("MHL", "MAN", "MA", "MB", "MNP", "MW", "MM")  # groups.py order (34 CFR 300.647)

# Six neighbourhoods, each with its elementary school; the feeder pattern sends the first
# three to one middle and one high school and the last three to the others.
ELEMENTARY = ("Alder Creek Elementary", "Birchwood Elementary", "Cedar Hollow Elementary",
              "Dogwood Elementary", "Elm Park Elementary", "Foxglove Elementary")
MIDDLE = ("Granite Ridge Middle", "Heron Lake Middle")
HIGH = ("Ironwood High", "Juniper Valley High")
SCHOOLS: dict[str, str] = {**dict.fromkeys(ELEMENTARY, "elementary"), **dict.fromkeys(MIDDLE, "middle"),
                           **dict.fromkeys(HIGH, "high")}
NEIGHBOURHOOD_SHARE = np.array([0.16, 0.17, 0.16, 0.18, 0.18, 0.15])
# Race/ethnicity shares by neighbourhood, columns in RACES order.
RACE_SHARE = np.array([
    [0.15, 0.008, 0.07, 0.06, 0.003, 0.640, 0.069],
    [0.25, 0.008, 0.06, 0.14, 0.003, 0.480, 0.059],
    [0.22, 0.022, 0.04, 0.10, 0.003, 0.554, 0.061],  # Cedar Hollow: a small AIAN community
    [0.46, 0.008, 0.04, 0.12, 0.003, 0.310, 0.059],
    [0.30, 0.008, 0.05, 0.28, 0.003, 0.300, 0.059],
    [0.20, 0.010, 0.12, 0.12, 0.004, 0.490, 0.056],
])
COHORT_SIZE = 1140  # children per grade when a cohort first appears
MOBILITY = 0.06  # share of children who move away (and move in) each year

#: Expected district rate of each outcome every year before planted gaps shift groups apart.
BACKGROUND_RATES: dict[str, float] = {
    "dropped_out": 0.02, "graduated": 0.87, "reading_proficient": 0.45, "math_proficient": 0.41,
    "suspended_out_of_school": 0.04, "suspended_in_school": 0.05, "expelled": 0.0015,
    "chronically_absent": 0.15,
}
# Background log-odds effects: (econ disadvantaged, disability, English learner, male,
# elementary, middle, high). Real patterns, kept modest so the planted gaps stand out.
_EFFECTS: dict[str, tuple[float, ...]] = {
    "dropped_out": (0.6, 0.5, 0.4, 0.2, 0.0, 0.0, 0.0),
    "graduated": (-0.6, -0.8, -0.5, -0.2, 0.0, 0.0, 0.0),
    "reading_proficient": (-0.9, -1.4, -1.0, -0.25, 0.0, 0.0, 0.0),
    "math_proficient": (-0.9, -1.3, -0.6, 0.05, 0.0, 0.0, 0.0),
    "suspended_out_of_school": (0.6, 0.7, 0.0, 0.7, -1.2, 0.3, 0.2),
    "suspended_in_school": (0.4, 0.5, 0.0, 0.6, -1.5, 0.4, 0.3),
    "expelled": (0.5, 0.4, 0.0, 0.6, -2.5, 0.0, 0.3),
    "chronically_absent": (0.8, 0.4, 0.0, 0.0, -0.2, 0.0, 0.5),
}
# Disability categories: per-year probability; a child's one uniform draw falls in at most one
# interval, laid out in this order. SLD is last so that raising it adds children without
# moving anyone between other categories. SLI fades after elementary school, DD ends at grade 3.
_CATEGORY_ORDER = ("AUT", "ID", "EMD", "OHI", "OTH", "SLI", "DD", "SLD")
_CATEGORY_RATE = {"AUT": 0.017, "ID": 0.008, "EMD": 0.007, "OHI": 0.020, "OTH": 0.006,
                  "SLI": 0.024, "DD": 0.010, "SLD": 0.045}


@dataclass(frozen=True)
class PlantedGap:
    """A gap built into the demo on purpose. Rates are *expected* (true) rates, every year."""

    id: str
    kind: str  # "real": large and certain; "noise": a small group with no true difference
    group: str  # canonical label (groups.GROUPS)
    outcome: str  # canonical outcome id (groups.OUTCOMES)
    school: str  # "" = the whole district
    rate_group: float | None  # None for noise: the group's true rate is everyone else's
    rate_comparison: float | None
    sentence: str


COMPARISON = "all other children"  # every planted gap compares with everyone else in its scope

#: The planted gaps. Comparison: all other children in the same scope (district or school).
PLANTED_GAPS: tuple[PlantedGap, ...] = (
    PlantedGap("black_oss", "real", "Black or African American", "suspension_out_of_school", "", 0.09, 0.03,
               "Black students are suspended out of school three times as often as all other children "
               "in the district."),
    PlantedGap("swd_graduation", "real", "Students with disabilities", "graduation", "", 0.68, 0.89,
               "Students with disabilities graduate in four years 21 percentage points less often than "
               "students without disabilities."),
    PlantedGap("el_reading", "real", "English learners", "reading_proficiency", "", 0.12, 0.48,
               "English learners score proficient in reading at a quarter of the rate of other children."),
    PlantedGap("econ_math", "real", "Economically disadvantaged", "math_proficiency", "", 0.27, 0.52,
               "Economically disadvantaged children score proficient in math 25 points less often."),
    PlantedGap("homeless_chronic", "real", "Homeless", "chronic_absence", "", 0.42, 0.14,
               "Homeless children are chronically absent three times as often as other children."),
    PlantedGap("hispanic_sld_dogwood", "real", "Hispanic/Latino", "identification_sld", "Dogwood Elementary",
               0.14, _CATEGORY_RATE["SLD"],
               "At Dogwood Elementary only, Hispanic/Latino children are identified with a specific "
               "learning disability three times as often as other children in the school."),
    PlantedGap("black_iss_heron", "real", "Black or African American", "suspension_in_school",
               "Heron Lake Middle", 0.20, 0.06,
               "At Heron Lake Middle only, Black students receive in-school suspension more than three "
               "times as often as other students in the school."),
    PlantedGap("nhpi_reading", "noise", "Native Hawaiian or Other Pacific Islander", "reading_proficiency", "",
               None, None,
               "Native Hawaiian or Other Pacific Islander children read as well as everyone else; only a "
               "couple of dozen are tested each year, so their rate swings by chance."),
    PlantedGap("aian_chronic_cedar", "noise", "American Indian or Alaska Native", "chronic_absence",
               "Cedar Hollow Elementary", None, None,
               "American Indian or Alaska Native children at Cedar Hollow Elementary are no more often "
               "chronically absent than their schoolmates; fewer than 30 attend, so the rate is noisy."),
    PlantedGap("foster_math", "noise", "Foster care", "math_proficiency", "", None, None,
               "Children in foster care have the district's math proficiency rate; only a few dozen are "
               "tested a year, so any difference is chance."),
    PlantedGap("migrant_chronic_ironwood", "noise", "Migrant", "chronic_absence", "Ironwood High", None, None,
               "Migrant students at Ironwood High are chronically absent as often as other students; about "
               "twenty attend, so the rate is noisy."),
)


# --- Generation ----------------------------------------------------------------------------

def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _solve_shift(x, labels, targets, totals=None, iterations=60):
    """Log-odds shift per label so that sum(sigmoid(x + shift)) / total = target (bisection).

    ``labels`` < 0 are left alone; ``totals`` (default: how many carry each label) lets rows
    that are fixed at zero (dropouts in the graduation cohort) count in the denominator.
    """
    k = len(targets)
    inside = labels >= 0
    lab, xs = labels[inside], x[inside]
    totals = np.bincount(lab, minlength=k).astype(float) if totals is None else np.asarray(totals, float)
    lo, hi = np.full(k, -20.0), np.full(k, 20.0)
    for _ in range(iterations):
        mid = (lo + hi) / 2
        mean = np.bincount(lab, _sigmoid(xs + mid[lab]), minlength=k) / np.maximum(totals, 1)
        low = mean < targets
        lo, hi = np.where(low, mid, lo), np.where(low, hi, mid)
    shifted = x.copy()
    shifted[inside] = xs + ((lo + hi) / 2)[lab]
    return shifted


def _year_labels(years, mask):
    """Label = year index where mask holds, else -1."""
    return np.where(mask, np.searchsorted(YEARS, years), -1)


def _member(frame: dict, label: str):
    group = vocab.GROUPS[label]
    return np.asarray(frame[group.dimension] == group.value)


def _roster(rng):
    """Student ids, kindergarten year and first/last enrolled year of every child."""
    parts = []
    for k in range(YEARS[0] - 12, YEARS[-1] + 1):  # cohort by kindergarten year
        first = max(YEARS[0], k)
        size = round(COHORT_SIZE * (1 + 0.004 * (YEARS[0] - k)))  # slowly falling enrollment
        starts = [np.full(size, first)]
        for year in range(first + 1, min(YEARS[-1], k + 12) + 1):
            starts.append(np.full(round(MOBILITY * size), year))
        start = np.concatenate(starts)
        stay = rng.geometric(MOBILITY, len(start))  # years enrolled before moving away
        last = np.minimum(np.minimum(start + stay - 1, k + 12), YEARS[-1])
        parts.append(np.column_stack([np.full(len(start), k), start, last]))
    kg, start, last = np.concatenate(parts).T
    return kg, start, last


def _simulate(seed: int):
    """Students (canonical frame) and the mean generating probability per planted-gap scope."""
    rng = np.random.default_rng(seed)
    kg, start, last = _roster(rng)
    n = len(kg)

    # Child-level attributes.
    hood = rng.choice(6, n, p=NEIGHBOURHOOD_SHARE)
    cum = RACE_SHARE.cumsum(axis=1)
    race_idx = np.minimum((rng.random(n)[:, None] > cum[hood]).sum(axis=1), len(RACES) - 1)
    race = np.array(RACES)[race_idx]
    male = rng.random(n) < 0.51
    econ_base = np.array([0.25, 0.45, 0.40, 0.65, 0.60, 0.35])[hood]
    econ_race = np.array([0.5, 0.4, -0.3, 0.5, 0.0, -0.3, 0.0])[race_idx]
    econ = rng.random(n) < _sigmoid(np.log(econ_base / (1 - econ_base)) + econ_race)
    ever_el = rng.random(n) < np.array([0.40, 0.05, 0.35, 0.04, 0.15, 0.02, 0.03])[race_idx]
    el_exit = rng.integers(2, 14, n)  # grade at which an English learner is reclassified (13: never)
    migrant = rng.random(n) < np.where(race == "MHL", 0.035, 0.003)
    u_disability = rng.random(n)
    school_effect = rng.normal(0, 0.15, (len(_EFFECTS), len(SCHOOLS)))

    # Expand to child-years.
    years_enrolled = last - start + 1
    child = np.repeat(np.arange(n), years_enrolled)
    offset = np.arange(len(child)) - np.repeat(np.cumsum(years_enrolled) - years_enrolled, years_enrolled)
    year = start[child] + offset
    grade = year - kg[child]
    level = np.where(grade <= 5, 0, np.where(grade <= 8, 1, 2))
    names = np.array([*ELEMENTARY, *MIDDLE, *HIGH])
    h = hood[child]
    school_idx = np.where(level == 0, h, np.where(level == 1, 6 + h // 3, 8 + h // 3))
    records = {
        "year": year, "grade": grade, "level": level, "school": names[school_idx],
        "race": race[child], "sex": np.where(male[child], "M", "F"), "econ_disadvantaged": econ[child],
        "english_learner": ever_el[child] & (grade < el_exit[child]), "migrant": migrant[child],
    }
    m = len(child)
    records["homeless"] = rng.random(m) < np.where(records["econ_disadvantaged"], 0.05, 0.006)
    records["foster_care"] = rng.random(m) < 0.003

    # Disability: one persistent draw per child, cut into this year's category intervals.
    rates = np.array([np.full(m, _CATEGORY_RATE[c]) for c in _CATEGORY_ORDER])
    rates[_CATEGORY_ORDER.index("SLI")] = np.where(level == 0, _CATEGORY_RATE["SLI"], 0.008)
    rates[_CATEGORY_ORDER.index("DD")] = np.where(grade <= 3, _CATEGORY_RATE["DD"], 0.0)
    for gap in PLANTED_GAPS:  # over-identification is planted in the category rates themselves
        if gap.outcome.startswith("identification_") and gap.kind == "real":
            row = _CATEGORY_ORDER.index(gap.outcome.removeprefix("identification_").upper())
            at = _member(records, gap.group) & ((records["school"] == gap.school) if gap.school else True)
            rates[row] = np.where(at, gap.rate_group, rates[row])
    edges = rates.cumsum(axis=0)
    slot = (u_disability[child][None, :] >= edges).sum(axis=0)
    records["disability"] = slot < len(_CATEGORY_ORDER)
    records["disability_category"] = np.append(np.array(_CATEGORY_ORDER), "")[slot]

    def logits(column):
        e = _EFFECTS[column]
        return (e[0] * records["econ_disadvantaged"] + e[1] * records["disability"]
                + e[2] * records["english_learner"] + e[3] * (records["sex"] == "M")
                + np.array(e[4:])[records["level"]] + school_effect[list(_EFFECTS).index(column), school_idx])

    # Dropout first: a child who drops out has no later records.
    at_risk = grade >= 9
    x = _solve_shift(logits("dropped_out"), _year_labels(year, at_risk),
                     np.full(len(YEARS), BACKGROUND_RATES["dropped_out"]))
    dropped = at_risk & (rng.random(m) < _sigmoid(x))
    first_dropout = np.full(n, 9999)
    np.minimum.at(first_dropout, child[dropped], year[dropped])
    keep = year <= first_dropout[child]
    child, school_idx = child[keep], school_idx[keep]
    records = {key: value[keep] for key, value in records.items()}
    records["dropped_out"] = np.where(records["grade"] >= 9, dropped[keep].astype(float), np.nan)
    m = len(child)

    truths = {}
    draws = {column: rng.random(m) for column in STUDENT_OUTCOMES if column != "dropped_out"}
    tested = np.isin(records["grade"], TESTED_GRADES) & (rng.random(m) < 0.985)
    for column in STUDENT_OUTCOMES:
        if column == "dropped_out":
            continue
        cohort = records["grade"] == 12
        population = {"graduated": cohort, "reading_proficient": tested,
                      "math_proficient": tested}.get(column, np.ones(m, bool))
        # Graduation: dropouts stay in the cohort as non-graduates (ACGR), fixed at zero.
        active = population & ~(cohort & (records["dropped_out"] == 1)) if column == "graduated" else population
        def per_year(mask, weights=None):
            return np.bincount(_year_labels(records["year"], mask)[mask],
                               None if weights is None else weights[mask], minlength=len(YEARS))

        x = _solve_shift(logits(column), _year_labels(records["year"], active),
                         np.full(len(YEARS), BACKGROUND_RATES[column]), per_year(population))
        for gap in (g for g in PLANTED_GAPS if vocab.OUTCOMES[g.outcome].column == column):
            scope = population & ((records["school"] == gap.school) if gap.school else True)
            group = scope & _member(records, gap.group)
            rest = scope & ~group
            if gap.kind == "real":
                sides = [(group, np.full(len(YEARS), gap.rate_group)),
                         (rest, np.full(len(YEARS), gap.rate_comparison))]
            else:  # noise: the group's expected rate is everyone else's, year by year
                sides = [(group, per_year(rest, _sigmoid(x) * active) / per_year(rest))]
            for side, targets in sides:
                x = _solve_shift(x, _year_labels(records["year"], side & active), targets, per_year(side))
            p = _sigmoid(x) * active
            truths[gap.id] = (float(p[group].mean()), float(p[rest].mean()))
        outcome = (draws[column] < _sigmoid(x)).astype(float)
        outcome[~active] = 0.0
        outcome[~population] = np.nan
        records[column] = outcome

    level_names = np.array(["elementary", "middle", "high"])
    frame = pd.DataFrame({
        "student_id": np.char.add("DEMO-", np.char.zfill((child + 1).astype(str), 6)),
        "year": records["year"].astype("int64"),
        "district": DISTRICT,
        "school": records["school"],
        "school_level": level_names[records["level"]],
        "grade": np.array(GRADES)[records["grade"]],
        "sex": records["sex"],
        "race": records["race"],
        "disability": records["disability"],
        "disability_category": records["disability_category"],
        **{c: records[c] for c in ("english_learner", "econ_disadvantaged", "migrant", "homeless",
                                   "foster_care")},
        **{c: records[c] for c in STUDENT_OUTCOMES},
    })
    frame = _typed(frame)
    frame = frame.sort_values(["year", "school", "grade", "student_id"], kind="stable", ignore_index=True)
    return frame, truths


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    types = {c: ("str" if t == "str" else t) for c, t in STUDENT_ATTRIBUTES.items()}
    types.update(dict.fromkeys(STUDENT_OUTCOMES, "float64"))
    return frame[STUDENT_COLUMNS].astype(types)


def generate(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Canonical student-year records of the demo district (``table.STUDENT_COLUMNS``).

    >>> generate(1).equals(generate(1))
    True
    """
    return _simulate(seed)[0]


# --- Observing a planted gap (plain pandas, no metrics module) -----------------------------

def outcome_values(students: pd.DataFrame, outcome: str) -> pd.Series:
    """1.0 / 0.0 / NaN per record for an outcome id, identification included."""
    column = vocab.OUTCOMES[outcome].column
    if column in students:
        return students[column]
    if outcome == "identification":
        return students["disability"].astype(float)
    code = outcome.removeprefix("identification_").upper()
    return (students["disability_category"] == code).astype(float)


def observe(students: pd.DataFrame, gap: PlantedGap) -> pd.DataFrame:
    """Per year: a_group, n_group, a_comparison, n_comparison for a planted gap's scope."""
    frame = students if not gap.school else students[students.school == gap.school]
    values = outcome_values(frame, gap.outcome)
    at_risk = values.notna()
    member = pd.Series(_member(frame, gap.group), index=frame.index)
    parts = {}
    for name, side in (("group", member), ("comparison", ~member)):
        rows = at_risk & side
        parts[f"a_{name}"] = values[rows].groupby(frame.year[rows]).sum()
        parts[f"n_{name}"] = rows[rows].groupby(frame.year[rows]).size()
    out = pd.DataFrame(parts).reindex(list(YEARS)).fillna(0).astype("int64")
    out.index.name = "year"
    return out


def planted_gaps(seed: int = DEFAULT_SEED, students: pd.DataFrame | None = None) -> list[dict]:
    """The planted gaps as plain dicts (what ``planted_gaps.yml`` holds), with observed counts."""
    frame, truths = _simulate(seed)
    students = frame if students is None else students
    out = []
    for gap in PLANTED_GAPS:
        if gap.kind == "real":
            rate_g, rate_c = gap.rate_group, gap.rate_comparison
        else:
            rate_g = rate_c = round(truths[gap.id][1], 3)
        seen = observe(students, gap)
        out.append({
            "id": gap.id, "kind": gap.kind, "group": gap.group, "outcome": gap.outcome, "school": gap.school,
            "comparison": COMPARISON, "years": list(YEARS),
            "true_rate_group": rate_g, "true_rate_comparison": rate_c,
            "true_difference": round(rate_g - rate_c, 4), "true_risk_ratio": round(rate_g / rate_c, 3),
            "sentence": gap.sentence,
            "observed": {int(y): {k: int(v) for k, v in row.items()} for y, row in seen.iterrows()},
        })
    return out


# --- Files ---------------------------------------------------------------------------------

def write_students(students: pd.DataFrame, path) -> None:
    """students.csv: UTF-8, booleans and outcomes as 1/0, blank = not in the population at risk."""
    out = students.copy()
    for column, kind in STUDENT_ATTRIBUTES.items():
        if kind == "bool":
            out[column] = out[column].astype("int8")
    for column in STUDENT_OUTCOMES:
        out[column] = out[column].astype("Int8")
    out.to_csv(path, index=False, lineterminator="\n")


def read_students(path) -> pd.DataFrame:
    """Read a students.csv written by ``write_students`` back to canonical dtypes."""
    text = [c for c, t in STUDENT_ATTRIBUTES.items() if t == "str"]
    frame = pd.read_csv(path, dtype=dict.fromkeys(text, str), keep_default_na=False,
                        na_values={column: [""] for column in STUDENT_OUTCOMES})
    for column, kind in STUDENT_ATTRIBUTES.items():
        if kind == "bool":
            frame[column] = frame[column].astype(int).astype(bool)
    return _typed(frame)


def write_counts(students: pd.DataFrame, path) -> None:
    """counts.csv: long form (year, school, group, outcome, numerator, denominator)."""
    from .aggregate import count_students  # written alongside; imported late to keep generation light

    counts = count_students(students, schools=True)
    out = counts[["year", "school", "group", "outcome", "numerator", "denominator"]].copy()
    for column in ("numerator", "denominator"):
        out[column] = out[column].astype("int64")
    out.to_csv(path, index=False, lineterminator="\n")


# The state public file: a report-card extract in a state's own layout (see data/README.md).
STATE_GROUP_CODES = ("ALL", "MHL", "MAN", "MA", "MB", "MNP", "MW", "MM", "WDIS", "LEP", "ECODIS", "MS",
                     "HOMELSENRL", "FCS", "F", "M")
STATE_INDICATORS = ("GRAD", "DROP", "RLA", "MTH", "OSS", "ISS", "EXP", "CHRABS", "IDEA")
STATE_TITLE = "Départment of Education — State Report Card Extract"
STATE_NOTE = "Generated for the Success Gaps demo from synthetic figures; * = suppressed"
STATE_ENROLLMENT = 900_000
_STATE_SHARE = {"MHL": 0.24, "MAN": 0.012, "MA": 0.05, "MB": 0.17, "MNP": 0.004, "MW": 0.47, "MM": 0.054,
                "WDIS": 0.145, "LEP": 0.09, "ECODIS": 0.48, "MS": 0.012, "HOMELSENRL": 0.025, "FCS": 0.004,
                "F": 0.488}
_STATE_BASE = {"GRAD": 0.85, "DROP": 0.025, "RLA": 0.43, "MTH": 0.38, "OSS": 0.045, "ISS": 0.055,
               "EXP": 0.002, "CHRABS": 0.17, "IDEA": 0.145}
# Share of enrollment in each indicator's population at risk.
_STATE_POPULATION = {"GRAD": 1 / 13, "DROP": 4 / 13, "RLA": 7 / 13 * 0.985, "MTH": 7 / 13 * 0.985}
# Log-odds of each group's state rate against the base, in STATE_INDICATORS order.
_STATE_EFFECT = {
    "MHL": (-0.3, 0.3, -0.5, -0.4, 0.1, 0.1, 0.1, 0.3, 0.05),
    "MAN": (-0.6, 0.6, -0.6, -0.6, 0.5, 0.3, 0.4, 0.8, 0.3),
    "MA": (0.8, -0.8, 0.9, 1.0, -1.0, -0.9, -0.8, -0.7, -0.6),
    "MB": (-0.5, 0.5, -0.7, -0.8, 1.0, 0.7, 0.8, 0.5, 0.2),
    "MNP": (-0.3, 0.3, -0.4, -0.4, 0.3, 0.2, 0.2, 0.5, 0.0),
    "MW": (0.3, -0.3, 0.4, 0.4, -0.3, -0.2, -0.2, -0.3, 0.0),
    "MM": (0.0, 0.1, 0.1, 0.0, 0.3, 0.2, 0.2, 0.1, 0.1),
    "WDIS": (-1.0, 0.6, -1.5, -1.4, 0.8, 0.6, 0.5, 0.4, 0.0),
    "LEP": (-0.8, 0.5, -1.4, -0.9, -0.1, -0.1, -0.1, 0.1, 0.2),
    "ECODIS": (-0.6, 0.5, -0.8, -0.8, 0.6, 0.5, 0.5, 0.8, 0.2),
    "MS": (-0.6, 0.6, -0.9, -0.7, 0.0, 0.0, 0.0, 0.5, 0.1),
    "HOMELSENRL": (-1.0, 1.0, -0.9, -0.9, 0.8, 0.6, 0.6, 1.3, 0.4),
    "FCS": (-1.2, 1.0, -0.9, -0.9, 1.1, 0.8, 0.8, 1.0, 0.7),
    "F": (0.2, -0.2, 0.2, 0.0, -0.7, -0.6, -0.6, 0.0, -0.45),
}
_STATE_SUPPRESSED = {("EXP", "MNP"), ("EXP", "FCS")}  # tiny cells the state always hides


def state_public_file(seed: int = DEFAULT_SEED) -> str:
    """The text of state_public_file.csv (one row per year x indicator, NUM/DEN per group)."""
    rng = np.random.default_rng([seed, 1])
    header = ["SCHOOL_YEAR", "INDICATOR", *(f"{c}_{s}" for c in STATE_GROUP_CODES for s in ("NUM", "DEN"))]
    buffer = io.StringIO()
    buffer.write(f"{STATE_TITLE}\r\n{STATE_NOTE}\r\n")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for year in YEARS:
        enrollment = STATE_ENROLLMENT * (1 - 0.005 * (year - YEARS[0]))
        for i, indicator in enumerate(STATE_INDICATORS):
            cells: dict[str, tuple[object, object]] = {}
            population = enrollment * _STATE_POPULATION.get(indicator, 1.0)
            base = _STATE_BASE[indicator]
            for code, share in _STATE_SHARE.items():
                den = round(population * share * np.exp(rng.normal(0, 0.01)))
                x = np.log(base / (1 - base)) + _STATE_EFFECT[code][i] + rng.normal(0, 0.03)
                cells[code] = (round(den * _sigmoid(x)), den)
            total = tuple(sum(cells[c][j] for c in RACES) for j in (0, 1))
            cells["ALL"] = total
            cells["M"] = (total[0] - cells["F"][0], total[1] - cells["F"][1])
            if indicator == "IDEA":
                cells["WDIS"] = ("-", "-")
            row = [f"{year - 1}-{year % 100:02d}", indicator]
            for code in STATE_GROUP_CODES:
                num, den = cells[code]
                if (indicator, code) in _STATE_SUPPRESSED or (isinstance(num, int) and num < 10):
                    num = "*"
                row += [num, den]
            writer.writerow(row)
    return buffer.getvalue()


def _readme(gaps: list[dict], seed: int, students: pd.DataFrame) -> str:
    per_year = students.groupby("year").size()
    lines = [
        "# The demo district: Riverside Unified (demo)",
        "",
        "Everything in this folder except `state_public_file.mapping.yml` and `workbook/` is **synthetic**",
        "and written by `successgaps_lib/demo.py`. No real child is in it. Regenerate it with",
        "",
        "```",
        f"python -m successgaps_lib.demo data/demo --seed {seed}     # or: make data",
        "```",
        "",
        "The same seed writes byte-identical files (`tests/test_demo.py` checks that the committed",
        "files equal the code's output). Column meanings: `data/README.md`.",
        "",
        f"- **{DISTRICT}**: {len(SCHOOLS)} schools ({len(ELEMENTARY)} elementary, KG-05; {len(MIDDLE)} middle,",
        f"  06-08; {len(HIGH)} high, 09-12), school years {YEARS[0] - 1}-{YEARS[0] % 100:02d} to "
        f"{YEARS[-1] - 1}-{YEARS[-1] % 100:02d}",
        "  (`year` = the calendar year the school year ends in),",
        f"  {per_year.min():,} to {per_year.max():,} children a year. "
        f"Children keep their id from year to year and move up a grade;",
        "  about 6% move away and as many move in each year. Feeder pattern: Alder Creek, Birchwood and",
        "  Cedar Hollow go on to Granite Ridge Middle and Ironwood High; Dogwood, Elm Park and Foxglove",
        "  to Heron Lake Middle and Juniper Valley High.",
        "- `students.csv`: one row per child per year (canonical student record).",
        "- `counts.csv`: the same data as aggregate counts, by year, school (blank = district), group",
        "  and outcome, made with `successgaps_lib.aggregate.count_students`.",
        "- `state_public_file.csv`: a state report-card extract in the state's own layout (cp1252,",
        "  two text lines above the header, `*` = suppressed), for state comparisons and weighted",
        "  risk ratios.",
        "- `planted_gaps.yml`: the planted gaps below, machine-readable, with the counts observed",
        "  in `students.csv` each year.",
        "",
        "## Background",
        "",
        "District rates every year before any planted gap: "
        + ", ".join(f"{_label_of_column(c)} {100 * r:g}%" for c, r in BACKGROUND_RATES.items()) + ".",
        "Identification for special education is about 14% in elementary and 11% in secondary grades.",
        "The background model also has modest real differences that are *not* planted gaps: children",
        "who are economically disadvantaged, have disabilities or are English learners do less well",
        "academically and are more often absent; boys are suspended more often; discipline is rarer in",
        "elementary school. Because economic disadvantage and English learner status differ by race and",
        "neighbourhood, some race/ethnicity differences follow from them (e.g. Hispanic/Latino reading).",
        "Screening will find these too; they are real but their sizes are not fixed by design.",
        "",
        "## Planted gaps",
        "",
        "The comparison is always *all other children* in the same scope (the district, or the one",
        "school). True rates are the expected rates the generator imposes every year; observed rates",
        "are what the random draws gave, all four years pooled.",
        "",
        "| id | kind | group | outcome | school | true rate group | true rate comparison | true difference "
        "| true risk ratio | observed group (a/n) | observed comparison (a/n) | group n per year |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for gap in gaps:
        obs = pd.DataFrame(gap["observed"]).T
        a_g, n_g, a_c, n_c = (int(obs[k].sum()) for k in ("a_group", "n_group", "a_comparison", "n_comparison"))
        lines.append(
            f"| {gap['id']} | {gap['kind']} | {gap['group']} | {gap['outcome']} | {gap['school'] or '(district)'} "
            f"| {gap['true_rate_group']:.1%} | {gap['true_rate_comparison']:.1%} "
            f"| {100 * gap['true_difference']:+.1f} pts | {gap['true_risk_ratio']:.2f} "
            f"| {a_g / n_g:.1%} ({a_g}/{n_g}) | {a_c / n_c:.1%} ({a_c}/{n_c}) "
            f"| {int(obs['n_group'].min())}-{int(obs['n_group'].max())} |")
    lines += [
        "",
        "**real**: large and certain, in every year; screening should flag each one (the school ones at",
        "that school: `hispanic_sld_dogwood` shows only at Dogwood Elementary, `black_iss_heron` only at",
        "Heron Lake Middle). **noise**: a small group with *no* true difference (its expected rate is",
        "everyone else's); any raw difference is chance, and a screen should call it too small to",
        "measure or not certain rather than a gap.",
        "",
        *(f"- `{g['id']}`: {g['sentence']}" for g in gaps),
        "",
        "Simplification: the four-year graduation cohort is the grade-12 roll of each year; a",
        "grade-12 dropout stays in it as a non-graduate, but children who dropped out in grades 9-11",
        "are not carried forward into a later cohort.",
        "",
    ]
    return "\n".join(lines)


def _label_of_column(column: str) -> str:
    return next(o.label for o in vocab.OUTCOMES.values() if o.column == column).lower()


def write(outdir, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write every demo file into ``outdir``; return their paths."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    students = generate(seed)
    gaps = planted_gaps(seed, students)
    paths = {name: outdir / name for name in ("students.csv", "counts.csv", "state_public_file.csv",
                                              "planted_gaps.yml", "README.md")}
    write_students(students, paths["students.csv"])
    write_counts(students, paths["counts.csv"])
    paths["state_public_file.csv"].write_bytes(state_public_file(seed).encode("cp1252"))
    document = {"district": DISTRICT, "seed": seed,
                "note": "Synthetic demo district. True rates are expected rates every year; comparison is "
                        "all other children in the same scope (school blank = district).",
                "gaps": gaps}
    paths["planted_gaps.yml"].write_text(
        yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8")
    paths["README.md"].write_text(_readme(gaps, seed, students), encoding="utf-8")
    return list(paths.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m successgaps_lib.demo",
        description=f"Write the synthetic demo district ({DISTRICT}) into OUTDIR: students.csv, counts.csv, "
                    "state_public_file.csv, planted_gaps.yml and README.md.")
    parser.add_argument("outdir", metavar="OUTDIR", help="folder to write into (created if missing)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"random seed; the same seed writes identical files (default {DEFAULT_SEED})")
    args = parser.parse_args(argv)
    for path in write(args.outdir, args.seed):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
