"""``successgaps backup DIR``: one consistent, dated copy of the team's work; ``successgaps restore
DIR``: put the newest copy (or ``--from`` a named backup or export) back in place of the store.

The copy goes to ``DIR/backups/`` unless ``--to`` names another folder (a USB stick, a shared
drive); it can be taken while the dashboards are running. A restore keeps the file it replaces,
renamed; it replaces a store that is not damaged only with ``--force``.
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


RESTORE_HELP = "put the newest backup (or a named backup or export) in place of a damaged store"


def restore_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("workbook", type=Path, metavar="DIR", help="the workbook folder (with team_work.sqlite)")
    p.add_argument("--from", dest="source", type=Path, metavar="FILE",
                   help="a backup (.sqlite), a JSON export or a CSV export folder (default: the newest "
                        "backup in DIR/backups)")
    p.add_argument("--force", action="store_true",
                   help="replace a store that is not damaged (it is kept, renamed)")


@command("restore", RESTORE_HELP, restore_arguments)
def run_restore(args: argparse.Namespace) -> int:
    from ..backup import restore, store_path

    source, kept = restore(args.workbook, args.source, force=args.force)
    print(f"Restored {store_path(args.workbook)} from {source}")
    if kept is not None:
        print(f"The file it replaced is kept as {kept}")
    return 0
