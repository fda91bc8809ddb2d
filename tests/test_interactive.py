"""The interactive explorer: drop-downs and linked charts that follow each other, protected figures."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pandas as pd
import pytest

from successgaps_lib import privacy
from successgaps_lib.interactive import Explorer, explore
from successgaps_lib.paths import DEMO_WORKBOOK

INTERSECTION = "Hispanic/Latino × Students with disabilities"


@pytest.fixture(scope="module")
def x() -> Explorer:
    return explore(DEMO_WORKBOOK)


def _spec(x: Explorer) -> str:
    return json.dumps(x.chart.spec, ensure_ascii=False)


def test_offers_single_groups_and_intersections(x):
    labels = list(x.group.options)
    assert "Students with disabilities" in labels and INTERSECTION in labels
    assert [o[1] for o in x.outcome.options][:1] and x.year.options[0][0] == "2024-25"


def test_choosing_a_group_redraws_the_chart_with_it(x):
    x.outcome.value = "graduation"
    x.group.value = INTERSECTION
    assert INTERSECTION in _spec(x)
    assert set(x.frame["group"]) == {INTERSECTION}
    assert "Highest-ranked gaps" in x.ranking.value


def test_a_click_in_the_chart_moves_the_drop_downs(x):
    school = next(s for s in x.frame["school"] if s)
    place = x.frame.loc[x.frame["school"] == school, "place"].iloc[0]

    x._clicked({"name": "place", "new": SimpleNamespace(value=[{"place": place}])})
    assert x.school.value == school

    x._clicked({"name": "year", "new": SimpleNamespace(value=[{"year": 2023}])})
    assert x.year.value == 2023


def test_nothing_under_the_minimum_reaches_the_chart_or_its_tooltips(x):
    x.group.value = INTERSECTION
    frame = x.frame
    sizes = pd.to_numeric(frame["tooltip_n"].replace({privacy.SUPPRESSED: None, privacy.UNKNOWN: None}),
                          errors="coerce").dropna()
    assert (sizes >= x.x.min_size).all()
    hidden = frame["tooltip_n"].isin([privacy.SUPPRESSED, privacy.UNKNOWN])
    assert hidden.any(), "the demo's small intersections are hidden, not shown"
    assert frame.loc[hidden, "gap"].isna().all(), "a hidden group's gap is a hole in the chart"


def test_the_chart_loads_nothing_from_the_internet(x):
    assert "http://" not in _spec(x) and "https://" not in _spec(x).replace("https://vega.github.io/schema", "")


def test_an_outcome_not_measured_for_the_group_says_so(x):
    x.group.value = "Students with disabilities"
    x.outcome.value = "identification"
    assert "not measured" in x.message.value


def _without_data_name(spec: dict) -> dict:
    """The spec with what Altair names afresh for every chart masked: the data set and the views."""
    text = json.dumps(spec)
    views = dict.fromkeys(re.findall(r"view_[0-9a-f]+_\d+", text))
    for i, name in enumerate(views):
        text = re.sub(rf"\b{name}\b", f"view#{i}", text)
    spec = json.loads(text)
    (rows,) = spec.pop("datasets").values()
    spec.pop("data")
    return {**spec, "rows": rows}


def test_a_swapped_spec_is_the_spec_altair_would_validate(x):
    """The fast path (data, title and picks swapped into the first spec) draws the same chart."""
    x.year.value = 2024  # a pick first (a param), then a new gap (a spec carrying the pick)
    x.outcome.value = "graduation"
    x.group.value = INTERSECTION
    assert _without_data_name(x.chart.spec) == _without_data_name(x._chart().to_dict())


def test_a_new_year_or_place_is_a_param_update_not_a_new_spec(x):
    x.group.value = "Students with disabilities"
    x.outcome.value = "graduation"
    spec = x.chart.spec
    school = next(s for s in x.frame["school"] if s)
    x.year.value, x.school.value = 2023, school
    assert x.chart.spec is spec, "the page keeps its chart"
    assert x.chart.params.pick_year == 2023
    assert x.chart.params.pick_place == x.frame.loc[x.frame["school"] == school, "place"].iloc[0]
