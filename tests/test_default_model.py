"""The bundled default model, models/lsc_ics.yaml (Lancashire and South Cumbria, 2019/20).

Checks its structure (partners, places), its provenance (every figure carries a source that is
either a tagged public citation or says how an illustrative figure was made), its headline
magnitudes (the ~£200m IPA/CHC budget, the ~£3.5bn system budget) and SPEC section 9
invariants 1-4 under the model as written and under every scenario. The invariants are checked
against the model file's own structure (lines, payees, places), not the engine's index arrays.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import BaseModel

from finmodel import Model, ProjectionResult, load_model, project
from finmodel.domain.model import (
    NON_RECURRENT_INCOME,
    ControlTotalEntry,
    NonRecurrentItem,
    NonRecurrentKind,
    PartnerKind,
    RiskShareMethod,
)

DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "models" / "lsc_ics.yaml"

CCGS = {
    "blackburn_darwen_ccg",
    "blackpool_ccg",
    "chorley_south_ribble_ccg",
    "east_lancashire_ccg",
    "fylde_wyre_ccg",
    "greater_preston_ccg",
    "morecambe_bay_ccg",
    "west_lancashire_ccg",
}
PROVIDERS = {"lth", "bth", "elht", "uhmb", "lscft", "nwas", "southport_ormskirk"}
COUNCILS = {"lancashire_cc", "blackpool_council", "blackburn_darwen_council", "cumbria_cc"}
PLACES = {
    "Central Lancashire",
    "Fylde Coast",
    "Pennine Lancashire",
    "West Lancashire",
    "Morecambe Bay",
}
#: Fields whose provenance is the object's `source`; every other figure needs `sources[field]`.
#: A non-recurrent item's `source` is the provenance of its amounts (base year and projected).
PRIMARY_FIGURES = {"baseline", "growth", "value", "base_year", "projected"}
#: A public citation starts with its confidence tag: [P] official, [S] secondary.
CITED = re.compile(r"^\[(P|S)\] \S.{20,}")
ILLUSTRATIVE = re.compile(r"^illustrative: \S.{20,}")

SCENARIOS = [None, *(s.id for s in load_model(DEFAULT_MODEL).scenarios)]


def _is_figure(value: Any) -> bool:
    """A number (not a flag) or a list of numbers: something that needs provenance."""
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return True
    return isinstance(value, list) and bool(value) and all(isinstance(v, float) for v in value)


def _objects(node: Any, path: str) -> Iterator[tuple[str, BaseModel]]:
    """Every pydantic object under ``node`` with its dotted path (list items by id)."""
    if isinstance(node, BaseModel):
        yield path, node
        for name in type(node).model_fields:
            yield from _objects(getattr(node, name), f"{path}.{name}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _objects(item, f"{path}.{getattr(item, 'id', index)}")
    elif isinstance(node, dict):
        for key, item in node.items():
            yield from _objects(item, f"{path}.{key}")


def _unsourced(model: Model) -> list[str]:
    """Paths of figures with no provenance in the sections the default model owns."""
    missing = []
    sections = ("assumptions", "drivers", "partners", "control_totals", "risk_share")
    for section in sections:
        for path, obj in _objects(getattr(model, section), section):
            source = getattr(obj, "source", None)
            sources = getattr(obj, "sources", {}) or {}
            for name in sorted(obj.model_fields_set):
                if not _is_figure(getattr(obj, name)):
                    continue
                given = source if name in PRIMARY_FIGURES else sources.get(name)
                if not (given and given.strip()):
                    missing.append(f"{path}.{name}")
    for partner_id, entry in model.control_totals.items():
        if not isinstance(entry, ControlTotalEntry) or not entry.source:
            missing.append(f"control_totals.{partner_id} (write it as {{value: ..., source: ...}})")
    for driver_id, driver in model.drivers.items():
        if not driver.source:
            missing.append(f"drivers.{driver_id}.source")
    if not model.risk_share.source:
        missing.append("risk_share.source")
    return missing


def _all_sources(model: Model) -> list[tuple[str, str]]:
    """Every provenance string in the model, with where it is."""
    found = []
    for path, obj in _objects(model, "model"):
        source = getattr(obj, "source", None)
        if source:
            found.append((f"{path}.source", source))
        for key, text in (getattr(obj, "sources", None) or {}).items():
            found.append((f"{path}.sources.{key}", text))
    return found


@pytest.fixture(scope="module")
def lsc() -> Model:
    return load_model(DEFAULT_MODEL)


def test_partners_and_places(lsc: Model) -> None:
    by_id = {p.id: p for p in lsc.partners}
    assert set(by_id) == CCGS | PROVIDERS | COUNCILS
    assert {p.place for p in lsc.partners} == PLACES
    assert {i for i, p in by_id.items() if p.kind == PartnerKind.commissioner} == CCGS
    assert {i for i, p in by_id.items() if p.kind == PartnerKind.provider} == PROVIDERS
    assert {i for i, p in by_id.items() if p.kind == PartnerKind.local_authority} == COUNCILS
    assert not any(by_id[c].in_control_total for c in COUNCILS)
    assert all(by_id[c].in_control_total for c in CCGS)
    # every place has a commissioner; NHS partners in the control total have a control total
    assert {by_id[c].place for c in CCGS} == PLACES
    in_ct = {p.id for p in lsc.partners if p.in_control_total}
    assert set(lsc.control_totals) == in_ct
    assert lsc.risk_share.method == RiskShareMethod.proportional_to_baseline_expenditure
    assert lsc.timeline.base_year == "2019/20" and lsc.timeline.horizon == 5


def test_ccg_contracts_are_internal_flows(lsc: Model) -> None:
    for ccg in (p for p in lsc.partners if p.id in CCGS):
        payees = {line.payee for line in ccg.costs if line.payee}
        assert payees & PROVIDERS, f"{ccg.id} has no contract with a provider"
        assert payees & COUNCILS, f"{ccg.id} has no BCF contribution to a council"
    for council in (p for p in lsc.partners if p.id in COUNCILS):
        asc = {line.id: line for line in council.costs}["adult_social_care"]
        assert asc.demand_driver == "over_65"


def test_every_figure_has_a_source(lsc: Model) -> None:
    assert _unsourced(lsc) == []


def test_sources_are_cited_or_say_how_they_were_made(lsc: Model) -> None:
    sources = _all_sources(lsc)
    assert len(sources) > 50
    bad = [
        (where, text)
        for where, text in sources
        if not (CITED.match(text) or ILLUSTRATIVE.match(text))
    ]
    assert bad == []
    # an unverified [U] figure is never cited, not even as context
    assert [where for where, text in sources if "[U]" in text] == []


def test_the_walk_would_catch_a_missing_source(lsc: Model) -> None:
    """The provenance check can fail: drop one override's source and it is reported."""
    data = lsc.model_dump(mode="python", exclude_unset=True)
    line = next(c for c in data["partners"][0]["costs"] if c["id"] == "chc")
    line["sources"] = {}
    assert _unsourced(Model.model_validate(data)) == [
        f"partners.{lsc.partners[0].id}.costs.chc.non_demographic_growth"
    ]


