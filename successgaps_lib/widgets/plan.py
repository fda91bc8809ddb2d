"""Widgets for meetings 5 and 6: priorities, root causes and the action plan.

- :func:`priorities_view`: each member marks the indicators they would act on; the tally
  updates as they do.
- :func:`root_cause_view`: the root causes the team agrees on, at most
  ``groups.MAX_ROOT_CAUSES`` (a sixth is refused, and the view says why).
- :func:`plan_view`: SMART goals (baseline, target, dates) and their activities (person
  responsible, start and due dates, resources, measure of progress, status).

On a projector: the indicators behind a root cause are ticked in a list that always says what
is chosen (``IndicatorPicker``; a multi-select drops every choice on a plain click); inputs
are as wide as their row; each card has its status line; a removal asks first, and *Undo last
change* takes it back.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import traitlets

from ..groups import ACTIVITY_STATUSES, COMPARISONS, GOAL_MEASURES, MAX_ROOT_CAUSES, OUTCOMES, focal_groups
from ..rubric import Rubric
from ..store import Store
from ..teamwork import parse_percent, percent_text, priorities_tally
from .base import (
    Removal,
    StoreView,
    date_picker,
    date_value,
    heading,
    html_table,
    set_date,
    status_line,
    text_area,
    text_box,
)


def _short(text: str, n: int = 70) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


class IndicatorPicker(widgets.VBox):
    """The indicators behind a root cause: a line that names every chosen one, and a checkbox per
    indicator (grouped by section, in a fold that opens on a click). ``value`` is the tuple of
    chosen ids, in rubric order; it can be observed and set like an input's.
    """

    value = traitlets.Tuple()

    def __init__(self, rubric: Rubric, title: str = "Indicators behind it"):
        self.rubric = rubric
        self.boxes: dict[str, widgets.Checkbox] = {}
        self.summary = widgets.HTML()
        self._setting = False
        groups = []
        for section in rubric.sections:
            rows: list[widgets.Widget] = [heading(section.title, 5)]
            for indicator in section.indicators:
                box = self.boxes[indicator.id] = widgets.Checkbox(indent=False, layout=widgets.Layout(width="2em"))
                box.observe(lambda _: self._ticked(), names="value")
                label = widgets.HTML(f"<b>{html.escape(indicator.id)}</b> {html.escape(indicator.statement)}",
                                     layout=widgets.Layout(flex="1 1 auto"))
                rows.append(widgets.HBox([box, label]))
            groups.append(widgets.VBox(rows))
        self.fold = widgets.Accordion(children=[widgets.VBox(groups)], titles=(f"{title}: tick to choose",),
                                      selected_index=None, layout=widgets.Layout(width="100%"))
        super().__init__([self.summary, self.fold], layout=widgets.Layout(width="100%"))
        self.observe(lambda _: self._show(), names="value")
        self._show()

    def _ticked(self) -> None:
        if not self._setting:
            self.value = tuple(id for id, box in self.boxes.items() if box.value)

    def _show(self) -> None:
        chosen = set(self.value)
        self._setting = True
        try:
            for id, box in self.boxes.items():
                box.value = id in chosen
        finally:
            self._setting = False
        if self.value:
            names = "; ".join(f"<b>{html.escape(id)}</b> {html.escape(_short(self.rubric.indicator(id).statement, 60))}"
                              for id in self.value)
            self.summary.value = f"<div>Chosen ({len(self.value)}): {names}</div>"
        else:
            self.summary.value = "<div><i>No indicator chosen yet.</i></div>"


def _members(store: Store) -> list[str]:
    return store.members()["name"].tolist()


# --- Priorities --------------------------------------------------------------------------------

class PrioritiesView(StoreView):
    """Each member ticks the indicators they would act on; the tally shows the whole team's marks."""

    def __init__(self, store: Store, rubric: Rubric, member: str = ""):
        super().__init__(store)
        self.rubric = rubric
        self.member = widgets.Dropdown(description="Your name", options=[("Choose your name", "")],
                                       layout=widgets.Layout(width="auto", min_width="20em"))
        self.refresh_button = widgets.Button(description="Update the tally", icon="refresh")
        self.refresh_button.on_click(self.guard(lambda _: self.refresh()))
        self.checks: dict[str, widgets.Checkbox] = {}
        self.labels: dict[str, widgets.HTML] = {}
        items: list[widgets.Widget] = []
        for section in rubric.sections:
            items.append(heading(section.title, 4))
            for indicator in section.indicators:
                box = self.checks[indicator.id] = widgets.Checkbox(indent=False,
                                                                   layout=widgets.Layout(width="2em"))
                label = self.labels[indicator.id] = widgets.HTML()
                self._bind(box, lambda v, id=indicator.id: self._mark(id, v))
                items.append(widgets.HBox([box, label]))
        self.tally = widgets.HTML()
        self.children = [heading("Which indicators would you act on?"),
                         widgets.HBox([self.member, self.refresh_button]), self.status, self.undo_bar,
                         widgets.VBox(items),
                         heading("Tally: how many members marked each indicator", 4), self.tally]
        self.member.observe(self.guard(lambda _: self.refresh()), names="value")
        self.refresh()
        if member:
            self.member.value = member

    def _mark(self, indicator: str, marked: bool) -> None:
        self.store.set_priority(self.member.value, indicator, marked)
        self._show_tally()

    def _show_tally(self) -> None:
        self.tally.value = html_table(priorities_tally(self.store, self.rubric), levels=("consensus",))

    def _load(self) -> None:
        names = _members(self.store)
        current = self.member.value if self.member.value in names else ""
        self.member.options = [("Choose your name", ""), *((n, n) for n in names)]
        self.member.value = current
        marks = self.store.priorities()
        mine = set(marks.loc[marks["member"] == current, "indicator"])
        agreed = dict(zip(self.store.consensus()["indicator"], self.store.consensus()["rating"], strict=True))
        for id, box in self.checks.items():
            box.value = id in mine
            box.disabled = not current
            rating = agreed.get(id, "")
            self.labels[id].value = (f"<b>{html.escape(id)}</b> {html.escape(self.rubric.indicator(id).statement)}"
                                     + (f" <i>(consensus: {html.escape(rating)})</i>" if rating else ""))
        self._show_tally()
        if not current:
            self.say("Choose your name to mark your priorities.")
        elif "Choose your name" in self.status.value:
            self.status.value = ""


