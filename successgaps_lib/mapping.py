"""Column mappings: how any table (a state's public file, a student-system export) maps onto the
workbook's fields. Written once in YAML, next to the file as ``<file stem>.mapping.yml``.
The format is documented in docs/mapping.md.

>>> m = parse_mapping({"layout": "wide", "columns": {"year": ["SCHOOL_YEAR", "SY"], "outcome": "INDICATOR"},
...                    "constants": {"district": "State"},
...                    "wide": {"numerator": "{group}_NUM", "denominator": "{group}_DEN"}})
>>> m.columns["year"], m.constants["district"]
(('SCHOOL_YEAR', 'SY'), 'State')
>>> long = apply_mapping(pd.DataFrame({"SCHOOL_YEAR": ["2023-24"], "INDICATOR": ["GRAD"],
...     "ALL_NUM": ["90"], "ALL_DEN": ["100"], "MB_NUM": ["*"], "MB_DEN": ["12"]},
...     index=pd.Index([4], name="row")), m, "state.csv")
>>> long[["row", "group", "numerator", "denominator", "_col_numerator"]].values.tolist()
[[4, 'ALL', '90', '100', 'ALL_NUM'], [4, 'MB', '*', '12', 'MB_NUM']]
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from . import groups as vocab
from . import yaml_read
from .errors import ConfigError, InputError
from .parse import parse_flag, parse_year
from .read import fold
from .table import STUDENT_COLUMNS

COUNT_FIELDS = ("year", "district", "school", "group", "outcome", "numerator", "denominator", "rate",
                "numerator_low", "numerator_high")
STUDENT_FIELDS = tuple(STUDENT_COLUMNS)
PLACEHOLDERS = ("group", "outcome")
WIDE_VALUES = ("numerator", "denominator", "rate")
_TOP_KEYS = ("kind", "file", "layout", "columns", "constants", "wide", "values", "suppressed",
             "skip_columns", "year_is", "year_offset", "rate_scale", "description", "rows", "sum",
             "denominator_from", "unit", "population", "extends")
_FILE_KEYS = ("sheet", "header_row", "encoding", "join")
_WIDE_KEYS = (*WIDE_VALUES, "groups", "outcomes", "all_students")
UNITS = ("students", "incidents")


@dataclass(frozen=True)
class Mapping:
    """A validated column mapping (see docs/mapping.md). Build it with ``parse_mapping`` or ``read_mapping``."""

    kind: str = "counts"  # counts | students
    layout: str = "long"  # long | wide
    sheet: str | None = None
    header_row: int | None = None
    encoding: str | None = None
    columns: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))  # field -> names
    constants: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))  # field -> text
    wide: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))  # value field -> pattern
    tokens: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))  # placeholder -> names
    values: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))  # field -> {fold: text|None}
    suppressed: frozenset = frozenset()  # extra suppression markers, folded
    skip_columns: frozenset = frozenset()  # folded; an entry with * is a pattern (``SCH_DISCWODIS_REF_*``)
    year_is: str = "end"
    year_offset: int = 0  # school years added to every year read: a cohort named by its entry year
    rate_scale: int = 100  # 100: rates in percent; 1: fractions
    rows: tuple = ()  # shapes.Condition: rows kept or left out
    sums: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))  # field -> {target: folded parts}
    joins: tuple = ()  # (file name, (key columns...)): files beside this one whose columns are joined on
    denominator_from: tuple[str, str] | None = None  # (field, the file's name of the row holding denominators)
    all_students: tuple[str, ...] = ()  # wide: the column(s) holding All students' lead value
    unit: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))  # outcome ("" = all) -> unit
    population: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))  # outcome ("" = all) -> text
    source: str = "built-in mapping"

    @property
    def fields(self) -> tuple[str, ...]:
        return STUDENT_FIELDS if self.kind == "students" else COUNT_FIELDS

    def skips(self, column) -> bool:
        """True for a column listed under ``skip_columns`` (folded; ``*`` stands for any characters).

        >>> m = parse_mapping({"skip_columns": ["LEAID", "SCH_DISCWODIS_REF_*"]})
        >>> m.skips("leaid"), m.skips("SCH_DISCWODIS_REF_HI_M"), m.skips("SCH_ENR_HI_M")
        (True, True, False)
        """
        name = fold(column)
        if name in self.skip_columns:
            return True
        return any(_glob(p).fullmatch(name) for p in self.skip_columns if "*" in p)

    def names(self) -> set[str]:
        """Every column name this mapping may look for (folded), for finding the header row."""
        names = {fold(n) for alternatives in self.columns.values() for n in alternatives}
        names.update(fold(n) for n in self.all_students)
        names.update(fold(c.column) for c in self.rows)
        tokens = dict(self.tokens)
        own = [name for name in self.values.get("group", {}) if name]
        if own and "group" not in tokens:  # the file's own group names, e.g. MBL for MB
            tokens["group"] = (*own, "ALL", *(g.code for g in vocab.GROUPS.values()))
        for pattern in self.wide.values():
            names.update(fold(n) for n in _pattern_examples(pattern, tokens))
        return names


def _fold_glob(name: str) -> str:
    """A ``skip_columns`` entry folded, keeping its ``*``: ``SCH_DISC_*`` -> ``schdisc*``."""
    return "*".join(fold(part) for part in str(name).split("*"))


def _glob(pattern: str) -> re.Pattern:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))


def _fail(source: str, key: str, problem: str) -> ConfigError:
    return ConfigError(" ".join(f"{source}: key {_short(key)}: {problem}".split()))


def _short(value, n: int = 60) -> str:
    """``repr(value)``, cut to ``n`` characters: a message stays one readable line.

    >>> _short("x" * 100, 10)
    "'xxxxxx..."
    """
    text = repr(value)
    return text if len(text) <= n else text[:n - 3] + "..."


def _suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.85)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _names(source: str, key: str, value) -> tuple[str, ...]:
    if isinstance(value, str | int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str | int) for v in value):
        raise _fail(source, key, "expected a column name or a list of alternative names")
    return tuple(str(v).strip() for v in value)


#: The ready mappings shipped with the package, used by name (``--mapping edfacts-acgr``).
SHIPPED = Path(__file__).parent / "mappings"


def shipped_mappings() -> dict[str, Path]:
    """The ready mappings by name: ``{"edfacts-acgr": .../mappings/edfacts-acgr.yml, ...}``.

    >>> "edfacts-acgr" in shipped_mappings()
    True
    """
    return {p.stem: p for p in sorted(SHIPPED.glob("*.yml"), key=lambda p: p.stem)}


def _yaml(path: Path):
    """A mapping file's YAML, read within the limits of ``yaml_read`` (size, nesting; no anchors or aliases)."""
    if not path.exists():
        known = ", ".join(shipped_mappings())
        raise ConfigError(f"{path}: mapping file not found (ready mappings by name: {known})")
    return yaml_read.load_file(path, what="mapping file")


