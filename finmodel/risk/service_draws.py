"""Service-model parameters as uncertain inputs: NPSV, backlog and 28-day answers per draw.

An investment with a service model (``investments.<id>.service``) exposes each numeric
(non-integer) parameter as an input path, ``investments.<id>.service.parameters.<name>`` (for
example ``investments.ipa_uplift.service.parameters.referral_growth``), with the valid range its
field allows. Draws of those inputs go to
:func:`finmodel.investment.effects.investment_draws`, vectorised over draws and options,
which returns per draw the net investment expenditure (replacing the deterministic one in the
projection), each option's NPSV, the months to clear the overdue review backlog and the first
month meeting the 28-day standard.

:class:`InvestmentEvaluator` does this for a batch of input values: the surplus effect is the
change from the deterministic run (exactly zero for a draw at the modelled values), and
investments with no uncertain parameter give their deterministic answers for every draw.

Shapes: ``n`` draws, ``O`` options, ``P`` partners, ``T`` years; the draws axis is last for
money (as in :mod:`finmodel.risk.kernel`), first for the per-option answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from annotated_types import Ge, Gt, Le, Lt

from finmodel.domain.distributions import ValidRange
from finmodel.domain.model import Model
from finmodel.domain.types import COUNT_LIMIT
from finmodel.engine.inputs import FloatArray
from finmodel.investment.effects import InvestmentDraws, investment_draws

if TYPE_CHECKING:
    from finmodel.risk.inputs import InputTarget

#: Draws per call of the service model (bounds its memory; results do not depend on it). The
#: Monte Carlo path keeps no monthly series (sums by year are taken as the months go), so its
#: buffers are a few (options x draws) rows: 2,048 draws was fastest on this machine
#: (bench/montecarlo.py), 1,024 and 4,096 about 10% slower.
SERVICE_BATCH = 2048


@dataclass(frozen=True)
class ServiceInput:
    """One numeric parameter of an investment's service model."""

    path: str
    investment: str
    parameter: str
    base: float
    valid: ValidRange


def _valid_range(metadata: Sequence[object]) -> ValidRange:
    lower: float | None = None
    upper: float | None = None
    for item in metadata:
        if isinstance(item, Ge):
            lower = float(item.ge)  # type: ignore[arg-type]
        elif isinstance(item, Gt):
            bound = float(item.gt)  # type: ignore[arg-type]
            lower = -0.999 if bound == -1 else bound + 1e-9
        elif isinstance(item, Le):
            upper = float(item.le)  # type: ignore[arg-type]
            if upper >= COUNT_LIMIT:  # a sanity cap on typing, not a bound on the quantity
                upper = None
        elif isinstance(item, Lt):
            bound = float(item.lt)  # type: ignore[arg-type]
            upper = 9.999 if bound == 10 else bound - 1e-9
    return lower, upper


def service_inputs(model: Model) -> dict[str, ServiceInput]:
    """Every numeric service-model parameter of the model's investments, and the probability of
    every risk of an investment with a service model (``risks.<id>.probability``), by dotted
    path."""
    found: dict[str, ServiceInput] = {}
    for inv_id, inv in model.investments.items():
        service = getattr(inv, "service", None)
        if service is None:
            continue
        params = service.parameters
        for name, info in type(params).model_fields.items():
            value = getattr(params, name)
            if info.annotation is not float or not isinstance(value, float):
                continue
            path = f"investments.{inv_id}.service.parameters.{name}"
            found[path] = ServiceInput(path, inv_id, name, value, _valid_range(info.metadata))
        for risk in getattr(inv, "risks", []):  # the risk register's probabilities
            path = f"investments.{inv_id}.risks.{risk.id}.probability"
            name = f"risks.{risk.id}.probability"
            found[path] = ServiceInput(path, inv_id, name, float(risk.probability), (0.0, 1.0))
    return found


@dataclass(frozen=True)
class InvestmentAnswers:
    """Per-draw answers of one investment with a service model."""

    investment: str
    option_ids: tuple[str, ...]
    selected: int
    npsv: FloatArray  # (n, O) £k real, against do nothing
    months_to_clear_backlog: FloatArray  # (n, O) months, inf if not within the horizon
    months_to_standard: FloatArray  # (n, O) first month meeting the 28-day standard, inf if never
    month_labels: tuple[str, ...]


@dataclass(frozen=True)
class InvestmentBatch:
    """What the investments do in a batch of draws."""

    expenditure_deviation: FloatArray | None  # (P, T, n) change in net investment cost, or None
    answers: dict[str, InvestmentAnswers] = field(default_factory=dict)


