"""CIP levers (planned, delivered, recurrent) drawn by the Monte Carlo, varied by the tornado
and sought by goal seek on the ICB-era model: the same numbers as a scenario setting them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel import Model, load_model, project
from finmodel.domain.uncertainty import UncertainInput
from finmodel.domain.validation import with_overlay
from finmodel.engine.inputs import compile_model
from finmodel.engine.projection import project_arrays
from finmodel.errors import GoalSeekError
from finmodel.investment.projection import compile_inputs
from finmodel.risk.analysis import goal_seek_model, sensitivity
from finmodel.risk.inputs import input_target, known_inputs
from finmodel.risk.kernel import Kernel, apply_values
from finmodel.risk.montecarlo import draw_values, plan_simulation, simulate

ICB = Path(__file__).resolve().parents[1] / "models" / "lsc_icb.yaml"
LEVERS = ("assumptions.cip_planned", "assumptions.cip_delivered", "assumptions.cip_recurrent")


@pytest.fixture(scope="module")
def icb() -> Model:
    return load_model(ICB)


@pytest.fixture(scope="module")
def icb_lth_plan(icb: Model) -> Model:
    """The ICB model with Lancashire Teaching Hospitals given its own CIP plan."""
    return with_overlay(icb, {"partners.lth.cip": {"planned": 0.05, "delivered": 0.9}})


def with_uncertainty(model: Model, entries: dict[str, dict[str, object]]) -> Model:
    """The model with exactly these uncertain inputs (each given a source)."""
    specs = {
        key: UncertainInput.model_validate({**spec, "source": "illustrative: test"})
        for key, spec in entries.items()
    }
    return model.model_copy(update={"uncertainty": specs})


def test_the_levers_are_known_inputs_with_share_ranges(icb: Model) -> None:
    known, _ = known_inputs(icb, compile_model(icb))
    for lever in (*LEVERS, "assumptions.qipp"):
        assert lever in known
    assert not any(path.endswith(".cip.delivered") for path in known)  # no partner plans
    for lever in LEVERS:
        assert input_target(icb, lever).valid == (0.0, 1.0)


@pytest.mark.parametrize(
    ("lever", "value"),
    [
        ("assumptions.cip_delivered", 0.7),
        ("assumptions.cip_recurrent", 0.69),
        ("assumptions.cip_planned", 0.03),
        ("partners.lth.cip.delivered", 0.5),
        ("partners.lth.cip.recurrent", 0.5),
    ],
)
def test_with_values_equals_the_scenario_setting_the_same_value(
    icb_lth_plan: Model, lever: str, value: float
) -> None:
    """The batched path gives the engine's projection of the overlaid model, bit for bit (a
    partner's own plan overrides the assumptions for its lines, and the assumptions' path
    leaves them alone)."""
    icb = icb_lth_plan
    batched = project_arrays(compile_model(icb).with_values({lever: np.array([value, value])}))
    scenario = project(with_overlay(icb, {lever: value})).arrays
    for k in range(2):
        assert np.array_equal(batched.surplus[k], scenario.surplus)
        assert np.array_equal(batched.underlying_surplus[k], scenario.underlying_surplus)
        assert np.array_equal(batched.cip_planned[k], scenario.cip_planned)


def test_a_distribution_collapsed_on_the_scenario_value_gives_the_scenario_exactly(
    icb: Model,
) -> None:
    model = with_uncertainty(
        icb, {"assumptions.cip_delivered": {"dist": "uniform", "low": 0.84, "high": 0.84}}
    )
    result = simulate(model, "cip_2023_24_rate", draws=200, seed=5, chunk_size=64)
    det = project(icb, "cip_2023_24_rate").arrays
    expected = np.vstack([det.surplus, det.system_surplus[None]])
    for level in result.surplus.levels:
        assert np.array_equal(result.surplus.at(level), expected)
    assert np.array_equal(result.system_variance.at(50), det.system_variance, equal_nan=True)


def test_a_collapsed_distribution_off_the_model_value_gives_the_scenario(icb: Model) -> None:
    """Away from the modelled value the run stores float32 deviations: equal to that."""
    model = with_uncertainty(
        icb, {"assumptions.cip_delivered": {"dist": "uniform", "low": 0.7, "high": 0.7}}
    )
    result = simulate(model, draws=100, seed=5)
    det = project(with_overlay(icb, {"assumptions.cip_delivered": 0.7})).arrays
    expected = np.vstack([det.surplus, det.system_surplus[None]])
    assert not np.allclose(expected, project(icb).arrays.system_surplus[None], atol=1.0)
    np.testing.assert_allclose(result.surplus.at(50), expected, rtol=1e-6, atol=1.0)


def test_monte_carlo_draws_equal_the_engine_draw_by_draw(icb_lth_plan: Model) -> None:
    icb = icb_lth_plan
    model = with_uncertainty(
        icb,
        {
            "assumptions.cip_delivered": {"dist": "triangular", "low": 0.6, "mode": 0.8, "high": 1},
            "assumptions.cip_recurrent": {"dist": "uniform", "low": 0.5, "high": 1.0},
            "partners.lth.cip.planned": {"dist": "uniform", "low": 0.02, "high": 0.06},
            "assumptions.qipp": {"dist": "uniform", "low": 0.0, "high": 0.03},
        },
    )
    plan = plan_simulation(model, draws=12, seed=9)
    values = draw_values(plan, slice(0, 12))
    out = plan.kernel.evaluate(values)
    inputs = compile_inputs(model)
    keys = [v.key for v in plan.inputs]
    for i in range(values.shape[0]):
        scenario = project(with_overlay(icb, dict(zip(keys, values[i].tolist(), strict=True))))
        engine = project_arrays(apply_values(inputs, [v.target for v in plan.inputs], values[i]))
        np.testing.assert_allclose(out.surplus[..., i], scenario.arrays.surplus, atol=1e-6)
        np.testing.assert_allclose(out.system_surplus[:, i], engine.system_surplus, atol=1e-6)
        np.testing.assert_allclose(
            out.system_surplus[:, i], scenario.arrays.system_surplus, atol=1e-6
        )


@settings(max_examples=25, deadline=None)
@given(
    delivered=st.floats(0.0, 1.0),
    recurrent=st.floats(0.0, 1.0),
    planned=st.floats(0.0, 0.1),
)
def test_cip_delivered_never_above_planned_in_any_draw(
    delivered: float, recurrent: float, planned: float
) -> None:
    model = load_model(ICB)
    inputs = compile_model(model)
    targets = [input_target(model, lever) for lever in LEVERS]
    kernel_values = np.array([[planned, delivered, recurrent]])
    drawn = apply_values(inputs, targets, kernel_values[0])
    cip = drawn.cip_line
    saved = drawn.efficiency[cip] + drawn.nonrecurrent_cip[cip]
    assert np.all(saved <= drawn.cip_planned[cip] + 1e-15)
    assert np.all(drawn.nonrecurrent_cip >= 0.0)
    engine = project_arrays(drawn)
    kernel = Kernel(inputs, targets).evaluate(kernel_values)
    np.testing.assert_allclose(kernel.system_surplus[:, 0], engine.system_surplus, atol=1e-6)


def test_draws_outside_a_share_are_clipped_to_it(icb: Model) -> None:
    inputs = compile_model(icb)
    target = input_target(icb, "assumptions.cip_delivered")
    above = Kernel(inputs, [target]).evaluate(np.array([[1.3]]))
    at_one = project(with_overlay(icb, {"assumptions.cip_delivered": 1.0})).arrays
    np.testing.assert_allclose(above.system_surplus[:, 0], at_one.system_surplus, atol=1e-6)


def test_tornado_varies_cip_delivery(icb: Model) -> None:
    model = with_uncertainty(
        icb,
        {
            "assumptions.cip_delivered": {"dist": "triangular", "low": 0.6, "mode": 0.8, "high": 1},
            "assumptions.demand_growth": {"dist": "uniform", "low": 0.02, "high": 0.03},
        },
    )
    tornado = sensitivity(model).tornados["system_surplus"]
    [row] = [r for r in tornado.rows if r.input == "assumptions.cip_delivered"]
    for at, output in ((row.low_value, row.output_at_low), (row.high_value, row.output_at_high)):
        assert 0.6 <= float(np.asarray(at)) <= 1.0
        det = project(with_overlay(icb, {"assumptions.cip_delivered": float(np.asarray(at))}))
        assert output == pytest.approx(float(det.arrays.system_surplus[-1]), abs=1e-3)
    assert row.swing > 0  # delivering more of the plan improves the final-year surplus


def test_goal_seek_finds_the_cip_delivery_meeting_the_control_total(icb: Model) -> None:
    """Lancashire Teaching Hospitals meets its control total in 2026/27 at the delivery share
    found; the whole system cannot in 2025/26 even at full delivery, and goal seek says so."""
    found = goal_seek_model(
        icb, "assumptions.cip_delivered", "control_total", partner="lth", year="2026/27"
    )
    assert 0.0 < found.value < 1.0
    assert found.current == pytest.approx(1.0)
    assert abs(found.metric) < 1e-6
    at = project(with_overlay(icb, {"assumptions.cip_delivered": found.value})).arrays
    lth = [p.id for p in icb.partners].index("lth")
    assert abs(at.variance[lth, 2]) < 1e-3
    with pytest.raises(GoalSeekError, match=r"no value of assumptions\.cip_delivered"):
        goal_seek_model(icb, "assumptions.cip_delivered", "control_total", year="2025/26")


def test_the_bundled_cip_delivery_uncertainty_lies_between_its_bounds(icb: Model) -> None:
    """The model's own entry: every draw's final-year surplus lies between the projections
    at the range's ends (the surplus rises with delivery), the median strictly inside."""
    assert set(icb.uncertainty) == {"assumptions.cip_delivered"}
    result = simulate(icb, draws=400, seed=3)
    ends = [
        float(
            project(with_overlay(icb, {"assumptions.cip_delivered": at})).arrays.system_surplus[-1]
        )
        for at in (0.6, 1.0)
    ]
    system = result.surplus.at(50)[-1, -1]
    assert ends[0] < system < ends[1]
    assert (
        ends[0] - 1.0
        <= result.surplus.at(5)[-1, -1]
        <= result.surplus.at(95)[-1, -1]
        <= ends[1] + 1.0
    )


