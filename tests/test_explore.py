"""The data team's explorer: every view for single groups, intersections and named comparisons, and
one-line answers to mistakes.

Expected figures are counted here from the demo's student records with plain pandas, not by
the code under test.
"""

from __future__ import annotations

import inspect
import re
from functools import cached_property

import pandas as pd
import pytest

from successgaps_lib import charts, privacy
from successgaps_lib.errors import ConfigError, SuccessGapsError
from successgaps_lib.explore import Exploration
from successgaps_lib.groups import noun
from successgaps_lib.meeting import Meeting
from tests.demo_copy import DEMO, copy_demo_workbook

SWD_HISPANIC = "Hispanic/Latino × Students with disabilities"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return copy_demo_workbook(tmp_path_factory.mktemp("explore"))


@pytest.fixture(scope="module")
def students() -> pd.DataFrame:
    return pd.read_csv(DEMO / "students.csv", dtype={"school": str})


@pytest.mark.parametrize("group, outcome, kinds", [
    (SWD_HISPANIC, "graduation", ("rates", "trend", "schools", "composition", "related")),  # race x disability
    ("Black or African American × Male", "suspension_out_of_school", ("composition", "related")),  # race x sex
    ("English learners × Students with disabilities", "reading_proficiency", ("composition", "schools")),
])
def test_an_intersection_goes_through_every_view(demo, group, outcome, kinds):
    x = Exploration.open(demo, data_team=True)
    said = x.choose(group, outcome).text
    assert noun(group)[0].upper() + noun(group)[1:] in said
    assert x.focus.group == group
    statement = x.statement().text
    assert noun(group) in statement and " × " not in statement
    years = x.by_year().text
    assert all(f"{y - 1}-{str(y)[2:]}" in years for y in x.years)
    schools = x.by_school().text
    assert sum(s in schools for s in x.schools) >= 2
    figures = x.slides(kinds)  # SVG is slow to draw: every kind once, composition for each pair
    assert [type(f) for f in figures] == [charts.SvgFigure] * len(kinds), [getattr(f, "text", "") for f in figures]
    composition = figures[kinds.index("composition")].description
    assert "against enrollment" in composition and group.split(" × ")[1] in composition
    for text in (said, statement, *(f.description for f in figures)):
        assert not re.search(r"\bhispanic/Latino|\bblack or African|\benglish learners", text)


def test_intersection_figures_are_counted_from_the_records(demo, students):
    x = Exploration.open(demo, data_team=True)
    x.choose(SWD_HISPANIC, "graduation", year=2025)
    cohort = students[(students["year"] == 2025) & students["graduated"].notna()]
    group = cohort[(cohort["race"] == "MHL") & (cohort["disability"].astype(bool))]
    rate = f"{100 * group['graduated'].mean():.1f}%"
    assert rate in x.statement().text and f"{len(group)} Hispanic/Latino students with disabilities" in \
        x.statement().text


def test_choose_takes_every_label_intersection_shows(demo):
    x = Exploration.open(demo, data_team=True)
    table = x.intersection("race", "disability", outcome="graduation")[0].text
    rows = [line for line in table.splitlines() if line.startswith("| ") and " × " in line]
    labels = [line.split(" | ")[0].removeprefix("| ") for line in rows]
    assert len(labels) >= 6
    chosen = 0
    for label in labels:
        try:
            x.choose(label, "graduation")
        except ConfigError as error:  # a group too small to measure says so
            assert "no measurable gap" in str(error)
            continue
        chosen += 1
        assert x.focus.group == label
    assert chosen >= 3


def test_a_named_comparison_group_in_every_view(demo):
    x = Exploration.open(demo, data_team=True)
    x.choose("Black x SWD", "suspension_out_of_school", comparison="White x SWD")
    assert x.focus.comparison == "White × Students with disabilities"
    assert set(x.gaps()["comparison"]) == {"White × Students with disabilities"}
    assert "White students with disabilities" in x.statement().text
    assert "White × Students with disabilities" in x.by_year().text
    assert all(isinstance(f, charts.SvgFigure) for f in x.slides(["rates", "trend", "schools"]))
    x.choose("Hispanic/Latino", "graduation", comparison="White")
    assert "compared with" in x.statement().text and "White students" in x.statement().text


