"""The results part of the *Appraisal* sheet: results by option, checks, switching values.

Under the options' streams and present values (:mod:`~finmodel.io.appendix.appraisal_sheet`):

* results by option (rows ``appraisal.<inv>.summary.<option>``; G: PVC, H: PVB, I: NPSV,
  J: BCR, K: rank, L: payback year, M: cost per unit of outcome), linked to the PV totals;
* the check of PVC, PVB and NPSV against ``finmodel appraise`` and of each NPSV against the
  final cumulative discounted net benefit (the first a parity with the engine run, shown apart
  from the master check; the second an internal check rolled into it);
* the switching values of the preferred option (for a stream NPSV is linear in: -NPSV / PV of
  the stream, a formula; with the NPSV they give as formulas).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from finmodel.io.appendix.context import OptionSummary
from finmodel.io.appendix.investment_layout import InvestmentSheet, fails, flag, incremental
from finmodel.io.excel_styles import FIRST_YEAR_COL, col_letter

#: Column letters of the result tables: G, H, I, ...
_L = [col_letter(FIRST_YEAR_COL + i) for i in range(8)]


@dataclass
class AppraisalRows:
    """Rows (and Total cells) of the Appraisal sheet that later formulas refer to."""

    real: int = 0
    df: int = 0
    health_ratio: int = 0  # row of DF_health / DF (0: none; QALY streams only)
    calendar: int = 0  # row of the calendar year each appraisal year starts in
    after: dict[tuple[str, int], int] = field(default_factory=dict)
    benefit: dict[tuple[str, int], int] = field(default_factory=dict)
    units: dict[int, int] = field(default_factory=dict)
    pvc: dict[int, str] = field(default_factory=dict)
    pvb: dict[int, str] = field(default_factory=dict)
    npsv: dict[int, str] = field(default_factory=dict)
    cum: dict[int, str] = field(default_factory=dict)
    units_pv: dict[int, str] = field(default_factory=dict)


def write_results(sh: InvestmentSheet, row: int, rows: AppraisalRows) -> int:
    """The results by option and their check (from ``row``); returns the next free row."""
    ctx, st, fmt, s, e = sh.ctx, sh.ctx.styles, sh.fmt, sh.case.streams, sh.case.economic
    a, n_opt, G = e.appraisal, len(s.option_ids), FIRST_YEAR_COL
    sh.section(
        row,
        f"Results by option: £k, real {e.price_base_year} prices, discounted, against do nothing",
    )
    row += 1
    columns = ["PV costs (PVC)", "PV benefits (PVB)", "NPSV", "BCR", "Rank by NPSV", "Payback year"]
    if rows.units_pv:
        columns.append(f"£k per {s.outcome_name}")
    sh.table_header(row, "Option", columns, key="No.")
    row += 1
    first, npsv = row, a.npsv
    distinct = len({round(float(v), 6) for v in npsv}) == n_opt
    span = f"${_L[2]}${first + 1}:${_L[2]}${first + n_opt}"
    for o in range(n_opt):
        r = row + o
        sh.option_cells(r, o)
        if o == s.baseline:  # 0 by definition
            for i, style in enumerate((st.money, st.money, st.money_bold)):
                ctx.number(sh.ws, r, G + i, 0.0, style)
        else:
            ctx.write(sh.ws, r, G, f"={rows.pvc[o]}", float(a.pv_costs[o]), st.money)
            ctx.write(sh.ws, r, G + 1, f"={rows.pvb[o]}", float(a.pv_benefits[o]), st.money)
            ctx.write(sh.ws, r, G + 2, f"={rows.npsv[o]}", float(npsv[o]), st.money_bold)
        bcr = float(a.bcr[o])
        if np.isnan(bcr):
            ctx.text(sh.ws, r, G + 3, "n/a (no costs)", st.note)
        else:
            ctx.write(sh.ws, r, G + 3, f"={_L[1]}{r + 1}/{_L[0]}{r + 1}", bcr, fmt.ratio)
        if distinct:
            ctx.write(sh.ws, r, G + 4, f"=RANK({_L[2]}{r + 1},{span})", float(a.rank[o]), st.flag)
        else:
            ctx.number(sh.ws, r, G + 4, float(a.rank[o]), st.flag)
        payback = "n/a" if o == s.baseline else e.payback_label(o) or "not in the period"
        ctx.text(sh.ws, r, G + 5, payback, st.label)
        if rows.units_pv:
            cpo = np.nan if a.cost_per_outcome is None else float(a.cost_per_outcome[o])
            if np.isnan(cpo) or o not in rows.units_pv:
                ctx.text(sh.ws, r, G + 6, "n/a", st.note)
            else:
                formula = f"={_L[0]}{r + 1}/{rows.units_pv[o]}"
                ctx.write(sh.ws, r, G + 6, formula, cpo, fmt.unit_cost)
        ctx.name_row(f"appraisal.{s.investment_id}.summary.{s.option_ids[o]}", sh.name, r)
        ctx.options.append(
            OptionSummary(
                sh.name,
                r,
                f"{s.option_names[o]}" + (" (selected)" if o == s.selected else ""),
                (float(a.pv_costs[o]), float(a.pv_benefits[o]), float(npsv[o]), bcr),
            )
        )
    row += n_opt
    ctx.text(
        sh.ws,
        row,
        0,
        "BCR = PVB / PVC. Rank 1 = the highest NPSV"
        + ("" if distinct else " (tied NPSVs: option order, as values)")
        + ". Payback (a value): the first year the cumulative discounted net benefit reaches 0.",
        st.note,
    )
    return _write_checks(sh, row + 2, first, rows)


def _write_checks(sh: InvestmentSheet, row: int, first: int, rows: AppraisalRows) -> int:
    """PVC, PVB and NPSV (results from row ``first``) against finmodel appraise's."""
    ctx, st, s, e = sh.ctx, sh.ctx.styles, sh.case.streams, sh.case.economic
    tol = ctx.tolerance_ref
    a, n_opt, G = e.appraisal, len(s.option_ids), FIRST_YEAR_COL
    sh.section(row, "Check: the figures above against finmodel appraise (values); 0 = agrees")
    row += 1
    sh.table_header(
        row,
        "Option",
        [
            "PVC, finmodel",
            "PVB, finmodel",
            "NPSV, finmodel",
            "PVC check",
            "PVB check",
            "NPSV check",
            "NPSV = final cumulative",
        ],
    )
    row += 1
    failures = 0
    for o in range(n_opt):
        r = row + o
        sh.option_cells(r, o, key=False)
        for i, value in enumerate((a.pv_costs[o], a.pv_benefits[o], a.npsv[o])):
            ctx.number(sh.ws, r, G + i, float(value), sh.fmt.engine)
            diff = f"{_L[i]}{first + o + 1}-{_L[i]}{r + 1}"
            ctx.write(sh.ws, r, G + 3 + i, flag(diff, tol), 0.0, st.check)
        if o == s.baseline:
            ctx.number(sh.ws, r, G + 6, 0.0, st.check)
            continue
        b = s.baseline
        net = incremental(e.benefits, o, b, sh.n) - incremental(e.costs, o, b, sh.n)
        fail = float(fails(a.npsv[o] - float(np.sum(net * e.discount_factors))))
        failures += int(fail)
        formula = flag(f"{rows.npsv[o]}-{rows.cum[o]}", tol)
        ctx.write(sh.ws, r, G + 6, formula, fail, st.check)
    ctx.add_parity(
        f"{sh.name}: PVC, PVB and NPSV of every option equal finmodel appraise's as exported",
        sh.area(row, row + n_opt - 1, G + 3, G + 5),
        0,
    )
    ctx.add_check(
        f"{sh.name}: each option's NPSV equals its final cumulative discounted net benefit",
        sh.area(row, row + n_opt - 1, G + 6, G + 6),
        failures,
    )
    return row + n_opt + 1


