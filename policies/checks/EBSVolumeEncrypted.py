"""CKV2_TAP_4 (TAP-ENC-04): EBS volumes encrypted, including instance and launch-template
block devices (an instance using a launch template of this template is judged by it)."""

from __future__ import annotations

from typing import Any

import _bootstrap  # noqa: F401

from policies.cfn.documents import truthy
from policies.cfn.intrinsics import Resolver, Token
from policies.checkbase import TapCheck
from policies.outcome import Verdict, combine_all

LAUNCH_TEMPLATE = "AWS::EC2::LaunchTemplate"
NO_MAPPINGS = (
    "no block device mappings: the root volume's encryption comes from the AMI or the "
    "account default, which the template does not show"
)


class EBSVolumeEncrypted(TapCheck):
    def __init__(self) -> None:
        super().__init__(
            "CKV2_TAP_4",
            "TAP-ENC-04",
            [
                "AWS::EC2::Volume",
                "AWS::EC2::Instance",
                LAUNCH_TEMPLATE,
                "AWS::AutoScaling::LaunchConfiguration",
            ],
        )

    def evaluate(self, resolver: Resolver, logical_id: str) -> Verdict:
        kind = resolver.template.type_of(logical_id)
        props = resolver.template.properties(logical_id)
        if kind == "AWS::EC2::Volume":
            return _encrypted(resolver.resolve(props.get("Encrypted")), "the volume")
        if kind == LAUNCH_TEMPLATE:
            data = resolver.resolve(props.get("LaunchTemplateData"))
            mappings = data.get("BlockDeviceMappings") if isinstance(data, dict) else None
            return _mappings(mappings)
        mappings = resolver.resolve(props.get("BlockDeviceMappings"))
        if mappings is None and kind == "AWS::EC2::Instance" and "LaunchTemplate" in props:
            return self._from_launch_template(resolver, props["LaunchTemplate"])
        return _mappings(mappings)

    def _from_launch_template(self, resolver: Resolver, spec: Any) -> Verdict:
        spec = resolver.resolve(spec)
        ref = spec.get("LaunchTemplateId") if isinstance(spec, dict) else None
        if isinstance(ref, Token) and resolver.template.type_of(ref.name) == LAUNCH_TEMPLATE:
            verdict = self.evaluate(resolver, ref.name)
            return Verdict(verdict.outcome, f"launch template {ref.name}: {verdict.reason}")
        return Verdict.unknown("uses a launch template the template does not declare")


def _mappings(mappings: Any) -> Verdict:
    if mappings is None or mappings == []:
        return Verdict.unknown(NO_MAPPINGS)
    if not isinstance(mappings, list):
        return Verdict.unknown("BlockDeviceMappings is not fixed by the template")
    verdicts = []
    for mapping in mappings:
        if not isinstance(mapping, dict):
            verdicts.append(Verdict.unknown("a block device mapping the template does not fix"))
            continue
        ebs = mapping.get("Ebs")
        if ebs is None:
            continue  # instance-store (VirtualName) or NoDevice: no EBS volume
        device = mapping.get("DeviceName", "?")
        value = ebs.get("Encrypted") if isinstance(ebs, dict) else Token("unresolved", "Ebs")
        verdicts.append(_encrypted(value, f"block device {device}"))
    return combine_all(verdicts, "every EBS block device is encrypted")


def _encrypted(value: Any, what: str) -> Verdict:
    encrypted = truthy(value)
    if encrypted is None:
        return Verdict.unknown(f"Encrypted of {what} is not fixed by the template")
    if not encrypted:
        return Verdict.failed(f"{what} is not encrypted (Encrypted is not true)")
    return Verdict.passed(f"{what} is encrypted")


check = EBSVolumeEncrypted()
