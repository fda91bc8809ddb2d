"""The team-work widgets, in one place for notebooks and Voila dashboards.

Each builder takes a :class:`~successgaps_lib.store.Store` (and the rubric where it needs
one) and returns an ``ipywidgets.VBox`` to display. Every change is written to the store at
once; ``view.refresh()`` re-reads it (what other members saved from their own kernels);
``view.status`` says what was saved or why a change was refused. What the widgets show is
computed by :mod:`successgaps_lib.teamwork`, whose plain tables also go into handouts
(widgets never reach a static handout).

==========================  =========  ==================================================
builder                     meetings   what the team does with it
==========================  =========  ==================================================
``member_view``             2-4        a member rates the sections assigned as homework
``facilitator_view``        2-4        ratings side by side; record the consensus
``priorities_view``         5          each member marks indicators to act on; the tally
``root_cause_view``         5          at most ``MAX_ROOT_CAUSES`` agreed root causes
``plan_view``               6          SMART goals and activities
``progress_view``           7 and on   dated progress entries per activity
``measurement_view``        7 and on   new outcome data against the plan's target
==========================  =========  ==================================================
"""

from .base import StoreView
from .monitor import MeasurementView, ProgressView, measurement_view, progress_view
from .plan import PlanView, PrioritiesView, RootCauseView, plan_view, priorities_view, root_cause_view
from .rubric import FacilitatorView, MemberView, facilitator_view, member_view

__all__ = [
    "FacilitatorView", "MeasurementView", "MemberView", "PlanView", "PrioritiesView", "ProgressView",
    "RootCauseView", "StoreView", "facilitator_view", "measurement_view", "member_view", "plan_view",
    "priorities_view", "progress_view", "root_cause_view",
]
