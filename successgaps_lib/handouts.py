"""Meeting handouts: run each meeting's notebook with papermill, keep its outputs as a printable,
self-contained HTML handout and a PDF, and render the agendas, forms and letters from templates/.

Output, per meeting N, under ``<workbook>/handouts/meeting-NN/`` (or ``out``)::

    meeting-NN-handout.html / .pdf             the notebook's outputs, no code
    meeting-NN-agenda-facilitator.html / .pdf  the documents listed in templates/documents.yml
    meeting-NN-agenda-team.html / .pdf
    meeting-NN-evaluation-form.html / .pdf
    meeting-01-invitation-<name>.html / .pdf   one letter per team member (meeting 1)
    meeting-NN-action-plan-form.html / .pdf    (meetings 5 to 7), filled as of the meeting
    meeting-NN-rating-sheet-<name>.html / .pdf one per member: the homework handed out at this
                                               meeting (``homework.sheets``; meetings 1 to 3 or 4)
    ... .docx                                  agendas and forms also as Word files (``word: true``)
    meeting-01-what-is-a-success-gap.html/.pdf for new members
    meeting-01-invitation-email-<name>.txt     e-mails: one per member (``format: text``)
    meeting-NN-reminder-email-<name>.txt       (meetings 2 and on)
    meeting-05-root-cause-worksheet.html/.pdf  meeting-07-progress-monitoring-form.html / .pdf
    meeting-NN-slides.html / .pptx             the meeting's presentation (``format: deck``)

The formats beyond HTML and PDF live in ``successgaps_lib.kit`` (one function per format here:
``build_document``); which document a meeting gets is templates/documents.yml.

The executed notebooks are kept in ``<out>/.executed/`` for the data team (not for handing out).

Every HTML file is self-contained: CSS inline, charts as SVG ``data:`` images with a text
alternative, no script, nothing loaded from the network (``check_self_contained`` enforces it).
PDFs are printed by headless Chromium: through Playwright when it is installed (one browser per
worker, ~0.15 s a page), else one ``chromium --print-to-pdf`` call per file (~0.8 s).

Meetings are independent, so ``jobs`` workers (2 on a 2-core machine) build them side by side;
each meeting starts exactly one kernel.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import html
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from . import paths
from . import workbook as wbk
from .errors import ConfigError, PrivacyError, SuccessGapsError
from .groups import MAX_ROOT_CAUSES, MEETINGS, RATING_SCALE
from .nowrap import keep_together
from .safe_html import csp_meta, loaded_urls, markdown_html
from .words import clock, long_date  # one date style (words.py)

NOTEBOOKS_DIR = paths.NOTEBOOKS
TEMPLATES_DIR = paths.TEMPLATES
KERNEL_NAME = "python3"
HANDOUT = "handout"  # the document name of the notebook's handout
#: Cell tags whose cells never reach a handout (facilitator-only or Voila-only cells).
REMOVE_TAGS = frozenset({"no-handout", "remove_cell", "remove-cell"})
AGREEMENT = ("Strongly disagree", "Disagree", "Agree", "Strongly agree")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-extensions", "--mute-audio", "--hide-scrollbars")


class HandoutError(SuccessGapsError):
    """A handout could not be built (a notebook failed, Chromium is missing, a resource is external)."""


# --- Small formatting helpers (also Jinja filters) ---------------------------------------------



def slug(text: str) -> str:
    """A file-name part that keeps people apart: accents dropped from Latin letters, letters of
    other scripts kept as they are (Unicode file names), everything else a hyphen; at most 60
    characters. Different names can still meet (``Maria`` and ``María``): ``unique_names`` makes
    that an error rather than one file overwriting the other.

    >>> slug("Dr. Ann O'Neil-Park"), slug("José Núñez"), slug("Nguyễn Thị Lan")
    ('dr-ann-o-neil-park', 'jose-nunez', 'nguyen-thi-lan')
    >>> slug("王芳"), slug("李伟"), slug("Мария Иванова"), slug("محمد علي")
    ('王芳', '李伟', 'мария-иванова', 'محمد-علي')
    >>> slug("  ...  ")
    'x'
    """
    decomposed = unicodedata.normalize("NFKD", str(text))
    # Combining marks go (é -> e); a mark a script needs to be readable (Devanagari vowel
    # signs) comes back when the result is recomposed, since only Latin-based letters lose them.
    kept = "".join(c for c in decomposed if not (unicodedata.combining(c) and _after_latin(decomposed, c)))
    text = unicodedata.normalize("NFC", kept).casefold()
    text = re.sub(r"[\W_]+", "-", text).strip("-")
    return text[:60].rstrip("-") or "x"


def _after_latin(text: str, mark: str) -> bool:
    """Whether a combining mark sits on a Latin letter (the only marks ``slug`` drops)."""
    i = text.find(mark)
    while i > 0 and unicodedata.combining(text[i - 1]):
        i -= 1
    return i > 0 and "LATIN" in unicodedata.name(text[i - 1], "")


def unique_names(names: Iterable[tuple[str, str]], what: str) -> None:
    """Raise ConfigError when two different things (label, file name) would be written to one file.

    >>> unique_names([("Ann Lee", "ann-lee"), ("Bo Li", "bo-li")], "invitation")
    >>> unique_names([("Maria Lopez", "maria-lopez"), ("María López", "maria-lopez")], "invitation")
    Traceback (most recent call last):
    ...
    successgaps_lib.errors.ConfigError: Maria Lopez and María López would get the same file name \
