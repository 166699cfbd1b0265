"""The cover claims only what the record proves: what each ``verify`` read live (one runtime
block, several in a merged record, none), every deployment, and verdicts reused from an
earlier judgement of hash-equal inputs, with when and under which key."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from compliance.gate.merge import Shard, merge
from compliance.gate.threshold import summarise
from compliance.judgement_cache import reused, store
from compliance.outputs.report.render import render
from compliance.record.deployment import DeploymentRecord, GateResult, TemplateSent
from compliance.record.findings import (
    DriftCheck,
    FindingsRecord,
    LiveResource,
    RuntimeCheck,
    RuntimeRule,
)
from policies.catalog import Catalog

MOTO = "http://127.0.0.1:5000"
NOT_VERIFIED = '<span class="badge roc-not-tested">not verified live</span>'


def shard(sample: FindingsRecord, env: str, as_env: str | None = None) -> FindingsRecord:
    """The sample's part of ``env`` as that environment's CI shard records it (``as_env``:
    the same part as another environment's), its summary and gate counted afresh."""
    new = as_env or env
    targets = [
        t.model_copy(update={"name": f"TapStack-{new}", "stack": f"TapStack-{new}", "env": new})
        for t in sample.targets
        if t.env == env
    ]
    findings = [
        f.model_copy(update={"target": f"TapStack-{new}"})
        for f in sample.findings
        if f.target == f"TapStack-{env}"
    ]
    verdicts = [
        v.model_copy(update={"target": f"TapStack-{new}"})
        for v in sample.verdicts
        if v.target == f"TapStack-{env}"
    ]
    summary = summarise(findings, sample.waivers, sample.summary.gate.fail_on, targets)
    return sample.model_copy(
        update={"targets": targets, "findings": findings, "verdicts": verdicts, "summary": summary}
    )


def runtime(env: str, account: str, *, endpoint_url: str | None = None) -> RuntimeCheck:
    """What ``verify --env ENV`` records: through moto (``endpoint_url``) the RDS cluster is
    not tested, AWS Config has not evaluated the rotation rule and drift detection is not
    available; against AWS every resource is read, both rules answer and drift runs."""
    local = endpoint_url is not None
    stack = f"TapStack-{env}"
    return RuntimeCheck(
        verified_at=datetime(2026, 11, 30, 12, 0, tzinfo=UTC),
        env=env,
        stack=stack,
        account=account,
        region="us-east-1",
        endpoint_url=endpoint_url,
        rules=[
            RuntimeRule(
                name="tap-kms-default",
                identifier="S3_DEFAULT_ENCRYPTION_KMS",
                logical_id="RuleKms",
                compliance="COMPLIANT",
                answered_by="config:GetComplianceDetailsByConfigRule",
            ),
            RuntimeRule(
                name="tap-rotation",
                identifier="CMK_BACKING_KEY_ROTATION_ENABLED",
                logical_id="RuleRotation",
                compliance="NOT_TESTED" if local else "COMPLIANT",
                answered_by="config:DescribeComplianceByConfigRule",
                note="no evaluation yet" if local else None,
            ),
        ],
        live=[
            LiveResource(
                logical_id="DataBucketE3889A50",
                type="AWS::S3::Bucket",
                physical_id=f"tapstack-{env}-databucket",
                state="read",
                apis=["s3:GetBucketEncryption", "s3:GetPublicAccessBlock"],
            ),
            LiveResource(
                logical_id="DatabaseCluster5B53A178",
                type="AWS::RDS::DBCluster",
                physical_id=f"tapstack-{env}-db",
                state="not-tested" if local else "read",
                apis=[] if local else ["rds:DescribeDBClusters"],
                note="rds:DescribeDBClusters: not implemented by the endpoint" if local else None,
            ),
        ],
        drift=DriftCheck(available=False, note="drift not available: not supported")
        if local
        else DriftCheck(available=True, status="IN_SYNC"),
    )


def deployment(env: str, account: str, outcome: str) -> DeploymentRecord:
    return DeploymentRecord.model_validate(
        {
            "env": env,
            "stack_name": f"TapStack-{env}",
            "account": account,
            "region": "us-east-1",
            "method": "change-set",
            "template": TemplateSent(
                sha256=hashlib.sha256(env.encode()).hexdigest(), bytes=81_000, delivery="s3-url"
            ),
            "gate": GateResult(
                result="passed", exit_code=0, fail_on="high", record="findings.json"
            ),
            "started_at": datetime(2026, 11, 30, 11, 50, tzinfo=UTC),
            "ended_at": datetime(2026, 11, 30, 11, 56, 40, tzinfo=UTC),
            "outcome": outcome,
        }
    )


def verified_live(html: str) -> str:
    """The cover's "Verified live" entry of an HTML report."""
    start = html.index("<dt>Verified live</dt><dd>") + len("<dt>Verified live</dt><dd>")
    return html[start : html.index("</dd>", start)]


def md_line(md: str, start: str) -> str:
    """The Markdown report's line that begins with ``start``."""
    (line,) = [line for line in md.splitlines() if line.startswith(start)]
    return line


def run_row(html: str, run: str) -> str:
    """The runs table's row of ``run``."""
    start = html.index(f'<tr><td class="mono">{run}</td>')
    return html[start : html.index("</tr>", start)]


@pytest.fixture(scope="module")
def three(sample_record: FindingsRecord) -> list[FindingsRecord]:
    """The shards of dev, staging and prod."""
    return [
        shard(sample_record, "dev"),
        shard(sample_record, "dev", as_env="staging"),
        shard(sample_record, "prod"),
    ]


def test_one_runtime_block_reads_as_one_environment_verified_live(
    sample_record: FindingsRecord, fixture_catalog: Catalog
) -> None:
    record = sample_record.model_copy(
        update={"runtime": runtime("dev", "111111111111", endpoint_url=MOTO)}
    )
    html = render(record, "html", catalog=fixture_catalog)
    assert verified_live(html) == (
        'dev only (TapStack-dev, through the endpoint URL <span class="mono">'
        f"{MOTO}</span>, not AWS's own endpoint): the configuration of 1 of 2 resource(s) read "
        "and judged; 1 of 2 AWS Config rule(s) gave a verdict; drift not checked. "
        f"{NOT_VERIFIED} prod."
    )
    assert "<dt>Runtime verification</dt>" in html  # one block: detailed below, as before
    md = render(record, "md", catalog=fixture_catalog)
    assert md_line(md, "Verified live:") == (
        f"Verified live: dev only (TapStack-dev, through the endpoint URL {MOTO}, not AWS's own "
        "endpoint): the configuration of 1 of 2 resource(s) read and judged, 1 of 2 AWS Config "
        "rule(s) gave a verdict, drift not checked. Not verified live: prod."
    )
    against_aws = sample_record.model_copy(update={"runtime": runtime("prod", "333333333333")})
    html = render(against_aws, "html", catalog=fixture_catalog)
    assert verified_live(html) == (
        "prod only (TapStack-prod): the configuration of 2 of 2 resource(s) read and judged; "
        "2 of 2 AWS Config rule(s) gave a verdict; drift checked: IN_SYNC. "
        f"{NOT_VERIFIED} dev."
    )


def test_two_runtime_blocks_merged_each_say_what_they_read(
    three: list[FindingsRecord], fixture_catalog: Catalog
) -> None:
    dev, staging, prod = three
    merged = merge(
        [
            Shard(
                "dev/findings.json",
                dev.model_copy(
                    update={"runtime": runtime("dev", "111111111111", endpoint_url=MOTO)}
                ),
            ),
            Shard("staging/findings.json", staging),
            Shard(
                "prod/findings.json",
                prod.model_copy(update={"runtime": runtime("prod", "333333333333")}),
            ),
        ]
    )
    html = render(merged, "html", catalog=fixture_catalog)
    assert verified_live(html) == (
        'dev (TapStack-dev, run-1, through the endpoint URL <span class="mono">'
        f"{MOTO}</span>, not AWS's own endpoint): the configuration of 1 of 2 resource(s) read "
        "and judged; 1 of 2 AWS Config rule(s) gave a verdict; drift not checked.<br>"
        "prod (TapStack-prod, run-3): the configuration of 2 of 2 resource(s) read and judged; "
        "2 of 2 AWS Config rule(s) gave a verdict; drift checked: IN_SYNC.<br>"
        f"{NOT_VERIFIED} staging."
    )
    assert "no deployed stack was read" not in html
    # Neither run's details stand for both: each run's own report has them.
    assert "<dt>Runtime verification</dt>" not in html
    assert "; verified 2026-11-30 12:00:00</td>" in run_row(html, "run-1")
    assert "verif" not in run_row(html, "run-2")
    assert "; verified 2026-11-30 12:00:00</td>" in run_row(html, "run-3")
    md = render(merged, "md", catalog=fixture_catalog)
    assert md_line(md, "Verified live:") == (
        f"Verified live: dev (TapStack-dev, run-1, through the endpoint URL {MOTO}, not AWS's own "
        "endpoint): the configuration of 1 of 2 resource(s) read and judged, 1 of 2 AWS Config "
        "rule(s) gave a verdict, drift not checked. prod (TapStack-prod, run-3): the "
        "configuration of 2 of 2 resource(s) read and judged, 2 of 2 AWS Config rule(s) gave a "
        r"verdict, drift checked: IN\_SYNC. Not verified live: staging."
    )
    assert md_line(md, "| run-3 |").endswith(
        "| failed (fails on high, 3 blocking); verified 2026-11-30 12:00:00 | prod/findings.json |"
    )


def test_a_verify_that_read_nothing_leaves_its_environment_not_verified(
    three: list[FindingsRecord], fixture_catalog: Catalog
) -> None:
    dev, _, prod = three
    idle = runtime("prod", "333333333333")
    idle = idle.model_copy(
        update={
            "rules": [r.model_copy(update={"compliance": "NOT_TESTED"}) for r in idle.rules],
            "live": [r.model_copy(update={"state": "not-tested"}) for r in idle.live],
            "drift": DriftCheck(available=False, note="drift not available: AccessDenied"),
        }
    )
    both = merge(
        [
            Shard(
                "dev/findings.json",
                dev.model_copy(
                    update={"runtime": runtime("dev", "111111111111", endpoint_url=MOTO)}
                ),
            ),
            Shard("prod/findings.json", prod.model_copy(update={"runtime": idle})),
        ]
    )
    html = render(both, "html", catalog=fixture_catalog)
    assert verified_live(html).endswith(f"drift not checked. {NOT_VERIFIED} prod.")
    assert "; verify 2026-11-30 12:00:00 read nothing live</td>" in run_row(html, "run-2")
    only_idle = merge(
        [
            Shard("dev/findings.json", dev),
            Shard("prod/findings.json", prod.model_copy(update={"runtime": idle})),
        ]
    )
    html = render(only_idle, "html", catalog=fixture_catalog)
    assert verified_live(html) == (
        f"{NOT_VERIFIED} verify ran on prod (TapStack-prod, run-2) but read no resource's "
        "configuration, got no AWS Config verdict and checked no drift: every verdict of this "
        "report is static."
    )


def test_without_a_runtime_block_nothing_is_claimed_live(
    sample_record: FindingsRecord, three: list[FindingsRecord], fixture_catalog: Catalog
) -> None:
    none = (
        f"{NOT_VERIFIED} no deployed stack was read: every verdict of this report is static, "
        "judged on the templates listed below."
    )
    merged = merge([Shard(f"{n}/findings.json", r) for n, r in zip("abc", three, strict=True)])
    for record in (sample_record, merged):
        html = render(record, "html", catalog=fixture_catalog)
        assert verified_live(html) == none
        md = render(record, "md", catalog=fixture_catalog)
        assert md_line(md, "Verified live:") == (
            "Verified live: **not verified live**: no deployed stack was read; every verdict "
            "here is static, on the synthesized templates."
        )


def test_several_deployments_are_each_named_on_the_cover(
    three: list[FindingsRecord], fixture_catalog: Catalog
) -> None:
    dev, staging, prod = three
    merged = merge(
        [
            Shard(
                "dev/findings.json",
                dev.model_copy(update={"deployment": deployment("dev", "111111111111", "updated")}),
            ),
            Shard("staging/findings.json", staging),
            Shard(
                "prod/findings.json",
                prod.model_copy(
                    update={"deployment": deployment("prod", "333333333333", "no-changes")}
                ),
            ),
        ]
    )
    html = render(merged, "html", catalog=fixture_catalog)
    dev_sha, prod_sha = (hashlib.sha256(e.encode()).hexdigest() for e in ("dev", "prod"))
    assert (
        "<dt>Deployments</dt><dd><strong>updated</strong>: TapStack-dev (dev) to "
        '<span class="mono">aws://111111111111/us-east-1</span>, 2026-11-30 11:56:40 UTC; '
        "template SHA-256 "
        f'<span class="mono">{dev_sha}</span>, the template the gate judged (passed)<br>'
        '<strong>no-changes</strong>: TapStack-prod (prod) to <span class="mono">'
        "aws://333333333333/us-east-1</span>, 2026-11-30 11:56:40 UTC; template SHA-256 "
        f'<span class="mono">{prod_sha}</span>, the template the gate judged (passed)</dd>'
    ) in html
    assert "<dt>Deployment</dt>" not in html  # one run's details never stand for another's
    md = render(merged, "md", catalog=fixture_catalog)
    assert (
        "Deployments:\n"
        f"- **updated**, TapStack-dev (dev) to aws://111111111111/us-east-1 (change-set), "
        f"template SHA-256 {dev_sha} (the gated one, gate passed), 2026-11-30 11:56:40 UTC\n"
        f"- **no-changes**, TapStack-prod (prod) to aws://333333333333/us-east-1 (change-set), "
        f"template SHA-256 {prod_sha} (the gated one, gate passed), 2026-11-30 11:56:40 UTC\n"
    ) in md


@pytest.fixture
def reused_record(
    sample_record: FindingsRecord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[FindingsRecord, str]:
    """The sample stored as a judgement and reused from the store, as ``check`` reuses it
    when every input hashes alike: (the reused record, its key)."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")  # the project root
    monkeypatch.chdir(tmp_path)
    key = hashlib.sha256(b"every input of the judgement").hexdigest()
    store(key, sample_record)
    again = reused(key)
    assert again is not None
    return again, key


def test_reused_verdicts_say_when_they_were_judged_and_under_which_key(
    reused_record: tuple[FindingsRecord, str],
    sample_html: str,
    sample_md: str,
    fixture_catalog: Catalog,
) -> None:
    record, key = reused_record
    at = record.generated_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    html = render(record, "html", catalog=fixture_catalog)
    assert (
        f"<dt>Assessment timestamp</dt><dd>{at}</dd>\n<dt>Judgement reused</dt><dd>the verdicts "
        f"were judged at 2026-11-20 09:30:00 UTC and reused at {at} under key "
        f'<span class="mono">{key}</span> because every input was hash-equal</dd>\n'
    ) in html
    md = render(record, "md", catalog=fixture_catalog)
    assert md_line(md, "Judgement reused:") == (
        "Judgement reused: the verdicts were judged at 2026-11-20 09:30:00 UTC and reused at "
        f"{at} under key {key} because every input was hash-equal."
    )
    # A fresh judgement says nothing of reuse.
    assert "reused" not in sample_html and "reused" not in sample_md


def test_a_merged_record_says_per_run_whose_verdicts_were_reused(
    reused_record: tuple[FindingsRecord, str],
    sample_record: FindingsRecord,
    fixture_catalog: Catalog,
) -> None:
    record, key = reused_record
    at = record.generated_at.strftime("%Y-%m-%d %H:%M:%S")
    merged = merge(
        [
            Shard("dev/findings.json", shard(record, "dev")),
            Shard("prod/findings.json", shard(sample_record, "prod")),
        ]
    )
    html = render(merged, "html", catalog=fixture_catalog)
    assert (
        f'<td class="mono">{at}<br><span class="muted">judgement reused: the verdicts were judged '
        f"at 2026-11-20 09:30:00 UTC and reused at {at} UTC under key "
        f'<span class="mono">{key}</span> because every input was hash-equal</span></td>'
    ) in run_row(html, "run-1")
    assert "reused" not in run_row(html, "run-2")
    assert "<dt>Judgement reused</dt>" not in html  # the merged record itself was not judged
    md = render(merged, "md", catalog=fixture_catalog)
    assert (
        f"| {at}; judgement reused: the verdicts were judged at 2026-11-20 09:30:00 UTC and "
        f"reused at {at} UTC under key {key} because every input was hash-equal |"
    ) in md_line(md, "| run-1 |")
    assert "reused" not in md_line(md, "| run-2 |")
