"""Reading a file into a table of text cells, tolerantly: CSV in any common encoding, Excel, Parquet.

``read_table`` returns every cell as a string (blank = ``""``), indexed by the row number the
line has in the original file (1-based, as a spreadsheet shows it), so a validator can name
the row a user must fix. It finds the header row below lines of free text, strips spaces and
BOMs from column names, detects the delimiter and the encoding (UTF-8, UTF-8 with a BOM,
UTF-16, Windows-1252/Latin-1) and drops blank rows and footnote rows. It does not judge the
values: that is the loaders' job.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
>>> _ = path.write_bytes("State file 2023-24\\n\\nyear;school ;group\\n2024;Peña;ALL\\n".encode("cp1252"))
>>> t = read_table(path)
>>> list(t.columns), t.index.tolist(), t.loc[4, "school"], t.attrs["encoding"]
(['year', 'school', 'group'], [4], 'Peña', 'cp1252')
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from . import limits
from .errors import InputError
from .problems import Problem

#: Rows scanned for the header below free-text lines.
HEADER_SEARCH_ROWS = 50
_DELIMITERS = (",", ";", "\t", "|")
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_PARQUET_TEXT = ("string", "large_string", "utf8", "large_utf8")


def fold(name: object) -> str:
    """A column or value name folded for matching: case, spaces, punctuation and BOMs ignored.

    >>> fold(" School_Year \\ufeff"), fold("NUMERATOR")
    ('schoolyear', 'numerator')
    """
    return re.sub(r"[^a-z0-9]+", "", str(name).lower().replace("\ufeff", ""))


def read_table(path, *, sheet=None, encoding=None, header_row=None, expect: Iterable[str] = ()) -> pd.DataFrame:
    """Read ``path`` (CSV/TSV/TXT, XLSX or Parquet; told apart by their bytes) as text cells.

    ``sheet`` names an Excel sheet (default: the first sheet whose header has ``expect``ed
    columns, else the first sheet). ``encoding`` overrides detection. ``header_row`` (1-based)
    overrides header detection; otherwise the header is the first of the top
    ``HEADER_SEARCH_ROWS`` rows holding at least two ``expect``ed names (folded), or failing
    that the first row that is at least half as full as the fullest.

    ``attrs`` of the result: ``file`` (the name errors use; with the sheet for Excel),
    ``format``, ``encoding``, ``header_row``, ``sheets``. Raises ``InputError`` for an empty
    file, a header with no data rows, duplicate column names, undecodable bytes or a missing
    sheet.
    """
    path = Path(path)
    expect = {fold(name) for name in expect}
    try:
        data = _read_bytes(path)
    except FileNotFoundError:
        raise InputError(str(path), "file not found", expected="an existing file") from None
    except IsADirectoryError:
        raise InputError(str(path), "this is a folder, not a file", expected="a CSV, Excel or Parquet file") from None
    except OSError as error:
        raise InputError(str(path), f"cannot read the file ({error.strerror or error})",
                         expected="a file this account may read") from None
    name = str(path)
    if data[:4] == b"PAR1":
        frame = _read_parquet(path, name)
        attrs = {"file": name, "format": "parquet", "encoding": "", "header_row": 0, "sheets": []}
        _check_rows(frame, name, 0)
        frame.attrs.update(attrs)
        return frame
    formulas: list[tuple[int, int]] = []
    if data[:4] == b"PK\x03\x04":
        rows, name, sheets, formulas = _excel_rows(path, sheet, expect)
        fmt, used = "xlsx", ""
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise InputError(name, "this is an old-style Excel (.xls) workbook, which the workbook does not read",
                         expected="the file saved again as .xlsx or CSV")
    else:  # a sheet name means nothing to a text file: a mapping written for a workbook still works
        text, used = _decode(data, name, encoding)
        rows = _csv_rows(text, name)
        fmt, sheets = "csv", []
    frame, header = _frame(rows, name, header_row, expect, formulas)
    frame.attrs.update({"file": name, "format": fmt, "encoding": used, "header_row": header, "sheets": sheets})
    return frame


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing one over the ``file_bytes`` limit before holding it (a pipe too)."""
    limit = limits.get("file_bytes")
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        size = path.stat().st_size if path.is_file() else None
        raise limits.exceeded(str(path), "file_bytes", size)
    return data


