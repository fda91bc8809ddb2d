"""The page a member's personal link opens: their own ratings of the current homework, nothing else.

``member_page(name)`` is the only call the member's dashboard notebook
(``notebooks/live/homework_member.ipynb``, one copy per member in the served folder) makes.
It shows the rubric's member view for the homework due now (``homework.current``), with the
name fixed: the view is given a store that lists only this member, reads only their ratings
and refuses to write anyone else's (``OwnStore``). Every rating is saved with route ``link``.

>>> import tempfile
>>> from successgaps_lib.store import Store
>>> with Store.open(":memory:", by="Karen") as store:
...     _ = store.add_member("Ana Diaz", "parent"); _ = store.add_member("Bo Li", "student")
...     own = OwnStore(store, "Ana Diaz")
...     own.members()["name"].tolist(), own.set_rating("Ana Diaz", "DB-1", "Planning")
...     store.history("ratings")["route"].tolist()
(['Ana Diaz'], True)
['link']
"""

from __future__ import annotations

import html
import os

import ipywidgets as widgets

from .. import workbook as workbooks
from ..store import Store, TeamWorkError
from . import current, open_rubric, open_team_store


class OwnStore:
    """One member's window on the store: everything reads through, but only their ratings."""

    def __init__(self, store: Store, member: str):
        self._store, self._member = store, member

    def __getattr__(self, name):
        if name.startswith(("set_", "add_", "update_", "remove_", "import_")) and name != "set_rating":
            raise AttributeError(f"a member's own page cannot {name.replace('_', ' ')}")
        return getattr(self._store, name)

    def members(self):
        found = self._store.members()
        return found[found["name"] == self._member].reset_index(drop=True)

    def ratings(self, member: str | None = None):
        return self._store.ratings(self._member)

    def set_rating(self, member: str, indicator: str, rating=None, **fields) -> bool:
        if member != self._member:
            raise TeamWorkError(f"this page saves {self._member}'s ratings only")
        fields.pop("route", None)
        fields.pop("by", None)
        return self._store.set_rating(member, indicator, rating, by=member, route="link", **fields)


def _message(text: str) -> widgets.HTML:
    return widgets.HTML(f'<div class="sg-problem" role="status">{html.escape(text)}</div>')


def member_page(member: str, workbook: str | os.PathLike | None = None) -> widgets.Widget:
    """The member's own rating view of the homework due now (a plain sentence when there is none)."""
    from ..dashboard import guarded, workbook_folder
    from ..widgets.rubric import member_view

    def build() -> widgets.Widget:
        wb = workbooks.load(workbook_folder(workbook), check_files=False)
        rubric = open_rubric(wb)
        work = current(wb, rubric=rubric)
        if work is None:
            return _message("No rating homework is due now. Thank you: the team will send your link again "
                            "when there is.")
        store = open_team_store(wb, route="link", by=member)
        if member not in set(store.members()["name"]):
            return _message("This link belongs to nobody on the team any more. Ask the facilitator for yours.")
        view = member_view(OwnStore(store, member), rubric, [s.id for s in work.sections], member=member)
        view.member.disabled = True
        view.say("Rate each indicator of every section; each change is saved at once.")
        heading = widgets.HTML(
            f'<header class="sg-header"><div><div class="sg-district">{html.escape(wb.name)}</div>'
            f'<h1 class="sg-title">Your ratings, {html.escape(member)}</h1>'
            f'<div class="sg-when">Homework for {html.escape(work.due_text)}. Every change is saved at once.'
            "</div></div></header>")
        page = widgets.VBox([heading, view])
        page.add_class("sg-dashboard")
        return page

    return guarded(build, "Your rating page")
