"""What every meeting handout of the demo shows: built once for the session from the real meeting notebooks.

Checks on every handout: nothing loaded from the network, no student ID, no count of fewer
children than the minimum group size (every figure shown is compared with the unprotected one),
the PDF has pages and holds the success gap statement; the team's stored work appears as plain
tables; meeting 1 names a missing role. Golden files hold two executed notebooks, normalised
(``UPDATE_GOLDEN=1`` rewrites them).

Expected figures come from the data and the team's export themselves (data/demo), measured
without the privacy layer, not from the handouts' own code.
"""

from __future__ import annotations

import difflib
import html
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from successgaps_lib import metrics
from successgaps_lib import workbook as wbk
from successgaps_lib.groups import ALL_STUDENTS, MEETINGS
from successgaps_lib.handouts import build_handouts
from successgaps_lib.load import load
from successgaps_lib.meeting import TEAM_WORK_EXPORT, Meeting
from successgaps_lib.privacy import mask_small_counts
from tests.demo_copy import copy_demo_workbook

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
GOLDEN = Path(__file__).resolve().parent / "files" / "golden"
CHROMIUM = Path("/usr/bin/chromium")
WORK = json.loads((DEMO / "workbook" / TEAM_WORK_EXPORT).read_text(encoding="utf-8"))["tables"]
MIN = wbk.load(DEMO / "workbook").min_group_size

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def demo_copy(tmp_path_factory) -> Path:
    return copy_demo_workbook(tmp_path_factory.mktemp("handout-demo"))


@pytest.fixture(scope="session")
def built(demo_copy, tmp_path_factory) -> Path:
    """Every meeting's handout (HTML and, with Chromium, PDF), each meeting built once."""
    out = tmp_path_factory.mktemp("handouts")
    build_handouts(demo_copy, "all", out=out, documents=["handout", "slides"], pdf=CHROMIUM.exists(), progress=False,
                   jobs=2)
    return out


def page(out: Path, n: int) -> str:
    return (out / f"meeting-{n:02d}" / f"meeting-{n:02d}-handout.html").read_text(encoding="utf-8")


def executed(out: Path, n: int):
    return nbformat.read(out / ".executed" / f"meeting-{n:02d}.ipynb", as_version=4)


def words(text: str) -> str:
    text = re.sub(r"</?span\b[^>]*>", "", text)  # inline: no space where a span starts or ends
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


