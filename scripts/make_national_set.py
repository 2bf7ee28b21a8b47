"""Write a synthetic national set: 42 plausible ICS models for demos, tests and benchmarks.

Every system, partner and figure is **synthetic**: made by a seeded random generator, named
"Synthetic ICS NN", and every ``source:`` says ``illustrative: synthetic ...``. Sizes and
mixes vary: resident population 0.5 to 3.2 million; 1 to 5 commissioners, 1 to 4 trusts and 1 to
3 councils; funding per head, service mix, trust deficits and growth rates drawn around plausible
2019/20 levels. About one system in three carries an IPA/CHC service investment, built from the
structure of ``models/lsc_ics.yaml``'s ``ipa_uplift`` (parameters scaled to the system's size,
sources replaced). Each model has the scenarios ``higher_demand``, ``lower_efficiency`` and
``flat_real_funding`` and an ``uncertainty:`` section, so ``finmodel simulate`` and
``finmodel batch`` run on it.

Usage: python scripts/make_national_set.py [--out workbooks/out/national] [--count 42] [--seed 2019]
Writes OUT/systems/synthetic_ics_NN.yaml and OUT/national.yaml (a batch manifest over the
folder). The default folder is not under version control: the set is regenerated, not shipped.
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "models" / "lsc_ics.yaml"
SYNTHETIC = (
    "illustrative: synthetic, drawn by scripts/make_national_set.py (seeded); not a real figure"
)
HORIZON = 5
SCENARIOS = ("higher_demand", "lower_efficiency", "flat_real_funding")


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _src(what: str) -> str:
    return f"{SYNTHETIC}: {what}"


def _round(value: float, step: float = 100.0) -> float:
    return float(round(value / step) * step)


def _commissioner(
    i: int,
    n: int,
    pop_share: float,
    per_head: float,
    population: float,
    trusts: list[dict[str, Any]],
    councils: list[str],
    rng: np.random.Generator,
) -> dict[str, Any]:
    allocation = _round(population * pop_share * per_head)
    mix = {
        "acute_contract": rng.uniform(0.46, 0.54),
        "mental_health_contract": rng.uniform(0.09, 0.12),
        "chc": rng.uniform(0.05, 0.09),
        "primary_care": rng.uniform(0.08, 0.10),
        "prescribing": rng.uniform(0.09, 0.11),
        "bcf": rng.uniform(0.015, 0.03),
        "running_costs": rng.uniform(0.01, 0.015),
    }
    spend = allocation * rng.uniform(0.995, 1.012)  # some start a little over their allocation
    acute = trusts[i % len([t for t in trusts if t["kind"] == "acute"])]
    mental = next(t for t in trusts if t["kind"] == "mental_health")
    council = councils[i % len(councils)]
    costs = [
        {"id": "acute_contract", "name": f"Contract with {acute['name']}", "payee": acute["id"]},
        {
            "id": "mental_health_contract",
            "name": f"Contract with {mental['name']}",
            "payee": mental["id"],
        },
        {
            "id": "chc",
            "name": "Continuing healthcare and IPA packages",
            "demand_driver": "over_65",
            "non_demographic_growth": round(float(rng.uniform(0.01, 0.03)), 3),
        },
        {
            "id": "primary_care",
            "name": "Primary care medical services",
            "demand_driver": "population",
        },
        {"id": "prescribing", "name": "Primary care prescribing"},
        {
            "id": "bcf",
            "name": "Better Care Fund contribution to adult social care",
            "payee": council,
        },
        {"id": "running_costs", "name": "Running costs", "efficiency": 0.0},
    ]
    for line in costs:
        line["baseline"] = _round(spend * mix[line["id"]])
        line["source"] = _src(f"{line['id']} as a share of spend")
    costs.append(
        {
            "id": "other_services",
            "name": "Other providers and services",
            "baseline": _round(spend - sum(c["baseline"] for c in costs)),
            "source": _src("the rest of spend"),
        }
    )
    for line in costs:
        acute_share = line["baseline"] if line.get("payee") == acute["id"] else 0.0
        acute["income"] = acute.get("income", 0.0) + acute_share
        if line.get("payee") == mental["id"]:
            mental["income"] = mental.get("income", 0.0) + line["baseline"]
    return {
        "id": f"commissioner_{i + 1}",
        "name": f"Synthetic commissioner {i + 1} of {n}",
        "kind": "commissioner",
        "place": f"Place {i % 3 + 1}",
        "in_control_total": True,
        "funding": [
            {
                "id": "allocation",
                "name": "Allocation",
                "baseline": allocation,
                "source": _src("population share x funding per head"),
            }
        ],
        "costs": costs,
    }


def _trusts(n_acute: int, rng: np.random.Generator) -> list[dict[str, Any]]:
    trusts: list[dict[str, Any]] = [
        {"id": f"acute_trust_{k + 1}", "name": f"Synthetic acute trust {k + 1}", "kind": "acute"}
        for k in range(n_acute)
    ]
    trusts.append(
        {
            "id": "mental_health_trust",
            "name": "Synthetic mental health trust",
            "kind": "mental_health",
        }
    )
    for trust in trusts:
        trust["deficit_share"] = float(rng.uniform(-0.01, 0.045))  # cost over income
        trust["pay_share"] = float(rng.uniform(0.6, 0.7))
        trust["efficiency"] = round(float(rng.uniform(0.015, 0.03)), 3)
    return trusts


def _trust_partner(trust: dict[str, Any], place: str) -> dict[str, Any]:
    cost = trust.get("income", 0.0) * (1 + trust["deficit_share"])
    pay = _round(cost * trust["pay_share"])
    return {
        "id": trust["id"],
        "name": trust["name"],
        "kind": "provider",
        "place": place,
        "in_control_total": True,
        "funding": [],
        "costs": [
            {
                "id": "pay",
                "name": "Pay",
                "baseline": pay,
                "efficiency": trust["efficiency"],
                "source": _src("income from the contracts x (1 + deficit share) x pay share"),
            },
            {
                "id": "non_pay",
                "name": "Non-pay",
                "baseline": _round(cost - pay),
                "efficiency": trust["efficiency"],
                "source": _src("the rest of cost"),
            },
        ],
    }


def _council(k: int, population: float, share: float, rng: np.random.Generator) -> dict[str, Any]:
    asc = _round(population * share * rng.uniform(0.14, 0.2))  # £k: £140-£200 a head
    return {
        "id": f"council_{k + 1}",
        "name": f"Synthetic council {k + 1}",
        "kind": "local_authority",
        "place": f"Place {k % 3 + 1}",
        "in_control_total": False,
        "funding": [
            {
                "id": "asc_funding",
                "name": "Council funding of adult social care",
                "baseline": asc,
                "funding_growth": round(float(rng.uniform(0.02, 0.04)), 3),
                "source": _src("net adult social care budget per head"),
            }
        ],
        "costs": [
            {
                "id": "adult_social_care",
                "name": "Adult social care (net)",
                "baseline": asc,
                "demand_driver": "over_65",
                "non_demographic_growth": 0.01,
                "efficiency": round(float(rng.uniform(0.01, 0.025)), 3),
                "source": _src("equal to the council's funding in the base year"),
            },
            {
                "id": "bcf_funded_care",
                "name": "Care funded by the Better Care Fund",
                "baseline": 0.0,
                "source": _src("grows with the BCF contributions"),
            },
        ],
    }


def _synthetic_sources(node: Any) -> Any:
    """A copy with every ``source``/``sources`` text replaced by the synthetic label."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "source":
                out[key] = _src("structure of the L&SC IPA case, figures scaled")
            elif key == "sources" and isinstance(value, dict):
                out[key] = {k: _src(f"{k} scaled to the system") for k in value}
            else:
                out[key] = _synthetic_sources(value)
        return out
    if isinstance(node, list):
        return [_synthetic_sources(v) for v in node]
    return node


