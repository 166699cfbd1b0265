"""Lines that locate: each resource of an app written for the test reads the app line that made
it and the app's calls that led there, whether a helper, a constructor or a library method
(``grant_read``, ``add_to_resource_policy``, a bucket notification, log retention, a factory
method) made it; the terminal, SARIF, the reports and ``diff`` show it; fingerprints keep still
when lines move."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from compliance.outputs.diff import diff_records
from compliance.outputs.diff_markdown import render_diff_markdown
from compliance.outputs.report.markdown import escape_markdown
from compliance.record.findings import FindingsRecord
from compliance.synthesis.sources import read_sources
from policies.catalog import default_catalog
from tests.compliance.app_copy import NO_WAIVERS
from tests.compliance.engine_testdata import ROOT

pytestmark = pytest.mark.slow

#: Each line that makes something ends with a marker comment naming it.
APP = """\
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n


def data_bucket(scope, name):
    return s3.Bucket(scope, name)  # helper


class Located(Stack):
    def __init__(self, scope, construct_id):
        super().__init__(scope, construct_id)
        raw = data_bucket(self, "Raw")  # raw
        clean = data_bucket(self, "Clean")  # clean
        reader = iam.Role(self, "Reader", assumed_by=iam.AccountRootPrincipal())  # role
        raw.grant_read(reader)  # grant
        clean.add_to_resource_policy(  # policy
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                principals=[iam.AnyPrincipal()],
                resources=[clean.arn_for_objects("*")],
            )
        )
        handler = lambda_.Function(  # function
            self,
            "Handler",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_inline("def handler(event, context): pass"),
            log_retention=logs.RetentionDays.ONE_WEEK,
        )
        raw.add_event_notification(  # notify
            s3.EventType.OBJECT_CREATED, s3n.LambdaDestination(handler)
        )
        errors = handler.metric_errors()
        errors.create_alarm(self, "Errors", threshold=1, evaluation_periods=1)  # alarm


app = App()
Located(app, "Located")  # stack
app.synth()  # synth
"""

#: Construct path prefix -> the marker of the line that made it, the markers of the calls above.
MADE_BY: dict[str, tuple[str, tuple[str, ...]]] = {
    "Located/Raw/Resource": ("helper", ("raw", "stack")),
    "Located/Clean/Resource": ("helper", ("clean", "stack")),
    "Located/Clean/Policy/": ("policy", ("stack",)),
    "Located/Reader/Resource": ("role", ("stack",)),
    "Located/Reader/DefaultPolicy/": ("grant", ("stack",)),
    "Located/Handler/": ("function", ("stack",)),
    "Located/LogRetention": ("function", ("stack",)),
    "Located/Raw/Notifications/": ("notify", ("stack",)),
    "Located/Raw/AllowBucketNotifications": ("notify", ("stack",)),
    "Located/BucketNotificationsHandler": ("notify", ("stack",)),
    "Located/Errors/": ("alarm", ("stack",)),
    "Located/CDKMetadata/": ("synth", ()),
}


def line(text: str, marker: str) -> int:
    (found,) = [n for n, got in enumerate(text.splitlines(), 1) if got.endswith(f"# {marker}")]
    return found


def expected(path: str, text: str) -> tuple[str, int, list[tuple[str, int]]]:
    """(file, line, called_from) the resource at ``path`` must read."""
    prefix = max((p for p in MADE_BY if path.startswith(p)), key=len)
    made, calls = MADE_BY[prefix]
    return "app.py", line(text, made), [("app.py", line(text, call)) for call in calls]


def run_check(folder: Path, text: str) -> tuple[dict[str, Any], str]:
    """``check`` of the app ``text`` in ``folder`` as a user runs it: (record, stdout)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "app.py").write_text(text)
    (folder / "cdk.json").write_text(json.dumps({"app": "python3 app.py"}))
    (folder / "waivers.yaml").write_text(NO_WAIVERS)
    done = subprocess.run(
        [sys.executable, "-m", "compliance", "check", "--out", "out", "--no-cache"],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "COLUMNS": "250"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    return json.loads((folder / "out" / "findings.json").read_text()), done.stdout


@pytest.fixture(scope="module")
def located(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], str]:
    folder = tmp_path_factory.mktemp("located")
    record, stdout = run_check(folder, APP)
    return folder, record, stdout


def where(finding: dict[str, Any]) -> tuple[str, int, list[tuple[str, int]]]:
    source = finding["source_location"]
    calls = [(c["file"], c["start_line"]) for c in source["called_from"]]
    return source["file"], source["start_line"], calls


