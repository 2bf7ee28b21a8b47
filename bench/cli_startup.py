"""How long the ``finmodel`` command takes to start and answer, as a user runs it.

Runs each command ``--repeat`` times as a fresh subprocess (interleaved, so a busy machine slows
every command alike) and prints the median CPU time (user + system, of the child process) and
wall time of each, beside its target, and the ratio to the floor: ``python -c pass`` measured in
the same run. CPU time is the figure the targets are set on: wall time also counts waiting for
a shared machine's cores.

    python bench/cli_startup.py               # 7 runs of each command
    python bench/cli_startup.py --repeat 15
    python bench/cli_startup.py --baseline /tmp/old   # also an older source tree, side by side

``--baseline`` takes a source tree of finmodel with its models (for example ``git archive
<commit> finmodel models | tar -x -C /tmp/old``); its commands run from that folder with it
first on ``PYTHONPATH``, interleaved with the current ones, and are reported as extra rows.

Targets (issue 9): ``--help`` 0.3 s CPU, ``validate`` of the default model 0.8 s, ``run`` of
the default model (no ``--out``) 1.2 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = ROOT / "models" / "lsc_ics.yaml"

#: (label, arguments after ``python``, target CPU seconds or None for the floor).
COMMANDS: list[tuple[str, list[str], float | None]] = [
    ("python -c pass (floor)", ["-c", "pass"], None),
    ("finmodel --help", ["-m", "finmodel", "--help"], 0.3),
    ("finmodel validate (default model)", ["-m", "finmodel", "validate", str(DEFAULT_MODEL)], 0.8),
    ("finmodel run (default model)", ["-m", "finmodel", "run"], 1.2),
]


def _run_once(args: list[str], source: Path | None = None) -> tuple[float, float]:
    """CPU seconds (user + system) and wall seconds of one run of ``python args``; with
    ``source``, that source tree is imported instead of the installed package."""
    env = {**os.environ, "COLUMNS": "160"}
    if source is not None:
        env["PYTHONPATH"] = str(source)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT if source is None else source,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs of each command (median)")
    parser.add_argument("--baseline", type=Path, help="an older finmodel source tree to compare")
    options = parser.parse_args()
    runs: list[tuple[str, list[str], float | None, Path | None]] = [
        (label, args, target, None) for label, args, target in COMMANDS
    ]
    if options.baseline is not None:
        runs += [
            (f"{label} [baseline]", args, None, options.baseline.resolve())
            for label, args, target in COMMANDS
            if target is not None
        ]
    cpu: dict[str, list[float]] = {label: [] for label, _, _, _ in runs}
    wall: dict[str, list[float]] = {label: [] for label, _, _, _ in runs}
    for _label, args, _, source in runs:  # warm the file cache once, untimed
        _run_once(args, source)
    for _ in range(options.repeat):
        for label, args, _, source in runs:
            c, w = _run_once(args, source)
            cpu[label].append(c)
            wall[label].append(w)
    floor = statistics.median(cpu[COMMANDS[0][0]])
    print(f"finmodel command-line start-up, median of {options.repeat} runs (seconds)")
    print(f"{'command':<46} {'CPU':>6} {'wall':>6} {'target':>7} {'met':>4} {'x floor':>8}")
    for label, _, target, _ in runs:
        c, w = statistics.median(cpu[label]), statistics.median(wall[label])
        shown = "" if target is None else f"{target:.1f}"
        met = "" if target is None else ("yes" if c <= target else "NO")
        print(f"{label:<46} {c:6.2f} {w:6.2f} {shown:>7} {met:>4} {c / floor:8.1f}")


if __name__ == "__main__":
    main()
