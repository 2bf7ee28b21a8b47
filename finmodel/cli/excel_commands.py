"""``finmodel template``: write the budget workbook a finance lead fills in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from finmodel.cli.common import console, handles_errors, model_path


def template(
    out: Annotated[Path, typer.Option("--out", "-o", help="The template to write (.xlsx).")],
    model: Annotated[
        Path | None,
        typer.Argument(
            help="Model to pre-fill it from (YAML or workbook); default: the bundled L&SC model."
        ),
    ] = None,
    blank: Annotated[
        bool,
        typer.Option(
            "--blank", help="Only the model settings and assumptions; no partners or lines."
        ),
    ] = False,
) -> None:
    """Write the Excel budget template (partners, funding, cost lines, assumptions, control totals)."""
    from finmodel.io.template.writer import write_template
    from finmodel.io.yaml_io import load_model

    source = model_path(model)
    write_template(out, load_model(source), blank=blank)
    console.print(
        f"Budget template written to {out} (from {source}); read it back with: finmodel validate {out}",
        markup=False,
    )


def register(app: typer.Typer) -> None:
    """Add the Excel commands to the ``finmodel`` application."""
    app.command("template")(handles_errors(template))
