"""Generate docs/controls.md from the catalogue: ``python -m policies.docs [--check]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from policies.catalog import Catalog, Control, default_catalog

DOCS_PATH = Path(__file__).resolve().parents[1] / "docs" / "controls.md"


def render(catalog: Catalog) -> str:
    """The whole page: a summary table, then one section per control."""
    lines = [
        "# TAP controls",
        "",
        "Generated from `policies/catalog.yaml` by `python -m policies.docs`; do not edit.",
        "",
        "| id | control | severity | PCI DSS 4.0.1 | PCI DSS 3.2.1 | AWS Config | implemented by |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [_row(control) for control in catalog.controls]
    for control in catalog.controls:
        lines += ["", *_section(control)]
    return "\n".join(lines) + "\n"


def _row(control: Control) -> str:
    cells = [
        f"[{control.id}](#{control.id.lower()})",
        control.title,
        control.severity,
        ", ".join(control.pci_dss.v4_0_1),
        ", ".join(control.pci_dss.v3_2_1),
        ", ".join(control.config_rules) or "—",
        ", ".join(f"`{rule}`" for rule in control.implemented_by.rule_ids()),
    ]
    return "| " + " | ".join(cells) + " |"


def _section(control: Control) -> list[str]:
    impl = control.implemented_by
    return [
        f"## {control.id}",
        "",
        f"**{control.title}** — severity {control.severity}",
        "",
        control.rationale,
        "",
        f"- Resource types: {', '.join(f'`{t}`' for t in control.resource_types)}",
        f"- PCI DSS 4.0.1: {', '.join(control.pci_dss.v4_0_1)}; "
        f"3.2.1: {', '.join(control.pci_dss.v3_2_1)}",
        f"- AWS Config rules: {', '.join(control.config_rules) or 'none'}",
        f"- Our checkov checks: {', '.join(impl.checkov) or 'none'}",
        f"- checkov built-ins: {', '.join(impl.checkov_builtin) or 'none'}",
        f"- cdk-nag rules: {', '.join(impl.cdk_nag) or 'none'}",
        "",
        f"Remediation: {control.remediation.summary}",
        "",
        "```python",
        control.remediation.cdk_python.rstrip(),
        "```",
    ]


def main(argv: list[str] | None = None) -> int:
    """Write the page, or with ``--check`` exit 1 when it is stale."""
    parser = argparse.ArgumentParser(prog="python -m policies.docs", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when docs are stale")
    parser.add_argument("--output", type=Path, default=DOCS_PATH)
    args = parser.parse_args(argv)
    page = render(default_catalog())
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != page:
            print(f"{args.output}: stale, run python -m policies.docs", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(page, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
