"""Green Book appraisal: discounting, price conversion, optimism bias and economic-case measures.

Everything here is pure numerics over arrays and versioned data tables. The investment cases of
a model file are wired to it in :mod:`finmodel.investment`; :func:`appraise_model` (the whole
case of one investment: economic, financial and service answers) is re-exported here lazily, so
importing this package never imports the projection engine.
"""

from typing import Any

from finmodel.appraisal.discounting import (
    DEFAULT_DEFLATOR_VERSION,
    DEFAULT_DISCOUNT_VERSION,
    DEFLATOR_TABLES,
    DISCOUNT_TABLES,
    AppraisalError,
    DeflatorTable,
    DiscountTable,
    deflator_index,
    deflator_table,
    discount_factors,
    discount_rates,
    discount_table,
    to_nominal,
    to_real,
)
from finmodel.appraisal.measures import (
    NEVER,
    Appraisal,
    SwitchingValue,
    appraise,
    incremental,
    payback_year,
    present_value,
    rank_options,
    solve_switching_value,
    switching_values,
)
from finmodel.appraisal.optimism_bias import (
    DEFAULT_OPTIMISM_BIAS_VERSION,
    OPTIMISM_BIAS_TABLES,
    OptimismBiasBounds,
    OptimismBiasTable,
    apply_optimism_bias,
    combined_optimism_bias_rate,
    optimism_bias_rate,
    optimism_bias_table,
    upper_bound,
)

__all__ = [
    "DEFAULT_DEFLATOR_VERSION",
    "DEFAULT_DISCOUNT_VERSION",
    "DEFAULT_OPTIMISM_BIAS_VERSION",
    "DEFLATOR_TABLES",
    "DISCOUNT_TABLES",
    "NEVER",
    "OPTIMISM_BIAS_TABLES",
    "Appraisal",
    "AppraisalError",
    "DeflatorTable",
    "DiscountTable",
    "OptimismBiasBounds",
    "OptimismBiasTable",
    "SwitchingValue",
    "apply_optimism_bias",
    "appraise",
    "combined_optimism_bias_rate",
    "deflator_index",
    "deflator_table",
    "discount_factors",
    "discount_rates",
    "discount_table",
    "incremental",
    "optimism_bias_rate",
    "optimism_bias_table",
    "payback_year",
    "present_value",
    "rank_options",
    "solve_switching_value",
    "switching_values",
    "to_nominal",
    "to_real",
    "upper_bound",
]


def __getattr__(name: str) -> Any:
    """``appraise_model`` and ``InvestmentCase`` from :mod:`finmodel.investment.case`, lazily."""
    if name in ("appraise_model", "InvestmentCase"):
        from finmodel.investment import case

        return getattr(case, name)
    raise AttributeError(f"module 'finmodel.appraisal' has no attribute {name!r}")
