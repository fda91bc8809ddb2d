"""The privacy layer: primary and complementary suppression, coding, marking, display.

The heart of this file is the *attacker*. A random district is a cube of cells of children
(school x race x disability x sex, each cell with its counts of suspensions and expulsions).
The attacker reads every figure ``protect`` lets through, from the counts table and the GAPS
table together as a handout shows them; knows every way the table's figures add up (they are
sums over the cube); and knows that each figure the table speaks of (a group's children with
and without an outcome, its complement, a school's remainder) lies between 0 and the group's
size. With linear programs it computes the smallest and largest value each hidden figure
could take: if they meet, the figure is recovered. A group of children whose count the
published figures pin down must have no child or at least ``min_size``.

It is not told how groups the tables never show together split (girls with disabilities):
bounds on such cross-classified cells are outside what the layer claims (see privacy.py).
"""

from __future__ import annotations

import copy
import re
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from successgaps_lib import privacy
from successgaps_lib.errors import PrivacyError
from successgaps_lib.groups import ALL_STUDENTS, GROUPS, groups_of
from successgaps_lib.table import as_counts

SWD, NON_SWD = "Students with disabilities", "Students without disabilities"
RACES = groups_of("race")
OSS, EXP, IDENT, GRAD = "suspension_out_of_school", "expulsion", "identification", "graduation"
D = "Testville"


def counts_table(rows, *, year=2025, district=D) -> pd.DataFrame:
    """rows: (school, group, outcome, numerator, denominator)."""
    frame = pd.DataFrame(rows, columns=["school", "group", "outcome", "numerator", "denominator"])
    return as_counts(frame.assign(year=year, district=district))


def hidden(protected: pd.DataFrame, group: str, outcome: str = GRAD, school: str = "") -> tuple[bool, bool]:
    row = protected[(protected.group == group) & (protected.outcome == outcome) & (protected.school == school)]
    assert len(row) == 1
    return bool(row[privacy.NUMERATOR_FLAG].iloc[0]), bool(row[privacy.DENOMINATOR_FLAG].iloc[0])


# --- primary suppression ------------------------------------------------------------------------

@pytest.mark.parametrize(("a", "n", "expected"), [
    (5, 9, (True, True)),  # 9 children: the group is too small
    (5, 10, (True, False)),  # 10 children, but 5 with and 5 without the outcome
    (10, 20, (False, False)),  # 10 with, 10 without: the smallest shown rate
    (9, 40, (True, False)),  # 9 with the outcome
    (31, 40, (True, False)),  # 9 without it
    (30, 40, (False, False)),
    (0, 40, (True, False)),  # "none of the 40" is about every one of them
    (40, 40, (True, False)),  # "all of the 40" likewise
    (0, 0, (False, False)),  # an empty group is about no child
    (float("nan"), 40, (False, False)),  # unknown stays unknown
    (3, float("nan"), (True, False)),  # a small count without its group size
])
def test_primary_rules_at_the_boundaries(a, n, expected):
    num, den = privacy.primary([a], [n])
    assert (bool(num[0]), bool(den[0])) == expected


def test_min_size_is_a_parameter():
    num, den = privacy.primary([5, 5, 4], [10, 9, 10], min_size=5)
    assert num.tolist() == [False, True, True]  # 5/10 passes at 5; 4 with the outcome does not
    assert den.tolist() == [False, False, False]
    num, _ = privacy.primary([19], [40], min_size=20)
    assert num.tolist() == [True]
    for bad in (0, -1, 2.5, True, "10"):
        with pytest.raises(ValueError, match="min_size"):
            privacy.primary([1], [1], min_size=bad)


def test_protect_hides_a_group_of_nine_and_shows_a_group_of_ten():
    nine = privacy.protect(counts_table([("", ALL_STUDENTS, GRAD, 200, 240), ("", SWD, GRAD, 4, 9),
                                         ("", NON_SWD, GRAD, 196, 231)]))
    assert hidden(nine, SWD) == (True, True)
    assert np.isnan(nine.loc[nine.group == SWD, ["numerator", "denominator"]].to_numpy()).all()
    ten = privacy.protect(counts_table([("", ALL_STUDENTS, GRAD, 200, 240), ("", SWD, GRAD, 5, 10),
                                        ("", NON_SWD, GRAD, 195, 230)]))
    assert hidden(ten, SWD) == (True, False)  # 10 children: size shown; 5 with the outcome: hidden
    assert float(ten.loc[ten.group == SWD, "denominator"].iloc[0]) == 10
    wide = privacy.protect(counts_table([("", ALL_STUDENTS, GRAD, 200, 260), ("", SWD, GRAD, 10, 20),
                                         ("", NON_SWD, GRAD, 190, 240)]))
    assert hidden(wide, SWD) == (False, False)
    five = privacy.protect(counts_table([("", ALL_STUDENTS, GRAD, 200, 260), ("", SWD, GRAD, 5, 10),
                                         ("", NON_SWD, GRAD, 195, 250)]), min_size=5)
    assert hidden(five, SWD) == (False, False)


# --- complementary suppression ------------------------------------------------------------------

def test_binary_partition_hides_the_complement_when_the_group_is_small():
    shown = privacy.protect(counts_table([("", ALL_STUDENTS, GRAD, 300, 340), ("", SWD, GRAD, 5, 8),
                                          ("", NON_SWD, GRAD, 295, 332)]))
    # 8 = 340 - 332: the complement must go too, or the subtraction gives the group back
    assert hidden(shown, SWD) == (True, True)
    assert hidden(shown, NON_SWD) == (True, True)
    assert hidden(shown, ALL_STUDENTS) == (False, False)


def test_binary_partition_hides_the_group_when_its_complement_is_small():
    ed, not_ed = "Economically disadvantaged", "Not economically disadvantaged"
    shown = privacy.protect(counts_table([("", ALL_STUDENTS, GRAD, 300, 340), ("", ed, GRAD, 297, 334),
                                          ("", not_ed, GRAD, 3, 6)]))
    assert hidden(shown, not_ed) == (True, True) and hidden(shown, ed) == (True, True)
    # without the complement's row the subtraction still gives it: the group is hidden all the same
    shown = privacy.protect(counts_table([("", ALL_STUDENTS, GRAD, 300, 340), ("", ed, GRAD, 297, 334)]))
    assert hidden(shown, ed) == (True, True)


