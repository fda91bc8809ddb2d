"""``successgaps screen FILE``: rank every success gap in a data file."""

from __future__ import annotations

import argparse
from pathlib import Path

from .registry import command

#: Columns of the CSV written by ``successgaps screen --out`` (the issue's list first).
GAP_CSV_COLUMNS = [
    "year", "school", "group", "outcome", "comparison", "n_group", "rate_group", "n_comparison",
    "rate_comparison", "difference", "risk_ratio", "ci_low", "ci_high", "flagged", "statement",
    "district", "dimension", "a_group", "a_comparison", "rate_group_low", "rate_group_high",
    "rr_ci_low", "rr_ci_high", "measurable", "reason", "adverse", "score",
]


def _screen_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, help="student records, long counts, or any table with --mapping")
    p.add_argument("--mapping", type=Path, help="YAML column mapping for a file in another layout (docs/mapping.md)")
    p.add_argument("--sheet", help="Excel sheet to read (default: the first)")
    p.add_argument("--schools", action="store_true", help="screen every school as well as the district")
    p.add_argument("--min-n", type=int, default=30, metavar="N",
                   help="n-size: fewest children in a group (denominator) to measure a gap (default 30)")
    p.add_argument("--min-cell", type=int, default=10, metavar="N",
                   help="cell size: fewest children with the outcome (numerator) for a risk ratio (default 10)")
    p.add_argument("--min-size", type=int, default=10, metavar="N",
                   help="privacy: fewest children behind any count or rate that is shown (default 10)")
    p.add_argument("--comparison", default="all_other", choices=["all_other", "all", "group"],
                   help="compare each group with all other children (default), all children, or --reference")
    p.add_argument("--reference", help="the named comparison group, with --comparison group (e.g. White)")
    p.add_argument("--out", type=Path, help="write every screened gap to this CSV")
    p.add_argument("--top", type=int, default=15, metavar="K", help="how many flagged gaps to print (default 15)")
    p.add_argument("--data-team", action="store_true",
                   help="do NOT suppress small groups (the output must stay inside the data team)")


@command("screen", "rank every success gap in a data file", _screen_arguments)
def run_screen(args: argparse.Namespace) -> int:
    from .. import privacy
    from ..load import load
    from ..screen import screen

    data = load(args.file, mapping=args.mapping, sheet=args.sheet)
    gaps = screen(data.counts, schools=args.schools, comparison=args.comparison, reference=args.reference,
                  min_n=args.min_n, min_cell=args.min_cell)
    shown = privacy.protect(gaps, counts=data.counts, min_size=args.min_size, audience=not args.data_team)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        columns = [c for c in GAP_CSV_COLUMNS if c in shown.columns]
        shown[columns].to_csv(args.out, index=False)
    print(_summary(shown, args.top))
    if args.out:
        print(f"\nAll {len(shown):,} screened gaps written to {args.out}")
    return 0


def _summary(gaps, top: int) -> str:
    """The ranked flagged gaps as a plain-text table for the terminal."""
    from .. import privacy

    flagged = gaps[gaps["flagged"].fillna(False).astype(bool)]
    lines = [f"{len(flagged):,} of {len(gaps):,} candidate gaps flagged "
             f"({int(gaps['measurable'].fillna(False).astype(bool).sum()):,} measurable)."]
    if flagged.empty:
        return lines[0]
    table = privacy.display(flagged.head(top))
    columns = [c for c in ("year", "school", "group", "outcome", "n_group", "rate_group", "n_comparison",
                           "rate_comparison", "difference", "ci_low", "ci_high", "risk_ratio") if c in table]
    table = table[columns].rename(columns={"school": "school (blank = district)"})
    lines.append(table.to_string(index=False))
    lines.append("\nTop gap: " + str(flagged.iloc[0]["statement"]))
    return "\n".join(lines)
