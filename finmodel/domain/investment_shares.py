"""Who pays for and who gains from an investment case: shares resolved against the model.

Shares are given as fixed fractions (``funders: {icb: 0.6, council: 0.4}``) or by a basis
(``funders_basis: {in_proportion_to: chc}``: each partner's share of the base-year baseline of
one cost line). An option's funders default to the investment's; the beneficiaries of cash
released default to the investment's, else to the option's funders.

>>> from finmodel.domain.investments import ShareBasis
>>> from finmodel.io.yaml_io import load_model
>>> resolve_shares(load_model("models/minimal.yaml"), None, ShareBasis(in_proportion_to="chc"))
{'icb': 1.0}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Types only: finmodel.domain.investments imports this module to re-export its functions.
    from finmodel.domain.investments import Investment, OptimismBias, Option, ShareBasis
    from finmodel.domain.model import Model


def basis_weights(model: Model, basis: ShareBasis) -> dict[str, float]:
    """Each sharing partner's base-year baseline of the basis line (£k), partners in model order.

    >>> from finmodel.domain.investments import ShareBasis
    >>> from finmodel.io.yaml_io import load_model
    >>> basis_weights(load_model("models/minimal.yaml"), ShareBasis(in_proportion_to="chc"))
    {'icb': 300.0}
    """
    wanted = None if basis.partners is None else set(basis.partners)
    weights: dict[str, float] = {}
    for partner in model.partners:
        if wanted is not None and partner.id not in wanted:
            continue
        total = sum(c.baseline for c in partner.costs if c.id == basis.in_proportion_to)
        if any(c.id == basis.in_proportion_to for c in partner.costs):
            weights[partner.id] = float(total)
    return weights


def resolve_shares(
    model: Model, shares: Mapping[str, float] | None, basis: ShareBasis | None
) -> dict[str, float] | None:
    """Fixed shares as given, or shares by a basis (weights over their sum); None if neither.

    >>> from finmodel.domain.investments import ShareBasis
    >>> from finmodel.io.yaml_io import load_model
    >>> m = load_model("models/minimal.yaml")
    >>> resolve_shares(m, None, ShareBasis(in_proportion_to="chc"))
    {'icb': 1.0}
    """
    if shares is not None:
        return dict(shares)
    if basis is None:
        return None
    weights = basis_weights(model, basis)
    total = sum(weights.values())
    if total <= 0:
        return None
    return {pid: w / total for pid, w in weights.items()}


def option_funders(model: Model, investment: Investment, option: Option) -> dict[str, float] | None:
    """The option's funders and shares (the option's, else the investment's), or None."""
    if option.funders is not None or option.funders_basis is not None:
        return resolve_shares(model, option.funders, option.funders_basis)
    return resolve_shares(model, investment.funders, investment.funders_basis)


def benefit_beneficiaries(
    model: Model,
    investment: Investment,
    option: Option,
    shares: Mapping[str, float] | None = None,
    basis: ShareBasis | None = None,
) -> dict[str, float] | None:
    """Beneficiaries of cash released: the item's own, else the investment's, else the funders."""
    if shares is not None or basis is not None:
        return resolve_shares(model, shares, basis)
    if investment.beneficiaries is not None or investment.beneficiaries_basis is not None:
        return resolve_shares(model, investment.beneficiaries, investment.beneficiaries_basis)
    return option_funders(model, investment, option)


def option_optimism_bias(investment: Investment, option: Option) -> OptimismBias | None:
    """The optimism bias that applies to an option's costs (its own, else the investment's)."""
    return option.optimism_bias if option.optimism_bias is not None else investment.optimism_bias
