"""Default sizes of a Monte Carlo run: draws, seed, block and chunk sizes (plain integers).

Kept apart from the sampling and simulation modules so that the command line can show them as
option defaults without importing numpy.

>>> DEFAULT_CHUNK_SIZE % BLOCK_SIZE
0
"""

from __future__ import annotations

#: Seed used when none is given (any non-negative integer reproduces a run).
DEFAULT_SEED = 20200401
#: Draws used when none are given.
DEFAULT_DRAWS = 10_000
#: Draws per block: the unit of random-stream keying and of Latin hypercube stratification.
BLOCK_SIZE = 4096
#: A sensible chunk size for callers: a multiple of the block size.
DEFAULT_CHUNK_SIZE = 4 * BLOCK_SIZE

__all__ = ["BLOCK_SIZE", "DEFAULT_CHUNK_SIZE", "DEFAULT_DRAWS", "DEFAULT_SEED"]
