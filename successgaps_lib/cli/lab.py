"""``successgaps lab DIR``: JupyterLab on a workbook folder, its notebooks copied in, ready to run."""

from __future__ import annotations

import argparse
import shlex
import subprocess
from pathlib import Path

from .registry import command

HELP = "open JupyterLab on a workbook folder, with the explore and meeting notebooks copied in"


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", type=Path, help="the workbook folder (holding workbook.yml)")
    p.add_argument("--force", action="store_true", help="replace notebooks already in the folder (edits are lost)")
    p.add_argument("--no-browser", dest="browser", action="store_false", help="start JupyterLab, open no browser")
    p.add_argument("--dry-run", action="store_true", help="copy the notebooks and print the command; start nothing")


@command("lab", HELP, _arguments)
def cmd_lab(args: argparse.Namespace) -> int:
    from .. import lab

    copied = lab.prepare(args.dir, force=args.force)
    kept = [s for s in lab.stems() if (args.dir / f"{s}.ipynb") not in copied]
    if copied:
        print(f"Copied into {args.dir}: " + ", ".join(p.name for p in copied))
    if kept:
        print(f"Kept the folder's own: {', '.join(s + '.ipynb' for s in kept)} (--force replaces them)")
    line = lab.command(args.dir, browser=args.browser)
    print(f"Start with {lab.EXPLORE}.ipynb (the data team's notebook; figures protected unless data_team = True).")
    if args.dry_run:
        print(shlex.join(line))
        return 0
    return subprocess.call(line)