def _investment(template: dict[str, Any], scale: float, funders: list[str]) -> dict[str, Any]:
    inv = _synthetic_sources(copy.deepcopy(template))
    inv["name"] = "Synthetic IPA / CHC service uplift"
    inv["description"] = "Synthetic: the L&SC IPA case's structure at this system's scale."
    params = inv["service"]["parameters"]
    for name in (
        "referrals_per_month",
        "initial_queue",
        "initial_queue_over_28_days",
        "initial_caseload",
        "initial_outstanding_reviews",
        "initial_overdue_reviews",
        "base_fte",
    ):
        params[name] = max(1, round(params[name] * scale))
    inv["funders_basis"]["partners"] = funders
    for option in inv["options"]:
        for line in [*option.get("costs", []), *option.get("benefits", [])]:
            if "amount" in line:
                line["amount"] = _scaled(line["amount"], scale)
    return inv


def _scaled(amount: float | list[float], scale: float) -> float | list[float]:
    """An amount (one figure, or one a year) scaled to the synthetic system's size."""
    if isinstance(amount, list):
        return [_round(a * scale, 1) for a in amount]
    return _round(amount * scale, 1)


def make_model(number: int, rng: np.random.Generator, template: dict[str, Any]) -> dict[str, Any]:
    """One synthetic ICS model as YAML-ready data."""
    population = float(rng.uniform(0.5e6, 3.2e6))
    per_head = float(rng.uniform(1.35, 1.75))  # £k of CCG allocation per resident
    n_comm, n_acute, n_councils = (
        int(rng.integers(1, 6)),
        int(rng.integers(1, 4)),
        int(rng.integers(1, 4)),
    )
    shares = rng.dirichlet(np.full(n_comm, 4.0))
    trusts = _trusts(n_acute, rng)
    councils = [_council(k, population, 1 / n_councils, rng) for k in range(n_councils)]
    commissioners = [
        _commissioner(
            i,
            n_comm,
            float(shares[i]),
            per_head,
            population,
            trusts,
            [c["id"] for c in councils],
            rng,
        )
        for i in range(n_comm)
    ]
    for council in councils:
        bcf = sum(
            line["baseline"]
            for c in commissioners
            for line in c["costs"]
            if line.get("payee") == council["id"]
        )
        council["costs"][1]["baseline"] = bcf
    partners = [*commissioners, *(_trust_partner(t, "Place 1") for t in trusts), *councils]
    over_65 = [round(float(rng.uniform(0.010, 0.022)), 4) for _ in range(HORIZON)]
    growth = round(float(rng.uniform(0.045, 0.056)), 3)
    control_totals = {
        p["id"]: {
            "value": 0.0
            if p["kind"] == "commissioner"
            else -_round(max(0.0, sum(c["baseline"] for c in p["costs"]) * 0.01), 100),
            "source": _src("commissioners break even; trusts a deficit of 1% of cost"),
        }
        for p in partners
        if p["in_control_total"]
    }
    trust_ids = [t["id"] for t in trusts]
    model: dict[str, Any] = {
        "name": f"Synthetic ICS {number:02d}",
        "units": "gbp_thousands",
        "description": (
            f"SYNTHETIC system {number:02d} of the national set made by scripts/make_national_set.py: "
            f"about {population / 1e6:.1f} million residents, {n_comm} commissioner(s), "
            f"{n_acute + 1} trust(s), {n_councils} council(s). Not a real ICS; for demos, tests "
            "and benchmarks only."
        ),
        "timeline": {"base_year": "2019/20", "horizon": HORIZON},
        "assumptions": {
            "demand_growth": round(float(rng.uniform(0.025, 0.035)), 3),
            "inflation": round(float(rng.uniform(0.025, 0.035)), 3),
            "efficiency": 0.011,
            "funding_growth": growth,
            "non_demographic_growth": 0.02,
            "sources": {
                k: _src(k)
                for k in (
                    "demand_growth",
                    "inflation",
                    "efficiency",
                    "funding_growth",
                    "non_demographic_growth",
                )
            },
        },
        "drivers": {
            "over_65": {
                "name": "Population aged 65+ (synthetic)",
                "growth": over_65,
                "source": _src("growth of the population aged 65+"),
            },
            "population": {
                "name": "Resident population (synthetic)",
                "growth": round(float(rng.uniform(0.002, 0.008)), 4),
                "source": _src("growth of the resident population"),
            },
        },
        "partners": partners,
        "control_totals": control_totals,
        "risk_share": {
            "method": "proportional_to_baseline_expenditure",
            "source": _src("a proportional risk share"),
        },
    }
    uncertainty = _uncertainty()
    chc_total = sum(
        line["baseline"] for c in commissioners for line in c["costs"] if line["id"] == "chc"
    )
    if number % 3 == 1:
        model["investments"] = {
            "ipa_uplift": _investment(
                template, chc_total / 220_000, [c["id"] for c in commissioners]
            )
        }
        inv_chc = {"in_proportion_to": "chc"}
        model["investments"]["ipa_uplift"]["funders_basis"].update(inv_chc)
        uncertainty["investments.ipa_uplift.service.parameters.referral_growth"] = {
            "dist": "pert",
            "low": 0.0,
            "mode": 0.02,
            "high": 0.05,
            "source": _src("referral growth range"),
        }
    model["scenarios"] = [
        {
            "id": "higher_demand",
            "name": "Demand one point higher",
            "description": "Synthetic: NHS demand growth one point higher; 65+ growth half a point.",
            "set": {
                "assumptions.demand_growth": model["assumptions"]["demand_growth"] + 0.01,
                "drivers.over_65.growth": [round(g + 0.005, 4) for g in over_65],
            },
        },
        {
            "id": "lower_efficiency",
            "name": "Trusts deliver only the tariff efficiency",
            "description": "Synthetic: every trust's savings fall to 1.1% a year.",
            "set": {
                f"partners.{t}.costs.{line}.efficiency": 0.011
                for t in trust_ids
                for line in ("pay", "non_pay")
            },
        },
        {
            "id": "flat_real_funding",
            "name": "Allocations grow with inflation only",
            "description": "Synthetic: funding growth equal to the inflation assumption.",
            "set": {"assumptions.funding_growth": model["assumptions"]["inflation"]},
        },
    ]
    model["uncertainty"] = uncertainty
    return model


