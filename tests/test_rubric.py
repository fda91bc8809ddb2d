"""The rubric file: the shipped one is complete, and every kind of mistake is named clearly."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import yaml

from successgaps_lib.errors import ConfigError
from successgaps_lib.groups import MEETINGS, RATING_SCALE
from successgaps_lib.rubric import DEFAULT_PATH, load_rubric, parse_rubric

ROOT = Path(__file__).resolve().parents[1]

# The five sections the issue asks for, by title.
REQUIRED_SECTIONS = ["Data-based decision making", "Cultural responsiveness", "Core instructional program",
                     "Assessment", "Interventions and supports"]


def test_the_shipped_rubric_has_the_five_sections_each_with_3_to_5_complete_indicators():
    rubric = load_rubric()
    assert rubric.source == str(DEFAULT_PATH)
    assert [s.title for s in rubric.sections] == REQUIRED_SECTIONS
    ids = rubric.ids
    assert len(ids) == len(set(ids))
    for section in rubric.sections:
        assert 3 <= len(section.indicators) <= 5, section.id
        for indicator in section.indicators:
            assert re.fullmatch(r"[A-Z]{2}-\d", indicator.id)
            assert indicator.section == section.id
            assert indicator.statement and len(indicator.questions) >= 2
            assert list(indicator.levels) == list(RATING_SCALE)
            assert all(len(text) > 20 for text in indicator.levels.values())
            assert len(set(indicator.levels.values())) == len(RATING_SCALE)  # each level says something new


def test_sections_are_assigned_to_the_rubric_review_meetings():
    rubric = load_rubric()
    for number in (2, 3, 4):
        assert rubric.sections_for_meeting(number), number
        assert "Rubric review" in MEETINGS[number].title
    assert sum(len(rubric.sections_for_meeting(n)) for n in MEETINGS) == len(rubric.sections)
    assert [s.title for s in rubric.sections_for_meeting(4)] == ["Interventions and supports"]


def test_the_demo_workbook_names_sections_that_exist():
    # The workbook's meetings assign homework by section id: those ids must be the rubric's.
    workbook = yaml.safe_load((ROOT / "data/demo/workbook/workbook.yml").read_text(encoding="utf-8"))
    named = {s for meeting in workbook["meetings"] for s in meeting.get("rubric_sections") or []}
    assert named and named <= {s.id for s in load_rubric().sections}


def test_rubric_frame_lists_every_indicator_in_order():
    rubric = load_rubric()
    frame = rubric.frame()
    assert frame["indicator"].tolist() == rubric.ids
    assert frame.loc[0, "section_title"] == "Data-based decision making"


def test_lookups_by_id_fail_with_key_error():
    rubric = load_rubric()
    assert rubric.indicator("IS-5").section == "interventions_and_supports"
    with pytest.raises(KeyError):
        rubric.indicator("XX-9")
    with pytest.raises(KeyError):
        rubric.section("nope")


# --- A district's own rubric ---------------------------------------------------------------

VALID = """\
title: Our rubric
sections:
  - id: family
    title: Family partnership
    meeting: 2
    indicators:
      - id: F-1
        statement: Families are asked before decisions.
        questions:
          - Who was asked?
        levels:
          Planning: Nobody is asked.
          Partially implemented: Some are asked.
          Implemented: Most are asked.
          Exemplary: Families lead.
      - id: F-2
        statement: Letters come in the family's language.
        questions: ['Which languages?']
        levels:
          Planning: English only.
          Partially implemented: Some translated.
          Implemented: All translated.
          Exemplary: Families review translations.
