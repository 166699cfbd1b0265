"""A waiver the run did not judge is not applicable to it, never stale: ``check --env prod
--pack AwsSolutionsChecks`` on a copy of the app, with waivers of dev, of PCI DSS rules and of
a control only cdk-nag's PCI DSS pack judges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.compliance.app_copy import copy_app, run_gate

JUSTIFICATION = "Accepted for this test of which waivers a run judges, and which it does not."


def _waiver(name: str, control: str, resources: str, environments: str, days: int) -> str:
    """A waiver approved 10 days ago expiring in ``days`` days."""
    today = datetime.now(UTC).date()
    return (
        f"  - id: {name}\n    control: {control}\n    resources: {resources}\n"
        f"    environments: {environments}\n    justification: {JUSTIFICATION}\n"
        f"    approver: qsa\n    approved: {today - timedelta(days=10)}\n"
        f"    expires: {today + timedelta(days=days)}\n"
    )


def test_waivers_outside_the_run_are_not_applicable_and_the_stale_one_is_stale(
    tmp_path: Path,
) -> None:
    soon = datetime.now(UTC).date() + timedelta(days=10)
    folder = copy_app(tmp_path / "app")
    (folder / "waivers.yaml").write_text(
        "waivers:\n"
        + _waiver("W-DEV", "TAP-IAM-01", "[Custom*Role*]", "[dev]", 200)
        + _waiver("W-BAK", "TAP-BAK-02", "[BucketsIngestionBucket*]", "['*']", 200)
        + _waiver(
            "W-PCI",
            "PCI.DSS.321-S3BucketReplicationEnabled",
            "[BucketsIngestionBucket*]",
            "[prod]",
            200,
        )
        + _waiver("W-GONE", "CKV_AWS_18", "[NoSuchBucket]", "[prod]", 10)
    )
    _, record, stdout = run_gate(folder, "--env", "prod", "--pack", "AwsSolutionsChecks")
    states = {w["id"]: (w["state"], w["matched"], w["note"]) for w in record["waivers"]}
    assert states == {
        "W-DEV": ("not-applicable", 0, "it waives in dev only, and this run judged prod"),
        "W-BAK": (
            "not-applicable",
            0,
            "TAP-BAK-02 is judged by cdk-nag rules only, and this run ran none of them",
        ),
        "W-PCI": (
            "not-applicable",
            0,
            "PCI.DSS.321-S3BucketReplicationEnabled is a rule of a cdk-nag pack this run did "
            "not run",
        ),
        "W-GONE": ("stale", 0, "it matches no failure in prod"),
    }
    lines = [line for line in stdout.splitlines() if line.startswith("waiver ")]
    assert lines == [
        "waiver W-DEV is not applicable to this run: it waives in dev only, and this run "
        "judged prod",
        "waiver W-BAK is not applicable to this run: TAP-BAK-02 is judged by cdk-nag rules "
        "only, and this run ran none of them",
        "waiver W-PCI is not applicable to this run: PCI.DSS.321-S3BucketReplicationEnabled "
        "is a rule of a cdk-nag pack this run did not run",
        "waiver W-GONE is stale: it matches no failure in prod",
        f"waiver W-GONE expires on {soon}: 10 day(s) left",
    ]
