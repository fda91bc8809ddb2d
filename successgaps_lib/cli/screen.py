"""``successgaps screen FILE``: rank every success gap in a data file."""

from __future__ import annotations

import argparse
from pathlib import Path

from .registry import command

#: Columns of the CSV written by ``successgaps screen --out`` (the issue's list first).
GAP_CSV_COLUMNS = [
    "year", "school_year", "school", "group", "outcome", "outcome_name", "comparison", "n_group", "rate_group",
    "n_comparison", "rate_comparison", "difference", "risk_ratio", "ci_low", "ci_high", "flagged",
    "years_flagged", "persistent", "statement", "district", "dimension", "a_group", "a_comparison",
    "rate_group_low", "rate_group_high", "rr_ci_low", "rr_ci_high", "measurable", "reason", "adverse", "score",
]
#: Above this many cells of counts made out of core, screen keeps the measurable gaps and writes statements
#: for the flagged ones only (``screen.screen(keep=, statements=)``), as for a state.
STATE_CELLS = 500_000
#: Columns that count children (or years): written as whole numbers, blank where hidden.
WHOLE_COLUMNS = ("n_group", "n_comparison", "a_group", "a_comparison", "years_flagged")


def _screen_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="student records, long counts, or any table with --mapping; or a database URL "
                   "(postgresql://host/db, duckdb:///state.duckdb) with --table or --query (docs/warehouse.md)")
    p.add_argument("--table", help="with a database URL: the table of student records or counts (schema.table)")
    p.add_argument("--query", help="with a database URL: a SELECT giving student records or counts")
    p.add_argument("--engine", default="auto", choices=["auto", "pandas", "duckdb", "spark"],
                   help="where student records are counted: pandas (in memory), duckdb (out of core, the default "
                   "for database URLs and student files over 256 MB), or spark (a data lake; needs pyspark)")
    p.add_argument("--mapping", type=Path, help="YAML column mapping for a file in another layout, or a ready "
                   "mapping by name: edfacts-acgr, idea618-child-count, crdc-school, crdc-school-files "
                   "(docs/mapping.md)")
    p.add_argument("--sheet", help="Excel sheet to read (default: the first)")
    p.add_argument("--schools", action="store_true", help="screen every school as well as the district")
    p.add_argument("--min-n", type=int, default=30, metavar="N",
                   help="n-size: fewest children in a group (denominator) to measure a gap (default 30)")
    p.add_argument("--min-cell", type=int, default=10, metavar="N",
                   help="cell size: fewest children with the outcome (numerator) for a risk ratio (default 10)")
    p.add_argument("--min-size", type=int, default=10, metavar="N",
                   help="privacy: fewest children behind any count or rate that is shown (default 10)")
    p.add_argument("--comparison", default="all_other", choices=["all_other", "all", "group"],
                   help="compare each group with all other children (default), all children, or --reference")
    p.add_argument("--reference", help="the named comparison group, with --comparison group (e.g. White)")
    p.add_argument("--out", type=Path, help="write every screened gap to this CSV")
    p.add_argument("--set-aside", action="store_true",
                   help="set aside the rows of the file that have problems, load the rest, and say what was set "
                   "aside (the problems go beside --out as <name>.problems.csv)")
    p.add_argument("--group", help="only this group (a name or code, e.g. 'Students with disabilities' or WDIS)")
    p.add_argument("--outcome", help="only this outcome (e.g. graduation or GRAD)")
    p.add_argument("--school", help="only this school ('district' for the district rows)")
    p.add_argument("--year", help="only this school year (2025 or 2024-25)")
    p.add_argument("--top", type=int, default=15, metavar="K", help="how many flagged gaps to print (default 15)")
    p.add_argument("--data-team", action="store_true",
                   help="do NOT suppress small groups (the output must stay inside the data team)")


@command("screen", "rank every success gap in a data file", _screen_arguments)
def run_screen(args: argparse.Namespace) -> int:
    from .. import privacy
    from ..formulas import write_csv
    from ..screen import screen

    data = _data(args)
    if data.problems:
        from .. import problems

        where = (args.out.with_name(args.out.stem + ".problems.csv") if args.out
                 else Path(Path(data.source).stem + ".problems.csv"))
        problems.write_csv(list(data.problems), where)
        print(problems.set_aside_line(data.set_aside, data.rows, list(data.problems), where))
    if data.columns_unused:
        print("not used: " + ", ".join(data.columns_unused))
    for filtered in data.left_out:
        print(filtered.line())
    for note in data.notes:
        print(f"note: {note}")
    # counted where it lies, a state's worth of cells: measurable gaps only, statements for the flagged ones
    state = data.students is None and data.kind == "students" and len(data.counts) > STATE_CELLS
    scale = {"keep": "all" if args.out else "measurable", "statements": "flagged"} if state else {}
    from ..sources.progress import waiting

    with waiting(f"screening {len(data.counts):,} cells"):
        gaps = screen(data.counts, schools=args.schools or bool(args.school), comparison=args.comparison,
                      reference=args.reference, min_n=args.min_n, min_cell=args.min_cell, measures=data.measures,
                      **scale)
    counts = blocks_of(data.counts, gaps) if state else data.counts
    with waiting(f"hiding small groups in {len(gaps):,} gaps"):
        shown = privacy.protect(gaps, counts=counts, min_size=args.min_size, audience=not args.data_team)
    shown = _filtered(shown, args)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        write_csv(_csv_frame(shown), args.out)  # text that would run as a formula is neutralised
    print(_summary(shown, args.top))
    if args.out:
        print(f"\nAll {len(shown):,} screened gaps written to {args.out}")
    return 0


