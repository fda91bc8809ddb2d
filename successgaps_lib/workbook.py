"""The workbook folder: one district's (or school's) Success Gaps work, set up in ``workbook.yml``.

A workbook folder holds ``workbook.yml`` (edited by hand: who, what gap, which data, when the
team meets), the team's saved work, and the ``handouts/`` built from it. A folder may also hold
its own ``templates/`` that override the shipped agendas, forms, letters and handout look.

``load`` reads and checks the file; every problem is a ``ConfigError`` that names the key::

    >>> text = '''
    ... district: Riverside Unified
    ... target_gap: {group: SWD, outcome: GRAD, comparison: all other children}
    ... team:
    ...   - {name: Ann Lee, role: parent}
    ... meetings:
    ...   - {number: 1, date: 2025-09-16, time: "16:00", place: Library, duration: 90}
    ... '''
    >>> wb = from_mapping(parse_yaml(text, "workbook.yml"), ".", check_files=False)
    >>> wb.target.group, wb.target.outcome, wb.target.comparison
    ('Students with disabilities', 'graduation', 'all other children')
    >>> wb.meeting(1).start.isoformat(), wb.meeting(1).end.strftime("%H:%M")
    ('2025-09-16T16:00:00', '17:30')
    >>> try:
    ...     from_mapping({"district": "X", "target_gap": {"group": "Martians", "outcome": "GRAD"}}, ".")
    ... except ConfigError as e:
    ...     print(str(e).split(";")[0])
    workbook.yml, key 'target_gap.group': unknown group 'Martians'
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError
from .groups import GROUPS, MEETINGS, OUTCOMES, ROLES, Role, canonical_group, canonical_outcome
from .yaml_read import BoundedLoader, load_file, load_text

WORKBOOK_FILE = "workbook.yml"
DEFAULT_MIN_GROUP_SIZE = 10
DATA_KINDS = ("auto", "students", "counts")

#: Comparison texts as they appear in the gaps table, by the keys and words a user may write.
_COMPARISON_TEXT = {
    "all other": "all other children", "all other children": "all other children", "all others": "all other children",
    "all other students": "all other children",
    "all": "all children", "all children": "all children", "all students": "all children",
    "state": "the state", "the state": "the state", "the state rate": "the state", "state rate": "the state",
}

#: Characters no name or text of a workbook holds (tabs and line breaks are fine).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

_TOP_KEYS = ("district", "school", "data", "target_gap", "min_group_size", "team", "meetings", "timezone")


# --- The records ----------------------------------------------------------------------------

@dataclass(frozen=True)
class DataFile:
    """One input file, its path resolved against the workbook folder."""

    path: Path
    kind: str = "auto"  # "students" (one row per child), "counts" (aggregate table) or "auto"
    mapping: Mapping[str, Any] | Path | str | None = None  # column mapping: inline, a YAML file, or a ready one by name
    sheet: str | None = None  # Excel sheet name
    set_aside: bool = False  # data: set_aside: true — load what is sound, set the rest aside and say so


@dataclass(frozen=True)
class TargetGap:
    """The gap the team works on: which group, which outcome, compared with whom."""

    group: str  # canonical group label
    outcome: str  # canonical outcome id
    comparison: str = "all other children"  # text as in the gaps table: a named group's label, "the state", ...
    school: str = ""  # "" = the district as a whole
    year: int | None = None

    @property
    def comparison_kind(self) -> str:
        """One of the keys of groups.COMPARISONS."""
        reverse = {"all other children": "all_other", "all children": "all", "the state": "state"}
        return reverse.get(self.comparison, "group")

    @property
    def outcome_label(self) -> str:
        return OUTCOMES[self.outcome].label

    @property
    def phrase(self) -> str:
        """Completes "children who ...": e.g. "graduated in four years with a regular diploma"."""
        return OUTCOMES[self.outcome].phrase

    def describe(self) -> str:
        """A one-line name of the gap, e.g. for a title (not the data-driven gap statement).

        >>> TargetGap("Students with disabilities", "graduation").describe()
        'Four-year graduation: Students with disabilities compared with all other children'
        """
        where = f" at {self.school}" if self.school else ""
        return f"{self.outcome_label}: {self.group} compared with {self.comparison}{where}"


@dataclass(frozen=True)
class Member:
    """A team member. ``roles`` are ids of groups.ROLES; the first is the main one."""

    name: str
    roles: tuple[str, ...]
    title: str = ""  # position or connection to the school, shown in letters and rosters
    email: str = ""

    @property
    def role(self) -> str:
        return self.roles[0]

    @property
    def role_labels(self) -> tuple[str, ...]:
        return tuple(ROLES[r].label for r in self.roles)


@dataclass(frozen=True)
class MeetingPlan:
    """One scheduled meeting of the team."""

    number: int
    date: dt.date
    time: dt.time
    place: str
    duration: int  # minutes
    title: str = ""
    rubric_sections: tuple[str, ...] = ()
    homework: str = ""
    next_meeting: str = ""  # free text; if empty, the next scheduled meeting is named

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.date, self.time)

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(minutes=self.duration)

    @property
    def notebook(self) -> str:
        """Stem of the notebook in notebooks/ that serves this meeting."""
        return MEETINGS[self.number].notebook


@dataclass(frozen=True)
class Workbook:
    """A loaded, checked workbook folder."""

    directory: Path
    district: str
    target: TargetGap
    school: str = ""
    data: tuple[DataFile, ...] = ()
    team: tuple[Member, ...] = ()
    meetings: tuple[MeetingPlan, ...] = ()
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    #: IANA name of the zone the meeting times are in ("America/Chicago"); "" = this machine's.
    timezone: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def moment(self, when: dt.datetime) -> dt.datetime:
        """A local clock time of this workbook (a meeting's start or end) as an aware datetime.

        >>> wb = Workbook(Path("."), "X", None, timezone="America/Chicago")
        >>> wb.moment(dt.datetime(2025, 12, 9, 18, 0)).isoformat()
        '2025-12-09T18:00:00-06:00'
        """
        if when.tzinfo is not None:
            return when
        if not self.timezone:
            return when.astimezone()  # the machine's local zone
        from zoneinfo import ZoneInfo

        return when.replace(tzinfo=ZoneInfo(self.timezone))

    @property
    def name(self) -> str:
        """The name the team goes by: the school, if one, and the district."""
        return f"{self.school}, {self.district}" if self.school else self.district

    @property
    def path(self) -> Path:
        return self.directory / WORKBOOK_FILE

    def meeting(self, number: int) -> MeetingPlan:
        for m in self.meetings:
            if m.number == number:
                return m
        raise ConfigError(f"{self.path}: meeting {number} is not in the schedule (key 'meetings'); "
                          f"scheduled: {', '.join(str(m.number) for m in self.meetings) or 'none'}")

    def next_meeting(self, number: int) -> MeetingPlan | None:
        later = [m for m in self.meetings if m.number > number]
        return min(later, key=lambda m: m.number) if later else None

    def members_with_role(self, role: str) -> tuple[Member, ...]:
        return tuple(m for m in self.team if role in m.roles)

    def role_coverage(self) -> dict[str, tuple[Member, ...]]:
        """Every role of groups.ROLES with the members who fill it (possibly none)."""
        return {role: self.members_with_role(role) for role in ROLES}

    def missing_roles(self) -> list[Role]:
        """Required roles no team member fills yet (a team is assembled step by step: not an error)."""
        return [ROLES[r] for r, who in self.role_coverage().items() if ROLES[r].required and not who]

    @property
    def facilitator(self) -> Member | None:
        """Who signs letters and runs meetings: the facilitator, else the first leader."""
        for role in ("facilitator", "leader"):
            who = self.members_with_role(role)
            if who:
                return who[0]
        return None


# --- Reading ---------------------------------------------------------------------------------

class _Loader(BoundedLoader):
    """SafeLoader that keeps dates and clock times as text, so we can check them with a clear
    message (PyYAML would turn ``16:00`` into the integer 960 and fail on ``2025-13-01``).

    A ``yaml_read.BoundedLoader``: no anchors or aliases, bounded size and nesting."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:float",
                              re.compile(r"^[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?$"),
                              list("-+0123456789."))


