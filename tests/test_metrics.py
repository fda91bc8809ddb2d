"""Gap metrics against hand-worked and published examples, and their properties (hypothesis)."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from successgaps_lib import metrics
from successgaps_lib.groups import ALL_STUDENTS
from successgaps_lib.metrics import (
    alternate_risk_ratio,
    compare,
    composition,
    consecutive_years,
    difference_interval,
    ratio_interval,
    streak,
    weighted_risk_ratio,
    wilson_interval,
)
from successgaps_lib.table import as_counts

SWD = "Students with disabilities"
OSS = "suspension_out_of_school"  # lower is better


def make(rows, *, outcome=OSS, year=2025, district="D", school=""):
    """A counts table from (group, numerator, denominator) triples in one place."""
    return as_counts(pd.DataFrame([
        {"year": year, "district": district, "school": school, "group": g, "outcome": outcome,
         "numerator": a, "denominator": n} for g, a, n in rows]))


def one(gaps, group=SWD):
    rows = gaps[gaps["group"] == group]
    assert len(rows) == 1
    return rows.iloc[0]


# --- Intervals: published values --------------------------------------------------------

@pytest.mark.parametrize(("a", "n", "low", "high"), [
    # Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I, score method.
    (81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718),
    # 0/10, 5/10, 10/10: z = 1.96, centre (a + 1.92) / 13.84, half = 1.96/13.84 * sqrt(a(10-a)/10 + 0.96).
    (0, 10, 0.0, 0.2775), (5, 10, 0.2366, 0.7634), (10, 10, 0.7225, 1.0),
])
def test_wilson_published(a, n, low, high):
    lo, hi = wilson_interval(a, n)
    assert round(float(lo), 4) == low and round(float(hi), 4) == high


def test_wilson_edges_are_exact_and_unknowns_nan():
    lo, hi = wilson_interval([0, 7, np.nan, 3], [7, 7, 10, 0])
    assert lo[0] == 0.0 and hi[1] == 1.0
    assert np.isnan(lo[2]) and np.isnan(hi[2]) and np.isnan(lo[3]) and np.isnan(hi[3])


def test_wilson_confidence_level():
    narrow, wide = wilson_interval(5, 10, 0.80), wilson_interval(5, 10, 0.99)
    assert wide[0] < narrow[0] and narrow[1] < wide[1]
    with pytest.raises(ValueError, match="confidence"):
        wilson_interval(5, 10, 95)


@pytest.mark.parametrize(("counts", "low", "high"), [
    # Newcombe (1998), "Interval estimation for the difference between independent proportions",
    # Table II, method 10 (hybrid score), examples (a), (b), (d) to (h).
    ((56, 70, 48, 80), 0.0524, 0.3339), ((9, 10, 3, 10), 0.1705, 0.8090),
    ((5, 56, 0, 29), -0.0381, 0.1926), ((0, 10, 0, 20), -0.1611, 0.2775),
    ((0, 10, 0, 10), -0.2775, 0.2775), ((10, 10, 0, 20), 0.6791, 1.0), ((10, 10, 0, 10), 0.6075, 1.0),
])
def test_newcombe_published(counts, low, high):
    lo, hi = difference_interval(*counts)
    assert round(float(lo), 4) == low and round(float(hi), 4) == high


def test_katz_by_hand():
    # 15/50 vs 5/50: RR = 3; se = sqrt(1/15 - 1/50 + 1/5 - 1/50) = sqrt(0.226667) = 0.476095;
    # 1.959964 * se = 0.933130; exp(1.098612 - 0.933130) = exp(0.165482) = 1.17996,
    # exp(1.098612 + 0.933130) = exp(2.031742) = 7.62736.
    lo, hi = ratio_interval(15, 50, 5, 50)
    assert float(lo) == pytest.approx(1.17996, abs=1e-5) and float(hi) == pytest.approx(7.62736, abs=1e-5)
    # 30/100 vs 50/900: RR = 5.4; se = sqrt(1/30 - 1/100 + 1/50 - 1/900) = sqrt(0.0422222) = 0.205480;
    # 1.959964 * se = 0.402734; exp(1.686399 -/+ 0.402734) = exp(1.283665), exp(2.089133) = 3.60984, 8.07791.
    lo, hi = ratio_interval(30, 100, 50, 900)
    assert float(lo) == pytest.approx(3.60984, abs=1e-5) and float(hi) == pytest.approx(8.07791, abs=1e-5)


def test_katz_zero_cells():
    lo, hi = ratio_interval([0, 10, 0], [50, 50, 50], [10, 0, 0], [50, 50, 50])
    # a1 = 0: ratio 0, bound 0; the upper bound from 0.5/51 over 10.5/51 (Haldane): finite and > 0.
    assert lo[0] == 0.0 and 0 < hi[0] < 1
    se = math.sqrt(1 / 0.5 - 1 / 51 + 1 / 10.5 - 1 / 51)
    assert hi[0] == pytest.approx(math.exp(math.log(0.5 / 10.5) + 1.959964 * se), rel=1e-6)
    assert hi[1] == np.inf and lo[1] > 1  # a2 = 0: ratio infinite
    assert np.isnan(lo[2]) and np.isnan(hi[2])  # 0/0: no ratio at all


# --- compare: the comparison modes --------------------------------------------------------

def test_all_other_by_hand():
    # a_g = 30 of n_g = 100; All students 80 of 1000 -> all other children 50 of 900.
    # R_g = 0.30, R_other = 50/900 = 0.0556, difference = 0.2444, RR = 0.30 / 0.0556 = 5.4.
    gap = one(compare(make([(ALL_STUDENTS, 80, 1000), (SWD, 30, 100)])))
    assert (gap.a_comparison, gap.n_comparison) == (50, 900)
    assert gap.rate_comparison == pytest.approx(50 / 900)
    assert gap.difference == pytest.approx(0.30 - 50 / 900)
    assert gap.risk_ratio == pytest.approx(5.4)
    assert gap.comparison == "all other children" and gap.dimension == "disability"
    assert gap.measurable and gap.reason == "" and gap.rr_reason == ""
    assert gap.adverse and gap.flagged
    lo, hi = difference_interval(30, 100, 50, 900)
    assert (gap.ci_low, gap.ci_high) == (pytest.approx(float(lo)), pytest.approx(float(hi)))
    assert gap.score == pytest.approx(float(lo))  # lower is better: the low end is the sure part
    assert (gap.rr_ci_low, gap.rr_ci_high) == (pytest.approx(3.60984, abs=1e-5), pytest.approx(8.07791, abs=1e-5))
    assert (gap.rate_group_low, gap.rate_group_high) == tuple(pytest.approx(float(x)) for x in wilson_interval(30, 100))


def test_direction_follows_the_outcome():
    # The same counts for graduation (higher is better): the group does better, not a gap.
    gap = one(compare(make([(ALL_STUDENTS, 80, 1000), (SWD, 30, 100)], outcome="graduation")))
    assert gap.measurable and not gap.adverse and not gap.flagged
    # 60 of 100 graduate against 840 of 900: adverse; the score is minus the high end.
    gap = one(compare(make([(ALL_STUDENTS, 900, 1000), (SWD, 60, 100)], outcome="graduation")))
    assert gap.adverse and gap.flagged and gap.score == pytest.approx(-gap.ci_high)


def test_all_children():
    # Against everyone (group included): R = 80/1000 = 0.08; difference 0.22; RR = 3.75.
    gap = one(compare(make([(ALL_STUDENTS, 80, 1000), (SWD, 30, 100)]), comparison="all"))
    assert gap.comparison == "all children" and (gap.a_comparison, gap.n_comparison) == (80, 1000)
    assert gap.difference == pytest.approx(0.22) and gap.risk_ratio == pytest.approx(3.75)


def test_all_children_intervals_by_hand():
    # 30 of 100 against 80 of 1000. All other children: 50 of 900; the group is f = 1/10 of all.
    # Difference: 0.30 - 0.08 = 0.22 = 0.9 x (0.30 - 0.0556). Newcombe against the others
    # (Wilson 30/100 = 0.21886 to 0.39762, 50/900 = 0.04240 to 0.07254): 0.16164 to 0.34119,
    # times 0.9: 0.14548 to 0.30707.
    # Ratio: 3.75 = 5.4 / (0.1 x 5.4 + 0.9). Katz against the others: exp(ln 5.4 +/- 1.95996 x
    # sqrt(1/30 - 1/100 + 1/50 - 1/900)) = 3.6098 to 8.0779; mapped: 1 / (0.1 + 0.9 / 3.6098) =
    # 2.8627 and 1 / (0.1 + 0.9 / 8.0779) = 4.7300.
    gap = one(compare(make([(ALL_STUDENTS, 80, 1000), (SWD, 30, 100)]), comparison="all"))
    assert (gap.difference, gap.ci_low, gap.ci_high) == pytest.approx((0.22, 0.14548, 0.30707), abs=5e-5)
    assert (gap.risk_ratio, gap.rr_ci_low, gap.rr_ci_high) == pytest.approx((3.75, 2.8627, 4.7300), abs=5e-4)
    # Not the intervals of two independent samples (which would count the group twice).
    naive_low, naive_high = difference_interval(30, 100, 80, 1000)
    assert abs(gap.ci_low - naive_low) > 0.005 and abs(gap.ci_high - naive_high) > 0.005


def random_places(rng, places=300, groups=("Hispanic/Latino", "Asian", "Black or African American", "White",
                                           SWD, "English learners", "Economically disadvantaged", "Migrant")):
    """Random consistent counts: in each place, each group is part of All students (any gap size)."""
    rows = []
    for place in range(places):
        total = int(rng.choice([40, 200, 1000, 5000]) * rng.uniform(0.5, 1.5))
        with_outcome = int(rng.binomial(total, rng.choice([0.01, 0.1, 0.5, 0.9])))
        rows.append((place, ALL_STUDENTS, with_outcome, total))
        for group in groups:
            n = int(rng.integers(1, total + 1)) if rng.random() < 0.9 else total  # now and then everyone
            low, high = max(0, n - (total - with_outcome)), min(with_outcome, n)
            rows.append((place, group, int(rng.integers(low, high + 1)), n))
    return as_counts(pd.DataFrame([
        {"year": 2025, "district": f"D{place}", "school": "", "group": g, "outcome": OSS,
         "numerator": a, "denominator": n} for place, g, a, n in rows]))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("min_n", "min_cell"), [(1, 1), (30, 10)])
def test_all_children_follow_the_identity_on_random_tables(seed, min_n, min_cell):
    counts = random_places(np.random.default_rng(seed))
    options = {"min_n": min_n, "min_cell": min_cell, "statements": False}
    every = compare(counts, comparison="all", **options).set_index(["district", "group"])
    other = compare(counts, comparison="all_other", **options).set_index(["district", "group"])
    assert every.index.equals(other.index)
    # Measurable against all other children implies measurable against all children (more children).
    assert not (other["measurable"] & ~every["measurable"]).any()
    both = every[other["measurable"]]
    others = other[other["measurable"]]
    assert len(both) > 1000
    share = both["n_group"] / both["n_comparison"]
    # Point estimates: straight from the counts, and the identity.
    np.testing.assert_allclose(both["difference"], both["a_group"] / both["n_group"]
                               - both["a_comparison"] / both["n_comparison"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(both["difference"], (1 - share) * others["difference"], rtol=0, atol=1e-12)
    for column in ("ci_low", "ci_high"):
        np.testing.assert_allclose(both[column], (1 - share) * others[column], rtol=0, atol=1e-12)
    # Ratio, where the all-other-children ratio is calculated (the all-children one then is too).
    ratio = others["risk_ratio"].notna()
    assert ratio.sum() > 500 and both.loc[ratio, "risk_ratio"].notna().all()
    f, rr = share[ratio], both[ratio]

    def mapped(r):
        return r / (f * r + 1 - f)

    direct = (rr["a_group"] / rr["n_group"]) / (rr["a_comparison"] / rr["n_comparison"])
    np.testing.assert_allclose(rr["risk_ratio"], direct, rtol=1e-12)
    for column in ("risk_ratio", "rr_ci_low", "rr_ci_high"):
        np.testing.assert_allclose(rr[column], mapped(others.loc[ratio, column]), rtol=1e-12)
    # The intervals hold their estimate, and the score (hence the flag) is the mapped interval's end.
    tiny = 1e-12
    assert ((both["ci_low"] <= both["difference"] + tiny) & (both["difference"] <= both["ci_high"] + tiny)).all()
    low, high = rr["rr_ci_low"], rr["rr_ci_high"]
    assert ((low <= rr["risk_ratio"] * (1 + tiny)) & (rr["risk_ratio"] <= high * (1 + tiny))).all()
    np.testing.assert_allclose(both["score"], both["ci_low"], rtol=0, atol=tiny)  # suspension: lower is better
    assert both["flagged"].any() and (both.loc[both["flagged"], "ci_low"] > 0).all()
    everyone = both["n_group"] == both["n_comparison"]
    assert everyone.sum() == 0  # nobody left to compare with: never measurable against all other children
    alone = every[every["measurable"] & (every["n_group"] == every["n_comparison"])]
    assert len(alone) > 50 and (alone["difference"] == 0).all() and (alone["ci_low"] == 0).all()
    assert (alone["ci_high"] == 0).all() and not alone["flagged"].any()


def test_all_children_ratio_maps_the_ends():
    share = np.array([0.1, 0.5, 0.9])
    # Increasing in the all-other ratio, 0 stays 0, infinity becomes 1 / share, 1 stays 1.
    values = metrics.all_children_ratio(np.array([[0.0], [0.5], [1.0], [2.0], [np.inf]]), share)
    assert (np.diff(values, axis=0) > 0).all()
    np.testing.assert_allclose(values[[0, 2, 4]], [[0, 0, 0], [1, 1, 1], 1 / share])
    # An infinite upper end (no other child with the outcome) gives the exact all-children ratio:
    # 12 of 40 when all 12 of 1000 with the outcome are in the group: 0.3 / 0.012 = 25 = 1000 / 40.
    d_low, d_high, r_low, r_high = metrics.all_children_intervals(12, 40, 12, 1000)
    assert r_high == pytest.approx(25.0) and 1 < r_low < 25 and 0 < d_low < 0.3 - 0.012 < d_high


def test_all_children_counts_must_hold_the_group():
    # 90 of 100 in the group but 80 of 1000 in all: the other children would be -10 of 900.
    gap = one(compare(make([(ALL_STUDENTS, 80, 1000), (SWD, 90, 100)]), comparison="all"))
    assert not gap.measurable and gap.reason.startswith("the comparison counts do not add up")
    assert np.isnan(gap.ci_low) and not gap.flagged


def test_named_group():
    counts = make([(ALL_STUDENTS, 100, 1000), ("White", 20, 500), ("Black or African American", 40, 200),
                   ("Asian", 5, 100), (SWD, 30, 150)])
    gaps = compare(counts, comparison="group", reference="White")
    # Default: the other groups of the reference's dimension, never the reference or other dimensions.
    assert set(gaps["group"]) == {"Black or African American", "Asian"}
    black = one(gaps, "Black or African American")  # 0.20 vs 0.04: difference 0.16, RR 5
    assert black.comparison == "White" and black.difference == pytest.approx(0.16)
    assert black.risk_ratio == pytest.approx(5.0)
    asian = one(gaps, "Asian")  # 5 suspended: below the cell size, so no ratio; the difference stays
    assert asian.measurable and np.isnan(asian.risk_ratio)
    assert asian.rr_reason == "fewer than 10 children with the outcome in the group"
    assert asian.difference == pytest.approx(0.05 - 0.04)
    with pytest.raises(ValueError, match="itself"):
        compare(counts, comparison="group", reference="White", groups=["White", "Asian"])
    with pytest.raises(ValueError, match="reference"):
        compare(counts, comparison="group")
    with pytest.raises(ValueError, match="reference"):
        compare(counts, comparison="group", reference="Martians")


def test_state_comparison_and_alternate_risk_ratio():
    district = make([(ALL_STUDENTS, 12, 100), (SWD, 6, 20)])
    state = pd.concat([make([(ALL_STUDENTS, 500, 10000), (SWD, 100, 1000)], district="A"),
                       make([(ALL_STUDENTS, 300, 5000), (SWD, 40, 600)], district="B"),
                       make([(ALL_STUDENTS, 9, 9)], district="A", school="A school")])  # school rows ignored
    # State: All 800 of 15000, students with disabilities 140 of 1600 -> all other children 660 of 13400.
    gap = one(compare(district, comparison="state", state=state, min_n=10, min_cell=5))
    assert gap.comparison == "all other children in the state"
    assert (gap.a_comparison, gap.n_comparison) == (660, 13400)
    assert gap.risk_ratio == pytest.approx((6 / 20) / (660 / 13400))  # the ARR = 6.09
    arr = one(alternate_risk_ratio(district, state, min_n=10, min_cell=5))
    # In the district, all other children are 6 of 80: enough for a cell size of 5, not of 10.
    assert arr.risk_ratio == pytest.approx(gap.risk_ratio) and not arr.arr_needed
    arr = one(alternate_risk_ratio(district, state, min_n=10, min_cell=10))
    assert arr.arr_needed  # 6 children with the outcome among all other children: below 10
    with pytest.raises(ValueError, match="state"):
        compare(district, comparison="state")


def test_state_sum_with_an_unknown_part_is_unknown():
    district = make([(ALL_STUDENTS, 100, 1000), (SWD, 30, 100)])
    state = pd.concat([make([(ALL_STUDENTS, 500, 10000), (SWD, math.nan, 1000)], district="A"),
                       make([(ALL_STUDENTS, 300, 5000), (SWD, 40, 600)], district="B")])
    gap = one(compare(district, comparison="state", state=state))
    assert not gap.measurable and gap.reason == "comparison count suppressed in the source file"


def test_bad_comparison_name():
    with pytest.raises(ValueError, match="comparison"):
        compare(make([(ALL_STUDENTS, 80, 1000), (SWD, 30, 100)]), comparison="everyone")


# --- compare: too few to measure, unknown counts -------------------------------------------

def test_too_few_in_the_group():
    gap = one(compare(make([(ALL_STUDENTS, 100, 1000), (SWD, 15, 20)])))
    assert not gap.measurable and gap.reason == "fewer than 30 children in the group"
    assert np.isnan(gap.difference) and np.isnan(gap.ci_low) and np.isnan(gap.risk_ratio)
    assert not gap.flagged and not gap.adverse and np.isnan(gap.score)
    assert gap.rate_group == pytest.approx(0.75)  # the rate itself is still there, with its interval
    # The n-size is a parameter: with 20 the same gap is measured.
    assert one(compare(make([(ALL_STUDENTS, 100, 1000), (SWD, 15, 20)]), min_n=20)).measurable


def test_too_few_in_the_comparison_group():
    gap = one(compare(make([(ALL_STUDENTS, 60, 120), (SWD, 50, 100)])))  # all other children: 10 of 20
    assert not gap.measurable and gap.reason == "fewer than 30 children in the comparison group"


def test_cell_size_stops_the_ratio_not_the_difference():
    # 3 of 40 graduate against 900 of 960: a large, certain gap with a small numerator.
    gap = one(compare(make([(ALL_STUDENTS, 903, 1000), (SWD, 3, 40)], outcome="graduation")))
    assert gap.measurable and gap.reason == ""
    assert np.isnan(gap.risk_ratio) and np.isnan(gap.rr_ci_low)
    assert gap.rr_reason == "fewer than 10 children with the outcome in the group"
    assert gap.difference == pytest.approx(3 / 40 - 900 / 960) and gap.flagged
    # No suspension in a group of 200 against 50 of 800: a real favourable difference, shown.
    gap = one(compare(make([(ALL_STUDENTS, 50, 1000), (SWD, 0, 200)])))
    assert gap.measurable and gap.difference == pytest.approx(-50 / 800) and not gap.adverse
    # The comparison group's numerator counts too.
    gap = one(compare(make([(ALL_STUDENTS, 38, 1000), (SWD, 30, 100)])))  # 8 of 900 other children
    assert gap.rr_reason == "fewer than 10 children with the outcome in the comparison group"
    assert gap.flagged  # through the difference: 30% against 0.9%
    # And the cell size is a parameter.
    assert one(compare(make([(ALL_STUDENTS, 38, 1000), (SWD, 30, 100)]), min_cell=5)).risk_ratio > 1


@pytest.mark.parametrize(("rows", "reason"), [
    ([(ALL_STUDENTS, 80, 1000), (SWD, math.nan, 100)], "count suppressed in the source file"),
    ([(ALL_STUDENTS, 80, 1000), (SWD, 30, math.nan)], "count suppressed in the source file"),
    ([(ALL_STUDENTS, math.nan, 1000), (SWD, 30, 100)], "comparison count suppressed in the source file"),
    ([(SWD, 30, 100)], "no All students row to compare with"),
    ([(ALL_STUDENTS, 20, 1000), (SWD, 30, 100)], "the comparison counts do not add up"),
])
def test_unknown_counts_are_never_zero(rows, reason):
    gap = one(compare(make(rows)))
    assert not gap.measurable and gap.reason.startswith(reason)
    assert np.isnan(gap.difference) and not gap.flagged


def test_excluded_dimensions_are_not_measured():
    counts = make([(ALL_STUDENTS, 100, 1000), (SWD, 100, 100), ("Hispanic/Latino", 40, 300)],
                  outcome="identification")
    assert list(compare(counts)["group"]) == ["Hispanic/Latino"]


# --- compare: flags and thresholds ---------------------------------------------------------

def test_thresholds_are_parameters():
    counts = make([(ALL_STUDENTS, 80, 1000), (SWD, 30, 100)])  # difference 24.4 points, RR 5.4
    assert one(compare(counts, difference_threshold=0.30)).flagged  # still twice as likely and more
    assert not one(compare(counts, difference_threshold=0.30, rr_threshold=6)).flagged
    assert one(compare(counts, difference_threshold=None, rr_threshold=None)).flagged  # certainty alone
    assert not one(compare(counts, difference_threshold=None, rr_threshold=6)).flagged
    # Exactly at the threshold counts: 15% against 10% is 5 points despite binary fractions.
    at = make([(ALL_STUDENTS, 1050, 10000), (SWD, 150, 1000)])  # others 900 of 9000 = 10%
    assert one(compare(at, rr_threshold=None)).flagged
    assert not one(compare(at, rr_threshold=None, difference_threshold=0.051)).flagged


def test_a_rare_outcome_is_flagged_by_its_ratio():
    # Expulsion: 12 of 3000 (0.4%) against 18 of 17000 (0.106%): 0.3 points but 3.8 times as likely.
    gap = one(compare(make([(ALL_STUDENTS, 30, 20000), (SWD, 12, 3000)], outcome="expulsion")))
    assert abs(gap.difference) < 0.05 and gap.risk_ratio == pytest.approx(0.004 / (18 / 17000))
    assert gap.ci_low > 0 and gap.flagged


def test_an_uncertain_gap_is_not_flagged():
    # 40% against 30%: ten points, but 40 children -> the interval reaches below zero.
    gap = one(compare(make([(ALL_STUDENTS, 316, 1040), (SWD, 16, 40)])))
    assert gap.measurable and gap.adverse and gap.difference == pytest.approx(0.10)
    assert gap.ci_low < 0 and gap.score < 0 and not gap.flagged


def test_gaps_columns_and_statement():
    gaps = compare(make([(ALL_STUDENTS, 80, 1000), (SWD, 30, 100)]))
    assert list(gaps.columns) == metrics.GAPS_COLUMNS
    assert gaps["statement"].iloc[0].startswith("In 2025, 30.0% of students with disabilities in D ")
    assert compare(make([(ALL_STUDENTS, 80, 1000), (SWD, 30, 100)]), statements=False)["statement"].iloc[0] == ""


def test_empty_table():
    gaps = compare(make([(ALL_STUDENTS, 80, 1000)]))
    assert gaps.empty and list(gaps.columns) == metrics.GAPS_COLUMNS


# --- Weighted risk ratio, composition, E-formula ---------------------------------------------

def race_counts():
    # Risks: Hispanic 20/100 = 0.20, Asian 10/100 = 0.10, White 10/200 = 0.05.
    return make([("Hispanic/Latino", 20, 100), ("Asian", 10, 100), ("White", 10, 200)])


def test_weighted_risk_ratio_by_hand():
    shares = {"Hispanic/Latino": 0.5, "Asian": 0.3, "White": 0.2}
    wrr = weighted_risk_ratio(race_counts(), shares).set_index("group")["weighted_risk_ratio"]
    # Hispanic: (1 - 0.5) * 0.20 / (0.3 * 0.10 + 0.2 * 0.05) = 0.10 / 0.04 = 2.5
    assert wrr["Hispanic/Latino"] == pytest.approx(2.5)
    # Asian: 0.7 * 0.10 / (0.5 * 0.20 + 0.2 * 0.05) = 0.07 / 0.11
    assert wrr["Asian"] == pytest.approx(0.07 / 0.11)
    # White: 0.8 * 0.05 / (0.5 * 0.20 + 0.3 * 0.10) = 0.04 / 0.13
    assert wrr["White"] == pytest.approx(0.04 / 0.13)


def test_weighted_risk_ratio_shares_from_state_counts_and_rules():
    state = pd.concat([make([("Hispanic/Latino", 1, 3000), ("Asian", 1, 1000), ("White", 1, 1000)],
                            district="A"),
                       make([("Hispanic/Latino", 1, 2000), ("Asian", 1, 2000), ("White", 1, 1000)],
                            district="B")])  # shares 0.5, 0.3, 0.2 as above
    wrr = weighted_risk_ratio(race_counts(), state).set_index("group")
    assert wrr.loc["Hispanic/Latino", "weighted_risk_ratio"] == pytest.approx(2.5)
    small = weighted_risk_ratio(make([("Hispanic/Latino", 5, 20), ("White", 10, 200)]),
                                {"Hispanic/Latino": 0.5, "White": 0.5}).set_index("group")
    assert small.loc["Hispanic/Latino", "reason"] == "fewer than 30 children in the group"
    hidden = weighted_risk_ratio(make([("Hispanic/Latino", 20, 100), ("White", math.nan, 200)]),
                                 {"Hispanic/Latino": 0.5, "White": 0.5}).set_index("group")
    assert hidden.loc["Hispanic/Latino", "reason"] == "another group's count suppressed in the source file"
    assert np.isnan(hidden.loc["Hispanic/Latino", "weighted_risk_ratio"])


def test_composition_and_e_formula_by_hand():
    # All: 100 of 1000 identified. Group: 200 enrolled (A = 0.2); limit = 0.2 + sqrt(0.2 * 0.8 / 100) = 0.24.
    def row(a_g):
        counts = make([(ALL_STUDENTS, 100, 1000), ("Black or African American", a_g, 200)],
                      outcome="identification")
        return composition(counts).iloc[0]

    r = row(30)
    assert r.composition == pytest.approx(0.30) and r.enrollment_share == pytest.approx(0.20)
    assert r.composition_difference == pytest.approx(0.10) and r.e_formula_limit == pytest.approx(0.24)
    assert r.e_formula_flag and r.dimension == "race"
    assert not row(24).e_formula_flag  # exactly at the limit: not above it
    assert row(25).e_formula_flag
    assert not row(5).measurable and row(5).reason == "fewer than 10 children with the outcome in the group"


# --- Several years ----------------------------------------------------------------------------

def test_consecutive_years():
    gaps = pd.DataFrame({
        "year": [2021, 2022, 2023, 2024, 2025, 2022, 2023, 2025, 2023, 2024, 2025],
        "district": "D", "school": "", "outcome": OSS, "comparison": "all other children",
        "group": ["A"] * 5 + ["B"] * 3 + ["C"] * 3,
        "flagged": [True, True, False, True, True, True, True, True, True, True, True],
    }).sample(frac=1, random_state=3)  # any row order
    runs = streak(gaps).to_dict()
    three = consecutive_years(gaps, years=3)
    by = gaps.assign(run=streak(gaps), three=three).set_index(["group", "year"]).sort_index()
    # A: broken in 2023; B: 2024 missing breaks the run; C: three in a row.
    assert by.loc["A", "run"].tolist() == [1, 2, 0, 1, 2]
    assert by.loc["B", "run"].tolist() == [1, 2, 1]
    assert by.loc["C", "run"].tolist() == [1, 2, 3]
    assert by["three"].sum() == 1 and by.loc[("C", 2025), "three"]
    assert consecutive_years(gaps, years=2).sum() == 5 and consecutive_years(gaps, years=1).sum() == 10
    assert list(runs) == list(gaps.index)  # aligned with the input
    with pytest.raises(ValueError, match="years"):
        consecutive_years(gaps, years=0)


# --- Properties ---------------------------------------------------------------------------------

@st.composite
def proportion(draw, max_n=5000):
    n = draw(st.integers(1, max_n))
    return draw(st.integers(0, n)), n


@given(proportion(), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_contains_the_rate(p, confidence):
    a, n = p
    lo, hi = wilson_interval(a, n, confidence)
    assert 0.0 <= lo <= a / n <= hi <= 1.0


@given(proportion(), proportion())
def test_difference_interval_contains_the_estimate_and_swaps(p1, p2):
    (a1, n1), (a2, n2) = p1, p2
    lo, hi = difference_interval(a1, n1, a2, n2)
    d = a1 / n1 - a2 / n2
    assert -1 - 1e-12 <= lo <= d <= hi <= 1 + 1e-12
    lo2, hi2 = difference_interval(a2, n2, a1, n1)
    assert lo2 == pytest.approx(-hi, abs=1e-12) and hi2 == pytest.approx(-lo, abs=1e-12)


@given(proportion(), proportion())
def test_ratio_interval_contains_the_estimate_and_inverts(p1, p2):
    (a1, n1), (a2, n2) = p1, p2
    if a1 == 0 or a2 == 0:
        return
    lo, hi = ratio_interval(a1, n1, a2, n2)
    rr = (a1 / n1) / (a2 / n2)
    assert lo <= rr * (1 + 1e-12) and rr <= hi * (1 + 1e-12)
    lo2, hi2 = ratio_interval(a2, n2, a1, n1)
    assert lo2 == pytest.approx(1 / hi, rel=1e-9) and hi2 == pytest.approx(1 / lo, rel=1e-9)


@given(proportion(500), proportion(500), st.integers(2, 20))
def test_more_data_narrows_the_interval(p1, p2, k):
    (a1, n1), (a2, n2) = p1, p2
    lo, hi = wilson_interval(a1, n1)
    klo, khi = wilson_interval(k * a1, k * n1)
    assert khi - klo < hi - lo
    lo, hi = difference_interval(a1, n1, a2, n2)
    klo, khi = difference_interval(k * a1, k * n1, k * a2, k * n2)
    assert khi - klo < hi - lo


@settings(max_examples=40, deadline=None)
@given(proportion(), proportion())
def test_swapping_groups_in_compare(p1, p2):
    (a1, n1), (a2, n2) = p1, p2
    counts = make([(ALL_STUDENTS, a1 + a2, n1 + n2), ("White", a1, n1), ("Asian", a2, n2)])
    options = {"comparison": "group", "min_n": 1, "min_cell": 1, "statements": False}
    ab = one(compare(counts, reference="Asian", **options), "White")
    ba = one(compare(counts, reference="White", **options), "Asian")
    assert ab.difference == pytest.approx(-ba.difference, abs=1e-12)
    assert ab.ci_low == pytest.approx(-ba.ci_high, abs=1e-12)
    if a1 and a2:
        assert ab.risk_ratio == pytest.approx(1 / ba.risk_ratio)


@settings(max_examples=40, deadline=None)
@given(proportion())
def test_a_group_equal_to_everyone(p):
    a, n = p
    counts = make([(ALL_STUDENTS, a, n), (SWD, a, n)])
    gap = one(compare(counts, comparison="all", min_n=1, min_cell=1, statements=False))
    # The group IS the comparison: the difference is exactly 0 and the ratio exactly 1, with no uncertainty.
    assert gap.difference == 0 and gap.ci_low == 0 == gap.ci_high and not gap.flagged
    if a:
        assert gap.risk_ratio == pytest.approx(1.0) and gap.rr_ci_low == 1 == gap.rr_ci_high
    other = one(compare(counts, min_n=1, min_cell=1, statements=False))  # all other children: nobody left
    assert not other.measurable and other.reason == "no children in the comparison group"


def test_categorical_keys_give_the_same_gaps_as_str():
    counts = make([(ALL_STUDENTS, 80, 1000), (SWD, 30, 100), ("Homeless", 3, 20), ("Migrant", 1, 60)])
    categorical = counts.astype(dict.fromkeys(["district", "school", "group", "outcome"], "category"))
    gaps = compare(categorical)
    assert gaps["comparison"].tolist() == ["all other children"] * 3
    assert gaps["reason"].tolist() == ["", "fewer than 30 children in the group", ""]
    text = ["district", "school", "dimension", "group", "outcome", "comparison", "reason", "statement", "rr_reason"]
    assert all(gaps[c].dtype == "str" for c in text)
    pd.testing.assert_frame_equal(gaps, compare(counts), check_exact=True)
    for table in (weighted_risk_ratio(categorical, {SWD: 0.5}), composition(categorical)):
        assert all(table[c].dtype == "str" for c in ("district", "school", "dimension", "group", "outcome"))


def test_compare_keeps_what_is_asked():
    counts = make([(ALL_STUDENTS, 80, 1000), (SWD, 30, 100), ("Homeless", 3, 20), ("Migrant", 1, 60)])
    every = compare(counts)
    assert every["measurable"].tolist() == [True, False, True] and every["flagged"].tolist() == [True, False, False]
    pd.testing.assert_frame_equal(compare(counts, keep="measurable"),
                                  every[every["measurable"]].reset_index(drop=True), check_exact=True)
    pd.testing.assert_frame_equal(compare(counts, keep="flagged"), every.iloc[[0]].reset_index(drop=True),
                                  check_exact=True)
    with pytest.raises(ValueError, match="keep"):
        compare(counts, keep="none")


def test_duplicate_comparison_rows_are_an_error():
    counts = make([(ALL_STUDENTS, 80, 1000), (ALL_STUDENTS, 70, 900), (SWD, 30, 100)])
    with pytest.raises(ValueError, match="more than one All students row"):
        compare(counts)
