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
from collections.abc import Iterator, Mapping
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
    slots: dict[str, dict[tuple[str, bool], list[int]]] = {}

    def add(path: str, array: str, index: int | None, per_year: bool = True) -> None:
        chosen = slots.setdefault(path, {}).setdefault((array, per_year), [])
        if index is not None:
            chosen.append(index)

    # Every system assumption and driver is a valid input even where no line inherits it.
    for name, array in _ASSUMPTION_ARRAYS.items():
        add(f"assumptions.{name}", array, None)
    for driver_id in model.drivers:
        add(f"drivers.{driver_id}.growth", "driver_growth", None)

    line_partner: list[int] = []
    line_payee: list[int] = []
    line_ids: list[str] = []
    baselines: list[float] = []
    line_driver: list[str | None] = []
    own_rates: dict[str, list[tuple[int, Any]]] = {"direct": [], "inflation": [], "efficiency": []}
    fund_partner: list[int] = []
    fund_ids: list[str] = []
    fund_baseline: list[float] = []
    own_funding_growth: list[tuple[int, Any]] = []
    line_number: dict[str, int] = {}
    fund_number: dict[str, int] = {}
    for partner in model.partners:
        p_index = position[partner.id]
        for line in partner.costs:
            l_index = len(line_ids)
            line_number[f"{partner.id}.{line.id}"] = l_index
            line_partner.append(p_index)
            line_payee.append(position.get(line.payee, -1) if line.payee else -1)
            line_ids.append(f"{partner.id}.{line.id}")
            baselines.append(line.baseline)
            line_driver.append(line.demand_driver)
            if line.demand_driver is not None:
                add(f"drivers.{line.demand_driver}.growth", "driver_growth", l_index)
                own_direct = line.non_demographic_growth
                inherited = "assumptions.non_demographic_growth"
            else:
                own_direct = line.demand_growth
                inherited = "assumptions.demand_growth"
            if own_direct is None:
                add(inherited, "direct_growth", l_index)
            else:
                own_rates["direct"].append((l_index, own_direct))
            for name in ("inflation", "efficiency"):
                own = getattr(line, name)
                if own is None:
                    add(f"assumptions.{name}", name, l_index)
                else:
                    own_rates[name].append((l_index, own))
        for stream in partner.funding:
            f_index = len(fund_ids)
            fund_number[f"{partner.id}.{stream.id}"] = f_index
            fund_partner.append(p_index)
            fund_ids.append(f"{partner.id}.{stream.id}")
            fund_baseline.append(stream.baseline)
            if stream.funding_growth is None:
                add("assumptions.funding_growth", "funding_growth", f_index)
            else:
                own_funding_growth.append((f_index, stream.funding_growth))

    n_lines = len(line_ids)
    has_driver = np.array([d is not None for d in line_driver], dtype=bool)

    def rates(default: Any, own: list[tuple[int, Any]], rows: int) -> FloatArray:
        """Each row the default year vector, then the rows a line or stream sets itself."""
        table = (
            np.tile(year_vector(default, horizon), (rows, 1)) if rows else np.zeros((0, horizon))
        )
        for row, value in own:
            table[row] = year_vector(value, horizon)
        return table

    direct_default = (
        np.where(
            has_driver[:, None],
            year_vector(a.non_demographic_growth, horizon),
            year_vector(a.demand_growth, horizon),
        )
        if n_lines
        else np.zeros((0, horizon))
    )
    for row, value in own_rates["direct"]:
        direct_default[row] = year_vector(value, horizon)
    driver_growth = np.zeros((n_lines, horizon))
    for driver_id, driver in model.drivers.items():
        driver_growth[[d == driver_id for d in line_driver]] = year_vector(driver.growth, horizon)

    n_partners = len(partner_ids)
    control_total = np.full((n_partners, horizon + 1), np.nan)
    for partner_id in model.control_totals:
        p_index = position[partner_id]
        control_total[p_index, 1:] = year_vector(model.control_total_values(partner_id), horizon)
        add(f"control_totals.{partner_id}", "control_total", p_index)
    fixed = np.zeros(n_partners)
    for partner_id, share in (model.risk_share.shares or {}).items():
        fixed[position[partner_id]] = share

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
        driver_growth=driver_growth,
        direct_growth=direct_default,
        inflation=rates(a.inflation, own_rates["inflation"], n_lines),
        efficiency=rates(a.efficiency, own_rates["efficiency"], n_lines),
        fund_baseline=np.array(fund_baseline, dtype=float),
        funding_growth=rates(a.funding_growth, own_funding_growth, len(fund_ids)),
        control_total=control_total,
        risk_method=model.risk_share.method,
        fixed_shares=fixed,
        investment_expenditure=np.zeros((n_partners, horizon + 1)),
        slots=SlotTable(slots, line_number, fund_number, has_driver),
    )


