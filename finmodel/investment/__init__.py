"""Investment cases of a model: money streams, economic case, financial case and the answers.

* :mod:`finmodel.investment.streams`: an investment compiled into nominal streams by option and
  year, with its service model run (:func:`compile_investment`).
* :mod:`finmodel.investment.economic`: the real, discounted Green Book appraisal
  (:func:`economic_case`).
* :mod:`finmodel.investment.case`: the whole case of one investment, economic, financial and
  service answers, as tables and JSON (:func:`appraise_model`).

* :mod:`finmodel.investment.effects`: the selected options' net cost by partner and year, and
  Monte Carlo draws of an investment's service model (:func:`investment_draws`).
* :mod:`finmodel.investment.projection`: :func:`project`, the engine's projection with the
  selected options' net costs laid over it (this is ``finmodel.project``).

Names are imported on first use, so importing one module of the package stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "InvestmentStreams": "finmodel.investment.streams",
    "compile_investment": "finmodel.investment.streams",
    "EconomicCase": "finmodel.investment.economic",
    "economic_case": "finmodel.investment.economic",
    "InvestmentCase": "finmodel.investment.case",
    "FinancialCase": "finmodel.investment.case",
    "appraise_model": "finmodel.investment.case",
    "investment_draws": "finmodel.investment.effects",
    "investment_expenditure": "finmodel.investment.effects",
    "compile_inputs": "finmodel.investment.projection",
    "project": "finmodel.investment.projection",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'finmodel.investment' has no attribute {name!r}")
