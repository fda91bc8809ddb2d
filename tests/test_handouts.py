"""Handouts: papermill runs a meeting notebook, nbconvert keeps its outputs as a self-contained HTML
handout, Chromium prints it; agendas, forms and letters come from templates/.

The notebook tests use the tiny fixture notebook in tests/files/notebooks/, not the meeting
notebooks, so they test the pipeline alone.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from successgaps_lib import handouts
from successgaps_lib import workbook as wbk
from successgaps_lib.cli import main as cli_main
from successgaps_lib.errors import ConfigError, PrivacyError
from successgaps_lib.groups import MAX_ROOT_CAUSES, MEETINGS
from successgaps_lib.handouts import HandoutError, build_handouts
from tests.page_text import text_of

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo" / "workbook"
FIXTURE = ROOT / "tests" / "files" / "notebooks" / "fixture_meeting.ipynb"
CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed "
                                    "(`make setup` installs it) so no PDF can be printed")
DOCUMENTS = ["agenda-facilitator", "agenda-team", "evaluation-form", "invitation", "action-plan-form"]


def urls(page: str) -> list[str]:
    """Every http(s) URL in a page other than the SVG/XML namespace declarations."""
    page = re.sub(r"""xmlns(:\w+)?=["']http://www\.w3\.org/[^"']*["']""", "", page)
    return re.findall(r"(?i)(?:https?:)?//[a-z0-9-]+\.[a-z0-9.-]+", page)


# --- the handout of the fixture notebook, printed once for the whole module ------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("handouts")
    pdf = CHROMIUM.exists()
    files = build_handouts(DEMO, 1, out=out, notebooks=FIXTURE, documents=["handout"], pdf=pdf, progress=False)
    return out, files


@pytest.mark.slow
def test_handout_files_are_where_expected(built):
    out, files = built
    html_file = out / "meeting-01" / "meeting-01-handout.html"
    assert html_file in files and html_file.is_file()
    assert (out / ".executed" / "meeting-01.ipynb").is_file()  # kept for the data team
    assert all(f.parent == out / "meeting-01" for f in files)


@pytest.mark.slow
def test_handout_loads_nothing_from_the_network(built):
    page = (built[0] / "meeting-01" / "meeting-01-handout.html").read_text(encoding="utf-8")
    assert urls(page) == []
    assert "<script" not in page.lower()
    assert "<link" not in page.lower()  # CSS is inline


@pytest.mark.slow
def test_handout_has_no_code(built):
    page = (built[0] / "meeting-01" / "meeting-01-handout.html").read_text(encoding="utf-8")
    source = "\n".join(c.source for c in nbformat.read(FIXTURE, as_version=4).cells if c.cell_type == "code")
    for line in ("from successgaps_lib import workbook", "display(SVG(svg)", "wbk.load(workbook", "meeting = 1"):
        assert line in source  # the fixture has this code ...
        assert line not in html.unescape(page)  # ... and the handout does not
    assert "In&nbsp;[" not in page and "In [" not in page
    assert 'class="input' not in page


@pytest.mark.slow
def test_handout_keeps_outputs_for_the_reader_only(built):
    page = (built[0] / "meeting-01" / "meeting-01-handout.html").read_text(encoding="utf-8")
    text = text_of(page)
    assert "This handout comes from the fixture notebook used by the tests." in text  # Markdown cell
    # The Markdown the notebook displayed, with the parameters papermill injected (meeting 1, demo).
    assert "Meeting 1 of Riverside Unified (demo) meets in Riverside High School, library (room 112)." in text
    assert "facilitator-only note" not in text  # cell tagged no-handout
    assert "diagnostic message" not in text  # stderr
    assert "Meeting 1: Getting started" in text and "Tuesday, September 16, 2025" in text


@pytest.mark.slow
def test_handout_chart_is_an_svg_with_a_text_alternative(built):
    page = (built[0] / "meeting-01" / "meeting-01-handout.html").read_text(encoding="utf-8")
    images = re.findall(r"<img\b[^>]*>", page)
    assert len(images) == 1
    assert 'src="data:image/svg+xml;base64,' in images[0]
    assert 'alt="Bar chart: 80% of the group graduated."' in images[0]


@pytest.mark.slow
def test_handout_has_a_print_stylesheet(built):
    page = (built[0] / "meeting-01" / "meeting-01-handout.html").read_text(encoding="utf-8")
    assert "@media print" in page and "@page" in page
    assert "counter(page)" in page


@pytest.mark.slow
@needs_chromium
def test_handout_pdf_has_the_handout_text(built):
    from pypdf import PdfReader

    pdf = built[0] / "meeting-01" / "meeting-01-handout.pdf"
    assert pdf in built[1] and pdf.is_file()
    reader = PdfReader(pdf)
    assert len(reader.pages) >= 1
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (612, 792)  # US Letter, from the stylesheet's @page
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "This handout comes from the fixture notebook used by the tests." in text
    assert "Page 1 of" in text  # the page footer


@needs_chromium
def test_pdf_with_one_chromium_call(tmp_path):
    from pypdf import PdfReader

    page = tmp_path / "page.html"
    page.write_text("<!DOCTYPE html><html><head><style>@page { size: Letter; }</style></head>"
                    "<body><h1>Agenda</h1><p>The team meets in the library at four.</p></body></html>",
                    encoding="utf-8")
    pdf = handouts.print_pdf_cli(page, tmp_path / "page.pdf")
    text = " ".join(PdfReader(pdf).pages[0].extract_text().split())
    assert "The team meets in the library at four." in text


# --- documents from templates (no kernel, no PDF) ---------------------------------------------------

@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    out = tmp_path_factory.mktemp("documents")
    files = build_handouts(DEMO, "all", out=out, documents=DOCUMENTS, pdf=False, progress=False)
    return out, files


def read(out: Path, number: int, name: str) -> str:
    return (out / f"meeting-{number:02d}" / f"meeting-{number:02d}-{name}.html").read_text(encoding="utf-8")


def literal_parts(template_text: str) -> list[str]:
    """The words of a template string around its {{ ... }} placeholders."""
    return [" ".join(p.split()) for p in re.split(r"\{\{.*?\}\}", template_text) if len(p.strip(" .,:")) > 3]


def test_every_meeting_gets_agendas_and_an_evaluation_form(documents):
    out, files = documents
    for n in MEETINGS:
        for name in ("agenda-facilitator", "agenda-team", "evaluation-form"):
            assert (out / f"meeting-{n:02d}" / f"meeting-{n:02d}-{name}.html") in files
            assert (out / f"meeting-{n:02d}" / f"meeting-{n:02d}-{name}.docx") in files  # word: true
    assert {f.suffix for f in files} == {".html", ".docx"}  # no PDF asked for


def test_action_plan_form_only_for_meetings_5_to_7(documents):
    out, files = documents
    having = {n for n in MEETINGS if (out / f"meeting-{n:02d}" / f"meeting-{n:02d}-action-plan-form.html") in files}
    assert having == {5, 6, 7}
    form = text_of(read(out, 6, "action-plan-form"))
    assert all(f"Root cause {k}" in form for k in range(1, MAX_ROOT_CAUSES + 1))
    assert f"Root cause {MAX_ROOT_CAUSES + 1}" not in form
    for column in ("Person responsible", "Timeline", "Resources", "Measure of progress"):
        assert column in form
    assert "Status" not in form and "Status" in text_of(read(out, 7, "action-plan-form"))


def test_each_agenda_states_its_meetings_objectives(documents):
    out, _ = documents
    dirs = handouts.template_dirs(wbk.load(DEMO))
    for n in MEETINGS:
        objectives = handouts.agenda_content(dirs, n)["objectives"]
        assert objectives
        for name in ("agenda-facilitator", "agenda-team"):
            text = text_of(read(out, n, name))
            assert "{{" not in text and "}}" not in text
            for objective in objectives:
                for part in literal_parts(objective):
                    assert part in text, (n, name, part)
        evaluation = text_of(read(out, n, "evaluation-form")).lower()
        for objective in objectives:
            for part in literal_parts(objective):
                assert part.lower() in evaluation


def test_agenda_times_fill_the_scheduled_meeting(documents):
    out, _ = documents
    book = wbk.load(DEMO)
    for meeting in book.meetings:
        page = re.sub(r"</?span\b[^>]*>", "", read(out, meeting.number, "agenda-team"))  # nowrap spans
        times = re.findall(r'<td class="time">([^<]+)&ndash;([^<]+)</td>', page)
        assert times, meeting.number
        assert times[0][0] == handouts.clock(meeting.time)
        assert times[-1][1] == handouts.clock(meeting.end.time())
        assert all(end == start for (_, end), (start, _) in itertools.pairwise(times))


def test_facilitator_notes_only_in_the_facilitator_agenda(documents):
    out, _ = documents
    note = "Everyone speaks once before anyone speaks twice"  # from agendas/meeting-1.yml
    assert note in text_of(read(out, 1, "agenda-facilitator"))
    assert note not in text_of(read(out, 1, "agenda-team"))


def test_rubric_meetings_name_their_sections(documents):
    out, _ = documents
    from successgaps_lib.rubric import load_rubric

    titles = {s.id: s.title for s in load_rubric().sections}
    for meeting in wbk.load(DEMO).meetings:
        for section in meeting.rubric_sections:
            assert titles[section] in text_of(read(out, meeting.number, "agenda-team"))


def test_homework_and_next_meeting_from_the_workbook(documents):
    out, _ = documents
    book = wbk.load(DEMO)
    for meeting in book.meetings:
        text = text_of(read(out, meeting.number, "agenda-team"))
        assert " ".join(meeting.homework.split()) in text
        following = book.next_meeting(meeting.number)
        expected = meeting.next_meeting or handouts.long_date(following.date)
        assert expected in text


def test_one_invitation_per_member_naming_them(documents):
    out, files = documents
    book = wbk.load(DEMO)
    letters = sorted(f for f in files if "invitation" in f.name)
    assert all(f.parent.name == "meeting-01" for f in letters)
    signer = book.facilitator
    invited = [m for m in book.team if m != signer]
    assert len(letters) == len(invited)
    first = book.meeting(1)
    for member in invited:
        letter = out / "meeting-01" / f"meeting-01-invitation-{handouts.slug(member.name)}.html"
        text = text_of(letter.read_text(encoding="utf-8"))
        assert f"Dear {member.name}," in text
        assert handouts.long_date(first.date) in text and first.place in text
        assert signer.name in text
        others = [m.name for m in invited if m != member]
        assert not any(f"Dear {name}," in text for name in others)


def test_documents_load_nothing_from_the_network(documents):
    for f in (f for f in documents[1] if f.suffix == ".html"):  # Word files: tests/test_kit.py
        page = f.read_text(encoding="utf-8")
        assert urls(page) == [], f.name
        assert "<script" not in page.lower()


def test_missing_roles_are_flagged_for_the_facilitator(tmp_path):
    book_dir = tmp_path / "wb"
    wbk.init(book_dir, district="Lakeside", first_meeting=dt.date(2026, 1, 6))
    text = (book_dir / "workbook.yml").read_text(encoding="utf-8").replace(
        "team: []", "team:\n  - name: Ann Lee\n    role: parent")
    (book_dir / "workbook.yml").write_text(text, encoding="utf-8")
    build_handouts(book_dir, 1, out=tmp_path / "out", documents=["agenda-facilitator"], pdf=False, progress=False)
    page = text_of(read(tmp_path / "out", 1, "agenda-facilitator"))
    assert "Roles still to fill" in page
    assert "Special education teacher" in page and "Community member" in page
    assert "Ann Lee" in page


def test_a_workbook_may_override_a_template(tmp_path):
    book_dir = tmp_path / "wb"
    wbk.init(book_dir, district="Lakeside", first_meeting=dt.date(2026, 1, 6))
    (book_dir / "templates" / "agendas").mkdir(parents=True)
    (book_dir / "templates" / "agendas" / "team.md.j2").write_text(
        "# Our own agenda for meeting {{ meeting.number }}\n\nBring snacks.\n", encoding="utf-8")
    build_handouts(book_dir, 2, out=tmp_path / "out", documents=["agenda-team", "agenda-facilitator"], pdf=False,
                   progress=False)
    assert "Our own agenda for meeting 2 Bring snacks." in text_of(read(tmp_path / "out", 2, "agenda-team"))
    assert "Bring snacks" not in read(tmp_path / "out", 2, "agenda-facilitator")  # the others are the shipped ones


def test_unknown_rubric_section_names_the_workbook_key(tmp_path):
    book_dir = tmp_path / "wb"
    wbk.init(book_dir, district="Lakeside", first_meeting=dt.date(2026, 1, 6))
    file = book_dir / "workbook.yml"
    file.write_text(file.read_text(encoding="utf-8").replace(
        "rubric_sections: []   # ids of sections in templates/rubric.yml", "rubric_sections: [culture]", 1),
        encoding="utf-8")
    with pytest.raises(ConfigError, match=r"meeting 2\)\.rubric_sections.*'culture'"):
        build_handouts(book_dir, 2, out=tmp_path / "out", documents=["agenda-team"], pdf=False, progress=False)


def test_unknown_document_name(tmp_path):
    with pytest.raises(ConfigError, match="unknown document 'agenda'"):
        build_handouts(DEMO, 1, out=tmp_path, documents=["agenda"], pdf=False, progress=False)


# --- the pipeline ----------------------------------------------------------------------------------------

def test_external_resources_are_refused():
    cdn = '<div><script src="https://cdn.jsdelivr.net/npm/vega@5"></script></div>'
    with pytest.raises(HandoutError, match=r"cdn\.jsdelivr\.net"):
        handouts.check_self_contained(cdn, "meeting 1")
    with pytest.raises(HandoutError, match=r"fonts\.example\.com"):
        handouts.check_self_contained("<style>@import url(//fonts.example.com/a.css);</style>", "x")
    kept = handouts.check_self_contained(
        '<svg xmlns="http://www.w3.org/2000/svg"></svg><a href="https://ideadata.org/">IDC</a>'
        "<script>var x = 1;</script>", "x")
    assert "<script" not in kept and 'href="https://ideadata.org/"' in kept


def test_an_altair_html_chart_cannot_reach_a_handout():
    """A chart left on Altair's default html renderer loads vega from a CDN: the build stops."""
    book = wbk.load(DEMO)
    dirs = handouts.template_dirs(book)
    nb = new_notebook(cells=[new_code_cell("chart", outputs=[new_output(
        "display_data", data={"text/html": '<div id="vis"></div><script src="https://cdn.jsdelivr.net/npm/vega@5">'
                                           "</script>", "text/plain": "alt.Chart(...)"})])])
    context = handouts.meeting_context(book, 1, dirs)
    with pytest.raises(HandoutError, match="offline"):
        handouts.export_handout(nb, context, dirs, "meeting-01.ipynb")