def test_race_partition_adds_the_smallest_cell_that_makes_the_hidden_ones_safe():
    rows = [("", ALL_STUDENTS, GRAD, 530, 600),
            ("", "American Indian or Alaska Native", GRAD, 2, 3),
            ("", "Asian", GRAD, 4, 5),
            ("", "Native Hawaiian or Other Pacific Islander", GRAD, 10, 12),  # smallest that reaches 10
            ("", "Two or more races", GRAD, 20, 30),
            ("", "Hispanic/Latino", GRAD, 100, 120),
            ("", "Black or African American", GRAD, 100, 110),
            ("", "White", GRAD, 294, 320)]
    shown = privacy.protect(counts_table(rows))
    flags = {g: hidden(shown, g) for g in RACES}
    assert flags["American Indian or Alaska Native"] == (True, True)
    assert flags["Asian"] == (True, True)
    # 3 + 5 = 8 children hidden: still a group under 10, so one more; 12 is the smallest that helps
    assert flags["Native Hawaiian or Other Pacific Islander"] == (True, True)
    assert [g for g, f in flags.items() if f[1]] == ["American Indian or Alaska Native", "Asian",
                                                      "Native Hawaiian or Other Pacific Islander"]
    # the numerators hidden together: 2 + 4 + 10 = 16 with, 4 without: under 10 without, so more
    num_hidden = [g for g, f in flags.items() if f[0]]
    without = sum(n - a for _, g, _, a, n in rows if g in num_hidden)
    with_ = sum(a for _, g, _, a, n in rows if g in num_hidden)
    assert without >= 10 and with_ >= 10


def test_schools_partition_the_district():
    rows = [("", "Asian", GRAD, 53, 80), ("A", "Asian", GRAD, 3, 6), ("B", "Asian", GRAD, 20, 30),
            ("C", "Asian", GRAD, 30, 44)]
    shown = privacy.protect(counts_table(rows))
    assert hidden(shown, "Asian", school="A") == (True, True)
    assert hidden(shown, "Asian", school="B") == (True, True)  # the smaller of the other two
    assert hidden(shown, "Asian", school="C") == (False, False)
    assert hidden(shown, "Asian", school="") == (False, False)


def test_a_small_remainder_of_a_partition_is_protected():
    # 5 children of unknown race: All minus the race groups would show them
    rows = [("", ALL_STUDENTS, GRAD, 180, 225), ("", "White", GRAD, 100, 120), ("", "Hispanic/Latino", GRAD, 78, 100)]
    shown = privacy.protect(counts_table(rows))
    assert hidden(shown, "Hispanic/Latino")[1]
    assert not hidden(shown, "White")[1] and not hidden(shown, ALL_STUDENTS)[1]


def test_outcomes_on_the_same_children_hide_their_shared_denominator_together():
    rows = [("", ALL_STUDENTS, OSS, 50, 400), ("", "Female", OSS, 20, 195), ("", "Male", OSS, 30, 205),
            ("", ALL_STUDENTS, EXP, 12, 400), ("", "Female", EXP, 2, 195), ("", "Male", EXP, 10, 205)]
    shown = privacy.protect(counts_table(rows))
    assert hidden(shown, "Female", EXP) == (True, False)
    assert not hidden(shown, "Female", OSS)[1]  # the sizes are fine; no reason to hide them
    # a denominator hidden for one outcome is hidden for every outcome on the same children
    rows[1] = ("", "Female", OSS, 2, 8)
    rows[2] = ("", "Male", OSS, 48, 392)
    rows[4] = ("", "Female", EXP, 0, 8)
    rows[5] = ("", "Male", EXP, 12, 392)
    shown = privacy.protect(counts_table(rows))
    for outcome in (OSS, EXP):
        assert hidden(shown, "Female", outcome)[1] and hidden(shown, "Male", outcome)[1]


