"""Task planning for a batch: run keys, run seeds and chunk tasks.

A **run** is one model file under one scenario. Its key is a stable hash of the model file's
sha256 and the scenario id (not of its path or its place in the manifest), and its seed is
spawned from the batch seed and that key with :class:`numpy.random.SeedSequence`. A **task** is
one chunk of draws of one run: ``simulate_chunk(plan, draws)`` of :mod:`finmodel.risk.montecarlo`,
whose draws come from ``SeedSequence(run_seed, spawn_key=(block, input))`` for the blocks of
4,096 draws the chunk covers. So a task is a pure function of (batch seed, model file hash,
scenario, chunk index, chunk size), a batch gives the same numbers as
``finmodel simulate --seed RUN_SEED`` on each model, and the numbers do not depend on the
executor, the worker count, the order of the manifest or the chunk size.

>>> key = run_key("ab" * 32, "base")
>>> len(key), run_seed(1, key) == run_seed(1, key), run_seed(1, key) == run_seed(2, key)
(64, True, False)
>>> [(t.index, t.draws) for t in chunk_tasks(key, n_draws=10, chunk_size=4)]
[(0, slice(0, 4, None)), (1, slice(4, 8, None)), (2, slice(8, 10, None))]
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from finmodel.risk.sampling import chunk_slices

#: Version of the key and seed derivation (changing it changes every batch's numbers).
KEY_VERSION = "finmodel-batch-1"


def run_key(model_sha256: str, scenario: str) -> str:
    """Stable hex key of a run: sha256 of the derivation version, model hash and scenario."""
    text = f"{KEY_VERSION}\0{model_sha256}\0{scenario}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_seed(batch_seed: int, key: str) -> int:
    """The seed of one run, spawned from the batch seed and the run key (a 63-bit integer).

    ``SeedSequence(batch_seed, spawn_key=words of the key)``: runs of one batch get independent
    streams, and the same batch seed and model file always get the same seed.
    """
    words = np.frombuffer(bytes.fromhex(key)[:16], dtype="<u4")
    sequence = np.random.SeedSequence(batch_seed, spawn_key=tuple(int(w) for w in words))
    high, low = (int(w) for w in sequence.generate_state(2, np.uint32))
    return ((high << 32) | low) & (2**63 - 1)


@dataclass(frozen=True)
class ChunkTask:
    """One chunk of draws of one run: the unit of work sent to a worker."""

    run: str
    """The run key."""
    index: int
    """The chunk's position in the run (results are combined in this order)."""
    draws: slice
    """The draws ``start .. stop - 1`` of the run."""

    @property
    def key(self) -> str:
        """A unique, stable task name (the Dask key)."""
        return f"finmodel-chunk-{self.run[:24]}-{self.index}"

    @property
    def n_draws(self) -> int:
        """Draws in the chunk."""
        return self.draws.stop - self.draws.start


def chunk_tasks(run: str, *, n_draws: int, chunk_size: int) -> list[ChunkTask]:
    """The tasks of one run, in chunk order."""
    return [ChunkTask(run, i, s) for i, s in enumerate(chunk_slices(n_draws, chunk_size))]
