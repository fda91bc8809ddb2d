"""``successgaps demo``: screen the demo district and build its meeting handouts (what ``make demo`` runs)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import paths
from .registry import command
from .screen import _screen_arguments, run_screen


def _demo_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, default=Path("build/demo"), help="output folder (default build/demo)")


def screen_namespace(out: Path) -> argparse.Namespace:
    """``successgaps screen`` of the demo into ``out``, parsed by screen's own parser (its defaults
    follow every new option of ``screen``).

    >>> screen_namespace(Path("build")).out.as_posix(), screen_namespace(Path("build")).schools
    ('build/gaps.csv', True)
    """
    parser = argparse.ArgumentParser(prog="successgaps screen")
    _screen_arguments(parser)
    return parser.parse_args([str(paths.DEMO / "students.csv"), "--schools", "--out", str(out / "gaps.csv")])


@command("demo", "screen the demo district and build its meeting handouts", _demo_arguments)
def _demo(args: argparse.Namespace) -> int:
    from ..handouts import build_handouts

    args.out.mkdir(parents=True, exist_ok=True)
    run_screen(screen_namespace(args.out))
    print(f"\nBuilding every meeting's handouts for the demo workbook into {args.out} ...")
    files = build_handouts(paths.DEMO / "workbook", "all", out=args.out)
    print(f"Wrote {len(files)} files to {args.out}: open {args.out / 'meeting-01'} to start.")
    return 0