def _data(args: argparse.Namespace):
    """The dataset to screen: a file loaded into pandas, or counts made where a big source lies."""
    from ..errors import SuccessGapsError
    from ..load import load
    from ..sources.dataset import load_source, wants_source

    if args.engine == "pandas" and (args.table or args.query):
        raise SuccessGapsError("--engine pandas reads a file; --table and --query read a database")
    if not wants_source(args.file, engine=args.engine) or (args.engine == "auto" and args.set_aside):
        if args.table or args.query:
            raise SuccessGapsError(f"{args.file}: --table and --query need a database URL such as "
                                   "postgresql://host/db or duckdb:///state.duckdb")
        return load(args.file, mapping=args.mapping, sheet=args.sheet, set_aside=args.set_aside)
    if args.set_aside or args.sheet:
        raise SuccessGapsError(f"--{'set-aside' if args.set_aside else 'sheet'} is for files read into memory "
                               "(--engine pandas), not for a database or a big file counted where it lies")
    return load_source(args.file, table=args.table, query=args.query, mapping=args.mapping,
                       engine="spark" if args.engine == "spark" else "duckdb")


def blocks_of(counts, gaps):
    """The counts of the (year, district) blocks the gaps are in: all the privacy layer needs to hide them.

    Every partition suppression works on (groups adding up to All students in a place, schools
    adding up to their district, categories and shared denominators) lies inside one district
    in one year, so the rest of a state's counts cannot change what is hidden in these gaps.
    """
    import pandas as pd

    wanted = pd.MultiIndex.from_frame(gaps[["year", "district"]].astype({"district": str}).drop_duplicates())
    have = pd.MultiIndex.from_arrays([counts["year"], counts["district"].astype(str)])
    return counts[have.isin(wanted)].reset_index(drop=True)


def _filtered(gaps, args: argparse.Namespace):
    """The rows ``--group/--outcome/--school/--year`` ask for; an unknown value gets the nearest ones."""
    from ..choices import pick
    from ..groups import canonical_group, canonical_outcome
    from ..parse import parse_year

    keep = None
    for field, given, canonical in (
            ("group", args.group, lambda v: canonical_group(v, v)),
            ("outcome", args.outcome, lambda v: _or_self(canonical_outcome, v)),
            ("school", args.school, lambda v: "" if v.strip().lower() == "district" else v),
            ("year", args.year, lambda v: _or_self(parse_year, v))):
        if given is None:
            continue
        valid = sorted(set(gaps[field].tolist()), key=str)
        if field == "school":
            valid = ["district" if v == "" else v for v in valid]
        chosen = pick(field, canonical(given) if field != "school" else given, valid)
        chosen = canonical(chosen) if field == "school" else chosen
        mask = gaps[field] == chosen
        keep = mask if keep is None else keep & mask
    return gaps if keep is None else gaps[keep.to_numpy()].reset_index(drop=True)


def _or_self(parse, value):
    try:
        return parse(value)
    except (KeyError, ValueError):
        return value


def _csv_frame(shown):
    """The gaps as the CSV a user opens: whole counts, the school year and the outcome as handouts write them."""
    import pandas as pd

    from ..groups import OUTCOMES
    from ..words import school_year

    out = shown.copy()
    out["school_year"] = [school_year(y) for y in out["year"]]
    out["outcome_name"] = [OUTCOMES[o].label if o in OUTCOMES else o for o in out["outcome"]]
    for column in WHOLE_COLUMNS:
        if column in out:
            out[column] = pd.to_numeric(out[column], errors="coerce").round().astype("Int64")
    return out[[c for c in GAP_CSV_COLUMNS if c in out.columns]]


def _summary(gaps, top: int) -> str:
    """The ranked flagged gaps as a plain-text table for the terminal."""
    from .. import privacy

    flagged = gaps[gaps["flagged"].fillna(False).astype(bool)]
    lines = [f"{len(flagged):,} of {len(gaps):,} candidate gaps flagged "
             f"({int(gaps['measurable'].fillna(False).astype(bool).sum()):,} measurable)."]
    if flagged.empty:
        return lines[0]
    from ..groups import OUTCOMES
    from ..words import school_year

    table = privacy.display(flagged.head(top))
    table = table.assign(year=[school_year(y) for y in flagged.head(top)["year"]],
                         school=[s or "district" for s in table["school"]],
                         outcome=[OUTCOMES[o].label if o in OUTCOMES else o for o in table["outcome"]])
    columns = {"year": "School year", "school": "Place", "group": "Group", "outcome": "Outcome",
               "n_group": "Group size", "rate_group": "Rate (%)", "n_comparison": "Comparison size",
               "rate_comparison": "Comparison rate (%)", "difference": "Gap (points)", "ci_low": "95% CI from",
               "ci_high": "to", "risk_ratio": "Risk ratio", "years_flagged": "Years flagged"}
    table = table[[c for c in columns if c in table]].rename(columns=columns)
    lines.append(table.to_string(index=False))
    lines.append("\nTop gap: " + str(flagged.iloc[0]["statement"]))
    return "\n".join(lines)
