"""Service models: how money buys capacity, capacity moves queues, and queues move money."""

from finmodel.service.ipa import (
    RECORDED_SERIES,
    VARIABLE_FIELDS,
    IpaServiceParameters,
    ServiceParameterError,
    simulate_ipa_service,
)
from finmodel.service.ipa_results import (
    NEVER,
    AnnualSummary,
    ConservationError,
    Funding,
    IpaServiceResult,
    check_conservation,
    conservation_residuals,
    financial_year_of,
)

__all__ = [
    "NEVER",
    "RECORDED_SERIES",
    "VARIABLE_FIELDS",
    "AnnualSummary",
    "ConservationError",
    "Funding",
    "IpaServiceParameters",
    "IpaServiceResult",
    "ServiceParameterError",
    "check_conservation",
    "conservation_residuals",
    "financial_year_of",
    "simulate_ipa_service",
]