def _months(values: np.ndarray) -> FloatArray:
    out = np.asarray(values, dtype=float)
    return np.where(out < 0, np.inf, out)


def _draws(model: Model, investment: str, overrides: Mapping[str, FloatArray]) -> InvestmentDraws:
    return investment_draws(model, dict(overrides), investment=investment)


class InvestmentEvaluator:
    """Service-model answers and expenditure changes for batches of input values.

    ``targets`` are the inputs in column order (as for :class:`~finmodel.risk.kernel.Kernel`);
    only their ``service`` parts are used here. Investments without a service model are not
    covered (their NPSV does not depend on any drawn input).
    """

    def __init__(self, model: Model, targets: Sequence[InputTarget]) -> None:
        self.model = model
        self.targets = list(targets)
        self.investments = [
            inv_id
            for inv_id, inv in model.investments.items()
            if getattr(inv, "service", None) is not None
        ]
        self.uses: dict[str, list[tuple[int, ServiceInput]]] = {i: [] for i in self.investments}
        for k, target in enumerate(self.targets):
            for item in target.service:
                self.uses[item.investment].append((k, item))
        self.reference: dict[str, InvestmentDraws] = {}
        available = service_inputs(model).values()
        for inv_id in self.investments:
            first = next(item for item in available if item.investment == inv_id)
            self.reference[inv_id] = _draws(
                model, inv_id, {first.parameter: np.array([first.base])}
            )

    @property
    def active(self) -> bool:
        """True when some service-model parameter is drawn."""
        return any(self.uses.values())

    def _overrides(self, inv_id: str, values: FloatArray) -> dict[str, FloatArray]:
        n = values.shape[0]
        out: dict[str, FloatArray] = {}
        for k, item in self.uses[inv_id]:
            v = values[:, k]
            apply = self.targets[k].apply
            new = (
                np.full(n, v)
                if apply == "set"
                else (item.base + v if apply == "add" else item.base * v)
            )
            lower, upper = item.valid
            new = np.clip(
                new, -np.inf if lower is None else lower, np.inf if upper is None else upper
            )
            out[item.parameter] = np.where(np.isnan(v), item.base, new)
        return out

    def evaluate(self, values: FloatArray) -> InvestmentBatch:
        """Answers for ``values`` (n, K); NaN leaves an input at its modelled value."""
        values = np.asarray(values, dtype=float)
        n = values.shape[0]
        deviation: FloatArray | None = None
        answers: dict[str, InvestmentAnswers] = {}
        for inv_id in self.investments:
            ref = self.reference[inv_id]
            if not self.uses[inv_id]:
                answers[inv_id] = self._answers(inv_id, ref, n)
                continue
            overrides = self._overrides(inv_id, values)
            parts = []
            for lo in range(0, n, SERVICE_BATCH):
                batch = {k: v[lo : lo + SERVICE_BATCH] for k, v in overrides.items()}
                parts.append(_draws(self.model, inv_id, batch))
            exp = np.concatenate([p.expenditure for p in parts], axis=0)
            change = np.moveaxis(exp - ref.expenditure, 0, -1)
            deviation = change if deviation is None else deviation + change
            answers[inv_id] = InvestmentAnswers(
                investment=inv_id,
                option_ids=tuple(ref.option_ids),
                selected=int(ref.selected),
                npsv=np.concatenate([p.npsv for p in parts], axis=0),
                months_to_clear_backlog=_months(
                    np.concatenate([p.months_to_clear_backlog for p in parts], axis=0)
                ),
                months_to_standard=_months(
                    np.concatenate([p.first_month_meeting_standard for p in parts], axis=0)
                ),
                month_labels=tuple(ref.month_labels),
            )
        return InvestmentBatch(deviation, answers)

    def _answers(self, inv_id: str, ref: InvestmentDraws, n: int) -> InvestmentAnswers:
        def rows(array: np.ndarray) -> np.ndarray:
            return np.broadcast_to(array[:1], (n, array.shape[1]))

        return InvestmentAnswers(
            investment=inv_id,
            option_ids=tuple(ref.option_ids),
            selected=int(ref.selected),
            npsv=rows(ref.npsv),
            months_to_clear_backlog=rows(_months(ref.months_to_clear_backlog)),
            months_to_standard=rows(_months(ref.first_month_meeting_standard)),
            month_labels=tuple(ref.month_labels),
        )
