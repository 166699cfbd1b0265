"""A repository as users bring it: a SAM app, a nested stack pair, a package.json, a broken
template, node_modules and a cdk.out with a nested stack, scanned with and without
--keep-going; each run's record as expected."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from compliance.cli import main
from tests.compliance.engine_testdata import ROOT

REALWORLD = ROOT / "tests" / "fixtures" / "realworld"
REPO = "tests/fixtures/realworld/repo"
KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _record(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["scan", *args, "--format", "json"])
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    return code, json.loads(captured.out)


def _shape(record: dict[str, Any]) -> dict[str, Any]:
    findings: dict[str, dict[str, list[str]]] = {}
    for f in record["findings"]:
        status = "unknown" if f["unknown"] else f["status"]
        entry = f"{f['rule_id']} {f['resource']['logical_id']}"
        findings.setdefault(f["target"], {}).setdefault(status, []).append(entry)
    return {
        "targets": [
            {"name": t["name"], "status": t["status"], **({"note": t["note"]} if t["note"] else {})}
            for t in record["targets"]
        ],
        "findings": {k: {s: sorted(v) for s, v in d.items()} for k, d in findings.items()},
        "summary": {
            "targets": record["summary"]["targets"],
            "gate": {k: record["summary"]["gate"][k] for k in ("result", "blocking", "unjudged")},
        },
    }


def test_without_keep_going_the_broken_template_stops_the_scan(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["scan", REPO]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"tap-compliance: error: {REPO}/broken/template.json:9: invalid JSON: "
        "Expecting property name enclosed in double quotes"
    ]


def test_with_keep_going_every_target_is_listed_with_its_status(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, record = _record(capsys, REPO, "--keep-going")
    expected = yaml.safe_load((REALWORLD / "expected-keep-going.yaml").read_text())
    assert _shape(record) == expected
    assert code == 1


def test_the_summary_counts_skipped_and_unjudged_templates(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["scan", REPO, "--keep-going"])
    out = " ".join(capsys.readouterr().out.split())
    assert (
        "gate failed: 9 blocking failure(s) at or above high, 1 template(s) that could not" in out
    )
    assert "│ error" in out and "│ skipped" in out


def test_the_cdk_out_alone_its_nested_stack_included(capsys: pytest.CaptureFixture[str]) -> None:
    _, record = _record(capsys, f"{REPO}/infra/cdk.out", "--env", "dev")
    assert [(t["name"], t["env"], t["status"]) for t in record["targets"]] == [
        ("OrdersService", "dev", "judged"),
        ("OrdersService/ArchiveNestedStackArchiveNestedStackResourceCB0E4F37", "dev", "judged"),
    ]
    assert record["targets"][1]["template"].endswith(
        "cdk.out/OrdersServiceArchiveF1167BB0.nested.template.json"
    )


def test_the_sam_apps_key_settled_by_parameter_and_cmk(capsys: pytest.CaptureFixture[str]) -> None:
    template = f"{REPO}/sam-app/template.yaml"

    def enc05(*args: str) -> tuple[str, bool]:
        _, record = _record(capsys, template, "--parameter", "Stage=dev", *args)
        (finding,) = [f for f in record["findings"] if f["rule_id"] == "CKV_TAP_5"]
        return finding["status"], finding["unknown"]

    # the key is a parameter: unknown; its value is a key from another account: still
    # unknown; declared customer-managed: a pass
    assert enc05() == ("fail", True)
    assert enc05("--parameter", f"DataKeyArn={KEY}") == ("fail", True)
    assert enc05("--parameter", f"DataKeyArn={KEY}", "--cmk", KEY) == ("pass", False)
    assert enc05("--parameter", "DataKeyArn=alias/aws/lambda", "--cmk", KEY) == ("fail", False)


@pytest.mark.parametrize("bad", ["alias/aws/s3", "key-1234", "arn:aws:s3:::bucket"])
def test_a_cmk_that_is_not_a_customer_key_reference_is_a_usage_error(
    bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", f"{REPO}/sam-app/template.yaml", "--cmk", bad]) == 2
    assert "--cmk" in capsys.readouterr().err


def test_the_environments_file_declares_customer_managed_keys(tmp_path: Path) -> None:
    from compliance.environments import resolve_environments

    environments = tmp_path / "environments.yaml"
    environments.write_text(
        "dev:\n  stack_name: TapStack-dev\n  account: '111111111111'\n  region: us-east-1\n"
        "  availability_zones: [us-east-1a, us-east-1b, us-east-1c]\n"
        f"  allowed_regions: [us-east-1]\n  suffix: dev\n  customer_managed_keys: [{KEY}]\n"
    )
    (dev,) = resolve_environments("dev", environments)
    assert dev.customer_managed_keys == (KEY,)
