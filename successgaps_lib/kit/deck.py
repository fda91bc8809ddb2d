"""A meeting's presentation: an offline HTML slide deck and the same deck as an editable PowerPoint file.

The slides, in order: the title (meeting, date, place), the purpose (the agenda's objectives),
the agenda (timed steps), the norms, the success gap statement, the data slides of the meeting
(``meeting.Meeting.slides``: protected figures only), what the team does today (the steps in
the team's words), and the homework with the next meeting. Words are in
``templates/slides/deck.yml``; the HTML layout is ``templates/slides/deck.html.j2``.

- **HTML** (``meeting-NN-slides.html``): one self-contained page, one slide per screen (CSS
  scroll snapping: Page Down moves on, F11 presents), one slide per landscape page in print.
  No script and nothing from the network (``handouts.check_self_contained``); charts are SVG
  images with their text alternative as the caption.
- **PowerPoint** (``meeting-NN-slides.pptx``, python-pptx): the same slides as text boxes a
  facilitator edits in Office; charts as PNG images (vl-convert, no browser) with their text
  alternative in the slide's notes and as the picture's description.

>>> from types import SimpleNamespace as Thing
>>> from successgaps_lib.charts import SvgFigure
>>> start = dt.datetime(2025, 9, 16, 16, 0)
>>> plan = Thing(number=1, title="Getting started", date=start.date(), time=start.time(),
...              end=start + dt.timedelta(hours=2), place="Library")
>>> chart = SvgFigure("<svg xmlns='http://www.w3.org/2000/svg'/>", "Graduation, 2024-25. 71.6% graduated.")
>>> meeting = Thing(number=1, workbook=Thing(meeting=lambda n: plan), statement_text="In 2025, ...",
...                 slides=lambda: [chart], context={"agenda": {"objectives": ["Meet."]}, "homework": "Read.",
...                 "next_meeting_text": "Oct 7.", "steps": [{"start": start, "activity": "Welcome", "team": "Hi."}]})
>>> slides = deck_slides({"norms": ["We start on time."]}, meeting)
>>> [s.kind for s in slides]
['title', 'purpose', 'agenda', 'norms', 'statement', 'data', 'activities', 'homework']
>>> slides[5].title, slides[5].notes
('Graduation, 2024-25', 'Graduation, 2024-25. 71.6% graduated.')
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

_READING = threading.Lock()
DEFAULT_TITLES = {"purpose": "What we want to achieve today", "agenda": "Agenda", "norms": "How we work together",
                  "statement": "Our success gap", "activities": "What we do today",
                  "homework": "Before the next meeting"}


@dataclass
class Slide:
    """One slide: ``kind`` (title, purpose, agenda, norms, statement, data, note, activities, homework)."""

    kind: str
    title: str
    bullets: list[str] = field(default_factory=list)
    text: str = ""
    svg: str = ""  # a chart
    alt: str = ""  # its text alternative
    notes: str = ""

    @property
    def image(self) -> str:
        """The chart as a ``data:`` URI for the HTML deck."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode() if self.svg else ""


def _plain(text: Any) -> str:
    return " ".join(str(text.unescape() if isinstance(text, Markup) else text).split())


def _chart_title(description: str) -> str:
    """A data slide's title: the first sentence of its chart's text alternative."""
    first = re.split(r"(?<=[a-z0-9)])\.\s", description, maxsplit=1)[0].rstrip(".")
    return first if len(first) <= 90 else first[:87].rsplit(" ", 1)[0] + "..."


