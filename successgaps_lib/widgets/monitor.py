"""Widgets for meeting 7 and after: implementation progress and the gap re-measured.

- :func:`progress_view`: dated progress entries per activity (an entry's status becomes the
  activity's status).
- :func:`measurement_view`: a new value of a goal's measure (new outcome data), compared
  with the plan's baseline and target by :func:`~successgaps_lib.teamwork.progress_against_target`.
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..groups import ACTIVITY_STATUSES
from ..privacy import MIN_SIZE
from ..store import Store, TeamWorkError
from ..teamwork import goal_progress_table, parse_percent, progress_table
from .base import StoreView, date_picker, date_value, heading, html_table, text_area, text_box


def _goal_options(store: Store) -> list[tuple[str, int]]:
    return [(f"Goal {n}: {g.smart[:70] or '(no text yet)'}", int(g.id))
            for n, g in enumerate(store.goals().itertuples(), 1)]


def _keep(dropdown: widgets.Dropdown, options: list) -> None:
    """New options for a dropdown, keeping its choice when it is still there."""
    current = dropdown.value
    dropdown.options = options
    values = [value for _, value in options]
    dropdown.value = current if current in values else (values[0] if values else None)


class ProgressView(StoreView):
    """Add dated progress entries to the plan's activities and read them back.

    The entries shown are the room's view: small counts of children in the notes are masked
    (``min_size``, as in the handouts); the text box keeps what the author typed.
    """

    def __init__(self, store: Store, *, by: str | None = None, min_size: int = MIN_SIZE):
        self.min_size = min_size
        super().__init__(store, by=by)
        self.activity = widgets.Dropdown(description="Activity", layout=widgets.Layout(width="100%"))
        self.current = widgets.HTML()
        self.date = date_picker("Date")
        self.date.value = store.today()
        self.state = widgets.Dropdown(options=[("No change", ""), *((s, s) for s in ACTIVITY_STATUSES)],
                                      description="Status", layout=widgets.Layout(width="auto", min_width="16em"))
        self.note = text_area("What happened since the last review")
        self.add_button = widgets.Button(description="Add entry", icon="plus", button_style="primary")
        self.add_button.on_click(self.guard(lambda _: self._add()))
        self.entries = widgets.HTML()
        self.activity.observe(self.guard(lambda _: self.refresh()), names="value")
        self.children = [heading("Progress on the plan"), self.undo_bar, self.activity, self.current,
                         widgets.HBox([self.date, self.state]), self.note,
                         widgets.HBox([self.add_button, self.status], layout=widgets.Layout(align_items="center")),
                         heading("Entries", 4), self.entries]
        self.refresh()

    def _add(self) -> None:
        def add():
            if self.activity.value is None:
                raise TeamWorkError("the plan has no activities yet")
            self.store.add_progress(self.activity.value, date_value(self.date.value), self.note.value,
                                    status=self.state.value, by=self.by)
        if self._save(add):
            with self._quiet():
                self.note.value = ""
                self.state.value = ""
            self.refresh()

    def _load(self) -> None:
        activities = self.store.activities()
        numbers = {id: n for n, id in enumerate(self.store.goals()["id"], 1)}
        _keep(self.activity, [(f"Goal {numbers[a.goal]}: {a.description[:80] or '(no description yet)'}",
                               int(a.id)) for a in activities.itertuples()])
        if self.activity.value is None:
            self.current.value = "<p>The plan has no activities yet.</p>"
            self.entries.value = ""
            return
        status = activities.set_index("id").loc[self.activity.value, "status"]
        self.current.value = f"<p>Current status: <b>{html.escape(status)}</b></p>"
        self.entries.value = html_table(progress_table(self.store, self.activity.value), min_size=self.min_size)


class MeasurementView(StoreView):
    """Record new outcome data for a goal and see the gap against the plan's target."""

    def __init__(self, store: Store, *, by: str | None = None, min_size: int = MIN_SIZE):
        self.min_size = min_size
        super().__init__(store, by=by)
        self.goal = widgets.Dropdown(description="Goal", layout=widgets.Layout(width="100%"))
        self.date = date_picker("Measured on")
        self.date.value = store.today()
        self.value = text_box("e.g. 66.5", "New value (%)", width="16em")
        self.note = text_box("Source of the data, e.g. class of 2026 cohort file", "Note")
        self.record_button = widgets.Button(description="Record measurement", icon="plus", button_style="primary")
        self.record_button.on_click(self.guard(lambda _: self._record()))
        self.statement = widgets.HTML()
        self.table = widgets.HTML()
        self.goal.observe(self.guard(lambda _: self.refresh()), names="value")
        self.children = [heading("The gap, re-measured against the plan's target"), self.undo_bar, self.goal,
                         widgets.HBox([self.value, self.date]), self.note,
                         widgets.HBox([self.record_button, self.status], layout=widgets.Layout(align_items="center")),
                         self.statement, self.table]
        self.refresh()

    def _record(self) -> None:
        def record():
            if self.goal.value is None:
                raise TeamWorkError("the plan has no goals yet")
            value = parse_percent(self.value.value)
            if value is None:
                raise TeamWorkError("type the new value first")
            self.store.add_measurement(self.goal.value, date_value(self.date.value), value,
                                       note=self.note.value, by=self.by)
        if self._save(record):
            with self._quiet():
                self.value.value = ""
                self.note.value = ""
            self.refresh()

    def _load(self) -> None:
        _keep(self.goal, _goal_options(self.store))
        if self.goal.value is None:
            self.statement.value = "<p>The plan has no goals yet.</p>"
            self.table.value = ""
            return
        table = goal_progress_table(self.store, self.goal.value)
        self.statement.value = (f"<p><b>Latest:</b> {html.escape(table['statement'].iloc[-1])}</p>"
                                if len(table) else "<p>No new measurement recorded for this goal yet.</p>")
        self.table.value = html_table(table.drop(columns=["goal", "statement"]), min_size=self.min_size)


def progress_view(store: Store, *, by: str | None = None, min_size: int = MIN_SIZE) -> ProgressView:
    return ProgressView(store, by=by, min_size=min_size)


def measurement_view(store: Store, *, by: str | None = None, min_size: int = MIN_SIZE) -> MeasurementView:
    return MeasurementView(store, by=by, min_size=min_size)