def _extended(data, source: str):
    """``extends: <ready mapping>``: that mapping, with this one's keys over it (sections merged)."""
    if not isinstance(data, dict) or "extends" not in data:
        return data
    name = data["extends"]
    ready = shipped_mappings()
    if not isinstance(name, str) or name not in ready:
        raise _fail(source, "extends", f"{name!r} is not a ready mapping; ready mappings: {', '.join(ready)}")
    base = _yaml(ready[name])
    merged = dict(base)
    for key, value in data.items():
        if key == "extends":
            continue
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = {**base[key], **value}
        else:
            merged[key] = value
    return _extended(merged, source)  # a ready mapping may extend another


def read_mapping(path) -> Mapping:
    """Read and validate a mapping YAML file, or a ready mapping by name; ``ConfigError`` naming the key."""
    ready = shipped_mappings()
    if not Path(path).exists() and str(path) in ready:
        return parse_mapping(_yaml(ready[str(path)]), source=f"{path} (ready mapping)")
    path = Path(path)
    return parse_mapping(_yaml(path), source=str(path))


def _choice(source, data: dict, key: str, choices: tuple[str, ...]):
    """``data[key]`` (default: the first choice), which must be one of ``choices``."""
    value = data.get(key, choices[0])
    if isinstance(value, list | dict) or value not in choices:
        raise _fail(source, key, f"{_short(value)} is not one of {', '.join(choices)}")
    return value


