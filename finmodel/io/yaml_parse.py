"""Safe, bounded YAML parsing for model files: data and line numbers in one pass.

libyaml (PyYAML's C parser, in the PyYAML wheels) reads the text once into a stream of events;
one loop over those events builds the Python data and the index of line numbers together, with
no recursion anywhere (so no nesting can exhaust the Python or C stack). Limits are enforced in
that same loop, before anything large is built:

* the file size (:data:`MAX_MODEL_BYTES`), checked before parsing;
* the number of values after alias expansion (:data:`MAX_VALUES`): an alias counts as the size
  of what it refers to, so an "alias bomb" is refused at the alias that passes the limit,
  without expanding anything;
* the nesting depth (:data:`MAX_DEPTH`), aliases counted at their full depth;
* an alias inside the collection it names (``description: &a [*a]``) is refused as a loop.

Plain (unquoted) scalars are read as a finance user means them (close to YAML 1.2's core
schema): ``true``/``false`` are the only booleans (``yes``, ``no``, ``on``, ``off``, ``y``,
``n`` stay text); ``null``, ``~`` and nothing are null; decimal integers (``-12``, ``007`` is 7)
and decimal numbers (``1.5``, ``.5``, ``1e6``, ``-2.5E-3``) are numbers; ``.inf``, ``-.inf``,
``.nan`` and numbers too large for a float (``1e999``) are the non-finite floats YAML 1.2 makes
them, which the schema refuses wherever an amount, rate or count is wanted ("Input should be a
finite number"); everything else is text: ``1:30`` (no base-60), ``0x1F`` and ``0o17`` (no
hexadecimal or octal), ``1_000``, ``2020-04-01`` (no dates), ``inf`` and ``nan``. Explicit standard tags (``!!str``, ``!!int``, ``!!float``, ``!!bool``,
``!!null``, ``!!seq``, ``!!map``) follow the same rules; any other tag (``!!python/...``) is
refused at once, and merge keys (``<<``) and keys that are not single values are refused.

Example
-------
>>> data, index = parse_yaml_text("a: yes\\nb:\\n  - 1:30\\n  - 1e3\\n", "m.yaml")
>>> data
{'a': 'yes', 'b': ['1:30', 1000.0]}
>>> index.line_of(("b", 1))
4
"""

from __future__ import annotations

import math
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from finmodel.errors import ModelValidationError, Problem

try:  # libyaml, shipped in PyYAML's wheels
    from yaml._yaml import CParser as _EventParser
except ImportError:  # pragma: no cover - only where PyYAML was built without libyaml
    _EventParser = yaml.SafeLoader  # type: ignore[misc,assignment]

Location = tuple[str | int, ...]

#: Largest model file accepted, in bytes. A national model (42 systems x 40 partners x 20 lines,
#: 10 years) is 1.5-5 MB depending on layout; anything larger is not a model file.
MAX_MODEL_BYTES = 10 * 1024 * 1024
#: Most values (keys, numbers, texts, lists and mappings) a model may hold once aliases are
#: expanded. A national model holds about 0.4 million.
MAX_VALUES = 2_000_000
#: Deepest nesting of lists and mappings (aliases counted at full depth); a model needs about 8.
MAX_DEPTH = 100

_SPECIAL_FLOATS = {
    f"{sign}.{word}": float(f"{sign}{word[:3]}")
    for sign in ("", "+", "-")
    for word in ("inf", "Inf", "INF", "nan", "NaN", "NAN")
}
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_TRUE = frozenset(("true", "True", "TRUE"))
_FALSE = frozenset(("false", "False", "FALSE"))
_NUMBER_START = frozenset("0123456789+-.")
_TAG = "tag:yaml.org,2002:"
_COLLECTION_TAGS = frozenset((None, "!", _TAG + "seq", _TAG + "map"))
_NO_KEY = object()
_SEEN_LIMIT = 100_000


