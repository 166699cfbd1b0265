"""The hardening layer (``infra/hardening``) on the synthesized platform, every environment."""

from __future__ import annotations

from typing import Any

import pytest

from infra.environments import load_environments
from infra.hardening.data_safety import STATEFUL_TYPES
from infra.hardening.firewall import MANAGED_RULE_GROUPS, RATE_LIMIT_PER_5_MINUTES
from infra.hardening.logs import LOG_RETENTION_DAYS

ENVIRONMENTS = load_environments()
NAMES = list(ENVIRONMENTS)


def _of(template: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == resource_type}


def _one(template: dict[str, Any], resource_type: str) -> tuple[str, dict[str, Any]]:
    ((logical_id, resource),) = _of(template, resource_type).items()
    return logical_id, resource


def _log_key(template: dict[str, Any]) -> str:
    (key,) = [
        k
        for k, r in _of(template, "AWS::KMS::Key").items()
        if r["Properties"]["Description"].startswith("KMS key for audit logs")
    ]
    return key


@pytest.mark.parametrize("name", NAMES)
def test_regional_deny_aspect_reaches_every_role(
    template_dicts: dict[str, dict[str, Any]], name: str
) -> None:
    template = template_dicts[name]
    roles = set(_of(template, "AWS::IAM::Role"))
    assert {"CustomVpcRestrictDefaultSGCustomResourceProviderRole26592FE0"} < roles
    assert any(role.startswith("ApiTradingApiCloudWatchRole") for role in roles)
    policy = template["Resources"]["RegionalDenyPolicy"]
    assert policy["Type"] == "AWS::IAM::ManagedPolicy"
    assert {ref["Ref"] for ref in policy["Properties"]["Roles"]} == roles
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement == {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {
            "StringNotEquals": {"aws:RequestedRegion": ENVIRONMENTS[name].allowed_regions}
        },
    }
    # never by hand per role: no other policy carries a Deny
    others = [
        s
        for k, r in template["Resources"].items()
        if r["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
        and k != "RegionalDenyPolicy"
        for s in r["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny"
    ]
    assert others == []


@pytest.mark.parametrize("name", NAMES)
def test_no_inline_policies(template_dicts: dict[str, dict[str, Any]], name: str) -> None:
    template = template_dicts[name]
    assert _of(template, "AWS::IAM::Policy") == {}
    managed = _of(template, "AWS::IAM::ManagedPolicy")
    assert {k for k in managed if k.startswith(("ProcessingDataProcessingPolicy", "Governance"))}


@pytest.mark.parametrize("name", NAMES)
def test_every_bucket_logs_to_the_dedicated_access_log_bucket(
    template_dicts: dict[str, dict[str, Any]], name: str
) -> None:
    template = template_dicts[name]
    buckets = _of(template, "AWS::S3::Bucket")
    (log_bucket,) = [k for k in buckets if k.startswith("LogsAccessLogsBucket")]
    assert "LoggingConfiguration" not in buckets[log_bucket]["Properties"]  # not to itself
    encryption = buckets[log_bucket]["Properties"]["BucketEncryption"]
    default = encryption["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert default == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": {"Fn::GetAtt": [_log_key(template), "Arn"]},
    }
    data_buckets = {k: b for k, b in buckets.items() if k != log_bucket}
    assert len(data_buckets) == 4
    for bucket in data_buckets.values():
        logging = bucket["Properties"]["LoggingConfiguration"]
        assert logging["DestinationBucketName"] == {"Ref": log_bucket}
        assert logging["LogFilePrefix"].endswith("/")


@pytest.mark.parametrize("name", NAMES)
def test_flow_logs_capture_all_vpc_traffic(
    template_dicts: dict[str, dict[str, Any]], name: str
) -> None:
    template = template_dicts[name]
    vpc, _ = _one(template, "AWS::EC2::VPC")
    _, flow_log = _one(template, "AWS::EC2::FlowLog")
    properties = flow_log["Properties"]
    assert properties["ResourceId"] == {"Ref": vpc}
    assert (properties["ResourceType"], properties["TrafficType"]) == ("VPC", "ALL")
    assert properties["LogGroupName"]["Ref"] in _of(template, "AWS::Logs::LogGroup")


@pytest.mark.parametrize("name", NAMES)
def test_every_log_group_is_encrypted_and_kept_a_year(
    template_dicts: dict[str, dict[str, Any]], name: str
) -> None:
    template = template_dicts[name]
    groups = _of(template, "AWS::Logs::LogGroup")
    names = {str(g["Properties"].get("LogGroupName")) for g in groups.values()}
    assert len(groups) == 5, names  # API access, Lambda, flow logs, WAF, PostgreSQL
    for group in groups.values():
        assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [_log_key(template), "Arn"]}
        assert group["Properties"]["RetentionInDays"] >= LOG_RETENTION_DAYS
    assert not _of(template, "Custom::LogRetention")


@pytest.mark.parametrize("name", NAMES)
def test_the_function_runs_in_the_private_subnets_with_its_own_group(
    template_dicts: dict[str, dict[str, Any]], name: str
) -> None:
    template = template_dicts[name]
    (function,) = [
        f
        for f in _of(template, "AWS::Lambda::Function").values()
        if f["Properties"].get("FunctionName") == f"data-processor-{ENVIRONMENTS[name].suffix}"
    ]
    config = function["Properties"]["VpcConfig"]
    private = {k for k in _of(template, "AWS::EC2::Subnet") if "PrivateSubnet" in k}
    assert {ref["Ref"] for ref in config["SubnetIds"]} == private
    ((group,),) = [[ref["Fn::GetAtt"][0] for ref in config["SecurityGroupIds"]]]
    assert group.startswith("ProcessingFunctionSecurityGroup")
    assert "SecurityGroupIngress" not in template["Resources"][group]["Properties"]
    public = [s for k, s in _of(template, "AWS::EC2::Subnet").items() if "PublicSubnet" in k]
    assert [s["Properties"]["MapPublicIpOnLaunch"] for s in public] == [False] * 3


@pytest.mark.parametrize("name", NAMES)
def test_waf_protects_the_stage_and_logs(
    template_dicts: dict[str, dict[str, Any]], name: str
) -> None:
    template = template_dicts[name]
    acl_id, acl = _one(template, "AWS::WAFv2::WebACL")
    rules = acl["Properties"]["Rules"]
    groups = [r["Statement"]["ManagedRuleGroupStatement"]["Name"] for r in rules[:-1]]
    assert groups == list(MANAGED_RULE_GROUPS)
    rate = rules[-1]["Statement"]["RateBasedStatement"]
    assert (rate["Limit"], rules[-1]["Action"]) == (RATE_LIMIT_PER_5_MINUTES, {"Block": {}})
    stage, _ = _one(template, "AWS::ApiGateway::Stage")
    _, association = _one(template, "AWS::WAFv2::WebACLAssociation")
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    assert {"Ref": stage} in association["Properties"]["ResourceArn"]["Fn::Join"][1]
    assert stage in association["DependsOn"]
    _, logging = _one(template, "AWS::WAFv2::LoggingConfiguration")
    assert logging["Properties"]["ResourceArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}


@pytest.mark.parametrize("name", NAMES)
def test_api_tls_and_client_certificate(
    template_dicts: dict[str, dict[str, Any]], name: str
) -> None:
    template = template_dicts[name]
    _, api = _one(template, "AWS::ApiGateway::RestApi")
    assert api["Properties"]["SecurityPolicy"] == "TLS_1_2"
    certificate, _ = _one(template, "AWS::ApiGateway::ClientCertificate")
    _, stage = _one(template, "AWS::ApiGateway::Stage")
    assert stage["Properties"]["ClientCertificateId"] == {"Ref": certificate}


@pytest.mark.parametrize("name", NAMES)
def test_database_logs_and_secret_key(template_dicts: dict[str, dict[str, Any]], name: str) -> None:
    template = template_dicts[name]
    _, cluster = _one(template, "AWS::RDS::DBCluster")
    identifier = f"trading-db-{ENVIRONMENTS[name].suffix}"
    assert cluster["Properties"]["DBClusterIdentifier"] == identifier
    assert cluster["Properties"]["EnableCloudwatchLogsExports"] == ["postgresql"]
    (group,) = [
        k
        for k, g in _of(template, "AWS::Logs::LogGroup").items()
        if g["Properties"].get("LogGroupName") == f"/aws/rds/cluster/{identifier}/postgresql"
    ]
    assert group in cluster["DependsOn"]  # declared first: RDS never creates it unencrypted
    _, secret = _one(template, "AWS::SecretsManager::Secret")
    (database_key,) = [
        k
        for k, r in _of(template, "AWS::KMS::Key").items()
        if r["Properties"]["Description"] == "KMS key for database encryption"
    ]
    assert secret["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [database_key, "Arn"]}


def test_prod_never_destroys_data_dev_may(template_dicts: dict[str, dict[str, Any]]) -> None:
    assert [n for n, e in ENVIRONMENTS.items() if e.retain_data] == ["prod"]
    for name, template in template_dicts.items():
        retain = ENVIRONMENTS[name].retain_data
        stateful = {k: r for k, r in template["Resources"].items() if r["Type"] in STATEFUL_TYPES}
        assert len(stateful) >= 15
        policies = {
            (r.get("DeletionPolicy"), r.get("UpdateReplacePolicy")) for r in stateful.values()
        }
        auto_delete = _of(template, "Custom::S3AutoDeleteObjects")
        _, cluster = _one(template, "AWS::RDS::DBCluster")
        if retain:
            assert policies == {("Retain", "Retain")}
            assert auto_delete == {}
            assert cluster["Properties"]["DeletionProtection"] is True
        else:
            assert ("Delete", "Delete") in policies
            assert len(auto_delete) == 5  # the seed's DESTROY behaviour, kept in dev/staging
            assert "DeletionProtection" not in cluster["Properties"]
        for table in _of(template, "AWS::DynamoDB::Table").values():
            pitr = table["Properties"]["PointInTimeRecoverySpecification"]
            assert pitr == {"PointInTimeRecoveryEnabled": True}