# --- Root causes ---------------------------------------------------------------------------------

class CauseEditor(widgets.VBox):
    """One agreed root cause: its statement, the indicators behind it, and a remove button."""

    def __init__(self, id: int, rubric: Rubric, number: int):
        self.id = id
        self.title = heading(f"Root cause {number}", 4)
        self.statement = text_area("The root cause, in words the team can act on")
        self.indicators = IndicatorPicker(rubric)
        self.status = status_line()
        self.removal = Removal("Remove root cause", f"Remove root cause {number}?")
        self.remove = self.removal.ask
        super().__init__([self.title, self.statement, self.indicators, self.status, self.removal],
                         layout=widgets.Layout(border="1px solid #ddd", padding="4px", margin="4px 0"))


class RootCauseView(StoreView):
    """The team's root causes (at most MAX_ROOT_CAUSES); edits are saved as they are made."""

    def __init__(self, store: Store, rubric: Rubric, *, by: str | None = None):
        super().__init__(store, by=by)
        self.rubric = rubric
        self.count = widgets.HTML()
        self.causes = widgets.VBox()
        self.editors: dict[int, CauseEditor] = {}
        self.new_statement = text_area("A root cause the team agrees on and can act on")
        self.new_indicators = IndicatorPicker(rubric)
        self.add_button = widgets.Button(description="Add root cause", icon="plus", button_style="primary")
        self.add_button.on_click(self.guard(lambda _: self._add()))
        self.message = status_line()
        self.children = [heading("Root causes the team agrees on"), self.undo_bar, self.count, self.status,
                         self.causes, heading("Add a root cause", 4), self.new_statement, self.new_indicators,
                         widgets.HBox([self.add_button, self.message], layout=widgets.Layout(align_items="center"))]
        self.refresh()

    def _add(self) -> None:
        saved = self._save(lambda: self.store.add_root_cause(self.new_statement.value, self.new_indicators.value,
                                                             by=self.by), near=self.message)
        if saved:
            with self._quiet():
                self.new_statement.value = ""
                self.new_indicators.value = ()
            self.refresh()

    def _remove(self, id: int, near: widgets.HTML) -> None:
        if self._save(lambda: self.store.remove_root_cause(id, by=self.by), near=near):
            self.refresh()
            self.say("Root cause removed. Undo last change brings it back.", near=self.undo_status)

    def _editor(self, id: int, number: int) -> CauseEditor:
        editor = CauseEditor(id, self.rubric, number)
        self._bind(editor.statement, lambda v: self.store.update_root_cause(id, statement=v, by=self.by),
                   editor.status)
        self._bind(editor.indicators, lambda v: self.store.update_root_cause(id, indicators=v, by=self.by),
                   editor.status)
        editor.removal.on_confirm(self.guard(lambda: self._remove(id, editor.removal.status)))
        return editor

    def _load(self) -> None:
        causes = self.store.root_causes()
        for id in set(self.editors) - set(causes["id"]):
            self.editors.pop(id).close()
        known = set(self.rubric.ids)
        for number, cause in enumerate(causes.itertuples(), 1):
            editor = self.editors.get(cause.id) or self.editors.setdefault(cause.id, self._editor(cause.id, number))
            editor.title.value = f"<h4>Root cause {number}</h4>"
            editor.removal.question.value = f"<b>Remove root cause {number}?</b>"
            editor.statement.value = cause.statement
            editor.indicators.value = tuple(i for i in cause.indicators.split(", ") if i in known)
        self.causes.children = [self.editors[id] for id in causes["id"]]
        n = len(causes)
        full = " That is the most the process allows: remove or merge one to add another." \
            if n >= MAX_ROOT_CAUSES else ""
        self.count.value = f"<p>{n} of at most {MAX_ROOT_CAUSES} root causes agreed.{full}</p>"


