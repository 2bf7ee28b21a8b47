"""Green Book appraisal: discounting, price conversion, optimism bias and economic-case measures.

Everything here is pure numerics over arrays and versioned data tables. The investment cases of
a model file are wired to it in :mod:`finmodel.investment` (:func:`finmodel.investment.case.
appraise_model`: the whole case of one investment). The published tables themselves (discount
rates, GDP deflators, optimism-bias bounds) are defined in :mod:`finmodel.domain`, since model
files name them, and re-exported here.
"""

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
from finmodel.domain.optimism_bias import (
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
