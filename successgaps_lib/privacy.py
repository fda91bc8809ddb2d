"""The privacy layer: every table or chart shown to an audience passes through ``protect``.

Handouts, slides, dashboards and exports go to parents and community members (design.md
section 3). ``protect(table)`` returns a *new* table in which no count or rate built on fewer
than ``min_size`` children (default 10), and nothing that would let a reader work one out from
totals or from other cells, is left. ``protect(table, audience=False)`` is the explicit
data-team mode: the figures are unchanged, only marked. ``require_protected(table)`` raises
``PrivacyError`` for a table that did not pass through the layer; charts and handouts call it.
``display(table)`` gives the strings to show.

The rules (``min_size`` = m, default 10)
---------------------------------------

*Primary suppression*, for a cell of a group (``a`` children with the outcome out of ``n``):

1. a group of 1 to m-1 children (``1 <= n < m``): everything is hidden (numerator,
   denominator, rate and whatever is computed from them);
2. fewer than m children *with* the outcome or fewer than m *without* it
   (``a < m`` or ``n - a < m``, for ``n >= 1``): the numerator and the rate are hidden, the
   group size stays. This includes ``a = 0`` and ``a = n``: "none of the 14 children was
   suspended" tells every parent of those 14 something about their own child;
3. an empty group (``n = 0``) is shown as 0: it is about no child. (It does tell that no
   child of the place is in the group, as does the missing row ``aggregate`` gives an empty
   group; that fact is treated as public.)

*Complementary suppression*. Hidden cells must not come back by subtraction. The layer
knows which cells add up to which (a *partition*):

* the groups of one dimension add up to All students, per year, district, school and
  outcome (the seven race/ethnicity groups; a group and its complement for binary
  dimensions; Female and Male); intersection groups "A × B" (``aggregate``) add up to A
  and to B;
* the schools of a district add up to the district row, per year, group and outcome;
* the identification categories (``identification_*``) add up to identification;
* outcomes measured on the same children (``OUTCOMES[o].population``) share their
  denominator, and the children identified for special education are the enrolled
  students with disabilities: such cells are hidden together.

First the engine *completes* the table with what a reader can compute from it, as virtual
cells that are never shown but obey every rule: an All students row summed from a complete
dimension (a race group with no row counts as empty, as in ``aggregate``'s output), the
missing half of a binary group (All minus the group), "(other race)" (children in no race
row), "(other schools)" (the district minus the schools listed), a group A summed from all
its intersections "A × B", and the number identified for special education read from the
enrollment of students with disabilities. Hiding a virtual cell forces the shown cells it is
computed from to be hidden.

Then, in every partition whose total can be read, a hidden cell never stands alone (one
hidden cell is the total minus the others), and the hidden cells *taken together* must pass
rules 1 and 2 (at least m children, at least m with and m without the outcome), so the
subtraction ``total - shown cells`` only ever reveals a group of m or more, shared by two
cells or more. When this fails, the next-smallest shown cell is hidden too (the smallest one
that makes the sum pass if there is one; the total itself when no cell is left), and this
repeats across all partitions until nothing changes. A hidden total is protected the same
way: its shown members must not add up to it.

*The exact audit.* Partitions checked one at a time miss what they pin down together: in a
table of schools by race with known margins, two schools hiding the same two race groups close
a rectangle whose total is then known, and a third hidden cell in one of those columns is that
column's remainder. So when the rules above are satisfied, ``pinned.determined`` takes every
partition that adds up (on the true figures) as an equation over the hidden figures (a size
being one unknown for every outcome on the same children) and finds those every solution
agrees on; beside each, the smallest shown figure of one of its partitions is hidden, and the
rules run again, until the audit finds nothing. A numerator is always hidden with its
denominator. Rows of an outcome that is not measured on the group's dimension
(identification for special education of students with or without disabilities: every one,
or none, by definition) have their numerators hidden from the start: they tell an audience
nothing, and shown they would force other cells to be hidden.

What this guards against, and what not: a reader who knows every figure shown (in every
table built from the same counts, so pass ``counts=`` when protecting a GAPS table shown
beside them), every way the figures add up, and that every figure lies between 0 and its
group's size, cannot pin down a hidden figure nor a group of 1 to m-1 children
(``tests/test_privacy.py`` checks this with linear programs on random districts, and
``tests/test_privacy_published.py`` on everything ``screen --out`` writes, read back from the file). It does
not audit bounds on cross-classified groups that no table shows (girls with disabilities,
when only sex and disability are published, bounded through identification counts by sex);
that would need an exact audit of linked tables, which statistical agencies run on small
tables, not on every slide.

*Tables of rows* (GAPS, composition). A hidden row shows none of its figures, so hiding rows
can leave out a figure the engine meant to show: a group's size at a school, hidden with the
row of every outcome measured on those children while another outcome's rows at the other
schools and the district show theirs (issue 9: the size came back as the district's minus the
other schools'). Every figure a table has a column for but shows in none of its rows is hidden
in the engine too (a size for every outcome on the same children, the enrolled population,
identification and disability enrolment alike), and suppression runs again, until no row
changes; the tables of one call to ``protect`` are coordinated so. Tables protected by separate
calls share the engine's view of the counts (pass ``counts=``) but not each other's left-out
figures.

The "all other children" comparison of a GAPS table (``n_all - n_group``) is the other half
of a binary partition, so it is covered by the same rule: when the group is hidden, so is
its comparison, and the other way round. A GAPS row whose group or comparison is hidden
keeps no count, rate, difference, ratio or interval: only its labels and ``reason``
(``REASON``). Because a rank would tell where the hidden gap stood, such rows move to the
end of the table (in label order), ``rank`` is renumbered over the rows that remain, and
a streak of flagged years (``years_flagged``) stops at a year whose row is hidden, and counts
only years the table holds (a table of one year, from ``screen(years=...)``, shows streaks of
at most 1: earlier years it does not hold may have been hidden).

*Display.* A hidden count or rate is shown as ``"*"`` whatever the reason it was hidden: a
table that wrote "<10" for the small cell and "*" for its complementary partner would tell
a reader that the partner holds at least 10, and the pair could then be pinned down by
subtraction. A hidden value never shows as a range in a table for the same reason.

*Top and bottom coding* applies to rates shown without their counts (a state's published
rate, a rate from a registered table kind): a rate of exactly 0% or 100% is never printed,
and a rate whose implied count (``rate x n``, or ``(1 - rate) x n``) is under m is shown only
as a bound, ``"<b%"`` or ``">(100-b)%"``, where b is the smallest of 1, 2, 5, 10, 20, 50%
with ``b x n >= m`` (so the bound is true of any count under m); when even 50% is too tight
(``n < 2m``) the rate is hidden. A rate shown beside its counts already passed rule 2, so it
is never coded.

Kinds of table
--------------

``protect`` recognises a table from its columns: ``"counts"`` (the canonical counts table,
``table.py``), ``"gaps"`` (the GAPS table of ``metrics.compare`` and ``screen.screen``) and
``"composition"`` (``metrics.composition``). ``register_kind(name, detector, protector)``
plugs in another shape; a table of no known kind is refused, never passed through.

>>> import pandas as pd
>>> from successgaps_lib.table import as_counts
>>> counts = as_counts(pd.DataFrame({"year": 2025, "district": "D", "school": "",
...     "outcome": "graduation", "group": ["All students", "Students with disabilities",
...     "Students without disabilities"], "numerator": [300, 5, 295], "denominator": [340, 8, 332]}))
>>> shown = protect(counts)
>>> display(shown)[["group", "numerator", "denominator", "rate"]].values.tolist()
[['All students', '300', '340', '88.2%'], ['Students with disabilities', '*', '*', '*'], \
['Students without disabilities', '*', '*', '*']]
>>> require_protected(counts)
Traceback (most recent call last):
...
successgaps_lib.errors.PrivacyError: this table has not passed through privacy.protect(): \
call protect(table) before it is shown (or protect(table, audience=False) for the data team only)
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from successgaps_lib.errors import PrivacyError
from successgaps_lib.groups import ALL_STUDENTS, GROUPS, OUTCOMES, canonical_group, groups_of
from successgaps_lib.table import DISTRICT_LEVEL, KEY

#: Default minimum group size: no count or rate on fewer children reaches an audience.
MIN_SIZE = 10
#: How a hidden count or rate is shown.
SUPPRESSED = "*"
#: How a value that is unknown (suppressed in the source file, or not applicable) is shown.
UNKNOWN = "n/a"
#: ``reason`` of a GAPS or composition row hidden by this layer.
REASON = "suppressed to protect privacy"
#: Bounds used by top and bottom coding, smallest first.
CODING_BOUNDS = (0.01, 0.02, 0.05, 0.10, 0.20, 0.50)
#: Flag columns added by ``protect`` (``display`` drops them).
NUMERATOR_FLAG, DENOMINATOR_FLAG, ROW_FLAG = "numerator_suppressed", "denominator_suppressed", "suppressed"

_SEP = " × "  # intersection groups, as aggregate.count_students labels them
_IDENTIFICATION = "identification"
_CATEGORY_PREFIX = "identification_"
# Columns of a GAPS table that identify a row: kept on a hidden row.
GAP_LABELS = ("year", "district", "school", "dimension", "group", "outcome", "comparison", "confidence")
_COMPARISON_ALL_OTHER, _COMPARISON_ALL = "all other children", "all children"


# --- The engine: which cells of a counts table to hide ----------------------------------------

def _check_min_size(min_size) -> int:
    if isinstance(min_size, bool) or not isinstance(min_size, (int, np.integer)) or min_size < 1:
        raise ValueError(f"min_size must be a whole number of children, 1 or more, not {min_size!r}")
    return int(min_size)


def primary(a, n, *, min_size: int = MIN_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Rules 1 and 2: (numerator hidden, denominator hidden) for each cell; NaN = unknown.

    >>> num, den = primary([0, 5, 10, 10, 3, 9], [0, 40, 40, 20, 9, float("nan")])
    >>> num.tolist(), den.tolist()
    ([False, True, False, False, True, True], [False, False, False, False, True, False])
    """
    m = _check_min_size(min_size)
    a, n = np.asarray(a, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore"):
        den = (n > 0) & (n < m)
        num = den | ((n > 0) & ((a < m) | (n - a < m))) | (np.isnan(n) & (a < m))
    return num, den


@dataclass(frozen=True)
class _Family:
    """Partitions: members[i] belongs to partition pid[i]; total[p] is its total row (-1: none)."""

    kinds: tuple[int, ...]  # 0 = numerator, 1 = denominator
    members: np.ndarray
    pid: np.ndarray
    total: np.ndarray


def _dense(*codes: np.ndarray) -> tuple[np.ndarray, int]:
    """One dense id per distinct combination of integer code arrays (all the same length)."""
    if not len(codes[0]):
        return np.zeros(0, dtype=np.int64), 0
    key = np.zeros(len(codes[0]), dtype=np.int64)
    for c in codes:
        c = np.asarray(c, dtype=np.int64)
        key = key * (int(c.max()) + 2) + (c + 1)
    ids, uniques = pd.factorize(key)  # hashing: much faster than sorting
    return ids.astype(np.int64), len(uniques)


def _family(kinds, member_mask, base_codes, split, total_mask) -> _Family | None:
    """Partitions of the ``member_mask`` rows.

    A partition is one combination of ``base_codes`` and ``split`` (e.g. place and outcome,
    and dimension); its total is the ``total_mask`` row with the same ``base_codes``.
    """
    members = np.flatnonzero(member_mask)
    if not len(members):
        return None
    totals = np.flatnonzero(total_mask)
    both = [np.concatenate([c[members], c[totals]]) for c in base_codes]
    base, count = _dense(*both)
    total_of_base = np.full(count, -1, dtype=np.int64)
    total_of_base[base[len(members):]] = totals
    member_base = base[: len(members)]
    pid, npid = _dense(member_base, np.asarray(split)[members])
    total = np.full(npid, -1, dtype=np.int64)
    total[pid] = total_of_base[member_base]
    return _Family(tuple(kinds), members, pid, total)


class _Cells:
    """A counts table reduced to integer codes, with the partitions and links between its cells.

    The first ``size`` rows are the table's. The engine then *completes* the table with what a
    reader can compute from it, as virtual rows that are never shown but take part in every
    rule like the others: an All students row from a complete dimension where the table has
    none (or has it as unknown), the other half of a binary group whose complement has no row
    (or "(other race)": the children in no race row), and "(other schools)": the district
    minus the schools listed. Hiding a virtual cell therefore forces the shown cells it is
    computed from to be hidden as well.
    """

    def __init__(self, cells: pd.DataFrame):
        self.size = len(cells)
        self.codes, self.labels = {}, {}
        for column in KEY:
            codes, uniques = pd.factorize(cells[column])
            self.codes[column], self.labels[column] = codes.astype(np.int64), [str(u) for u in uniques]
        full, count = _dense(*(self.codes[c] for c in KEY))
        if count < self.size:
            first = cells[pd.Series(full).duplicated(keep=False).to_numpy()].iloc[0]
            raise PrivacyError("the table has two rows for the same year, district, school, group and "
                               f"outcome ({', '.join(str(first[c]) for c in KEY)}): cannot protect it")
        self.a = cells["numerator"].to_numpy(dtype=float, copy=True)
        self.n = cells["denominator"].to_numpy(dtype=float, copy=True)
        self.nma = self.n - self.a  # children without the outcome (known alone on some virtual rows)
        self.all_code = self._label("group", ALL_STUDENTS)
        self.pseudo_dimension: dict[int, int] = {}  # group code of "(other race)" -> dimension index
        self._identified_totals()
        self._intersection_parents()
        self._synthesize_totals()
        self._complete_dimensions()
        self._complete_schools()
        self.families = [f for f in self._families() if f is not None]
        self.links = self._links()
        self.definitional = self._definitional()

    def _label(self, column: str, label: str) -> int:
        if label not in self.labels[column]:
            self.labels[column].append(label)
        return self.labels[column].index(label)

    def _per_group(self, values) -> np.ndarray:
        """Broadcast one value per group label to every row."""
        return np.asarray(values)[self.codes["group"]]

    def _per_outcome(self, values) -> np.ndarray:
        return np.asarray(values)[self.codes["outcome"]]

    def _dimension(self) -> np.ndarray:
        labels = self.labels["group"]
        return self._per_group([self.pseudo_dimension.get(i, _dimension_index(g)) for i, g in enumerate(labels)])

    def _append(self, template: np.ndarray, a, n, *, nma=None, **codes) -> None:
        """Virtual rows: codes copied from ``template`` rows except those given."""
        for column in KEY:
            extra = codes.get(column)
            extra = self.codes[column][template] if extra is None else np.broadcast_to(extra, len(template))
            self.codes[column] = np.concatenate([self.codes[column], extra]).astype(np.int64)
        a, n = np.asarray(a, dtype=float), np.asarray(n, dtype=float)
        nma = n - a if nma is None else np.asarray(nma, dtype=float)
        self.a, self.n = np.concatenate([self.a, a]), np.concatenate([self.n, n])
        self.nma = np.concatenate([self.nma, nma])

    def _identified_totals(self) -> None:
        """The children identified for special education are the enrolled students with disabilities
        (and those not identified, the enrolled students without): where identification is counted
        but its All students figures are not known, they are read from those enrollments, as a
        reader would. Either half may be all a reader has (``nma``: children without the outcome)."""
        c = self.codes
        if _IDENTIFICATION not in self.labels["outcome"] or _IDENTIFICATION not in OUTCOMES:
            return
        ident = self._label("outcome", _IDENTIFICATION)
        is_ident = c["outcome"] == ident
        enrolled = self._per_outcome([_population(o) == OUTCOMES[_IDENTIFICATION].population and o != _IDENTIFICATION
                                      for o in self.labels["outcome"]])
        place, nplace = _dense(c["year"], c["district"], c["school"])
        sizes = []
        for value in (True, False):
            label = next(g.label for g in GROUPS.values() if g.dimension == "disability" and g.value is value)
            source = np.flatnonzero(enrolled & (c["group"] == self._label("group", label)) & ~np.isnan(self.n))
            size = np.full(nplace, np.nan)
            size[place[source]] = self.n[source]
            sizes.append(size)
        with_, without = sizes
        if not is_ident.any() or (np.isnan(with_).all() and np.isnan(without).all()):
            return
        all_ident = np.flatnonzero(is_ident & (c["group"] == self.all_code))
        for rows in (all_ident,):  # an All students row with unknown figures: fill in what a reader has
            p = place[rows]
            self.a[rows] = np.where(np.isnan(self.a[rows]), with_[p], self.a[rows])
            self.nma[rows] = np.where(np.isnan(self.nma[rows]), without[p], self.nma[rows])
            self.n[rows] = np.where(np.isnan(self.n[rows]), self.a[rows] + self.nma[rows], self.n[rows])
        counted = np.zeros(nplace, dtype=bool)
        counted[place[is_ident]] = True
        have = np.zeros(nplace, dtype=bool)
        have[place[all_ident]] = True
        new = np.flatnonzero(counted & ~have & ~(np.isnan(with_) & np.isnan(without)))
        if len(new):
            first_row = np.zeros(nplace, dtype=np.int64)
            first_row[place[::-1]] = np.arange(len(place))[::-1]
            self._append(first_row[new], with_[new], with_[new] + without[new], nma=without[new],
                         group=self.all_code, outcome=ident)

    def _intersection_parents(self) -> None:
        """A group A with no row where all its intersections "A × B" (every B of a dimension) have one:
        their sum, which a reader can take (aggregate's intersections leave out children whose B is
        unknown, so the sum may fall short of A; the remainder rows absorb the difference)."""
        labels = self.labels["group"]
        parts = [label.split(_SEP) if _SEP in label else None for label in labels]
        if not any(p is not None and len(p) == 2 for p in parts):
            return
        for p in parts:  # give every parent a code first
            for piece in p or ():
                if piece in GROUPS:
                    self._label("group", piece)
        parts += [None] * (len(self.labels["group"]) - len(parts))
        code = {label: i for i, label in enumerate(self.labels["group"])}
        c = self.codes
        for side in (0, 1):
            place = [c["year"], c["district"], c["school"], c["outcome"]]  # rows are added as we go
            parent = self._per_group([code[p[side]] if p and len(p) == 2 and p[side] in GROUPS
                                      and p[1 - side] in GROUPS else -1 for p in parts])
            other = self._per_group([_dimension_index(p[1 - side]) if p and len(p) == 2 else -1 for p in parts])
            member = (parent >= 0) & (other >= 0)
            if not member.any():
                continue
            rows = np.flatnonzero(member)
            existing = np.flatnonzero(~member)
            key, count = _dense(*(np.concatenate([x[rows], x[existing]]) for x in place),
                                np.concatenate([parent[rows], c["group"][existing]]),
                                np.concatenate([other[rows], np.full(len(existing), -1)]))
            key_rows = key[: len(rows)]
            # the parent row, wherever it already exists, is keyed without the dimension: look it up
            parent_key, _ = _dense(*(np.concatenate([x[rows], x[existing]]) for x in place),
                                   np.concatenate([parent[rows], c["group"][existing]]))
            present = np.zeros(int(parent_key.max()) + 1, dtype=bool)
            present[parent_key[len(rows):]] = True
            has_parent = present[parent_key[: len(rows)]]
            needed = np.array([len(groups_of(_dimension_order()[d])) for d in other[rows]])
            found = np.bincount(key_rows, minlength=count)[key_rows]
            unknown = np.bincount(key_rows, weights=np.isnan(self.a[rows]) | np.isnan(self.n[rows]),
                                  minlength=count)[key_rows]
            ok = ~has_parent & (found == needed) & (unknown == 0)
            if not ok.any():
                continue
            chosen = rows[ok]
            ids, first = np.unique(key_rows[ok], return_index=True)
            sa = np.bincount(key_rows[ok], weights=self.a[chosen], minlength=count)[ids]
            sn = np.bincount(key_rows[ok], weights=self.n[chosen], minlength=count)[ids]
            # one parent per (place, A) even when several dimensions rebuild it
            template = chosen[first]
            pk = parent_key[: len(rows)][ok][first]
            _, unique_parent = np.unique(pk, return_index=True)
            self._append(template[unique_parent], sa[unique_parent], sn[unique_parent],
                         group=parent[template[unique_parent]])

    def _synthesize_totals(self) -> None:
        """All students rows a reader can sum from a complete dimension."""
        c = self.codes
        place, nplace = _dense(c["year"], c["district"], c["school"], c["outcome"])
        is_all = c["group"] == self.all_code
        has_all = np.zeros(nplace, dtype=bool)  # an All students row with known figures
        has_all[place[is_all & ~np.isnan(self.a) & ~np.isnan(self.n)]] = True
        found = np.zeros(nplace, dtype=bool)
        sum_a, sum_n = np.full(nplace, np.nan), np.full(nplace, np.nan)
        # A dimension whose groups all have rows gives the total. Failing that, the race groups that
        # have rows do: aggregate gives an empty group no row, so a reader may take a missing race
        # group for an empty one (if it was only left out, the reader has no total and hiding for
        # it merely costs a cell). Missing halves of binary groups are not assumed empty: tables
        # listing only the focal groups are common.
        passes = [(d, True) for d in _dimension_order()] + [(d, False) for d in _dimension_order()
                                                            if len(groups_of(d)) > 2]
        for dimension, strict in passes:
            wanted = set(groups_of(dimension))
            rows = np.flatnonzero(self._per_group([label in wanted for label in self.labels["group"]]))
            if not len(rows):
                continue
            p = place[rows]
            present = np.bincount(p, minlength=nplace)
            unknown = np.bincount(p, weights=np.isnan(self.a[rows]) | np.isnan(self.n[rows]), minlength=nplace)
            enough = (present == len(wanted)) if strict else (present > 0)
            complete = enough & (unknown == 0) & ~has_all & ~found
            sa = np.bincount(p, weights=np.nan_to_num(self.a[rows]), minlength=nplace)
            sn = np.bincount(p, weights=np.nan_to_num(self.n[rows]), minlength=nplace)
            sum_a, sum_n = np.where(complete, sa, sum_a), np.where(complete, sn, sum_n)
            found |= complete
        # an All students row with unknown figures is computable all the same: the engine uses
        # the sum (the row stays unknown in the output)
        unknown_all = np.flatnonzero(is_all & found[place])
        for values, sums in ((self.a, sum_a), (self.n, sum_n)):  # fill in only what is unknown
            values[unknown_all] = np.where(np.isnan(values[unknown_all]), sums[place[unknown_all]],
                                           values[unknown_all])
        self.nma[unknown_all] = self.n[unknown_all] - self.a[unknown_all]
        found[place[unknown_all]] = False
        new = np.flatnonzero(found)
        if len(new):
            first_row = np.zeros(nplace, dtype=np.int64)
            first_row[place[::-1]] = np.arange(len(place))[::-1]
            self._append(first_row[new], sum_a[new], sum_n[new], group=self.all_code)

    def _remainders(self, member_mask, base_codes, total_mask):
        """Per partition with a known total and known members: (total row, remainder a, n)."""
        members, totals = np.flatnonzero(member_mask), np.flatnonzero(total_mask & ~np.isnan(self.a)
                                                                     & ~np.isnan(self.n))
        if not len(members) or not len(totals):
            return np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0)
        ids, count = _dense(*(np.concatenate([c[members], c[totals]]) for c in base_codes))
        mid, tid = ids[: len(members)], ids[len(members):]
        unknown = np.bincount(mid, weights=np.isnan(self.a[members]) | np.isnan(self.n[members]), minlength=count)
        sa = np.bincount(mid, weights=np.nan_to_num(self.a[members]), minlength=count)
        sn = np.bincount(mid, weights=np.nan_to_num(self.n[members]), minlength=count)
        has_members = np.bincount(mid, minlength=count) > 0
        ra, rn = self.a[totals] - sa[tid], self.n[totals] - sn[tid]
        keep = has_members[tid] & (unknown[tid] == 0) & (rn > 0) & (ra >= 0) & (ra <= rn)
        return totals[keep], ra[keep], rn[keep]

    def _complete_dimensions(self) -> None:
        """The children of a place in no row of a dimension: its missing group(s), as one virtual row."""
        c = self.codes
        for index, dimension in enumerate(_dimension_order()):
            dim = self._dimension()  # rows are added as we go
            place = [c["year"], c["district"], c["school"], c["outcome"]]
            in_dim = dim == index
            total, ra, rn = self._remainders(in_dim, place, c["group"] == self.all_code)
            if not len(total):
                continue
            labels = groups_of(dimension)
            names = [None] * len(total)
            if len(labels) == 2:  # the missing half of a binary group has a name
                key, count = _dense(*(np.concatenate([x, x[total]]) for x in place))
                key, key_total = key[: len(dim)], key[len(dim):]
                first = np.bincount(key[in_dim], weights=c["group"][in_dim] == self._label("group", labels[0]),
                                    minlength=count)
                second = np.bincount(key[in_dim], weights=c["group"][in_dim] == self._label("group", labels[1]),
                                     minlength=count)
                names = [labels[1] if (f, g) == (1, 0) else labels[0] if (f, g) == (0, 1) else None
                         for f, g in zip(first[key_total], second[key_total], strict=True)]
            codes = []
            for name in names:
                code = self._label("group", name if name else f"(other {dimension})")
                if not name:
                    self.pseudo_dimension[code] = index
                codes.append(code)
            self._append(total, ra, rn, group=np.array(codes, dtype=np.int64))

    def _complete_schools(self) -> None:
        """The children of a district in none of the schools listed, as virtual rows."""
        c = self.codes
        school_level = np.array([s != DISTRICT_LEVEL for s in self.labels["school"]])[c["school"]]
        if not school_level.any():
            return
        base = [c["year"], c["district"], c["group"], c["outcome"]]
        total, ra, rn = self._remainders(school_level, base, ~school_level)
        if len(total):
            self._append(total, ra, rn, school=self._label("school", "(other schools)"))

    def _families(self):
        c, rows = self.codes, len(self.a)
        school_level = np.array([s != DISTRICT_LEVEL for s in self.labels["school"]])[c["school"]]
        is_all = c["group"] == self.all_code
        group_labels = self.labels["group"]
        dim = self._dimension()
        zero = np.zeros(rows, dtype=np.int64)
        place = [c["year"], c["district"], c["school"], c["outcome"]]

        # 1. the groups of a dimension add up to All students
        yield _family((0, 1), dim >= 0, place, dim, is_all)
        # 2. the schools add up to the district
        yield _family((0, 1), school_level, [c["year"], c["district"], c["group"], c["outcome"]], zero,
                      ~school_level)
        # 3. identification categories add up to identification (their shared denominator: links)
        category = self._per_outcome([o.startswith(_CATEGORY_PREFIX) for o in self.labels["outcome"]])
        identification = self._per_outcome([o == _IDENTIFICATION for o in self.labels["outcome"]])
        yield _family((0,), category, [c["year"], c["district"], c["school"], c["group"]], zero, identification)
        # 4. intersections "A × B": the B-groups of A add up to A, the A-groups of B add up to B
        parts = [label.split(_SEP) if _SEP in label else None for label in group_labels]
        parts = [p if p is not None and len(p) == 2 else None for p in parts]
        if any(p is not None for p in parts):
            lookup = {label: i for i, label in enumerate(group_labels)}
            for side in (0, 1):
                parent = self._per_group([lookup.get(p[side], -1) if p else -1 for p in parts])
                other = self._per_group([_dimension_index(p[1 - side]) if p else -1 for p in parts])
                member = (parent >= 0) & (other >= 0)
                parent_code = np.where(member, parent, c["group"])  # a total is found by its own label
                yield _family((0, 1), member, [*place, parent_code], other, ~member)

    def _links(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Cells that reveal each other and are hidden together: (rows, kinds, link ids)."""
        c, rows = self.codes, np.arange(len(self.a))
        population = self._per_outcome(pd.factorize(pd.Series(
            [_population(o) for o in self.labels["outcome"]], dtype=object))[0])
        ids, _ = _dense(c["year"], c["district"], c["school"], c["group"], population)
        links = [(rows, np.ones(len(rows), dtype=np.int64), ids)]  # outcomes on the same children
        # The children identified for special education are the enrolled students with disabilities:
        # numerator of (G, identification) = denominator of (G ∩ SWD) = n(G) - denominator of (G ∩ non-SWD).
        ident = self._per_outcome([o == _IDENTIFICATION for o in self.labels["outcome"]])
        if not ident.any() or _IDENTIFICATION not in OUTCOMES:
            return links
        enrolled = self._per_outcome([_population(o) == OUTCOMES[_IDENTIFICATION].population
                                      for o in self.labels["outcome"]])
        lookup = {label: i for i, label in enumerate(self.labels["group"])}
        place, _ = _dense(c["year"], c["district"], c["school"])
        members, kinds, bases = [rows[ident]], [np.zeros(int(ident.sum()), dtype=np.int64)], [c["group"][ident]]
        for part in (g.label for g in GROUPS.values() if g.dimension == "disability"):
            base = self._per_group([lookup.get(_remove_part(label, part), -1) for label in self.labels["group"]])
            hit = enrolled & (base >= 0)
            members.append(rows[hit]), kinds.append(np.ones(int(hit.sum()), dtype=np.int64))
            bases.append(base[hit])
        members, kinds, bases = (np.concatenate(x) for x in (members, kinds, bases))
        link, _ = _dense(place[members], bases)
        links.append((members, kinds, link))
        return links

    def _definitional(self) -> np.ndarray:
        """Rows of an outcome not measured on the group's dimension (identification of students
        with or without disabilities): their numerators follow from other cells by definition."""
        dims = [{GROUPS[p].dimension for p in label.split(_SEP) if p in GROUPS} for label in self.labels["group"]]
        excluded = [set(OUTCOMES[o].excluded_dimensions) if o in OUTCOMES else set()
                    for o in self.labels["outcome"]]
        table = np.array([[bool(d & e) for e in excluded] for d in dims], dtype=bool).reshape(
            len(dims), len(excluded))
        return table[self.codes["group"], self.codes["outcome"]] & (np.nan_to_num(self.n) > 0)


def _remove_part(label: str, part: str) -> str | None:
    """"X × part" or "part × X" -> X; part itself -> All students; else None."""
    if label == part:
        return ALL_STUDENTS
    pieces = label.split(_SEP)
    if len(pieces) == 2 and part in pieces:
        return pieces[1] if pieces[0] == part else pieces[0]
    return None


@functools.cache
def _dimension_order() -> tuple[str, ...]:
    return tuple(dict.fromkeys(g.dimension for g in GROUPS.values()))


@functools.cache
def _dimension_index(label: str) -> int:
    group = GROUPS.get(label)
    return -1 if group is None else _dimension_order().index(group.dimension)


def _population(outcome: str) -> str:
    known = OUTCOMES.get(outcome)
    return known.population if known is not None else f"outcome {outcome}"


def _complement(family: _Family, k: int, flags: np.ndarray, cells: _Cells, m: int) -> None:
    """One pass of complementary suppression over one family, for numerators (k=0) or denominators."""
    members, pid, total = family.members, family.pid, family.total
    npid = len(total)
    a, n = cells.a[members], cells.n[members]
    hidden = flags[k, members]
    a0, n0 = np.nan_to_num(a), np.nan_to_num(n)
    a_u = np.bincount(pid, weights=a0 * hidden, minlength=npid)
    n_u = np.bincount(pid, weights=n0 * hidden, minlength=npid)
    count = np.bincount(pid, weights=hidden, minlength=npid)
    has_total = total >= 0
    t = np.where(has_total, total, 0)
    t_a, t_n = cells.a[t], cells.n[t]
    known_total = has_total & ~np.isnan(t_n if k else np.where(np.isnan(t_a), cells.nma[t], t_a))
    total_hidden = flags[k, t] & has_total
    unknown = np.bincount(pid, weights=(np.isnan(a) | np.isnan(n)) if k == 0 else np.isnan(n), minlength=npid)
    # A remainder (total minus members) a reader computes: where the table could be completed it
    # is a virtual member already (zero here); elsewhere (identification categories that do not
    # cover identification) it never counts as hiding, and a small one forces a member hidden.
    res_a = t_a - np.bincount(pid, weights=a0, minlength=npid)
    res_n = t_n - np.bincount(pid, weights=n0, minlength=npid)
    with np.errstate(invalid="ignore"):
        if k == 0:
            remainder_small = ((unknown == 0) & (res_n >= 1) & (res_a >= 0)
                               & ((res_a < m) | (res_n - res_a < m)))
            fails = (a_u < m) | (n_u - a_u < m)
        else:
            remainder_small = (unknown == 0) & (res_n >= 1) & (res_n < m)
            fails = n_u < m
    # one hidden member beside a readable total is the total minus the rest: two at least
    need = known_total & ((count > 0) | remainder_small | total_hidden) & (fails | ((count < 2) & ~total_hidden))
    if not need.any():
        return
    with np.errstate(invalid="ignore"):
        candidate = ~hidden & need[pid] & (n > 0) & (~np.isnan(a) if k == 0 else True)
    chosen_pids = np.zeros(0, dtype=np.int64)
    if candidate.any():
        ci = np.flatnonzero(candidate)
        p = pid[ci]
        with_outcome, without = a_u[p] + a[ci], n_u[p] + n[ci] - a_u[p] - a[ci]
        passes = ((with_outcome >= m) & (without >= m)) if k == 0 else (n_u[p] + n[ci] >= m)
        order = np.lexsort((members[ci], n[ci], ~passes, p))
        ci = ci[order]
        chosen_pids, first = np.unique(pid[ci], return_index=True)
        flags[k, members[ci[first]]] = True
    # nothing left to hide in the partition: hide its total
    stuck = need.copy()
    stuck[chosen_pids] = False
    rows = t[stuck]
    flags[k, rows] = True


def _suppress(cells: _Cells, m: int, start: np.ndarray | None = None, *, audit: bool = True) -> np.ndarray:
    """Flags [numerator, denominator] x row, primary then complementary until nothing changes.

    Then the exact audit (``_audit``): a hidden figure that the partitions' sums pin down,
    taken all together, gets one more shown figure beside it hidden, and complementary
    suppression runs again, until the audit finds nothing. ``start`` (flags of an earlier run
    with more cells forced hidden) carries on from there: flags only ever grow, so the result
    obeys every rule for the forced cells too. ``audit=False`` leaves the audit to the caller
    (which forces more cells and comes back).
    """
    if start is None:
        num, den = primary(cells.a, cells.n, min_size=m)
        flags = np.vstack([num | cells.definitional, den])
    else:
        flags = start.copy()
    while True:
        before = int(flags.sum())
        flags[0] |= flags[1]
        for rows, kinds, ids in cells.links:
            hit = np.bincount(ids, weights=flags[kinds, rows], minlength=int(ids.max()) + 1 if len(ids) else 0)
            flags[kinds, rows] |= hit[ids] > 0
        for family in cells.families:
            for k in family.kinds:
                _complement(family, k, flags, cells, m)
        flags[0] |= flags[1]
        if int(flags.sum()) == before and not (audit and _audit(cells, flags)):
            return flags


def _audit(cells: _Cells, flags: np.ndarray) -> bool:
    """Hide one more figure beside each hidden figure the partitions pin down together; True if any.

    The reader's equations are the partitions whose members add up to their total in the data
    (checked on the true figures, so an incomplete partition is never taken for an identity);
    the unknowns are the hidden figures and those unknown in the source, a size being one
    unknown for every outcome on the same children. ``pinned.determined`` finds the hidden
    figures every solution agrees on. For each, the smallest shown figure of one of its
    partitions (or of the partitions linked to it) is hidden.
    """
    from successgaps_lib.pinned import determined

    changed = False
    rows_all = np.arange(len(cells.a))
    shared = cells.links[0][2]  # one id per size: same place, group and children
    for k in (0, 1):
        value = cells.a if k == 0 else cells.n
        var = rows_all if k == 0 else shared
        entry_eq, entry_row = [], []
        count = 0
        for family in cells.families:
            if k not in family.kinds:
                continue
            members, pid, total = family.members, family.pid, family.total
            npid = len(total)
            has_total = total >= 0
            v = value[members]
            known = np.bincount(pid, weights=np.isnan(v), minlength=npid) == 0
            sums = np.bincount(pid, weights=np.nan_to_num(v), minlength=npid)
            t_value = value[np.where(has_total, total, 0)]
            exact = has_total & known & ~np.isnan(t_value) & (np.abs(sums - t_value) < 0.5)
            if not exact.any():
                continue
            keep = exact[pid]
            ids = np.cumsum(exact) - 1 + count
            entry_eq += [ids[pid[keep]], ids[exact]]
            entry_row += [members[keep], total[exact]]
            count += int(exact.sum())
        if not count:
            continue
        eq, row = np.concatenate(entry_eq), np.concatenate(entry_row)
        hidden = flags[k, row]
        if not hidden.any():
            continue
        nvar = int(var.max()) + 1
        fixed = determined(eq[hidden], var[row[hidden]], nvar)
        target = fixed[var] & flags[k] & (np.nan_to_num(cells.n) > 0) & ~np.isnan(value)
        if k == 0:
            target &= ~cells.definitional
        if not target.any():
            continue
        eligible = ~flags[k] & (np.nan_to_num(cells.n) > 0) & ~np.isnan(value)
        if k == 0:
            eligible &= ~np.isnan(cells.a) & ~cells.definitional
        for v in np.unique(var[np.flatnonzero(target)]):
            mine = np.unique(eq[var[row] == v])
            choice = _smallest_shown(row[np.isin(eq, mine)], eligible, cells.n)
            if choice is None:  # every figure of its partitions is hidden: look one step further
                around = np.unique(eq[np.isin(row, row[np.isin(eq, mine)])])
                choice = _smallest_shown(row[np.isin(eq, around)], eligible, cells.n)
            if choice is not None:
                flags[k, choice] = True
                changed = True
    return changed


def _smallest_shown(rows: np.ndarray, eligible: np.ndarray, n: np.ndarray) -> int | None:
    rows = np.unique(rows[eligible[rows]])
    if not len(rows):
        return None
    return int(rows[np.lexsort((rows, n[rows]))[0]])


def suppression(cells: pd.DataFrame, *, min_size: int = MIN_SIZE) -> pd.DataFrame:
    """Which numerators and denominators of a counts-shaped table must be hidden.

    ``cells`` needs the key columns (year, district, school, group, outcome) and numerator,
    denominator (NaN = unknown). Returns two boolean columns, ``numerator_suppressed`` and
    ``denominator_suppressed``, aligned with ``cells``. The engine behind every kind of table;
    a registered kind whose rows are built on counts should call it so that its cells are
    hidden exactly as in the counts table they came from.
    """
    m = _check_min_size(min_size)
    missing = [c for c in (*KEY, "numerator", "denominator") if c not in cells.columns]
    if missing:
        raise ValueError(f"suppression() needs the column(s) {', '.join(missing)}")
    if not len(cells):
        return pd.DataFrame({NUMERATOR_FLAG: pd.Series(dtype=bool), DENOMINATOR_FLAG: pd.Series(dtype=bool)},
                            index=cells.index)
    flags = _suppress(_Cells(cells.reset_index(drop=True)), m)[:, : len(cells)]
    return pd.DataFrame({NUMERATOR_FLAG: flags[0], DENOMINATOR_FLAG: flags[1]}, index=cells.index)


# --- Kinds of table ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Kind:
    """A shape of table the layer can protect."""

    name: str
    detect: Callable[[pd.DataFrame], bool]
    protect: Callable[..., pd.DataFrame]  # (table, *, min_size, **options) -> new protected table
    check: Callable[[pd.DataFrame, int], str] | None = None  # "" if a protected table is still safe


_KINDS: dict[str, Kind] = {}


def register_kind(name: str, detector, protector, *, check=None) -> None:
    """Teach ``protect`` a new shape of table.

    ``detector(table) -> bool`` recognises it from its columns (kinds registered later are
    tried first, so a specific shape can sit on top of a general one); ``protector(table, *,
    min_size, **options)`` returns a *new* table with everything hidden that must be (NaN),
    and ``check(table, min_size) -> str`` (optional) re-checks a protected table before it is
    shown, returning "" when it is safe or what is wrong.
    """
    _KINDS.pop(name, None)
    _KINDS[name] = Kind(name, detector, protector, check)


def kinds() -> list[str]:
    """Names of the kinds ``protect`` knows, in the order they are tried."""
    return list(reversed(_KINDS))


def detect_kind(table: pd.DataFrame) -> str | None:
    """The name of the first kind whose detector accepts ``table``, or None."""
    for name in kinds():
        if _KINDS[name].detect(table):
            return name
    return None


def _marker(table: pd.DataFrame) -> dict | None:
    marker = getattr(table, "attrs", {}).get("privacy")
    return marker if isinstance(marker, dict) else None


def protect(table: pd.DataFrame, *, min_size: int = MIN_SIZE, audience: bool = True, kind: str | None = None,
            **options) -> pd.DataFrame:
    """THE function every table for an audience passes through; returns a new, marked table.

    ``audience=True`` (default): hide what the rules in the module docstring say, and mark
    the result ``attrs["privacy"] = {"min_size": m, "audience": True, "kind": ...}``.
    ``audience=False`` is the data-team mode, for people allowed to see every figure: the
    table is returned unchanged (a copy), marked ``"audience": False``. It must be asked for
    by name; nothing turns it on by default.

    ``kind`` forces a kind instead of recognising it from the columns. ``options`` go to the
    kind's protector; the GAPS and composition kinds take ``counts=``, the counts table
    they were computed from, so that their cells are hidden exactly as in that table when
    both are shown.
    """
    m = _check_min_size(min_size)
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"protect() takes a pandas DataFrame, not {type(table).__name__}")
    if audience is not True and audience is not False:
        raise TypeError("audience must be True (default) or False (data team), nothing else")
    name = kind if kind is not None else detect_kind(table)
    if name is not None and name not in _KINDS:
        raise ValueError(f"unknown kind {name!r}; known: {', '.join(kinds())}")
    if not audience:
        out = table.copy()
        out.attrs = {**table.attrs, "privacy": {"min_size": m, "audience": False, "kind": name}}
        return out
    if name is None:
        raise PrivacyError("protect() does not know this kind of table (columns: "
                           f"{', '.join(map(str, table.columns[:12]))}): register it with "
                           "privacy.register_kind() so that it can be protected")
    marker = _marker(table)
    if marker and marker.get("audience") and marker.get("min_size", 0) >= m:
        out, m = table.copy(), int(marker["min_size"])  # already protected at least this strictly
    else:
        out = _KINDS[name].protect(table, min_size=m, **options)
    out.attrs = {**table.attrs, "privacy": {"min_size": m, "audience": True, "kind": name}}
    return out


def is_protected(table, *, audience: bool | None = None) -> bool:
    """Whether ``table`` passed through ``protect`` (for ``audience=True``: in audience mode)."""
    marker = _marker(table) if isinstance(table, pd.DataFrame) else None
    if marker is None:
        return False
    return audience is None or bool(marker.get("audience")) == audience


def require_protected(table, *, audience: bool | None = None) -> None:
    """Raise ``PrivacyError`` unless ``table`` passed through ``protect``.

    Charts, handouts and exports call this just before showing a table. ``audience=True``
    also refuses a data-team table (for outputs that always reach an audience, such as a
    printed handout). A protected audience table is re-checked by its kind (published counts
    still pass the primary rule), which catches unprotected figures put back after
    ``protect`` as long as they break it.
    """
    if not isinstance(table, pd.DataFrame):
        raise PrivacyError(f"expected a protected pandas DataFrame, got {type(table).__name__}")
    marker = _marker(table)
    if marker is None:
        raise PrivacyError("this table has not passed through privacy.protect(): call protect(table) before "
                           "it is shown (or protect(table, audience=False) for the data team only)")
    if audience and not marker.get("audience"):
        raise PrivacyError("this table was marked for the data team only (protect(..., audience=False)); "
                           "an audience needs protect(table)")
    kind = _KINDS.get(marker.get("kind"))
    if marker.get("audience") and kind is not None and kind.check is not None:
        problem = kind.check(table, int(marker.get("min_size", MIN_SIZE)))
        if problem:
            raise PrivacyError(f"this table was changed after privacy.protect(): {problem}")


# --- counts -------------------------------------------------------------------------------------

def _is_counts(table: pd.DataFrame) -> bool:
    return set(KEY) | {"numerator", "denominator"} <= set(table.columns)


def _protect_counts(table: pd.DataFrame, *, min_size: int) -> pd.DataFrame:
    flags = suppression(table, min_size=min_size)
    num, den = flags[NUMERATOR_FLAG].to_numpy(), flags[DENOMINATOR_FLAG].to_numpy()
    out = table.copy()
    if NUMERATOR_FLAG in table and DENOMINATOR_FLAG in table:  # protected before: keep what was hidden
        num |= table[NUMERATOR_FLAG].fillna(False).to_numpy(dtype=bool)
        den |= table[DENOMINATOR_FLAG].fillna(False).to_numpy(dtype=bool)
    out["numerator"] = out["numerator"].astype(float).mask(num)
    out["denominator"] = out["denominator"].astype(float).mask(den)
    for column in ("numerator_low", "numerator_high"):
        if column in out:  # a bound is shown only with its numerator
            out[column] = out[column].astype(float).mask(num | out["numerator"].isna())
    # any other figure on the row may be computed from the hidden counts
    for column in out.columns:
        if column not in (*KEY, "numerator", "denominator", "numerator_low", "numerator_high",
                          NUMERATOR_FLAG, DENOMINATOR_FLAG) and _is_number(out[column]):
            out[column] = out[column].astype(float).mask(num)
    out[NUMERATOR_FLAG], out[DENOMINATOR_FLAG] = num, den
    return out


def _check_counts(table: pd.DataFrame, min_size: int) -> str:
    return _check_cells(table["numerator"], table["denominator"], min_size, "count")


def _check_cells(a, n, min_size, what) -> str:
    a, n = np.asarray(a, dtype=float), np.asarray(n, dtype=float)
    num, den = primary(a, n, min_size=min_size)
    bad = (den & ~np.isnan(n)) | (num & ~np.isnan(a))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        return f"a {what} of {a[i]:g} out of {n[i]:g} is shown, under the minimum of {min_size}"
    return ""


def _is_number(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


# --- GAPS and composition: rows built on two cells ------------------------------------------------

def _is_gaps(table: pd.DataFrame) -> bool:
    return {"group", "outcome", "comparison", "a_group", "n_group", "a_comparison", "n_comparison"} <= set(
        table.columns)


def _is_composition(table: pd.DataFrame) -> bool:
    return {"group", "outcome", "a_group", "n_group", "a_all", "n_all"} <= set(table.columns)


def _named_complement(group: str) -> str | None:
    known = GROUPS.get(group)
    if known is None:
        return None
    if known.complement:
        return known.complement
    return next((g.label for g in GROUPS.values() if g.complement == group), None)


def _comparison_group(comparison: str) -> str | None:
    try:
        label = canonical_group(comparison)
    except KeyError:
        return None
    return label if label in GROUPS else None


@dataclass
class _RowCells:
    """The cells a table's rows are built on: cell i belongs to row ``row[i]``."""

    rows: pd.DataFrame  # the table, index reset
    row: list = None
    group: list = None
    a: list = None
    n: list = None
    local: list = None  # built on the district's own children (not the state's)
    column: list = None  # its figures are columns of the row (not only summed into one, as All is)

    def add(self, mask, group, a, n, *, local: bool, column: bool = True) -> None:
        idx = np.flatnonzero(mask)
        groups = np.broadcast_to(np.asarray(group, dtype=object), (len(mask),))[idx]
        for name, values in (("row", idx), ("group", groups), ("a", np.asarray(a, dtype=float)[idx]),
                             ("n", np.asarray(n, dtype=float)[idx]), ("local", np.full(len(idx), local)),
                             ("column", np.full(len(idx), column))):
            setattr(self, name, [*(getattr(self, name) or []), values])

    def frame(self) -> pd.DataFrame:
        row = np.concatenate(self.row)
        out = pd.DataFrame({c: self.rows[c].to_numpy()[row] for c in ("year", "district", "school")})
        out["group"] = np.concatenate(self.group)
        out["outcome"] = self.rows["outcome"].to_numpy()[row]
        out["numerator"], out["denominator"] = np.concatenate(self.a), np.concatenate(self.n)
        out["_row"], out["_local"] = row, np.concatenate(self.local)
        out["_column"] = np.concatenate(self.column)
        return out


