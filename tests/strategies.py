"""Hypothesis strategies for generated model files (raw dicts in the model file format)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

PLACES = ("Central", "Fylde Coast", "Pennine", "West", "Bay")
KINDS = ("commissioner", "provider", "local_authority", "vcfse", "other")

rates = st.floats(min_value=-0.05, max_value=0.12, allow_nan=False, allow_infinity=False)
small_rates = st.floats(min_value=0.0, max_value=0.06, allow_nan=False, allow_infinity=False)
money = st.floats(min_value=0.0, max_value=5e5, allow_nan=False, allow_infinity=False)


def year_values(horizon: int, values: st.SearchStrategy[float] = rates) -> st.SearchStrategy[Any]:
    """A scalar or a list of exactly ``horizon`` values."""
    return st.one_of(values, st.lists(values, min_size=horizon, max_size=horizon))


@st.composite
def model_dicts(draw: st.DrawFn, max_partners: int = 5, max_lines: int = 4) -> dict[str, Any]:
    """A valid raw model: partners in places, funding, cost lines (some internal), control totals."""
    horizon = draw(st.integers(1, 6))
    n_partners = draw(st.integers(1, max_partners))
    ids = [f"p{i}" for i in range(n_partners)]
    partners = []
    for pid in ids:
        in_ct = draw(st.booleans())
        funding = [
            {
                "id": f"f{j}",
                "baseline": draw(money),
                **({"funding_growth": draw(year_values(horizon))} if draw(st.booleans()) else {}),
            }
            for j in range(draw(st.integers(0, 2)))
        ]
        costs = []
        for j in range(draw(st.integers(0, max_lines))):
            line: dict[str, Any] = {"id": f"c{j}", "baseline": draw(money)}
            others = [o for o in ids if o != pid]
            if bool(others) and draw(st.booleans()):  # bool(): else mypy types draw() as a list
                line["payee"] = draw(st.sampled_from(others))
            for field in ("demand_growth", "inflation", "efficiency"):
                if draw(st.booleans()):
                    line[field] = draw(
                        year_values(horizon, small_rates if field == "efficiency" else rates)
                    )
            costs.append(line)
        partners.append(
            {
                "id": pid,
                "name": f"Partner {pid}",
                "kind": draw(st.sampled_from(KINDS)),
                "place": draw(st.sampled_from(PLACES)),
                "in_control_total": in_ct,
                "funding": funding,
                "costs": costs,
            }
        )
    in_ct_ids = [p["id"] for p in partners if p["in_control_total"]]
    method = draw(st.sampled_from(["none", "proportional_to_baseline_expenditure", "fixed_shares"]))
    risk: dict[str, Any] = {"method": method}
    if method == "fixed_shares":
        if not in_ct_ids:
            risk = {"method": "none"}
        else:
            weights = [draw(st.integers(1, 10)) for _ in in_ct_ids]
            shares = [w / sum(weights) for w in weights]
            shares[-1] = 1.0 - sum(shares[:-1])
            risk["shares"] = dict(zip(in_ct_ids, shares, strict=True))
    return {
        "name": "Generated",
        "timeline": {"base_year": "2019/20", "horizon": horizon},
        "assumptions": {
            "demand_growth": draw(year_values(horizon)),
            "inflation": draw(year_values(horizon)),
            "efficiency": draw(year_values(horizon, small_rates)),
            "funding_growth": draw(year_values(horizon)),
        },
        "partners": partners,
        "control_totals": {
            pid: draw(year_values(horizon, st.floats(-500, 500))) for pid in in_ct_ids
        },
        "risk_share": risk,
    }


NON_RECURRENT_KINDS = (
    "deficit_support",
    "winter_funding",
    "one_off_grant",
    "non_recurrent_cip",
    "one_off_cost",
)


@st.composite
def finance_model_dicts(draw: st.DrawFn) -> dict[str, Any]:
    """A generated model with NHS finance fields: non-recurrent items by partner and year."""
    data = draw(model_dicts())
    horizon = data["timeline"]["horizon"]
    for partner in data["partners"]:
        items = []
        for j in range(draw(st.integers(0, 3))):
            item: dict[str, Any] = {
                "id": f"n{j}",
                "kind": draw(st.sampled_from(NON_RECURRENT_KINDS)),
                "base_year": draw(money),
            }
            if draw(st.booleans()):
                start = 2019 + draw(st.integers(1, horizon + 2))
                item["taper_to_zero_by"] = f"{start}/{(start + 1) % 100:02d}"
            else:
                item["projected"] = draw(year_values(horizon, money))
            items.append(item)
        partner["non_recurrent"] = items
    if draw(st.booleans()):
        shares = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
        data["price_series"] = {
            "pay": {"growth": draw(year_values(horizon, small_rates))},
            "non_pay": {"growth": draw(year_values(horizon, small_rates))},
        }
        pay_weight = draw(shares)
        data["tariff"] = {
            "weights": {"pay": pay_weight, "non_pay": 1.0 - pay_weight},
            "efficiency": draw(year_values(horizon, small_rates)),
        }
        data["assumptions"].update(
            cip_planned=draw(year_values(horizon, small_rates)),
            cip_delivered=draw(year_values(horizon, shares)),
            cip_recurrent=draw(year_values(horizon, shares)),
            qipp=draw(year_values(horizon, small_rates)),
        )
        for partner in data["partners"]:
            for line in partner["costs"]:
                if "payee" in line and draw(st.booleans()):
                    line["basis"] = draw(st.sampled_from(PAYMENT_BASES))
                elif "payee" not in line and draw(st.booleans()):
                    line["price_series"] = draw(st.sampled_from(["pay", "non_pay"]))
            if partner["kind"] == "provider" and draw(st.booleans()):
                partner["cip"] = {
                    "planned": draw(year_values(horizon, small_rates)),
                    "delivered": draw(year_values(horizon, shares)),
                }
    return data


PAYMENT_BASES = ("tariff", "block", "cost_and_volume")
