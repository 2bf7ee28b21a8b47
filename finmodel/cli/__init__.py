"""The ``finmodel`` command line: thin wrappers over the library (all arithmetic is in the engine)."""

from finmodel.cli.main import app, main

__all__ = ["app", "main"]
