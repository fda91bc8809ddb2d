"""Reading the YAML a user writes (mappings, workbook.yml, rubric templates) within bounds.

YAML can say a lot in a few bytes: an alias (``*a``) repeats what an anchor (``&a``) named, so
nine lines of aliases stand for a billion strings ("billion laughs"), and every message or
``str()`` that shows the value expands them. None of the workbook's files needs either, so
``BoundedLoader`` refuses any anchor or alias with one line naming the file and the line. It
also refuses a file over the ``yaml_bytes`` limit before parsing it, nesting deeper than the
``depth`` limit (Python would stop with a RecursionError), and numbers of more than
``MAX_DIGITS`` digits (Python refuses to convert a 5,000-digit integer; no setting needs 30).
Every failure is a ``ConfigError``: one line, exit 2.

Loaders that change how values are read subclass ``BoundedLoader`` (workbook.yml keeps clock
times as text, the rubric remembers line numbers).

>>> load_text("a: &x [1, 2]\\nb: *x\\n", "m.yml")  # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
...
successgaps_lib.errors.ConfigError: m.yml, line 1: YAML anchors ('&x') and aliases are not accepted;
write the value out in full
>>> load_text("n: 12\\nnames: [a, b]", "m.yml")
{'n': 12, 'names': ['a', 'b']}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from . import limits
from .errors import ConfigError

#: Digits a number in a YAML file may have (a count, a row number, a year: a handful).
MAX_DIGITS = 30


def _line(mark) -> str:
    return f", line {mark.line + 1}" if mark is not None else ""


class BoundedLoader(yaml.SafeLoader):
    """A ``SafeLoader`` that refuses anchors, aliases, deep nesting and huge numbers (``ConfigError``)."""

    source = "YAML"
    _depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            name = event.anchor or ""
            shown = f" ('*{name}')" if isinstance(event, yaml.AliasEvent) else f" ('&{name}')"
            raise ConfigError(f"{self.source}{_line(event.start_mark)}: YAML anchors{shown} and aliases are "
                              "not accepted; write the value out in full")
        self._depth += 1
        try:
            depth = limits.get("depth")
            if self._depth > depth:
                raise limits.exceeded(f"{self.source}{_line(event.start_mark)}", "depth", None,
                                      f"lists and keys nested more than {depth} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_int(self, node):
        self._digits(node)
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node):
        self._digits(node)
        return super().construct_yaml_float(node)

    def _digits(self, node) -> None:
        digits = sum(c.isdigit() for c in str(node.value))
        if digits > MAX_DIGITS:
            raise ConfigError(f"{self.source}{_line(node.start_mark)}: a number with {digits:,} digits; "
                              f"expected at most {MAX_DIGITS} digits (write it in quotes if it is a name)")


BoundedLoader.add_constructor("tag:yaml.org,2002:int", BoundedLoader.construct_yaml_int)
BoundedLoader.add_constructor("tag:yaml.org,2002:float", BoundedLoader.construct_yaml_float)


def load_text(text: str, source: str, loader: type[BoundedLoader] = BoundedLoader) -> Any:
    """Parse YAML ``text`` with ``loader``; every problem is one ``ConfigError`` line naming ``source``."""
    size = len(text.encode("utf-8", errors="replace"))
    limits.check(source, "yaml_bytes", size)
    reader = None
    try:
        reader = loader(text)
        reader.source = source
        reader.name = source
        return reader.get_single_data()
    except yaml.reader.ReaderError as error:  # a control character: PyYAML refuses it before parsing
        line = text.count("\n", 0, error.position) + 1
        raise ConfigError(f"{source}, line {line}: not valid YAML: the character #x{error.character:04x} is not "
                          "allowed (a control character; write it as an escape such as \\t in double quotes)"
                          ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise ConfigError(" ".join(f"{source}{_line(mark)}: not valid YAML: {problem}".split())) from None
    except RecursionError:  # pragma: no cover - the depth limit comes first
        raise limits.exceeded(source, "depth", None, "lists and keys nested too deep") from None
    finally:
        if reader is not None:
            reader.dispose()


def load_file(path, source: str | None = None, loader: type[BoundedLoader] = BoundedLoader, *,
              what: str = "YAML file") -> Any:
    """Read and parse a YAML file (UTF-8, BOM allowed); size checked before it is read whole."""
    path = Path(path)
    source = source or str(path)
    try:
        limits.check(source, "yaml_bytes", path.stat().st_size)
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{source}: {what} not found") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{source}: the {what} is not UTF-8 text") from None
    except OSError as error:
        raise ConfigError(f"{source}: cannot read the {what} ({error.strerror or error})") from None
    return load_text(text, source, loader)
