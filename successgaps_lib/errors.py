"""Exceptions the workbook raises on purpose, each printable as one clear line."""

from __future__ import annotations


class SuccessGapsError(Exception):
    """Base class: the CLI prints ``str(error)`` on one line and exits 2."""


class InputError(SuccessGapsError, ValueError):
    """A file a user gave us is not what we can read.

    Names the file, the row (1-based, as a spreadsheet shows it), the column, the value
    and what was expected, so the user can open the file and fix it.

    >>> print(InputError("counts.csv", "numerator above denominator", row=7, column="numerator",
    ...                  value="41", expected="at most 40"))
    counts.csv, row 7, column 'numerator': value '41': numerator above denominator; expected at most 40
    """

    def __init__(self, file, problem, *, row=None, column=None, value=None, expected=None):
        self.file, self.problem, self.row = str(file), problem, row
        self.column, self.value, self.expected = column, value, expected
        super().__init__(self._line())

    def _line(self) -> str:
        return one_line(self.file, self.problem, row=self.row, column=self.column, value=self.value,
                        expected=self.expected)


def one_line(file, problem, *, row=None, column=None, value=None, expected=None) -> str:
    """The one line every problem of a file is written as: file, row, column, value, what was expected."""
    where = [str(file)]
    if row is not None:
        where.append(f"row {row}")
    if column is not None:
        where.append(f"column {column!r}")
    text = ", ".join(where) + ": "
    if value is not None:
        value = str(value)
        value = value if len(value) <= 60 else value[:57] + "..."
        text += f"value {value!r}: "
    text += problem
    if expected:
        text += f"; expected {expected}"
    return " ".join(text.split())  # always one line


class ConfigError(SuccessGapsError, ValueError):
    """A workbook, mapping or template file (YAML) is invalid."""


class PrivacyError(SuccessGapsError):
    """Something tried to send unprotected figures to an audience."""
