"""Monte Carlo: exact collapse to the deterministic result, reproducibility, chunking, outputs."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from finmodel import project
from finmodel.domain.model import Model
from finmodel.domain.uncertainty import PARAMETERS, UncertainInput
from finmodel.domain.validation import apply_scenario
from finmodel.engine.projection import project_arrays
from finmodel.errors import InputError
from finmodel.investment.effects import investment_draws
from finmodel.investment.projection import compile_inputs
from finmodel.risk.inputs import base_values
from finmodel.risk.kernel import TOLERANCE, apply_values
from finmodel.risk.montecarlo import (
    Accumulator,
    draw_values,
    plan_simulation,
    run_plan,
    simulate,
    simulate_chunk,
    summarise,
)
from finmodel.risk.sampling import chunk_slices

DRAWS = 1500


def without_service(model: Model) -> Model:
    """The model with its service-model inputs left out of the uncertainty section."""
    kept = {k: v for k, v in model.uncertainty.items() if not k.startswith("investments.")}
    return model.model_copy(update={"uncertainty": kept})


def collapsed(model: Model, scenario: str | None = None) -> Model:
    """Every distribution collapsed onto the modelled value (0 for add, 1 for scale)."""
    projected = apply_scenario(model, scenario)
    inputs = compile_inputs(projected)
    from finmodel.risk.inputs import uncertain_inputs

    points: dict[str, UncertainInput] = {}
    for value in uncertain_inputs(projected, inputs):
        spec = value.spec
        if spec.apply == "add":
            at = 0.0
        elif spec.apply == "scale":
            at = 1.0
        else:
            found = [base_values(inputs, s).ravel() for s in value.target.slots if s.index.size]
            found += [np.array([item.base]) for item in value.target.service]
            values = np.concatenate(found)
            assert np.all(values == values[0]), f"{value.key} has no single modelled value"
            at = float(values[0])
        update: dict[str, Any] = {name: at for name in PARAMETERS[spec.dist] if name != "sd"}
        if spec.dist == "normal":
            update["sd"] = 0.0
        points[value.key] = spec.model_copy(update=update)
    return model.model_copy(update={"uncertainty": points})


@pytest.mark.parametrize("scenario", [None, "ipa_business_case", "combined_downside"])
def test_distributions_collapsed_to_a_point_give_the_deterministic_result_exactly(
    default_model: Model, scenario: str | None
):
    """SPEC invariant 10, on the default model (with the service model) and two scenarios."""
    model = collapsed(default_model, scenario)
    result = simulate(model, scenario, draws=300, seed=5, chunk_size=128)
    det = project(default_model, scenario).arrays
    expected = np.vstack([det.surplus, det.system_surplus[None]])
    for level in result.surplus.levels:
        assert np.array_equal(result.surplus.at(level), expected)
    assert np.array_equal(result.surplus.mean, expected)
    assert np.array_equal(result.system_variance.at(50), det.system_variance, equal_nan=True)
    variance = np.vstack([det.variance, det.system_variance[None]])
    meets = np.where(np.isnan(variance), np.nan, (variance >= -TOLERANCE).astype(float))
    assert np.array_equal(result.p_meet_control_total, meets, equal_nan=True)
    assert np.array_equal(result.p_break_even, (expected >= -TOLERANCE).astype(float))
    [summary] = result.investments.values()
    det_draws = investment_draws(
        apply_scenario(default_model, scenario), {"referral_growth": np.array([0.02])}
    )
    assert np.array_equal(summary.npsv.at(5), det_draws.npsv[0])
    assert np.array_equal(summary.npsv.at(95), det_draws.npsv[0])
    months = det_draws.months_to_clear_backlog[0].astype(float)
    assert np.array_equal(
        summary.months_to_clear_backlog.at(50), np.where(months < 0, np.inf, months)
    )


@pytest.mark.parametrize("method", ["random", "lhs"])
def test_same_seed_gives_identical_results_whatever_the_chunk_size(default_model, method):
    runs = [
        simulate(default_model, draws=DRAWS, seed=11, method=method, chunk_size=size)
        for size in (DRAWS, 700, 256)
    ]
    first = runs[0]
    for other in runs[1:]:
        assert np.array_equal(other.surplus.percentiles, first.surplus.percentiles)
        assert np.array_equal(other.surplus.mean, first.surplus.mean)
        assert np.array_equal(
            other.p_meet_control_total, first.p_meet_control_total, equal_nan=True
        )
        assert np.array_equal(other.p_break_even, first.p_break_even)
        a, b = other.investments["ipa_uplift"], first.investments["ipa_uplift"]
        assert np.array_equal(a.npsv.percentiles, b.npsv.percentiles)
        assert np.array_equal(a.p_npsv_positive, b.p_npsv_positive)
        assert np.array_equal(
            a.months_to_clear_backlog.percentiles, b.months_to_clear_backlog.percentiles
        )
    again = simulate(default_model, draws=DRAWS, seed=11, method=method, chunk_size=999)
    assert json.dumps({**again.to_json(), "seconds": 0, "chunk_size": 0}) == json.dumps(
        {**first.to_json(), "seconds": 0, "chunk_size": 0}
    )


def test_chunks_spread_over_worker_processes_give_the_same_results(default_model):
    one = simulate(default_model, draws=900, seed=8, chunk_size=256)
    two = simulate(default_model, draws=900, seed=8, chunk_size=256, workers=2)
    assert np.array_equal(one.surplus.percentiles, two.surplus.percentiles)
    assert np.array_equal(one.p_meet_control_total, two.p_meet_control_total, equal_nan=True)
    a, b = one.investments["ipa_uplift"], two.investments["ipa_uplift"]
    assert np.array_equal(a.npsv.percentiles, b.npsv.percentiles)


def test_different_seeds_give_different_draws(default_model):
    a = simulate(without_service(default_model), draws=500, seed=1)
    b = simulate(without_service(default_model), draws=500, seed=2)
    assert not np.array_equal(a.surplus.percentiles, b.surplus.percentiles)


def test_chunks_are_pure_and_workers_can_merge_in_any_order(default_model):
    plan = plan_simulation(without_service(default_model), draws=1000, seed=3, chunk_size=300)
    slices = chunk_slices(plan.n_draws, plan.chunk_size)
    sequential = run_plan(plan)
    left, right = Accumulator(plan), Accumulator(plan)
    for i, draws in reversed(list(enumerate(slices))):
        (left if i % 2 else right).add(simulate_chunk(plan, draws))
    left.merge(right)
    merged = summarise(left, 0.0)
    assert np.array_equal(merged.surplus.percentiles, sequential.surplus.percentiles)
    assert np.array_equal(
        merged.p_meet_control_total, sequential.p_meet_control_total, equal_nan=True
    )
    again = simulate_chunk(plan, slices[1])
    assert np.array_equal(again.surplus, simulate_chunk(plan, slices[1]).surplus)


def test_percentiles_are_ordered_and_the_mean_lies_between_the_tails(default_model):
    result = simulate(default_model, draws=DRAWS, seed=7)
    p = result.surplus.percentiles
    assert np.all(np.diff(p, axis=0) >= 0)
    assert np.all(result.surplus.mean >= p[0] - 1e-6 * np.abs(p[0]) - 1e-9)
    npsv = result.investments["ipa_uplift"].npsv.percentiles
    assert np.all(np.diff(npsv, axis=0) >= 0)
    months = result.investments["ipa_uplift"].months_to_clear_backlog.percentiles
    assert np.all(months[1:] >= months[:-1])  # inf (not cleared) sorts last
    assert np.all((result.p_break_even >= 0) & (result.p_break_even <= 1))


def test_kernel_matches_the_engine_draw_by_draw(default_model):
    """The grouped, vectorised kernel gives the engine's numbers for every draw."""
    model = without_service(default_model)
    plan = plan_simulation(model, draws=40, seed=9)
    values = draw_values(plan, slice(0, 40))
    out = plan.kernel.evaluate(values)
    inputs = compile_inputs(model)
    targets = [v.target for v in plan.inputs]
    for i in range(values.shape[0]):
        engine = project_arrays(apply_values(inputs, targets, values[i]))
        np.testing.assert_allclose(out.surplus[..., i], engine.surplus, rtol=1e-12, atol=1e-6)
        np.testing.assert_allclose(out.system_surplus[:, i], engine.system_surplus, atol=1e-6)
        np.testing.assert_allclose(
            out.system_variance[1:, i], engine.system_variance[1:], atol=1e-6
        )


