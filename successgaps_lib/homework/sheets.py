"""The printable rating sheet: one per member, every indicator of the homework on paper.

Each sheet lists, section by section, every indicator with its statement, its probing
questions and the four level descriptions, a box to tick per level, lines for evidence and
notes, and the member's personal link when there is one (``homework.links``). It is an HTML
page from ``templates/homework/rating-sheet.html.j2`` (a workbook's own ``templates/`` wins),
autoescaped, with the handouts' look, Content-Security-Policy and offline check, and printed
to PDF by the handouts' Chromium printer.

>>> from successgaps_lib import paths, workbook as workbooks
>>> from successgaps_lib.homework import assignment
>>> wb = workbooks.load(paths.DEMO_WORKBOOK, check_files=False)
>>> page = sheet_html(assignment(wb, 4), wb.team[0])
>>> "Rating sheet: Maria Delgado" in page, page.count('class="indicator"'), page.count("&#9744;")
(True, 5, 20)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from markupsafe import Markup

from .. import handouts
from ..groups import RATING_SCALE
from ..workbook import Member
from . import Assignment

TEMPLATE = "homework/rating-sheet.html.j2"
#: The document name (file names, ``handouts --only``).
NAME = "rating-sheet"
EVIDENCE_LINES = 3


def file_stem(work: Assignment, member: Member, handed_out: int | None = None) -> str:
    """``meeting-01-rating-sheet-maria-delgado`` in a meeting's handouts (handed out at meeting 1),
    ``meeting-02-rating-sheet-maria-delgado`` on its own (due at meeting 2)."""
    number = work.meeting.number if handed_out is None else handed_out
    return f"meeting-{number:02d}-{NAME}-{handouts.slug(member.name)}"


def sheet_html(work: Assignment, member: Member, link: str = "", dirs: list[Path] | None = None) -> str:
    """One member's rating sheet as a self-contained HTML page."""
    dirs = dirs or handouts.template_dirs(work.workbook)
    env = handouts._environment(dirs)
    wb = work.workbook
    title = f"{wb.name}: rating sheet for {member.name}, meeting {work.meeting.number}"
    head = handouts._head(env, dirs, title, f"{wb.name} · Rating sheet · {member.name}")
    page = env.get_template(TEMPLATE).render(
        head=Markup(head), workbook=wb, work=work, member=member, link=link, rating_scale=RATING_SCALE,
        evidence_lines=EVIDENCE_LINES)
    return handouts.check_self_contained(page, TEMPLATE)


def write_sheets(work: Assignment, folder: Path, *, links: Mapping[str, str] | None = None,
                 members: Iterable[Member] | None = None, handed_out: int | None = None,
                 printer: handouts.PdfPrinter | None = None, dirs: list[Path] | None = None,
                 tick: Callable[[str], None] = lambda _: None) -> list[Path]:
    """Write one sheet per member into ``folder`` (HTML, and PDF with a ``printer``); returns the files."""
    folder.mkdir(parents=True, exist_ok=True)
    links = links or {}
    pages = []
    for member in work.members if members is None else members:
        path = folder / f"{file_stem(work, member, handed_out)}.html"
        pages.append(handouts.write_page(path, sheet_html(work, member, links.get(member.name, ""), dirs)))
        tick(pages[-1].name)
    files = list(pages)
    if printer is not None:
        for page in pages:
            files.append(printer.print(page, page.with_suffix(".pdf")))
            tick(files[-1].name)
    return files
