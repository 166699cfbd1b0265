"""The terminal: a failed gate says what failed, where, and how to fix it; tables stay whole off
a terminal; every command's --help says what each option does, its choices and default."""

from __future__ import annotations

import argparse
import io
import re
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

import compliance.cli
from compliance.cli.parser import build_parser
from compliance.gate.threshold import summarise
from compliance.gate.verdicts import control_verdicts
from compliance.outputs.summary import print_summary
from compliance.record.findings import (
    SEVERITIES,
    AppliedWaiver,
    Finding,
    FindingsRecord,
    Resource,
    Target,
    WaiverState,
)
from policies.catalog import default_catalog
from policies.docs import DOCS_PATH, control_link
from tests.compliance.app_copy import copy_app, edit, line_of, run_gate
from tests.compliance.engine_testdata import ROOT

#: A bucket policy statement that lets everyone read the archival bucket's objects.
PUBLIC_READ = """        self.archival.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=[self.archival.arn_for_objects("*")],
                principals=[iam.AnyPrincipal()],
            )
        )
"""
ARCHIVAL_END = (
    "DEEP_ARCHIVE),\n            retain=retain,\n            access_logs=access_logs,\n        )\n"
)
HEADER = "failures blocking the gate, per control and resource"


def _finding(severity: str = "high", status: str = "fail", **extra: Any) -> Finding:
    fields: dict[str, Any] = {
        "control_id": "TAP-ENC-01",
        "title": "t",
        "severity": severity,
        "status": status,
        "source": "checkov",
        "rule_id": "CKV_TAP_1",
        "target": "TapStack-dev",
        "resource": Resource(logical_id="Data", type="AWS::S3::Bucket"),
        "message": "m",
        **extra,
    }
    return Finding.model_validate(fields)


def _record(findings: list[Finding], fail_on: str = "high", **extra: Any) -> FindingsRecord:
    waivers: list[WaiverState] = extra.pop("waivers", [])
    return FindingsRecord(
        generated_at=datetime.now(UTC),
        summary=summarise(findings, waivers, fail_on, extra.get("targets", ())),  # type: ignore[arg-type]
        findings=findings,
        verdicts=control_verdicts(findings),
        waivers=waivers,
        **extra,
    )


def _printed(record: FindingsRecord, width: int = 80, terminal: bool = False) -> str:
    """What the summary prints on a console ``width`` wide: a pipe, or a terminal."""
    console = Console(file=io.StringIO(), width=width, force_terminal=terminal, color_system=None)
    print_summary(record, console)
    assert isinstance(console.file, io.StringIO)
    return console.file.getvalue()


# --- a broken platform: one bucket made public in infra/ ---------------------------------------


@pytest.fixture(scope="module")
def public_bucket(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], str]:
    """A copy of the app whose archival bucket policy lets everyone read its objects, gated
    in dev at the default threshold, its output a pipe 80 columns wide: (copy, record,
    stdout)."""
    folder = copy_app(tmp_path_factory.mktemp("public-bucket"))
    buckets = folder / "infra" / "constructs" / "buckets.py"
    iam = "from aws_cdk import aws_iam as iam\n"
    edit(
        buckets,
        "from aws_cdk import aws_kms as kms\n",
        iam + "from aws_cdk import aws_kms as kms\n",
    )
    edit(buckets, ARCHIVAL_END, ARCHIVAL_END + PUBLIC_READ)
    code, record, stdout = run_gate(folder, "--env", "dev", columns=80)
    assert code == 1
    return folder, record, stdout


@pytest.mark.slow
def test_a_public_bucket_is_one_line_naming_the_line_the_message_and_the_fix(
    public_bucket: tuple[Path, dict[str, Any], str],
) -> None:
    folder, _, stdout = public_bucket
    buckets = folder / "infra" / "constructs" / "buckets.py"
    made, called, stack = (
        line_of(buckets, "return s3.Bucket("),
        line_of(buckets, "self.archival = seed_bucket("),
        line_of(folder / "infra" / "stack.py", "buckets = DataBuckets("),
    )
    lines = stdout.splitlines()
    start = lines.index(f"{HEADER} (1; 1 finding(s) of their rules):")
    assert lines[start + 1 : start + 3] == [
        "  TAP-PUB-02 critical TapStack-dev/BucketsArchivalBucket629F00A4 "
        f"infra/constructs/buckets.py:{made} (called from infra/constructs/buckets.py:{called}, "
        f"infra/stack.py:{stack}, ...): TAP-PUB-02: no bucket ACL or bucket policy grants access "
        "to everyone: failed (bucket policy BucketsArchivalBucketPolicyE7266E83 statement 2 "
        "allows everyone); fix: Keep ACLs private and grant bucket access to named principals "
        "only. See docs/controls.md#tap-pub-02",
        lines[start + 2],
    ]
    assert lines[start + 2].startswith("not blocking: ")
    assert lines[-1] == "gate failed: 1 blocking failure(s) at or above high"
    assert "…" not in stdout