(maria-lopez) for their invitation: give one of them a distinct name in workbook.yml (a middle initial, say)
    """
    seen: dict[str, str] = {}
    for label, name in names:
        if name in seen:
            who = f"two team members named {label}" if seen[name] == label else f"{seen[name]} and {label}"
            raise ConfigError(f"{who[:1].upper()}{who[1:]} would get the same file name ({name}) for their {what}: "
                              "give one of them a distinct name in workbook.yml (a middle initial, say)")
        seen[name] = label


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() or len(text) == 1 else text


def _css_string(text: str) -> Markup:
    r"""Text inside a CSS string in a <style> element (where HTML entities mean nothing).

    >>> print(_css_string('Ann said "hi" </style>'))
    Ann said \22 hi\22  \3c /style>
    """
    text = " ".join(str(text).split()).replace("\\", "\\5c ").replace('"', "\\22 ").replace("<", "\\3c ")
    return Markup(text)


def svg_title(svg: str) -> str:
    """The text alternative an SVG carries itself: its aria-label, <title> or <desc>.

    >>> svg_title('<svg aria-label="Graduation by group"><title>x</title></svg>')
    'Graduation by group'
    >>> svg_title('<svg xmlns="http://www.w3.org/2000/svg"><title>Rates &amp; gaps</title></svg>')
    'Rates & gaps'
    >>> svg_title("<svg></svg>")
    ''
    """
    head = svg[:svg.find(">") + 1] if svg.lstrip().startswith(("<svg", "<?xml")) else ""
    for pattern in (r'aria-label="([^"]+)"', r"<title[^>]*>(.*?)</title>", r"<desc[^>]*>(.*?)</desc>"):
        match = re.search(pattern, head if "aria" in pattern else svg, re.DOTALL)
        if match and match[1].strip():
            return html.unescape(" ".join(match[1].split()))
    return ""


def timed_steps(steps: list[Mapping[str, Any]], start: dt.datetime, duration: int) -> list[dict]:
    """Agenda steps with clock times: their minutes scaled to the meeting's duration, rounded to
    5 minutes, ending exactly when the meeting ends.

    >>> start = dt.datetime(2025, 9, 16, 16, 0)
    >>> [(s["minutes"], clock(s["start"])) for s in timed_steps([{"minutes": 30}, {"minutes": 90}], start, 60)]
    [(15, '4:00 PM'), (45, '4:15 PM')]
    """
    total = sum(max(float(s.get("minutes", 0)), 0) for s in steps) or 1
    out, done, cumulative = [], 0, 0.0
    for i, step in enumerate(steps):
        cumulative += max(float(step.get("minutes", 0)), 0)
        end = duration if i == len(steps) - 1 else min(5 * round(cumulative * duration / total / 5), duration)
        out.append({**step, "minutes": end - done, "start": start + dt.timedelta(minutes=done),
                    "end": start + dt.timedelta(minutes=end)})
        done = end
    return out


# --- Offline check -----------------------------------------------------------------------------

def external_urls(page: str) -> list[str]:
    """Every URL the page would make a browser fetch from the network (``safe_html.loaded_urls``):
    a URL in a note's text, an XML namespace or a link (``<a href>``) a reader may follow is none.

    >>> external_urls('<img src="https://cdn.example.com/x.png"><a href="https://ideadata.org">IDC</a>')
    ['https://cdn.example.com/x.png']
    >>> external_urls('<svg xmlns="http://www.w3.org/2000/svg"></svg><script src="//cdn.example.com/r.js">')
    ['//cdn.example.com/r.js']
    >>> external_urls('<td>Notes at https://example.org/minutes</td>')
    []
    """
    return loaded_urls(page)


def check_self_contained(page: str, source: str) -> str:
    """Raise HandoutError if the page would load anything from the network; drop scripts (a
    handout is printed, nothing in it needs to run)."""
    found = sorted(set(external_urls(page)))
    if found:
        raise HandoutError(f"{source}: would load {found[0]} from the network"
                           f"{f' (and {len(found) - 1} more)' if len(found) > 1 else ''}; "
                           "handouts must work offline (for Altair charts use the svg renderer)")
    return re.sub(r"(?is)<script\b.*?</script\s*>", "", page)


# --- Templates ---------------------------------------------------------------------------------

def template_dirs(workbook: wbk.Workbook | None = None, templates: str | os.PathLike | None = None) -> list[Path]:
    """Where templates are looked up, first match wins: the workbook's own templates/ folder,
    then ``templates`` (default: the shipped templates/)."""
    dirs = []
    if workbook is not None and (workbook.directory / "templates").is_dir():
        dirs.append(workbook.directory / "templates")
    dirs.append(Path(templates) if templates else TEMPLATES_DIR)
    return dirs


def _find(dirs: list[Path], name: str) -> Path | None:
    return next((d / name for d in dirs if (d / name).is_file()), None)


def _environment(dirs: list[Path]) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([str(d) for d in dirs]), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters.update(long_date=long_date, clock=clock, lower_first=_lower_first, css_string=_css_string)
    return env


def _read_yaml(path: Path) -> Any:
    return wbk.parse_yaml(path.read_text(encoding="utf-8"), str(path))


#: What a documents.yml entry becomes (``successgaps_lib.kit``): html (+ PDF, + Word with
#: ``word: true``), text (an e-mail, .txt) or deck (HTML slides and PowerPoint).
FORMATS = ("html", "text", "deck")


@dataclass(frozen=True)
class DocumentSpec:
    name: str
    template: str
    title: str
    meetings: tuple[int, ...]
    per_member: bool = False
    format: str = "html"
    word: bool = False


def document_specs(dirs: list[Path]) -> list[DocumentSpec]:
    """The documents of templates/documents.yml."""
    path = _find(dirs, "documents.yml")
    if path is None:
        return []
    data = _read_yaml(path)
    entries = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ConfigError(f"{path}, key 'documents': expected a list of documents")
    specs = []
    for i, e in enumerate(entries, 1):
        if not isinstance(e, dict) or not all(e.get(k) for k in ("name", "template")):
            raise ConfigError(f"{path}, key 'documents.{i}': expected 'name' and 'template'")
        meetings = e.get("meetings", "all")
        if meetings == "all":
            meetings = tuple(MEETINGS)
        elif isinstance(meetings, list) and all(isinstance(m, int) and m in MEETINGS for m in meetings):
            meetings = tuple(meetings)
        else:
            raise ConfigError(f"{path}, key 'documents.{i}.meetings': expected \"all\" or meeting numbers "
                              f"from {min(MEETINGS)} to {max(MEETINGS)}")
        if _find(dirs, e["template"]) is None:
            raise ConfigError(f"{path}, key 'documents.{i}.template': {e['template']!r} not found")
        kind = e.get("format", "html")
        if kind not in FORMATS:
            raise ConfigError(f"{path}, key 'documents.{i}.format': {kind!r}; expected one of {', '.join(FORMATS)}")
        specs.append(DocumentSpec(slug(str(e["name"])), str(e["template"]), str(e.get("title") or e["name"]),
                                  meetings, bool(e.get("per_member", False)), kind, bool(e.get("word", False))))
    return specs


def agenda_content(dirs: list[Path], number: int) -> dict:
    """The agenda content for one meeting: agendas/meeting-N.yml, else a meeting-A-B.yml covering N."""
    candidates = [f"agendas/meeting-{number}.yml"]
    for d in dirs:
        for p in sorted((d / "agendas").glob("meeting-*-*.yml")):
            span = re.fullmatch(r"meeting-(\d+)-(\d+)", p.stem)
            if span and int(span[1]) <= number <= int(span[2]):
                candidates.append(f"agendas/{p.name}")
    path = next((p for p in (_find(dirs, c) for c in candidates) if p), None)
    if path is None:
        raise ConfigError(f"no agenda for meeting {number}: expected templates/agendas/meeting-{number}.yml")
    data = _read_yaml(path) or {}
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        raise ConfigError(f"{path}, key 'steps': expected a list of steps with minutes and activity")
    for key in ("objectives", "prepare", "materials", "after"):
        if not isinstance(data.setdefault(key, []), list):
            raise ConfigError(f"{path}, key {key!r}: expected a list")
    for i, step in enumerate(data["steps"], 1):
        if not isinstance(step, dict) or not isinstance(step.get("minutes"), (int, float)) or not step.get("activity"):
            raise ConfigError(f"{path}, key 'steps.{i}': expected 'minutes' (a number) and 'activity'")
    data["source"] = str(path)
    return data


def meeting_sections(workbook: wbk.Workbook, number: int, dirs: list[Path]) -> list[tuple[str, str]]:
    """(id, title) of the rubric sections a meeting reviews: those workbook.yml lists for it, else
    those the rubric assigns to it. An id the rubric does not have is a ConfigError."""
    from .rubric import load_rubric

    rubric = load_rubric(_find(dirs, "rubric.yml"))
    titles = {s.id: s.title for s in rubric.sections}
    ids = workbook.meeting(number).rubric_sections or [s.id for s in rubric.sections_for_meeting(number)]
    for sid in ids:
        if sid not in titles:
            raise ConfigError(f"{workbook.path}, key 'meetings (meeting {number}).rubric_sections': unknown "
                              f"section {sid!r}; expected ids from {rubric.source}: {', '.join(titles)}")
    return [(sid, titles[sid]) for sid in ids]


def meeting_context(workbook: wbk.Workbook, number: int, dirs: list[Path],
                    extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Everything a document template may use for one meeting."""
    meeting = workbook.meeting(number)
    agenda = agenda_content(dirs, number)
    sections = meeting_sections(workbook, number, dirs)
    sections_text = _join([t for _, t in sections]) or "the rubric sections of this meeting"
    nxt = workbook.next_meeting(number)
    if meeting.next_meeting:
        next_text = meeting.next_meeting
    elif nxt is not None:
        next_text = (f"Meeting {nxt.number}: {nxt.title}, {long_date(nxt.date)}, {clock(nxt.time)} to "
                     f"{clock(nxt.end.time())}, {nxt.place}.")
    else:
        next_text = "To be scheduled."
    first = workbook.meetings[0]
    context: dict[str, Any] = {
        "workbook": workbook, "target": workbook.target, "meeting": meeting, "meetings": workbook.meetings,
        "agenda": agenda, "sections": sections, "sections_text": sections_text,
        "max_root_causes": MAX_ROOT_CAUSES, "rating_scale": RATING_SCALE, "agreement": AGREEMENT,
        "next_meeting": nxt, "next_meeting_text": next_text, "missing_roles": workbook.missing_roles(),
        "signer": workbook.facilitator,
        "total_hours": _hours(sum(m.duration for m in workbook.meetings)),
        # A letter is dated three weeks before meeting 1 (or today, if that is earlier): stable output.
        "letter_date": min(dt.date.today(), first.date - dt.timedelta(weeks=3)),
        "reply_by": first.date - dt.timedelta(weeks=2),
        **(extra or {}),
    }
    # Agenda text may hold {{ ... }} placeholders: fill them once, with this context.
    env = _environment(dirs)
    fill = lambda text: Markup(env.from_string(str(text)).render(context)) if "{" in str(text) else text  # noqa: E731
    agenda.update({k: [fill(x) for x in agenda[k]] for k in ("objectives", "prepare", "materials", "after")})
    agenda["steps"] = [{**s, **{k: fill(s.get(k, "")) for k in ("activity", "team", "facilitator")}}
                       for s in agenda["steps"]]
    context["steps"] = timed_steps(agenda["steps"], meeting.start, meeting.duration)
    context["homework"] = meeting.homework or fill(agenda.get("homework", "")) or "None."
    return context


