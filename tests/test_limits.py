"""Bounded reading (issue 9, item 1): every reader has limits, a file over one gets one line naming it.

The hostile files are built here, in ``tmp_path``, small on disk: an Excel sheet that declares
``A1:XFD1048576`` (openpyxl would pad every row to 16,384 cells and every missing row up to a
million), a deflate bomb, YAML alias bombs in each key of a mapping and in workbook.yml, YAML
nested deeper than Python's recursion. The dimension bomb runs in a child process with a memory
and time budget, so that without the fix it fails (MemoryError or timeout) instead of taking
the machine down with it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from successgaps_lib import limits
from successgaps_lib import workbook as workbooks
from successgaps_lib.cli import main
from successgaps_lib.errors import ConfigError, InputError, SuccessGapsError
from successgaps_lib.load import load
from successgaps_lib.mapping import read_mapping
from successgaps_lib.read import read_table

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["year", "school", "group", "outcome", "numerator", "denominator"]
ROWS = [[2024, "", "ALL", "GRAD", 90, 100], [2024, "", "MB", "GRAD", 20, 30]]


def one_line(error: BaseException) -> str:
    text = str(error)
    assert "\n" not in text and len(text) < 400, text
    return text


def excel(path: Path, rows=ROWS, header=HEADER) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def rewrite_sheet(path: Path, change) -> None:
    """Rewrite ``xl/worksheets/sheet1.xml`` of an .xlsx with ``change(xml) -> bytes``."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    parts["xl/worksheets/sheet1.xml"] = change(parts["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def bounded(code: str, *, memory_gb: float = 3, timeout: float = 90) -> subprocess.CompletedProcess:
    """Run ``code`` in a child Python with an address-space limit and a deadline."""
    import resource

    def limit():
        size = int(memory_gb * 1024 ** 3)
        resource.setrlimit(resource.RLIMIT_AS, (size, size))

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                              timeout=timeout, preexec_fn=limit, env=env, cwd=ROOT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"over the time budget of {timeout} s")


# --- Excel ----------------------------------------------------------------------------------------

def test_excel_declared_dimension_is_not_trusted(tmp_path):
    path = excel(tmp_path / "dimension.xlsx")
    # the claim, and an empty last row that makes openpyxl pad every row in between to 16,384 cells
    rewrite_sheet(path, lambda xml: re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>',
                                           xml).replace(b"</sheetData>", b'<row r="1048576"/></sheetData>'))
    assert b"XFD1048576" in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    assert path.stat().st_size < 10_000
    done = bounded(f"""
        from successgaps_lib.load import load
        data = load({str(path)!r})
        print(len(data.counts), data.rows)
    """)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["2", "2"]


def test_excel_cell_far_away_is_over_the_column_limit(tmp_path):
    path = excel(tmp_path / "far.xlsx")
    rewrite_sheet(path, lambda xml: xml.replace(b"</sheetData>",
                                                b'<row r="4"><c r="XFD4" t="inlineStr"><is><t>x</t></is></c></row>'
                                                b"</sheetData>"))
    with pytest.raises(limits.LimitError) as caught:
        read_table(path)
    assert "limit 'columns'" in one_line(caught.value) and "--limit columns=" in str(caught.value)


def test_deflate_bomb_is_refused_before_it_is_inflated(tmp_path):
    path = excel(tmp_path / "bomb.xlsx")
    padding = 64 * 1024 ** 2  # 64 MiB of spaces inside the sheet: about 64 KB compressed

    def pad(xml: bytes) -> bytes:
        return xml.replace(b"</sheetData>", b"</sheetData>" + b" " * padding)

    rewrite_sheet(path, pad)
    assert path.stat().st_size < 1024 ** 2
    with pytest.raises(limits.LimitError) as caught:
        read_table(path)
    assert "limit 'ratio'" in one_line(caught.value) and "sheet1.xml" in str(caught.value)


