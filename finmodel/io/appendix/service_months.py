"""The *Service months* sheet: the IPA service model month by month, as live formulas.

One column per simulated month, one block of rows per option (do nothing first). Every row is
a formula of the service parameters on Inputs (rows ``inputs.investments.<inv>.service.
parameters.<name>``, see :mod:`~finmodel.io.appendix.service_inputs`), of the options' amounts
on Inputs and of the rows above it, term by term in the engine's order
(:func:`finmodel.service.ipa._run_months`):

* **staff**: FTE in post = ``MAX(base + posts x ramp share, 0)`` for each block of money
  (posts = money / (cost per FTE x (1 + premium)) x (1 - vacancy factor), from the month it is
  funded plus the recruitment lag, ramped, until the money stops), and the cost charged for the
  staff in post (nominal, with the pay series);
* **queue**: three cohorts (age 0: this month's referrals, age 1, age 2+), withdrawals from
  each, assessments first in first out (oldest first) up to the capacity the priority allows;
* **caseload and reviews**: eligibility, exits, reviews due (``interval`` and ``first`` months
  back, plus the pipeline of the cases at the start), lapses, the overdue backlog, reviews
  done with the team's time left; the savings' run rate and the cash released.

The Service model sheet's annual rows and the Appraisal's staff costs and service benefits
are sums of these months (:class:`MonthRows`). The numbers stored with each formula are the
engine's series where it records them, and otherwise those of
:func:`~finmodel.io.appendix.service_trace.trace`, the same
formulas evaluated in numpy (held to the engine's series by :func:`trace_mismatch`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from finmodel.investment.case import InvestmentCase
from finmodel.investment.service_benefits import DAYS_PER_MONTH
from finmodel.investment.streams import capacity_costs
from finmodel.io.appendix.context import AppendixContext
from finmodel.io.appendix.investment_layout import (
    InvestmentFormats,
    InvestmentSheet,
    new_sheet,
    option_label,
)
from finmodel.io.appendix.service_inputs import parameter_key
from finmodel.io.appendix.service_trace import (
    Block,
    due_terms,
    staff_blocks,
    trace,
    trace_mismatch,
)
from finmodel.io.excel_styles import FIRST_YEAR_COL, col_letter, quote_sheet

#: Sheet name (suffixed like the investment's other sheets).
SERVICE_MONTHS = "Service months"
#: Print scale (%) of the sheet: the labels and a financial year of months on a landscape page.
PRINT_SCALE = 55
#: Width of a month column (characters): "(12,345)" and "2030-03" fit.
MONTH_WIDTH = 8
#: Helper cells (column E) shared by every option: key -> (label, unit, formula of P and H).
_HELPERS = (
    ("stay", "Share of caseload staying a month = 1 - exit rate", "share"),
    ("keep_queue", "Share of the queue staying a month = 1 - withdrawal", "share"),
    ("survive_interval", "Share surviving to next review = stay ^ interval", "share"),
    ("survive_first", "Share surviving to first review = stay ^ first", "share"),
    ("keep_saving", "Savings kept a month = stay x (1 - erosion)", "share"),
    ("saving", "Saving per review done = finding rate x saving", "£k a year"),
    ("ramp", "Months for staff to arrive = MAX(ramp months, 1)", "months"),
    ("soon", "Due soon at the start = outstanding - overdue", "reviews"),
    ("later", "Cases due later = caseload - outstanding", "cases"),
)


@dataclass
class MonthRows:
    """Where the Service months sheet's rows are, for the sheets that sum them."""

    sheet: str
    """The sheet's name."""
    financial_years: tuple[str, ...]
    """Financial year of each month."""
    rows: dict[tuple[str, int], int] = field(default_factory=dict)
    """(row key, option) -> 0-based row; staff cost rows are keyed ``staff_cost.<cost id>``."""
    values: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)
    """The figures stored with each row (as :attr:`rows`)."""
    days_ref: str = ""
    """Anchored reference to the days in a month (365.25 / 12, an input on the sheet)."""

    fy_row: int = 0
    """0-based row of the financial year of each month (text, as the year headers)."""
    n_months: int = 0
    """How many month columns."""
    twelve_ref: str = ""
    """Anchored reference to the months in a year (12, an input on the sheet)."""
    price_row: int = 0
    """0-based row of the package price index of each month, ``(1 + growth) ^ (m / 12)``."""

    def months_of(self, year: str) -> list[int]:
        """Month indices in a financial year (none: the service model does not reach it)."""
        return [m for m, fy in enumerate(self.financial_years) if fy == year]

    def _range(self, row: int) -> str:
        first, last = col_letter(FIRST_YEAR_COL), col_letter(FIRST_YEAR_COL + self.n_months - 1)
        return f"{quote_sheet(self.sheet)}!${first}${row + 1}:${last}${row + 1}"

    def year_sum(self, key: str, o: int, year_cell: str) -> str | None:
        """Sum of a row over the months of the financial year named in ``year_cell`` (text
        such as ``2020/21``, e.g. a year header), ``SUMPRODUCT((years = year) * row)``: text
        compared with text (a ``SUMIF`` criterion would read ``2011/12`` as a date); 0 in a
        year it does not reach. None: no such row."""
        if (key, o) not in self.rows:
            return None
        fy, values = self._range(self.fy_row), self._range(self.rows[(key, o)])
        return f"SUMPRODUCT(({fy}={year_cell})*{values})"

    def year_sum_at_prices(self, key: str, o: int, year_cell: str) -> str:
        """Sum over the year's months of a row x the package price index of each month."""
        fy, values = self._range(self.fy_row), self._range(self.rows[(key, o)])
        return f"SUMPRODUCT(({fy}={year_cell})*{values}*{self._range(self.price_row)})"

    def year_end(self, key: str, o: int, year_cell: str) -> str | None:
        """A row's value in the last month of the financial year in ``year_cell`` (a stock at
        the year's end: the years are in order, so ``MATCH(..., 1)`` finds its last month)."""
        if (key, o) not in self.rows:
            return None
        found = f"MATCH({year_cell},{self._range(self.fy_row)},1)"
        return f"INDEX({self._range(self.rows[(key, o)])},{found})"