def parse_mapping(data, *, source: str = "mapping") -> Mapping:
    """Validate a mapping given as a dict (the parsed YAML)."""
    data = _extended(data, source)
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the mapping must be a set of 'key: value' lines, not {type(data).__name__}")
    for key in data:
        if key not in _TOP_KEYS:
            raise _fail(source, key, f"unknown key{_suggest(key, _TOP_KEYS)}; known keys: {', '.join(_TOP_KEYS)}")
    kind = _choice(source, data, "kind", ("counts", "students"))
    layout = _choice(source, data, "layout", ("long", "wide"))
    if kind == "students" and layout == "wide":
        raise _fail(source, "layout", "student records are one row per child: layout must be long")
    fields = STUDENT_FIELDS if kind == "students" else COUNT_FIELDS

    file = data.get("file") or {}
    if not isinstance(file, dict):
        raise _fail(source, "file", "expected keys sheet, header_row, encoding")
    for key in file:
        if key not in _FILE_KEYS:
            raise _fail(source, f"file.{key}", f"unknown key{_suggest(key, _FILE_KEYS)}")
    header_row = file.get("header_row")
    if header_row is not None and (isinstance(header_row, bool) or not isinstance(header_row, int)
                                   or header_row < 1):
        raise _fail(source, "file.header_row", f"{_short(header_row)} is not a row number (1 = the first row)")
    sheet = file.get("sheet")
    if sheet is not None and not isinstance(sheet, str | int):
        raise _fail(source, "file.sheet", "expected the name of a sheet")
    joins = _joins(source, file.get("join"))
    encoding = file.get("encoding")
    if encoding is not None:
        import codecs

        try:
            info = codecs.lookup(str(encoding))
        except LookupError:
            raise _fail(source, "file.encoding", f"unknown encoding {_short(encoding)}") from None
        if not getattr(info, "_is_text_encoding", True):  # rot13, base64, zlib: codecs, not encodings
            raise _fail(source, "file.encoding", f"{_short(encoding)} is not a text encoding "
                        "(expected e.g. utf-8, cp1252 or latin-1)")

    columns = _section(data, "columns", source)
    constants = _section(data, "constants", source)
    for section, entries in (("columns", columns), ("constants", constants)):
        for key in entries:
            if key not in fields:
                raise _fail(source, f"{section}.{key}", f"not a field of {kind}{_suggest(key, fields)}; "
                            f"fields: {', '.join(fields)}")
    columns = {k: _names(source, f"columns.{k}", v) for k, v in columns.items()}
    for key, value in constants.items():
        if key in columns:
            raise _fail(source, f"constants.{key}", "given both as a column and as a constant")
        if value is None or isinstance(value, list | dict):
            raise _fail(source, f"constants.{key}", "expected one value")
    constants = {k: str(v).strip() for k, v in constants.items()}
    _check_constants(source, constants)

    wide, tokens, all_students = {}, {}, ()
    raw_wide = data.get("wide")
    if layout == "wide":
        if not isinstance(raw_wide, dict):
            raise _fail(source, "wide", "layout: wide needs patterns such as numerator: '{group}_NUM'")
        for key, value in raw_wide.items():
            if key not in _WIDE_KEYS:
                raise _fail(source, f"wide.{key}", f"unknown key{_suggest(key, _WIDE_KEYS)}")
            if key in ("groups", "outcomes"):
                tokens[key[:-1]] = _names(source, f"wide.{key}", value)
                continue
            if key == "all_students":
                all_students = _names(source, f"wide.{key}", value)
                continue
            if not isinstance(value, str) or not re.search(r"\{(group|outcome)\}", value):
                raise _fail(source, f"wide.{key}", "expected a column-name pattern holding {group} "
                            "and/or {outcome}, such as '{group}_NUM'")
            if re.search(r"\{(?!group\}|outcome\}|year\})[^}]*\}", value):
                raise _fail(source, f"wide.{key}", "the only placeholders are {group}, {outcome} and {year}")
            twice = [p for p in (*PLACEHOLDERS, "year") if _placeholders(value).count(p) > 1]
            if twice:
                raise _fail(source, f"wide.{key}", f"{{{twice[0]}}} appears twice in the pattern; "
                            "each placeholder at most once, such as '{group}_{outcome}_NUM'")
            wide[key] = value.strip()
            if key in columns:
                raise _fail(source, f"wide.{key}", "given both as a column and as a pattern")
        lead = wide.get("numerator") or wide.get("rate")
        if lead is None:
            raise _fail(source, "wide", "needs a numerator (or rate) pattern")
        if "denominator" not in wide and "denominator" not in columns and "denominator_from" not in data:
            raise _fail(source, "wide", "needs a denominator pattern (or a denominator column, or denominator_from)")
        placed = set(_placeholders(lead))
        for key, pattern in wide.items():
            if not set(_placeholders(pattern)) <= placed:
                raise _fail(source, f"wide.{key}", f"uses a placeholder the pattern {lead!r} does not have")
        for name in PLACEHOLDERS:
            given = name in columns or name in constants
            if name in placed and given:
                raise _fail(source, f"columns.{name}", f"{name} comes from the pattern {lead!r} already")
            if name not in placed and not given:
                raise _fail(source, "wide", f"{name} is neither in the patterns nor a column or constant")
        if "year" in placed and ("year" in columns or "year" in constants):
            raise _fail(source, "columns.year", f"year comes from the pattern {lead!r} already")
    elif raw_wide is not None:
        raise _fail(source, "wide", "only used with layout: wide")

    values = {}
    for key, table in _section(data, "values", source).items():
        if key not in fields:
            raise _fail(source, f"values.{key}", f"not a field of {kind}{_suggest(key, fields)}")
        if not isinstance(table, dict):
            raise _fail(source, f"values.{key}", "expected 'the file's value: the workbook's value' lines")
        values[key] = {fold(raw) if fold(raw) else str(raw).strip(): _target(source, key, raw, target)
                       for raw, target in table.items()}

    suppressed = data.get("suppressed", [])
    if isinstance(suppressed, str):
        suppressed = [suppressed]
    if not isinstance(suppressed, list):
        raise _fail(source, "suppressed", "expected a list of markers such as ['~', 'n<10']")
    skip = data.get("skip_columns", [])
    skip = _names(source, "skip_columns", skip) if skip else ()
    year_is = _choice(source, data, "year_is", ("end", "start"))
    year_offset = data.get("year_offset", 0)
    if isinstance(year_offset, bool) or not isinstance(year_offset, int) or not -20 <= year_offset <= 20:
        raise _fail(source, "year_offset", f"{year_offset!r} is not a whole number of years from -20 to 20 "
                    "(4: a cohort named by its entry year 2001 is the school year 2004-05)")
    rate_scale = _choice(source, data, "rate_scale", ("percent", "fraction"))
    rows = _rows(source, data.get("rows"))
    sums = _sums(source, data.get("sum"), fields)
    denominator_from = _denominator_from(source, data.get("denominator_from"), columns, constants, wide)
    unit = _per_outcome(source, "unit", data.get("unit"), UNITS)
    population = _per_outcome(source, "population", data.get("population"), None)
    return Mapping(
        kind=kind, layout=layout, sheet=None if sheet is None else str(sheet), header_row=header_row,
        encoding=encoding, columns=MappingProxyType(columns), constants=MappingProxyType(constants),
        wide=MappingProxyType(wide), tokens=MappingProxyType(tokens), values=MappingProxyType(values),
        suppressed=frozenset("".join(str(m).split()).lower() for m in suppressed),
        skip_columns=frozenset(_fold_glob(s) for s in skip), year_is=year_is, year_offset=year_offset,
        rate_scale=100 if rate_scale == "percent" else 1, rows=rows, sums=MappingProxyType(sums),
        denominator_from=denominator_from, all_students=all_students, joins=joins, unit=MappingProxyType(unit),
        population=MappingProxyType(population), source=source,
    )


