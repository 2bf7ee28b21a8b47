"""Tidy batch results: one row per (run, entity, measure, year, statistic), and a summary.

Columns of the tidy frame (and of the Parquet file):

========== ================================================================================
system      the model's name
file        the model file as the manifest resolved it
model_sha256 sha256 of the model file's bytes (the run key is made from it)
scenario    ``base`` (the model as written) or the scenario id
basis       ``reported`` (the position as the model reports it); room for ``underlying``
entity      a partner id, ``system``, or an investment id
option      the investment option (empty for partners and the system)
measure     ``surplus``, ``control_total``, ``p_meet_control_total``, ``p_break_even``,
            ``npsv``, ``p_npsv_positive``
year        ``"2020/21"``; empty for NPSV (over the appraisal period)
statistic   ``deterministic``, ``P5``, ``P10``, ``P50``, ``P90``, ``P95``, ``mean``,
            ``probability``
value       float64: £k for money (surplus +, deficit -), a fraction for probabilities
========== ================================================================================

>>> list(empty_frame().columns)[:4]
['system', 'file', 'model_sha256', 'scenario']
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from finmodel.engine.result import ProjectionResult
from finmodel.risk.montecarlo import SimulationResult

COLUMNS = (
    "system",
    "file",
    "model_sha256",
    "scenario",
    "basis",
    "entity",
    "option",
    "measure",
    "year",
    "statistic",
    "value",
)
#: The basis of every row this version writes (the engine reports no underlying position yet).
REPORTED = "reported"

Row = tuple[str, str, str, str, str, str, str, str, str, str, float]


@dataclass(frozen=True)
class RunLabel:
    """The identifying columns of one run's rows."""

    system: str
    file: str
    model_sha256: str
    scenario: str


def empty_frame() -> pd.DataFrame:
    """A tidy frame with no rows (the columns and dtypes of :func:`tidy_frame`)."""
    return tidy_frame([])


def tidy_frame(rows: list[Row]) -> pd.DataFrame:
    """Rows as the tidy frame: text columns categorical, ``value`` float64."""
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["value"] = frame["value"].astype(np.float64)
    for column in COLUMNS[:-1]:
        frame[column] = frame[column].astype(str).astype("category")
    return frame


def projection_rows(label: RunLabel, result: ProjectionResult) -> Iterator[Row]:
    """Deterministic surplus and control total of each partner and the system, by year."""
    a = result.arrays
    series: list[tuple[str, str, Any]] = []
    for i, pid in enumerate(result.inputs.partner_ids):
        series += [(pid, "surplus", a.surplus[i]), (pid, "control_total", a.control_total[i])]
    series += [("system", "surplus", a.system_surplus)]
    series += [("system", "control_total", a.system_control_total)]
    for entity, measure, values in series:
        for year, value in zip(result.years, np.asarray(values, dtype=float).tolist(), strict=True):
            if not math.isnan(value):
                yield _row(label, entity, "", measure, year, "deterministic", value)


def simulation_rows(label: RunLabel, result: SimulationResult) -> Iterator[Row]:
    """Percentiles and mean of every surplus, the probabilities, and each investment's NPSV."""
    for r, entity in enumerate(result.row_names):
        for name, values in result.surplus.as_dict().items():
            yield from _year_rows(label, entity, "surplus", name, result.years, values[r])
        for measure, values in (
            ("p_meet_control_total", result.p_meet_control_total[r]),
            ("p_break_even", result.p_break_even[r]),
        ):
            yield from _year_rows(label, entity, measure, "probability", result.years, values)
    for inv_id, inv in result.investments.items():
        for o, option in enumerate(inv.option_ids):
            yield _row(
                label, inv_id, option, "npsv", "", "deterministic", inv.deterministic_npsv[o]
            )
            for name, values in inv.npsv.as_dict().items():
                yield _row(label, inv_id, option, "npsv", "", name, values[o])
            yield _row(
                label, inv_id, option, "p_npsv_positive", "", "probability", inv.p_npsv_positive[o]
            )


