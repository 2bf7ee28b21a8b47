"""Uncertainty keys with wildcards (:func:`finmodel.risk.inputs.path_matches`) agree with a
regular expression of the same pattern (``*`` any run within a segment, ``?`` one character)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel.risk.inputs import matching_paths, path_matches

_SEGMENT_PATTERN = st.text(alphabet="ab*?", min_size=0, max_size=6)
_SEGMENT = st.text(alphabet="ab?*", min_size=0, max_size=6)


def _regex(pattern: str) -> re.Pattern[str]:
    body = "".join(
        "[^.]*" if ch == "*" else "[^.]" if ch == "?" else re.escape(ch) for ch in pattern
    )
    return re.compile(body)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_SEGMENT_PATTERN, min_size=1, max_size=3), st.lists(_SEGMENT, min_size=1, max_size=3)
)
def test_agrees_with_a_regular_expression(pattern: list[str], path: list[str]) -> None:
    wanted, text = ".".join(pattern), ".".join(path)
    assert path_matches(wanted, text) == bool(_regex(wanted).fullmatch(text))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(_SEGMENT_PATTERN, min_size=1, max_size=3),
    st.lists(st.lists(_SEGMENT, min_size=1, max_size=3), max_size=8),
)
def test_matching_paths_lists_every_match_sorted(
    pattern: list[str], paths: list[list[str]]
) -> None:
    wanted = ".".join(pattern)
    known = sorted({".".join(p) for p in paths})
    expected = [p for p in known if _regex(wanted).fullmatch(p)]
    if any(ch in wanted for ch in "*?"):
        assert matching_paths(wanted, known) == expected
