"""The layout and cell writers the investment sheets share (Appraisal, Financial case, Service).

Each investment sheet has its own timeline: ``n`` year columns from column G (the appraisal
years, the case years or the service model's years), then a *Total* and/or a *Source / note*
column. :class:`InvestmentSheet` writes along that timeline (inputs, links to another sheet,
formulas with the engine's results cached, checks rolled into the master check); the sheet
modules (:mod:`~finmodel.io.appendix.appraisal_sheet`,
:mod:`~finmodel.io.appendix.financial_case_sheet`, :mod:`~finmodel.io.appendix.service_sheet`) lay
out their rows with it.

Example
-------
>>> each("={c}5-{p}5")("H", "G")
'=H5-G5'
>>> plus(["G5", "G6"]), plus([])
('G5+G6', '0')
>>> flag("G5-G6", "Checks!$E$6")
'=IF(ABS(G5-G6)>Checks!$E$6,1,0)'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from xlsxwriter.worksheet import Worksheet

from finmodel.investment.case import InvestmentCase
from finmodel.investment.streams import InvestmentStreams
from finmodel.io.appendix.context import CHECK_TOLERANCE, AppendixContext, RowFormula
from finmodel.io.excel_styles import (
    FIRST_YEAR_COL,
    INPUT_FILL,
    INPUT_FONT,
    MONEY,
    cell,
    col_letter,
    quote_sheet,
    ref,
    setup_timeseries_sheet,
)

#: Note on a row of cash released taken from the Service model sheet.
CASH_LINK_NOTE = "Linked: cash released by reviews, from the Service model sheet."


@dataclass(frozen=True)
class InvestmentFormats:
    """Number formats the investment sheets need beyond the appendix's (:class:`Styles`)."""

    factor: Any
    count: Any
    count_input: Any
    index: Any
    index_input: Any
    timing_input: Any
    ratio: Any
    unit_cost: Any
    fte: Any
    engine: Any
    selected: Any

    @classmethod
    def create(cls, ctx: AppendixContext) -> InvestmentFormats:
        """Add the formats to the appendix's workbook (counts share the £k number format)."""
        inputs: dict[str, Any] = {
            "font_color": INPUT_FONT,
            "bg_color": INPUT_FILL,
            "border": 1,
            "border_color": "#BFBFBF",
        }
        own: dict[str, dict[str, Any]] = {
            "factor": {"num_format": "0.00000"},
            "index": {"num_format": "0.000"},
            "index_input": {"num_format": "0.000", **inputs},
            "timing_input": {"num_format": "0.0", **inputs},
            "ratio": {"num_format": "0.00"},
            "unit_cost": {"num_format": '#,##0.000;(#,##0.000);"–"'},
            "fte": {"num_format": "#,##0.0"},
            "engine": {"num_format": MONEY, "italic": True, "font_color": "#595959"},
            "selected": {"bold": True, "bg_color": "#F8CBAD"},
        }
        return cls(
            count=ctx.styles.money,
            count_input=ctx.styles.money_input,
            **{
                name: ctx.workbook.add_format({"font_name": "Arial", "font_size": 10, **props})
                for name, props in own.items()
            },
        )


# ----- formula text ---------------------------------------------------------------------------
#: Characters a line of the notes column (width 70) holds, for the row heights of notes.
NOTE_CHARS = 85


def flag(diff: str, tolerance: str) -> str:
    """A check cell's formula: 1 when ``diff`` is further from 0 than the tolerance."""
    return f"=IF(ABS({diff})>{tolerance},1,0)"


def fails(values: np.ndarray | float) -> np.ndarray:
    """1 where a difference fails the workbook's check tolerance (the cached check results)."""
    diff = np.abs(np.nan_to_num(np.asarray(values, dtype=float)))
    return np.asarray(diff > CHECK_TOLERANCE, dtype=float)


def each(template: str) -> RowFormula:
    """A row formula from a template: ``{c}`` is the year's column letter, ``{p}`` the previous."""
    return lambda c, p: template.format(c=c, p=p)


def plus(refs: Sequence[str]) -> str:
    """The sum of references as ``a+b+c`` (``0`` when there are none)."""
    return "+".join(refs) if refs else "0"


