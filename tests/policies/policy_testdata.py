"""Paths and helpers the policy tests share (a module of its own: test files import it,
never ``conftest``, whose module name the other test folders share)."""

from __future__ import annotations

from pathlib import Path

from policies import CHECKS_DIR, Context, default_catalog
from policies.checkbase import TapCheck

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "policies"
#: Hand-written templates the template model's and the engine's tests read.
TEMPLATES = FIXTURES.parent / "templates"
SMALL_PLATFORM = TEMPLATES / "small-platform.yaml"

#: (check id, template path, logical id) -> pass | fail | skipped | unknown
Results = dict[tuple[str, Path, str], str]

STATUS = {"PASS": "pass", "FAIL": "fail", "UNKNOWN": "unknown", "NOT_APPLICABLE": "skipped"}


def our_check_ids() -> list[str]:
    """Every CKV_TAP / CKV2_TAP id the catalogue names."""
    return [rule for c in default_catalog().controls for rule in c.implemented_by.checkov]


def our_checks() -> list[TapCheck]:
    """Our checks, loaded as the engine loads them."""
    from compliance.judging.judge import custom_checks

    return [c for c in custom_checks(CHECKS_DIR) if isinstance(c, TapCheck)]


def fixture_templates() -> list[Path]:
    """Every policy fixture template (expected.yaml is the expectation)."""
    templates = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".yaml", ".json"))
    return [p for p in templates if p.name != "expected.yaml"]


def run_our_checks(paths: list[Path], context: Context | None = None) -> Results:
    """Each of our checks' pure judgement on every resource of the types it supports."""
    from policies.cfn.template import load_template

    results: Results = {}
    checks = our_checks()
    for path in paths:
        template = load_template(path)
        for logical_id, resource in template.resources.items():
            for check in checks:
                if resource.get("Type") in check.supported_resources:
                    verdict = check.judge(template, logical_id, context or Context())
                    results[(check.id, path.resolve(), logical_id)] = STATUS[verdict.outcome.name]
    return results
