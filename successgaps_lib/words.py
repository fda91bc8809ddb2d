"""How the workbook writes things for people: one place for each style, so every page agrees.

Every handout, dashboard, slide, form and export writes a school year, a group or an outcome
the same way; a module that writes one for an audience calls the function here instead of
formatting its own. (Meant to grow: dates, numbers and languages belong here too.)

>>> school_year(2025)
'2024-25'
>>> school_year(2000), school_year(None)
('1999-00', '')
"""

from __future__ import annotations

import math


def school_year(year) -> str:
    """The school year a data year names (the calendar year it ends in), as ``2024-25``; ``""`` for none."""
    if year is None or (isinstance(year, float) and math.isnan(year)):
        return ""
    year = int(year)
    return f"{year - 1}-{year % 100:02d}"