def test_identification_is_linked_to_the_size_of_the_students_with_disabilities():
    # The children identified = the enrolled students with disabilities. School A has 5 Black
    # students with disabilities, so B's 15 is hidden too (the district's 20 would give A's back);
    # B's count of Black children identified is the same 15 and passes the primary rules (15 of
    # 100): only the link hides it.
    black = "Black or African American"
    rows = []
    for school, swd, other in (("", 20, 180), ("A", 5, 95), ("B", 15, 85)):
        rows += [(school, f"{black} × {SWD}", OSS, swd // 2 + 5 * (swd == 20), swd),
                 (school, f"{black} × {NON_SWD}", OSS, other // 2, other),
                 (school, black, OSS, swd // 2 + 5 * (swd == 20) + other // 2, swd + other),
                 (school, black, IDENT, swd, swd + other)]
    shown = privacy.protect(counts_table(rows))
    assert hidden(shown, f"{black} × {SWD}", OSS, "A") == (True, True)
    assert hidden(shown, f"{black} × {SWD}", OSS, "B")[1]
    assert hidden(shown, black, IDENT, "B")[0]
    num, _ = privacy.primary([15], [100])
    assert not num[0]  # on its own it would have been shown


# --- the attacker --------------------------------------------------------------------------------

OUTS = (OSS, EXP)  # numerators that are counts of the cube; identification is read from disability


class District:
    """A district as a cube of cells of children, and the counts table built from it."""

    def __init__(self, cells, schools, races, m, intersections):
        self.cells = cells  # (school, race or None, swd, sex, n, {outcome: a})
        self.schools, self.races, self.m = schools, races, m
        self.intersections = intersections
        self.nvar = len(cells) * (1 + len(OUTS))
        self._members, self._expressions = {}, {}

    def __repr__(self):
        cells = [(s, r, int(d), x, n, *(o[k] for k in OUTS)) for s, r, d, x, n, o in self.cells]
        return f"District(m={self.m}, intersections={self.intersections}, cells={cells})"

    # which cells are in a group, and the row of each counts-table figure as an LP expression
    def members(self, school, group):
        key = (school, group)
        if key not in self._members:
            self._members[key] = self._find_members(school, group)
        return self._members[key]

    def _find_members(self, school, group):
        def inside(cell):
            s, race, swd, sex = cell[:4]
            if school and s != school:
                return False
            if group == ALL_STUDENTS:
                return True
            if " × " in group:
                first, second = group.split(" × ")
                return inside_one(first, race, swd, sex) and inside_one(second, race, swd, sex)
            return inside_one(group, race, swd, sex)
        return [j for j, cell in enumerate(self.cells) if inside(cell)]

    def expression(self, school, group, outcome, what):
        """Coefficients over the LP variables: n_j, then a_(o, j) per outcome of OUTS."""
        key = (school, group, outcome, what)
        if key not in self._expressions:
            self._expressions[key] = self._build(school, group, outcome, what)
            self._expressions[key].flags.writeable = False
        return self._expressions[key]

    def _build(self, school, group, outcome, what):
        c = np.zeros(self.nvar)
        for j in self.members(school, group):
            n_var, swd = j, self.cells[j][2]
            if what == "n":
                c[n_var] += 1
                continue
            if outcome == IDENT:
                numerator = [n_var] if swd else []
            else:
                numerator = [len(self.cells) * (1 + OUTS.index(outcome)) + j]
            for v in numerator:
                c[v] += 1 if what == "a" else -1
            if what == "n-a":
                c[n_var] += 1
        return c

    def truth(self):
        x = np.zeros(self.nvar)
        for j, cell in enumerate(self.cells):
            x[j] = cell[4]
            for k, o in enumerate(OUTS):
                x[len(self.cells) * (1 + k) + j] = cell[5][o]
        return x

    def figures(self):
        """(school, group, outcome, subtracted figure or None) for every figure of the full table,
        every "all but the group" and every "the district but the school"."""
        for school in ["", *self.schools]:
            for group in self.groups():
                for outcome in (*OUTS, IDENT):
                    yield school, group, outcome, None
                    if group != ALL_STUDENTS:
                        yield school, ALL_STUDENTS, outcome, (school, group, outcome)
                    if school:
                        yield "", group, outcome, (school, group, outcome)

    def figure(self, figure, what):
        school, group, outcome, minus = figure
        c = self.expression(school, group, outcome, what)
        return c - self.expression(*minus, what) if minus else c

    def groups(self):
        labels = [ALL_STUDENTS, *self.races, SWD, NON_SWD, "Female", "Male"]
        if self.intersections:
            labels += [f"{r} × {d}" for r in self.races for d in (SWD, NON_SWD)]
        return labels

    def table(self, dropped=()):
        x = self.truth()
        rows = []
        for school in ["", *self.schools]:
            for group in self.groups():
                if group in dropped:
                    continue
                for outcome in (*OUTS, IDENT):
                    a = self.expression(school, group, outcome, "a") @ x
                    n = self.expression(school, group, outcome, "n") @ x
                    rows.append((school, group, outcome, a, n))
        return counts_table(rows)


def inside_one(label, race, swd, sex):
    group = GROUPS[label]
    value = {"race": race, "disability": swd, "sex": sex}[group.dimension]
    return value == group.value


@st.composite
def districts(draw):
    m = draw(st.sampled_from([3, 5, 10]))
    schools = ["A", "B", "C"][: draw(st.integers(1, 3))]
    races = [group for group in RACES if draw(st.booleans())][:4] or [RACES[5]]
    kinds = [GROUPS[r].value for r in races] + ([None] if draw(st.booleans()) else [])  # None: unknown race
    cells = []
    for school in schools:
        for race in kinds:
            for swd in (True, False):
                for sex in ("F", "M"):
                    n = draw(st.integers(0, m))
                    outcomes = {o: draw(st.integers(0, n)) for o in OUTS}
                    cells.append((school, race, swd, sex, n, outcomes))
    district = District(cells, schools, races, m, draw(st.booleans()))
    optional = [NON_SWD, "Male", *races[:1], ALL_STUDENTS]
    dropped = [g for g in optional if draw(st.integers(0, 4)) == 0]  # rows a table may leave out
    return district, dropped


class Attacker:
    """What a reader knows: the published figures as equations over the cube, and 0 <= a <= n for
    every figure of the table."""

    def __init__(self, a_eq, b_eq, a_ub, truth, seed=0):
        self.a_eq, self.b_eq, self.a_ub, self.truth = a_eq, b_eq, a_ub, truth
        # the cube's cells are not bounded one by one: the attacker knows the table's figures, not
        # how groups the table never shows together (girls with disabilities) split
        self.bounds = [(-10_000, 10_000)] * len(truth)
        # Vertices reached from random directions: a figure whose value differs between one of
        # them and the truth is certainly not pinned down, which spares most exact solves.
        rng = np.random.default_rng(seed)
        self.points = [self._solve(rng.normal(size=len(truth)))[1] for _ in range(4)]
        self.points = [p for p in self.points if p is not None]

    def _solve(self, c):
        result = linprog(c, A_ub=self.a_ub, b_ub=np.zeros(len(self.a_ub)), A_eq=self.a_eq, b_eq=self.b_eq,
                         bounds=self.bounds, method="highs")
        assert result.status in (0, 3), result.message  # 3: unbounded, fine for a maximum
        return (result.fun, result.x) if result.status == 0 else (-np.inf, None)

    def pinned(self, c) -> tuple[bool, float, float]:
        """Whether c·x takes one value only; with the smallest and largest values when computed."""
        value = float(c @ self.truth)
        if any(abs(float(c @ p) - value) > 0.5 for p in self.points):
            return False, np.nan, np.nan
        low, high = self._solve(c)[0], -self._solve(-c)[0]
        return high - low < 0.5, low, high


def attack(district: District, dropped=()) -> list[str]:
    """Every disclosure the published counts and GAPS tables allow (empty when none)."""
    from successgaps_lib import metrics

    m, x = district.m, district.truth()
    table = district.table(dropped)
    counts = privacy.protect(table, min_size=m)
    gaps = privacy.protect(metrics.compare(table, statements=False), min_size=m, counts=table)

    equations = []  # what the attacker reads
    for row in counts.itertuples():
        for what, value in (("a", row.numerator), ("n", row.denominator)):
            if not np.isnan(value):
                equations.append((district.expression(row.school, row.group, row.outcome, what), value))
    for row in gaps[~gaps[privacy.ROW_FLAG]].itertuples():
        everyone = {w: district.expression(row.school, ALL_STUDENTS, row.outcome, w) for w in ("a", "n")}
        for what, group_value, other_value in (("a", row.a_group, row.a_comparison),
                                               ("n", row.n_group, row.n_comparison)):
            mine = district.expression(row.school, row.group, row.outcome, what)
            if not np.isnan(group_value):
                equations.append((mine, group_value))
            if not np.isnan(other_value):
                equations.append((everyone[what] - mine, other_value))
    a_eq = np.array([e for e, _ in equations]) if equations else np.zeros((0, district.nvar))
    b_eq = np.array([v for _, v in equations], dtype=float)
    assert np.allclose(a_eq @ x, b_eq), "the attacker's equations must hold for the true district"
    # every figure the table speaks of (each group, its complement, each school's remainder) has
    # between 0 and its group size children with the outcome
    a_ub = -np.unique([district.figure(figure, what) for figure in district.figures() for what in ("a", "n-a", "n")],
                      axis=0)
    attacker = Attacker(a_eq, b_eq, a_ub, x)
    problems = []
    full = district.table()
    shown = {(r.school, r.group, r.outcome): r for r in counts.itertuples()}
    definitional = {(g, IDENT) for g in (SWD, NON_SWD)} | {
        (g, IDENT) for g in district.groups() if " × " in g}
    for row in full.itertuples():
        key = (row.school, row.group, row.outcome)
        published = shown.get(key)
        for what in ("a", "n", "n-a"):
            c = district.expression(row.school, row.group, row.outcome, what)
            value = float(c @ x)
            is_hidden = published is not None and (
                (what == "n" and published.denominator_suppressed) or (what != "n" and published.numerator_suppressed))
            children = float(district.expression(*key, "n") @ x)
            # A hidden figure about no child at all is no disclosure, nor is an empty group (size 0).
            # Identification counts are the sizes of G ∩ SWD and G ∩ non-SWD: judged by _small only.
            if what == "n":
                must_stay_unknown = is_hidden and value > 0
            else:
                must_stay_unknown = is_hidden and children > 0 and row.outcome != IDENT
            must_stay_unknown &= (row.group, row.outcome) not in definitional
            small = _small(what, row.outcome, value, children, m)
            if not must_stay_unknown and not small:
                continue
            recovered, low, high = attacker.pinned(c)
            if recovered:
                problems.append(f"{what} of {key} = {value:g} is recovered (min {low:g}, max {high:g})"
                                + ("" if is_hidden else " from what is shown"))
    # the complement of each group ("all other children") and of each school in its district
    for school in ["", *district.schools]:
        for group in district.groups()[1:]:
            for outcome in (*OUTS, IDENT):
                for what in ("a", "n", "n-a"):
                    c = (district.expression(school, ALL_STUDENTS, outcome, what)
                         - district.expression(school, group, outcome, what))
                    n = (district.expression(school, ALL_STUDENTS, outcome, "n")
                         - district.expression(school, group, outcome, "n"))
                    _check_derived(c, n, what, outcome, x, m, attacker, problems,
                                   f"{what} {outcome}: all but {group} at {school!r}")
    for school in district.schools:
        for group in district.groups():
            for outcome in (*OUTS, IDENT):
                for what in ("a", "n", "n-a"):
                    c = (district.expression("", group, outcome, what)
                         - district.expression(school, group, outcome, what))
                    n = (district.expression("", group, outcome, "n")
                         - district.expression(school, group, outcome, "n"))
                    _check_derived(c, n, what, outcome, x, m, attacker, problems,
                                   f"{what} {outcome}: {group} outside {school}")
    return problems


def _small(what, outcome, value, children, m) -> bool:
    """The disclosure standard. A group size (a denominator, or an identification count, which
    is the size of the group's students with disabilities) of 1 to m-1 children discloses; 0
    is an empty group. A count with or without an outcome under m discloses whenever the group
    has children: "none of them was suspended" is about each of them."""
    if what == "n" or outcome == IDENT:
        return 0 < value < m
    return value < m and children > 0


def _check_derived(c, n, what, outcome, x, m, attacker, problems, label):
    value = float(c @ x)
    if _small(what, outcome, value, float(n @ x), m) and attacker.pinned(c)[0]:
        problems.append(f"{label}: a group of {value:g} children is recovered")


def _case(m, intersections, cells, dropped=()):
    """A district written as District.__repr__ prints it (cells: school, race code, swd, sex, n, a...)."""
    cells = [(s, r, bool(d), x, n, dict(zip(OUTS, a, strict=True))) for s, r, d, x, n, *a in cells]
    races = [g for g in RACES if any(GROUPS[g].value == c[1] for c in cells)]
    return District(cells, sorted({c[0] for c in cells}), races, m, intersections), list(dropped)


# Districts on which earlier versions of the layer leaked, kept as regression cases.
REGRESSIONS = [
    # a cell hidden for another partition's sake stood alone beside its total
    _case(3, False, [("A", None, 0, "M", 1, 0, 0), ("B", "MW", 1, "F", 2, 0, 0), ("B", None, 1, "F", 1, 0, 0),
                     ("B", None, 1, "M", 2, 0, 0)], [NON_SWD, "Male", "White"]),
    # GAPS rows without an All students row put an unknown total in place of the one a reader sums
    _case(5, False, [("A", "MW", 1, "F", 4, 4, 0), ("A", "MW", 1, "M", 1, 1, 0), ("A", "MW", 0, "F", 0, 0, 0),
                     ("A", "MW", 0, "M", 2, 0, 0), ("A", "MM", 1, "F", 0, 0, 0), ("A", "MM", 1, "M", 5, 0, 0),
                     ("A", "MM", 0, "F", 0, 0, 0), ("A", "MM", 0, "M", 3, 0, 0)], [NON_SWD, "Male", ALL_STUDENTS]),
    # a missing group (Male) across schools: "Male outside A" from All and Female
    _case(3, False, [(s, r, d, x, *v) for s, r, d, x, v in (
        ("A", "MA", 1, "F", (1, 1, 1)), ("A", "MA", 1, "M", (1, 1, 0)), ("A", "MA", 0, "F", (2, 2, 0)),
        ("A", "MW", 1, "F", (3, 1, 0)), ("A", "MW", 1, "M", (2, 0, 2)), ("A", "MW", 0, "F", (3, 2, 3)),
        ("A", "MW", 0, "M", (2, 0, 0)), ("A", "MM", 1, "M", (3, 0, 3)), ("B", "MA", 1, "M", (2, 2, 2)),
        ("B", "MA", 0, "M", (2, 2, 0)), ("B", "MW", 1, "M", (1, 1, 1)), ("B", "MW", 0, "F", (2, 0, 1)),
        ("B", "MW", 0, "M", (3, 1, 3)), ("B", "MM", 1, "F", (1, 1, 1)), ("B", "MM", 1, "M", (1, 1, 1)),
        ("C", "MA", 1, "F", (3, 0, 2)), ("C", "MA", 1, "M", (3, 3, 3)), ("C", "MA", 0, "M", (3, 1, 3)),
        ("C", "MW", 0, "F", (1, 1, 0)), ("C", "MW", 0, "M", (2, 1, 2)), ("C", "MM", 0, "F", (2, 2, 0)),
        ("C", "MM", 0, "M", (1, 1, 1)))], ["Male"]),
    # identification of All students, with no All row, read from the students with disabilities
    _case(3, False, [("A", "MW", 1, "F", 3, 0, 0), ("A", "MW", 1, "M", 1, 0, 0), ("A", "MW", 0, "F", 2, 0, 0),
                     ("A", "MW", 0, "M", 0, 0, 0), ("A", None, 1, "F", 0, 0, 0), ("A", None, 1, "M", 0, 0, 0),
                     ("A", None, 0, "F", 1, 0, 0), ("A", None, 0, "M", 0, 0, 0)],
          [NON_SWD, "Male", "White", ALL_STUDENTS]),
    # intersections without their parent's row: Hispanic from All minus the other races
    _case(10, True, [("A", "MHL", 1, "F", 10, 0, 8), ("A", "MHL", 1, "M", 7, 4, 6), ("A", "MHL", 0, "F", 1, 1, 0),
                     ("A", "MHL", 0, "M", 5, 3, 0), ("A", "MA", 1, "F", 2, 1, 2), ("A", "MA", 1, "M", 6, 1, 0),
                     ("A", "MA", 0, "M", 9, 7, 5), ("A", "MNP", 1, "F", 8, 1, 8), ("A", "MNP", 1, "M", 2, 0, 0),
                     ("A", "MNP", 0, "F", 1, 1, 0), ("A", "MNP", 0, "M", 9, 6, 2), ("A", "MW", 1, "M", 5, 3, 1),
                     ("A", "MW", 0, "F", 7, 7, 1), ("A", "MW", 0, "M", 8, 5, 7)], [NON_SWD, "Hispanic/Latino"]),
    # no All, SWD or Male rows: the children not identified are the enrolled students without
    # disabilities, so boys without disabilities = that enrollment - girls not identified
    _case(5, False, [("A", "MB", 1, "F", 5, 0, 2), ("A", "MB", 1, "M", 1, 1, 0), ("A", "MB", 0, "F", 5, 3, 1),
                     ("A", "MB", 0, "M", 1, 0, 1), ("B", "MB", 1, "F", 0, 0, 0), ("B", "MB", 1, "M", 0, 0, 0),
                     ("B", "MB", 0, "F", 0, 0, 0), ("B", "MB", 0, "M", 2, 2, 0)],
          ["Male", "Black or African American", ALL_STUDENTS, SWD]),
    # race groups with no row are empty: All is their sum, and Male = All - Female = 2
    _case(3, False, [("A", "MW", 0, "F", 2, 0, 0), ("A", "MW", 0, "M", 1, 0, 0), ("A", "MM", 0, "F", 2, 0, 0),
                     ("A", "MM", 0, "M", 1, 0, 0)], [NON_SWD, "Male", ALL_STUDENTS]),
]


@pytest.mark.parametrize("case", REGRESSIONS)
def test_attacker_recovers_nothing_from_past_leaks(case):
    assert attack(*case) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(districts())
def test_attacker_recovers_nothing_from_random_districts(case):
    district, dropped = case
    assert attack(district, dropped) == []


def test_attacker_recovers_nothing_from_seeded_larger_districts():
    rng = np.random.default_rng(20250)
    for _ in range(2):
        cells = []
        for school in ("A", "B", "C"):
            for race in [GROUPS[r].value for r in RACES] + [None]:
                for swd in (True, False):
                    for sex in ("F", "M"):
                        n = int(rng.integers(0, 9))
                        cells.append((school, race, swd, sex, n, {o: int(rng.integers(0, n + 1)) for o in OUTS}))
        district = District(cells, ["A", "B", "C"], RACES, 10, intersections=True)
        assert attack(district) == []


def test_the_attacker_does_find_an_unprotected_table(monkeypatch):
    """Without complementary suppression the attacker must succeed (it is not a blind test)."""
    cells = [("A", "MW", False, "F", 30, {OSS: 5, EXP: 0}), ("A", "MB", False, "F", 4, {OSS: 1, EXP: 0}),
             ("A", "MW", True, "M", 12, {OSS: 4, EXP: 1})]
    district = District(cells, ["A"], ["White", "Black or African American"], 10, intersections=False)
    assert attack(district) == []
    monkeypatch.setattr(privacy, "_complement", lambda *args: None)
    monkeypatch.setattr(privacy, "_audit", lambda *args: False)  # the exact audit would hide complements too
    assert any("recovered" in p for p in attack(district))


# --- top and bottom coding ---------------------------------------------------------------------------

def test_code_rate_bounds_a_rate_that_rests_on_few_children():
    # 0 of 5000: never "0.0%"; the bound must hold for any count under 10: 10/5000 = 0.2% < 1%
    assert privacy.code_rate(0.0, 5000) == "<1%"
    assert privacy.code_rate(1.0, 5000) == ">99%"
    assert privacy.code_rate(0.004, 1000) == "<1%"  # 4 children: 10/1000 = 1%
    assert privacy.code_rate(0.03, 300) == "<5%"  # 9 children: 10/300 = 3.3%, next bound 5%
    assert privacy.code_rate(0.97, 300) == ">95%"
    assert privacy.code_rate(0.05, 100) == "<10%"  # 5 children: 10/100 = 10%
    assert privacy.code_rate(0.25, 400) == "25.0%"  # 100 and 300: shown
    assert privacy.code_rate(0.1, 15) == privacy.SUPPRESSED  # 10/15 needs a bound over 50%
    assert privacy.code_rate(0.0) == "<1%" and privacy.code_rate(1.0) == ">99%"  # no size: still coded
    assert privacy.code_rate(0.5) == "50.0%"
    assert privacy.code_rate(0.3, 40, min_size=5) == "30.0%"  # 12 and 28 children
    assert privacy.code_rate(0.1, 40, min_size=5) == "<20%"  # 4 children: 5/40 = 12.5%
    assert privacy.code_rate(float("nan"), 40) == privacy.UNKNOWN


def test_a_state_rate_of_zero_is_coded_in_a_gaps_display():
    gaps = gap_rows([{"group": "Black or African American", "dimension": "race", "a_group": 40, "n_group": 400,
                      "a_comparison": float("nan"), "n_comparison": float("nan"),  # a published rate only
                      "comparison": "all other children in the state"}])
    gaps.loc[0, "rate_comparison"] = 0.0
    text = privacy.display(privacy.protect(gaps, kind="gaps"))
    assert text.loc[0, "rate_comparison"] == "<1%"
    assert text.loc[0, "rate_group"] == "10.0%"


# --- marking: data-team mode and require_protected -----------------------------------------------------

def test_data_team_mode_must_be_asked_for_and_changes_nothing():
    table = counts_table([("", ALL_STUDENTS, GRAD, 300, 340), ("", SWD, GRAD, 5, 8)])
    raw = privacy.protect(table, audience=False)
    pd.testing.assert_frame_equal(raw, table)
    assert raw is not table
    assert raw.attrs["privacy"] == {"min_size": 10, "audience": False, "kind": "counts"}
    privacy.require_protected(raw)  # may be shown to the data team ...
    with pytest.raises(PrivacyError, match="data team"):
        privacy.require_protected(raw, audience=True)  # ... never to an audience
    default = privacy.protect(table)
    assert default.attrs["privacy"]["audience"] is True
    assert np.isnan(default.loc[1, "numerator"])
    for not_a_choice in (0, "no", None):
        with pytest.raises(TypeError):
            privacy.protect(table, audience=not_a_choice)


def test_require_protected_refuses_raw_and_tampered_tables():
    table = counts_table([("", ALL_STUDENTS, GRAD, 300, 340), ("", SWD, GRAD, 5, 8), ("", NON_SWD, GRAD, 295, 332)])
    with pytest.raises(PrivacyError, match="not passed through"):
        privacy.require_protected(table)
    with pytest.raises(PrivacyError):
        privacy.require_protected(table.to_dict())
    shown = privacy.protect(table)
    privacy.require_protected(shown, audience=True)
    privacy.require_protected(shown[shown.group != ALL_STUDENTS])  # the marker survives selection
    tampered = shown.copy()
    tampered["numerator"] = table["numerator"]  # raw figures put back
    with pytest.raises(PrivacyError, match="changed after"):
        privacy.require_protected(tampered)
    assert privacy.is_protected(shown) and not privacy.is_protected(table)
    assert privacy.is_protected(shown, audience=True) and not privacy.is_protected(shown, audience=False)


def test_unknown_kinds_are_refused_and_new_kinds_plug_in():
    chart = pd.DataFrame({"label": ["x", "y"], "share": [0.2, 0.8], "children": [4, 16]})
    with pytest.raises(PrivacyError, match="register_kind"):
        privacy.protect(chart)
    privacy.protect(chart, audience=False)  # the data team may look at anything

    def detect(t):
        return {"label", "share", "children"} <= set(t.columns)

    def protector(t, *, min_size):
        small = t["children"] < min_size
        return t.assign(share=t["share"].mask(small), children=t["children"].mask(small))

    try:
        privacy.register_kind("shares", detect, protector)
        assert privacy.kinds()[0] == "shares"
        shown = privacy.protect(chart)
        assert shown.attrs["privacy"]["kind"] == "shares"
        assert np.isnan(shown.loc[0, "share"]) and shown.loc[1, "share"] == 0.8
        privacy.require_protected(shown)
        assert chart.loc[0, "share"] == 0.2  # input untouched
    finally:
        privacy._KINDS.pop("shares", None)
    with pytest.raises(ValueError, match="unknown kind"):
        privacy.protect(chart, kind="shares")


def test_empty_tables_of_every_kind():
    from successgaps_lib import metrics

    table = counts_table([("", ALL_STUDENTS, GRAD, 300, 340), ("", SWD, GRAD, 5, 8)])
    for empty, options in ((table.iloc[:0], {}), (metrics.compare(table).iloc[:0], {"counts": table}),
                           (metrics.composition(table).iloc[:0], {})):
        shown = privacy.protect(empty, **options)
        assert len(shown) == 0 and privacy.is_protected(shown, audience=True)
        assert len(privacy.display(shown)) == 0


LABELS = [ALL_STUDENTS, *RACES[:3], SWD, NON_SWD, "Female", "Male", "Homeless", "Not homeless",
          f"{RACES[0]} × {SWD}", f"{RACES[0]} × {NON_SWD}", "Some group we do not know"]
VALUES = st.one_of(st.integers(-2, 60).map(float), st.just(float("nan")), st.floats(0, 60))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "A", "B"]), st.sampled_from(LABELS),
                          st.sampled_from([OSS, EXP, IDENT, "identification_sld", GRAD, "an outcome we do not know"]),
                          VALUES, VALUES), max_size=40, unique_by=lambda r: r[:3]),
       st.sampled_from([1, 3, 10]))
