"""Significant disproportionality (IDEA, 34 CFR 300.646-647): the state's yearly determination.

A state computes, for every district (LEA), race/ethnicity group and category of the
regulation (identification, placement, discipline), a risk ratio against all other children
in the district, or the alternate risk ratio against all other children in the state when
the district's comparison group is too small; then identifies the districts whose ratio is
above the state's threshold for the years the state chose, unless they made reasonable
progress. ``successgaps disproportionality FILE --config state.yml`` runs it all.

One module, one job:

* ``categories``: the fourteen categories and the seven groups (the one list);
* ``counts``: THE counts table the method reads (its columns are the contract every source
  follows: a file, student records, a warehouse query), checks and counting from students;
* ``settings``: the state's choices from ``state.yml``, checked;
* ``method``: the pure computation, ratios and determinations;
* ``read``: a file (CSV, Excel, Parquet; counts or student records) with an optional mapping;
* ``report``: what is published, through the privacy layer: CSV, HTML and PDF.

This package imports ``metrics``-level modules and ``privacy``; they never import it.
"""

from .categories import AREAS, CATEGORIES, RACES, Category, category_id, race_label
from .counts import COLUMNS, as_counts, counts_from_students
from .method import determinations, district_determinations, risk_ratios
from .settings import Settings, parse_settings, read_settings

__all__ = ["AREAS", "CATEGORIES", "COLUMNS", "RACES", "Category", "Settings", "as_counts", "category_id",
           "counts_from_students", "determinations", "district_determinations", "parse_settings", "race_label",
           "read_settings", "risk_ratios"]