def test_drawn_service_parameters_change_the_selected_options_expenditure(default_model):
    model = apply_scenario(default_model, "ipa_business_case")
    plan = plan_simulation(model, draws=20, seed=4)
    assert plan.investments is not None
    values = draw_values(plan, slice(0, 20))
    batch = plan.investments.evaluate(values)
    assert batch.expenditure_deviation is not None
    assert np.abs(batch.expenditure_deviation).max() > 0
    out = plan.kernel.evaluate(values, batch.expenditure_deviation)
    inputs = compile_inputs(model)
    targets = [v.target for v in plan.inputs]
    reference = plan.investments.reference["ipa_uplift"].expenditure[0]
    for i in range(3):
        engine_inputs = apply_values(inputs, targets, values[i])
        spent = inputs.investment_expenditure + batch.expenditure_deviation[..., i]
        np.testing.assert_allclose(reference, inputs.investment_expenditure, atol=1e-9)
        from dataclasses import replace

        engine = project_arrays(replace(engine_inputs, investment_expenditure=spent))
        np.testing.assert_allclose(out.surplus[..., i], engine.surplus, atol=1e-6)


def test_sample_moments_of_the_drawn_inputs_match_their_distributions(default_model):
    plan = plan_simulation(without_service(default_model), draws=40_000, seed=21)
    values = draw_values(plan, slice(0, 40_000))
    for k, value in enumerate(plan.inputs):
        dist = value.distribution
        sd = float(np.std(dist.ppf(np.linspace(0.0005, 0.9995, 2000))))
        assert values[:, k].mean() == pytest.approx(dist.mean, abs=4 * sd / np.sqrt(40_000) + 1e-12)


