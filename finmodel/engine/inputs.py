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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain, compress, repeat
from operator import add, is_not, itemgetter
from typing import Any

import numpy as np
from numpy.typing import NDArray

from finmodel.domain.model import (
    NON_RECURRENT_COST,
    NON_RECURRENT_INCOME,
    NON_RECURRENT_SAVING,
    ControlTotalEntry,
    Model,
    NonRecurrentKind,
    RiskShareMethod,
)
from finmodel.domain.overlay import OverlayPathError
from finmodel.engine.allocations import converge, converged_growth, start_distance
from finmodel.engine.nhs_rules import CIP_SHARES, cip_line_rates, nhs_rates
from finmodel.engine.slots import Slot, SlotTable

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

__all__ = ["FloatArray", "IntArray", "ProjectionInputs", "Slot", "compile_model", "year_vector"]


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
    fair_share: FloatArray = field(default_factory=lambda: np.zeros((0, 1)))  # (F, T) NaN if none
    nonrecurrent_cip: FloatArray = field(default_factory=lambda: np.zeros((0, 1)))  # (..., L, H)
    cip_planned: FloatArray = field(default_factory=lambda: np.zeros((0, 1)))  # (..., L, H)
    cip_delivered: FloatArray = field(default_factory=lambda: np.ones((0, 1)))  # (..., L, H)
    cip_recurrent: FloatArray = field(default_factory=lambda: np.ones((0, 1)))  # (..., L, H)
    cip_line: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))  # (L,)
    line_basis: list[str | None] = field(default_factory=list)  # (L,) contracts' payment basis
    line_ring_fence: list[str | None] = field(default_factory=list)  # (L,) e.g. mental_health
    nonrec_partner: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # (N,)
    nonrec_ids: list[str] = field(default_factory=list)  # "<partner>.<item>"
    nonrec_kind: list[str] = field(default_factory=list)  # NonRecurrentKind values
    nonrec_income: FloatArray = field(default_factory=lambda: np.zeros((0, 1)))  # (N, T) £k
    nonrec_saving: FloatArray = field(default_factory=lambda: np.zeros((0, 1)))  # (N, T) £k
    nonrec_cost: FloatArray = field(default_factory=lambda: np.zeros((0, 1)))  # (N, T) £k
    nonrec_base: FloatArray = field(default_factory=lambda: np.zeros(0))  # (..., N) £k
    nonrec_projected: FloatArray = field(default_factory=lambda: np.zeros((0, 1)))  # (..., N, H)
    nonrec_taper: FloatArray = field(default_factory=lambda: np.zeros((0, 1)))  # (N, H) share left
    nonrec_tapered: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    converging: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))  # (F,)
    fund_uplift: FloatArray = field(default_factory=lambda: np.zeros((0, 1)))  # (F, H) before
    convergence_start: FloatArray = field(default_factory=lambda: np.zeros(0))  # (F,) distance
    convergence_pace: FloatArray = field(default_factory=lambda: np.zeros(0))  # (..., F)
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
        projected year ``(D, H)``. All values given must share the same ``D``. A CIP lever
        (``cip_planned``, ``cip_delivered``, ``cip_recurrent``) sets its share on the CIP lines,
        whose recurrent (``efficiency``) and non-recurrent CIP rates are then worked out again
        from the three (see :func:`~finmodel.engine.nhs_rules.cip_line_rates`).

        >>> from finmodel.io.yaml_io import load_model
        >>> inputs = compile_model(load_model("models/minimal.yaml"))
        >>> batch = inputs.with_values({"assumptions.inflation": np.array([0.0, 0.02, 0.04])})
        >>> batch.inflation.shape
        (3, 4, 3)
        """
        slots = [s for path in values for s in self.slots_for(path)]
        off_plan = self.off_plan_rows(slots)
        moved = {s.array for s in slots}
        cip = off_plan.size > 0 or bool(moved & set(CIP_ARRAYS))
        nonrec = bool(moved & set(NONREC_ARRAYS))
        pace = bool(moved & set(CONVERGENCE_ARRAYS))
        names = [*_CORE_BATCHED]  # the lever arrays only when a lever moves
        names += [*_CIP_BATCHED] if cip else []
        names += [*NONREC_ARRAYS, *_NONREC_BY_KIND] if nonrec else []
        names += [*CONVERGENCE_ARRAYS] if pace else []
        arrays = {name: getattr(self, name) for name in names}
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
                    if slot.array in _FROM_YEAR_ONE:
                        target[..., slot.index, 1:] = value_b
                    else:
                        target[..., slot.index, :] = value_b
                else:
                    target[..., slot.index] = value[:, None] if batch and value.ndim == 1 else value
        cip_line = self.cip_line
        if off_plan.size:
            cip_line = take_off_plan(arrays, cip_line, off_plan)
        if cip:
            recompute_cip(arrays, cip_line)
        if nonrec:
            self.recompute_non_recurrent(arrays)
        if pace:
            self.recompute_convergence(arrays)
        return dataclasses.replace(self, cip_line=cip_line, **arrays)

    def recompute_convergence(self, arrays: dict[str, Any]) -> None:
        """Write the converging streams' ``funding_growth`` in ``arrays`` (a writable array,
        any batch in front) from ``arrays["fund_uplift"]`` (their growth before convergence)
        and ``arrays["convergence_pace"]``, as compiling does."""
        arrays["funding_growth"][..., self.converging, :] = converged_growth(
            arrays["fund_uplift"][..., self.converging, :],
            self.convergence_start[self.converging],
            arrays["convergence_pace"][..., self.converging],
        )

    def recompute_non_recurrent(self, arrays: dict[str, Any]) -> None:
        """Write income, savings and costs by item and year (``nonrec_income``, ...) in
        ``arrays`` from the items' amounts there (``nonrec_base``, ``nonrec_projected``)."""
        amount = non_recurrent_amounts(
            arrays["nonrec_base"],
            arrays["nonrec_projected"],
            self.nonrec_taper,
            self.nonrec_tapered,
        )
        kind = np.array(self.nonrec_kind, dtype=object)
        for name, kinds in _NONREC_BY_KIND.items():
            chosen = np.isin(kind, [k.value for k in kinds]) if kind.size else kind.astype(bool)
            arrays[name] = np.where(chosen[:, None], amount, 0.0)

    def off_plan_rows(self, slots: Iterable[Slot]) -> IntArray:
        """Lines on a provider's CIP plan whose ``efficiency`` these slots set (sorted).

        A scenario setting such a line's efficiency gives the line its own rate, which takes it
        off the plan (no planned, recurrent or non-recurrent CIP on it); so does
        :meth:`with_values` (see :func:`take_off_plan`).
        """
        rows = [s.index for s in slots if s.array == "efficiency" and s.index.size]
        if not rows or not self.cip_line.any():
            return np.zeros(0, dtype=np.int64)
        index = np.unique(np.concatenate(rows))
        return index[self.cip_line[index]]