def _uncertainty() -> dict[str, Any]:
    return {
        "assumptions.demand_growth": {
            "dist": "pert",
            "low": -0.015,
            "mode": 0.0,
            "high": 0.015,
            "apply": "add",
            "source": _src("demand growth within 1.5 points of plan"),
        },
        "assumptions.inflation": {
            "dist": "pert",
            "low": -0.01,
            "mode": 0.0,
            "high": 0.015,
            "apply": "add",
            "also": ["partners.*.costs.*.inflation"],
            "source": _src("inflation around the modelled rates"),
        },
        "partners.*.costs.pay.efficiency": {
            "dist": "pert",
            "low": 0.6,
            "mode": 1.0,
            "high": 1.3,
            "apply": "scale",
            "also": ["partners.*.costs.non_pay.efficiency"],
            "source": _src("share of planned savings delivered"),
        },
        "partners.*.costs.chc.non_demographic_growth": {
            "dist": "pert",
            "low": 0.0,
            "mode": 0.02,
            "high": 0.04,
            "source": _src("CHC growth per person aged 65+"),
        },
        "assumptions.funding_growth": {
            "dist": "triangular",
            "low": -0.01,
            "mode": 0.0,
            "high": 0.005,
            "apply": "add",
            "source": _src("funding settlement risk"),
        },
    }


