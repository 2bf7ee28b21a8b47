"""Benchmark: a national model from file to answer (issue 9 item 4, issue 10 items 1, 4, 6).

Generates the national model of ``bench/projection.py`` (42 systems x 40 partners x 20 cost
lines = 33,600 lines, 10 years) and writes it as a YAML file laid out as a person would (a
block per partner, one line per cost line). Then times, as medians, side by side in one run:

* reading the YAML into data and line numbers: the old way (PyYAML's pure-Python parser run
  twice, once to compose nodes for line numbers and once for the data, then a walk of every
  node), PyYAML's C loader run the same two ways (for reference), and the new one-pass reader;
* validating the data into a model (``model_from_data``: pydantic and whole-model checks);
* ``compile_model`` and ``project_arrays`` (the projection), separately;
* ``finmodel run national.yaml --json`` end to end in a subprocess: wall time and peak memory
  (maximum resident set size of that process), next to ``finmodel version`` (start-up only).

Usage: python bench/load_national.py [--repeats N] [--old-repeats N] [--keep national.yaml]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from finmodel.engine.inputs import compile_model
from finmodel.engine.projection import project_arrays
from finmodel.io.yaml_io import model_from_data, read_model_data

sys.path.insert(0, str(Path(__file__).resolve().parent))
from projection import national_model

ROOT = Path(__file__).resolve().parents[1]


def median_seconds(func: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``func`` over ``repeats`` calls (the machine is shared:
    CPU seconds are the steadier figure)."""
    walls, cpus = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        func()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - start_cpu)
    return statistics.median(walls), statistics.median(cpus)


def show(label: str, timing: tuple[float, float], digits: int = 3) -> None:
    print(f"  {label:<44} {timing[0]:9.{digits}f} s wall {timing[1]:9.{digits}f} s CPU")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(round(value, 4) if abs(value) < 1 else round(value, 1))
    if isinstance(value, int):
        return str(value)
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value) and value.lower() not in ("true", "false"):
        return value
    return json.dumps(value)  # a double-quoted YAML scalar


def _flow(value: Any) -> str | None:
    """Flow style for a list of values or a mapping of values and such lists, else None."""
    if isinstance(value, list):
        if any(isinstance(v, (dict, list)) for v in value):
            return None
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    parts = []
    for key, item in value.items():
        inner = (
            None
            if isinstance(item, dict)
            else _flow(item)
            if isinstance(item, list)
            else _scalar(item)
        )
        if inner is None:
            return None
        parts.append(f"{key}: {inner}")
    return "{" + ", ".join(parts) + "}"


def to_yaml(value: Any, indent: str = "") -> str:
    """Model data as block YAML with each innermost list or mapping on one line."""
    rows: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            flow = _flow(item) if isinstance(item, (list, dict)) else _scalar(item)
            if flow is not None and (len(flow) < 200 or isinstance(item, list)):
                rows.append(f"{indent}{key}: {flow}\n")
            else:
                rows.append(f"{indent}{key}:\n{to_yaml(item, indent + '  ')}")
    else:
        for item in value:
            flow = _flow(item) if isinstance(item, (list, dict)) else _scalar(item)
            if flow is not None:
                rows.append(f"{indent}- {flow}\n")
            else:
                block = to_yaml(item, indent + "  ")
                rows.append(f"{indent}- {block[len(indent) + 2 :]}")
    return "".join(rows)


def old_two_pass(text: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """The former reader: pure-Python compose for lines, pure-Python load for data, full walk."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    data = yaml.safe_load(text)
    return data, _walk_lines(root)


def c_two_pass(text: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """The former reader with PyYAML's C loader for both passes (for reference)."""
    root = yaml.compose(text, Loader=yaml.CSafeLoader)
    data = yaml.load(text, Loader=yaml.CSafeLoader)
    return data, _walk_lines(root)


def _walk_lines(root: yaml.Node | None) -> dict[tuple[Any, ...], int]:
    lines: dict[tuple[Any, ...], int] = {}
    if root is None:
        return lines
    stack: list[tuple[yaml.Node, tuple[Any, ...]]] = [(root, ())]
    while stack:
        node, keys = stack.pop()
        lines.setdefault(keys, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                here = (*keys, key_node.value)
                lines[here] = key_node.start_mark.line + 1
                stack.append((value_node, here))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*keys, i)) for i, item in enumerate(node.value))
    return lines


