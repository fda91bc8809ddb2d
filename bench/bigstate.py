"""A synthetic state of 20,000,000 student-year rows written as Parquet by DuckDB (no pandas).

``make_parquet(path, rows)`` writes it once; later runs reuse the file (build/ is its cache).
Every value is a hash of the row number, so the file is the same on every machine and run.
The columns and rates follow ``statewide.make_state``: 500 districts of skewed sizes, about
6,000 schools, four school years, every group dimension and outcome, disability categories.
"""

from __future__ import annotations

from pathlib import Path

from successgaps_lib import groups as vocab

RACES = [vocab.GROUPS[label].value for label in vocab.groups_of("race")]
RACE_SHARES = [0.27, 0.01, 0.06, 0.15, 0.005, 0.455, 0.05]
GRADES = ["KG"] + [f"{g:02d}" for g in range(1, 13)]


def _r(salt: int) -> str:
    """A uniform number in [0, 1) from the row number and a salt (deterministic, parallel-safe)."""
    return f"((hash(range, {salt}) % 1000003) / 1000003.0)"


def _pick(values, shares, salt: int) -> str:
    cases, edge = [], 0.0
    for value, share in zip(values[:-1], shares[:-1], strict=True):
        edge += share / sum(shares)
        cases.append(f"WHEN {_r(salt)} < {edge:.6f} THEN '{value}'")
    return f"CASE {' '.join(cases)} ELSE '{values[-1]}' END"


def select_sql(rows: int) -> str:
    grade = f"CAST(floor({_r(3)} * 13) AS INTEGER)"
    cats = list(vocab.DISABILITY_CATEGORIES)
    outcome = lambda salt, rate, at_risk="TRUE": (  # noqa: E731
        f"CASE WHEN {at_risk} THEN CAST({_r(salt)} < {rate} AS DOUBLE) END")
    return f"""
    WITH base AS (
      SELECT range, CAST(floor(pow({_r(1)}, 1.7) * 500) AS INTEGER) AS d, {grade} AS g FROM range({rows})
    )
    SELECT 'B' || range AS student_id,
           2023 + CAST(floor({_r(2)} * 4) AS INTEGER) AS year,
           'District ' || lpad(CAST(d AS VARCHAR), 3, '0') AS district,
           'D' || d || '-S' || CAST(floor({_r(4)} * (2 + (500 - d) / 25.0)) AS INTEGER) AS school,
           '' AS school_level,
           list_extract({GRADES!r}, g + 1) AS grade,
           CASE WHEN {_r(5)} < 0.49 THEN 'F' ELSE 'M' END AS sex,
           {_pick(RACES, RACE_SHARES, 6)} AS race,
           {_r(7)} < 0.14 AS disability,
           CASE WHEN {_r(7)} < 0.14 THEN list_extract({cats!r}, 1 + CAST(floor({_r(8)} * {len(cats)}) AS INTEGER))
                ELSE '' END AS disability_category,
           {_r(9)} < 0.10 AS english_learner,
           {_r(10)} < 0.45 AS econ_disadvantaged,
           {_r(11)} < 0.01 AS migrant,
           {_r(12)} < 0.025 AS homeless,
           {_r(13)} < 0.005 AS foster_care,
           {outcome(14, 0.87, "g = 12")} AS graduated,
           {outcome(15, 0.03, "g >= 9")} AS dropped_out,
           {outcome(16, 0.45, "(g BETWEEN 3 AND 8) OR g = 11")} AS reading_proficient,
           {outcome(17, 0.40, "(g BETWEEN 3 AND 8) OR g = 11")} AS math_proficient,
           {outcome(18, 0.04)} AS suspended_out_of_school,
           {outcome(19, 0.05)} AS suspended_in_school,
           {outcome(20, 0.002)} AS expelled,
           {outcome(21, 0.15)} AS chronically_absent
    FROM base"""


def make_parquet(path, rows: int = 20_000_000) -> Path:
    """Write the state to ``path`` unless a file of that many rows is there already."""
    import duckdb

    path = Path(path)
    con = duckdb.connect()
    if path.is_file():
        have = con.execute("SELECT sum(num_rows) FROM parquet_file_metadata(?)", [str(path)]).fetchall()[0][0]
        if have == rows:
            return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    con.execute("SET memory_limit = '2GB'")
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"COPY ({select_sql(rows)}) TO '{partial}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)")
    partial.rename(path)
    return path
