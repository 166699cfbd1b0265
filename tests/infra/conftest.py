"""Templates of the session's one synthesis (the hardened platform), as dicts and as
``assertions.Template``; and the seed as written (the frozen ``tests/fixtures/seed`` template,
which ``test_tap_seed_fixture`` proves is what ``build_app(hardened=False)`` synthesizes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

ENVIRONMENT_NAMES = ("dev", "staging", "prod")
SEED = Path(__file__).resolve().parents[1] / "fixtures" / "seed" / "TapStack-dev.template.json"

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


def _key_ids(resources: dict[str, Any]) -> dict[str, str]:
    by_description = {
        resource["Properties"]["Description"]: logical_id
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::KMS::Key"
    }
    return {purpose: by_description[text] for purpose, text in KEY_DESCRIPTIONS.items()}


def _of_type(resources: dict[str, Any]) -> Any:
    def select(resource_type: str) -> dict[str, Any]:
        return {
            logical_id: resource
            for logical_id, resource in resources.items()
            if resource["Type"] == resource_type
        }

    return select


@pytest.fixture(scope="session")
def key_ids(dev_resources: dict[str, Any]) -> dict[str, str]:
    """Logical id of each customer-managed key of the seed, by purpose."""
    return _key_ids(dev_resources)


@pytest.fixture(scope="session")
def of_type(dev_resources: dict[str, Any]) -> Any:
    """``of_type("AWS::S3::Bucket")`` -> {logical id: resource} in the dev template."""
    return _of_type(dev_resources)


@pytest.fixture(scope="session")
def seed_resources() -> dict[str, Any]:
    """The seed's dev template's Resources section (as the user wrote the platform)."""
    resources: dict[str, Any] = json.loads(SEED.read_text())["Resources"]
    return resources


@pytest.fixture(scope="session")
def seed(seed_resources: dict[str, Any]) -> Template:
    """The seed's dev template, for ``aws_cdk.assertions``."""
    return Template.from_json(json.loads(SEED.read_text()))


@pytest.fixture(scope="session")
def seed_key_ids(seed_resources: dict[str, Any]) -> dict[str, str]:
    """Logical id of each customer-managed key of the seed, by purpose."""
    return _key_ids(seed_resources)


@pytest.fixture(scope="session")
def seed_of_type(seed_resources: dict[str, Any]) -> Any:
    """``seed_of_type("AWS::S3::Bucket")`` -> {logical id: resource} in the seed template."""
    return _of_type(seed_resources)
