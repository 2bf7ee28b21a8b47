"""The ``finmodel`` command line: thin wrappers over the library (all arithmetic is in the engine).

A command is one short-lived process whose numpy work is element-wise or on small matrices, so
OpenBLAS gets one thread unless the user says otherwise: its worker threads otherwise spin at
start-up for no gain (about 0.15 s of CPU a command on this project's 2-core machine). The
Monte Carlo spreads over processes instead (``--workers``).
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from finmodel.cli.main import app, main  # after the thread setting

__all__ = ["app", "main"]
