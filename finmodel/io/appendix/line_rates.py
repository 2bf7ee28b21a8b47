"""Where each cost line's and funding stream's rates come from on the appendix: rows of Inputs,
or rows of Calculations that are formulas of Inputs (the NHS rules).

The engine compiles every line's demand growth, inflation and efficiency (and a CIP line's
non-recurrent saving) by the NHS rules of :mod:`finmodel.engine.nhs_rules`; this module says,
for each line, which row of the workbook gives that rate:

* inflation: the line's own rate, else its price series (``price_series.<id>.growth``), else
  the tariff's cost uplift on a contract (a Calculations row: given on Inputs, or
  ``sum of weight x price series``), else ``assumptions.inflation``;
* efficiency: the line's own rate, else the tariff efficiency factor on a contract, else the
  provider's recurrent CIP (``planned x delivered x recurrent``, a Calculations row per
  provider), else the commissioner's QIPP, else ``assumptions.efficiency``;
* demand: nothing on a block contract (unless the line sets its own), else as without rules;
* non-recurrent CIP on a provider's own lines: ``planned x delivered x (1 - recurrent)``;
* a converging allocation's growth: ``(1 + g) x (1 + d[t]) / (1 + d[t-1]) - 1`` with the
  distance from target ``d[t] = (baseline / fair share - 1) x (1 - pace)^t``.

Every rate the rows give is compared with the engine's compiled rate (:func:`rate_plan`);
a line or stream they would not reproduce (a rule this module does not know) keeps the
engine's rates as values, listed on the Cover.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from finmodel.domain.model import CipPlan, Model, PartnerKind
from finmodel.engine.inputs import FloatArray, ProjectionInputs, year_vector
from finmodel.engine.nhs_rules import CIP_SHARES, NhsRates, cost_uplift, nhs_rates
from finmodel.io.excel_styles import FIRST_YEAR_COL, col_letter

#: Largest difference between a compiled rate and the rate the rows give that still agrees.
RATE_TOLERANCE = 1e-12
#: The base-year column, anchored (a stream's baseline on Inputs).
BASE_COL = "$" + col_letter(FIRST_YEAR_COL)
#: The CIP and QIPP assumptions the NHS rules add to Inputs, with a readable name.
NHS_ASSUMPTIONS = {
    "cip_planned": "Provider CIP planned, share of own costs a year",
    "cip_delivered": "Provider CIP: share of the plan delivered",
    "cip_recurrent": "Provider CIP: share of delivered savings that is recurrent",
    "qipp": "Commissioner QIPP savings on lines outside contracts, a year",
}

#: A formula of a rate row: ``formula(at, column, previous column)``, where ``at(name, col)``
#: is a reference to a named row in that column (``"$E"``: the value column, anchored).
Ref = Callable[[str, str], str]
RateFormula = Callable[[Ref, str, str], str]


@dataclass(frozen=True)
class RateRow:
    """A row of Calculations the NHS rules need: a formula of Inputs rows, by year."""

    name: str
    label: str
    unit: str
    formula: RateFormula
    values: FloatArray  # (T,), NaN where the row has no figure (the base year of a rate)


@dataclass(frozen=True)
class LineRefs:
    """The rows giving a cost line's rates (names of Inputs or Calculations rows)."""

    demand: tuple[str, ...]
    """Empty: no demand growth (a block contract); one name: the rate; two: driver and
    non-demographic growth, ``(1 + driver) x (1 + non-demographic) - 1``."""
    inflation: str
    efficiency: str
    nonrecurrent: str | None
    """The non-recurrent CIP rate row of a provider's own line (None: no CIP on the line)."""


@dataclass(frozen=True)
class RatePlan:
    """Each line's and stream's rate rows, the NHS rows to write and what stays engine values."""

    lines: list[LineRefs]
    streams: list[str]  # (F,) the funding growth row of each stream
    rows: list[RateRow]  # Calculations rows of formulas, written before the lines
    engine_lines: np.ndarray  # (L,) bool: rates as engine values (the rows would not agree)
    engine_streams: np.ndarray  # (F,) bool
    values: dict[str, FloatArray] = field(default_factory=dict)  # name -> (H,) projected


def _rate(value: object, horizon: int) -> FloatArray:
    return np.asarray(year_vector(value, horizon), dtype=float)  # type: ignore[arg-type]


def _full(projected: FloatArray) -> FloatArray:
    """A rate by projected year as a timeline row: NaN in the base year."""
    return np.concatenate([[np.nan], projected])


