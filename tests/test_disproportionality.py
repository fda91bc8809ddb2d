"""Significant disproportionality (34 CFR 300.647): hand-worked rules, an independent computation, CLI, privacy."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from successgaps_lib import privacy
from successgaps_lib.cli import main
from successgaps_lib.disproportionality import (
    CATEGORIES,
    RACES,
    as_counts,
    determinations,
    parse_settings,
    risk_ratios,
)
from successgaps_lib.disproportionality.method import ALTERNATE, NOT_CALCULATED, RISK_RATIO, STATE_OTHERS
from successgaps_lib.disproportionality.report import hidden_rows, publish
from successgaps_lib.errors import ConfigError, InputError
from tests.disproportionality_state import FILES, random_state

BLACK, WHITE, HISP = "Black or African American", "White", "Hispanic/Latino"


def counts(rows, year=2024, category="identification"):
    return pd.DataFrame([{"year": year, "district": d, "race": r, "category": category, "count": a,
                          "population": n} for d, r, a, n in rows])


def row(ratios, district, race, year=2024):
    return ratios[(ratios.district == district) & (ratios.race == race) & (ratios.year == year)].iloc[0]


# --- hand-worked rules ---------------------------------------------------------------------------------

def test_risk_ratio_against_all_other_children_in_the_district():
    # Black 50 of 200 (25%); all other children: White 30 of 600 (5%) -> 5.0
    r = risk_ratios(counts([("A", BLACK, 50, 200), ("A", WHITE, 30, 600)]), parse_settings({"risk_ratio_threshold": 3}))
    black = row(r, "A", BLACK)
    assert (black.ratio_kind, black.ratio, bool(black.exceeds)) == (RISK_RATIO, 5.0, True)
    assert black.comparison == "all other children in the district"
    assert (black.comparison_count, black.comparison_population) == (30, 600)


def test_a_ratio_equal_to_the_threshold_does_not_exceed_it():
    data = counts([("A", BLACK, 50, 200), ("A", WHITE, 30, 600)])
    assert not row(risk_ratios(data, parse_settings({"risk_ratio_threshold": 5})), "A", BLACK).exceeds
    assert row(risk_ratios(data, parse_settings({"risk_ratio_threshold": 4.99})), "A", BLACK).exceeds
    # 0.3 / 0.1 is 2.9999999999999996 in floating point: still exactly 3, so not above 3 but above 2.99
    tie = counts([("A", BLACK, 30, 100), ("A", WHITE, 10, 100)])
    assert not row(risk_ratios(tie, parse_settings({"risk_ratio_threshold": 3})), "A", BLACK).exceeds


@pytest.mark.parametrize("white", [(5, 20), (5, 200)], ids=["comparison under n-size", "comparison under cell size"])
def test_alternate_risk_ratio_when_the_district_comparison_is_small(white):
    # district A: Black 40 of 100; White too few. District B fills the state: White 100 of 1000, Black 10 of 50.
    data = counts([("A", BLACK, 40, 100), ("A", WHITE, *white), ("B", WHITE, 100, 1000), ("B", BLACK, 10, 50)])
    r = risk_ratios(data, parse_settings({"risk_ratio_threshold": 3}))
    black = row(r, "A", BLACK)
    state_other = Fraction(white[0] + 100, white[1] + 1000)  # every other child in the state: White, both districts
    assert black.ratio_kind == ALTERNATE and black.comparison == STATE_OTHERS
    assert black.ratio == pytest.approx(float(Fraction(40, 100) / state_other))
    assert "alternate risk ratio" in black.reason and ("n-size" if white[1] < 30 else "cell size") in black.reason


@pytest.mark.parametrize(("a", "n", "words"), [(5, 20, "minimum n-size"), (8, 100, "minimum cell size")])
def test_not_calculated_when_the_group_is_small(a, n, words):
    r = risk_ratios(counts([("A", BLACK, a, n), ("A", WHITE, 30, 600)]), parse_settings({"risk_ratio_threshold": 3}))
    black = row(r, "A", BLACK)
    assert black.ratio_kind == NOT_CALCULATED and np.isnan(black.ratio) and not black.exceeds
    assert words in black.reason


def test_state_minimums_per_category():
    s = parse_settings({"risk_ratio_threshold": 3, "min_n_size": {"default": 30, "identification": 10},
                        "min_cell_size": 5})
    r = risk_ratios(counts([("A", BLACK, 6, 20), ("A", WHITE, 30, 600)]), s)
    assert row(r, "A", BLACK).ratio_kind == RISK_RATIO


def years(ratios_by_year, *, comparison=(30, 600)):
    """One district whose Black group has these ratios (of 200 children) against White 5%."""
    rows = []
    for year, ratio in ratios_by_year.items():
        a = round(ratio * 0.05 * 200)
        rows.append(counts([("A", BLACK, a, 200), ("A", WHITE, *comparison)], year=year))
    return pd.concat(rows, ignore_index=True)


@pytest.mark.parametrize(("k", "identified", "run"), [(1, True, 2), (2, True, 2), (3, False, 2)])
def test_consecutive_years(k, identified, run):
    s = parse_settings({"risk_ratio_threshold": 3, "consecutive_years": k})
    d = determinations(risk_ratios(years({2022: 2.0, 2023: 4.0, 2024: 5.0}), s), s)
    black = d[d.race == BLACK].iloc[0]
    assert (bool(black.identified), black.years_exceeded) == (identified, run)
    assert black.why.startswith("Identified" if identified else "Not identified yet")


def test_a_missing_year_breaks_the_run():
    s = parse_settings({"risk_ratio_threshold": 3, "consecutive_years": 2})
    d = determinations(risk_ratios(years({2022: 5.0, 2024: 5.0}), s), s)
    black = d[d.race == BLACK].iloc[0]
    assert not black.identified and black.years_exceeded == 1 and "2022-23: no data" in black.years


@pytest.mark.parametrize(("history", "amount", "identified", "progress"), [
    ({2022: 5.0, 2023: 4.5, 2024: 4.0}, 0.5, False, "yes"),  # fell by 0.5 each year: reasonable progress
    ({2022: 5.0, 2023: 4.5, 2024: 4.0}, 0.6, True, "no"),  # not by enough
    ({2022: 5.0, 2023: 5.0, 2024: 4.0}, 0.5, True, "no"),  # fell in one of the two years only
])
def test_reasonable_progress(history, amount, identified, progress):
    s = parse_settings({"risk_ratio_threshold": 3, "consecutive_years": 3,
                        "reasonable_progress": {"min_decrease": amount}})
    d = determinations(risk_ratios(years(history), s), s)
    black = d[d.race == BLACK].iloc[0]
    assert (bool(black.identified), black.reasonable_progress) == (identified, progress)
    assert black.ratio_2_years_before == pytest.approx(5.0)


def test_reasonable_progress_in_percent():
    s = parse_settings({"risk_ratio_threshold": 3, "consecutive_years": 3,
                        "reasonable_progress": {"min_percent_decrease": 10}})
    d = determinations(risk_ratios(years({2022: 5.0, 2023: 4.5, 2024: 4.0}), s), s)  # -10%, then -11.1%
    assert not d[d.race == BLACK].iloc[0].identified


# --- an independent computation on random states -------------------------------------------------------

def naive(data: pd.DataFrame, settings, year: int) -> dict:
    """The rules again, a loop per row, in exact fractions: {(district, race, category): (kind, ratio, identified)}."""
    cells = {}
    for r in data.itertuples(index=False):
        cells[(r.year, r.district, r.race, r.category)] = (r.count, r.population)
    districts, years_ = sorted(set(data.district)), sorted(set(data.year))

    def get(y, d, g, c):
        return cells.get((y, d, g, c), (0, 0))

    def ratio(y, d, g, c):
        present = any((y, d, x, c) in cells for x in RACES)
        if not present:
            return None
        cell, size = settings.min_cells[c], settings.min_ns[c]
        a, n = get(y, d, g, c)
        if not (n >= size and a >= cell and n > 0):
            return (NOT_CALCULATED, None, False)
        ad = sum(get(y, d, x, c)[0] for x in RACES if x != g)
        nd = sum(get(y, d, x, c)[1] for x in RACES if x != g)
        if nd >= size and ad >= cell and ad > 0:
            rr = Fraction(a, n) / Fraction(ad, nd)
            return (RISK_RATIO, rr, rr > settings.thresholds[c])
        as_ = sum(get(y, e, x, c)[0] for e in districts for x in RACES if x != g)
        ns = sum(get(y, e, x, c)[1] for e in districts for x in RACES if x != g)
        if ns >= size and as_ >= cell and as_ > 0:
            rr = Fraction(a, n) / Fraction(as_, ns)
            return (ALTERNATE, rr, rr > settings.thresholds[c])
        return (NOT_CALCULATED, None, False)

    out = {}
    for d in districts:
        for c in CATEGORIES:
            for g in RACES:
                now = ratio(year, d, g, c)
                if now is None:
                    continue
                run = 0
                for y in range(year, year - 3, -1):
                    got = ratio(y, d, g, c) if y in years_ else None
                    if got is None or not got[2]:
                        break
                    run += 1
                identified = run >= settings.consecutive_years
                if identified and settings.progress is not None:
                    r0, r1, r2 = (ratio(y, d, g, c) if y in years_ else None for y in (year, year - 1, year - 2))
                    values = [x[1] if x is not None else None for x in (r2, r1, r0)]
                    if None not in values:
                        falls = [values[0] - values[1], values[1] - values[2]]
                        amount = Fraction(str(settings.progress_amount))
                        if settings.progress == "percent":
                            falls = [falls[0] / values[0] * 100, falls[1] / values[1] * 100]
                        if all(f >= amount for f in falls):
                            identified = False
                out[(d, g, c)] = (now[0], now[1], identified)
    return out


@pytest.mark.parametrize("seed", range(4))
def test_the_module_agrees_with_a_naive_computation(seed):
    rng = np.random.default_rng(seed)
    data = random_state(seed, districts=6)
    settings = parse_settings({
        "risk_ratio_threshold": {"default": float(rng.choice([1.5, 2.0, 2.5, 3.0])), "discipline_removals": 2.0},
        "min_cell_size": int(rng.choice([0, 5, 10])), "min_n_size": int(rng.choice([10, 30])),
        "consecutive_years": int(seed % 3 + 1),
        **({"reasonable_progress": {"min_decrease": 0.1}} if seed % 2 else {})})
    d = determinations(risk_ratios(data, settings), settings)
    expected = naive(as_counts(data), settings, 2024)
    assert len(d) == len(expected)
    kinds = set()
    for r in d.itertuples(index=False):
        kind, ratio, identified = expected[(r.district, r.race, r.category)]
        kinds.add(kind)
        assert r.ratio_kind == kind, (r.district, r.race, r.category)
        assert (np.isnan(r.ratio) if ratio is None else r.ratio == pytest.approx(float(ratio), rel=1e-12))
        assert bool(r.identified) == identified, (r.district, r.race, r.category, r.years)
    assert {RISK_RATIO, NOT_CALCULATED} <= kinds and d["identified"].any()  # random states hit the rules


# --- privacy of what is published -------------------------------------------------------------------------

def test_a_shown_ratio_rests_on_groups_of_at_least_the_minimum():
    data = random_state(3, districts=8)
    s = parse_settings({"risk_ratio_threshold": 2, "min_cell_size": 3, "min_n_size": 5})
    ratios = risk_ratios(data, s)
    shown, dets = publish(ratios, determinations(ratios, s), min_size=10)
    privacy.require_protected(shown, audience=True)
    privacy.require_protected(dets, audience=True)
    assert not {"count", "population", "risk", "comparison_count", "comparison_population"} & (set(shown) | set(dets))
    visible = shown["ratio"].notna().to_numpy()
    m = 10
    a, n = np.minimum(ratios["count"], ratios["population"]).to_numpy(), ratios["population"].to_numpy()
    ac = np.minimum(ratios["comparison_count"], ratios["comparison_population"]).to_numpy()
    nc = ratios["comparison_population"].to_numpy()
    assert visible.any() and (~visible & (ratios["ratio_kind"] != NOT_CALCULATED).to_numpy()).any()
    for x, size in ((a, n), (ac, nc)):
        assert (x[visible] >= m).all() and (size[visible] - x[visible] >= m).all()


def test_a_hidden_group_takes_a_partner_with_it():
    # Asian: 12 of 15 (3 without, under 10) is hidden; one other ratio must go too, or subtraction gives it back
    data = counts([("A", BLACK, 60, 300), ("A", WHITE, 40, 800), ("A", "Asian", 12, 15)])
    s = parse_settings({"risk_ratio_threshold": 2, "min_n_size": 10})
    ratios = risk_ratios(data, s)
    hidden = dict(zip(ratios.race, hidden_rows(ratios), strict=True))
    assert hidden["Asian"] and (hidden[BLACK] or hidden[WHITE])


# --- settings, counts and the command line ------------------------------------------------------------

@pytest.mark.parametrize(("data", "words"), [
    ({}, "risk_ratio_threshold': required"),
    ({"risk_ratio_threshold": 3, "consecutive_years": 0}, "not 1, 2 or 3"),
    ({"risk_ratio_threshold": 3, "min_cel_size": 5}, "did you mean 'min_cell_size'"),
    ({"risk_ratio_threshold": {"autism": 2}}, "need a 'default'"),
    ({"risk_ratio_threshold": {"default": 3, "autsm": 2}}, "not a category"),
    ({"risk_ratio_threshold": 3, "reasonable_progress": {"min_drop": 1}}, "unknown key"),
    ({"risk_ratio_threshold": "high"}, "is not a number"),
])
def test_settings_errors_are_one_line(data, words):
    with pytest.raises(ConfigError) as error:
        parse_settings(data, source="state.yml")
    assert words in str(error.value) and "\n" not in str(error.value) and str(error.value).startswith("state.yml")


def test_settings_above_the_presumptive_ceilings_are_noted():
    s = parse_settings({"risk_ratio_threshold": 3, "min_cell_size": 15})
    assert any("detailed rationale" in note for note in s.notes)


@pytest.mark.parametrize(("change", "words"), [
    ({"race": "Martian"}, "seven race/ethnicity groups"),
    ({"category": "gifted"}, "not a category"),
    ({"count": "*"}, "not a whole number"),
    ({"count": 900}, "more children with the outcome"),
])
def test_counts_errors_are_one_line(change, words):
    frame = counts([("A", BLACK, 50, 200)]).assign(**change)
    with pytest.raises(InputError) as error:
        as_counts(frame, source="state.csv")
    assert words in str(error.value) and "\n" not in str(error.value)


def test_removals_may_exceed_children():
    assert as_counts(counts([("A", BLACK, 300, 200)], category="total removals"))["count"].iloc[0] == 300


def test_cli_writes_the_report(tmp_path, capsys):
    out = tmp_path / "out"
    status = main(["disproportionality", str(FILES / "state_counts.csv"), "--config", str(FILES / "state.yml"),
                   "--out", str(out)])
    assert status == 0
    printed = capsys.readouterr().out
    assert "districts identified" in printed
    for name in ("determinations.csv", "districts.csv", "ratios.csv", "report.html"):
        assert (out / name).is_file()
    page = (out / "report.html").read_text()
    from successgaps_lib.safe_html import CONTENT_SECURITY_POLICY, declared_policy, loaded_urls

    assert declared_policy(page) == CONTENT_SECURITY_POLICY and loaded_urls(page) == []
    assert page.count("<table>") == len(CATEGORIES)
    written = pd.read_csv(out / "determinations.csv")
    assert "count" not in written and "population" not in written
    first = page.index("<tbody>")
    assert page[first:first + 400].count("<td>yes</td>") <= 1  # the first table begins with identified districts
    districts = pd.read_csv(out / "districts.csv")
    names = set(districts.loc[districts.identified, "district"])
    assert all(name in printed for name in names)


def test_cli_data_team_keeps_counts(tmp_path):
    out = tmp_path / "team"
    assert main(["disproportionality", str(FILES / "state_counts.csv"), "--config", str(FILES / "state.yml"),
                 "--out", str(out), "--data-team"]) == 0
    assert "count" in pd.read_csv(out / "ratios.csv")


@pytest.mark.parametrize(("args", "words"), [
    (["--config", "nope.yml"], "settings file not found"),
    ([], "no state settings"),
    (["--year", "1999"], "no data for that year"),
])
def test_cli_errors_exit_2_in_one_line(tmp_path, capsys, args, words):
    source = tmp_path / "counts.csv"
    source.write_bytes((FILES / "state_counts.csv").read_bytes())
    if "--year" in args:
        args = [*args, "--config", str(FILES / "state.yml")]
    status = main(["disproportionality", str(source), "--out", str(tmp_path / "o"), *args])
    err = capsys.readouterr().err.strip()
    assert status == 2 and words in err and "\n" not in err


def test_cli_bad_file_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("year,district,race,category,count,population\n2024,A,Martian,autism,1,40\n")
    assert main(["disproportionality", str(bad), "--config", str(FILES / "state.yml")]) == 2
    err = capsys.readouterr().err.strip()
    assert "row 2" in err and "Martian" in err and "\n" not in err


def test_student_records_give_the_same_counts(tmp_path):
    students = pd.DataFrame({
        "student_id": [f"S{i}" for i in range(6)], "year": 2024, "district": "A",
        "race": ["MB", "MB", "MB", "MW", "MW", "MHL"], "age": [8, 9, 4, 10, 12, 2],
        "disability": ["Y", "N", "Y", "Y", "N", "Y"], "disability_category": ["SLD", "", "AUT", "SLD", "", "AUT"],
        "environment": ["RC39LT", "", "", "SS", "", ""], "oss_days": [3, 0, 11, 0, 0, 0], "iss_days": 0,
        "removals": [1, 0, 2, 0, 0, 0]})
    path = tmp_path / "students.csv"
    students.to_csv(path, index=False)
    from successgaps_lib.disproportionality.read import read_counts

    c = read_counts(path).set_index(["race", "category"])
    assert tuple(c.loc[(BLACK, "identification"), ["count", "population"]]) == (2, 3)
    assert tuple(c.loc[(BLACK, "placement_lt40"), ["count", "population"]]) == (1, 1)  # age 4 is not placed
    assert tuple(c.loc[(BLACK, "discipline_oss_le10"), ["count", "population"]]) == (1, 2)
    assert tuple(c.loc[(HISP, "identification"), ["count", "population"]]) == (0, 0)  # age 2 is not counted
    assert "student_id" not in c.reset_index()


def test_districts_are_protected_alone_as_together_and_progress_counts_them():
    data = random_state(5, districts=7)
    s = parse_settings({"risk_ratio_threshold": 2, "min_cell_size": 3, "min_n_size": 5})
    done = []
    ratios = risk_ratios(data, s, progress=done.append, chunk=3)
    assert done == [3, 3, 1]
    steps = []
    determinations(ratios, s, progress=steps.append)
    assert sum(steps) == 7
    ticks = []
    one_by_one = hidden_rows(ratios, progress=ticks.append, chunk=1)
    assert sum(ticks) == 7 and len(ticks) == 7
    together = hidden_rows(ratios, chunk=10_000)
    assert one_by_one.any() and (one_by_one == together).all()


def test_no_hidden_ratio_reaches_a_published_file(tmp_path):
    # Asian: 12 of 15 (3 without the outcome): its ratio (8.80) and a partner's must not be written anywhere
    source = tmp_path / "small.csv"
    counts([("A", BLACK, 60, 300), ("A", WHITE, 40, 800), ("A", "Asian", 12, 15),
            ("B", BLACK, 50, 400), ("B", WHITE, 90, 900)]).to_csv(source, index=False)
    config = tmp_path / "state.yml"
    config.write_text("risk_ratio_threshold: 2\nmin_n_size: 10\n")
    out = tmp_path / "out"
    assert main(["disproportionality", str(source), "--config", str(config), "--out", str(out)]) == 0
    s = parse_settings({"risk_ratio_threshold": 2, "min_n_size": 10})
    ratios = risk_ratios(pd.read_csv(source), s)
    hidden = hidden_rows(ratios)
    secret = {f"{r:.2f}" for r in ratios.loc[hidden, "ratio"].dropna()}
    public = {f"{r:.2f}" for r in ratios.loc[~hidden, "ratio"].dropna()}
    assert "8.80" in secret and len(secret) >= 2 and public
    texts = {name: (out / name).read_text() for name in ("ratios.csv", "determinations.csv", "districts.csv",
                                                        "report.html")}
    for value in secret - public:
        assert not any(value in text for text in texts.values()), value
    assert all(any(value in text for text in texts.values()) for value in public)
    for count in ("60", "300", "800", "12", "15"):  # no count, even a large one
        assert f",{count}," not in texts["ratios.csv"] and f">{count}<" not in texts["report.html"]


def test_cli_reads_another_layout_through_a_mapping(tmp_path, capsys):
    source = tmp_path / "lea.csv"
    source.write_text("Report of the State\nSY,LEA,RaceEth,Cat,N,AtRisk\n"
                      "2023-24,North,Black,Autism,30,300\n2023-24,North,MW,Autism,20,1000\n")
    mapping = tmp_path / "m.yml"
    mapping.write_text("columns: {year: SY, district: LEA, race: RaceEth, category: Cat, count: N, "
                       "population: AtRisk}\nvalues: {race: {Black: MB}}\n")
    config = tmp_path / "state.yml"
    config.write_text("risk_ratio_threshold: 3\n")
    out = tmp_path / "out"
    assert main(["disproportionality", str(source), "--mapping", str(mapping), "--config", str(config),
                 "--out", str(out)]) == 0
    assert "North: Identification: autism (Black or African American)" in capsys.readouterr().out
    mapping.write_text("colums: {year: SY}\n")
    assert main(["disproportionality", str(source), "--mapping", str(mapping), "--config", str(config)]) == 2
    err = capsys.readouterr().err.strip()
    assert "did you mean 'columns'" in err and "\n" not in err