def _join(items: list[str]) -> str:
    """Items in a sentence.

    >>> _join(["a", "b", "c"]), _join(["a", "b"])
    ('a, b and c', 'a and b')
    """
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def _hours(minutes: int) -> str:
    hours = minutes / 60
    return f"{hours:.0f}" if hours == int(hours) else f"{hours:.1f}"


_ANCHOR_LINK = re.compile(r'<a class="anchor-link" href="#[^"]*">[^<]*</a>')


def _markdown(text: str) -> str:
    # Only http(s)/mailto links and data: images survive (safe_html); headings get a "¶"
    # self-link for notebooks on screen: noise on paper.
    return _ANCHOR_LINK.sub("", markdown_html(text))


def _head(env: jinja2.Environment, dirs: list[Path], title: str, footer: str) -> Markup:
    css_path = _find(dirs, "handout/handout.css")
    css = css_path.read_text(encoding="utf-8") if css_path else ""
    if "</" in css:
        raise ConfigError(f"{css_path}: a stylesheet cannot contain '</'")
    head = env.get_template("handout/head.html.j2").render(title=title, css=Markup(css), footer=footer)
    # The policy goes first, so that it holds even under a workbook's own head template.
    return Markup(csp_meta() + "\n" + head)


def render_document(spec: DocumentSpec, context: Mapping[str, Any], dirs: list[Path]) -> str:
    """One document (agenda, form, letter) as a self-contained HTML page."""
    return render_page(spec, context, dirs, document_body(spec, context, dirs))