#: Runs one command with its output discarded and prints wall seconds, peak RSS (KB), CPU
#: seconds and exit status. A small launcher, so the measured process's peak memory is its own
#: and not the copy of this (large) benchmark process a fork would start from.
LAUNCHER = """
import os, sys, time
start = time.perf_counter()
quiet = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)]
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ, file_actions=quiet)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
cpu = usage.ru_utime + usage.ru_stime
print(wall, usage.ru_maxrss, cpu, os.waitstatus_to_exitcode(status))
"""


def run_cli(*args: str) -> tuple[float, float, float, int]:
    """Wall seconds, peak RSS (MB), CPU seconds and exit status of ``finmodel ARGS``."""
    exe = shutil.which("finmodel", path=str(Path(sys.executable).parent)) or "finmodel"
    out = subprocess.run(
        [sys.executable, "-c", LAUNCHER, exe, *args], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), float(out[1]) / 1024, float(out[2]), int(out[3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--old-repeats", type=int, default=1, help="the old reader takes ~25 s")
    parser.add_argument("--keep", type=Path, help="also write the national model here")
    args = parser.parse_args()

    start = time.perf_counter()
    model = national_model()
    data = model.model_dump(mode="json", exclude_unset=True, by_alias=True)
    text = to_yaml(data)
    folder = Path(tempfile.mkdtemp(prefix="finmodel-national-"))
    path = folder / "national.yaml"
    path.write_text(text, encoding="utf-8")
    if args.keep:
        shutil.copyfile(path, args.keep)
    n_lines = sum(len(p.costs) for p in model.partners)
    print(
        f"National model: {len(model.partners):,} partners, {n_lines:,} cost lines, "
        f"{model.timeline.horizon} years; {len(text.encode()) / 2**20:.2f} MB of YAML, "
        f"{text.count(chr(10)):,} text lines (generated in {time.perf_counter() - start:.1f} s)"
    )

    print("\nReading the YAML into data and line numbers (medians)")
    new_read = median_seconds(lambda: read_model_data(path), args.repeats)
    c_read = median_seconds(lambda: c_two_pass(path.read_text()), max(1, args.repeats // 2))
    old_read = median_seconds(lambda: old_two_pass(path.read_text()), args.old_repeats)
    new_data, index = read_model_data(path)
    same = yaml.load(text, Loader=yaml.CSafeLoader)
    assert new_data == same, "the new reader must give the same data as PyYAML"
    show("old: pure-Python parser twice + line walk", old_read, 2)
    show("PyYAML C loader twice + line walk", c_read, 2)
    show("new: libyaml events, one bounded pass", new_read, 2)
    print(f"  ratio old / new (CPU)                        {old_read[1] / new_read[1]:9.1f}x")
    print(f"  ratio C twice / new (CPU)                    {c_read[1] / new_read[1]:9.1f}x")

    print("\nAfter reading (medians)")
    validate = median_seconds(lambda: model_from_data(new_data, str(path), index), args.repeats)
    loaded = model_from_data(new_data, str(path), index)
    compiled = median_seconds(lambda: compile_model(loaded), args.repeats)
    inputs = compile_model(loaded)
    projected = median_seconds(lambda: project_arrays(inputs), args.repeats)
    show("validate (model_from_data)", validate)
    show("compile_model", compiled)
    show("project_arrays", projected)
    total = (new_read[0] + validate[0], new_read[1] + validate[1])
    show("load_model = read + validate", total)
    print(f"  (the old reader + validate: {old_read[1] + validate[1]:.1f} s CPU)")

    print("\nEnd to end in a subprocess (medians; peak RSS of that process)")
    runs = [run_cli("run", str(path), "--json") for _ in range(max(1, args.repeats // 2))]
    startup = [run_cli("version") for _ in range(max(1, args.repeats // 2))]
    assert all(r[3] == 0 for r in runs), runs
    for label, rows in (
        ("finmodel version (start-up only)", startup),
        ("finmodel run national.yaml --json", runs),
    ):
        wall = statistics.median(r[0] for r in rows)
        cpu = statistics.median(r[2] for r in rows)
        rss = max(r[1] for r in rows)
        print(f"  {label:<44} {wall:9.2f} s wall {cpu:9.2f} s CPU, peak {rss:,.0f} MB")
    print("  target: finmodel run national.yaml --json at most 3 s wall and under 1 GB")
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