def _joins(source: str, raw) -> tuple:
    """``file.join: [{file: Enrollment.csv, key: COMBOKEY}]``: files beside the data file, joined on key columns."""
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for item in items:
        if not isinstance(item, dict) or set(item) != {"file", "key"} or not isinstance(item["file"], str):
            raise _fail(source, "file.join", "expected file: (a file beside the data file) and key: (its key "
                        "column or columns), e.g. {file: Enrollment.csv, key: COMBOKEY}")
        out.append((item["file"].strip(), _names(source, "file.join.key", item["key"])))
    return tuple(out)


def _rows(source: str, raw) -> tuple:
    """``rows: {keep: ..., drop: ...}``: each a 'Column: value' table, a condition, or a list of them."""
    from .shapes import parse_condition

    if raw is None:
        return ()
    if not isinstance(raw, dict) or not raw or set(raw) - {"keep", "drop"}:
        raise _fail(source, "rows", "expected keep: and/or drop:, e.g. keep: {Cohort: August} or "
                    "drop: ['Age < 6']")
    out = []
    for action in ("keep", "drop"):
        items = raw.get(action)
        if items is None:
            continue
        for item in items if isinstance(items, list) else [items]:
            try:
                out.extend(parse_condition(action, item))
            except ValueError as error:
                raise _fail(source, f"rows.{action}", str(error)) from None
    return tuple(out)