def document_body(spec: DocumentSpec, context: Mapping[str, Any], dirs: list[Path]) -> str:
    """A document's content as HTML (what the page, the PDF and the Word file all show)."""
    return _markdown(_environment(dirs).get_template(spec.template).render(context))


def render_page(spec: DocumentSpec, context: Mapping[str, Any], dirs: list[Path], body: str) -> str:
    """A document's body in its self-contained page (head, header, CSS)."""
    env = _environment(dirs)
    meeting, workbook = context["meeting"], context["workbook"]
    who = f" for {context['member'].name}" if spec.per_member else ""
    title = f"{workbook.name}: meeting {meeting.number}, {spec.title}{who}"
    head = _head(env, dirs, title, f"{workbook.name} · Meeting {meeting.number} · {spec.title}{who}")
    page = env.get_template("handout/page.html.j2").render(
        head=head, body=Markup(body), workbook=workbook, meeting=None if spec.per_member else meeting,
        kind=spec.name, footer_note="")
    return check_self_contained(page, spec.template)


# --- The notebook handout ------------------------------------------------------------------------

def find_notebook(number: int, notebooks: str | os.PathLike | Mapping[int, Any] | None = None) -> Path:
    """The notebook serving a meeting: ``notebooks`` may be a folder (default notebooks/), one
    notebook for every meeting, or a {meeting: notebook} mapping."""
    if isinstance(notebooks, Mapping):
        path = Path(notebooks[number])
    else:
        base = Path(notebooks) if notebooks else NOTEBOOKS_DIR
        path = base if base.suffix == ".ipynb" else base / f"{MEETINGS[number].notebook}.ipynb"
    if not path.is_file():
        raise HandoutError(f"{path}: notebook for meeting {number} not found")
    return path


