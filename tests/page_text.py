"""The visible text of an HTML page, as a reader sees it, for tests that look for words on a page."""

from __future__ import annotations

import html
import re


def text_of(page: str) -> str:
    """``page``'s visible text, whitespace folded: no style or script, and no space where an
    inline ``<span>`` starts or ends (``nowrap.keep_together`` wraps dates and intervals in one).

    >>> text_of('<p>As of <span class="nowrap">Feb 24, 2026</span>.</p><style>p {}</style>')
    'As of Feb 24, 2026.'
    """
    page = re.sub(r"(?is)<(style|script)\b.*?</\1\s*>", " ", page)
    page = re.sub(r"</?span\b[^>]*>", "", page)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
