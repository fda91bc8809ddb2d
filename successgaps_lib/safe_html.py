"""HTML that runs nothing and loads nothing: safe Markdown, the handouts' Content-Security-Policy,
and the offline check that looks at what a page loads.

Handouts carry what a team typed (names, places, notes, homework) to parents and a school
board, so nothing in them may run or call out:

- **Markdown** (agendas, forms, letters) is rendered by :func:`markdown_html`: values from the
  workbook or the store reach it already HTML-escaped by the templates' autoescaping, so raw
  HTML can only come from the template files themselves; links are kept only for ``http(s)``,
  ``mailto`` and ``#`` targets (``[x](javascript:...)`` becomes the plain text ``x``), images
  only for ``data:`` images.
- **CSP**: every page says, in a ``<meta>``, that it runs no script and loads nothing but its
  own ``data:`` images and inline styles (:data:`CONTENT_SECURITY_POLICY`), so even a mistake
  elsewhere cannot run in a browser or in the PDF printer.
- **Offline check**: :func:`loaded_urls` parses the page and lists what a browser would fetch
  (``src``, ``srcset``, ``<link href>``, ``<object data>``, SVG ``href``, CSS ``url()`` and
  ``@import``, a ``<meta>`` refresh). A URL in the text of a note, or a link a reader may
  follow, is not a load.

>>> loaded_urls('<p>See https://example.org</p><a href="https://ideadata.org">IDC</a>')
[]
>>> loaded_urls('<img src="https://cdn.example.com/x.png"><p style="background:url(//t.example/p)">')
['https://cdn.example.com/x.png', '//t.example/p']
>>> print(markdown_html("[x](javascript:alert(1)) and [IDC](https://ideadata.org)").strip())
<p>x and <a href="https://ideadata.org">IDC</a></p>
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

#: The policy every handout and document declares: no script, no remote anything, no forms.
CONTENT_SECURITY_POLICY = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
                           "script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'")

#: Link targets a reader may follow from a handout.
LINK_SCHEMES = ("http:", "https:", "mailto:")

# Attributes whose value the browser fetches (or, for <a>, does not: handled below).
_LOAD_ATTRIBUTES = {"src", "poster", "background", "lowsrc", "dynsrc", "longdesc", "data", "formaction",
                    "manifest", "ping"}
_HREF_LOADS = {"link", "image", "use", "feimage", "script", "base", "tref", "pattern", "filter"}
_CSS_URL = re.compile(r"""(?i)url\(\s*(['"]?)([^'")]*)\1\s*\)|@import\s+(['"])([^'"]*)\3""")
_CSS_COMMENT = re.compile(r"(?s)/\*.*?\*/")


def is_local(url: str) -> bool:
    """True if fetching ``url`` needs no network: a ``data:`` URL, a fragment, or nothing.

    >>> is_local("data:image/png;base64,AA"), is_local("#top"), is_local("//cdn.example/x"), is_local("a.css")
    (True, True, False, False)
    """
    url = "".join(html.unescape(url).split()).lower()
    return url == "" or url.startswith(("data:", "#", "about:blank"))


_SRCSET_URL = re.compile(r"[\s,]*([^\s]+)")


def srcset_urls(value: str) -> list[str]:
    """The URLs of a ``srcset`` (a URL is a run without spaces: a ``data:`` URL may hold commas).

    >>> srcset_urls("a.png 1x, data:image/png;base64,AA 2x,b.png")
    ['a.png', 'data:image/png;base64,AA', 'b.png']
    """
    urls, pos = [], 0
    while (match := _SRCSET_URL.match(value, pos)) is not None:
        url, pos = match[1], match.end()
        if url.endswith(","):
            url = url.rstrip(",")
        else:  # descriptors (1x, 300w) run to the next comma
            end = value.find(",", pos)
            pos = len(value) if end < 0 else end + 1
        if url:
            urls.append(url)
    return urls


class _Loads(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            name = name.lower()
            if name in _LOAD_ATTRIBUTES or (name in ("href", "xlink:href") and tag in _HREF_LOADS):
                self.urls.append(value.strip())
            elif name in ("srcset", "imagesrcset"):
                self.urls += srcset_urls(value)
            elif name == "style":
                self._css(value)
            elif name == "content" and tag == "meta" and "url=" in value.lower():
                self.urls.append(value[value.lower().index("url=") + 4:].strip(" '\""))
        self._in_style = tag == "style"

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self._css(data)

    def _css(self, text: str):
        for match in _CSS_URL.finditer(_CSS_COMMENT.sub(" ", text)):
            self.urls.append((match[2] if match[2] is not None else match[4]).strip())


def loaded_urls(page: str) -> list[str]:
    """Every URL a browser would fetch from the network to show ``page`` (in page order)."""
    parser = _Loads()
    parser.feed(page)
    parser.close()
    return [url for url in parser.urls if not is_local(url)]


def declared_policy(page: str) -> str | None:
    """The Content-Security-Policy a page declares in a ``<meta>`` (None if it declares none).

    >>> declared_policy(csp_meta()) == CONTENT_SECURITY_POLICY
    True
    """
    found: list[str] = []

    class Meta(HTMLParser):
        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "content-security-policy":
                found.append(attrs.get("content") or "")

    Meta(convert_charrefs=True).feed(page)
    return found[0] if found else None


def safe_link(url: str) -> bool:
    """True if ``url`` is a link a handout may carry: ``http(s)``, ``mailto`` or ``#...``.

    >>> safe_link("https://ideadata.org"), safe_link("MAILTO:a@b.org"), safe_link(" jav&#x61;script:x")
    (True, True, False)
    >>> safe_link("java\\tscript:alert(1)"), safe_link("relative/page.html")
    (False, False)
    """
    url = "".join(html.unescape(url).split()).lower()
    return url.startswith(LINK_SCHEMES) or url.startswith("#")


def _renderer(**options):
    from nbconvert.filters.markdown_mistune import IPythonRenderer

    class SafeRenderer(IPythonRenderer):
        """nbconvert's renderer, with links and images limited to what a handout may hold."""

        def link(self, text: str, url: str, title: str | None = None) -> str:
            return super().link(text, url, title) if safe_link(url) else text

        def image(self, text: str, url: str, title: str | None = None) -> str:
            if "".join(url.split()).lower().startswith("data:image/"):
                return super().image(text, url, title)
            return html.escape(text, quote=False)

    return SafeRenderer(escape=False, allow_harmful_protocols=False, **options)


def markdown_html(text: str, **options) -> str:
    """Markdown as HTML, with only safe links and ``data:`` images (see the module docstring);
    ``options`` go to nbconvert's ``IPythonRenderer`` (attachments, anchor links, ...)."""
    from nbconvert.filters.markdown_mistune import MarkdownWithMath

    return MarkdownWithMath(renderer=_renderer(**options)).render(text)


def csp_meta() -> str:
    """The ``<meta>`` element that declares :data:`CONTENT_SECURITY_POLICY`."""
    return f'<meta http-equiv="Content-Security-Policy" content="{html.escape(CONTENT_SECURITY_POLICY)}">'
