"""CKV_TAP_8 (TAP-PUB-01): all four public-access-block settings are true."""

from __future__ import annotations

import _bootstrap  # noqa: F401

from policies.cfn.documents import truthy
from policies.cfn.intrinsics import Resolver
from policies.checkbase import TapCheck
from policies.context import Context
from policies.outcome import Verdict

SETTINGS = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")


class S3BucketPublicAccessBlock(TapCheck):
    def __init__(self) -> None:
        super().__init__("TAP-PUB-01")

    def evaluate(self, resolver: Resolver, logical_id: str, context: Context) -> Verdict:
        props = resolver.template.properties(logical_id)
        block = resolver.resolve(props.get("PublicAccessBlockConfiguration"))
        if block is None:
            return Verdict.failed("no PublicAccessBlockConfiguration")
        if not isinstance(block, dict):
            return Verdict.unknown("PublicAccessBlockConfiguration is not fixed by the template")
        values = {name: truthy(block.get(name)) for name in SETTINGS}
        off = [name for name, on in values.items() if on is False]
        if off:
            return Verdict.failed(f"{', '.join(off)} not true")
        open_ = [name for name, on in values.items() if on is None]
        if open_:
            return Verdict.unknown(f"{', '.join(open_)} not fixed by the template")
        return Verdict.passed("all four public-access-block settings are true")


check = S3BucketPublicAccessBlock()
