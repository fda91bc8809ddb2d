"""One full-screen dashboard per meeting: the team-work widgets and the live charts, composed.

``meeting_dashboard(number)`` is the only call a dashboard notebook makes. It finds the
workbook folder (argument, else the ``SUCCESSGAPS_WORKBOOK`` environment variable that
``successgaps present`` sets), opens the team's store and the rubric, and lays out:

- a header (district, meeting, date and place, a full-screen button) and links to every
  scheduled meeting's dashboard, the current one marked;
- the meeting's views in tabs (``meeting_tabs``), then a *Data* tab: one live chart with a choice
  of group, outcome, school and year, and tooltips that give the group sizes; meeting 1 opens
  on its purpose, agenda and norms (``opening_tab``), and every meeting ends with the homework
  and the next meeting (``closing_tab``), from the same agenda templates as the handouts;
- a footer that says when the screen last took in answers from other screens.

Nothing here decides anything: the rules are in ``teamwork``, ``store``, ``metrics``/``screen``
and ``privacy``, the views in ``widgets`` and the charts in ``charts``. The glue it needs to
open a workbook (``open_store``: start a new store from ``team_work.json`` and add the roster;
``workbook_gaps``: load, screen, protect) is kept in small functions. What this module adds
is the polling that makes the room's screens live: every ``POLL_SECONDS`` it asks the store
whether anything changed (another member's kernel may have written) and, if so, calls every
view's ``refresh()``.

A dashboard that cannot be built shows one plain sentence; the traceback goes to the server's
log (the kernel's real stderr), never to the page.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from . import charts, server_log, teamwork
from . import workbook as workbooks
from .errors import ConfigError, SuccessGapsError
from .groups import GROUPS, MEETINGS, OUTCOMES
from .meeting import data as meeting_data
from .present import ENV_CACHE, ENV_READY, ENV_WORKBOOK
from .rubric import Rubric, load_rubric
from .screen import screen
from .store import SEED_NAME, Store
from .widgets.base import guarded as guarded_callback
from .widgets.base import html_table

#: How often a dashboard asks the store whether another screen saved something.
POLL_SECONDS = 2.0

DISTRICT_LABEL = "District (all schools)"

#: An export of the team's work that a new store starts from (the demo workbook has one).
TEAM_WORK_EXPORT = SEED_NAME

# The kernel's sys.stderr (and its file descriptor 2) go to the page: server_log writes to the server's own.
_log = server_log.logger("successgaps.dashboard", "successgaps dashboard")


# --- Small pieces ------------------------------------------------------------------------------

def problem(text: str) -> widgets.HTML:
    """A plain message in place of something that could not be shown."""
    return widgets.HTML(f'<div class="sg-problem" role="status">{html.escape(text)}</div>')


def guarded(build: Callable[[], widgets.Widget], what: str) -> widgets.Widget:
    """``build()``, or a plain message when it fails (details to the server log only)."""
    try:
        return build()
    except SuccessGapsError as error:
        _log.warning("%s: %s", what, error)
        return problem(f"{what} cannot be shown: {error}")
    except Exception:
        _log.exception("%s failed", what)
        return problem(f"{what} cannot be shown right now. The details are in the server's log.")


def workbook_folder(workbook: str | os.PathLike | None = None) -> Path:
    """The workbook folder to show: the argument, else ``$SUCCESSGAPS_WORKBOOK``."""
    folder = workbook or os.environ.get(ENV_WORKBOOK)
    if not folder:
        raise ConfigError(f"no workbook folder: pass one, or set {ENV_WORKBOOK} (`successgaps present` does)")
    return Path(folder)


def open_rubric(wb: workbooks.Workbook) -> Rubric:
    """The workbook's own ``templates/rubric.yml`` if it has one, else the shipped rubric."""
    own = wb.directory / "templates" / "rubric.yml"
    return load_rubric(own if own.is_file() else None)


def open_store(wb: workbooks.Workbook) -> Store:
    """The team's store, with everyone on the workbook's roster in it.

    A new store takes in ``team_work.json`` when the folder has one (an export, as the demo
    ships). Adding the roster (add only: a name already in the store keeps what the store
    says) lets members pick their name on the first visit.
    """
    by = wb.facilitator.name if wb.facilitator else "facilitator"
    store = Store.open(wb.directory, by=by, route="dashboard")
    store.seed(wb.directory / TEAM_WORK_EXPORT)
    store.add_roster(((m.name, m.role, m.email) for m in wb.team), by="workbook.yml")
    return store