def test_an_audience_never_sees_a_small_intersection(demo):
    shown = Exploration.open(demo)  # protected
    shown.choose(SWD_HISPANIC, "graduation")
    by_school = shown.by_school().text
    rows = [line for line in by_school.splitlines() if line.startswith("| ") and not line.startswith("| School")]
    cells = [line.split(" | ")[1] for line in rows]
    assert len(cells) >= 3  # the district and its high schools
    assert privacy.SUPPRESSED in cells  # small schools are hidden
    assert all(c == privacy.SUPPRESSED or int(c.replace(",", "")) >= 10 for c in cells)
    team = Exploration.open(demo, data_team=True)
    team.choose(SWD_HISPANIC, "graduation")
    assert team.by_school().text.count("| * |") < by_school.count("| * |")


@pytest.mark.parametrize("call, words", [
    (lambda x: x.choose("Students with disabilities", "graduation", school="Junipr Valley"),
     ["unknown school 'Junipr Valley'", "did you mean 'Juniper Valley High'", "The schools are:"]),
    (lambda x: x.choose("Studnts with disabilites"),
     ["unknown group", "did you mean 'Students with disabilities'", "The groups are:"]),
    (lambda x: x.choose("Hispnic x SWD"),
     ["unknown group 'Hispnic'", "did you mean 'Hispanic/Latino'", "×"]),
    (lambda x: x.choose("SWD", "graduatoin"), ["unknown outcome 'graduatoin'", "did you mean 'graduation'"]),
    (lambda x: x.choose("SWD", "graduation", year=2042), ["unknown year 2042", "2022, 2023, 2024, 2025"]),
    (lambda x: x.top_gaps(5, school="Ironwod High"), ["unknown school", "did you mean 'Ironwood High'"]),
    (lambda x: x.intersection("race", "disabilty"), ["unknown dimension 'disabilty'", "'disability'"]),
    (lambda x: x.choose("White", "graduation", comparison="Whit"), ["unknown comparison 'Whit'", "'White'"]),
    (lambda x: x.choose("White × Asian"), ["both race/ethnicity"]),
])
def test_a_mistake_gets_one_line_naming_the_nearest_and_the_valid_values(demo, call, words):
    with pytest.raises(SuccessGapsError) as caught:
        call(Exploration.open(demo))
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_in_a_notebook_the_mistake_is_one_line_and_the_cell_still_fails(demo):
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    shell = InteractiveShell.instance()
    try:
        shell.run_cell(f"from successgaps_lib.explore import Exploration\nx = Exploration.open({str(demo)!r})")
        with capture_output() as out:
            result = shell.run_cell("x.choose('SWD', school='Junipr Valley')")
        assert isinstance(result.error_in_exec, ConfigError)  # papermill still stops on it
        text = out.stdout + out.stderr
        assert "did you mean 'Juniper Valley High'" in text
        assert "Traceback" not in text and "File " not in text
    finally:
        InteractiveShell.clear_instance()


@pytest.mark.parametrize("cls", [Exploration, Meeting])
def test_every_public_method_has_a_docstring_with_an_example(cls):
    """The examples run under ``--doctest-modules``; here: none is missing."""
    names = [n for n in vars(cls) if not n.startswith("_")]
    missing = []
    for name in names:
        member = inspect.getattr_static(cls, name)
        target = getattr(member, "fget", None) or getattr(member, "func", None) or getattr(member, "__func__", member)
        documented = ">>> " in (inspect.getdoc(target) or "")
        if (callable(target) or isinstance(member, property | cached_property)) and not documented:
            missing.append(name)
    assert len(names) > 10 and missing == []