def write_set(out: Path, count: int, seed: int) -> list[Path]:
    """Write ``count`` models and a manifest ``national.yaml`` into ``out``; return the models."""
    template = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))["investments"]["ipa_uplift"]
    rng = np.random.default_rng(seed)
    (out / "systems").mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(1, count + 1):
        path = out / "systems" / f"synthetic_ics_{number:02d}.yaml"
        text = yaml.dump(
            make_model(number, rng, template),
            Dumper=_Dumper,
            sort_keys=False,
            allow_unicode=True,
            width=100,
        )
        path.write_text(
            f"# SYNTHETIC model written by scripts/make_national_set.py (seed {seed}); "
            "not a real ICS.\n" + text,
            encoding="utf-8",
        )
        paths.append(path)
    manifest = {
        "name": f"Synthetic national set ({count} systems), three scenarios",
        "description": "Every synthetic ICS under the base plan and two scenarios, 10,000 draws.",
        "models": ["systems"],
        "scenarios": ["base", "higher_demand", "lower_efficiency"],
        "run": {"project": True, "simulate": {"draws": 10_000, "seed": seed}},
    }
    (out / "national.yaml").write_text(
        yaml.dump(manifest, Dumper=_Dumper, sort_keys=False), encoding="utf-8"
    )
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "workbooks" / "out" / "national")
    parser.add_argument("--count", type=int, default=42)
    parser.add_argument("--seed", type=int, default=2019)
    args = parser.parse_args()
    paths = write_set(args.out, args.count, args.seed)
    print(f"wrote {len(paths)} synthetic models and national.yaml to {args.out}")


if __name__ == "__main__":
    main()
