"""The categories of 34 CFR 300.647(b)(3)-(4) and the seven race/ethnicity groups: the one list.

Every other module of the disproportionality package (and the warehouse layer that counts for
it) reads the categories from ``CATEGORIES``: an id (what a counts table's ``category`` column
holds), the area (identification, placement, discipline), the name in plain words, who is
counted in the denominator and at what ages, whether the numerator counts children or
removals, and the paragraph of the regulation.

* **identification** (b)(3): children ages 3 through 21 identified as children with
  disabilities, all disabilities and the six named impairments; denominator: all children
  of the race/ethnicity group enrolled in the district, ages 3 through 21. The ids are those of
  ``groups.OUTCOMES`` (``identification``, ``identification_id``, ...), one vocabulary.
* **placement** (b)(4)(i)-(ii): children with disabilities ages 6 through 21 inside a regular
  class less than 40% of the day; inside separate schools and residential facilities (not
  homebound or hospital settings, correctional facilities or private schools); denominator:
  children with disabilities of the group, ages 6 through 21.
* **discipline** (b)(4)(iii)-(vii): children with disabilities ages 3 through 21 with
  out-of-school suspensions and expulsions totalling 10 days or fewer, more than 10 days;
  in-school suspensions of 10 days or fewer, more than 10 days; and disciplinary removals in
  total (in- and out-of-school suspensions, expulsions, removals to an interim alternative
  setting by school personnel or a hearing officer). Denominator: children with disabilities
  of the group, ages 3 through 21. Total removals counts *removals*, not children (as the
  EDFacts file of total disciplinary removals does): its "risk" is removals per child and may
  exceed 1.

>>> len(CATEGORIES), [c.id for c in CATEGORIES.values() if c.area == "placement"]
(14, ['placement_lt40', 'placement_separate'])
>>> category_id("Autism"), category_id(" OSS > 10 days "), category_id("total removals")
('identification_aut', 'discipline_oss_gt10', 'discipline_removals')
>>> RACES[0], race_label("MB")
('Hispanic/Latino', 'Black or African American')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..groups import canonical_group, groups_of


@dataclass(frozen=True)
class Category:
    """One category of analysis of 34 CFR 300.647(b)(3)-(4)."""

    id: str
    area: str  # identification | placement | discipline
    name: str  # plain words, as the report's headings say it
    population: str  # who is in the denominator, in plain words
    ages: tuple[int, int]  # ages counted, both included
    counts: str  # "children" or "removals": what the numerator counts
    paragraph: str  # where the regulation lists it
    aliases: tuple[str, ...] = ()


_ENROLLED = "children enrolled in the district"
_SWD = "children with disabilities"

_LIST: tuple[Category, ...] = (
    Category("identification", "identification", "Identification: all disabilities", _ENROLLED, (3, 21),
             "children", "300.647(b)(3)(i)", ("all disabilities", "IDEA", "identification all")),
    Category("identification_id", "identification", "Identification: intellectual disability", _ENROLLED, (3, 21),
             "children", "300.647(b)(3)(ii)(A)", ("ID", "intellectual disability", "intellectual disabilities",
                                                   "MR", "IDEA_ID")),
    Category("identification_sld", "identification", "Identification: specific learning disability", _ENROLLED,
             (3, 21), "children", "300.647(b)(3)(ii)(B)", ("SLD", "specific learning disability",
                                                            "specific learning disabilities", "IDEA_SLD")),
    Category("identification_emd", "identification", "Identification: emotional disturbance", _ENROLLED, (3, 21),
             "children", "300.647(b)(3)(ii)(C)", ("EMD", "ED", "EMN", "emotional disturbance", "IDEA_EMD")),
    Category("identification_sli", "identification", "Identification: speech or language impairment", _ENROLLED,
             (3, 21), "children", "300.647(b)(3)(ii)(D)", ("SLI", "speech or language impairment",
                                                            "speech or language impairments", "speech language",
                                                            "IDEA_SLI")),
    Category("identification_ohi", "identification", "Identification: other health impairment", _ENROLLED, (3, 21),
             "children", "300.647(b)(3)(ii)(E)", ("OHI", "other health impairment", "other health impairments",
                                                   "IDEA_OHI")),
    Category("identification_aut", "identification", "Identification: autism", _ENROLLED, (3, 21), "children",
             "300.647(b)(3)(ii)(F)", ("AUT", "autism", "IDEA_AUT")),
    Category("placement_lt40", "placement", "Placement: inside a regular class less than 40% of the day", _SWD,
             (6, 21), "children", "300.647(b)(4)(i)", ("RC39LT", "regular class less than 40%", "lt40",
                                                       "less than 40%")),
    Category("placement_separate", "placement", "Placement: separate schools and residential facilities", _SWD,
             (6, 21), "children", "300.647(b)(4)(ii)", ("SS RF", "separate schools and residential facilities",
                                                        "separate", "separate school")),
    Category("discipline_oss_le10", "discipline",
             "Discipline: out-of-school suspensions and expulsions of 10 days or fewer", _SWD, (3, 21), "children",
             "300.647(b)(4)(iii)", ("OSS <= 10 days", "OSS 10 days or fewer", "OSS le10", "SSE10")),
    Category("discipline_oss_gt10", "discipline",
             "Discipline: out-of-school suspensions and expulsions of more than 10 days", _SWD, (3, 21), "children",
             "300.647(b)(4)(iv)", ("OSS > 10 days", "OSS more than 10 days", "OSS gt10", "SSG10")),
    Category("discipline_iss_le10", "discipline", "Discipline: in-school suspensions of 10 days or fewer", _SWD,
             (3, 21), "children", "300.647(b)(4)(v)", ("ISS <= 10 days", "ISS 10 days or fewer", "ISS le10",
                                                       "ISSE10")),
    Category("discipline_iss_gt10", "discipline", "Discipline: in-school suspensions of more than 10 days", _SWD,
             (3, 21), "children", "300.647(b)(4)(vi)", ("ISS > 10 days", "ISS more than 10 days", "ISS gt10",
                                                        "ISSG10")),
    Category("discipline_removals", "discipline", "Discipline: disciplinary removals in total", _SWD, (3, 21),
             "removals", "300.647(b)(4)(vii)", ("total removals", "total disciplinary removals", "removals",
                                                "TOTREM")),
)

#: The categories in the regulation's order, by id.
CATEGORIES: dict[str, Category] = {c.id: c for c in _LIST}
#: The areas, in the regulation's order.
AREAS: dict[str, str] = {"identification": "Identification", "placement": "Placement", "discipline": "Discipline"}
#: The seven race/ethnicity groups of 300.647(b)(2), Hispanic/Latino of any race first (groups.py's labels).
RACES: tuple[str, ...] = tuple(groups_of("race"))


def _fold(text: object) -> str:
    return re.sub(r"[^a-z0-9<>]+", "", str(text).lower().replace("<=", "le").replace(">", "gt"))


_INDEX: dict[str, str] = {}
for _c in _LIST:
    for _name in (_c.id, _c.name, _c.name.split(": ", 1)[1], *_c.aliases):
        _INDEX.setdefault(_fold(_name), _c.id)


def category_id(name: object) -> str:
    """The id of a category named by id, plain name or a common code; KeyError if unknown."""
    try:
        return _INDEX[_fold(name)]
    except KeyError:
        raise KeyError(name) from None


def race_label(name: object) -> str:
    """The canonical label of one of the seven race/ethnicity groups (code or name); KeyError otherwise."""
    label = canonical_group(name, None)
    if label not in RACES:
        raise KeyError(name)
    return label
