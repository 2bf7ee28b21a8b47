"""Partner and system surpluses for a batch of input values: the Monte Carlo inner loop.

The deterministic engine (:func:`finmodel.engine.projection.project_arrays`) works on every cost
line. Over many draws most of that work repeats: lines whose rates are equal in the model and
moved by the same uncertain inputs grow identically in every draw. The kernel therefore groups
such lines (for the default model, 96 cost lines and 14 funding streams become a few dozen
groups), grows each group once per draw, and adds the groups up into partner surpluses with a
constant matrix of baselines and signs::

    cost[c, t]  = baseline[c] * growth[g(c), t]              (g(c): the group of line c)
    surplus[p]  = funding[p] - sum_c (payer[p,c] - payee[p,c]) * cost[c]
                = W_fund @ fund_growth - W_cost @ growth     (W: baselines by partner and group)

**Exactness.** Growth factors use the same arithmetic, in the same order, as the engine. A
draw's surpluses are the deterministic projection's plus ``W @ (growth - growth at base)``: a
draw whose inputs equal the model's gives a zero deviation and so exactly the engine's numbers
(SPEC invariant 10), whatever the batch size.

Shapes: ``n`` draws in the batch, ``K`` inputs, ``P`` partners, ``G`` groups, ``H`` projected
years, ``T = H + 1``.

>>> from finmodel.io.yaml_io import load_model
>>> from finmodel.investment.projection import compile_inputs
>>> from finmodel.risk.inputs import input_target
>>> model = load_model("models/minimal.yaml")
>>> kernel = Kernel(compile_inputs(model), [input_target(model, "assumptions.inflation")])
>>> out = kernel.evaluate(np.array([[0.0], [0.05]]))
>>> out.system_surplus.shape  # (years, draws): the draws axis is last
(4, 2)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from finmodel.domain.model import NON_RECURRENT_COST
from finmodel.engine.allocations import converged_growth
from finmodel.engine.inputs import (
    CIP_ARRAYS,
    CONVERGENCE_ARRAYS,
    NONREC_ARRAYS,
    FloatArray,
    IntArray,
    ProjectionInputs,
    non_recurrent_amounts,
    recompute_cip,
    take_off_plan,
)
from finmodel.engine.nhs_rules import cip_line_rates
from finmodel.engine.projection import Projection, one_hot, project_arrays
from finmodel.risk.inputs import InputTarget
from finmodel.tolerances import MONEY_TOLERANCE

_COST_RATES = ("driver_growth", "direct_growth", "inflation", "efficiency")
#: CIP levers on the lines; when one moves, the CIP lines' efficiency and non-recurrent CIP
#: are worked out again from the three (as ProjectionInputs.with_values does).
_CIP = CIP_ARRAYS
_LINE_ARRAYS = (*_COST_RATES, *_CIP)
#: Funding-stream inputs and the kernel's array each moves (pace: converging allocations).
_FUND_ARRAYS = {
    "funding_growth": "fund_growth",
    "fund_baseline": "fund_base",
    "convergence_pace": "convergence_pace",
    "fund_uplift": "fund_uplift",
}
#: Kinds of non-recurrent item that are costs (the others add to the surplus).
_NONREC_COSTS = sorted(k.value for k in NON_RECURRENT_COST)
#: Tolerance (£k) when testing "surplus >= control total" and "surplus >= 0": £1.
TOLERANCE = MONEY_TOLERANCE
#: Draws per block in :meth:`Kernel.tally`: small enough for the working arrays to stay in
#: the processor's cache, large enough for numpy's per-call overhead not to matter.
TALLY_BLOCK = 2048
#: Largest matrix product (multiplications) in one BLAS call: OpenBLAS runs products below
#: 65,536 x 4 in the calling thread.
_PRODUCT_SIZE = 200_000


@dataclass(frozen=True)
class KernelOutput:
    """Surpluses of a batch of draws as deviations from the deterministic projection, £k.

    Rows: the ``P`` partners, then the system surplus, then the system variance against the
    control total (summed over the partners in it); the draws axis is **last**. Surplus +,
    deficit -.
    """

    reference: FloatArray  # (P + 2, T): deterministic values (system variance NaN in year 0)
    deviation: FloatArray  # (P + 2, T, n): draw minus deterministic, exactly 0 for an unmoved draw
    control_total: FloatArray  # (P, T): deterministic control totals, NaN where none
    control_total_deviation: FloatArray | None  # (P, T, n) when control totals are uncertain

    @property
    def n_partners(self) -> int:
        """Number of partners ``P``."""
        return int(self.control_total.shape[0])

    @property
    def n_draws(self) -> int:
        """Number of draws in the batch."""
        return int(self.deviation.shape[-1])

    def values(self) -> FloatArray:
        """(P + 2, T, n): the full values (reference plus deviation)."""
        return self.reference[..., None] + self.deviation

    @property
    def surplus(self) -> FloatArray:
        """(P, T, n) partner surpluses."""
        return self.reference[: self.n_partners, :, None] + self.deviation[: self.n_partners]

    @property
    def system_surplus(self) -> FloatArray:
        """(T, n) system surplus."""
        p = self.n_partners
        return self.reference[p, :, None] + self.deviation[p]

    @property
    def system_variance(self) -> FloatArray:
        """(T, n) system surplus less the system control total (partners in it); NaN in year 0."""
        p = self.n_partners + 1
        return self.reference[p, :, None] + self.deviation[p]

    def meets_control_total(self) -> NDArray[np.bool_]:
        """(P + 1, T, n): partner (then system) surplus at or above its control total, within
        :data:`TOLERANCE`; false where there is no control total (base year, councils)."""
        p = self.n_partners
        with np.errstate(invalid="ignore"):
            # ref + dev - ct >= -tol, rearranged so no full-size temporary is needed
            threshold = self.control_total - TOLERANCE - self.reference[:p]
            moved = self.deviation[:p]
            if self.control_total_deviation is not None:
                moved = moved - self.control_total_deviation
            partners = moved >= threshold[..., None]
            system = self.deviation[p + 1] >= (-TOLERANCE - self.reference[p + 1])[:, None]
        return np.concatenate([partners, system[None]], axis=0)

    def breaks_even(self) -> NDArray[np.bool_]:
        """(P + 1, T, n): partner (then system) surplus at or above zero, within £1k."""
        p = self.n_partners
        threshold = -TOLERANCE - self.reference[: p + 1]
        return self.deviation[: p + 1] >= threshold[..., None]


@dataclass(frozen=True)
class KernelTally:
    """What a Monte Carlo run keeps of a batch of draws (see :meth:`Kernel.tally`).

    Float32 deviations from the deterministic values, £k, draws axis last: the partners' and
    the system's surplus (the first ``P + 1`` rows of :class:`KernelOutput`) and the system
    variance; and counts of draws meeting the control total and breaking even, as
    :meth:`KernelOutput.meets_control_total` and :meth:`KernelOutput.breaks_even` decide.
    """

    surplus: NDArray[Any]  # (P + 1, T, n), float32 (or the dtype of the arrays given)
    system_variance: NDArray[Any]  # (T, n)
    meets_control_total: IntArray  # (P + 1, T) draws meeting the control total
    breaks_even: IntArray  # (P + 1, T) draws at or above zero

    @property
    def n_draws(self) -> int:
        """Number of draws in the batch."""
        return int(self.surplus.shape[-1])


def _cumulative(factors: FloatArray) -> FloatArray:
    """As in the engine, over axis 1 (years): (G, H, n) -> (G, T, n) with 1 for the base year.

    ``cumprod`` along the years axis, written into the output in place: the same products in
    the same order as the engine's.
    """
    out = np.empty((factors.shape[0], factors.shape[1] + 1, *factors.shape[2:]))
    out[:, 0] = 1.0
    np.cumprod(factors, axis=1, out=out[:, 1:])
    return out


def cost_growth(
    base: FloatArray,
    driver: FloatArray,
    direct: FloatArray,
    inflation: FloatArray,
    efficiency: FloatArray,
    nonrecurrent: FloatArray | None = None,
) -> FloatArray:
    """``base * cum(demand) * cum(1 + inflation) * cum(1 - efficiency)`` in the engine's order,
    less the year's non-recurrent CIP (``nonrecurrent`` x the cost before the year's savings).

    ``base`` is (G, n), rates (G, H, n) (n may be 1 and broadcast); returns (G, T, n).
    """
    demand = _times(1 + driver, 1 + direct)
    cost = _cumulative(demand)
    if base.shape[-1] != 1 or not np.all(base == 1.0):  # a base of 1 changes nothing
        cost = _times(cost, base[:, None, :])
    cost = _times(cost, _cumulative(1 + inflation))
    cost = _times(cost, _cumulative(1 - efficiency))
    if nonrecurrent is not None and nonrecurrent.any():
        before = cost[:, :-1] * demand * (1 + inflation)
        cost = cost.copy() if not cost.flags.writeable else cost
        cost[:, 1:] = cost[:, 1:] - before * nonrecurrent
    return cost


def _times(a: FloatArray, b: FloatArray) -> FloatArray:
    """``a * b``, in place in ``a`` (a temporary) when it has the shape of the product."""
    if a.shape == np.broadcast_shapes(a.shape, b.shape):
        a *= b
        return a
    return a * b


def fund_growth(base: FloatArray, growth: FloatArray) -> FloatArray:
    """``base * cum(1 + funding growth)`` in the engine's order: (G, n), (G, H, n) -> (G, T, n)."""
    cost = _cumulative(1 + growth)
    if base.shape[-1] != 1 or not np.all(base == 1.0):
        cost = _times(cost, base[:, None, :])
    return cost


