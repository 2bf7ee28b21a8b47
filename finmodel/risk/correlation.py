"""Rank correlation between uncertain inputs by Iman-Conover, reproducible whatever the chunking.

Iman and Conover (1982) induce a target rank-correlation matrix ``C`` on independent samples
without changing any input's marginal values: each column is *reordered* to follow the ranks of
a score matrix whose correlation is ``C``. Here, for a block of ``L`` draws and ``k`` inputs:

1. scores ``S = Phi^-1(r / (L + 1))`` (van der Waerden scores of ``1..L``), each column
   shuffled by its own seeded permutation;
2. ``S`` is decorrelated (``S E^-T`` with ``E E^T`` its sample correlation, Cholesky) and given
   the target correlation (``x P^T`` with ``P P^T = C``);
3. each input's uniforms are sorted and placed in the rank order of the corresponding column.

Reproducibility: the work is done per **block** of :data:`~finmodel.risk.sampling.BLOCK_SIZE`
draws, the unit :mod:`finmodel.risk.sampling` keys its streams by, with the permutations of
step 1 drawn from ``SeedSequence(seed, spawn_key=(block, CORRELATION_STREAM))``; a chunk is cut
from whole correlated blocks, so draws are bit-identical whatever the chunk size. Each block's
rank correlation matches ``C`` up to sampling error of order ``1 / sqrt(L)``.

Example
-------
>>> import numpy as np
>>> c = np.array([[1.0, 0.7], [0.7, 1.0]])
>>> u = correlated_uniforms(1, slice(0, 4096), 2, n_draws=4096, matrix=c)
>>> round(float(rank_correlation(u)[0, 1]), 1)
0.7
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

from finmodel.domain.correlation import RankCorrelation
from finmodel.risk.sampling import BLOCK_SIZE, SamplingMethod, draw_uniforms

Floats = NDArray[np.float64]

#: The spawn-key column reserved for the correlation permutations (beyond any input column).
CORRELATION_STREAM = 2**31 - 1


class CorrelationError(ValueError):
    """A correlation matrix that cannot be used (names problems)."""


def correlation_matrix(keys: Sequence[str], pairs: Sequence[RankCorrelation]) -> Floats | None:
    """The rank-correlation matrix of ``keys`` (in column order) from the pairs, or None when no
    pair names two of them. Raises :class:`CorrelationError` for an unknown key, a pair given
    twice, or a matrix that is not positive definite.

    >>> p = [RankCorrelation(between=["a", "b"], rank_correlation=0.5, source="illustrative")]
    >>> correlation_matrix(["a", "b", "c"], p).tolist()
    [[1.0, 0.5, 0.0], [0.5, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    if not pairs:
        return None
    index = {key: i for i, key in enumerate(keys)}
    matrix = np.eye(len(keys))
    problems = []
    seen: set[frozenset[str]] = set()
    for n, pair in enumerate(pairs):
        unknown = [k for k in pair.pair if k not in index]
        if unknown:
            problems.append(f"correlations[{n}]: not an uncertainty key: {', '.join(unknown)}")
            continue
        if frozenset(pair.pair) in seen:
            problems.append(f"correlations[{n}]: the pair {list(pair.pair)} is given twice")
            continue
        seen.add(frozenset(pair.pair))
        i, j = index[pair.pair[0]], index[pair.pair[1]]
        matrix[i, j] = matrix[j, i] = pair.rank_correlation
    if not problems and np.linalg.eigvalsh(matrix).min() <= 1e-10:
        problems.append("correlations: the matrix they form is not positive definite")
    if problems:
        raise CorrelationError("; ".join(problems))
    return matrix


def rank_correlation(values: Floats) -> Floats:
    """Spearman rank correlation of the columns of ``values`` ``(n, k)`` (no ties expected)."""
    ranks = np.argsort(np.argsort(values, axis=0), axis=0).astype(float)
    return np.asarray(np.corrcoef(ranks, rowvar=False), dtype=float).reshape(
        values.shape[1], values.shape[1]
    )


def iman_conover(uniforms: Floats, matrix: Floats, rng: np.random.Generator) -> Floats:
    """Reorder each column of ``uniforms`` ``(L, k)`` so that their rank correlation is about
    ``matrix``; the values of each column are unchanged (a permutation of them)."""
    n, k = uniforms.shape
    if n < k + 2 or k < 2:
        return uniforms.copy()
    base = _normal_scores(n)
    scores = np.column_stack([rng.permutation(base) for _ in range(k)])
    sample = np.corrcoef(scores, rowvar=False)
    decorrelated = scores @ np.linalg.inv(np.linalg.cholesky(sample)).T
    target = decorrelated @ np.linalg.cholesky(matrix).T
    # the rank of each value in its column: the inverse of the sorting permutation (one sort,
    # not two; the same ranks)
    by_rank = np.argsort(target, axis=0)
    order = np.empty_like(by_rank)
    np.put_along_axis(order, by_rank, np.arange(n)[:, None], axis=0)
    return np.take_along_axis(np.sort(uniforms, axis=0), order, axis=0)


@functools.lru_cache(maxsize=4)
def _normal_scores(n: int) -> Floats:
    """The van der Waerden scores ``Phi^-1(i / (n + 1))``, ``i = 1..n`` (read-only; the same
    for every block of a run)."""
    scores = ndtri(np.arange(1, n + 1) / (n + 1.0))
    scores.flags.writeable = False
    return np.asarray(scores, dtype=float)


def correlated_uniforms(
    seed: int,
    draws: slice,
    n_inputs: int,
    *,
    n_draws: int,
    matrix: Floats | None,
    method: SamplingMethod = "random",
) -> Floats:
    """:func:`~finmodel.risk.sampling.draw_uniforms` with the rank correlation ``matrix``
    induced block by block (identical to it when ``matrix`` is None or the identity)."""
    if matrix is None or np.allclose(matrix, np.eye(n_inputs)):
        return draw_uniforms(seed, draws, n_inputs, n_draws=n_draws, method=method)
    start, stop, _ = draws.indices(n_draws)
    stop = max(stop, start)
    out = np.empty((stop - start, n_inputs))
    if stop == start:
        return out
    for block in range(start // BLOCK_SIZE, (stop - 1) // BLOCK_SIZE + 1):
        first = block * BLOCK_SIZE
        last = min(first + BLOCK_SIZE, n_draws)
        whole = draw_uniforms(seed, slice(first, last), n_inputs, n_draws=n_draws, method=method)
        rng = np.random.Generator(
            np.random.Philox(np.random.SeedSequence(seed, spawn_key=(block, CORRELATION_STREAM)))
        )
        correlated = iman_conover(whole, matrix, rng)
        lo, hi = max(start, first), min(stop, last)
        out[lo - start : hi - start] = correlated[lo - first : hi - first]
    return out