def test_ipa_chc_budget_is_about_200m(lsc: Model) -> None:
    chc = [line for p in lsc.partners if p.id in CCGS for line in p.costs if line.id == "chc"]
    assert len(chc) == len(CCGS), "every CCG has a `chc` line"
    assert all(line.demand_driver == "over_65" for line in chc)
    assert all(line.name and "continuing healthcare" in line.name.lower() for line in chc)
    assert 180_000 <= sum(line.baseline for line in chc) <= 230_000


def test_over_65_driver_is_the_ons_projection(lsc: Model) -> None:
    driver = lsc.drivers["over_65"]
    assert driver.source and driver.source.startswith("[S]") and "2018-based" in driver.source
    growth = np.asarray(driver.growth, dtype=float)
    assert growth.shape == (lsc.timeline.horizon,)
    assert np.all((growth > 0.005) & (growth < 0.03))


def test_system_budget_is_about_3_5bn(lsc: Model) -> None:
    result = project(lsc)
    income_0 = float(result.arrays.system_income[0])
    assert 3_200_000 <= income_0 <= 3_800_000
    # external income: the allocations and council funding, plus the trusts' 2019/20 support
    funding_0 = sum(f.baseline for p in lsc.partners for f in p.funding)
    support_0 = sum(i.base_year for p in lsc.partners for i in p.non_recurrent)
    assert income_0 == pytest.approx(funding_0 + support_0)
    assert lsc.description and "allocations" in lsc.description
    assert "adult social care" in lsc.description


def test_base_year_position_is_plausible(lsc: Model) -> None:
    """A system deficit, but within a few per cent of the budget, not an artefact of the data."""
    result = project(lsc)
    a = result.arrays
    assert -0.08 < a.system_surplus[0] / a.system_income[0] < 0.0
    # commissioners and councils break even in the base year by construction
    for partner_id in CCGS | COUNCILS:
        assert a.surplus[result.partner_index(partner_id), 0] == pytest.approx(0.0, abs=1.0)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_projects(lsc: Model, scenario: str | None) -> None:
    result = project(lsc, scenario)
    assert result.scenario == scenario
    a = result.arrays
    for array in (a.income, a.expenditure, a.surplus, a.system_surplus, a.bridge):
        assert np.all(np.isfinite(array))
    assert result.to_json()["years"][-1] == "2024/25"