def _year_rows(
    label: RunLabel, entity: str, measure: str, statistic: str, years: list[str], values: Any
) -> Iterator[Row]:
    for year, value in zip(years, np.asarray(values, dtype=float).tolist(), strict=True):
        if not math.isnan(value):
            yield _row(label, entity, "", measure, year, statistic, value)


def _row(
    label: RunLabel,
    entity: str,
    option: str,
    measure: str,
    year: str,
    statistic: str,
    value: float,
) -> Row:
    return (
        label.system,
        label.file,
        label.model_sha256,
        label.scenario,
        REPORTED,
        entity,
        option,
        measure,
        year,
        statistic,
        float(value),
    )


def summary_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Per system and scenario, the final year: reported surplus, control total, P(meet control
    total), P5/P50/P95 of the system surplus, and the NPSV P5/P50/P95 of each investment's
    best option (highest deterministic NPSV among the options that differ from do nothing) as
    text. Money in £k.

    >>> summary_frame(empty_frame()).empty
    True
    """
    columns = ["system", "scenario", "year", "surplus", "control_total", "p_meet_control_total"]
    columns += ["surplus_P5", "surplus_P50", "surplus_P95", "npsv"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    plain = frame.astype({c: str for c in COLUMNS[:-1]})
    out = []
    for (_file, scenario), run in plain.groupby(["file", "scenario"], sort=False):
        system = run[run["entity"] == "system"]
        final = max(system["year"])
        at_final = system[system["year"] == final]

        def pick(measure: str, statistic: str, rows: pd.DataFrame = at_final) -> float:
            hit = rows[(rows["measure"] == measure) & (rows["statistic"] == statistic)]
            return float(hit["value"].iloc[0]) if len(hit) else math.nan

        out.append(
            {
                "system": run["system"].iloc[0],
                "scenario": scenario,
                "year": final,
                "surplus": pick("surplus", "deterministic"),
                "control_total": pick("control_total", "deterministic"),
                "p_meet_control_total": pick("p_meet_control_total", "probability"),
                "surplus_P5": pick("surplus", "P5"),
                "surplus_P50": pick("surplus", "P50"),
                "surplus_P95": pick("surplus", "P95"),
                "npsv": _npsv_text(run[run["measure"] == "npsv"]),
            }
        )
    return pd.DataFrame(out, columns=columns)


def _npsv_text(rows: pd.DataFrame) -> str:
    """``inv/option: P50 (P5 to P95)`` of each investment's best option, £k."""
    parts = []
    for inv_id, inv in rows.groupby("entity", sort=False):
        moves = inv.groupby("option", sort=False)["value"].apply(lambda v: bool((v != 0).any()))
        inv = inv[inv["option"].isin(moves[moves].index)]  # not do nothing against itself
        det = inv[inv["statistic"] == "deterministic"]
        if det.empty:
            continue
        best = str(det["option"].to_numpy()[int(np.argmax(det["value"].to_numpy()))])
        values = inv[inv["option"] == best].set_index("statistic")["value"]
        if "P50" in values:
            parts.append(
                f"{inv_id}/{best}: {values['P50']:,.0f} ({values['P5']:,.0f} to {values['P95']:,.0f})"
            )
    return "; ".join(parts)


def write_parquet(frame: pd.DataFrame, target: str | Path, metadata: dict[str, str]) -> None:
    """Write the tidy frame as one Parquet file (atomically), with batch metadata.

    ``metadata`` (manifest, seed, executor, failures...) is stored in the file's key-value
    metadata under ``finmodel.*`` keys.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from finmodel.io.atomic import atomic_path

    table = pa.Table.from_pandas(frame, preserve_index=False)
    existing = table.schema.metadata or {}
    extra = {f"finmodel.{k}".encode(): v.encode() for k, v in metadata.items()}
    table = table.replace_schema_metadata({**existing, **extra})
    with atomic_path(target) as tmp:
        pq.write_table(table, tmp)
