"""The seed as written: the four customer-managed KMS keys, all rotating, three of them aliased."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template


def test_four_rotating_keys_destroyed_with_the_stack(
    seed: Template, seed_resources: dict[str, Any], seed_key_ids: dict[str, str]
) -> None:
    seed.resource_count_is("AWS::KMS::Key", 4)
    for logical_id in seed_key_ids.values():
        key = seed_resources[logical_id]
        assert key["Properties"]["EnableKeyRotation"] is True
        assert key["DeletionPolicy"] == key["UpdateReplacePolicy"] == "Delete"


def test_aliases_point_at_their_keys(seed: Template, seed_key_ids: dict[str, str]) -> None:
    seed.resource_count_is("AWS::KMS::Alias", 3)
    for alias, purpose in (
        ("alias/database-key-dev", "database"),
        ("alias/s3-key-dev", "s3"),
        ("alias/lambda-key-dev", "lambda"),
    ):
        seed.has_resource_properties(
            "AWS::KMS::Alias",
            {"AliasName": alias, "TargetKeyId": {"Fn::GetAtt": [seed_key_ids[purpose], "Arn"]}},
        )
