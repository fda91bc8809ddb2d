"""A throw-away copy of the demo workbook for tests that write to it or edit it."""

from __future__ import annotations

import shutil
from pathlib import Path

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo"


def copy_demo_workbook(base: Path, *, work: bool = True, edit=None) -> Path:
    """``base/workbook`` with the demo's workbook.yml (``edit``-ed if given) and, if ``work``, its team work.

    Only those two files are copied, so a store left in data/demo by a live session never leaks in;
    the data file (``../students.csv`` from the workbook) is linked, not copied.
    """
    folder = base / "workbook"
    folder.mkdir(parents=True)
    text = (DEMO / "workbook" / "workbook.yml").read_text(encoding="utf-8")
    (folder / "workbook.yml").write_text(edit(text) if edit else text, encoding="utf-8")
    if work:
        shutil.copy(DEMO / "workbook" / "team_work.json", folder / "team_work.json")
    (base / "students.csv").symlink_to(DEMO / "students.csv")
    return folder


def clock_during_meeting(folder: Path, number: int):
    """A store clock in the middle of meeting ``number`` of the workbook in ``folder``: work entered
    by it is part of that meeting's handout (handouts show the work as it stood when the meeting ended)."""
    from successgaps_lib import workbook as wbk

    book = wbk.load(folder, check_files=False)
    meeting = book.meeting(number)
    moment = book.moment(meeting.start + (meeting.end - meeting.start) / 2)
    return lambda: moment