# --- The action plan -------------------------------------------------------------------------

class ActivityEditor(widgets.VBox):
    """One activity of a goal: every input as wide as its row, its status line, a removal that asks."""

    def __init__(self, id: int, members: list[str]):
        self.id = id
        self.description = text_area("What will be done")
        self.person = widgets.Combobox(options=members, description="Person responsible",
                                       continuous_update=False, ensure_option=False,
                                       style={"description_width": "initial"},
                                       layout=widgets.Layout(width="auto", min_width="22em", flex="1 1 auto"))
        self.start = date_picker("Start")
        self.due = date_picker("Due")
        self.resources = text_box("Money, time, people, materials", "Resources")
        self.measure = text_box("How the team will know it is happening", "Measure of progress")
        self.status = widgets.Dropdown(options=ACTIVITY_STATUSES, description="Status",
                                       layout=widgets.Layout(width="auto", min_width="16em"))
        self.message = status_line()
        self.removal = Removal("Remove activity", "Remove this activity?")
        self.remove = self.removal.ask
        wrap = widgets.Layout(flex_flow="row wrap", width="100%")
        super().__init__([self.description, widgets.HBox([self.person, self.status], layout=wrap),
                          widgets.HBox([self.start, self.due], layout=wrap), self.resources, self.measure,
                          self.message, self.removal],
                         layout=widgets.Layout(border="1px dashed #ccc", padding="4px", margin="4px 0 4px 2em"))


class GoalEditor(widgets.VBox):
    """One SMART goal with its activities."""

    def __init__(self, id: int):
        self.id = id
        self.title = heading("Goal", 4)
        self.smart = text_area("Specific, measurable, achievable, relevant, time-bound goal")
        auto = widgets.Layout(width="auto", min_width="18em")
        self.outcome = widgets.Dropdown(options=[("", ""), *((o.label, o.id) for o in OUTCOMES.values())],
                                        description="Outcome", layout=auto)
        self.group = widgets.Dropdown(options=["", *focal_groups()], description="Group", layout=auto)
        self.measure = widgets.Dropdown(options=[(label, key) for key, label in GOAL_MEASURES.items()],
                                        description="Measures", layout=widgets.Layout(width="auto"))
        self.comparison = widgets.Combobox(options=list(COMPARISONS.values()), description="Compared with",
                                           continuous_update=False, ensure_option=False,
                                           style={"description_width": "initial"},
                                           layout=widgets.Layout(width="auto", min_width="22em", flex="1 1 auto"))
        self.baseline = text_box("e.g. 62", "Baseline (%)", width="16em")
        self.baseline_date = date_picker("measured")
        self.target = text_box("e.g. 72", "Target (%)", width="16em")
        self.target_date = date_picker("by")
        self.message = status_line()
        self.activities = widgets.VBox()
        self.add_activity = widgets.Button(description="Add activity", icon="plus")
        self.removal = Removal("Remove goal", "Remove this goal?")
        self.remove = self.removal.ask
        wrap = widgets.Layout(flex_flow="row wrap", width="100%")
        super().__init__([self.title, self.smart, widgets.HBox([self.outcome, self.group], layout=wrap),
                          widgets.HBox([self.measure, self.comparison], layout=wrap),
                          widgets.HBox([self.baseline, self.baseline_date], layout=wrap),
                          widgets.HBox([self.target, self.target_date], layout=wrap), self.message,
                          self.activities, widgets.HBox([self.add_activity, self.removal], layout=wrap)],
                         layout=widgets.Layout(border="1px solid #bbb", padding="6px", margin="6px 0"))