def test_a_table_of_students_cannot_reach_a_handout():
    book = wbk.load(DEMO)
    dirs = handouts.template_dirs(book)
    table = "<table><thead><tr><th></th><th>student_id</th><th>graduated</th></tr></thead></table>"
    nb = new_notebook(cells=[new_code_cell("students.head()", outputs=[new_output(
        "execute_result", data={"text/html": table, "text/plain": "..."}, execution_count=1)])])
    with pytest.raises(PrivacyError, match="student_id"):
        handouts.export_handout(nb, handouts.meeting_context(book, 1, dirs), dirs, "meeting-01.ipynb")


@pytest.mark.slow
def test_meetings_build_in_parallel_each_in_its_folder(tmp_path):
    timings: dict = {}
    files = build_handouts(DEMO, [1, 5], out=tmp_path, jobs=2, notebooks=FIXTURE, pdf=False, progress=False,
                           documents=["handout", "action-plan-form", "evaluation-form"], timings=timings)
    names = {f.relative_to(tmp_path).as_posix() for f in files}
    assert names == {
        "meeting-01/meeting-01-handout.html", "meeting-01/meeting-01-evaluation-form.html",
        "meeting-05/meeting-05-handout.html", "meeting-05/meeting-05-evaluation-form.html",
        "meeting-05/meeting-05-action-plan-form.html",
        "meeting-01/meeting-01-evaluation-form.docx", "meeting-05/meeting-05-evaluation-form.docx",
        "meeting-05/meeting-05-action-plan-form.docx",
    }
    assert set(timings) == {1, 5} and all(t["execute"] > 0 for t in timings.values())
    # each meeting's notebook got its own meeting number
    assert "Meeting 5 of Riverside Unified (demo) meets in Riverside Unified district office, board room." in \
        text_of(read(tmp_path, 5, "handout"))


