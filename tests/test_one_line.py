"""One line, every time (issue 9, item 5): each traceback the issue lists is one line and exit 2,
and each piece of quiet damage is a problem that ``successgaps check`` lists.

Tracebacks: a 400-digit count (OverflowError), ``encoding: rot13`` (LookupError), the pattern
``{group}_{group}_NUM`` (re.error), a 5,000-digit integer in a mapping (ValueError),
``present --password`` with no terminal (EOFError), a full disk (sqlite3.OperationalError).
Deeply nested YAML (RecursionError) is in test_limits.py. Quiet damage: Excel formulas with no
saved value, a NUL byte in a school name, counts of 10^30, a uint64 count shown wrapped
negative, widget exceptions sent to the page with the server's paths.
"""

from __future__ import annotations

import html
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from successgaps_lib import cli
from successgaps_lib.cli.registry import Command
from successgaps_lib.errors import ConfigError, InputError, SuccessGapsError
from successgaps_lib.load import load
from successgaps_lib.mapping import parse_mapping, read_mapping
from successgaps_lib.problems import FileProblems

ROOT = Path(__file__).resolve().parents[1]
HEADER = "year,school,group,outcome,numerator,denominator\n"


def one_line(error: BaseException) -> str:
    text = str(error)
    assert "\n" not in text and len(text) < 600, text
    return text


def kinds(data) -> dict[str, list]:
    found: dict[str, list] = {}
    for problem in data.problems:
        found.setdefault(problem.kind, []).append(problem)
    return found


# --- Tracebacks that are one line now ------------------------------------------------------------

