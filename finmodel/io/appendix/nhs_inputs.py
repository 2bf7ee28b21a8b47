"""The NHS rules' assumptions on the Inputs sheet: price series, the tariff (cost uplift factor or
its weights, efficiency factor), CIP (planned, delivered and recurrent shares, the system's and
each provider's own), QIPP, and each converging allocation's fair share and pace.

Rows are named ``inputs.<dotted path>`` like every Inputs row, so a flex of one of them is the
engine's overlay of the same path; the Calculations rows of :mod:`finmodel.io.appendix.line_rates`
are formulas of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from finmodel.domain.model import CipPlan
from finmodel.engine.nhs_rules import CIP_SHARES
from finmodel.io.appendix.line_rates import NHS_ASSUMPTIONS

if TYPE_CHECKING:
    from finmodel.io.appendix.sheets import _InputsWriter

#: How a CIP share reads on Inputs.
CIP_LABELS = {
    "planned": "CIP planned, share of own costs a year",
    "delivered": "CIP: share of the plan delivered",
    "recurrent": "CIP: share of delivered savings that is recurrent",
}


def write_nhs_inputs(w: _InputsWriter) -> None:
    """The NHS rules' inputs (nothing for a model without price series, tariff or convergence)."""
    model = w.ctx.result.model
    s = w.ctx.styles
    tariff, a = model.tariff, model.assumptions
    if model.price_series:
        w.section("Price series: growth a year of the prices lines and the cost uplift follow")
        for series_id, series in model.price_series.items():
            w.rates(
                f"price_series.{series_id}.growth",
                f"Price series: {series.name or series_id}",
                series.growth,
                series.source,
            )
    if tariff is not None:
        w.section(
            "NHS rules: tariff on contracts, CIP on providers' own costs, QIPP on commissioners'"
        )
        if tariff.cost_uplift is not None:
            w.rates(
                "tariff.cost_uplift",
                "Tariff cost uplift factor a year (contract prices before efficiency)",
                tariff.cost_uplift,
                tariff.sources.get("cost_uplift") or tariff.source,
            )
        else:
            for series_id, weight in tariff.weights.items():
                row = w.line(
                    f"tariff.weights.{series_id}",
                    f"Tariff cost uplift: weight of price series {series_id}",
                    "share",
                    tariff.sources.get("weights") or tariff.source,
                )
                w.number(row, 4, float(weight), s.share_input)
        w.rates(
            "tariff.efficiency",
            "Tariff efficiency factor a year (contract prices fall by it)",
            tariff.efficiency,
            tariff.sources.get("efficiency") or tariff.source,
        )
        for name, label in NHS_ASSUMPTIONS.items():
            w.rates(
                f"assumptions.{name}",
                label,
                getattr(a, name),
                a.sources.get(name) or a.source,
            )
        for partner in model.partners:
            plan = partner.cip or CipPlan()
            for name in CIP_SHARES:
                own = getattr(plan, name)
                if own is not None:
                    w.rates(
                        f"partners.{partner.id}.cip.{name}",
                        f"{partner.name}: {CIP_LABELS[name]}",
                        own,
                        plan.sources.get(name) or plan.source,
                        partner=partner.id,
                    )
            if partner.qipp is not None:
                w.rates(
                    f"partners.{partner.id}.qipp",
                    f"{partner.name}: QIPP savings a year",
                    partner.qipp,
                    partner.source,
                    partner=partner.id,
                )
    converging = [(p, f) for p in model.partners for f in p.funding if f.convergence is not None]
    if converging:
        w.section(
            "Allocation convergence: fair-share target (base year, £k) and the share of the "
            "distance from it closed each year"
        )
        for partner, stream in converging:
            conv = stream.convergence
            assert conv is not None
            key = f"partners.{partner.id}.funding.{stream.id}.convergence"
            row = w.line(
                f"{key}.fair_share",
                f"{partner.name}: {stream.name or stream.id}: fair-share target",
                "£k",
                conv.source,
                partner=partner.id,
            )
            w.number(row, 4, float(conv.fair_share), s.money_input)
            row = w.line(
                f"{key}.pace",
                f"{partner.name}: {stream.name or stream.id}: pace of convergence",
                "share",
                conv.sources.get("pace") or conv.source,
                partner=partner.id,
            )
            w.number(row, 4, float(conv.pace), s.share_input)