class PlanView(StoreView):
    """The action plan editor: goals, their baseline and target, and their activities."""

    def __init__(self, store: Store, *, by: str | None = None):
        super().__init__(store, by=by)
        self.goals: dict[int, GoalEditor] = {}
        self.activities: dict[int, ActivityEditor] = {}
        self.goal_box = widgets.VBox()
        self.add_goal = widgets.Button(description="Add goal", icon="plus", button_style="primary")
        self.add_message = status_line()
        self.add_goal.on_click(self.guard(lambda _: self._act(lambda: self.store.add_goal(by=self.by),
                                                              self.add_message)))
        self.children = [heading("Action plan"), self.undo_bar, self.status, self.goal_box,
                         widgets.HBox([self.add_goal, self.add_message], layout=widgets.Layout(align_items="center"))]
        self.refresh()

    def _act(self, action, near: widgets.HTML | None = None) -> bool:
        if self._save(action, near):
            self.refresh()
            return True
        return False

    def _removed(self, what: str, action, near: widgets.HTML) -> None:
        if self._act(action, near):
            self.say(f"{what} removed. Undo last change brings it back.", near=self.undo_status)

    def _goal_editor(self, id: int) -> GoalEditor:
        editor = GoalEditor(id)

        def write(**fields):
            return self.store.update_goal(id, by=self.by, **fields)

        near = editor.message
        for field in ("smart", "outcome", "group", "measure", "comparison"):
            self._bind(getattr(editor, field), lambda v, field=field: write(**{field: v}), near)
        for field in ("baseline", "target"):
            self._bind(getattr(editor, field), lambda v, field=field: write(**{field: parse_percent(v)}), near)
        for field in ("baseline_date", "target_date"):
            self._bind(getattr(editor, field), lambda v, field=field: write(**{field: date_value(v)}), near)
        editor.add_activity.on_click(self.guard(lambda _: self._act(lambda: self.store.add_activity(id, by=self.by),
                                                                    editor.removal.status)))
        editor.removal.on_confirm(self.guard(lambda: self._removed(
            "Goal", lambda: self.store.remove_goal(id, by=self.by), editor.removal.status)))
        return editor

    def _activity_editor(self, id: int, members: list[str]) -> ActivityEditor:
        editor = ActivityEditor(id, members)

        def write(**fields):
            return self.store.update_activity(id, by=self.by, **fields)

        near = editor.message
        for field in ("description", "person", "resources", "measure", "status"):
            self._bind(getattr(editor, field), lambda v, field=field: write(**{field: v}), near)
        for field in ("start", "due"):
            self._bind(getattr(editor, field), lambda v, field=field: write(**{field: date_value(v)}), near)
        editor.removal.on_confirm(self.guard(lambda: self._removed(
            "Activity", lambda: self.store.remove_activity(id, by=self.by), editor.removal.status)))
        return editor

    def _load(self) -> None:
        goals, activities, members = self.store.goals(), self.store.activities(), _members(self.store)
        for editors, ids in ((self.goals, goals["id"]), (self.activities, activities["id"])):
            for id in set(editors) - set(ids):
                editors.pop(id).close()
        for number, goal in enumerate(goals.itertuples(), 1):
            editor = self.goals.get(goal.id) or self.goals.setdefault(goal.id, self._goal_editor(goal.id))
            editor.title.value = f"<h4>Goal {number}</h4>"
            editor.removal.question.value = f"<b>Remove goal {number}?</b>"
            for field in ("smart", "outcome", "measure", "comparison"):
                getattr(editor, field).value = getattr(goal, field)
            editor.group.options = ["", *dict.fromkeys([*focal_groups(), goal.group])]
            editor.group.value = goal.group
            for field in ("baseline", "target"):
                getattr(editor, field).value = percent_text(getattr(goal, field))
            for field in ("baseline_date", "target_date"):
                set_date(getattr(editor, field), getattr(goal, field))
            mine = activities[activities["goal"] == goal.id]
            for a in mine.itertuples():
                activity = self.activities.get(a.id) or self.activities.setdefault(
                    a.id, self._activity_editor(a.id, members))
                activity.person.options = members
                for field in ("description", "person", "resources", "measure", "status"):
                    getattr(activity, field).value = getattr(a, field)
                set_date(activity.start, a.start)
                set_date(activity.due, a.due)
            editor.activities.children = [self.activities[id] for id in mine["id"]]
        self.goal_box.children = [self.goals[id] for id in goals["id"]]


def priorities_view(store: Store, rubric: Rubric, member: str = "") -> PrioritiesView:
    return PrioritiesView(store, rubric, member)


def root_cause_view(store: Store, rubric: Rubric, *, by: str | None = None) -> RootCauseView:
    return RootCauseView(store, rubric, by=by)


def plan_view(store: Store, *, by: str | None = None) -> PlanView:
    return PlanView(store, by=by)
