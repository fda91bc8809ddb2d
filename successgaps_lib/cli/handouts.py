"""``successgaps init`` and ``successgaps handouts``: the workbook folder and its meeting handouts.

Each command is an ``*_arguments(parser)`` function and a ``cmd_*(args) -> int`` function,
registered with ``@command``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from ..groups import MEETINGS
from .registry import command

INIT_HELP = "create a workbook folder with a commented starter workbook.yml"
HANDOUTS_HELP = ("build each meeting's handout, agendas, forms, letters, e-mails and slides "
                 "(HTML and PDF; Word, PowerPoint and text where templates/documents.yml says)")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; expected YYYY-MM-DD") from None


def _meeting(text: str) -> int | str:
    if text == "all":
        return text
    if text.isdigit() and int(text) in MEETINGS:
        return int(text)
    raise argparse.ArgumentTypeError(f"{text!r}: expected 'all' or a meeting number from 1 to {max(MEETINGS)}")


def init_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", type=Path, help="the workbook folder to create")
    p.add_argument("--district", default="My district", help="district name (default: My district)")
    p.add_argument("--school", default="", help="a school name, if the team works on one school")
    p.add_argument("--data", type=Path, action="append", default=[], metavar="FILE",
                   help="a data file (student records or counts); repeat for several")
    p.add_argument("--group", default="Students with disabilities", help="target group (label or EDFacts code)")
    p.add_argument("--outcome", default="graduation", help="target outcome (id, label or code)")
    p.add_argument("--comparison", default="all other children",
                   help="all other children (default), all children, the state, or a group name")
    p.add_argument("--min-group-size", type=int, default=10, metavar="N",
                   help="privacy: fewest children behind any figure shown (default 10)")
    p.add_argument("--first-meeting", type=_date, metavar="YYYY-MM-DD",
                   help="date of meeting 1 (default: four weeks from today); the others follow every 3 weeks")
    p.add_argument("--force", action="store_true", help="overwrite an existing workbook.yml")
    p.add_argument("--demo", action="store_true",
                   help="a copy of the demo district's workbook, team work and data, to try things on")


@command("init", INIT_HELP, init_arguments)
def cmd_init(args: argparse.Namespace) -> int:
    from .. import workbook

    if args.demo:
        from ..demo_workbook import copy_demo

        file = copy_demo(args.dir, overwrite=args.force)
        print(f"Created {file}, a copy of the demo district's workbook.\nTry:\n"
              f"  successgaps handouts {args.dir}\n  successgaps lab {args.dir}")
        return 0
    file = workbook.init(args.dir, district=args.district, school=args.school, data_files=args.data,
                         group=args.group, outcome=args.outcome, comparison=args.comparison,
                         min_group_size=args.min_group_size, first_meeting=args.first_meeting,
                         overwrite=args.force)
    print(f"Created {file}.\nEdit it (team, meeting places and times, data files), then run:\n"
          f"  successgaps handouts {args.dir}")
    return 0


def handouts_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", type=Path, help="the workbook folder (holding workbook.yml)")
    p.add_argument("--meeting", type=_meeting, action="append", metavar="N|all",
                   help="a meeting number, or 'all' (default); repeat for several")
    p.add_argument("--out", type=Path, help="output folder (default: DIR/handouts)")
    p.add_argument("--jobs", type=int, default=2, metavar="N",
                   help="meetings built at the same time (default 2: one per core on a 2-core machine)")
    p.add_argument("--no-pdf", dest="pdf", action="store_false", help="HTML only, no PDF (no Chromium needed)")
    p.add_argument("--only", action="append", metavar="DOCUMENT",
                   help="only this document: handout, agenda-facilitator, agenda-team, evaluation-form, "
                        "invitation, action-plan-form, what-is-a-success-gap, invitation-email, reminder-email, "
                        "root-cause-worksheet, progress-monitoring-form, slides (as named in "
                        "templates/documents.yml); repeat for several")
    p.add_argument("--notebooks", type=Path, help=argparse.SUPPRESS)  # another notebooks/ folder (development)
    p.add_argument("--quiet", action="store_true", help="no progress bar")


@command("handouts", HANDOUTS_HELP, handouts_arguments)
def cmd_handouts(args: argparse.Namespace) -> int:
    from .. import workbook
    from ..handouts import build_handouts

    wanted = args.meeting or ["all"]
    meetings = "all" if "all" in wanted else sorted(set(wanted))
    book = workbook.load(args.dir)
    started = time.perf_counter()
    files = build_handouts(args.dir, meetings, out=args.out, jobs=args.jobs, pdf=args.pdf,
                           notebooks=args.notebooks, documents=args.only, progress=not args.quiet)
    seconds = time.perf_counter() - started
    out = Path(args.out) if args.out else book.directory / "handouts"
    pdfs = sum(f.suffix == ".pdf" for f in files)
    print(f"Wrote {len(files)} files ({pdfs} PDF) to {out} in {seconds:.1f} s.")
    missing = book.missing_roles()
    if missing:
        print("Note: no team member yet for: " + "; ".join(r.label for r in missing) + ".", file=sys.stderr)
    return 0
