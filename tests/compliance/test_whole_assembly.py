"""Every template of the assembly is judged: Stages, a Stage in a Stage, nested stacks,
cross-stack references; ``scan`` of the same cdk.out reads the same targets; an app with a
context lookup its context cannot answer fails the gate, its placeholder templates unjudged.

One synthesis per app (``tests/compliance/cdk_apps.py``: ``staged_app``, ``lookup_app``),
shared by the module's tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from compliance import engine
from compliance.errors import InputError
from compliance.policy import Policy
from compliance.synthesis.assembly import read_assembly
from compliance.synthesis.nag import REPORT, write_attached
from policies.nag_packs import RuleMap, default_nag_packs
from tests.compliance.engine_testdata import ROOT

pytestmark = pytest.mark.slow

DATA = "ProdData90A795AA"
READER = "ProdReaderD817797A"
ARCHIVE = "ProdEuArchive5FA34103"
VAULT = "Prod-Eu-Archive/VaultNestedStackVaultNestedStackResourceD8600B13"
#: The app's acknowledgment of a cdk-nag rule inside the nested stack: shown, never obeyed.
ACKNOWLEDGED = {
    "tool": "cdk-nag",
    "rule_id": "PCI.DSS.321-S3BucketSSLRequestsOnly",
    "comment": "TLS is enforced by the proxy in front of it",
}


def _run(*args: str) -> tuple[int, str, str]:
    environment = {**os.environ, "NO_COLOR": "1", "COLUMNS": "250"}
    done = subprocess.run(
        [sys.executable, "-m", "compliance", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def _check(folder: Path, app: str) -> tuple[int, dict[str, Any], str]:
    waivers = folder / "waivers.yaml"
    waivers.write_text("waivers: []\n")
    out = folder / "out"
    code, stdout, stderr = _run(
        "check", "--app", app, "--out", str(out), "--waivers", str(waivers), "--no-cache"
    )
    assert code in (0, 1), stderr
    return code, json.loads((out / "findings.json").read_text()), stdout


def _scan(assembly: Path) -> tuple[int, dict[str, Any]]:
    code, stdout, stderr = _run("scan", str(assembly), "--format", "json")
    assert code in (0, 1), stderr
    return code, json.loads(stdout)


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], str, Path]:
    """``check`` of the staged app: (exit code, record, terminal output, its cdk.out)."""
    folder = tmp_path_factory.mktemp("staged")
    code, record, stdout = _check(folder, "tests.compliance.cdk_apps:staged_app")
    return code, record, stdout, folder / "out" / "cdk.out"


@pytest.fixture(scope="module")
def lookup(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], str, Path]:
    """``check`` of the app with a missing lookup: (exit code, record, output, its cdk.out)."""
    folder = tmp_path_factory.mktemp("lookup")
    code, record, stdout = _check(folder, "tests.compliance.cdk_apps:lookup_app")
    return code, record, stdout, folder / "out" / "cdk.out"


def _targets(record: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (t["name"], t["status"], t["artifact"], t["stage"], t["parent"], Path(t["template"]).name)
        for t in record["targets"]
    ]


def _findings(record: dict[str, Any], *controls: str, source: str | None = None) -> set[Any]:
    return {
        (
            f["target"],
            f["control_id"],
            f["source"],
            f["rule_id"],
            f["resource"]["logical_id"],
            f["resource"]["type"],
            f["status"],
        )
        for f in record["findings"]
        if f["control_id"] in controls and (source is None or f["source"] == source)
    }


TARGETS = [
    ("Prod-Data", "judged", DATA, "Prod", "Prod", f"{DATA}.template.json"),
    ("Prod-Reader", "judged", READER, "Prod", "Prod", f"{READER}.template.json"),
    ("Prod-Eu-Archive", "judged", ARCHIVE, "Prod/Eu", "Prod/Eu", f"{ARCHIVE}.template.json"),
    (
        VAULT,
        "judged",
        ARCHIVE,
        "Prod/Eu",
        "Prod-Eu-Archive",
        "ProdEuArchiveVault9D8409F4.nested.template.json",
    ),
]


def test_an_app_of_staged_stacks_only_fails_the_gate_on_every_template(
    staged: tuple[int, dict[str, Any], str, Path],
) -> None:
    code, record, _, _ = staged
    assert code == 1
    assert _targets(record) == TARGETS
    assert record["summary"]["targets"] == {"judged": 4, "skipped": 0, "error": 0}
    assert record["missing_lookups"] == []


def test_the_public_buckets_of_a_stage_and_a_nested_stack_in_a_stage_in_a_stage_fail(
    staged: tuple[int, dict[str, Any], str, Path],
) -> None:
    _, record, _, _ = staged
    rules = [
        ("TAP-PUB-01", "checkov", "CKV_TAP_8"),
        ("TAP-PUB-01", "cdk-nag", "PCI.DSS.321-S3BucketLevelPublicAccessProhibited"),
        ("TAP-PUB-02", "checkov", "CKV2_TAP_9"),
        ("TAP-PUB-02", "cdk-nag", "PCI.DSS.321-S3BucketPublicReadProhibited"),
        ("TAP-PUB-02", "cdk-nag", "PCI.DSS.321-S3BucketPublicWriteProhibited"),
    ]
    expected = {
        (target, control, source, rule, logical_id, "AWS::S3::Bucket", "fail")
        for target, logical_id in (("Prod-Data", "Open2F4367FD"), (VAULT, "Kept118DB03B"))
        for control, source, rule in rules
    }
    assert _findings(record, "TAP-PUB-01", "TAP-PUB-02") == expected


def test_the_roles_without_the_regional_deny_fail_across_a_cross_stack_reference(
    staged: tuple[int, dict[str, Any], str, Path],
) -> None:
    """Prod/Reader's policy imports the bucket Prod/Data exports; both stacks are judged."""
    _, record, _, assembly = staged
    reader = json.loads((assembly / "assembly-Prod" / f"{READER}.template.json").read_text())
    imports = json.dumps(reader["Resources"]["ReaderDefaultPolicy151F3818"])
    # the bucket's ARN, in two statements' forms: under the
    # project's feature flags (cdk.json's context, given as cdk synth gives it) an output read
    # with Fn::GetStackOutput, which needs no export
    assert imports.count("Fn::GetStackOutput") == 2
    data = json.loads((assembly / "assembly-Prod" / f"{DATA}.template.json").read_text())
    assert len(data["Outputs"]) == 1  # the export
    role = "AWS::IAM::Role"
    assert _findings(record, "TAP-IAM-01") == {
        ("Prod-Data", "TAP-IAM-01", "checkov", "CKV2_TAP_10", "Worker11F36D0F", role, "fail"),
        ("Prod-Reader", "TAP-IAM-01", "checkov", "CKV2_TAP_10", "ReaderF7BF189D", role, "fail"),
    }