def test_messy_tables_never_crash_nor_let_a_small_figure_through(rows, m):
    table = counts_table(rows)
    before = table.copy(deep=True)
    shown = privacy.protect(table, min_size=m)
    pd.testing.assert_frame_equal(table, before)
    privacy.require_protected(shown, audience=True)  # re-checks every published figure
    num, den = privacy.primary(shown["numerator"], shown["denominator"], min_size=m)
    assert not (num & shown["numerator"].notna()).any() and not (den & shown["denominator"].notna()).any()
    assert len(privacy.display(shown)) == len(table)


def test_duplicate_rows_are_refused():
    table = counts_table([("", SWD, GRAD, 5, 8), ("", SWD, GRAD, 5, 8)])
    with pytest.raises(PrivacyError, match="two rows"):
        privacy.protect(table)


# --- display ---------------------------------------------------------------------------------------------

def test_display_strings_for_a_counts_table():
    table = counts_table([("", ALL_STUDENTS, GRAD, 3103, 3552), ("", SWD, GRAD, 5, 8), ("", NON_SWD, GRAD, 3098, 3544),
                          ("", "Female", GRAD, float("nan"), 1700), ("", "Male", GRAD, 1500, 1852)])
    text = privacy.display(privacy.protect(table))
    assert text.loc[0, ["numerator", "denominator", "rate"]].tolist() == ["3,103", "3,552", "87.4%"]
    assert text.loc[1, ["numerator", "denominator", "rate"]].tolist() == ["*", "*", "*"]
    assert text.loc[3, "numerator"] == "n/a" and text.loc[3, "denominator"] == "1,700"
    assert privacy.NUMERATOR_FLAG not in text and privacy.ROW_FLAG not in text
    assert all(isinstance(v, str) for v in text.to_numpy().ravel())
    with pytest.raises(PrivacyError):
        privacy.display(table)


