"""Batch runs over many model files and scenarios, on this process, a process pool or Dask.

``finmodel batch MANIFEST`` reads a manifest (:mod:`finmodel.batch.manifest`), plans one run per
model file and scenario and one task per chunk of Monte Carlo draws (:mod:`finmodel.batch.tasks`),
computes the tasks on an executor (:mod:`finmodel.batch.executors`), combines each run's chunks
in chunk order (:mod:`finmodel.batch.runner`) and writes one tidy table
(:mod:`finmodel.batch.results`). The numbers are identical to the last bit whatever the
executor and worker count. Layering: this package may import ``engine``, ``risk``,
``investment`` and ``io``; only ``cli`` imports it. Dask and pyarrow are imported only when used.
"""

from finmodel.batch.executors import DaskExecutor, ProcessExecutor, SerialExecutor, make_executor
from finmodel.batch.manifest import LoadedManifest, Manifest, load_manifest
from finmodel.batch.runner import BatchResult, Failure, run_batch

__all__ = [
    "BatchResult",
    "DaskExecutor",
    "Failure",
    "LoadedManifest",
    "Manifest",
    "ProcessExecutor",
    "SerialExecutor",
    "load_manifest",
    "make_executor",
    "run_batch",
]
