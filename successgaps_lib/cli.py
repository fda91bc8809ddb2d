"""The ``successgaps`` command line.

Each sub-command is a small ``Command`` registered in ``COMMANDS``: it adds its own
arguments and runs. Errors a user can fix (``SuccessGapsError``, a missing file) print
one line and exit 2, with no traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import __version__, paths
from .errors import SuccessGapsError

DEMO_DIR = paths.DEMO

#: Columns of the CSV written by ``successgaps screen --out`` (the issue's list first).
GAP_CSV_COLUMNS = [
    "year", "school", "group", "outcome", "comparison", "n_group", "rate_group", "n_comparison",
    "rate_comparison", "difference", "risk_ratio", "ci_low", "ci_high", "flagged", "statement",
    "district", "dimension", "a_group", "a_comparison", "rate_group_low", "rate_group_high",
    "rr_ci_low", "rr_ci_high", "measurable", "reason", "adverse", "score",
]


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int | None]


COMMANDS: dict[str, Command] = {}


def command(name: str, help: str, add_arguments: Callable[[argparse.ArgumentParser], None]):
    """Register ``run`` as the sub-command ``name``."""
    def register(run):
        COMMANDS[name] = Command(name, help, add_arguments, run)
        return run
    return register


# --- screen -------------------------------------------------------------------------------

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
def _screen(args: argparse.Namespace) -> int:
    from . import privacy
    from .load import load
    from .screen import screen

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
    from . import privacy

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


# --- init, handouts, present (their own modules) --------------------------------------------

def _register_modules() -> None:
    from . import cli_handouts, cli_present

    for name, help_text, arguments, run in cli_handouts.COMMANDS:
        command(name, help_text, arguments)(run)
    command("present", "show a workbook's meeting dashboards on the room's screen (Voila)",
            cli_present.add_arguments)(cli_present.run)


_register_modules()


# --- demo ---------------------------------------------------------------------------------

def _demo_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, default=Path("build/demo"), help="output folder (default build/demo)")


@command("demo", "screen the demo district and build its meeting handouts", _demo_arguments)
def _demo(args: argparse.Namespace) -> int:
    from .handouts import build_handouts

    args.out.mkdir(parents=True, exist_ok=True)
    screen_args = argparse.Namespace(
        file=DEMO_DIR / "students.csv", mapping=None, sheet=None, schools=True, min_n=30, min_cell=10,
        min_size=10, comparison="all_other", reference=None, out=args.out / "gaps.csv", top=10,
        data_team=False)
    _screen(screen_args)
    print(f"\nBuilding every meeting's handouts for the demo workbook into {args.out} ...")
    files = build_handouts(DEMO_DIR / "workbook", "all", out=args.out)
    print(f"Wrote {len(files)} files to {args.out}: open {args.out / 'meeting-01'} to start.")
    return 0


# --- entry point --------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="successgaps",
        description="Success Gaps Workbook: find success gaps in district data and run the team's meetings.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for cmd in COMMANDS.values():
        cmd.add_arguments(sub.add_parser(cmd.name, help=cmd.help, description=cmd.help[0].upper() + cmd.help[1:]))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command].run(args) or 0
    except SuccessGapsError as error:
        print(f"successgaps: error: {error}", file=sys.stderr)
    except FileNotFoundError as error:
        print(f"successgaps: error: {error.filename or error}: no such file", file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
