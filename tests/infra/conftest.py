"""Templates of the session's one synthesis, as dicts and as ``assertions.Template``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

ENVIRONMENT_NAMES = ("dev", "staging", "prod")

#: KMS key descriptions from the seed, by what each key protects.
KEY_DESCRIPTIONS = {
    "database": "KMS key for database encryption",
    "s3": "KMS key for S3 bucket encryption",
    "lambda": "KMS key for Lambda environment variables",
    "dynamodb": "KMS key for DynamoDB encryption",
}


@pytest.fixture(scope="session")
def template_dicts(synthesized_assembly: Path) -> dict[str, dict[str, Any]]:
    """Each environment's synthesized template as parsed JSON."""
    return {
        name: json.loads((synthesized_assembly / f"TapStack-{name}.template.json").read_text())
        for name in ENVIRONMENT_NAMES
    }


@pytest.fixture(scope="session")
def dev(template_dicts: dict[str, dict[str, Any]]) -> Template:
    """The dev template, for ``aws_cdk.assertions``."""
    return Template.from_json(template_dicts["dev"])


@pytest.fixture(scope="session")
def dev_resources(template_dicts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The dev template's Resources section."""
    resources: dict[str, Any] = template_dicts["dev"]["Resources"]
    return resources


@pytest.fixture(scope="session")
def key_ids(dev_resources: dict[str, Any]) -> dict[str, str]:
    """Logical id of each customer-managed key, by purpose."""
    by_description = {
        resource["Properties"]["Description"]: logical_id
        for logical_id, resource in dev_resources.items()
        if resource["Type"] == "AWS::KMS::Key"
    }
    return {purpose: by_description[text] for purpose, text in KEY_DESCRIPTIONS.items()}


@pytest.fixture(scope="session")
def of_type(dev_resources: dict[str, Any]) -> Any:
    """``of_type("AWS::S3::Bucket")`` -> {logical id: resource} in the dev template."""

    def select(resource_type: str) -> dict[str, Any]:
        return {
            logical_id: resource
            for logical_id, resource in dev_resources.items()
            if resource["Type"] == resource_type
        }

    return select
