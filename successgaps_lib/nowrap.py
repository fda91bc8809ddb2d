"""Phrases a printed line must never break: dates, school years and intervals.

A reader meets "the gap is 19.1 points (95% CI 12.1 to" at the end of one line and "26.0)" at
the start of the next, or "Tuesday, April" / "14, 2026", and has to piece the figure together.
``keep_together(page)`` wraps each such phrase of an HTML page's text in
``<span class="nowrap">`` (the handout style sheet sets ``white-space: nowrap`` on it), so a
browser or Chromium's PDF printer moves the whole phrase to the next line instead:

>>> print(keep_together("<p>In 2024-25, 61.3% (95% CI 55.1% to 67.2%), as of Feb 24, 2026.</p>"))
<p>In <span class="nowrap">2024-25</span>, 61.3% (95% CI <span class="nowrap">55.1% to 67.2%</span>), \
as of <span class="nowrap">Feb 24, 2026</span>.</p>

Only text between tags is touched: never a tag or its attributes, nor what is inside
``<script>``, ``<style>``, ``<svg>``, ``<title>``, ``<textarea>`` or ``<pre>``. The text itself is
unchanged (a phrase still matches a search for it), so the page reads the same to a screen
reader and in a copy-paste.
"""

from __future__ import annotations

import re

_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
          r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)")
_NUMBER = r"[-−]?\d[\d,]*(?:\.\d+)?%?"

#: What is kept on one line, tried in this order at each place of the text.
PHRASE = re.compile("|".join([
    rf"\b{_MONTH}\.? \d{{1,2}}, \d{{4}}\b",          # Feb 24, 2026 / September 2, 2025
    rf"\b\d{{1,2}} {_MONTH} \d{{4}}\b",               # 24 February 2026
    r"\b\d{4}-\d{2}-\d{2}\b",                         # 2026-02-24
    rf"(?<![\w.]){_NUMBER} to {_NUMBER}(?![\w])",     # 12.1 to 26.0 / 55.1% to 67.2% / -31.0 to -15.2
    r"\b(?:19|20)\d{2}-\d{2}\b",                      # 2024-25
    r"\b\d{1,2}:\d{2}\s?(?:AM|PM|a\.m\.|p\.m\.)",     # 4:00 PM
]))

_SKIP = ("script", "style", "svg", "title", "textarea", "pre")
_TAG = re.compile(r"(<!--.*?-->|<[^>]*>)", re.S)
_NAME = re.compile(r"</?\s*([a-zA-Z][\w:-]*)")


def keep_together(page: str) -> str:
    """``page`` with every date, school year and interval of its text in a ``nowrap`` span."""
    out: list[str] = []
    inside: list[str] = []  # the open elements whose text is left alone
    for part in _TAG.split(page):
        if part.startswith("<"):
            name = _NAME.match(part)
            tag = name.group(1).lower() if name else ""
            if tag in _SKIP and not part.endswith("/>"):
                if part.startswith("</"):
                    if tag in inside:
                        del inside[len(inside) - 1 - inside[::-1].index(tag)]
                else:
                    inside.append(tag)
            out.append(part)
        elif inside or not part:
            out.append(part)
        else:
            out.append(PHRASE.sub(lambda m: f'<span class="nowrap">{m.group(0)}</span>', part))
    return "".join(out)