def write_switching(sh: InvestmentSheet, row: int, rows: AppraisalRows) -> int:
    """Switching values of the preferred option, if any (from ``row``); returns the next row."""
    ctx, st, s, e = sh.ctx, sh.ctx.styles, sh.case.streams, sh.case.economic
    tol = ctx.tolerance_ref
    o = e.switching_option
    if o is None or not e.switching:
        return row
    G = FIRST_YEAR_COL
    why = (
        "the preferred option"
        if o == sh.case.preferred
        else "do nothing is preferred, so the best other option: the change that would make it "
        "worth doing"
    )
    sh.section(row, f"Switching values of {s.option_names[o]} ({why})")
    row += 1
    columns = [
        "PV of the stream",
        "Switching value",
        "NPSV after the change",
        "Check (0 = NPSV is 0)",
    ]
    sh.table_header(row, "Stream", columns, key="Kind")
    row += 1
    first, failures = row, 0
    npsv = float(e.appraisal.npsv[o])
    for value in e.switching:
        name = s.cost_names.get(value.stream) or s.benefit_names.get(value.stream, value.stream)
        ctx.text(sh.ws, row, 0, name, st.label)
        ctx.text(sh.ws, row, 1, value.kind, st.key)
        ctx.number(sh.ws, row, G, value.present_value, st.money)
        x = value.switching_value
        linear = x is not None and value.method == "closed_form"
        if x is None:
            ctx.text(sh.ws, row, G + 1, "none: the stream cannot take NPSV to 0", st.note)
        elif linear and value.present_value:
            # NPSV is linear in the stream: the change that takes it to 0 is -/+ NPSV / PV.
            minus = "" if value.kind == "cost" else "-"
            live = f"={minus}{rows.npsv[o]}/{_L[0]}{row + 1}"
            ctx.write(sh.ws, row, G + 1, live, x, st.rate)
        else:
            ctx.number(sh.ws, row, G + 1, x, st.rate)
        if x is not None and linear:
            sign = -1.0 if value.kind == "cost" else 1.0
            result = npsv + sign * x * value.present_value
            formula = f"={rows.npsv[o]}{'-' if sign < 0 else '+'}{_L[1]}{row + 1}*{_L[0]}{row + 1}"
            ctx.write(sh.ws, row, G + 2, formula, result, st.money)
            fail = float(fails(result))
            failures += int(fail)
            ctx.write(sh.ws, row, G + 3, flag(f"{_L[2]}{row + 1}", tol), fail, st.check)
        else:
            ctx.number(sh.ws, row, G + 3, 0.0, st.check)
        row += 1
    ctx.text(
        sh.ws,
        row,
        0,
        "Switching value (a value from finmodel): the % change in the stream (costs after "
        "optimism bias) that takes the option's NPSV to 0; closed form where NPSV is linear in "
        "the stream, a root finder otherwise. The NPSV it gives is a formula.",
        st.note,
    )
    ctx.add_check(
        f"{sh.name}: the switching values take the option's NPSV to 0",
        sh.area(first, row - 1, G + 3, G + 3),
        failures,
    )
    return row + 1