def supported(case: InvestmentCase) -> bool:
    """Whether the sheet can lay the case's service model out as formulas: assessments first,
    no persistence limit on savings, a batch of options only (no draws)."""
    service = case.streams.service
    if service is None:
        return False
    p = service.parameters
    return (
        p.priority == "assessments"
        and p.saving_persistence_months is None
        and service.batch_shape == (len(case.option_ids),)
    )


# ----- the sheet --------------------------------------------------------------------------------
def write_service_months(
    ctx: AppendixContext, case: InvestmentCase, fmt: InvestmentFormats, suffix: str = ""
) -> MonthRows | None:
    """Write the Service months sheet of a case (None when :func:`supported` says it cannot
    be laid out as formulas: the Service model sheet then keeps engine values)."""
    if not supported(case) or not ctx.formulas:
        return None
    s = case.streams
    service = s.service
    assert service is not None
    blocks = [staff_blocks(case, ctx.rows, o) for o in range(len(s.option_ids))]
    traced = trace(service, blocks)
    if (
        trace_mismatch(service, traced, capacity_costs(s.investment)) > 1e-9
    ):  # the layout would not reproduce the engine
        return None
    sh = new_sheet(
        ctx,
        case,
        fmt,
        SERVICE_MONTHS,
        suffix,
        description=f"Service model of {s.investment_id} month by month: staff, queue, "
        "reviews, cash released (formulas of Inputs)",
        units="Monthly service model, by option (formulas of Inputs)",
        headers=("Description", "Option", "", "", "Value", "Unit"),
        years=service.month_labels,
        extra=("", "Equation / note"),
    )
    writer = _Writer(ctx, sh, case, traced, blocks)
    writer.write()
    return writer.result


