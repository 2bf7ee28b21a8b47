"""The assumptions a finance lead plans with, named as they name them, each with its source.

Which assumptions a model has depends on what it declares: every model has demand growth,
inflation, efficiency and funding growth; a model with a ``tariff:`` has the cost uplift
factor and the tariff efficiency factor; ``price_series:`` gives pay, drugs and non-pay price
growth; ``assumptions`` that set ``cip_planned``, ``cip_delivered``, ``cip_recurrent`` or
``qipp`` give those; a funding stream converging to fair share gives its pace; a deficit
support item with a taper gives the year it reaches zero. Nothing the model does not declare
is shown (no invented defaults), and each spec carries the model's own ``sources:`` /
``source:`` text for it.

The name of ``assumptions.efficiency`` follows what it does in the model: with a tariff, the
NHS rules give contracts the tariff efficiency factor, providers CIP and commissioners QIPP, so
the system rate falls only on other partners' lines (councils); without one, it falls on every
line with no rate of its own, which in the 2019/20 model are the CCGs' non-contract lines
(QIPP).

Every spec is a dotted path the overlay validates (:func:`finmodel.domain.validation.with_overlay`).

>>> from finmodel.io.yaml_io import load_model
>>> [s.label for s in finance_assumptions(load_model("models/lsc_icb.yaml"))][8:10]
['Cost uplift factor (tariff)', 'Tariff efficiency factor']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from finmodel.domain.model import Model, NonRecurrentKind, PartnerKind
from finmodel.engine.nhs_rules import cost_uplift

Kind = Literal["rate", "share", "money", "int", "choice", "derived"]
"""``share``: a fraction from 0 to 1 shown in percent (CIP delivered, convergence pace);
``derived``: a rate worked out from other assumptions, shown with its derivation but not set
itself (the tariff's cost uplift factor from the price series' weights)."""

NO_SOURCE = "no source given in the model file"


@dataclass(frozen=True)
class AssumptionSpec:
    """One main assumption in the sidebar: its path, label, widget kind, default and source."""

    path: str
    label: str
    kind: Kind
    model_value: Any
    """The value in the model file (a rate, a list of rates, an int, or a choice)."""
    source: str
    """Where the model says the value comes from (its ``sources``), or a note that it does not."""
    help: str
    options: tuple[str, ...] = field(default=())
    """Choices for a ``choice`` assumption."""
    option_labels: Mapping[str, str] = field(default_factory=dict)


def _cited(sources: Mapping[str, Any], name: str, source: Any) -> str:
    return str(sources.get(name) or source or NO_SOURCE)


def efficiency_name(model: Model) -> tuple[str, str]:
    """The name of ``assumptions.efficiency`` in this model and what it applies to.

    >>> from finmodel.io.yaml_io import load_model
    >>> efficiency_name(load_model("models/lsc_icb.yaml"))[0]
    "Other partners' savings (councils)"
    """
    if model.tariff is not None:
        return (
            "Other partners' savings (councils)",
            "A year on the lines of partners that are neither NHS providers nor commissioners "
            "(councils). Contracts take the tariff efficiency factor, providers CIP, "
            "commissioners QIPP.",
        )
    kinds = {p.kind for p in model.partners for c in p.costs if c.efficiency is None}
    if kinds == {PartnerKind.commissioner}:
        return (
            "QIPP (commissioners' lines without their own rate)",
            "Commissioners' savings a year on the lines that set no rate of their own (CHC, "
            "prescribing, primary care, running costs). The tariff efficiency factor and trust "
            "CIP are set on their lines.",
        )
    if kinds == {PartnerKind.commissioner, PartnerKind.local_authority}:
        return (
            "QIPP and councils' savings (lines without their own rate)",
            "Savings a year on the lines that set no rate of their own: commissioners' QIPP "
            "(CHC, prescribing, primary care, running costs) and councils' savings. The tariff "
            "efficiency factor and trust CIP are set on their lines.",
        )
    return (
        "Efficiency (lines without their own rate)",
        "Savings a year on every line that sets no efficiency rate of its own.",
    )


def _system(model: Model) -> list[AssumptionSpec]:
    a = model.assumptions
    series = bool(model.price_series)
    eff_label, eff_help = efficiency_name(model)
    rows = [
        ("demand_growth", "Demand growth", "Activity volume growth a year (lines with no driver)."),
        (
            "inflation",
            "General inflation (lines without a price series)" if series else "Inflation",
            "Price inflation a year on lines that name no price series."
            if series
            else "Pay and price inflation a year.",
        ),
        ("efficiency", eff_label, eff_help),
        (
            "funding_growth",
            "Allocation growth",
            "Cash growth a year of allocations and other funding streams without a rate of "
            "their own.",
        ),
    ]
    declared = a.model_fields_set
    if "cip_planned" in declared:
        rows.append(("cip_planned", "CIP planned", "Providers' planned savings, % of own costs."))
    if "cip_delivered" in declared:
        rows.append(("cip_delivered", "CIP delivered share", "Share of planned CIP delivered."))
    if "cip_recurrent" in declared:
        rows.append(
            ("cip_recurrent", "CIP recurrent share", "Share of delivered CIP that is recurrent.")
        )
    if "qipp" in declared:
        rows.append(
            (
                "qipp",
                "QIPP",
                "Commissioners' savings a year on non-tariff lines (CHC, "
                "prescribing, primary care, running costs).",
            )
        )
    shares = {"cip_delivered", "cip_recurrent"}
    return [
        AssumptionSpec(
            path=f"assumptions.{name}",
            label=label,
            kind="share" if name in shares else "rate",
            model_value=getattr(a, name),
            source=_cited(a.sources, name, a.source),
            help=text,
        )
        for name, label, text in rows
    ]


def _prices(model: Model) -> list[AssumptionSpec]:
    specs = []
    tariff = model.tariff
    if tariff is not None:
        if tariff.cost_uplift is None:
            specs.append(derived_cost_uplift(model))
        else:
            specs.append(
                AssumptionSpec(
                    path="tariff.cost_uplift",
                    label="Cost uplift factor (tariff)",
                    kind="rate",
                    model_value=tariff.cost_uplift,
                    source=_cited(tariff.sources, "cost_uplift", tariff.source),
                    help="The price rise a year contracts are funded for (pay, drugs, non-pay).",
                )
            )
        specs.append(
            AssumptionSpec(
                path="tariff.efficiency",
                label="Tariff efficiency factor",
                kind="rate",
                model_value=tariff.efficiency,
                source=_cited(tariff.sources, "efficiency", tariff.source),
                help="Contract prices fall by it a year: price = (1 + CUF)(1 - EF) - 1.",
            )
        )
    for sid, series in model.price_series.items():
        specs.append(
            AssumptionSpec(
                path=f"price_series.{sid}.growth",
                label=f"{sid.replace('_', '-').capitalize()} prices",
                kind="rate",
                model_value=series.growth,
                source=str(series.source or NO_SOURCE),
                help=f"{series.name or sid}: price growth a year of the lines that name it.",
            )
        )
    return specs


def _pct(value: float) -> str:
    return f"{value * 100:.2f}%"


def derived_cost_uplift(model: Model) -> AssumptionSpec:
    """The tariff's cost uplift factor worked out from the weights of its price series (a
    model whose ``tariff:`` gives ``weights`` rather than ``cost_uplift``), with the sum that
    makes it: ``CUF[t] = sum_k weight[k] x growth of series k [t]``. Its ``source`` is the
    derivation and the series' own sources; it is moved through the series' growth, so it is
    shown (kind ``derived``), not set.

    >>> from finmodel.io.yaml_io import load_model
    >>> from finmodel.domain.validation import with_overlay
    >>> icb = load_model("models/lsc_icb.yaml")
    >>> icb = with_overlay(icb, {"tariff.cost_uplift": None,
    ...     "tariff.weights": {"pay": 0.7, "drugs": 0.1, "non_pay": 0.2}})
    >>> spec = derived_cost_uplift(icb)
    >>> spec.model_value
    [0.0332, 0.029, 0.0255, 0.0255]
    >>> spec.source.split(":")[0]
    'derived from the price series'
    """
    tariff = model.tariff
    if tariff is None:
        raise ValueError("the model has no tariff")
    value = cost_uplift(model)
    years = model.years[1:]
    uplift = [round(float(v), 10) for v in value] if value is not None else []
    growth = {
        sid: np.broadcast_to(np.asarray(model.price_series[sid].growth, float), (len(years),))
        for sid in tariff.weights
    }
    terms = " + ".join(
        f"{weight:g} x {sid.replace('_', '-')} ({_pct(float(growth[sid][0]))})"
        for sid, weight in tariff.weights.items()
    )
    by_year = "; ".join(f"{y} {_pct(v)}" for y, v in zip(years, uplift, strict=True))
    sources = "; ".join(
        f"{sid}: {model.price_series[sid].source or NO_SOURCE}" for sid in tariff.weights
    )
    same = len(set(uplift)) == 1
    return AssumptionSpec(
        path="tariff.cost_uplift",
        label="Cost uplift factor (tariff, derived)",
        kind="derived",
        model_value=uplift[0] if same else uplift,
        source=(
            f"derived from the price series: {terms} = {_pct(uplift[0])} in {years[0]}"
            + ("" if same else f" (by year: {by_year})")
            + f". Weights: {_cited(tariff.sources, 'weights', tariff.source)}. Series: {sources}"
        ),
        help="The price rise a year contracts are funded for, worked out from the weights of "
        "the pay, drugs and non-pay price series: change a series' growth to move it.",
    )


def _allocations(model: Model) -> list[AssumptionSpec]:
    specs = []
    first = int(str(model.timeline.base_year)[:4])
    years = tuple(
        f"{y}/{(y + 1) % 100:02d}" for y in range(first + 1, first + model.timeline.horizon + 1)
    )
    for partner in model.partners:
        for stream in partner.funding:
            conv = stream.convergence
            if conv is None:
                continue
            specs.append(
                AssumptionSpec(
                    path=f"partners.{partner.id}.funding.{stream.id}.convergence.pace",
                    label=f"Convergence pace: {stream.name or stream.id}",
                    kind="share",
                    model_value=conv.pace,
                    source=_cited(conv.sources, "pace", conv.source),
                    help="Share of the distance from the fair-share target closed each year.",
                )
            )
        tapered = [
            item
            for item in partner.non_recurrent
            if item.kind == NonRecurrentKind.deficit_support and item.taper_to_zero_by is not None
        ]
        for item in tapered:
            current = str(item.taper_to_zero_by)
            # a partner with two tapered items (say PSF and FRF) names each one
            which = f" ({item.name or item.id})" if len(tapered) > 1 else ""
            specs.append(
                AssumptionSpec(
                    path=f"partners.{partner.id}.non_recurrent.{item.id}.taper_to_zero_by",
                    label=f"Deficit support taper: {partner.name}{which}",
                    kind="choice",
                    model_value=current,
                    source=_cited(item.sources, "taper_to_zero_by", item.source),
                    help="The year deficit support reaches zero, withdrawn in equal steps "
                    "from the base year.",
                    options=years if current in years else (*years, current),
                    option_labels={y: f"zero by {y}" for y in (*years, current)},
                )
            )
    return specs


def finance_assumptions(model: Model) -> list[AssumptionSpec]:
    """The finance assumptions ``model`` declares, in the order a finance lead reads them:
    system rates (with CIP and QIPP where set), tariff and price series, then allocations
    (convergence pace, deficit support taper)."""
    return _system(model) + _prices(model) + _allocations(model)


def finance_label(model: Model, path: str) -> str | None:
    """The finance name of a dotted path when it is one of :func:`finance_assumptions`."""
    for spec in finance_assumptions(model):
        if spec.path == path:
            return spec.label
    return None