def test_every_resource_reads_the_line_that_made_it_and_the_calls_above(
    located: tuple[Path, dict[str, Any], str],
) -> None:
    folder, record, _ = located
    assembly = folder / "out" / "cdk.out"
    template = json.loads((assembly / "Located.template.json").read_text())
    metadata = json.loads((assembly / "Located.metadata.json").read_text())
    paths = {
        entry["data"]: path.strip("/")
        for path, entries in metadata.items()
        for entry in entries
        if entry["type"] == "aws:cdk:logicalId"
    }
    assert template["Resources"].keys() <= paths.keys()
    sources = read_sources(assembly)
    for path in (paths[logical_id] for logical_id in template["Resources"]):
        found = sources.locate(path)
        assert found is not None, path
        calls = [(c.file, c.start_line) for c in found.called_from]
        assert (found.file, found.start_line, calls) == expected(path, APP), path
    judged = {f["resource"]["construct_path"] for f in record["findings"]}
    for finding in record["findings"]:
        assert where(finding) == expected(finding["resource"]["construct_path"], APP), finding
    # what a library method made is judged, and so located: not a vacuous pass
    for kind in ("Clean/Policy/", "Reader/DefaultPolicy/", "Raw/Resource", "Clean/Resource"):
        assert any(kind in path for path in judged), kind
    for kind in ("LogRetention", "BucketNotificationsHandler", "Raw/Notifications/"):
        assert any(kind in path for path in judged), kind


def test_the_terminal_sarif_and_reports_show_the_call_site_of_a_helper_s_resource(
    located: tuple[Path, dict[str, Any], str],
) -> None:
    folder, record, stdout = located
    helper, raw, clean, stack = (line(APP, m) for m in ("helper", "raw", "clean", "stack"))
    assert f"app.py:{helper} (called from app.py:{raw}, app.py:{stack})" in stdout
    assert f"app.py:{helper} (called from app.py:{clean}, app.py:{stack})" in stdout
    log = json.loads((folder / "out" / "findings.sarif").read_text())
    failing = [f for f in record["findings"] if f["status"] != "pass"]
    results = log["runs"][0]["results"]
    clean_bucket = [
        result
        for result, finding in zip(results, failing, strict=True)
        if finding["resource"]["construct_path"] == "Located/Clean/Resource"
    ]
    assert clean_bucket
    for result in clean_bucket:
        template, *calls = result["relatedLocations"]
        assert template["message"]["text"] == "the synthesized template"
        physical = [(c["id"], c["physicalLocation"]) for c in calls]
        assert [
            (n, p["artifactLocation"]["uri"], p["region"]["startLine"]) for n, p in physical
        ] == [
            (2, "app.py", clean),
            (3, "app.py", stack),
        ]
    html = (folder / "out" / "audit.html").read_text()
    assert (
        f'created at <span class="mono">app.py:{helper}</span><br>called from '
        f'<span class="mono">app.py:{clean}</span>, <span class="mono">app.py:{stack}</span>'
    ) in html
    markdown = (folder / "out" / "audit.md").read_text()
    assert escape_markdown(f"app.py:{helper} (called from app.py:{raw}, ...)") in markdown


def test_fingerprints_keep_still_when_lines_move_and_diff_shows_the_call_site(
    located: tuple[Path, dict[str, Any], str], tmp_path: Path
) -> None:
    _, base, _ = located
    moved, _ = run_check(tmp_path / "moved", "# moved\n# by\n# three lines\n" + APP)
    before = {f["fingerprint"]: where(f) for f in base["findings"]}
    after = {f["fingerprint"]: where(f) for f in moved["findings"]}
    assert before.keys() == after.keys() and len(before) > 10
    for fingerprint, (file, start, calls) in before.items():
        shifted = [(f, n + 3) for f, n in calls]
        assert after[fingerprint] == (file, start + 3, shifted)
    # against a record without these failures, the PR comment shows each one's call site
    head = FindingsRecord.model_validate(moved)
    empty = head.model_copy(update={"findings": []})
    comment = render_diff_markdown(diff_records(empty, head, default_catalog()))
    helper, raw, clean = (line(APP, m) + 3 for m in ("helper", "raw", "clean"))
    for call in (raw, clean):
        assert escape_markdown(f"app.py:{helper} (called from app.py:{call}, ...)") in comment
