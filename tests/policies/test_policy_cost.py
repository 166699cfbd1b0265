"""A check finds a resource's policies without resolving every policy of the template for every
resource: the work grows with the template, not with its square (counted, not timed)."""

from __future__ import annotations

from typing import Any

import pytest

from policies.cfn import iam, s3
from policies.cfn.template import Template
from policies.context import Context
from tests.policies.policy_testdata import our_checks

SIZE = 60


def _template(size: int) -> Template:
    resources: dict[str, Any] = {}
    for i in range(size):
        resources[f"Bucket{i}"] = {"Type": "AWS::S3::Bucket"}
        resources[f"BucketPolicy{i}"] = {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": f"Bucket{i}"},
                "PolicyDocument": {"Statement": []},
            },
        }
        resources[f"Role{i}"] = {"Type": "AWS::IAM::Role", "Properties": {}}
        resources[f"RolePolicy{i}"] = {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "Roles": [{"Ref": f"Role{i}"}],
                "PolicyName": f"p{i}",
                "PolicyDocument": {"Statement": []},
            },
        }
    # one policy naming its bucket by a name the template does not fix: judged for every bucket
    resources["LoosePolicy"] = {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": {"Fn::Sub": "${AWS::AccountId}-data"},
            "PolicyDocument": {"Statement": []},
        },
    }
    return Template.from_dict({"Resources": resources})


def _count(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    calls = [0]
    original = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_bucket_and_role_policies_are_looked_up_not_searched(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    template = _template(SIZE)
    bucket_matches = _count(monkeypatch, s3, "names_bucket")
    role_matches = _count(monkeypatch, iam, "_names_role")
    context = Context.for_regions(["eu-west-1"])
    wanted = {"TAP-TLS-01", "TAP-PUB-02", "TAP-IAM-01"}
    checks = [check for check in our_checks() if check.control_id in wanted]
    assert len(checks) == len(wanted)
    verdicts = {}
    for check in checks:
        for logical_id in template.resources:
            if template.type_of(logical_id) in check.supported_resources:
                verdicts[check.id, logical_id] = check.judge(template, logical_id, context)
    assert len(verdicts) == 2 * (2 * SIZE + 1) + SIZE
    # each bucket: its own policy and the loose one; each policy: its bucket (x 2 controls),
    # the loose policy: every bucket; far below SIZE * SIZE
    assert bucket_matches[0] <= 2 * (2 * SIZE + SIZE + SIZE + 1)
    assert role_matches[0] == SIZE
    reason = verdicts["CKV2_TAP_7", "BucketPolicy0"].reason or ""
    assert "judged with the bucket it protects, Bucket0" in reason
