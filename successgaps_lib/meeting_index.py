"""The page the room's server opens on: the team's meetings, the next one first.

Voila's own index is a bare list of file names (``meeting_1.ipynb``...). ``successgaps present``
replaces it (``write_index``: the ``tree.html`` and ``tree-lab.html`` pages of our Voila
template) with the workbook's schedule: each meeting's number, title, date, time and place,
the next meeting first and marked, then the later ones, then the meetings already held
(newest first). A workbook with no schedule lists the seven meetings of the process.

Everything printed comes from ``workbook.yml`` and is escaped, for HTML and for the Jinja
template the page is (a ``{{`` in a place name is text, never template code).

>>> import datetime as dt
>>> from successgaps_lib.paths import DEMO_WORKBOOK
>>> from successgaps_lib import workbook as workbooks
>>> wb = workbooks.load(DEMO_WORKBOOK, check_files=False)
>>> [(n, state) for n, state, *_ in meeting_rows(wb, dt.datetime(2025, 11, 1, tzinfo=dt.UTC))][:3]
[(4, 'next'), (5, 'later'), (6, 'later')]
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

from . import workbook as workbooks
from .groups import MEETINGS
from .words import clock, long_date

#: The pages of our Voila template that show the served folder (Voila's lab and classic trees).
TREE_PAGES = ("tree-lab.html", "tree.html")


def _when(wb: workbooks.Workbook, m: workbooks.MeetingPlan) -> str:
    return f"{long_date(m.start)}, {clock(m.start)} to {clock(m.end)}"  # as the letters and agendas write it


def meeting_rows(wb: workbooks.Workbook, now: dt.datetime) -> list[tuple[int, str, str, str, str]]:
    """(number, state, title, when, place) per meeting: the next first ('next'), then 'later'
    ones, then those already held ('held', newest first)."""
    if not wb.meetings:
        return [(n, "later", m.title, "", "") for n, m in MEETINGS.items()]
    coming = [m for m in wb.meetings if wb.moment(m.end) >= now]
    held = [m for m in wb.meetings if wb.moment(m.end) < now]
    rows = []
    for k, m in enumerate(coming):
        rows.append((m.number, "next" if k == 0 else "later", m.title or MEETINGS[m.number].title,
                     _when(wb, m), m.place))
    for m in reversed(held):
        rows.append((m.number, "held", m.title or MEETINGS[m.number].title, _when(wb, m), m.place))
    return rows


def _text(value: str) -> str:
    """Escaped for HTML, and with no Jinja delimiter left in it."""
    return html.escape(value).replace("{", "&#123;").replace("}", "&#125;").replace("%", "&#37;")


LABELS = {"next": "Next meeting", "later": "Coming", "held": "Held"}


def index_template(wb: workbooks.Workbook, now: dt.datetime) -> str:
    """The index page, as a Jinja template of our Voila template (links carry the page's query)."""
    items = []
    for number, state, title, when, place in meeting_rows(wb, now):
        link = f"{{{{ base_url }}}}voila/render/meeting_{number}.ipynb?{{{{ query }}}}"
        where = " · ".join(_text(p) for p in (when, place) if p)
        current = ' aria-current="date"' if state == "next" else ""
        items.append(f'<li class="sg-meeting sg-{state}"{current}><a href="{link}">'
                     f'<span class="sg-state">{LABELS[state]}</span> '
                     f'<b>Meeting {number}: {_text(title)}</b><br><span class="sg-when">{where}</span></a></li>')
    title = _text(wb.name)
    return "\n".join([
        '{% extends "page.html" %}',
        f"{{% block title %}}{title}: meetings{{% endblock %}}",
        "{% block stylesheets %}{{ super() }}<style>",
        ".sg-index{max-width:60em;margin:2em auto;font-size:1.25rem;font-family:sans-serif}",
        ".sg-index ul{list-style:none;padding:0}.sg-index li{border:1px solid #ccc;margin:.5em 0;border-radius:4px}",
        ".sg-index li a{display:block;padding:.7em 1em;color:inherit;text-decoration:none}",
        ".sg-index li.sg-next{border:3px solid #1a5fb4;background:#eef4fb}.sg-index li.sg-held{opacity:.75}",
        ".sg-state{display:inline-block;min-width:8em;font-size:.85em;color:#444}",
        "</style>{% endblock %}",
        "{% block body %}",
        f'<main class="sg-index"><h1>{title}</h1><p>The team\'s meetings, the next one first.</p>',
        f'<ul>{"".join(items)}</ul></main>',
        "{% endblock %}",
        "",
    ])


def write_index(template_dir: Path, workbook_dir: Path, now: dt.datetime | None = None) -> list[Path]:
    """Write the index page into a copy of our Voila template; returns the files written."""
    wb = workbooks.load(workbook_dir, check_files=False)
    text = index_template(wb, now or dt.datetime.now(dt.UTC))
    written = []
    for name in TREE_PAGES:
        path = Path(template_dir) / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