@pytest.mark.slow
def test_a_failing_notebook_names_the_meeting_and_the_error(tmp_path):
    nb = nbformat.read(FIXTURE, as_version=4)
    nb.cells.append(new_markdown_cell("never reached"))
    nb.cells.insert(2, new_code_cell("raise ValueError('no data for this meeting')"))
    broken = tmp_path / "broken.ipynb"
    nbformat.write(nb, broken)
    with pytest.raises(HandoutError, match=r"meeting 3: broken\.ipynb failed .*ValueError: no data for this meeting"):
        build_handouts(DEMO, 3, out=tmp_path / "out", notebooks=broken, documents=["handout"], pdf=False,
                       progress=False)
    assert (tmp_path / "out" / ".executed" / "meeting-03.ipynb").is_file()  # to see what went wrong


def test_notebooks_are_found_by_meeting(tmp_path):
    for n in (2, 3, 4):
        assert handouts.find_notebook(n, {n: FIXTURE}) == FIXTURE
    folder = tmp_path / "nb"
    folder.mkdir()
    shutil.copy(FIXTURE, folder / f"{MEETINGS[6].notebook}.ipynb")
    assert handouts.find_notebook(6, folder) == folder / "05_root_causes_and_plan.ipynb"
    assert handouts.find_notebook(5, folder) == folder / "05_root_causes_and_plan.ipynb"
    with pytest.raises(HandoutError, match="meeting 7"):
        handouts.find_notebook(7, folder)