def deck_slides(words: dict, meeting) -> list[Slide]:
    """The slides of one meeting. ``meeting`` is a ``meeting.Meeting`` (or anything with its
    ``workbook``, ``number``, ``context``, ``statement_text`` and ``slides()``)."""
    from ..charts import SvgFigure
    from ..words import clock, long_date

    titles = {**DEFAULT_TITLES, **(words.get("titles") or {})}
    notes = words.get("notes") or {}
    context, plan = meeting.context, meeting.workbook.meeting(meeting.number)
    steps = context["steps"]
    out = [Slide("title", f"Meeting {plan.number}: {plan.title}",
                 [f"{long_date(plan.date)}, {clock(plan.time)} to {clock(plan.end.time())}", plan.place])]
    out.append(Slide("purpose", titles["purpose"], [_plain(o) for o in context["agenda"]["objectives"]],
                     notes=_plain(notes.get("purpose", ""))))
    out.append(Slide("agenda", titles["agenda"],
                     [f"{clock(s['start'])}  {_plain(s['activity'])}" for s in steps],
                     notes=_plain(notes.get("agenda", ""))))
    out.append(Slide("norms", titles["norms"], [_plain(n) for n in words.get("norms") or []],
                     notes=_plain(notes.get("norms", ""))))
    out.append(Slide("statement", titles["statement"], text=_plain(meeting.statement_text),
                     notes=_plain(notes.get("statement", ""))))
    for shown in meeting.slides():
        if isinstance(shown, SvgFigure):
            out.append(Slide("data", _chart_title(shown.description), svg=shown.svg, alt=shown.description,
                             notes=shown.description))
        else:  # a note: nothing to draw, and why
            said = _plain(getattr(shown, "text", shown)).lstrip("> ")
            out.append(Slide("note", titles.get("data", "The data"), text=said))
    out.append(Slide("activities", titles["activities"],
                     [f"{_plain(s['activity'])}: {_plain(s['team'])}" if s.get("team") else _plain(s["activity"])
                      for s in steps], notes=_plain(notes.get("activities", ""))))
    out.append(Slide("homework", titles["homework"], text=_plain(context["homework"]),
                     bullets=[f"Next meeting: {_plain(context['next_meeting_text'])}"],
                     notes=_plain(notes.get("homework", ""))))
    return out


# --- Building the files ----------------------------------------------------------------------------

def deck_words(dirs: list[Path]) -> dict:
    """templates/slides/deck.yml (titles, norms, notes); {} when there is none."""
    from ..handouts import _find, _read_yaml

    path = _find(dirs, "slides/deck.yml")
    data = _read_yaml(path) if path else {}
    return data if isinstance(data, dict) else {}


def notebook_figures(nb) -> tuple[list, str]:
    """The charts (``charts.SvgFigure``) and the success gap statement an executed meeting notebook
    displayed, in order: the deck then shows exactly what the handout shows, without drawing it again.

    >>> from nbformat.v4 import new_code_cell, new_notebook, new_output
    >>> svg = "<svg xmlns='http://www.w3.org/2000/svg'/>"
    >>> nb = new_notebook(cells=[new_code_cell("m.statement()", outputs=[new_output("display_data", data={
    ...     "text/html": '<blockquote class="sg-statement"><p>In 2025, 71.6% &amp; more.</p></blockquote>',
    ...     "text/plain": "> In 2025"})]), new_code_cell("display(*m.slides())", outputs=[new_output(
    ...     "display_data", data={"image/svg+xml": svg, "text/plain": "Chart: Rates, 2024-25."})])])
    >>> figures, statement = notebook_figures(nb)
    >>> [f.description for f in figures], statement
    (['Rates, 2024-25.'], 'In 2025, 71.6% & more.')
    """
    import html

    from ..charts import SvgFigure

    figures, statement = [], ""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            plain = str(data.get("text/plain", ""))
            if "image/svg+xml" in data and plain.startswith("Chart: "):
                figures.append(SvgFigure(str(data["image/svg+xml"]), plain.removeprefix("Chart: ")))
            found = re.search(r'(?s)<blockquote class="sg-statement"><p>(.*?)</p>', str(data.get("text/html", "")))
            if found and not statement:
                statement = html.unescape(re.sub(r"<[^>]+>", "", found[1]))
    return figures, statement


class _Shown:
    """A meeting whose charts and statement come from its executed notebook (``notebook_figures``)."""

    def __init__(self, meeting, figures: list, statement: str):
        self.workbook, self.number, self.context = meeting.workbook, meeting.number, meeting.context
        self._figures, self.statement_text = figures, statement

    def slides(self) -> list:
        return list(self._figures)