def test_display_rounds_half_up_and_signs_differences():
    gaps = gap_rows([{"group": "White", "dimension": "race", "a_group": 245, "n_group": 2000, "a_comparison": 100,
                          "n_comparison": 1000}])
    gaps.loc[0, ["rate_group", "difference", "risk_ratio"]] = [0.1225, 0.0225, 1.225]
    text = privacy.display(privacy.protect(gaps))
    assert text.loc[0, "rate_group"] == "12.3%"  # 12.25 -> 12.3 (Python's round gives 12.2)
    assert text.loc[0, "difference"] == "+2.3"
    assert text.loc[0, "risk_ratio"] == "1.23"
    assert text.loc[0, "n_group"] == "2,000"


# --- the GAPS table ----------------------------------------------------------------------------------------

def gap_rows(rows) -> pd.DataFrame:
    """A GAPS-shaped table built by hand (district level, graduation, vs all other children)."""
    base = {"year": 2025, "district": D, "school": "", "outcome": GRAD, "comparison": "all other children",
                "measurable": True, "reason": "", "adverse": True, "flagged": True, "score": 0.05, "statement": "",
                "rr_reason": "", "confidence": 0.95}
    records = []
    for row in rows:
        r = {**base, **row}
        rg, rc = r["a_group"] / r["n_group"], r["a_comparison"] / r["n_comparison"]
        r.update(rate_group=rg, rate_group_low=rg - 0.02, rate_group_high=rg + 0.02,
                 rate_comparison=rc, rate_comparison_low=rc - 0.01, rate_comparison_high=rc + 0.01,
                 difference=rg - rc, ci_low=rg - rc - 0.03, ci_high=rg - rc + 0.03, risk_ratio=rg / rc,
                 rr_ci_low=0.5, rr_ci_high=2.0)
        r["statement"] = r["statement"] or f"{rg:.1%} of {r['group']} against {rc:.1%}"
        records.append(r)
    return pd.DataFrame(records)