def test_an_acknowledgment_inside_a_nested_stack_is_shown_and_not_obeyed(
    staged: tuple[int, dict[str, Any], str, Path],
) -> None:
    _, record, _, _ = staged
    rule = ACKNOWLEDGED["rule_id"]
    tls = {
        (f["target"], f["rule_id"], f["resource"]["logical_id"], f["resource"]["type"], f["status"])
        for f in record["findings"]
        if f["control_id"] == "TAP-TLS-01" and f["target"] == VAULT
    }
    assert tls == {
        (VAULT, "CKV2_TAP_7", "Kept118DB03B", "AWS::S3::Bucket", "fail"),
        (VAULT, rule, "Kept118DB03B", "AWS::S3::Bucket", "fail"),
        (VAULT, rule, "KeptPolicyC14113A7", "AWS::S3::BucketPolicy", "fail"),
    }
    acknowledged = [f for f in record["findings"] if f["target"] == VAULT and f["rule_id"] == rule]
    assert all(f["suppressions"] == [ACKNOWLEDGED] for f in acknowledged)
    assert all("not judged, the app acknowledged it" in f["message"] for f in acknowledged)


def test_cdk_nag_findings_land_on_the_template_that_holds_the_resource(
    staged: tuple[int, dict[str, Any], str, Path],
) -> None:
    _, record, _, _ = staged
    nag = [f for f in record["findings"] if f["source"] == "cdk-nag"]
    assert nag and all(f["resource"]["type"] for f in nag)
    assert {f["target"] for f in nag if f["resource"]["logical_id"].startswith("Kept")} == {VAULT}
    # the top-level stack of the nested one holds only the nested stack resource: no bucket
    assert [f for f in record["findings"] if f["target"] == "Prod-Eu-Archive"] == []


def test_the_summary_lists_every_template_and_where_it_sits(
    staged: tuple[int, dict[str, Any], str, Path],
) -> None:
    _, record, stdout, _ = staged
    rows = [line for line in stdout.splitlines() if ".template.json" in line]
    assert [row.split("│")[1].strip() for row in rows] == [t["template"] for t in record["targets"]]
    assert [row.split("│")[2].strip() for row in rows] == [
        "Prod",
        "Prod",
        "Prod/Eu",
        "Prod-Eu-Archive",
    ]


