"""Reading model files (YAML) with every problem named by its dotted path and line.

Example
-------
>>> model = load_model("models/minimal.yaml")
>>> [p.id for p in model.partners]
['icb', 'trust']
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from finmodel.domain.checks import Finding
from finmodel.domain.model import Model
from finmodel.domain.validation import display_path, validate_data
from finmodel.errors import ModelValidationError, Problem
from finmodel.io.yaml_parse import MAX_MODEL_BYTES, LineIndex, parse_yaml_text, plain_scalar
from finmodel.risk.model_checks import MODEL_CHECKS

__all__ = [
    "MAX_MODEL_BYTES",
    "LineIndex",
    "dump_yaml",
    "file_hash",
    "load_model",
    "load_model_text",
    "model_from_data",
    "model_to_yaml",
    "parse_yaml",
    "problems_from_findings",
    "read_model_data",
]


def parse_yaml(text: str, file: str) -> tuple[Any, LineIndex]:
    """Parse YAML text (one document, safe values, within the limits) into data and line index.

    See :mod:`finmodel.io.yaml_parse` for the limits and how plain values are read.
    """
    return parse_yaml_text(text, file)


def problems_from_findings(
    findings: list[Finding], data: Any, index: LineIndex | None, file: str
) -> list[Problem]:
    """Findings as problems naming the dotted path and, when known, its line."""
    problems = []
    for keys, message in findings:
        path = display_path(data, keys) if keys else ""
        line = index.line_of(keys) if index is not None else None
        place = (
            f"{path} (line {line})" if path and line else (path or (f"line {line}" if line else ""))
        )
        problems.append(Problem(file, place, message))
    return problems


def read_model_data(path: str | Path) -> tuple[Any, LineIndex]:
    """Read a YAML model file into raw data and its line index (errors raised as problems)."""
    file = str(path)
    source = Path(path)
    if not source.is_file():
        raise ModelValidationError([Problem(file, "", "no such file")])
    if source.stat().st_size > MAX_MODEL_BYTES:
        raise ModelValidationError(
            [Problem(file, "", f"larger than {MAX_MODEL_BYTES // 2**20} MB; not a model file")]
        )
    raw = source.read_bytes()
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ModelValidationError(
            [Problem(file, "", f"not UTF-8 text ({err.reason} at byte {err.start})")]
        ) from None
    return parse_yaml_text(raw, file)


def model_from_data(data: Any, file: str, index: LineIndex | None = None) -> Model:
    """Validate raw data; raise :class:`ModelValidationError` with every problem found."""
    findings: list[Finding] = []
    if index is not None:
        findings += [
            (keys, f"key given twice (first on line {first}, again on line {line})")
            for keys, line, first in index.duplicates
        ]
        findings += index.findings
    model, more = validate_data(data, checks=MODEL_CHECKS)
    findings += more
    if model is None or findings:
        raise ModelValidationError(problems_from_findings(findings, data, index, file))
    return model.with_origin(file)


def load_model(path: str | Path) -> Model:
    """Load and validate a model file: YAML, or a budget workbook (``.xlsx``).

    Raises :class:`~finmodel.errors.ModelValidationError` listing every problem, each naming
    the file and the place (dotted path and line, or Sheet!Cell).
    """
    suffix = Path(path).suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        from finmodel.io.template.reader import load_workbook_model

        return load_workbook_model(path)
    data, index = read_model_data(path)
    return model_from_data(data, str(path), index)


def load_model_text(text: str, file: str = "<upload>") -> Model:
    """Load a model from YAML text (for uploads); problems name ``file``."""
    data, index = parse_yaml(text, file)
    return model_from_data(data, file, index)


def file_hash(path: str | Path) -> str:
    """sha256 hex digest of a file's bytes (the model hash shown on outputs)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def model_to_yaml(model: Model) -> str:
    """The model as YAML text (keys as in the file format, defaults left out)."""
    data = model.model_dump(mode="json", exclude_unset=True, by_alias=True)
    return dump_yaml(_plain(data))


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """PyYAML's safe dumper (libyaml's emitter when present) that quotes every text this
    reader would not read back as that text (``1e3``, ``0o17``...), as well as those YAML 1.1
    readers would not (``yes``, ``1:30``...)."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = None if plain_scalar(text) == text and isinstance(plain_scalar(text), str) else '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_text)


def dump_yaml(data: Any) -> str:
    """Plain data (mappings, lists, texts, numbers, booleans, None) as YAML this module reads
    back as the same data.

    >>> print(dump_yaml({"id": "1e3", "answer": "yes", "n": 2}), end="")
    id: "1e3"
    answer: 'yes'
    n: 2
    """
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
