"""Reproducible, chunked uniform variates for Monte Carlo and Latin hypercube sampling.

Draws are numbered ``0 .. n_draws - 1`` and grouped into fixed **blocks** of
:data:`BLOCK_SIZE` draws. The uniforms of input ``j`` in block ``b`` come from their own
Philox stream keyed by ``SeedSequence(seed, spawn_key=(b, j))``: they are a pure function of
``(seed, b, j)`` (and, for Latin hypercube, of the block's length). A chunk of draws
``[start, stop)`` is built from the blocks it overlaps, so:

* **any chunking gives bit-identical draws** for the same seed and ``n_draws``, whatever the chunk
  sizes (multiples of the block size are merely the cheapest: no block is generated twice);
* a chunk is a pure function of ``(seed, start, stop, n_inputs, method, n_draws)``, so chunks can
  be computed by separate workers (:func:`draw_uniforms`) in any order;
* memory is bounded by the chunk (``chunk x n_inputs`` float64 plus one block per input), not by
  ``n_draws``;
* adding an input (a new column at the end) leaves every other input's draws unchanged.

Methods
-------
``"random"``
    Plain Monte Carlo. Draws are prefix-stable: the first ``n`` draws of a run of ``m > n``
    draws are those of a run of ``n`` draws.
``"lhs"``
    Latin hypercube, **stratified within each block**: in a block of ``L`` draws each input has
    exactly one draw in each of the ``L`` equal-probability strata ``[k/L, (k+1)/L)``, the
    strata paired at random across inputs. A whole run is therefore a union of independent Latin
    hypercubes of size :data:`BLOCK_SIZE` (the last one shorter), not one hypercube of size
    ``n_draws``: every full block is stratified at resolution ``1/BLOCK_SIZE``, which captures
    nearly all the variance reduction for smooth outputs, but the stratification is no finer
    than that however many draws are taken. The last, partial block is stratified over its own
    length, so LHS draws of the final block depend on ``n_draws`` (not prefix-stable).

Uniforms lie in the open interval (0, 1) (clipped to ``[2**-54, 1 - 2**-53]``), so inverse CDFs
never return infinities.

>>> chunks = list(iter_chunks(n_draws=10, chunk_size=4, seed=7, n_inputs=2))
>>> [(s.start, s.stop, u.shape) for s, u in chunks]
[(0, 4, (4, 2)), (4, 8, (4, 2)), (8, 10, (2, 2))]
>>> bool((draw_uniforms(7, slice(4, 8), 2, n_draws=10) == chunks[1][1]).all())
True
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from finmodel.risk.defaults import BLOCK_SIZE

SamplingMethod = Literal["random", "lhs"]
METHODS: tuple[SamplingMethod, ...] = ("random", "lhs")

_LOWEST = 2.0**-54
_HIGHEST = 1.0 - 2.0**-53

Floats = NDArray[np.float64]


def _generator(seed: int, block: int, column: int) -> np.random.Generator:
    return np.random.Generator(
        np.random.Philox(np.random.SeedSequence(seed, spawn_key=(block, column)))
    )


def _block_column(
    seed: int, block: int, column: int, length: int, method: SamplingMethod
) -> Floats:
    """The uniforms of one input over one whole block of ``length`` draws."""
    rng = _generator(seed, block, column)
    if method == "random":
        return rng.random(length)
    jitter = rng.random(length)
    strata = rng.permutation(length)
    return (strata + jitter) / length


def _check(n_draws: int, seed: int, n_inputs: int, method: str) -> None:
    if n_draws < 0:
        raise ValueError(f"n_draws must be >= 0, got {n_draws}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    if n_inputs < 0:
        raise ValueError(f"n_inputs must be >= 0, got {n_inputs}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")


def draw_uniforms(
    seed: int,
    draws: slice,
    n_inputs: int,
    *,
    n_draws: int,
    method: SamplingMethod = "random",
) -> Floats:
    """Uniforms in (0, 1) for the draws ``draws.start .. draws.stop - 1`` of a run.

    Returns float64 of shape ``(stop - start, n_inputs)``: row ``i`` is draw ``start + i``,
    column ``j`` is input ``j``. ``n_draws`` is the run's total number of draws (it fixes the
    length of the last Latin hypercube block). A pure function of its arguments.

    >>> u = draw_uniforms(1, slice(0, 3), 2, n_draws=3)
    >>> u.shape, bool(((u > 0) & (u < 1)).all())
    ((3, 2), True)
    """
    _check(n_draws, seed, n_inputs, method)
    start, stop, step = draws.indices(n_draws)
    if step != 1:
        raise ValueError("draws must be a contiguous slice")
    stop = max(stop, start)
    out = np.empty((stop - start, n_inputs), dtype=np.float64)
    if stop == start or n_inputs == 0:
        return out
    for block in range(start // BLOCK_SIZE, (stop - 1) // BLOCK_SIZE + 1):
        block_start = block * BLOCK_SIZE
        length = min(BLOCK_SIZE, n_draws - block_start)
        lo = max(start, block_start)
        hi = min(stop, block_start + length)
        for column in range(n_inputs):
            values = _block_column(seed, block, column, length, method)
            out[lo - start : hi - start, column] = values[lo - block_start : hi - block_start]
    np.clip(out, _LOWEST, _HIGHEST, out=out)
    return out


def iter_chunks(
    n_draws: int,
    chunk_size: int,
    seed: int,
    n_inputs: int,
    method: SamplingMethod = "random",
) -> Iterator[tuple[slice, Floats]]:
    """Yield ``(draw_slice, uniforms)`` chunk by chunk, covering draws ``0 .. n_draws - 1``.

    ``uniforms`` is float64 of shape ``(len(draw_slice), n_inputs)`` in (0, 1). Every chunk but
    the last has ``chunk_size`` draws. The concatenation of the chunks is the same array
    whatever ``chunk_size`` (use a multiple of :data:`BLOCK_SIZE` for speed).

    >>> [s for s, _ in iter_chunks(5, 2, seed=0, n_inputs=1)]
    [slice(0, 2, None), slice(2, 4, None), slice(4, 5, None)]
    """
    _check(n_draws, seed, n_inputs, method)
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    for start in range(0, n_draws, chunk_size):
        draws = slice(start, min(start + chunk_size, n_draws))
        yield draws, draw_uniforms(seed, draws, n_inputs, n_draws=n_draws, method=method)


def chunk_slices(n_draws: int, chunk_size: int) -> list[slice]:
    """The draw slices :func:`iter_chunks` would yield, for handing chunks to workers.

    >>> chunk_slices(10, 4)
    [slice(0, 4, None), slice(4, 8, None), slice(8, 10, None)]
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    return [slice(s, min(s + chunk_size, n_draws)) for s in range(0, n_draws, chunk_size)]
