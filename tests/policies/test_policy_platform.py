"""The checks and cdk-nag on the real platform and on the frozen faithful-seed template."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from policies import default_catalog
from tests.policies.policy_testdata import Results, run_our_checks

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "seed" / "TapStack-dev.template.json"

#: The seed gives the regional deny only to the two roles it builds by hand; CDK's helper
#: roles (API Gateway logging, auto-delete, default-SG restriction, log retention) lack it.
SEED_ROLES_WITHOUT_DENY = {
    "ApiTradingApiCloudWatchRoleA7AF5EC1",
    "CustomS3AutoDeleteObjectsCustomResourceProviderRole3B1BD092",
    "CustomVpcRestrictDefaultSGCustomResourceProviderRole26592FE0",
    "LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8aServiceRole9741ECFB",
}
DEPLOYED_CONFIG_RULES = {
    "ENCRYPTED_VOLUMES",
    "RDS_STORAGE_ENCRYPTED",
    "S3_BUCKET_PUBLIC_READ_PROHIBITED",
    "S3_BUCKET_PUBLIC_WRITE_PROHIBITED",
    "S3_BUCKET_LOGGING_ENABLED",
}


@pytest.fixture(scope="session")
def seed_results() -> Results:
    return run_our_checks([SEED])


@pytest.fixture(scope="session")
def platform_results(synthesized_assembly: Path) -> Results:
    return run_our_checks(sorted(synthesized_assembly.glob("TapStack-*.template.json")))


def test_seed_fails_the_helper_roles_regional_deny_and_destroys_its_data(
    seed_results: Results,
) -> None:
    failed = {(cid, lid) for (cid, _, lid), s in seed_results.items() if s == "fail"}
    destroyed = {lid for cid, lid in failed if cid == "CKV2_TAP_11"}
    assert failed - {("CKV2_TAP_11", lid) for lid in destroyed} == {
        ("CKV2_TAP_10", role) for role in SEED_ROLES_WITHOUT_DENY
    }
    # DESTROY everywhere: 4 buckets, 4 keys, 2 tables, the cluster (its instance: n/a)
    assert len(destroyed) == 11
    assert "unknown" not in seed_results.values()


def test_seed_passes_what_the_seed_gets_right(seed_results: Results) -> None:
    passed = {(cid, lid) for (cid, _, lid), s in seed_results.items() if s == "pass"}
    buckets = {
        "BucketsAnalyticsBucketD7328E4F",
        "BucketsArchivalBucket629F00A4",
        "BucketsIngestionBucket070AAFA1",
        "GovernanceConfigBucketFA253B80",
    }
    for check in ("CKV_TAP_1", "CKV2_TAP_7", "CKV_TAP_8", "CKV2_TAP_9"):
        assert {(check, b) for b in buckets} <= passed
    assert {
        ("CKV2_TAP_10", "GovernanceConfigRoleE1AFE533"),
        ("CKV2_TAP_10", "ProcessingDataProcessingLambdaRole9C54603A"),
        ("CKV2_TAP_3", "DatabaseTradingDatabaseC92BC4A6"),
        ("CKV2_TAP_3", "DatabaseTradingDatabasewriterDDD24FA1"),
        ("CKV_TAP_2", "TablesApiKeysTable21490A2A"),
        ("CKV_TAP_2", "TablesSessionsTable36080595"),
        ("CKV_TAP_5", "ProcessingDataProcessingFunction3798304B"),
    } <= passed
    assert (
        sum(1 for (cid, _, _), s in seed_results.items() if cid == "CKV_TAP_6" and s == "pass") == 4
    )


@pytest.mark.slow
def test_platform_checks(platform_results: Results) -> None:
    templates = {path for (_, path, _) in platform_results}
    assert len(templates) == 3  # dev, staging, prod
    assert "unknown" not in platform_results.values()
    for (check, path, logical_id), status in platform_results.items():
        if status == "fail":  # pre-production may destroy its data (a waiver says so)
            assert check == "CKV2_TAP_11" and "prod" not in path.name, (check, logical_id)
    prod = {(c, s) for (c, path, _), s in platform_results.items() if "prod" in path.name}
    assert ("CKV2_TAP_11", "pass") in prod
    for check in ("CKV_TAP_1", "CKV_TAP_2", "CKV2_TAP_3", "CKV_TAP_5", "CKV_TAP_6", "CKV2_TAP_7"):
        assert any(c == check and s == "pass" for (c, _, _), s in platform_results.items())


@pytest.fixture(scope="session")
def nag_rules_seen() -> dict[str, set[str]]:
    """cdk-nag's PCI DSS 3.2.1 pack over the dev platform and over the seed (CfnInclude)."""
    from aws_cdk import App, BootstraplessSynthesizer, Stack, Validations
    from aws_cdk import cloudformation_include as cfn_include
    from cdk_nag import PCIDSS321Checks

    from infra.app import build_app

    outdir = Path(tempfile.mkdtemp(prefix="tap-nag-"))
    platform = build_app(outdir=outdir / "platform", env_names=["dev"])
    seed = App(outdir=str(outdir / "seed"), analytics_reporting=False)
    cfn_include.CfnInclude(
        Stack(seed, "Seed", synthesizer=BootstraplessSynthesizer()), "T", template_file=str(SEED)
    )
    seen = {}
    for name, app in (("platform", platform), ("seed", seed)):
        Validations.of(app).add_plugins(PCIDSS321Checks(app))
        with pytest.raises(RuntimeError, match="ValidationFailed"):
            app.synth()
        report = json.loads((outdir / name / "validation-report.json").read_text())
        seen[name] = {
            v["ruleName"].split("[", 1)[0]
            for plugin in report["pluginReports"]
            if plugin["pluginName"] == "PCI.DSS.321"
            for v in plugin["violations"]
        }
    return seen


@pytest.mark.slow
@pytest.mark.parametrize("target", ["platform", "seed"])
def test_every_nag_rule_seen_is_mapped(target: str, nag_rules_seen: dict[str, set[str]]) -> None:
    catalog = default_catalog()
    assert nag_rules_seen[target], "cdk-nag reported nothing: the pack did not run"
    unmapped = {rule for rule in nag_rules_seen[target] if catalog.control_for_rule(rule) is None}
    assert not unmapped


def test_every_deployed_config_rule_is_mapped() -> None:
    assert set(default_catalog().config_rules()) >= DEPLOYED_CONFIG_RULES
    template = json.loads(SEED.read_text(encoding="utf-8"))
    deployed = {
        r["Properties"]["Source"]["SourceIdentifier"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Config::ConfigRule"
    }
    assert deployed == DEPLOYED_CONFIG_RULES
