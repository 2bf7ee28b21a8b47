"""Rank correlations between uncertain inputs: the ``correlations:`` section of a model file.

Each entry names two keys of the ``uncertainty:`` section and the Spearman rank correlation
between their draws, with its source::

    correlations:
      - between: [assumptions.inflation, assumptions.funding_growth]
        rank_correlation: 0.5
        source: "illustrative: allocations rise to fund pay awards ..."

Unnamed pairs are uncorrelated. The pairs together form a rank-correlation matrix, which must be
positive definite; :mod:`finmodel.risk.correlation` induces it on the draws (Iman-Conover).

>>> RankCorrelation(between=["a", "b"], rank_correlation=0.5, source="illustrative").pair
('a', 'b')
"""

from __future__ import annotations

from pydantic import Field, field_validator

from finmodel.domain.types import Citation, Frozen


class RankCorrelation(Frozen):
    """The rank correlation between the draws of two uncertain inputs."""

    between: list[str] = Field(min_length=2, max_length=2)
    """The two ``uncertainty:`` keys, e.g. ``[assumptions.inflation, assumptions.funding_growth]``."""
    rank_correlation: float = Field(gt=-1.0, lt=1.0)
    """Spearman rank correlation, strictly between -1 and 1."""
    source: Citation
    """Why the two move together, and how strongly (cited, or ``illustrative:`` and how made)."""

    @field_validator("between")
    @classmethod
    def _two_different(cls, value: list[str]) -> list[str]:
        if value[0] == value[1]:
            raise ValueError("name two different uncertainty keys")
        return value

    @property
    def pair(self) -> tuple[str, str]:
        """The two keys."""
        return self.between[0], self.between[1]
