"""Waivers: valid, expired (fails the gate), stale, invalid (one-line errors), glob matching."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance.errors import InputError
from compliance.gate.threshold import summarise
from compliance.gate.waivers import Waiver, apply_waivers, load_waivers
from compliance.record.findings import Finding, FindingsRecord
from policies.catalog import Catalog
from tests.compliance.engine_testdata import TODAY

JUSTIFICATION = "The log bucket is itself the access-log destination; logging it would loop."


def _waivers(tmp_path: Path, catalog: Catalog, body: str) -> list[Waiver]:
    path = tmp_path / "waivers.yaml"
    path.write_text(body, encoding="utf-8")
    return load_waivers(path, catalog)


def _entry(**fields: str) -> str:
    values = {
        "id": "W-1",
        "control": "TAP-LOG-01",
        "resources": "[LogBucket]",
        "justification": JUSTIFICATION,
        "approver": "qsa@example.com",
        "approved": "2026-01-15",
        "expires": "2026-12-31",
        **fields,
    }
    lines = [f"  - id: {values.pop('id')}"] + [f"    {k}: {v}" for k, v in values.items()]
    return "waivers:\n" + "\n".join(lines) + "\n"


def _apply(
    record: FindingsRecord, waivers: list[Waiver], env: str | None = None
) -> tuple[list[Finding], FindingsRecord]:
    envs = {target.name: env for target in record.targets}
    findings, states = apply_waivers(record.findings, waivers, envs, TODAY)
    summary = summarise(findings, states, "high")
    return findings, record.model_copy(
        update={"findings": findings, "waivers": states, "summary": summary}
    )


def _log_bucket(findings: list[Finding]) -> Finding:
    return next(
        f for f in findings if f.rule_id == "CKV_AWS_18" and f.resource.logical_id == "LogBucket"
    )


def test_valid_waiver_waives_and_stays_in_the_record(
    tmp_path: Path, test_catalog: Catalog, small_record: FindingsRecord
) -> None:
    body = _entry() + "    compensating_control:\n      objective: logs reach CloudTrail\n"
    findings, record = _apply(small_record, _waivers(tmp_path, test_catalog, body))
    waived = _log_bucket(findings)
    assert waived.status == "waived"
    assert waived.waiver is not None and waived.waiver.id == "W-1"
    assert waived.waiver.compensating_control is not None
    assert waived.waiver.compensating_control.objective == "logs reach CloudTrail"
    assert record.waivers[0].state == "active" and record.waivers[0].matched == 1
    assert record.summary.gate.blocking == small_record.summary.gate.blocking - 1


def test_tool_rule_id_waiver(
    tmp_path: Path, test_catalog: Catalog, small_record: FindingsRecord
) -> None:
    findings, _ = _apply(
        small_record, _waivers(tmp_path, test_catalog, _entry(control="CKV_AWS_18"))
    )
    assert _log_bucket(findings).status == "waived"


def test_expired_waiver_fails_the_gate_and_says_so(
    tmp_path: Path, test_catalog: Catalog, small_record: FindingsRecord
) -> None:
    body = _entry(expires="2026-01-31", control="TAP-ENC-06", resources="[DataKey]")
    _, record = _apply(small_record, _waivers(tmp_path, test_catalog, body))
    assert record.waivers[0].state == "expired"
    assert record.summary.gate.expired_waivers == 1
    assert record.summary.gate.result == "failed"

    only_expired = small_record.model_copy(
        update={"findings": [_log_bucket(small_record.findings)]}
    )
    findings, record = _apply(
        only_expired, _waivers(tmp_path, test_catalog, _entry(expires="2026-05-31"))
    )
    (finding,) = findings
    assert finding.status == "fail"
    assert finding.waiver is not None and finding.waiver.expired
    assert "waiver W-1 expired on 2026-05-31" in finding.message
    assert record.summary.gate.result == "failed"


def test_an_active_waiver_wins_over_an_expired_one(
    tmp_path: Path, test_catalog: Catalog, small_record: FindingsRecord
) -> None:
    expired = _entry(id="W-OLD", expires="2026-01-31")
    active = _entry(id="W-NEW").removeprefix("waivers:\n")
    findings, record = _apply(small_record, _waivers(tmp_path, test_catalog, expired + active))
    waived = _log_bucket(findings)
    assert waived.status == "waived"
    assert waived.waiver is not None and waived.waiver.id == "W-NEW"
    assert {w.id: w.matched for w in record.waivers} == {"W-OLD": 0, "W-NEW": 1}


def test_stale_waiver_is_reported(
    tmp_path: Path, test_catalog: Catalog, small_record: FindingsRecord
) -> None:
    _, record = _apply(
        small_record, _waivers(tmp_path, test_catalog, _entry(resources="[NoSuchBucket]"))
    )
    assert record.waivers[0].state == "stale"
    assert record.waivers[0].matched == 0


def test_globs_match_logical_ids_and_construct_paths(
    tmp_path: Path, test_catalog: Catalog, small_record: FindingsRecord
) -> None:
    body = _entry(control="TAP-IAM-01", resources="['*Role']")
    findings, record = _apply(small_record, _waivers(tmp_path, test_catalog, body))
    roles = [f for f in findings if f.control_id == "TAP-IAM-01" and f.status != "pass"]
    assert {f.resource.logical_id for f in roles} == {"HelperRole", "ConditionalRole"}
    assert all(f.status == "waived" for f in roles)
    assert record.waivers[0].matched == 2

    with_path = small_record.findings[0].model_copy(
        update={
            "status": "fail",
            "resource": small_record.findings[0].resource.model_copy(
                update={
                    "logical_id": "Bucket83908E77",
                    "construct_path": "TapStack-dev/Data/Bucket/Resource",
                }
            ),
        }
    )
    waiver = _waivers(
        tmp_path,
        test_catalog,
        _entry(control=with_path.rule_id, resources="['TapStack-*/Data/*']"),
    )
    findings, _ = _apply(small_record.model_copy(update={"findings": [with_path]}), waiver)
    assert findings[0].status == "waived"


def test_environments_limit_a_waiver(
    tmp_path: Path, test_catalog: Catalog, small_record: FindingsRecord
) -> None:
    waivers = _waivers(tmp_path, test_catalog, _entry(environments="[prod]"))
    assert _log_bucket(_apply(small_record, waivers, env="dev")[0]).status == "fail"
    assert _log_bucket(_apply(small_record, waivers, env="prod")[0]).status == "waived"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (_entry(justification="too short"), "waivers.yaml:5: waivers.0.justification"),
        (_entry(control="TAP-XYZ-99"), "waivers.yaml:2: waiver W-1: unknown control TAP-XYZ-99"),
        (_entry(control="whatever"), "neither a control id nor a tool rule id"),
        (_entry(expires="someday"), "waivers.yaml:8: waivers.0.expires"),
        (_entry() + _entry().removeprefix("waivers:\n"), "waivers.yaml:9: duplicate waiver id W-1"),
        ("waivers:\n  - id: [unclosed\n", "waivers.yaml:3: invalid YAML"),
        ("waivers: 3\n", "waivers.yaml: waivers: Input should be a valid list"),
        (_entry(expires="2030-13-45"), "waivers.yaml:8: waivers.0.expires"),
        (_entry(justification="'" + " " * 30 + "'"), "waivers.yaml:5: waivers.0.justification"),
        (_entry(resources="LogBucket"), "waivers.yaml:4: waivers.0.resources"),
        (_entry(colour="blue"), "waivers.yaml:9: waivers.0.colour: Extra inputs"),
        # the rules an assessor asks for: when it was approved, and for a year at most
        (_entry(approved="None").replace("    approved: None\n", ""), "waivers.0.approved"),
        (
            _entry(approved="2026-01-15", expires="2027-01-16"),
            "waivers.yaml:2: waivers.0: expires 2027-01-16 is more than 365 days after "
            "approved 2026-01-15",
        ),
        (_entry(approved="2026-06-01", expires="2026-05-31"), "is before approved 2026-06-01"),
        # a waiver of a critical control names its resources
        (
            _entry(control="TAP-PUB-01", resources="['*']"),
            "waivers.yaml:2: waiver W-1: TAP-PUB-01 is critical: name its resources",
        ),
        (_entry(control="TAP-PUB-01", resources="[Data*, '**']"), "instead of '**'"),
        (_entry(control="CKV_AWS_99999"), "W-1: checkov rule CKV_AWS_99999 is not run"),
        (_entry(control="PCI.DSS.321-NoSuchRule"), "W-1: PCI.DSS.321-NoSuchRule is no rule of"),
        # a rule of another pack serving a critical control (through its rule function)
        (
            _entry(control="NIST.800.53.R5-S3BucketPublicReadProhibited", resources="['*']"),
            "TAP-PUB-01 is critical: name its resources",
        ),
        ("- id: W-1\n", "waivers.yaml: top level: Input should be a valid dictionary"),
    ],
)
def test_invalid_waiver_files_are_one_line_errors(
    tmp_path: Path, test_catalog: Catalog, body: str, expected: str
) -> None:
    with pytest.raises(InputError) as caught:
        _waivers(tmp_path, test_catalog, body)
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_year_exactly_and_named_critical_resources_are_accepted(
    tmp_path: Path, test_catalog: Catalog
) -> None:
    body = _entry(approved="2026-01-15", expires="2027-01-15")
    second = _entry(id="W-2", control="TAP-PUB-01", resources="['Data*']")
    body += second.removeprefix("waivers:\n")
    waivers = _waivers(tmp_path, test_catalog, body)
    assert [w.id for w in waivers] == ["W-1", "W-2"]
    assert str(waivers[0].approved) == "2026-01-15"


def test_binary_waiver_file(tmp_path: Path, test_catalog: Catalog) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_bytes(b"\xff\xfe\x00waivers")
    with pytest.raises(InputError, match=r"waivers\.yaml: not UTF-8 text"):
        load_waivers(path, test_catalog)


def test_missing_waiver_file(tmp_path: Path, test_catalog: Catalog) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_waivers(tmp_path / "absent.yaml", test_catalog)


def _pair() -> list[Finding]:
    """The same resource failing one control in both tools."""
    from compliance.record.findings import Resource

    resource = Resource(
        logical_id="DataBucket1234",
        type="AWS::S3::Bucket",
        construct_path="TapStack-dev/Data/Bucket/Resource",
    )
    common = {"control_id": "TAP-LOG-01", "title": "t", "severity": "high", "status": "fail"}
    return [
        Finding.model_validate(
            {**common, "source": source, "rule_id": rule, "target": "T", "resource": resource}
            | {"message": "m"}
        )
        for source, rule in (
            ("checkov", "CKV_AWS_18"),
            ("cdk-nag", "PCI.DSS.321-S3BucketLoggingEnabled"),
        )
    ]


@pytest.mark.parametrize(
    ("control", "waived_sources"),
    [
        ("TAP-LOG-01", {"checkov", "cdk-nag"}),
        ("CKV_AWS_18", {"checkov"}),
        ("PCI.DSS.321-S3BucketLoggingEnabled", {"cdk-nag"}),
    ],
)
def test_construct_path_glob_and_rule_ids_across_tools(
    tmp_path: Path, test_catalog: Catalog, control: str, waived_sources: set[str]
) -> None:
    waivers = _waivers(
        tmp_path, test_catalog, _entry(control=control, resources="['TapStack-*/Data/*']")
    )
    findings, states = apply_waivers(_pair(), waivers, {"T": "dev"}, TODAY)
    assert {f.source for f in findings if f.status == "waived"} == waived_sources
    assert states[0].matched == len(waived_sources)


def test_terminal_says_the_waiver_expired(
    tmp_path: Path, test_catalog: Catalog, small_record: FindingsRecord
) -> None:
    from rich.console import Console

    from compliance.outputs.summary import print_summary

    _, record = _apply(small_record, _waivers(tmp_path, test_catalog, _entry(expires="2026-05-31")))
    console = Console(record=True, width=120)
    print_summary(record, console)
    text = console.export_text()
    assert "waiver W-1 expired on 2026-05-31" in text
    assert "gate failed" in text and "1 expired waiver(s)" in text
