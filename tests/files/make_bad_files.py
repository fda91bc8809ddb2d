"""Write the binary files of the bad-file corpus (Excel, Parquet) into tests/files/bad/.

The CSV and YAML files of the corpus are committed as they are; these are generated because
their bytes depend on library versions. Run: python tests/files/make_bad_files.py
(tests/test_load.py runs it into a temporary folder when the files are missing, and checks
that the committed files still raise what tests/files/bad/expected.yml says).
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).parent / "bad"
HEADER = ["year", "school", "group", "outcome", "numerator", "denominator"]


def _workbook(path: Path, sheets: dict[str, list[list]]) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)


def _parquet(path: Path, columns: dict[str, pa.Array]) -> None:
    pq.write_table(pa.table(columns), path)


def write(folder: Path = HERE) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    made = []

    def out(name):
        made.append(folder / name)
        return folder / name

    # the mapping names a sheet the workbook does not have
    _workbook(out("wrong_sheet.xlsx"), {
        "Data": [HEADER, [2024, "", "ALL", "GRAD", 90, 100]],
        "Notes": [["Suppressed cells are marked *"]],
    })
    # two title rows above the header: the bad value is on spreadsheet row 5
    _workbook(out("excel_numerator_above_denominator.xlsx"), {
        "Counts": [["District report, 2023-24"], [], HEADER,
                   [2024, "", "All students", "graduation", 90, 100],
                   [2024, "", "White", "graduation", 61, 60]],
    })
    _workbook(out("excel_empty.xlsx"), {"Sheet1": [], "Sheet2": []})
    # an Excel workbook whose first sheet is notes: the data sheet is found, and its bad group named
    _workbook(out("excel_unknown_group.xlsx"), {
        "Read me": [["Counts for the success gaps team"], ["Source: student information system"]],
        "2024": [HEADER, [2024, "", "ALL", "GRAD", 90, 100], [2024, "", "Gifted", "GRAD", 9, 10]],
    })
    out("corrupt.xlsx").write_bytes(b"PK\x03\x04" + b"\x00this is not a zip archive" * 8)
    out("old_format.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)

    base = {"school": pa.array(["", ""]), "group": pa.array(["ALL", "MB"]),
            "outcome": pa.array(["GRAD", "GRAD"])}
    _parquet(out("parquet_timestamp_year.parquet"), {
        "year": pa.array([datetime(2024, 6, 30), datetime(2024, 6, 30)]), **base,
        "numerator": pa.array([90, 20]), "denominator": pa.array([100, 25])})
    _parquet(out("parquet_fractional.parquet"), {
        "year": pa.array([2024, 2024]), **base,
        "numerator": pa.array([90.0, 20.5]), "denominator": pa.array([100.0, 25.0])})
    _parquet(out("parquet_text_numerator.parquet"), {
        "year": pa.array([2024, 2024]), **base,
        "numerator": pa.array(["90", "twenty"]), "denominator": pa.array([100, 25])})
    _parquet(out("parquet_students_bad_flag.parquet"), {
        "student_id": pa.array(["S1", "S2", "S3"]), "year": pa.array([2024, 2024, 2024]),
        "school": pa.array(["Lincoln High"] * 3), "race": pa.array(["MB", "MW", "MHL"]),
        "disability": pa.array([0, 1, 2], pa.int8())})
    _parquet(out("parquet_list_column.parquet"), {
        "year": pa.array([2024, 2024]), **base,
        "numerator": pa.array([[90], [20]]), "denominator": pa.array([100, 25])})
    return made


if __name__ == "__main__":
    for path in write(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(path)