def test_excel_rows_over_the_limit_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    path = excel(tmp_path / "long.xlsx", rows=[[2024, f"S{i}", "ALL", "GRAD", 5, 10] for i in range(30)])
    monkeypatch.setenv("SUCCESSGAPS_LIMIT_ROWS", "")  # --limit sets it for this process: restored after the test
    assert main(["--limit", "rows=20", "check", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "limit 'rows'" in err and "--limit rows=" in err
    monkeypatch.delenv("SUCCESSGAPS_LIMIT_ROWS", raising=False)
    assert len(load(path).counts) == 30  # under the default limit it loads


def test_excel_long_cell_is_over_the_cell_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("SUCCESSGAPS_LIMIT_CELL_CHARS", "100")
    path = excel(tmp_path / "cell.xlsx", rows=[[2024, "x" * 101, "ALL", "GRAD", 5, 10]])
    with pytest.raises(limits.LimitError, match="limit 'cell_chars'"):
        read_table(path)


# --- CSV and Parquet ---------------------------------------------------------------------------

def counts_csv(path: Path, rows=ROWS) -> Path:
    pd.DataFrame(rows, columns=HEADER).to_csv(path, index=False)
    return path


def test_csv_over_the_byte_limit(tmp_path, monkeypatch):
    path = counts_csv(tmp_path / "c.csv", [[2024, f"School {i}", "ALL", "GRAD", 5, 10] for i in range(100)])
    monkeypatch.setenv("SUCCESSGAPS_LIMIT_FILE_BYTES", "1KiB")
    with pytest.raises(limits.LimitError) as caught:
        load(path)
    assert "limit 'file_bytes'" in one_line(caught.value) and "SUCCESSGAPS_LIMIT_FILE_BYTES=" in str(caught.value)


def test_csv_cell_longer_than_excel_allows(tmp_path):
    path = counts_csv(tmp_path / "c.csv", [[2024, "x" * 40_000, "ALL", "GRAD", 5, 10]])
    with pytest.raises(limits.LimitError) as caught:
        load(path)
    assert "limit 'cell_chars'" in one_line(caught.value) and "line 2" in str(caught.value)


def test_csv_columns_over_the_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("SUCCESSGAPS_LIMIT_COLUMNS", "5")
    with pytest.raises(limits.LimitError, match="limit 'columns'"):
        load(counts_csv(tmp_path / "c.csv"))


def test_parquet_rows_over_the_limit_read_from_its_footer(tmp_path, monkeypatch):
    path = tmp_path / "c.parquet"
    pd.DataFrame([[2024, "", "ALL", "GRAD", 5, 10]] * 50, columns=HEADER).to_parquet(path)
    monkeypatch.setenv("SUCCESSGAPS_LIMIT_ROWS", "49")
    with pytest.raises(limits.LimitError, match="limit 'rows'"):
        read_table(path)


def test_a_limit_set_wrong_is_one_line(monkeypatch, capsys):
    assert main(["--limit", "rows=lots", "check", "x.csv"]) == 2
    assert "not a whole number" in capsys.readouterr().err
    monkeypatch.setenv("SUCCESSGAPS_LIMIT_ROWS", "-3")
    with pytest.raises(ConfigError):
        limits.get("rows")


# --- YAML ------------------------------------------------------------------------------------------

LAUGHS = "\n".join(["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
                   + [f"{b}: &{b} [{', '.join(['*' + a] * 10)}]" for a, b in zip("abcde", "bcdef", strict=True)])


def mapping_with(tmp_path: Path, line: str) -> Path:
    """A mapping whose anchors expand to a million strings, used at ``line``."""
    path = tmp_path / "bomb.mapping.yml"
    path.write_text(f"description: {{laughs: {{{LAUGHS.replace(chr(10), ', ')}}}}}\n{line}\n")
    return path


@pytest.mark.parametrize("line", ["kind: *f", "layout: *f", "suppressed: *f", "file: {header_row: *f}",
                                  "values: {group: {MB: *f}}"])
def test_alias_bomb_in_a_mapping_is_refused_with_one_line(tmp_path, line):
    with pytest.raises(ConfigError) as caught:
        read_mapping(mapping_with(tmp_path, line))
    assert "anchors ('&a') and aliases are not accepted" in one_line(caught.value)


def test_alias_bomb_in_workbook_yml_is_refused_with_one_line(tmp_path):
    (tmp_path / "workbook.yml").write_text(LAUGHS + "\ndistrict: *f\ntarget_gap: {group: SWD, outcome: GRAD}\n")
    with pytest.raises(ConfigError) as caught:
        workbooks.load(tmp_path)
    assert "anchors" in one_line(caught.value) and "line 1" in str(caught.value)


@pytest.mark.parametrize("text", ["columns: " + "[" * 5000 + "]" * 5000,
                                  "columns:\n" + "".join(" " * i + f"k{i}:\n" for i in range(1, 1200)) + " " * 1200
                                  + "x: 1\n"])
def test_deeply_nested_yaml_is_one_line(tmp_path, text):
    path = tmp_path / "deep.mapping.yml"
    path.write_text(text)
    with pytest.raises(SuccessGapsError) as caught:
        read_mapping(path)
    assert "limit 'depth'" in one_line(caught.value)
    (tmp_path / "workbook.yml").write_text(text.replace("columns", "team"))
    with pytest.raises(SuccessGapsError, match="limit 'depth'"):
        workbooks.load(tmp_path)


def test_yaml_over_the_size_limit(tmp_path, monkeypatch):
    path = tmp_path / "big.mapping.yml"
    path.write_text("description: " + "x" * 5000 + "\n")
    monkeypatch.setenv("SUCCESSGAPS_LIMIT_YAML_BYTES", "4KiB")
    with pytest.raises(InputError, match="limit 'yaml_bytes'"):
        read_mapping(path)


def test_limits_are_documented(root):
    text = (root / "docs" / "limits.md").read_text()
    for name in limits.LIMITS:
        assert f"`{name}`" in text and f"SUCCESSGAPS_LIMIT_{name.upper()}" in text
    assert "--limit" in text


# --- The other readers: homework files returned in Excel, the disproportionality settings ------------

def homework_file(tmp_path: Path) -> Path:
    from successgaps_lib import homework
    from successgaps_lib.homework import excel as homework_excel
    from tests.demo_copy import copy_demo_workbook

    book = workbooks.load(copy_demo_workbook(tmp_path), check_files=False)
    work = homework.assignment(book, 2)
    return homework_excel.write_files(work, tmp_path / "out", members=[book.team[0]])[0]


def rewrite_sheets(path: Path, change) -> None:
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, change(data) if name.startswith("xl/worksheets/sheet") else data)


def test_a_returned_homework_file_is_read_without_trusting_its_dimension(tmp_path):
    path = homework_file(tmp_path)
    rewrite_sheets(path, lambda xml: re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>',
                                            xml).replace(b"</sheetData>", b'<row r="1048576"/></sheetData>'))
    done = bounded(f"""
        from successgaps_lib.homework import excel
        returned = excel.read_file({str(path)!r})
        print(returned.meeting, len(returned.rows) > 0)
    """)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["2", "True"]


def test_a_returned_homework_deflate_bomb_is_refused(tmp_path):
    from successgaps_lib.homework import excel as homework_excel

    path = homework_file(tmp_path)
    rewrite_sheets(path, lambda xml: xml.replace(b"</sheetData>", b"</sheetData>" + b" " * 32 * 1024 ** 2))
    with pytest.raises(limits.LimitError, match="limit 'ratio'"):
        homework_excel.read_file(path)


def test_an_alias_bomb_in_the_disproportionality_settings_is_one_line(tmp_path):
    from successgaps_lib.disproportionality.read import read_mapping as read_state_mapping
    from successgaps_lib.disproportionality.settings import read_settings

    path = tmp_path / "state.yml"
    path.write_text(LAUGHS + "\nstate: *f\n")
    with pytest.raises(ConfigError) as caught:
        read_settings(path)
    assert "anchors" in one_line(caught.value)
    path.write_text(LAUGHS + "\nkind: *f\n")
    with pytest.raises(ConfigError, match="anchors"):
        read_state_mapping(path)
