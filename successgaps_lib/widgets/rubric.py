"""Rubric widgets for meetings 2 to 4: members rate at home, the team agrees in the room.

- :func:`member_view`: a member picks their name and rates each indicator of the sections
  assigned as homework, with evidence and notes.
- :func:`facilitator_view`: every member's rating side by side, disagreements marked in
  words and colour, and the team's consensus rating, evidence, notes and further data.
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..rubric import Indicator, Rubric
from ..store import Store
from ..teamwork import homework_status, side_by_side
from .base import (
    DISAGREEMENT_STYLE,
    WIDE,
    StoreView,
    heading,
    html_table,
    level_cell,
    rating_buttons,
    status_line,
    text_area,
)


def indicator_html(indicator: Indicator) -> str:
    """The indicator as the team reads it: statement, probing questions, what each level looks like."""
    questions = "".join(f"<li>{html.escape(q)}</li>" for q in indicator.questions)
    levels = "".join(f"<tr>{level_cell(level)}<td style='padding:2px 6px'>{html.escape(text)}</td></tr>"
                     for level, text in indicator.levels.items())
    return (f"<p><b>{html.escape(indicator.id)}</b> {html.escape(indicator.statement)}</p>"
            f"<details><summary>Probing questions and levels</summary><ul>{questions}</ul>"
            f"<table style='border-collapse:collapse'>{levels}</table></details>")


def _section_options(rubric: Rubric, sections) -> list[tuple[str, str]]:
    chosen = [rubric.section(s) for s in sections] if sections else list(rubric.sections)
    return [(s.title, s.id) for s in chosen]


class RatingRow(widgets.VBox):
    """One indicator in the member view: its text, the member's rating, evidence and notes."""

    def __init__(self, indicator: Indicator):
        self.indicator = indicator
        self.rating = rating_buttons("Rating")
        self.evidence = text_area("Evidence: what you have seen, read or been told")
        self.notes = text_area("Notes and questions for the team")
        self.message = status_line()
        super().__init__([widgets.HTML(indicator_html(indicator)), self.rating, self.evidence, self.notes,
                          self.message],
                         layout=widgets.Layout(border="1px solid #ddd", padding="4px", margin="4px 0"))


class MemberView(StoreView):
    """A member's homework: pick your name, rate the assigned sections. Every change is saved."""

    def __init__(self, store: Store, rubric: Rubric, sections=None, member: str = ""):
        super().__init__(store)
        self.rubric = rubric
        self.member = widgets.Dropdown(description="Your name", options=[("Choose your name", "")],
                                       layout=widgets.Layout(width="auto", min_width="20em"))
        self.section = widgets.Dropdown(description="Section", options=_section_options(rubric, sections),
                                        layout=widgets.Layout(width="auto"))
        self.rows: dict[str, RatingRow] = {}
        for _, section_id in self.section.options:
            for indicator in rubric.section(section_id).indicators:
                row = self.rows[indicator.id] = RatingRow(indicator)
                self._bind_row(row)
        self.body = widgets.VBox()
        self.children = [heading("Your ratings"), widgets.HBox([self.member, self.section]), self.status,
                         self.undo_bar, self.body]
        self._member_before: str | None = None
        self.member.observe(self.guard(self._member_changed), names="value")
        self.section.observe(self.guard(lambda _: self._show_section()), names="value")
        self.refresh()
        if member:
            self.member.value = member
        self._show_section()

    def _who(self) -> str:
        """The member whose ratings the boxes hold (the one before a change of name, while it is saved)."""
        return self.member.value if self._member_before is None else self._member_before

    def _member_changed(self, change) -> None:
        # Text still waiting for a pause in typing belongs to the member chosen when it was typed.
        self._member_before = change["old"]
        try:
            self.flush()
        finally:
            self._member_before = None
        self.refresh()

    def _bind_row(self, row: RatingRow) -> None:
        indicator = row.indicator.id
        near = row.message
        self._bind(row.rating, lambda v: self.store.set_rating(self._who(), indicator, v), near)
        self._bind(row.evidence, lambda v: self.store.set_rating(self._who(), indicator, evidence=v), near)
        self._bind(row.notes, lambda v: self.store.set_rating(self._who(), indicator, notes=v), near)

    def _show_section(self) -> None:
        section = self.rubric.section(self.section.value)
        self.body.children = [self.rows[i.id] for i in section.indicators]

    def _load(self) -> None:
        names = self.store.members()["name"].tolist()
        current = self.member.value if self.member.value in names else ""
        self.member.options = [("Choose your name", ""), *((n, n) for n in names)]
        self.member.value = current
        saved = self.store.ratings(current).set_index("indicator") if current else None
        for id, row in self.rows.items():
            found = saved is not None and id in saved.index
            row.rating.value = saved.loc[id, "rating"] if found else ""
            row.evidence.value = saved.loc[id, "evidence"] if found else ""
            row.notes.value = saved.loc[id, "notes"] if found else ""
            for box in (row.rating, row.evidence, row.notes):
                box.disabled = not current
        if not current:
            self.say("Choose your name to start rating.")
        elif "Choose your name" in self.status.value:
            self.status.value = ""