def _rules(model: Model, inputs: ProjectionInputs) -> NhsRates:
    """The engine's rule masks for the model's lines (rates themselves are not needed)."""
    lines = [c for p in model.partners for c in p.costs]
    n, horizon = len(lines), model.timeline.horizon
    zeros = np.zeros((n, horizon))
    return nhs_rates(
        model,
        inputs.line_partner,
        inputs.line_payee >= 0,
        zeros,
        np.array([c.inflation is not None for c in lines], dtype=bool),
        zeros,
        np.array([c.efficiency is not None for c in lines], dtype=bool),
        [c.basis for c in lines],
        [c.price_series for c in lines],
    )


def _nhs_input_values(model: Model) -> dict[str, FloatArray]:
    """Projected values (H,) of every rate row on Inputs the rules refer to, by row name."""
    a, horizon = model.assumptions, model.timeline.horizon
    values = {
        f"inputs.price_series.{k}.growth": _rate(s.growth, horizon)
        for k, s in model.price_series.items()
    }
    if model.tariff is not None:
        values["inputs.tariff.efficiency"] = _rate(model.tariff.efficiency, horizon)
        if model.tariff.cost_uplift is not None:
            values["inputs.tariff.cost_uplift"] = _rate(model.tariff.cost_uplift, horizon)
        for name in NHS_ASSUMPTIONS:
            values[f"inputs.assumptions.{name}"] = _rate(getattr(a, name), horizon)
        for partner in model.partners:
            for name in CIP_SHARES:
                own = getattr(partner.cip or CipPlan(), name)
                if own is not None:
                    values[f"inputs.partners.{partner.id}.cip.{name}"] = _rate(own, horizon)
            if partner.qipp is not None:
                values[f"inputs.partners.{partner.id}.qipp"] = _rate(partner.qipp, horizon)
    return values


def _tariff_rows(model: Model, values: dict[str, FloatArray]) -> list[RateRow]:
    """The cost uplift factor (when derived from weights) and each provider's CIP rates."""
    rows: list[RateRow] = []
    tariff, uplift = model.tariff, cost_uplift(model)
    if tariff is None or uplift is None:
        return rows
    if tariff.cost_uplift is None:
        weights = [
            (f"inputs.tariff.weights.{k}", f"inputs.price_series.{k}.growth")
            for k in tariff.weights
        ]

        def derived(at: Ref, c: str, p: str) -> str:
            terms = [f"{at(w, '$E')}*{at(s, c)}" for w, s in weights]
            return "=" + ("+".join(terms) or "0")

        rows.append(
            RateRow(
                "calc.nhs.cost_uplift",
                "Tariff cost uplift factor: price series weighted by the tariff's weights",
                "%",
                derived,
                _full(uplift),
            )
        )
        values["calc.nhs.cost_uplift"] = uplift
    for p, partner in enumerate(model.partners):
        if partner.kind != PartnerKind.provider:
            continue
        plan = partner.cip or CipPlan()
        share = {
            name: f"inputs.partners.{partner.id}.cip.{name}"
            if getattr(plan, name) is not None
            else f"inputs.assumptions.cip_{name}"
            for name in CIP_SHARES
        }
        planned, delivered, recurrent = (values[share[n]] for n in CIP_SHARES)
        pl, de, re = (share[n] for n in CIP_SHARES)
        for kind, label, rate, build in (
            (
                "recurrent",
                "recurrent CIP (planned x delivered x recurrent share)",
                planned * delivered * recurrent,
                lambda at, c, p, pl=pl, de=de, re=re: f"={at(pl, c)}*{at(de, c)}*{at(re, c)}",
            ),
            (
                "nonrecurrent",
                "non-recurrent CIP (planned x delivered x (1 - recurrent share))",
                planned * delivered * (1.0 - recurrent),
                lambda at, c, p, pl=pl, de=de, re=re: f"={at(pl, c)}*{at(de, c)}*(1-{at(re, c)})",
            ),
        ):
            name = f"calc.nhs.cip_{kind}.p{p}"
            rows.append(
                RateRow(
                    name,
                    f"{partner.name}: {label}",
                    "%",
                    build,
                    _full(rate),
                )
            )
            values[name] = rate
    return rows


