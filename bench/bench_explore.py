"""Benchmark: the interactive explorer's redraw after a change, on the demo district.

Usage: ``python bench/bench_explore.py [--changes N]`` (``make bench``).

Times, in the kernel, what a change of a drop-down costs before the browser draws: a new
group (measured once, then cached), a new year or place (the chart's data and the ranked
table), each as the median of ``N`` changes. The baseline, measured in the same run, is the
bare floor of any redraw: serialising the same two-view Altair chart to its Vega-Lite spec.
Goal: a change under 300 ms. What the browser adds (Vega drawing the SVG) is not measured
here: see the issue note.
"""

from __future__ import annotations

import argparse
import statistics
import time

from successgaps_lib.interactive import explore
from successgaps_lib.paths import DEMO_WORKBOOK


def median_ms(fn, n: int) -> float:
    times = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=9)
    args = parser.parse_args()
    x = explore(DEMO_WORKBOOK)
    groups = list(x.group.options)[:args.changes]
    years = [v for _, v in x.year.options]
    places = [v for _, v in x.school.options]
    for g in groups:  # warm the per-group cache as a session does after the first look
        x.group.value = g
    floor = median_ms(lambda i: x._chart().to_dict(), args.changes)
    group = median_ms(lambda i: setattr(x.group, "value", groups[i % len(groups)]), args.changes)
    year = median_ms(lambda i: setattr(x.year, "value", years[i % len(years)]), args.changes)
    place = median_ms(lambda i: setattr(x.school, "value", places[i % len(places)]), args.changes)
    worst = max(group, year, place)
    print(f"explorer redraw in the kernel, median of {args.changes}: group {group:.0f} ms, year {year:.0f} ms, "
          f"place {place:.0f} ms; chart spec alone {floor:.0f} ms; ratio {worst / floor:.1f}x; "
          f"goal under 300 ms [{'met' if worst < 300 else 'NOT met'}]")


if __name__ == "__main__":
    main()