# --- Text files -----------------------------------------------------------------------------

def _row_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _snippet(data: bytes, offset: int) -> str:
    """The field holding a bad byte, read as Windows-1252 so the user sees the character.

    Only that field: the rest of a student's row stays out of the message.
    """
    stops = b"\n,;\t|"
    start = max(data.rfind(bytes([c]), max(0, offset - 60), offset) for c in stops) + 1
    start = max(start, offset - 60)
    ends = [i for i in (data.find(bytes([c]), offset, offset + 60) for c in stops) if i >= 0]
    end = min(ends, default=min(len(data), offset + 60))
    return data[start:end].decode("cp1252", errors="replace").strip()


def _decode(data: bytes, name: str, encoding: str | None) -> tuple[str, str]:
    """Decode ``data``: the given encoding, else a BOM's, else UTF-8, else one single-byte encoding.

    Bytes that are valid UTF-8 in some lines but not in others are a file pasted together
    from two sources: that is an error naming the first line that breaks UTF-8.
    """
    if not data.strip():
        raise InputError(name, "the file is empty", expected="a header row and at least one row of data")
    if encoding:
        try:
            info = codecs.lookup(encoding)
        except LookupError:
            raise InputError(name, f"unknown text encoding {encoding[:40]!r}",
                             expected="e.g. utf-8 or cp1252") from None
        if not getattr(info, "_is_text_encoding", True):  # rot13, base64, zlib: codecs, not text encodings
            raise InputError(name, f"{encoding[:40]!r} is not a text encoding", expected="e.g. utf-8 or cp1252")
        candidates = [encoding]
    elif data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    elif b"\x00" in data[:4096]:
        raise InputError(name, "this is not a text table (it holds binary bytes)",
                         row=_row_of(data, data.index(b"\x00")), expected="a CSV, Excel or Parquet file")
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as error:
            if _UTF8_MULTIBYTE.search(data):
                byte = data[error.start]
                raise InputError(name, f"mixed text encodings: byte 0x{byte:02X} on this row is not UTF-8 "
                                 "but other rows are", row=_row_of(data, error.start),
                                 value=_snippet(data, error.start),
                                 expected="one encoding for the whole file (save it again as UTF-8)") from None
        candidates = ["cp1252", "latin-1"]
    for candidate in candidates:
        try:
            return data.decode(candidate), codecs.lookup(candidate).name
        except UnicodeDecodeError as error:
            last = error
        except (UnicodeError, LookupError, TypeError) as error:  # a codec that fails in its own way
            raise InputError(name, f"the file cannot be read as {candidate[:40]!r} ({type(error).__name__})",
                             expected="one text encoding for the whole file, e.g. utf-8 or cp1252") from None
    single_byte = codecs.lookup(candidates[0]).name not in ("utf-16", "utf-8-sig", "utf-8")
    raise InputError(name, f"bytes that are not {candidates[0]} text", row=_row_of(data, last.start),
                     value=_snippet(data, last.start) if single_byte else None,
                     expected="one text encoding for the whole file")


def _delimiter(lines: list[str]) -> str:
    """The delimiter that splits some line into the most fields (ties: comma)."""
    best, score = ",", -1
    for delimiter in _DELIMITERS:
        count = max((line.count(delimiter) for line in lines), default=0)
        if count > score:
            best, score = delimiter, count
    return best


def _csv_rows(text: str, name: str) -> list[list[str]]:
    """Split text into rows of fields. Rows are records: quoted line breaks stay in their field."""
    text = text.lstrip("\ufeff")
    sample = [line for line in text.splitlines()[:HEADER_SEARCH_ROWS] if line.strip()]
    delimiter = _delimiter(sample)
    chars = limits.get("cell_chars")
    before = csv.field_size_limit(chars)  # a field longer than the limit stops the reader there
    try:
        rows = []
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for row in reader:
            rows.append(row)
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise limits.exceeded(name, "cell_chars", None, f"a field on line {reader.line_num} is longer "
                                  f"than {chars:,} characters") from None
        raise InputError(name, f"the file cannot be split into fields ({error})",
                         expected="a CSV file with one record per line") from None
    finally:
        csv.field_size_limit(before)
    return rows