def _sums(source: str, raw, fields) -> dict:
    """``sum: {group: {Hispanic/Latino: [Hispanic male, Hispanic female]}}``: targets checked, parts folded."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _fail(source, "sum", "expected group: or outcome: with 'name: [the file's parts]' lines")
    out = {}
    for key, table in raw.items():
        if key not in ("group", "outcome"):
            raise _fail(source, f"sum.{key}", "only groups and outcomes are summed (sum.group, sum.outcome)")
        if not isinstance(table, dict) or not table:
            raise _fail(source, f"sum.{key}", "expected 'name: [the file's parts]' lines")
        out[key] = {}
        for target, parts in table.items():
            label = _target(source, key, f"sum.{target}", target)
            if not isinstance(parts, list) or len(parts) < 2 or any(isinstance(p, dict | list) for p in parts):
                raise _fail(source, f"sum.{key}.{target}", "expected a list of two or more of the file's names")
            out[key][label] = frozenset(fold(p) for p in parts)
    return out


def _denominator_from(source: str, raw, columns, constants, wide) -> tuple[str, str] | None:
    """``denominator_from: {outcome: All Disabilities}``: the row whose count is every row's denominator."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or len(raw) != 1 or next(iter(raw)) not in ("group", "outcome"):
        raise _fail(source, "denominator_from", "expected one line, group: or outcome: the name of the row "
                    "holding the denominators (e.g. outcome: All Disabilities)")
    (key, name), = raw.items()
    if isinstance(name, dict | list) or name is None or not str(name).strip():
        raise _fail(source, f"denominator_from.{key}", "expected the file's name of one row")
    if "denominator" in columns or "denominator" in wide or "denominator" in constants:
        raise _fail(source, "denominator_from", "the denominator is given as a column or pattern already")
    return key, str(name).strip()


def _per_outcome(source: str, key: str, raw, choices) -> dict:
    """``unit: incidents`` (every outcome) or ``unit: {suspension_in_school: incidents}``; "" = every outcome."""
    if raw is None:
        return {}
    table = raw if isinstance(raw, dict) else {"": raw}
    out = {}
    for outcome, value in table.items():
        name = ""
        if outcome != "":
            try:
                name = vocab.canonical_outcome(outcome)
            except KeyError:
                raise _fail(source, f"{key}.{outcome}", "not an outcome the workbook knows") from None
        if not isinstance(value, str) or not value.strip():
            raise _fail(source, key if not name else f"{key}.{outcome}", "expected a word such as "
                        + (" or ".join(choices) if choices else "'children served under IDEA'"))
        value = " ".join(value.split())
        if choices and value not in choices:
            raise _fail(source, key if not name else f"{key}.{outcome}",
                        f"{value!r} is not one of {', '.join(choices)}")
        out[name] = value
    return out


def _check_constants(source: str, constants: dict) -> None:
    """Constants that must name something the workbook knows are checked now, not at load time."""
    checks = {"year": lambda v: parse_year(v, single="end"), "group": vocab.canonical_group,
              "outcome": vocab.canonical_outcome}
    for key, check in checks.items():
        if key in constants:
            try:
                check(constants[key])
            except (KeyError, ValueError):
                raise _fail(source, f"constants.{key}",
                            f"{constants[key]!r} is not a {key} the workbook knows") from None


def _section(data: dict, key: str, source: str) -> dict:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise _fail(source, key, "expected 'name: value' lines")
    return value


