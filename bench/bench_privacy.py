"""Benchmark: privacy across outcomes, against the per-partition rules alone.

Usage: ``python bench/bench_privacy.py [--rounds N]`` (``make bench``).

On the demo district, times ``privacy.protect`` of what ``successgaps screen --schools --out``
publishes (every gap of every outcome, district and schools, protected with the counts) and of
the counts table itself, twice in the same run:

- **coordinated** (the layer as it ships): figures left out of every row of the table are
  hidden in the engine too and suppression runs again until no row changes, and the exact
  audit (``pinned.determined``) hides one more figure beside any hidden figure the published
  sums pin down together;
- **baseline**: the per-partition rules only (both steps turned off), as before issue 9.

Prints both times, their ratio and how many rows and cells each hides. Goal: the coordinated
protection within 5x of the baseline (it solves a sparse least-squares problem over every
hidden figure of the table, a few hundred sparse products).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from successgaps_lib import privacy
from successgaps_lib.load import load
from successgaps_lib.screen import screen

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo" / "students.csv"
GOAL = 5.0


def _timed(function, rounds: int):
    best, result = float("inf"), None
    for _ in range(rounds):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="turns of each, the best kept")
    args = parser.parse_args()
    counts = load(DEMO).counts
    gaps = screen(counts, schools=True)
    runs = {}
    for name in ("baseline", "coordinated", "baseline", "coordinated"):  # in turns: the machine is shared
        audit, left_out = privacy._audit, privacy._left_out
        if name == "baseline":
            privacy._audit = lambda *a: False
            privacy._left_out = lambda at, column, hidden, shared, flags: np.zeros_like(flags)
        try:
            g_time, shown = _timed(lambda: privacy.protect(gaps, counts=counts), args.rounds)
            c_time, table = _timed(lambda: privacy.protect(counts), args.rounds)
        finally:
            privacy._audit, privacy._left_out = audit, left_out
        previous = runs.get(name)
        runs[name] = (min(g_time, previous[0]) if previous else g_time,
                      min(c_time, previous[1]) if previous else c_time,
                      int(shown[privacy.ROW_FLAG].sum()),
                      int((table[privacy.NUMERATOR_FLAG] | table[privacy.DENOMINATOR_FLAG]).sum()))
    (bg, bc, brows, bcells), (cg, cc, crows, ccells) = runs["baseline"], runs["coordinated"]
    print(f"demo: {len(gaps):,} gaps (district and schools), {len(counts):,} counts")
    print(f"gaps protect: baseline {bg:.3f} s, coordinated {cg:.3f} s ({cg / bg:.1f}x); "
          f"rows hidden {brows:,} -> {crows:,} of {len(gaps):,}")
    print(f"counts protect: baseline {bc:.3f} s, coordinated {cc:.3f} s ({cc / bc:.1f}x); "
          f"cells hidden {bcells:,} -> {ccells:,} of {len(counts):,}")
    ratio = max(cg / bg, cc / bc)
    print(f"goal: within {GOAL:g}x of the per-partition rules: {'met' if ratio <= GOAL else 'NOT met'} "
          f"({ratio:.1f}x)")


if __name__ == "__main__":
    main()
