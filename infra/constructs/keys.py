"""The customer-managed KMS keys (database, S3, Lambda, DynamoDB), all rotating."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from constructs import Construct


class EncryptionKeys(Construct):
    """Four KMS keys; the database, S3 and Lambda keys also get an alias (as in the seed)."""

    def __init__(self, scope: Construct, construct_id: str, *, suffix: str) -> None:
        super().__init__(scope, construct_id)
        self.database = self._key("DbEncryptionKey", "KMS key for database encryption")
        kms.Alias(
            self,
            "DbEncryptionKeyAlias",
            alias_name=f"alias/database-key-{suffix}",
            target_key=self.database,
        )
        self.s3 = self._key("S3EncryptionKey", "KMS key for S3 bucket encryption")
        kms.Alias(
            self, "S3EncryptionKeyAlias", alias_name=f"alias/s3-key-{suffix}", target_key=self.s3
        )
        self.lambda_env = self._key(
            "LambdaEncryptionKey", "KMS key for Lambda environment variables"
        )
        kms.Alias(
            self,
            "LambdaEncryptionKeyAlias",
            alias_name=f"alias/lambda-key-{suffix}",
            target_key=self.lambda_env,
        )
        self.dynamodb = self._key("DynamoEncryptionKey", "KMS key for DynamoDB encryption")

    def _key(self, construct_id: str, description: str) -> kms.Key:
        return kms.Key(
            self,
            construct_id,
            enable_key_rotation=True,
            description=description,
            removal_policy=RemovalPolicy.DESTROY,
        )
