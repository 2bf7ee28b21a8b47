"""Tests of finmodel.risk.allocator: freed working arrays are reused, not mapped afresh."""

from __future__ import annotations

import platform
import resource

import numpy as np
import pytest

from finmodel.risk.allocator import keep_freed_memory

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


def _faults_allocating(n_bytes: int) -> int:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    array = np.ones(n_bytes // 8)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    del array
    return after - before


@pytest.mark.skipif(not GLIBC, reason="mallopt thresholds are glibc's")
def test_an_array_freed_and_allocated_again_reuses_its_pages() -> None:
    assert keep_freed_memory() is True
    assert keep_freed_memory() is True  # once per process; later calls change nothing
    n_bytes = 8 * 2**20  # 2,048 pages: each a fault when freshly mapped
    _faults_allocating(n_bytes)
    assert _faults_allocating(n_bytes) < 2**20 // 4096


@pytest.mark.skipif(GLIBC, reason="elsewhere the call does nothing")
def test_elsewhere_nothing_is_set() -> None:
    assert keep_freed_memory() is False