def test_a_gap_row_on_a_small_group_keeps_only_labels_and_a_reason():
    gaps = gap_rows([
        {"group": "Economically disadvantaged", "dimension": "econ_disadvantaged", "a_group": 255, "n_group": 300,
             "a_comparison": 30, "n_comparison": 40, "score": 0.01},
        {"group": SWD, "dimension": "disability", "a_group": 5, "n_group": 8, "a_comparison": 280,
         "n_comparison": 332, "score": 0.3},
        {"group": "English learners", "dimension": "english_learner", "a_group": 282, "n_group": 335, "a_comparison": 3,
             "n_comparison": 5, "score": 0.2},  # the comparison is the small one
    ])
    gaps["rank"] = [3, 1, 2]
    before = copy.deepcopy(gaps)
    shown = privacy.protect(gaps)
    pd.testing.assert_frame_equal(gaps, before)  # input untouched
    assert shown.attrs["privacy"]["kind"] == "gaps"
    assert shown["group"].tolist() == ["Economically disadvantaged", SWD, "English learners"]  # hidden last
    assert shown[privacy.ROW_FLAG].tolist() == [False, True, True]
    numbers = ["a_group", "n_group", "rate_group", "rate_group_low", "rate_group_high", "a_comparison",
               "n_comparison", "rate_comparison", "rate_comparison_low", "rate_comparison_high", "difference",
               "ci_low", "ci_high", "risk_ratio", "rr_ci_low", "rr_ci_high", "score", "rank"]
    hidden_rows = shown[shown[privacy.ROW_FLAG]]
    assert hidden_rows[numbers].isna().all().all()
    assert (hidden_rows["reason"] == privacy.REASON).all()
    assert not hidden_rows["measurable"].any() and not hidden_rows["flagged"].any()
    assert not hidden_rows["adverse"].any()
    assert not any(re.search(r"\d+(\.\d+)?%|\b(5|8|280|332|3|282|335)\b", s) for s in hidden_rows["statement"])
    assert shown.loc[0, "rank"] == 1  # renumbered: no gap in the ranks shows where a hidden row stood
    text = privacy.display(shown)
    assert (text.loc[1:, ["n_group", "rate_group", "difference"]] == "*").all().all()
    assert text.loc[0, "n_group"] == "300"