def _keys(*frames: pd.DataFrame) -> list[np.ndarray]:
    """One integer id per (year, district, school, group, outcome), comparable across ``frames``."""
    codes = []
    for column in KEY:
        values = np.concatenate([f[column].to_numpy(dtype=object) for f in frames])
        if column == "year":
            values = values.astype(np.int64)
        codes.append(pd.factorize(values)[0])
    ids, _ = _dense(*codes)
    bounds = np.cumsum([0, *(len(f) for f in frames)])
    return [ids[bounds[i]:bounds[i + 1]] for i in range(len(frames))]


def _protect_rows(cells: _RowCells, *, min_size: int, counts: pd.DataFrame | None) -> np.ndarray:
    """Rows to hide: a row is hidden when any of its cells is.

    Local cells go through the engine together (with ``counts`` when given, so that they are
    hidden exactly as in that table); cells from elsewhere (the state) only through the
    primary rules.

    A hidden row shows none of its figures, so hiding rows can hide a figure the engine meant
    to show: a group's size at a school, hidden with the row of every outcome measured on
    those children, or its count with an outcome whose every row is hidden for its comparison's
    sake. Such a figure is hidden in the engine too (a size for every outcome on the same
    children), complementary suppression runs again with it, and so on until no row changes:
    then every figure the table leaves out of all its rows is one the engine protected.
    """
    if not len(cells.rows):
        return np.zeros(0, dtype=bool)
    frame = cells.frame()
    num, den = primary(frame["numerator"], frame["denominator"], min_size=min_size)
    primary_hit = num | den
    local_cell = frame["_local"].to_numpy()
    row_of = frame["_row"].to_numpy()
    # a cell with unknown figures tells a reader nothing, and must not stand in for a known one
    usable = local_cell & frame[["numerator", "denominator"]].notna().all(axis=1).to_numpy()
    local = frame[usable]
    pool = local[[*KEY, "numerator", "denominator"]]
    if counts is not None:
        pool = pd.concat([counts[[*KEY, "numerator", "denominator"]], pool], ignore_index=True)
    if not len(pool):
        hide = np.zeros(len(cells.rows), dtype=bool)
        hide[row_of[primary_hit]] = True
        return hide
    pool_key, frame_key = _keys(pool, frame)
    first = ~pd.Series(pool_key).duplicated().to_numpy()
    pool, pool_key = pool[first].reset_index(drop=True), pool_key[first]
    position = np.full(int(max(pool_key.max(), frame_key.max())) + 1, -1, dtype=np.int64)
    position[pool_key] = np.arange(len(pool))
    at = position[frame_key]  # each cell's row in the pool (-1: not in it)
    in_pool = local_cell & (at >= 0)
    column = in_pool & frame["_column"].to_numpy()
    shared = _shared_denominator(pool)  # one id per size: same place, group and children
    engine = _Cells(pool)
    flags = _suppress(engine, min_size, audit=False)
    size = len(pool)
    while True:
        cell_hidden = (flags[0] | flags[1])[:size]
        hit = primary_hit | (in_pool & cell_hidden[np.where(at >= 0, at, 0)])
        hide = np.zeros(len(cells.rows), dtype=bool)
        hide[row_of[hit]] = True
        forced = _left_out(at, column, hide[row_of], shared, flags[:, :size])
        forced &= engine.n[:size] > 0  # an empty group is about no child (rule 3): never a complement
        if not forced.any() and not _audit(engine, flags):
            return hide
        flags[:, :size] |= forced
        flags = _suppress(engine, min_size, flags, audit=False)


