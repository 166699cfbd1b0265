"""The live body of a stack: each resource a check judges, as its service reports it, in the
template's shape (one reader per resource type, as data)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from compliance.aws.live import dynamodb, ec2, iam, kms, lambda_, rds, s3
from compliance.aws.live.keys import KeyNames
from compliance.aws.live.reads import Gone, NotTested, Reads
from compliance.aws.live.shape import Live
from compliance.aws.session import AwsSession

Reader = Callable[[Reads, str, KeyNames, str], Live]

#: Resource type → its reader (the physical id CloudFormation lists is what it reads).
READERS: dict[str, Reader] = {
    "AWS::S3::Bucket": s3.bucket,
    "AWS::KMS::Key": kms.key,
    "AWS::DynamoDB::Table": dynamodb.table,
    "AWS::Lambda::Function": lambda_.function,
    "AWS::IAM::Role": iam.role,
    "AWS::RDS::DBCluster": rds.cluster,
    "AWS::RDS::DBInstance": rds.instance,
    "AWS::EC2::Volume": ec2.volume,
    "AWS::EC2::LaunchTemplate": ec2.launch_template,
}
#: Types read with the resource they attach to: type → (the property naming it, which type).
ATTACHED: dict[str, tuple[str, str]] = {"AWS::S3::BucketPolicy": ("Bucket", "AWS::S3::Bucket")}
#: Types judged through another resource when the template links them: type → the property
#: naming it. An Aurora instance's storage is its cluster's
#: (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Overview.Encryption.html):
#: when the cluster could not be read, neither is the instance tested.
THROUGH: dict[str, str] = {"AWS::RDS::DBInstance": "DBClusterIdentifier"}
#: Resources of the stack that are CloudFormation's own doing, carried from the deployed
#: template as they are (no service holds them): a custom resource that empties a bucket.
CARRIED = ("Custom::S3AutoDeleteObjects",)
#: Resource attributes CloudFormation keeps, not the service: from the deployed template.
STACK_ATTRIBUTES = ("DeletionPolicy", "UpdateReplacePolicy")


@dataclass
class ResourceRead:
    """What was read of one resource: the APIs' answers, or why it was not tested."""

    logical_id: str
    type: str
    physical_id: str | None
    reads: Reads | None = None
    not_tested: str | None = None
    gone: str | None = None


@dataclass
class LiveBody:
    """The template-shaped body, and per resource what was read."""

    body: dict[str, Any]
    resources: list[ResourceRead] = field(default_factory=list)
    #: Resource of the body → the resource whose read produced it (a bucket's policy).
    owner: dict[str, str] = field(default_factory=dict)
    #: Keys outside the stack that KMS says are the customer's.
    customer_keys: tuple[str, ...] = ()


def live_body(
    session: AwsSession,
    deployed: dict[str, Any],
    physical: dict[str, str],
    judged_types: Collection[str],
) -> LiveBody:
    """Read every resource of ``deployed`` whose type a check judges."""
    resources: dict[str, Any] = deployed.get("Resources") or {}
    stack_keys = {
        physical[logical_id]: logical_id
        for logical_id, resource in resources.items()
        if resource.get("Type") == "AWS::KMS::Key" and logical_id in physical
    }
    keys = KeyNames(stack_keys)
    body: dict[str, Any] = {}
    result = LiveBody({"Resources": body})
    attached = _attached(resources)
    # resources judged through another come after it
    ordered = sorted(resources.items(), key=lambda item: item[1].get("Type") in THROUGH)
    status: dict[str, ResourceRead] = {}
    for logical_id, resource in ordered:
        kind = str(resource.get("Type"))
        if kind in CARRIED:
            body[logical_id] = resource
        if kind in judged_types and kind in ATTACHED:
            if _attached_to(resource) not in resources:
                why = f"read with the {ATTACHED[kind][1]} it names, which is not of this stack"
                result.resources.append(
                    ResourceRead(logical_id, kind, physical.get(logical_id), not_tested=why)
                )
            continue
        if kind not in judged_types:
            continue
        read = ResourceRead(logical_id, kind, physical.get(logical_id))
        result.resources.append(read)
        status[logical_id] = read
        reader = READERS.get(kind)
        through = _through(resource, status)
        if through is not None and (through.reads is None or through.not_tested):
            read.not_tested = f"judged through {through.logical_id}, which was not tested"
            continue
        if reader is None:
            read.not_tested = f"no live reader for {kind}"
            continue
        if read.physical_id is None:
            read.not_tested = "the stack lists no physical resource for it (not created, or "
            read.not_tested += "a type the endpoint does not model)"
            continue
        read.reads = Reads(session)
        try:
            live = reader(read.reads, read.physical_id, keys, logical_id)
        except NotTested as why:
            read.not_tested = str(why)
            continue
        except Gone as why:
            read.gone = f"the stack names {read.physical_id}, but {why}: deleted out of band"
            continue
        body[logical_id] = {
            "Type": kind,
            "Properties": live.properties,
            **{k: resource[k] for k in STACK_ATTRIBUTES if k in resource},
        }
        for sibling, content in live.siblings.items():
            name = _template_name(sibling, content, logical_id, attached)
            body[name] = content
            result.owner[name] = logical_id
    result.customer_keys = tuple(sorted(keys.customer))
    return result


def _through(resource: dict[str, Any], status: dict[str, ResourceRead]) -> ResourceRead | None:
    """The resource of the stack that ``resource`` is judged through, if any."""
    link = THROUGH.get(str(resource.get("Type")))
    target = (resource.get("Properties") or {}).get(link) if link else None
    if isinstance(target, dict) and isinstance(target.get("Ref"), str):
        return status.get(target["Ref"])
    return None


def _attached_to(resource: dict[str, Any]) -> str | None:
    """The logical id an attached resource names (``Bucket: {Ref: ...}``), if it names one."""
    target = (resource.get("Properties") or {}).get(ATTACHED[str(resource.get("Type"))][0])
    if isinstance(target, dict) and isinstance(target.get("Ref"), str):
        return str(target["Ref"])
    return None


def _attached(resources: dict[str, Any]) -> dict[tuple[str, str], list[str]]:
    """(type, the resource it attaches to) → the template's resources of that type."""
    found: dict[tuple[str, str], list[str]] = {}
    for logical_id, resource in resources.items():
        kind = str(resource.get("Type"))
        if kind in ATTACHED and (target := _attached_to(resource)) is not None:
            found.setdefault((kind, target), []).append(logical_id)
    return found


def _template_name(
    sibling: str, content: dict[str, Any], owner: str, attached: dict[tuple[str, str], list[str]]
) -> str:
    """A bucket's live policy under the logical id of the template's policy of that bucket
    (so its verdicts stand beside the static ones), else its own name."""
    names = attached.get((str(content.get("Type")), owner), [])
    return names[0] if len(names) == 1 else sibling