def execute_notebook(notebook: Path, output: Path, workbook_dir: Path, number: int):
    """Run a meeting notebook with papermill (parameters ``workbook`` and ``meeting``); return it."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        return pm.execute_notebook(
            str(notebook.resolve()), str(output.resolve()),
            parameters={"workbook": str(workbook_dir), "meeting": number},
            kernel_name=KERNEL_NAME, progress_bar=False, log_output=False,
            # The kernel runs in the notebook's folder. Not papermill's `cwd`: it chdirs the whole
            # process, which races when two meetings run in threads; nbclient passes this one to
            # the kernel only.
            resources={"metadata": {"path": str(notebook.parent.resolve())}},
            request_save_on_cell_execute=False,
            # The kernel's own log ("running over TCP", "KeyboardInterrupt caught" on shutdown) would
            # break the progress bar.
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
    except PapermillExecutionError as e:
        raise HandoutError(f"meeting {number}: {notebook.name} failed in cell {e.exec_count}: {e.ename}: "
                           f"{e.evalue} (the executed notebook is in {output})") from None


def export_handout(nb, context: Mapping[str, Any], dirs: list[Path], source: str) -> str:
    """The executed notebook's outputs and Markdown as a self-contained HTML handout."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    workbook, meeting = context["workbook"], context["meeting"]
    env = _environment(dirs)
    title = f"{workbook.name}: meeting {meeting.number}, {meeting.title}"
    handout = {
        "head": _head(env, dirs, title, f"{workbook.name} · Meeting {meeting.number} handout"),
        "district": workbook.name,
        "heading": f"Meeting {meeting.number}: {meeting.title}",
        "when": f"{long_date(meeting.date)}, {clock(meeting.time)} to {clock(meeting.end.time())} · "
                f"{meeting.place}",
        "footer_note": f"Prepared for the {workbook.name} success gaps team. Figures based on fewer than "
                       f"{workbook.min_group_size} children are not shown.",
        "as_of": as_of_text(workbook, meeting.number),
    }
    exporter = HTMLExporter(template_name="handout", extra_template_basedirs=[str(d) for d in dirs],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                            anchor_link_text="")
    exporter.register_filter("svg_title", svg_title)
    exporter.register_filter("markdown2html", _notebook_markdown(exporter))
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=set(REMOVE_TAGS), enabled=True),
                                   enabled=True)
    page, _ = exporter.from_notebook_node(nb, resources={"handout": handout,
                                                         "metadata": {"name": title, "path": source}})
    # Last line of defence (the notebooks protect their tables): no student-level table leaves.
    if re.search(r"(?i)<th[^>]*>\s*student_id\s*</th>", page):
        raise PrivacyError(f"{source}: the handout would show a table of students (a student_id column); "
                           "show counts protected by privacy.protect() instead")
    return check_self_contained(with_glossary(page, env), source)


# --- The glossary of a page ------------------------------------------------------------------------

def visible_text(page: str) -> str:
    """What a reader of the page reads: its text and the text alternatives of its images.

    >>> visible_text('<style>p{}</style><p>A &amp; B</p><img alt="Bars: 80%">')
    'A & B Bars: 80%'
    """
    page = re.sub(r"(?is)<(style|script)\b.*?</\1\s*>", " ", page)
    page = re.sub(r'(?is)<img\b[^>]*?\balt="([^"]*)"[^>]*>', r" \1 ", page)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def with_glossary(page: str, env: jinja2.Environment) -> str:
    """The page with a short glossary (``handout/glossary.html.j2``) of the terms it uses
    (``words.glossary_for``), before the end of its ``<main>``; the page as is when it uses none."""
    from .words import glossary_for

    terms = glossary_for(visible_text(page))
    if not terms or "</main>" not in page:
        return page
    section = env.get_template("handout/glossary.html.j2").render(terms=terms)
    head, _, tail = page.rpartition("</main>")
    return f"{head}{section}</main>{tail}"


def _notebook_markdown(exporter):
    """nbconvert's ``markdown2html`` filter (Markdown cells and ``text/markdown`` outputs), with
    only the links and images ``safe_html`` allows."""

    @jinja2.pass_context
    def markdown2html(context, source: str) -> str:
        cell = context.get("cell", {})
        return markdown_html(source, attachments=cell.get("attachments", {}),
                             anchor_link_text=exporter.anchor_link_text,
                             exclude_anchor_links=exporter.exclude_anchor_links,
                             path=context.get("resources", {}).get("metadata", {}).get("path", ""))

    return markdown2html


def as_of_text(workbook: wbk.Workbook, number: int, now: Callable[[], dt.datetime] | None = None) -> str:
    """Says which moment of the team's work a meeting's handout shows (``history.meeting_moment``).

    >>> book = wbk.load(paths.DEMO_WORKBOOK, check_files=False)
    >>> as_of_text(book, 5)
    "The team's work as it stood at the end of this meeting, Tuesday, December 9, 2025, 6:00 PM."
    """
    from .history import meeting_moment

    moment = meeting_moment(workbook, number, now)
    end = workbook.moment(workbook.meeting(number).end)
    local = moment.astimezone(end.tzinfo)
    if moment >= end:
        return f"The team's work as it stood at the end of this meeting, {long_date(local.date())}, {clock(local)}."
    return (f"The team's work as recorded on {long_date(local.date())}, {clock(local)}; this meeting has not "
            "ended yet, so a handout printed later shows what is added until it ends.")


# --- PDF -----------------------------------------------------------------------------------------

