"""``successgaps disproportionality FILE --config state.yml``: the state's determination of significant
disproportionality (34 CFR 300.647) for every district, as CSV and an HTML (and PDF) state report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .registry import command

EPILOG = """\
FILE holds counts (columns year, district, race, category, count, population; see
docs/disproportionality.md) or student records (a student_id column); --mapping reads any other
layout. state.yml holds the state's choices: risk_ratio_threshold (required), min_cell_size (10),
min_n_size (30), consecutive_years (1-3), reasonable_progress, state. Writes into DIR:
determinations.csv (the year's determination per district, group and category, with the years
behind it), districts.csv (per district and category), ratios.csv (every year's ratios),
report.html (a table per category, the districts identified first) and, with --pdf, report.pdf.
Nothing under the privacy minimum is published unless --data-team is given.
Exit status: 0 done, 2 a file or setting that cannot be used (one line says why)."""


def _arguments(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = EPILOG
    p.add_argument("file", type=Path, help="the state's counts or student records (CSV, Excel or Parquet)")
    p.add_argument("--mapping", type=Path, metavar="M", help="YAML mapping for a file in another layout")
    p.add_argument("--config", type=Path, metavar="STATE_YML",
                   help="the state's settings (default: state.yml beside FILE)")
    p.add_argument("--out", type=Path, metavar="DIR", default=Path("disproportionality"),
                   help="folder for the CSV files and the report (default ./disproportionality)")
    p.add_argument("--year", metavar="YEAR", help="the year of the determination (default: the latest in FILE)")
    p.add_argument("--pdf", action="store_true", help="also print report.pdf (needs Chromium, as handouts do)")
    p.add_argument("--data-team", action="store_true",
                   help="do NOT protect the outputs: every count is written (they must stay inside the data team)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")


def _progress_bar(what: str, total: int, enabled: bool):
    from tqdm import tqdm

    # shown only on a terminal, and only once the step has lasted two seconds
    return tqdm(total=total, desc=what, unit="district", file=sys.stderr, delay=2.0, leave=False,
                disable=not enabled or not sys.stderr.isatty())


@command("disproportionality", "determine significant disproportionality for every district (34 CFR 300.647)",
         _arguments)
def run_disproportionality(args: argparse.Namespace) -> int:
    from ..disproportionality import determinations, district_determinations, read_settings, report, risk_ratios
    from ..disproportionality.read import read_counts
    from ..errors import ConfigError
    from ..parse import parse_year

    config = args.config or args.file.with_name("state.yml")
    if args.config is None and not config.is_file():
        raise ConfigError(f"no state settings: pass --config state.yml (with at least risk_ratio_threshold; "
                          f"see docs/disproportionality.md); none found at {config}")
    settings = read_settings(config)
    counts = read_counts(args.file, mapping=args.mapping)
    if not len(counts):
        raise ConfigError(f"{args.file}: no rows to count")
    year = None
    if args.year is not None:
        try:
            year = parse_year(args.year)
        except ValueError:
            raise ConfigError(f"--year {args.year!r}: not a school year (2024 or 2023-24)") from None
        if year not in set(counts["year"]):
            have = ", ".join(str(y) for y in sorted(set(counts["year"])))
            raise ConfigError(f"--year {args.year}: {args.file} has no data for that year (it has {have})")
    districts_total = counts["district"].nunique()
    with _progress_bar("ratios", districts_total, not args.no_progress) as bar:
        ratios = risk_ratios(counts, settings, progress=bar.update)
    with _progress_bar("determinations", districts_total, not args.no_progress) as bar:
        dets = determinations(ratios if year is None else ratios[ratios["year"] <= year], settings, year=year,
                              progress=bar.update)
    with _progress_bar("privacy", districts_total, not args.no_progress and not args.data_team) as bar:
        shown_ratios, shown_dets = report.publish(ratios, dets, min_size=settings.privacy_min_size,
                                                  audience=not args.data_team, progress=bar.update)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    report.write_csv(shown_dets, out / "determinations.csv")
    report.write_csv(shown_ratios, out / "ratios.csv")
    districts = district_determinations(shown_dets)  # from the published table: nothing more than it says
    from ..formulas import write_csv

    write_csv(districts, out / "districts.csv")  # identified yes/no and group names only: no figure
    page = out / "report.html"
    page.write_text(report.render_html(report.report_context(shown_ratios, shown_dets, settings,
                                                             source=str(args.file))), encoding="utf-8")
    written = [out / "determinations.csv", out / "districts.csv", out / "ratios.csv", page]
    if args.pdf:
        written.append(report.write_pdf(page, out / "report.pdf"))
    print(_summary(districts, settings))
    for note in settings.notes:
        print(f"note: {note}")
    print("Wrote " + ", ".join(str(p) for p in written) + (" (DATA TEAM ONLY: not protected)" if args.data_team
                                                          else ""))
    return 0


def _summary(districts, settings) -> str:
    from ..disproportionality import CATEGORIES
    from ..words import school_year

    if not len(districts):
        return "No district to determine."
    year = school_year(int(districts["year"].max()))
    hit = districts[districts["identified"]]
    lines = [f"{settings.state}, {year}: {hit['district'].nunique()} of {districts['district'].nunique()} districts "
             f"identified for significant disproportionality in at least one category."]
    for row in hit.sort_values(["district", "category"]).itertuples(index=False):
        lines.append(f"  {row.district}: {CATEGORIES[row.category].name} ({row.groups})")
    return "\n".join(lines)
