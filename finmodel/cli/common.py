"""Shared pieces of the command line: the default model, error handling, money formatting."""

from __future__ import annotations

import functools
import json
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console

from finmodel.errors import FinmodelError, InputError

#: Exit statuses (SPEC section 8).
EXIT_OK, EXIT_FAILURE, EXIT_INPUT = 0, 1, 2

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL = REPO_ROOT / "models" / "lsc_ics.yaml"

console = Console(width=None if sys.stdout.isatty() else 160)
error_console = Console(stderr=True, highlight=False, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])


def model_path(model: Path | None) -> Path:
    """The model file to use: the one given, else the bundled default model."""
    return model if model is not None else DEFAULT_MODEL


def handles_errors(func: F) -> F:
    """Turn finmodel errors into one line per problem on stderr and the SPEC exit status."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as err:
            for problem in err.problems:
                error_console.print(str(problem), markup=False)
            raise typer.Exit(EXIT_INPUT) from None
        except FinmodelError as err:
            error_console.print(f"error: {err}", markup=False)
            raise typer.Exit(EXIT_FAILURE) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # the reader stopped early (``| head``): not an error
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes at exit
            raise typer.Exit(EXIT_OK) from None
        except Exception as err:  # an internal fault: say so briefly, trace only on request
            if os.environ.get("FINMODEL_DEBUG"):
                raise
            error_console.print(
                f"internal error: {type(err).__name__}: {err} (set FINMODEL_DEBUG=1 for a traceback)",
                markup=False,
            )
            raise typer.Exit(EXIT_FAILURE) from None

    return wrapper  # type: ignore[return-value]


def money(value: float | None, decimals: int = 0) -> str:
    """£k with thousands separators and negatives in brackets: ``(1,234)``; blank for None/NaN.

    >>> money(-1234.4), money(56789.0), money(None)
    ('(1,234)', '56,789', '')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = f"{abs(value):,.{decimals}f}"
    return f"({text})" if round(value, decimals) < 0 else text


def print_json(data: Any) -> None:
    """Write JSON to stdout (no colour, no wrapping), one document."""
    sys.stdout.write(json.dumps(data, indent=2, allow_nan=False) + "\n")
