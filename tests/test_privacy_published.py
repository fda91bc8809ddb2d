"""Privacy across outcomes: the tables a run publishes, attacked all together.

``successgaps screen --out`` writes one GAPS table: every outcome, the district and every
school. Outcomes measured on the same children (suspensions, expulsions, identification: the
enrolled students) show the same group sizes, so a size hidden in the rows of one outcome may
be shown in the rows of another, and a reader can subtract across them (issue 9: the number of
Black students at one school, hidden in every row, was the district's figure minus the other
schools' figures, each read under a different outcome).

The attacker here reads only what the run publishes: the CSV that ``screen --out`` writes
(read back from the file), on random districts built as a cube of children (``District`` of
``test_privacy``) and on the demo district. It knows every way the figures add up (they are
sums over the cube) and that every figure lies between 0 and its group's size, and computes
with linear programs the smallest and largest value each figure hidden in *every* row could
take. A figure is pinned when the two meet (``Attacker.pinned``); none may be. Nor may a group
of 1 to m-1 children, or its count with or without an outcome, be pinned from what is shown.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from successgaps_lib import privacy
from successgaps_lib.cli import main
from successgaps_lib.groups import ALL_STUDENTS, GROUPS, OUTCOMES
from tests.test_privacy import EXP, OSS, OUTS, RACES, SWD, Attacker, District, _case, _small, districts

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo" / "students.csv"
FIGURES = (("a_group", "group", "a"), ("n_group", "group", "n"),
           ("a_comparison", "comparison", "a"), ("n_comparison", "comparison", "n"))


def screen_out(counts: pd.DataFrame | Path, folder: Path, *, min_size: int = 10) -> pd.DataFrame:
    """What ``successgaps screen FILE --schools --out gaps.csv`` publishes, read back from the file."""
    source = counts
    if isinstance(counts, pd.DataFrame):
        source = folder / "counts.csv"
        counts.to_csv(source, index=False)
    out = folder / "gaps.csv"
    assert main(["screen", str(source), "--schools", "--min-size", str(min_size), "--out", str(out)]) == 0
    gaps = pd.read_csv(out, keep_default_na=False, na_values=[""])
    gaps["school"] = gaps["school"].fillna("").astype(str)
    return gaps


def _expression(district: District, row, side: str, what: str) -> np.ndarray:
    mine = district.expression(row.school, row.group, row.outcome, what)
    if side == "group":
        return mine
    assert row.comparison == "all other children", row.comparison
    return district.expression(row.school, ALL_STUDENTS, row.outcome, what) - mine


def attack_published(district: District, gaps: pd.DataFrame) -> list[str]:
    """Every hidden figure of the published GAPS table the attacker pins, and every small group."""
    m, x = district.m, district.truth()
    figures = {}  # expression -> (label, shown value or None, size of its group)
    for row in gaps.itertuples():
        for column, side, what in FIGURES:
            c = _expression(district, row, side, what)
            key = c.tobytes()
            value = getattr(row, column)
            label, shown, _, _ = figures.get(key, (None, None, None, None))
            if shown is None and not np.isnan(value):
                shown = float(value)
            size = float(_expression(district, row, side, "n") @ x)
            figures[key] = (label or f"{column} of {row.school or 'district'}/{row.group}/{row.outcome}",
                            shown, c, size)
    equations = [(c, v) for _, v, c, _ in figures.values() if v is not None]
    a_eq = np.array([c for c, _ in equations]) if equations else np.zeros((0, district.nvar))
    b_eq = np.array([v for _, v in equations], dtype=float)
    assert np.allclose(a_eq @ x, b_eq), "the published figures must be those of the district"
    a_ub = -np.unique([district.figure(f, w) for f in district.figures() for w in ("a", "n-a", "n")], axis=0)
    attacker = Attacker(a_eq, b_eq, a_ub, x)
    problems = []
    for label, shown, c, size in figures.values():
        value = float(c @ x)
        if shown is None and value > 0 and size > 0:  # hidden in every row (a figure of 0 children is no one)
            pinned, low, high = attacker.pinned(c)
            if pinned:
                problems.append(f"{label} = {value:g}, hidden in every row, is pinned (min {low:g}, max {high:g})")
    for figure in district.figures():  # and no small group, with or without an outcome
        for what in ("a", "n", "n-a"):
            c, n = district.figure(figure, what), district.figure(figure, "n")
            value = float(c @ x)
            if _small(what, figure[2], value, float(n @ x), m) and attacker.pinned(c)[0]:
                problems.append(f"{what} of {figure}: a group of {value:g} children is recovered")
    return problems


def subtraction_recoveries(gaps: pd.DataFrame) -> list[tuple]:
    """The issue's attack, by hand: a group's size at a school, hidden in every row, from the district's
    size minus every other school's, each read under whichever outcome on the same children shows it."""
    gaps = gaps.assign(population=[OUTCOMES[o].population for o in gaps["outcome"]])
    unit = ["year", "district", "group", "population"]
    shown = gaps[gaps["n_group"].notna()].groupby([*unit, "school"])["n_group"].first().to_dict()
    found = []
    for (year, district, group, population), rows in gaps.groupby(unit):
        schools = sorted(set(rows["school"]) - {""})
        known = {s: shown.get((year, district, group, population, s)) for s in ["", *schools]}
        for school in schools:
            others = [s for s in ["", *schools] if s != school]
            if known[school] is None and all(known[s] is not None for s in others):
                value = known[""] - sum(known[s] for s in others if s)
                found.append((year, school, group, population, value))
    return found


