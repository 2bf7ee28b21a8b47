"""Shared pieces of the command line: the default model, error handling, JSON output.

``money`` (£k as text) is :func:`finmodel.formatting.money`, re-exported for the commands.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console

from finmodel.errors import FinmodelError, InputError, safe_text
from finmodel.formatting import money

if TYPE_CHECKING:
    from rich.table import Table
from finmodel.resources import default_model

#: Exit statuses (SPEC section 8).
EXIT_OK, EXIT_FAILURE, EXIT_INPUT = 0, 1, 2

console = Console(width=None if sys.stdout.isatty() else 160)
error_console = Console(stderr=True, highlight=False, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])


def model_path(model: Path | None) -> Path:
    """The model file to use: the one given, else the bundled default model."""
    return model if model is not None else default_model()


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
            error_console.print(safe_text(f"error: {err}"), markup=False)
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
                safe_text(
                    f"internal error: {type(err).__name__}: {err} "
                    "(set FINMODEL_DEBUG=1 for a traceback)"
                ),
                markup=False,
            )
            raise typer.Exit(EXIT_FAILURE) from None

    return wrapper  # type: ignore[return-value]


def new_table(*args: Any, **kwargs: Any) -> Table:
    """A :class:`rich.table.Table` (rich's table module is imported when a table is drawn)."""
    from rich.table import Table

    return Table(*args, **kwargs)


def print_json(data: Any, origin: str = "the result") -> None:
    """Write JSON to stdout (no colour, no wrapping), one document.

    Data holding ``inf`` or ``nan`` is refused (an input error naming ``origin``) before
    anything is printed.
    """
    from finmodel.io.finite import check_finite_json

    check_finite_json(data, origin)
    sys.stdout.write(json.dumps(data, indent=2, allow_nan=False) + "\n")


__all__ = [
    "EXIT_FAILURE",
    "EXIT_INPUT",
    "EXIT_OK",
    "console",
    "error_console",
    "handles_errors",
    "model_path",
    "money",
    "new_table",
    "print_json",
]
