"""Synthesis with the selected cdk-nag packs: each runs, its rules map or fail closed."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance import engine
from compliance.policy import Policy
from compliance.record.findings import FindingsRecord
from compliance.synthesis.nag import REPORT, read_violations

pytestmark = pytest.mark.slow


def _check(
    tmp_path: Path, policy: Policy, app: str, packs: list[str]
) -> tuple[FindingsRecord, Path]:
    out = tmp_path / "cdk.out"
    record = engine.check(
        environments=[],
        assembly_dir=out,
        shown_dir=out,
        policy=policy,
        app=app,
        packs=packs,
        cache=False,
    )
    return record, out


def test_every_selected_pack_reports_even_without_violations(
    tmp_path: Path, test_policy: Policy
) -> None:
    packs = ["PCIDSS321Checks", "AwsSolutionsChecks", "NIST80053R5Checks", "HIPAASecurityChecks"]
    record, out = _check(tmp_path, test_policy, "tests.compliance.cdk_apps:empty_app", packs)
    names = ["PCI.DSS.321", "AwsSolutions", "NIST.800.53.R5", "HIPAA.Security"]
    assert read_violations(out, names) == []
    assert (out / REPORT).is_file()
    assert record.summary.gate.exit_code == 0
    assert record.nag_packs == packs  # the record says which packs judged


def test_another_pack_maps_through_rule_functions_and_fails_closed_on_unmapped_rules(
    tmp_path: Path, test_policy: Policy
) -> None:
    record, _ = _check(
        tmp_path, test_policy, "tests.compliance.cdk_apps:bucket_app", ["AwsSolutionsChecks"]
    )
    nag = [f for f in record.findings if f.source == "cdk-nag"]
    assert nag and all(f.rule_id.startswith("AwsSolutions-") for f in nag)
    # AwsSolutions-S1 runs S3BucketLoggingEnabled, which the catalogue maps to TAP-LOG-01
    (logging,) = [f for f in nag if f.rule_id == "AwsSolutions-S1"]
    assert (logging.status, logging.control_id, logging.unmapped) == ("fail", "TAP-LOG-01", False)
    unmapped = [f for f in nag if f.unmapped]
    assert unmapped and all(f.control_id is None and f.status == "fail" for f in unmapped)
    # below every threshold by severity, yet the gate fails on them
    assert record.summary.gate.exit_code == 1
    assert record.summary.gate.blocking >= len(unmapped)