def _within(
    apply: str,
    base_range: tuple[float, float],
    v_range: tuple[float, float],
    lower: float | None,
    upper: float | None,
) -> bool:
    """True if every value of ``apply`` (base in ``base_range``, value in ``v_range``) lies in
    ``[lower, upper]``: rounding is monotonic, so the extremes bound every element. False when
    a range is NaN (all values at base) or unknown."""
    (b_lo, b_hi), (v_lo, v_hi) = base_range, v_range
    if apply == "set":
        lo, hi = v_lo, v_hi
    elif apply == "add":
        lo, hi = b_lo + v_lo, b_hi + v_hi
    else:
        corners = (b_lo * v_lo, b_lo * v_hi, b_hi * v_lo, b_hi * v_hi)
        lo, hi = min(corners), max(corners)
        if any(math.isnan(c) for c in corners):
            return False
    if math.isnan(lo) or math.isnan(hi):
        return False
    return (lower is None or lo >= lower) and (upper is None or hi <= upper)


def _others(index: IntArray, size: int) -> IntArray:
    """The integers in ``range(size)`` not in ``index``, sorted."""
    keep = np.ones(size, dtype=bool)
    keep[index] = False
    return np.flatnonzero(keep)


def _groups(signatures: list[tuple[object, ...]]) -> tuple[IntArray, IntArray]:
    """Group index of each item and the first item (representative) of each group."""
    first: dict[tuple[object, ...], int] = {}
    group = np.empty(len(signatures), dtype=np.int64)
    reps: list[int] = []
    for i, sig in enumerate(signatures):
        if sig not in first:
            first[sig] = len(reps)
            reps.append(i)
        group[i] = first[sig]
    return group, np.array(reps, dtype=np.int64)


