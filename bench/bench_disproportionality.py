"""Benchmark: ``successgaps disproportionality`` on a large state, against a groupby floor.

Usage: ``python bench/bench_disproportionality.py [--districts N]`` (``make bench``).

A state of ``N`` districts (default 1,000) over three school years, every race group and the
fourteen categories (about 300,000 count rows for 1,000 districts), is drawn at random. The
baseline is the least any implementation must do: the district and state sums of the counts
table (two pandas groupbys). The measured steps are ``risk_ratios``, ``determinations`` (three
consecutive years, reasonable progress) and ``report.publish`` (the privacy layer, district by
district). Each is printed with its time and its ratio to the baseline; the goal is the whole
run in under a minute for a state of 1,000 districts (a state runs it once a year, and the
bar of ``successgaps disproportionality`` shows it is moving).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from successgaps_lib.disproportionality import CATEGORIES, RACES, as_counts, determinations, parse_settings, risk_ratios
from successgaps_lib.disproportionality.report import publish


def make_state(districts: int, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    years, races, cats = [2022, 2023, 2024], np.array(RACES), np.array(list(CATEGORIES))
    size = rng.choice([80, 400, 2_000, 10_000, 40_000], districts)
    shares = rng.dirichlet(np.full(len(races), 2.0), districts)
    grid = pd.MultiIndex.from_product([years, range(districts), races, cats],
                                      names=["year", "d", "race", "category"]).to_frame(index=False)
    r = grid["race"].map({x: i for i, x in enumerate(races)}).to_numpy()
    d = grid["d"].to_numpy()
    population = rng.binomial(size[d], shares[d, r]).astype(np.int64)
    discipline = grid["category"].str.startswith(("placement", "discipline")).to_numpy()
    population = np.where(discipline, rng.binomial(population, 0.14), population)
    risk = np.where(discipline, 0.05, 0.02) * rng.uniform(0.3, 3.0, len(grid))
    count = rng.binomial(population, np.clip(risk, 0, 1))
    return pd.DataFrame({"year": grid["year"], "district": "District " + grid["d"].astype(str).str.zfill(5),
                         "race": grid["race"], "category": grid["category"], "count": count,
                         "population": population})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=1_000)
    args = parser.parse_args()
    counts = as_counts(make_state(args.districts))
    settings = parse_settings({"risk_ratio_threshold": 3, "consecutive_years": 3,
                               "reasonable_progress": {"min_decrease": 0.1}})
    start = time.perf_counter()
    counts.groupby(["year", "district", "category"])[["count", "population"]].sum()
    counts.groupby(["year", "category", "race"])[["count", "population"]].sum()
    floor = time.perf_counter() - start
    times = {}
    start = time.perf_counter()
    ratios = risk_ratios(counts, settings)
    times["risk_ratios"] = time.perf_counter() - start
    start = time.perf_counter()
    dets = determinations(ratios, settings)
    times["determinations"] = time.perf_counter() - start
    start = time.perf_counter()
    publish(ratios, dets)
    times["publish (privacy)"] = time.perf_counter() - start
    total = sum(times.values())
    print(f"disproportionality: {args.districts:,} districts, {len(counts):,} count rows, "
          f"{int(dets['identified'].sum()):,} identified group-categories")
    print(f"  baseline (district and state groupby sums): {floor:.3f} s")
    for name, seconds in times.items():
        print(f"  {name:<20} {seconds:7.2f} s  ({seconds / floor:,.0f}x baseline)")
    print(f"  total                {total:7.2f} s  ({total / floor:,.0f}x baseline); goal under 60 s: "
          f"{'met' if total < 60 or args.districts < 1_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