def test_a_400_digit_count_is_a_problem_not_an_overflow(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(HEADER + "2024,,ALL,GRAD,90,100\n2024,,MB,GRAD," + "9" * 400 + ",30\n")
    with pytest.raises(FileProblems) as caught:
        load(path)
    assert "far too large to be a count" in one_line(caught.value) and "row 3" in str(caught.value)


def test_rot13_is_not_a_text_encoding(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(HEADER + "2024,,ALL,GRAD,90,100\n")
    with pytest.raises(ConfigError) as caught:
        load(path, mapping={"file": {"encoding": "rot13"}, "columns": {"year": "year"}})
    assert "'rot13' is not a text encoding" in one_line(caught.value)
    from successgaps_lib.read import read_table

    with pytest.raises(InputError, match="not a text encoding"):
        read_table(path, encoding="base64")


def test_a_placeholder_twice_in_a_pattern_is_one_line():
    with pytest.raises(ConfigError) as caught:
        parse_mapping({"layout": "wide", "columns": {"year": "SY", "outcome": "IND"},
                       "wide": {"numerator": "{group}_{group}_NUM", "denominator": "{group}_DEN"}})
    assert "{group} appears twice" in one_line(caught.value) and "wide.numerator" in str(caught.value)


def test_a_5000_digit_integer_in_a_mapping_is_one_line(tmp_path):
    path = tmp_path / "m.mapping.yml"
    path.write_text("file:\n  header_row: " + "7" * 5000 + "\n")
    with pytest.raises(ConfigError) as caught:
        read_mapping(path)
    assert "5,000 digits" in one_line(caught.value) and "line 2" in str(caught.value)
    (tmp_path / "workbook.yml").write_text("district: X\nmin_group_size: " + "1" * 5000 + "\n")
    from successgaps_lib import workbook as workbooks

    with pytest.raises(ConfigError, match="5,000 digits"):
        workbooks.load(tmp_path)


def test_present_password_without_a_terminal_is_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SUCCESSGAPS_PASSWORD"}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-m", "successgaps_lib.cli", "present", "--password", "--no-browser",
                           str(ROOT / "data" / "demo" / "workbook")], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, env=env, timeout=60, start_new_session=True, cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "SUCCESSGAPS_PASSWORD" in done.stderr


def full_disk_error(tmp_path) -> sqlite3.OperationalError:
    """A real 'database or disk is full' from SQLite: a store that may not grow past two pages."""
    connection = sqlite3.connect(tmp_path / "full.sqlite")
    connection.execute("create table t (x text)")
    connection.execute("pragma max_page_count = 2")
    try:
        connection.execute("insert into t values (?)", ("x" * 100_000,))
    except sqlite3.OperationalError as error:
        return error
    finally:
        connection.close()
    pytest.fail("SQLite accepted a row past max_page_count")


@pytest.mark.parametrize("make", [full_disk_error, lambda _: OSError(28, "No space left on device"),
                                  lambda _: sqlite3.OperationalError("attempt to write a readonly database")])
def test_a_full_disk_or_read_only_store_is_one_line(tmp_path, monkeypatch, capsys, make):
    error = make(tmp_path)

    def run(args):
        raise error

    monkeypatch.setitem(cli.COMMANDS, "backup", Command("backup", "back up", cli.COMMANDS["backup"].add_arguments, run))
    assert cli.main(["backup", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert ("disk is full" in err) or ("cannot be written here" in err)


# --- Quiet damage that is a problem now ----------------------------------------------------------

def test_excel_formula_without_a_saved_value_is_a_problem_naming_the_cell(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append([2024, "", "ALL", "GRAD", 90, 100])
    sheet.append([2024, "", "MB", "GRAD", "=10+10", 30])  # openpyxl saves no value for a formula
    path = tmp_path / "formulas.xlsx"
    book.save(path)
    with pytest.raises(FileProblems) as caught:
        load(path)
    assert "cell E3 holds a formula with no saved value" in one_line(caught.value)
    data = load(path, set_aside=True)
    (problem,) = kinds(data)["formula with no saved value"]
    assert (problem.row, problem.column) == (3, "numerator")
    assert data.counts["group"].tolist() == ["All students"] and data.set_aside == 1


def test_a_nul_byte_in_a_school_name_is_a_problem():
    frame = pd.DataFrame({"year": [2024, 2024], "school": ["", "Lincoln\x00 Elementary"], "group": ["ALL", "ALL"],
                          "outcome": ["GRAD", "GRAD"], "numerator": [90, 40], "denominator": [100, 50]})
    with pytest.raises(FileProblems) as caught:
        load(frame)
    assert "control character in the school name" in one_line(caught.value) and "\\x00" in str(caught.value)
    data = load(frame, set_aside=True)
    assert [p.row for p in kinds(data)["control character in a name"]] == [2]
    assert (data.counts["school"] == "").all()


def test_counts_of_ten_to_the_thirty_are_implausible(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(HEADER + f"2024,,ALL,GRAD,{10 ** 30},{10 ** 30}\n2024,,MB,GRAD,20,30\n")
    with pytest.raises(FileProblems) as caught:
        load(path)
    assert "more children than any state has" in one_line(caught.value)
    data = load(path, set_aside=True)
    assert {p.column for p in kinds(data)["implausible count"]} == {"numerator", "denominator"}


def test_a_uint64_count_is_shown_as_it_is(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    big = 2 ** 64 - 1
    table = pa.table({"year": [2024, 2024], "school": ["", ""], "group": ["ALL", "MB"], "outcome": ["GRAD", "GRAD"],
                      "numerator": pa.array([90, 20], pa.uint64()), "denominator": pa.array([100, big], pa.uint64())})
    path = tmp_path / "c.parquet"
    pq.write_table(table, path)
    data = load(path, set_aside=True)
    values = [p.value for p in data.problems]
    assert str(big) in values and not any(str(v).startswith("-") for v in values)
    assert "implausible count" in kinds(data)


def test_an_exact_int64_survives_a_blank_in_its_column(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"n": pa.array([2 ** 62 + 1, None], pa.int64())})
    pq.write_table(table, tmp_path / "n.parquet")
    from successgaps_lib.read import read_table

    assert read_table(tmp_path / "n.parquet")["n"].tolist() == [str(2 ** 62 + 1), ""]


# --- Widget errors: the server's log, never the page ---------------------------------------------

def test_a_widget_error_reaches_the_server_log_not_the_page(tmp_path, monkeypatch, capfd):
    from successgaps_lib.store import Store
    from successgaps_lib.widgets import plan_view
    from successgaps_lib.widgets.base import FAILED_TEXT

    with Store.open(tmp_path, by="Karen") as store:
        view = plan_view(store, by="Karen")

        def broken(**_):
            raise RuntimeError(f"cannot open {tmp_path}/secret/team_work.sqlite")

        monkeypatch.setattr(store, "add_goal", broken)
        view.add_goal.click()
        assert html.escape(FAILED_TEXT) in view.status.value
        assert str(tmp_path) not in view.status.value and "Traceback" not in view.status.value
        log = capfd.readouterr().err
        assert "Traceback" in log and "RuntimeError" in log  # the details: in the server's log


def test_a_widget_error_of_the_workbook_shows_its_line_without_paths(tmp_path, monkeypatch, capfd):
    from successgaps_lib.widgets.base import guarded

    said = []

    def action():
        raise ConfigError("/srv/district/workbook/templates/rubric.yml, line 3: not valid YAML")

    guarded(action, lambda text, error=False: said.append(text))()
    assert said == ["rubric.yml, line 3: not valid YAML"]
    assert "/srv/district" in capfd.readouterr().err


def test_the_server_log_is_not_the_kernels_stderr(monkeypatch, capfd):
    """In a kernel, fd 2 is forwarded to the page: the log writes to ipykernel's copy of the original."""
    import io

    from successgaps_lib import server_log

    read, write = os.pipe()

    class KernelStderr(io.StringIO):
        _original_stdstream_copy = write

    page = KernelStderr()
    monkeypatch.setattr(sys, "stderr", page)
    server_log.logger("successgaps.test_server_log").error("boom at /srv/x")
    os.close(write)
    with os.fdopen(read) as pipe:
        assert "boom at /srv/x" in pipe.read()
    assert page.getvalue() == "" and "boom" not in capfd.readouterr().err


def test_every_listed_failure_is_a_package_error():
    """The errors above are the package's own (the CLI prints them on one line, exit 2)."""
    from successgaps_lib.limits import LimitError

    assert issubclass(LimitError, InputError) and issubclass(FileProblems, SuccessGapsError)
