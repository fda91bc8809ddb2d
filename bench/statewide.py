"""A synthetic state: millions of canonical student-year records, made fast and reproducibly.

Only for benchmarks: the rates are plausible, not realistic, and nothing is planted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from successgaps_lib import groups as vocab
from successgaps_lib.table import STUDENT_OUTCOMES

RACE_CODES = np.array([vocab.GROUPS[label].value for label in vocab.groups_of("race")])
RACE_SHARES = np.array([0.27, 0.01, 0.06, 0.15, 0.005, 0.455, 0.05])
GRADES = np.array(["KG"] + [f"{g:02d}" for g in range(1, 13)])


def make_state(rows: int = 2_000_000, districts: int = 500, years: int = 4, seed: int = 0) -> pd.DataFrame:
    """Student-year records for ``districts`` districts over ``years`` years (about ``rows`` rows)."""
    rng = np.random.default_rng(seed)
    # district sizes are skewed, like real states: a few large, many small
    size = rng.lognormal(0, 1.0, districts)
    district_of = rng.choice(districts, rows, p=size / size.sum())
    schools_in = np.maximum(1, np.round(size / size.mean() * 10)).astype(int)
    school_of = (rng.random(rows) * schools_in[district_of]).astype(int)
    n = rows
    race = RACE_CODES[rng.choice(len(RACE_CODES), n, p=RACE_SHARES / RACE_SHARES.sum())]
    frame = pd.DataFrame({
        "student_id": np.char.add("B", np.arange(n).astype(str)),
        "year": 2026 - years + rng.integers(1, years + 1, n),
        "district": pd.Categorical.from_codes(district_of, [f"District {d:03d}" for d in range(districts)]),
        "school": np.char.add(np.char.add(np.char.add("D", district_of.astype(str)), "-S"), school_of.astype(str)),
        "school_level": "",
        "grade": GRADES[rng.integers(0, len(GRADES), n)],
        "sex": np.where(rng.random(n) < 0.49, "F", "M"),
        "race": race,
        "disability": rng.random(n) < 0.14,
        "english_learner": rng.random(n) < 0.10,
        "econ_disadvantaged": rng.random(n) < 0.45,
        "migrant": rng.random(n) < 0.01,
        "homeless": rng.random(n) < 0.025,
        "foster_care": rng.random(n) < 0.005,
    })
    frame["district"] = frame["district"].astype(str)
    categories = np.array(list(vocab.DISABILITY_CATEGORIES))
    frame["disability_category"] = np.where(frame["disability"], categories[rng.integers(0, len(categories), n)], "")
    grade = np.searchsorted(GRADES, frame["grade"].to_numpy())  # position: KG=0 .. 12
    at_risk = {
        "graduated": grade == 12, "dropped_out": grade >= 9,
        "reading_proficient": (grade >= 3) & (grade <= 8) | (grade == 11),
        "math_proficient": (grade >= 3) & (grade <= 8) | (grade == 11),
    }
    base = {"graduated": 0.87, "dropped_out": 0.03, "reading_proficient": 0.45, "math_proficient": 0.40,
            "suspended_out_of_school": 0.04, "suspended_in_school": 0.05, "expelled": 0.002,
            "chronically_absent": 0.15}
    for column in STUDENT_OUTCOMES:
        values = (rng.random(n) < base[column]).astype(np.float64)
        if column in at_risk:
            values[~at_risk[column]] = np.nan
        frame[column] = values
    return frame
