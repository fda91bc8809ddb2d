"""What every team-work widget shares: edits go straight to the store, ``refresh()`` re-reads it.

A view is an ``ipywidgets.VBox`` (so a notebook or Voila displays it as is) that holds a
:class:`~successgaps_lib.store.Store`. Each input is bound to one store call: when the team
changes a value, the call runs at once in its own transaction (there is no save button),
and a status line *beside the control* (the row or card it belongs to; the view's ``status``
for the view's own controls) says "Saved" or why the change was refused, where the eye already
is on a projector. ``refresh()`` re-reads the store, so a facilitator sees what members entered
from their own kernels; values set while refreshing are not written back.

Forgiving: every removal asks first (``Removal``: "Remove ...?" then *Yes, remove* / *Keep it*),
and every view has an *Undo last change* button that takes back this screen's changes one at
a time, newest first, from the store's history (``successgaps_lib.undo``); an undo that would
overwrite someone else's later edit is refused in one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import sqlite3
from collections.abc import Callable, Iterator
from datetime import date

import ipywidgets as widgets
import pandas as pd

from .. import server_log
from ..errors import SuccessGapsError
from ..groups import RATING_SCALE
from ..privacy import mask_small_counts
from ..teamwork import as_date
from ..undo import describe, undo
from ..words import column_label, date_text

#: Background colour of each rating level in tables (the level's name is always written too).
LEVEL_COLOURS = dict(zip(RATING_SCALE, ("#fde2e1", "#fff4ce", "#e0f0e3", "#d4e9f7"), strict=True))
DISAGREEMENT_STYLE = "background:#fff0b3;border-left:4px solid #b8860b;padding:2px 6px"
WIDE = widgets.Layout(width="100%")


#: A pause in typing this long saves the text (each keystroke reaches the kernel at once).
SAVE_AFTER_PAUSE_S = 0.6

#: What a member sees when a widget's action fails unexpectedly (the traceback goes to the server's log).
FAILED_TEXT = "Something went wrong and this was not done. The details are in the server's log."

_log = server_log.logger("successgaps.widgets", "successgaps widgets")


def guarded(callback: Callable, say: Callable[..., None] | None = None) -> Callable:
    """``callback`` made safe to hand to a widget: it never raises.

    ipywidgets shows an exception raised in a callback as a traceback, sent to the page over
    the websocket with the server's file paths. Here the traceback goes to the server's log
    (``server_log``) and ``say`` (a view's status line) gets one plain line: the error's own
    line for a ``SuccessGapsError`` (paths cut to file names), else ``FAILED_TEXT``.
    """
    @functools.wraps(callback)
    def run(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except SuccessGapsError as error:
            _log.warning("%s: %s", getattr(callback, "__qualname__", "widget callback"), error)
            if say is not None:
                say(server_log.plain(str(error)), error=True)
        except Exception:
            _log.exception("%s failed", getattr(callback, "__qualname__", "widget callback"))
            if say is not None:
                say(FAILED_TEXT, error=True)
        return None
    return run


class StoreView(widgets.VBox):
    """Base of the team-work views: binds inputs to store calls and re-reads the store.

    Text boxes send every keystroke to the kernel, which saves the text once the writer
    pauses (``SAVE_AFTER_PAUSE_S``): what was typed is in the store within a second even if the
    browser is closed before the box loses focus, and the history gets one entry a pause, not
    one a keystroke. Without a running event loop (a script, a test) every change is saved
    at once.
    """

    def __init__(self, store, *, by: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.store = store
        self.by = by
        self.status = widgets.HTML()
        self._loading = False
        self._pending: dict[int, tuple[asyncio.TimerHandle, Callable[[], object]]] = {}
        #: This screen's changes, oldest first; each entry is the store changes one action made.
        self.undo_stack: list[list[tuple[int, int]]] = []
        self.undo_button = widgets.Button(description="Undo last change", icon="undo", disabled=True,
                                          tooltip="Nothing to undo yet", layout=widgets.Layout(width="auto"))
        self.undo_button.on_click(self.guard(lambda _: self.undo_last()))
        self.undo_status = widgets.HTML()
        self.undo_bar = widgets.HBox([self.undo_button, self.undo_status], layout=widgets.Layout(align_items="center"))

    def guard(self, callback: Callable) -> Callable:
        """``callback`` for a widget event: failures go to the server's log, one plain line to ``status``."""
        return guarded(callback, self.say)

    def refresh(self) -> None:
        """Show what the store holds now (other kernels may have written since)."""
        self.flush()  # what is being typed goes in first, so reloading cannot undo it
        with self._quiet():
            self._load()

    def flush(self) -> None:
        """Save at once every text still waiting for a pause in typing."""
        for key in list(self._pending):
            self._save_pending(key)


    def _defer(self, widget: widgets.Widget, action: Callable[[], object]) -> bool:
        """Save ``action`` after a pause in typing; False when there is no event loop to wait in."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        key = id(widget)
        previous = self._pending.pop(key, None)
        if previous is not None:
            previous[0].cancel()
        self._pending[key] = (loop.call_later(SAVE_AFTER_PAUSE_S, self.guard(self._save_pending), key), action)
        return True

    def _load(self) -> None:  # pragma: no cover - each view defines it
        raise NotImplementedError

    @contextlib.contextmanager
    def _quiet(self) -> Iterator[None]:
        """Set widget values without writing them back to the store."""
        loading, self._loading = self._loading, True
        try:
            yield
        finally:
            self._loading = loading

    def _bind(self, widget: widgets.Widget, write: Callable[[object], object],
              near: widgets.HTML | None = None) -> None:
        """Write the widget's new value with ``write`` each time the user changes it (text: at a pause);
        ``near`` is the status line beside the widget (default: the view's)."""
        typed = isinstance(widget, (widgets.Text, widgets.Textarea))

        def on_change(change):
            if self._loading:
                return
            action = functools.partial(write, change["new"])
            if not (typed and self._defer(widget, lambda: self._save(action, near))):
                self._save(action, near)
        widget.observe(self.guard(on_change), names="value")

    def _save_pending(self, key: int) -> None:
        entry = self._pending.pop(key, None)
        if entry is not None:
            entry[0].cancel()
            entry[1]()

    def _save(self, action: Callable[[], object], near: widgets.HTML | None = None) -> bool:
        """Run a store call; say beside the control that it was saved, or why not (a widget callback
        must not raise). The changes it made can be undone (``undo_last``)."""
        made = len(self.store.changes)
        try:
            action()
        except (SuccessGapsError, sqlite3.Error) as error:
            self.say(f"Not saved: {server_log.plain(str(error))}", error=True, near=near)
            return False
        if len(self.store.changes) > made:
            self.undo_stack.append(self.store.changes[made:])
            self._show_undo()
        self.say(f"Saved at {self.store.clock().astimezone():%H:%M:%S}.", near=near)
        return True

    def _show_undo(self) -> None:
        if self.undo_stack:
            self.undo_button.disabled = False
            self.undo_button.tooltip = f"Undo: {describe(self.store, *self.undo_stack[-1])}"
        else:
            self.undo_button.disabled = True
            self.undo_button.tooltip = "Nothing to undo"

    def undo_last(self) -> bool:
        """Take back this screen's newest change (from the store's history); True if it was undone."""
        self.flush()
        if not self.undo_stack:
            self.say("Nothing to undo.", near=self.undo_status)
            return False
        try:
            what = undo(self.store, *self.undo_stack[-1], by=self._undo_by())
        except (SuccessGapsError, sqlite3.Error) as error:
            self.say(f"Not undone: {error}", error=True, near=self.undo_status)
            return False
        self.undo_stack.pop()
        self._show_undo()
        self.refresh()
        self.say(f"Undone: {what}.", near=self.undo_status)
        return True

    def _undo_by(self) -> str | None:
        """Who the history names for an undo (a member's own view: the member)."""
        member = getattr(self, "member", None)
        return self.by or (member.value if isinstance(member, widgets.Dropdown) and member.value else None)

    def say(self, text: str, *, error: bool = False, near: widgets.HTML | None = None) -> None:
        """Show ``text`` in the status line ``near`` a control (default: the view's own)."""
        style = "color:#9b1c1c;font-weight:bold" if error else "color:#276738"
        (near or self.status).value = f'<span role="status" style="{style}">{html.escape(text)}</span>'


def status_line() -> widgets.HTML:
    """The status line that goes beside a control: what was saved, or why not."""
    return widgets.HTML(layout=widgets.Layout(min_width="12em"))


class Removal(widgets.HBox):
    """A remove button that asks first: *Remove ...* shows the question with *Yes, remove* and
    *Keep it*; only *Yes* calls ``on_confirm``. Its own status line sits beside it."""

    def __init__(self, label: str, question: str):
        self.ask = widgets.Button(description=label, icon="trash", button_style="warning",
                                  layout=widgets.Layout(width="auto"))
        self.question = widgets.HTML(f"<b>{html.escape(question)}</b>")
        self.yes = widgets.Button(description="Yes, remove", button_style="danger", layout=widgets.Layout(width="auto"))
        self.no = widgets.Button(description="Keep it", layout=widgets.Layout(width="auto"))
        self.status = status_line()
        self._confirm: Callable[[], object] | None = None
        self.ask.on_click(lambda _: self.show_question())
        self.no.on_click(lambda _: self.close_question())
        self.yes.on_click(lambda _: self._yes())
        super().__init__([self.ask, self.status], layout=widgets.Layout(align_items="center", flex_flow="row wrap"))

    def on_confirm(self, callback: Callable[[], object]) -> None:
        self._confirm = callback

    @property
    def asking(self) -> bool:
        return self.question in self.children

    def show_question(self) -> None:
        self.status.value = ""
        self.children = [self.question, self.yes, self.no, self.status]

    def close_question(self) -> None:
        self.children = [self.ask, self.status]

    def _yes(self) -> None:
        self.close_question()
        if self._confirm is not None:
            self._confirm()


def rating_buttons(description: str = "") -> widgets.RadioButtons:
    """A choice of one level of the rating scale, or none."""
    return widgets.RadioButtons(options=[("Not yet rated", ""), *((level, level) for level in RATING_SCALE)],
                                value="", description=description, layout=widgets.Layout(width="auto"))


def text_area(placeholder: str, description: str = "") -> widgets.Textarea:
    # Every keystroke reaches the kernel (StoreView saves at a pause): nothing waits for a blur
    # that a closed browser never sends.
    return widgets.Textarea(placeholder=placeholder, description=description, continuous_update=True,
                            layout=widgets.Layout(width="100%", height="4.5em"))


def text_box(placeholder: str = "", description: str = "", *, width: str = "100%") -> widgets.Text:
    """A one-line text box as wide as its row (names, resources and measures stay readable on a
    1280 px projector: never the 130 px a default box leaves beside a long label)."""
    return widgets.Text(placeholder=placeholder, description=description, continuous_update=True,
                        style={"description_width": "initial"},
                        layout=widgets.Layout(width=width, min_width="14em",
                                              flex="1 1 auto" if width == "100%" else "0 0 auto"))


def date_picker(description: str) -> widgets.DatePicker:
    return widgets.DatePicker(description=description, style={"description_width": "initial"},
                              layout=widgets.Layout(width="auto", min_width="14em"))


def set_date(picker: widgets.DatePicker, text: str) -> None:
    picker.value = as_date(text)


def date_value(value: date | None) -> str | date:
    """A date picker's value for the store ('' clears the date)."""
    return value or ""


def level_cell(level: str) -> str:
    """One rating as an HTML table cell: its name, on its level's colour."""
    colour = LEVEL_COLOURS.get(level, "#ffffff")
    return f'<td style="background:{colour};padding:2px 6px">{html.escape(level or "—")}</td>'


#: Columns of the teamwork tables that hold dates (ISO text in the store).
DATE_COLUMNS = frozenset({"date", "start", "due", "by", "baseline_date", "target_date"})


def html_table(frame: pd.DataFrame, *, levels: tuple[str, ...] = (), flag: str | None = None,
               min_size: int | None = None) -> str:
    """A DataFrame as an HTML table; columns in ``levels`` are coloured by rating, and rows whose
    ``flag`` column is true get the disagreement style (their text says so too). With
    ``min_size``, small counts of children in the text are masked (``privacy.mask_small_counts``)."""
    head = "".join(f'<th style="text-align:left;padding:2px 6px">{html.escape(column_label(c))}</th>'
                   for c in frame.columns if c != flag)
    body = []
    for _, row in frame.iterrows():
        cells = []
        for column in frame.columns:
            if column == flag:
                continue
            value = "" if pd.isna(row[column]) else str(row[column])
            if column in DATE_COLUMNS:
                value = date_text(value)
            if min_size is not None and isinstance(row[column], str):
                value = mask_small_counts(value, min_size)
            if column in levels:
                cells.append(level_cell(value))
            else:
                cells.append(f'<td style="padding:2px 6px">{html.escape(value)}</td>')
        style = f' style="{DISAGREEMENT_STYLE}"' if flag and row[flag] else ""
        body.append(f"<tr{style}>{''.join(cells)}</tr>")
    # A wide table scrolls inside its own box instead of being cut off at the screen's edge.
    return (f'<div style="overflow-x:auto;max-width:100%"><table style="border-collapse:collapse">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>")


def heading(text: str, level: int = 3) -> widgets.HTML:
    return widgets.HTML(f"<h{level}>{html.escape(text)}</h{level}>")
