"""``successgaps demo``: screen the demo district and build its meeting handouts (what ``make demo`` runs)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import paths
from .registry import command
from .screen import run_screen


def _demo_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, default=Path("build/demo"), help="output folder (default build/demo)")


@command("demo", "screen the demo district and build its meeting handouts", _demo_arguments)
def _demo(args: argparse.Namespace) -> int:
    from ..handouts import build_handouts

    args.out.mkdir(parents=True, exist_ok=True)
    screen_args = argparse.Namespace(
        file=paths.DEMO / "students.csv", mapping=None, sheet=None, schools=True, min_n=30, min_cell=10,
        min_size=10, comparison="all_other", reference=None, out=args.out / "gaps.csv", top=10,
        data_team=False)
    run_screen(screen_args)
    print(f"\nBuilding every meeting's handouts for the demo workbook into {args.out} ...")
    files = build_handouts(paths.DEMO / "workbook", "all", out=args.out)
    print(f"Wrote {len(files)} files to {args.out}: open {args.out / 'meeting-01'} to start.")
    return 0