def _shared_denominator(pool: pd.DataFrame) -> np.ndarray:
    """One id per (year, district, school, group, population): the cells whose sizes are one figure."""
    population = pd.Series([_population(str(o)) for o in pool["outcome"]], dtype=object)
    codes = [pd.factorize(pool[c].to_numpy(dtype=object))[0] for c in ("year", "district", "school", "group")]
    ids, _ = _dense(*codes, pd.factorize(population)[0])
    return ids


def _left_out(at: np.ndarray, column: np.ndarray, row_hidden: np.ndarray, shared: np.ndarray,
              flags: np.ndarray) -> np.ndarray:
    """Figures of the pool the table has columns for, shown by the engine but in no shown row.

    ``at``: each cell's row in the pool; ``column``: the cell's figures are columns of its row;
    ``row_hidden``: its row is hidden. Returns [numerator, denominator] x pool flags to force.
    """
    size = flags.shape[1]
    forced = np.zeros_like(flags)
    carried, shown = column, column & ~row_hidden
    num_carried = np.bincount(at[carried], minlength=size) > 0
    num_shown = np.bincount(at[shown], minlength=size) > 0
    forced[0] = num_carried & ~num_shown & ~flags[0]
    groups = int(shared.max()) + 1
    den_carried = np.bincount(shared[at[carried]], minlength=groups) > 0
    den_shown = np.bincount(shared[at[shown]], minlength=groups) > 0
    forced[1] = (den_carried & ~den_shown)[shared] & ~flags[1]
    return forced