@pytest.mark.parametrize("duration", [45, 90, 120, 150, 95])
def test_timed_steps_fill_the_meeting(duration):
    steps = [{"minutes": m, "activity": str(m)} for m in (15, 10, 15, 30, 25, 15, 10)]
    start = dt.datetime(2025, 9, 16, 16, 0)
    timed = handouts.timed_steps(steps, start, duration)
    assert timed[0]["start"] == start
    assert timed[-1]["end"] == start + dt.timedelta(minutes=duration)
    assert sum(s["minutes"] for s in timed) == duration
    assert all(s["minutes"] >= 0 for s in timed)
    assert all(a["end"] == b["start"] for a, b in itertools.pairwise(timed))


# --- the command line ------------------------------------------------------------------------------------

def run_cli(*argv: str) -> int:
    return cli_main(list(argv))


def test_cli_init_then_handouts(tmp_path, capsys):
    folder = tmp_path / "lakeside"
    assert run_cli("init", str(folder), "--district", "Lakeside", "--group", "EL", "--outcome", "MTH",
                   "--first-meeting", "2026-02-03") == 0
    book = wbk.load(folder)
    assert (book.district, book.target.group, book.target.outcome) == ("Lakeside", "English learners",
                                                                         "math_proficiency")
    assert book.meeting(1).date == dt.date(2026, 2, 3)
    assert "successgaps handouts" in capsys.readouterr().out
    assert run_cli("handouts", str(folder), "--meeting", "2", "--meeting", "3", "--no-pdf", "--only", "agenda-team",
                   "--quiet") == 0
    captured = capsys.readouterr()
    assert "Wrote 4 files" in captured.out  # HTML and Word, two meetings
    assert "no team member yet" in captured.err
    assert (folder / "handouts" / "meeting-03" / "meeting-03-agenda-team.html").is_file()
    assert (folder / "handouts" / "meeting-03" / "meeting-03-agenda-team.docx").is_file()