def on_columns(values: np.ndarray, n: int, fill: float = np.nan) -> np.ndarray:
    """Values of years 1 .. put on ``n`` year columns: ``fill`` in year 0 and after them."""
    return np.concatenate(([fill], values, np.full(n - 1 - len(values), fill)))


def incremental(streams: dict[str, np.ndarray], o: int, b: int, n: int) -> np.ndarray:
    """Option ``o`` less do nothing ``b``, summed over the streams, by year (``n`` years)."""
    return sum((v[o] - v[b] for v in streams.values()), np.zeros(n))


# ----- words ----------------------------------------------------------------------------------
def option_name(s: InvestmentStreams, o: int) -> str:
    """``Name (id)`` of option ``o``."""
    return f"{s.option_names[o]} ({s.option_ids[o]})"


def option_label(case: InvestmentCase, o: int) -> str:
    """The heading of an option's block, tagged baseline, selected and preferred."""
    s = case.streams
    tags = []
    if o == s.baseline:
        tags.append("do nothing: the baseline")
    if o == s.selected:
        tags.append("selected in this scenario")
    if o == case.preferred:
        tags.append("preferred: highest NPSV")
    tag = f"  [{'; '.join(tags)}]" if tags else ""
    return f"Option {o + 1}: {option_name(s, o)}{tag}"


def _investment_label(case: InvestmentCase) -> str:
    """``Name (id)`` of the investment, for sheet titles."""
    s = case.streams
    return f"{s.investment.name or s.investment_id} ({s.investment_id})"


def _subtitle(ctx: AppendixContext, what: str) -> str:
    """A sheet's subtitle: model, scenario and what the figures are."""
    scenario = f", scenario {ctx.result.scenario}" if ctx.result.scenario else ""
    return f"{ctx.model_name}{scenario}. {what}; negatives in brackets."


