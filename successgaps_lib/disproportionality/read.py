"""Reading a state's file for the method: counts (``counts.COLUMNS``) or student records, any layout
through a small mapping. The side-effecting edge of the package: everything else is pure.

``read_counts(path, mapping=None)`` reads CSV, Excel or Parquet (``read.read_table``: BOMs,
encodings, text above the header) and returns the counts table. A file with a
``student_id`` column (or a mapping with ``kind: students``) is student records
(``counts.STUDENT_COLUMNS``) and is counted with ``counts.counts_from_students``; the counts
leave this function, the records do not. A mapping (YAML) says which column holds what and
translates the file's own names:

.. code-block:: yaml

    kind: counts                      # or students
    columns:                          # field: the file's column (or a list of alternatives)
      year: [SCHOOL_YEAR, SY]
      district: LEA_NAME
      race: RACE_ETHNICITY
      category: CATEGORY
      count: CHILDREN
      population: AT_RISK
    constants: {year: 2023-24}        # a field with one value for the whole file
    values:                           # the file's names -> the workbook's
      category: {"Sep. school/RF": placement_separate}
      race: {"Black": MB}

Column names match ignoring case, spaces and punctuation. Every problem is one line
(``InputError`` for the file, ``ConfigError`` for the mapping).

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "state.csv").write_text("SY,LEA,Race,Cat,N,Pop\\n2023-24,North,MB,Sep. school,3,40\\n")
>>> _ = (folder / "m.yml").write_text("columns: {year: SY, district: LEA, race: Race, category: Cat, count: N, "
...     "population: Pop}\\nvalues: {category: {Sep. school: placement_separate}}\\n")
>>> read_counts(folder / "state.csv", mapping=folder / "m.yml").iloc[0].tolist()[1:4]
['North', 'Black or African American', 'placement_separate']
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pandas as pd

from ..errors import ConfigError
from ..read import fold, read_table
from .counts import COLUMNS, STUDENT_COLUMNS, as_counts, counts_from_students

_KEYS = ("kind", "description", "columns", "constants", "values", "sheet")
_FIELDS = {"counts": tuple(COLUMNS), "students": ("student_id", *STUDENT_COLUMNS)}


def _fail(source, key, problem) -> ConfigError:
    return ConfigError(" ".join(f"{source}: key {key!r}: {problem}".split()))


def read_mapping(path) -> dict:
    """The mapping as ``{"kind", "columns", "constants", "values", "sheet"}``, checked."""
    from ..yaml_read import load_file

    path = Path(path)
    source = str(path)
    if path.is_dir():
        raise ConfigError(f"{path}: not a UTF-8 text file")
    data = load_file(path, what="mapping file")  # bounded: size, nesting, no anchors or aliases
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the mapping must be 'key: value' lines")
    for key in data:
        if key not in _KEYS:
            close = difflib.get_close_matches(str(key), _KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise _fail(source, key, f"unknown key{hint}; known keys: {', '.join(_KEYS)}")
    kind = data.get("kind", "counts")
    if kind not in _FIELDS:
        raise _fail(source, "kind", f"{kind!r} is not counts or students")
    fields = _FIELDS[kind]
    out = {"kind": kind, "columns": {}, "constants": {}, "values": {}, "sheet": data.get("sheet"), "source": source}
    for section in ("columns", "constants", "values"):
        entries = data.get(section) or {}
        if not isinstance(entries, dict):
            raise _fail(source, section, "expected 'field: value' lines")
        for name, value in entries.items():
            if name not in fields:
                close = difflib.get_close_matches(str(name), fields, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise _fail(source, f"{section}.{name}", f"not a field of {kind}{hint}; fields: {', '.join(fields)}")
            if section == "columns":
                names = value if isinstance(value, list) else [value]
                if not names or not all(isinstance(v, str | int) and not isinstance(v, bool) for v in names):
                    raise _fail(source, f"columns.{name}", "expected a column name or a list of alternatives")
                out["columns"][name] = [str(v).strip() for v in names]
            elif section == "constants":
                if value is None or isinstance(value, list | dict):
                    raise _fail(source, f"constants.{name}", "expected one value")
                out["constants"][name] = str(value).strip()
            else:
                if not isinstance(value, dict):
                    raise _fail(source, f"values.{name}", "expected 'the file's value: the workbook's value' lines")
                out["values"][name] = {fold(k): ("" if v is None else str(v).strip()) for k, v in value.items()}
    both = set(out["columns"]) & set(out["constants"])
    if both:
        raise _fail(source, f"constants.{sorted(both)[0]}", "given both as a column and as a constant")
    return out


def _apply(frame: pd.DataFrame, mapping: dict, fields) -> pd.DataFrame:
    present = {fold(c): c for c in frame.columns}
    out = pd.DataFrame(index=frame.index)
    for name in fields:
        column = next((present[fold(c)] for c in mapping["columns"].get(name, [name]) if fold(c) in present), None)
        if column is not None:
            out[name] = frame[column]
        elif name in mapping["constants"]:
            out[name] = mapping["constants"][name]
    for name, table in mapping["values"].items():
        if name in out:
            out[name] = out[name].map(lambda v, t=table: t.get(fold(v), v))
    out.attrs.update(frame.attrs)
    return out


def read_counts(path, *, mapping=None) -> pd.DataFrame:
    """The counts table of the file at ``path`` (counts or student records), through ``mapping`` if given."""
    path = Path(path)  # no mapping is looked for beside the file: <stem>.mapping.yml is the screen's format
    spec = read_mapping(mapping) if mapping is not None else {"kind": None, "columns": {}, "constants": {},
                                                              "values": {}, "sheet": None}
    expect = [n for names in spec["columns"].values() for n in names] or [*COLUMNS, "student_id"]
    frame = read_table(path, sheet=spec["sheet"], expect=expect)
    source = frame.attrs.get("file", str(path))
    kind = spec["kind"] or ("students" if "studentid" in {fold(c) for c in frame.columns} else "counts")
    table = _apply(frame, spec, _FIELDS[kind])
    table.attrs["file_rows"] = True
    if kind == "students":
        return counts_from_students(table, source=source)
    return as_counts(table, source=source)
