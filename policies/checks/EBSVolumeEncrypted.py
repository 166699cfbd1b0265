"""CKV2_TAP_4 (TAP-ENC-04): EBS volumes encrypted, including instance and launch-template
block devices (an instance using a launch template of this template is judged by it).

An Auto Scaling group launches its instances from a launch template or configuration: one of
this template is judged on its own (the group is then not applicable); one from outside the
template (an import, a literal name or id) leaves the group's volumes unknown, never unjudged.
"""

from __future__ import annotations

from typing import Any

import _bootstrap  # noqa: F401

from policies.cfn.documents import truthy
from policies.cfn.intrinsics import Resolver, Token
from policies.checkbase import TapCheck
from policies.context import Context
from policies.outcome import Verdict, combine_all

LAUNCH_TEMPLATE = "AWS::EC2::LaunchTemplate"
LAUNCH_CONFIGURATION = "AWS::AutoScaling::LaunchConfiguration"
AUTO_SCALING_GROUP = "AWS::AutoScaling::AutoScalingGroup"
NO_MAPPINGS = (
    "no block device mappings: the root volume's encryption comes from the AMI or the "
    "account default, which the template does not show"
)
#: the names AMIs give their root device; a mapping on one of them sets the root volume
ROOT_DEVICES = ("/dev/xvda", "/dev/sda1", "/dev/sda", "xvda", "sda1", "sda")
NO_ROOT = (
    "no EBS mapping for the root device (" + ", ".join(ROOT_DEVICES[:2]) + "): the root "
    "volume's encryption comes from the AMI or the account default, which the template "
    "does not show"
)


class EBSVolumeEncrypted(TapCheck):
    def __init__(self) -> None:
        super().__init__("TAP-ENC-04")

    def evaluate(self, resolver: Resolver, logical_id: str, context: Context) -> Verdict:
        kind = resolver.template.type_of(logical_id)
        props = resolver.template.properties(logical_id)
        if kind == "AWS::EC2::Volume":
            return _encrypted(
                resolver.resolve(props.get("Encrypted")), "the volume", props.get("SnapshotId")
            )
        if kind == AUTO_SCALING_GROUP:
            return _group(resolver, props)
        if kind == LAUNCH_TEMPLATE:
            data = resolver.resolve(props.get("LaunchTemplateData"))
            mappings = data.get("BlockDeviceMappings") if isinstance(data, dict) else None
            return _mappings(mappings)
        mappings = resolver.resolve(props.get("BlockDeviceMappings"))
        if kind == "AWS::EC2::Instance" and "LaunchTemplate" in props:
            return _with_launch_template(resolver, props["LaunchTemplate"], mappings)
        return _mappings(mappings)


def _with_launch_template(resolver: Resolver, spec: Any, own: Any) -> Verdict:
    """An instance's devices are its launch template's, overridden by its own by name."""
    template = _launch_template(resolver, resolver.resolve(spec))
    if template is None:
        outside = Verdict.unknown("uses a launch template the template does not declare")
        if own is None:
            return outside
        return combine_all([_mappings(own), outside], "")
    data = resolver.resolve(resolver.template.properties(template).get("LaunchTemplateData"))
    inherited = data.get("BlockDeviceMappings") if isinstance(data, dict) else None
    if own is None:
        verdict = _mappings(inherited)
    elif isinstance(own, list) and isinstance(inherited, list | type(None)):
        names = {m.get("DeviceName") for m in own if isinstance(m, dict)}
        kept = [
            m
            for m in inherited or []
            if not isinstance(m, dict) or m.get("DeviceName") not in names
        ]
        verdict = _mappings(kept + own)
    else:
        verdict = Verdict.unknown("BlockDeviceMappings is not fixed by the template")
    return Verdict(verdict.outcome, f"with launch template {template}: {verdict.reason}")