def workbook_gaps(wb: workbooks.Workbook) -> pd.DataFrame:
    """Every screened gap of the workbook's data, protected for an audience (small groups suppressed)."""
    counts = meeting_data.load_data(wb).counts  # the handouts' loader: same checks, cached per process
    gaps = screen(counts, schools=True)
    from . import privacy  # imported here: the other tabs work even if the data cannot be shown

    return privacy.protect(gaps, min_size=wb.min_group_size, counts=counts)


def shared_gaps(wb: workbooks.Workbook) -> pd.DataFrame:
    """``workbook_gaps(wb)``, computed once for all the server's kernels.

    ``successgaps present`` gives its kernels a private folder (``$SUCCESSGAPS_CACHE_DIR``);
    the first kernel screens the data and leaves the protected gaps there, the others (a
    dozen start together) wait for it and read them. A changed data file or minimum size
    gives another key. Without the folder, each call computes.
    """
    folder = os.environ.get(ENV_CACHE)
    if not folder or not Path(folder).is_dir():
        return workbook_gaps(wb)
    import hashlib
    import json

    from filelock import FileLock

    def stamp(f):
        info = f.path.stat() if f.path.exists() else None
        return [str(f.path), info and info.st_mtime_ns, info and info.st_size, repr(f.mapping), f.sheet]

    key = json.dumps([wb.district, wb.min_group_size, [stamp(f) for f in wb.data]], default=str)
    path = Path(folder) / f"gaps-{hashlib.sha256(key.encode()).hexdigest()[:20]}.pickle"
    with FileLock(f"{path}.lock"):
        if path.is_file():
            return pd.read_pickle(path)  # written by a kernel of this server, in its private folder
        gaps = workbook_gaps(wb)
        partial = path.with_suffix(".partial")
        gaps.to_pickle(partial)
        partial.replace(path)
        return gaps


def target_rows(gaps: pd.DataFrame, target: workbooks.TargetGap) -> pd.DataFrame:
    """The GAPS rows of the team's target gap (every year, latest first)."""
    rows = gaps[(gaps["group"] == target.group) & (gaps["outcome"] == target.outcome)
                & (gaps["comparison"] == target.comparison) & (gaps["school"] == target.school)]
    return rows.sort_values("year", ascending=False)


# --- The live chart ---------------------------------------------------------------------------

def _pick(value, options: list):
    """``value`` if it is one of ``options``, else the first option."""
    return value if value in options else options[0]


class ChartExplorer(widgets.VBox):
    """One live chart (``charts.interactive``) with a choice of what it shows."""

    VIEWS = (("This year", "rates"), ("Over the years", "trend"), ("By school", "schools"))

    def __init__(self, gaps: pd.DataFrame, target: workbooks.TargetGap | None = None, view: str = "rates"):
        super().__init__()
        self.gaps = gaps
        present = {c: set(gaps[c]) for c in ("group", "outcome", "school", "comparison")}
        outcomes = [(o.label, o.id) for o in OUTCOMES.values() if o.id in present["outcome"]]
        groups = [g for g in GROUPS if g in present["group"]]
        schools = [(DISTRICT_LABEL, ""), *((s, s) for s in sorted(present["school"] - {""}))]
        years = sorted({int(y) for y in gaps["year"]}, reverse=True)
        comparisons = sorted(present["comparison"])
        wide, narrow = widgets.Layout(width="24rem"), widgets.Layout(width="12rem")
        self.view = widgets.ToggleButtons(options=self.VIEWS, value=view)
        self.outcome = widgets.Dropdown(description="Outcome", options=outcomes, layout=wide,
                                        value=_pick(target and target.outcome, [o for _, o in outcomes]))
        self.group = widgets.Dropdown(description="Group", options=groups, layout=wide,
                                      value=_pick(target and target.group, groups))
        self.school = widgets.Dropdown(description="School", options=schools, layout=wide,
                                       value=_pick(target and target.school, [s for _, s in schools]))
        self.year = widgets.Dropdown(description="Year", options=years, layout=narrow,
                                     value=_pick(target and target.year, years))
        self.comparison = _pick(target and target.comparison, comparisons)
        self.message = widgets.HTML()
        self.chart = charts.interactive(self._build())
        # SVG rather than canvas: sharp on a projector, and each mark is in the page's DOM.
        self.chart.embed_options = {**(self.chart.embed_options or {}), "renderer": "svg"}
        controls = [self.outcome, self.group, self.school, self.year]
        for control in (self.view, *controls):
            control.observe(guarded_callback(self._update, self._say), names="value")
        self.add_class("sg-explorer")
        self.children = [self.view, widgets.HBox(controls, layout=widgets.Layout(flex_flow="row wrap")),
                         self.message, self.chart]
        self._enable()

    def _build(self):
        common = {"group": self.group.value, "outcome": self.outcome.value, "comparison": self.comparison}
        if self.view.value == "trend":
            return charts.trend_chart(self.gaps, school=self.school.value, **common)
        if self.view.value == "schools":
            return charts.schools_chart(self.gaps, year=self.year.value, **common)
        return charts.rate_chart(self.gaps, year=self.year.value, school=self.school.value, **common)

    def _enable(self) -> None:
        self.year.disabled = self.view.value == "trend"
        self.school.disabled = self.view.value == "schools"

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.value = f'<div class="sg-note">{html.escape(text)}</div>'

    def _update(self, _change=None) -> None:
        self._enable()
        try:
            self.chart.chart = self._build()
        except ValueError as error:  # no rows for this choice: say so, keep the chart as it was
            _log.info("chart: %s", error)
            self.message.value = ('<div class="sg-note">No data for this choice '
                                  f'({html.escape(self.group.value)}, {html.escape(self.outcome.label)}).</div>')
            return
        self.message.value = ""

    def refresh(self) -> None:
        """The data do not change during a meeting: nothing to re-read."""


