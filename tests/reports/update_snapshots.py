"""Re-render the report snapshots of the fixed record.

Run ``python tests/reports/update_snapshots.py [--screenshot]`` from the repository root.

Review the diff before committing: a snapshot change is a change of the evidence auditors see.
With ``--screenshot`` it also re-takes the README's ``docs/img/audit-report.png`` in headless
Chromium.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
RECORDS = HERE.parent / "fixtures" / "records"
sys.path.insert(0, str(HERE.parents[1]))  # the repository root, when run as a script

from compliance.outputs.report.render import render  # noqa: E402
from compliance.outputs.report.templates import FORMATS  # noqa: E402
from compliance.record.load import load_record  # noqa: E402
from policies.catalog import load_catalog  # noqa: E402
from tests.reports.report_chromium import chromium_path, screenshot  # noqa: E402

SCREENSHOT = HERE.parents[1] / "docs" / "img" / "audit-report.png"


def main(argv: list[str]) -> None:
    """Write snapshots/audit.html and snapshots/audit.md (and the screenshot if asked)."""
    record = load_record(RECORDS / "tap-sample.json")
    catalog = load_catalog(RECORDS / "catalog.yaml")
    out = HERE / "snapshots"
    out.mkdir(exist_ok=True)
    for fmt in FORMATS:
        path = out / f"audit.{fmt}"
        path.write_text(render(record, fmt, catalog=catalog), encoding="utf-8")
        print(f"wrote {path}")
    if "--screenshot" in argv:
        executable = chromium_path()
        if executable is None:
            raise SystemExit("chromium is not installed: cannot take the screenshot")
        screenshot(executable, out / "audit.html", SCREENSHOT, width=1000, height=1250)
        print(f"wrote {SCREENSHOT}")


if __name__ == "__main__":
    main(sys.argv[1:])
