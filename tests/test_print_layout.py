"""Print-perfect pages: every PDF the demo builds is read back and checked (tests/pdf_layout.py).

The documents from templates (agendas, forms, letters: every kind in templates/documents.yml)
are printed here for every meeting; the meeting handouts are checked in
test_handout_content.py, which prints them already. Each PDF must keep its page budget, leave
no heading or table header alone at the foot of a page, no page holding only a closing line,
and no date or interval broken across lines.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from successgaps_lib.handouts import build_handouts, document_specs, template_dirs
from tests.pdf_layout import budget, layout_problems

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo" / "workbook"
CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> list[Path]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (`make setup` installs Debian's chromium as root)")
    out = tmp_path_factory.mktemp("printed")
    kinds = [spec.name for spec in document_specs(template_dirs())]  # e-mails and decks print no PDF
    files = build_handouts(DEMO, "all", out=out, documents=kinds, pdf=True, progress=False)
    return sorted(f for f in files if f.suffix == ".pdf")


def test_every_kind_of_document_is_printed_and_has_a_budget(printed):
    kinds = {spec.name for spec in document_specs(template_dirs()) if spec.format == "html"}
    for kind in kinds:
        pdfs = [f for f in printed if f"-{kind}" in f.name]
        assert pdfs, f"no PDF of {kind}"
        assert all(budget(f.name) is not None for f in pdfs), f"{kind} has no page budget in tests/pdf_layout.py"


def test_every_document_prints_cleanly(printed):
    """The demo's documents printed as they were before the print fixes gave 30 problems here."""
    problems = [line for pdf in printed for line in layout_problems(pdf)]
    assert problems == []


def test_letters_and_evaluation_forms_fit_on_one_page(printed):
    from pypdf import PdfReader

    one_page = [f for f in printed if "-invitation-" in f.name or f.name.endswith("-evaluation-form.pdf")]
    assert len(one_page) >= 8
    assert {f.name: len(PdfReader(f).pages) for f in one_page} == {f.name: 1 for f in one_page}


def test_the_checker_sees_what_it_must(tmp_path):
    """The checker itself, on a page made to fail: a heading at the foot of page 1, an interval
    broken across lines, a page 2 holding only the closing line, two pages for a one-page form."""
    from successgaps_lib.handouts import PdfPrinter

    page = tmp_path / "meeting-01-evaluation-form.html"
    page.write_text("<html><body style='font: 11pt sans-serif'>"
                    "<p>The gap is 19.1 points (95% CI 12.1<br>to 26.0) wide.</p>"
                    "<p><b>A heading at the foot</b></p>"
                    "<p style='break-before: page'>Sincerely,</p></body></html>", encoding="utf-8")
    printer = PdfPrinter()
    try:
        pdf = printer.print(page, page.with_suffix(".pdf"))
    finally:
        printer.close()
    problems = "\n".join(layout_problems(pdf))
    assert "2 pages, budget 1" in problems
    assert "page 1 ends on a heading or table header: 'A heading at the foot'" in problems
    assert "page 2 holds only 1 line(s)" in problems
    assert "wraps a date or interval" in problems
