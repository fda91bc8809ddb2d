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


# --- Intersections: two groups at once ---------------------------------------------------------

#: How an intersection's label joins its parts, as ``aggregate.count_students`` writes it.
SEP = " × "

# Separators a person may type for an intersection: "×", "*", " x " or " by ".
_SEPARATORS = re.compile(r"\s*[×*]\s*|\s+(?:x|X|by)\s+")

#: How a group qualifies another when it comes second: "Hispanic/Latino students *with disabilities*".
_QUALIFIERS: dict[str, str] = {
    "Students with disabilities": "with disabilities",
    "Students without disabilities": "without disabilities",
    "English learners": "who are English learners",
    "Non-English learners": "who are not English learners",
    "Economically disadvantaged": "who are economically disadvantaged",
    "Not economically disadvantaged": "who are not economically disadvantaged",
    "Migrant": "who are migratory",
    "Non-migrant": "who are not migratory",
    "Homeless": "who are homeless",
    "Not homeless": "who are not homeless",
    "Foster care": "in foster care",
    "Not in foster care": "not in foster care",
    "Two or more races": "of two or more races",
}


def intersection(first: str, second: str) -> str:
    """The label of the children in both groups, as ``Exploration.intersection`` names them.

    >>> intersection("hispanic", "SWD")
    'Hispanic/Latino × Students with disabilities'
    >>> intersection("White", "Asian")
    Traceback (most recent call last):
    ...
    KeyError: 'White and Asian are both race/ethnicity: an intersection joins two dimensions'
    """
    a, b = canonical_group(first), canonical_group(second)
    if ALL_STUDENTS in (a, b):
        raise KeyError(f"{ALL_STUDENTS} is not a group to intersect")
    if GROUPS[a].dimension == GROUPS[b].dimension:
        raise KeyError(f"{a} and {b} are both {DIMENSIONS[GROUPS[a].dimension].lower()}: "
                       "an intersection joins two dimensions")
    return f"{a}{SEP}{b}"


def parts(label: str) -> tuple[str, ...]:
    """The single groups of a canonical label: one for a group, two for an intersection.

    >>> parts("Black or African American × Students with disabilities")
    ('Black or African American', 'Students with disabilities')
    >>> parts("English learners")
    ('English learners',)
    """
    return tuple(label.split(SEP))


def dimensions_of(label: str) -> tuple[str, ...]:
    """The dimensions a canonical label is defined on (empty for All students or an unknown label).

    >>> dimensions_of("Asian × Female"), dimensions_of("Migrant"), dimensions_of("Martians")
    (('race', 'sex'), ('migrant',), ())
    """
    groups = [GROUPS.get(p) for p in parts(label)]
    return () if None in groups else tuple(g.dimension for g in groups)


def is_intersection(label: str) -> bool:
    """Whether a canonical label names two groups at once.

    >>> is_intersection("Asian × Female"), is_intersection("Asian")
    (True, False)
    """
    return len(dimensions_of(label)) == 2


def canonical_label(name: object) -> str:
    """A group or an intersection named as a person may type it, as its canonical label.

    Intersections keep the order they are named in; each part may be a code or an alias.
    KeyError when a part is unknown or both parts are of one dimension.

    >>> canonical_label("MHL x WDIS"), canonical_label("Black × Students with disabilities")
    ('Hispanic/Latino × Students with disabilities', 'Black or African American × Students with disabilities')
    >>> canonical_label("EL by SWD"), canonical_label("lep")
    ('English learners × Students with disabilities', 'English learners')
    """
    pieces = typed_parts(name)
    if len(pieces) == 2:
        return intersection(*pieces)
    if len(pieces) != 1:
        raise KeyError(name)
    return canonical_group(pieces[0])


def typed_parts(name: object) -> list[str]:
    """The parts of a group as a person typed it, not yet looked up.

    >>> typed_parts("Black x SWD"), typed_parts("White"), typed_parts("Asian × Female")
    (['Black', 'SWD'], ['White'], ['Asian', 'Female'])
    """
    return [p for p in _SEPARATORS.split(str(name).strip()) if p]


def excluded(label: str, outcome: str) -> bool:
    """Whether an outcome is not measured for a group (or an intersection: for either of its parts).

    >>> excluded("Asian × Students with disabilities", "identification"), excluded("Asian", "identification")
    (True, False)
    """
    return outcome in OUTCOMES and any(d in OUTCOMES[outcome].excluded_dimensions for d in dimensions_of(label))


def noun(label: str) -> str:
    """The group as the noun of a sentence: "61% of <noun> graduated".

    Race labels and "English learners" keep their capitals, adjectives gain "students", and an
    intersection reads as one group of children: the first part's noun, qualified by the second.

    >>> [noun(g) for g in ("Students with disabilities", "English learners", "Homeless", "White",
    ...                    "Two or more races", "Not in foster care")]
    ['students with disabilities', 'English learners', 'homeless students', 'White students', \
'students of two or more races', 'students not in foster care']
    >>> noun("Hispanic/Latino × Students with disabilities"), noun("English learners × Students with disabilities")
    ('Hispanic/Latino students with disabilities', 'English learners with disabilities')
    >>> noun("Black or African American × Female"), noun("Students with disabilities × Hispanic/Latino")
    ('Black or African American female students', 'students with disabilities who are Hispanic/Latino')
    """
    if label == ALL_STUDENTS:
        return "all children"
    pieces = parts(label)
    if len(pieces) == 2 and all(p in GROUPS for p in pieces):
        first, second = noun(pieces[0]), GROUPS[pieces[1]]
        if second.dimension == "sex":
            adjective = second.label.lower()
            return first.replace("students", f"{adjective} students", 1) if "students" in first \
                else f"{adjective} {first}"
        return f"{first} {_QUALIFIERS.get(second.label) or 'who are ' + second.label}"
    group = GROUPS.get(label)
    if group is None:  # a label from elsewhere: say it as it is
        return label
    keep_case = group.dimension == "race" or label.split()[0] in {"English", "Non-English"}
    text = label if keep_case else label[0].lower() + label[1:]
    if re.search(r"\b(students|learners|children)\b", text):
        return text
    if text.lower().startswith("not ") or text.lower().endswith(" races"):
        joiner = " of " if text.lower().endswith(" races") else " "
        return "students" + joiner + text[0].lower() + text[1:]
    return f"{text} students"


def dimension_key(label: str) -> str:
    """The dimension of a group, or "first × second" for an intersection (a key of charts and tables).

    >>> dimension_key("Asian"), dimension_key("Asian × Students with disabilities")
    ('race', 'race × disability')
    """
    return SEP.join(dimensions_of(label))


def dimension_title(key: str) -> str:
    """A dimension key (``dimension_key``) as people read it.

    >>> dimension_title("race"), dimension_title("race × disability")
    ('Race/ethnicity', 'Race/ethnicity × Disability (IDEA)')
    """
    return SEP.join(DIMENSIONS.get(d, d) for d in key.split(SEP))


_POSITION = {g.label: i for i, g in enumerate(_GROUP_LIST)}


def display_order(label: str) -> tuple[int, ...]:
    """Sort key: groups (and each part of an intersection) in the order of tables and legends.

    >>> sorted(["White × Female", "Asian × Male", "Asian × Female"], key=display_order)
    ['Asian × Female', 'Asian × Male', 'White × Female']
    """
    return tuple(_POSITION.get(p, len(_POSITION)) for p in parts(label))