# ----- the sheet ------------------------------------------------------------------------------
@dataclass
class InvestmentSheet:
    """A worksheet on its own timeline of ``n`` year columns from column G."""

    ctx: AppendixContext
    ws: Worksheet
    name: str
    n: int
    case: InvestmentCase
    """The appraised investment the sheet shows."""
    fmt: InvestmentFormats
    """Its formats beyond the appendix's."""

    @property
    def total_col(self) -> int:
        return FIRST_YEAR_COL + self.n

    def letter(self, t: int) -> str:
        return self.ctx.letter(t)

    def ref(self, row: int, t: int) -> str:
        """Anchored reference from another sheet to year ``t``: ``'Service model'!H$12``."""
        return ref(self.name, row, FIRST_YEAR_COL + t, row_abs=True)

    def span(self, row: int, first: int = 0, stop: int | None = None) -> str:
        """The row's years ``first .. stop - 1`` (default: to the last): ``H9:P9``."""
        last = self.n if stop is None else stop
        return f"{cell(row, FIRST_YEAR_COL + first)}:{cell(row, FIRST_YEAR_COL + last - 1)}"

    def area(self, first_row: int, last_row: int, first_col: int, last_col: int) -> str:
        """A block of cells with the sheet's name, for a check: ``Appraisal!J40:M42``."""
        block = f"{cell(first_row, first_col)}:{cell(last_row, last_col)}"
        return f"{quote_sheet(self.name)}!{block}"

    # ----- words --------------------------------------------------------------------------
    def intro(self, text: str) -> None:
        """The note under the subtitle (row 3) saying what the sheet holds."""
        self.ctx.text(self.ws, 2, 0, text, self.ctx.styles.note)

    def label(self, row: int, text: str, unit: str = "", fmt: Any = None) -> None:
        st = self.ctx.styles
        self.ctx.text(self.ws, row, 0, text, fmt or st.label)
        if unit:
            self.ctx.text(self.ws, row, 5, unit, st.unit)

    def option_cells(self, row: int, o: int, *, key: bool = True) -> None:
        """An option's name in column A and (``key``) its number in column B, in a table."""
        self.ctx.text(self.ws, row, 0, option_name(self.case.streams, o), self.ctx.styles.label)
        if key:
            self.ctx.number(self.ws, row, 1, o + 1, self.ctx.styles.key)

    def note(self, row: int, text: str | None) -> None:
        """A note in the bounded, wrapped notes column; the row is as tall as the note."""
        if text:
            words = " ".join(text.split())
            self.ctx.text(self.ws, row, self.total_col + 1, words, self.ctx.styles.note_wrap)
            lines = -(-len(words) // NOTE_CHARS)
            if lines > 1:
                self.ws.set_row(row, 13 * lines)

    def section(self, row: int, text: str, fmt: Any = None) -> None:
        fmt = fmt or self.ctx.styles.section
        for col in range(self.total_col + 2):
            self.ws.write_blank(row, col, None, fmt)
        self.ctx.text(self.ws, row, 0, text, fmt)

    def table_header(
        self, row: int, first: str, columns: Sequence[str], key: str | None = None
    ) -> None:
        """A table's header: ``first`` over column A, ``key`` over B, ``columns`` from G."""
        st = self.ctx.styles
        for col in range(FIRST_YEAR_COL + len(columns)):
            self.ws.write_blank(row, col, None, st.header)
        self.ctx.text(self.ws, row, 0, first, st.header)
        if key is not None:
            self.ctx.text(self.ws, row, 1, key, st.header)
        for i, text in enumerate(columns):
            self.ctx.text(self.ws, row, FIRST_YEAR_COL + i, text, st.header_year)

    # ----- along the timeline -------------------------------------------------------------
    def _along(self, row: int, start: int, stop: int, write: Callable[[int, int], None]) -> None:
        """``write(t, column)`` in years ``start .. stop - 1``; other years greyed."""
        for t in range(start, stop):
            write(t, FIRST_YEAR_COL + t)
        self._grey_outside(row, start, stop)

    def _grey_outside(self, row: int, start: int, stop: int) -> None:
        """Grey the year cells of ``row`` outside years ``start .. stop - 1``."""
        for t in range(self.n):
            if not start <= t < stop:
                self.ws.write_blank(row, FIRST_YEAR_COL + t, None, self.ctx.styles.na)

    def formulas(
        self,
        row: int,
        formula: RowFormula,
        values: Sequence[float] | np.ndarray,
        fmt: Any,
        *,
        start: int = 0,
        stop: int | None = None,
        first: str | None = None,
    ) -> None:
        """``formula`` in years ``start .. stop - 1`` (``first`` in year ``start`` if given),
        with the engine's ``values`` (indexed by year) as results; other years greyed."""

        stop = self.n if stop is None else stop
        letters = [col_letter(FIRST_YEAR_COL + t) for t in range(start - 1, stop)]
        texts = [
            (first if first and t == start else None) or formula(letters[i + 1], letters[i])
            for i, t in enumerate(range(start, stop))
        ]
        numbers = np.asarray(values, dtype=float)[start:stop]
        self.ctx.write_formulas(self.ws, row, FIRST_YEAR_COL + start, texts, numbers, fmt)
        self._grey_outside(row, start, stop)

    def links(
        self,
        row: int,
        target: Callable[[int], str],
        values: Sequence[float] | np.ndarray,
        fmt: Any,
        start: int = 0,
    ) -> None:
        """``=target(t)`` (a reference to another sheet) in years ``start ..``."""
        self._along(
            row,
            start,
            self.n,
            lambda t, col: self.ctx.write(self.ws, row, col, f"={target(t)}", values[t], fmt),
        )

    def inputs(
        self, row: int, values: Sequence[float] | np.ndarray, fmt: Any, start: int = 0
    ) -> None:
        """Input values in years ``start ..``."""
        self._along(
            row,
            start,
            self.n,
            lambda t, col: self.ctx.number(self.ws, row, col, float(values[t]), fmt),
        )

    def linked_or_input(
        self,
        row: int,
        link: Callable[[int], str] | None,
        values: Sequence[float] | np.ndarray,
        fmts: tuple[Any, Any],
        notes: tuple[str | None, str | None],
        start: int = 0,
    ) -> None:
        """A link to another sheet if there is one (``fmts[0]``, ``notes[0]``), else the
        values as inputs (``fmts[1]``, ``notes[1]``)."""
        if link is not None:
            self.links(row, link, values, fmts[0], start)
            self.note(row, notes[0])
        else:
            self.inputs(row, values, fmts[1], start)
            self.note(row, notes[1])

    def subtotal(
        self,
        row: int,
        text: str,
        formula: RowFormula,
        values: Sequence[float] | np.ndarray,
        *,
        start: int = 0,
        stop: int | None = None,
    ) -> None:
        """A bold £k row of formulas (a total or a result)."""
        st = self.ctx.styles
        self.label(row, text, "£k", st.label_bold)
        self.formulas(row, formula, values, st.money_bold, start=start, stop=stop)

    def total(self, row: int, value: float, fmt: Any, first: int = 0) -> str:
        """``SUM`` of the row's years in the Total column; returns its anchored reference."""
        col = self.total_col
        self.ctx.write(self.ws, row, col, f"=SUM({self.span(row, first)})", value, fmt)
        return cell(row, col, row_abs=True, col_abs=True)

    def check_row(
        self,
        row: int,
        text: str,
        rows: tuple[int, int],
        failed: np.ndarray,
        description: str,
        *,
        start: int = 0,
        stop: int | None = None,
        parity: bool = False,
    ) -> None:
        """Flags (1 = fails) where the two ``rows`` differ, rolled into the master check; with
        ``parity`` (a row compared with the engine's values as exported) shown apart from it."""
        a, b = rows
        stop = self.n if stop is None else stop
        tol = self.ctx.tolerance_ref
        self.label(row, text, "flag")
        self.formulas(
            row,
            lambda c, p: flag(f"{c}{a + 1}-{c}{b + 1}", tol),
            failed,
            self.ctx.styles.check,
            start=start,
            stop=stop,
        )
        add = self.ctx.add_parity if parity else self.ctx.add_check
        add(
            f"{self.name}: {description}",
            f"{quote_sheet(self.name)}!{self.span(row, start, stop)}",
            int(failed.sum()),
        )


def new_sheet(
    ctx: AppendixContext,
    case: InvestmentCase,
    fmt: InvestmentFormats,
    sheet: str,
    suffix: str,
    *,
    description: str,
    units: str,
    headers: tuple[str, str, str, str, str, str],
    years: Sequence[str],
    year_header: list[tuple[str | None, str]] | None = None,
    extra: tuple[str, ...] = ("Total", "Source / note"),
) -> InvestmentSheet:
    """A new sheet ``sheet + suffix`` titled ``sheet: investment``, on its own timeline
    ``years`` with the ``extra`` columns after them; ``units`` says what the figures are."""
    name = sheet + suffix
    ws = ctx.add_plain_sheet(name, description)
    setup_timeseries_sheet(
        ws,
        ctx.styles,
        title=f"{sheet}: {_investment_label(case)}",
        subtitle=_subtitle(ctx, units),
        headers=headers,
        years=list(years),
        year_header=year_header or [(None, y) for y in years],
        model_name=ctx.model_name,
        extra_columns=extra,
    )
    sh = InvestmentSheet(ctx, ws, name, len(years), case, fmt)
    if len(extra) == 2:
        ws.set_column(sh.total_col, sh.total_col, 13)
    notes = sh.total_col + len(extra) - 1
    ws.set_column(notes, notes, 70)
    ctx.bound_print_width(ws, notes)
    return sh


# ----- links to the Service model sheet -------------------------------------------------------
#: Service model rows the other sheets link to: (series, option) -> (sheet, row, its years).
Links = dict[tuple[str, int], tuple[InvestmentSheet, int, list[str]]]


def service_link(
    links: Links, series: str | None, o: int, years: Sequence[str]
) -> Callable[[int], str] | None:
    """Year index (into ``years``) -> reference to that year on the Service model sheet (None:
    the series is not on it, or does not cover every year)."""
    found = links.get((series, o)) if series else None
    if found is None:
        return None
    sheet, row, service_years = found
    if not set(years) <= set(service_years):
        return None
    return lambda t: sheet.ref(row, service_years.index(years[t]))
