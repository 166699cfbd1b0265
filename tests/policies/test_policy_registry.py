"""The catalogue and the checks agree: ids well-formed and unique, nothing mapped nowhere."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from policies import CHECKS_DIR, default_catalog, load_catalog
from policies.catalog import CATALOG_PATH
from policies.docs import DOCS_PATH, render

OUR_ID = re.compile(r"^CKV2?_TAP_\d+$")
NAG_ID = re.compile(r"^PCI\.DSS\.321-[A-Za-z0-9]+$")
BUILTIN_ID = re.compile(r"^CKV2?_AWS_\d+$")
CONFIG_RULE = re.compile(r"^[A-Z0-9_]+$")
FIXED_CONTROLS = {
    "TAP-ENC-01": "high",
    "TAP-ENC-02": "high",
    "TAP-ENC-03": "high",
    "TAP-ENC-04": "high",
    "TAP-ENC-05": "high",
    "TAP-ENC-06": "medium",
    "TAP-TLS-01": "high",
    "TAP-PUB-01": "critical",
    "TAP-PUB-02": "critical",
    "TAP-IAM-01": "high",
}
#: The rules cdk-nag 3.0.2's PCIDSS321Checks applies to the platform's resource types
#: (S3, KMS, RDS, DynamoDB, Lambda, API Gateway, VPC/EC2, IAM, CloudWatch Logs, Secrets).
NAG_RULES_FOR_PLATFORM_TYPES = {
    f"PCI.DSS.321-{rule}"
    for rule in [
        "APIGWAssociatedWithWAF",
        "APIGWCacheEnabledAndEncrypted",
        "APIGWExecutionLoggingEnabled",
        "APIGWSSLEnabled",
        "CloudWatchLogGroupEncrypted",
        "CloudWatchLogGroupRetentionPeriod",
        "EC2InstanceNoPublicIp",
        "EC2InstanceProfileAttached",
        "EC2InstancesInVPC",
        "EC2RestrictedCommonPorts",
        "EC2RestrictedSSH",
        "IAMGroupHasUsers",
        "IAMNoInlinePolicy",
        "IAMPolicyNoStatementsWithAdminAccess",
        "IAMPolicyNoStatementsWithFullAccess",
        "IAMUserGroupMembership",
        "IAMUserNoPolicies",
        "KMSBackingKeyRotationEnabled",
        "LambdaFunctionPublicAccessProhibited",
        "LambdaInsideVPC",
        "RDSAutomaticMinorVersionUpgradeEnabled",
        "RDSInstancePublicAccess",
        "RDSLoggingEnabled",
        "RDSStorageEncrypted",
        "S3BucketLevelPublicAccessProhibited",
        "S3BucketLoggingEnabled",
        "S3BucketPublicReadProhibited",
        "S3BucketPublicWriteProhibited",
        "S3BucketReplicationEnabled",
        "S3BucketSSLRequestsOnly",
        "S3BucketVersioningEnabled",
        "S3DefaultEncryptionKMS",
        "SecretsManagerUsingKMSKey",
        "VPCDefaultSecurityGroupClosed",
        "VPCFlowLogsEnabled",
        "VPCNoUnrestrictedRouteToIGW",
        "VPCSubnetAutoAssignPublicIpDisabled",
    ]
}


def _check_files() -> dict[str, str]:
    """check id -> class name, read from each check file's source."""
    found = {}
    for path in sorted(CHECKS_DIR.glob("*.py")):
        if path.name.startswith("_"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        classes = [n.name for n in tree.body if isinstance(n, ast.ClassDef)]
        assert classes == [path.stem], f"{path.name}: one class named after the file"
        ids = re.findall(r'"(TAP-[A-Z]{3}-\d{2})"', path.read_text(encoding="utf-8"))
        assert len(ids) == 1, f"{path.name} declares its control id, and only that"
        (check_id,) = default_catalog().control(ids[0]).implemented_by.checkov
        found[check_id] = path.stem
    return found


def test_fixed_controls_present_with_their_severity() -> None:
    catalog = default_catalog()
    for control_id, severity in FIXED_CONTROLS.items():
        assert catalog.control(control_id).severity == severity


def test_rule_ids_are_well_formed() -> None:
    for control in default_catalog().controls:
        impl = control.implemented_by
        assert impl.rule_ids(), f"{control.id} is implemented by nothing"
        assert all(OUR_ID.match(r) for r in impl.checkov), control.id
        assert all(NAG_ID.match(r) for r in impl.cdk_nag), control.id
        assert all(BUILTIN_ID.match(r) for r in impl.checkov_builtin), control.id
        assert all(CONFIG_RULE.match(r) for r in control.config_rules), control.id


def test_every_check_is_catalogued_and_every_catalogued_check_exists() -> None:
    ours = {r for c in default_catalog().controls for r in c.implemented_by.checkov}
    assert set(_check_files()) == ours


def test_builtin_checks_exist_in_checkov() -> None:
    from checkov.cloudformation.checks.resource.registry import cfn_registry

    known = {check.id for checks in cfn_registry.checks.values() for check in checks}
    for control in default_catalog().controls:
        assert set(control.implemented_by.checkov_builtin) <= known, control.id


def _pack_rules() -> set[str]:
    """Rule ids of the installed cdk-nag's PCIDSS321Checks, read from its jsii bundle."""
    from policies.nag_packs import default_nag_packs, installed_rules

    return {rule.id for rule in installed_rules(default_nag_packs().pack("PCIDSS321Checks"))}


def test_nag_rules_exist_in_the_pack_and_platform_rules_are_mapped() -> None:
    mapped = {r for c in default_catalog().controls for r in c.implemented_by.cdk_nag}
    assert mapped == NAG_RULES_FOR_PLATFORM_TYPES
    assert mapped <= _pack_rules()


def test_catalog_loader_rejects_a_rule_mapped_twice(tmp_path: Path) -> None:
    data = yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))
    data["controls"][1]["implemented_by"]["checkov"] = ["CKV_TAP_1"]
    bad = tmp_path / "catalog.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ValueError, match="CKV_TAP_1"):
        load_catalog(bad)


def test_docs_are_generated_from_the_catalog() -> None:
    assert DOCS_PATH.read_text(encoding="utf-8") == render(default_catalog()), (
        "docs/controls.md is stale: run python -m policies.docs"
    )


def test_readme_control_table_is_generated_from_the_catalog() -> None:
    from policies.docs import README_PATH, with_readme_table

    readme = README_PATH.read_text(encoding="utf-8")
    assert readme == with_readme_table(readme, default_catalog()), (
        "README.md's control table is stale: run python -m policies.docs"
    )
