"""What the state publishes: the ratios and determinations through the privacy layer, as CSV, HTML, PDF.

``publish(ratios, dets, min_size=10)`` returns the two tables an audience may see, marked by
``privacy.protect`` (kinds ``disproportionality_ratios`` and ``disproportionality_determinations``,
registered here: this module imports ``privacy``, never the reverse):

* **no counts, populations or risks** leave in the audience tables: only the kind of ratio,
  the ratio, the threshold, the determination and why. (The data team's CSV, asked for with
  ``audience=False``, keeps every figure.) Counts are left out, not just suppressed, because
  the categories share children the privacy engine does not link: a discipline category's
  population *is* the group's identification count, so a shown discipline population would
  give back an identification count hidden by complementary suppression.
* a ratio is **hidden** ("*") when the privacy engine hides the group's cell or its
  comparison, exactly as for a GAPS row (``privacy`` kind ``gaps``, with the district's
  counts so that complementary suppression across the seven groups applies): fewer than
  ``min_size`` children in the group, with or without the outcome, or a hidden partner cell
  from which it could be worked out. The comparison with all other children in the state is
  checked by the primary rules only (it is the state's, not the district's).
* a determination (identified or not, and why) is always shown: the state must make it, and
  it says only whether a ratio was above a published threshold. Its ratios of earlier years
  are hidden as those years' rows are. ``why`` never holds a figure computed from counts.

>>> import pandas as pd
>>> from .method import risk_ratios, determinations
>>> from .settings import parse_settings
>>> s = parse_settings({"risk_ratio_threshold": 2})
>>> counts = pd.DataFrame({"year": 2024, "district": "D", "category": "identification",
...     "race": ["Black or African American", "White", "Asian"], "count": [60, 40, 12], "population": [300, 800, 15]})
>>> shown, _ = publish(risk_ratios(counts, s), determinations(risk_ratios(counts, s), s))
>>> three = shown[shown.race.isin(["Asian", "Black or African American", "White"])]
>>> three[["race", "ratio_kind", "suppressed"]].values.tolist()
[['Asian', 'not calculated', True], ['Black or African American', 'risk ratio', True], ['White', 'risk ratio', False]]

(12 of the 15 Asian children: 3 without, under 10, so that cell is hidden, and the Black group's
with it, or the Asian figures would come back as the district's total minus the others.)
>>> "count" in shown, "population" in shown
(False, False)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from .. import privacy
from ..formulas import write_csv as formula_safe_csv
from ..paths import TEMPLATES
from ..safe_html import CONTENT_SECURITY_POLICY
from ..words import school_year
from .categories import AREAS, CATEGORIES, RACES
from .method import ALTERNATE, NOT_CALCULATED, STATE_OTHERS

RATIOS_KIND, DETERMINATIONS_KIND = "disproportionality_ratios", "disproportionality_determinations"
#: Columns of the published (audience) ratio table, and of the published determinations.
PUBLISHED_RATIOS = ["year", "district", "race", "category", "category_name", "comparison", "ratio_kind", "ratio",
                    "threshold", "exceeds", "reason"]
PUBLISHED_DETERMINATIONS = ["year", "district", "race", "category", "category_name", "ratio_kind", "ratio",
                            "ratio_1_year_before", "ratio_2_years_before", "threshold", "years_exceeded",
                            "consecutive_years", "reasonable_progress", "identified", "years", "why"]
#: Which flag column says a ratio column is hidden.
_FLAGS = {"ratio": privacy.ROW_FLAG, "ratio_1_year_before": "suppressed_1_year_before",
          "ratio_2_years_before": "suppressed_2_years_before"}
_FIGURES = ("count", "population", "risk", "comparison_count", "comparison_population", "comparison_risk")


def _engine_counts(ratios: pd.DataFrame) -> pd.DataFrame:
    """The district cells as a canonical counts table (and the district totals), for the privacy engine."""
    from ..table import as_counts

    a = np.minimum(ratios["count"].to_numpy(), ratios["population"].to_numpy())  # removals: at most one per child
    cells = pd.DataFrame({"year": ratios["year"], "district": ratios["district"], "school": "",
                          "group": ratios["race"], "outcome": ratios["category"], "numerator": a,
                          "denominator": ratios["population"]})
    totals = cells.groupby(["year", "district", "school", "outcome"], as_index=False)[
        ["numerator", "denominator"]].sum()
    return as_counts(pd.concat([cells, totals.assign(group=privacy.ALL_STUDENTS)], ignore_index=True))


def hidden_rows(ratios: pd.DataFrame, *, min_size: int = privacy.MIN_SIZE,
                progress: Callable[[int], None] | None = None, chunk: int = 100) -> np.ndarray:
    """True for each row of ``ratios`` whose ratio the privacy layer hides.

    Every partition and link of the privacy engine lies inside one district (the state
    comparison is checked by the primary rules only), so districts are protected ``chunk`` at a
    time with the same result as all at once; ``progress(k)`` after each ``k`` districts.
    """
    hide = np.zeros(len(ratios), dtype=bool)
    if not len(ratios):
        return hide
    names = pd.unique(ratios["district"])
    district = ratios["district"].to_numpy()
    for start in range(0, len(names), chunk):
        part = np.isin(district, names[start:start + chunk])
        hide[part] = _hidden(ratios[part], min_size)
        if progress is not None:
            progress(len(names[start:start + chunk]))
    return hide


def _hidden(ratios: pd.DataFrame, min_size: int) -> np.ndarray:
    state = (ratios["comparison"] == STATE_OTHERS).to_numpy()
    a = np.minimum(ratios["count"].to_numpy(), ratios["population"].to_numpy())
    a_c = np.minimum(ratios["comparison_count"].to_numpy(), ratios["comparison_population"].to_numpy())
    gaps = pd.DataFrame({"year": ratios["year"].to_numpy(), "district": ratios["district"].to_numpy(), "school": "",
                         "dimension": "race", "group": ratios["race"].to_numpy(),
                         "outcome": ratios["category"].to_numpy(),
                         "comparison": np.where(state, "all other children in the state", "all other children"),
                         "a_group": a.astype(float), "n_group": ratios["population"].to_numpy(float),
                         "a_comparison": a_c.astype(float),
                         "n_comparison": ratios["comparison_population"].to_numpy(float)},
                        index=pd.Index(np.arange(len(ratios), dtype=np.int64) + 1))  # not a RangeIndex: kept
    shown = privacy.protect(gaps, kind="gaps", min_size=min_size, counts=_engine_counts(ratios))
    return shown[privacy.ROW_FLAG].reindex(gaps.index).to_numpy(dtype=bool)  # hidden rows move to the end


def _protect_ratios(table: pd.DataFrame, *, min_size: int, hidden: np.ndarray | None = None) -> pd.DataFrame:
    hide = hidden_rows(table, min_size=min_size) if hidden is None else np.asarray(hidden, dtype=bool)
    out = table.assign(category_name=[CATEGORIES[c].name for c in table["category"]])
    out["ratio"] = out["ratio"].mask(hide)
    out["exceeds"] = out["exceeds"].astype(object).mask(hide, "")
    out["reason"] = out["reason"].mask(hide, privacy.REASON)
    out[privacy.ROW_FLAG] = hide
    return out[[*PUBLISHED_RATIOS, privacy.ROW_FLAG]].reset_index(drop=True)


def _protect_determinations(table: pd.DataFrame, *, min_size: int, ratios: pd.DataFrame,
                            hidden: np.ndarray | None = None) -> pd.DataFrame:
    hidden = hidden_rows(ratios, min_size=min_size) if hidden is None else np.asarray(hidden, dtype=bool)
    hide = pd.Series(hidden, index=pd.MultiIndex.from_frame(
        ratios[["year", "district", "race", "category"]]))
    out = table.assign(category_name=[CATEGORIES[c].name for c in table["category"]])

    def hidden(offset: int) -> np.ndarray:
        keys = pd.MultiIndex.from_arrays([out["year"] - offset, out["district"], out["race"], out["category"]])
        return hide.reindex(keys).fillna(False).to_numpy(dtype=bool)

    texts = out["years"].str.split("; ").tolist()
    window = max((len(t) for t in texts), default=0)
    for offset, column in ((0, "ratio"), (1, "ratio_1_year_before"), (2, "ratio_2_years_before")):
        mask = hidden(offset)
        out[column] = out[column].mask(mask)
        out[_FLAGS[column]] = mask
        for i in np.flatnonzero(mask):  # the year's entry in the text of the years
            j = len(texts[i]) - 1 - offset
            if 0 <= j < len(texts[i]):
                texts[i][j] = texts[i][j].split(": ")[0] + ": *"
    out["years"] = ["; ".join(t) for t in texts] if window else out["years"]
    return out[[*PUBLISHED_DETERMINATIONS, *_FLAGS.values()]].reset_index(drop=True)


def _check(table: pd.DataFrame, min_size: int) -> str:
    leaked = [c for c in _FIGURES if c in table]
    return f"the column {leaked[0]!r} holds counts, which the published report never shows" if leaked else ""


privacy.register_kind(RATIOS_KIND, lambda t: {"race", "category", "ratio_kind", "ratio", "reason"} <= set(t.columns)
                      and "identified" not in t, _protect_ratios, check=_check)
privacy.register_kind(DETERMINATIONS_KIND, lambda t: {"race", "category", "identified", "years_exceeded"}
                      <= set(t.columns), _protect_determinations, check=_check)


def publish(ratios: pd.DataFrame, dets: pd.DataFrame, *, min_size: int = privacy.MIN_SIZE,
            audience: bool = True, progress: Callable[[int], None] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ratio table and the determinations as they may be shown, both marked by ``privacy.protect``.

    ``progress(k)`` is called after each ``k`` districts protected (audience only)."""
    if not audience:
        return (privacy.protect(ratios.assign(category_name=[CATEGORIES[c].name for c in ratios["category"]]),
                                kind=RATIOS_KIND, audience=False),
                privacy.protect(dets.assign(category_name=[CATEGORIES[c].name for c in dets["category"]]),
                                kind=DETERMINATIONS_KIND, audience=False))
    hidden = hidden_rows(ratios, min_size=min_size, progress=progress)
    return (privacy.protect(ratios, kind=RATIOS_KIND, min_size=min_size, hidden=hidden),
            privacy.protect(dets, kind=DETERMINATIONS_KIND, min_size=min_size, ratios=ratios, hidden=hidden))