# --- the finding ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_published(tmp_path_factory):
    return screen_out(DEMO, tmp_path_factory.mktemp("demo"))


def test_no_size_hidden_in_every_row_is_the_district_minus_the_other_schools(demo_published):
    """Issue 9: on main, four sizes (52, 59 and 58 Black students at Alder Creek Elementary, 62
    English learners at Ironwood High) came back exactly by this subtraction."""
    assert "suppressed" not in demo_published  # the CSV carries no flag column: a reader has the blanks only
    assert demo_published["n_group"].isna().any() and demo_published["n_group"].notna().any()
    assert subtraction_recoveries(demo_published) == []


def test_the_subtraction_finds_what_an_uncoordinated_table_leaves():
    """The check is not blind: a size blanked in every row of one school is found by subtraction."""
    rows = []
    for outcome in (OSS, EXP):
        for school, n in (("", 100), ("A", 30), ("B", 40), ("C", 30)):
            hide = school == "A" or (school == "B" and outcome == OSS) or (school == "C" and outcome == EXP)
            rows.append({"year": 2025, "district": "D", "school": school, "group": "Asian", "outcome": outcome,
                         "n_group": np.nan if hide else n})
    assert subtraction_recoveries(pd.DataFrame(rows)) == [(2025, "A", "Asian", "enrolled children", 30)]


# --- the LP attacker on all of a run's published figures --------------------------------------------

def _district_counts(district: District, dropped=()) -> pd.DataFrame:
    table = district.table(dropped)
    return table[["year", "district", "school", "group", "outcome", "numerator", "denominator"]]


def test_the_published_attacker_does_find_an_uncoordinated_table(tmp_path, monkeypatch):
    """Without the coordination across outcomes (rows hidden without telling the engine), the attacker
    pins a size hidden in every row: the test is not blind."""
    district = _leaky_district()
    assert attack_published(district, screen_out(_district_counts(district), tmp_path, min_size=10)) == []
    monkeypatch.setattr(privacy, "_left_out", lambda at, column, hidden, shared, flags: np.zeros_like(flags))
    problems = attack_published(district, screen_out(_district_counts(district), tmp_path, min_size=10))
    assert any("hidden in every row, is pinned" in p for p in problems), problems