def build_deck(spec, context: dict, dirs: list[Path], stem: Path) -> list[Path]:
    """Write ``stem``.html and ``stem``.pptx for the meeting of ``context``; returns both.

    When the meeting's notebook ran in this build (``context["executed_notebook"]``), its charts
    and statement are used; otherwise they are drawn from the data (``meeting.Meeting``).
    """
    from ..handouts import _environment, _head, check_self_contained, write_page
    from ..meeting import Meeting

    workbook, number = context["workbook"], context["meeting"].number
    meeting = Meeting.open(workbook.directory, number)
    figures, statement = notebook_figures(context["executed_notebook"]) if context.get("executed_notebook") \
        else ([], "")
    if figures and statement:
        meeting = _Shown(meeting, figures, statement)
    else:
        with _READING:  # meetings built side by side read the data once (its cache is per process)
            meeting.gaps  # noqa: B018 - reads and measures the data
    slides = deck_slides(deck_words(dirs), meeting)
    env = _environment(dirs)
    title = f"{workbook.name}: meeting {number}, {spec.title}"
    head = _head(env, dirs, title, f"{workbook.name} · Meeting {number} · {spec.title}")
    page = env.get_template(spec.template).render(head=head, slides=slides, workbook=workbook)
    html_file = stem.with_suffix(".html")
    write_page(html_file, check_self_contained(page, spec.template))
    return [html_file, write_pptx(slides, stem.with_suffix(".pptx"), title=title, footer=workbook.name)]


def _png(svg: str) -> tuple[bytes, float]:
    """The chart as PNG at twice its size (sharp on a projector), and its width / height."""
    import vl_convert

    png = vl_convert.svg_to_png(svg, scale=2)
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")  # the IHDR chunk
    return png, width / height if height else 1.6


def write_pptx(slides: list[Slide], path: Path, *, title: str = "", footer: str = "") -> Path:
    """The slides as an editable PowerPoint file (16:9)."""
    from pptx import Presentation
    from pptx.util import Inches, Pt

    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    deck.core_properties.title = title
    deck.core_properties.author = "Success Gaps Workbook"
    deck.core_properties.modified = dt.datetime(2000, 1, 1)  # stable files: no build time inside
    width, height = deck.slide_width, deck.slide_height
    for s in slides:
        if s.kind == "title":
            slide = deck.slides.add_slide(deck.slide_layouts[0])
            slide.shapes.title.text = s.title
            slide.placeholders[1].text = "\n".join([footer, *s.bullets]) if footer else "\n".join(s.bullets)
        elif s.svg:
            slide = deck.slides.add_slide(deck.slide_layouts[5])  # title only
            slide.shapes.title.text = s.title
            png, ratio = _png(s.svg)
            box_w, box_h = width - Inches(1), height - Inches(2)
            w = min(box_w, int(box_h * ratio))
            picture = slide.shapes.add_picture(io.BytesIO(png), Inches(0.5), Inches(1.6), width=w)
            picture._element.nvPicPr.cNvPr.set("descr", s.alt)  # the picture's alt text in Office
        else:
            slide = deck.slides.add_slide(deck.slide_layouts[1])  # title and content
            slide.shapes.title.text = s.title
            body = slide.placeholders[1]
            body.left, body.top = Inches(0.7), Inches(1.6)
            body.width, body.height = width - Inches(1.4), height - Inches(2.2)
            frame = body.text_frame
            lines = ([s.text] if s.text else []) + s.bullets
            for i, line in enumerate(lines):
                paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
                paragraph.text = line
                paragraph.font.size = Pt(24 if s.kind == "statement" else 20)
        slide.shapes.title.left, slide.shapes.title.width = Inches(0.5), width - Inches(1)
        if s.notes:
            slide.notes_slide.notes_text_frame.text = s.notes
    deck.save(str(path))
    return path
