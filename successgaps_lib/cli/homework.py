"""``successgaps homework`` and ``successgaps import-homework``: rating homework away from the room.

``homework DIR --meeting N`` writes, for every member, the rating sheet (HTML and PDF) and
the Excel homework file of the sections meeting N reviews, into ``DIR/homework/meeting-NN/``
(or ``--out``), and makes each member's personal link if the workbook has none yet.
``import-homework DIR FILE...`` reads returned Excel files into the team's store.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..groups import MEETINGS
from .registry import command

HOMEWORK_HELP = "write each member's rating sheet (HTML, PDF) and Excel homework file for a meeting"
IMPORT_HELP = "read members' returned Excel homework files into the team's store"


def _meeting(text: str) -> int:
    if text.isdigit() and int(text) in MEETINGS:
        return int(text)
    raise argparse.ArgumentTypeError(f"{text!r}: expected a meeting number from 1 to {max(MEETINGS)}")


def homework_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", type=Path, help="the workbook folder (holding workbook.yml)")
    p.add_argument("--meeting", type=_meeting, required=True, metavar="N",
                   help="the meeting the ratings are due at (it reviews the sections rated)")
    p.add_argument("--out", type=Path, help="output folder (default: DIR/homework/meeting-NN)")
    p.add_argument("--no-pdf", dest="pdf", action="store_false", help="HTML sheets only (no Chromium needed)")
    p.add_argument("--no-excel", dest="excel", action="store_false", help="no Excel homework files")
    p.add_argument("--no-links", dest="links", action="store_false",
                   help="print no personal link on the sheets (and make none)")
    p.add_argument("--link-base", metavar="URL",
                   help="the dashboards' address other computers use, e.g. https://laptop:8866/ "
                        "(default: this computer's name, port 8866)")


@command("homework", HOMEWORK_HELP, homework_arguments)
def cmd_homework(args: argparse.Namespace) -> int:
    from .. import homework
    from .. import workbook as workbooks
    from ..handouts import PdfPrinter
    from ..homework import links as member_links
    from ..homework.sheets import write_sheets

    wb = workbooks.load(args.dir, check_files=False)
    work = homework.assignment(wb, args.meeting)
    out = homework.output_folder(wb, args.meeting, args.out)
    urls = {}
    if args.links:
        base = args.link_base or member_links.base_url()
        secrets = member_links.member_secrets(wb.directory, [m.name for m in work.members])
        urls = {name: member_links.member_link(base, secret) for name, secret in secrets.items()}
    if args.pdf:
        with PdfPrinter() as printer:
            files = write_sheets(work, out, links=urls, printer=printer)
    else:
        files = write_sheets(work, out, links=urls)
    if args.excel:
        from ..homework.excel import write_files

        files += write_files(work, out)
    print(f"Wrote {len(files)} files for {len(work.members)} members (homework for {work.due_text}) to {out}.")
    if urls:
        print(f"Each sheet prints the member's own link; the links are kept in "
              f"{wb.directory / member_links.LINKS_FILE}.")
    return 0


def import_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", type=Path, help="the workbook folder (holding workbook.yml)")
    p.add_argument("files", type=Path, nargs="+", metavar="FILE", help="returned Excel homework files (.xlsx)")
    p.add_argument("--meeting", type=_meeting, metavar="N",
                   help="the meeting the homework is for (default: the current homework)")
    p.add_argument("--paper", action="store_true",
                   help="the files were typed in from members' paper rating sheets: record the route 'paper'")
    p.add_argument("--overwrite", action="store_true",
                   help="take the file's rating even where someone changed it elsewhere after the file was written")


@command("import-homework", IMPORT_HELP, import_arguments)
def cmd_import(args: argparse.Namespace) -> int:
    from .. import workbook as workbooks
    from ..homework.excel import import_files

    wb = workbooks.load(args.dir, check_files=False)
    report = import_files(wb, args.files, meeting=args.meeting, overwrite=args.overwrite,
                          route="paper" if args.paper else "excel")
    for line in report.lines:
        print(line)
    for line in report.refused:
        print(f"successgaps: refused: {line}", file=sys.stderr)
    return 2 if report.refused else 0