def parse_yaml(text: str, source: str = WORKBOOK_FILE) -> Any:
    """Parse YAML text; a syntax error becomes a ConfigError with the line.

    >>> parse_yaml("time: 16:00\\ndate: 2025-09-16\\nn: 10")
    {'time': '16:00', 'date': '2025-09-16', 'n': 10}
    """
    return load_text(text, source, _Loader)  # a SafeLoader subclass: safe


def load(path: str | os.PathLike, *, check_files: bool = True) -> Workbook:
    """Read and check a workbook folder (or its workbook.yml)."""
    path = Path(path)
    file = path if path.suffix in (".yml", ".yaml") else path / WORKBOOK_FILE
    if not file.is_file():
        raise ConfigError(f"{file}: no workbook here; create one with `successgaps init {file.parent}`")
    data = load_file(file, str(file), _Loader, what="workbook file")
    return from_mapping(data, file.parent, source=str(file), check_files=check_files)


class _Checker:
    """Reads values out of the parsed YAML, raising ConfigError naming the file and key."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, key: str, problem: str, expected: str = ""):
        text = f"{self.source}, key {key!r}: {problem}"
        if expected:
            text += f"; expected {expected}"
        raise ConfigError(" ".join(text.split()))

    def mapping(self, value, key) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(key, f"is {_kind(value)}", "a set of 'key: value' lines")
        return value

    def sequence(self, value, key) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(key, f"is {_kind(value)}", "a list (lines starting with '- ')")
        return value

    def text(self, value, key, *, required=False) -> str:
        if value is None or value == "":
            if required:
                self.fail(key, "is missing or empty")
            return ""
        if isinstance(value, (dict, list)):
            self.fail(key, f"is {_kind(value)}", "text")
        text = str(value).strip()
        control = _CONTROL.search(text)
        if control:
            self.fail(key, f"holds a control character ({control[0]!r})", "plain text (a NUL byte or another "
                      "invisible control character is a damaged copy or paste)")
        return text

    def integer(self, value, key, *, minimum=None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"value {value!r} is not a whole number")
        if minimum is not None and value < minimum:
            self.fail(key, f"value {value} is too small", f"at least {minimum}")
        return value

    def unknown_keys(self, value: dict, known: Iterable[str], key: str = ""):
        for k in value:
            if k not in known:
                where = f"{key}.{k}" if key else str(k)
                self.fail(where, "unknown key (a typo?)", "one of " + ", ".join(known))


def _kind(value) -> str:
    return {dict: "a set of keys", list: "a list", str: f"the text {value!r}"}.get(type(value), f"{value!r}")


def from_mapping(data: Any, directory: str | os.PathLike, *, source: str = WORKBOOK_FILE,
                 check_files: bool = True) -> Workbook:
    """Check parsed workbook.yml content and build a Workbook; paths resolve against ``directory``."""
    c = _Checker(source)
    directory = Path(directory)
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: is empty or not a set of 'key: value' lines")
    c.unknown_keys(data, _TOP_KEYS)
    district = c.text(data.get("district"), "district", required=True)
    school = c.text(data.get("school"), "school")

    if "target_gap" not in data:
        c.fail("target_gap", "is missing", "group, outcome and comparison of the gap the team works on")
    target = _target(c, c.mapping(data["target_gap"], "target_gap"))

    min_size = data.get("min_group_size", DEFAULT_MIN_GROUP_SIZE)
    min_size = c.integer(min_size, "min_group_size", minimum=1)

    files = _data_files(c, c.mapping(data.get("data"), "data"), directory, check_files)
    team = tuple(_member(c, m, i) for i, m in enumerate(c.sequence(data.get("team"), "team"), 1))
    names = [m.name for m in team]
    for name in names:
        if names.count(name) > 1:
            c.fail("team", f"{name!r} is listed twice", "each member once (give several roles as 'roles: [a, b]')")

    meetings = tuple(_meeting(c, m, i) for i, m in enumerate(c.sequence(data.get("meetings"), "meetings"), 1))
    numbers = [m.number for m in meetings]
    if len(set(numbers)) != len(numbers):
        c.fail("meetings", "a meeting number appears twice", "each meeting number once")
    meetings = tuple(sorted(meetings, key=lambda m: m.number))
    for before, after in itertools.pairwise(meetings):
        if after.start < before.end:
            c.fail(f"meetings (meeting {after.number}).date",
                   f"meeting {after.number} on {after.date} starts before meeting {before.number} ends",
                   "meetings in the order of their numbers")
    return Workbook(directory=directory.resolve(), district=district, school=school, data=files,
                    target=target, team=team, meetings=meetings, min_group_size=min_size,
                    timezone=_timezone(c, data.get("timezone")), raw=data)


def _timezone(c: _Checker, value) -> str:
    """An IANA time zone name ('' for the machine's own zone)."""
    name = c.text(value, "timezone")
    if name:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            c.fail("timezone", f"{name!r} is not a time zone", 'a name such as "America/Chicago" or "Europe/Madrid"')
    return name


def _target(c: _Checker, t: dict) -> TargetGap:
    c.unknown_keys(t, ("group", "outcome", "comparison", "school", "year"), "target_gap")
    group_name = c.text(t.get("group"), "target_gap.group", required=True)
    group = canonical_group(group_name, None)
    if group not in GROUPS:
        c.fail("target_gap.group", f"unknown group {group_name!r}",
               "a group label or EDFacts code such as 'Students with disabilities' or 'WDIS'")
    outcome_name = c.text(t.get("outcome"), "target_gap.outcome", required=True)
    try:
        outcome = canonical_outcome(outcome_name)
    except KeyError:
        c.fail("target_gap.outcome", f"unknown outcome {outcome_name!r}",
               "one of " + ", ".join(OUTCOMES))
    comparison = _comparison(c, t.get("comparison", "all other children"), group)
    if GROUPS[group].dimension in OUTCOMES[outcome].excluded_dimensions:
        c.fail("target_gap.outcome", f"{OUTCOMES[outcome].label} is not measured for {group}",
               "another outcome or group")
    year = t.get("year")
    if year is not None:
        year = c.integer(year, "target_gap.year", minimum=1900)
    return TargetGap(group, outcome, comparison, c.text(t.get("school"), "target_gap.school"), year)


def _comparison(c: _Checker, value, group: str) -> str:
    text = c.text(value, "target_gap.comparison") or "all other children"
    folded = " ".join(text.lower().replace("_", " ").split())
    if folded in _COMPARISON_TEXT:
        return _COMPARISON_TEXT[folded]
    named = canonical_group(text, None)
    if named not in GROUPS:
        c.fail("target_gap.comparison", f"unknown comparison {text!r}",
               "'all other children', 'all children', 'the state' or a group name such as 'White'")
    if named == group:
        c.fail("target_gap.comparison", f"compares {group} with itself", "another group")
    return named


def _data_files(c: _Checker, d: dict, directory: Path, check_files: bool) -> tuple[DataFile, ...]:
    c.unknown_keys(d, ("files", "mapping", "set_aside"), "data")
    default_mapping = _mapping(c, d.get("mapping"), "data.mapping", directory, check_files)
    set_aside = d.get("set_aside", False)
    if not isinstance(set_aside, bool):
        c.fail("data.set_aside", f"{set_aside!r} is not true or false",
               "true (set aside unsound rows and go on, saying so) or false (refuse a file with problems)")
    files = []
    for i, entry in enumerate(c.sequence(d.get("files"), "data.files"), 1):
        key = f"data.files.{i}"
        if isinstance(entry, str):
            entry = {"path": entry}
        entry = c.mapping(entry, key)
        c.unknown_keys(entry, ("path", "kind", "mapping", "sheet"), key)
        rel = c.text(entry.get("path"), f"{key}.path", required=True)
        path = (directory / rel).resolve()
        if check_files and not path.is_file():
            c.fail(f"{key}.path", f"file {rel!r} not found (looked for {path})",
                   "a path relative to the workbook folder")
        kind = c.text(entry.get("kind"), f"{key}.kind") or "auto"
        if kind not in DATA_KINDS:
            c.fail(f"{key}.kind", f"unknown kind {kind!r}", "one of " + ", ".join(DATA_KINDS))
        mapping = _mapping(c, entry.get("mapping"), f"{key}.mapping", directory, check_files)
        sheet = c.text(entry.get("sheet"), f"{key}.sheet") or None
        files.append(DataFile(path, kind, mapping if mapping is not None else default_mapping, sheet, set_aside))
    return tuple(files)


def _mapping(c: _Checker, value, key: str, directory: Path, check_files: bool):
    if value is None or value == {}:
        return None
    if isinstance(value, dict):
        return value
    rel = c.text(value, key)
    path = (directory / rel).resolve()
    if not path.is_file():
        from .mapping import shipped_mappings

        if rel in shipped_mappings():
            return rel  # a ready mapping, by name: mapping: edfacts-acgr
    if check_files and not path.is_file():
        c.fail(key, f"mapping file {rel!r} not found", "a column mapping, a YAML file relative to the workbook, "
               "or a ready mapping by name (docs/mapping.md)")
    return path


def _member(c: _Checker, m, i: int) -> Member:
    key = f"team.{i}"
    m = c.mapping(m, key)
    c.unknown_keys(m, ("name", "role", "roles", "title", "email"), key)
    name = c.text(m.get("name"), f"{key}.name", required=True)
    key = f"team.{i} ({name})"
    if "role" in m and "roles" in m:
        c.fail(f"{key}.roles", "both 'role' and 'roles' are given", "one of them")
    raw_roles = m.get("roles", m.get("role"))
    raw_roles = raw_roles if isinstance(raw_roles, list) else [raw_roles] if raw_roles is not None else []
    if not raw_roles:
        c.fail(f"{key}.role", "is missing", "one of " + ", ".join(ROLES))
    roles = []
    for r in raw_roles:
        rid = " ".join(str(r).lower().replace("-", " ").split()).replace(" ", "_")
        if rid not in ROLES:
            c.fail(f"{key}.role", f"unknown role {r!r}", "one of " + ", ".join(ROLES))
        roles.append(rid)
    return Member(name, tuple(dict.fromkeys(roles)), c.text(m.get("title"), f"{key}.title"),
                  c.text(m.get("email"), f"{key}.email"))


def _meeting(c: _Checker, m, i: int) -> MeetingPlan:
    key = f"meetings.{i}"
    m = c.mapping(m, key)
    c.unknown_keys(m, ("number", "title", "date", "time", "place", "duration", "rubric_sections", "homework",
                       "next_meeting"), key)
    number = c.integer(m.get("number", i), f"{key}.number", minimum=1)
    if number not in MEETINGS:
        c.fail(f"{key}.number", f"there is no meeting {number} in the process",
               "one of " + ", ".join(str(n) for n in MEETINGS))
    key = f"meetings (meeting {number})"
    for required in ("date", "time", "place", "duration"):
        if m.get(required) in (None, ""):
            c.fail(f"{key}.{required}", "is missing")
    sections = m.get("rubric_sections") or []
    sections = sections if isinstance(sections, list) else [sections]
    for s in sections:
        if isinstance(s, (dict, list)) or not str(s).strip():
            c.fail(f"{key}.rubric_sections", f"{s!r} is not a rubric section", "section ids of templates/rubric.yml")
    return MeetingPlan(
        number=number,
        date=_date(c, m["date"], f"{key}.date"),
        time=_time(c, m["time"], f"{key}.time"),
        place=c.text(m["place"], f"{key}.place", required=True),
        duration=_duration(c, m["duration"], f"{key}.duration"),
        title=c.text(m.get("title"), f"{key}.title") or MEETINGS[number].title,
        rubric_sections=tuple(str(s).strip() for s in sections),
        homework=c.text(m.get("homework"), f"{key}.homework"),
        next_meeting=c.text(m.get("next_meeting"), f"{key}.next_meeting"),
    )


def _date(c: _Checker, value, key: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        c.fail(key, f"value {value!r} is not a date", "YYYY-MM-DD, e.g. 2025-09-16")


_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$", re.IGNORECASE)


def _time(c: _Checker, value, key: str) -> dt.time:
    """Clock time: "16:00", "4:00 pm", "4 PM"."""
    if isinstance(value, dt.time):
        return value
    match = _TIME.match(str(value).strip())
    if match:
        hour, minute, half = int(match[1]), int(match[2] or 0), (match[3] or "").lower().replace(".", "")
        if half:
            hour = hour % 12 + (12 if half == "pm" else 0) if 1 <= hour <= 12 else 99
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    c.fail(key, f"value {value!r} is not a clock time", "HH:MM in quotes, e.g. \"16:00\", or \"4:00 PM\"")


_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)\s*h(?:ours?|rs?)?)?\s*(?:(\d+)\s*(?:m(?:in(?:utes?|s)?)?)?)?$",
                       re.IGNORECASE)


