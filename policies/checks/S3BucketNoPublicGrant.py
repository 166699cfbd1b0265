"""CKV2_TAP_9 (TAP-PUB-02): no bucket ACL or bucket policy grants access to everyone.

A bucket policy for a bucket the template does not declare is judged on its own statements.
A bucket is judged with the bucket policies of the other templates deployed beside it that
name it (an import of its export, its literal name): one stack can make another's bucket
public.
"""

from __future__ import annotations

import _bootstrap  # noqa: F401

from policies.cfn.documents import Attached, statements
from policies.cfn.intrinsics import Resolver, Token
from policies.cfn.public import is_public_grant
from policies.cfn.s3 import BUCKET_POLICY, bucket_policies, foreign_policy, peer_bucket_policies
from policies.checkbase import TapCheck
from policies.context import Context
from policies.outcome import Outcome, Verdict

PUBLIC_ACLS = ("PublicRead", "PublicReadWrite", "AuthenticatedRead")


class S3BucketNoPublicGrant(TapCheck):
    def __init__(self) -> None:
        super().__init__("TAP-PUB-02")

    def evaluate(self, resolver: Resolver, logical_id: str, context: Context) -> Verdict:
        if resolver.template.type_of(logical_id) == BUCKET_POLICY:
            # the policy of a bucket the template does not declare: judged on its own
            foreign = foreign_policy(resolver, logical_id)
            if isinstance(foreign, Verdict):
                return foreign
            return _judge([foreign.attached], [])
        acl = resolver.resolve(resolver.template.properties(logical_id).get("AccessControl"))
        if acl in PUBLIC_ACLS:
            return Verdict.failed(f"the bucket ACL {acl} grants access to everyone")
        unsure = [] if acl is None or isinstance(acl, str) else ["AccessControl"]
        policies = bucket_policies(resolver, logical_id)
        policies += peer_bucket_policies(resolver, logical_id, context.peers)
        return _judge(policies, unsure)


def _judge(policies: list[Attached], unsure: list[str]) -> Verdict:
    for policy in policies:
        for index, statement in enumerate(statements(policy.document)):
            public = Outcome.UNKNOWN if isinstance(statement, Token) else is_public_grant(statement)
            if public is Outcome.PASS and policy.certain:
                sid = statement.get("Sid", index) if isinstance(statement, dict) else index
                return Verdict.failed(f"{policy.source} statement {sid} allows everyone")
            if public is not Outcome.FAIL:
                unsure.append(policy.source)
    if unsure:
        return Verdict.unknown(
            f"{', '.join(dict.fromkeys(unsure))} may grant access to everyone: "
            "the template does not fix it"
        )
    return Verdict.passed("no public ACL and no grant to everyone")


check = S3BucketNoPublicGrant()