def test_scan_of_the_same_cdk_out_reads_the_same_targets_and_checkov_verdicts(
    staged: tuple[int, dict[str, Any], str, Path],
) -> None:
    _, checked, _, assembly = staged
    code, scanned = _scan(assembly)
    assert code == 1

    def shape(record: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [
            (*row, t["sha256"]) for row, t in zip(_targets(record), record["targets"], strict=True)
        ]

    assert shape(scanned) == shape(checked)
    controls = ("TAP-PUB-01", "TAP-PUB-02", "TAP-IAM-01", "TAP-TLS-01", "TAP-ENC-01")
    assert _findings(scanned, *controls) == _findings(checked, *controls, source="checkov")


LOOKUP_KEY = (
    "vpc-provider:account=111111111111:filter.vpc-id=vpc-0123456789abcdef0:region=eu-west-1:"
    "returnAsymmetricSubnets=true"
)
LOOKUP_LINE = (
    "missing context lookup vpc-provider (filter.vpc-id=vpc-0123456789abcdef0, "
    "returnAsymmetricSubnets=true) in aws://111111111111/eu-west-1: CDK synthesized placeholder "
    "values in its place, so nothing was judged; fill cdk.context.json with one `cdk synth` "
    "under AWS credentials for that account, or give the context key "
    f"'{LOOKUP_KEY}' its value with --context KEY=VALUE"
)
LOOKUP_NOTE = "not judged: synthesized with placeholder values for 1 missing context lookup(s)"


def test_a_missing_lookup_fails_the_gate_with_one_line_and_judges_no_placeholder(
    lookup: tuple[int, dict[str, Any], str, Path],
) -> None:
    code, record, stdout, _ = lookup
    assert code == 1
    assert [(m["key"], m["provider"], m["message"]) for m in record["missing_lookups"]] == [
        (LOOKUP_KEY, "vpc-provider", LOOKUP_LINE)
    ]
    assert [(t["name"], t["status"], t["note"]) for t in record["targets"]] == [
        ("Network", "error", LOOKUP_NOTE)
    ]
    assert record["findings"] == []  # the bucket beside the placeholder VPC is not judged
    assert record["summary"]["gate"]["result"] == "failed"
    assert LOOKUP_LINE in stdout.splitlines()


def test_scan_of_an_assembly_with_a_missing_lookup_fails_alike(
    lookup: tuple[int, dict[str, Any], str, Path],
) -> None:
    _, checked, _, assembly = lookup
    code, scanned = _scan(assembly)
    assert code == 1
    assert scanned["missing_lookups"] == checked["missing_lookups"]
    assert _targets(scanned) == _targets(checked)
    assert scanned["findings"] == []


def test_a_nested_assembly_that_loops_is_an_input_error(tmp_path: Path) -> None:
    nested = {"type": "cdk:cloud-assembly", "properties": {"directoryName": "."}}
    (tmp_path / "manifest.json").write_text(json.dumps({"artifacts": {"Loop": nested}}))
    with pytest.raises(InputError, match="nested assembly Loop loops or is too deep"):
        read_assembly(tmp_path)


def test_an_app_without_any_stack_names_the_published_folder_not_the_staging_one(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    app = "tests.compliance.cdk_apps:stackless_app"
    code, stdout, stderr = _run("check", "--app", app, "--out", str(out), "--no-cache")
    assert (code, stdout) == (2, "")
    assert stderr.splitlines() == [
        f"tap-compliance: error: {out}/cdk.out/manifest.json: "
        "the cloud assembly has no stack templates"
    ]


def test_a_nested_stack_from_outside_the_assembly_is_a_target_not_judged(tmp_path: Path) -> None:
    url = "https://example.com/shared.template.json"
    template = {
        "Resources": {
            "Shared": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": url}}
        }
    }
    (tmp_path / "App.template.json").write_text(json.dumps(template))
    stack = {
        "type": "aws:cloudformation:stack",
        "properties": {"templateFile": "App.template.json"},
    }
    (tmp_path / "manifest.json").write_text(json.dumps({"artifacts": {"App": stack}}))
    code, record = _scan(tmp_path)
    assert code == 1
    assert [(t["name"], t["status"], t["parent"], t["template"]) for t in record["targets"]] == [
        ("App", "judged", None, str(tmp_path / "App.template.json")),
        ("App/Shared", "error", "App", json.dumps(url)),
    ]
    assert record["targets"][1]["note"] == (
        "not judged: a nested stack whose template (its TemplateURL) is not in the cloud assembly"
    )
    assert record["summary"]["gate"]["unjudged"] == 1


def test_a_cdk_nag_violation_no_template_holds_is_an_input_error(
    tmp_path: Path, test_policy: Policy
) -> None:
    """A violation is never dropped for want of a template to land on."""
    bucket = {"Type": "AWS::S3::Bucket"}
    (tmp_path / "App.template.json").write_text(json.dumps({"Resources": {"Bucket": bucket}}))
    stack = {
        "type": "aws:cloudformation:stack",
        "displayName": "App",
        "properties": {"templateFile": "App.template.json"},
    }
    (tmp_path / "manifest.json").write_text(json.dumps({"artifacts": {"App": stack}}))
    violation = {
        "ruleName": "PCI.DSS.321-S3BucketLoggingEnabled",
        "description": "no logging",
        "severity": "error",
        "violatingConstructs": [{"constructPath": "/Elsewhere/Bucket/Resource"}],
    }
    report = {"pluginReports": [{"pluginName": "PCI.DSS.321", "violations": [violation]}]}
    (tmp_path / REPORT).write_text(json.dumps(report))
    write_attached(tmp_path, ["PCI.DSS.321"])
    packs = default_nag_packs()
    rules = RuleMap(test_policy.catalog, packs, packs.default)
    with pytest.raises(InputError) as raised:
        engine.check_assembly(tmp_path, tmp_path, [], test_policy, rules, "templates")
    assert str(raised.value) == (
        f"{tmp_path / REPORT}: cdk-nag's PCI.DSS.321-S3BucketLoggingEnabled names "
        "Elsewhere/Bucket/Resource, which no template of the cloud assembly holds"
    )
