"""Screens that forgive (issue 10, item 4): every removal asks first, *Undo last change* takes a
change back from the store's history, the root-cause picker always shows what is chosen, and a
status line sits beside the control it is about. Driven as a user would: set values, click."""

from __future__ import annotations

from datetime import UTC, datetime

import ipywidgets as widgets
import pytest

from successgaps_lib.groups import MAX_ROOT_CAUSES
from successgaps_lib.rubric import load_rubric
from successgaps_lib.store import Store
from successgaps_lib.widgets import (
    facilitator_view,
    measurement_view,
    member_view,
    plan_view,
    priorities_view,
    progress_view,
    root_cause_view,
)
from tests.clock import TickingClock


@pytest.fixture(scope="module")
def rubric():
    return load_rubric()


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path, by="Karen", clock=TickingClock(datetime(2026, 3, 31, 15, 0, tzinfo=UTC))) as s:
        for name, role in (("Ana", "parent"), ("Ben", "leader")):
            s.add_member(name, role)
        yield s


def walk(widget: widgets.Widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def all_views(store, rubric):
    goal = store.add_goal("Raise the graduation rate")
    store.add_activity(goal, "Mentoring")
    store.add_root_cause("Warning signs reach nobody", ["DB-1"])
    return [member_view(store, rubric), facilitator_view(store, rubric), priorities_view(store, rubric),
            root_cause_view(store, rubric), plan_view(store), progress_view(store), measurement_view(store)]


def test_removing_an_activity_asks_first_and_undo_brings_it_back_as_it_was(store):
    view = plan_view(store, by="Karen")
    goal = store.add_goal("Raise the graduation rate to 85% by 2028")
    view.refresh()
    view.goals[goal].add_activity.click()
    (activity_id,) = store.activities()["id"].tolist()
    activity = view.activities[activity_id]
    activity.description.value = "Summer bridge course"
    activity.person.value = "Ben"
    activity.resources.value = "Two teachers for four weeks, the library"

    activity.remove.click()
    assert activity.removal.asking and "Remove this activity?" in activity.removal.question.value
    activity.removal.no.click()  # "Keep it"
    assert not activity.removal.asking and len(store.activities()) == 1
    activity.remove.click()
    activity.removal.yes.click()
    assert store.activities().empty
    assert "Undo last change brings it back" in view.undo_status.value  # said beside the undo button
    assert "removed activity" in view.undo_button.tooltip

    view.undo_button.click()
    (row,) = store.activities().itertuples()
    assert (row.id, row.goal, row.description, row.person, row.resources) == (
        activity_id, goal, "Summer bridge course", "Ben", "Two teachers for four weeks, the library")
    assert "Undone: removed activity" in view.undo_status.value
    assert view.activities[activity_id].person.value == "Ben"  # the screen shows it again
    history = store.history("activities")
    assert history["action"].tolist()[-1] == "insert" and history["who"].iloc[-1] == "Karen"  # the undo is recorded

    view.undo_button.click()  # one step further back: the resources typed
    assert store.activities().iloc[0].resources == ""
    for _ in range(3):  # person, description, the activity added
        view.undo_button.click()
    assert store.activities().empty and view.undo_button.disabled
    view.undo_last()
    assert "Nothing to undo" in view.undo_status.value


def test_undo_never_overwrites_what_another_screen_changed_since(store):
    view = plan_view(store, by="Karen")
    view.add_goal.click()
    (goal_id,) = store.goals()["id"].tolist()
    view.goals[goal_id].target.value = "85"
    with Store.open(store.path, by="Ben on his own screen") as other:
        other.update_goal(goal_id, target=0.9)
    view.undo_button.click()
    assert "Not undone" in view.undo_status.value and "changed since" in view.undo_status.value
    assert store.goals().iloc[0].target == 0.9  # Ben's value stands
    assert not view.undo_button.disabled  # the step stays, for when it is put back


def test_removing_a_root_cause_asks_and_undo_restores_it_with_its_indicators(store, rubric):
    view = root_cause_view(store, rubric, by="Karen")
    view.new_statement.value = "No protected co-planning time"
    view.new_indicators.boxes["CI-4"].value = True
    view.new_indicators.boxes["CI-1"].value = True
    view.add_button.click()
    assert "Saved at" in view.message.value  # beside the add button
    (cause,) = store.root_causes().itertuples()
    assert cause.indicators == "CI-1, CI-4"  # rubric order
    editor = view.editors[cause.id]
    editor.remove.click()
    assert len(store.root_causes()) == 1 and "Remove root cause 1?" in editor.removal.question.value
    editor.removal.yes.click()
    assert store.root_causes().empty and not view.causes.children
    view.undo_button.click()
    (back,) = store.root_causes().itertuples()
    assert (back.id, back.statement, back.indicators) == (cause.id, "No protected co-planning time", "CI-1, CI-4")
    restored = view.editors[cause.id]
    assert restored.indicators.value == ("CI-1", "CI-4") and "CI-4" in restored.indicators.summary.value


def test_undoing_a_removal_never_makes_a_sixth_root_cause(store, rubric):
    view = root_cause_view(store, rubric, by="Karen")
    first = store.add_root_cause("cause 0")
    store.add_root_cause("cause 1")  # so the ids of the causes added below are new ones
    view.refresh()
    view.editors[first].remove.click()
    view.editors[first].removal.yes.click()
    with Store.open(store.path, by="elsewhere") as other:
        for n in range(MAX_ROOT_CAUSES - 1):
            other.add_root_cause(f"cause {n + 2}")
    view.undo_button.click()
    assert "Not undone" in view.undo_status.value and f"more than {MAX_ROOT_CAUSES}" in view.undo_status.value
    assert len(store.root_causes()) == MAX_ROOT_CAUSES


def test_the_indicator_picker_keeps_every_choice_and_says_what_is_chosen(store, rubric):
    view = root_cause_view(store, rubric)
    cause = store.add_root_cause("Warning signs reach nobody who can act", ["DB-1"])
    view.refresh()
    picker = view.editors[cause].indicators
    assert picker.value == ("DB-1",) and "Chosen (1)" in picker.summary.value
    picker.boxes["IS-3"].value = True  # a plain click adds; it never drops DB-1
    picker.boxes["CR-2"].value = True
    assert store.root_causes().iloc[0].indicators == "DB-1, CR-2, IS-3"
    assert "Chosen (3)" in picker.summary.value and "IS-3" in picker.summary.value
    picker.boxes["DB-1"].value = False
    assert store.root_causes().iloc[0].indicators == "CR-2, IS-3"
    assert "Chosen (2)" in picker.summary.value
    assert len(picker.boxes) == len(rubric.indicators)


def test_no_screen_has_a_multi_select_and_every_view_can_undo(store, rubric):
    for view in all_views(store, rubric):
        parts = list(walk(view))
        assert not [w for w in parts if isinstance(w, widgets.SelectMultiple)], type(view).__name__
        assert view.undo_button in parts and view.undo_button.description == "Undo last change"


def test_inputs_are_as_wide_as_their_row_not_130_px(store, rubric):
    """Names, resources and measures stay readable on a 1280 px projector."""
    for view in all_views(store, rubric):
        for w in walk(view):
            if isinstance(w, widgets.Text | widgets.Combobox | widgets.Dropdown):
                layout = w.layout
                assert layout.width in ("100%", "auto") or (layout.width or "").endswith("em"), (
                    type(view).__name__, w.description, layout.width)
                if w.description and isinstance(w, widgets.Text | widgets.Combobox):
                    assert w.style.description_width == "initial"  # the label never squeezes the box


def test_a_rating_says_saved_beside_the_indicator_and_can_be_undone(store, rubric):
    view = member_view(store, rubric, member="Ana")
    row = view.rows["DB-1"]
    row.rating.value = "Planning"
    row.rating.value = "Implemented"
    assert "Saved at" in row.message.value and "Saved" not in view.rows["DB-2"].message.value
    view.undo_button.click()
    assert store.ratings("Ana").iloc[0].rating == "Planning" and row.rating.value == "Planning"
    view.undo_button.click()
    assert store.ratings("Ana").empty and row.rating.value == ""
    assert set(store.history("ratings")["who"]) == {"Ana"}  # her undo is hers in the history

    consensus = facilitator_view(store, rubric, by="Karen")
    line = consensus.rows["DB-1"]
    line.rating.value = "Partially implemented"
    assert "Saved at" in line.message.value
    consensus.undo_button.click()
    assert store.consensus().empty


def test_undo_of_a_progress_entry_puts_the_activity_status_back(store):
    goal = store.add_goal("g")
    activity = store.add_activity(goal, "Early warning", status="Not started")
    view = progress_view(store, by="Ben")
    view.note.value = "First review held"
    view.state.value = "In progress"
    view.add_button.click()
    assert store.activities().iloc[0].status == "In progress"
    assert "Saved at" in view.status.value and view.status in view.children[-3].children  # beside "Add entry"
    view.undo_button.click()
    assert store.progress(activity).empty and store.activities().iloc[0].status == "Not started"
