"""The least-cost view (issue 12): compliant months, cost per compliant month, cheapest option
meeting the 28-day standard by a year and keeping it."""

from __future__ import annotations

from typing import Any

import pytest

from finmodel.investment.case import appraise_model
from finmodel.investment.least_cost import least_cost_view
from finmodel.io.yaml_io import load_model


@pytest.fixture(scope="module")
def case() -> Any:
    return appraise_model(load_model("models/lsc_ics.yaml"))


def test_the_cheapest_option_meeting_and_keeping_the_standard(case: Any) -> None:
    view = least_cost_view(case, "2021/22")
    rows = {r["option"]: r for r in view["options"]}
    meeting = [o for o, r in rows.items() if r["meets_by"]]
    assert view["cheapest_meeting_standard"] == min(meeting, key=lambda o: rows[o]["pv_costs"])
    # a team that leaves and a recurrent budget too small to keep pace do not keep it
    assert not rows["backlog_team"]["meets_by"] and not rows["business_case"]["meets_by"]
    assert rows["do_nothing"]["cost_per_compliant_month"] is None
    for row in rows.values():
        if row["extra_compliant_months"] > 0:
            assert row["cost_per_compliant_month"] == pytest.approx(
                row["pv_costs"] / row["extra_compliant_months"]
            )


def test_an_earlier_deadline_is_harder_to_meet(case: Any) -> None:
    early = least_cost_view(case, "2020/21")
    late = least_cost_view(case, "2029/30")
    count = [sum(r["meets_by"] for r in v["options"]) for v in (early, late)]
    assert count[0] <= count[1]
    assert case.to_json()["least_cost"]["by_year"] == "2021/22"
