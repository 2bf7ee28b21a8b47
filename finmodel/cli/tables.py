"""Tables of the command line that fit in 100 columns, and the same tables as CSV.

A command builds :class:`Frame` objects (a title, a label column or two, and columns of
numbers, each cell holding the text a reader sees and the value a spreadsheet wants) and hands
them to :func:`emit`, which prints them:

* ``table``: as rich tables no wider than :data:`MAX_WIDTH` columns (or the terminal, if
  narrower). Numbers are never cut: when the columns do not fit side by side, the numeric
  columns are split over several tables, each repeating the label columns; long labels wrap.
* ``csv``: one row per cell, ``table,row,column,value``, values unformatted (money in £k).

>>> frame = Frame("Example, £k", ["Line"], ["2020/21"])
>>> frame.add("Income", [Cell("1,234", 1234.0)])
>>> render_lines(frame, 40)[0].strip()
'Example, £k'
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

#: No table line is wider than this, whatever the terminal or pipe.
MAX_WIDTH = 100
#: The narrowest a wrapping label column is made before numbers are split off instead.
MIN_LABEL_WIDTH = 24
#: Columns a rich table spends on each column (padding and rule) and on its left edge.
_PER_COLUMN, _EDGE = 3, 1

Format = Literal["table", "csv", "json"]
FORMATS: tuple[str, ...] = ("table", "csv", "json")
FormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        help="table (fits 100 columns), csv (one row per figure, £k unformatted) or json.",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Same as --format json.")]


@dataclass(frozen=True)
class Cell:
    """One cell: what a reader sees (``"(1,234)"``) and the value for CSV (``-1234.0``)."""

    text: str
    value: Any = None
    #: A rich style for the text (``"red"``), None for the row's.
    style: str | None = None

    @property
    def raw(self) -> Any:
        """The value for CSV: the number when there is one, else the text."""
        return self.text if self.value is None else self.value


@dataclass
class Row:
    """One row: its label cells, its value cells, and a rich style (``"bold"``) or None."""

    labels: list[str]
    cells: list[Cell]
    style: str | None = None


@dataclass
class Frame:
    """A table to print: label columns (wrap), value columns (never cut), rows, notes."""

    title: str
    label_columns: list[str]
    value_columns: list[str]
    rows: list[Row] = field(default_factory=list)
    #: Value columns that hold words rather than numbers (left-aligned; may wrap at spaces).
    text_columns: frozenset[str] = frozenset()
    #: Lines printed under the table.
    notes: list[str] = field(default_factory=list)

    def add(
        self, labels: str | Sequence[str], cells: Iterable[Cell | str], style: str | None = None
    ) -> None:
        """Add a row; plain strings become cells without a separate value."""
        names = [labels] if isinstance(labels, str) else list(labels)
        self.rows.append(Row(names, [c if isinstance(c, Cell) else Cell(c) for c in cells], style))


def output_width() -> int:
    """The width tables are laid out for: the terminal's (or ``COLUMNS``), at most 100.

    >>> output_width() <= MAX_WIDTH
    True
    """
    if sys.stdout.isatty():
        width = shutil.get_terminal_size((MAX_WIDTH, 24)).columns
    else:
        try:
            width = int(os.environ.get("COLUMNS", MAX_WIDTH))
        except ValueError:
            width = MAX_WIDTH
    return max(40, min(MAX_WIDTH, width))


def _longest_word(text: str) -> int:
    return max((len(w) for w in text.split()), default=0)


def _value_width(frame: Frame, k: int) -> int:
    """Width of a value column: its widest cell (numbers never wrap), header words may wrap."""
    name = frame.value_columns[k]
    cells = [row.cells[k].text for row in frame.rows if k < len(row.cells)]
    if name in frame.text_columns:
        widest = max((_longest_word(c) for c in cells), default=0)
        natural = max([len(c) for c in cells] + [len(name)])
        return max(widest, _longest_word(name), min(natural, 22))
    return max(max((len(c) for c in cells), default=0), _longest_word(name), 1)


def _label_width(frame: Frame, j: int) -> int:
    cells = [row.labels[j] for row in frame.rows if j < len(row.labels)]
    return max([len(frame.label_columns[j])] + [len(c) for c in cells])


def _groups(value_widths: list[int], room: int) -> list[list[int]]:
    """Split value columns, in order, into as few runs as fit in ``room``, of even size."""
    need = [w + _PER_COLUMN for w in value_widths]
    for count in range(1, len(need) + 1):
        size = -(-len(need) // count)  # columns per table, the last may have fewer
        groups = [list(range(i, min(i + size, len(need)))) for i in range(0, len(need), size)]
        if all(sum(need[k] for k in g) <= room for g in groups):
            return groups
    return [[k] for k in range(len(need))] or [[]]


def layout(frame: Frame, width: int) -> tuple[list[int], list[int], list[list[int]]]:
    """Label widths, value widths and the groups of value columns for a table ``width`` wide."""
    value_widths = [_value_width(frame, k) for k in range(len(frame.value_columns))]
    natural = [_label_width(frame, j) for j in range(len(frame.label_columns))]
    edge = _EDGE + _PER_COLUMN * len(natural)
    values_need = sum(w + _PER_COLUMN for w in value_widths)
    label_room = width - edge - values_need
    if label_room >= sum(natural):
        return natural, value_widths, [list(range(len(value_widths)))]
    # labels wrap down to a floor; past that the numbers go into more than one table
    floor = [min(n, MIN_LABEL_WIDTH) for n in natural]
    if label_room >= sum(floor):
        return _shrink(natural, label_room), value_widths, [list(range(len(value_widths)))]
    room = width - edge - sum(floor)
    groups = _groups(value_widths, room)
    if not value_widths:
        return _shrink(natural, width - edge), value_widths, groups
    widest_group = max(sum(value_widths[k] + _PER_COLUMN for k in g) for g in groups)
    return _shrink(natural, width - edge - widest_group), value_widths, groups


def _shrink(natural: list[int], room: int) -> list[int]:
    """Label widths summing to at most ``room``: the widest are cut back first."""
    widths = list(natural)
    while sum(widths) > room and max(widths) > 4:
        widths[widths.index(max(widths))] -= 1
    return widths


def rich_tables(frame: Frame, width: int) -> list[Table]:
    """The frame as one or more rich tables, each at most ``width`` columns wide."""
    label_widths, value_widths, groups = layout(frame, width)
    tables = []
    for g, group in enumerate(groups):
        title = frame.title
        if len(groups) > 1:
            title += f" ({g + 1} of {len(groups)})"
        table = Table(title=title, title_justify="left")
        for j, name in enumerate(frame.label_columns):
            table.add_column(name, width=label_widths[j], overflow="fold")
        for k in group:
            name = frame.value_columns[k]
            words = name in frame.text_columns
            table.add_column(
                name,
                justify="left" if words else "right",
                width=value_widths[k],
                overflow="fold",
            )
        for row in frame.rows:
            cells = [
                Text(row.cells[k].text, style=row.cells[k].style or "")
                if k < len(row.cells)
                else Text("")
                for k in group
            ]
            labels = row.labels + [""] * (len(frame.label_columns) - len(row.labels))
            table.add_row(*(Text(x) for x in labels), *cells, style=row.style)
        tables.append(table)
    return tables


def render_lines(frame: Frame, width: int) -> list[str]:
    """The frame as plain text lines (no colour), as ``table`` prints it ``width`` wide."""
    console = Console(width=width, file=io.StringIO(), color_system=None, highlight=False)
    for table in rich_tables(frame, width):
        console.print(table)
    for note in frame.notes:
        console.print(note, markup=False)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    return text.splitlines()


def write_csv(frames: Iterable[Frame], out: Any = None) -> None:
    """Every cell of every frame as ``table,row,column,value`` lines (long form) on ``out``."""
    writer = csv.writer(out or sys.stdout, lineterminator="\n")
    writer.writerow(["table", "row", "column", "value"])
    for frame in frames:
        for row in frame.rows:
            label = " / ".join(x.strip() for x in row.labels if x.strip())
            for name, cell in zip(frame.value_columns, row.cells, strict=False):
                value = cell.raw
                if value == "":
                    continue  # a picture (a tornado bar), not a figure
                if isinstance(value, float):
                    value = round(value, 6)
                writer.writerow([frame.title, label, name, value])


def print_frames(frames: Iterable[Frame], console: Console | None = None) -> None:
    """Print frames as tables at most :func:`output_width` wide (colours on a terminal)."""
    width = output_width()
    console = console or Console(width=width, highlight=False)
    for frame in frames:
        for table in rich_tables(frame, width):
            console.print(table)
        for note in frame.notes:
            console.print(note, markup=False)


def emit(frames: Sequence[Frame], fmt: str) -> None:
    """Print frames as ``table`` or ``csv`` (``json`` is each command's own document)."""
    if fmt == "csv":
        write_csv(frames)
    else:
        print_frames(frames)


def money_cell(value: float | None, decimals: int = 0) -> Cell:
    """A £k cell: ``(1,234)`` for negatives, ``-`` where there is no figure (not applicable).

    >>> money_cell(-1234.4).text, money_cell(None).text
    ('(1,234)', '-')
    """
    from finmodel.cli.common import money

    text = money(value, decimals)
    return Cell(text or "-", None if not text else float(value))  # type: ignore[arg-type]


def number_cell(value: float | None) -> Cell:
    """A count (people, reviews) with thousands separators; ``-`` where there is none.

    >>> number_cell(12345.4).text
    '12,345'
    """
    if value is None or value != value:
        return Cell("-")
    from finmodel.cli.common import money

    return Cell(money(value), float(value))


def percent_cell(share: float | None, decimals: int = 0) -> Cell:
    """A share as a percentage cell (``"45%"``); ``-`` where there is none.

    >>> percent_cell(0.456).text
    '46%'
    """
    if share is None or share != share:
        return Cell("-")
    return Cell(f"{100 * share:.{decimals}f}%", float(share))


def working(message: str) -> Any:
    """A spinner on stderr while ``message`` is being done, only when stderr is a terminal
    (a pipe or a log gets nothing); use as ``with working("Projecting"): ...``."""
    import contextlib

    err = Console(stderr=True)
    if not err.is_terminal:
        return contextlib.nullcontext()
    return err.status(f"{message}…", spinner="line")


def say(text: str) -> None:
    """Print a line of prose wrapped at the table width (no markup)."""
    Console(width=output_width(), highlight=False).print(text, markup=False)


def resolve_format(fmt: str, as_json: bool = False) -> str:
    """The output format from ``--format`` (and the older ``--json`` flag).

    >>> resolve_format("table", as_json=True), resolve_format("CSV")
    ('json', 'csv')
    """
    from finmodel.errors import InputError, Problem

    chosen = "json" if as_json else fmt.lower()
    if chosen not in FORMATS:
        raise InputError(
            [Problem("command line", "--format", f"must be table, csv or json, not {fmt!r}")]
        )
    return chosen