def _partner_books(result: ProjectionResult) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Partner income and expenditure rebuilt from the model's own lines, and the flows total."""
    model, a = result.model, result.arrays
    row = {pid: i for i, pid in enumerate(result.inputs.partner_ids)}
    cost = dict(zip(result.inputs.line_ids, a.cost, strict=True))
    funding = dict(zip(result.inputs.fund_ids, a.funding, strict=True))
    income = np.zeros_like(a.income)
    expenditure = np.zeros_like(a.expenditure)
    flows = np.zeros_like(a.system_income)
    years = result.years
    for partner in model.partners:
        for stream in partner.funding:
            income[row[partner.id]] += funding[f"{partner.id}.{stream.id}"]
        for item in partner.non_recurrent:  # the default model's items are all income
            income[row[partner.id]] += _item_amounts(item, len(years))
        for line in partner.costs:
            amount = cost[f"{partner.id}.{line.id}"]
            expenditure[row[partner.id]] += amount
            if line.payee is not None:
                income[row[line.payee]] += amount  # the payee books exactly the same amount
                flows += amount
    # the selected investment option's net cost (zero when none is selected) sits with its funders
    expenditure += result.inputs.investment_expenditure
    return income, expenditure, flows


def _item_amounts(item: NonRecurrentItem, horizon: int, base_year: str = "2019/20") -> np.ndarray:
    """A non-recurrent item's amount by year (base year, then each projected year), £k: its
    projected amounts, or with `taper_to_zero_by` the README's equal steps to zero,
    ``base x max(0, 1 - t / k)`` with ``k`` years from the base year to the taper year."""
    if item.taper_to_zero_by is not None:
        k = int(item.taper_to_zero_by[:4]) - int(base_year[:4])
        t = np.arange(horizon, dtype=float)
        return item.base_year * np.maximum(0.0, 1.0 - t / k)
    projected = np.broadcast_to(np.asarray(item.projected, dtype=float), (horizon - 1,))
    return np.concatenate([[item.base_year], projected])


def _close(actual: np.ndarray, desired: np.ndarray) -> None:
    """Equal up to floating-point rounding (money in £k)."""
    np.testing.assert_allclose(actual, desired, rtol=1e-10, atol=1e-6)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_spec_invariants_1_to_4(lsc: Model, scenario: str | None) -> None:
    result = project(lsc, scenario)
    a = result.arrays
    # 1. system surplus = sum of partner surpluses = sum of place surpluses
    _close(a.system_surplus, a.surplus.sum(axis=0))
    _close(a.system_surplus, a.place_surplus.sum(axis=0))
    # 2. every internal flow is once expenditure (payer) and once income (payee); consolidated
    #    income + eliminations = sum of partner incomes
    income, expenditure, flows = _partner_books(result)
    _close(a.income, income)
    _close(a.expenditure, expenditure)
    _close(a.system_eliminations, flows)
    _close(a.system_income + a.system_eliminations, a.income.sum(axis=0))
    _close(a.system_expenditure + a.system_eliminations, a.expenditure.sum(axis=0))
    # external income: funding streams plus the non-recurrent income written in the model file
    support = sum(
        (
            _item_amounts(item, len(result.years))
            for p in result.model.partners
            for item in p.non_recurrent
        ),
        start=np.zeros_like(a.system_income),
    )
    _close(a.system_income, a.funding.sum(axis=0) + support)
    # 3. the risk share is zero-sum over the partners in the control total (projected years)
    in_ct = np.array(
        [result.model.partner(pid).in_control_total for pid in result.inputs.partner_ids]
    )
    after = a.surplus_after_risk_share[in_ct, 1:]
    assert np.all(np.isfinite(after))
    assert np.all(np.isnan(a.surplus_after_risk_share[~in_ct]))
    _close(after.sum(axis=0), a.surplus[in_ct, 1:].sum(axis=0))
    # 4. the bridge steps sum to the total change of the system surplus, every year
    _close(a.bridge.sum(axis=0), a.system_surplus - a.system_surplus[0])
    assert result.to_json()["bridge"]["total"] == pytest.approx(
        sum(step["value"] for step in result.to_json()["bridge"]["steps"]), abs=1e-6
    )


#: The trusts whose invented 2019/20 position is a deficit: they get FRF as well as PSF.
TRUSTS_IN_DEFICIT = PROVIDERS - {"nwas"}


