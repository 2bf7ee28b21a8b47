"""Errors raised by finmodel.

One root class, :class:`FinmodelError`, and a few specific ones. Anything the user must fix in
their input (a model file, a budget workbook, a scenario, a command-line value) is an
:class:`InputError`: it carries every :class:`Problem` found, each naming the file and the place
in it, so the CLI can print one line per problem and exit with status 2.

Example
-------
>>> err = InputError([Problem("m.yaml", "partners.icb.costs.chc.baseline (line 31)", "must be >= 0")])
>>> print(err)
m.yaml: partners.icb.costs.chc.baseline (line 31): must be >= 0
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: the file, the place in it, and what is wrong.

    ``place`` is a YAML dotted path with its line (``partners.icb.costs.chc.baseline (line 31)``)
    or a spreadsheet reference (``Costs!D7``); it may be empty when the problem is the whole file.
    """

    file: str
    place: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.place}" if self.place else self.file
        return f"{where}: {self.message}"


class FinmodelError(Exception):
    """Root of every error finmodel raises on purpose."""


class InputError(FinmodelError):
    """Input the user must fix. Carries all problems found, reported together (exit status 2)."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ModelValidationError(InputError):
    """A model file (YAML) or its scenarios do not validate."""


class WorkbookInputError(InputError):
    """A budget workbook cannot be read: errors name the sheet and the cell."""


class ScenarioError(InputError):
    """A scenario overlay names an unknown path or gives an invalid value."""


class GoalSeekError(FinmodelError):
    """No value of the assumption in its valid range meets the target."""