class _Writer:
    """Lays the sheet out row by row (``self.row``: the next free row, 0-based)."""

    def __init__(
        self,
        ctx: AppendixContext,
        sh: InvestmentSheet,
        case: InvestmentCase,
        traced: dict[str, np.ndarray],
        blocks: list[list[Block]],
    ):
        service = case.streams.service
        assert service is not None
        self.ctx, self.sh, self.case, self.traced, self.blocks = ctx, sh, case, traced, blocks
        self.service = service
        self.n = service.months
        self.letters = [col_letter(FIRST_YEAR_COL + t) for t in range(self.n)]
        self.inv = case.streams.investment_id
        self.helpers: dict[str, str] = {}
        self.params: dict[str, str] = {}
        self.month_row = 0
        self.month_cells: list[str] = []
        self.row = 4
        self.result = MonthRows(sh.name, service.financial_years)
        self.st = ctx.styles

    # -- references ----------------------------------------------------------------------------
    def p(self, name: str) -> str:
        """Anchored reference to a service parameter on Inputs (looked up once a name: the
        formulas of every month refer to them)."""
        ref = self.params.get(name)
        if ref is None:
            ref = f"Inputs!$E${self.ctx.rows[parameter_key(self.inv, name)][1] + 1}"
            self.params[name] = ref
        return ref

    def h(self, key: str) -> str:
        """Anchored reference to a helper cell of this sheet."""
        return self.helpers[key]

    def m(self, t: int) -> str:
        """The month index of month ``t`` (its cell on the month row)."""
        return self.month_cells[t]

    # -- rows ----------------------------------------------------------------------------------
    def helper(self, key: str, label: str, unit: str, formula: str, value: float) -> None:
        self.sh.label(self.row, label, unit)
        counted = unit in ("reviews", "cases", "months")
        style = self.sh.fmt.count if counted else self.sh.fmt.factor
        self.ctx.write(self.sh.ws, self.row, 4, formula, value, style)
        self.helpers[key] = f"$E${self.row + 1}"
        self.row += 1

    def monthly(
        self,
        key: str,
        o: int,
        label: str,
        unit: str,
        formula: Callable[[int], str],
        note: str,
        fmt: object = None,
    ) -> None:
        """A row of ``formula(t)`` for each month, its figures from the trace or the engine."""
        recorded = self.service.series.get(key)
        values = self.traced[key][o] if recorded is None else recorded[o]
        ws, row = self.sh.ws, self.row
        self.result.rows[(key, o)] = row  # a row may refer to its own earlier months
        self.sh.label(row, label, unit)
        self.ctx.number(ws, row, 1, o + 1, self.st.key)
        style = fmt or self.sh.fmt.count
        formulas = [formula(t) for t in range(self.n)]
        self.ctx.write_formulas(ws, row, FIRST_YEAR_COL, formulas, values[: self.n], style)
        self.sh.note(row, note)
        self.result.rows[(key, o)] = row
        self.result.values[(key, o)] = values
        self.row += 1

    def at(self, key: str, o: int, t: int) -> str:
        """This sheet's cell of row ``key`` of option ``o`` in month ``t``."""
        return f"{self.letters[t]}{self.result.rows[(key, o)] + 1}"

    # -- the sheet -----------------------------------------------------------------------------
    def write(self) -> None:
        sh, ctx, st, service = self.sh, self.ctx, self.st, self.service
        p = service.parameters
        sh.intro(
            "Change an input on Inputs and recalculate. "
            f"{service.month_labels[0]} to {service.month_labels[-1]}: flows in the month, "
            "stocks at its end."
        )
        self.month_row = self.row
        self.month_cells = [f"{letter}${self.row + 1}" for letter in self.letters]
        sh.label(self.row, "Month index m (0 = the first month)", "m")
        for t in range(self.n):
            ctx.number(sh.ws, self.row, FIRST_YEAR_COL + t, float(t), st.flag)
        self.row += 1
        self.result.fy_row, self.result.n_months = self.row, self.n
        sh.label(self.row, "Financial year of the month", "year")
        for t in range(self.n):
            ctx.text(sh.ws, self.row, FIRST_YEAR_COL + t, service.financial_years[t], st.key)
        self.row += 1
        self.result.price_row = self.row
        sh.label(self.row, "Package price index = (1 + cost growth) ^ (m / 12)", "index")
        growth = self.p("package_cost_growth")
        prices = (1 + float(np.asarray(service.resolved["package_cost_growth"]).flat[0])) ** (
            np.arange(self.n) / 12
        )
        for t in range(self.n):
            ctx.write(
                sh.ws,
                self.row,
                FIRST_YEAR_COL + t,
                f"=(1+{growth})^({self.m(t)}/12)",
                float(prices[t]),
                self.sh.fmt.factor,
            )
        self.row += 2
        sh.section(self.row, "Shared factors (column E): formulas of the parameters on Inputs")
        self.row += 1
        r = {k: float(np.asarray(v).flat[0]) for k, v in service.resolved.items()}
        first, interval = p.first_review_months, p.review_interval_months
        ring = max(first, interval)
        stay = 1 - r["monthly_exit_rate"]
        formulas = {
            "stay": (f"=1-{self.p('monthly_exit_rate')}", stay),
            "keep_queue": (
                f"=1-{self.p('queue_withdrawal_rate')}",
                1 - r["queue_withdrawal_rate"],
            ),
            "survive_interval": (
                f"=$E${self.row + 1}^{self.p('review_interval_months')}",
                stay**interval,
            ),
            "survive_first": (f"=$E${self.row + 1}^{self.p('first_review_months')}", stay**first),
            "keep_saving": (
                f"=$E${self.row + 1}*(1-{self.p('saving_erosion_rate')})",
                stay * (1 - r["saving_erosion_rate"]),
            ),
            "saving": (
                f"={self.p('review_finding_rate')}*{self.p('review_saving_k_per_year')}",
                r["review_finding_rate"] * r["review_saving_k_per_year"],
            ),
            "ramp": (f"=MAX({self.p('ramp_months')},1)", float(max(p.ramp_months, 1))),
            "soon": (
                f"={self.p('initial_outstanding_reviews')}-{self.p('initial_overdue_reviews')}",
                r["initial_outstanding_reviews"] - r["initial_overdue_reviews"],
            ),
            "later": (
                f"={self.p('initial_caseload')}-{self.p('initial_outstanding_reviews')}",
                r["initial_caseload"] - r["initial_outstanding_reviews"],
            ),
        }
        for key, label, unit in _HELPERS:
            formula, value = formulas[key]
            self.helper(key, label, unit, formula, value)
        self.sh.label(self.row, "Days in a month (365.25 / 12)", "days")
        self.ctx.number(self.sh.ws, self.row, 4, DAYS_PER_MONTH, self.sh.fmt.factor)
        self.result.days_ref = f"{quote_sheet(self.sh.name)}!$E${self.row + 1}"
        self.row += 1
        self.sh.label(self.row, "Months in a year", "months")
        self.ctx.number(self.sh.ws, self.row, 4, 12.0, self.st.flag)
        self.result.twelve_ref = f"{quote_sheet(self.sh.name)}!$E${self.row + 1}"
        self.row += 1
        self._initial_pipeline(ring, first, interval)
        for o in range(len(self.case.option_ids)):
            self._option(o, ring, first, interval)
        sh.ws.set_column(FIRST_YEAR_COL, FIRST_YEAR_COL + self.n - 1, MONTH_WIDTH)
        # the option number (B), two empty columns (C, D) and units up to "assessments" (F)
        sh.ws.set_column(1, 1, 6)
        sh.ws.set_column(2, 3, 1)
        sh.ws.set_column(5, 5, 11)
        # printed a year of months a page, the labels (columns A-F) repeated on each page:
        # one page wide would shrink 100+ months to an illegible strip
        sh.ws.set_print_scale(PRINT_SCALE)
        sh.ws.repeat_columns(0, FIRST_YEAR_COL - 1)
        sh.ws.set_v_pagebreaks(
            [FIRST_YEAR_COL + t for t in range(1, self.n) if service.month_labels[t][5:] == "04"]
        )

    def _initial_pipeline(self, ring: int, first: int, interval: int) -> None:
        """Reviews falling due in the first ``ring`` months from the cases at the start."""
        sh, ctx = self.sh, self.ctx
        self.row += 1
        r = {k: float(np.asarray(v).flat[0]) for k, v in self.service.resolved.items()}
        stay, row = 1 - r["monthly_exit_rate"], self.row
        soon = r["initial_outstanding_reviews"] - r["initial_overdue_reviews"]
        later = r["initial_caseload"] - r["initial_outstanding_reviews"]
        sh.label(row, "Reviews due from cases at the start (survivors)", "reviews")
        fp, ip = self.p("first_review_months"), self.p("review_interval_months")
        values = []
        for k in range(min(ring, self.n)):
            if ring > first:
                base = (
                    (f"({self.h('soon')}/{fp})", soon / first)
                    if k < first
                    else (f"({self.h('later')}/({ip}-{fp}))", later / (interval - first))
                )
            else:
                base = (
                    f"({self.h('soon')}/{fp}+{self.h('later')}/{fp})",
                    soon / first + later / first,
                )
            value = base[1] * stay ** (k + 1.0)
            values.append(value)
            formula = f"={base[0]}*{self.h('stay')}^({self.m(k)}+1)"
            ctx.write(sh.ws, row, FIRST_YEAR_COL + k, formula, value, self.sh.fmt.count)
        sh.note(
            row,
            "Outstanding reviews not yet overdue fall due evenly over the first-review months, "
            "the rest of the caseload's over the months to the review interval; each x stay ^ "
            "(months until due).",
        )
        self.init_row = row
        self.row += 2

    def _option(self, o: int, ring: int, first: int, interval: int) -> None:
        """Option ``o``'s block: staff, queue, caseload and reviews, money."""
        self.sh.section(self.row, option_label(self.case, o))
        self.row += 1
        self._staff(o)
        self._queue(o)
        self._reviews(o, ring, first, interval)
        self._conservation(o)
        self.row += 1

    def _staff(self, o: int) -> None:
        """Each block's money, months, posts and arrival (column E), FTE in post, the cost
        charged for the staff in post."""
        sh, p, st, service, m = self.sh, self.p, self.st, self.service, self.m
        prm = service.parameters
        # staff blocks: helper cells in column E
        terms = []
        costs = []
        for b in self.blocks[o]:
            lag = p("interim_lag_months") if b.interim else p("recruitment_lag_months")
            cost = (
                f"{p('cost_per_fte_k')}*(1+{p('interim_premium')})"
                if b.interim
                else p("cost_per_fte_k")
            )
            r = {k: float(np.asarray(v).flat[0]) for k, v in service.resolved.items()}
            cost_v = r["cost_per_fte_k"] * (1 + (r["interim_premium"] if b.interim else 0.0))
            lag_v = r["interim_lag_months"] if b.interim else r["recruitment_lag_months"]
            rows = {}
            for key, label, unit, formula, value, style in (
                (
                    "money",
                    f"{b.cost_id}: money buying staff"
                    + (" (from Inputs)" if b.amount_ref else " (a team)"),
                    "£k a year",
                    f"={b.amount_ref}" if b.amount_ref else None,
                    b.amount,
                    st.money,
                ),
                ("start", f"{b.cost_id}: first month funded", "m", None, float(b.start), st.flag),
                ("end", f"{b.cost_id}: month the money stops", "m", None, float(b.end), st.flag),
            ):
                sh.label(self.row, label, unit)
                if key == "money" and not b.amount_ref:
                    sh.note(self.row, "A time-limited team: its total over its months, a year.")
                if formula is None:
                    self.ctx.number(sh.ws, self.row, 4, value, style)
                else:
                    self.ctx.write(sh.ws, self.row, 4, formula, value, style)
                rows[key] = f"$E${self.row + 1}"
                self.row += 1
            posts_v = b.amount / cost_v * (1 - r["vacancy_factor"])
            sh.label(self.row, f"{b.cost_id}: posts in post once arrived", "FTE")
            formula = f"={rows['money']}/({cost})*(1-{p('vacancy_factor')})"
            self.ctx.write(sh.ws, self.row, 4, formula, posts_v, self.sh.fmt.fte)
            sh.note(self.row, "Money / (cost per FTE x (1 + interim premium)) x (1 - vacancies).")
            rows["posts"] = f"$E${self.row + 1}"
            self.row += 1
            sh.label(self.row, f"{b.cost_id}: month staff start to arrive", "m")
            arrive_v = b.start + lag_v - 1
            self.ctx.write(
                sh.ws, self.row, 4, f"={rows['start']}+{lag}-1", arrive_v, self.sh.fmt.fte
            )
            sh.note(self.row, "First month funded + recruitment (or interim) lag - 1.")
            rows["arrive"] = f"$E${self.row + 1}"
            self.row += 1
            share = (
                f"IF({{m}}<{rows['end']},MIN(MAX(({{m}}-{rows['arrive']})/{self.h('ramp')},0),1),0)"
            )
            terms.append(f"+{rows['posts']}*{share}")
            costs.append((b, rows, cost, lag))
        self.monthly(
            "fte",
            o,
            "Assessment and review staff in post",
            "FTE",
            lambda t: f"=MAX({p('base_fte')}" + "".join(x.format(m=m(t)) for x in terms) + ",0)",
            "Base FTE + each block's posts x its ramp share (0 before arrival, 1 once ramped, 0 "
            "from the month the money stops).",
            self.sh.fmt.fte,
        )
        for b, rows, cost, lag in costs:
            if prm.budget_held:
                share = f"IF(AND({{m}}>={rows['start']},{{m}}<{rows['end']}),1,0)"
                note = "Held budget: the whole money while funded, growing with pay."
            else:
                share = (
                    f"IF({{m}}<{rows['end']},MIN(MAX(({{m}}-({rows['start']}+{lag})+1)/"
                    f"{self.h('ramp')},0),1),0)*(1-{p('vacancy_factor')})"
                )
                note = (
                    "Staff in post (ramp share x (1 - vacancies)) x money, at pay growing with "
                    "the pay series, / 12: what the option is charged (nominal)."
                )
            scale = f"({rows['money']}/({cost})*({cost}))"
            pay = f"(1+{p('pay_growth')})^({{m}}/12)"
            template = f"={share}*{scale}*{pay}/12"
            self.monthly(
                f"staff_cost.{b.cost_id}",
                o,
                f"{b.cost_id}: cost charged for staff in post",
                "£k",
                _fill(template, m),
                note,
                st.money,
            )

    def _queue(self, o: int) -> None:
        """Referrals, the three cohorts, withdrawals, assessments first in first out."""
        p, m, at = self.p, self.m, self.at
        kq = self.h("keep_queue")
        self.monthly(
            "referrals",
            o,
            "Referrals",
            "people",
            lambda t: f"={p('referrals_per_month')}*(1+{p('referral_growth')})^({m(t)}/12)",
            "Referrals a month x (1 + growth) ^ (m / 12).",
        )
        # the cohorts at the start of the month refer to rows written further down
        rows_ahead = ("age1_start", "age2_start")
        start_row = self.row
        self.result.rows[("q0_end", o)] = start_row + 14
        self.result.rows[("q1_end", o)] = start_row + 15
        self.result.rows[("q2_end", o)] = start_row + 16
        at = self.at
        self.monthly(
            rows_ahead[0],
            o,
            "Waiting 1 month: last month's referrals",
            "people",
            lambda t: (
                f"={p('initial_queue')}-{p('initial_queue_over_28_days')}"
                if t == 0
                else f"={at('q0_end', o, t - 1)}"
            ),
            "Month 0: initial queue - those over 28 days.",
        )
        self.monthly(
            rows_ahead[1],
            o,
            "Waiting 2+ months: older referrals still waiting",
            "people",
            lambda t: (
                f"={p('initial_queue_over_28_days')}"
                if t == 0
                else f"={at('q2_end', o, t - 1)}+{at('q1_end', o, t - 1)}"
            ),
            "Last month's 2+ and 1-month cohorts still waiting (month 0: those over 28 days).",
        )
        self.monthly(
            "withdrawals",
            o,
            "Withdrawals from the queue (deaths, withdrawn)",
            "people",
            lambda t: (
                f"=({at('referrals', o, t)}+{at('age1_start', o, t)}+{at('age2_start', o, t)})"
                f"*{p('queue_withdrawal_rate')}"
            ),
            "Everyone waiting x the withdrawal rate, before the month's work.",
        )
        for key, source, label in (
            ("k0", "referrals", "Waiting after withdrawals: referred this month"),
            ("k1", "age1_start", "Waiting after withdrawals: 1 month"),
            ("k2", "age2_start", "Waiting after withdrawals: 2+ months"),
        ):
            self.monthly(
                key,
                o,
                label,
                "people",
                _times(at, source, o, kq),
                "The cohort x (1 - withdrawal rate).",
            )
        self.monthly(
            "waiting",
            o,
            "Waiting for an assessment",
            "people",
            lambda t: f"={at('k0', o, t)}+{at('k1', o, t)}+{at('k2', o, t)}",
            "The three cohorts.",
        )
        self.monthly(
            "capacity_a",
            o,
            "Assessment capacity of the whole team",
            "assessments",
            lambda t: f"={at('fte', o, t)}*{p('assessments_per_fte_month')}",
            "FTE x assessments per FTE a month.",
        )
        self.monthly(
            "wanted",
            o,
            "Assessments made: lesser of waiting and capacity",
            "assessments",
            lambda t: (
                f"=MIN({at('waiting', o, t)},{at('capacity_a', o, t)}*{p('priority_max_share')})"
            ),
            "Assessments first, up to the largest share of the team they may take.",
        )
        self.monthly(
            "take2",
            o,
            "Assessments of those waiting 2+ months",
            "assessments",
            lambda t: f"=MIN({at('wanted', o, t)},{at('k2', o, t)})",
            "First in, first out.",
        )
        self.monthly(
            "take1",
            o,
            "Assessments of those waiting 1 month",
            "assessments",
            lambda t: f"=MIN({at('wanted', o, t)}-{at('take2', o, t)},{at('k1', o, t)})",
            "What is left after the oldest.",
        )
        self.monthly(
            "take0",
            o,
            "Assessments of those referred this month",
            "assessments",
            lambda t: (
                f"=MIN({at('wanted', o, t)}-{at('take2', o, t)}-{at('take1', o, t)},"
                f"{at('k0', o, t)})"
            ),
            "What is left after the older cohorts.",
        )
        self.monthly(
            "assessments",
            o,
            "Assessments completed (decisions)",
            "assessments",
            lambda t: f"={at('take0', o, t)}+{at('take1', o, t)}+{at('take2', o, t)}",
            "The three cohorts' assessments.",
        )
        self.monthly(
            "decisions_within_28_days",
            o,
            "Decisions within 28 days",
            "decisions",
            lambda t: f"={at('take0', o, t)}+{p('next_month_within_28_days')}*{at('take1', o, t)}",
            "This month's referrals assessed + the share of last month's within 28 days.",
        )
        assert self.row == start_row + 14, self.row - start_row
        for key, source, take, label in (
            ("q0_end", "k0", "take0", "Still waiting at month end: referred this month"),
            ("q1_end", "k1", "take1", "Still waiting at month end: 1 month"),
            ("q2_end", "k2", "take2", "Still waiting at month end: 2+ months"),
        ):
            self.monthly(
                key,
                o,
                label,
                "people",
                _less(at, source, take, o),
                "Waiting after withdrawals - assessed.",
            )
        self.monthly(
            "queue",
            o,
            "Queue at month end",
            "people",
            lambda t: f"={at('waiting', o, t)}-{at('assessments', o, t)}",
            "Waiting - assessed.",
        )
        self.monthly(
            "incomplete_over_28_days",
            o,
            "Referrals incomplete after 28 days, at month end",
            "people",
            lambda t: f"={at('q1_end', o, t)}+{at('q2_end', o, t)}",
            "Those waiting at month end who arrived in an earlier month.",
        )

    def _reviews(self, o: int, ring: int, first: int, interval: int) -> None:
        """Team time left, eligibility, caseload, reviews due and done, backlog, money."""
        p, m, at, st, L = self.p, self.m, self.at, self.st, self.letters
        prm = self.service.parameters
        stay = self.h("stay")
        self.monthly(
            "share_left",
            o,
            "Share of the team's time left for reviews",
            "share",
            lambda t: (
                f"=MAX(1-IF({at('wanted', o, t)}>0,{at('wanted', o, t)}/{at('capacity_a', o, t)},"
                "0),0)"
            ),
            "1 - assessments made / assessment capacity.",
            st.share,
        )
        self.monthly(
            "capacity_r",
            o,
            "Review capacity left",
            "reviews",
            lambda t: f"={at('fte', o, t)}*{p('reviews_per_fte_month')}*{at('share_left', o, t)}",
            "FTE x reviews per FTE a month x share of time left.",
        )
        self.monthly(
            "eligible",
            o,
            "New eligible cases",
            "cases",
            lambda t: f"={p('conversion_rate')}*{at('assessments', o, t)}",
            "Conversion rate x assessments.",
        )
        self.monthly(
            "caseload",
            o,
            "Caseload (people eligible) at month end",
            "cases",
            lambda t: (
                f"={p('initial_caseload') if t == 0 else at('caseload', o, t - 1)}*{stay}"
                f"+{at('eligible', o, t)}"
            ),
            "Last month's caseload x stay + new eligible.",
        )

        (a_key, a_back, a_f), (b_key, b_back, b_f) = due_terms(ring, first, interval)
        factor = {"si": self.h("survive_interval"), "sf": self.h("survive_first")}
        # rows written below (reviews done) are referenced months back: reserve their row
        self.result.rows[("reviews_done", o)] = self.row + 3
        self.result.rows[("overdue_backlog", o)] = self.row + 4

        def due(t: int) -> str:
            base = (
                f"{L[t]}${self.init_row + 1}"
                if t < ring
                else f"{at(a_key, o, t - a_back)}*{factor[a_f]}"
            )
            if t >= b_back:
                base += f"+{at(b_key, o, t - b_back)}*{factor[b_f]}"
            return "=" + base

        self.monthly(
            "reviews_due",
            o,
            "Reviews falling due",
            "reviews",
            due,
            f"Reviews done {interval} months back x stay ^ {interval} + new cases {first} months "
            f"back x stay ^ {first} (the first {ring} months: the cases at the start).",
        )
        lapse = prm.overdue_reviews_lapse
        self.monthly(
            "lapsed_reviews",
            o,
            "Overdue reviews lapsed (the case left)",
            "reviews",
            lambda t: (
                f"={p('initial_overdue_reviews') if t == 0 else at('overdue_backlog', o, t - 1)}"
                f"*{p('monthly_exit_rate')}"
                if lapse
                else "=0"
            ),
            "Last month's overdue backlog x exit rate."
            if lapse
            else "Overdue reviews do not lapse.",
        )
        self.monthly(
            "reviews_wanted",
            o,
            "Reviews wanted: overdue + falling due",
            "reviews",
            lambda t: (
                f"={p('initial_overdue_reviews') if t == 0 else at('overdue_backlog', o, t - 1)}"
                f"-{at('lapsed_reviews', o, t)}+{at('reviews_due', o, t)}"
                if lapse
                else f"={p('initial_overdue_reviews') if t == 0 else at('overdue_backlog', o, t - 1)}"
                f"+{at('reviews_due', o, t)}"
            ),
            "Last month's overdue backlog - lapsed + falling due.",
        )
        assert self.result.rows[("reviews_done", o)] == self.row
        self.monthly(
            "reviews_done",
            o,
            "Reviews done",
            "reviews",
            lambda t: f"=MIN({at('reviews_wanted', o, t)},{at('capacity_r', o, t)})",
            "The lesser of reviews wanted and the review capacity left.",
        )
        self.monthly(
            "overdue_backlog",
            o,
            "Overdue reviews (backlog) at month end",
            "reviews",
            lambda t: f"={at('reviews_wanted', o, t)}-{at('reviews_done', o, t)}",
            "Reviews wanted - done.",
        )
        saving, keep = self.h("saving"), self.h("keep_saving")
        self.monthly(
            "run_rate",
            o,
            "Savings in place: run rate at first-month prices",
            "£k a year",
            lambda t: (
                f"={at('reviews_done', o, t)}*{saving}"
                if t == 0
                else f"={at('run_rate', o, t - 1)}*{keep}+{at('reviews_done', o, t)}*{saving}"
            ),
            "Last month's x stay x (1 - erosion) + reviews done x finding rate x saving.",
            st.money,
        )
        growth = f"(1+{p('package_cost_growth')})^({{m}}/12)"
        self.monthly(
            "cash_released",
            o,
            "Cash released by reviews",
            "£k",
            lambda t: f"=MAX({at('run_rate', o, t)},0)*({growth.format(m=m(t))}/12)",
            "Run rate at this month's package prices / 12.",
            st.money,
        )
        self.monthly(
            "package_spend",
            o,
            "Package spend (before cash released)",
            "£k",
            lambda t: (
                f"={at('caseload', o, t)}*({p('package_cost_k_per_year')}*"
                f"{growth.format(m=m(t))}/12)"
            ),
            "Caseload x package cost at this month's prices / 12.",
            st.money,
        )

    def _conservation(self, o: int) -> None:
        """Two checks of the option's months, rolled into the master check (formulas against
        formulas, so they hold for any inputs): referrals = assessments + withdrawals + change in
        the queue; reviews due = reviews done + change in the overdue backlog + lapsed."""
        sh, st, tol, p = self.sh, self.st, self.ctx.tolerance_ref, self.p
        first, second, last = self.letters[0], self.letters[min(1, self.n - 1)], self.letters[-1]
        before = self.letters[max(self.n - 2, 0)]
        option = self.case.option_ids[o]

        def span(key: str, a: str, b: str) -> str:
            r = self.result.rows[(key, o)] + 1
            return f"{a}{r}:{b}{r}"

        for what, text, inflow, outflows, stock, start in (
            (
                "referrals add up",
                "referrals = assessments + withdrawals + change in the queue",
                "referrals",
                ("assessments", "withdrawals"),
                "queue",
                p("initial_queue"),
            ),
            (
                "reviews due add up",
                "reviews due = reviews done + lapsed + change in the overdue backlog",
                "reviews_due",
                ("reviews_done", "lapsed_reviews"),
                "overdue_backlog",
                p("initial_overdue_reviews"),
            ),
        ):
            later = "-".join(
                [span(inflow, second, last)]
                + [span(k, second, last) for k in outflows]
                + [f"({span(stock, second, last)}-{span(stock, first, before)})"]
            )
            month0 = "-".join(
                [f"{first}{self.result.rows[(inflow, o)] + 1}"]
                + [f"{first}{self.result.rows[(k, o)] + 1}" for k in outflows]
                + [f"({first}{self.result.rows[(stock, o)] + 1}-{start})"]
            )
            formula = (
                f"=SUMPRODUCT(--(ABS({later})>{tol}))+IF(ABS({month0})>{tol},1,0)"
                if self.n > 1
                else f"=IF(ABS({month0})>{tol},1,0)"
            )
            sh.label(self.row, f"Check: {what} (months failing)", "flag")
            sh.note(self.row, f"Each month: {text}; 1 a month where it fails.")
            self.ctx.write(sh.ws, self.row, 4, formula, 0.0, st.check)
            self.ctx.add_check(
                f"{sh.name}: {option}: {text}", f"{quote_sheet(sh.name)}!E{self.row + 1}", 0
            )
            self.row += 1


def _fill(template: str, m: Callable[[int], str]) -> Callable[[int], str]:
    """Month ``t`` -> ``template`` with ``{m}`` the month index's cell."""
    return lambda t: template.format(m=m(t))


def _times(
    at: Callable[[str, int, int], str], row: str, o: int, factor: str
) -> Callable[[int], str]:
    """Month ``t`` -> ``=row x factor``."""
    return lambda t: f"={at(row, o, t)}*{factor}"


def _less(at: Callable[[str, int, int], str], row: str, less: str, o: int) -> Callable[[int], str]:
    """Month ``t`` -> ``=row - less``."""
    return lambda t: f"={at(row, o, t)}-{at(less, o, t)}"
