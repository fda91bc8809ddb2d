"""Homework away from the room: the printable rating sheet, the Excel file and its import.

Expectations come from the rubric file and the demo workbook.yml (which sections each meeting
reviews), not from the code under test.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import yaml
from openpyxl import Workbook, load_workbook

from successgaps_lib import homework
from successgaps_lib import workbook as wbk
from successgaps_lib.cli import main as cli_main
from successgaps_lib.groups import RATING_SCALE
from successgaps_lib.handouts import build_handouts, chromium_path, slug
from successgaps_lib.homework import excel, links, sheets
from successgaps_lib.rubric import load_rubric
from successgaps_lib.store import Store
from tests.demo_copy import DEMO, copy_demo_workbook

RUBRIC_YML = yaml.safe_load((DEMO.parent.parent / "templates" / "rubric.yml").read_text(encoding="utf-8"))
PLAN = yaml.safe_load((DEMO / "workbook" / "workbook.yml").read_text(encoding="utf-8"))
TEAM = [m["name"] for m in PLAN["team"]]


def sections_of(meeting: int) -> list[dict]:
    ids = next(m["rubric_sections"] for m in PLAN["meetings"] if m["number"] == meeting)
    return [s for s in RUBRIC_YML["sections"] if s["id"] in ids]


def squash(text: str) -> str:
    return " ".join(str(text).split())


@pytest.fixture
def folder(tmp_path):
    return copy_demo_workbook(tmp_path)


@pytest.fixture
def book(folder):
    return wbk.load(folder, check_files=False)


# --- Which homework, when ------------------------------------------------------------------------

def test_the_homework_of_a_meeting_is_the_sections_it_reviews_and_is_handed_out_the_meeting_before(book):
    for meeting in (2, 3, 4):
        work = homework.assignment(book, meeting)
        assert [s.id for s in work.sections] == [s["id"] for s in sections_of(meeting)]
    assert homework.handed_out_at(book, 1) == 2 and homework.handed_out_at(book, 3) == 4
    assert homework.handed_out_at(book, 4) is None  # meeting 5 reviews no section
    with pytest.raises(Exception, match="reviews no rubric section"):
        homework.assignment(book, 5)
    day_after_meeting_2 = dt.date.fromisoformat(str(PLAN["meetings"][1]["date"])) + dt.timedelta(days=1)
    assert homework.current(book, day_after_meeting_2).meeting.number == 3


# --- The printable sheet -------------------------------------------------------------------------

def indicator_blocks(page: str) -> dict[str, str]:
    parts = re.split(r'<div class="indicator" id="([^"]+)">', page)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


@pytest.mark.parametrize("meeting", [2, 3, 4])
def test_a_sheet_has_every_indicator_with_its_statement_questions_and_four_levels(book, meeting):
    page = sheets.sheet_html(homework.assignment(book, meeting), book.team[0])
    blocks = indicator_blocks(page)
    expected = [i for s in sections_of(meeting) for i in s["indicators"]]
    assert list(blocks) == [i["id"] for i in expected]
    for indicator in expected:
        block = squash(html.unescape(blocks[indicator["id"]]))
        assert squash(indicator["statement"]) in block
        for question in indicator["questions"]:
            assert squash(question) in block
        for level in RATING_SCALE:
            assert squash(indicator["levels"][level]) in block, (indicator["id"], level)
        assert block.count("\u2610") == len(RATING_SCALE)  # one box to tick per level
        assert "Evidence" in block and block.count("<p></p>") >= sheets.EVIDENCE_LINES
    for section in sections_of(meeting):
        assert html.escape(section["title"]) in page
    assert "script-src 'none'" in html.unescape(page) and "<script" not in page  # the handouts' policy
    assert f"Rating sheet: {book.team[0].name}" in page


def test_one_sheet_per_member_with_their_name_and_their_own_link(book, tmp_path):
    work = homework.assignment(book, 2)
    secrets = links.member_secrets(book.directory, TEAM)
    urls = {n: links.member_link("http://laptop:8866/", s) for n, s in secrets.items()}
    files = sheets.write_sheets(work, tmp_path / "out", links=urls)
    assert sorted(f.name for f in files) == sorted(f"meeting-02-rating-sheet-{slug(n)}.html" for n in TEAM)
    for name in TEAM:
        page = (tmp_path / "out" / f"meeting-02-rating-sheet-{slug(name)}.html").read_text(encoding="utf-8")
        assert f"Rating sheet: {html.escape(name)}" in page
        assert urls[name] in page
        assert not any(urls[other] in page for other in TEAM if other != name)


def test_what_the_team_typed_is_text_on_the_sheet(tmp_path):
    folder = copy_demo_workbook(tmp_path, edit=lambda t: t.replace("name: Maria Delgado",
                                                                    'name: "Maria <script>x()</script> Delgado"'))
    book = wbk.load(folder, check_files=False)
    page = sheets.sheet_html(homework.assignment(book, 2), book.team[0])
    assert "<script>x()" not in page and "&lt;script&gt;x()" in page


def test_the_handouts_of_meetings_1_to_3_carry_the_sheets_of_the_homework_they_hand_out(folder, tmp_path):
    files = build_handouts(folder, "all", out=tmp_path / "out", documents=["rating-sheet"], pdf=False,
                           progress=False)
    by_meeting = {}
    for f in files:
        by_meeting.setdefault(f.parent.name, []).append(f)
    assert sorted(by_meeting) == ["meeting-01", "meeting-02", "meeting-03"]
    for handed_out, due in ((1, 2), (2, 3), (3, 4)):
        found = by_meeting[f"meeting-{handed_out:02d}"]
        assert len(found) == len(TEAM)
        blocks = indicator_blocks(found[0].read_text(encoding="utf-8"))
        assert list(blocks) == [i["id"] for s in sections_of(due) for i in s["indicators"]]
    assert not (folder / links.LINKS_FILE).exists()  # a handout never makes links


def test_the_invitation_carries_the_members_link_once_the_workbook_has_links(folder, tmp_path, monkeypatch):
    monkeypatch.setenv("SUCCESSGAPS_LINK_BASE", "http://laptop:8866/")
    secrets = links.member_secrets(folder, TEAM)
    files = build_handouts(folder, 1, out=tmp_path / "out", documents=["invitation"], pdf=False, progress=False)
    letter = next(f for f in files if slug(TEAM[0]) in f.name).read_text(encoding="utf-8")
    assert links.member_link("http://laptop:8866/", secrets[TEAM[0]]) in letter
    assert secrets[TEAM[1]] not in letter


def test_a_sheet_prints_to_pdf(book, tmp_path):
    try:
        chromium_path()
    except Exception:
        pytest.skip("Chromium is not installed (it prints the PDFs)")
    from successgaps_lib.handouts import PdfPrinter

    with PdfPrinter() as printer:
        files = sheets.write_sheets(homework.assignment(book, 4), tmp_path, members=book.team[:1], printer=printer)
    pdf = next(f for f in files if f.suffix == ".pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000


# --- The Excel file ------------------------------------------------------------------------------

def write_one(book, meeting=2, member=0, now=None, tmp=None):
    work = homework.assignment(book, meeting)
    return excel.write_files(work, tmp or book.directory / "out", members=[book.team[member]], now=now)[0]


def fill(path, values: dict[str, tuple[str, str]], *, sheet_edit=None):
    """Set (rating, evidence) of indicators by id, as a member would in Excel."""
    book = load_workbook(path)
    for sheet in book.worksheets:
        for row in sheet.iter_rows(min_row=excel.HEADER_ROW + 1):
            if row[0].value in values:
                row[2].value, row[3].value = values[row[0].value]
    if sheet_edit:
        sheet_edit(book)
    book.save(path)
    return path


def test_the_file_has_a_sheet_per_section_a_row_per_indicator_and_a_drop_down(book):
    path = write_one(book, meeting=3)
    opened = load_workbook(path)
    visible = [s for s in opened.worksheets if s.sheet_state == "visible"]
    assert [s.title for s in visible] == [s["title"][:31] for s in sections_of(3)]
    for sheet, section in zip(visible, sections_of(3), strict=True):
        assert [c.value for c in sheet[excel.HEADER_ROW]] == list(excel.COLUMNS)
        ids = [r[0].value for r in sheet.iter_rows(min_row=excel.HEADER_ROW + 1) if r[0].value]
        assert ids == [i["id"] for i in section["indicators"]]
        header = " ".join(str(sheet.cell(r, 1).value) for r in range(1, excel.HEADER_ROW))
        assert book.team[0].name in header and "meeting 3" in header
        lists = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
        assert len(lists) == 1 and lists[0].formula1.strip('"').split(",") == list(RATING_SCALE)
        assert f"C{excel.HEADER_ROW + 1}" in str(lists[0].sqref)
    assert opened[excel.MARKER_SHEET].sheet_state == "veryHidden"


def test_a_returned_file_goes_into_the_store_with_route_excel(book):
    path = write_one(book, meeting=2, member=0)
    first, second = (i["id"] for i in sections_of(2)[0]["indicators"][:2])
    with Store.open(book.directory) as store:  # the demo's ratings, prefilled in the file
        before = store.ratings(book.team[0].name).set_index("indicator")["rating"].to_dict()
    one, other = (next(level for level in RATING_SCALE if level != before.get(i)) for i in (first, second))
    fill(path, {first: (one, "Minutes of three reviews"), second: (other.lower(), None)})
    report = excel.import_files(book, [path], meeting=2)
    assert report.refused == [], report.refused
    name = book.team[0].name
    with Store.open(book.directory) as store:
        mine = store.ratings(name).set_index("indicator")
        assert mine.loc[first, "rating"] == one and mine.loc[first, "evidence"] == "Minutes of three reviews"
        assert mine.loc[second, "rating"] == other  # the level's own spelling
        changes = store.history("ratings", f"{name} | {first}")
        last = changes.iloc[-1]
        assert (last["route"], last["who"], last["new"]) == ("excel", name, "Minutes of three reviews")
    assert "2 saved" in report.lines[0], report.lines
    again = excel.import_files(book, [path], meeting=2)  # the same file twice changes nothing
    assert "0 saved" in again.lines[0]


def test_a_rating_changed_in_a_dashboard_after_the_file_was_written_is_kept_and_said(book):
    path = write_one(book, meeting=2, now=dt.datetime(2025, 9, 17, tzinfo=dt.UTC))
    indicator = sections_of(2)[0]["indicators"][0]["id"]
    name = book.team[0].name
    with Store.open(book.directory, route="dashboard") as store:
        store.set_rating(name, indicator, "Implemented", by=name)
    fill(path, {indicator: ("Planning", "")})
    report = excel.import_files(book, [path], meeting=2)
    assert report.refused == []
    kept = [line for line in report.lines if "kept" in line and indicator in line]
    assert len(kept) == 1 and "in a dashboard" in kept[0] and "'Planning'" in kept[0], report.lines
    with Store.open(book.directory) as store:
        assert store.ratings(name).set_index("indicator").loc[indicator, "rating"] == "Implemented"
    excel.import_files(book, [path], meeting=2, overwrite=True)
    with Store.open(book.directory) as store:
        assert store.ratings(name).set_index("indicator").loc[indicator, "rating"] == "Planning"


def _marker(key, value):
    def edit(book):
        sheet = book[excel.MARKER_SHEET]
        for row in sheet.iter_rows():
            if row[0].value == key:
                row[1].value = value
    return edit


def test_each_refusal_is_one_line_and_saves_nothing(book, tmp_path):
    indicator = sections_of(2)[0]["indicators"][0]["id"]
    plain = tmp_path / "plain.xlsx"
    Workbook().save(plain)
    text = tmp_path / "notes.xlsx"
    text.write_text("not a spreadsheet", encoding="utf-8")
    other_book = wbk.load(copy_demo_workbook(tmp_path / "other"), check_files=False)
    cases = {
        "not ours": (plain, "not a homework file"),
        "not a spreadsheet": (text, "cannot be read as an Excel"),
        "another workbook": (write_one(other_book, tmp=tmp_path / "o"), "belongs to another workbook"),
        "another meeting": (write_one(book, meeting=3, tmp=tmp_path / "m3"), "homework for meeting 3, not meeting 2"),
        "unknown member": (fill(write_one(book, tmp=tmp_path / "u"), {indicator: ("Planning", "")},
                                sheet_edit=_marker("member", "Nobody Known")), "who is not on the team"),
        "outside the scale": (fill(write_one(book, tmp=tmp_path / "s"), {indicator: ("Great", "")}),
                              "value 'Great': not a rating"),
        "indicator not due": (fill(write_one(book, tmp=tmp_path / "i"), {}, sheet_edit=lambda b: b.worksheets[0]
                                   .cell(excel.HEADER_ROW + 1, 1, "AS-1")), "'AS-1' is not in the homework"),
    }
    with Store.open(book.directory) as store:
        before = len(store.history())
    for case, (path, expected) in cases.items():
        report = excel.import_files(book, [path], meeting=2)
        assert report.lines == [] and len(report.refused) == 1, case
        line = report.refused[0]
        assert "\n" not in line and str(path) in line and expected in line, (case, line)
    with Store.open(book.directory) as store:
        assert len(store.history()) == before


def test_cli_homework_then_import_homework(folder, tmp_path, capsys):
    out = tmp_path / "hw"
    assert cli_main(["homework", str(folder), "--meeting", "2", "--out", str(out), "--no-pdf",
                     "--link-base", "http://laptop:8866/"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert sum(n.endswith(".html") for n in names) == len(TEAM) == sum(n.endswith(".xlsx") for n in names)
    secrets = links.member_secrets(folder, TEAM)
    page = (out / f"meeting-02-rating-sheet-{slug(TEAM[2])}.html").read_text(encoding="utf-8")
    assert f"http://laptop:8866/homework/{secrets[TEAM[2]]}" in page
    capsys.readouterr()
    good = fill(out / f"meeting-02-homework-{slug(TEAM[2])}.xlsx", {"DB-1": ("Exemplary", "")})
    bad = tmp_path / "bad.xlsx"
    Workbook().save(bad)
    assert cli_main(["import-homework", str(folder), str(good), str(bad), "--meeting", "2"]) == 2
    captured = capsys.readouterr()
    assert "1 saved" in captured.out
    assert captured.err.count("\n") == 1 and str(bad) in captured.err
    paper = fill(out / f"meeting-02-homework-{slug(TEAM[3])}.xlsx", {"DB-2": ("Exemplary", "typed from paper")})
    assert cli_main(["import-homework", str(folder), str(paper), "--meeting", "2", "--paper"]) == 0
    with Store.open(folder) as store:
        assert store.history("ratings", f"{TEAM[3]} | DB-2").iloc[-1]["route"] == "paper"
    assert cli_main(["homework", str(folder), "--meeting", "5", "--no-pdf"]) == 2
    assert "reviews no rubric section" in capsys.readouterr().err


def test_links_are_kept_private_in_the_workbook_folder(folder):
    first = links.member_secrets(folder, TEAM)
    assert len(set(first.values())) == len(TEAM) and all(len(s) >= 32 for s in first.values())
    assert (folder / links.LINKS_FILE).stat().st_mode & 0o077 == 0
    assert links.member_secrets(folder, TEAM) == first  # kept, not remade
    assert links.member_for(folder, first[TEAM[3]]) == TEAM[3]
    assert links.member_for(folder, first[TEAM[3]][:-1]) is None


def test_the_rubric_a_sheet_uses_is_the_workbooks_own(tmp_path):
    folder = copy_demo_workbook(tmp_path)
    own = folder / "templates"
    own.mkdir()
    text = (DEMO.parent.parent / "templates" / "rubric.yml").read_text(encoding="utf-8")
    (own / "rubric.yml").write_text(text.replace("Outcome data are broken down", "OUR OWN WORDS: outcome data"),
                                    encoding="utf-8")
    book = wbk.load(folder, check_files=False)
    assert homework.open_rubric(book).source != load_rubric().source
    assert "OUR OWN WORDS" in sheets.sheet_html(homework.assignment(book, 2), book.team[0])
