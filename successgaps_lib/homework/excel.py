"""The Excel homework file: one per member, filled in at home, read back into the team's store.

**Writing** (``write_file``): one sheet per section due, one row per indicator, columns
``indicator``, ``statement``, ``rating`` (a drop-down of the four levels), ``evidence`` and
``notes``; the member's name and the meeting in the header rows. The member's ratings already
in the store are filled in, so a file returned unchanged changes nothing. Only the rating,
evidence and notes cells can be edited (the sheets are protected without a password: a slip
of the mouse does not rename an indicator). A hidden sheet, ``successgaps``, holds the marker:
the format, the workbook's id (``store.meta()['workbook_id']``, made on first use), the
meeting, the member, the indicators and when the file was written.

**Reading** (``import_files``): each returned file is checked whole before anything is saved,
and refused with one line saying why when it is not one of ours, belongs to another workbook or
meeting, names a member not on the team, has an indicator not in the homework or a rating
outside the scale. Its ratings are saved in one transaction with route ``excel``, by the member.
A rating someone changed in the store after the file was written (in a dashboard, through a
link, from another file) is kept, and the import says so, unless ``overwrite``. A paper rating
sheet comes in the same way: the facilitator types it into the member's file and imports it
with route ``paper`` (``import-homework --paper``).

>>> import tempfile, datetime as dt
>>> from pathlib import Path
>>> from successgaps_lib import paths
>>> from successgaps_lib.demo_workbook import copy_demo
>>> from successgaps_lib.homework import assignment
>>> folder = Path(tempfile.mkdtemp()) / "wb"
>>> wb = workbooks.load(copy_demo(folder).parent, check_files=False)
>>> path = write_files(assignment(wb, 4), folder / "out", members=wb.team[:1])[0]
>>> path.name, read_file(path).member, read_file(path).meeting
('meeting-04-homework-maria-delgado.xlsx', 'Maria Delgado', 4)
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .. import workbook as workbooks
from ..errors import InputError, SuccessGapsError
from ..groups import RATING_SCALE
from ..limits import LimitError
from ..read import check_zip
from ..store import ROUTES, Store
from . import Assignment, assignment, current, open_team_store

FORMAT = "successgaps-homework"
VERSION = 1
MARKER_SHEET = "successgaps"
COLUMNS = ("indicator", "statement", "rating", "evidence", "notes")
HEADER_ROW = 5  # the row with the column names; indicators start on the next one
WIDTHS = {"indicator": 10, "statement": 60, "rating": 24, "evidence": 50, "notes": 40}
EDITABLE = ("rating", "evidence", "notes")
META_KEY = "workbook_id"


class HomeworkFileError(InputError):
    """A returned homework file that is refused (one line: the file and why)."""


def file_name(work: Assignment, member: workbooks.Member) -> str:
    from ..handouts import slug

    return f"meeting-{work.meeting.number:02d}-homework-{slug(member.name)}.xlsx"


def workbook_id(store: Store) -> str:
    """The id that tells this workbook's homework files from any other's (made on first use)."""
    found = store.meta().get(META_KEY)
    if found:
        return found
    import uuid

    store.set_meta(META_KEY, uuid.uuid4().hex, by="successgaps homework")
    return store.meta()[META_KEY]


def _sheet_title(title: str, taken: set[str]) -> str:
    """A section's title as an Excel sheet name: at most 31 characters, none of []:*?/\\ .

    >>> _sheet_title("Data-based decision making: who/what?", set())
    'Data-based decision making- who'
    """
    clean = "".join("-" if c in "[]:*?/\\" else c for c in title).strip("' ") or "Section"
    name, n = clean[:31], 2
    while name.lower() in {t.lower() for t in taken} or name.lower() == MARKER_SHEET:
        suffix = f" ({n})"
        name, n = clean[:31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def write_file(work: Assignment, member: workbooks.Member, path: Path, *, workbook_id: str,
               saved: dict[str, dict] | None = None, now: dt.datetime | None = None) -> Path:
    """One member's homework file; ``saved`` prefills {indicator: {rating, evidence, notes}}."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    saved = saved or {}
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat(timespec="seconds")
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    bold, head = Font(bold=True), PatternFill("solid", fgColor="E8EEF5")
    wrap = Alignment(wrap_text=True, vertical="top")
    for section in work.sections:
        sheet = book.create_sheet(_sheet_title(section.title, taken))
        sheet["A1"] = f"{work.workbook.name}: rating homework"
        sheet["A1"].font = Font(bold=True, size=13)
        sheet["A2"] = f"Member: {member.name}"
        sheet["A2"].font = bold
        sheet["A3"] = f"For {work.due_text}. Section: {section.title}."
        sheet["A4"] = ("Pick a rating in column C for each indicator (" + ", ".join(RATING_SCALE)
                       + ") and write your evidence. Return this file to the facilitator.")
        for col, name in enumerate(COLUMNS, 1):
            cell = sheet.cell(HEADER_ROW, col, name)
            cell.font, cell.fill = bold, head
            sheet.column_dimensions[cell.column_letter].width = WIDTHS[name]
        levels = DataValidation(type="list", formula1='"' + ",".join(RATING_SCALE) + '"', allow_blank=True,
                                showErrorMessage=True, errorTitle="Not a rating",
                                error="Choose one of: " + ", ".join(RATING_SCALE))
        sheet.add_data_validation(levels)
        for row, indicator in enumerate(section.indicators, HEADER_ROW + 1):
            mine = saved.get(indicator.id, {})
            values = {"indicator": indicator.id, "statement": indicator.statement,
                      **{k: mine.get(k) or None for k in EDITABLE}}
            for col, name in enumerate(COLUMNS, 1):
                cell = sheet.cell(row, col, values[name])
                cell.alignment = wrap
                if name in EDITABLE:
                    cell.protection = Protection(locked=False)
            levels.add(f"C{row}")
        sheet.freeze_panes = f"A{HEADER_ROW + 1}"
        sheet.protection.sheet = True  # no password: it only keeps the ids and statements from slipping
        sheet.protection.formatColumns = False  # widths may still change
        sheet.protection.formatRows = False
    marker = book.create_sheet(MARKER_SHEET)
    for row, (key, value) in enumerate((("format", FORMAT), ("version", VERSION), ("workbook", workbook_id),
                                        ("meeting", work.meeting.number), ("member", member.name),
                                        ("indicators", ", ".join(work.indicator_ids)), ("written_at", moment)), 1):
        marker.cell(row, 1, key)
        marker.cell(row, 2, value)
    marker.sheet_state = "veryHidden"
    marker.protection.sheet = True
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def write_files(work: Assignment, folder: Path, *, members: Iterable[workbooks.Member] | None = None,
                now: dt.datetime | None = None, tick: Callable[[str], None] = lambda _: None) -> list[Path]:
    """Every member's file (or ``members``') into ``folder``, prefilled from the team's store."""
    with open_team_store(work.workbook) as store:
        wid = workbook_id(store)
        ratings = store.ratings()
    files = []
    for member in work.members if members is None else members:
        mine = ratings[ratings["member"] == member.name].set_index("indicator")
        saved = {i: mine.loc[i, list(EDITABLE)].to_dict() for i in work.indicator_ids if i in mine.index}
        files.append(write_file(work, member, folder / file_name(work, member), workbook_id=wid, saved=saved,
                                now=now))
        tick(files[-1].name)
    return files