"""


def test_a_district_may_replace_the_rubric_with_its_own_file(tmp_path):
    path = tmp_path / "rubric.yml"
    path.write_text(VALID, encoding="utf-8")
    rubric = load_rubric(path)
    assert rubric.title == "Our rubric"
    assert rubric.ids == ["F-1", "F-2"]
    assert rubric.indicator("F-2").questions == ("Which languages?",)
    assert rubric.sections[0].meeting == 2


def test_a_byte_order_mark_and_folded_whitespace_are_fine(tmp_path):
    path = tmp_path / "rubric.yml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.replace("Families are asked", "Families   are\n          asked")
                     .encode("utf-8"))
    assert load_rubric(path).indicator("F-1").statement == "Families are asked before decisions."


# Each mistake: (how to break the valid file, what the one-line error must say).
MISTAKES = {
    "duplicate indicator id": (lambda t: t.replace("id: F-2", "id: F-1"),
                               ["indicator 'F-1'", "key 'id'", "duplicate indicator id", "line 16"]),
    "missing level": (lambda t: t.replace("          Exemplary: Families lead.\n", ""),
                      ["indicator 'F-1'", "key 'levels'", "missing level 'Exemplary'", "line 12"]),
    "unknown level": (lambda t: t.replace("Exemplary: Families lead.", "Excellent: Families lead."),
                      ["indicator 'F-1'", "key 'levels'", "unknown level 'Excellent'", "Planning, Partially"]),
    "empty level description": (lambda t: t.replace("Implemented: Most are asked.", "Implemented: ''"),
                                ["indicator 'F-1'", "key 'levels'", "key 'Implemented' is empty"]),
    "empty statement": (lambda t: t.replace("statement: Letters come in the family's language.", "statement: ''"),
                        ["indicator 'F-2'", "key 'statement' is empty", "line 16"]),
    "missing statement": (lambda t: t.replace("        statement: Families are asked before decisions.\n", ""),
                          ["indicator 'F-1'", "key 'statement' is missing"]),
    "statement not text": (lambda t: t.replace("statement: Families are asked before decisions.",
                                               "statement: [a, b]"),
                           ["indicator 'F-1'", "key 'statement'", "expected text"]),
    "misspelt key": (lambda t: t.replace("statement: Families", "statment: Families"),
                     ["indicator 'F-1'", "unknown key 'statment'"]),
    "no questions": (lambda t: t.replace("questions: ['Which languages?']", "questions: []"),
                     ["indicator 'F-2'", "key 'questions'", "at least one probing question"]),
    "empty question": (lambda t: t.replace("questions: ['Which languages?']", "questions: ['', 'x']"),
                       ["indicator 'F-2'", "key 'questions'", "question 1"]),
    "levels not a mapping": (lambda t: t[:t.rindex("        levels:")] + "        levels: [a]\n",
                             ["indicator 'F-2'", "key 'levels'", "one description for each level"]),
    "indicator without id": (lambda t: t.replace("      - id: F-2\n", "      - \n"),
                             ["section 'family', indicator #2"]),
    "section without indicators": (lambda t: t.split("    indicators:")[0] + "    indicators: []\n",
                                   ["section 'family'", "key 'indicators'", "no indicators"]),
    "section without title": (lambda t: t.replace("    title: Family partnership\n", ""),
                              ["section 'family'", "key 'title' is missing"]),
    "unknown meeting": (lambda t: t.replace("meeting: 2", "meeting: 12"),
                        ["section 'family'", "key 'meeting'", "not a meeting number"]),
    "duplicate section id": (lambda t: t + t.split("sections:\n")[1].replace("F-", "G-"),
                             ["section 'family'", "duplicate section id"]),
    "no sections": (lambda t: "title: x\nsections: []\n", ["key 'sections'", "no sections"]),
    "not a mapping": (lambda t: "- just\n- a list\n", ["expected a mapping"]),
    "unknown top-level key": (lambda t: t.replace("title: Our rubric", "titel: Our rubric"),
                              ["unknown key 'titel'"]),
    "duplicate key in a block": (lambda t: t.replace("        questions:\n          - Who was asked?",
                                                     "        questions:\n          - Who was asked?\n"
                                                     "        questions: [again]"),
                                 ["key 'questions' appears twice", "line 11"]),
    "not YAML": (lambda t: t.replace("title: Our rubric", "title: [unclosed"), ["not valid YAML", "line"]),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_mistake_is_reported_with_the_file_the_indicator_and_the_key(tmp_path, mistake):
    break_it, expected = MISTAKES[mistake]
    broken = break_it(VALID)
    assert broken != VALID
    path = tmp_path / "district_rubric.yml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_rubric(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    assert "\n" not in message
    for part in expected:
        assert part in message, (part, message)


def test_a_missing_file_is_named():
    with pytest.raises(ConfigError, match=r"nowhere\.yml: rubric file not found"):
        load_rubric("nowhere.yml")


def test_parse_rubric_names_its_source():
    with pytest.raises(ConfigError, match=r"^pasted text, line 1: "):
        parse_rubric(textwrap.dedent("""\
            sections:
              - id: a
            """).replace("sections:", "sections: 3\nx:"), source="pasted text")