def _target(source: str, key: str, raw, target):
    """Check one ``values`` entry: a known group/outcome/flag, or null to drop matching rows."""
    if target is None:
        return None
    target = str(target).strip()
    where = f"sum.{key}.{str(raw)[4:]}" if str(raw).startswith("sum.") else f"values.{key}.{raw}"
    try:
        if key == "group":
            return vocab.canonical_group(target)
        if key == "outcome":
            return vocab.canonical_outcome(target)
        if key in ("race", "sex"):
            label = vocab.canonical_group(target)
            if vocab.GROUPS.get(label) is None or vocab.GROUPS[label].dimension != key:
                raise KeyError(target)
            return str(vocab.GROUPS[label].value)
        if key in ("disability", "english_learner", "econ_disadvantaged", "migrant", "homeless", "foster_care"):
            return "Y" if parse_flag(target) else "N"
    except (KeyError, ValueError):
        raise _fail(source, where, f"{target!r} is not a {key} the workbook knows") from None
    return target


# --- Applying a mapping to a table ----------------------------------------------------------

_YEAR_TOKEN = r"(?P<year>\d{4}(?:[-_]\d{2}(?:\d{2})?)?)"


def year_token(text: str) -> str:
    """A year written in a column name: ``1819`` (EDFacts' SY 2018-19) is ``2018-19``; others as they are.

    >>> year_token("1819"), year_token("2021"), year_token("2023_24"), year_token("2024")
    ('2018-19', '2020-21', '2023-24', '2024')
    """
    text = text.replace("_", "-")
    if len(text) == 4 and text.isdigit() and (int(text[:2]) + 1) % 100 == int(text[2:]):
        return f"20{text[:2]}-{text[2:]}" if int(text[:2]) < 50 else f"19{text[:2]}-{text[2:]}"
    return text


def placeholders(pattern: str) -> list[str]:
    """The placeholders of a wide pattern, in order: ``['group']`` for ``'{group}_NUM'``."""
    return re.findall(r"\{(group|outcome|year)\}", pattern)


_placeholders = placeholders


def _pattern_regex(pattern: str, tokens) -> re.Pattern:
    parts = re.split(r"(\{group\}|\{outcome\}|\{year\})", pattern)
    out = []
    for part in parts:
        name = part[1:-1] if part in ("{group}", "{outcome}", "{year}") else None
        if name is None:
            out.append(re.escape(part))
        elif name == "year":
            out.append(_YEAR_TOKEN)
        elif name in tokens:
            alternatives = sorted(tokens[name], key=len, reverse=True)
            out.append(f"(?P<{name}>{'|'.join(re.escape(t) for t in alternatives)})")
        else:
            out.append(f"(?P<{name}>.+?)")
    return re.compile("".join(out), re.IGNORECASE)


def _pattern_examples(pattern: str, tokens) -> list[str]:
    """Pattern instances for the header search: with listed tokens, else with common group codes."""
    groups = tokens.get("group", ("ALL", *(g.code for g in vocab.GROUPS.values())))
    outcomes = tokens.get("outcome", tuple(o.code for o in vocab.OUTCOMES.values()))
    return [pattern.replace("{group}", g).replace("{outcome}", o).replace("{year}", "2024")
            for g in groups for o in outcomes]


def resolve_columns(frame: pd.DataFrame, mapping: Mapping, file: str, required=(), notes: list | None = None
                    ) -> dict[str, str]:
    """The frame's column for each mapped field (first alternative present, matched folded).

    An alternative no column matches folded is looked for through its spelling drift
    (``shapes.drift_match``: ``Ages 6-21`` = ``Age 6 to21``); each such match is a note.
    Raises ``InputError`` naming the first ``required`` field with no column.
    """
    from .shapes import drift_match

    present = {fold(c): c for c in frame.columns}
    found = {}
    for name, alternatives in mapping.columns.items():
        for alternative in alternatives:
            if fold(alternative) in present:
                found[name] = present[fold(alternative)]
                break
        else:
            for alternative in alternatives:
                column = drift_match(alternative, frame.columns)
                if column is not None:
                    found[name] = column
                    if notes is not None:
                        notes.append(f"column {column!r} is read as {alternative!r} (columns.{name}), "
                                     "spelt otherwise")
                    break
    for name in required:
        if name not in found and name not in mapping.constants:
            alternatives = mapping.columns.get(name, (name,))
            others = f" (or {', '.join(repr(a) for a in alternatives[1:4])})" if len(alternatives) > 1 else ""
            hints = [_suggest(a, list(frame.columns)) for a in alternatives]
            hint = next((h for h in hints if h), "")
            where = f"; {mapping.source}, columns.{name}" if mapping.source.endswith((".yml", ".yaml")) else ""
            if mapping.source.endswith("(ready mapping)"):
                ready = mapping.source.removesuffix(" (ready mapping)")
                where = (f"; or, if the file has none, a mapping of your own that says it: extends: {ready}, "
                         f"constants: {{{name}: ...}}")
            raise InputError(file, f"missing required column{hint}", column=alternatives[0],
                             expected=f"a column named {alternatives[0]!r}{others}{where}")
    return found


