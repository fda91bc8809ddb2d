"""Benchmark: ``check`` on a file with many problems, against loading the same file clean.

Usage: ``python bench/bench_check.py [--rows N] [--problems K]`` (``make bench``).

A long counts file of about a million rows (years x schools x outcomes x nine groups, the
groups of each unit adding up to no more than All students) is written twice: clean, and
with ``K`` numerators spoiled at random (negative, not a number, above the denominator; one
problem each, so the check must find exactly ``K``). The baseline is ``load`` of the clean
file, which validates every row too; the measured run is what ``successgaps check`` does:
``load(..., set_aside=True)`` collecting every problem, then ``problems.csv`` and the
data-quality report. Goal: within 3x of the baseline.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from successgaps_lib import quality
from successgaps_lib.load import load

RACES = ["MHL", "MAN", "MA", "MB", "MNP", "MW", "MM"]
OUTCOMES = ["graduation", "dropout", "reading_proficiency", "math_proficiency"]


def make_file(rows: int, seed: int = 7) -> pd.DataFrame:
    """A clean long counts table of about ``rows`` rows."""
    rng = np.random.default_rng(seed)
    per_unit = 2 + len(RACES)  # All students, seven races, students with disabilities
    years = 10
    schools = max(1, round(rows / (years * len(OUTCOMES) * per_unit)))
    units = years * schools * len(OUTCOMES)
    total = rng.integers(200, 2000, units)
    shares = rng.dirichlet(np.ones(len(RACES)), units)
    race_den = np.floor(shares * total[:, None]).astype(np.int64)
    swd_den = (total * rng.uniform(0.08, 0.2, units)).astype(np.int64)
    p = rng.uniform(0.05, 0.95, (units, 1))
    race_num = rng.binomial(race_den, p)
    all_num = race_num.sum(axis=1) + rng.binomial(total - race_den.sum(axis=1), p[:, 0])
    swd_num = np.minimum(rng.binomial(swd_den, p[:, 0]), all_num)  # a subgroup never outnumbers All
    den = np.column_stack([total, race_den, swd_den])
    num = np.column_stack([all_num, race_num, swd_num])
    year = np.repeat(np.arange(2016, 2016 + years), schools * len(OUTCOMES))
    school = np.tile(np.repeat([f"School {i:05d}" for i in range(schools)], len(OUTCOMES)), years)
    outcome = np.tile(OUTCOMES, years * schools)
    return pd.DataFrame({
        "year": np.repeat(year, per_unit), "school": np.repeat(school, per_unit),
        "group": np.tile(["ALL", *RACES, "WDIS"], units), "outcome": np.repeat(outcome, per_unit),
        "numerator": num.ravel().astype(str), "denominator": den.ravel().astype(str),
    })


def spoil(frame: pd.DataFrame, k: int, seed: int = 11) -> pd.DataFrame:
    """``k`` numerators (never of All students) made wrong in three ways, one problem each."""
    rng = np.random.default_rng(seed)
    candidates = np.flatnonzero(frame["group"].to_numpy() != "ALL")
    rows = rng.choice(candidates, k, replace=False)
    out = frame.copy()
    numerator = out["numerator"].to_numpy(dtype=object)
    kinds = rows % 3
    numerator[rows[kinds == 0]] = "-5"
    numerator[rows[kinds == 1]] = "twelve"
    above = rows[kinds == 2]
    numerator[above] = (out["denominator"].to_numpy()[above].astype(np.int64) + 1).astype(str)
    out["numerator"] = numerator
    return out


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def check(path: Path, out: Path):
    data = load(path, set_aside=True)
    quality.write(quality.report(data), out)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--problems", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each, the best kept (default 2)")
    args = parser.parse_args()
    clean = make_file(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        clean_path, messy_path = Path(tmp, "clean.csv"), Path(tmp, "messy.csv")
        clean.to_csv(clean_path, index=False)
        spoil(clean, args.problems).to_csv(messy_path, index=False)
        load(clean_path)  # warm-up: imports and caches
        runs = []
        for _ in range(args.repeat):  # interleaved, best of each: a busy machine slows both alike
            runs.append((timed(lambda: load(clean_path))[0], *timed(lambda: check(messy_path, Path(tmp, "out")))))
        base, took = min(r[0] for r in runs), min(r[1] for r in runs)
        data = runs[-1][2]
    assert len(data.problems) == args.problems, f"found {len(data.problems)} problems, planted {args.problems}"
    ratio = took / base
    print(f"check, {len(clean):,} rows with {args.problems:,} problems: {took:.1f} s; "
          f"load of the clean file: {base:.1f} s; ratio {ratio:.2f}x (goal: at most 3x) "
          f"[{'met' if ratio <= 3 else 'NOT met'}]")


if __name__ == "__main__":
    main()