@pytest.mark.parametrize("with_lever", [False, True])
def test_a_line_efficiency_on_a_cip_plan_takes_the_line_off_it_in_every_path(
    icb: Model, with_lever: bool
) -> None:
    """A scenario setting a CIP line's efficiency gives the line its own rate, which takes it
    off the plan (no planned or non-recurrent CIP). with_values, the kernel (a distribution
    collapsed on the value: Monte Carlo and goal seek use it) and apply_values do the same, also
    with a CIP lever drawn beside it (the lever then leaves that line alone)."""
    path = "partners.lth.costs.pay.efficiency"
    setting = {path: 0.02, **({"assumptions.cip_delivered": 0.7} if with_lever else {})}
    scenario = project(with_overlay(icb, setting)).arrays
    plan_kept = project(icb).arrays
    # not the same as only setting the rate: the line's non-recurrent CIP is gone
    assert not np.allclose(scenario.system_surplus, plan_kept.system_surplus, atol=1.0)

    batched = project_arrays(
        compile_model(icb).with_values({k: np.array([v, v]) for k, v in setting.items()})
    )
    for k in range(2):
        for name in ("surplus", "underlying_surplus", "cip_planned", "cip_delivered"):
            assert np.array_equal(getattr(batched, name)[k], getattr(scenario, name)), name

    inputs = compile_inputs(icb)
    targets = [input_target(icb, key) for key in setting]
    values = np.array([list(setting.values()), [np.nan] * len(setting)])
    out = Kernel(inputs, targets).evaluate(values)
    np.testing.assert_allclose(out.surplus[..., 0], scenario.surplus, rtol=0, atol=1e-9)
    np.testing.assert_allclose(out.system_surplus[:, 0], scenario.system_surplus, atol=1e-9)
    # a draw at base (NaN) keeps the line on the plan
    np.testing.assert_allclose(out.system_surplus[:, 1], plan_kept.system_surplus, atol=1e-9)
    engine = project_arrays(apply_values(inputs, targets, values[0]))
    assert np.array_equal(engine.surplus, scenario.surplus)

    model = with_uncertainty(
        icb, {key: {"dist": "uniform", "low": v, "high": v} for key, v in setting.items()}
    )
    result = simulate(model, draws=50, seed=2)
    expected = np.vstack([scenario.surplus, scenario.system_surplus[None]])
    np.testing.assert_allclose(result.surplus.at(50), expected, rtol=1e-6, atol=1.0)


def test_goal_seek_on_a_cip_line_efficiency_agrees_with_the_scenario(icb: Model) -> None:
    path = "partners.lth.costs.pay.efficiency"
    found = goal_seek_model(icb, path, "control_total", partner="lth", year="2026/27")
    at = project(with_overlay(icb, {path: found.value})).arrays
    lth = [p.id for p in icb.partners].index("lth")
    assert abs(at.variance[lth, 2]) < 1e-3