class ConsensusRow(widgets.VBox):
    """One indicator in the facilitator view: how members rated it and what the team agrees."""

    def __init__(self, indicator: Indicator):
        self.indicator = indicator
        self.agreement = widgets.HTML()
        self.rating = rating_buttons("Consensus")
        self.evidence = text_area("Evidence the team agrees on")
        self.notes = text_area("Notes from the discussion")
        self.further_data = text_area("Further data to gather before deciding")
        self.message = status_line()
        super().__init__([widgets.HTML(indicator_html(indicator)), self.agreement, self.rating, self.evidence,
                          self.notes, self.further_data, self.message],
                         layout=widgets.Layout(border="1px solid #ddd", padding="4px", margin="4px 0"))


class FacilitatorView(StoreView):
    """Members' ratings side by side, disagreement marked, and the consensus recorded as agreed."""

    def __init__(self, store: Store, rubric: Rubric, sections=None, *, by: str | None = None):
        super().__init__(store, by=by)
        self.rubric = rubric
        self.section = widgets.Dropdown(description="Section", options=_section_options(rubric, sections),
                                        layout=widgets.Layout(width="auto"))
        self.refresh_button = widgets.Button(description="Show latest ratings", icon="refresh",
                                             tooltip="Re-read what members have saved from their own computers")
        self.refresh_button.on_click(self.guard(lambda _: self.refresh()))
        self.homework = widgets.HTML()
        self.grid = widgets.HTML(layout=WIDE)
        self.rows: dict[str, ConsensusRow] = {}
        for _, section_id in self.section.options:
            for indicator in rubric.section(section_id).indicators:
                row = self.rows[indicator.id] = ConsensusRow(indicator)
                self._bind_row(row)
        self.body = widgets.VBox()
        self.children = [heading("Ratings side by side and consensus"),
                         widgets.HBox([self.section, self.refresh_button]), self.status, self.undo_bar,
                         heading("Homework done", 4), self.homework,
                         heading("Every member's rating", 4), self.grid,
                         heading("Consensus, indicator by indicator", 4), self.body]
        self.section.observe(self.guard(lambda _: self.refresh()), names="value")
        self.refresh()

    def _bind_row(self, row: ConsensusRow) -> None:
        indicator = row.indicator.id
        for field in ("rating", "evidence", "notes", "further_data"):
            self._bind(getattr(row, field), lambda v, field=field: self.store.set_consensus(
                indicator, **{field: v}, by=self.by), row.message)

    def _load(self) -> None:
        section = self.section.value
        status = homework_status(self.store, self.rubric, section)
        status["done"] = status["done"].map({True: "yes", False: "not yet"})
        self.homework.value = html_table(status)
        wide = side_by_side(self.store, self.rubric, section)
        names = self.store.members()["name"].tolist()
        # The short spread: the full sentence is under each indicator, and a projector is narrow.
        self.grid.value = html_table(wide.drop(columns=["section", "statement", "levels", "disagreement"]),
                                     levels=(*names, "consensus"), flag="disagree")
        agreed = self.store.consensus().set_index("indicator")
        for indicator in self.rubric.section(section).indicators:
            row = self.rows[indicator.id]
            found = indicator.id in agreed.index
            for field in ("rating", "evidence", "notes", "further_data"):
                getattr(row, field).value = agreed.loc[indicator.id, field] if found else ""
            found = wide.loc[wide["indicator"] == indicator.id].iloc[0]
            style = DISAGREEMENT_STYLE if found["disagree"] else "padding:2px 6px"
            mark = "⚠ " if found["disagree"] else ""
            row.agreement.value = f'<div style="{style}">{mark}{html.escape(found["disagreement"])}</div>'
        self.body.children = [self.rows[i.id] for i in self.rubric.section(section).indicators]


def member_view(store: Store, rubric: Rubric, sections=None, member: str = "") -> MemberView:
    """The homework view: ``sections`` (ids) limits it to the sections assigned."""
    return MemberView(store, rubric, sections, member)


def facilitator_view(store: Store, rubric: Rubric, sections=None, *, by: str | None = None) -> FacilitatorView:
    """The meeting view: side-by-side ratings and consensus; ``by`` names who records it."""
    return FacilitatorView(store, rubric, sections, by=by)
