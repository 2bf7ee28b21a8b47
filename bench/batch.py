"""Benchmark of ``finmodel batch`` (issue 15): serial vs local processes vs a Dask LocalCluster.

Writes the synthetic national set (scripts/make_national_set.py) into a temporary folder, then
runs the same manifest (systems x 3 scenarios x draws) on each executor, each in a fresh Python
process so that its peak memory is its own, side by side in one run:

* wall time of the whole batch (loading, planning, Monte Carlo, combining) and the speed-up over
  serial; the results of every executor must be identical (the tidy frames' hashes are compared);
* peak resident memory per worker (serial: the one process; processes: the largest worker;
  Dask: each worker);
* from the serial run's measured CPU time per run (CPU, not wall, so that other load on the
  machine does not inflate it), an **estimate** of the wall time on a 16- and a 64-worker
  cluster, and of the issue's full workload (42 systems x 6 scenarios x 100,000 draws): work /
  workers + the client's combining time (which no executor spreads). It assumes workers as fast
  as this machine's cores, tasks spread evenly, a running cluster (no start-up) and no
  scheduling or transfer cost; it is not a measurement.

Usage: python bench/batch.py [--count 42] [--draws 10000] [--workers 2] [--repeats 1]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ["base", "higher_demand", "lower_efficiency"]


def _write_set(folder: Path, count: int, draws: int) -> Path:
    spec = importlib.util.spec_from_file_location("mns", ROOT / "scripts" / "make_national_set.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_set(folder, count=count, seed=2019)
    manifest = {
        "name": f"bench: {count} synthetic systems x {len(SCENARIOS)} scenarios x {draws} draws",
        "models": ["systems"],
        "scenarios": SCENARIOS,
        "run": {"project": True, "simulate": {"draws": draws, "seed": 2019}},
    }
    path = folder / "bench.yaml"
    path.write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return path


def frame_hash(frame: pd.DataFrame) -> str:
    """sha256 of a frame's columns and every value (bitwise)."""
    digest = hashlib.sha256(",".join(frame.columns).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    digest.update(frame["value"].to_numpy().tobytes())
    return digest.hexdigest()


def child(manifest: Path, mode: str, workers: int) -> dict[str, Any]:
    """Run the batch once in this process on one executor; timings, memory, result hash."""
    from finmodel.batch import load_manifest, make_executor, run_batch

    started, cpu = time.perf_counter(), time.process_time()
    loaded = load_manifest(manifest)
    executor = make_executor(
        "dask" if mode == "dask" else mode,  # type: ignore[arg-type]
        workers=workers,
        local_workers=workers if mode == "dask" else None,
    )
    result = run_batch(loaded, executor)
    startup = getattr(executor, "startup_seconds", 0.0)
    return {
        "mode": mode,
        "workers": result.workers,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "combine_cpu_seconds": result.combine_cpu_seconds,
        "compute_seconds": result.compute_seconds,
        "startup_seconds": startup,
        "runs": result.n_runs,
        "tasks": result.n_tasks,
        "failures": len(result.failures),
        "peak_memory_mb": {k: round(v / 2**20) for k, v in result.peak_memory.items()},
        "hash": frame_hash(result.frame),
    }


def _run_child(manifest: Path, mode: str, workers: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", mode, "--manifest", str(manifest)]
    out = subprocess.run(
        [*command, "--workers", str(workers)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=42)
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--child", choices=["serial", "processes", "dask"])
    parser.add_argument("--manifest", type=Path)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.manifest, args.child, args.workers)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        manifest = _write_set(Path(tmp), args.count, args.draws)
        print(f"{args.count} systems x {len(SCENARIOS)} scenarios x {args.draws:,} draws")
        load_before = os.getloadavg()[0]
        runs: dict[str, list[dict[str, Any]]] = {"serial": [], "processes": [], "dask": []}
        for _ in range(args.repeats):
            for mode in runs:  # side by side in each repeat
                runs[mode].append(_run_child(manifest, mode, args.workers))
    print(
        f"load average (1 min) {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on "
        f"{os.cpu_count()} cores: above the core count, other work shares them"
    )
    hashes = {r["hash"] for rs in runs.values() for r in rs}
    wall = {mode: statistics.median(r["seconds"] for r in rs) for mode, rs in runs.items()}
    print(f"identical results on every executor: {len(hashes) == 1}")
    start = statistics.median(r["startup_seconds"] for r in runs["dask"])
    print(f"{'executor':<24}{'wall s':>9}{'speed-up':>10}  peak memory per worker (MB)")
    labels = {
        "serial": "serial",
        "processes": f"processes ({args.workers})",
        "dask": f"Dask LocalCluster ({args.workers})",
    }
    for mode, rs in runs.items():
        memory = ", ".join(f"{v}" for v in rs[-1]["peak_memory_mb"].values())
        speed = wall["serial"] / wall[mode]
        print(f"{labels[mode]:<24}{wall[mode]:>9.1f}{speed:>9.2f}x  {memory}")
    ready = wall["dask"] - start
    print(
        f"Dask LocalCluster start-up {start:.1f} s; without it {ready:.1f} s, "
        f"speed-up {wall['serial'] / ready:.2f}x (a running cluster has no start-up)"
    )
    serial = runs["serial"][-1]
    n_runs = serial["runs"]
    cpu = statistics.median(r["cpu_seconds"] for r in runs["serial"])
    combine = statistics.median(r["combine_cpu_seconds"] for r in runs["serial"])
    per_run = (cpu - combine) / n_runs
    print(
        f"serial CPU time {cpu:.1f} s: {per_run:.3f} s a run ({serial['tasks'] / n_runs:g} "
        f"task(s): load + plan + {args.draws:,} draws), {combine:.1f} s combining in the client"
    )
    full_runs = 42 * 6 * 100_000 / args.draws  # in units of this batch's runs
    for workers in (16, 64):
        this = n_runs * per_run / workers + combine
        full = full_runs * (per_run / workers + combine / n_runs)
        print(
            f"estimate, {workers} workers: this batch {this:.0f} s; "
            f"42 systems x 6 scenarios x 100,000 draws {full / 60:.1f} min"
        )


if __name__ == "__main__":
    main()
