"""The data-quality report of one file: what ``successgaps check`` prints and writes.

``report(dataset)`` gathers, from a file loaded with its unsound rows set aside, everything a
data analyst needs to fix the file or to trust it: the problems by kind, the rows involved,
what was loaded, which columns were used and which were not, and which groups and outcomes
were found in each school year. ``write(report, folder)`` writes ``problems.csv`` (every
problem, one per line) and ``data-quality.html`` (the same for people, autoescaped: every
text in it comes from the user's file).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
import pandas as pd

from . import problems as found
from .groups import OUTCOMES
from .paths import TEMPLATES
from .words import school_year

#: Rows of the problems table shown in the HTML report (problems.csv has them all).
HTML_ROWS = 2000


@dataclass(frozen=True)
class Report:
    file: str
    verdict: str
    loaded: str
    kinds: list[tuple[str, int, str]]
    problems: list[dict]
    shown: int
    total: int
    used: tuple[str, ...]
    unused: tuple[str, ...]
    years: list[dict]
    notes: tuple[str, ...]
    left_out: tuple[str, ...]  # rows the mapping's row filters left out, a line per filter
    all_problems: tuple[found.Problem, ...]


def report(dataset) -> Report:
    """The report of a ``load.Dataset`` (loaded with ``set_aside=True``)."""
    listed = list(dataset.problems)
    fates = {}
    for p in listed:
        fates.setdefault(p.kind or p.problem, "set aside" if p.set_aside else "reported, nothing dropped")
    kinds = [(kind, n, fates[kind]) for kind, n in found.kinds(listed).most_common()]
    table = found.frame(listed) if listed else found.frame([])
    shown = table.head(HTML_ROWS).astype(object).where(table.head(HTML_ROWS).notna(), "")
    verdict = ("No problems: the file loads as it is." if not listed else
               f"{len(listed):,} problem{'s' if len(listed) != 1 else ''} of {len(kinds)} "
               f"kind{'s' if len(kinds) != 1 else ''}.")
    loaded = (f"{dataset.rows - dataset.set_aside:,} of {dataset.rows:,} rows loaded"
              + (f"; {dataset.set_aside:,} would be set aside by `screen --set-aside`." if dataset.set_aside else "."))
    return Report(dataset.source, verdict, loaded, kinds, shown.to_dict("records"), len(shown), len(listed),
                  dataset.columns_used, dataset.columns_unused, _years(dataset.counts), dataset.notes,
                  tuple(f.line() for f in dataset.left_out), tuple(listed))


def _years(counts: pd.DataFrame) -> list[dict]:
    out = []
    for year, rows in counts.groupby("year", sort=True):
        outcomes = [OUTCOMES[o].label if o in OUTCOMES else str(o) for o in pd.unique(rows["outcome"])]
        out.append({"year": school_year(year), "schools": int(rows.loc[rows["school"] != "", "school"].nunique()),
                    "outcomes": sorted(outcomes), "groups": sorted(str(g) for g in pd.unique(rows["group"])),
                    "rows": len(rows)})
    return out


def write(rep: Report, folder) -> tuple[Path, Path]:
    """Write ``problems.csv`` and ``data-quality.html`` into ``folder``; return their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    csv = found.write_csv(list(rep.all_problems), folder / "problems.csv")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES / "check")), autoescape=True)
    page = folder / "data-quality.html"
    page.write_text(env.get_template("data-quality.html.j2").render(report=rep), encoding="utf-8")
    return csv, page