class Parts(HTMLParser):
    """The parts of a handout: tables (class, caption, rows of cell text), statements, chart captions,
    and the text of every SVG <text> element."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tables, self.statements, self.captions, self.svg_text = [], [], [], []
        self._stack: list[tuple[str, list]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        if tag == "table":
            self.tables.append({"class": cls, "caption": "", "rows": []})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        if tag in ("td", "th", "caption", "blockquote", "figcaption", "text"):
            self._stack.append((tag, [cls]))

    def handle_data(self, data):
        for _, parts in self._stack:
            parts.append(data)

    def handle_endtag(self, tag):
        if not self._stack or self._stack[-1][0] != tag:
            return
        _, (cls, *parts) = self._stack.pop()
        text = " ".join("".join(parts).split())
        if tag in ("td", "th"):
            self.tables[-1]["rows"][-1].append(text)
        elif tag == "caption":
            self.tables[-1]["caption"] = text
        elif tag == "blockquote" and "sg-statement" in cls:
            self.statements.append(text)
        elif tag == "figcaption":
            self.captions.append(text)
        elif tag == "text":
            self.svg_text.append(text)


# --- Every handout -------------------------------------------------------------------------------

def test_every_meeting_has_a_handout(built):
    for n in MEETINGS:
        assert (built / f"meeting-{n:02d}" / f"meeting-{n:02d}-handout.html").is_file()


@pytest.mark.parametrize("n", list(MEETINGS))
def test_nothing_is_loaded_from_the_network(built, n):
    text = page(built, n)
    without_namespaces = re.sub(r"""xmlns(:\w+)?\s*=\s*["']http://www\.w3\.org/[^"']*["']""", "", text)
    assert re.findall(r"(?i)https?://", without_namespaces) == []
    assert "<script" not in text.lower() and "<link" not in text.lower()


@pytest.mark.parametrize("n", list(MEETINGS))
def test_no_student_id_anywhere(built, n):
    notebook = (built / ".executed" / f"meeting-{n:02d}.ipynb").read_text(encoding="utf-8")
    for text in (page(built, n), notebook):
        assert not re.search(r"DEMO-\d+", text)
        assert "student_id" not in text.lower()


@pytest.mark.parametrize("n", list(MEETINGS))
def test_widgets_never_reach_a_handout(built, n):
    for cell in executed(built, n).cells:
        for output in cell.get("outputs", []):
            assert "application/vnd.jupyter.widget-view+json" not in output.get("data", {})
    assert "jupyter-widgets" not in page(built, n)


def integer_tokens(text: str) -> list[int]:
    """Whole numbers that could be counts of children: not percentages, decimals, signed figures
    (differences, axis ticks), years or school years, nor counts of schools."""
    found = []
    for match in re.finditer(r"(?<![\w.,+\-−])(\d{1,3}(?:,\d{3})+|\d+)(?![\d.,]\d|%|\w)", text):
        after = text[match.end():match.end() + 12]
        value = int(match[1].replace(",", ""))
        if re.match(r"-\d\d\b", after) or 1900 <= value <= 2100 or re.match(r"\s+schools?\b", after):
            continue
        found.append(value)
    return found


@pytest.mark.parametrize("n", list(MEETINGS))
def test_no_figure_rests_on_fewer_children_than_the_minimum(built, n):
    parts = Parts(page(built, n))
    data = parts.statements + parts.captions + [" ".join(" ".join(r) for r in t["rows"])
                                                for t in parts.tables if "sg-data" in t["class"]]
    labels = [t for t in parts.svg_text if re.search(r"\bn = ", t)]
    assert parts.statements and (parts.captions or n in (2, 3, 4, 6))
    small = [v for text in data + labels for v in integer_tokens(text) if 0 < v < MIN]
    assert small == [], small
    for label in labels:
        assert int(re.search(r"n = ([\d,]+)", label)[1].replace(",", "")) >= MIN


@pytest.fixture(scope="session")
def unprotected(demo_copy) -> pd.DataFrame:
    """The target gap in every year and place, measured straight from the data, with no privacy layer."""
    book = wbk.load(demo_copy)
    counts = load(book.data[0].path, district=book.district).counts
    counts = counts.astype(dict.fromkeys(("district", "school", "group", "outcome"), "str"))
    t = book.target
    rows = counts[counts["group"].isin([ALL_STUDENTS, t.group]) & (counts["outcome"] == t.outcome)]
    return metrics.compare(rows, groups=[t.group], statements=False)


def test_every_count_shown_is_the_real_one_or_hidden(built, unprotected):
    """The figures table of meeting 1 against the unprotected figures, year by year."""
    table = next(t for t in Parts(page(built, 1)).tables
                 if "sg-data" in t["class"] and "by school year" in t["caption"])
    district = unprotected[unprotected["school"] == ""].set_index("year")
    header, *rows = table["rows"]
    assert header[:5] == ["School year", "Children in the group", "Rate of the group", "Children in the comparison",
                          "Rate of the comparison"]
    assert len(rows) == len(district)
    for cells in rows:
        truth = district.loc[int(cells[0][:4]) + 1]
        for shown, real in ((cells[1], truth["n_group"]), (cells[3], truth["n_comparison"])):
            if real < MIN:
                assert shown == "*"
            else:
                assert shown in ("*", f"{int(real):,}")
        if cells[2] != "*":
            assert cells[2] == f"{100 * truth['a_group'] / truth['n_group']:.1f}%"


def test_hidden_figures_stay_hidden_in_the_related_outcomes(built, demo_copy):
    """Dropout of students with disabilities in 2025 has fewer than 10 dropouts: its sentence shows no count."""
    book = wbk.load(demo_copy)
    counts = load(book.data[0].path, district=book.district).counts
    row = counts[(counts["school"] == "") & (counts["year"] == 2025) & (counts["outcome"] == "dropout")
                 & (counts["group"] == book.target.group)].iloc[0]
    assert row["numerator"] < MIN  # the premise of this test
    caption = next(c for c in Parts(page(built, 1)).captions if "related outcomes" in c)
    dropout = caption[caption.index("Dropout:"):caption.index("Chronic absence:")]
    assert "suppressed" in dropout
    for value in (row["numerator"], row["denominator"], row["denominator"] - row["numerator"]):
        assert f"{int(value):,}" not in dropout


def test_a_hidden_figure_says_why_without_its_number(built, demo_copy):
    """The district's 2025 dropout gap is hidden on the related-outcomes slide: the caption says why,
    in words that hold for primary and complementary suppression alike, with no hidden count."""
    book = wbk.load(demo_copy)
    counts = load(book.data[0].path, district=book.district).counts
    row = counts[(counts["school"] == "") & (counts["year"] == 2025) & (counts["outcome"] == "dropout")
                 & (counts["group"] == book.target.group)].iloc[0]
    for n in (1, 5):  # the meetings whose handout shows the related outcomes
        caption = next(c for c in Parts(page(built, n)).captions if "related outcomes" in c)
        why = caption[caption.index("Dropout of students with disabilities in"):]
        assert f"2024-25: hidden so that no figure about fewer than {MIN} children can be read, or worked out " \
               "from the figures for all children" in why
        numbers = {int(x.replace(",", "")) for x in re.findall(r"\b\d[\d,]*\b", why)} - {2024, 25, MIN}
        assert not numbers & {int(row["numerator"]), int(row["denominator"]),
                              int(row["denominator"] - row["numerator"])}


@pytest.mark.parametrize("n", list(MEETINGS))
def test_every_hidden_figure_has_a_reason_next_to_it(built, n):
    """Wherever a handout says a figure is suppressed (a chart) or shows * (a table), it says why."""
    parts = Parts(page(built, n))
    for caption in parts.captions:
        if "suppressed to protect privacy" in caption:
            assert "hidden so that no figure about fewer than" in caption, caption[:200]
    text = words(page(built, n))
    for table in parts.tables:
        if "sg-data" in table["class"] and any("*" in c for r in table["rows"] for c in r):
            assert "not shown to protect children's privacy" in text


@pytest.mark.parametrize("n", list(MEETINGS))
def test_glossary_explains_the_terms_each_handout_uses(built, n):
    from successgaps_lib.words import GLOSSARY

    text = page(built, n)
    assert '<section class="glossary">' in text
    body, glossary = text.split('<section class="glossary">')
    shown = re.findall(r"<dt>(.*?)</dt>", glossary)
    used = [html.unescape(term) for term, _, pattern in GLOSSARY if re.search(pattern, words(body))]
    assert [html.unescape(s) for s in shown] == used  # every term the page uses, and only those
    for term, meaning, _ in GLOSSARY:
        if term in used:
            assert html.escape(meaning) in glossary or meaning in html.unescape(glossary)


def test_glossary_has_the_plain_words_a_parent_needs(built):
    glossary = html.unescape(page(built, 1).split('<section class="glossary">')[1])
    for term in ("95% confidence interval", "E-formula", "Suppressed"):
        assert term in glossary
    assert page(built, 1).index('class="glossary"') < page(built, 1).index('class="doc-footer"')  # inside <main>


@pytest.mark.parametrize("n", [1, 7])
def test_slides_show_the_charts_the_handout_shows(built, demo_copy, n):
    """Built with the notebook, a deck takes its charts and statement from the executed notebook; they are
    the ones the deck draws from the data when no notebook runs (tests/test_kit.py)."""
    from pptx import Presentation

    from successgaps_lib.handouts import template_dirs
    from successgaps_lib.kit.deck import deck_slides, deck_words

    drawn = deck_slides(deck_words(template_dirs(wbk.load(demo_copy))), Meeting.open(demo_copy, n))
    deck = Presentation(built / f"meeting-{n:02d}" / f"meeting-{n:02d}-slides.pptx")
    assert [s.shapes.title.text for s in deck.slides] == [s.title for s in drawn]
    notes = [s.notes_slide.notes_text_frame.text for s in deck.slides if s.has_notes_slide]
    assert [s.alt for s in drawn if s.svg] == [x for x in notes if x in {s.alt for s in drawn if s.svg}]
    assert sum(1 for s in drawn if s.svg) == sum(1 for s in deck.slides for p in s.shapes if p.shape_type == 13)


@pytest.mark.parametrize("n", list(MEETINGS))
def test_pdf_has_pages_and_the_gap_statement(built, demo_copy, n):
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium to print PDFs (`make setup` installs it)")
    from pypdf import PdfReader

    reader = PdfReader(built / f"meeting-{n:02d}" / f"meeting-{n:02d}-handout.pdf")
    assert len(reader.pages) >= 1
    text = "".join("".join(p.extract_text() for p in reader.pages).split())
    statement = Meeting.open(demo_copy, n).statement_text
    assert statement.startswith("In 2025, 71.6% of students with disabilities")
    assert "".join(statement.split()) in text
    assert statement in words(page(built, n))


# --- The team's work ---------------------------------------------------------------------------------

def cells(out: Path, n: int) -> set[str]:
    return {c for t in Parts(page(out, n)).tables for row in t["rows"] for c in row}


def test_meeting_1_shows_every_role_filled(built):
    text = words(page(built, 1))
    assert "Every required role is filled." in text
    assert {"Maria Delgado (Parent of a Riverside High junior with an IEP)", "filled"} <= cells(built, 1)


def test_meeting_1_names_a_missing_role(tmp_path):
    folder = copy_demo_workbook(tmp_path, edit=lambda t: re.sub(r"  - name: Denise Park\n(    .*\n)+", "", t))
    build_handouts(folder, 1, out=tmp_path / "out", documents=["handout"], pdf=False, progress=False)
    parts = Parts(page(tmp_path / "out", 1))
    roles = next(t for t in parts.tables if t["caption"] == "Roles on the team")
    assert ["Community member", "", "MISSING"] in roles["rows"]
    assert "Still missing: Community member." in words(page(tmp_path / "out", 1))


def test_rubric_meetings_show_ratings_and_consensus_with_evidence(built):
    book = wbk.load(DEMO / "workbook")
    from successgaps_lib.rubric import load_rubric

    section_of = {i.id: i.section for i in load_rubric().indicators}
    for n in (2, 3, 4):
        shown = cells(built, n)
        mine = set(book.meeting(n).rubric_sections)
        for row in WORK["consensus"]:
            if section_of[row["indicator"]] in mine:
                assert row["indicator"] in shown and row["rating"] in shown
                if row["evidence"] and not re.search(r"\b\d\b", row["evidence"]):
                    assert row["evidence"] in shown, (n, row["indicator"])
        rated = {row[0] for t in Parts(page(built, n)).tables if t["caption"].startswith("Homework ratings")
                 for row in t["rows"][1:]}
        assert rated == {i for i, s in section_of.items() if s in mine}  # this meeting's sections only


def test_root_causes_priorities_and_plan(built):
    shown5, shown6 = cells(built, 5), cells(built, 6)
    for cause in WORK["root_causes"]:
        assert cause["statement"] in shown5 and cause["statement"] in shown6
    for activity in WORK["activities"]:
        assert activity["description"] in shown6 and activity["person"] in shown6
    marked = pd.DataFrame(WORK["priorities"])["indicator"].value_counts()
    tally = next(t for t in Parts(page(built, 5)).tables if t["caption"].startswith("Priorities"))
    header, *rows = tally["rows"]
    votes = {r[0]: int(r[header.index("Members who marked it")]) for r in rows}
    assert votes == marked.to_dict()


def test_monitoring_shows_progress_against_target(built):
    shown = cells(built, 7)
    text = words(page(built, 7))
    held = wbk.load(DEMO / "workbook").meeting(7).date.isoformat()
    # What the team had entered by the end of meeting 7 (April), and nothing entered after it.
    for entry in WORK["progress"]:
        if not re.search(r"\b\d\b", entry["note"]):
            assert (entry["note"] in shown) == (entry["date"] <= held), entry
    assert any(e["date"] > held for e in WORK["progress"])  # the premise: there is later work
    assert all(mask_small_counts(cell, MIN) == cell for cell in shown)  # no small count of children in a cell
    for m in WORK["measurements"]:  # the class of 2026 graduated after meeting 7
        assert m["date"] > held and f"{m['value'] * 100:.1f}%" not in text
    assert "Nothing recorded yet: no new measurement of the goals." in text
    assert "Completed" not in shown


# --- Golden outputs --------------------------------------------------------------------------------------

_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)


def _svg_summary(match: re.Match) -> str:
    """An SVG reduced to what a reader gets from it: title, description and the text it draws
    (coordinates depend on the fonts installed, so they are left out)."""
    svg = match[0]
    title = re.search(r"<title[^>]*>(.*?)</title>", svg, re.DOTALL)
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.DOTALL)
    texts = [" ".join(t.split()) for t in re.findall(r"<text\b[^>]*>(.*?)</text>", svg, re.DOTALL)]
    return (f"<svg title={title[1] if title else ''!r} desc={desc[1] if desc else ''!r}>"
            + " | ".join(t for t in texts if t) + "</svg>")


def normalise(nb) -> list[dict]:
    """An executed notebook without what changes from run to run: execution counts, timings, ids,
    kernel metadata, the injected parameters (a temporary path), SVG geometry and ids."""
    cells = []
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags:
            continue
        entry = {"type": cell.cell_type, "source": cell.source}
        if tags:
            entry["tags"] = sorted(tags)
        if cell.cell_type == "code":
            outputs = []
            for output in cell.outputs:
                if output.output_type == "stream":
                    if output.name == "stdout":
                        outputs.append({"stdout": output.text})
                    continue
                if output.output_type == "error":
                    outputs.append({"error": f"{output.ename}: {output.evalue}"})
                    continue
                data = {}
                for mime in ("text/html", "text/markdown", "text/plain", "image/svg+xml"):
                    if mime in output.get("data", {}):
                        text = _SVG.sub(_svg_summary, output.data[mime])
                        data[mime] = re.sub(r"\bsg[0-9a-f]{8}-", "sgID-", text)
                outputs.append(data)
            entry["outputs"] = outputs
        cells.append(entry)
    return cells


@pytest.mark.parametrize(("n", "name"), [(1, "01_getting_started.meeting-1.json"),
                                         (7, "07_monitoring.meeting-7.json")])
def test_executed_notebook_matches_golden(built, n, name):
    got = json.dumps(normalise(executed(built, n)), indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8")
        pytest.skip(f"rewrote {path}")
    assert path.is_file(), f"{path} is missing: run UPDATE_GOLDEN=1 pytest tests/test_handout_content.py"
    expected = path.read_text(encoding="utf-8")
    if got != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), got.splitlines(True), "golden", "now", n=1))
        pytest.fail(f"meeting {n}'s notebook output changed (UPDATE_GOLDEN=1 rewrites {path.name}):\n{diff[:6000]}")


def test_normaliser_drops_what_varies():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("workbook = '/tmp/x'", metadata={
        "tags": ["injected-parameters"]}), nbformat.v4.new_code_cell("m.slides()", execution_count=7, outputs=[
            nbformat.v4.new_output("display_data", data={
                "text/html": '<svg id="sg0123abcd-clip"><title>T</title><desc>D</desc>'
                             '<path d="M1,2"/><text x="3">71.6%</text></svg>'}),
            nbformat.v4.new_output("stream", name="stderr", text="warning")])])
    assert normalise(nb) == [{"type": "code", "source": "m.slides()",
                              "outputs": [{"text/html": "<svg title='T' desc='D'>71.6%</svg>"}]}]


def test_count_finder_sees_counts_and_nothing_else():
    text = ("2024-25: 71.6% of 134 against 90.7% of 1,012 (gap -19.1 points), in 2 schools; "
            "(96) children; 7 children; 95% CI -27.4 to -11.9; Of 3,340 children, 3 were")
    assert integer_tokens(text) == [134, 1012, 96, 7, 3340, 3]


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: no PDF to read")
@pytest.mark.parametrize("n", MEETINGS)
def test_handout_pdf_prints_cleanly(built, n):
    """Page budget, no heading or header alone at a foot, no near-empty page, no wrapped date (pdf_layout)."""
    from tests.pdf_layout import layout_problems

    assert layout_problems(built / f"meeting-{n:02d}" / f"meeting-{n:02d}-handout.pdf") == []
