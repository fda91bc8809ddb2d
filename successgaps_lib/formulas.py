"""Cells a spreadsheet would run as a formula, neutralised before any CSV or Excel file is written.

A school name such as ``=HYPERLINK("http://evil.example", "Open")`` or ``@SUM(A1)`` is text to
us, but Excel and LibreOffice run it when someone opens the export. Following the OWASP rule
(https://owasp.org/www-community/attacks/CSV_Injection), a text cell that starts with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe, which spreadsheets
show as text and never run. A number (``-0.25``, ``+3``, ``1e-5``) is left as it is: it cannot
run and must stay a number.

Every writer of CSV or Excel files uses this module (``successgaps screen --out``,
``Store.export_csv``): one rule, one place. A text cell that already starts with an apostrophe
gets a second one, so ``restore`` is exact: :func:`restore` removes one apostrophe and nothing
else.

>>> neutralise("=1+2"), neutralise("-0.25"), neutralise("@risk"), neutralise("'quoted"), neutralise(3)
("'=1+2", '-0.25', "'@risk", "''quoted", 3)
>>> restore(neutralise("=1+2")), restore(neutralise("'quoted")), restore("plain")
('=1+2', "'quoted", 'plain')
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

#: What a number looks like in a CSV cell (so that ``-3`` and ``+1.5e3`` stay numbers).
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?%?")


def is_number(text: str) -> bool:
    """True if a spreadsheet would read ``text`` as a plain number.

    >>> is_number("-12.5"), is_number("+3"), is_number("1e-5"), is_number("-"), is_number("-1+1")
    (True, True, True, False, False)
    """
    return bool(_NUMBER.fullmatch(text.strip()))


def neutralise(value: Any) -> Any:
    """``value`` as it may be written to a spreadsheet cell: text that would run as a formula
    starts with an apostrophe; numbers and other values are returned unchanged."""
    if not isinstance(value, str) or not value:
        return value
    if value.startswith("'") or (value.startswith(TRIGGERS) and not is_number(value)):
        return "'" + value
    return value


def restore(value: Any) -> Any:
    """The value :func:`neutralise` was given (for reading back our own exports)."""
    if isinstance(value, str) and value.startswith("'"):
        return value[1:]
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are neutralised; numbers untouched.

    >>> neutralise_frame(pd.DataFrame({"school": ["=cmd", "Oak"], "rate": [-0.5, 0.25]})).to_dict("list")
    {'school': ["'=cmd", 'Oak'], 'rate': [-0.5, 0.25]}
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        out[column] = values.map(lambda v: neutralise(v) if isinstance(v, str) else v)
    out.columns = [neutralise(c) if isinstance(c, str) else c for c in out.columns]
    return out


def cell_text(value: Any) -> str:
    """One value as CSV text: blank for missing, floats exactly (``repr``), text neutralised."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return repr(value)
    return neutralise(value) if isinstance(value, str) else str(value)


def write_csv(frame: pd.DataFrame, path, **options) -> None:
    """``frame.to_csv(path, index=False)`` with every text cell neutralised."""
    neutralise_frame(frame).to_csv(path, index=False, **options)