class SlotTable(Mapping[str, tuple[Slot, ...]]):
    """Dotted path -> the array slots it sets, built on first use (a model has many paths).

    System-wide paths (assumptions, drivers, control totals) are listed when compiling; the
    paths of single lines (``partners.<p>.costs.<c>.<field>``, ``partners.<p>.funding.<f>.<field>``)
    are worked out from the line's number when asked for.
    """

    def __init__(
        self,
        raw: dict[str, dict[tuple[str, bool], list[int]]],
        line_number: dict[str, int],
        fund_number: dict[str, int],
        has_driver: NDArray[np.bool_],
    ):
        self._raw = raw
        self._lines = line_number
        self._funds = fund_number
        self._has_driver = has_driver
        self._built: dict[str, tuple[Slot, ...]] = {}

    def _line_slot(self, path: str) -> tuple[Slot, ...] | None:
        parts = path.split(".")
        if len(parts) != 5 or parts[0] != "partners":
            return None
        key, field_name = f"{parts[1]}.{parts[3]}", parts[4]
        if parts[2] == "costs" and key in self._lines:
            row = self._lines[key]
            demand_field = "non_demographic_growth" if self._has_driver[row] else "demand_growth"
            array = {
                "baseline": "cost_baseline",
                demand_field: "direct_growth",
                "inflation": "inflation",
                "efficiency": "efficiency",
            }.get(field_name)
        elif parts[2] == "funding" and key in self._funds:
            row = self._funds[key]
            array = {"baseline": "fund_baseline", "funding_growth": "funding_growth"}.get(
                field_name
            )
        else:
            return None
        if array is None:
            return None
        return (Slot(array, np.array([row], dtype=np.int64), field_name != "baseline"),)

    def __getitem__(self, path: str) -> tuple[Slot, ...]:
        built = self._built.get(path)
        if built is None:
            if path in self._raw:
                built = tuple(
                    Slot(name, np.array(sorted(set(indices)), dtype=np.int64), per_year)
                    for (name, per_year), indices in self._raw[path].items()
                )
            else:
                found = self._line_slot(path)
                if found is None:
                    raise KeyError(path)
                built = found
            self._built[path] = built
        return built

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and (path in self._raw or self._line_slot(path) is not None)

    def __iter__(self) -> Iterator[str]:
        yield from self._raw
        for key, row in self._lines.items():
            partner, line = key.split(".", 1)
            demand_field = "non_demographic_growth" if self._has_driver[row] else "demand_growth"
            for name in ("baseline", demand_field, "inflation", "efficiency"):
                yield f"partners.{partner}.costs.{line}.{name}"
        for key in self._funds:
            partner, stream = key.split(".", 1)
            for name in ("baseline", "funding_growth"):
                yield f"partners.{partner}.funding.{stream}.{name}"

    def __len__(self) -> int:
        return len(self._raw) + 4 * len(self._lines) + 2 * len(self._funds)
