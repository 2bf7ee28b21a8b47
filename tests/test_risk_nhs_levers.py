"""Non-recurrent amounts, convergence pace and a partner's own QIPP drawn by the Monte Carlo,
varied by the tornado and sought by goal seek on the ICB-era model: the same numbers as a
scenario setting the same value (as the CIP levers, tests/test_risk_cip_levers.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from finmodel import Model, load_model, project
from finmodel.domain.uncertainty import UncertainInput
from finmodel.domain.validation import with_overlay
from finmodel.engine.inputs import compile_model
from finmodel.engine.projection import project_arrays
from finmodel.investment.projection import compile_inputs
from finmodel.risk.analysis import goal_seek_model, sensitivity
from finmodel.risk.inputs import input_target, known_inputs
from finmodel.risk.kernel import Kernel, apply_values
from finmodel.risk.montecarlo import draw_values, plan_simulation, simulate

ICB = Path(__file__).resolve().parents[1] / "models" / "lsc_icb.yaml"
WINTER = "partners.icb.non_recurrent.winter_funding.projected"
SUPPORT = "partners.icb.non_recurrent.deficit_support.base_year"
PACE = "partners.icb.funding.allocation.convergence.pace"
QIPP = "partners.icb.qipp"
FUNDING = "assumptions.funding_growth"
#: Outputs a lever moves, compared bit for bit.
OUTPUTS = ("surplus", "underlying_surplus", "non_recurrent", "funding", "system_variance")


@pytest.fixture(scope="module")
def icb() -> Model:
    """The ICB model with the ICB given its own QIPP rate (as a scenario can set it)."""
    return with_overlay(load_model(ICB), {QIPP: 0.02})


def with_uncertainty(model: Model, entries: dict[str, dict[str, object]]) -> Model:
    specs = {
        key: UncertainInput.model_validate({**spec, "source": "illustrative: test"})
        for key, spec in entries.items()
    }
    return model.model_copy(update={"uncertainty": specs})


def test_the_levers_are_known_inputs_with_their_ranges(icb: Model) -> None:
    known, _ = known_inputs(icb, compile_model(icb))
    for path in (WINTER, SUPPORT, PACE, QIPP):
        assert path in known
    # a tapered item's projected amounts follow its base year: only the base year is an input
    assert "partners.icb.non_recurrent.deficit_support.projected" not in known
    assert input_target(icb, PACE).valid == (0.0, 1.0)
    assert input_target(icb, WINTER).valid == (0.0, None)
    # the ICB's QIPP path is not there without its own rate (the assumption's path sets it)
    assert QIPP not in known_inputs(load_model(ICB), compile_model(load_model(ICB)))[0]


@pytest.mark.parametrize(
    ("lever", "value"),
    [
        (WINTER, 30_000.0),
        (SUPPORT, 150_000.0),
        (PACE, 0.5),
        (PACE, 0.0),
        (QIPP, 0.035),
        # growth of a converging allocation is the uplift convergence works on
        ("assumptions.funding_growth", 0.01),
        ("partners.icb.funding.allocation.funding_growth", 0.045),
    ],
)
def test_with_values_equals_the_scenario_setting_the_same_value(
    icb: Model, lever: str, value: float
) -> None:
    batched = project_arrays(compile_model(icb).with_values({lever: np.array([value, value])}))
    scenario = project(with_overlay(icb, {lever: value})).arrays
    assert not np.array_equal(scenario.surplus, project(icb).arrays.surplus)
    for k in range(2):
        for name in OUTPUTS:
            assert np.array_equal(getattr(batched, name)[k], getattr(scenario, name), True), name


def test_the_kernel_with_collapsed_values_gives_the_scenario(icb: Model) -> None:
    """Every lever at once, scaling the ICB's non-recurrent items by 0.8 (a pattern: the
    partner's items move together); a draw at base (NaN) gives the model."""
    keys = ["partners.icb.non_recurrent.*.base_year", WINTER, PACE, QIPP, FUNDING]
    targets = [input_target(icb, k, apply="scale" if "*" in k else "set") for k in keys]
    values = np.array([[0.8, 20_000.0, 0.4, 0.03, 0.02], [np.nan] * 5])
    out = Kernel(compile_inputs(icb), targets).evaluate(values)
    setting = {
        SUPPORT: 0.8 * 175_000.0,
        "partners.icb.non_recurrent.winter_funding.base_year": 0.8 * 50_000.0,
        WINTER: 20_000.0,
        PACE: 0.4,
        QIPP: 0.03,
        FUNDING: 0.02,
    }
    scenario = project(with_overlay(icb, setting)).arrays
    np.testing.assert_allclose(out.surplus[..., 0], scenario.surplus, rtol=1e-13, atol=1e-9)
    np.testing.assert_allclose(out.system_surplus[:, 0], scenario.system_surplus, atol=1e-9)
    np.testing.assert_allclose(
        out.system_variance[1:, 0], scenario.system_variance[1:], rtol=1e-13, atol=1e-9
    )
    base = project(icb).arrays
    np.testing.assert_allclose(out.system_surplus[:, 1], base.system_surplus, atol=1e-9)
    engine = project_arrays(apply_values(compile_inputs(icb), targets, values[0]))
    for name in OUTPUTS:
        assert np.array_equal(getattr(engine, name), getattr(scenario, name), True), name