def _gap_cells(table: pd.DataFrame) -> _RowCells:
    rows = table.reset_index(drop=True)
    cells = _RowCells(rows)
    group = rows["group"].astype(str)
    comparison = rows["comparison"].astype(str).str.strip().str.lower()
    a_g, n_g = rows["a_group"].to_numpy(float), rows["n_group"].to_numpy(float)
    a_c, n_c = rows["a_comparison"].to_numpy(float), rows["n_comparison"].to_numpy(float)
    cells.add(np.ones(len(rows), dtype=bool), group.to_numpy(), a_g, n_g, local=True)
    other = (comparison == _COMPARISON_ALL_OTHER).to_numpy()
    cells.add(other, ALL_STUDENTS, a_g + a_c, n_g + n_c, local=True, column=False)  # the total they come from
    complement = group.map(_named_complement).to_numpy(dtype=object)
    named = other & pd.notna(complement)
    cells.add(named, complement, a_c, n_c, local=True)
    # race groups have no named complement: "all other children" is the sum of the other race
    # groups (the engine's remainder row); the primary rules are checked on it here too
    cells.add(other & ~named, "", a_c, n_c, local=False)
    everyone = (comparison == _COMPARISON_ALL).to_numpy()
    cells.add(everyone, ALL_STUDENTS, a_c, n_c, local=True)
    reference = rows["comparison"].astype(str).str.strip().map(_comparison_group).to_numpy(dtype=object)
    by_name = ~other & ~everyone & pd.notna(reference)
    cells.add(by_name, reference, a_c, n_c, local=True)
    elsewhere = ~other & ~everyone & ~by_name  # the state, or a comparison we cannot place
    cells.add(elsewhere, "", a_c, n_c, local=False)
    return cells


