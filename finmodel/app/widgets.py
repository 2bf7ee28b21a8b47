"""Small display helpers shared by the pages: money metrics, tables, problem lists."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

import pandas as pd
import streamlit as st

from finmodel.app.formatting import (
    NOT_APPLICABLE,
    is_missing,
    money,
    money_k,
    number_columns,
    styled_money,
    variance_colour,
)


def money_metric(
    where: Any,
    label: str,
    value: float,
    delta: float | None = None,
    delta_text: str = "",
    help_text: str | None = None,
) -> None:
    """A metric in £k (negatives in brackets); the delta red when adverse, green when favourable."""
    if delta is None:
        where.metric(label, money_k(value), help=help_text)
        return
    sign = 0 if round(delta) == 0 else (1 if delta > 0 else -1)
    where.metric(
        label,
        money_k(value),
        delta=f"{money_k(delta)} {delta_text}".strip(),
        delta_color={1: "green", -1: "red", 0: "gray"}[sign],
        delta_arrow={1: "up", -1: "down", 0: "off"}[sign],
        help=help_text,
    )


def money_table(
    frame: pd.DataFrame,
    *,
    money_columns: Iterable[str] | None = None,
    variance_columns: Iterable[str] = (),
    variance_rows: Iterable[Any] = (),
    hide_index: bool = False,
    key: str | None = None,
    widths: dict[str, str | int] | None = None,
    pinned: Iterable[str] = (),
) -> None:
    """A read-only table with money as £k text and variances coloured by sign.

    ``widths`` sets text columns' widths (``"small"``, ``"medium"``, ``"large"`` or pixels).
    The table fits the page; when its columns do not, it scrolls sideways inside itself with
    the ``pinned`` columns (default: the first text column, or the row labels) frozen.
    """
    variance_columns, variance_rows = list(variance_columns), list(variance_rows)
    styler, columns = styled_money(frame, money_columns, variance_columns, variance_rows)
    # A Styler costs tens of milliseconds to send; tables with nothing coloured go as text.
    plain = styler.data  # type: ignore[attr-defined]  # pandas-stubs omit Styler.data
    data: Any = styler if variance_columns or variance_rows else plain
    config: dict[str, Any] = {
        c: st.column_config.TextColumn(width=w)  # type: ignore[arg-type]
        for c, w in (widths or {}).items()
    }
    config.update({c: st.column_config.TextColumn(alignment="right") for c in columns})
    labels = [c for c in frame.columns if c not in columns]
    frozen = list(pinned) or labels[:1]
    for c in frozen:
        config[c] = st.column_config.TextColumn(
            width=(widths or {}).get(c),  # type: ignore[arg-type]
            pinned=True,
        )
    st.dataframe(
        data,
        column_config=config,
        height="content",
        hide_index=hide_index,
        width="stretch",
        key=key,
    )


def html_table(
    frame: pd.DataFrame,
    *,
    money_columns: Iterable[str] | None = None,
    variance_columns: Iterable[str] = (),
    variance_rows: Iterable[Any] = (),
    hide_index: bool = False,
) -> str:
    """A read-only money table as HTML: £k text with negatives in brackets, ``-`` where a
    figure does not apply, variances red or green, headers never cut (the table scrolls
    sideways inside the page with its first column frozen when it is wider than the page).

    Much cheaper to send than a pandas Styler (a few hundred microseconds against tens of
    milliseconds), which keeps a rerun fast.

    >>> "(5)" in html_table(pd.DataFrame({"v": [-5.0]}, index=["a"]), variance_columns=["v"])
    True
    """
    columns = list(money_columns) if money_columns is not None else number_columns(frame)
    colour_columns = set(variance_columns)
    colour_rows = set(variance_rows)
    head = [] if hide_index else [f"<th>{escape(str(frame.index.name or ''))}</th>"]
    head += [
        f'<th class="n">{escape(str(c))}</th>' if c in columns else f"<th>{escape(str(c))}</th>"
        for c in frame.columns
    ]
    body = []
    for label, row in zip(frame.index, frame.itertuples(index=False), strict=True):
        cells = [] if hide_index else [f"<td>{escape(str(label))}</td>"]
        for column, value in zip(frame.columns, row, strict=True):
            if column in columns:
                style = (
                    variance_colour(value)
                    if column in colour_columns or label in colour_rows
                    else ""
                )
                text = money(value) or NOT_APPLICABLE
                cells.append(f'<td class="n" style="{style}">{text}</td>')
            else:
                text = "" if is_missing(value) else str(value).strip()
                cells.append(f"<td>{escape(text) or NOT_APPLICABLE}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        '<div class="fm-wrap"><table class="fm-table"><thead><tr>'
        + "".join(head)
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table></div>"
    )


def fast_money_table(frame: pd.DataFrame, **options: Any) -> None:
    """Draw :func:`html_table` (the same options)."""
    st.html(html_table(frame, **options))


def show_problems(title: str, problems: list[str]) -> None:
    """An error box listing problems, one per line, as ``finmodel validate`` prints them."""
    st.error(title)
    st.code("\n".join(problems), language=None, wrap_lines=True)


def kept_key(name: str, default: Any, options: Iterable[Any] | None = None) -> str:
    """The widget key for a value that must survive pages where its widget is not drawn.

    Streamlit forgets a widget's value when a run does not draw it (another page is shown). The
    value is kept under ``name`` (copy it back with :func:`keep`); the widget's own key is
    ``w:<name>``, seeded from the kept value (or ``default``, or the first of ``options`` when
    the kept value is no longer one of them).
    """
    ss = st.session_state
    key = f"w:{name}"
    choices = list(options) if options is not None else None
    if key not in ss or (choices is not None and ss[key] not in choices):
        value = ss.get(name, default)
        if choices is not None and value not in choices:
            value = default if default in choices else (choices[0] if choices else None)
        ss[key] = value
    return key


def keep(name: str, value: Any) -> Any:
    """Remember a widget's value under ``name`` (see :func:`kept_key`); returns the value."""
    st.session_state[name] = value
    return value