def data_tab(wb: workbooks.Workbook, gaps: pd.DataFrame, view: str = "rates") -> widgets.Widget:
    return ChartExplorer(gaps, wb.target, view=view)


def gap_tab(wb: workbooks.Workbook, gaps: pd.DataFrame) -> widgets.Widget:
    """Meeting 1: the success gap statement over the live chart."""
    rows = target_rows(gaps, wb.target)
    if wb.target.year is not None:
        rows = rows[rows["year"] == wb.target.year]
    statement = str(rows.iloc[0]["statement"]) if len(rows) and "statement" in rows else ""
    lead = widgets.HTML(f'<div class="sg-statement"><b>{html.escape(wb.target.describe())}</b>'
                        f'<p>{html.escape(statement)}</p></div>')
    return widgets.VBox([lead, ChartExplorer(gaps, wb.target)])


class RosterView(widgets.VBox):
    """Meeting 1: who is on the team, and which required roles nobody fills yet."""

    def __init__(self, store: Store):
        super().__init__()
        self.store = store
        self.table = widgets.HTML()
        self.missing = widgets.HTML()
        self.children = [self.table, self.missing]
        self.refresh()

    def refresh(self) -> None:
        self.table.value = html_table(teamwork.members_table(self.store))
        missing = teamwork.missing_roles(self.store)
        self.missing.value = ("<p>Every required role is filled.</p>" if not missing else
                              "<p><b>Roles nobody fills yet:</b> " + html.escape("; ".join(missing)) + "</p>")


# --- What each meeting shows ------------------------------------------------------------------

def rubric_sections(wb: workbooks.Workbook, number: int, rubric: Rubric) -> list[str] | None:
    """Section ids the meeting reviews: the workbook's schedule, else the rubric's, else all."""
    ids = {s.id for s in rubric.sections}
    planned = [s for s in wb.meeting(number).rubric_sections if s in ids] if wb.meetings else []
    if wb.meetings and wb.meeting(number).rubric_sections and not planned:
        _log.warning("meeting %s: rubric_sections %s are not sections of the rubric (%s)", number,
                     list(wb.meeting(number).rubric_sections), ", ".join(sorted(ids)))
    return planned or [s.id for s in rubric.sections_for_meeting(number)] or None


def _norms(steps: Sequence[dict]) -> str:
    """What the agenda says about the team's norms (the step that names them), as plain text."""
    from .meeting import _plain

    for step in steps:
        if "norm" in _plain(step.get("activity", "")).lower():
            parts = [_plain(step.get(k, "")) for k in ("team", "facilitator") if step.get(k)]
            return " ".join(p for p in parts if p)
    return ""


def opening_tab(wb: workbooks.Workbook, number: int) -> widgets.Widget:
    """What a meeting opens on: why the team meets (the objectives), the agenda and the norms."""
    from .meeting import Meeting

    meeting = Meeting(wb, number)
    norms = _norms(meeting.context["steps"])
    parts = ['<div class="sg-opening"><h3>Why we meet</h3>', meeting.objectives().html,
             "<h3>Agenda</h3>", meeting.agenda().html]
    if norms:
        parts += ["<h3>Our norms</h3>", f"<p>{html.escape(norms)}</p>"]
    return widgets.HTML("".join([*parts, "</div>"]), layout=widgets.Layout(width="100%"))