def test_trusts_carry_2019_20_provider_support(lsc: Model) -> None:
    """PSF on every trust, FRF on the trusts in deficit, as sourced deficit support that is not
    projected (both ended with the COVID-19 regime in 2020/21); nothing else is non-recurrent."""
    for partner in lsc.partners:
        items = {item.id: item for item in partner.non_recurrent}
        if partner.id not in PROVIDERS:
            assert items == {}, partner.id
            continue
        expected = {"psf", "frf"} if partner.id in TRUSTS_IN_DEFICIT else {"psf"}
        assert set(items) == expected, partner.id
        assert partner.illustrative, f"{partner.id}'s invented figures are not labelled"
        for item in items.values():
            assert item.kind == NonRecurrentKind.deficit_support
            # a stop written as a taper (so it is a lever): nothing from 2020/21
            assert item.base_year > 0 and item.projected == 0.0
            assert item.taper_to_zero_by == "2020/21"
            assert item.source and ILLUSTRATIVE.match(item.source)
            national = "£1.25bn" if item.id == "psf" else "£1bn"
            assert national in item.source and "[S]" in item.source
            assert "2020/21" in item.source, "the source says why the support is not projected"
    # only the trusts are labelled illustrative: the CCGs' allocations are partly published
    assert {p.id for p in lsc.partners if p.illustrative} == PROVIDERS


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_reported_less_underlying_is_the_provider_support(lsc: Model, scenario: str | None) -> None:
    """Every partner, every year: reported - underlying = its non-recurrent items as written in
    the model file (the trusts' PSF/FRF in 2019/20, nothing after) plus its non-recurrent CIP
    (delivered less recurrent), and so for the system."""
    result = project(lsc, scenario)
    a = result.arrays
    horizon = len(result.years)
    support = np.zeros_like(a.surplus)
    for partner in result.model.partners:
        for item in partner.non_recurrent:
            assert item.kind in NON_RECURRENT_INCOME
            support[result.partner_index(partner.id)] += _item_amounts(item, horizon)
    one_off_cip = a.cip_delivered - a.cip_recurrent
    assert np.all(one_off_cip >= 0.0) and not one_off_cip[:, 0].any()
    _close(a.surplus - a.underlying_surplus, support + one_off_cip)
    _close(a.non_recurrent, support + one_off_cip)
    _close(a.system_surplus - a.system_underlying_surplus, (support + one_off_cip).sum(axis=0))
    # the support is 2019/20 only: £41.0m, none projected
    assert support[:, 0].sum() == pytest.approx(40_961.0)
    assert not support[:, 1:].any()
    # a trust's underlying 2019/20 position is its invented deficit before support
    lth = result.partner_index("lth")
    assert a.underlying_surplus[lth, 0] == pytest.approx(-29_300.0)
    assert a.surplus[lth, 0] == pytest.approx(-29_300.0 + 4_578.0 + 3_662.0)


def test_a_later_taper_year_withdraws_the_support_in_equal_steps(lsc: Model) -> None:
    """The stop is a lever: zero by 2023/24 instead (the pre-pandemic plan's return to balance)
    leaves 2/4 and 1/4 of the 2019/20 support in 2021/22 and 2022/23, and only moves the
    reported positions, never the underlying ones."""
    trusts = [p for p in lsc.partners if p.non_recurrent]
    overlay = {
        f"partners.{p.id}.non_recurrent.{item.id}.taper_to_zero_by": "2023/24"
        for p in trusts
        for item in p.non_recurrent
    }
    data = lsc.model_dump(mode="python", exclude_unset=True)
    data["scenarios"] = [{"id": "taper", "set": overlay}]
    tapered = project(Model.model_validate(data), "taper").arrays
    stopped = project(lsc).arrays
    total = 40_961.0
    # on top of the trusts' non-recurrent CIP, which the taper does not move
    np.testing.assert_allclose(
        tapered.system_non_recurrent - stopped.system_non_recurrent,
        [0.0, total * 3 / 4, total / 2, total / 4, 0.0, 0.0],
        atol=1e-6,
    )
    _close(tapered.underlying_surplus, stopped.underlying_surplus)
    _close(tapered.surplus - stopped.surplus, tapered.non_recurrent - stopped.non_recurrent)


def test_each_support_lever_is_named_apart(lsc: Model) -> None:
    """`finmodel assumptions` and the app offer each trust's PSF and FRF taper as its own lever,
    labelled apart (the partner name alone would give two levers one label)."""
    from finmodel.app.finance_assumptions import finance_assumptions

    levers = [s for s in finance_assumptions(lsc) if s.label.startswith("Deficit support taper")]
    assert len(levers) == sum(len(p.non_recurrent) for p in lsc.partners) == 13
    assert len({s.label for s in levers}) == len(levers)
    assert all(s.model_value == "2020/21" for s in levers)
    assert "Financial Recovery Fund (FRF) 2019/20" in levers[1].label
