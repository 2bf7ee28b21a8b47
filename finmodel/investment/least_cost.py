"""The least-cost view of an investment with a service model: which option meets the 28-day
standard soonest for the least money, and keeps it.

For each option, over the months of the appraisal period:

* ``compliant_months``: months in which at least the standard share (80%) of decisions were
  made within 28 days;
* ``pv_costs``: the option's present value of costs (real, discounted, optimism bias included,
  incremental to do nothing), from the economic case;
* ``cost_per_compliant_month``: ``pv_costs`` / compliant months *more than do nothing* (None
  when there are none more);
* ``meets_by``: whether the standard is met by the end of the year ``standard_by`` and kept in
  every month after it to the end of the service horizon.

The *cheapest option meeting the standard* is the one with the lowest ``pv_costs`` among those
that meet it by the year and keep it (None if none does).

Example
-------
>>> from finmodel.io.yaml_io import load_model
>>> from finmodel.investment.case import appraise_model
>>> view = least_cost_view(appraise_model(load_model("models/lsc_ics.yaml")))
>>> view["by_year"], view["cheapest_meeting_standard"]
('2021/22', 'uplift_2m')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from finmodel.investment.case import InvestmentCase


def least_cost_view(case: InvestmentCase, by_year: str | None = None) -> dict[str, Any]:
    """The least-cost view (see the module docstring) as JSON-ready values; money £k real."""
    s, e = case.streams, case.economic
    service = s.service
    by = by_year or s.investment.standard_by or e.years[min(1, len(e.years) - 1)]
    if service is None:
        return {"by_year": by, "options": [], "cheapest_meeting_standard": None}
    met = service.standard_met()
    in_period = np.isin(np.asarray(service.financial_years), e.years)
    compliant = (met & in_period).sum(axis=-1)
    course = service.headlines()["standard_28_days"][0]
    # the first month after the end of the year `by` (April of the next calendar year)
    deadline = next((m for m, fy in enumerate(service.financial_years) if fy > by), service.months)
    kept = (course.sustained_from >= 0) & (course.sustained_from <= deadline)
    b = s.baseline
    rows: list[dict[str, Any]] = []
    for o, option in enumerate(s.option_ids):
        extra = int(compliant[o] - compliant[b])
        pv = float(e.appraisal.pv_costs[o])
        rows.append(
            {
                "option": option,
                "compliant_months": int(compliant[o]),
                "extra_compliant_months": extra,
                "pv_costs": pv,
                "cost_per_compliant_month": pv / extra if extra > 0 and o != b else None,
                "meets_by": bool(kept[o]),
            }
        )
    meeting = [r for r in rows if r["meets_by"]]
    cheapest = min(meeting, key=lambda r: r["pv_costs"])["option"] if meeting else None
    return {"by_year": by, "options": rows, "cheapest_meeting_standard": cheapest}
