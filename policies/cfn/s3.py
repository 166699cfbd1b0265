"""S3 buckets: their names and ARNs, the bucket policies attached to them, and bucket
policies for buckets the template does not declare."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policies.cfn.documents import Attached
from policies.cfn.intrinsics import Resolver, Token, parts_of, text
from policies.cfn.matching import same
from policies.cfn.ref_index import RefIndex, ref_index
from policies.cfn.stacks import as_home_value
from policies.cfn.template import Template
from policies.outcome import Outcome, Verdict

BUCKET = "AWS::S3::Bucket"
BUCKET_POLICY = "AWS::S3::BucketPolicy"


def bucket_name(resolver: Resolver, bucket_id: str) -> tuple[str | Token, ...]:
    """The bucket's name as parts: its BucketName, or a token for a generated name."""
    props = resolver.template.properties(bucket_id)
    if "BucketName" in props:
        parts = parts_of(resolver.resolve(props["BucketName"]))
        if parts is not None:
            return parts
    return (Token("ref", bucket_id),)


def canonical(resolver: Resolver, value: Any) -> tuple[str | Token, ...] | None:
    """Parts of a string with bucket references spelled out as names and ARNs."""
    parts = parts_of(value)
    if parts is None:
        return None
    pieces: list[Any] = []
    for part in parts:
        if isinstance(part, Token) and resolver.template.type_of(part.name) == BUCKET:
            name = bucket_name(resolver, part.name)
            if part.kind == "ref":
                pieces.append(text(*name))
                continue
            if part.kind == "attr" and part.attribute == "Arn":
                pieces.append(text("arn:aws:s3:::", *name))
                continue
        pieces.append(part)
    joined = parts_of(text(*pieces))
    return joined


def bucket_arn(resolver: Resolver, bucket_id: str) -> tuple[str | Token, ...]:
    """The bucket's ARN as parts."""
    return ("arn:aws:s3:::", *bucket_name(resolver, bucket_id))


def names_bucket(resolver: Resolver, value: Any, bucket_id: str) -> Outcome:
    """Whether a policy's ``Bucket`` value is this bucket: a Ref names one bucket of the
    template; a name is compared with this bucket's name, and a name another bucket of the
    template has (bucket names are globally unique) cannot be this bucket's."""
    resolved = resolver.resolve(value)
    is_bucket = isinstance(resolved, Token) and resolver.template.type_of(resolved.name) == BUCKET
    if is_bucket and isinstance(resolved, Token) and resolved.kind == "ref":
        return Outcome.PASS if resolved.name == bucket_id else Outcome.FAIL
    parts = canonical(resolver, resolved)
    if parts is None:
        return Outcome.UNKNOWN
    outcome = same(parts, bucket_name(resolver, bucket_id))
    if outcome is Outcome.UNKNOWN:
        for other in resolver.template.of_type(BUCKET):
            if other != bucket_id and same(parts, bucket_name(resolver, other)) is Outcome.PASS:
                return Outcome.FAIL
    return outcome


def _policies_by_bucket(template: Template) -> RefIndex:
    return ref_index(template, (BUCKET_POLICY,), BUCKET, lambda props: [props.get("Bucket")])


def bucket_policies(resolver: Resolver, bucket_id: str) -> list[Attached]:
    """Bucket policies that protect the bucket: certain, or possible when the template
    cannot tell (an unresolved Bucket, a resource Condition decided at deploy time)."""
    attached = []
    for policy_id in resolver.template.derived(_policies_by_bucket).candidates(bucket_id):
        props = resolver.template.properties(policy_id)
        target = names_bucket(resolver, props.get("Bucket"), bucket_id)
        if target is Outcome.FAIL:
            continue
        exists = resolver.exists(policy_id)
        if exists is False:
            continue
        certain = target is Outcome.PASS and exists is True
        document = resolver.resolve(props.get("PolicyDocument"))
        attached.append(Attached(document, f"bucket policy {policy_id}", certain))
    return attached


def peer_bucket_policies(
    resolver: Resolver, bucket_id: str, peers: tuple[Template, ...]
) -> list[Attached]:
    """Bucket policies of the other templates of the deployment that name this bucket: by
    importing a value this template exports for it, or by its literal name. A policy whose
    bucket the text does not prove to be this one is judged in its own template (as a
    foreign policy), never here."""
    attached = []
    for peer in peers:
        policies = peer.of_type(BUCKET_POLICY)
        there = Resolver(peer) if policies else None
        for policy_id in policies:
            assert there is not None
            props = peer.properties(policy_id)
            value = as_home_value(there, props.get("Bucket"), resolver.template)
            if value is None or names_bucket(resolver, value, bucket_id) is not Outcome.PASS:
                continue
            exists = there.exists(policy_id)
            if exists is False:
                continue
            document = there.resolve(props.get("PolicyDocument"))
            source = f"bucket policy {policy_id} of {peer.path.name}"
            attached.append(Attached(document, source, exists is True))
    return attached


@dataclass(frozen=True)
class ForeignPolicy:
    """A bucket policy of the template judged on its own: the bucket it names is not (or not
    certainly) a bucket of the template, so no bucket's verdict covers it."""

    attached: Attached
    #: The ARN of the bucket it names, as parts (tokens for what the template does not fix).
    arn: tuple[str | Token, ...]


def foreign_policy(resolver: Resolver, policy_id: str) -> ForeignPolicy | Verdict:
    """The policy as a :class:`ForeignPolicy`, or the verdict when it needs no judging of its
    own: it protects a bucket of the template (judged with that bucket), or is not created."""
    props = resolver.template.properties(policy_id)
    named = resolver.template.derived(_policies_by_bucket).named.get(policy_id)
    candidates = list(named) if named else resolver.template.of_type(BUCKET)
    for bucket_id in candidates:
        if names_bucket(resolver, props.get("Bucket"), bucket_id) is Outcome.PASS:
            return Verdict.not_applicable(f"judged with the bucket it protects, {bucket_id}")
    exists = resolver.exists(policy_id)
    if exists is False:
        return Verdict.not_applicable(f"{policy_id} is not created")
    name = canonical(resolver, resolver.resolve(props.get("Bucket")))
    if name is None:
        name = (Token("unresolved", "a Bucket the template does not fix"),)
    document = resolver.resolve(props.get("PolicyDocument"))
    attached = Attached(document, f"bucket policy {policy_id}", exists is True)
    return ForeignPolicy(attached, ("arn:aws:s3:::", *name))
