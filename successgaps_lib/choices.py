"""Answers to a mistyped choice: the nearest valid values and the full list, in one line.

A data analyst types a school, group, outcome or year into a notebook call. When it is not
one the data has, ``unknown`` builds the ``ConfigError`` to raise: it names the value, the
closest matches (``difflib``, ignoring case) and the values there are, so the next try is
the right one. ``pick`` checks a value against its valid values and returns the valid spelling.

>>> print(unknown("school", "Junipr Valley", ["Juniper Valley High", "Riverside High", "Oak Elementary"]))
unknown school 'Junipr Valley'; did you mean 'Juniper Valley High'? The schools are: Juniper Valley High, \
Riverside High, Oak Elementary
>>> pick("school", "riverside high", ["Juniper Valley High", "Riverside High"])
'Riverside High'
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from .errors import ConfigError

#: The list of valid values is cut after this many (the nearest matches are always named).
MOST_LISTED = 40

_PLURALS = {"dimension": "dimensions", "year": "years", "school": "schools", "group": "groups",
            "outcome": "outcomes", "comparison": "comparisons", "slide": "slides"}


def nearest(value: object, valid: Sequence[object], n: int = 3) -> list[str]:
    """The valid values closest to ``value``, closest first (case is ignored).

    >>> nearest("graduatoin", ["graduation", "dropout", "expulsion"])
    ['graduation']
    """
    names = [str(v) for v in valid]
    folded: dict[str, str] = {}
    for name in names:
        folded.setdefault(name.lower(), name)
    text = str(value).lower()
    close = difflib.get_close_matches(text, list(folded), n=n, cutoff=0.5)
    if not close:  # a fragment of a long name ("juniper") is near no whole name: match on containment
        close = [f for f in folded if text and (text in f or f in text)][:n]
    return [folded[c] for c in close]


def unknown(what: str, value: object, valid: Sequence[object], *, hint: str = "") -> ConfigError:
    """The one-line error for a ``what`` (school, group, ...) that is not one of ``valid``."""
    names = [str(v) for v in valid]
    near = nearest(value, names)
    text = f"unknown {what} {value!r}"
    if near:
        text += "; did you mean " + " or ".join(repr(n) for n in near) + "?"
    listed = ", ".join(names[:MOST_LISTED]) + (f" (and {len(names) - MOST_LISTED} more)"
                                              if len(names) > MOST_LISTED else "")
    text += f" The {_PLURALS.get(what, what + 's')} are: {listed or 'none'}"
    if hint:
        text += f"; {hint}"
    return ConfigError(" ".join(text.split()))


def pick(what: str, value: object, valid: Sequence[object]):
    """``value`` as spelled in ``valid`` (case and outer spaces ignored); ``unknown(...)`` raised if absent.

    >>> pick("year", 2024, [2023, 2024])
    2024
    >>> pick("year", 2042, [2023, 2024])
    Traceback (most recent call last):
    ...
    successgaps_lib.errors.ConfigError: unknown year 2042; did you mean '2024' or '2023'? The years are: 2023, 2024
    """
    for v in valid:
        if v == value or str(v).strip().lower() == str(value).strip().lower():
            return v
    raise unknown(what, value, valid)
