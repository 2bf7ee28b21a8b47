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

import re
from collections.abc import Iterable
from dataclasses import dataclass

#: Characters shown escaped in messages: controls (newline, ESC...), line and paragraph
#: separators, bidirectional overrides, and lone surrogates, none of which a terminal line
#: may hold as they are.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def safe_text(text: str) -> str:
    """``text`` with every control character shown as an escape, so it stays on one line.

    >>> safe_text("icb\\nx\\x1b[31m")
    'icb\\\\nx\\\\x1b[31m'
    """
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


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
        """One line: file, place and message, any control characters in them escaped."""
        where = f"{self.file}: {self.place}" if self.place else self.file
        return safe_text(f"{where}: {self.message}")


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