# --- Excel ----------------------------------------------------------------------------------

def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value)


def check_zip(path: Path, name: str) -> None:
    """Measure an Excel workbook's parts before any is inflated: total size and compression ratio.

    The sizes are the ones the zip declares; Python's ``zipfile`` never inflates a part past
    its declared size, so a part cannot grow beyond what is checked here.
    """
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise InputError(name, f"not a readable Excel workbook ({type(error).__name__})",
                         expected="an .xlsx file saved by Excel or LibreOffice") from None
    ratio = limits.get("ratio")
    for part in parts:
        times = part.file_size // max(part.compress_size, 1)
        if part.file_size > limits.RATIO_GRACE_BYTES and times > ratio:
            raise limits.exceeded(name, "ratio", times, f"its part {part.filename[:60]!r} inflates {times:,} times "
                                  f"(from {part.compress_size:,} to {part.file_size:,} bytes)")
    total = sum(part.file_size for part in parts)
    limits.check(name, "unzipped_bytes", total)


def _excel_rows(path: Path, sheet, expect: set[str]) -> tuple[list[list[str]], str, list[str], list]:
    """The rows of one sheet as text, its name for messages, the sheet names, and its formula cells
    that have no saved value (``(row, column)``, 1-based)."""
    import openpyxl

    name = str(path)
    check_zip(path, name)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # a damaged file raises BadZipFile, KeyError, InvalidFileException...
        raise InputError(name, f"not a readable Excel workbook ({type(error).__name__})",
                         expected="an .xlsx file saved by Excel or LibreOffice") from None
    try:
        sheets = list(book.sheetnames)
        listed = ", ".join(repr(s) for s in sheets)
        if sheet is not None:
            chosen = next((s for s in sheets if s == sheet), None)
            chosen = chosen or next((s for s in sheets if fold(s) == fold(sheet)), None)
            if chosen is None:
                raise InputError(name, "the workbook has no sheet with this name", value=sheet,
                                 expected=f"one of its sheets: {listed}")
            rows, formulas = _sheet_rows(book, chosen, name)
        else:
            chosen, rows, formulas = None, None, []
            for candidate in sheets:
                candidate_rows, candidate_formulas = _sheet_rows(book, candidate, name)
                if rows is None and any(any(cell.strip() for cell in row) for row in candidate_rows):
                    chosen, rows, formulas = candidate, candidate_rows, candidate_formulas  # first with anything
                if expect and _header_index(candidate_rows, expect) is not None:
                    chosen, rows, formulas = candidate, candidate_rows, candidate_formulas
                    break
            if rows is None:
                raise InputError(name, "every sheet of the workbook is empty", value=None,
                                 expected=f"a header row and data on one of its sheets ({listed})")
    finally:
        book.close()
    return rows, f"{name} [sheet {chosen!r}]", sheets, formulas


