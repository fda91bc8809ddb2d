"""Reading one cell: counts, suppression markers, ranges, rates, school years, yes/no flags.

Public files replace small counts with markers (``*``, ``PS``, ``-3``) or ranges (``10-14``,
``LT10``, ``<5%``). A marker is *unknown*, never zero; a range is kept as bounds.

>>> parse_count("12")
(12.0, 12.0, 12.0)
>>> parse_count("*")
(nan, nan, nan)
>>> parse_count("LT10")
(nan, 0.0, 9.0)
>>> parse_count("10-14")
(nan, 10.0, 14.0)
>>> parse_year("2023-24"), parse_year("SY 2023-2024"), parse_year(2024.0)
(2024, 2024, 2024)
>>> round_half_up(2.5), round(2.5), round_half_up(87.25, 1)
(3.0, 2, 87.3)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

NAN = float("nan")

#: Cells that mean "this count exists but is not published" (compared case-insensitively,
#: spaces ignored). Blank cells are unknown too.
MARKERS = frozenset({
    "*", "**", "***", "s", "x", "-", "--", "---", ".", "n/a", "na", "n.a.", "ps", "-3", "-9",
    "-99999999", "-9999999", "†", "‡", "~", "#", "dns", "ds", "nr", "nd", "suppressed", "masked",
    "null", "<n", "(s)", "—", "–",
})

_NUMBER = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|[+-]?\.\d+"
_NUM_RE = re.compile(rf"^(?:{_NUMBER})$")
_RANGE_RE = re.compile(rf"^({_NUMBER})\s*(?:-|–|—|to)\s*({_NUMBER})$")
# LT10, <10, < 10, <=10, ≤10, LE10, N<10, GT50, >50, GE50, >=50, ≥50
_BOUND_RE = re.compile(rf"^(?:n\s*)?(lt|le|gt|ge|<=|>=|<|>|≤|≥)\s*({_NUMBER})$", re.IGNORECASE)
_OPS = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "≤": "<=", "≥": ">="}


def _squash(text: str) -> str:
    return "".join(text.split()).lower()


def _number(text: str) -> Fraction:
    return Fraction(text.replace(",", ""))


def is_marker(text: object) -> bool:
    """True for a blank cell or a suppression marker.

    >>> is_marker(" PS "), is_marker(""), is_marker("0")
    (True, True, False)
    """
    text = "" if text is None else str(text)
    return text.strip() == "" or _squash(text) in MARKERS


def parse_count(text: object) -> tuple[float, float, float]:
    """Read a count cell as ``(value, low, high)``; NaN where unknown.

    A number gives itself three times; a marker or blank gives NaNs; a range gives NaN and
    its bounds (``GE50`` has no upper bound: NaN, to be capped by the denominator). Negative
    and fractional numbers are returned as they are (the loader reports them). Anything else
    raises ``ValueError`` with what is wrong.

    >>> parse_count("1,234"), parse_count("GE50"), parse_count("<=5")
    ((1234.0, 1234.0, 1234.0), (nan, 50.0, nan), (nan, 0.0, 5.0))
    >>> parse_count("<5%")
    Traceback (most recent call last):
    ...
    ValueError: a percentage where a count is expected
    >>> parse_count("9" * 400)
    Traceback (most recent call last):
    ...
    ValueError: a number far too large to be a count of children
    """
    try:
        return _parse_count(text)
    except OverflowError:  # a number of hundreds of digits: no float holds it
        raise ValueError("a number far too large to be a count of children") from None


def _parse_count(text: object) -> tuple[float, float, float]:
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return NAN, NAN, NAN
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text), float(text), float(text)
    raw = str(text).strip()
    if is_marker(raw):
        return NAN, NAN, NAN
    if raw.endswith("%"):
        raise ValueError("a percentage where a count is expected")
    if _NUM_RE.match(raw):
        value = float(_number(raw))
        return value, value, value
    match = _RANGE_RE.match(raw)
    if match:
        low, high = float(_number(match[1])), float(_number(match[2]))
        if low > high:
            raise ValueError("a range whose first number is larger than its second")
        return (low if low == high else NAN), low, high
    match = _BOUND_RE.match(raw)
    if match:
        op, bound = _OPS.get(match[1].lower(), match[1]), _number(match[2])
        if op == "<":
            return NAN, 0.0, float(math.ceil(bound) - 1)
        if op == "<=":
            return NAN, 0.0, float(math.floor(bound))
        if op == ">":
            return NAN, float(math.floor(bound) + 1), NAN
        return NAN, float(math.ceil(bound)), NAN
    raise ValueError("not a number, a range or a known suppression marker")


@dataclass(frozen=True)
class Rate:
    """A published rate as an interval on the true rate, in the units of the text.

    ``value`` is the published number when exact (None for a range or a marker); ``low`` and
    ``high`` bound the true rate (None: unbounded on that side); the flags say whether
    the bound itself is possible.
    """

    value: Fraction | None
    low: Fraction | None
    high: Fraction | None
    low_inclusive: bool = True
    high_inclusive: bool = False

    def numerator_bounds(self, denominator: float, scale: int = 100) -> tuple[float, float, float]:
        """Bounds ``(value, low, high)`` on the count behind this rate for ``denominator`` children.

        A published ``87.3`` (rounded half-up to one decimal) of 150 children means 87.25 <=
        100 k / 150 < 87.35, so k = 131. ``ValueError`` if no whole count gives the rate.

        >>> parse_rate("87.3").numerator_bounds(150)
        (131.0, 131.0, 131.0)
        >>> parse_rate("GE90").numerator_bounds(40)
        (nan, 36.0, 40.0)
        """
        if denominator is None or math.isnan(denominator):
            return NAN, NAN, NAN
        n = int(denominator)
        if self.low is None and self.high is None:
            return NAN, 0.0, float(n)
        low, high = 0, n
        if self.low is not None:
            x = self.low * n / scale
            low = max(low, math.ceil(x) if self.low_inclusive else math.floor(x) + 1)
        if self.high is not None:
            x = self.high * n / scale
            high = min(high, math.floor(x) if self.high_inclusive else math.ceil(x) - 1)
        if low > high:
            raise ValueError(f"no whole number of children out of {n} gives this rate")
        value = float(low) if low == high and self.value is not None else NAN
        return value, float(low), float(high)


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def parse_rate(text: object) -> Rate:
    """Read a published rate (percent or fraction, as the file writes it) as an interval.

    An exact value is taken as rounded half-up at its own precision; ``80-84`` as a band of
    whole percents (80 - 0.5 <= rate < 85, true whether the publisher rounded or truncated);
    ``<5%``, ``LE5``, ``GT95``, ``GE90`` as one-sided bounds.

    >>> r = parse_rate("<5%"); (r.low, r.high, r.high_inclusive)
    (None, Fraction(5, 1), False)
    >>> r = parse_rate("87.3"); (float(r.low), float(r.high))
    (87.25, 87.35)
    """
    raw = "" if text is None else str(text).strip()
    if isinstance(text, float) and math.isnan(text):
        raw = ""
    if is_marker(raw):
        return Rate(None, None, None)
    body = raw[:-1].strip() if raw.endswith("%") else raw
    if _NUM_RE.match(body) and _decimals(body) > 6:  # float noise: 71.900000000000006 is the 71.9 published
        short = f"{float(body):.15g}"
        body = short if _NUM_RE.match(short) else body
    if _NUM_RE.match(body):
        value = _number(body)
        half = Fraction(1, 2 * 10 ** _decimals(body))
        return Rate(value, value - half, value + half)
    match = _RANGE_RE.match(body)
    if match:
        a, b = _number(match[1]), _number(match[2])
        if a > b:
            raise ValueError("a range whose first number is larger than its second")
        unit = Fraction(1, 10 ** max(_decimals(match[1]), _decimals(match[2])))
        return Rate(None, a - unit / 2, b + unit)
    match = _BOUND_RE.match(body)
    if match:
        op, bound = _OPS.get(match[1].lower(), match[1]), _number(match[2])
        if op in ("<", "<="):
            return Rate(None, None, bound, high_inclusive=op == "<=")
        return Rate(None, bound, None, low_inclusive=op == ">=")
    raise ValueError("not a rate, a range of rates or a known suppression marker")


_YEAR_RE = re.compile(r"^(?:sy|fy|school\s*year)?\s*(\d{4})(?:\.0+)?(?:\s*(?:-|–|/|to)\s*(\d{2}|\d{4}))?$",
                      re.IGNORECASE)


def parse_year(text: object, *, single: str = "end") -> int:
    """The school year named by ``text``, as the calendar year it ends in.

    ``single`` says what a lone year such as ``2023`` names: the year the school year
    ``"end"``s in (the default, as EDFacts does) or ``"start"``s in.

    >>> parse_year("2023/24"), parse_year("2023", single="start"), parse_year("FY2024")
    (2024, 2024, 2024)
    >>> parse_year("2023-25")
    Traceback (most recent call last):
    ...
    ValueError: 2023 and 2025 are not consecutive years
    """
    if isinstance(text, int | float) and not isinstance(text, bool) and float(text).is_integer():
        text = str(int(text))
    match = _YEAR_RE.match(str(text).strip())
    if not match:
        raise ValueError("not a school year")
    first = int(match[1])
    if match[2] is None:
        year = first + (1 if single == "start" else 0)
    else:
        second = int(match[2]) if len(match[2]) == 4 else (first // 100) * 100 + int(match[2])
        if len(match[2]) == 2 and second < first:
            second += 100  # 1999-00
        if second != first + 1:
            raise ValueError(f"{first} and {second} are not consecutive years")
        year = second
    if not 1950 <= year <= 2100:
        raise ValueError("not a plausible school year")
    return year


_TRUE = frozenset({"y", "yes", "true", "t", "1", "1.0"})
_FALSE = frozenset({"n", "no", "false", "f", "0", "0.0"})


def parse_flag(text: object) -> bool:
    """A yes/no cell: ``Y/N``, ``Yes/No``, ``True/False``, ``T/F``, ``1/0``; ValueError otherwise.

    >>> parse_flag("Y"), parse_flag("false"), parse_flag(1)
    (True, False, True)
    """
    key = str(text).strip().lower()
    if not key:
        raise ValueError("blank")
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError("not a yes/no value")


def parse_outcome(text: object) -> float:
    """An outcome cell of a student record: 1.0 has it, 0.0 does not, NaN not at risk (blank).

    >>> parse_outcome("1"), parse_outcome(""), parse_outcome("N")
    (1.0, nan, 0.0)
    """
    if text is None or str(text).strip() == "":
        return NAN
    try:
        return 1.0 if parse_flag(text) else 0.0
    except ValueError:
        raise ValueError("not 0, 1 or blank") from None


def round_half_up(value, digits: int = 0):
    """Round halves away from zero, as published rates are rounded (``round`` rounds half to even).

    Works on numbers and numpy arrays. The decimal representation decides, so
    ``round_half_up(2.675, 2)`` is 2.68 although the float 2.675 is slightly below it.

    >>> round_half_up(0.5), round_half_up(-2.5), round_half_up(2.675, 2)
    (1.0, -3.0, 2.68)
    >>> round_half_up(np.array([0.125, 0.135]), 2).tolist()
    [0.13, 0.14]
    """
    factor = 10.0 ** digits
    x = np.asarray(value, dtype=np.float64)
    scaled = np.round(np.abs(x) * factor, 9)  # absorb float noise such as 267.49999999999997
    out = np.sign(x) * np.floor(scaled + 0.5) / factor
    return float(out) if out.ndim == 0 else out


def parse_each(values: pd.Series, parse, *, default=None) -> tuple[dict, dict]:
    """Apply ``parse`` to each distinct value of ``values`` once.

    Returns ``(results, failures)``: ``results`` maps each distinct value to its parse
    (``default`` where it failed); ``failures`` maps each value that did not parse to why.

    >>> parse_each(pd.Series(["1", "x", "1"]), int, default=-1)
    ({'1': 1, 'x': -1}, {'x': "invalid literal for int() with base 10: 'x'"})
    """
    results, failures = {}, {}
    for item in pd.unique(values):
        try:
            results[item] = parse(item)
        except ValueError as error:
            failures[item] = str(error)
            results[item] = default
    return results, failures


def parse_unique(values: pd.Series, parse, *, default=None) -> tuple[dict, object]:
    """``parse_each``, with only the first failure: ``(label, value, message)`` of the first bad row, or None."""
    results, failures = parse_each(values, parse, default=default)
    if not failures:
        return results, None
    label = values.isin(list(failures)).idxmax()
    return results, (label, values.loc[label], failures[values.loc[label]])