def _composition_cells(table: pd.DataFrame) -> _RowCells:
    rows = table.reset_index(drop=True)
    cells, everyone = _RowCells(rows), np.ones(len(rows), dtype=bool)
    cells.add(everyone, rows["group"].astype(str).to_numpy(), rows["a_group"], rows["n_group"], local=True)
    cells.add(everyone, ALL_STUDENTS, rows["a_all"], rows["n_all"], local=True)
    return cells


def _blank(table: pd.DataFrame, hide: np.ndarray, *, statement: Callable[[pd.DataFrame], list[str]] | None):
    """Hidden rows keep their labels only; every other column is emptied."""
    out = table.copy()
    if ROW_FLAG in table:  # protected before: keep what was hidden
        hide = hide | table[ROW_FLAG].fillna(False).to_numpy(dtype=bool)
    if hide.any():
        emptied = {}
        for column in out.columns:
            if column in GAP_LABELS:
                continue
            values = out[column]
            if pd.api.types.is_bool_dtype(values):
                emptied[column] = values.to_numpy(dtype=bool, na_value=False) & ~hide
            elif _is_number(values):
                emptied[column] = np.where(hide, np.nan, values.to_numpy(dtype=float, na_value=np.nan))
            else:
                text = np.where(hide, "", values.to_numpy(dtype=object))
                emptied[column] = pd.array(text, dtype=values.dtype) if values.dtype != object else text
        out = out.assign(**emptied)
        if "measurable" in out:
            out["measurable"] = out["measurable"].mask(hide, False)
        if "reason" in out:
            out["reason"] = out["reason"].mask(hide, REASON)
        if "rr_reason" in out:
            out["rr_reason"] = out["rr_reason"].mask(hide, REASON)
        if statement is not None and "statement" in out:
            text = pd.Series(statement(out[hide]), index=out.index[hide], dtype=object)
            out["statement"] = out["statement"].astype(object).where(~hide, text).astype(table["statement"].dtype)
    out[ROW_FLAG] = hide
    return out


