"""``finmodel app``: start the Streamlit front end (``streamlit run`` on the packaged script)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from finmodel.cli.common import error_console, handles_errors
from finmodel.resources import app_script

#: Largest upload the server accepts, in MB (the app refuses larger model files too).
MAX_UPLOAD_MB = 10


def streamlit_command(address: str, port: int, headless: bool) -> list[str]:
    """The ``streamlit run`` command line the app is started with.

    >>> streamlit_command("127.0.0.1", 8501, True)[1:4]
    ['-m', 'streamlit', 'run']
    """
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_script()),
        "--server.address",
        address,
        "--server.port",
        str(port),
        "--server.headless",
        "true" if headless else "false",
        "--server.maxUploadSize",
        str(MAX_UPLOAD_MB),
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
    ]


def register(app: typer.Typer) -> None:
    """Add ``finmodel app`` to the command line."""

    @app.command("app")
    @handles_errors
    def start_app(
        port: Annotated[int, typer.Option("--port", "-p", help="Port to serve on.")] = 8501,
        address: Annotated[
            str, typer.Option("--address", help="Address to listen on (127.0.0.1: this machine).")
        ] = "127.0.0.1",
        headless: Annotated[
            bool, typer.Option("--headless", help="Do not open a browser window.")
        ] = False,
        data_dir: Annotated[
            Path | None,
            typer.Option(
                "--data-dir",
                help="Folder of the scenario store (default: $FINMODEL_DATA_DIR, else ./data).",
            ),
        ] = None,
    ) -> None:
        """Start the Streamlit front end in the browser (stop it with Ctrl+C)."""
        try:
            import streamlit  # noqa: F401
        except ModuleNotFoundError:
            error_console.print(
                'The app needs the "app" extras: pip install -e ".[app]"', markup=False
            )
            raise typer.Exit(1) from None
        from finmodel.app.store import DATA_DIR_ENV, resolve_data_dir

        env = dict(os.environ)
        env[DATA_DIR_ENV] = str(resolve_data_dir(data_dir))
        error_console.print(f"Scenario store: {env[DATA_DIR_ENV]}", markup=False)
        command = streamlit_command(address, port, headless)
        sys.stdout.flush()
        sys.stderr.flush()
        # Replace this process with the server, so Ctrl+C and signals reach Streamlit directly.
        os.execve(command[0], command, env)
