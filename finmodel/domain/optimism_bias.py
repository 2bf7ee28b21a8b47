"""Optimism bias: HM Treasury's upper bounds by project type, mitigated, single or combined.

The Green Book asks appraisers to raise cost (and duration) estimates by an *optimism bias*: the
upper bound for the project type, reduced by the share of its contributory factors that the
project has mitigated::

    rate = upper_bound[project type, measure] * (1 - mitigation_share)

A *combined* project (significant standard and non-standard parts that cannot be separated) takes
the weighted sum of each part's rate, weighted by each part's share of capital value (or of works
duration), as in the supplementary guidance's worked example (30% non-standard building at 51% and
70% standard building at 24% give 32.1%).

Rates are fractions (``0.24`` = 24%; the equipment/development capex bound is ``2.0`` = 200%).
Apply a rate to a cost as ``cost * (1 + rate)``.

Example
-------
>>> optimism_bias_rate("standard_buildings", mitigation_share=0.5)
0.12
>>> round(combined_optimism_bias_rate({"non_standard_buildings": 0.3, "standard_buildings": 0.7}), 4)
0.321
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, overload

import numpy as np
import numpy.typing as npt
from pydantic import Field, NonNegativeFloat

from finmodel.domain.tables import AppraisalError, lookup
from finmodel.domain.types import Citation, Frozen
from finmodel.tolerances import SHARE_SUM_TOLERANCE

#: What the bias applies to: capital cost, works duration, operating cost, or ``"cost"`` = the
#: project type's cost measure (capex for works and equipment, opex for outsourcing).
Measure = Literal["cost", "capex", "works_duration", "opex"]


class OptimismBiasBounds(Frozen):
    """Upper and lower bound optimism bias for one project type (fractions; ``None`` = n/a)."""

    capex_upper: NonNegativeFloat | None
    """Upper bound on capital expenditure, a fraction (0.24 = 24%)."""

    capex_lower: NonNegativeFloat | None
    """Lower bound on capital expenditure (what a fully mitigated project may reach)."""

    works_duration_upper: NonNegativeFloat | None
    """Upper bound on works duration, a fraction."""

    works_duration_lower: NonNegativeFloat | None
    """Lower bound on works duration."""

    opex_upper: NonNegativeFloat | None = None
    """Upper bound on operating expenditure (outsourcing projects only)."""

    opex_lower: NonNegativeFloat | None = None
    """Lower bound on operating expenditure."""


class OptimismBiasTable(Frozen):
    """A versioned table of optimism-bias bounds by project type."""

    version: str = Field(min_length=1)
    """Identifier of this edition, e.g. ``"hmt-2003"``."""

    citation: Citation
    """Where the bounds are published."""

    project_types: dict[str, OptimismBiasBounds]
    """Project type id -> its bounds."""


HMT_2003 = OptimismBiasTable(
    version="hmt-2003",
    citation=(
        "HM Treasury (2003) Supplementary Green Book Guidance: Optimism Bias, reproducing "
        "Mott MacDonald (2002) Review of Large Public Procurement in the UK, Table 2 'Optimism "
        "Bias Guidelines' (upper and lower bounds for works duration and capital expenditure; "
        "operating expenditure for outsourcing projects)."
    ),
    project_types={
        "standard_buildings": OptimismBiasBounds(
            capex_upper=0.24, capex_lower=0.02, works_duration_upper=0.04, works_duration_lower=0.01
        ),
        "non_standard_buildings": OptimismBiasBounds(
            capex_upper=0.51, capex_lower=0.04, works_duration_upper=0.39, works_duration_lower=0.02
        ),
        "standard_civil_engineering": OptimismBiasBounds(
            capex_upper=0.44, capex_lower=0.03, works_duration_upper=0.20, works_duration_lower=0.01
        ),
        "non_standard_civil_engineering": OptimismBiasBounds(
            capex_upper=0.66, capex_lower=0.06, works_duration_upper=0.25, works_duration_lower=0.03
        ),
        "equipment_development": OptimismBiasBounds(
            capex_upper=2.00, capex_lower=0.10, works_duration_upper=0.54, works_duration_lower=0.10
        ),
        "outsourcing": OptimismBiasBounds(
            capex_upper=None,
            capex_lower=None,
            works_duration_upper=None,
            works_duration_lower=None,
            opex_upper=0.41,
            opex_lower=0.0,
        ),
    },
)

#: Every optimism-bias table by version id; add new editions here, never edit an old one.
OPTIMISM_BIAS_TABLES: Mapping[str, OptimismBiasTable] = {HMT_2003.version: HMT_2003}
#: The edition used when none is named.
DEFAULT_OPTIMISM_BIAS_VERSION = HMT_2003.version


def optimism_bias_table(version: str = DEFAULT_OPTIMISM_BIAS_VERSION) -> OptimismBiasTable:
    """The optimism-bias table of this version, or :class:`AppraisalError` naming the known ones.

    >>> sorted(optimism_bias_table().project_types)[:2]
    ['equipment_development', 'non_standard_buildings']
    """
    return lookup(OPTIMISM_BIAS_TABLES, version, "optimism bias table version")


def upper_bound(
    project_type: str, measure: Measure = "cost", version: str = DEFAULT_OPTIMISM_BIAS_VERSION
) -> float:
    """The upper-bound optimism bias of a project type for a measure (a fraction).

    ``measure="cost"`` is capex for building, civil engineering and equipment projects and opex
    for outsourcing. A measure the table gives no bound for is an :class:`AppraisalError`.

    >>> upper_bound("outsourcing")
    0.41
    >>> upper_bound("non_standard_buildings", "works_duration")
    0.39
    """
    table = optimism_bias_table(version)
    bounds = lookup(table.project_types, project_type, "optimism bias project type")
    if measure == "cost":
        value = bounds.capex_upper if bounds.capex_upper is not None else bounds.opex_upper
    elif measure in ("capex", "works_duration", "opex"):
        value = getattr(bounds, f"{measure}_upper")
    else:
        raise AppraisalError(
            f"unknown optimism bias measure {measure!r}; use cost, capex, works_duration or opex"
        )
    if value is None:
        raise AppraisalError(
            f"{table.version} gives no {measure} optimism bias for {project_type!r}"
        )
    return float(value)


def _mitigation(mitigation_share: npt.ArrayLike, where: str) -> np.ndarray:
    m = np.asarray(mitigation_share, dtype=float)
    if not np.all(np.isfinite(m)) or np.any((m < 0) | (m > 1)):
        raise AppraisalError(f"{where}: mitigation share must be in [0, 1]")
    return m


@overload
def optimism_bias_rate(
    project_type: str,
    mitigation_share: float = ...,
    measure: Measure = ...,
    version: str = ...,
) -> float: ...
@overload
def optimism_bias_rate(
    project_type: str,
    mitigation_share: npt.NDArray[np.float64],
    measure: Measure = ...,
    version: str = ...,
) -> npt.NDArray[np.float64]: ...
def optimism_bias_rate(
    project_type: str,
    mitigation_share: npt.ArrayLike = 0.0,
    measure: Measure = "cost",
    version: str = DEFAULT_OPTIMISM_BIAS_VERSION,
) -> float | npt.NDArray[np.float64]:
    """Optimism bias after mitigation: ``upper_bound * (1 - mitigation_share)``, a fraction.

    ``mitigation_share`` in [0, 1] is the share of the contributory factors the project has
    mitigated; an array (e.g. Monte Carlo draws) gives an array of rates.

    >>> optimism_bias_rate("equipment_development", 0.25)
    1.5
    """
    m = _mitigation(mitigation_share, project_type)
    rate = upper_bound(project_type, measure, version) * (1.0 - m)
    return float(rate) if rate.ndim == 0 else rate


def combined_optimism_bias_rate(
    weights: Mapping[str, float],
    mitigation_share: npt.ArrayLike | Mapping[str, npt.ArrayLike] = 0.0,
    measure: Measure = "cost",
    version: str = DEFAULT_OPTIMISM_BIAS_VERSION,
) -> float | npt.NDArray[np.float64]:
    """Optimism bias of a combined project: ``sum_i weight_i * rate_i``.

    ``weights`` maps each project type to its share of the capital value (or works duration);
    shares must be non-negative and sum to 1. ``mitigation_share`` is one share for every part or
    a mapping by project type (a missing type means no mitigation).

    >>> round(combined_optimism_bias_rate(
    ...     {"non_standard_buildings": 0.3, "standard_buildings": 0.7}, measure="works_duration"), 4)
    0.145
    """
    if not weights:
        raise AppraisalError("a combined project needs at least one project type")
    if any((not np.isfinite(w)) or w < 0 for w in weights.values()):
        raise AppraisalError("combined project weights must be non-negative numbers")
    total = float(sum(weights.values()))
    if not np.isclose(total, 1.0, rtol=0, atol=SHARE_SUM_TOLERANCE):
        raise AppraisalError(f"combined project weights must sum to 1, got {total:g}")
    rate: float | npt.NDArray[np.float64] = 0.0
    for project_type, weight in weights.items():
        share = (
            mitigation_share.get(project_type, 0.0)
            if isinstance(mitigation_share, Mapping)
            else mitigation_share
        )
        rate = rate + weight * optimism_bias_rate(
            project_type, np.asarray(share, dtype=float), measure, version
        )
    return float(rate) if np.ndim(rate) == 0 else np.asarray(rate)


def apply_optimism_bias(costs: npt.ArrayLike, rate: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Costs raised by optimism bias: ``costs * (1 + rate)`` (broadcasting; units unchanged).

    >>> apply_optimism_bias([100.0, 50.0], 0.24).tolist()
    [124.0, 62.0]
    """
    return np.asarray(costs, dtype=float) * (1.0 + np.asarray(rate, dtype=float))
