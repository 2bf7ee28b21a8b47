"""Adds the commands that live in their own modules (one module per concern), in help order.

The modules are listed and imported explicitly (a missing one is an import error, never skipped);
each keeps its heavy imports inside its command bodies, so building the command line is cheap.
"""

from __future__ import annotations

import typer

from finmodel.cli import (
    app_commands,
    appraise_commands,
    assumption_commands,
    batch_commands,
    excel_commands,
    risk_commands,
)

#: Modules that define ``register(app)``, in the order their commands are listed.
COMMAND_MODULES = (
    assumption_commands,
    excel_commands,
    appraise_commands,
    risk_commands,
    app_commands,
    batch_commands,
)


def register(app: typer.Typer) -> None:
    """Add every command module's commands to ``app``."""
    for module in COMMAND_MODULES:
        module.register(app)