def _duration(c: _Checker, value, key: str) -> int:
    """Minutes: 90, "90 min", "2 hours", "1h30"."""
    if isinstance(value, int) and not isinstance(value, bool):
        minutes = value
    else:
        match = _DURATION.match(str(value).strip())
        if not match or not (match[1] or match[2]):
            c.fail(key, f"value {value!r} is not a duration", "minutes, e.g. 120 or \"2 hours\"")
        minutes = round(float(match[1] or 0) * 60) + int(match[2] or 0)
    if not 15 <= minutes <= 8 * 60:
        c.fail(key, f"{minutes} minutes is not a plausible meeting length", "between 15 and 480 minutes")
    return minutes


# --- Creating a starter workbook --------------------------------------------------------------

def _q(value) -> str:
    """A YAML scalar for any text (JSON strings are valid YAML)."""
    return json.dumps(str(value), ensure_ascii=False)


def starter_text(*, district: str, school: str = "", data_files: Iterable[str] = (),
                 group: str = "Students with disabilities", outcome: str = "graduation",
                 comparison: str = "all other children", min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
                 first_meeting: dt.date, time: str = "16:00", place: str = "To be decided",
                 weeks_between: int = 3) -> str:
    """The commented starter workbook.yml that ``init`` writes."""
    files = "\n".join(f"    - path: {_q(f)}\n      kind: auto        # students | counts | auto"
                      for f in data_files)
    files = files or "    # - path: students.csv   # relative to this folder\n    #   kind: students"
    roles = "\n".join(f"#   {r.id:26} {r.label}{'' if r.required else ' (optional)'}" for r in ROLES.values())
    lines = []
    day = first_meeting
    for number, meeting in MEETINGS.items():
        if number > 1:
            # monitoring starts once the plan has run for a while: about three months
            day += dt.timedelta(weeks=13 if number == max(MEETINGS) else weeks_between)
        sections = "[]   # ids of sections in templates/rubric.yml" if number in (2, 3, 4) else "[]"
        lines.append(
            f"  - number: {number}            # {meeting.title}\n"
            f"    date: {day.isoformat()}\n"
            f"    time: {_q(time)}\n"
            f"    place: {_q(place)}\n"
            f"    duration: 120           # minutes\n"
            f"    rubric_sections: {sections}\n"
            f"    homework: \"\"\n"
        )
    return f"""\
# Success Gaps workbook: edit this file with any text editor.
# `successgaps handouts THIS_FOLDER` turns it into handouts, agendas, forms and letters.
# Text with a colon or starting with a symbol needs "quotes". Times need quotes: "16:00".

district: {_q(district)}
school: {_q(school)}             # empty: the team works on the whole district

data:
  files:                         # your data files, relative to this folder
{files}
  mapping: {{}}                   # column mapping if your columns have other names (or a YAML file)

# The gap the team works on. Groups and outcomes accept labels or EDFacts codes (WDIS, GRAD, ...).
target_gap:
  group: {_q(group)}
  outcome: {_q(outcome)}
  comparison: {_q(comparison)}   # all other children | all children | the state | a group, e.g. White
  school: ""                     # a school name to work on one school; empty for the district

min_group_size: {int(min_group_size)}              # counts on fewer children never reach a handout
timezone: ""                   # the zone of the meeting times, e.g. "America/Chicago" (empty: this computer's)

# The team: every required role should be filled. Roles:
{roles}
# A member with two roles: roles: [parent, community]
team: []
#  - name: Jane Doe
#    role: parent
#    title: Parent of a 10th grader
#    email: jane@example.org

# The meeting schedule. Meetings 2-4 may be merged: drop a meeting and move its rubric sections.
# next_meeting: free text shown as "next meeting" (default: the next meeting in this list).
meetings:
{"".join(lines)}"""