def apply_mapping(frame: pd.DataFrame, mapping: Mapping, file: str, required=()) -> pd.DataFrame:
    """Turn a raw table into long rows of raw text, one per (row, group, outcome) value.

    Columns: ``row`` (the row in the file), one per mapped field (text as in the file, or the
    constant), and ``_col_<field>``: the file column each value came from (None for a
    constant), for error messages. Rows are in file order.
    """
    notes: list[str] = []
    left_out, read = [], []
    if mapping.rows:
        frame, left_out, read = _filter(frame, mapping, file, notes)
    lead = mapping.wide.get("numerator") or mapping.wide.get("rate") or ""
    patterned = set(mapping.wide) | set(_placeholders(lead))
    if mapping.denominator_from:
        patterned.add("denominator")
    found = resolve_columns(frame, mapping, file, required=[r for r in required if r not in patterned], notes=notes)
    long = _apply(frame, mapping, file, found, notes)
    long.attrs["notes"], long.attrs["left_out"] = notes, left_out
    long.attrs["filter_columns"] = tuple(read)
    return long


def _filter(frame: pd.DataFrame, mapping: Mapping, file: str, notes: list) -> tuple[pd.DataFrame, list, list]:
    """The mapping's ``rows`` filters applied to the file's rows (each condition's column found as any)."""
    from .shapes import drift_match, filter_rows

    present = {fold(c): c for c in frame.columns}

    def resolve(name):
        column = present.get(fold(name)) or drift_match(name, frame.columns)
        if column is None:
            raise InputError(file, "missing column of a row filter", column=name,
                             expected=f"a column named {name!r} ({mapping.source}: rows)")
        if fold(column) != fold(name):
            notes.append(f"column {column!r} is read as {name!r} (rows), spelt otherwise")
        return column

    return filter_rows(frame, mapping.rows, resolve)


def _apply(frame: pd.DataFrame, mapping: Mapping, file: str, found: dict, notes: list) -> pd.DataFrame:
    base = pd.DataFrame({"row": frame.index.to_numpy()})
    for name, column in found.items():
        base[name] = frame[column].to_numpy()
        base[f"_col_{name}"] = column
    for name, value in mapping.constants.items():
        if name not in found:
            base[name] = value
            base[f"_col_{name}"] = None
    if mapping.layout == "long":
        return base
    return _melt(frame, base, mapping, file, used=set(found.values()), notes=notes)


def _drift_pattern(pattern: str, tokens) -> re.Pattern:
    """A wide pattern matched through spelling drift (``{group} Ages 6-21`` = ``Black Age 6 to21``)."""
    from .shapes import drift_regex

    captures = {}
    for name in ("group", "outcome"):
        if name in tokens:
            names = sorted(tokens[name], key=len, reverse=True)
            captures[name] = f"(?P<{name}>{'|'.join(re.escape(t) for t in names)})"
        else:
            captures[name] = f"(?P<{name}>.+?)"
    captures["year"] = _YEAR_TOKEN
    return drift_regex(pattern, captures)


