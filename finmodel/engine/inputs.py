"""Compile a :class:`Model` into arrays the engine projects: lines x years, partners x years.

Every per-line rate is resolved once here (line override, else system default), so the
projection itself is pure array arithmetic. The arrays may carry leading batch dimensions
(Monte Carlo draws, sensitivity cases): :meth:`ProjectionInputs.with_values` sets any input named
by its dotted path (the paths scenarios and distributions use) to one value per draw.

Shapes: ``L`` cost lines, ``F`` funding streams, ``P`` partners, ``H`` projected years,
``T = H + 1`` years including the base year; ``...`` is any batch shape.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from finmodel.domain.model import Model, RiskShareMethod
from finmodel.domain.overlay import OverlayPathError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def year_vector(value: float | list[float] | None, horizon: int, default: Any = 0.0) -> FloatArray:
    """A year-varying value as an array of ``horizon`` numbers (a scalar repeats).

    >>> year_vector(0.02, 3).tolist()
    [0.02, 0.02, 0.02]
    """
    if value is None:
        value = default
    if isinstance(value, list):
        return np.asarray(value, dtype=float)
    return np.full(horizon, float(value))


@dataclass(frozen=True)
class Slot:
    """Where a dotted path lands in the inputs: an array name and the indices it sets."""

    array: str
    index: IntArray
    per_year: bool


@dataclass(frozen=True)
class ProjectionInputs:
    """Arrays describing one model (and optionally many draws of it) ready to project."""

    years: list[str]
    partner_ids: list[str]
    partner_names: list[str]
    partner_places: list[str]
    place_names: list[str]
    in_control_total: NDArray[np.bool_]
    line_partner: IntArray
    line_payee: IntArray
    line_ids: list[str]
    fund_partner: IntArray
    fund_ids: list[str]
    cost_baseline: FloatArray  # (..., L)
    driver_growth: FloatArray  # (..., L, H)
    direct_growth: FloatArray  # (..., L, H): demand growth, or non-demographic growth on a driver
    inflation: FloatArray  # (..., L, H)
    efficiency: FloatArray  # (..., L, H)
    fund_baseline: FloatArray  # (..., F)
    funding_growth: FloatArray  # (..., F, H)
    control_total: FloatArray  # (..., P, T), NaN where none and in the base year
    risk_method: RiskShareMethod
    fixed_shares: FloatArray  # (P,)
    investment_expenditure: FloatArray  # (..., P, T): net cost of selected investment options
    slots: Mapping[str, tuple[Slot, ...]] = field(repr=False, default_factory=dict)

    @property
    def horizon(self) -> int:
        """Number of projected years."""
        return len(self.years) - 1

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """Leading batch dimensions (empty for a single deterministic run)."""
        return self.cost_baseline.shape[:-1]

    def slots_for(self, path: str) -> tuple[Slot, ...]:
        """The array slots a dotted path sets; :class:`OverlayPathError` if it sets none."""
        try:
            return self.slots[path]
        except KeyError:
            raise OverlayPathError(path, "not a numeric input of this model") from None

    def with_values(self, values: Mapping[str, Any]) -> ProjectionInputs:
        """New inputs with each dotted path set to a value, broadcast over a batch dimension.

        A value may be a scalar, an array of one value per draw ``(D,)``, or per draw and
        projected year ``(D, H)``. All values given must share the same ``D``.

        >>> from finmodel.io.yaml_io import load_model
        >>> inputs = compile_model(load_model("models/minimal.yaml"))
        >>> batch = inputs.with_values({"assumptions.inflation": np.array([0.0, 0.02, 0.04])})
        >>> batch.inflation.shape
        (3, 4, 3)
        """
        arrays = {name: getattr(self, name) for name in _BATCHED}
        draws = {np.shape(v)[0] for v in values.values() if np.ndim(v) >= 1}
        if len(draws) > 1:
            raise ValueError(f"values disagree on the number of draws: {sorted(draws)}")
        batch: tuple[int, ...] = (draws.pop(),) if draws else ()
        if batch:
            arrays = {
                n: np.broadcast_to(a, batch + a.shape[-_CORE_NDIM[n] :]).copy()
                for n, a in arrays.items()
            }
        else:
            arrays = {n: a.copy() for n, a in arrays.items()}
        for path, value in values.items():
            value = np.asarray(value, dtype=float)
            for slot in self.slots_for(path):
                target = arrays[slot.array]
                if slot.per_year:
                    # value (D,) or (D, H) or () or (H,) -> target[..., index, years]
                    if batch and value.ndim == 1:
                        value_b = value[:, None, None]
                    elif batch and value.ndim == 2:
                        value_b = value[:, None, :]
                    else:
                        value_b = value
                    if slot.array == "control_total":
                        target[..., slot.index, 1:] = value_b
                    else:
                        target[..., slot.index, :] = value_b
                else:
                    target[..., slot.index] = value[:, None] if batch and value.ndim == 1 else value
        return dataclasses.replace(self, **arrays)


_BATCHED = (
    "cost_baseline",
    "driver_growth",
    "direct_growth",
    "inflation",
    "efficiency",
    "fund_baseline",
    "funding_growth",
    "control_total",
    "investment_expenditure",
)
_ASSUMPTION_ARRAYS = {
    "demand_growth": "direct_growth",
    "non_demographic_growth": "direct_growth",
    "inflation": "inflation",
    "efficiency": "efficiency",
    "funding_growth": "funding_growth",
}
_CORE_NDIM = {name: (1 if name.endswith("baseline") else 2) for name in _BATCHED}


def compile_model(model: Model) -> ProjectionInputs:
    """Resolve every line's rates and index arrays for a validated model.

    This loops once over the model's lines to read the file's structure; the projection that
    uses the arrays has no per-line or per-year loop.
    """
    horizon = model.timeline.horizon
    a = model.assumptions
    partner_ids = [p.id for p in model.partners]
    position = {pid: i for i, pid in enumerate(partner_ids)}
    place_names = list(dict.fromkeys(p.place for p in model.partners))
    slots: dict[str, list[Slot]] = {}

    def add(path: str, array: str, index: int | None, per_year: bool = True) -> None:
        chosen = np.array([] if index is None else [index], dtype=np.int64)
        slots.setdefault(path, []).append(Slot(array, chosen, per_year))

    # Every system assumption and driver is a valid input even where no line inherits it.
    for name, array in _ASSUMPTION_ARRAYS.items():
        add(f"assumptions.{name}", array, None)
    for driver_id in model.drivers:
        add(f"drivers.{driver_id}.growth", "driver_growth", None)

    line_partner: list[int] = []
    line_payee: list[int] = []
    line_ids: list[str] = []
    baselines: list[float] = []
    drivers: list[FloatArray] = []
    direct: list[FloatArray] = []
    inflation: list[FloatArray] = []
    efficiency: list[FloatArray] = []
    fund_partner: list[int] = []
    fund_ids: list[str] = []
    fund_baseline: list[float] = []
    funding_growth: list[FloatArray] = []
    for partner in model.partners:
        p_index = position[partner.id]
        for line in partner.costs:
            l_index = len(line_ids)
            prefix = f"partners.{partner.id}.costs.{line.id}"
            line_partner.append(p_index)
            line_payee.append(position.get(line.payee, -1) if line.payee else -1)
            line_ids.append(f"{partner.id}.{line.id}")
            baselines.append(line.baseline)
            add(f"{prefix}.baseline", "cost_baseline", l_index, per_year=False)
            if line.demand_driver is not None:
                drivers.append(year_vector(model.drivers[line.demand_driver].growth, horizon))
                add(f"drivers.{line.demand_driver}.growth", "driver_growth", l_index)
                direct.append(
                    year_vector(line.non_demographic_growth, horizon, a.non_demographic_growth)
                )
                add(f"{prefix}.non_demographic_growth", "direct_growth", l_index)
                if line.non_demographic_growth is None:
                    add("assumptions.non_demographic_growth", "direct_growth", l_index)
            else:
                drivers.append(np.zeros(horizon))
                direct.append(year_vector(line.demand_growth, horizon, a.demand_growth))
                add(f"{prefix}.demand_growth", "direct_growth", l_index)
                if line.demand_growth is None:
                    add("assumptions.demand_growth", "direct_growth", l_index)
            for name, store in (("inflation", inflation), ("efficiency", efficiency)):
                own = getattr(line, name)
                store.append(year_vector(own, horizon, getattr(a, name)))
                add(f"{prefix}.{name}", name, l_index)
                if own is None:
                    add(f"assumptions.{name}", name, l_index)
        for stream in partner.funding:
            f_index = len(fund_ids)
            prefix = f"partners.{partner.id}.funding.{stream.id}"
            fund_partner.append(p_index)
            fund_ids.append(f"{partner.id}.{stream.id}")
            fund_baseline.append(stream.baseline)
            funding_growth.append(year_vector(stream.funding_growth, horizon, a.funding_growth))
            add(f"{prefix}.baseline", "fund_baseline", f_index, per_year=False)
            add(f"{prefix}.funding_growth", "funding_growth", f_index)
            if stream.funding_growth is None:
                add("assumptions.funding_growth", "funding_growth", f_index)

    n_partners = len(partner_ids)
    control_total = np.full((n_partners, horizon + 1), np.nan)
    for partner_id in model.control_totals:
        p_index = position[partner_id]
        control_total[p_index, 1:] = year_vector(model.control_total_values(partner_id), horizon)
        add(f"control_totals.{partner_id}", "control_total", p_index)
    fixed = np.zeros(n_partners)
    for partner_id, share in (model.risk_share.shares or {}).items():
        fixed[position[partner_id]] = share

    def matrix(rows: list[FloatArray], width: int) -> FloatArray:
        return np.array(rows, dtype=float).reshape(len(rows), width)

    return ProjectionInputs(
        years=model.years,
        partner_ids=partner_ids,
        partner_names=[p.name for p in model.partners],
        partner_places=[p.place for p in model.partners],
        place_names=place_names,
        in_control_total=np.array([p.in_control_total for p in model.partners], dtype=bool),
        line_partner=np.array(line_partner, dtype=np.int64),
        line_payee=np.array(line_payee, dtype=np.int64),
        line_ids=line_ids,
        fund_partner=np.array(fund_partner, dtype=np.int64),
        fund_ids=fund_ids,
        cost_baseline=np.array(baselines, dtype=float),
        driver_growth=matrix(drivers, horizon),
        direct_growth=matrix(direct, horizon),
        inflation=matrix(inflation, horizon),
        efficiency=matrix(efficiency, horizon),
        fund_baseline=np.array(fund_baseline, dtype=float),
        funding_growth=matrix(funding_growth, horizon),
        control_total=control_total,
        risk_method=model.risk_share.method,
        fixed_shares=fixed,
        investment_expenditure=np.zeros((n_partners, horizon + 1)),
        slots={path: _merge(found) for path, found in slots.items()},
    )


def _merge(found: list[Slot]) -> tuple[Slot, ...]:
    by_array: dict[tuple[str, bool], list[int]] = {}
    for slot in found:
        by_array.setdefault((slot.array, slot.per_year), []).extend(slot.index.tolist())
    return tuple(
        Slot(name, np.array(sorted(set(idx)), dtype=np.int64), per_year)
        for (name, per_year), idx in by_array.items()
    )
