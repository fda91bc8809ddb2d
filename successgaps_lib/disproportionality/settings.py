"""The state's choices under 34 CFR 300.647, read from ``state.yml`` and checked.

The regulation leaves five things to the state ((b)(1)(i)) and has defaults or ceilings for
some of them. Here:

==================== =========================== ==============================================
key                  default                     what it is
==================== =========================== ==============================================
state                "the state"                 the name printed on the report
risk_ratio_threshold **required**                a ratio *above* it is significant
                                                 disproportionality ((b)(1)(i)(A)); one number,
                                                 or ``{default: 3, discipline_oss_gt10: 4}``
min_cell_size        10                          fewest children with the outcome (numerator)
                                                 for a risk; presumed reasonable up to 10
min_n_size           30                          fewest children at risk (denominator); presumed
                                                 reasonable up to 30
consecutive_years    1                           years in a row above the threshold before an
                                                 LEA is identified: 1, 2 or 3 ((d)(1))
reasonable_progress  not used                    ``{min_decrease: 0.1}`` (risk ratio points) or
                                                 ``{min_percent_decrease: 10}``: an LEA above the
                                                 threshold is not identified if its ratio fell by
                                                 at least that much in each of the two prior
                                                 consecutive years ((d)(2))
privacy_min_size     10                          the privacy layer's minimum group size for what
                                                 the published report shows
==================== =========================== ==============================================

Why the threshold has no default: the regulation sets none, the Department reviews each
state's choice and its rationale ((b)(7)), and thresholds in use run from about 1.5 to 5. A
made-up default would print determinations that look official and are not, so a missing
threshold is an error that says how to set it. ``min_cell_size``, ``min_n_size`` and
``risk_ratio_threshold`` may each be given per category (a ``default`` plus category ids
from ``categories.CATEGORIES``). Values above the presumptively reasonable 10 and 30 are
allowed and noted (``Settings.notes``): the state must then report a detailed rationale.

>>> s = parse_settings({"state": "Example", "risk_ratio_threshold": {"default": 3, "discipline_oss_gt10": 4},
...                     "consecutive_years": 2, "reasonable_progress": {"min_decrease": 0.25}})
>>> s.threshold("identification"), s.threshold("discipline_oss_gt10"), s.min_cell("autism"), s.min_n("identification")
(3.0, 4.0, 10, 30)
>>> parse_settings({"risk_ratio_threshold": 3, "consecutive_years": 4}, source="state.yml")
Traceback (most recent call last):
...
successgaps_lib.errors.ConfigError: state.yml: key 'consecutive_years': 4 is not 1, 2 or 3 (the regulation allows up \
to three consecutive years)
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType

from ..errors import ConfigError
from ..metrics import MIN_CELL, MIN_N
from .categories import CATEGORIES, category_id

#: Defaults the regulation presumes reasonable (34 CFR 300.647(b)(1)(iv)): the largest values
#: (the same as the screen's, ``metrics.MIN_CELL`` and ``metrics.MIN_N``).
MIN_CELL_SIZE = MIN_CELL
MIN_N_SIZE = MIN_N
#: Default number of consecutive years: identify in the first year above the threshold.
CONSECUTIVE_YEARS = 1
PRIVACY_MIN_SIZE = 10
KEYS = ("state", "risk_ratio_threshold", "min_cell_size", "min_n_size", "consecutive_years",
        "reasonable_progress", "privacy_min_size", "description")
_PROGRESS_KEYS = ("min_decrease", "min_percent_decrease")


@dataclass(frozen=True)
class Settings:
    """A state's validated choices (build with ``parse_settings`` or ``read_settings``)."""

    thresholds: MappingProxyType  # category id -> Fraction (exact: "above 3" means above 3)
    min_cells: MappingProxyType  # category id -> int
    min_ns: MappingProxyType
    consecutive_years: int = CONSECUTIVE_YEARS
    progress: str | None = None  # None, "decrease" (ratio points) or "percent"
    progress_amount: float = 0.0
    state: str = "the state"
    privacy_min_size: int = PRIVACY_MIN_SIZE
    source: str = "settings"
    notes: tuple[str, ...] = field(default=())

    def threshold(self, category: str) -> float:
        return float(self.thresholds[category_id(category)])

    def min_cell(self, category: str) -> int:
        return self.min_cells[category_id(category)]

    def min_n(self, category: str) -> int:
        return self.min_ns[category_id(category)]

    def progress_words(self) -> str:
        """The state's standard of reasonable progress, in plain words."""
        if self.progress is None:
            return "not used"
        amount = (f"{self.progress_amount:g} (risk ratio points)" if self.progress == "decrease"
                  else f"{self.progress_amount:g}%")
        return f"the ratio fell by at least {amount} in each of the two prior consecutive years"


def _fail(source: str, key: str, problem: str) -> ConfigError:
    return ConfigError(" ".join(f"{source}: key {key!r}: {problem}".split()))


