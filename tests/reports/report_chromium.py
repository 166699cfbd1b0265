"""Headless Debian Chromium for the report's browser test and README screenshot."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

#: Offline, quiet, throw-away: nothing leaves loopback, nothing persists.
FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_path() -> str | None:
    """The Chromium executable, or None when it is not installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def print_to_pdf(executable: str, html: Path, pdf: Path, profile: Path) -> None:
    """Print ``html`` to ``pdf`` with Chromium's own print pipeline (``--print-to-pdf``)."""
    subprocess.run(
        [
            executable,
            "--headless",
            *FLAGS,
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def screenshot(executable: str, html: Path, png: Path, width: int, height: int) -> None:
    """A PNG of the top of ``html`` in a ``width`` x ``height`` window (``--screenshot``)."""
    with tempfile.TemporaryDirectory(prefix="tap-chromium-") as profile:
        subprocess.run(
            [
                executable,
                "--headless",
                *FLAGS,
                f"--user-data-dir={profile}",
                "--hide-scrollbars",
                f"--window-size={width},{height}",
                f"--screenshot={png.resolve()}",
                html.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
