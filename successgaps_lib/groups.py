"""The workbook's vocabulary: groups of children, outcomes, team roles, meetings.

This module is the one source of truth for every list the product uses.
Loaders translate whatever a file says (EDFacts codes, plain names, common
spellings) into the canonical labels defined here; everything downstream
(metrics, screening, charts, notebooks, handouts) speaks only canonical labels.

>>> canonical_group("MB")
'Black or African American'
>>> canonical_group(" hispanic ")
'Hispanic/Latino'
>>> canonical_outcome("GRAD")
'graduation'
>>> GROUPS["English learners"].dimension
'english_learner'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ALL_STUDENTS = "All students"


@dataclass(frozen=True)
class Group:
    """One group of children: a value of one student attribute (a *dimension*)."""

    label: str  # canonical label, shown to people
    dimension: str  # student-record column the group is defined on
    value: object  # value of that column that puts a child in the group
    code: str  # EDFacts code
    aliases: tuple[str, ...] = ()
    focal: bool = True  # screened as a possible target group (complements are not)
    complement: str | None = None  # label of "everyone else in this dimension", if named


def _g(label, dimension, value, code, *aliases, focal=True, complement=None):
    return Group(label, dimension, value, code, tuple(aliases), focal, complement)


# Order matters: it is the order of tables and chart legends. Race/ethnicity follows
# 34 CFR 300.647: Hispanic/Latino of any race first, then the non-Hispanic groups.
_GROUP_LIST: tuple[Group, ...] = (
    _g("Hispanic/Latino", "race", "MHL", "MHL", "HI", "Hispanic", "Latino", "Hispanic or Latino",
       "Hispanic/Latino of any race", "Hispanic / Latino"),
    _g("American Indian or Alaska Native", "race", "MAN", "MAN", "AM", "AI", "AIAN", "American Indian",
       "American Indian/Alaska Native", "Native American"),
    _g("Asian", "race", "MA", "MA", "AS"),
    _g("Black or African American", "race", "MB", "MB", "BL", "Black", "African American",
       "Black/African American"),
    _g("Native Hawaiian or Other Pacific Islander", "race", "MNP", "MNP", "PI", "NHPI", "Pacific Islander",
       "Native Hawaiian/Other Pacific Islander", "Native Hawaiian/Pacific Islander"),
    _g("White", "race", "MW", "MW", "WH", "Caucasian"),
    _g("Two or more races", "race", "MM", "MM", "MU", "TR", "Multiracial", "Two or More Races", "Multi-racial"),
    _g("Students with disabilities", "disability", True, "WDIS", "SWD", "IDEA", "Children with disabilities",
       "Students with Disabilities (IDEA)", "Disability", "Special education",
       complement="Students without disabilities"),
    _g("Students without disabilities", "disability", False, "NODIS", "Non-SWD", "Without disabilities",
       "Students without disabilities", focal=False),
    _g("English learners", "english_learner", True, "LEP", "EL", "ELL", "Limited English proficient",
       "English language learners", complement="Non-English learners"),
    _g("Non-English learners", "english_learner", False, "NLEP", "Non-EL", "Not English learner", focal=False),
    _g("Economically disadvantaged", "econ_disadvantaged", True, "ECODIS", "ED", "Low income",
       "Low-income", "FRL", "Free or reduced-price lunch", complement="Not economically disadvantaged"),
    _g("Not economically disadvantaged", "econ_disadvantaged", False, "NECODIS", "Non-ED",
       "Not low income", focal=False),
    _g("Migrant", "migrant", True, "MS", "Migratory", "Migrant students", complement="Non-migrant"),
    _g("Non-migrant", "migrant", False, "NMS", focal=False),
    _g("Homeless", "homeless", True, "HOMELSENRL", "Homeless enrolled", "Homeless students",
       complement="Not homeless"),
    _g("Not homeless", "homeless", False, "NHOMELSENRL", focal=False),
    _g("Foster care", "foster_care", True, "FCS", "Students in foster care", "Foster",
       complement="Not in foster care"),
    _g("Not in foster care", "foster_care", False, "NFCS", focal=False),
    _g("Female", "sex", "F", "F", "FEM", "Girls", "Women"),
    _g("Male", "sex", "M", "M", "MALE", "Boys", "Men"),
)

GROUPS: dict[str, Group] = {g.label: g for g in _GROUP_LIST}

#: The attributes groups are defined on, in display order.
DIMENSIONS: dict[str, str] = {
    "race": "Race/ethnicity",
    "disability": "Disability (IDEA)",
    "english_learner": "English learner",
    "econ_disadvantaged": "Economically disadvantaged",
    "migrant": "Migrant",
    "homeless": "Homeless",
    "foster_care": "Foster care",
    "sex": "Sex",
}

#: Special-education disability categories (IDEA), used for identification by category.
DISABILITY_CATEGORIES: dict[str, str] = {
    "SLD": "Specific learning disability",
    "SLI": "Speech or language impairment",
    "OHI": "Other health impairment",
    "AUT": "Autism",
    "ID": "Intellectual disability",
    "EMD": "Emotional disturbance",
    "DD": "Developmental delay",
    "OTH": "Other disability categories",
}


@dataclass(frozen=True)
class Outcome:
    """An outcome measured as a rate: children with it over the children at risk of it."""

    id: str
    label: str  # short title: "Four-year graduation"
    column: str  # student-record column: 1/0, blank where the child is not in the population at risk
    phrase: str  # completes "X% of <group> ..." in a success gap statement
    higher_is_better: bool
    code: str  # a short code seen in public files
    aliases: tuple[str, ...] = ()
    excluded_dimensions: tuple[str, ...] = ()  # group dimensions this outcome is not screened on
    population: str = "enrolled children"  # who is in the denominator
    related: tuple[str, ...] = field(default=())  # outcomes shown beside this one in data slides


def _o(id, label, column, phrase, better, code, *aliases, excluded=(), population="enrolled children",
       related=()):
    return Outcome(id, label, column, phrase, better, code, tuple(aliases), tuple(excluded), population,
                   tuple(related))


_OUTCOME_LIST: tuple[Outcome, ...] = (
    _o("graduation", "Four-year graduation", "graduated", "graduated in four years with a regular diploma",
       True, "GRAD", "ACGR", "Graduation rate", "Four-year adjusted cohort graduation rate", "graduated",
       population="children in the four-year adjusted cohort", related=("dropout", "chronic_absence")),
    _o("dropout", "Dropout", "dropped_out", "dropped out", False, "DROP", "Dropout rate", "dropped_out",
       population="children enrolled in grades 9-12", related=("graduation", "chronic_absence")),
    _o("reading_proficiency", "Reading proficiency", "reading_proficient",
       "scored proficient or above in reading", True, "RLA", "Reading", "ELA", "Reading/language arts",
       "reading_proficient", population="children tested in reading",
       related=("math_proficiency", "chronic_absence")),
    _o("math_proficiency", "Math proficiency", "math_proficient", "scored proficient or above in math",
       True, "MTH", "Math", "Mathematics", "math_proficient", population="children tested in math",
       related=("reading_proficiency", "chronic_absence")),
    _o("suspension_out_of_school", "Out-of-school suspension", "suspended_out_of_school",
       "were suspended out of school", False, "OSS", "Out of school suspension", "suspended_out_of_school",
       related=("suspension_in_school", "expulsion", "chronic_absence")),
    _o("suspension_in_school", "In-school suspension", "suspended_in_school", "were suspended in school",
       False, "ISS", "In school suspension", "suspended_in_school",
       related=("suspension_out_of_school", "chronic_absence")),
    _o("expulsion", "Expulsion", "expelled", "were expelled", False, "EXP", "Expulsions", "expelled",
       related=("suspension_out_of_school",)),
    _o("chronic_absence", "Chronic absence", "chronically_absent",
       "were chronically absent (missed 10% or more of school days)", False, "CHRABS", "Chronic absenteeism",
       "chronically_absent", related=("suspension_out_of_school", "reading_proficiency")),
    _o("identification", "Identification for special education", "identified",
       "were identified for special education", False, "IDEA", "Identification", "Special education identification",
       excluded=("disability",), related=("suspension_out_of_school",)),
) + tuple(
    _o(f"identification_{code.lower()}", f"Identification: {label.lower()}", f"identified_{code.lower()}",
       f"were identified for special education with {label.lower()}", False, f"IDEA_{code}",
       excluded=("disability",), related=("identification",))
    for code, label in DISABILITY_CATEGORIES.items()
)

OUTCOMES: dict[str, Outcome] = {o.id: o for o in _OUTCOME_LIST}

#: Comparison groups a gap can be measured against (design.md section 2).
COMPARISONS: dict[str, str] = {
    "all_other": "all other children",
    "all": "all children",
    "group": "a named group",
    "state": "the state rate",
}


# --- The team and the meetings -------------------------------------------------------------

@dataclass(frozen=True)
class Role:
    id: str
    label: str
    required: bool = True


ROLES: dict[str, Role] = {r.id: r for r in (
    Role("parent", "Parent of a child in the target group"),
    Role("student", "Student from the target group", required=False),
    Role("general_education_teacher", "General education teacher"),
    Role("special_education_teacher", "Special education teacher"),
    Role("support_staff", "Support staff (counselor, psychologist, social worker, aide)"),
    Role("leader", "Leader with authority to act (principal, district administrator)"),
    Role("community", "Community member"),
    Role("facilitator", "Facilitator", required=False),
    Role("data_lead", "Data lead", required=False),
)}


@dataclass(frozen=True)
class Meeting:
    number: int
    title: str
    notebook: str  # stem of the notebook in notebooks/ that serves it


MEETINGS: dict[int, Meeting] = {m.number: m for m in (
    Meeting(1, "Getting started", "01_getting_started"),
    Meeting(2, "Rubric review: data and culture", "02_rubric_review"),
    Meeting(3, "Rubric review: instruction and assessment", "02_rubric_review"),
    Meeting(4, "Rubric review: interventions and supports", "02_rubric_review"),
    Meeting(5, "Root causes", "05_root_causes_and_plan"),
    Meeting(6, "Action plan", "05_root_causes_and_plan"),
    Meeting(7, "Implementation and progress review", "07_monitoring"),
)}

#: Rubric rating scale, lowest first.
RATING_SCALE: tuple[str, ...] = ("Planning", "Partially implemented", "Implemented", "Exemplary")

#: The team agrees on at most this many actionable root causes.
MAX_ROOT_CAUSES = 5

#: Status of an action-plan activity, in the order work moves through them.
ACTIVITY_STATUSES: tuple[str, ...] = ("Not started", "In progress", "Completed", "On hold", "Discontinued")

#: What a SMART goal's baseline and target measure: the target group's own rate, or the gap
#: (the group's rate minus its comparison's, a difference in percentage points).
GOAL_MEASURES: dict[str, str] = {
    "rate": "the group's rate",
    "difference": "the gap (difference from the comparison, in percentage points)",
}


# --- Looking names up ----------------------------------------------------------------------

def _key(text: object) -> str:
    """Fold a name for lookup: case, spacing, punctuation and a BOM do not matter."""
    return re.sub(r"[^a-z0-9]+", "", str(text).lower().replace("\ufeff", ""))


def _index(items, names):
    index: dict[str, str] = {}
    for item in items:
        for name in names(item):
            index.setdefault(_key(name), item_label(item))
    return index


def item_label(item) -> str:
    return item.label if isinstance(item, Group) else item.id


_GROUP_INDEX = _index(_GROUP_LIST, lambda g: (g.label, g.code, *g.aliases))
_GROUP_INDEX[_key(ALL_STUDENTS)] = ALL_STUDENTS
for _alias in ("ALL", "All", "Total", "All children", "District total", "TOT"):
    _GROUP_INDEX.setdefault(_key(_alias), ALL_STUDENTS)
_OUTCOME_INDEX = _index(_OUTCOME_LIST, lambda o: (o.id, o.label, o.code, o.column, *o.aliases))


_RAISE = object()


def canonical_group(name: object, default=_RAISE):
    """The canonical label for a group named by code, label or alias.

    An unknown name raises KeyError, or returns ``default`` when one is given.

    >>> canonical_group("WDIS"), canonical_group("Martians", None)
    ('Students with disabilities', None)
    """
    try:
        return _GROUP_INDEX[_key(name)]
    except KeyError:
        if default is not _RAISE:
            return default
        raise KeyError(name) from None


def canonical_outcome(name: object) -> str:
    """The canonical id for an outcome named by id, label, code or alias; KeyError if unknown."""
    try:
        return _OUTCOME_INDEX[_key(name)]
    except KeyError:
        raise KeyError(name) from None


def focal_groups(dimension: str | None = None) -> list[str]:
    """Labels of the groups screened as possible targets, optionally of one dimension."""
    return [g.label for g in _GROUP_LIST if g.focal and (dimension is None or g.dimension == dimension)]


def groups_of(dimension: str) -> list[str]:
    """Every group label of one dimension, complements included, in display order."""
    return [g.label for g in _GROUP_LIST if g.dimension == dimension]