@pytest.mark.slow
def test_failures_below_the_threshold_are_counted_not_listed(
    public_bucket: tuple[Path, dict[str, Any], str],
) -> None:
    _, record, stdout = public_bucket
    below = Counter(
        f["severity"]
        for f in record["findings"]
        if f["status"] == "fail" and SEVERITIES.index(f["severity"]) > SEVERITIES.index("high")
    )
    assert below  # the platform has failures below high of its own: not a vacuous count
    counts = ", ".join(f"{below[s]} {s}" for s in SEVERITIES if below[s])
    assert f"not blocking: {below.total()} failure(s) below --fail-on high ({counts})" in (
        stdout.splitlines()
    )
    assert stdout.count("; fix: ") == 1


def test_every_control_points_at_its_section_of_docs_controls_md() -> None:
    """The pointer of each control of the catalogue is an anchor GitHub makes of a heading of
    docs/controls.md (lowercase; punctuation but hyphens dropped; spaces to hyphens)."""
    headings = re.findall(r"^#+ (.+)$", DOCS_PATH.read_text(encoding="utf-8"), re.MULTILINE)
    anchors = {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}
    for control in default_catalog().controls:
        page, anchor = control_link(control.id).split("#")
        assert (ROOT / page) == DOCS_PATH
        assert anchor in anchors, control.id


# --- the summary's lines ------------------------------------------------------------------------


def test_below_the_threshold_counts_only_and_an_expired_waiver_is_listed() -> None:
    expired = AppliedWaiver(
        id="W-1", justification="j" * 20, approver="a", expires=date(2020, 1, 1), expired=True
    )
    findings = [
        _finding("critical", resource=Resource(logical_id="Open", type="AWS::S3::Bucket")),
        _finding("medium"),
        _finding("low", control_id="TAP-BAK-02", rule_id="R2"),
        _finding("low", "waived", waiver=expired, control_id="TAP-LOG-05", rule_id="R3"),
    ]
    lines = _printed(_record(findings), width=200).splitlines()
    start = lines.index(f"{HEADER} (2; 2 finding(s) of their rules):")
    assert lines[start + 1 : start + 4] == [
        "  TAP-ENC-01 critical TapStack-dev/Open: m; fix: Encrypt the bucket with SSE-KMS "
        "under a key declared in the stack. See docs/controls.md#tap-enc-01",
        "  TAP-LOG-05 low TapStack-dev/Data: m (waiver W-1 expired on 2020-01-01); fix: Set a "
        "retention period on every log group. See docs/controls.md#tap-log-05",
        "not blocking: 2 failure(s) below --fail-on high (1 medium, 1 low)",
    ]


def test_tools_disagreeing_alike_on_many_resources_are_one_line() -> None:
    findings = []
    for env in ("dev", "staging", "prod"):
        for logical_id in ("Handler", "Other"):
            resource = Resource(logical_id=logical_id, type="AWS::Lambda::Function")
            common = {"target": f"TapStack-{env}", "resource": resource, "control_id": "TAP-NET-02"}
            findings.append(_finding("medium", rule_id="CKV_AWS_117", **common))
            findings.append(
                _finding("medium", "pass", source="cdk-nag", rule_id="PCI-Lambda", **common)
            )
    lonely = {"resource": Resource(logical_id="Logs", type="AWS::S3::Bucket")}
    findings.append(_finding("medium", rule_id="CKV_AWS_18", control_id="TAP-LOG-01", **lonely))
    findings.append(
        _finding(
            "medium", "pass", source="cdk-nag", rule_id="PCI-Log", control_id="TAP-LOG-01"
        ).model_copy(update=lonely)
    )
    lines = [
        line
        for line in _printed(_record(findings), width=300).splitlines()
        if line.startswith("tools disagree")
    ]
    said = (
        "found a violation that cdk-nag {} passed: the control's verdict is the worst of its rules"
    )
    assert lines == [
        "tools disagree on TAP-NET-02 for 6 resources in 3 template(s) (verdict fail 6; the "
        "report names each): checkov CKV_AWS_117 " + said.format("PCI-Lambda"),
        "tools disagree on TapStack-dev/Logs (TAP-LOG-01, verdict fail): checkov CKV_AWS_18 "
        + said.format("PCI-Log"),
    ]


