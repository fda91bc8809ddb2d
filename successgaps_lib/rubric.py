"""The rubric the team rates in meetings 2 to 4, read from ``templates/rubric.yml``.

The rubric is text a district owns: it may edit ours, replace it with its own, or paste in
the official rubric text. So the file is checked as it is read, and every mistake is
reported as a :class:`~successgaps_lib.errors.ConfigError` that names the file, the line, the
indicator and the key, e.g. ``rubric.yml, line 40: indicator 'DB-2', key 'levels': missing
level 'Exemplary'``.

>>> rubric = load_rubric()
>>> [s.id for s in rubric.sections][:3]
['data_based_decision_making', 'cultural_responsiveness', 'core_instructional_program']
>>> rubric.indicator("DB-1").section
'data_based_decision_making'
>>> list(rubric.indicator("DB-1").levels) == list(RATING_SCALE)
True
>>> [s.id for s in rubric.sections_for_meeting(3)]
['core_instructional_program', 'assessment']
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from . import paths
from .errors import ConfigError
from .groups import MEETINGS, RATING_SCALE
from .yaml_read import BoundedLoader, load_text

#: The rubric shipped with the workbook.
DEFAULT_PATH = paths.RUBRIC

_TOP_KEYS = {"title": False, "sections": True}  # key -> required
_SECTION_KEYS = {"id": True, "title": True, "meeting": False, "summary": False, "indicators": True}
_INDICATOR_KEYS = {"id": True, "statement": True, "questions": True, "levels": True}


@dataclass(frozen=True)
class Indicator:
    """One practice the team rates on the scale ``groups.RATING_SCALE``."""

    id: str
    section: str  # id of the section it belongs to
    statement: str
    questions: tuple[str, ...]
    levels: dict[str, str]  # level -> what the practice looks like at that level, in scale order


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    indicators: tuple[Indicator, ...]
    meeting: int | None = None  # the meeting that reviews this section, if the rubric says
    summary: str = ""


@dataclass(frozen=True)
class Rubric:
    title: str
    sections: tuple[Section, ...]
    source: str = ""  # the file it was read from

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        """Every indicator, in rubric order."""
        return tuple(i for s in self.sections for i in s.indicators)

    @property
    def ids(self) -> list[str]:
        return [i.id for i in self.indicators]

    def indicator(self, id: str) -> Indicator:
        for i in self.indicators:
            if i.id == id:
                return i
        raise KeyError(id)

    def section(self, id: str) -> Section:
        for s in self.sections:
            if s.id == id:
                return s
        raise KeyError(id)

    def sections_for_meeting(self, meeting: int) -> list[Section]:
        """The sections the rubric assigns to one meeting (empty if it assigns none)."""
        return [s for s in self.sections if s.meeting == meeting]

    def frame(self) -> pd.DataFrame:
        """One row per indicator: section, section_title, indicator, statement.

        >>> load_rubric().frame().columns.tolist()
        ['section', 'section_title', 'indicator', 'statement']
        """
        rows = [(s.id, s.title, i.id, i.statement) for s in self.sections for i in s.indicators]
        return pd.DataFrame(rows, columns=["section", "section_title", "indicator", "statement"]).astype(str)

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self.indicators)


def load_rubric(path: str | Path | None = None) -> Rubric:
    """Read and check a rubric file (default: the workbook's ``templates/rubric.yml``).

    Raises ConfigError naming the file, line, indicator and key of the first mistake found.
    """
    path = Path(path) if path is not None else DEFAULT_PATH
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: rubric file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the rubric file ({error})") from None
    return parse_rubric(text, source=str(path))


def parse_rubric(text: str, source: str = "rubric") -> Rubric:
    """Check rubric YAML text and build the Rubric (``source`` names it in errors).

    >>> parse_rubric("sections: []", source="r.yml")
    Traceback (most recent call last):
    ...
    successgaps_lib.errors.ConfigError: r.yml, line 1: key 'sections': the rubric has no sections
    """
    data = load_text(text, source, _LineLoader)  # bounded: no aliases, limited size and nesting
    return _Checker(source).rubric(data)


# --- Reading YAML with line numbers, refusing duplicate keys ---------------------------------

class _Map(dict):
    """A YAML mapping that remembers the line it starts on."""

    line: int = 0


class _LineLoader(BoundedLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Map:
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise ConfigError(f"{loader.name}, line {key_node.start_mark.line + 1}: "
                              f"key {key!r} appears twice in the same block")
        seen.add(key)
    mapping = _Map(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# --- Checking ---------------------------------------------------------------------------------

class _Checker:
    def __init__(self, source: str):
        self.source = source

    def fail(self, node, where: str, problem: str):
        line = f", line {node.line}" if getattr(node, "line", 0) else ""
        raise ConfigError(f"{self.source}{line}: {where}{problem}")

    def keys(self, node, allowed: dict[str, bool], where: str):
        for key in node:
            if key not in allowed:
                self.fail(node, where, f"unknown key {key!r}; expected one of: {', '.join(allowed)}")
        for key, required in allowed.items():
            if required and key not in node:
                self.fail(node, where, f"key {key!r} is missing")

    def text(self, node, key: str, where: str, *, required: bool = True) -> str:
        value = node.get(key, "")
        if value is None:
            value = ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(node, where, f"key {key!r}: expected text, found {type(value).__name__}")
        value = " ".join(str(value).split())
        if required and not value:
            self.fail(node, where, f"key {key!r} is empty")
        return value

    def rubric(self, data) -> Rubric:
        if not isinstance(data, dict):
            raise ConfigError(f"{self.source}: expected a mapping with a 'sections' list at the top")
        self.keys(data, _TOP_KEYS, "")
        sections = data["sections"]
        if not isinstance(sections, list) or not sections:
            self.fail(data, "key 'sections': ", "the rubric has no sections")
        built: list[Section] = []
        indicator_ids: set[str] = set()
        for number, node in enumerate(sections, 1):
            section = self.section(node, number, indicator_ids)
            if section.id in {s.id for s in built}:
                self.fail(node, f"section {section.id!r}, ", "key 'id': duplicate section id")
            built.append(section)
        title = self.text(data, "title", "", required=False) or "Rubric"
        return Rubric(title=title, sections=tuple(built), source=self.source)

    def section(self, node, number: int, indicator_ids: set[str]) -> Section:
        where = f"section #{number}, "
        if not isinstance(node, dict):
            self.fail(node, where, "expected a mapping with id, title and indicators")
        if isinstance(node.get("id"), str) and node["id"].strip():
            where = f"section {node['id'].strip()!r}, "
        self.keys(node, _SECTION_KEYS, where)
        id = self.text(node, "id", where)
        title = self.text(node, "title", where)
        meeting = node.get("meeting")
        if meeting is not None and (isinstance(meeting, bool) or meeting not in MEETINGS):
            self.fail(node, where, f"key 'meeting': {meeting!r} is not a meeting number; "
                                   f"expected one of {', '.join(map(str, MEETINGS))}")
        indicators = node["indicators"]
        if not isinstance(indicators, list) or not indicators:
            self.fail(node, where, "key 'indicators': the section has no indicators")
        built = []
        for position, item in enumerate(indicators, 1):
            indicator = self.indicator(item, id, position)
            if indicator.id in indicator_ids:
                self.fail(item, f"indicator {indicator.id!r}, ", "key 'id': duplicate indicator id "
                                "(ids must be unique across the whole rubric)")
            indicator_ids.add(indicator.id)
            built.append(indicator)
        return Section(id=id, title=title, indicators=tuple(built), meeting=meeting,
                       summary=self.text(node, "summary", where, required=False))

    def indicator(self, node, section: str, position: int) -> Indicator:
        where = f"section {section!r}, indicator #{position}, "
        if not isinstance(node, dict):
            self.fail(node, where, "expected a mapping with id, statement, questions and levels")
        if isinstance(node.get("id"), str) and node["id"].strip():
            where = f"indicator {node['id'].strip()!r}, "
        self.keys(node, _INDICATOR_KEYS, where)
        id = self.text(node, "id", where)
        statement = self.text(node, "statement", where)
        questions = node["questions"]
        if not isinstance(questions, list) or not questions:
            self.fail(node, where, "key 'questions': expected a list of at least one probing question")
        for n, question in enumerate(questions, 1):
            if not isinstance(question, str) or not question.strip():
                self.fail(node, where, f"key 'questions': question {n} is not text or is empty")
        levels = node["levels"]
        if not isinstance(levels, dict):
            self.fail(node, where, "key 'levels': expected one description for each level: "
                                   + ", ".join(RATING_SCALE))
        for level in levels:
            if level not in RATING_SCALE:
                self.fail(levels, where, f"key 'levels': unknown level {level!r}; expected the levels "
                                         + ", ".join(RATING_SCALE))
        for level in RATING_SCALE:
            if level not in levels:
                self.fail(levels, where, f"key 'levels': missing level {level!r}")
            self.text(levels, level, f"{where}key 'levels', ")
        return Indicator(
            id=id, section=section, statement=statement,
            questions=tuple(" ".join(q.split()) for q in questions),
            levels={level: " ".join(str(levels[level]).split()) for level in RATING_SCALE},
        )
