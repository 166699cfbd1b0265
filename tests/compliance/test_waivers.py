"""Waivers: valid, expired (fails the gate), stale, not applicable to the run, invalid (every
problem at once, a line each), glob matching, the terminal's news of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance.errors import InputError
from compliance.gate.threshold import summarise
from compliance.gate.waivers import Waiver, apply_waivers, load_waivers, rules_run
from compliance.record.findings import Finding, FindingsRecord
from policies.catalog import Catalog, default_catalog
from policies.nag_packs import RuleMap, default_nag_packs
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


#: The keys of a waiver, as an unknown key's message lists them.
KEYS = (
    "known keys: id, control, resources, environments, justification, approver, approved, "
    "expires, compensating_control"
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            _entry(justification="too short"),
            "5: waiver W-1: justification: String should have at least 20 characters",
        ),
        (
            _entry(control="TAP-XYZ-99"),
            "3: waiver W-1: control: unknown control TAP-XYZ-99",
        ),
        (
            _entry(control="whatever"),
            "3: waiver W-1: control: 'whatever' is neither a control id nor a tool rule id",
        ),
        (
            _entry(expires="someday"),
            "8: waiver W-1: expires: expected a date as YYYY-MM-DD, not someday",
        ),
        (_entry() + _entry().removeprefix("waivers:\n"), "9: duplicate waiver id W-1"),
        (
            "waivers:\n  - id: [unclosed\n",
            "3: invalid YAML: expected ',' or ']', but got '<stream end>'",
        ),
        ("waivers: 3\n", "1: waivers: Input should be a valid list"),
        (
            _entry(justification="'" + " " * 30 + "'"),
            "5: waiver W-1: justification: String should have at least 20 characters",
        ),
        (_entry(resources="LogBucket"), "4: waiver W-1: resources: Input should be a valid list"),
        # an unknown key is named with the known ones; a misspelt one is not "missing"
        (_entry(colour="blue"), f"9: waiver W-1: unknown key colour; {KEYS}"),
        (
            _entry(approver="qsa@example.com").replace("approver:", "aprover:"),
            f"6: waiver W-1: unknown key aprover (did you mean approver?); {KEYS}",
        ),
        ("waiverz: []\n", "1: unknown key waiverz (did you mean waivers?); known keys: waivers"),
        (
            _entry() + "    compensating_control:\n      objectiv: logs reach CloudTrail\n",
            "10: waiver W-1: compensating_control: unknown key objectiv (did you mean "
            "objective?); known keys: "
            "constraints, objective, identified_risk, definition, validation, maintenance",
        ),
        # dates: the one format, never the parser's words
        (
            _entry(expires="2027-01-31T00:00"),
            "8: waiver W-1: expires: expected a date as YYYY-MM-DD, not 2027-01-31T00:00",
        ),
        (
            _entry(approved="31/01/2027"),
            "7: waiver W-1: approved: expected a date as YYYY-MM-DD, not 31/01/2027",
        ),
        (
            _entry(expires="2030-13-45"),
            "8: waiver W-1: expires: 2030-13-45 is no day of the calendar (YYYY-MM-DD)",
        ),
        (
            _entry(approved=""),
            "7: waiver W-1: approved: expected a date as YYYY-MM-DD, not an empty value",
        ),
        # the rules an assessor asks for: when it was approved, and for a year at most
        (
            _entry(approved="None").replace("    approved: None\n", ""),
            "2: waiver W-1: missing key approved",
        ),
        (
            _entry(approved="2026-01-15", expires="2027-01-16"),
            "2: waiver W-1: expires 2027-01-16 is more than 365 days after approved 2026-01-15",
        ),
        (
            _entry(approved="2026-06-01", expires="2026-05-31"),
            "2: waiver W-1: expires 2026-05-31 is before approved 2026-06-01",
        ),
        # a waiver of a critical control names its resources
        (
            _entry(control="TAP-PUB-01", resources="['*']"),
            "4: waiver W-1: resources: TAP-PUB-01 is critical: name its resources instead of '*'",
        ),
        (
            _entry(control="TAP-PUB-01", resources="[Data*, '**']"),
            "4: waiver W-1: resources: TAP-PUB-01 is critical: name its resources instead of '**'",
        ),
        (
            _entry(control="CKV_AWS_99999"),
            "3: waiver W-1: control: checkov rule CKV_AWS_99999 is not run by the catalogue",
        ),
        (
            _entry(control="PCI.DSS.321-NoSuchRule"),
            "3: waiver W-1: control: PCI.DSS.321-NoSuchRule is no rule of a cdk-nag pack "
            "(PCIDSS321Checks, AwsSolutionsChecks, NIST80053R5Checks, HIPAASecurityChecks)",
        ),
        # a rule of another pack serving a critical control (through its rule function)
        (
            _entry(control="NIST.800.53.R5-S3BucketPublicReadProhibited", resources="['*']"),
            "4: waiver W-1: resources: TAP-PUB-01 is critical: name its resources instead of '*'",
        ),
        ("- id: W-1\n", "1: expected a mapping with the keys waivers, not a list"),
        (
            _entry(id="'W 1'"),
            "2: waiver W 1: id: 'W 1' is not an id: letters, digits, '.', '_' and '-', "
            "beginning with a letter or digit",
        ),
        (
            "waivers:\n  - W-1\n",
            "2: waiver #1: expected a mapping with the keys id, control, resources, "
            "environments, justification, approver, approved, expires, compensating_control, "
            "not 'W-1'",
        ),
    ],
)
def test_invalid_waiver_files_are_one_line_errors(
    tmp_path: Path, test_catalog: Catalog, body: str, expected: str
) -> None:
    with pytest.raises(InputError) as caught:
        _waivers(tmp_path, test_catalog, body)
    assert str(caught.value) == f"{tmp_path / 'waivers.yaml'}:{expected}"


def test_every_problem_of_a_file_is_reported_at_once_with_its_line(
    tmp_path: Path, test_catalog: Catalog
) -> None:
    second = _entry(id="W-2", justification="short", approved="31/01/2027", expires="2027-02-30")
    third = _entry(control="TAP-XYZ-01", expires="2026-03-01").replace("  - id: W-1\n    ", "  - ")
    body = (
        _entry(environments="[develop]", expires="2027-01-31T00:00").replace(
            "approver:", "aprover:"
        )
        + second.removeprefix("waivers:\n")
        + third.removeprefix("waivers:\n")
    )
    path = tmp_path / "waivers.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_waivers(path, test_catalog, ["dev", "staging", "prod"])
    assert str(caught.value).splitlines() == [
        f"{path}:{line}"
        for line in (
            "6: waiver W-1: unknown key aprover (did you mean approver?); " + KEYS,
            "8: waiver W-1: expires: expected a date as YYYY-MM-DD, not 2027-01-31T00:00",
            "9: waiver W-1: environments: unknown environment develop "
            "(known: dev, staging, prod; * for every one)",
            "13: waiver W-2: justification: String should have at least 20 characters",
            "15: waiver W-2: approved: expected a date as YYYY-MM-DD, not 31/01/2027",
            "16: waiver W-2: expires: 2027-02-30 is no day of the calendar (YYYY-MM-DD)",
            "17: waiver #3: missing key id",
            "17: waiver #3: control: unknown control TAP-XYZ-01",
        )
    ]
    assert len(caught.value.errors) == 8


def test_environments_are_checked_against_the_project_s(
    tmp_path: Path, test_catalog: Catalog
) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text(_entry(environments="[dev, develop, '*']"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_waivers(path, test_catalog, ["dev", "staging", "prod"])
    assert str(caught.value) == (
        f"{path}:9: waiver W-1: environments: unknown environment develop "
        "(known: dev, staging, prod; * for every one)"
    )
    # without an environments file, names cannot be checked: the waiver applies nowhere
    (waiver,) = load_waivers(path, test_catalog, None)
    assert waiver.environments == ["dev", "develop", "*"]


def test_the_cli_prints_each_problem_on_its_own_line_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from compliance.cli import main

    path = tmp_path / "waivers.yaml"
    path.write_text(
        _entry(control="TAP-LOG-01", environments="[develop]").replace("approver:", "aprover:"),
        encoding="utf-8",
    )
    assert main(["check", "--env", "dev", "--waivers", str(path), "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"tap-compliance: error: {path}:6: waiver W-1: unknown key aprover (did you mean "
        f"approver?); {KEYS}",
        f"tap-compliance: error: {path}:9: waiver W-1: environments: unknown environment "
        "develop (known in infra/environments.yaml: dev, staging, prod; * for every one)",
    ]
    assert list(tmp_path.iterdir()) == [path]  # nothing written


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


def test_a_waiver_of_environments_the_run_did_not_judge_is_not_applicable(
    tmp_path: Path, test_catalog: Catalog, small_record: FindingsRecord
) -> None:
    prod = _waivers(tmp_path, test_catalog, _entry(environments="[prod]"))
    for env, judged in (("dev", "dev"), (None, "no environment")):
        findings, record = _apply(small_record, prod, env=env)
        assert _log_bucket(findings).status == "fail"
        (state,) = record.waivers
        assert (state.state, state.matched, state.note) == (
            "not-applicable",
            0,
            f"it waives in prod only, and this run judged {judged}",
        )
    # part of its scope judged, nothing matched there: stale, saying where it was judged
    both = _waivers(
        tmp_path, test_catalog, _entry(environments="[dev, prod]", resources="[NoSuchBucket]")
    )
    (state,) = _apply(small_record, both, env="dev")[1].waivers
    assert (state.state, state.note) == (
        "stale",
        "it matches no failure in dev (prod not judged in this run)",
    )
    everywhere = _waivers(tmp_path, test_catalog, _entry(resources="[NoSuchBucket]"))
    (state,) = _apply(small_record, everywhere, env="dev")[1].waivers
    assert (state.state, state.note) == ("stale", "it matches no failure in dev")
    # nothing judged at all: no waiver applies
    _, states = apply_waivers([], everywhere, {}, TODAY)
    assert (states[0].state, states[0].note) == ("not-applicable", "this run judged no template")


@pytest.mark.parametrize(
    ("packs", "expected"),
    [
        (["PCIDSS321Checks"], {"W-NET": "stale", "W-RULE": "stale", "W-CKV": "stale"}),
        (
            ["AwsSolutionsChecks"],
            {"W-NET": "not-applicable", "W-RULE": "not-applicable", "W-CKV": "stale"},
        ),
        # through the same cdk-nag rule function, NIST judges TAP-NET-04 but runs no PCI rule
        (["NIST80053R5Checks"], {"W-NET": "stale", "W-RULE": "not-applicable", "W-CKV": "stale"}),
        # scan runs no cdk-nag pack
        (None, {"W-NET": "not-applicable", "W-RULE": "not-applicable", "W-CKV": "stale"}),
    ],
)
def test_a_waiver_of_rules_the_run_did_not_run_is_not_applicable(
    tmp_path: Path, packs: list[str] | None, expected: dict[str, str]
) -> None:
    catalog = default_catalog()
    body = (
        _entry(id="W-NET", control="TAP-NET-04", resources="[NoRoute]")
        + _entry(
            id="W-RULE", control="PCI.DSS.321-S3BucketReplicationEnabled", resources="[NoBucket]"
        ).removeprefix("waivers:\n")
        + _entry(id="W-CKV", control="CKV_AWS_18", resources="[NoBucket]").removeprefix(
            "waivers:\n"
        )
    )
    waivers = _waivers(tmp_path, catalog, body)
    nag = RuleMap(catalog, default_nag_packs(), packs) if packs else None
    _, states = apply_waivers(_pair(), waivers, {"T": "dev"}, TODAY, rules_run(catalog, nag))
    assert {state.id: state.state for state in states} == expected
    reasons = {
        "W-NET": "TAP-NET-04 is judged by cdk-nag rules only, and this run ran none of them",
        "W-RULE": "PCI.DSS.321-S3BucketReplicationEnabled is a rule of a cdk-nag pack this "
        "run did not run",
    }
    notes = {state.id: state.note for state in states if state.state == "not-applicable"}
    assert notes == {key: reasons[key] for key, state in expected.items() if state != "stale"}


def test_terminal_says_what_became_of_each_waiver_and_which_expire_within_30_days(
    tmp_path: Path, test_catalog: Catalog, small_record: FindingsRecord
) -> None:
    from datetime import UTC, datetime

    from rich.console import Console

    from compliance.outputs.summary import print_summary

    def entry(name: str, **fields: str) -> str:
        return _entry(id=name, **fields).removeprefix("waivers:\n")

    body = "waivers:\n" + "".join(
        (
            entry("W-SOON", expires="2026-06-13"),  # matches: active, 12 days left
            entry("W-LAST", control="TAP-IAM-01", resources="['*Role']", expires="2026-06-01"),
            entry("W-LATER", control="TAP-PUB-01", resources="[DataBucket]", expires="2026-07-02"),
            entry("W-PROD", environments="[prod]", expires="2026-07-01"),
            entry("W-GONE", resources="[NoSuchBucket]"),
            entry("W-OLD", resources="[NoSuchBucket]", expires="2026-05-31"),
        )
    )
    _, record = _apply(small_record, _waivers(tmp_path, test_catalog, body), env="dev")
    record = record.model_copy(update={"generated_at": datetime(2026, 6, 1, 23, 0, tzinfo=UTC)})
    console = Console(record=True, width=80)
    print_summary(record, console)
    lines = [line for line in console.export_text().splitlines() if line.startswith("waiver ")]
    assert lines == [
        "waiver W-SOON expires on 2026-06-13: 12 day(s) left",
        "waiver W-LAST expires on 2026-06-01: today is its last day",
        "waiver W-PROD is not applicable to this run: it waives in prod only, and this run "
        "judged dev",
        "waiver W-PROD expires on 2026-07-01: 30 day(s) left",
        "waiver W-GONE is stale: it matches no failure in dev",
        "waiver W-OLD expired on 2026-05-31",
    ]