@pytest.mark.parametrize(
    ("packs", "said"),
    [
        (["PCIDSS321Checks"], "cdk-nag packs: PCIDSS321Checks"),
        (
            ["AwsSolutionsChecks"],
            "cdk-nag packs: AwsSolutionsChecks (chosen by --pack, in place of the default "
            "PCIDSS321Checks)",
        ),
        (
            ["PCIDSS321Checks", "AwsSolutionsChecks"],
            "cdk-nag packs: PCIDSS321Checks, AwsSolutionsChecks (chosen by --pack)",
        ),
    ],
)
def test_a_pack_chosen_by_pack_says_it_replaced_the_default(packs: list[str], said: str) -> None:
    lines = _printed(_record([], nag_packs=packs)).splitlines()
    assert [line for line in lines if line.startswith("cdk-nag packs")] == [said]


# --- off a terminal, tables whole -----------------------------------------------------------------

LONG = "cdk.out/assembly-TradingPlatformStage/TradingPlatformStageAnalyticsStack.template.json"


def _wide_record() -> FindingsRecord:
    targets = [
        Target(name=f"Stack{n}", env="dev", template=f"{LONG}.{n}", sha256="0" * 64)
        for n in range(2)
    ]
    long_id = "CustomS3AutoDeleteObjectsCustomResourceProviderHandler9D90184F"
    findings = [
        _finding(
            target=f"Stack{n}", resource=Resource(logical_id=long_id, type="AWS::Lambda::Function")
        )
        for n in range(2)
    ]
    return _record(findings, targets=targets)


def test_off_a_terminal_tables_are_whole_at_80_columns() -> None:
    """A CI log (a pipe, 80 columns): every path on one line, nothing cut short ("…")."""
    printed = _printed(_wide_record())
    assert "…" not in printed
    for n in range(2):
        assert f"{LONG}.{n}" in printed
    assert max(len(line) for line in printed.splitlines()) > 80  # wider than the console


def test_on_a_terminal_tables_fit_the_window_and_fold_instead_of_cutting() -> None:
    printed = _printed(_wide_record(), terminal=True)
    table = [line for line in printed.splitlines() if line.startswith(("┃", "│", "┏", "└"))]
    assert table and max(len(line) for line in table) <= 80
    assert "…" not in printed


# --- --help ---------------------------------------------------------------------------------------


def _parsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser(compliance.cli.__doc__)
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert all(choice.help for choice in commands._choices_actions)  # the list of commands
    return {"tap-compliance": parser, **commands.choices}


def _shown(default: object) -> str:
    return f"{default:g}" if isinstance(default, float) else str(default)


@pytest.mark.parametrize("command", list(_parsers()))
def test_every_option_says_what_it_does_its_choices_and_its_default(command: str) -> None:
    """Each command has a description; each of its options a help text that lists every
    choice and, unless it is a flag or required, says its default (and names a default
    value that is not None, False or empty)."""
    parser = _parsers()[command]
    assert parser.description, command
    formatter = parser._get_formatter()
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        name = "/".join(action.option_strings) or action.dest
        assert action.help, f"{command} {name}: no help"
        text = " ".join(formatter._expand_help(action).split())
        for choice in action.choices or ():
            assert str(choice) in text, f"{command} {name}: choice {choice} not named"
        if action.option_strings and action.nargs != 0 and not action.required:
            assert "default" in text, f"{command} {name}: no default said"
        if action.default not in (None, False, (), [], argparse.SUPPRESS):
            assert _shown(action.default) in text, f"{command} {name}: default not shown"


def test_pack_help_says_it_replaces_the_default() -> None:
    check = " ".join(_parsers()["check"].format_help().split())
    assert "the packs given replace the default, they do not add to it" in check
