"""Re-render the report snapshots of the fixed record.

Run ``python tests/reports/update_snapshots.py`` from the repository root.

Review the diff before committing: a snapshot change is a change of the evidence auditors see.
The README's picture of the report is the platform's own: ``scripts/screenshot_report.py``.
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


def main() -> None:
    """Write snapshots/audit.html and snapshots/audit.md."""
    record = load_record(RECORDS / "tap-sample.json")
    catalog = load_catalog(RECORDS / "catalog.yaml")
    out = HERE / "snapshots"
    out.mkdir(exist_ok=True)
    for fmt in FORMATS:
        path = out / f"audit.{fmt}"
        path.write_text(render(record, fmt, catalog=catalog), encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