def test_lhs_stratifies_each_input(default_model):
    plan = plan_simulation(without_service(default_model), draws=4096, seed=2, method="lhs")
    from finmodel.risk.sampling import draw_uniforms

    u = draw_uniforms(plan.seed, slice(0, 4096), len(plan.inputs), n_draws=4096, method="lhs")
    for k in range(u.shape[1]):
        assert np.array_equal(np.sort(np.floor(u[:, k] * 4096)), np.arange(4096))


def test_memory_is_bounded_by_the_chunk_not_the_draws(default_model):
    plan = plan_simulation(without_service(default_model), draws=200_000, seed=1, chunk_size=1000)
    chunk = simulate_chunk(plan, slice(5000, 6000))
    assert chunk.surplus.shape[-1] == 1000
    acc = Accumulator(plan)
    n_rows = len(plan.partner_ids) + 2
    # the only per-draw memory kept: float32 deviations of partners, system and variance
    assert acc.surplus.nbytes + acc.system_variance.nbytes < 200_000 * n_rows * 6 * 4 * 1.1


def test_results_serialise_to_strict_json(default_model):
    result = simulate(default_model, draws=400, seed=1)
    data = json.loads(json.dumps(result.to_json(), allow_nan=False))
    assert data["draws"] == 400 and data["seed"] == 1 and data["method"] == "random"
    assert data["percentiles"] == ["P5", "P10", "P50", "P90", "P95"]
    assert set(data["system"]["surplus"]) == {"P5", "P10", "P50", "P90", "P95", "mean"}
    assert data["system"]["p_meet_control_total"][0] is None
    assert "ipa_uplift" in data["investments"]
    assert set(data["partners"]) == {p.id for p in default_model.partners}