def _protect_gaps(table: pd.DataFrame, *, min_size: int, counts: pd.DataFrame | None = None) -> pd.DataFrame:
    hide = _protect_rows(_gap_cells(table), min_size=min_size, counts=counts)
    out = _blank(table, hide, statement=_hidden_statements)
    hide = out[ROW_FLAG].to_numpy()
    if "years_flagged" in out:
        out["years_flagged"] = _streak_after_hiding(out, hide)
        if "persistent" in table:
            persistent = table["persistent"].fillna(False).to_numpy(dtype=bool)
            shortened = out["years_flagged"].to_numpy(float) < table["years_flagged"].to_numpy(float)
            out["persistent"] = np.where(shortened, False, persistent) & ~hide
    if hide.any():  # a hidden row's place in a ranking would tell where its gap stood
        shown, hidden = out[~hide], out[hide]
        order = [c for c in ("year", "district", "school", "dimension", "group", "outcome", "comparison")
                 if c in hidden]
        hidden = hidden.sort_values(order, kind="stable") if order else hidden
        out = pd.concat([shown, hidden])
        if isinstance(table.index, pd.RangeIndex):
            out = out.reset_index(drop=True)
    if "rank" in out:
        shown_now = ~out[ROW_FLAG].to_numpy()
        rank = np.full(len(out), np.nan)
        rank[shown_now] = np.arange(1, int(shown_now.sum()) + 1)
        out["rank"] = rank if not shown_now.all() else rank.astype(np.int64)
    return out