def test_gap_rows_of_one_group_are_hidden_together():
    # the group is fine against all other children (its complement is 330) but small against all
    # children is not a thing: the same cells, so both rows share one decision
    gaps = gap_rows([
        {"group": SWD, "dimension": "disability", "a_group": 5, "n_group": 8, "a_comparison": 280, "n_comparison": 332},
        {"group": SWD, "dimension": "disability", "a_group": 5, "n_group": 8, "a_comparison": 285, "n_comparison": 340,
             "comparison": "all children"},
        {"group": "White", "dimension": "race", "a_group": 215, "n_group": 250, "a_comparison": 285,
         "n_comparison": 340, "comparison": "all children"},
    ])
    shown = privacy.protect(gaps)
    assert shown.set_index(["group", "comparison"])[privacy.ROW_FLAG].to_dict() == {
        ("White", "all children"): False, (SWD, "all other children"): True, (SWD, "all children"): True}


def test_gap_streaks_stop_at_a_hidden_year():
    rows = []
    for year, a, n in ((2023, 40, 100), (2024, 5, 8), (2025, 45, 100)):
        rows.append({"year": year, "group": SWD, "dimension": "disability", "a_group": a, "n_group": n,
                         "a_comparison": 500, "n_comparison": 900})
    gaps = gap_rows(rows)
    gaps["years_flagged"], gaps["persistent"] = [1, 2, 3], [False, False, True]
    shown = privacy.protect(gaps).set_index("year")
    assert shown.loc[2025, "years_flagged"] == 1  # 2024 is hidden: its flag must not show through 2025
    assert not shown.loc[2025, "persistent"]
    assert np.isnan(shown.loc[2024, "years_flagged"])


