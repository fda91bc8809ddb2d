"""Fuzzing the readers a user feeds (issue 9, item 5): CSV files, column mappings, workbook.yml.

Whatever the bytes, each reader either reads the file or raises the package's one-line error
(``SuccessGapsError``: the CLI prints it on one line and exits 2), never another exception. Each
example has a budget: inputs are a few kilobytes at most (the limits bound anything larger,
test_limits.py) and hypothesis' ``deadline`` fails an example that takes more than a few
seconds. The strategies mix well-formed structure with the values that broke the readers before:
huge numbers, control characters, anchors and aliases, deep nesting, codecs that are not text
encodings, repeated placeholders.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from successgaps_lib import workbook as workbooks
from successgaps_lib.errors import SuccessGapsError
from successgaps_lib.load import load
from successgaps_lib.mapping import read_mapping

BUDGET = settings(deadline=timedelta(seconds=5), suppress_health_check=[HealthCheck.too_slow], derandomize=True)

TOKENS = ["", "*", "PS", "-3", "10-14", "LT10", "GE50", "<5%", "87.3", "0", "12", "1,234", "-1", "2.5",
          "9" * 400, "1" + "0" * 30, "18446744073709551615", "2024", "2023-24", "ALL", "MB", "WDIS", "GRAD",
          "RLA", "x\x00y", "\x1b[31m", "=1+1", "\ufeff", "é", "\t", '"', "\r\n", "Lincoln High"]
cell = st.one_of(st.sampled_from(TOKENS), st.text(max_size=12))
COLUMNS = ["year", "school", "district", "group", "outcome", "numerator", "denominator", "rate", "student_id",
           "race", "grade", "disability", "graduated"]


@st.composite
def csv_bytes(draw) -> bytes:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=2000))
    header = draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=8))
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=len(header) + 1), max_size=8))
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    lines = [delimiter.join(header)] + [delimiter.join(row) for row in rows]
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    return "\n".join(lines).encode(encoding, errors="replace")


@BUDGET
@given(data=csv_bytes(), set_aside=st.booleans())
def test_any_csv_loads_or_fails_with_one_line(data, set_aside):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.csv"
        path.write_bytes(data)
        try:
            load(path, set_aside=set_aside)
        except SuccessGapsError as error:
            assert "\n" not in str(error)


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10, 10), st.integers(10 ** 40, 10 ** 41),
                    st.sampled_from(["rot13", "base64", "utf-8", "cp1252", "{group}_{group}_NUM", "{group}_NUM",
                                     "{outcome}_{group}", "{x}", "long", "wide", "counts", "students",
                                     "percent", "fraction", "end", "start", "SY", "IND", "ALL", "MB"]),
                    st.text(max_size=10))
TREE = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                     st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                    max_leaves=12)
MAPPING_KEYS = ["kind", "file", "layout", "columns", "constants", "wide", "values", "suppressed", "skip_columns",
                "year_is", "year_offset", "rate_scale", "description", "sheet", "header_row", "encoding",
                "numerator", "denominator", "group", "outcome", "year"]
KEYED = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                      st.dictionaries(st.sampled_from(MAPPING_KEYS), inner,
                                                                      max_size=4)), max_leaves=16)


@st.composite
def yaml_text(draw, document) -> str:
    """YAML from a random document, sometimes spoiled: anchors, aliases, deep nesting, big numbers."""
    text = yaml.safe_dump(draw(document), allow_unicode=True)
    spoil = draw(st.integers(0, 5))
    if spoil == 1:
        text = "base: &b [lol, lol]\n" + text + "\nextra: *b\n"
    elif spoil == 2:
        text += "\ndeep: " + "[" * 200 + "]" * 200 + "\n"
    elif spoil == 3:
        text += "\nyear_offset: " + "9" * 5000 + "\n"
    elif spoil == 4:
        text = draw(st.text(max_size=300))
    return text


@BUDGET
@given(text=yaml_text(KEYED))
def test_any_mapping_reads_or_fails_with_one_line(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.mapping.yml"
        path.write_text(text, encoding="utf-8")
        data = Path(folder) / "fuzz.csv"
        data.write_text("SY,IND,ALL_NUM,ALL_DEN,year,group,outcome,numerator,denominator\n"
                        "2024,GRAD,9,10,2024,ALL,GRAD,9,10\n")
        try:
            mapping = read_mapping(path)
            load(data, mapping=mapping, set_aside=True)
        except SuccessGapsError as error:
            assert "\n" not in str(error)


WORKBOOK_KEYS = ["district", "school", "data", "target_gap", "min_group_size", "team", "meetings", "timezone",
                 "group", "outcome", "comparison", "year", "name", "role", "roles", "number", "date", "time",
                 "place", "duration", "files", "path", "mapping", "set_aside", "kind"]
WORKBOOK = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(st.sampled_from(WORKBOOK_KEYS), inner,
                                                                         max_size=5)), max_leaves=20)
GOOD = {"district": "Riverside", "target_gap": {"group": "SWD", "outcome": "GRAD"},
        "team": [{"name": "Ann", "role": "parent"}],
        "meetings": [{"number": 1, "date": "2025-09-16", "time": "16:00", "place": "Library", "duration": 90}]}


@BUDGET
@given(text=yaml_text(st.one_of(WORKBOOK, st.fixed_dictionaries({}, optional=dict.fromkeys(GOOD, WORKBOOK)).map(
    lambda d: {**GOOD, **d}))))
def test_any_workbook_yml_reads_or_fails_with_one_line(text):
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "workbook.yml").write_text(text, encoding="utf-8")
        try:
            workbooks.load(folder)
        except SuccessGapsError as error:
            assert "\n" not in str(error)