def _sheet_rows(book, title: str, file: str) -> tuple[list[list[str]], list[tuple[int, int]]]:
    """Read one sheet cell by cell, never trusting its declared ``<dimension>``.

    openpyxl pads every row to the dimension a sheet declares: a 1.6 KB file that claims
    ``A1:XFD1048576`` becomes 17 billion cells. Here rows are as wide as their last cell, then
    padded to the widest row actually present; rows, columns, cells and characters are held
    to ``limits`` as they are read. A formula cell with no saved value (a file written by a
    program that does not calculate) is returned by position, to become a problem.
    """
    from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

    class Parser(WorkSheetParser):
        def parse_cell(self, element):
            cell = super().parse_cell(element)
            value = element.find(VALUE_TAG)
            saved = value is not None and (value.text or element.get("t") in ("str", "s", "inlineStr", "e"))
            if element.find(FORMULA_TAG) is not None and not saved:  # <v></v> of a number: never calculated
                cell["formula"] = True
            return cell

    where = f"{file} [sheet {title!r}]"
    max_rows, max_columns = limits.get("rows"), limits.get("columns")
    max_cells, max_chars = limits.get("cells"), limits.get("cell_chars")
    worksheet = book[title]
    rows: list[list[str]] = []
    formulas: list[tuple[int, int]] = []
    empty: list[str] = []
    width = cells = 0
    with worksheet._get_source() as source:
        parser = Parser(source, worksheet._shared_strings, data_only=True, epoch=book.epoch,
                        date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        for index, parsed in parser.parse():
            if index > max_rows:
                raise limits.exceeded(where, "rows", index, f"a row numbered {index:,}")
            if not parsed:
                continue
            last = max(cell["column"] for cell in parsed)
            if last > max_columns:
                raise limits.exceeded(where, "columns", last, f"a cell in column {last:,}")
            cells += last
            if cells > max_cells:
                raise limits.exceeded(where, "cells", None)
            row = [""] * last
            for cell in parsed:
                text = _cell_text(cell["value"])
                if len(text) > max_chars:
                    raise limits.exceeded(where, "cell_chars", len(text),
                                          f"a cell of {len(text):,} characters on row {index:,}")
                row[cell["column"] - 1] = text
                if cell.get("formula"):
                    formulas.append((index, cell["column"]))
            width = max(width, last)
            while len(rows) < index - 1:
                rows.append(empty)  # one shared list for every missing row
            if len(rows) >= index:  # a row written twice (a damaged file): the later one stands
                rows[index - 1] = row
            else:
                rows.append(row)
    limits.check(where, "cells", len(rows) * width)
    return [row + [""] * (width - len(row)) if len(row) < width else row for row in rows], formulas


# --- Parquet --------------------------------------------------------------------------------

def _read_parquet(path: Path, name: str) -> pd.DataFrame:
    """Parquet columns as text, refusing types a count table cannot hold (dates, lists, bytes)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    import pyarrow.types as pat

    try:
        metadata = pq.ParquetFile(path).metadata
    except Exception as error:  # pyarrow raises several types for damaged files
        raise InputError(name, f"not a readable Parquet file ({type(error).__name__})",
                         expected="a Parquet file written by pandas, pyarrow or duckdb") from None
    # measured from the footer, before any column is read
    limits.check(name, "rows", metadata.num_rows)
    limits.check(name, "columns", metadata.num_columns)
    limits.check(name, "cells", metadata.num_rows * metadata.num_columns)
    inflated = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    times = inflated // max(path.stat().st_size, 1)
    if inflated > limits.RATIO_GRACE_BYTES and times > limits.get("ratio"):
        raise limits.exceeded(name, "ratio", times, f"it inflates {times:,} times (to {inflated:,} bytes)")
    limits.check(name, "unzipped_bytes", inflated)
    try:
        table = pq.read_table(path)
    except Exception as error:  # pyarrow raises several types for damaged files
        raise InputError(name, f"not a readable Parquet file ({type(error).__name__})",
                         expected="a Parquet file written by pandas, pyarrow or duckdb") from None
    for field in table.schema:
        kind = field.type.value_type if pat.is_dictionary(field.type) else field.type
        if not (pat.is_integer(kind) or pat.is_floating(kind) or pat.is_boolean(kind) or pat.is_null(kind)
                or pat.is_string(kind) or pat.is_large_string(kind) or pat.is_decimal(kind)):
            raise InputError(name, f"Parquet column of type {field.type}", column=field.name.strip(),
                             expected="text, numbers or true/false in every column")
        if pat.is_string(kind) or pat.is_large_string(kind):
            column = table.column(field.name)
            column = column.dictionary_decode() if pat.is_dictionary(field.type) else column
            longest = pc.max(pc.utf8_length(column)).as_py() if len(column) else 0
            if longest and longest > limits.get("cell_chars"):
                raise limits.exceeded(name, "cell_chars", longest,
                                      f"a cell of {longest:,} characters in column {field.name[:60]!r}")
    # integers stay integers (pandas would make a column with a blank float, and a uint64 wrap)
    exact = {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(),
             pa.int64(): pd.Int64Dtype(), pa.uint8(): pd.UInt8Dtype(), pa.uint16(): pd.UInt16Dtype(),
             pa.uint32(): pd.UInt32Dtype(), pa.uint64(): pd.UInt64Dtype()}
    return text_frame(table.to_pandas(types_mapper=exact.get), name)


def text_frame(frame: pd.DataFrame, name: str = "(table)") -> pd.DataFrame:
    """A data frame's cells as text, as ``read_table`` gives them; rows numbered from 1.

    Whole floats lose their ``.0`` (pandas stores a column of counts with a blank as float),
    missing values become ``""``; dates are refused (no field of the workbook is a date).

    >>> text_frame(pd.DataFrame({"n": [10.0, None, 2.5], "ok": [True, False, None]})).values.tolist()
    [['10', 'True'], ['', 'False'], ['2.5', '']]
    """
    columns = {}
    for column in frame.columns:
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object)
        label = str(column).strip()
        if pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_object_dtype(values.dtype) or \
                pd.api.types.is_string_dtype(values.dtype):
            text = values.astype("str").where(values.notna(), "")
        elif pd.api.types.is_integer_dtype(values.dtype):  # exact, whatever the width (uint64 too)
            exact = getattr(values.dtype, "numpy_dtype", values.dtype)
            missing = values.isna().to_numpy()
            digits = values.to_numpy(dtype=exact, na_value=0).astype(str)
            text = pd.Series(np.where(missing, "", digits), index=values.index)
        elif pd.api.types.is_numeric_dtype(values.dtype):
            numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
            whole = np.isfinite(numbers) & (numbers == np.floor(numbers))
            small = whole & (np.abs(numbers) < 2.0 ** 53)  # past 2**53 a float is no exact count anyway
            text = np.where(small, np.where(small, numbers, 0).astype(np.int64).astype(str), numbers.astype(str))
            for i in np.flatnonzero(whole & ~small):
                text[i] = f"{numbers[i]:.0f}"  # its real value, never a wrapped int64
            text = pd.Series(np.where(np.isnan(numbers), "", text), index=values.index)
        else:
            raise InputError(name, f"column of type {values.dtype}", column=label,
                             expected="text, numbers or true/false in every column")
        columns[label] = text.to_numpy()
    out = pd.DataFrame(columns, dtype="str")
    out.index = pd.RangeIndex(1, len(out) + 1, name="row")
    _check_columns(list(out.columns), name, 1)
    return out


# --- Common ---------------------------------------------------------------------------------

def _filled(row: list[str]) -> int:
    return sum(1 for cell in row if cell.strip())


def _header_index(rows: list[list[str]], expect: set[str]) -> int | None:
    """Index of the first of the top rows naming at least two expected columns."""
    need = min(2, len(expect))
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if need and sum(1 for cell in row if fold(cell) in expect) >= need:
            return i
    return None


def _frame(rows: list[list[str]], name: str, header_row, expect: set[str],
           formulas: list[tuple[int, int]] = ()) -> tuple[pd.DataFrame, int]:
    limits.check(name, "rows", len(rows))
    widest = max(map(len, rows), default=0)
    limits.check(name, "columns", widest)
    limits.check(name, "cells", len(rows) * widest)
    if not any(_filled(row) for row in rows):
        raise InputError(name, "the file is empty", expected="a header row and at least one row of data")
    if header_row is not None:
        if not 1 <= header_row <= len(rows):
            raise InputError(name, f"the header row {header_row} is past the end of the file "
                             f"({len(rows)} rows)", expected="the row that holds the column names")
        index = header_row - 1
    else:
        index = _header_index(rows, expect)
        if index is None:
            fullest = max(_filled(row) for row in rows[:HEADER_SEARCH_ROWS])
            index = next(i for i, row in enumerate(rows) if _filled(row) >= max(1, math.ceil(fullest / 2)))
    header = [cell.replace("\ufeff", "").strip() for cell in rows[index]]
    body = rows[index + 1:]
    width = len(header)
    while width and not header[width - 1] and not any(len(r) >= width and r[width - 1].strip() for r in body):
        width -= 1  # trailing unnamed, empty columns (spreadsheet exports pad rows with commas)
    header = header[:width]
    header = [h or f"(column {i + 1})" for i, h in enumerate(header)]
    _check_columns(header, name, index + 1)
    numbers = np.arange(index + 2, index + 2 + len(body))
    fields = np.array([len(row) for row in body], dtype=np.int64)
    cells = body if (fields == width).all() else [(row + [""] * (width - len(row)))[:width] for row in body]
    frame = pd.DataFrame(cells, columns=header, index=pd.Index(numbers, name="row"), dtype="str")
    keep = np.ones(len(frame), dtype=bool)
    if width and len(frame):
        filled = (frame.apply(lambda c: c.str.strip() != "")).sum(axis=1).to_numpy()
        keep = filled > 0
        # footnotes below the table: trailing rows with only their first cell filled, with text
        # that reads as a note ("* Suppressed...", "Source: ...") rather than as an ID
        if width >= 4:
            first = frame.iloc[:, 0].str.strip()
            wordy = (first.str.contains(r"\s", regex=True) | first.str.match(r"[^\w]")).to_numpy(dtype=bool)
            note = (filled == 1) & (first != "").to_numpy() & wordy
            tail = len(frame)
            while tail and (note[tail - 1] or not keep[tail - 1]):
                tail -= 1
            keep[tail:] = False
    problems = _formula_problems(formulas, index + 2, header, keep, name)
    problems += _ragged(body, fields, width, keep, numbers, name)
    frame = frame[keep]
    frame.attrs["problems"] = problems
    _check_rows(frame, name, index + 1)
    return frame, index + 1


def _formula_problems(formulas, first: int, header: list[str], keep: np.ndarray, name: str) -> list[Problem]:
    """Rows below the header with a formula that has no saved value: each a problem, each set aside.

    Read as it is, such a cell is blank, and a blank count is unknown: the figure would vanish
    without a word. The row is set aside (removed from ``keep``) and the cell is named.
    """
    from openpyxl.utils import get_column_letter

    problems, seen = [], set()
    for row, column in formulas:
        i = row - first
        if not 0 <= i < len(keep) or row in seen:
            continue
        seen.add(row)
        problems.append(Problem(name, f"cell {get_column_letter(column)}{row} holds a formula with no saved value, "
                                "so its figure is unknown", row=row,
                                column=header[column - 1] if column <= len(header) else None,
                                expected="the workbook opened and saved again in Excel or LibreOffice, which "
                                "saves every formula's value (or the values pasted in place of the formulas)",
                                kind="formula with no saved value"))
        keep[i] = False
    return problems


def _ragged(body: list[list[str]], fields: np.ndarray, width: int, keep: np.ndarray, numbers: np.ndarray,
            name: str) -> list[Problem]:
    """Rows with more or fewer fields than the header names: each a problem, each set aside.

    A short row is not padded with blanks (a blank would read as a suppressed count), and a
    long row's extra fields are not dropped: either way the row's cells may have shifted. The
    rows are removed from ``keep``. Blank trailing fields beyond the header are tolerated
    (spreadsheet exports pad rows with commas).
    """
    problems = []
    for i in np.flatnonzero(keep & (fields != width)):
        row = body[i]
        if len(row) > width:
            extra = [cell for cell in row[width:] if cell.strip()]
            if not extra:
                continue
            problem, value = f"this row has {len(row)} fields but the header names {width} columns", extra[0]
        else:
            problem, value = f"this row has only {len(row)} fields but the header names {width} columns", None
        problems.append(Problem(name, problem, row=int(numbers[i]), value=value,
                                expected="the same number of fields on every row", kind="row of the wrong length"))
        keep[i] = False
    return problems


def _check_columns(header: list[str], name: str, row: int) -> None:
    seen: dict[str, str] = {}
    for column in header:
        key = fold(column) or column
        if key in seen:
            raise InputError(name, "two columns have the same name" if seen[key] == column else
                             f"two columns have the same name ({seen[key]!r} and {column!r})",
                             row=row, column=column, expected="each column name once")
        seen[key] = column


def _check_rows(frame: pd.DataFrame, name: str, header_row: int) -> None:
    if frame.empty:
        raise InputError(name, "the file has a header row but no rows of data", row=header_row or None,
                         expected="at least one row of data below the header")