def _group(resolver: Resolver, props: dict[str, Any]) -> Verdict:
    """An Auto Scaling group's volumes are those of the launch templates or configuration it
    launches from: judged there when the template declares them, unknown otherwise."""
    mixed = resolver.resolve(props.get("MixedInstancesPolicy"))
    launch = mixed.get("LaunchTemplate") if isinstance(mixed, dict) else None
    specs = [resolver.resolve(props.get("LaunchTemplate"))] if "LaunchTemplate" in props else []
    if isinstance(launch, dict):
        specs.append(launch.get("LaunchTemplateSpecification"))
        overrides = launch.get("Overrides")
        for override in overrides if isinstance(overrides, list) else []:
            if isinstance(override, dict) and "LaunchTemplateSpecification" in override:
                specs.append(override["LaunchTemplateSpecification"])
    sources = [_launch_template(resolver, spec) for spec in specs]
    if "LaunchConfigurationName" in props:
        config = resolver.resolve(props["LaunchConfigurationName"])
        declared = isinstance(config, Token) and config.kind == "ref"
        sources.append(
            config.name
            if declared and resolver.template.type_of(config.name) == LAUNCH_CONFIGURATION
            else None
        )
    if not sources:
        return Verdict.unknown(
            "launches instances from an instance or source the template does not show"
        )
    if None in sources:
        return Verdict.unknown(
            "launches instances from a launch template or configuration the template does not "
            "declare"
        )
    return Verdict.not_applicable(f"judged as {', '.join(dict.fromkeys(str(s) for s in sources))}")


def _launch_template(resolver: Resolver, spec: Any) -> str | None:
    """The launch template of this template an instance's LaunchTemplate names, by id (Ref,
    Fn::GetAtt) or by name (Fn::GetAtt LaunchTemplateName or the literal name)."""
    if not isinstance(spec, dict):
        return None
    for field in ("LaunchTemplateId", "LaunchTemplateName"):
        ref = spec.get(field)
        if isinstance(ref, Token) and resolver.template.type_of(ref.name) == LAUNCH_TEMPLATE:
            return ref.name
        if isinstance(ref, str) and field == "LaunchTemplateName":
            for candidate in resolver.template.of_type(LAUNCH_TEMPLATE):
                name = resolver.template.properties(candidate).get("LaunchTemplateName")
                if resolver.resolve(name) == ref:
                    return candidate
    return None


def _mappings(mappings: Any) -> Verdict:
    if mappings is None or mappings == []:
        return Verdict.unknown(NO_MAPPINGS)
    if not isinstance(mappings, list):
        return Verdict.unknown("BlockDeviceMappings is not fixed by the template")
    verdicts = []
    root = False
    for mapping in mappings:
        if not isinstance(mapping, dict):
            verdicts.append(Verdict.unknown("a block device mapping the template does not fix"))
            continue
        ebs = mapping.get("Ebs")
        if ebs is None:
            continue  # instance-store (VirtualName) or NoDevice: no EBS volume
        device = mapping.get("DeviceName", "?")
        root = root or device in ROOT_DEVICES
        if isinstance(ebs, dict):
            value, snapshot = ebs.get("Encrypted"), ebs.get("SnapshotId")
            verdicts.append(_encrypted(value, f"block device {device}", snapshot))
        else:
            verdicts.append(Verdict.unknown(f"Ebs of block device {device} is not fixed"))
    if not root:
        verdicts.append(Verdict.unknown(NO_ROOT))
    return combine_all(verdicts, "every EBS block device is encrypted, the root volume included")


def _encrypted(value: Any, what: str, snapshot: Any = None) -> Verdict:
    encrypted = truthy(value)
    if encrypted is None:
        return Verdict.unknown(f"Encrypted of {what} is not fixed by the template")
    if not encrypted and snapshot is not None:
        return Verdict.unknown(
            f"{what} is created from snapshot: encrypted only if the snapshot is, "
            "which the template does not show"
        )
    if not encrypted:
        return Verdict.failed(f"{what} is not encrypted (Encrypted is not true)")
    return Verdict.passed(f"{what} is encrypted")


check = EBSVolumeEncrypted()
