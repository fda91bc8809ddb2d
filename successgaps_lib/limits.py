"""How much the workbook reads: one table of limits, each a documented default a user can raise.

Every reader (``read.read_table`` for CSV, Excel and Parquet; ``yaml_read`` for mappings,
workbook.yml and rubric templates) checks the file against these limits *before* the work
the limit protects: an Excel workbook's zip members are measured before one is inflated, a
sheet's declared ``<dimension>`` is never trusted (rows and cells are counted as they are
read), a Parquet file's row and column counts come from its footer, a YAML file's size is
checked before it is parsed. A file over a limit is refused with one line (``LimitError``,
exit 2) that names the limit and how to raise it, within seconds and in bounded memory.

========================  ===================  =============================================
limit (``--limit NAME``)  default              what it bounds
========================  ===================  =============================================
``file_bytes``            512 MiB              one data file on disk (CSV, Excel, Parquet)
``unzipped_bytes``        2 GiB                an Excel workbook or Parquet file inflated
``ratio``                 100                  inflated / compressed size of one part over 1 MiB
``rows``                  10,000,000           rows of one table (a sheet, a CSV, a Parquet file)
``columns``               2,000                columns of one table
``cells``                 200,000,000          rows x columns of one table
``cell_chars``            32,767               characters in one cell (Excel's own maximum)
``yaml_bytes``            1 MiB                one YAML file (mapping, workbook.yml, rubric)
``depth``                 50                   nesting of lists and keys in a YAML file
``count``                 10,000,000           children in one count cell (a problem, not an error)
========================  ===================  =============================================

``count`` is a plausibility bound, not a reading limit: no state enrols 10 million children
(the largest, California, about 5.8 million), so a larger count is a problem of its row
(``successgaps check`` lists it) rather than a figure to chart.

How to raise one: ``successgaps --limit rows=20000000 screen ...`` (any command, repeatable)
or the environment variable ``SUCCESSGAPS_LIMIT_ROWS=20000000`` (also read by notebooks and
the dashboards' kernels). The value is a whole number; ``512MiB``, ``2GB``, ``1_000_000`` are
accepted too.

>>> get("rows")
10000000
>>> print(exceeded("big.csv", "rows", 12_000_001))  # doctest: +NORMALIZE_WHITESPACE
big.csv: 12,000,001 rows, over the limit of 10,000,000 rows (limit 'rows'); if the file is right, raise it:
successgaps --limit rows=24000002 ... (or SUCCESSGAPS_LIMIT_ROWS=24000002)
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from .errors import ConfigError, InputError

KIB, MIB, GIB = 1024, 1024 ** 2, 1024 ** 3

#: The environment variable of limit ``name`` is ``ENV_PREFIX + name.upper()``.
ENV_PREFIX = "SUCCESSGAPS_LIMIT_"

#: Parts of a zip (Excel) smaller than this once inflated are not held to ``ratio``.
RATIO_GRACE_BYTES = MIB


@dataclass(frozen=True)
class Limit:
    """One limit: its name, default, unit (how a value is written) and what it bounds."""

    name: str
    default: int
    unit: str
    what: str


LIMITS: dict[str, Limit] = {limit.name: limit for limit in (
    Limit("file_bytes", 512 * MIB, "bytes", "one data file on disk"),
    Limit("unzipped_bytes", 2 * GIB, "bytes", "an Excel workbook or Parquet file inflated"),
    Limit("ratio", 100, "times its compressed size", "how much one part of a compressed file inflates"),
    Limit("rows", 10_000_000, "rows", "rows of one table"),
    Limit("columns", 2_000, "columns", "columns of one table"),
    Limit("cells", 200_000_000, "cells", "rows times columns of one table"),
    Limit("cell_chars", 32_767, "characters", "characters in one cell"),
    Limit("yaml_bytes", MIB, "bytes", "one YAML file"),
    Limit("depth", 50, "levels", "nesting of lists and keys in a YAML file"),
    Limit("count", 10_000_000, "children", "children in one count cell"),
)}

_SIZE = re.compile(r"^\s*([0-9][0-9_,]*)\s*(|k|kb|kib|m|mb|mib|g|gb|gib)\s*$", re.IGNORECASE)
_FACTORS = {"": 1, "k": KIB, "kb": 1000, "kib": KIB, "m": MIB, "mb": 1000 ** 2, "mib": MIB,
            "g": GIB, "gb": 1000 ** 3, "gib": GIB}


def parse_value(text: str, where: str) -> int:
    """A limit's value as written by a user: ``20000000``, ``20_000_000``, ``512MiB``, ``2GB``.

    >>> parse_value("512MiB", "x"), parse_value("2_000", "x")
    (536870912, 2000)
    >>> parse_value("lots", "--limit rows")
    Traceback (most recent call last):
    ...
    successgaps_lib.errors.ConfigError: --limit rows: 'lots' is not a whole number (such as 20000000 or 2GiB)
    """
    match = _SIZE.match(str(text))
    if not match or len(match[1]) > 30:
        raise ConfigError(f"{where}: {str(text)[:40]!r} is not a whole number (such as 20000000 or 2GiB)")
    value = int(match[1].replace("_", "").replace(",", "")) * _FACTORS[match[2].lower()]
    if value < 1:
        raise ConfigError(f"{where}: a limit must be at least 1")
    return value


def get(name: str) -> int:
    """The limit in force: ``$SUCCESSGAPS_LIMIT_<NAME>`` if set (``--limit`` sets it), else the default."""
    limit = LIMITS[name]
    env = ENV_PREFIX + name.upper()
    text = os.environ.get(env, "").strip()
    return parse_value(text, env) if text else limit.default


def set_limits(settings: list[str]) -> None:
    """Apply ``--limit NAME=VALUE`` settings to this process (and the processes it starts)."""
    for setting in settings:
        name, _, value = setting.partition("=")
        name = name.strip().lower().replace("-", "_")
        if name not in LIMITS or not value.strip():
            raise ConfigError(f"--limit {setting[:60]!r}: expected NAME=VALUE with NAME one of {', '.join(LIMITS)}")
        os.environ[ENV_PREFIX + name.upper()] = str(parse_value(value, f"--limit {name}"))


def _amount(name: str, value: int) -> str:
    unit = LIMITS[name].unit
    if unit == "bytes" and value >= GIB and value % GIB == 0:
        return f"{value // GIB:,} GiB"
    if unit == "bytes" and value >= MIB:
        return f"{value / MIB:,.1f} MiB".replace(".0 MiB", " MiB")
    return f"{value:,} {unit}"


class LimitError(InputError):
    """A file over one of ``LIMITS``: names the limit and how to raise it (one line, exit 2)."""

    def __init__(self, file, name: str, found: int | None, what: str = ""):
        self.limit = name
        value = get(name)
        wanted = max(2 * (found or value), value + 1)
        measured = what or (_amount(name, found) if found is not None else f"more than {_amount(name, value)}")
        problem = (f"{measured}, over the limit of {_amount(name, value)} (limit {name!r}); if the file is right, "
                   f"raise it: successgaps --limit {name}={wanted} ... (or {ENV_PREFIX}{name.upper()}={wanted})")
        super().__init__(file, problem)


def exceeded(file, name: str, found: int | None, what: str = "") -> LimitError:
    """The error for ``file`` being over limit ``name`` (``found``: what it has, when known)."""
    return LimitError(file, name, found, what)


def check(file, name: str, found: int, what: str = "") -> None:
    """Raise ``LimitError`` if ``found`` is over limit ``name``."""
    if found > get(name):
        raise exceeded(file, name, found, what)


def table() -> str:
    """The limits as a Markdown table (docs/limits.md shows it), with the values in force.

    >>> print(table().splitlines()[2])
    | `file_bytes` | 512 MiB | one data file on disk | `SUCCESSGAPS_LIMIT_FILE_BYTES` |
    """
    lines = ["| limit | value | what it bounds | environment variable |", "|---|---|---|---|"]
    for limit in LIMITS.values():
        lines.append(f"| `{limit.name}` | {_amount(limit.name, get(limit.name))} | {limit.what} | "
                     f"`{ENV_PREFIX}{limit.name.upper()}` |")
    return "\n".join(lines)