# --- Reading a returned file ---------------------------------------------------------------------

@dataclass(frozen=True)
class Returned:
    """What a returned file says."""

    path: Path
    workbook: str
    meeting: int
    member: str
    indicators: tuple[str, ...]
    written_at: dt.datetime
    rows: tuple[dict, ...]  # {indicator, rating, evidence, notes, sheet, row}


def _refuse(path, problem: str, **where) -> HomeworkFileError:
    return HomeworkFileError(path, problem, **where)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


#: Rows of the marker sheet read at most (it holds a handful of keys).
MARKER_ROWS = 100

_BY_FOLDED = {level.casefold(): level for level in RATING_SCALE}


def read_file(path: str | Path) -> Returned:
    """Read a returned file; HomeworkFileError (one line) if it is not one of ours or is unreadable."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    path = Path(path)
    not_ours = "not a homework file of the Success Gaps Workbook"
    try:
        check_zip(path, str(path))  # an Excel file is a zip: its parts measured before any is inflated
    except LimitError:
        raise
    except InputError:
        pass  # not a zip at all: load_workbook says so below, as for any file not ours
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise _refuse(path, "file not found") from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise _refuse(path, f"{not_ours} (it cannot be read as an Excel .xlsx file)") from None
    try:
        if MARKER_SHEET not in book.sheetnames:
            raise _refuse(path, f"{not_ours} (no marker sheet); write homework files with `successgaps homework`")
        marker = book[MARKER_SHEET]
        marker.reset_dimensions()  # never pad rows to the size a sheet claims (A1:XFD1048576)
        marks = {_text(k): v for k, v, *_ in marker.iter_rows(max_col=2, max_row=MARKER_ROWS, values_only=True)
                 if k is not None}
        if _text(marks.get("format")) != FORMAT:
            raise _refuse(path, f"{not_ours} (its marker says {marks.get('format')!r})")
        if _text(marks.get("version")) != str(VERSION):
            raise _refuse(path, f"written by another version of the homework files ({marks.get('version')!r}); "
                                "write a new one with `successgaps homework`")
        try:
            meeting = int(_text(marks.get("meeting")))
            written = dt.datetime.fromisoformat(_text(marks.get("written_at")))
        except ValueError:
            raise _refuse(path, f"{not_ours} (its marker is damaged)") from None
        rows = []
        for title in book.sheetnames:
            if title == MARKER_SHEET:
                continue
            sheet = book[title]
            sheet.reset_dimensions()  # rows are read as wide as max_col, as many as the sheet has
            header = [_text(c) for c in next(sheet.iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW,
                                                             values_only=True), ())]
            if header[:len(COLUMNS)] != list(COLUMNS):
                raise _refuse(f"{path}, sheet {title!r}", f"row {HEADER_ROW} should name the columns "
                              f"{', '.join(COLUMNS)}; the columns were moved or renamed")
            for number, values in enumerate(sheet.iter_rows(min_row=HEADER_ROW + 1, max_col=len(COLUMNS),
                                                            values_only=True), HEADER_ROW + 1):
                cells = dict(zip(COLUMNS, (_text(v) for v in (*values, *[None] * len(COLUMNS))), strict=False))
                if not cells["indicator"]:
                    continue
                rating = cells["rating"]
                if rating and rating.casefold() not in _BY_FOLDED:
                    raise _refuse(f"{path}, sheet {title!r}", "not a rating", row=number, column="rating",
                                  value=rating, expected="one of " + ", ".join(RATING_SCALE) + " (or blank)")
                rows.append({"indicator": cells["indicator"], "rating": _BY_FOLDED.get(rating.casefold(), ""),
                             "evidence": cells["evidence"], "notes": cells["notes"], "sheet": title, "row": number})
    finally:
        book.close()
    indicators = tuple(i.strip() for i in _text(marks.get("indicators")).split(",") if i.strip())
    return Returned(path, _text(marks.get("workbook")), meeting, _text(marks.get("member")), indicators,
                    written if written.tzinfo else written.replace(tzinfo=dt.UTC), tuple(rows))


# --- Into the store ---------------------------------------------------------------------------------

@dataclass
class ImportReport:
    lines: list[str] = field(default_factory=list)  # what was saved, and what was kept and why
    refused: list[str] = field(default_factory=list)  # one line per refused file


def _route_words(route: str) -> str:
    words = {"dashboard": "in a dashboard", "link": "through the member's link", "excel": "from an Excel file",
             "paper": "from a paper sheet"}
    return words.get(route, "in the store" if route not in ROUTES else route)


def _changed_since(store: Store, member: str, indicator: str, since: dt.datetime) -> dict | None:
    """The newest change to this rating after ``since`` (a history row), or None."""
    history = store.history("ratings", f"{member} | {indicator}")
    later = [h for h in history.to_dict("records") if dt.datetime.fromisoformat(h["at"]) > since]
    return later[-1] if later else None


def import_file(store: Store, wb: workbooks.Workbook, path: Path, *, meeting: int | None,
                overwrite: bool = False, route: str = "excel") -> list[str]:
    """Check one returned file and save its ratings; returns the lines to print. Raises
    HomeworkFileError (nothing saved) when the file is refused."""
    returned = read_file(path)
    if returned.workbook != workbook_id(store):
        raise _refuse(path, f"belongs to another workbook, not {wb.name} ({wb.directory})")
    if meeting is not None and returned.meeting != meeting:
        raise _refuse(path, f"is the homework for meeting {returned.meeting}, not meeting {meeting}; "
                            f"import it with --meeting {returned.meeting} if that is meant")
    try:
        work = assignment(wb, returned.meeting)
    except SuccessGapsError:
        raise _refuse(path, f"is for meeting {returned.meeting}, which reviews no rubric section in "
                            "this workbook") from None
    if returned.member not in set(store.members()["name"]):
        raise _refuse(path, f"names {returned.member!r}, who is not on the team (workbook.yml's team)")
    allowed = set(work.indicator_ids)
    for row in returned.rows:
        if row["indicator"] not in allowed:
            raise _refuse(f"{path}, sheet {row['sheet']!r}", f"indicator {row['indicator']!r} is not in the "
                          f"homework for meeting {returned.meeting}", row=row["row"], column="indicator")
    saved = store.ratings(returned.member).set_index("indicator")
    take, lines = [], []
    for row in returned.rows:
        fields = {k: row[k] for k in ("rating", "evidence", "notes")}
        now = {k: (saved.loc[row["indicator"], k] if row["indicator"] in saved.index else "") for k in fields}
        if now == fields:
            continue
        later = _changed_since(store, returned.member, row["indicator"], returned.written_at)
        if later is not None and not overwrite:
            when = dt.datetime.fromisoformat(later["at"]).astimezone(dt.UTC)
            lines.append(f"{path.name}: kept {returned.member}'s rating of {row['indicator']} "
                         f"({now['rating'] or 'not rated'!r}), changed {_route_words(later['route'])} by "
                         f"{later['who']} on {when:%Y-%m-%d %H:%M} UTC, after this file was written; the file "
                         f"says {fields['rating'] or 'not rated'!r} (--overwrite takes the file's)")
            continue
        take.append({"indicator": row["indicator"], **fields})
    changed = store.set_ratings(returned.member, take, by=returned.member, route=route) if take else 0
    rated = sum(1 for r in returned.rows if r["rating"])
    lines.insert(0, f"{path.name}: {returned.member}, homework for meeting {returned.meeting}: {rated} of "
                    f"{len(work.indicator_ids)} indicators rated; {changed} saved, "
                    f"{len(returned.rows) - changed - (len(lines))} unchanged" + (f", {len(lines)} kept" if lines
                                                                                  else "") + ".")
    return lines


def import_files(wb: workbooks.Workbook, files: Iterable[str | Path], *, meeting: int | None = None,
                 overwrite: bool = False, route: str = "excel") -> ImportReport:
    """Import every file; a refused file is one line in ``refused`` and changes nothing.

    ``meeting`` defaults to the current homework's (``homework.current``); with none current,
    each file's own meeting is taken. ``route`` is 'excel', or 'paper' for a member's paper
    sheet the facilitator typed into the member's file.
    """
    report = ImportReport()
    if meeting is None:
        due = current(wb)
        meeting = due.meeting.number if due is not None else None
    with open_team_store(wb) as store:
        for file in files:
            try:
                report.lines += import_file(store, wb, Path(file), meeting=meeting, overwrite=overwrite,
                                            route=route)
            except SuccessGapsError as error:
                report.refused.append(" ".join(str(error).split()))
    return report
