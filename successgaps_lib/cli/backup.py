"""``successgaps backup DIR``: one consistent, dated copy of the team's work.

The copy goes to ``DIR/backups/`` unless ``--to`` names another folder (a USB stick, a shared
drive); it can be taken while the dashboards are running.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .registry import command

HELP = "write a dated copy of the team's work (the workbook's store) that can be kept elsewhere"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("workbook", type=Path, metavar="DIR", help="the workbook folder (with team_work.sqlite)")
    p.add_argument("--to", type=Path, metavar="FOLDER",
                   help="where to write the copy (default: DIR/backups)")


@command("backup", HELP, add_arguments)
def run(args: argparse.Namespace) -> int:
    from ..backup import backup, store_path

    copy = backup(args.workbook, args.to or Path(args.workbook) / "backups")
    print(f"Backed up {store_path(args.workbook)} to {copy}")
    return 0