def test_cli_rejects_a_bad_meeting_number():
    with pytest.raises(SystemExit):
        run_cli("handouts", "x", "--meeting", "9")


# --- file names (issue 9 item 6) ------------------------------------------------------------------------

def _workbook_with_team(tmp_path: Path, names: list[str]) -> Path:
    book_dir = tmp_path / "wb"
    wbk.init(book_dir, district="Lakeside", first_meeting=dt.date(2026, 1, 6))
    team = "team:\n" + "".join(f"  - name: {name}\n    role: parent\n" for name in names)
    team += "  - name: Karen Nguyen\n    role: facilitator\n"
    file = book_dir / "workbook.yml"
    file.write_text(file.read_text(encoding="utf-8").replace("team: []", team), encoding="utf-8")
    return book_dir


def test_non_latin_names_get_files_of_their_own(tmp_path, capsys):
    names = ["王芳", "李伟", "Мария Иванова", "محمد علي", "José Núñez", "Nguyễn Thị Lan"]
    book_dir = _workbook_with_team(tmp_path, names)
    out = tmp_path / "out"
    assert run_cli("handouts", str(book_dir), "--meeting", "1", "--no-pdf", "--only", "invitation", "--quiet",
                   "--out", str(out)) == 0
    written = sorted((out / "meeting-01").glob("*.html"))
    assert len(written) == len(names)  # one letter each, none overwritten
    assert f"Wrote {len(names)} files" in capsys.readouterr().out  # the count printed is the count written
    for name in names:
        letter = out / "meeting-01" / f"meeting-01-invitation-{handouts.slug(name)}.html"
        assert f"Dear {name}," in text_of(letter.read_text(encoding="utf-8"))


def test_two_members_with_one_file_name_is_an_error(tmp_path, capsys):
    book_dir = _workbook_with_team(tmp_path, ["Maria Lopez", "María López"])
    assert run_cli("handouts", str(book_dir), "--meeting", "1", "--no-pdf", "--only", "invitation", "--quiet",
                   "--out", str(tmp_path / "out")) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Maria Lopez and María López" in err and "maria-lopez" in err
    assert not (tmp_path / "out" / "meeting-01").exists() or not any((tmp_path / "out" / "meeting-01").iterdir())
