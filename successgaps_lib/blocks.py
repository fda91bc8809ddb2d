"""Blocks of a meeting handout: paragraphs, lists, notes and tables, as HTML with a plain-text twin.

A meeting notebook shows what ``meeting.Meeting`` returns; most of it is a ``Block``. In
JupyterLab and in the handout (nbconvert keeps the ``text/html`` output) a block is HTML; in a
console, a log or a golden file it is its plain text (Markdown-like). Everything a team typed is
escaped here, so a note holding ``<b>`` or ``|`` prints as typed and cannot break the page.

Blocks carry a class that says what they hold, so a reader (and the tests) can tell data from
team work: ``sg-statement`` (the success gap statement), ``sg-data`` (figures about children,
always from a protected table), ``sg-teamwork`` (what the team entered), ``note`` (a remark).

>>> b = table(pd.DataFrame({"Indicator": ["DB-1"], "Rating": ["<Planning>"]}), kind="sg-teamwork")
>>> print(b.html)  # doctest: +NORMALIZE_WHITESPACE
<table class="sg-teamwork"><thead><tr><th>Indicator</th><th>Rating</th></tr></thead>
<tbody><tr><td>DB-1</td><td>&lt;Planning&gt;</td></tr></tbody></table>
>>> print(b)
| Indicator | Rating |
|---|---|
| DB-1 | <Planning> |
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

import pandas as pd

from .teamwork import markdown_table


class Block:
    """Something to show: ``html`` for notebooks and handouts, ``text`` for everything else."""

    def __init__(self, html_text: str, text: str):
        self.html = html_text
        self.text = text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.html)

    def __add__(self, other: Block) -> Block:
        return join([self, other])


def join(blocks: Iterable[Block]) -> Block:
    """Several blocks as one (empty blocks are left out)."""
    blocks = [b for b in blocks if b]
    return Block("\n".join(b.html for b in blocks), "\n\n".join(b.text for b in blocks))


def empty() -> Block:
    return Block("", "")


def paragraph(text: str, *, kind: str = "") -> Block:
    """One paragraph of plain text."""
    cls = f' class="{kind}"' if kind else ""
    return Block(f"<p{cls}>{_escape(text)}</p>", text)


def heading(text: str, level: int = 3) -> Block:
    """A heading inside an output (a notebook's own Markdown headings are level 2)."""
    return Block(f"<h{level}>{_escape(text)}</h{level}>", f"{'#' * level} {text}")


def note(text: str) -> Block:
    """A remark set apart from the content (nothing recorded yet, a role missing, ...)."""
    return Block(f'<div class="note"><p>{_escape(text)}</p></div>', f"> {text}")


def statement(text: str) -> Block:
    """The success gap statement, set apart as a quotation."""
    return Block(f'<blockquote class="sg-statement"><p>{_escape(text)}</p></blockquote>', f"> {text}")


def bullets(items: Sequence[str], *, ordered: bool = False, kind: str = "") -> Block:
    """A list of plain-text items."""
    tag = "ol" if ordered else "ul"
    cls = f' class="{kind}"' if kind else ""
    body = "".join(f"<li>{_escape(item)}</li>" for item in items)
    text = "\n".join(f"{f'{n}.' if ordered else '-'} {item}" for n, item in enumerate(items, 1))
    return Block(f"<{tag}{cls}>{body}</{tag}>", text)


def table(frame: pd.DataFrame, *, kind: str, caption: str = "", numeric: Iterable[str] = ()) -> Block:
    """A DataFrame of text as a plain table; columns in ``numeric`` are right-aligned."""
    numeric = set(numeric)

    def cell(tag: str, column, text: str) -> str:
        cls = ' class="num"' if column in numeric else ""
        return f"<{tag}{cls}>{_escape(text)}</{tag}>"

    head = "".join(cell("th", c, str(c)) for c in frame.columns)
    rows = []
    for values in frame.itertuples(index=False):
        cells = [cell("td", c, "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
                 for c, v in zip(frame.columns, values, strict=True)]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    cap = f"<caption>{_escape(caption)}</caption>" if caption else ""
    page = (f'<table class="{kind}">{cap}<thead><tr>{head}</tr></thead>'
            f"\n<tbody>{''.join(rows)}</tbody></table>")
    text = (f"{caption}\n\n" if caption else "") + markdown_table(frame)
    return Block(page, text)


def _escape(text: str) -> str:
    """Escape for HTML; a line break the team typed stays a line break."""
    return html.escape(str(text), quote=False).replace("\r\n", "\n").replace("\n", "<br>")
