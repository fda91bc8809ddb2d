"""Issue 9, item 2 (second half): no spreadsheet formula in any CSV the workbook writes.

``screen --out`` and ``Store.export_csv`` neutralise cells a spreadsheet would run (the OWASP
rule: a leading apostrophe before = + - @ tab CR), but never a genuine number.
"""

from __future__ import annotations

import csv

import pytest

from successgaps_lib import formulas
from successgaps_lib.cli import main as cli_main
from successgaps_lib.store import Store


def cells_of(path) -> list[str]:
    """Every cell of a CSV file, as a spreadsheet would get it."""
    with open(path, encoding="utf-8", newline="") as f:
        return [c for row in csv.reader(f) for c in row]


@pytest.mark.parametrize(("value", "written"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1+1", "'+1+1"), ("-cmd", "'-cmd"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("-0.25", "-0.25"), ("+3", "+3"),
    ("1e-5", "1e-5"), ("Oak", "Oak"), ("'quoted", "''quoted")])
def test_cells_that_would_run_are_neutralised(value, written):
    assert formulas.neutralise(value) == written
    assert formulas.restore(formulas.neutralise(value)) == value


def test_store_csv_export_neutralises_and_reads_back(tmp_path):
    with Store.open(tmp_path / "a.sqlite", by="=evil()") as store:
        store.add_member("=HYPERLINK(\"http://x\",\"open\")", "parent")
        store.add_member("-Ann", "leader", email="@x.example")
        store.set_consensus("DB-1", "Planning", evidence="+1 from everyone", notes="-0.5")
        store.export_csv(tmp_path / "csv")
        before = store.snapshot()
    cells = [c for f in sorted((tmp_path / "csv").glob("*.csv")) for c in cells_of(f)]
    assert not [c for c in cells if c[:1] in formulas.TRIGGERS and not formulas.is_number(c)], cells
    assert "-0.5" in cells  # a number stays a number
    with Store.open(tmp_path / "b.sqlite") as again:
        again.import_csv(tmp_path / "csv")
        assert again.snapshot() == before


def test_screen_out_neutralises_school_names(tmp_path, capsys):
    data = tmp_path / "counts.csv"
    lines = ["year,school,group,outcome,numerator,denominator"]
    for school in ("", '=HYPERLINK("http://x","open")', "@Oak", "-North"):
        lines += [f"2024,{school!s},All students,graduation,{a},{n}" if "," not in school else
                  f'2024,"{school.replace(chr(34), chr(34) * 2)}",All students,graduation,{a},{n}'
                  for a, n in [(900, 1000)]]
        for group, a, n in (("White", 500, 520), ("Black or African American", 250, 330)):
            quoted = f'"{school.replace(chr(34), chr(34) * 2)}"' if "," in school or '"' in school else school
            lines.append(f"2024,{quoted},{group},graduation,{a},{n}")
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "gaps.csv"
    assert cli_main(["screen", str(data), "--schools", "--out", str(out)]) == 0, capsys.readouterr().err
    cells = cells_of(out)
    assert any(c.startswith("'=HYPERLINK") for c in cells) and "'@Oak" in cells
    assert not [c for c in cells if c[:1] in formulas.TRIGGERS and not formulas.is_number(c)]
    # Genuine negative numbers in numeric columns are written as numbers, without an apostrophe.
    with open(out, encoding="utf-8", newline="") as f:
        numbers = [row[c] for row in csv.DictReader(f) for c in ("difference", "score") if row[c]]
    negative = [d for d in numbers if d.startswith("-")]
    assert negative and all(float(d) < 0 for d in negative)


def test_problem_lists_neutralise_values(tmp_path):
    from successgaps_lib import problems

    path = problems.write_csv([problems.Problem(file="a.csv", problem="not a count", row=2, column="count",
                                                value="=1+2", expected="a whole number"),
                               problems.Problem(file="a.csv", problem="negative count", row=3, column="count",
                                                value="-4", expected="0 or more")], tmp_path / "p.csv")
    cells = cells_of(path)
    assert "'=1+2" in cells and "-4" in cells