@dataclass(frozen=True)
class _Move:
    """Where one input's value goes in the kernel's reduced arrays."""

    array: (
        str  # a reduced array name: a cost rate, cost_base, fund_growth, fund_base, control_total
    )
    index: IntArray  # groups (or partners for control totals), sorted
    rest: IntArray  # the other groups (empty for control totals)
    span: slice | None  # ``index`` as a slice when it is a run of consecutive groups
    base_range: tuple[float, float]  # smallest and largest deterministic value it moves


class Kernel:
    """Vectorised surpluses for batches of values of ``targets`` (column ``k`` sets target ``k``).

    ``inputs`` are the compiled deterministic inputs (with investment expenditure). A value of
    NaN leaves that input at its deterministic value (used for one-at-a-time sensitivity).
    Instances hold only small arrays and are picklable, so chunks can run in other processes.
    """

    def __init__(
        self,
        inputs: ProjectionInputs,
        targets: Sequence[InputTarget],
        reference: Projection | None = None,
    ) -> None:
        if inputs.batch_shape:
            raise ValueError("the kernel needs the deterministic (unbatched) inputs")
        self.targets = list(targets)
        self.reference = reference if reference is not None else project_arrays(inputs)
        n_lines, n_funds = len(inputs.line_ids), len(inputs.fund_ids)
        n_partners = len(inputs.partner_ids)
        touched_lines: list[list[tuple[int, str]]] = [[] for _ in range(n_lines)]
        touched_funds: list[list[tuple[int, str]]] = [[] for _ in range(n_funds)]
        for k, target in enumerate(self.targets):
            for slot in target.slots:
                if slot.array in _LINE_ARRAYS or slot.array == "cost_baseline":
                    for i in slot.index.tolist():
                        touched_lines[i].append((k, slot.array))
                elif slot.array in _FUND_ARRAYS:
                    for i in slot.index.tolist():
                        touched_funds[i].append((k, slot.array))
        line_sigs: list[tuple[object, ...]] = []
        for i in range(n_lines):
            own = any(a == "cost_baseline" for _, a in touched_lines[i])
            rows = (
                *(getattr(inputs, name)[i].tobytes() for name in _LINE_ARRAYS),
                inputs.nonrecurrent_cip[i].tobytes(),
                bool(inputs.cip_line[i]),
            )
            line_sigs.append((rows, tuple(sorted(touched_lines[i])), i if own else -1))
        fund_sigs: list[tuple[object, ...]] = []
        for i in range(n_funds):
            own = any(a == "fund_baseline" for _, a in touched_funds[i])
            fund_sigs.append(
                (
                    inputs.funding_growth[i].tobytes(),
                    tuple(sorted(touched_funds[i])),
                    i if own else -1,
                    _convergence_signature(inputs, i),
                )
            )
        self.line_group, line_reps = _groups(line_sigs)
        self.fund_group, fund_reps = _groups(fund_sigs)
        n_cost_groups, n_fund_groups = len(line_reps), len(fund_reps)

        # Each group grows from a base of 1, except a line whose own baseline is uncertain.
        own_line = np.array([sig[2] != -1 for sig in line_sigs], dtype=bool)
        own_fund = np.array([sig[2] != -1 for sig in fund_sigs], dtype=bool)
        self.cost_base = np.where(own_line[line_reps], inputs.cost_baseline[line_reps], 1.0)
        self.fund_base = np.where(own_fund[fund_reps], inputs.fund_baseline[fund_reps], 1.0)
        line_weight = np.where(own_line, 1.0, inputs.cost_baseline)
        fund_weight = np.where(own_fund, 1.0, inputs.fund_baseline)
        net_paid = one_hot(inputs.line_payee, n_partners) - one_hot(inputs.line_partner, n_partners)
        self.cost_weight = (net_paid * line_weight) @ one_hot(self.line_group, n_cost_groups).T
        self.fund_weight = (one_hot(inputs.fund_partner, n_partners) * fund_weight) @ one_hot(
            self.fund_group, n_fund_groups
        ).T
        # Rows of the output: partners, the system surplus, the system variance (partners in
        # the control total). One matrix product gives all three from the groups' growth.
        self.in_control_total = inputs.in_control_total & ~np.isnan(
            inputs.control_total[:, 1:]
        ).all(axis=1)
        in_ct = self.in_control_total.astype(float)
        self.cost_weight = np.vstack(
            [self.cost_weight, self.cost_weight.sum(axis=0), in_ct @ self.cost_weight]
        )
        self.fund_weight = np.vstack(
            [self.fund_weight, self.fund_weight.sum(axis=0), in_ct @ self.fund_weight]
        )
        self.weight = np.hstack([self.cost_weight, self.fund_weight])
        ref = self.reference
        self.reference_rows = np.vstack(
            [ref.surplus, ref.system_surplus[None], ref.system_variance[None]]
        )
        # Deterministic arrays with a draws axis of length 1 (broadcast over any batch).
        self.rates = {name: getattr(inputs, name)[line_reps][..., None] for name in _COST_RATES}
        self.nonrecurrent = inputs.nonrecurrent_cip[line_reps][..., None]
        self.cip = {name: getattr(inputs, name)[line_reps][..., None] for name in _CIP}
        self.cip_group = inputs.cip_line[line_reps]
        self.fund_rates = inputs.funding_growth[fund_reps][..., None]
        self.convergence: dict[str, FloatArray] = {
            "convergence_pace": inputs.convergence_pace[fund_reps][:, None],  # (G, 1)
            "fund_uplift": inputs.fund_uplift[fund_reps][..., None],  # (G, H, 1)
        }
        self.convergence_start = inputs.convergence_start[fund_reps]  # (G,)
        self.converging = inputs.converging[fund_reps]  # (G,)
        # Non-recurrent items: their amounts (items x years), and how each moves the rows.
        self.nonrec = {
            "nonrec_base": inputs.nonrec_base[:, None],  # (N, 1)
            "nonrec_projected": inputs.nonrec_projected[..., None],  # (N, H, 1)
        }
        self.nonrec_taper = (inputs.nonrec_taper, inputs.nonrec_tapered)
        sign = np.where(np.isin(inputs.nonrec_kind, _NONREC_COSTS), -1.0, 1.0)
        by_partner = one_hot(inputs.nonrec_partner, n_partners) * sign
        self.nonrec_weight = np.vstack(
            [by_partner, by_partner.sum(axis=0), in_ct @ by_partner]
        )  # (P + 2, N)
        self.cost_base = self.cost_base[:, None]
        self.fund_base = self.fund_base[:, None]
        self.control_total = inputs.control_total[..., None]
        self.cost0 = cost_growth(
            self.cost_base,
            self.rates["driver_growth"],
            self.rates["direct_growth"],
            self.rates["inflation"],
            self.rates["efficiency"],
            self.nonrecurrent,
        )
        self.fund0 = fund_growth(self.fund_base, self.fund_rates)
        # With no baseline drawn every group starts from its deterministic base, so the base
        # year's growth deviation is exactly zero (if the numbers are finite): skip it.
        self._skip_base_year = bool(
            np.isfinite(self.cost0[:, 0]).all()
            and np.isfinite(self.fund0[:, 0]).all()
            and np.isfinite(self.weight).all()
        )
        self.moves = [self._moves(target) for target in self.targets]
        # Groups of CIP lines whose efficiency a target sets: a drawn value takes them off the
        # plan (no non-recurrent CIP, the CIP levers no longer apply), as a scenario does.
        self.off_plan = [
            np.unique(self.line_group[inputs.off_plan_rows(target.slots)])
            for target in self.targets
        ]

    @property
    def n_partners(self) -> int:
        """Number of partners."""
        return int(self.control_total.shape[0])

    @property
    def n_groups(self) -> tuple[int, int]:
        """Numbers of cost-line and funding-stream groups."""
        return self.cost_weight.shape[1], self.fund_weight.shape[1]

    def _moves(self, target: InputTarget) -> list[_Move]:
        moves = []
        none = np.zeros(0, dtype=np.int64)
        n_cost, n_fund = self.n_groups
        det = self._deterministic()
        for slot in target.slots:
            if slot.index.size == 0:
                continue
            if slot.array in _LINE_ARRAYS or slot.array == "cost_baseline":
                name = slot.array if slot.array in _LINE_ARRAYS else "cost_base"
                index = np.unique(self.line_group[slot.index])
                rest = _others(index, n_cost)
            elif slot.array in _FUND_ARRAYS:
                name = _FUND_ARRAYS[slot.array]
                index = np.unique(self.fund_group[slot.index])
                rest = _others(index, n_fund)
            elif slot.array in self.nonrec:
                name, index = slot.array, np.unique(slot.index)
                rest = _others(index, self.nonrec[name].shape[0])
            elif slot.array == "control_total":
                name, index, rest = "control_total", slot.index, none
            else:  # pragma: no cover - every array of ProjectionInputs is handled above
                raise ValueError(f"cannot vary {slot.array}")
            moved = det[name][index, 1:] if name == "control_total" else det[name][index]
            span = None
            if name != "control_total" and np.array_equal(
                index, np.arange(index[0], index[0] + index.size)
            ):
                span = slice(int(index[0]), int(index[0]) + index.size)
            base_range = (float(np.min(moved)), float(np.max(moved)))
            moves.append(_Move(name, index, rest, span, base_range))
        return moves

    def _deterministic(self) -> dict[str, FloatArray]:
        arrays = {name: self.rates[name] for name in _COST_RATES}
        arrays.update(self.cip)
        arrays["nonrecurrent_cip"] = self.nonrecurrent
        arrays["cost_base"] = self.cost_base
        arrays["fund_growth"] = self.fund_rates
        arrays["fund_base"] = self.fund_base
        arrays["control_total"] = self.control_total
        arrays.update(self.convergence)
        arrays.update(self.nonrec)
        return arrays

    def _apply(
        self,
        arrays: dict[str, FloatArray],
        base: FloatArray,
        move: _Move,
        target: InputTarget,
        v: FloatArray,
        v_range: tuple[float, float],
        at_base: NDArray[np.bool_],
    ) -> None:
        """Set ``move``'s elements of ``arrays[move.array]`` from the values ``v`` (n,):
        ``apply`` to the deterministic ``base``, clipped to the valid range, NaN at base.

        The drawn array (with a draws axis) is made at the array's first move; the values are
        computed in place where the moved rows are contiguous.
        """
        n = v.shape[0]
        per_year = move.array == "control_total"
        current = base[move.index, 1:] if per_year else base[move.index]
        where: tuple[Any, ...] = (move.index, slice(1, None)) if per_year else (move.index,)
        vv = v.reshape((1,) * (current.ndim - 1) + (n,))
        drawn = arrays[move.array]
        if drawn is base:  # first move of this array: a copy with a draws axis
            drawn = np.empty((*base.shape[:-1], n))
            if per_year:
                drawn[...] = base
            elif move.rest.size:
                drawn[move.rest] = base[move.rest]
            arrays[move.array] = drawn
        in_place = move.span is not None and not per_year
        out = drawn[move.span] if in_place else np.empty((*current.shape[:-1], n))
        if target.apply == "set":
            out[...] = vv
        elif target.apply == "add":
            np.add(current, vv, out=out)
        else:
            np.multiply(current, vv, out=out)
        lower, upper = target.valid
        if (lower is not None or upper is not None) and not _within(
            target.apply, move.base_range, v_range, lower, upper
        ):
            np.clip(
                out,
                -np.inf if lower is None else lower,
                np.inf if upper is None else upper,
                out=out,
            )
        if at_base.any():
            np.copyto(out, np.broadcast_to(current, out.shape), where=at_base.reshape(vv.shape))
        if not in_place:
            drawn[where] = out

    def evaluate(
        self, values: FloatArray, expenditure_deviation: FloatArray | None = None
    ) -> KernelOutput:
        """Surpluses for ``values`` of shape (n, K): row = draw, column = target (NaN = at base).

        Values are clipped to each target's valid range after ``apply``.
        ``expenditure_deviation`` (P, T, n) is a change in partners' investment expenditure
        (from drawn service-model parameters, :mod:`finmodel.risk.service_draws`), £k.
        """
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 2 or values.shape[1] != len(self.targets):
            raise ValueError(f"values must have shape (n, {len(self.targets)}), got {values.shape}")
        n = values.shape[0]
        det = self._deterministic()
        arrays = dict(det)
        for k, (target, moves) in enumerate(zip(self.targets, self.moves, strict=True)):
            v = values[:, k]
            at_base = np.isnan(v)
            # the range of the values (NaN if all are at base), to skip clipping when it is
            # within the valid range: then clipping would change nothing
            v_range = (float(np.fmin.reduce(v)), float(np.fmax.reduce(v))) if n else (0.0, 0.0)
            for move in moves:
                self._apply(arrays, det[move.array], move, target, v, v_range, at_base)
        on_plan = self._take_off_plan(arrays, values)
        if any(arrays[name] is not det[name] for name in _CIP):
            self._cip_rates(arrays, n, on_plan)
        cost = cost_growth(
            arrays["cost_base"],
            arrays["driver_growth"],
            arrays["direct_growth"],
            arrays["inflation"],
            arrays["efficiency"],
            arrays["nonrecurrent_cip"],
        )
        if any(arrays[name] is not det[name] for name in self.convergence):
            self._converge(arrays, n)
        fund = fund_growth(arrays["fund_base"], arrays["fund_growth"])
        n_cost = cost.shape[0]
        growth = np.empty((n_cost + fund.shape[0], cost.shape[1], n))
        np.subtract(cost, self.cost0, out=growth[:n_cost])
        np.subtract(fund, self.fund0, out=growth[n_cost:])
        skip = self._skip_base_year and arrays["cost_base"] is det["cost_base"]
        skip = skip and arrays["fund_base"] is det["fund_base"]
        deviation = _weighted(self.weight, growth, n, first_year=1 if skip else 0)
        if expenditure_deviation is not None:
            deviation[: self.n_partners] -= expenditure_deviation
            deviation[-2] -= expenditure_deviation.sum(axis=0)
            deviation[-1] -= np.tensordot(
                self.in_control_total.astype(float), expenditure_deviation, axes=(0, 0)
            )
        if any(arrays[name] is not det[name] for name in self.nonrec):
            deviation += self._non_recurrent_deviation(arrays)
        ct_deviation = None
        if arrays["control_total"] is not self.control_total:
            ct_deviation = np.nan_to_num(arrays["control_total"] - self.control_total)
            in_ct = self.in_control_total.astype(float)
            deviation[-1] -= np.tensordot(in_ct, ct_deviation, axes=(0, 0))
        return KernelOutput(
            self.reference_rows, deviation, self.control_total[..., 0], ct_deviation
        )

    def _converge(self, arrays: dict[str, FloatArray], n: int) -> None:
        """The converging streams' growth (G, H, n) from their drawn pace, as the engine works
        it out (:func:`~finmodel.engine.allocations.converged_growth`)."""
        rows = np.flatnonzero(self.converging)
        growth = np.empty((*arrays["fund_growth"].shape[:-1], n))
        growth[...] = arrays["fund_growth"]
        pace = np.broadcast_to(arrays["convergence_pace"], (self.converging.size, n))[rows]
        uplift = np.moveaxis(arrays["fund_uplift"][rows], -1, 0)  # (n or 1, G, H)
        drawn = converged_growth(uplift, self.convergence_start[rows], pace.T)  # (n, G, H)
        growth[rows] = np.moveaxis(drawn, 0, -1)
        arrays["fund_growth"] = growth

    def _non_recurrent_deviation(self, arrays: dict[str, FloatArray]) -> FloatArray:
        """(P + 2, T, n): the rows' change from the drawn non-recurrent amounts (income and
        savings +, one-off costs -)."""
        taper, tapered = self.nonrec_taper

        def amounts(base: FloatArray, projected: FloatArray) -> FloatArray:  # (n, N, T)
            return non_recurrent_amounts(base.T, np.moveaxis(projected, -1, 0), taper, tapered)

        moved = amounts(arrays["nonrec_base"], arrays["nonrec_projected"])
        fixed = amounts(self.nonrec["nonrec_base"], self.nonrec["nonrec_projected"])
        return np.einsum("rk,nkt->rtn", self.nonrec_weight, moved - fixed)

    def _take_off_plan(
        self, arrays: dict[str, FloatArray], values: FloatArray
    ) -> NDArray[np.bool_] | None:
        """Zero the non-recurrent CIP of the CIP groups taken off the plan in each draw (a
        target setting their efficiency has a value there); returns which groups stay on the
        plan in which draw (G, n), or None when no draw takes a group off."""
        n = values.shape[0]
        on_plan: NDArray[np.bool_] | None = None
        for k, groups in enumerate(self.off_plan):
            if not groups.size:
                continue
            drawn = ~np.isnan(values[:, k])
            if not drawn.any():
                continue
            if on_plan is None:
                on_plan = np.broadcast_to(self.cip_group[:, None], (self.cip_group.size, n)).copy()
                nonrecurrent = np.empty((*self.nonrecurrent.shape[:-1], n))
                nonrecurrent[...] = arrays["nonrecurrent_cip"]
                arrays["nonrecurrent_cip"] = nonrecurrent
            draws = np.flatnonzero(drawn)
            on_plan[np.ix_(groups, draws)] = False
            arrays["nonrecurrent_cip"][groups[:, None], :, draws[None, :]] = 0.0
        return on_plan

    def _cip_rates(
        self, arrays: dict[str, FloatArray], n: int, on_plan: NDArray[np.bool_] | None
    ) -> None:
        """The CIP groups' efficiency and non-recurrent CIP (G, H, n) from the drawn levers,
        on the groups on the plan in each draw (``on_plan`` (G, n); None: every CIP group)."""
        recurrent, nonrecurrent = cip_line_rates(*(arrays[name] for name in _CIP))
        for name, rate in (("efficiency", recurrent), ("nonrecurrent_cip", nonrecurrent)):
            out = np.empty((*arrays[name].shape[:-1], n))
            out[...] = arrays[name]
            full = np.broadcast_to(rate, out.shape)
            if on_plan is None:
                out[self.cip_group] = full[self.cip_group]
            else:
                where = np.broadcast_to(on_plan[:, None, :], out.shape)
                np.copyto(out, full, where=where)
            arrays[name] = out

    def tally(
        self,
        values: FloatArray,
        expenditure_deviation: FloatArray | None = None,
        *,
        block: int = TALLY_BLOCK,
        surplus_out: NDArray[Any] | None = None,
        variance_out: NDArray[Any] | None = None,
    ) -> KernelTally:
        """:meth:`evaluate` reduced to what a Monte Carlo run keeps, ``block`` draws at a time.

        Same arguments as :meth:`evaluate`. Working in blocks keeps every temporary array in
        the processor's cache; each draw's numbers do not depend on the block (a draw is
        computed on its own in every operation), so neither does the result. The float32
        deviations are written into ``surplus_out`` (P + 1, T, n) and ``variance_out`` (T, n)
        when given (for example views of a run's stores), else into new arrays.
        """
        values = np.asarray(values, dtype=np.float64)
        n = values.shape[0]
        p = self.n_partners
        ref = self.reference_rows
        n_years = ref.shape[1]
        if surplus_out is None:
            surplus_out = np.empty((p + 1, n_years, n), dtype=np.float32)
        if variance_out is None:
            variance_out = np.empty((n_years, n), dtype=np.float32)
        if surplus_out.shape != (p + 1, n_years, n) or variance_out.shape != (n_years, n):
            raise ValueError("surplus_out and variance_out must be (P + 1, T, n) and (T, n)")
        meets = np.zeros((p + 1, n_years), dtype=np.int64)
        even = np.zeros((p + 1, n_years), dtype=np.int64)
        block = max(1, block)
        with np.errstate(invalid="ignore"):
            # as KernelOutput.meets_control_total and breaks_even; NaN thresholds never count
            partner_threshold = (self.control_total[..., 0] - TOLERANCE - ref[:p])[..., None]
            system_threshold = (-TOLERANCE - ref[p + 1])[:, None]
            even_threshold = (-TOLERANCE - ref[: p + 1])[..., None]
            for lo in range(0, n, block):
                hi = min(n, lo + block)
                spent = None
                if expenditure_deviation is not None:
                    spent = expenditure_deviation[..., lo:hi]
                out = self.evaluate(values[lo:hi], spent)
                dev = out.deviation
                moved = dev[:p]
                if out.control_total_deviation is not None:
                    moved = moved - out.control_total_deviation
                meets[:p] += _count(moved >= partner_threshold)
                meets[p] += _count(dev[p + 1] >= system_threshold)
                even += _count(dev[: p + 1] >= even_threshold)
                surplus_out[..., lo:hi] = dev[: p + 1]
                variance_out[:, lo:hi] = dev[p + 1]
        return KernelTally(surplus_out, variance_out, meets, even)