def test_monte_carlo_draws_equal_the_engine_and_the_scenario_draw_by_draw(icb: Model) -> None:
    model = with_uncertainty(
        icb,
        {
            SUPPORT: {"dist": "uniform", "low": 100_000, "high": 175_000},
            WINTER: {"dist": "triangular", "low": 0, "mode": 0, "high": 50_000},
            PACE: {"dist": "uniform", "low": 0.0, "high": 0.5},
            QIPP: {"dist": "uniform", "low": 0.0, "high": 0.03},
        },
    )
    plan = plan_simulation(model, draws=10, seed=4)
    values = draw_values(plan, slice(0, 10))
    out = plan.kernel.evaluate(values)
    inputs = compile_inputs(model)
    keys = [v.key for v in plan.inputs]
    for i in range(values.shape[0]):
        scenario = project(with_overlay(icb, dict(zip(keys, values[i].tolist(), strict=True))))
        engine = project_arrays(apply_values(inputs, [v.target for v in plan.inputs], values[i]))
        np.testing.assert_allclose(out.surplus[..., i], scenario.arrays.surplus, atol=1e-6)
        assert np.array_equal(engine.surplus, scenario.arrays.surplus)


def test_a_collapsed_distribution_gives_the_scenario_in_simulate(icb: Model) -> None:
    model = with_uncertainty(icb, {PACE: {"dist": "uniform", "low": 0.6, "high": 0.6}})
    result = simulate(model, draws=64, seed=1)
    det = project(with_overlay(icb, {PACE: 0.6})).arrays
    expected = np.vstack([det.surplus, det.system_surplus[None]])
    np.testing.assert_allclose(result.surplus.at(50), expected, rtol=1e-6, atol=1.0)


def test_tornado_varies_the_pace_and_the_winter_funding(icb: Model) -> None:
    model = with_uncertainty(
        icb,
        {
            PACE: {"dist": "uniform", "low": 0.0, "high": 0.5},
            WINTER: {"dist": "uniform", "low": 0.0, "high": 60_000},
        },
    )
    rows = {r.input: r for r in sensitivity(model).tornados["system_surplus"].rows}
    for key in (PACE, WINTER):
        row = rows[key]
        for at, output in (
            (row.low_value, row.output_at_low),
            (row.high_value, row.output_at_high),
        ):
            det = project(with_overlay(icb, {key: float(np.asarray(at))})).arrays
            assert output == pytest.approx(float(det.system_surplus[-1]), abs=1e-3)
    # the ICB is above its fair share: converging faster takes money out of the system
    assert rows[PACE].output_at_high < rows[PACE].output_at_low
    # winter money is income in every projected year: the swing is its P10-P90 range
    assert rows[WINTER].swing == pytest.approx(0.8 * 60_000, abs=1e-6)


def test_goal_seek_finds_the_deficit_support_and_the_qipp(icb: Model) -> None:
    year = "2025/26"
    for path in (SUPPORT, QIPP):
        found = goal_seek_model(icb, path, "break_even", partner="icb", year=year)
        at = project(with_overlay(icb, {path: found.value})).arrays
        icb_row = [p.id for p in icb.partners].index("icb")
        assert abs(at.surplus[icb_row, 1]) < 1e-3, path


def test_the_app_names_the_levers_as_a_finance_lead_does(icb: Model) -> None:
    from finmodel.app.risk_labels import format_value, input_label

    assert input_label(icb, SUPPORT) == (
        "NHS Lancashire and South Cumbria ICB: Deficit support funding from NHS England, "
        "base-year amount"
    )
    assert input_label(icb, "partners.icb.non_recurrent.*.base_year").endswith(
        "every non-recurrent item, base-year amount"
    )
    assert input_label(icb, QIPP) == "NHS Lancashire and South Cumbria ICB: QIPP"
    assert input_label(icb, PACE).startswith("Convergence pace: ICB allocation")
    assert format_value(icb, WINTER, 20_000.0) == "£20,000k"
    default = load_model(ICB.parent / "lsc_ics.yaml")
    # a pattern over partners names only those with the item: the seven trusts' PSF
    assert input_label(default, "partners.*.non_recurrent.psf.base_year").startswith(
        "7 providers: Provider Sustainability Fund"
    )
