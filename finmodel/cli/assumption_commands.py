"""``finmodel assumptions``: the finance assumptions of a model, named and with their sources.

The same list the app's sidebar shows (:func:`finmodel.app.finance_assumptions.finance_assumptions`):
demand, inflation, the system efficiency rate named by what it does in the model, allocation
growth, and where the model declares them CIP planned / delivered / recurrent, QIPP, the
tariff's cost uplift and efficiency factors, the pay, drugs and non-pay price series,
convergence pace and the deficit support taper, each with its dotted path (what a scenario's
``set:`` or ``goal-seek --assumption`` takes) and the model's ``source:`` for it.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from finmodel.cli.common import console, handles_errors, model_path, new_table, print_json
from finmodel.cli.tables import MAX_WIDTH, FormatOpt, JsonOpt, resolve_format

if TYPE_CHECKING:
    from finmodel.app.finance_assumptions import AssumptionSpec


def value_text(spec: AssumptionSpec) -> str:
    """A spec's model value as a reader sees it: rates and shares in percent, lists by year.

    >>> from finmodel.app.finance_assumptions import AssumptionSpec
    >>> value_text(AssumptionSpec("a.b", "X", "rate", [0.02, 0.025], "s", "h"))
    '2.00%, 2.50% (by year)'
    """
    value = spec.model_value
    if spec.kind in ("rate", "share", "derived"):
        if isinstance(value, list | tuple):
            return ", ".join(f"{float(v) * 100:.2f}%" for v in value) + " (by year)"
        return f"{float(value) * 100:.2f}%"
    return str(value)


def _json(spec: AssumptionSpec) -> dict[str, Any]:
    return {
        "path": spec.path,
        "assumption": spec.label,
        "kind": spec.kind,
        "value": spec.model_value,
        "source": spec.source,
    }


def register(app: typer.Typer) -> None:
    """Add ``finmodel assumptions`` to the command line."""

    @app.command("assumptions")
    @handles_errors
    def assumptions(
        model: Annotated[
            Path | None,
            typer.Argument(help="Model file (YAML or budget workbook); default: the bundled one."),
        ] = None,
        scenario: Annotated[
            str | None, typer.Option("--scenario", "-s", help="Scenario id to apply.")
        ] = None,
        fmt: FormatOpt = "table",
        as_json: JsonOpt = False,
    ) -> None:
        """List the model's finance assumptions as a finance lead names them, with sources."""
        from finmodel.app.finance_assumptions import finance_assumptions
        from finmodel.domain.validation import apply_scenario
        from finmodel.io.yaml_io import load_model

        output = resolve_format(fmt, as_json)
        written = load_model(model_path(model))
        loaded = apply_scenario(written, scenario)
        before = {s.path: s.model_value for s in finance_assumptions(written)}
        specs = [
            s
            if before.get(s.path) == s.model_value
            else replace(s, source=f"scenario {scenario}; the model's source: {s.source}")
            for s in finance_assumptions(loaded)
        ]
        if output == "json":
            print_json({"model": loaded.name, "assumptions": [_json(s) for s in specs]})
            return
        if output == "csv":
            writer = csv.writer(sys.stdout, lineterminator="\n")
            writer.writerow(["path", "assumption", "value", "source"])
            for s in specs:
                writer.writerow([s.path, s.label, value_text(s), s.source])
            return
        title = f"{loaded.name}: assumptions" + (f" (scenario {scenario})" if scenario else "")
        table = new_table(title=title, show_lines=True, width=min(MAX_WIDTH, console.width))
        table.add_column("Assumption (dotted path)", ratio=3)
        table.add_column("Value", ratio=2)
        table.add_column("Source", ratio=5)
        for s in specs:
            table.add_row(f"{s.label}\n{s.path}", value_text(s), s.source)
        console.print(table)
