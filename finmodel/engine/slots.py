"""Dotted input paths and the array elements they set in the compiled inputs.

A path names a numeric input the way scenarios do (``assumptions.inflation``,
``partners.lth.costs.pay.efficiency``, ``control_totals.icb``); :class:`SlotTable` maps it to
the :class:`Slot` (array name, indices, per-year or not) that
:meth:`~finmodel.engine.inputs.ProjectionInputs.with_values` writes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Slot:
    """Where a dotted path lands in the inputs: an array name and the indices it sets."""

    array: str
    index: IntArray
    per_year: bool


class SlotTable(Mapping[str, tuple[Slot, ...]]):
    """Dotted path -> the array slots it sets, built on first use (a model has many paths).

    System-wide paths (assumptions, drivers) are listed when compiling; the paths of control
    totals (``control_totals.<p>``) and of single lines (``partners.<p>.costs.<c>.<field>``, ``partners.<p>.funding.<f>.<field>``)
    are worked out from the line's number when asked for.
    """

    def __init__(
        self,
        raw: dict[str, dict[tuple[str, bool], IntArray]],
        line_ids: Sequence[str],
        fund_ids: Sequence[str],
        has_driver: NDArray[np.bool_],
        control_rows: dict[str, int] | None = None,
        converging: NDArray[np.bool_] | None = None,
    ):
        self._raw = raw
        self._control = control_rows or {}
        self._line_ids = line_ids
        self._fund_ids = fund_ids
        self._has_driver = has_driver
        self._converging = converging
        self._built: dict[str, tuple[Slot, ...]] = {}

    @cached_property
    def _lines(self) -> dict[str, int]:
        """Row of each ``"<partner>.<line>"`` (built on first use: most runs never ask)."""
        return dict(zip(self._line_ids, range(len(self._line_ids)), strict=True))

    @cached_property
    def _funds(self) -> dict[str, int]:
        """Row of each ``"<partner>.<stream>"`` (built on first use)."""
        return dict(zip(self._fund_ids, range(len(self._fund_ids)), strict=True))

    def _line_slot(self, path: str) -> tuple[Slot, ...] | None:
        parts = path.split(".")
        if len(parts) == 2 and parts[0] == "control_totals" and parts[1] in self._control:
            return (
                Slot("control_total", np.array([self._control[parts[1]]], dtype=np.int64), True),
            )
        if len(parts) != 5 or parts[0] != "partners":
            return None
        key, field_name = f"{parts[1]}.{parts[3]}", parts[4]
        if parts[2] == "costs" and key in self._lines:
            row = self._lines[key]
            demand_field = "non_demographic_growth" if self._has_driver[row] else "demand_growth"
            array = {
                "baseline": "cost_baseline",
                demand_field: "direct_growth",
                "inflation": "inflation",
                "efficiency": "efficiency",
            }.get(field_name)
        elif parts[2] == "funding" and key in self._funds:
            row = self._funds[key]
            # a converging allocation's own growth is the uplift convergence works on
            converging = self._converging is not None and bool(self._converging[row])
            growth = "fund_uplift" if converging else "funding_growth"
            array = {"baseline": "fund_baseline", "funding_growth": growth}.get(field_name)
        else:
            return None
        if array is None:
            return None
        return (Slot(array, np.array([row], dtype=np.int64), field_name != "baseline"),)

    def __getitem__(self, path: str) -> tuple[Slot, ...]:
        built = self._built.get(path)
        if built is None:
            if path in self._raw:
                built = tuple(
                    Slot(name, indices, per_year)
                    for (name, per_year), indices in self._raw[path].items()
                )
            else:
                found = self._line_slot(path)
                if found is None:
                    raise KeyError(path)
                built = found
            self._built[path] = built
        return built

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and (path in self._raw or self._line_slot(path) is not None)

    def __iter__(self) -> Iterator[str]:
        yield from self._raw
        for partner in self._control:
            yield f"control_totals.{partner}"
        for key, row in self._lines.items():
            partner, line = key.split(".", 1)
            demand_field = "non_demographic_growth" if self._has_driver[row] else "demand_growth"
            for name in ("baseline", demand_field, "inflation", "efficiency"):
                yield f"partners.{partner}.costs.{line}.{name}"
        for key in self._funds:
            partner, stream = key.split(".", 1)
            for name in ("baseline", "funding_growth"):
                yield f"partners.{partner}.funding.{stream}.{name}"

    def __len__(self) -> int:
        return (
            len(self._raw) + len(self._control) + 4 * len(self._line_ids) + 2 * len(self._fund_ids)
        )