def closing_tab(wb: workbooks.Workbook, number: int) -> widgets.Widget:
    """What every meeting ends with: the homework and when and where the team meets next."""
    from .meeting import Meeting

    meeting = Meeting(wb, number)
    return widgets.HTML(f'<div class="sg-closing"><h3>Homework</h3>{meeting.homework().html}'
                        f"<h3>Next meeting</h3>{meeting.next_meeting().html}</div>",
                        layout=widgets.Layout(width="100%"))


def meeting_tabs(number: int, wb: workbooks.Workbook, store: Store, rubric: Rubric,
                 gaps: Callable[[], pd.DataFrame]) -> list[tuple[str, Callable[[], widgets.Widget]]]:
    """The tabs of one meeting: (title, builder). ``gaps`` computes the protected gaps once.

    Meeting 1 opens on its purpose, agenda and norms; every meeting ends with the homework and
    the next meeting.
    """
    opening = ("Purpose and agenda", lambda: opening_tab(wb, number))
    closing = ("Homework and next meeting", lambda: closing_tab(wb, number))
    return [*([opening] if number == 1 else []), *_work_tabs(number, wb, store, rubric, gaps), closing]


def _work_tabs(number: int, wb: workbooks.Workbook, store: Store, rubric: Rubric,
               gaps: Callable[[], pd.DataFrame]) -> list[tuple[str, Callable[[], widgets.Widget]]]:
    from .widgets import monitor as widgets_monitor
    from .widgets import plan as widgets_plan
    from .widgets import rubric as widgets_rubric

    by = store.by or None
    kind = MEETINGS[number].notebook
    data = ("Data", lambda: data_tab(wb, gaps(), "trend" if kind == "07_monitoring" else "rates"))
    if kind == "01_getting_started":
        return [("The gap", lambda: gap_tab(wb, gaps())), ("The team", lambda: RosterView(store))]
    if kind == "02_rubric_review":
        sections = rubric_sections(wb, number, rubric)
        return [("Consensus", lambda: widgets_rubric.facilitator_view(store, rubric, sections, by=by)),
                ("Members' ratings", lambda: widgets_rubric.member_view(store, rubric, sections)), data]
    if number == 5:
        return [("Priorities", lambda: widgets_plan.priorities_view(store, rubric)),
                ("Root causes", lambda: widgets_plan.root_cause_view(store, rubric, by=by)), data]
    if kind == "05_root_causes_and_plan":
        return [("Action plan", lambda: widgets_plan.plan_view(store, by=by)),
                ("Root causes", lambda: widgets_plan.root_cause_view(store, rubric, by=by)), data]
    size = wb.min_group_size
    return [("Progress", lambda: widgets_monitor.progress_view(store, by=by, min_size=size)),
            ("New data", lambda: widgets_monitor.measurement_view(store, by=by, min_size=size)), data]


# --- The page ---------------------------------------------------------------------------------

def header(wb: workbooks.Workbook, number: int) -> widgets.HTML:
    """District, meeting and when/where, with a full-screen button for the projector."""
    title = f"Meeting {number}: {MEETINGS[number].title}"
    when = ""
    if any(m.number == number for m in wb.meetings):
        m = wb.meeting(number)
        title = f"Meeting {number}: {m.title}"
        when = f"{m.start:%A %-d %B %Y, %H:%M} · {m.place}"
    button = ('<button class="sg-fullscreen" type="button" title="Full screen (Esc to leave)" '
              'onclick="document.documentElement.requestFullscreen && '
              'document.documentElement.requestFullscreen()">Full screen</button>')
    return widgets.HTML(
        f'<header class="sg-header"><div><div class="sg-district">{html.escape(wb.name)}</div>'
        f'<h1 class="sg-title">{html.escape(title)}</h1>'
        f'<div class="sg-when">{html.escape(when)}</div></div>{button}</header>')


