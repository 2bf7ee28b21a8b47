"""Distributions of model inputs keyed by dotted path: the ``uncertainty:`` section (SPEC section 7).

Each key names a numeric input by the dotted path scenarios use; its value is a distribution::

    uncertainty:
      assumptions.inflation:
        dist: pert          # uniform | triangular | pert | normal | interval80
        low: 0.02
        mode: 0.03
        high: 0.045
        source: "illustrative: ..."
      partners.*.costs.pay.efficiency:   # `*` matches any id: every trust's pay CIP ...
        dist: pert
        low: 0.5
        mode: 0.8
        high: 1.0
        apply: scale        # ... drawn as the share of the planned rate delivered
        also: [partners.*.costs.non_pay.efficiency]   # the same draw for these paths too
        source: "illustrative: ..."

Fields by kind: ``uniform`` and ``interval80`` take ``low`` and ``high``; ``triangular`` and
``pert`` take ``low``, ``mode`` and ``high``; ``normal`` takes ``mean`` and ``sd``. A
distribution with ``low == high`` (or ``sd == 0``) is a point.

``apply`` says how a drawn value ``x`` acts on the input: ``set`` (default) replaces it (a
year-varying input takes ``x`` every year), ``add`` adds ``x`` to the input's value each year,
``scale`` multiplies it by ``x``. ``also`` lists more paths taking the same draw (fully
correlated). A ``*`` segment in a path matches every id at that place.

Whole-model checks (:func:`finmodel.risk.model_checks.uncertainty_findings`, which the file
loaders run and report with the YAML line like every other problem): every path is a numeric
input of the model, no input is set by two keys, and each distribution fits the input's valid
range (for ``set``, bounded distributions must lie in it and unbounded ones, clipped when
sampled, must have their mean in it). They need the compiled model, so they live in
:mod:`finmodel.risk`, above the engine.

The distributions themselves are defined once, in :mod:`finmodel.domain.distributions`; this
section's entries are turned into them by :meth:`UncertainInput.distribution`.

>>> spec = UncertainInput(dist="uniform", low=0.02, high=0.04, source="illustrative")
>>> spec.distribution().mean
0.03
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import Field, ValidationInfo, field_validator, model_validator

from finmodel.domain.distributions import Distribution, parse_distribution
from finmodel.domain.types import Citation, Frozen

DistributionKind = Literal["uniform", "triangular", "pert", "normal", "interval80"]
ApplyMode = Literal["set", "add", "scale"]
#: Largest magnitude of a distribution parameter (the limit on money and counts, with room).
FINITE_LIMIT = 1e12
Finite = Annotated[float, Field(ge=-FINITE_LIMIT, le=FINITE_LIMIT, allow_inf_nan=False)]


def _parameters_by_kind() -> dict[str, tuple[str, ...]]:
    """The parameters each kind takes, read from the distribution classes (one definition)."""
    kinds = get_args(get_args(Distribution)[0])
    return {
        kind.model_fields["dist"].default: tuple(
            info.alias or name
            for name, info in kind.model_fields.items()
            if name not in ("dist", "source")
        )
        for kind in kinds
    }


#: The parameters each kind of distribution takes, as written in a model file, e.g.
#: ``PARAMETERS["pert"]`` is ``("low", "mode", "high")`` and ``PARAMETERS["normal"]``
#: ``("mean", "sd")``.
PARAMETERS: dict[str, tuple[str, ...]] = _parameters_by_kind()
_ALL_PARAMETERS = ("low", "mode", "high", "mean", "sd")


class UncertainInput(Frozen):
    """A distribution of one input (or several, with ``also``) for Monte Carlo and sensitivity."""

    dist: DistributionKind
    """uniform(low, high) | triangular(low, mode, high) | pert(low, mode, high) |
    normal(mean, sd) | interval80(low, high): a normal with P10 = low and P90 = high."""
    low: Finite | None = None
    """Smallest value (P10 for interval80), in the units of the input (or of the change, for
    `apply: add`, or a multiplier, for `apply: scale`)."""
    mode: Finite | None = None
    """Most likely value (triangular, pert); between low and high."""
    high: Finite | None = None
    """Largest value (P90 for interval80); at least low (equal for a point)."""
    mean: Finite | None = None
    """Mean of a normal."""
    sd: Annotated[float, Field(ge=0, le=FINITE_LIMIT, allow_inf_nan=False)] | None = None
    """Standard deviation of a normal, >= 0 (0 for a point)."""
    apply: ApplyMode = "set"
    """How a drawn value x acts on the input: set (replace), add (input + x), scale (input * x)."""
    also: list[str] = Field(default_factory=list)
    """More dotted paths (or patterns with `*`) that take the same draw."""
    source: Citation
    """Where the range comes from: a public source with its citation, or 'illustrative' and how."""

    @field_validator("mode")
    @classmethod
    def _mode_not_below_low(cls, value: float | None, info: ValidationInfo) -> float | None:
        low = info.data.get("low")
        if value is not None and low is not None and value < low:
            raise ValueError(f"mode {value:g} is below low {low:g}; need low <= mode <= high")
        return value

    @field_validator("high")
    @classmethod
    def _high_not_below(cls, value: float | None, info: ValidationInfo) -> float | None:
        low, mode = info.data.get("low"), info.data.get("mode")
        if value is not None and mode is not None and value < mode:
            raise ValueError(f"high {value:g} is below mode {mode:g}; need low <= mode <= high")
        if value is not None and low is not None and value < low:
            raise ValueError(f"high {value:g} is below low {low:g}; need low <= high")
        return value

    @model_validator(mode="after")
    def _parameters_of_the_kind(self) -> UncertainInput:
        wanted = PARAMETERS[self.dist]
        missing = [name for name in wanted if getattr(self, name) is None]
        extra = [
            name
            for name in _ALL_PARAMETERS
            if name not in wanted and getattr(self, name) is not None
        ]
        problems = []
        if missing:
            problems.append(f"missing {', '.join(missing)}")
        if extra:
            problems.append(f"{', '.join(extra)} not used by {self.dist}")
        if problems:
            raise ValueError(f"{self.dist} takes {', '.join(wanted)}: {'; '.join(problems)}")
        return self

    def distribution(self) -> Distribution:
        """The :mod:`finmodel.domain.distributions` specification of the drawn value."""
        data: dict[str, Any] = {"dist": self.dist, "source": self.source}
        data.update({name: getattr(self, name) for name in PARAMETERS[self.dist]})
        return parse_distribution(data)

    @property
    def paths(self) -> list[str]:
        """Extra paths taking the same draw (the key itself is not included)."""
        return list(self.also)