def test_a_model_without_uncertainty_or_bad_settings_are_input_errors(minimal_model):
    with pytest.raises(InputError) as info:
        simulate(minimal_model, draws=10)
    assert "no uncertain inputs" in str(info.value)
    with pytest.raises(InputError) as info:
        simulate(minimal_model, draws=0, seed=-1, chunk_size=0)
    places = [p.place for p in info.value.problems]
    assert places == ["--draws", "--seed", "--chunk-size"]


@pytest.mark.parametrize(
    ("paths", "scale"),
    [
        (["assumptions.demand_growth"], 1.0),
        (["drivers.over_65.growth", "assumptions.inflation"], 1.0),
        (["partners.lth.costs.pay.baseline", "assumptions.efficiency"], 1e6),
        (
            [
                "control_totals.lth",
                "partners.morecambe_bay_ccg.funding.programme_allocation.baseline",
            ],
            1e5,
        ),
    ],
)
def test_kernel_moves_any_kind_of_input_like_the_engine(default_model, paths, scale):
    from finmodel.risk.inputs import input_target
    from finmodel.risk.kernel import Kernel

    targets = [input_target(default_model, p) for p in paths]
    inputs = compile_inputs(default_model)
    kernel = Kernel(inputs, targets)
    values = np.random.default_rng(1).uniform(0.0, 0.05, (6, len(targets)))
    values[:, 0] *= scale
    values[2, -1] = np.nan  # at its modelled value
    out = kernel.evaluate(values)
    for i in range(values.shape[0]):
        engine = project_arrays(apply_values(inputs, targets, values[i]))
        np.testing.assert_allclose(out.surplus[..., i], engine.surplus, atol=1e-6)
        np.testing.assert_allclose(
            out.system_variance[1:, i], engine.system_variance[1:], atol=1e-6
        )
        meets = out.meets_control_total()[:-1, 1:, i]
        variance = engine.variance[:, 1:]
        assert np.array_equal(meets, np.nan_to_num(variance, nan=-np.inf) >= -TOLERANCE)


def test_more_draws_than_the_memory_budget_stream_with_a_stated_bound(default_model, monkeypatch):
    """Issue 10: stores past their budget stream; the estimate is within its stated bound,
    the same whatever the chunking, and every output says how percentiles were computed."""
    from finmodel.risk import montecarlo, statistics

    exact = simulate(default_model, draws=6000, seed=5)
    assert exact.surplus.exact and "exact percentiles" in exact.describe_sampling()
    monkeypatch.setitem(statistics.DrawStore.__init__.__kwdefaults__, "budget", 4096)
    monkeypatch.setattr(montecarlo, "EXACT_BUDGET_BYTES", 4096)
    streamed = simulate(default_model, draws=6000, seed=5)
    rechunked = simulate(default_model, draws=6000, seed=5, chunk_size=1000)
    assert not streamed.surplus.exact
    diff = np.abs(streamed.surplus.percentiles - exact.surplus.percentiles)
    assert (diff <= streamed.surplus.error_bound + 1e-6).all()
    assert np.allclose(streamed.surplus.mean, exact.surplus.mean)
    assert np.array_equal(streamed.surplus.percentiles, rechunked.surplus.percentiles)
    method = streamed.to_json()["percentile_method"]
    assert method["exact"] is False and method["error_bound_gbp_thousands"] > 0
    assert "streaming histogram" in streamed.describe_sampling()
    for inv_id, summary in streamed.investments.items():
        reference = exact.investments[inv_id]
        gap = np.abs(summary.npsv.percentiles - reference.npsv.percentiles)
        assert (gap <= summary.npsv.error_bound + 1e-6).all()
        assert "estimated" in streamed.to_json()["investments"][inv_id]["percentile_method"]
