"""A CDK app holding every cdk-nag policy fixture, one stack per template (CfnInclude).

Used as ``--app tests.policies.nag_fixture_app:build_app`` by the engine's synthesis, so the
fixtures go through the same path as the platform: cdk-nag's PCI DSS validation plugin, the
validation report, the assembly's construct path -> logical id mapping and the findings.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "policies"
#: The fixture file names that are templates (expected.yaml is the expectation).
EXPECTATIONS = "expected.yaml"


def nag_fixture_templates() -> list[Path]:
    """Every template of a control whose expectations name a cdk-nag rule."""
    import yaml

    found = []
    for folder in sorted(p for p in FIXTURES.iterdir() if (p / EXPECTATIONS).is_file()):
        with (folder / EXPECTATIONS).open(encoding="utf-8") as handle:
            expected = yaml.safe_load(handle) or {}
        names = {
            name
            for rule, files in expected.items()
            if rule.startswith("PCI.DSS.321-") and isinstance(files, dict)
            for name in files
        }
        found += [folder / name for name in sorted(names)]
    return found


def stack_id(template: Path) -> str:
    """``TAP-NET-05/fail.yaml`` -> ``TAP-NET-05-fail`` (a valid, unique stack id)."""
    return f"{template.parent.name}-{template.stem}"


def build_app(*, outdir: str | Path, env_names: Sequence[str] | None = None) -> Any:
    """One App, one stack per fixture template, each template included verbatim."""
    from aws_cdk import App, DefaultStackSynthesizer, Stack
    from aws_cdk import cloudformation_include as cfn_inc

    app = App(outdir=str(outdir), analytics_reporting=False)
    for template in nag_fixture_templates():
        stack = Stack(
            app,
            stack_id(template),
            synthesizer=DefaultStackSynthesizer(generate_bootstrap_version_rule=False),
        )
        cfn_inc.CfnInclude(stack, "Fixture", template_file=str(template))
    return app
