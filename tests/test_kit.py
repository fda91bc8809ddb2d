"""The meeting kit beyond the notebook handout (successgaps_lib.kit): built once for the module from
a copy of the demo workbook, without kernels (no notebook handout) and without PDFs.

One block of tests per kind of document: it exists for every meeting it belongs to, holds the
right content (compared with the team's stored work and the workbook, read here directly),
shows no raw id, loads nothing from the network, and shows no hidden figure. The Word and
PowerPoint files are opened back with python-docx and python-pptx.
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document
from pptx import Presentation

from successgaps_lib import handouts
from successgaps_lib import workbook as wbk
from successgaps_lib.groups import MEETINGS
from successgaps_lib.handouts import build_handouts
from successgaps_lib.history import as_of_meeting
from successgaps_lib.meeting import Meeting, open_team_work
from tests.demo_copy import copy_demo_workbook
from tests.page_text import text_of

KIT = ["agenda-facilitator", "agenda-team", "evaluation-form", "action-plan-form", "what-is-a-success-gap",
       "invitation-email", "reminder-email", "root-cause-worksheet", "progress-monitoring-form", "slides"]
WORD = {"agenda-facilitator": "all", "agenda-team": "all", "evaluation-form": "all", "action-plan-form": (5, 6, 7),
        "root-cause-worksheet": (5,), "progress-monitoring-form": (7,)}
RAW_ID = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")  # reading_proficiency, on_track, students_with_disabilities


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> wbk.Workbook:
    return wbk.load(copy_demo_workbook(tmp_path_factory.mktemp("kit-demo")))


@pytest.fixture(scope="module")
def kit(book, tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("kit")
    files = build_handouts(book.directory, "all", out=out, documents=KIT, pdf=False, progress=False, jobs=2)
    return out, files


def path(out: Path, n: int, name: str, suffix: str = ".html") -> Path:
    return out / f"meeting-{n:02d}" / f"meeting-{n:02d}-{name}{suffix}"


def docx_text(file: Path) -> str:
    doc = Document(file)
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return " ".join(" ".join(parts).split())


def pptx_slides(file: Path) -> list[dict]:
    out = []
    for slide in Presentation(file).slides:
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        pictures = [s for s in slide.shapes if s.shape_type == 13]  # MSO_SHAPE_TYPE.PICTURE
        notes = slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else ""
        out.append({"title": slide.shapes.title.text if slide.shapes.title is not None else "",
                    "text": " ".join(" ".join(texts).split()), "pictures": pictures, "notes": notes})
    return out


def members(book) -> list:
    return [m for m in book.team if m != book.facilitator]


# --- every file of the kit: where it belongs, offline, no raw id -------------------------------------

def test_every_document_is_built_for_its_meetings(book, kit):
    out, files = kit
    expected = set()
    for n in MEETINGS:
        expected |= {path(out, n, "slides"), path(out, n, "slides", ".pptx")}
        for name, meetings in WORD.items():
            if meetings == "all" or n in meetings:
                expected |= {path(out, n, name), path(out, n, name, ".docx")}
        for m in members(book):
            if n == 1:
                expected.add(path(out, 1, f"invitation-email-{handouts.slug(m.name)}", ".txt"))
            else:
                expected.add(path(out, n, f"reminder-email-{handouts.slug(m.name)}", ".txt"))
    expected.add(path(out, 1, "what-is-a-success-gap"))
    assert expected <= set(files)
    assert all(f.is_file() and f.stat().st_size > 0 for f in files)
    assert len(files) == len(set(files)) == sum(1 for _ in out.rglob("*.*"))  # the count is the files written


def _readable(file: Path) -> str:
    if file.suffix == ".docx":
        return docx_text(file)
    if file.suffix == ".pptx":
        return " ".join(f"{s['text']} {s['notes']}" for s in pptx_slides(file))
    text = file.read_text(encoding="utf-8")
    return text_of(text) if file.suffix == ".html" else text


def test_no_raw_id_reaches_any_document(kit):
    for file in kit[1]:
        text = re.sub(r"\S+@\S+", "", _readable(file))  # e-mail addresses may hold anything
        assert RAW_ID.findall(text) == [], file.name


def test_nothing_loads_from_the_network(kit):
    for file in kit[1]:
        if file.suffix == ".html":
            page = file.read_text(encoding="utf-8")
            assert handouts.external_urls(page) == [], file.name
            assert "<script" not in page.lower() and "<link" not in page.lower()
        elif file.suffix in (".docx", ".pptx"):
            with zipfile.ZipFile(file) as z:
                relationships = " ".join(z.read(n).decode() for n in z.namelist() if n.endswith(".rels"))
            assert 'TargetMode="External"' not in relationships, file.name


def test_team_text_never_shows_a_small_count_of_children(book, kit):
    small = re.compile(r"(?<![\w.,/-])([1-9])\s+(?:\w+\s+)?(?:students?|children|child)\b", re.IGNORECASE)
    for file in kit[1]:
        assert not small.findall(_readable(file)), file.name


# --- e-mails -------------------------------------------------------------------------------------------

def test_invitation_email_per_member(book, kit):
    out, _ = kit
    first = book.meeting(1)
    for m in members(book):
        text = path(out, 1, f"invitation-email-{handouts.slug(m.name)}", ".txt").read_text(encoding="utf-8")
        head, _, body = text.partition("\n\n")
        assert head.splitlines()[0] == f"To: {m.name} <{m.email}>"
        assert head.splitlines()[1].startswith("Subject: Invitation: ")
        assert f"Dear {m.name}," in body and handouts.long_date(first.date) in body and first.place in body
        assert book.facilitator.name in body
        assert "<" not in body and "&#" not in body and "&amp;" not in body  # plain text, not HTML


def test_a_reminder_for_each_later_meeting(book, kit):
    out, _ = kit
    for n in MEETINGS:
        if n == 1:
            assert not list((out / "meeting-01").glob("*reminder*"))
            continue
        meeting, previous = book.meeting(n), book.meeting(n - 1)
        for m in members(book):
            text = path(out, n, f"reminder-email-{handouts.slug(m.name)}", ".txt").read_text(encoding="utf-8")
            subject = text.splitlines()[1]
            assert subject.startswith(f"Subject: Reminder: meeting {n} ")
            assert handouts.long_date(meeting.date) in subject
            assert meeting.place in text and f"Dear {m.name}," in text
            assert " ".join(previous.homework.split()) in " ".join(text.split())  # what to do before it


# --- "What is a success gap?" ----------------------------------------------------------------------------

def test_what_is_a_success_gap_in_plain_words(book, kit):
    text = text_of(path(kit[0], 1, "what-is-a-success-gap").read_text(encoding="utf-8"))
    assert "What is a success gap?" in text and book.target.describe() in text
    for plain in ("out of every 100 children", "95% confidence interval", f"fewer than {book.min_group_size} children"):
        assert plain in text
    assert len(text.split()) < 900  # a short handout


# --- forms: as of their meeting --------------------------------------------------------------------------

def _store(book, n):
    return as_of_meeting(open_team_work(book.directory), book, n)


def test_root_cause_worksheet_lists_the_priorities_marked_by_meeting_5(book, kit):
    text = text_of(path(kit[0], 5, "root-cause-worksheet").read_text(encoding="utf-8"))
    marks = _store(book, 5).priorities()
    counts = marks["indicator"].value_counts()
    assert len(counts) > 0
    for indicator, votes in counts.head(10).items():
        assert re.search(rf"\b{re.escape(indicator)}\b .*? {votes}\b", text), indicator
    assert "Why?" in text and text.count("yes no") == 5


def test_action_plan_form_filled_as_of_each_meeting(book, kit):
    for n in (5, 6, 7):
        store = _store(book, n)
        text = text_of(path(kit[0], n, "action-plan-form").read_text(encoding="utf-8"))
        for statement in store.root_causes()["statement"]:
            assert " ".join(statement.split()) in text, (n, statement[:40])
        for smart in store.goals()["smart"]:
            assert " ".join(smart.split()) in text
        for activity in store.activities()["description"]:
            assert " ".join(activity.split()) in text
    later = set(_store(book, 6).goals()["smart"]) - set(_store(book, 5).goals()["smart"])
    assert later  # the demo's goals were written at meeting 6 ...
    meeting_5 = text_of(path(kit[0], 5, "action-plan-form").read_text(encoding="utf-8"))
    assert not any(" ".join(g.split()) in meeting_5 for g in later)  # ... so meeting 5's form has none of them


def test_progress_monitoring_form_has_each_activity_its_measure_and_the_goals(book, kit):
    store = _store(book, 7)
    text = text_of(path(kit[0], 7, "progress-monitoring-form").read_text(encoding="utf-8"))
    for a in store.activities().itertuples():
        assert " ".join(a.description.split()) in text and " ".join(a.measure.split()) in text
    from successgaps_lib.teamwork import format_measure

    for g in store.goals().itertuples():
        assert format_measure(g.baseline, g.measure) in text and format_measure(g.target, g.measure) in text


# --- Word files: the same content as the HTML -------------------------------------------------------

def test_word_files_have_the_content_of_their_html(kit):
    for file in (f for f in kit[1] if f.suffix == ".docx"):
        page = file.with_suffix(".html").read_text(encoding="utf-8")
        body = page[page.index("<main>"):page.index("</main>")]
        words = docx_text(file)
        for heading in re.findall(r"<h[1-3][^>]*>(.*?)</h[1-3]>", body, re.S):
            assert text_of(heading) in words, (file.name, heading)
        for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", body, re.S):
            assert text_of(cell).replace(" ", "") in words.replace(" ", "").replace("\u2610", ""), (file.name, cell)
        doc = Document(file)
        assert len(doc.tables) >= body.count("<table")


# --- slides: HTML deck and PowerPoint ---------------------------------------------------------------

@pytest.mark.parametrize("n", list(MEETINGS))
def test_slide_deck_has_the_meetings_parts(book, kit, n):
    out, _ = kit
    meeting = Meeting.open(book.directory, n)
    deck = path(out, n, "slides").read_text(encoding="utf-8")
    sections = re.findall(r"(?s)<section\b.*?</section>", deck)
    text = text_of(deck)
    assert handouts.long_date(book.meeting(n).date) in text
    for objective in meeting.context["agenda"]["objectives"]:
        assert text_of(str(objective)) in text
    assert meeting.statement_text in text and "How we work together" in text
    assert text_of(str(meeting.context["homework"])) in text
    slides = pptx_slides(path(out, n, "slides", ".pptx"))
    assert len(slides) == len(sections)
    assert [s["title"] for s in slides] == [text_of(re.search(r"<h[12]>(.*?)</h[12]>", s, re.S)[1])
                                            for s in sections]
    charts = [s for s in slides if s["pictures"]]
    alts = [html.unescape(a) for a in re.findall(r'<img src="data:image/svg\+xml;base64,[^"]+" alt="([^"]*)"', deck)]
    assert len(charts) == len(alts) == sum(1 for s in meeting.slides() if hasattr(s, "svg"))
    for chart, alt in zip(charts, alts, strict=True):
        assert chart["notes"] == alt  # the text alternative is in the notes
        assert chart["pictures"][0]._element.nvPicPr.cNvPr.get("descr") == alt
    assert any(meeting.statement_text in s["text"] for s in slides)


def test_slides_hide_what_the_handouts_hide(book, kit):
    """The district's 2025 dropout gap is hidden: the deck says why, and never shows its counts."""
    from successgaps_lib.load import load

    counts = load(book.data[0].path, district=book.district).counts
    row = counts[(counts["school"] == "") & (counts["year"] == 2025) & (counts["outcome"] == "dropout")
                 & (counts["group"] == book.target.group)].iloc[0]
    slides = pptx_slides(path(kit[0], 1, "slides", ".pptx"))
    related = next(s for s in slides if "Dropout of students with disabilities in" in s["notes"])
    why = related["notes"][related["notes"].index("Dropout of students with disabilities in"):]
    assert "hidden so that no figure about fewer than" in why
    dropout = related["notes"][related["notes"].index("Dropout:"):related["notes"].index("Chronic absence:")]
    assert "suppressed" in dropout
    for said in (dropout, why):
        found = {int(x.replace(",", "")) for x in re.findall(r"\b\d[\d,]*\b", said)} - {2024, 25, book.min_group_size}
        assert not found & {int(row["numerator"]), int(row["denominator"]), int(row["denominator"] - row["numerator"])}