def _line_refs(model: Model, inputs: ProjectionInputs, rules: NhsRates) -> list[LineRefs]:
    """Which rows give each line's rates under the rules."""
    tariff = model.tariff is not None
    series_ids = list(model.price_series)
    given = model.tariff is not None and model.tariff.cost_uplift is not None
    uplift = "inputs.tariff.cost_uplift" if given else "calc.nhs.cost_uplift"
    refs: list[LineRefs] = []
    k = 0
    for p, partner in enumerate(model.partners):
        for line in partner.costs:
            key = f"inputs.partners.{partner.id}.costs.{line.id}"

            def own(rate: str, default: str, line_: object = line, key_: str = key) -> str:
                return f"{key_}.{rate}" if getattr(line_, rate) is not None else default

            if line.demand_driver is not None:
                nd = own("non_demographic_growth", "inputs.assumptions.non_demographic_growth")
                driver = f"inputs.drivers.{line.demand_driver}.growth"
                if rules.block[k]:
                    demand: tuple[str, ...] = () if line.non_demographic_growth is None else (nd,)
                else:
                    demand = (driver, nd)
            elif rules.block[k] and line.demand_growth is None:
                demand = ()
            else:
                demand = (own("demand_growth", "inputs.assumptions.demand_growth"),)
            if line.inflation is not None:
                inflation = f"{key}.inflation"
            elif rules.series_line[k] >= 0:
                inflation = f"inputs.price_series.{series_ids[rules.series_line[k]]}.growth"
            elif rules.cuf_line[k]:
                inflation = uplift
            else:
                inflation = "inputs.assumptions.inflation"
            nonrecurrent = None
            commissioner = partner.kind == PartnerKind.commissioner
            if line.efficiency is not None:
                efficiency = f"{key}.efficiency"
            elif rules.tariff_efficiency_line[k]:
                efficiency = "inputs.tariff.efficiency"
            elif rules.cip_line[k]:
                efficiency = f"calc.nhs.cip_recurrent.p{p}"
                nonrecurrent = f"calc.nhs.cip_nonrecurrent.p{p}"
            elif tariff and line.payee is None and commissioner:
                efficiency = (
                    f"inputs.partners.{partner.id}.qipp"
                    if partner.qipp is not None
                    else "inputs.assumptions.qipp"
                )
            else:
                efficiency = "inputs.assumptions.efficiency"
            refs.append(LineRefs(demand, inflation, efficiency, nonrecurrent))
            k += 1
    return refs


def _convergence_rows(
    model: Model, inputs: ProjectionInputs, values: dict[str, FloatArray]
) -> tuple[list[str], list[RateRow]]:
    """Each stream's funding growth row; a converging allocation's distance and growth rows."""
    horizon = model.timeline.horizon
    streams, rows = [], []
    f = 0
    for partner in model.partners:
        for stream in partner.funding:
            key = f"inputs.partners.{partner.id}.funding.{stream.id}"
            growth = (
                f"{key}.funding_growth"
                if stream.funding_growth is not None
                else "inputs.assumptions.funding_growth"
            )
            values.setdefault(
                growth, _rate(stream.funding_growth or model.assumptions.funding_growth, horizon)
            )
            conv = stream.convergence
            if conv is None:
                streams.append(growth)
                f += 1
                continue
            fair, pace = f"{key}.convergence.fair_share", f"{key}.convergence.pace"
            base = f"{key}.baseline"
            d0 = stream.baseline / conv.fair_share - 1.0 if conv.fair_share > 0 else 0.0
            distance = np.asarray(d0 * (1.0 - conv.pace) ** np.arange(horizon + 1), dtype=float)

            def dist(
                at: Ref, c: str, p: str, fair: str = fair, pace: str = pace, base: str = base
            ) -> str:
                fair_e, pace_e, base_e = at(fair, "$E"), at(pace, "$E"), at(base, BASE_COL)
                return f"=IF({fair_e}>0,{base_e}/{fair_e}-1,0)*(1-{pace_e})^{at('time.index', c)}"

            d_name, g_name = f"calc.nhs.distance.f{f}", f"calc.rate.funding_growth.f{f}"

            def converging(at: Ref, c: str, p: str, g: str = growth, d: str = d_name) -> str:
                return f"=(1+{at(g, c)})*(1+{at(d, c)})/(1+{at(d, p)})-1"

            rows.append(
                RateRow(
                    d_name,
                    f"{partner.name}: {stream.name or stream.id}: distance from fair-share target",
                    "share",
                    dist,
                    distance,
                )
            )
            rows.append(
                RateRow(
                    g_name,
                    f"{partner.name}: {stream.name or stream.id}: funding growth with convergence",
                    "%",
                    converging,
                    _full(inputs.funding_growth[f]),
                )
            )
            values[g_name] = (1 + values[growth]) * (1 + distance[1:]) / (1 + distance[:-1]) - 1
            streams.append(g_name)
            f += 1
    return streams, rows


