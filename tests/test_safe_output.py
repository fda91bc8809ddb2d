"""Issue 9, item 2 (first half): no script in anything the workbook writes.

Hostile text in the workbook (district, names, places, homework) or the store reaches handouts
escaped, Markdown links only for http(s)/mailto, every page declares a Content-Security-Policy,
and the offline check looks at what a page loads (not its text).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from successgaps_lib import handouts, safe_html
from successgaps_lib import workbook as wbk
from tests.demo_copy import copy_demo_workbook

SVG = '"><svg onload=alert(1)>'
LINK = "[x](javascript:alert(1))"


def hostile(text: str) -> str:
    return (text.replace("district: Riverside Unified (demo)", f"district: '{SVG}'")
                .replace("name: Maria Delgado", f"name: '{LINK} Delgado'")
                .replace("name: Jordan Ellis", "name: '<img src=x onerror=alert(2)> Ellis'")
                .replace("place: Riverside High School, library (room 112)",
                         "place: '[here](vbscript:x) <b onmouseover=alert(4)>room</b>'", 1)
                .replace("      Read the introduction",
                         f"      {LINK} <a href=javascript:alert(5)>y</a> Read the introduction"))


class _Live(HTMLParser):
    """What in a page could run: script elements, on* handlers, script or data: links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "object", "embed"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            target = "".join((value or "").split()).lower()
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            elif name in ("href", "src", "xlink:href", "action", "formaction") and target.startswith(
                    ("javascript:", "vbscript:", "data:text", "data:application")):
                self.found.append(f"<{tag} {name}={value}>")

    handle_startendtag = handle_starttag


def no_script(page: str) -> None:
    live = _Live()
    live.feed(page)
    live.close()
    assert live.found == []
    # In CSS (the footer's @page string) a "<" is escaped, so no element can start there.
    for style in re.findall(r"(?is)<style[^>]*>(.*?)</style>", page):
        assert "<" not in style
    assert safe_html.declared_policy(page) == safe_html.CONTENT_SECURITY_POLICY


@pytest.fixture
def book(tmp_path):
    return wbk.load(copy_demo_workbook(tmp_path, edit=hostile))


def test_district_name_cannot_run_in_the_notebook_handout(book):
    dirs = handouts.template_dirs(book)
    nb = new_notebook(cells=[new_markdown_cell(f"Some text {LINK}"), new_code_cell("x", outputs=[new_output(
        "display_data", data={"text/html": "<p>A note: minutes at https://example.org/minutes</p>",
                              "text/plain": "x"}), new_output("display_data", data={"text/markdown": f"A note: {LINK}",
                                                             "text/plain": "y"})])])
    page = handouts.export_handout(nb, handouts.meeting_context(book, 1, dirs), dirs, "m.ipynb")
    no_script(page)
    assert "&lt;svg onload=alert(1)&gt;" in page or "&#34;&gt;&lt;svg" in page or "&quot;&gt;&lt;svg" in page
    # The unsafe links are left as their text (so a test without the safe renderer would fail here).
    assert "Some text x" in page and "A note: x" in page
    # A URL typed in a note is text, not a load: the handout builds.
    assert "https://example.org/minutes" in page


def test_names_cannot_become_links_or_markup_in_documents(book, tmp_path):
    files = handouts.build_handouts(book.directory, 1, out=tmp_path / "out", pdf=False, progress=False,
                                    documents=["invitation", "agenda-team", "agenda-facilitator"])
    assert files
    for file in files:
        if file.suffix == ".docx":  # the Word copies: no link may lead anywhere but http(s) and mailto
            import zipfile

            with zipfile.ZipFile(file) as docx:
                links = " ".join(docx.read(n).decode() for n in docx.namelist() if n.endswith(".rels"))
            assert "javascript:" not in links.lower() and "data:" not in links.lower()
            continue
        page = file.read_text(encoding="utf-8")
        no_script(page)
        assert "<img src=x" not in page


def test_offline_check_reads_loads_not_text():
    assert safe_html.loaded_urls("<td>see https://example.org and //x.example/y</td>") == []
    assert safe_html.loaded_urls('<a href="https://ideadata.org">IDC</a>') == []
    assert safe_html.loaded_urls('<link rel="stylesheet" href="https://cdn.example/a.css">') == [
        "https://cdn.example/a.css"]
    assert safe_html.loaded_urls('<img srcset="https://a.example/1.png 1x, data:image/png;base64,AA 2x">') == [
        "https://a.example/1.png"]
    assert safe_html.loaded_urls('<svg><image href="http://t.example/p.png"/></svg>') == ["http://t.example/p.png"]
    assert safe_html.loaded_urls('<meta http-equiv="refresh" content="0; url=https://t.example/">') == [
        "https://t.example/"]
    with pytest.raises(handouts.HandoutError, match=r"t\.example"):
        handouts.check_self_contained('<p style="background: url(https://t.example/p)">x</p>', "x")


@pytest.mark.parametrize(("url", "kept"), [
    ("https://ideadata.org", True), ("http://x.example", True), ("mailto:a@example.org", True),
    ("javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False), ("vbscript:x", False),
    ("data:text/html,<script>alert(1)</script>", False), ("file:///etc/passwd", False)])
def test_markdown_keeps_only_http_and_mailto_links(url, kept):
    out = safe_html.markdown_html(f"[text]({url}) and <{url}>")
    assert ("<a " in out) is kept
    assert "javascript" not in out.lower().replace("javascript:alert(1)&gt;", "") or not kept


def test_markdown_images_only_from_data():
    assert "<img" not in safe_html.markdown_html("![a chart](https://t.example/p.png)")
    assert "<img" in safe_html.markdown_html("![a chart](data:image/png;base64,AA==)")