def _melt(frame: pd.DataFrame, base: pd.DataFrame, mapping: Mapping, file: str, used: set,
          notes: list | None = None) -> pd.DataFrame:
    lead_field = "numerator" if "numerator" in mapping.wide else "rate"
    regexes = {f: _pattern_regex(p, mapping.tokens) for f, p in mapping.wide.items()}
    loose = {f: _drift_pattern(p, mapping.tokens) for f, p in mapping.wide.items()}
    matches: dict[str, dict[tuple, str]] = {f: {} for f in regexes}
    all_columns = {}
    present = {fold(c): c for c in frame.columns}
    for wanted in mapping.all_students:
        column = present.get(fold(wanted))
        if column is None:
            from .shapes import drift_match

            column = drift_match(wanted, frame.columns)
            if column is not None and notes is not None:
                notes.append(f"column {column!r} is read as {wanted!r} (wide.all_students), spelt otherwise")
        if column is not None:
            all_columns[lead_field] = column
            break
    else:
        if mapping.all_students:
            raise InputError(file, "no All students column", column=mapping.all_students[0],
                             expected=f"a column named {mapping.all_students[0]!r} "
                             f"({mapping.source}: wide.all_students)")
    for column in frame.columns:
        if column in used or mapping.skips(column) or column in all_columns.values():
            continue
        for name, regex in regexes.items():
            match = regex.fullmatch(column.strip())
            if match:
                key = tuple(sorted(match.groupdict().items()))
                matches[name][key] = column
                break
        else:
            for name, regex in loose.items():
                match = regex.fullmatch(column.strip())
                if match:
                    key = tuple(sorted((k, v.strip()) for k, v in match.groupdict().items()))
                    matches[name][key] = column
                    if notes is not None:
                        notes.append(f"column {column!r} is read as {mapping.wide[name]!r} (wide.{name}), "
                                     "spelt otherwise")
                    break
    lead = matches[lead_field]
    if not lead:
        raise InputError(file, f"no column matches the pattern {mapping.wide[lead_field]!r}",
                         expected=f"columns such as {_pattern_examples(mapping.wide[lead_field], mapping.tokens)[0]!r} "
                         f"({mapping.source}: wide.{lead_field})")
    blocks = []
    for key, column in lead.items():
        tokens = dict(key)
        block = base.copy()
        for name in (*PLACEHOLDERS, "year"):
            if name in tokens:
                block[name] = year_token(tokens[name]) if name == "year" else tokens[name]
                block[f"_col_{name}"] = column
        for name in regexes:
            wanted = tuple(sorted((p, tokens[p]) for p in _placeholders(mapping.wide[name])))
            source = matches[name].get(wanted) or _find_folded(matches[name], wanted)
            if source is None:
                if name in ("denominator",) or (name == "numerator" and lead_field != "numerator"):
                    expected = mapping.wide[name].replace("{group}", tokens.get("group", "")).replace(
                        "{outcome}", tokens.get("outcome", ""))
                    raise InputError(file, f"column {column!r} has no matching {name} column",
                                     column=column, expected=f"a column named {expected!r}")
                block[name] = ""
                block[f"_col_{name}"] = None
                continue
            block[name] = frame[source].to_numpy()
            block[f"_col_{name}"] = source
        blocks.append(block)
    # a denominator with no numerator is a renamed or mistyped column: say so
    lead_keys = {tuple((p, v.lower()) for p, v in key) for key in lead}
    lead_places = _placeholders(mapping.wide[lead_field])
    for name in regexes:
        if name == lead_field or set(_placeholders(mapping.wide[name])) != set(lead_places):
            continue
        for key, column in matches[name].items():
            if tuple((p, v.lower()) for p, v in key) not in lead_keys:
                instance = mapping.wide[lead_field]
                for p, v in key:
                    instance = instance.replace("{" + p + "}", v)
                raise InputError(file, f"{name} column without its {lead_field} column", column=column,
                                 expected=f"a column named {instance!r}")
    if all_columns:
        block = base.copy()
        block["group"], block["_col_group"] = vocab.ALL_STUDENTS, all_columns[lead_field]
        block[lead_field], block[f"_col_{lead_field}"] = frame[all_columns[lead_field]].to_numpy(), \
            all_columns[lead_field]
        for name in regexes:
            if name != lead_field:
                block[name], block[f"_col_{name}"] = "", None
        blocks.append(block)
    long = pd.concat(blocks, ignore_index=True)
    order = len(blocks)
    long["_block"] = [i for i in range(order) for _ in range(len(base))]
    return long.sort_values(["row", "_block"], kind="stable").drop(columns="_block").reset_index(drop=True)


def _find_folded(matches: dict, wanted: tuple):
    lowered = tuple((p, v.lower()) for p, v in wanted)
    for key, column in matches.items():
        if tuple((p, v.lower()) for p, v in key) == lowered:
            return column
    return None
