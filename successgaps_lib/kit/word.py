"""Agendas and forms as editable Word files, made from the very HTML the page and the PDF show.

A facilitator who wants to change a form in Word gets the same headings, paragraphs, lists,
tables, tick boxes and writing space as the printed page: ``write_docx`` walks the document's
HTML body (``handouts.document_body``) and writes each element with python-docx. The HTML the
Markdown templates produce is small and known: headings, paragraphs, lists, tables, bold and
italic, line breaks, and the form pieces of handout.css (``write-in`` lines, ``write-box``
boxes, ``box`` tick boxes, ``page-break``). Anything else keeps its text.

>>> import tempfile, pathlib
>>> from docx import Document
>>> body = ('<h1>Action plan</h1><p><strong>Goal:</strong> raise it</p><div class="write-in"></div>'
...         '<table><thead><tr><th>Activity</th><th>Who</th></tr></thead><tbody><tr><td>Reset room</td>'
...         '<td>Sam</td></tr></tbody></table><ul><li><span class="box"></span> Print it</li></ul>')
>>> path = write_docx(body, pathlib.Path(tempfile.mkdtemp()) / "form.docx", title="Form")
>>> doc = Document(path)
>>> [p.text for p in doc.paragraphs if p.text][:2], doc.tables[0].cell(1, 0).text
(['Action plan', 'Goal: raise it'], 'Reset room')
>>> doc.core_properties.title
'Form'
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from docx import Document
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

BOX = "\u2610"  # ☐, a tick box
WRITE_IN = "_" * 70
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}


def write_docx(body: str, path: Path, *, title: str = "") -> Path:
    """Write the HTML ``body`` of a document as a Word file at ``path``; returns ``path``."""
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Liberation Sans"
    style.font.size = Pt(11)
    document.core_properties.title = title
    document.core_properties.author = "Success Gaps Workbook"
    _Writer(document).feed(body)
    document.save(str(path))
    return path


class _Writer(HTMLParser):
    """Writes HTML elements into a python-docx Document as they arrive."""

    def __init__(self, document):
        super().__init__(convert_charrefs=True)
        self.doc = document
        self.paragraph = None  # the paragraph text goes into
        self.bold = self.italic = 0
        self.lists: list[str] = []  # ul / ol, innermost last
        self.table_rows: list[list[tuple[str, list]]] | None = None  # rows of (tag, runs)
        self.cell: list | None = None  # runs of the current cell: (text, bold, italic) or "\n"
        self.header_rows = 0
        self.in_head = False

    # -- text ---------------------------------------------------------------------------------------

    def _add(self, text: str) -> None:
        if self.cell is not None:
            self.cell.append((text, bool(self.bold), bool(self.italic)))
            return
        if not text.strip() and self.paragraph is None:
            return
        if self.paragraph is None:
            self.paragraph = self.doc.add_paragraph()
        run = self.paragraph.add_run(text)
        run.bold, run.italic = bool(self.bold) or None, bool(self.italic) or None

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if data[:1].isspace() and text:
            text = " " + text
        if data[-1:].isspace() and text:
            text += " "
        if text:
            self._add(text)

    # -- elements -----------------------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs) -> None:
        cls = (dict(attrs).get("class") or "").split()
        if tag in ("td", "th") and self.table_rows is not None:
            self.cell = []
            self.bold += tag == "th"
        elif tag in HEADINGS:
            self.paragraph = self.doc.add_heading("", level=HEADINGS[tag])
        elif tag in ("p", "blockquote", "dt", "dd") and self.cell is None:
            self.paragraph = self.doc.add_paragraph(style="Quote" if tag == "blockquote" else None)
        elif tag in ("ul", "ol"):
            self.lists.append(tag)
        elif tag == "li":
            style = "List Number" if self.lists and self.lists[-1] == "ol" else "List Bullet"
            self.paragraph = self.doc.add_paragraph(style=style)
        elif tag in ("strong", "b"):
            self.bold += 1
        elif tag in ("em", "i"):
            self.italic += 1
        elif tag == "br":
            if self.cell is not None:
                self.cell.append("\n")
            elif self.paragraph is not None:
                self.paragraph.add_run().add_break()
        elif tag == "span" and "box" in cls:
            self._add(BOX + " ")
        elif tag == "div" and "write-in" in cls:
            self.doc.add_paragraph(WRITE_IN)
            self.paragraph = None
        elif tag == "div" and "write-box" in cls:
            self._write_box()
        elif tag == "div" and "page-break" in cls:
            self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            self.paragraph = None
        elif tag == "table":
            self.table_rows, self.header_rows = [], 0
            self.paragraph = None
        elif tag == "thead":
            self.in_head = True
        elif tag == "tr" and self.table_rows is not None:
            self.table_rows.append([])
            self.header_rows += self.in_head

    def handle_endtag(self, tag: str) -> None:
        if tag in (*HEADINGS, "p", "li", "blockquote", "dt", "dd"):
            self.paragraph = None
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag in ("strong", "b", "th"):
            self.bold = max(0, self.bold - 1)
            if tag == "th":
                self._end_cell()
        elif tag in ("em", "i"):
            self.italic = max(0, self.italic - 1)
        elif tag == "td":
            self._end_cell()
        elif tag == "thead":
            self.in_head = False
        elif tag == "table" and self.table_rows is not None:
            self._table()
            self.table_rows = None

    def _end_cell(self) -> None:
        if self.cell is not None and self.table_rows:
            self.table_rows[-1].append(self.cell)
        self.cell = None

    # -- blocks -------------------------------------------------------------------------------------

    def _table(self) -> None:
        rows = [r for r in self.table_rows if r]
        if not rows:
            return
        width = max(len(r) for r in rows)
        table = self.doc.add_table(rows=len(rows), cols=width)
        table.style = "Table Grid"
        for i, row in enumerate(rows):
            for j, runs in enumerate(row):
                paragraph = table.cell(i, j).paragraphs[0]
                for part in runs:
                    if part == "\n":
                        paragraph.add_run().add_break()
                    else:
                        text, bold, italic = part
                        run = paragraph.add_run(text)
                        run.bold, run.italic = bold or None, italic or None
        for i in range(min(self.header_rows, len(rows))):  # header rows repeat on every page
            properties = table.rows[i]._tr.get_or_add_trPr()
            header = OxmlElement("w:tblHeader")
            header.set(qn("w:val"), "true")
            properties.append(header)
        self.doc.add_paragraph()

    def _write_box(self) -> None:
        """A box to write in: a one-cell table with room for a few lines."""
        table = self.doc.add_table(rows=1, cols=1)
        table.style = "Table Grid"
        cell = table.cell(0, 0)
        cell.paragraphs[0].add_run().add_break()
        cell.add_paragraph()
        cell.add_paragraph()
        self.paragraph = None