#: Compiled arrays of the CIP levers (planned rate, delivered and recurrent shares), (..., L, H).
CIP_ARRAYS = ("cip_planned", "cip_delivered", "cip_recurrent")


def recompute_cip(arrays: dict[str, Any], cip_line: NDArray[np.bool_]) -> None:
    """Write the CIP lines' recurrent (``efficiency``) and ``nonrecurrent_cip`` rates from the
    CIP levers in ``arrays`` (arrays of the last two axes lines x years, any batch in front;
    changed in place). Lines that are not CIP lines keep their rates.
    """
    recurrent, nonrecurrent = cip_line_rates(*(arrays[name] for name in CIP_ARRAYS))
    for name, rate in (("efficiency", recurrent), ("nonrecurrent_cip", nonrecurrent)):
        shape = np.broadcast_shapes(arrays[name].shape, rate.shape)
        out = np.broadcast_to(arrays[name], shape).copy()
        out[..., cip_line, :] = np.broadcast_to(rate, shape)[..., cip_line, :]
        arrays[name] = out


def take_off_plan(
    arrays: dict[str, Any], cip_line: NDArray[np.bool_], rows: IntArray
) -> NDArray[np.bool_]:
    """Take the CIP lines ``rows`` off their provider's plan, as a scenario giving them their
    own efficiency does: their planned CIP and non-recurrent CIP become 0 and their delivered
    and recurrent shares 1 (as on any line off a plan), in ``arrays`` (changed in place; the
    line's ``efficiency`` is left as set). Returns the new CIP-line flags (L,).

    >>> arrays = {name: np.full((1, 2), 0.5) for name in (*CIP_ARRAYS, "nonrecurrent_cip")}
    >>> take_off_plan(arrays, np.array([True]), np.array([0])).tolist()
    [False]
    >>> arrays["cip_planned"].tolist(), arrays["cip_delivered"].tolist()
    ([[0.0, 0.0]], [[1.0, 1.0]])
    """
    for name, value in (
        ("cip_planned", 0.0),
        ("nonrecurrent_cip", 0.0),
        ("cip_delivered", 1.0),
        ("cip_recurrent", 1.0),
    ):
        if not arrays[name].flags.writeable:
            arrays[name] = arrays[name].copy()
        arrays[name][..., rows, :] = value
    flags = cip_line.copy()
    flags[rows] = False
    return flags