class LineIndex:
    """Line numbers (1-based) of the keys and list items of a YAML document.

    A place is stored only where its line differs from its parent's, so a flow list written on
    one line costs nothing; :meth:`line_of` falls back to the nearest stored parent, which is
    then the right line. Values reached through an alias are placed at the alias.
    """

    def __init__(self) -> None:
        self.lines: dict[Location, int] = {}
        #: Keys given twice in one mapping: (place of the repeat, its line, line of the first).
        self.duplicates: list[tuple[Location, int, int]] = []
        #: Problems the reader found but could carry on past: (place, message).
        self.findings: list[tuple[Location, str]] = []

    def line_of(self, keys: Location) -> int | None:
        """The line of the deepest part of ``keys`` the document has."""
        for end in range(len(keys), -1, -1):
            line = self.lines.get(tuple(keys[:end]))
            if line is not None:
                return line
        return None


def plain_scalar(text: str) -> Any:
    """The value of an unquoted scalar: null, true/false, a finite decimal number, or the text.

    >>> [plain_scalar(s) for s in ("yes", "on", "1:30", "0o17", "12", "-1.5e3", "-.inf", "~")]
    ['yes', 'on', '1:30', '0o17', 12, -1500.0, -inf, None]
    """
    if not text:
        return None
    if text[0] in _NUMBER_START:
        # Python's int() and float() read exactly YAML 1.2's decimal forms once underscores and
        # non-ASCII digits are ruled out (a plain scalar has no surrounding spaces). float()
        # also reads inf and nan, which are YAML only as .inf and .nan.
        if "_" in text or not text.isascii():
            return text
        try:
            return int(text)
        except ValueError:  # not an integer, or more digits than Python converts
            pass
        special = _SPECIAL_FLOATS.get(text)
        if special is not None:
            return special
        try:
            number = float(text)
        except ValueError:
            return text
        return number if math.isfinite(number) or any(c.isdigit() for c in text) else text
    if text in _NULLS:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return text


def _tagged_scalar(tag: str, text: str) -> tuple[Any, str | None]:
    """The value of a scalar with an explicit tag, or (text, problem)."""
    if tag in ("!", _TAG + "str"):
        return text, None
    value = plain_scalar(text.strip())
    wanted = {
        _TAG + "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        _TAG + "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        _TAG + "bool": lambda v: isinstance(v, bool),
        _TAG + "null": lambda v: v is None,
    }.get(tag)
    if wanted is None:
        raise ValueError(tag)
    if not wanted(value):
        return text, f"{text!r} is not a valid {tag.removeprefix(_TAG)}"
    return (float(value) if tag.endswith("float") else value), None


class _Frame:
    """An open list or mapping while its events are read."""

    __slots__ = ("anchor", "container", "height", "is_map", "key", "key_line", "line", "path")

    def __init__(self, container: Any, path: Location, line: int, anchor: str | None):
        self.container = container
        self.path = path
        self.line = line
        self.anchor = anchor
        self.is_map = isinstance(container, dict)
        self.height = 1  # levels of lists and mappings, itself included
        self.key: Any = _NO_KEY
        self.key_line = 0


class _Anchor:
    __slots__ = ("height", "line", "open", "size", "start", "value")

    def __init__(self, value: Any, line: int, start: int):
        self.value = value
        self.line = line
        self.start = start
        self.size = 1
        self.height = 0
        self.open = True


def _place(path: Location, line: int) -> str:
    shown = ".".join(str(k) for k in path[:6]) + (".…" if len(path) > 6 else "")
    return f"{shown} (line {line})" if shown else f"line {line}"


class _Refused(Exception):
    def __init__(self, path: Location, line: int, message: str, column: int | None = None):
        super().__init__(message)
        self.path, self.line, self.message = path, line, message
        self.place = f"line {line}, column {column}" if column else _place(path, line)


