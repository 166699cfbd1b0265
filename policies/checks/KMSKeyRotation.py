"""CKV_TAP_6 (TAP-ENC-06): customer-managed KMS keys rotate automatically.

Only symmetric encryption keys with KMS-generated material can rotate automatically;
asymmetric and HMAC keys and keys with imported material are not applicable.
"""

from __future__ import annotations

import _bootstrap  # noqa: F401

from policies.cfn.documents import truthy
from policies.cfn.intrinsics import Resolver
from policies.checkbase import TapCheck
from policies.context import Context
from policies.outcome import Verdict


class KMSKeyRotation(TapCheck):
    def __init__(self) -> None:
        super().__init__("TAP-ENC-06")

    def evaluate(self, resolver: Resolver, logical_id: str, context: Context) -> Verdict:
        props = resolver.template.properties(logical_id)
        spec = resolver.resolve(props.get("KeySpec", "SYMMETRIC_DEFAULT"))
        origin = resolver.resolve(props.get("Origin", "AWS_KMS"))
        if not isinstance(spec, str) or not isinstance(origin, str):
            return Verdict.unknown("KeySpec or Origin is not fixed by the template")
        if spec != "SYMMETRIC_DEFAULT":
            return Verdict.not_applicable(f"{spec} keys cannot rotate automatically")
        if origin != "AWS_KMS":
            return Verdict.not_applicable(
                f"keys with {origin} material cannot rotate automatically"
            )
        rotation = truthy(resolver.resolve(props.get("EnableKeyRotation")))
        if rotation is None:
            return Verdict.unknown("EnableKeyRotation is not fixed by the template")
        if not rotation:
            return Verdict.failed("EnableKeyRotation is not true")
        return Verdict.passed("automatic rotation is on")


check = KMSKeyRotation()