def _streak_after_hiding(out: pd.DataFrame, hide: np.ndarray) -> np.ndarray:
    """``years_flagged`` with every run stopped at a year whose row is hidden in this table."""
    original = out["years_flagged"].to_numpy(dtype=float)
    series = [c for c in ("district", "school", "group", "outcome", "comparison") if c in out]
    if "year" not in out or not series:
        return np.where(hide, np.nan, original)
    frame = out[series].astype(str).assign(year=out["year"].to_numpy(), _row=np.arange(len(out)))
    frame = frame.sort_values([*series, "year"], kind="stable")
    rows = frame["_row"].to_numpy()
    same = np.zeros(len(rows), dtype=bool)
    if len(rows) > 1:
        keys = frame[series].to_numpy()
        same[1:] = (keys[1:] == keys[:-1]).all(axis=1) & (np.diff(frame["year"].to_numpy()) == 1)
    result = original.copy()
    for i, r in enumerate(rows):
        if hide[r]:
            result[r] = np.nan
        elif i and same[i]:
            previous = rows[i - 1]
            if hide[previous]:
                result[r] = min(original[r], 1.0)
            elif not math.isnan(result[previous]):
                result[r] = min(original[r], result[previous] + 1)
        else:  # years before this one are not in the table, so nobody here can check they were shown
            result[r] = min(original[r], 1.0)
    return result


def _hidden_statements(rows: pd.DataFrame) -> list[str]:
    from successgaps_lib.statements import group_noun  # wording: only when a statement is rewritten

    texts = []
    for row in rows.itertuples(index=False):
        outcome = OUTCOMES.get(row.outcome)
        what = (outcome.label[0].lower() + outcome.label[1:]) if outcome else str(row.outcome)
        place = f"in {row.district}" if row.school == DISTRICT_LEVEL else f"at {row.school}, {row.district}"
        texts.append(f"In {row.year}, the gap in {what} between {group_noun(str(row.group))} and "
                     f"{row.comparison} {place} is not shown, to protect children's privacy (small numbers).")
    return texts


def _check_rows(table: pd.DataFrame, min_size: int) -> str:
    shown = ~table[ROW_FLAG].fillna(False).to_numpy(dtype=bool) if ROW_FLAG in table else slice(None)
    for a, n in (("a_group", "n_group"), ("a_comparison", "n_comparison"), ("a_all", "n_all")):
        if a in table and n in table:
            problem = _check_cells(table[a].to_numpy(float)[shown], table[n].to_numpy(float)[shown], min_size,
                                   f"{a}/{n}")
            if problem:
                return problem
    return ""