def _refuse_tag(event: Any) -> _Refused:
    """A tag outside the standard ones: refused at once, placed like a YAML syntax error."""
    tag = str(event.tag).replace(_TAG, "!!", 1)
    mark = event.start_mark
    return _Refused(
        (),
        mark.line + 1,
        f"not valid YAML: the tag {tag} is not allowed in a model file",
        column=mark.column + 1,
    )


def _tagged_value(event: ScalarEvent, index: LineIndex, path: Location) -> Any:
    try:
        value, problem = _tagged_scalar(str(event.tag), event.value)
    except ValueError:
        raise _refuse_tag(event) from None
    if problem:
        index.findings.append((path, problem))
    return value


class _Builder:
    """Builds data and line index from parser events; raises :class:`_Refused` past a limit."""

    def __init__(self, index: LineIndex):
        self.index = index
        self.stack: list[_Frame] = []
        self.anchors: dict[str, _Anchor] = {}
        self.root: Any = None
        self.count = 0  # values so far, each alias counted at the size of what it names
        self.documents = 0

    def run(self, get_event: Any) -> Any:
        """Read every event; the hot path (a scalar inside a list or mapping) is inline."""
        stack, lines, no_key = self.stack, self.index.lines, _NO_KEY
        seen: dict[str, Any] = {}  # plain scalar text -> value (ids and rates repeat a lot)
        while True:
            event = get_event()
            kind = type(event)
            if kind is ScalarEvent and stack and event.anchor is None:
                top = stack[-1]
                if event.tag is not None:
                    value = _tagged_value(event, self.index, self._path_of(top))
                elif event.implicit[0]:
                    value = seen.get(event.value, no_key)
                    if value is no_key:
                        value = plain_scalar(event.value)
                        if len(seen) < _SEEN_LIMIT:
                            seen[event.value] = value
                else:
                    value = event.value
                self.count += 1
                if self.count > MAX_VALUES:
                    self._too_many(self._path_of(top), event.start_mark.line + 1, alias=False)
                if top.is_map:
                    if top.key is not no_key:  # a value: its line is its key's
                        top.container[top.key] = value
                        top.key = no_key
                        continue
                    line = event.start_mark.line + 1
                    if value in top.container or value == "<<":
                        self._key(top, value, line, plain=event.implicit[0])
                    else:
                        if line != top.line:
                            lines[(*top.path, value)] = line
                        top.key, top.key_line = value, line
                else:
                    line = event.start_mark.line + 1
                    if line != top.line:
                        lines[(*top.path, len(top.container))] = line
                    top.container.append(value)
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                self._close()
            elif kind is StreamEndEvent:
                return self.root
            elif kind is DocumentStartEvent:
                self.documents += 1
                if self.documents > 1:
                    raise _Refused((), event.start_mark.line + 1, "a model file holds one document")
            elif kind in (ScalarEvent, AliasEvent, MappingStartEvent, SequenceStartEvent):
                self._node(event, kind)

    def _path_of(self, top: _Frame) -> Location:
        """The place of the next value inside ``top`` (the mapping itself for a key)."""
        if not top.is_map:
            return (*top.path, len(top.container))
        return top.path if top.key is _NO_KEY else (*top.path, top.key)

    def _too_many(self, path: Location, line: int, alias: bool) -> None:
        why = " once its aliases are expanded" if alias or self.anchors else ""
        raise _Refused(path, line, f"the file holds more than {MAX_VALUES:,} values{why}")

    def _key(self, top: _Frame, key: Any, line: int, plain: bool) -> None:
        lines, here = self.index.lines, (*top.path, key)
        if key == "<<" and plain:
            self.index.findings.append(
                (here, "merge keys (<<) are not supported; write the keys out")
            )
        if key in top.container:
            first = self.index.line_of(here) or top.line
            self.index.duplicates.append((here, line, first))
            lines[here] = line  # the repeat is the value that counts
        elif line != top.line:
            lines[here] = line
        top.key, top.key_line = key, line

    def _node(self, event: Any, kind: type) -> None:
        """A value other than an unanchored scalar in a collection: any root, a list or mapping
        start, an alias, or an anchored scalar."""
        stack = self.stack
        top = stack[-1] if stack else None
        path = () if top is None else self._path_of(top)
        line = event.start_mark.line + 1
        size, height = 1, 0
        if kind is ScalarEvent:
            if event.tag is None:
                value = plain_scalar(event.value) if event.implicit[0] else event.value
            else:
                value = _tagged_value(event, self.index, path)
        elif kind is AliasEvent:
            anchor = self.anchors.get(event.anchor)
            if anchor is None:
                raise _Refused(path, line, f"alias *{event.anchor} is not defined above it")
            if anchor.open:
                raise _Refused(
                    path, line, f"alias *{event.anchor} is inside what it names (a loop)"
                )
            value, size, height = anchor.value, anchor.size, anchor.height
        else:
            if event.tag not in _COLLECTION_TAGS:
                raise _refuse_tag(event)
            value = {} if kind is MappingStartEvent else []
            height = 1
        self.count += size
        if self.count > MAX_VALUES:
            self._too_many(path, line, alias=kind is AliasEvent)
        if len(stack) + height > MAX_DEPTH:
            raise _Refused(path, line, f"nested more than {MAX_DEPTH} levels deep")
        if top is None:
            self.root = value
            self.index.lines[()] = line
        elif top.is_map and top.key is _NO_KEY:
            if kind is not ScalarEvent and not (kind is AliasEvent and height == 0):
                raise _Refused(path, line, "a key must be a single value, not a list or mapping")
            self._key(top, value, line, plain=kind is ScalarEvent and event.implicit[0])
        elif top.is_map:
            top.container[top.key] = value
            line = top.key_line
            top.key = _NO_KEY
        else:
            top.container.append(value)
            if line != top.line:
                self.index.lines[path] = line
        if top is not None and height and top.height <= height:
            top.height = height + 1
        if kind is AliasEvent:
            return
        anchor = None
        if event.anchor is not None:
            anchor = _Anchor(value, line, self.count - 1)
            first = self.anchors.get(event.anchor)
            if first is not None:
                raise _Refused(
                    path, line, f"anchor &{event.anchor} is defined twice (also line {first.line})"
                )
            self.anchors[event.anchor] = anchor
        if kind is ScalarEvent:
            if anchor is not None:
                anchor.open = False
        else:
            stack.append(_Frame(value, path, line, event.anchor))

    def _close(self) -> None:
        frame = self.stack.pop()
        if frame.anchor is not None:
            anchor = self.anchors[frame.anchor]
            anchor.size, anchor.height = self.count - anchor.start, frame.height
            anchor.open = False
        if self.stack and self.stack[-1].height <= frame.height:
            self.stack[-1].height = frame.height + 1


def parse_yaml_text(text: str | bytes, file: str) -> tuple[Any, LineIndex]:
    """Parse YAML text (one document, safe values only) into data and its line index.

    Every refusal is a :class:`ModelValidationError` naming ``file`` and the line: not YAML,
    larger than :data:`MAX_MODEL_BYTES`, more than :data:`MAX_VALUES` values after aliases,
    deeper than :data:`MAX_DEPTH`, an alias loop, an undefined alias or a repeated anchor.
    """
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if len(raw) > MAX_MODEL_BYTES:
        raise ModelValidationError(
            [Problem(file, "", f"larger than {MAX_MODEL_BYTES // 2**20} MB; not a model file")]
        )
    index = LineIndex()
    parser = _EventParser(raw)
    try:
        data = _Builder(index).run(parser.get_event)
    except _Refused as err:
        raise ModelValidationError([Problem(file, err.place, err.message)]) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ModelValidationError(
            [Problem(file, place, f"not valid YAML: {err.problem or err}")]
        ) from None
    except yaml.YAMLError as err:
        raise ModelValidationError([Problem(file, "", f"not valid YAML: {err}")]) from None
    finally:
        dispose = getattr(parser, "dispose", None)
        if dispose is not None:
            dispose()
    return data, index
