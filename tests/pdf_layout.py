"""What a printed page must not do, read off the PDF with pdfplumber (issue 11, print-perfect pages).

``layout_problems(pdf)`` returns one line per problem:

- a **heading or table header alone at the foot of a page**: the last line of body text on a
  page (above the running footer) is set all in bold, nothing is drawn under it (a box to
  write in, empty rows of a form), and more of the document follows;
- a **page holding only a closing line**: a page after the first with at most
  ``ORPHAN_LINES`` lines of body text and nothing drawn under them (a signature, a "thank
  you" line);
- a **date or interval wrapped inside itself**: a line that ends inside "Feb 24, 2026",
  "September 2, 2025", "2025-09-02" or "12.1 to 18.4" and the next line that goes on with it.

``PAGE_BUDGET`` is how many pages each kind of document may take, by its file name.
Rows split across pages are prevented by the print style sheet (``break-inside: avoid`` on
every row) and are not read back here: a PDF does not say where a row ends.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pdfplumber

#: Lines of body text at or under which a page after the first counts as holding only a closing line.
ORPHAN_LINES = 3
#: Text at or below this height (points from the top of a Letter page, 792 pt) is the running footer.
FOOTER_TOP = 740

#: Pages each document may take: (pattern of the file name, at most).
PAGE_BUDGET = [
    (r"-invitation-", 1),
    (r"-evaluation-form\.pdf$", 1),
    (r"-agenda-team\.pdf$", 2),
    (r"-agenda-facilitator\.pdf$", 3),
    (r"-action-plan-form\.pdf$", 4),
    (r"-handout\.pdf$", 7),
    (r"-what-is-a-success-gap\.pdf$", 2),
    (r"-root-cause-worksheet\.pdf$", 3),
    (r"-progress-monitoring-form\.pdf$", 3),
    (r"-rating-sheet-", 10),
]

_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December|"
           "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec")
#: (end of a line, start of the next) that together are one date or one interval.
_WRAPS = [
    (re.compile(rf"\b({_MONTHS})\.?$"), re.compile(r"^\d{1,2}\b")),           # "Feb" / "24, 2026"
    (re.compile(rf"\b({_MONTHS})\.? \d{{1,2}},?$"), re.compile(r"^\d{4}\b")),  # "Feb 24," / "2026"
    (re.compile(r"\b\d{4}-(\d{2}-?)?$"), re.compile(r"^\d")),                 # "2025-" / "09-02"
    (re.compile(r"-?\d+(\.\d+)?%?$"), re.compile(r"^to -?\d")),                # "12.1" / "to 18.4"
    (re.compile(r"-?\d+(\.\d+)?%? to$"), re.compile(r"^-?\d")),                # "12.1 to" / "18.4"
]


def budget(name: str) -> int | None:
    """The page budget of a document by its file name (None: no budget)."""
    return next((most for pattern, most in PAGE_BUDGET if re.search(pattern, name)), None)


def _body_lines(page) -> list[dict]:
    return [line for line in page.extract_text_lines(strip=True) if line["top"] < FOOTER_TOP and line["text"]]


def _drawn_bottom(page) -> float:
    """How far down the page its drawing goes (boxes to write in, table rules, charts), above the footer."""
    bottoms = [o["bottom"] for kind in ("rects", "lines", "curves", "images") for o in getattr(page, kind)
               if o["top"] < FOOTER_TOP and o["bottom"] - o["top"] < page.height * 0.9]
    return max(bottoms, default=0.0)


def _bold(line: dict) -> bool:
    chars = [c for c in line["chars"] if c["text"].strip()]
    return bool(chars) and all("Bold" in c["fontname"] for c in chars)


def layout_problems(path: str | Path) -> list[str]:
    """Every print-layout problem of one PDF, one line each (empty: the document prints cleanly)."""
    path = Path(path)
    found: list[str] = []
    with pdfplumber.open(path) as pdf:
        pages = [_body_lines(page) for page in pdf.pages]
        drawn = [_drawn_bottom(page) for page in pdf.pages]
    most = budget(path.name)
    if most is not None and len(pages) > most:
        found.append(f"{path.name}: {len(pages)} pages, budget {most}")
    for number, lines in enumerate(pages, start=1):
        last = lines[-1]["bottom"] if lines else 0.0
        room_to_write = drawn[number - 1] - last > 12  # a line, box or empty rows to write in under the text
        if number > 1 and len(lines) <= ORPHAN_LINES and not room_to_write:
            text = " / ".join(line["text"] for line in lines)
            found.append(f"{path.name}: page {number} holds only {len(lines)} line(s): {text[:120]!r}")
        if number < len(pages) and lines and _bold(lines[-1]) and not room_to_write:
            found.append(f"{path.name}: page {number} ends on a heading or table header: {lines[-1]['text'][:80]!r}")
        for this, following in itertools.pairwise(lines):
            for end, start in _WRAPS:
                if end.search(this["text"]) and start.search(following["text"]):
                    found.append(f"{path.name}: page {number} wraps a date or interval: "
                                 f"{this['text'][-30:]!r} / {following['text'][:30]!r}")
    return found