def _suggest(word, choices) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.8)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _number(source, key, value, *, whole: bool, low, high=None) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        kind = "a whole number" if whole else "a number"
        raise _fail(source, key, f"{value!r} is not {kind}")
    if whole and int(value) != value:
        raise _fail(source, key, f"{value!r} is not a whole number")
    exact = Fraction(str(value))  # 2.5 in the file is exactly 5/2
    if exact < low or (high is not None and exact > high):
        bounds = f"at least {low}" if high is None else f"from {low} to {high}"
        raise _fail(source, key, f"{value!r} is not {bounds}")
    return exact


def _per_category(source, data, key, default, **number) -> dict[str, Fraction]:
    value = data.get(key, default)
    if value is None:
        raise _fail(source, key, "required: the regulation leaves it to the state and sets no default "
                    "(e.g. 'risk_ratio_threshold: 3', or per category '{default: 3, identification_aut: 2.5}')")
    if not isinstance(value, dict):
        one = _number(source, key, value, **number)
        return dict.fromkeys(CATEGORIES, one)
    if "default" not in value and set(CATEGORIES) - {_known(source, key, k) for k in value}:
        raise _fail(source, key, "per-category values need a 'default' for the categories not listed")
    out = {}
    base = value.get("default", default)
    if base is not None:
        base = _number(source, f"{key}.default", base, **number)
    for cid in CATEGORIES:
        out[cid] = base
    for name, given in value.items():
        if name == "default":
            continue
        out[_known(source, key, name)] = _number(source, f"{key}.{name}", given, **number)
    return out


def _known(source, key, name) -> str:
    if name == "default":
        return "default"
    try:
        return category_id(name)
    except KeyError:
        raise _fail(source, f"{key}.{name}", f"not a category{_suggest(name, CATEGORIES)}; categories: "
                    f"{', '.join(CATEGORIES)}") from None


def parse_settings(data, *, source: str = "settings") -> Settings:
    """Validate the state's settings given as a dict (the parsed YAML); ``ConfigError`` in one line."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the settings must be 'key: value' lines, not {type(data).__name__}")
    for key in data:
        if key not in KEYS:
            raise _fail(source, key, f"unknown key{_suggest(key, KEYS)}; known keys: {', '.join(KEYS)}")
    thresholds = _per_category(source, data, "risk_ratio_threshold", None, whole=False, low=Fraction(1))
    cells = {k: int(v) for k, v in _per_category(source, data, "min_cell_size", MIN_CELL_SIZE, whole=True,
                                                 low=0).items()}
    ns = {k: int(v) for k, v in _per_category(source, data, "min_n_size", MIN_N_SIZE, whole=True, low=1).items()}
    years = data.get("consecutive_years", CONSECUTIVE_YEARS)
    if isinstance(years, bool) or years not in (1, 2, 3):
        raise _fail(source, "consecutive_years", f"{years!r} is not 1, 2 or 3 (the regulation allows up to three "
                    "consecutive years)")
    progress, amount = None, 0.0
    raw = data.get("reasonable_progress")
    if raw is not None:
        if not isinstance(raw, dict) or len(raw) != 1:
            raise _fail(source, "reasonable_progress", "expected one of 'min_decrease: 0.1' (risk ratio points a "
                        "year) or 'min_percent_decrease: 10'")
        (name, value), = raw.items()
        if name not in _PROGRESS_KEYS:
            raise _fail(source, f"reasonable_progress.{name}", f"unknown key{_suggest(name, _PROGRESS_KEYS)}; "
                        f"known: {', '.join(_PROGRESS_KEYS)}")
        exact = _number(source, f"reasonable_progress.{name}", value, whole=False, low=0,
                        high=100 if name == "min_percent_decrease" else None)
        progress, amount = ("decrease" if name == "min_decrease" else "percent"), float(exact)
    privacy = int(_number(source, "privacy_min_size", data.get("privacy_min_size", PRIVACY_MIN_SIZE), whole=True,
                          low=1))
    state = data.get("state", "the state")
    if not isinstance(state, str) or not state.strip():
        raise _fail(source, "state", "expected the state's name")
    notes = []
    for key, values, ceiling in (("min_cell_size", cells, MIN_CELL_SIZE), ("min_n_size", ns, MIN_N_SIZE)):
        above = sorted({v for v in values.values() if v > ceiling})
        if above:
            notes.append(f"{key} {', '.join(map(str, above))} is above the presumptively reasonable {ceiling}: "
                         "the state must report a detailed rationale (34 CFR 300.647(b)(7))")
    if progress is not None and years == 1:
        notes.append("reasonable progress is measured over the two prior years, so it is used even with "
                     "consecutive_years: 1")
    return Settings(MappingProxyType(thresholds), MappingProxyType(cells), MappingProxyType(ns), int(years),
                    progress, amount, state.strip(), privacy, source, tuple(notes))


def read_settings(path) -> Settings:
    """Read ``state.yml``; ``ConfigError`` (one line) for a missing file, bad YAML or a bad value.

    Read within the bounds of ``yaml_read`` (size, nesting; no anchors or aliases).
    """
    from ..yaml_read import load_file

    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"{path}: is a folder, not a settings file")
    data = load_file(path, what="settings file")
    return parse_settings(data if data is not None else {}, source=str(path))
