"""Which unknowns a set of sums pins down: the exact audit behind complementary suppression.

A published table tells a reader a set of linear equations: each partition's members add up
to its total (the schools to the district, the race groups to All students, ...). The figures
the privacy layer hides are the unknowns. Rules applied one partition at a time (never one
hidden cell alone, the hidden cells together large enough) are not enough when tables are
linked: in a table of schools by race with known margins, two schools each hiding the same
two race groups close a rectangle, whose total is then known, and a third hidden cell in one
of those columns is that column's remainder, exactly.

``determined(equation, variable, size)`` answers the question exactly for equalities: the
unknowns whose value every solution shares. Unknown j is determined when the unit vector
e_j is a combination of the equations' rows, that is, when every vector of the null space of
the coefficient matrix is 0 at j (``determined`` says how it finds out, in time linear in the
table).

>>> # x0 + x1 = 5, x0 + x2 = 7, x2 = 4 (shown cells are constants, moved to the right)
>>> determined(np.array([0, 0, 1, 1, 2]), np.array([0, 1, 0, 2, 2]), 3).tolist()
[True, True, True]
>>> determined(np.array([0, 0, 1, 1]), np.array([0, 1, 2, 3]), 4).tolist()  # two pairs: safe
[False, False, False, False]

The 2 x 2 rectangle of hidden cells inside a bigger table with known margins (rows r0, r1;
columns c0 (hidden in r0, r1 and r2), c1 (hidden in r0, r1)): the cell (r2, c0) is pinned.

>>> cells = {("r0", "c0"): 0, ("r0", "c1"): 1, ("r1", "c0"): 2, ("r1", "c1"): 3, ("r2", "c0"): 4, ("r2", "c2"): 5}
>>> eq, var = [], []
>>> for e, line in enumerate([("r0",), ("r1",), ("r2",), ("c0",), ("c1",), ("c2",)]):
...     for key, j in cells.items():
...         if line[0] in key:
...             eq.append(e); var.append(j)
>>> determined(np.array(eq), np.array(var), len(cells)).tolist()
[False, False, False, False, True, True]

Only equalities are audited. Bounds (every count between 0 and its group's size) pin a
value only at the extremes, which the per-partition rules already keep away from (the hidden
cells of a partition together hold at least ``min_size`` children with and without the
outcome).
"""

from __future__ import annotations

import numpy as np

#: A null-space part smaller than this counts as zero: a free unknown's part is a normal variable
#: of order 0.1 to 1 (so about one in ten million is taken for fixed by chance, which only hides
#: one more figure), a fixed one's is the solver's error, under 1e-10.
TOLERANCE = 1e-8


def determined(equation: np.ndarray, variable: np.ndarray, size: int,
               coefficient: np.ndarray | None = None) -> np.ndarray:
    """Which of ``size`` unknowns the equations fix (every solution gives them the same value).

    The equations are given as entries: entry i puts ``coefficient[i]`` (default 1) on unknown
    ``variable[i]`` in equation ``equation[i]``; the right-hand sides do not matter. An unknown in
    no equation is not determined.

    How: for a random vector p, the least-norm solution z of M z = M p is p's part in the row
    space of M, so p - z lies in the null space, and is 0 exactly at the determined unknowns
    (almost surely: ``TOLERANCE``). z comes from conjugate gradients on the normal equations (CGLS, started at 0, which
    stays in the row space), with rows and columns scaled: a few hundred sparse products, however
    large the table.
    """
    equation, variable = np.asarray(equation, dtype=np.int64), np.asarray(variable, dtype=np.int64)
    coefficient = np.ones(len(equation)) if coefficient is None else np.asarray(coefficient, dtype=float)
    out = np.zeros(size, dtype=bool)
    if not len(equation):
        return out
    from scipy.sparse import csr_matrix  # imported here: only a protected table needs it

    used = np.zeros(size, dtype=bool)
    used[variable] = True
    neqs = int(equation.max()) + 1
    # Scaling rows and columns changes neither which unknowns are fixed nor the answer, and makes
    # the iterations converge faster (long partitions weigh as much as short ones).
    row_scale = 1 / np.sqrt(np.bincount(equation, weights=coefficient ** 2, minlength=neqs) + 1e-300)
    coefficient = coefficient * row_scale[equation]
    column_scale = 1 / np.sqrt(np.bincount(variable, weights=coefficient ** 2, minlength=size) + 1e-300)
    coefficient = coefficient * column_scale[variable]
    matrix = csr_matrix((coefficient, (equation, variable)), shape=(neqs, size))
    transpose = matrix.T.tocsr()
    probe = np.random.default_rng(0).normal(size=size) * used
    free = np.abs(probe - _least_norm(matrix, transpose, matrix @ probe))
    return used & (free < TOLERANCE)


def _least_norm(matrix, transpose, b: np.ndarray) -> np.ndarray:
    """CGLS: the least-norm z with M z = b (b in the range of M)."""
    z = np.zeros(matrix.shape[1])
    r = b.copy()
    s = transpose @ r
    d = s.copy()
    gamma = float(np.square(s).sum())  # not BLAS dot products: their threads spin on a busy machine
    start = max(gamma, 1.0)
    for _ in range(max(50, 4 * matrix.shape[1])):
        if gamma <= 1e-28 * start:
            break
        q = matrix @ d
        alpha = gamma / max(float(np.square(q).sum()), 1e-300)
        z += alpha * d
        r -= alpha * q
        s = transpose @ r
        new = float(np.square(s).sum())
        d = s + (new / gamma) * d
        gamma = new
    return z
