"""Registers the commands that live in their own modules (one module per concern)."""

from __future__ import annotations

import importlib

import typer

#: Modules that define ``register(app)``; each adds its commands.
COMMAND_MODULES = (
    "finmodel.cli.excel_commands",
    "finmodel.cli.appraise_commands",
    "finmodel.cli.risk_commands",
    "finmodel.cli.app_commands",
    "finmodel.cli.batch_commands",
)


def register(app: typer.Typer) -> None:
    """Add every optional command module's commands to ``app``."""
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name == name:  # that part of the product is not built yet
                continue
            raise
        module.register(app)
