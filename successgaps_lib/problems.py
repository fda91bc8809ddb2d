"""Every problem of a data file, each one line, and what was set aside because of it.

Real files are messy: a duplicated block, a subtotal that does not add up, a row cut short.
The loader (``load.py``) does not stop at the first of these. It records each as a
``Problem`` (file, row, column, value, what was expected, and a short ``kind`` used to count
them) and then either refuses the file with one line that says how many problems there are
and which command lists them (``FileProblems``), or, when asked to set aside what is
unsound, drops only the rows involved and goes on, keeping the list so that every output
can say what it left out.

>>> p = Problem("counts.csv", "numerator above denominator", row=7, column="numerator",
...             value="41", expected="at most 40", kind="numerator above denominator")
>>> print(p.line())
counts.csv, row 7, column 'numerator': value '41': numerator above denominator; expected at most 40
>>> print(FileProblems("counts.csv", [p, p]))  # doctest: +NORMALIZE_WHITESPACE
counts.csv, row 7, column 'numerator': value '41': numerator above denominator; expected at most 40
(and 1 more problem: `successgaps check counts.csv` lists them all)
"""

from __future__ import annotations

import shlex
from collections import Counter
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import pandas as pd

from .errors import InputError, one_line

#: Columns of ``problems.csv`` (``check``) and ``<out>.problems.csv`` (``screen --set-aside``).
CSV_COLUMNS = ["file", "row", "column", "value", "problem", "expected", "kind", "set_aside"]


@dataclass(frozen=True)
class Problem:
    """One problem of one file. ``row`` is 1-based as a spreadsheet shows it (None: the whole file)."""

    file: str
    problem: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    expected: str | None = None
    kind: str = ""  # what the counts by kind of problem group by; defaults to the problem text
    set_aside: bool = True  # False: reported, but nothing was dropped for it (an exact copy kept once)

    def line(self) -> str:
        return one_line(self.file, self.problem, row=self.row, column=self.column, value=self.value,
                        expected=self.expected)

    @classmethod
    def of(cls, error: InputError, kind: str = "", set_aside: bool = True) -> Problem:
        """The problem an ``InputError`` describes (for checks that can only fail whole)."""
        value = None if error.value is None else str(error.value)
        return cls(error.file, error.problem, error.row, error.column, value, error.expected,
                   kind or error.problem, set_aside)


def check_command(file) -> str:
    """The command that lists every problem of ``file``, as a user would type it."""
    return f"successgaps check {shlex.quote(str(file))}"


class FileProblems(InputError):
    """A file with problems, refused whole: its first problem, how many more, and how to list them."""

    def __init__(self, file, problems: list[Problem]):
        self.problems = list(problems)
        first = self.problems[0]
        super().__init__(first.file, first.problem, row=first.row, column=first.column, value=first.value,
                         expected=first.expected)
        more = len(self.problems) - 1
        tail = (f" (and {more:,} more problem{'s' if more != 1 else ''}: `{check_command(file)}` lists them all)"
                if more else f" (`{check_command(file)}` lists every problem; "
                "`screen --set-aside` sets the rows aside and goes on)")
        self.args = (self.args[0] + tail,)

    def __str__(self) -> str:
        return self.args[0]


def frame(problems: list[Problem]) -> pd.DataFrame:
    """The problems as a table, in file order (whole-file problems first)."""
    table = pd.DataFrame([asdict(p) for p in problems], columns=[f.name for f in fields(Problem)])
    table["kind"] = table["kind"].where(table["kind"] != "", table["problem"])
    order = table["row"].fillna(0).astype("int64")
    table = table.assign(_order=order).sort_values("_order", kind="stable").drop(columns="_order")
    table["row"] = table["row"].astype("Int64")
    return table[CSV_COLUMNS].reset_index(drop=True)


def write_csv(problems: list[Problem], path) -> Path:
    """Write ``problems.csv`` (one line per problem, as ``frame``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    from .formulas import write_csv as write_neutralised

    write_neutralised(frame(problems), path)  # a value like =HYPERLINK(...) must not run when opened
    return path


def kinds(problems: list[Problem]) -> Counter:
    """How many problems of each kind, most frequent first."""
    return Counter(p.kind or p.problem for p in problems)


def terminal(problems: list[Problem], *, limit: int = 20) -> str:
    """The first ``limit`` problems, one line each, and how many there are in all."""
    ordered = frame(problems)
    lines = [one_line(r.file, r.problem, row=None if pd.isna(r.row) else int(r.row),
                      column=None if pd.isna(r.column) else r.column,
                      value=None if pd.isna(r.value) else r.value,
                      expected=None if pd.isna(r.expected) else r.expected)
             for r in ordered.head(limit).itertuples()]
    if len(ordered) > limit:
        lines.append(f"... and {len(ordered) - limit:,} more")
    count = kinds(problems)
    lines.append(f"{len(problems):,} problem{'s' if len(problems) != 1 else ''} of "
                 f"{len(count)} kind{'s' if len(count) != 1 else ''}: "
                 + "; ".join(f"{kind}: {n:,}" for kind, n in count.most_common()))
    return "\n".join(lines)


def set_aside_line(set_aside: int, total: int, problems: list[Problem], where) -> str:
    """The one line ``screen --set-aside`` prints: how much was set aside, for what, and where it is listed."""
    count = len(kinds([p for p in problems if p.set_aside]) or kinds(problems))
    return (f"set aside {set_aside:,} of {total:,} rows for {count} kind{'s' if count != 1 else ''} "
            f"of problem: see {where}")