def _leaky_district() -> District:
    """Found by the attacker with the coordination turned off: at each school the students without
    disabilities are expelled too rarely (or too often) to show, so every expulsion row of the
    students with disabilities is hidden with its comparison; their size then came back from the
    suspension rows of the same children."""
    return _case(10, False, [
        ("A", "MHL", 1, "F", 28, 26, 8), ("A", "MHL", 0, "F", 15, 11, 4), ("A", "MAN", 1, "F", 6, 1, 3),
        ("A", "MAN", 0, "F", 14, 10, 5), ("B", "MHL", 1, "F", 14, 9, 11), ("B", "MHL", 0, "F", 14, 2, 0),
        ("B", "MAN", 1, "F", 15, 13, 9), ("B", "MAN", 0, "F", 1, 0, 1), ("C", "MHL", 1, "F", 9, 8, 1),
        ("C", "MHL", 0, "F", 27, 4, 18), ("C", "MAN", 1, "F", 13, 2, 4), ("C", "MAN", 0, "F", 13, 3, 6)])[0]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                HealthCheck.function_scoped_fixture])
@given(case=districts())
def test_published_tables_of_random_districts_pin_nothing(case, tmp_path):
    district, dropped = case
    # a counts file must have its All students rows (the loader refuses one without): others may be missing
    counts = _district_counts(district, [g for g in dropped if g != ALL_STUDENTS])
    assert attack_published(district, screen_out(counts, tmp_path, min_size=district.m)) == []


def test_published_tables_of_seeded_districts_pin_nothing(tmp_path):
    rng = np.random.default_rng(9)
    for turn in range(2):
        cells = []
        for school in ("A", "B", "C", "D"):
            for race in [GROUPS[r].value for r in RACES[:4]]:
                for swd in (True, False):
                    for sex in ("F", "M"):
                        n = int(rng.integers(0, 25))
                        cells.append((school, race, swd, sex, n, {o: int(rng.integers(0, n + 1)) for o in OUTS}))
        district = District(cells, ["A", "B", "C", "D"], list(RACES[:4]), 10, intersections=False)
        folder = tmp_path / str(turn)
        folder.mkdir()
        assert attack_published(district, screen_out(_district_counts(district), folder)) == []


# --- intersections: a hidden "A × B" cell has complements in both margins ---------------------------

def _crossed_district() -> District:
    """Race x disability at one school: the Asian students with disabilities are 4."""
    cells = []
    for race, swd, n, oss in (("MA", True, 4, 1), ("MA", False, 40, 12), ("MW", True, 30, 11), ("MW", False, 120, 30),
                              ("MHL", True, 25, 10), ("MHL", False, 90, 25)):
        for sex, share in (("F", 0.5), ("M", 0.5)):
            size = round(n * share)
            cells.append(("A", race, swd, sex, size, {OSS: round(oss * share), EXP: 0}))
    return District(cells, ["A"], ["Asian", "White", "Hispanic/Latino"], 10, intersections=True)


def test_a_hidden_intersection_cell_has_complements_in_its_row_and_its_column():
    district = _crossed_district()
    counts = district.table()
    shown = privacy.protect(counts, min_size=10)
    place = shown[(shown.school == "") & (shown.outcome == OSS)].set_index("group")
    hidden = place[privacy.DENOMINATOR_FLAG]
    small = f"Asian × {SWD}"
    assert hidden[small]
    row = [f"Asian × {d}" for d in (SWD, "Students without disabilities")]
    column = [f"{r} × {SWD}" for r in ("Asian", "White", "Hispanic/Latino")]
    assert not hidden[["Asian", SWD]].any()  # the margins' totals are shown: each margin needs a complement
    assert hidden[row].sum() >= 2  # the other cell of its race
    assert hidden[column].sum() >= 2  # another race of its disability


def test_published_intersection_gaps_pin_nothing():
    """The GAPS rows of every race x disability group, as the explorer and handouts show them (each
    protected with the counts they come from), attacked with the cube."""
    from successgaps_lib import metrics

    district = _crossed_district()
    counts = district.table()
    crossed = [g for g in district.groups() if " × " in g]
    gaps = privacy.protect(metrics.compare(counts, groups=crossed, statements=False), min_size=10, counts=counts)
    assert gaps[privacy.ROW_FLAG].any() and not gaps[privacy.ROW_FLAG].all()
    assert attack_published(district, gaps) == []
