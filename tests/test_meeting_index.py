"""The room server's index page: the meetings with titles and dates, the next one first (issue 10, item 4)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import jinja2

from successgaps_lib import meeting_index, present
from successgaps_lib import workbook as workbooks
from successgaps_lib.words import long_date
from tests.demo_copy import copy_demo_workbook


def render(template: str, query: str = "token=a-long-enough-token") -> str:
    env = jinja2.Environment(loader=jinja2.DictLoader({"page.html": "{% block stylesheets %}{% endblock %}"
                                                                    "{% block body %}{% endblock %}",
                                                       "tree.html": template}), autoescape=True)
    return env.get_template("tree.html").render(base_url="/", query=query)


def test_the_index_lists_every_meeting_the_next_first_with_title_date_and_place(tmp_path):
    folder = copy_demo_workbook(tmp_path)
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    launch = present.build(present.Settings(workbook=folder, token="a-long-enough-token"), runtime)
    pages = [p for p in runtime.rglob("tree*.html") if p.parent.name == present.TEMPLATE]
    assert sorted(p.name for p in pages) == ["tree-lab.html", "tree.html"]
    assert launch.url().endswith("?token=a-long-enough-token")  # the index is where the room starts

    wb = workbooks.load(folder, check_files=False)
    during = wb.moment(wb.meeting(4).start) - dt.timedelta(days=3)  # a few days before meeting 4
    page = render(meeting_index.index_template(wb, during))
    numbers = [int(n) for n in re.findall(r"Meeting (\d): ", page)]
    assert numbers == [4, 5, 6, 7, 3, 2, 1]  # the next, the later ones, then those held, newest first
    first = page.split("</li>")[0]
    assert "Next meeting" in first and 'aria-current="date"' in first
    assert wb.meeting(4).title in first and long_date(wb.meeting(4).start) in first and wb.meeting(4).place in first
    assert page.count('href="/voila/render/meeting_') == 7 and "meeting_4.ipynb?token=a-long-enough-token" in first
    assert "ipynb</a>" not in page  # no bare file names


def test_the_index_prints_workbook_text_as_text(tmp_path):
    folder = copy_demo_workbook(tmp_path, edit=lambda text: text.replace(
        "Riverside High School, library (room 112)", "'{{ 7 * 7 }} <script>alert(1)</script> {% raw %}'"))
    wb = workbooks.load(folder, check_files=False)
    page = render(meeting_index.index_template(wb, dt.datetime(2025, 1, 1, tzinfo=dt.UTC)))
    assert "49" not in page and "<script>" not in page
    assert "&lt;script&gt;" in page and "&#123;&#123; 7 * 7 &#125;&#125;" in page


def test_a_workbook_without_a_schedule_lists_the_seven_meetings(tmp_path):
    wb = workbooks.Workbook(Path(tmp_path), "Nowhere Unified", None)
    page = render(meeting_index.index_template(wb, dt.datetime(2025, 1, 1, tzinfo=dt.UTC)))
    assert [int(n) for n in re.findall(r"Meeting (\d): ", page)] == list(range(1, 8))
    assert "Getting started" in page