def init(directory: str | os.PathLike, *, district: str = "My district", school: str = "",
         data_files: Iterable[str | os.PathLike] = (), group: str = "Students with disabilities",
         outcome: str = "graduation", comparison: str = "all other children",
         min_group_size: int = DEFAULT_MIN_GROUP_SIZE, first_meeting: dt.date | None = None,
         overwrite: bool = False) -> Path:
    """Create a workbook folder with a commented starter workbook.yml; returns the file.

    The result loads (``load(init(d))``), with an empty team and seven meetings three weeks
    apart from ``first_meeting`` (default: four weeks from today).
    """
    directory = Path(directory)
    file = directory / WORKBOOK_FILE
    if file.exists() and not overwrite:
        raise ConfigError(f"{file}: a workbook is already here; edit it, or choose another folder")
    directory.mkdir(parents=True, exist_ok=True)
    rel_files = []
    for f in data_files:
        f = Path(f).resolve()
        if not f.is_file():
            raise ConfigError(f"{f}: data file not found")
        rel_files.append(Path(os.path.relpath(f, directory.resolve())).as_posix())
    first = first_meeting or dt.date.today() + dt.timedelta(weeks=4)
    text = starter_text(district=district, school=school, data_files=rel_files, group=group, outcome=outcome,
                        comparison=comparison, min_group_size=min_group_size, first_meeting=first)
    # Check before writing, so a bad group name never leaves a broken file behind.
    from_mapping(parse_yaml(text, str(file)), directory, source=str(file))
    file.write_text(text, encoding="utf-8")
    return file