def _convergence_signature(inputs: ProjectionInputs, stream: int) -> tuple[object, ...]:
    """What a drawn pace needs of a stream: equal for streams that converge alike."""
    if not inputs.converging.size or not inputs.converging[stream]:
        return ()
    return (
        inputs.fund_uplift[stream].tobytes(),
        float(inputs.convergence_start[stream]),
        float(inputs.convergence_pace[stream]),
    )


def _count(condition: NDArray[np.bool_]) -> IntArray:
    """True values along the last axis (a byte sum: several times faster than count_nonzero)."""
    return np.add.reduce(condition.view(np.uint8), axis=-1, dtype=np.int64)


def _weighted(weight: FloatArray, growth: FloatArray, n: int, first_year: int = 0) -> FloatArray:
    """``weight (R, G) @ growth (G, T, n)``: (R, T, n), zero before ``first_year``.

    Computed as matrix products of at most :data:`_PRODUCT_SIZE` multiplications each. A
    larger product is split over threads by OpenBLAS, and on a busy machine (or with chunks
    in several processes) a thread can wait milliseconds for a core; these small products run
    in this thread. Each value is the same sum over groups whatever the split.
    """
    g, t, m = growth.shape
    if m != n:
        growth = np.broadcast_to(growth, (g, t, n))
    flat = growth.reshape(g, t * n)
    rows = weight.shape[0]
    out = np.empty((rows, t * n))
    out[:, : first_year * n] = 0.0
    step = max(64, _PRODUCT_SIZE // max(1, rows * g))
    for lo in range(first_year * n, t * n, step):
        np.matmul(weight, flat[:, lo : lo + step], out=out[:, lo : lo + step])
    return out.reshape(rows, t, n)


def apply_values(
    inputs: ProjectionInputs, targets: Sequence[InputTarget], values: Sequence[float]
) -> ProjectionInputs:
    """The deterministic inputs with one draw's values applied (NaN: left as they are).

    The reference implementation of what the kernel does for a batch, for one draw: project
    the result with :func:`~finmodel.engine.projection.project_arrays` (tests and the benchmark
    compare the two).
    """
    arrays: dict[str, Any] = {}
    for target, value in zip(targets, values, strict=True):
        if np.isnan(value):
            continue
        lower, upper = target.valid
        for slot in target.slots:
            if slot.array not in arrays:
                arrays[slot.array] = getattr(inputs, slot.array).copy()
            out = arrays[slot.array]
            cols = slice(1, None) if slot.array == "control_total" else slice(None)
            current = out[slot.index, cols] if slot.per_year else out[slot.index]
            if target.apply == "set":
                new = np.full_like(current, value)
            elif target.apply == "add":
                new = current + value
            else:
                new = current * value
            new = np.clip(
                new, -np.inf if lower is None else lower, np.inf if upper is None else upper
            )
            if slot.per_year:
                out[slot.index, cols] = new
            else:
                out[slot.index] = new
    moved = [s for t, v in zip(targets, values, strict=True) if not np.isnan(v) for s in t.slots]
    off_plan = inputs.off_plan_rows(moved)
    cip_line = inputs.cip_line
    if off_plan.size or any(name in arrays for name in _CIP):
        for name in (*_CIP, "efficiency", "nonrecurrent_cip"):
            arrays.setdefault(name, getattr(inputs, name).copy())
        if off_plan.size:
            cip_line = take_off_plan(arrays, cip_line, off_plan)
        recompute_cip(arrays, cip_line)
    if any(name in arrays for name in NONREC_ARRAYS):
        for name in NONREC_ARRAYS:
            arrays.setdefault(name, getattr(inputs, name).copy())
        inputs.recompute_non_recurrent(arrays)
    if any(name in arrays for name in CONVERGENCE_ARRAYS):
        for name in (*CONVERGENCE_ARRAYS, "funding_growth"):
            arrays.setdefault(name, getattr(inputs, name).copy())
        inputs.recompute_convergence(arrays)
    return dataclasses.replace(inputs, cip_line=cip_line, **arrays)