def navigation(wb: workbooks.Workbook, number: int, href: Callable[[int], str]) -> widgets.HTML:
    """Links to every scheduled meeting's dashboard; the current one is marked, not linked."""
    numbers = [m.number for m in wb.meetings] or list(MEETINGS)
    items = []
    for n in numbers:
        label = f"{n} · {MEETINGS[n].title}"
        if n == number:
            items.append(f'<li><span class="sg-current" aria-current="page">{html.escape(label)}</span></li>')
        else:
            items.append(f'<li><a href="{html.escape(href(n))}">{html.escape(label)}</a></li>')
    return widgets.HTML(f'<nav class="sg-nav" aria-label="Meetings"><ul>{"".join(items)}</ul></nav>')


def dashboard_href(number: int) -> str:
    """Where a meeting's dashboard is, relative to another one (``present`` names them so)."""
    return f"meeting_{number}.ipynb"


class LiveUpdates:
    """Re-reads the store into every view when another screen (or this one) saved something."""

    def __init__(self, store: Store, views: Sequence[widgets.Widget], status: widgets.HTML,
                 interval: float = POLL_SECONDS):
        self.store, self.views, self.status, self.interval = store, list(views), status, interval
        self.revision = store.revision()
        self.task: asyncio.Task | None = None

    def check(self) -> bool:
        """Refresh the views if the store changed since the last check; returns whether it did."""
        now = self.store.revision()  # one indexed query, not the whole history
        if now == self.revision:
            return False
        self.revision = now
        for view in self.views:
            refresh = getattr(view, "refresh", None)
            if refresh is not None:
                try:
                    refresh()
                except Exception:
                    _log.exception("refreshing %s failed", type(view).__name__)
        self.status.value = (f'<span class="sg-live">Live: answers from every screen appear here. '
                             f'Last update {dt.datetime.now():%H:%M:%S}.</span>')
        return True

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                self.check()
            except Exception:
                _log.exception("checking the store for changes failed")

    def start(self) -> bool:
        """Poll in the kernel's event loop; False (no polling) when there is no running loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        self.task = loop.create_task(self._run())
        return True

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()


def set_aside_note(wb: workbooks.Workbook) -> list[widgets.Widget]:
    """The sentence a page built from data with rows set aside carries (none otherwise)."""
    note = meeting_data.load_data(wb).set_aside_note if wb.data else ""
    return [widgets.HTML(f'<p class="sg-note">{html.escape(note)}</p>')] if note else []


class Dashboard(widgets.VBox):
    """The whole page of one meeting."""

    def __init__(self, number: int, wb: workbooks.Workbook, store: Store, rubric: Rubric, *,
                 live: bool = True, href: Callable[[int], str] = dashboard_href):
        super().__init__()
        self.number, self.workbook, self.store = number, wb, store
        cache: dict[str, pd.DataFrame] = {}

        def gaps() -> pd.DataFrame:
            if "gaps" not in cache:
                cache["gaps"] = shared_gaps(wb)
            return cache["gaps"]

        tabs = meeting_tabs(number, wb, store, rubric, gaps)
        self.views = [guarded(build, title) for title, build in tabs]
        self.tabs = widgets.Tab(children=self.views, titles=[title for title, _ in tabs])
        self.tabs.add_class("sg-tabs")
        self.status = widgets.HTML('<span class="sg-live">Live: answers from every screen appear here.</span>')
        footer = widgets.HBox([self.status])
        footer.add_class("sg-footer")
        self.live = LiveUpdates(store, self.views, self.status) if live else None
        self.polling = self.live.start() if self.live else False
        self.add_class("sg-dashboard")
        self.children = [header(wb, number), *set_aside_note(wb), navigation(wb, number, href), self.tabs, footer]

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
        super().close()


def meeting_dashboard(meeting: int, workbook: str | os.PathLike | None = None, *, live: bool = True) -> widgets.Widget:
    """The dashboard of one meeting (1-7) of the workbook; a plain message if it cannot be built."""
    if meeting not in MEETINGS:
        return problem(f"There is no meeting {meeting}; the meetings are numbered "
                       f"{min(MEETINGS)} to {max(MEETINGS)}.")

    def build() -> widgets.Widget:
        wb = workbooks.load(workbook_folder(workbook))
        return Dashboard(meeting, wb, open_store(wb), open_rubric(wb), live=live)

    page = guarded(build, f"The dashboard of meeting {meeting}")
    mark_ready(meeting)
    return page


def mark_ready(meeting: int) -> None:
    """Tell ``present`` this kernel has built its dashboard (it waits for the heated ones)."""
    folder = os.environ.get(ENV_READY)
    if folder and Path(folder).is_dir():
        (Path(folder) / f"meeting_{meeting}-{os.getpid()}").touch()
