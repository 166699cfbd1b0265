"""Is cdk-nag's IAMPolicyNoStatementsWithFullAccess on the seed's ``Deny *`` a false positive?

The real rule (cdk-nag's PCI DSS 3.2.1 pack, run as CDK's validation plugin) on policies that
differ only in their statements. It flags a policy when, in the JSON text of the document, an
``"Action"`` with a ``*`` (or ``service:*``) is followed anywhere later by ``"Effect":"Allow"``:
its pattern spans statements. So a ``Deny *`` followed by any narrow Allow is flagged (a false
positive: the Deny grants nothing), the same two statements in the other order are not, and a
``Deny *`` alone is not. The seed's data-processing policy put the regional ``Deny *`` before
its narrow grants; the hardened platform carries the deny alone in its own managed policy, so
TAP-IAM-04 passes there without a waiver.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

RULE = "PCI.DSS.321-IAMPolicyNoStatementsWithFullAccess"
DENY_ALL = {
    "Effect": "Deny",
    "Action": "*",
    "Resource": "*",
    "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1"]}},
}
READ = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}
POLICIES: dict[str, list[dict[str, Any]]] = {
    "DenyAllAlone": [DENY_ALL],
    "DenyAllThenNarrowAllow": [DENY_ALL, READ],
    "NarrowAllowThenDenyAll": [READ, DENY_ALL],
    "AllowServiceWildcard": [{**READ, "Action": "s3:*"}],
}


@pytest.fixture(scope="module")
def flagged(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The policies the real rule flags."""
    from aws_cdk import App, Stack, Validations
    from aws_cdk import aws_iam as iam
    from cdk_nag import PCIDSS321Checks

    outdir = tmp_path_factory.mktemp("nag-full-access")
    app = App(outdir=str(outdir), analytics_reporting=False)
    stack = Stack(app, "Proof")
    role = iam.CfnRole(
        stack,
        "Role",
        assume_role_policy_document={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        },
    )
    for name, statements in POLICIES.items():
        iam.CfnManagedPolicy(
            stack,
            name,
            # rendered by CDK, as the platform's are (keys in CDK's order: Action ... Effect)
            policy_document=iam.PolicyDocument(
                statements=[iam.PolicyStatement.from_json(s) for s in statements]
            ),
            roles=[role.ref],
        )
    Validations.of(app).add_plugins(PCIDSS321Checks(app))
    try:
        app.synth()
    except RuntimeError as error:  # violations fail the synth after the report is written
        assert str(error).startswith("ValidationFailed"), error
    report = json.loads(Path(outdir, "validation-report.json").read_text())
    return {
        construct["constructPath"].rsplit("/", 1)[-1]
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        if violation["ruleName"].split("[", 1)[0] == RULE
        for construct in violation["violatingConstructs"]
    }


@pytest.mark.slow
def test_the_rule_flags_a_deny_all_only_when_an_allow_follows_it(flagged: set[str]) -> None:
    assert "AllowServiceWildcard" in flagged  # the rule works: a true positive
    assert "DenyAllAlone" not in flagged  # a Deny of * alone is not full access
    assert "NarrowAllowThenDenyAll" not in flagged
    # the same statements, only in the other order: flagged, so a false positive
    assert "DenyAllThenNarrowAllow" in flagged