#: Where Chromium-based browsers live when not on PATH: Debian, macOS, Windows (Edge ships with it).
BROWSER_PLACES = (
    "/usr/bin/chromium",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
    r"C:\Program Files\Microsoft\Edge\Application\msedge.exe",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
)


def chromium_path() -> str:
    """The Chromium to print with: $SUCCESSGAPS_CHROMIUM, else a Chromium-based browser on PATH
    (chromium, Chrome, Edge), else one in its usual place (``BROWSER_PLACES``)."""
    on_path = (shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome", "msedge"))
    for candidate in (os.environ.get("SUCCESSGAPS_CHROMIUM"), *on_path, *BROWSER_PLACES):
        if candidate and Path(candidate).is_file():
            return candidate
    raise HandoutError("Chromium not found to print PDFs: install it (`make setup` does, or "
                       "`apt-get install chromium`), set SUCCESSGAPS_CHROMIUM, or build without PDFs (--no-pdf)")


def print_pdf_cli(html_file: Path, pdf_file: Path, *, timeout: float = 120) -> Path:
    """Print one HTML file to PDF with one headless Chromium call and a fresh profile."""
    with tempfile.TemporaryDirectory(prefix="successgaps-chromium-") as profile:
        cmd = [chromium_path(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
               f"--print-to-pdf={pdf_file}", html_file.resolve().as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise HandoutError(f"{html_file}: Chromium did not print it within {timeout:.0f} s") from None
    if done.returncode != 0 or not pdf_file.is_file() or pdf_file.stat().st_size == 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise HandoutError(f"{html_file}: Chromium could not print it: {last}")
    return pdf_file


class PdfPrinter:
    """Prints HTML files to PDF. With Playwright installed, keeps one browser open (started on the
    first page, in the thread that uses it: Playwright objects belong to one thread); otherwise
    one Chromium call per file. ``SUCCESSGAPS_PDF=cli`` forces the latter."""

    def __init__(self, backend: str | None = None):
        backend = backend or os.environ.get("SUCCESSGAPS_PDF", "auto")
        if backend == "auto":
            try:
                import playwright.sync_api  # noqa: F401
                backend = "playwright"
            except ImportError:
                backend = "cli"
        if backend not in ("playwright", "cli"):
            raise HandoutError(f"SUCCESSGAPS_PDF={backend!r}: expected auto, playwright or cli")
        self.backend = backend
        self._pw = self._browser = self._page = None

    def print(self, html_file: Path, pdf_file: Path) -> Path:
        if self.backend == "cli":
            return print_pdf_cli(html_file, pdf_file)
        if self._page is None:
            from playwright.sync_api import sync_playwright

            self._pw = sync_playwright().start()
            self._browser = self._pw.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_FLAGS[1:]))
            self._page = self._browser.new_page()
        self._page.goto(html_file.resolve().as_uri(), wait_until="load")
        self._page.pdf(path=str(pdf_file), prefer_css_page_size=True, print_background=True)
        return pdf_file

    def close(self):
        with contextlib.suppress(Exception):  # closing a browser that already died is not our problem
            if self._browser is not None:
                self._browser.close()
            if self._pw is not None:
                self._pw.stop()
        self._pw = self._browser = self._page = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --- The pipeline ----------------------------------------------------------------------------------

def _meetings(workbook: wbk.Workbook, meetings) -> list[int]:
    scheduled = [m.number for m in workbook.meetings]
    if meetings in (None, "all"):
        return scheduled
    wanted = [int(meetings)] if isinstance(meetings, (int, str)) else [int(m) for m in meetings]
    for n in wanted:
        workbook.meeting(n)  # ConfigError if not scheduled
    return sorted(set(wanted))


@dataclass
class _Job:
    number: int
    notebook: Path | None
    documents: list[tuple[DocumentSpec, Any]]  # (spec, member or None)
    homework: Any = None  # the homework.Assignment handed out at this meeting, for its rating sheets


def member_links(workbook: wbk.Workbook) -> dict[str, str]:
    """Each member's personal link, for the invitation and the rating sheet, if the workbook has
    them (``successgaps homework`` or ``present --ip`` make them; a handout never does).
    ``$SUCCESSGAPS_LINK_BASE`` names the server (default: this computer's name, port 8866)."""
    from .homework import links

    if not (workbook.directory / links.LINKS_FILE).is_file():
        return {}
    base = os.environ.get("SUCCESSGAPS_LINK_BASE") or links.base_url()
    secrets = links.member_secrets(workbook.directory, [m.name for m in workbook.team])
    return {name: links.member_link(base, secret) for name, secret in secrets.items()}


def build_meeting(workbook: wbk.Workbook, job: _Job, out: Path, dirs: list[Path], *,
                  printer: PdfPrinter | None, extra_context: Mapping[str, Any] | None = None,
                  tick: Callable[[str], None] = lambda _: None) -> tuple[list[Path], dict[str, float]]:
    """Build one meeting's files; returns them and the seconds spent per stage."""
    number = job.number
    folder = out / f"meeting-{number:02d}"
    folder.mkdir(parents=True, exist_ok=True)
    timings = {"execute": 0.0, "html": 0.0, "documents": 0.0, "pdf": 0.0}
    context = meeting_context(workbook, number, dirs, {**kit_context(workbook, number), **(extra_context or {})})
    pages: list[Path] = []
    if job.notebook is not None:
        t = time.perf_counter()
        executed = out / ".executed" / f"meeting-{number:02d}.ipynb"
        nb = execute_notebook(job.notebook, executed, workbook.directory, number)
        timings["execute"] = time.perf_counter() - t
        t = time.perf_counter()
        page = export_handout(nb, context, dirs, str(executed))
        context["executed_notebook"] = nb  # the slides show the charts the handout shows
        pages.append(write_page(folder / f"meeting-{number:02d}-{HANDOUT}.html", page))
        timings["html"] = time.perf_counter() - t
        tick(pages[-1].name)
    t = time.perf_counter()
    links = context.get("member_links") or {}
    others: list[Path] = []  # files that are not printed (Word, e-mails, decks)
    for spec, member in job.documents:
        name = f"meeting-{number:02d}-{spec.name}" + (f"-{slug(member.name)}" if member is not None else "")
        link = links.get(member.name, "") if member is not None else ""
        started = time.perf_counter()
        printable, written = build_document(spec, {**context, "member": member, "member_link": link}, dirs,
                                            folder / name)
        stage = {"html": "pages", "text": "e-mails"}.get(spec.format, spec.format)  # "html" is the notebook's
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - started
        pages += printable
        others += written
        for f in (*printable, *written):
            tick(f.name)
    if job.homework is not None:
        from .homework.sheets import write_sheets

        pages += write_sheets(job.homework, folder, links=links, handed_out=number, dirs=dirs, tick=tick)
    timings["documents"] = time.perf_counter() - t
    files = list(pages) + others
    if printer is not None:
        t = time.perf_counter()
        for page in pages:
            files.append(printer.print(page, page.with_suffix(".pdf")))
            tick(files[-1].name)
        timings["pdf"] = time.perf_counter() - t
    return files, timings


def write_page(path: Path, text: str) -> Path:
    """Write a document (UTF-8); every HTML page goes through here, so that its dates, school years
    and intervals are kept on one line in print (``nowrap.keep_together``)."""
    if path.suffix == ".html":
        text = keep_together(text)  # dates and intervals never broken across printed lines
    path.write_text(text, encoding="utf-8")
    return path


# --- The kit's formats (successgaps_lib.kit): one function per format ---------------------------------

def build_document(spec: DocumentSpec, context: Mapping[str, Any], dirs: list[Path],
                   stem: Path) -> tuple[list[Path], list[Path]]:
    """Write one document of documents.yml; returns (HTML pages to print to PDF, other files)."""
    if spec.format == "text":
        return [], [write_page(stem.with_suffix(".txt"), render_text(spec, context, dirs))]
    if spec.format == "deck":
        from .kit.deck import build_deck

        return [], build_deck(spec, context, dirs, stem)
    body = document_body(spec, context, dirs)
    page = write_page(stem.with_suffix(".html"), render_page(spec, context, dirs, body))
    if not spec.word:
        return [page], []
    from .kit.word import write_docx

    title = f"{context['workbook'].name}: meeting {context['meeting'].number}, {spec.title}"
    return [page], [write_docx(body, stem.with_suffix(".docx"), title=title)]


def _text_environment(dirs: list[Path]) -> jinja2.Environment:
    """Jinja for plain-text templates (e-mails): nothing is HTML, so nothing is escaped."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([str(d) for d in dirs]), autoescape=False,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters.update(long_date=long_date, clock=clock, lower_first=_lower_first)
    return env


def render_text(spec: DocumentSpec, context: Mapping[str, Any], dirs: list[Path]) -> str:
    """A plain-text document (an e-mail: To, Subject, a blank line, the body), lines folded for mail.

    Filled agenda text is HTML-escaped Markup: it is written back as plain text here.
    """
    plain = {k: (v.unescape() if isinstance(v, Markup) else v) for k, v in context.items()}
    text = _text_environment(dirs).get_template(spec.template).render(plain)
    text = re.sub(r"\n{3,}", "\n\n", text.strip("\n")) + "\n"
    if not re.match(r"(?:To: .*\n)?Subject: \S", text):
        raise ConfigError(f"{spec.template}: an e-mail template starts with 'To:' and 'Subject:' lines")
    return text


def kit_context(workbook: wbk.Workbook, number: int) -> dict[str, Any]:
    """What the kit's templates use besides ``meeting_context``: the team's work as of the meeting
    (``team``, read only when a template asks), the moment it shows (``as_of``) and the homework
    the previous meeting gave (``previous_homework``, for reminders)."""
    from .kit.team import TeamWork

    earlier = [m for m in workbook.meetings if m.number < number]
    return {"team": TeamWork(workbook, number), "as_of": as_of_text(workbook, number),
            "previous_homework": " ".join((earlier[-1].homework or "").split()) if earlier else ""}


def _outputs(spec: DocumentSpec, pdf: bool) -> int:
    """Files one document writes (for the progress bar)."""
    return {"text": 1, "deck": 2}.get(spec.format, 1 + pdf + spec.word)


def build_handouts(workbook_dir: str | os.PathLike, meetings: int | str | Iterable[int] = "all",
                   out: str | os.PathLike | None = None, jobs: int = 2, *, pdf: bool = True,
                   notebooks: str | os.PathLike | Mapping[int, Any] | None = None,
                   templates: str | os.PathLike | None = None, documents: Iterable[str] | None = None,
                   progress: bool = True, timings: dict[int, dict[str, float]] | None = None,
                   extra_context: Mapping[str, Any] | None = None) -> list[Path]:
    """Build the handouts, agendas, forms and letters of a workbook's meetings; return the files.

    meetings: "all" (every scheduled meeting), a number, or numbers.
    out: output folder (default ``<workbook>/handouts``); each meeting gets ``meeting-NN/``.
    jobs: meetings built at the same time (each runs one kernel and one PDF printer).
    pdf: also print every HTML file to PDF.
    notebooks: notebooks/ by default (``groups.MEETINGS[n].notebook``); a folder, one notebook or a
        {meeting: notebook} mapping (tests).
    templates: the template folder (default templates/); the workbook's own templates/ wins.
    documents: only these documents, by name ("handout", "agenda-team", "rating-sheet", ...); default all.
    timings: if given, filled with {meeting: {"execute", "html", "documents", "pdf": seconds}}.
    """
    workbook = wbk.load(workbook_dir)
    numbers = _meetings(workbook, meetings)
    out = Path(out) if out else workbook.directory / "handouts"
    dirs = template_dirs(workbook, templates)
    from . import homework
    from .homework.sheets import NAME as SHEETS

    wanted = None if documents is None else set(documents)
    specs = [s for s in document_specs(dirs) if wanted is None or s.name in wanted]
    if wanted is not None and (unknown := wanted - {s.name for s in specs} - {HANDOUT, SHEETS}):
        raise ConfigError(f"unknown document {sorted(unknown)[0]!r}; known: "
                          f"{', '.join([HANDOUT, *(s.name for s in document_specs(dirs)), SHEETS])}")
    rubric = None
    if wanted is None or SHEETS in wanted:
        from .rubric import load_rubric

        rubric = load_rubric(_find(dirs, "rubric.yml"))
    extra_context = {"member_links": member_links(workbook), **(extra_context or {})}
    job_list = []
    for n in numbers:
        # Per-member documents (letters) go to everyone but the person who signs them.
        members = tuple(m for m in workbook.team if m != workbook.facilitator)
        unique_names(((m.name, slug(m.name)) for m in members), "letters and messages")
        docs = [(s, member) for s in specs if n in s.meetings for member in (members if s.per_member else (None,))]
        notebook = find_notebook(n, notebooks) if wanted is None or HANDOUT in wanted else None
        due = homework.handed_out_at(workbook, n, rubric) if rubric is not None else None
        work = homework.assignment(workbook, due, rubric) if due is not None else None
        job_list.append(_Job(n, notebook, docs, work))
    total = sum((j.notebook is not None) * (1 + pdf) + sum(_outputs(s, pdf) for s, _ in j.documents)
                + (len(j.homework.members) if j.homework else 0) * (1 + pdf) for j in job_list)
    results = _run(job_list, jobs, total, progress, lambda job, printer, tick: build_meeting(
        workbook, job, out, dirs, printer=printer if pdf else None, extra_context=extra_context, tick=tick),
        pdf and total > 0)
    files = []
    for number, (meeting_files, meeting_timings) in sorted(results.items()):
        files += meeting_files
        if timings is not None:
            timings[number] = meeting_timings
    return sorted(set(files))  # the files written, each once


def _close_thread_event_loop() -> None:
    """Close the asyncio loop nbclient left in this worker thread (else: "unclosed event loop")."""
    policy = asyncio.get_event_loop_policy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            loop = policy.get_event_loop()
        except RuntimeError:  # none in this thread
            return
        if not loop.is_running() and not loop.is_closed():
            loop.close()
        policy.set_event_loop(None)


def _run(job_list: list[_Job], jobs: int, total: int, progress: bool, work, pdf: bool) -> dict:
    """Run the meeting jobs on ``jobs`` worker threads, each with its own PDF printer, under one
    progress bar. The first error stops the remaining meetings and is raised."""
    from tqdm.auto import tqdm

    pending: queue.SimpleQueue[_Job] = queue.SimpleQueue()
    for job in job_list:
        pending.put(job)
    results: dict[int, Any] = {}
    errors: list[BaseException] = []
    lock = threading.Lock()
    bar = tqdm(total=total, desc="handouts", unit="file", disable=not progress, leave=True)

    def tick(what: str):
        with lock:
            bar.set_postfix_str(what, refresh=False)
            bar.update(1)

    def worker():
        printer = PdfPrinter() if pdf else None
        try:
            while not errors:
                try:
                    job = pending.get_nowait()
                except queue.Empty:
                    return
                try:
                    results[job.number] = work(job, printer, tick)
                except BaseException as e:  # handed to the caller below
                    errors.append(e)
        finally:
            if printer is not None:
                printer.close()
            _close_thread_event_loop()

    threads = [threading.Thread(target=worker, name=f"handouts-{i}", daemon=True)
               for i in range(max(1, min(jobs, len(job_list))))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        bar.close()
    if errors:
        raise errors[0]
    return results