def test_gap_streaks_count_only_the_years_in_the_table():
    years = ((2023, 40, 100), (2024, 5, 8), (2025, 45, 100))
    rows = [{"year": year, "group": SWD, "dimension": "disability", "a_group": a, "n_group": n,
             "a_comparison": 500, "n_comparison": 900} for year, a, n in years]
    gaps = gap_rows(rows)
    gaps["years_flagged"], gaps["persistent"] = [1, 2, 3], [False, False, True]
    # Only 2025 is shown: its streak of 3 would say the hidden 2024 was flagged.
    latest = privacy.protect(gaps[gaps["year"] == 2025].reset_index(drop=True))
    assert latest["years_flagged"].tolist() == [1] and not latest["persistent"].any()
    # Every year shown, none hidden: the full streak stays.
    visible = gap_rows([{**r, "a_group": 45, "n_group": 100} for r in rows])
    visible["years_flagged"], visible["persistent"] = [1, 2, 3], [False, False, True]
    assert privacy.protect(visible)["years_flagged"].tolist() == [1, 2, 3]


def test_gaps_through_metrics_match_the_counts_table():
    from successgaps_lib import metrics

    rows = [("", ALL_STUDENTS, OSS, 60, 600), ("", SWD, OSS, 12, 70), ("", NON_SWD, OSS, 48, 530),
            ("", "Female", OSS, 20, 290), ("", "Male", OSS, 40, 310)]
    for race, a, n in zip(RACES, (20, 0, 2, 15, 1, 20, 2), (200, 3, 20, 120, 6, 220, 31), strict=True):
        rows.append(("", race, OSS, a, n))
    for school, share in (("A", 0.5), ("B", 0.3), ("C", 0.2)):
        rows += [(school, g, o, round(a * share), round(n * share)) for where, g, o, a, n in rows
                 if where == "" and g in (ALL_STUDENTS, "Hispanic/Latino", "White")]
    table = counts_table(rows)
    counts = privacy.protect(table)
    gaps = metrics.compare(table)
    shown = privacy.protect(gaps, counts=table)
    cell_hidden = counts[privacy.NUMERATOR_FLAG] | counts[privacy.DENOMINATOR_FLAG]
    hidden_cells = set(zip(counts.school[cell_hidden], counts.group[cell_hidden], strict=True))
    # a row (against all other children) is hidden exactly when its group's cell or the total is
    for row in shown.itertuples():
        expected = (row.school, row.group) in hidden_cells or (row.school, ALL_STUDENTS) in hidden_cells
        assert getattr(row, privacy.ROW_FLAG) == expected, (row.school, row.group)
    assert shown[privacy.ROW_FLAG].any() and not shown[privacy.ROW_FLAG].all()
    privacy.require_protected(shown, audience=True)
    assert privacy.display(shown.head(3)).shape == (3, len(shown.columns) - 1)


@pytest.fixture(scope="module")
def demo_counts():
    from successgaps_lib.load import load

    return load(_demo_students()).counts


def test_a_screened_demo_district_shows_only_safe_rows(demo_counts):
    from successgaps_lib.screen import screen

    counts = demo_counts[demo_counts.year == demo_counts.year.max()]
    gaps = screen(counts, statements=False)
    shown = privacy.protect(gaps, counts=counts)
    published = shown[~shown[privacy.ROW_FLAG]]
    for a, n in (("a_group", "n_group"), ("a_comparison", "n_comparison")):
        num, den = privacy.primary(published[a], published[n])
        assert not (num | den).any()
    assert published["rank"].tolist() == list(range(1, len(published) + 1))


def _demo_students():
    from pathlib import Path
    return Path(__file__).resolve().parent.parent / "data" / "demo" / "students.csv"


def test_composition_tables_are_a_known_kind():
    from successgaps_lib import metrics

    table = counts_table([("", ALL_STUDENTS, OSS, 160, 4000), ("", "White", OSS, 100, 2500),
                          ("", "Hispanic/Latino", OSS, 52, 1400), ("", "Asian", OSS, 8, 100)])
    composition = metrics.composition(table)
    shown = privacy.protect(composition)
    assert shown.attrs["privacy"]["kind"] == "composition"
    flags = dict(zip(shown["group"], shown[privacy.ROW_FLAG], strict=True))
    assert flags["Asian"] and flags["Hispanic/Latino"]  # 8 with the outcome; then the next smallest
    assert not flags["White"]
    assert shown.loc[shown.group == "Asian", "composition"].isna().all()


# --- no mutation, speed -----------------------------------------------------------------------------------

def test_protect_returns_new_objects_and_leaves_its_input_alone():
    table = counts_table([("", ALL_STUDENTS, GRAD, 300, 340), ("", SWD, GRAD, 5, 8), ("", NON_SWD, GRAD, 295, 332)])
    before = table.copy(deep=True)
    shown = privacy.protect(table)
    pd.testing.assert_frame_equal(table, before)
    assert shown is not table and not np.shares_memory(shown["numerator"].to_numpy(), table["numerator"].to_numpy())
    again = privacy.protect(shown)  # protecting twice changes nothing
    pd.testing.assert_frame_equal(again, shown)
    assert again is not shown


def test_a_few_hundred_thousand_rows_in_seconds(demo_counts):
    counts = demo_counts
    big = pd.concat([counts.assign(district=f"District {i}") for i in range(20)], ignore_index=True)
    assert len(big) > 250_000
    start = time.perf_counter()
    shown = privacy.protect(big)
    elapsed = time.perf_counter() - start
    assert elapsed < 10, elapsed  # about 0.7 s here; the bound leaves room for a busy machine
    one = privacy.protect(counts)
    # every district is the same district: each must be protected exactly like the original
    first = shown[shown.district == "District 0"].reset_index(drop=True)
    pd.testing.assert_series_equal(first["numerator"], one["numerator"], check_names=False)
