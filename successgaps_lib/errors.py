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
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = ", ".join(where) + ": "
        if self.value is not None:
            value = str(self.value)
            value = value if len(value) <= 60 else value[:57] + "..."
            text += f"value {value!r}: "
        text += self.problem
        if self.expected:
            text += f"; expected {self.expected}"
        return " ".join(text.split())  # always one line


class ConfigError(SuccessGapsError, ValueError):
    """A workbook, mapping or template file (YAML) is invalid."""


class PrivacyError(SuccessGapsError):
    """Something tried to send unprotected figures to an audience."""
