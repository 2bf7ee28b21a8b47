"""Honest headlines (issue 12, defect 8): first reached, sustained from or lost in, at end."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel.service import IpaServiceParameters, simulate_ipa_service
from finmodel.service.headlines import NEVER, describe_course, outcome_course


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.booleans(), min_size=1, max_size=30))
def test_course_matches_a_plain_reading(holds: list[bool]) -> None:
    c = outcome_course(np.array([holds]))
    first, kept, lost = (int(x[0]) for x in (c.first_reached, c.sustained_from, c.lost_in))
    assert first == (holds.index(True) if any(holds) else NEVER)
    if holds[-1]:
        assert lost == NEVER and all(holds[kept:]) and (kept == 0 or not holds[kept - 1])
    else:
        assert kept == NEVER
        last = max((i for i, h in enumerate(holds) if h), default=None)
        assert lost == (NEVER if last is None else last + 1)


def test_a_relapse_is_reported_as_lost() -> None:
    labels = ["2022-11", "2022-12", "2023-01", "2023-02"]
    c = outcome_course([[False, True, False, False]])
    text = describe_course(
        int(c.first_reached[0]), int(c.sustained_from[0]), int(c.lost_in[0]), labels, "0.3%"
    )
    assert text == "first Dec 2022; lost Jan 2023; 0.3% in Feb 2023"


def test_money_that_stops_loses_the_cleared_backlog() -> None:
    p = IpaServiceParameters.example()
    r = simulate_ipa_service(p, [4000.0, 4000.0], investment_start=[3], investment_end=[27, 121])
    course, at_end = r.headlines()["backlog_cleared"]
    assert course.first_reached[0] == course.first_reached[1] != NEVER
    assert course.sustained_from[0] == NEVER and course.lost_in[0] >= 27
    assert course.sustained_from[1] != NEVER and at_end[1] <= 0.5 < at_end[0]
