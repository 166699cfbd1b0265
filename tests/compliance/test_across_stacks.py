"""Across stacks: a bucket policy in one template of a deployment makes a bucket of another
public. The engine judges every template with the others deployed beside it (the same
environment; every scanned template when none), so the bucket fails, not only the policy."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from compliance import engine
from compliance.environments import EnvInfo
from compliance.judging.results import ScannedTemplate
from compliance.policy import Policy
from compliance.record.findings import FindingsRecord
from policies import CHECKS_DIR, default_catalog
from policies.cfn.template import load_template
from tests.policies.policy_testdata import FIXTURES

DATA = FIXTURES / "TAP-PUB-02" / "across-stacks-data.yaml"
SHARING = FIXTURES / "TAP-PUB-02" / "across-stacks-sharing.yaml"
POLICY = Policy(default_catalog(), [], "high", date(2026, 6, 1), CHECKS_DIR)


def _pub02(record: FindingsRecord) -> dict[str, str]:
    return {
        f.resource.logical_id: "unknown" if f.unknown else f.status
        for f in record.findings
        if f.rule_id == "CKV2_TAP_9"
    }


def test_a_policy_of_another_stack_makes_the_bucket_public() -> None:
    record = engine.scan([DATA, SHARING], policy=POLICY, allowed_regions=None)
    assert _pub02(record) == {
        "SharedBucket": "fail",  # imports the data stack's export
        "NamedBucket": "fail",  # names the bucket's literal name
        "PartnerBucket": "pass",  # one account only
        "UntouchedBucket": "pass",
        "SharedBucketPolicy": "fail",  # still judged on its own in its template
        "NamedBucketPolicy": "fail",
        "PartnerBucketPolicy": "pass",
    }
    shared = next(
        f
        for f in record.findings
        if f.resource.logical_id == "SharedBucket" and f.rule_id == "CKV2_TAP_9"
    )
    assert "bucket policy SharedBucketPolicy of across-stacks-sharing.yaml" in shared.message


def test_a_policy_of_another_stack_that_is_never_created_grants_nothing(
    tmp_path: Path,
) -> None:
    never = tmp_path / "never.yaml"
    never.write_text(
        "Conditions:\n  Never: !Equals [a, b]\nResources:\n  NeverCreatedPolicy:\n"
        "    Type: AWS::S3::BucketPolicy\n    Condition: Never\n    Properties:\n"
        '      Bucket: !ImportValue "TapData:ExportsOutputRefUntouchedBucket0A1B2C3D"\n'
        "      PolicyDocument:\n        Statement:\n"
        '          - {Effect: Allow, Principal: "*", Action: "s3:GetObject", Resource: "*"}\n'
    )
    maybe = tmp_path / "maybe.yaml"
    maybe.write_text(
        never.read_text()
        .replace("Never: !Equals [a, b]", "Maybe: !Equals [!Ref Env, prod]")
        .replace("Condition: Never", "Condition: Maybe")
        .replace("Conditions:", "Parameters:\n  Env: {Type: String}\nConditions:")
    )
    record = engine.scan([DATA, never], policy=POLICY, allowed_regions=None)
    assert _pub02(record)["UntouchedBucket"] == "pass"
    record = engine.scan([DATA, maybe], policy=POLICY, allowed_regions=None)
    assert _pub02(record)["UntouchedBucket"] == "unknown"  # created only in prod


def test_each_template_alone_is_judged_on_its_own() -> None:
    record = engine.scan([DATA], policy=POLICY, allowed_regions=None)
    assert set(_pub02(record).values()) == {"pass"}


def test_only_templates_of_the_same_environment_are_deployed_beside_it() -> None:
    data, sharing, other = (
        ScannedTemplate(path.stem, load_template(path), path.name)
        for path in (DATA, SHARING, SHARING)
    )
    dev = EnvInfo("dev", "TapData-dev", ("us-east-1",))
    prod = EnvInfo("prod", "TapData-prod", ("us-east-1",))
    scanned = [(data, dev), (sharing, prod), (other, dev)]
    assert engine._peers(scanned, data, dev) == (other.template,)
    assert engine._peers(scanned, sharing, prod) == ()


def test_a_policy_of_another_stack_carries_the_roles_regional_deny() -> None:
    roles = FIXTURES / "TAP-IAM-01" / "across-stacks-roles.yaml"
    deny = FIXTURES / "TAP-IAM-01" / "across-stacks-deny.yaml"
    record = engine.scan([roles, deny], policy=POLICY, allowed_regions=None)
    verdicts = {
        f.resource.logical_id: f.status for f in record.findings if f.rule_id == "CKV2_TAP_10"
    }
    assert verdicts == {"ImportedRole": "pass", "NamedRole": "pass", "ForgottenRole": "fail"}
