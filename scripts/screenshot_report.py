"""The README's picture of the audit report, taken from the platform's own report.

``.venv/bin/nox -s screenshot`` (or ``python scripts/screenshot_report.py`` in the project's
virtualenv) runs the gate on every environment as ``nox -s compliance`` does (``tap-compliance
check --env all``, which writes ``reports/out/``), opens its ``audit.html`` in headless
Chromium (``--screenshot``, a fixed window) and writes ``docs/img/audit-report.png``;
``--record FILE`` renders a saved record with ``tap-compliance report`` instead. Beside the
image, ``audit-report.png.sources.json`` keeps the SHA-256 of the image and of every template
of the HTML report (``reports/templates/``, the Markdown ones aside): a test fails when they
change and the picture does not (file times do not survive a clone; hashes do).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
IMAGE = ROOT / "docs" / "img" / "audit-report.png"
SOURCES = IMAGE.with_name(f"{IMAGE.name}.sources.json")
TEMPLATES = ROOT / "reports" / "templates"
#: The suffixes of the Markdown templates, which the picture does not show.
MARKDOWN = [".md", ".j2"]
#: The window the picture is taken in: the report's cover and summary.
WINDOW = (1000, 1250)
#: The command that retakes the picture (named by the test that finds it stale).
COMMAND = ".venv/bin/nox -s screenshot"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def template_digests() -> dict[str, str]:
    """Every template of the HTML report (its path from the project root) and its SHA-256."""
    files = sorted(p for p in TEMPLATES.rglob("*") if p.is_file() and p.suffixes[-2:] != MARKDOWN)
    return {p.relative_to(ROOT).as_posix(): sha256(p) for p in files}


def _tool(*args: str) -> subprocess.CompletedProcess[bytes]:
    """``tap-compliance ARGS`` with this interpreter, from the project root."""
    return subprocess.run([sys.executable, "-m", "compliance", *args], cwd=ROOT, check=False)


def _report(record: Path | None, scratch: Path) -> tuple[Path, Path]:
    """(the audit.html to photograph, the record it shows)."""
    if record is None:
        out = Path("reports", "out")
        done = _tool("check", "--env", "all", "--out", str(out))
        if done.returncode not in (0, 1):  # 1: the gate failed, and its report says so
            raise SystemExit(f"tap-compliance check exited {done.returncode}: no report")
        return ROOT / out / "audit.html", ROOT / out / "findings.json"
    html = scratch / "audit.html"
    done = _tool("report", str(record.resolve()), "--format", "html", "--output", str(html))
    if done.returncode != 0:
        raise SystemExit(f"tap-compliance report exited {done.returncode}: no report")
    return html, record


def _chromium_version(executable: str) -> str:
    done = subprocess.run([executable, "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip()


def sources(record: Path, chromium: str) -> dict[str, Any]:
    """What the picture was taken from: the image's own SHA-256, then its inputs."""
    data = json.loads(record.read_text(encoding="utf-8"))
    return {
        "command": COMMAND,
        "image_sha256": sha256(IMAGE),
        "templates": template_digests(),
        "record": {
            "generated_at": data["generated_at"],
            "git_commit": data["git_commit"],
            "targets": [target["name"] for target in data["targets"]],
        },
        "chromium": chromium,
        "window": list(WINDOW),
    }


def main(argv: list[str]) -> int:
    """Retake docs/img/audit-report.png and write its sources beside it."""
    from tests.reports.report_chromium import chromium_path, screenshot

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--record",
        type=Path,
        metavar="FILE",
        help="a saved findings.json to render (default: run the gate on every environment)",
    )
    args = parser.parse_args(argv)
    executable = chromium_path()
    if executable is None:
        raise SystemExit("chromium is not on PATH (Debian, Ubuntu: apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="tap-screenshot-") as scratch:
        html, record = _report(args.record, Path(scratch))
        taken = Path(scratch, IMAGE.name)
        screenshot(executable, html, taken, *WINDOW)
        taken.replace(IMAGE)
    note = sources(record, _chromium_version(executable))
    SOURCES.write_text(json.dumps(note, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {IMAGE.relative_to(ROOT)} and {SOURCES.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
