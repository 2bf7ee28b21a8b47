"""``engine.inputs``: the one-pass column read and the rate tables give what a per-row read gives.

``compile_model`` reads the model's objects once into columns and classifies rate values with
C-level passes that take shortcuts (a column of None only counted; a column whose values are
all lists read as one block). These tests hold the shortcuts to the plain per-row definition,
for every mix of None, scalars and lists, and the compiled inputs of generated models to a
per-line read of the same model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from finmodel.domain.model import CostLine
from finmodel.domain.validation import validate_data
from finmodel.engine.inputs import _columns, _qualified, _rate_table, compile_model
from finmodel.engine.nhs_rules import year_rows
from tests.strategies import model_dicts

finite = st.floats(min_value=-1.0, max_value=1.0, allow_nan=False, allow_infinity=False)


@st.composite
def rate_columns(draw: st.DrawFn) -> tuple[list[Any], np.ndarray]:
    horizon = draw(st.integers(1, 5))
    value = st.one_of(st.none(), finite, st.lists(finite, min_size=horizon, max_size=horizon))
    kinds = draw(st.sampled_from(["none", "lists", "scalars", "mixed"]))
    values: list[Any]
    if kinds == "none":
        values = draw(st.lists(st.none(), max_size=8))
    elif kinds == "lists":
        values = draw(
            st.lists(
                st.one_of(st.none(), st.lists(finite, min_size=horizon, max_size=horizon)),
                max_size=8,
            )
        )
    elif kinds == "scalars":
        values = draw(st.lists(st.one_of(st.none(), finite), max_size=8))
    else:
        values = draw(st.lists(value, max_size=8))
    default = np.array(draw(st.lists(finite, min_size=horizon, max_size=horizon)))
    return values, default


@given(rate_columns())
def test_rate_table_is_the_per_row_definition(case: tuple[list[Any], np.ndarray]) -> None:
    values, default = case
    table, own = _rate_table(values, default)
    expected = year_rows(values, default)  # a Python loop over rows: the reference
    assert table.shape == expected.shape == (len(values), default.size)
    assert table.tobytes() == expected.tobytes()
    assert own.dtype == bool and own.tolist() == [v is not None for v in values]


def test_columns_read_every_field_of_every_item() -> None:
    lines = [
        CostLine(id="pay", baseline=10.0, inflation=[0.01, 0.02]),
        CostLine(id="drugs", baseline=2.5, payee="icb"),
        CostLine(id="estates", baseline=0.0, efficiency=0.03),
    ]
    fields = ("id", "baseline", "payee", "inflation", "efficiency")
    expected = [[getattr(line, f) for line in lines] for f in fields]
    assert _columns(lines, fields) == expected
    assert _columns(lines, ("id",)) == [["pay", "drugs", "estates"]]
    assert _columns([], fields) == [[] for _ in fields]


def test_qualified_ids_follow_owner_order() -> None:
    assert _qualified(["a", "b", "c"], [2, 0, 1], ["x", "y", "z"]) == ["a.x", "a.y", "c.z"]
    assert _qualified([], [], []) == []


@given(model_dicts(max_partners=6, max_lines=5))
def test_compiled_lines_match_a_per_line_read(data: dict[str, Any]) -> None:
    model, findings = validate_data(data)
    assert model is not None and not findings
    inputs = compile_model(model)
    lines = [(p.id, line) for p in model.partners for line in p.costs]
    horizon = model.timeline.horizon
    assert inputs.line_ids == [f"{pid}.{line.id}" for pid, line in lines]
    assert inputs.cost_baseline.tolist() == [line.baseline for _, line in lines]
    ids = [p.id for p in model.partners]
    assert inputs.line_payee.tolist() == [
        ids.index(line.payee) if line.payee is not None else -1 for _, line in lines
    ]
    own_inflation = [line.inflation for _, line in lines]
    for row, value in enumerate(own_inflation):
        if value is not None:
            np.testing.assert_array_equal(
                inputs.inflation[row], np.broadcast_to(np.asarray(value, dtype=float), horizon)
            )
    funds = [(p.id, s) for p in model.partners for s in p.funding]
    assert inputs.fund_ids == [f"{pid}.{s.id}" for pid, s in funds]
    assert inputs.partner_names == [p.name for p in model.partners]
    assert inputs.in_control_total.tolist() == [p.in_control_total for p in model.partners]
    # the slots of single lines are found from the ids, built on first use
    for pid, line in lines[:3]:
        (slot,) = inputs.slots_for(f"partners.{pid}.costs.{line.id}.baseline")
        assert inputs.line_ids[int(slot.index[0])] == f"{pid}.{line.id}"