def rate_plan(model: Model, inputs: ProjectionInputs) -> RatePlan:
    """Which rows give every line's and stream's rates, and the NHS rows of Calculations.

    A line or stream whose rows would not reproduce the engine's compiled rates to
    :data:`RATE_TOLERANCE` is marked for engine values (``engine_lines``, ``engine_streams``).

    >>> from finmodel.io.yaml_io import load_model
    >>> from finmodel.engine.inputs import compile_model
    >>> m = load_model("models/lsc_icb.yaml")
    >>> plan = rate_plan(m, compile_model(m))
    >>> bool(plan.engine_lines.any()), bool(plan.engine_streams.any())
    (False, False)
    """
    horizon = model.timeline.horizon
    a = model.assumptions
    values = _nhs_input_values(model)
    for name in ("demand_growth", "inflation", "efficiency", "non_demographic_growth"):
        values[f"inputs.assumptions.{name}"] = _rate(getattr(a, name), horizon)
    for driver_id, driver in model.drivers.items():
        values[f"inputs.drivers.{driver_id}.growth"] = _rate(driver.growth, horizon)
    for partner in model.partners:
        for line in partner.costs:
            for rate in ("demand_growth", "non_demographic_growth", "inflation", "efficiency"):
                own = getattr(line, rate)
                if own is not None:
                    key = f"inputs.partners.{partner.id}.costs.{line.id}.{rate}"
                    values[key] = _rate(own, horizon)
    rules = _rules(model, inputs)
    rows = _tariff_rows(model, values)
    refs = _line_refs(model, inputs, rules)
    streams, convergence = _convergence_rows(model, inputs, values)
    rows += convergence

    ones = np.ones(horizon)
    n_lines = len(refs)
    if n_lines:
        demand = np.array(
            [np.prod([1 + values[n] for n in r.demand], axis=0) * ones - 1 for r in refs]
        )
        inflation = np.array([values[r.inflation] for r in refs])
        efficiency = np.array([values[r.efficiency] for r in refs])
        nonrec = np.array([values[r.nonrecurrent] if r.nonrecurrent else 0 * ones for r in refs])
    else:
        demand = inflation = efficiency = nonrec = np.zeros((0, horizon))
    compiled_demand = (1 + inputs.driver_growth) * (1 + inputs.direct_growth) - 1
    compiled_nonrec = (
        inputs.nonrecurrent_cip
        if inputs.nonrecurrent_cip.shape[0] == n_lines
        else np.zeros((n_lines, horizon))
    )

    def differ(x: FloatArray, y: FloatArray) -> np.ndarray:
        return np.any(np.abs(x - y) > RATE_TOLERANCE, axis=-1)

    engine_lines = (
        differ(demand, compiled_demand)
        | differ(inflation, inputs.inflation)
        | differ(efficiency, inputs.efficiency)
        | differ(nonrec, compiled_nonrec)
    )
    growth = np.array([values[s] for s in streams]) if streams else np.zeros((0, horizon))
    engine_streams = differ(growth, inputs.funding_growth)
    return RatePlan(refs, streams, rows, engine_lines, engine_streams, values)


def underlying_and_one_off(inputs: ProjectionInputs) -> tuple[FloatArray, FloatArray]:
    """Each line's underlying cost (the recurrent run rate) and non-recurrent CIP saved, (L, T)
    £k: ``underlying[t] = underlying[t-1] x (1 + demand) x (1 + inflation) x (1 - efficiency)``
    and ``one-off[t] = underlying[t-1] x (1 + demand) x (1 + inflation) x non-recurrent CIP``
    (0 in the base year); the reported cost is their difference."""
    demand = (1 + inputs.driver_growth) * (1 + inputs.direct_growth)
    before_factor = demand * (1 + inputs.inflation)
    ones = np.ones((*before_factor.shape[:-1], 1))
    step = before_factor * (1 - inputs.efficiency)
    underlying = inputs.cost_baseline[:, None] * np.concatenate(
        [ones, np.cumprod(step, axis=-1)], axis=-1
    )
    nonrec = (
        inputs.nonrecurrent_cip
        if inputs.nonrecurrent_cip.shape == before_factor.shape
        else np.zeros_like(before_factor)
    )
    one_off = np.concatenate([ones * 0.0, underlying[:, :-1] * before_factor * nonrec], axis=-1)
    return underlying, one_off