def _protect_composition(table: pd.DataFrame, *, min_size: int,
                         counts: pd.DataFrame | None = None) -> pd.DataFrame:
    hide = _protect_rows(_composition_cells(table), min_size=min_size, counts=counts)
    return _blank(table, hide, statement=None)


register_kind("counts", _is_counts, _protect_counts, check=_check_counts)
register_kind("composition", _is_composition, _protect_composition, check=_check_rows)
register_kind("gaps", _is_gaps, _protect_gaps, check=_check_rows)


# --- Display ------------------------------------------------------------------------------------

_SIZE_COLUMNS = ("denominator", "n_group", "n_comparison", "n_all")
_COUNT_COLUMNS = ("numerator", "numerator_low", "numerator_high", "a_group", "a_comparison", "a_all")
#: Rates, and the column holding the number of children each is a share of.
_RATE_COLUMNS = {"rate": "denominator", "rate_group": "n_group", "rate_comparison": "n_comparison",
                 "composition": "a_all", "enrollment_share": "n_all"}
_RATE_BOUNDS = ("rate_low", "rate_high", "rate_group_low", "rate_group_high", "rate_comparison_low",
                "rate_comparison_high", "e_formula_limit")
_POINT_COLUMNS = ("difference", "ci_low", "ci_high", "composition_difference")
_RATIO_COLUMNS = ("risk_ratio", "rr_ci_low", "rr_ci_high")
_WHOLE_COLUMNS = ("rank", "years_flagged")


def code_rate(rate, n=None, *, min_size: int = MIN_SIZE) -> str:
    """A rate for an audience when its counts are not shown beside it (top and bottom coding).

    >>> [code_rate(r, n) for r, n in ((0.25, 400), (0.0, 5000), (0.004, 1000), (0.999, 1000), (0.05, 100))]
    ['25.0%', '<1%', '<1%', '>99%', '<10%']
    >>> code_rate(0.1, 15), code_rate(float("nan"))
    ('*', 'n/a')
    """
    m = _check_min_size(min_size)
    if rate is None or _nan(rate):
        return UNKNOWN
    rate = float(rate)
    size = None if n is None or _nan(n) else float(n)
    low = rate <= 0 or (size is not None and rate * size < m - 1e-9)
    high = rate >= 1 or (size is not None and (1 - rate) * size < m - 1e-9)
    if not (low or high):
        return _percent(rate)
    needed = m / size if size else 0.0
    bound = next((b for b in CODING_BOUNDS if b >= needed - 1e-12), None)
    if bound is None:
        return SUPPRESSED
    text = f"{bound * 100:g}"
    return f"<{text}%" if low else f">{100 - bound * 100:g}%"


def _nan(x) -> bool:
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _percent(x: float) -> str:
    return f"{_round_half_up(x * 100, 1):.1f}%"


def _round_half_up(x: float, digits: int) -> float:
    scale = 10 ** digits
    return math.copysign(math.floor(abs(x) * scale + 0.5 + 1e-9) / scale, x)


def display(table: pd.DataFrame) -> pd.DataFrame:
    """The protected ``table`` as strings to show: counts, percentages, points, ratios.

    A hidden value is ``"*"`` (``SUPPRESSED``), an unknown one ``"n/a"`` (``UNKNOWN``).
    Counts have thousands separators; rates are percentages with one decimal, rounded half
    up; differences are signed percentage points ("+5.2"); ratios have two decimals. In an
    audience table a rate of exactly 0% or 100% is coded, and so is every rate of a kind that
    shows rates without their counts (``code_rate``). A counts table gains a ``rate`` column;
    the flag columns ``protect`` adds are left out. Refuses an unprotected table.
    """
    require_protected(table)
    marker = _marker(table)
    audience, kind, m = bool(marker.get("audience")), marker.get("kind"), int(marker.get("min_size", MIN_SIZE))
    frame = table
    if kind == "counts" and "rate" not in frame:
        n = frame["denominator"].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            frame = frame.assign(rate=np.where(n > 0, frame["numerator"].to_numpy(float) / n, np.nan))

    def flag(column):
        return (frame[column].fillna(False).to_numpy(dtype=bool) if column in frame
                else np.zeros(len(frame), dtype=bool))

    row_hidden = flag(ROW_FLAG)
    num_hidden, den_hidden = flag(NUMERATOR_FLAG) | row_hidden, flag(DENOMINATOR_FLAG) | row_hidden
    counts_beside = kind in ("counts", "gaps", "composition")
    out = {}
    for column in frame.columns:
        if column in (NUMERATOR_FLAG, DENOMINATOR_FLAG, ROW_FLAG):
            continue
        values = frame[column]
        if column in KEY or column in GAP_LABELS or not _is_number(values):
            out[column] = ["" if _nan(v) else str(v) for v in values.astype(object)]
            continue
        hidden = den_hidden if column == "denominator" else num_hidden
        if column in _SIZE_COLUMNS or column in _COUNT_COLUMNS:
            out[column] = _format(values, hidden, lambda x: f"{round(x):,}")
        elif column in _RATE_COLUMNS and audience:
            size = frame[_RATE_COLUMNS[column]].to_numpy(float) if _RATE_COLUMNS[column] in frame else None
            out[column] = [SUPPRESSED if h else _shown_rate(v, None if size is None or counts_beside else size[i], m)
                           for i, (v, h) in enumerate(zip(values.to_numpy(float), hidden, strict=True))]
        elif column in _RATE_COLUMNS or column in _RATE_BOUNDS:
            out[column] = _format(values, hidden, _percent)
        elif column in _POINT_COLUMNS:
            out[column] = _format(values, hidden, lambda x: f"{_round_half_up(x * 100, 1):+.1f}")
        elif column in _RATIO_COLUMNS:
            out[column] = _format(values, hidden, lambda x: "inf" if math.isinf(x) else f"{x:.2f}")
        elif column in _WHOLE_COLUMNS:
            out[column] = _format(values, hidden, lambda x: f"{x:.0f}")
        else:
            out[column] = _format(values, hidden, lambda x: f"{x:g}")
    return pd.DataFrame(out, index=frame.index, dtype=object)


def _shown_rate(rate: float, size, m: int) -> str:
    """A rate in an audience table: coded when it is 0% or 100%, or (without counts) rests on few children."""
    if _nan(rate):
        return UNKNOWN
    if size is None and 0.0 < rate < 1.0:
        return _percent(rate)
    return code_rate(rate, size, min_size=m)


def _count(x: float) -> str:
    return f"{round(x):,}"


def _format(values: pd.Series, hidden, formatter) -> list[str]:
    hidden = np.broadcast_to(np.asarray(hidden, dtype=bool), (len(values),))
    result = []
    for value, h in zip(values.astype(object), hidden, strict=True):
        if h:
            result.append(SUPPRESSED)
        elif _nan(value):
            result.append(UNKNOWN)
        else:
            result.append(formatter(float(value)))
    return result


# --- Free text ------------------------------------------------------------------------------------

#: Words that make a number a count of children (or of what happened to children).
_PEOPLE = (r"(?:students?|children|child|kids?|pupils?|learners?|youths?|famil(?:y|ies)|parents?|boys?|girls?|"
           r"graduates?|dropouts?|suspensions?|expulsions?|referrals?|of\s+them)")
_SMALL = re.compile(rf"(?<![\w.,%/:-])(\d+)(?=(?:\s+[A-Za-z][\w-]*){{0,2}}?\s+{_PEOPLE}\b)", re.IGNORECASE)
_NOT_A_COUNT = re.compile(r"(?i)\b(?:grades?|class|room|period|week|day|year|page|goal|step|section|meeting)\s*$")


def mask_small_counts(text: str, min_size: int = MIN_SIZE) -> str:
    """Free text with every count of children from 1 to ``min_size - 1`` written "fewer than <min_size>".

    For what a team typed (notes, progress entries) before a room or a handout sees it: a
    safety net for the obvious cases ("recovered by 9 students"), not a proof like ``protect``.

    >>> mask_small_counts("11 credits recovered so far by 9 students; 17 families, 9 of them new.")
    '11 credits recovered so far by fewer than 10 students; 17 families, fewer than 10 of them new.'
    >>> mask_small_counts("Grade 9 students: 2 hours a week, 2 out-of-school suspensions.")
    'Grade 9 students: 2 hours a week, fewer than 10 out-of-school suspensions.'
    """
    text = str(text)

    def replace(match: re.Match) -> str:
        number = int(match[1])
        if not 1 <= number < min_size or _NOT_A_COUNT.search(text[:match.start()]):
            return match[0]
        return f"fewer than {min_size}"

    return _SMALL.sub(replace, text)
