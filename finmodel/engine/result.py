"""The result of a projection: the JSON of SPEC section 8 and a tidy data frame.

A :class:`ProjectionResult` is made by :func:`finmodel.project` (defined in
:mod:`finmodel.investment.projection`, since a projection lays the selected investment options'
net costs over the engine's arrays).

Example
-------
>>> from finmodel import load_model, project
>>> result = project(load_model("models/minimal.yaml"))
>>> result.to_json()["system"]["surplus"][0]
-20.0
>>> list(result.to_frame().columns)
['year', 'partner', 'line', 'measure', 'value']
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from finmodel.domain.model import Model
from finmodel.engine.allocations import ring_fences
from finmodel.engine.inputs import FloatArray, ProjectionInputs
from finmodel.engine.projection import BRIDGE_STEPS, Projection

if TYPE_CHECKING:  # pandas is imported by the methods that build frames (0.4 s to import)
    import pandas as pd

#: Partner-level measures in the JSON and the frame, in display order.
PARTNER_MEASURES = (
    "income",
    "expenditure",
    "surplus",
    "non_recurrent",
    "underlying_surplus",
    "control_total",
    "variance",
    "surplus_after_risk_share",
    "cip_planned",
    "cip_delivered",
    "cip_recurrent",
)


def _values(array: FloatArray) -> list[float | None]:
    """A year series as JSON values: floats, with null for NaN."""
    return [None if math.isnan(v) else float(v) for v in np.asarray(array, dtype=float).tolist()]


@dataclass(frozen=True)
class ProjectionResult:
    """One deterministic projection of a model under a scenario."""

    model: Model
    """The model as projected (with the scenario applied)."""
    scenario: str | None
    """The scenario id, or None for the model as written."""
    inputs: ProjectionInputs
    """The compiled input arrays."""
    arrays: Projection
    """Every projected array."""

    @property
    def years(self) -> list[str]:
        """Year labels, base year first."""
        return self.inputs.years

    def partner_index(self, partner_id: str) -> int:
        """Row of a partner in the partner arrays."""
        return self.inputs.partner_ids.index(partner_id)

    def bridge_steps(self, year: int | None = None) -> list[tuple[str, float]]:
        """Bridge of the system surplus from the base year to ``year`` (index; default last)."""
        t = len(self.years) - 1 if year is None else year
        return [
            (name, float(v)) for name, v in zip(BRIDGE_STEPS, self.arrays.bridge[:, t], strict=True)
        ]

    def to_json(self) -> dict[str, Any]:
        """The result as the JSON of SPEC section 8 (lists are per year, base year first)."""
        a = self.arrays
        partners: dict[str, dict[str, Any]] = {
            pid: {measure: _values(getattr(a, measure)[i]) for measure in PARTNER_MEASURES}
            for i, pid in enumerate(self.inputs.partner_ids)
        }
        for partner in self.model.partners:
            partners[partner.id]["illustrative"] = partner.illustrative
        places = {
            name: {
                "income": _values(a.place_income[q]),
                "expenditure": _values(a.place_expenditure[q]),
                "surplus": _values(a.place_surplus[q]),
                "non_recurrent": _values(a.place_non_recurrent[q]),
                "underlying_surplus": _values(a.place_underlying_surplus[q]),
                "eliminations": _values(a.place_eliminations[q]),
            }
            for q, name in enumerate(self.inputs.place_names)
        }
        steps = self.bridge_steps()
        return {
            "model": self.model.name,
            "scenario": self.scenario,
            "units": self.model.units,
            "years": list(self.years),
            "system": {
                "income": _values(a.system_income),
                "expenditure": _values(a.system_expenditure),
                "surplus": _values(a.system_surplus),
                "non_recurrent": _values(a.system_non_recurrent),
                "underlying_surplus": _values(a.system_underlying_surplus),
                "eliminations": _values(a.system_eliminations),
                "control_total": _values(a.system_control_total),
                "variance": _values(a.system_variance),
            },
            "control_total_boundary": self.boundary_json(),
            "allocations": self.allocations_json(),
            "ring_fences": self.ring_fences(),
            "places": places,
            "partners": partners,
            "bridge": {
                "from": self.years[0],
                "to": self.years[-1],
                "steps": [{"name": name, "value": value} for name, value in steps],
                "total": float(a.system_surplus[-1] - a.system_surplus[0]),
            },
        }

    def partners_inside(self) -> list[str]:
        """Ids of the partners in the control total (the NHS position), in model order."""
        return [
            p
            for p, inside in zip(self.inputs.partner_ids, self.inputs.in_control_total, strict=True)
            if inside
        ]

    def partners_outside(self) -> list[str]:
        """Ids of the partners outside the control total (usually councils), in model order."""
        inside = set(self.partners_inside())
        return [p for p in self.inputs.partner_ids if p not in inside]

    def ring_fences(self) -> dict[str, dict[str, list[float | bool | None]]]:
        """Ring-fenced spend growth against allocation growth by partner and year (e.g. the
        mental health investment standard); see :func:`~finmodel.engine.allocations.ring_fences`.
        """
        a, inputs = self.arrays, self.inputs
        funding = np.zeros(a.surplus.shape)
        np.add.at(funding, inputs.fund_partner, a.funding)
        return ring_fences(
            inputs.line_partner, inputs.line_ring_fence, inputs.partner_ids, a.cost, funding
        )

    def allocations_json(self) -> dict[str, dict[str, list[float | None]]]:
        """Allocations converging to fair share: allocation, target and distance from target."""
        a, inputs = self.arrays, self.inputs
        out = {}
        for f in np.flatnonzero(~np.isnan(inputs.fair_share[:, -1])).tolist():
            target = inputs.fair_share[f]
            out[inputs.fund_ids[f]] = {
                "allocation": _values(a.funding[f]),
                "fair_share": _values(target),
                "distance_from_target": _values(
                    a.funding[f] / np.where(target > 0, target, np.nan) - 1
                ),
            }
        return out

    def boundary_json(self) -> dict[str, Any]:
        """The control-total boundary: who is in it, their surplus against the control total."""
        a = self.arrays
        return {
            "partners_inside": self.partners_inside(),
            "partners_outside": self.partners_outside(),
            "surplus_inside": _values(a.control_total_surplus),
            "underlying_surplus_inside": _values(a.control_total_underlying_surplus),
            "control_total": _values(a.system_control_total),
            "variance": _values(a.system_variance),
            "surplus_outside": _values(a.outside_surplus),
        }

    def system_rows(self) -> dict[str, FloatArray]:
        """The system position as labelled year series (the rows of :meth:`system_table`), £k.

        The reported surplus (every item), the non-recurrent items in it, the underlying surplus
        (the recurrent run rate), then the control-total boundary: the surplus of the partners in
        the control total (the NHS position) against its control total, and the partners
        outside it apart. System surplus = inside + outside.
        """
        a = self.arrays
        return {
            "Income": a.system_income,
            "Expenditure": a.system_expenditure,
            "Surplus / (deficit), reported": a.system_surplus,
            "Non-recurrent items (net)": a.system_non_recurrent,
            "Underlying surplus / (deficit)": a.system_underlying_surplus,
            "Partners in the control total: surplus / (deficit)": a.control_total_surplus,
            "Partners in the control total: underlying": a.control_total_underlying_surplus,
            "Control total": a.system_control_total,
            "Variance to control total": a.system_variance,
            "Partners outside the control total: surplus / (deficit)": a.outside_surplus,
            "Eliminations (internal flows)": a.system_eliminations,
        }

    def system_table(self) -> pd.DataFrame:
        """The system position by year (rows: measures, columns: years), £k."""
        import pandas as pd

        return pd.DataFrame(self.system_rows(), index=self.years).T

    def partner_table(self, year: int | None = None) -> pd.DataFrame:
        """Each partner's position in one year (default: the last), £k."""
        import pandas as pd

        t = len(self.years) - 1 if year is None else year
        a = self.arrays
        frame = pd.DataFrame(
            {
                "partner": self.inputs.partner_names,
                "place": self.inputs.partner_places,
                "income": a.income[:, t],
                "expenditure": a.expenditure[:, t],
                "in_control_total": self.inputs.in_control_total,
                "illustrative": [p.illustrative for p in self.model.partners],
                "surplus": a.surplus[:, t],
                "non_recurrent": a.non_recurrent[:, t],
                "underlying_surplus": a.underlying_surplus[:, t],
                "control_total": a.control_total[:, t],
                "variance": a.variance[:, t],
                "surplus_after_risk_share": a.surplus_after_risk_share[:, t],
                "cip_planned": a.cip_planned[:, t],
                "cip_delivered": a.cip_delivered[:, t],
            },
            index=pd.Index(self.inputs.partner_ids, name="id"),
        )
        return frame

    def to_frame(self) -> pd.DataFrame:
        """A tidy frame: columns ``year, partner, line, measure, value``.

        Rows: each cost line (``measure='cost'``), funding stream (``'funding'``) and
        non-recurrent item (``'non_recurrent:<kind>'``, signed: + improves the surplus) under its
        partner; each partner measure with ``line`` empty; the system under partner ``system``
        and each place under ``place:<name>``; bridge steps under ``system`` with measure
        ``bridge:<step>`` (cumulative from the base year).
        """
        import pandas as pd

        a = self.arrays
        years = np.array(self.years)
        n_years = len(years)
        blocks: list[pd.DataFrame] = []

        def block(
            partner: list[str], line: list[str | None], measure: str | list[str], values: FloatArray
        ) -> None:
            values = np.asarray(values, dtype=float).reshape(len(partner), n_years)
            blocks.append(
                pd.DataFrame(
                    {
                        "year": np.tile(years, len(partner)),
                        "partner": np.repeat(partner, n_years),
                        "line": np.repeat(np.array(line, dtype=object), n_years),
                        "measure": np.repeat(
                            np.array(
                                measure if isinstance(measure, list) else [measure] * len(partner),
                                dtype=object,
                            ),
                            n_years,
                        ),
                        "value": values.ravel(),
                    }
                )
            )

        ids = self.inputs.partner_ids
        block(
            [ids[i] for i in self.inputs.line_partner],
            [s.split(".", 1)[1] for s in self.inputs.line_ids],
            "cost",
            a.cost,
        )
        block(
            [ids[i] for i in self.inputs.fund_partner],
            [s.split(".", 1)[1] for s in self.inputs.fund_ids],
            "funding",
            a.funding,
        )
        if self.inputs.nonrec_ids:
            block(
                [ids[i] for i in self.inputs.nonrec_partner],
                [s.split(".", 1)[1] for s in self.inputs.nonrec_ids],
                [f"non_recurrent:{k}" for k in self.inputs.nonrec_kind],
                self.inputs.nonrec_income + self.inputs.nonrec_saving - self.inputs.nonrec_cost,
            )
        for measure in PARTNER_MEASURES:
            block(list(ids), [None] * len(ids), measure, getattr(a, measure))
        system = {
            "income": a.system_income,
            "expenditure": a.system_expenditure,
            "surplus": a.system_surplus,
            "non_recurrent": a.system_non_recurrent,
            "underlying_surplus": a.system_underlying_surplus,
            "eliminations": a.system_eliminations,
            "control_total": a.system_control_total,
            "variance": a.system_variance,
            "surplus_inside_control_total": a.control_total_surplus,
            "underlying_surplus_inside_control_total": a.control_total_underlying_surplus,
            "surplus_outside_control_total": a.outside_surplus,
        }
        for measure, values in system.items():
            block(["system"], [None], measure, values[None, :])
        places = [f"place:{name}" for name in self.inputs.place_names]
        for measure in (
            "income",
            "expenditure",
            "surplus",
            "non_recurrent",
            "underlying_surplus",
            "eliminations",
        ):
            block(places, [None] * len(places), measure, getattr(a, f"place_{measure}"))
        block(
            ["system"] * len(BRIDGE_STEPS),
            [None] * len(BRIDGE_STEPS),
            [f"bridge:{s}" for s in BRIDGE_STEPS],
            a.bridge,
        )
        return pd.concat(blocks, ignore_index=True)
