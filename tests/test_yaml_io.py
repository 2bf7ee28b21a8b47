"""Reading model files: every problem named by file, dotted path and line, all at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from finmodel import load_model
from finmodel.cli.main import app
from finmodel.errors import ModelValidationError
from finmodel.io.yaml_io import (
    MAX_MODEL_BYTES,
    dump_yaml,
    load_model_text,
    model_to_yaml,
    read_model_data,
)
from finmodel.io.yaml_parse import MAX_DEPTH, MAX_VALUES, parse_yaml_text, plain_scalar
from tests.conftest import MODELS
from tests.hostile.make_yaml import GOOD, alias_bomb, deep_block, deep_brackets, hostile_files


def problems(text: str) -> list[str]:
    with pytest.raises(ModelValidationError) as err:
        load_model_text(text, "m.yaml")
    return [str(p) for p in err.value.problems]


def test_minimal_example_loads_as_it_is(minimal_model):
    assert [p.id for p in minimal_model.partners] == ["icb", "trust"]
    assert minimal_model.scenario("high_demand").set["assumptions.demand_growth"] == 0.04


def test_good_model_loads():
    model = load_model_text(GOOD)
    assert model.timeline.years == ["2019/20", "2020/21", "2021/22"]


def test_problems_name_path_and_line_and_come_together():
    text = GOOD.replace("baseline: 1000", "baseline: tbc").replace(
        "payee: trust", "payee: trusts, colour: red"
    )
    found = problems(text)
    assert (
        "m.yaml: partners.icb.funding.allocation.baseline (line 9): Input should be a valid number"
        in found[0]
        or any("partners.icb.funding.allocation.baseline (line 9)" in f for f in found)
    )
    assert any("partners.icb.costs.acute.colour (line 11): unknown key" in f for f in found)
    # the payee is checked on the raw data too: every problem in one pass
    assert any("payee 'trusts' is not a partner (did you mean 'trust'?)" in f for f in found)
    assert len(found) == 3


def test_whole_model_checks_are_all_reported():
    text = GOOD.replace("payee: trust", "payee: nobody").replace(
        "demand_growth: 0.03", "demand_growth: [0.03]"
    )
    text = text.replace("control_totals: {icb: 0, trust: 0}", "control_totals: {icb: 0}")
    found = problems(text)
    assert any(
        "assumptions.demand_growth (line 3): needs a single number or a list of exactly 2 values"
        in f
        for f in found
    )
    assert any(
        "partners.icb.costs.acute.payee (line 11): payee 'nobody' is not a partner" in f
        for f in found
    )
    assert any("control_totals has no entry for it" in f for f in found)


def test_unknown_scenario_path_is_an_error():
    text = GOOD + "scenarios:\n  - id: s\n    set: {partners.icb.costs.nope.inflation: 0.1}\n"
    found = problems(text)
    assert found == [
        "m.yaml: scenarios.s.set.partners.icb.costs.nope.inflation (line 20): unknown path "
        "'partners.icb.costs.nope.inflation': no item with id 'nope' (ids: acute)"
    ]


def test_scenario_with_invalid_value_is_an_error():
    text = GOOD + "scenarios:\n  - id: s\n    set: {assumptions.inflation: [0.1, 0.2, 0.3]}\n"
    assert any(
        "scenarios.s.set.assumptions.inflation" in f and "exactly 2 values" in f
        for f in problems(text)
    )


def test_duplicate_keys_and_bad_yaml():
    assert any(
        "m.yaml: name (line 18): key given twice (first on line 1, again on line 18)" in f
        for f in problems(GOOD + "name: again\n")
    )
    found = problems("name: [unclosed\n")
    assert found[0].startswith("m.yaml: line 2") and "not valid YAML" in found[0]
    assert "must be a mapping" in problems("- just\n- a list\n")[0]


def test_fixed_shares_must_name_ct_partners_and_sum_to_one():
    text = GOOD + "risk_share: {method: fixed_shares, shares: {icb: 0.5, council: 0.3}}\n"
    found = problems(text)
    assert any(
        "risk_share.shares.council" in f and "not a partner in the control total" in f
        for f in found
    )
    assert any("shares must sum to 1, they sum to 0.8" in f for f in found)


def test_missing_file_and_non_utf8(tmp_path: Path):
    with pytest.raises(ModelValidationError, match="no such file"):
        load_model(tmp_path / "absent.yaml")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ModelValidationError, match="not UTF-8"):
        load_model(binary)


def test_yaml_round_trip(minimal_model):
    again = load_model_text(model_to_yaml(minimal_model))
    assert again.model_dump() == minimal_model.model_dump()


# --- hostile files: bounded, refused with exit 2, file and line named -------------------------


@pytest.mark.timeout(30)
@pytest.mark.parametrize("levels", [7, 9])
def test_alias_bomb_is_refused_without_expanding_it(levels):
    found = problems(alias_bomb(levels))
    assert len(found) == 1
    assert f"more than {MAX_VALUES:,} values once its aliases are expanded" in found[0]
    assert found[0].startswith("m.yaml: l6.8 (line 7): ")


def test_aliases_within_the_limit_still_load_and_share_their_value():
    text = GOOD.replace("inflation: 0.02", "inflation: &cpi [0.02, 0.025]").replace(
        "baseline: 600}", "baseline: 600, inflation: *cpi}"
    )
    model = load_model_text(text)
    assert model.partners[1].costs[0].inflation == [0.02, 0.025]


@pytest.mark.timeout(30)
def test_self_referencing_alias_is_a_loop_not_a_recursion_error():
    found = problems(GOOD + "description: &a [*a]\n")
    assert found == ["m.yaml: description.0 (line 18): alias *a is inside what it names (a loop)"]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("text", [deep_brackets(500), deep_brackets(200_000), deep_block(2_000)])
def test_deep_nesting_is_refused_with_its_line(text):
    found = problems(text)
    assert len(found) == 1
    # ours at MAX_DEPTH, or libyaml's own scanner limit (1,000 open brackets) if it reads ahead
    assert any(
        f"{place}" in found[0] for place in ("(line 1)", "line 1,", f"(line {MAX_DEPTH + 1})")
    )
    assert f"nested more than {MAX_DEPTH} levels" in found[0] or "nesting depth" in found[0]


def test_nesting_up_to_the_limit_parses():
    data, _ = parse_yaml_text("a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1), "m.yaml")
    depth, node = 0, data["a"]
    while node:
        node, depth = node[0], depth + 1
    assert depth == MAX_DEPTH - 2


def test_undefined_alias_and_repeated_anchor():
    assert problems("a: *nope\n") == ["m.yaml: a (line 1): alias *nope is not defined above it"]
    assert "anchor &x is defined twice (also line 1)" in problems("a: &x 1\nb: &x 2\n")[0]


@pytest.mark.parametrize(
    ("old", "new", "place"),
    [
        ("horizon: 2", "horizon: yes", "timeline.horizon (line 2)"),
        ("horizon: 2", "horizon: on", "timeline.horizon (line 2)"),
        ("demand_growth: 0.03", "demand_growth: on", "assumptions.demand_growth (line 3)"),
        ("demand_growth: 0.03", "demand_growth: y", "assumptions.demand_growth (line 3)"),
        ("baseline: 600", "baseline: 1:30", "partners.trust.costs.staff.baseline (line 16)"),
        ("baseline: 600", "baseline: 0x258", "partners.trust.costs.staff.baseline (line 16)"),
    ],
)
def test_yaml_11_booleans_sexagesimals_and_odd_numbers_are_not_numbers(old, new, place):
    text = GOOD.replace(old, new)
    data, _ = parse_yaml_text(text, "m.yaml")
    given = new.split(": ")[1]
    assert given in _leaves(data)  # kept as the text written, not a number or boolean
    found = problems(text)
    assert any(f.startswith(f"m.yaml: {place}: Input should be a") for f in found), found


@pytest.mark.parametrize("given", [".inf", "-.inf", ".NaN", "1e999"])
def test_non_finite_numbers_are_refused_by_the_schema_as_not_finite(given):
    found = problems(GOOD.replace("baseline: 600", f"baseline: {given}"))
    assert found == [
        "m.yaml: partners.trust.costs.staff.baseline (line 16): Input should be a finite number"
    ]


def _leaves(data: Any) -> list[Any]:
    if isinstance(data, dict):
        return [leaf for value in data.values() for leaf in _leaves(value)]
    if isinstance(data, list):
        return [leaf for value in data for leaf in _leaves(value)]
    return [data]


def test_plain_scalars_read_as_a_finance_user_means():
    text = "a: [yes, no, on, off, y, n, Yes, 1:30, 0o17, 0x1F, 2020-04-01, inf, -nan, 1_0]\n"
    data, _ = parse_yaml_text(text, "m.yaml")
    assert all(isinstance(v, str) for v in data["a"])
    assert plain_scalar("true") is True and plain_scalar("False") is False
    assert [plain_scalar(s) for s in ("~", "null", "")] == [None, None, None]
    assert [plain_scalar(s) for s in ("007", "-12", "+3")] == [7, -12, 3]
    assert [plain_scalar(s) for s in ("1.5", ".5", "-2.5E-3", "1e6")] == [1.5, 0.5, -0.0025, 1e6]
    assert plain_scalar("１２") == "１２"  # full-width digits are text
    assert load_model_text(GOOD.replace("name: Two partners", "name: yes")).name == "yes"


def test_explicit_tags_other_than_the_standard_ones_are_refused():
    found = problems(GOOD.replace("name: Two partners", "name: !!python/object:os.system x"))
    assert found == [
        "m.yaml: line 1, column 7: not valid YAML: the tag !!python/object:os.system "
        "is not allowed in a model file"
    ]
    found = problems(GOOD.replace("costs: [{id: staff", "costs: !!set [{id: staff"))
    assert found[0].startswith("m.yaml: line 16, column 12: not valid YAML: the tag !!set ")
    found = problems(GOOD.replace("horizon: 2", "horizon: !!int two"))
    assert found[0] == "m.yaml: timeline.horizon (line 2): 'two' is not a valid int"
    assert load_model_text(GOOD.replace("horizon: 2", "horizon: !!int 2")).timeline.horizon == 2


def test_merge_keys_and_collection_keys_are_refused():
    assert any(
        "merge keys (<<) are not supported" in f for f in problems("a: &b {x: 1}\nc: {<<: *b}\n")
    )
    assert problems("? [a]\n: 1\n") == [
        "m.yaml: line 1: a key must be a single value, not a list or mapping"
    ]


def test_only_one_document():
    assert problems(GOOD + "---\n" + GOOD) == ["m.yaml: line 18: a model file holds one document"]


def test_size_cap_applies_to_text_as_well_as_files(tmp_path: Path):
    big = "#" * (MAX_MODEL_BYTES + 1)
    assert problems(big) == ["m.yaml: larger than 10 MB; not a model file"]
    path = tmp_path / "big.yaml"
    path.write_text(big)
    with pytest.raises(ModelValidationError, match="larger than 10 MB"):
        load_model(path)


@pytest.mark.timeout(60)
def test_every_hostile_file_exits_2_naming_the_file(tmp_path: Path):
    runner = CliRunner()
    for name, text in hostile_files().items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        result = runner.invoke(app, ["validate", str(path)])
        assert result.exit_code == 2, (name, result.output)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert lines and all(line.startswith(str(path)) for line in lines), (name, lines)
        assert "Traceback" not in result.output


# --- the same data and the same lines as PyYAML's own reading of the bundled models -----------


def _reference_lines(node: Any, keys: tuple = (), out: dict | None = None, seen: set | None = None):
    """Lines of every key and item, PyYAML's pure composer, not descending into aliases."""
    out = {} if out is None else out
    seen = set() if seen is None else seen
    out.setdefault(keys, node.start_mark.line + 1)
    if id(node) in seen:
        return out
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            here = (*keys, key_node.value)
            out[here] = key_node.start_mark.line + 1
            _reference_lines(value_node, here, out, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _reference_lines(item, (*keys, index), out, seen)
    return out


@pytest.mark.parametrize("name", ["lsc_ics.yaml", "minimal.yaml"])
def test_bundled_models_read_the_same_data_and_lines_as_before(name):
    text = (MODELS / name).read_text(encoding="utf-8")
    data, index = read_model_data(MODELS / name)
    assert data == yaml.safe_load(text)
    reference = _reference_lines(yaml.compose(text, Loader=yaml.SafeLoader))
    assert len(reference) > 50
    wrong = {
        k: (line, index.line_of(k)) for k, line in reference.items() if index.line_of(k) != line
    }
    assert not wrong


_YAMLISH = st.text(
    alphabet=st.sampled_from(list("ab01:-[]{},&*!#'\"\n \t.~?|>%@`\\\x00é\u2028")), max_size=80
)


@given(text=st.one_of(_YAMLISH, st.text(max_size=80)))
def test_any_text_gives_data_or_a_named_refusal(text):
    try:
        load_model_text(text, "m.yaml")
    except ModelValidationError as err:
        assert all(str(p).startswith("m.yaml") for p in err.problems)


_TEXT = st.text(alphabet=st.sampled_from(list("ab1e0:.-_ yYnNoO~x")), max_size=8)
_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=20,
)


@given(data=_VALUES)
def test_what_dump_yaml_writes_reads_back_the_same(data):
    again, _ = parse_yaml_text(dump_yaml(data), "m.yaml")
    assert again == data
