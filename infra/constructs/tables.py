"""The DynamoDB tables: user sessions and API keys, on demand, PITR, customer-managed key."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct


class Tables(Construct):
    """The sessions and API-keys tables, both encrypted with the DynamoDB key."""

    def __init__(
        self, scope: Construct, construct_id: str, *, suffix: str, encryption_key: kms.IKey
    ) -> None:
        super().__init__(scope, construct_id)
        self.sessions = self._table(
            "SessionsTable", f"user-sessions-{suffix}", "sessionId", encryption_key
        )
        self.api_keys = self._table(
            "ApiKeysTable", f"api-keys-{suffix}", "apiKeyId", encryption_key
        )

    def _table(
        self, construct_id: str, table_name: str, partition_key: str, encryption_key: kms.IKey
    ) -> dynamodb.Table:
        return dynamodb.Table(
            self,
            construct_id,
            table_name=table_name,
            partition_key=dynamodb.Attribute(
                name=partition_key, type=dynamodb.AttributeType.STRING
            ),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery=True,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=encryption_key,
            removal_policy=RemovalPolicy.DESTROY,
        )
