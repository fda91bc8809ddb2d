"""Benchmark: screening 20,000,000 student-year rows out of core, against DuckDB's bare GROUPING SETS.

Usage: ``python bench/bench_warehouse.py [--rows N]`` (``make bench``).

The state is a Parquet file written by DuckDB (``bigstate.py``; cached in build/bench/, so
reruns skip it). Two child processes read it, one after the other, after a warm-up read of
the file so both find it in the page cache:

- **screen**: ``successgaps screen FILE --schools --engine duckdb``, what a state runs: the
  counts made in DuckDB by one GROUPING SETS query (``successgaps_lib.sources``), every
  district and school screened, the flagged gaps passed through the privacy layer and
  printed;
- **floor**: the same counts written by hand as one DuckDB ``GROUP BY GROUPING SETS`` over the
  Parquet file and fetched as Arrow, nothing else: no tool that reads every row does less.

Time is wall-clock; peak memory is each child's resident-set high-water mark (``os.wait4``'s
``ru_maxrss``). Goals: the screen within 1.5x of the floor, and under 2 GB of memory whatever
the number of rows.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from bigstate import make_parquet  # noqa: E402

from successgaps_lib import groups as vocab  # noqa: E402
from successgaps_lib.table import STUDENT_OUTCOMES  # noqa: E402

GOAL_RATIO = 1.5
MEMORY_BOUND_MB = 2048


def floor_sql(path: Path) -> str:
    """The counts, by hand: one GROUP BY GROUPING SETS over the Parquet file."""
    dims = list(vocab.DIMENSIONS)
    sets = ["(year, district, school)", "(year, district)"]
    for d in dims:
        sets += [f"(year, district, school, {d})", f"(year, district, {d})"]
    sums = [f"count({o}) AS den_{o}, CAST(sum({o}) AS BIGINT) AS num_{o}" for o in STUDENT_OUTCOMES]
    sums.append("count(*) AS n, count_if(disability) AS identified")
    sums += [f"count_if(disability AND disability_category = '{c}') AS identified_{c}"
             for c in vocab.DISABILITY_CATEGORIES]
    grouping = ", ".join(f"grouping({c}) AS g_{c}" for c in ["school", *dims])
    return (f"SELECT year, district, school, {', '.join(dims)}, {grouping}, {', '.join(sums)} "
            f"FROM read_parquet('{path}') GROUP BY GROUPING SETS ({', '.join(sets)})")


FLOOR = """
import sys, duckdb
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
table = con.sql(sys.argv[1]).to_arrow_table()
print(table.num_rows)
"""


def child(argv: list[str]) -> tuple[float, float, str]:
    """Run ``argv``; its wall time (s), peak resident memory (MB, ``os.wait4``) and output."""
    import tempfile

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=err, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        text, problem = out.read(), err.read()
    if process.returncode:
        raise SystemExit(f"{' '.join(argv[:5])} failed ({process.returncode}): {problem.strip()[-500:]}")
    return seconds, usage.ru_maxrss / 1024, text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--file", type=Path, help="the Parquet file (default build/bench/state_<rows>.parquet)")
    args = parser.parse_args(argv)
    path = args.file or ROOT / "build" / "bench" / f"state_{args.rows // 1_000_000}m.parquet"
    if args.rows < 1_000_000 and not args.file:
        path = ROOT / "build" / "bench" / f"state_{args.rows}.parquet"

    start = time.perf_counter()
    existed = path.is_file()
    make_parquet(path, args.rows)
    made = "cached" if existed else f"written in {time.perf_counter() - start:.0f} s"
    with open(path, "rb") as f:  # warm the page cache for both runs
        while f.read(1 << 24):
            pass
    print(f"state: {args.rows:,} student-year rows, {path.stat().st_size / 1e6:,.0f} MB of Parquet ({made}): {path}",
          flush=True)

    floor_s, floor_mb, floor_out = child([sys.executable, "-c", FLOOR, floor_sql(path)])
    print(f"floor (DuckDB GROUP BY GROUPING SETS over the Parquet, Arrow result): {floor_s:.1f} s, "
          f"{int(floor_out.strip()):,} rows of counts, peak {floor_mb:,.0f} MB", flush=True)
    screen_s, screen_mb, out = child([sys.executable, "-m", "successgaps_lib.cli", "screen", str(path),
                                      "--schools", "--engine", "duckdb", "--top", "3"])
    counted = re.search(r"\(([\d.]+) s\); ([\d,]+) rows of counts", out)
    count_s = float(counted[1]) if counted else float("nan")
    flagged = next((line for line in out.splitlines() if "candidate gaps flagged" in line), "?")
    print(f"screen --schools --engine duckdb: {screen_s:.1f} s ({args.rows / screen_s:,.0f} rows/s), "
          f"of which counting in DuckDB {count_s:.1f} s; peak {screen_mb:,.0f} MB; {flagged}")
    ratio = screen_s / floor_s
    print(f"goals: within {GOAL_RATIO}x of the floor: {'met' if ratio <= GOAL_RATIO else 'MISSED'} ({ratio:.1f}x; "
          f"counting alone {count_s / floor_s:.1f}x); memory under {MEMORY_BOUND_MB:,} MB: "
          f"{'met' if screen_mb < MEMORY_BOUND_MB else 'MISSED'} ({screen_mb:,.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