# --- Files ---------------------------------------------------------------------------------------

def _ratio_text(value, hidden: bool) -> str:
    if hidden:
        return privacy.SUPPRESSED
    return "" if pd.isna(value) else f"{float(value):.2f}"


def csv_frame(table: pd.DataFrame) -> pd.DataFrame:
    """A published table as written to CSV: ratios with two decimals, "*" where hidden, the school year."""
    privacy.require_protected(table)
    out = table.copy()
    for column, flag in _FLAGS.items():
        if column in out:
            hidden = out[flag].to_numpy(dtype=bool) if flag in out else np.zeros(len(out), dtype=bool)
            out[column] = [_ratio_text(v, h) for v, h in zip(out[column], hidden, strict=True)]
    out = out.drop(columns=[f for f in _FLAGS.values() if f in out])
    out.insert(1, "school_year", [school_year(y) for y in out["year"]])
    for column in ("risk", "comparison_risk"):
        if column in out:
            out[column] = out[column].round(6)
    return out


def write_csv(published: pd.DataFrame, path) -> Path:
    """Write a published table (``publish``) to CSV; text that would run as a spreadsheet formula is neutralised."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    formula_safe_csv(csv_frame(published), path)
    return path


def report_context(ratios: pd.DataFrame, dets: pd.DataFrame, settings, *, source: str = "") -> dict:
    """What the HTML report shows, from the *published* tables: a table per category, identified first."""
    privacy.require_protected(ratios)
    privacy.require_protected(dets)
    year = int(dets["year"].max()) if len(dets) else None
    sections = []
    for cid, category in CATEGORIES.items():
        part = dets[dets["category"] == cid]
        if not len(part):
            continue
        rows = []
        for district, d in part.groupby("district", sort=True):
            cells = []
            by_race = {r.race: r for r in d.itertuples(index=False)}
            for race in RACES:
                r = by_race.get(race)
                if r is None:
                    cells.append({"text": "", "title": "", "mark": ""})
                    continue
                hidden = bool(getattr(r, privacy.ROW_FLAG, False))
                text = (privacy.SUPPRESSED if hidden else "–" if r.ratio_kind == NOT_CALCULATED
                        else f"{r.ratio:.2f}" + ("†" if r.ratio_kind == ALTERNATE else ""))
                mark = "identified" if r.identified else ("above" if r.years_exceeded and not hidden else "")
                cells.append({"text": text, "title": f"{r.years}. {r.why}", "mark": mark})
            identified = d[d["identified"].astype(bool)]
            telling = d[d["identified"].astype(bool) | (d["years_exceeded"] > 0)]  # identified, or on the way
            rows.append({"district": district, "identified": bool(len(identified)), "cells": cells,
                         "why": [f"{r.race}: {r.why}" for r in telling.itertuples(index=False)]})
        rows.sort(key=lambda r: (not r["identified"], r["district"]))
        sections.append({"id": cid, "name": category.name, "area": AREAS[category.area],
                         "population": category.population,
                         "ages": f"ages {category.ages[0]} through {category.ages[1]}",
                         "paragraph": category.paragraph, "threshold": f"{settings.threshold(cid):g}",
                         "min_cell": settings.min_cell(cid), "min_n": settings.min_n(cid),
                         "removals": category.counts == "removals", "rows": rows,
                         "identified": sum(r["identified"] for r in rows), "districts": len(rows)})
    return {"state": settings.state, "year": school_year(year) if year else "", "source": source,
            "races": list(RACES), "sections": sections, "settings": settings,
            "progress": settings.progress_words(), "notes": list(settings.notes),
            "identified": sorted({(r["district"]) for s in sections for r in s["rows"] if r["identified"]}),
            "districts": int(dets["district"].nunique()) if len(dets) else 0,
            "csp": CONTENT_SECURITY_POLICY, "min_size": dets.attrs["privacy"].get("min_size"),
            "audience": bool(dets.attrs["privacy"].get("audience"))}


def render_html(context: dict) -> str:
    """The state report as one self-contained HTML page (autoescaped; no script, nothing loaded)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES / "disproportionality")),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    return env.get_template("report.html.j2").render(**context)


def write_pdf(html_file: Path, pdf_file: Path) -> Path:
    """Print the report with the handouts' Chromium (``handouts.print_pdf_cli``); ``HandoutError`` if none."""
    from ..handouts import print_pdf_cli

    return print_pdf_cli(Path(html_file), Path(pdf_file))


__all__ = ["PUBLISHED_DETERMINATIONS", "PUBLISHED_RATIOS", "csv_frame", "hidden_rows", "publish", "render_html",
           "report_context", "write_csv", "write_pdf"]