def non_recurrent_amounts(
    base: FloatArray, projected: FloatArray, taper: FloatArray, tapered: NDArray[np.bool_]
) -> FloatArray:
    """Non-recurrent items' amounts by year (..., N, T), £k: the base-year amount, then the
    projected amounts, or on a tapered item the base-year amount times the share left of it
    (``taper`` (N, H), see :func:`taper_amounts`).

    >>> non_recurrent_amounts(
    ...     np.array([175.0, 10.0]), np.array([[0.0, 0.0], [5.0, 6.0]]),
    ...     np.array([[0.5, 0.0], [0.0, 0.0]]), np.array([True, False])).tolist()
    [[175.0, 87.5, 0.0], [10.0, 5.0, 6.0]]
    """
    rows = np.broadcast_shapes(base.shape, projected.shape[:-1])
    amount = np.empty((*rows, projected.shape[-1] + 1))
    amount[..., 0] = base
    amount[..., 1:] = projected
    if tapered.any():
        left = base[..., None] * taper
        amount[..., tapered, 1:] = left[..., tapered, :]
    return amount


#: Inputs of converging allocations: growth before convergence (..., F, H) and pace (..., F).
CONVERGENCE_ARRAYS = ("fund_uplift", "convergence_pace")
#: Moved amounts of non-recurrent items: base year (..., N) and projected years (..., N, H).
NONREC_ARRAYS = ("nonrec_base", "nonrec_projected")
#: The position's non-recurrent arrays by the kinds they hold.
_NONREC_BY_KIND = {
    "nonrec_income": NON_RECURRENT_INCOME,
    "nonrec_saving": NON_RECURRENT_SAVING,
    "nonrec_cost": NON_RECURRENT_COST,
}
#: Arrays a per-year slot writes from the first projected year (their column 0 is the base).
_FROM_YEAR_ONE = ("control_total", *_NONREC_BY_KIND)
#: Arrays with a batch dimension when moved; with_values copies these only when a lever moves.
_CORE_BATCHED = (
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
_CIP_BATCHED = ("nonrecurrent_cip", "cip_planned", "cip_delivered", "cip_recurrent")
_BATCHED = (*_CORE_BATCHED, *_CIP_BATCHED)
_ASSUMPTION_ARRAYS = {
    "demand_growth": "direct_growth",
    "non_demographic_growth": "direct_growth",
    "inflation": "inflation",
    "efficiency": "efficiency",
    "funding_growth": "funding_growth",
}
_CORE_NDIM = {
    **{name: (1 if name.endswith("baseline") else 2) for name in _BATCHED},
    **{name: 2 for name in ("nonrec_projected", "fund_uplift", *_NONREC_BY_KIND)},
    "nonrec_base": 1,
    "convergence_pace": 1,
}


_LINE_FIELDS = (
    "id",
    "baseline",
    "payee",
    "demand_driver",
    "demand_growth",
    "non_demographic_growth",
    "inflation",
    "efficiency",
    "basis",
    "price_series",
    "ring_fence",
)
_FUND_FIELDS = ("id", "baseline", "funding_growth", "convergence")
_PARTNER_FIELDS = ("id", "name", "place", "in_control_total", "costs", "funding", "non_recurrent")


def _columns(items: list[Any], fields: tuple[str, ...]) -> list[list[Any]]:
    """The named fields of every item (pydantic models) as columns, one list per field.

    Each item is read once: its field dictionary (pydantic keeps every field in the instance's
    ``__dict__``) through one ``itemgetter`` of all the fields, in C, into one flat list; each
    column is then a strided slice of it (in C). Reading every field of an item while it is in
    the processor's cache is several times faster than one pass per field over objects spread
    through memory, and a dictionary lookup skips the attribute machinery. Each tuple is freed
    as soon as ``chain`` has taken its fields, so no per-item container outlives the read and
    the read never sets off the garbage collector (kept tuples would, and it would then walk the
    whole model).

    >>> from finmodel.domain.model import FundingStream
    >>> streams = [FundingStream(id="a", baseline=1.0), FundingStream(id="b", baseline=2.0)]
    >>> _columns(streams, ("id", "baseline"))
    [['a', 'b'], [1.0, 2.0]]
    """
    width = len(fields)
    if width < 2:  # itemgetter of one key gives the value, not a tuple
        return [list(map(itemgetter(*fields), map(vars, items)))]
    flat = list(chain.from_iterable(map(itemgetter(*fields), map(vars, items))))
    return [flat[k::width] for k in range(width)]


def _objects(values: list[Any]) -> NDArray[np.object_]:
    """A list as a one-dimensional object array (lists inside stay Python lists)."""
    return np.fromiter(values, dtype=object, count=len(values))


def _rate_table(values: list[Any], default: FloatArray) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Rows of year rates from per-row values (None: the default row; a scalar; a list of H).

    Returns the (n, H) table and which rows set their own value. The values are classified by
    C-level passes (a column of None alone is counted, nothing more; only the values given are
    looked into) and written with at most two fancy-indexed assignments; lists are read in one
    flat pass.
    """
    n, horizon = len(values), default.shape[-1]
    table = np.empty((n, horizon))
    table[:] = default
    if values.count(None) == n:
        return table, np.zeros(n, dtype=bool)
    own = np.fromiter(map(is_not, values, repeat(None)), dtype=bool, count=n)
    given = list(compress(values, own.tolist()))
    if list(map(type, given)).count(list) == len(given):  # every value given is a list
        table[own] = _list_rows(given, horizon)
        return table, own
    is_list = np.fromiter(map(isinstance, values, repeat(list)), dtype=bool, count=n)
    scalar = own & ~is_list
    table[scalar] = _objects(values)[scalar].astype(float)[:, None]
    if is_list.any():
        table[is_list] = _list_rows(list(compress(values, is_list.tolist())), horizon)
    return table, own


def _list_rows(lists: list[list[float]], horizon: int) -> FloatArray:
    """Lists of ``horizon`` numbers as a (len(lists), horizon) array, read in one flat pass."""
    if sum(map(len, lists)) != len(lists) * horizon:  # validation rules this out; be exact
        return np.array(lists, dtype=float)
    flat = np.fromiter(chain.from_iterable(lists), dtype=float, count=len(lists) * horizon)
    return flat.reshape(len(lists), horizon)


def _index_of(keys: list[Any], position: Mapping[Any, int]) -> IntArray:
    """Position of each key in ``position`` (-1 for None or unknown), as an int array."""
    if keys.count(None) == len(keys):
        return np.full(len(keys), -1, dtype=np.int64)
    return np.fromiter(map(position.get, keys, repeat(-1)), dtype=np.int64, count=len(keys))


def _qualified(owner_ids: list[str], counts: list[int], ids: list[str]) -> list[str]:
    """``"<owner>.<id>"`` for items listed owner by owner (``counts[k]`` items of owner ``k``).

    >>> _qualified(["lth", "icb"], [2, 1], ["pay", "drugs", "chc"])
    ['lth.pay', 'lth.drugs', 'icb.chc']
    """
    prefixes = chain.from_iterable(map(repeat, map(add, owner_ids, repeat(".")), counts))
    return list(map(add, prefixes, ids))


def compile_model(model: Model) -> ProjectionInputs:
    """Resolve every line's rates and index arrays for a validated model.

    A model is immutable, so its compiled inputs are kept on it and reused while the parts read
    here are the same objects (a ``model_copy(update=...)`` that replaces one of them compiles
    afresh). The cached arrays are read-only; :meth:`ProjectionInputs.with_values` copies.

    >>> from finmodel.io.yaml_io import load_model
    >>> model = load_model("models/minimal.yaml")
    >>> compile_model(model) is compile_model(model)
    True
    """
    parts = _compiled_from(model)
    cached = model.compiled_cache
    if cached is not None and all(a is b for a, b in zip(cached[0], parts, strict=True)):
        inputs: ProjectionInputs = cached[1]
        return inputs
    inputs = _compile(model)
    for name in _CORE_NDIM:
        getattr(inputs, name).setflags(write=False)
    model.keep_compiled((parts, inputs))
    return inputs


def _compiled_from(model: Model) -> tuple[object, ...]:
    """The parts of a model :func:`compile_model` reads (compared by identity for the cache)."""
    return (
        model.timeline,
        model.assumptions,
        model.drivers,
        model.partners,
        model.control_totals,
        model.risk_share,
        model.price_series,
        model.tariff,
    )


def _compile(model: Model) -> ProjectionInputs:
    """Read the model's lines into columns and resolve them with numpy (see compile_model).

    The model's partners and lines are read once into columns (see :func:`_columns`);
    everything after that is numpy over the columns: no Python work per line beyond reading its
    fields.
    """
    horizon = model.timeline.horizon
    a = model.assumptions
    partners = model.partners
    partner_ids, names, places, in_control_total, costs, funding, non_recurrent = _columns(
        partners, _PARTNER_FIELDS
    )
    position = {pid: i for i, pid in enumerate(partner_ids)}
    place_names = list(dict.fromkeys(places))
    n_partners = len(partner_ids)

    line_objs = list(chain.from_iterable(costs))
    line_counts = list(map(len, costs))
    line_partner = np.repeat(np.arange(n_partners, dtype=np.int64), line_counts)
    n_lines = len(line_objs)
    (
        ids,
        baselines,
        payees,
        drivers,
        demand_own,
        non_demographic_own,
        inflation_own,
        efficiency_own,
        bases,
        series,
        ring_fence,
    ) = _columns(line_objs, _LINE_FIELDS)
    line_ids = _qualified(partner_ids, line_counts, ids)
    line_driver = _index_of(drivers, {d: k for k, d in enumerate(model.drivers)})
    has_driver = line_driver >= 0

    # A line on a driver takes non-demographic growth, any other line demand growth.
    direct_values = demand_own
    if has_driver.any():
        direct_values = np.where(
            has_driver, _objects(non_demographic_own), _objects(demand_own)
        ).tolist()
    direct, own_direct = _rate_table(direct_values, year_vector(a.demand_growth, horizon))
    direct[has_driver & ~own_direct] = year_vector(a.non_demographic_growth, horizon)
    inflation, own_inflation = _rate_table(inflation_own, year_vector(a.inflation, horizon))
    efficiency, own_efficiency = _rate_table(efficiency_own, year_vector(a.efficiency, horizon))
    driver_table = np.zeros((len(model.drivers) + 1, horizon))
    for k, driver in enumerate(model.drivers.values()):
        driver_table[k] = year_vector(driver.growth, horizon)
    driver_growth = driver_table[line_driver]  # index -1 is the zero row
    line_payee = _index_of(payees, position)
    rules = nhs_rates(
        model,
        line_partner,
        line_payee >= 0,
        inflation,
        own_inflation,
        efficiency,
        own_efficiency,
        bases,
        series,
    )
    inflation, efficiency = rules.inflation, rules.efficiency
    # A block contract does not follow activity: no driver, no inherited demand growth.
    driver_growth[rules.block] = 0.0
    direct[rules.block & ~own_direct] = 0.0

    stream_objs = list(chain.from_iterable(funding))
    stream_counts = list(map(len, funding))
    fund_partner = np.repeat(np.arange(n_partners, dtype=np.int64), stream_counts)
    stream_ids, fund_baselines, growth_own, convergence = _columns(stream_objs, _FUND_FIELDS)
    fund_ids = _qualified(partner_ids, stream_counts, stream_ids)
    funding_growth, own_funding = _rate_table(growth_own, year_vector(a.funding_growth, horizon))
    fund_base = np.array(fund_baselines, dtype=float).reshape(len(stream_ids))
    uplift = funding_growth
    converging, fair_share, funding_growth = converge(
        convergence, fund_base, funding_growth, horizon
    )
    pace = np.array([0.0 if c is None else c.pace for c in convergence], dtype=float)
    start_gap = np.zeros(len(stream_ids))
    if converging.any():
        fair = np.array([c.fair_share for c in compress(convergence, converging.tolist())])
        start_gap[converging] = start_distance(fund_base[converging], fair)

    raw: dict[str, dict[tuple[str, bool], IntArray]] = {
        "assumptions.demand_growth": {
            ("direct_growth", True): np.flatnonzero(~has_driver & ~own_direct & ~rules.block)
        },
        "assumptions.non_demographic_growth": {
            ("direct_growth", True): np.flatnonzero(has_driver & ~own_direct & ~rules.block)
        },
        "assumptions.inflation": {
            ("inflation", True): np.flatnonzero(rules.default_inflation_line)
        },
        "assumptions.efficiency": {
            ("efficiency", True): np.flatnonzero(rules.default_efficiency_line)
        },
        "assumptions.funding_growth": {
            ("funding_growth", True): np.flatnonzero(~own_funding & ~converging),
            ("fund_uplift", True): np.flatnonzero(~own_funding & converging),
        },
    }
    for k, driver_id in enumerate(model.drivers):
        raw[f"drivers.{driver_id}.growth"] = {
            ("driver_growth", True): np.flatnonzero((line_driver == k) & ~rules.block)
        }
    for k, series_id in enumerate(model.price_series):
        raw[f"price_series.{series_id}.growth"] = {
            ("inflation", True): np.flatnonzero(rules.series_line == k)
        }
    if model.tariff is not None:
        raw["assumptions.qipp"] = {("efficiency", True): np.flatnonzero(rules.default_qipp_line)}
        raw["tariff.efficiency"] = {
            ("efficiency", True): np.flatnonzero(rules.tariff_efficiency_line)
        }
        if model.tariff.cost_uplift is not None:
            raw["tariff.cost_uplift"] = {("inflation", True): np.flatnonzero(rules.cuf_line)}
        has_plan = [p.cip is not None for p in partners]
        raw.update(_cip_slots(partner_ids, has_plan, line_partner, rules.cip_line, rules.cip_own))

    for row in np.flatnonzero(converging).tolist():
        partner_id, stream_id = fund_ids[row].split(".", 1)
        raw[f"partners.{partner_id}.funding.{stream_id}.convergence.pace"] = {
            ("convergence_pace", False): np.array([row], dtype=np.int64)
        }
    if model.tariff is not None:
        for k, partner in enumerate(partners):
            rows = np.flatnonzero(rules.qipp_line & (line_partner == k))
            if partner.qipp is not None and rows.size:
                raw[f"partners.{partner.id}.qipp"] = {("efficiency", True): rows}

    ct_ids = list(model.control_totals)
    ct_rows = _index_of(ct_ids, position)
    control_total = np.full((n_partners, horizon + 1), np.nan)
    control_total[ct_rows, 1:] = _rate_table(_control_total_values(model), np.zeros(horizon))[0]
    fixed = np.zeros(n_partners)
    for partner_id, share in (model.risk_share.shares or {}).items():
        fixed[position[partner_id]] = share

    nonrec = _non_recurrent(model, partner_ids, non_recurrent)
    raw.update(_non_recurrent_slots(nonrec))
    return ProjectionInputs(
        years=model.years,
        partner_ids=partner_ids,
        partner_names=names,
        partner_places=places,
        place_names=place_names,
        in_control_total=np.array(in_control_total, dtype=bool).reshape(n_partners),
        line_partner=line_partner,
        line_payee=line_payee,
        line_ids=line_ids,
        fund_partner=fund_partner,
        fund_ids=fund_ids,
        cost_baseline=np.array(baselines, dtype=float).reshape(n_lines),
        driver_growth=driver_growth,
        direct_growth=direct,
        inflation=inflation,
        efficiency=efficiency,
        fund_baseline=fund_base,
        funding_growth=funding_growth,
        control_total=control_total,
        risk_method=model.risk_share.method,
        fixed_shares=fixed,
        investment_expenditure=np.zeros((n_partners, horizon + 1)),
        slots=SlotTable(
            raw,
            line_ids,
            fund_ids,
            has_driver,
            dict(zip(ct_ids, ct_rows.tolist(), strict=True)),
            converging,
        ),
        fair_share=fair_share,
        nonrecurrent_cip=rules.nonrecurrent_cip,
        cip_planned=rules.cip_planned,
        cip_delivered=rules.cip_delivered,
        cip_recurrent=rules.cip_recurrent,
        cip_line=rules.cip_line,
        line_basis=rules.basis,
        line_ring_fence=ring_fence,
        converging=converging,
        fund_uplift=uplift,
        convergence_start=start_gap,
        convergence_pace=pace,
        **nonrec,
    )


def _cip_slots(
    partner_ids: list[str],
    has_plan: list[bool],
    line_partner: IntArray,
    cip_line: NDArray[np.bool_],
    cip_own: Mapping[str, NDArray[np.bool_]],
) -> dict[str, dict[tuple[str, bool], IntArray]]:
    """Input paths of the CIP levers: ``assumptions.cip_<name>`` on the CIP lines of providers
    without their own value, ``partners.<p>.cip.<name>`` on the CIP lines of a provider ``p``
    that declares a ``cip:`` plan (as a scenario can set it only there)."""
    raw: dict[str, dict[tuple[str, bool], IntArray]] = {}
    if not cip_line.any():
        return raw
    for name in CIP_SHARES:
        raw[f"assumptions.cip_{name}"] = {
            (f"cip_{name}", True): np.flatnonzero(cip_line & ~cip_own[name])
        }
    for k in np.unique(line_partner[cip_line]).tolist():
        if not has_plan[k]:
            continue
        rows = np.flatnonzero(cip_line & (line_partner == k))
        for name in CIP_SHARES:
            raw[f"partners.{partner_ids[k]}.cip.{name}"] = {(f"cip_{name}", True): rows}
    return raw


def _control_total_values(model: Model) -> list[Any]:
    """Each control total's value (£k, a number or one a year) in ``model.control_totals`` order.

    As :meth:`Model.control_total_values` for every partner, without a method call per partner
    when no entry carries its provenance (a ``ControlTotalEntry``).
    """
    entries = list(model.control_totals.values())
    if any(map(isinstance, entries, repeat(ControlTotalEntry))):
        return list(map(model.control_total_values, model.control_totals))
    return entries


def taper_amounts(base: FloatArray, zero_year: list[int | None], horizon: int) -> FloatArray:
    """Base-year amounts tapering in equal steps to zero in year ``zero_year`` (index 1..H).

    ``base`` is (N,); rows with ``None`` are zero (the caller sets their amounts); returns
    (N, H), zero from the taper year on.

    >>> taper_amounts(np.array([175.0]), [2], 3).tolist()
    [[87.5, 0.0, 0.0]]
    """
    years = np.arange(1, horizon + 1)
    end = np.array([0 if z is None else z for z in zero_year], dtype=float)[:, None]
    left = np.where(end > 0, np.clip(1.0 - years / np.where(end > 0, end, 1.0), 0.0, 1.0), 0.0)
    return base[:, None] * left


def _non_recurrent(
    model: Model, partner_ids: list[str], partner_items: list[list[Any]]
) -> dict[str, Any]:
    """Arrays of the partners' non-recurrent items: income, savings and costs by year (£k).

    ``partner_items`` holds each partner's ``non_recurrent`` list, in partner order.
    """
    horizon = model.timeline.horizon
    items = list(chain.from_iterable(partner_items))
    counts = list(map(len, partner_items))
    ids, kinds, base, projected, taper = _columns(
        items, ("id", "kind", "base_year", "projected", "taper_to_zero_by")
    )
    n = len(items)
    start = int(model.timeline.base_year[:4])
    zero_year = [None if y is None else int(y[:4]) - start for y in taper]
    base_amount = np.array(base, dtype=float).reshape(n)
    projected_amount = _rate_table(projected, np.zeros(horizon))[0]
    tapered = np.array([z is not None for z in zero_year], dtype=bool)
    left = taper_amounts(np.ones(n), zero_year, horizon)  # share of the base left each year
    amount = non_recurrent_amounts(base_amount, projected_amount, left, tapered)
    kind = np.array([NonRecurrentKind(k).value for k in kinds], dtype=object)

    def of(kinds_in: frozenset[NonRecurrentKind]) -> FloatArray:
        chosen = np.isin(kind, [k.value for k in kinds_in]) if n else np.zeros(0, dtype=bool)
        return np.where(chosen[:, None], amount, 0.0)

    return {
        "nonrec_partner": np.repeat(np.arange(len(partner_ids), dtype=np.int64), counts),
        "nonrec_ids": _qualified(partner_ids, counts, ids),
        "nonrec_kind": kind.tolist(),
        "nonrec_income": of(NON_RECURRENT_INCOME),
        "nonrec_saving": of(NON_RECURRENT_SAVING),
        "nonrec_cost": of(NON_RECURRENT_COST),
        "nonrec_base": base_amount,
        "nonrec_projected": projected_amount,
        "nonrec_taper": left,
        "nonrec_tapered": tapered,
    }


def _non_recurrent_slots(nonrec: Mapping[str, Any]) -> dict[str, dict[tuple[str, bool], IntArray]]:
    """Input paths of the non-recurrent amounts: ``partners.<p>.non_recurrent.<item>.base_year``
    (the base-year amount, and on a tapered item the taper that follows it) and, on an item
    that does not taper, ``....projected`` (the amounts of the projected years)."""
    raw: dict[str, dict[tuple[str, bool], IntArray]] = {}
    for row, (key, tapered) in enumerate(
        zip(nonrec["nonrec_ids"], nonrec["nonrec_tapered"].tolist(), strict=True)
    ):
        partner, item = key.split(".", 1)
        index = np.array([row], dtype=np.int64)
        raw[f"partners.{partner}.non_recurrent.{item}.base_year"] = {("nonrec_base", False): index}
        if not tapered:
            raw[f"partners.{partner}.non_recurrent.{item}.projected"] = {
                ("nonrec_projected", True): index
            }
    return raw
