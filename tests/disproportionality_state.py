"""A synthetic state for the disproportionality tests: counts in the contract's shape, reproducible.

``random_state(seed)`` draws districts of every size (some with groups under the minimums, so
every rule is hit) over several years; ``planted_state()`` is the small state committed as
tests/files/disproportionality/state_counts.csv (``python -m tests.disproportionality_state``
writes it again).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from successgaps_lib.disproportionality import CATEGORIES, RACES

FILES = Path(__file__).parent / "files" / "disproportionality"
#: Typical shares of enrolment by group and risks by category (rough national magnitudes).
SHARES = np.array([0.28, 0.01, 0.05, 0.15, 0.004, 0.45, 0.056])
RISKS = {"identification": 0.14, "identification_id": 0.009, "identification_sld": 0.05, "identification_emd": 0.007,
         "identification_sli": 0.025, "identification_ohi": 0.02, "identification_aut": 0.015,
         "placement_lt40": 0.13, "placement_separate": 0.03, "discipline_oss_le10": 0.06, "discipline_oss_gt10": 0.01,
         "discipline_iss_le10": 0.05, "discipline_iss_gt10": 0.004, "discipline_removals": 0.2}


def random_state(seed: int = 0, *, districts: int = 12, years=(2022, 2023, 2024), tilt: float = 2.5) -> pd.DataFrame:
    """Counts for a random state: ``tilt`` raises one random group's risks in some districts."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(districts):
        size = int(rng.choice([80, 400, 2_000, 10_000, 40_000]) * rng.uniform(0.5, 1.5))
        shares = rng.dirichlet(SHARES * 20)
        favoured = rng.integers(len(RACES)) if rng.random() < 0.5 else None
        for year in years:
            enrolled = rng.multinomial(size, shares)
            factor = np.ones(len(RACES))
            if favoured is not None:
                factor[favoured] = tilt * rng.uniform(0.7, 1.3)
            swd = rng.binomial(enrolled, np.clip(RISKS["identification"] * factor, 0, 0.9))
            for cid, category in CATEGORIES.items():
                if cid == "identification":
                    count, population = swd, enrolled
                elif category.area == "identification":
                    population = enrolled
                    count = rng.binomial(swd, np.clip(RISKS[cid] / RISKS["identification"], 0, 1))
                elif category.area == "placement":
                    population = rng.binomial(swd, 0.85)  # ages 6-21 of the children with disabilities
                    count = rng.binomial(population, np.clip(RISKS[cid] * factor, 0, 0.95))
                elif cid == "discipline_removals":
                    population = swd
                    count = rng.poisson(population * RISKS[cid] * factor)
                else:
                    population = swd
                    count = rng.binomial(population, np.clip(RISKS[cid] * factor, 0, 0.95))
                for r, race in enumerate(RACES):
                    if population[r] == 0 and rng.random() < 0.5:
                        continue  # a group with no children may have no row
                    rows.append((year, f"District {d + 1:02d}", race, cid, int(count[r]), int(population[r])))
    return pd.DataFrame(rows, columns=["year", "district", "race", "category", "count", "population"])


def planted_state() -> pd.DataFrame:
    return random_state(7, districts=8, years=(2022, 2023, 2024), tilt=3.5)


if __name__ == "__main__":
    FILES.mkdir(parents=True, exist_ok=True)
    planted_state().to_csv(FILES / "state_counts.csv", index=False)
