"""Settle what the template could not: which KMS key really encrypts a deployed resource.

When a static check left a verdict unknown because the key lives outside the template (an
ARN imported from another stack, a parameter), the deployed resource names its key; KMS says
who manages it (``kms:DescribeKey`` → ``KeyManager``: CUSTOMER or AWS).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from compliance.aws.errors import AWS_ERRORS, describe_error
from compliance.aws.session import AwsSession
from compliance.record.findings import Finding, RuntimeEvidence

DESCRIBE_KEY = "kms:DescribeKey"


def _bucket_key(session: AwsSession, name: str) -> str | None:
    answer = session.client("s3").get_bucket_encryption(Bucket=name)
    for rule in answer["ServerSideEncryptionConfiguration"]["Rules"]:
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        if default.get("KMSMasterKeyID"):
            return str(default["KMSMasterKeyID"])
    return None


def _table_key(session: AwsSession, name: str) -> str | None:
    table = session.client("dynamodb").describe_table(TableName=name)["Table"]
    arn = (table.get("SSEDescription") or {}).get("KMSMasterKeyArn")
    return str(arn) if arn else None


def _function_key(session: AwsSession, name: str) -> str | None:
    answer = session.client("lambda").get_function_configuration(FunctionName=name)
    return str(answer["KMSKeyArn"]) if answer.get("KMSKeyArn") else None


def _cluster_key(session: AwsSession, name: str) -> str | None:
    clusters = session.client("rds").describe_db_clusters(DBClusterIdentifier=name)["DBClusters"]
    return str(clusters[0]["KmsKeyId"]) if clusters and clusters[0].get("KmsKeyId") else None


@dataclass(frozen=True)
class KeyReader:
    """How to read the key of one resource type, and the API that answers."""

    api: str
    read: Callable[[AwsSession, str], str | None]


#: Resource type → how its deployed key is read (data, one entry per type).
READERS: dict[str, KeyReader] = {
    "AWS::S3::Bucket": KeyReader("s3:GetBucketEncryption", _bucket_key),
    "AWS::DynamoDB::Table": KeyReader("dynamodb:DescribeTable", _table_key),
    "AWS::Lambda::Function": KeyReader("lambda:GetFunctionConfiguration", _function_key),
    "AWS::RDS::DBCluster": KeyReader("rds:DescribeDBClusters", _cluster_key),
}


def external_key_findings(
    session: AwsSession, static: list[Finding], physical: dict[str, str]
) -> list[Finding]:
    """A runtime finding for each unknown static verdict on a resource's KMS key."""
    found = []
    for finding in static:
        reader = READERS.get(finding.resource.type)
        name = physical.get(finding.resource.logical_id)
        if not finding.unknown or reader is None or name is None or "kms" not in _words(finding):
            continue
        found.append(_resolve(session, finding, reader, name))
    return found


def _words(finding: Finding) -> str:
    return f"{finding.title} {finding.message}".lower()


def _resolve(session: AwsSession, finding: Finding, reader: KeyReader, name: str) -> Finding:
    apis = f"{reader.api} + {DESCRIBE_KEY}"
    manager = arn = None
    try:
        arn = reader.read(session, name)
        if arn:
            metadata = session.client("kms").describe_key(KeyId=arn)["KeyMetadata"]
            manager, arn = metadata.get("KeyManager"), metadata.get("Arn", arn)
    except AWS_ERRORS as error:
        return _finding(finding, "fail", f"could not be read: {describe_error(error)}", apis)
    if arn is None:
        message = "the deployed resource names no KMS key"
        return _finding(finding, "fail", message, reader.api)
    verdict = "pass" if manager == "CUSTOMER" else "fail"
    message = f"deployed with KMS key {arn}, managed by {manager or 'unknown'}"
    return _finding(finding, verdict, message, apis, arn, manager)


def _finding(
    static: Finding,
    status: str,
    message: str,
    apis: str,
    arn: str | None = None,
    manager: str | None = None,
) -> Finding:
    return static.model_copy(
        update={
            "status": status,
            "source": "aws-api",
            "rule_id": DESCRIBE_KEY,
            "unknown": False,
            "waiver": None,
            "location": None,
            "message": f"resolved in the account ({apis}): {message}",
            "runtime": RuntimeEvidence(answered_by=apis, key_arn=arn, key_manager=manager),
        }
    )
