"""``successgaps check FILE``: every problem of a data file, and what it holds."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .registry import command

#: Problems printed on the terminal (``--out`` writes them all).
SHOWN = 20


def _check_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, help="the data file: student records, long counts, or any table with --mapping")
    p.add_argument("--mapping", type=Path, help="YAML column mapping for a file in another layout, or a ready "
                   "mapping by name: edfacts-acgr, idea618-child-count, crdc-school, crdc-school-files "
                   "(docs/mapping.md)")
    p.add_argument("--sheet", help="Excel sheet to read (default: the first with the expected columns)")
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="write problems.csv (every problem) and data-quality.html (a report for people) here")
    p.epilog = "Exit status: 0 the file is clean, 1 it loads with problems, 2 it cannot be read at all."


@command("check", "list every problem of a data file (exit 0 clean, 1 problems, 2 unreadable)", _check_arguments)
def run_check(args: argparse.Namespace) -> int:
    from .. import problems, quality
    from ..load import load

    data = load(args.file, mapping=args.mapping, sheet=args.sheet, set_aside=True)  # unreadable: one line, exit 2
    if data.problems:
        print(problems.terminal(list(data.problems), limit=SHOWN))
    else:
        print(f"{args.file}: no problems; {data.rows:,} rows loaded.")
    if data.columns_unused:
        print("not used: " + ", ".join(data.columns_unused))
    for filtered in data.left_out:
        print(filtered.line())
    for note in data.notes:
        print(f"note: {note}")
    if args.out:
        csv, page = quality.write(quality.report(data), args.out)
        print(f"Every problem in {csv}; the report in {page}", file=sys.stderr if not data.problems else sys.stdout)
    return 1 if data.problems else 0
