"""Honest evidence whatever happens: the deployer against the local endpoint behind a proxy
that loses answers, cuts the connection, goes silent or holds the stack in progress, and
under SIGINT, SIGTERM and its deadline. Each test asserts the exit code, the one line and the
outcome deployment.json records."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from compliance.aws.deploy import Deployment
from compliance.aws.errors import AwsFailure
from compliance.aws.stack import change_set_name
from compliance.record.deployment import DeploymentRecord, load_deployment
from compliance.record.findings import FindingsRecord
from scripts.local_aws import LOCAL_CREDENTIALS, LocalAws, cdk_bootstrap
from tests.aws.conftest import ACCOUNT, REGION
from tests.aws.deploy_helpers import deployment
from tests.aws.fault_proxy import Fault, FaultProxy, after, silent_endpoint

pytestmark = pytest.mark.slow  # the small app is synthesized and gated once

Gated = tuple[Path, FindingsRecord]
ROOT = Path(__file__).resolve().parents[2]
NEXT = "aws cloudformation describe-stacks --stack-name arn:aws:cloudformation:us-east-1:"


@pytest.fixture
def fresh(local_aws: LocalAws) -> LocalAws:
    """An empty, bootstrapped account."""
    local_aws.reset()
    cdk_bootstrap(local_aws, ACCOUNT, REGION)
    return local_aws


@pytest.fixture
def proxy(fresh: LocalAws) -> Iterator[FaultProxy]:
    """The fault proxy in front of the fresh account (its rule set by each test)."""
    with FaultProxy(fresh.endpoint_url).running() as running:
        yield running


def _run(deployer: Deployment) -> tuple[int, str]:
    """The exit code and the one line the CLI would print (empty on success)."""
    try:
        return deployer.run(), ""
    except AwsFailure as failure:
        return failure.exit_code, str(failure)


def _record(out: Path) -> DeploymentRecord:
    return load_deployment(out / "deployment.json")


def _nth(
    action: str, n: int, after_action: str = "ExecuteChangeSet"
) -> Callable[[list[str]], bool]:
    """True on the n-th ``action`` after ``after_action``."""

    def reached(seen: list[str]) -> bool:
        if after_action not in seen:
            return False
        return seen[seen.index(after_action) :].count(action) == n

    return reached


def test_a_lost_execute_answer_is_settled_by_reading_the_change_set(
    proxy: FaultProxy, vault_gated: Gated, tmp_path: Path
) -> None:
    proxy.rule = after("ExecuteChangeSet", "lose")
    deployer, printed = deployment(vault_gated, tmp_path, endpoint_url=proxy.endpoint_url)
    assert _run(deployer) == (0, "")
    assert proxy.seen.count("ExecuteChangeSet") == 1  # never sent again
    assert "ExecuteChangeSet's answer was lost" in printed.getvalue()
    assert "the change set is EXECUTE_COMPLETE: waiting for the stack" in printed.getvalue()
    record = _record(tmp_path)
    assert (record.outcome, record.stack_status) == ("created", "CREATE_COMPLETE")


def test_an_execute_that_never_arrived_is_settled_as_not_executed(
    proxy: FaultProxy, vault_gated: Gated, tmp_path: Path
) -> None:
    proxy.rule = after("ExecuteChangeSet", "cut")
    deployer, _ = deployment(vault_gated, tmp_path, endpoint_url=proxy.endpoint_url)
    code, line = _run(deployer)
    assert proxy.seen.count("ExecuteChangeSet") == 1  # never sent again
    assert code == 1
    assert line.startswith("executing change set arn:aws:cloudformation:")
    assert line.endswith("; the change set is still AVAILABLE: nothing was executed")
    record = _record(tmp_path)
    assert (record.outcome, record.message) == ("failed", line)


def test_the_endpoint_lost_while_waiting_is_recorded_unknown(
    proxy: FaultProxy, vault_gated: Gated, tmp_path: Path
) -> None:
    proxy.rule = after("ExecuteChangeSet", "forward", then="cut")
    deployer, _ = deployment(vault_gated, tmp_path, endpoint_url=proxy.endpoint_url)
    code, line = _run(deployer)
    assert code == 2
    assert line.startswith("watching the stack: Connection was closed before we received")
    record = _record(tmp_path)
    assert (record.outcome, record.stack_status, record.message) == ("unknown", None, line)
    assert record.next_step and record.next_step.startswith(NEXT)
    assert record.change_set_id and record.stack_id


def test_the_endpoint_lost_while_publishing_writes_no_record_and_keeps_the_last(
    proxy: FaultProxy, vault_gated: Gated, tmp_path: Path
) -> None:
    """Before a change set is asked for, an endpoint error is exit 2 with no record."""
    proxy.rule = lambda action, _: "cut" if action.endswith(" s3") else "forward"
    (tmp_path / "deployment.previous.json").write_text("{}\n")
    deployer, _ = deployment(vault_gated, tmp_path, endpoint_url=proxy.endpoint_url)
    code, line = _run(deployer)
    assert code == 2
    assert line.startswith("publishing s3://cdk-hnb659fds-assets-111111111111-us-east-1/")
    assert "Connection was closed before we received a valid response" in line
    assert not (tmp_path / "deployment.json").exists()
    assert (tmp_path / "deployment.previous.json").read_text() == "{}\n"


def test_the_endpoint_lost_before_execution_is_recorded_failed(
    proxy: FaultProxy, vault_gated: Gated, tmp_path: Path
) -> None:
    proxy.rule = after("DescribeChangeSet", "cut", then="cut")
    deployer, _ = deployment(vault_gated, tmp_path, endpoint_url=proxy.endpoint_url)
    code, line = _run(deployer)
    assert code == 2
    assert line.startswith("describing change set tap-compliance-")
    assert "ExecuteChangeSet" not in proxy.seen
    assert (_record(tmp_path).outcome, _record(tmp_path).message) == ("failed", line)


def test_a_stack_held_in_progress_past_the_wait_is_recorded_in_progress(
    proxy: FaultProxy, vault_gated: Gated, tmp_path: Path
) -> None:
    proxy.rule = after("ExecuteChangeSet", "forward", then="hold")
    deployer, _ = deployment(
        vault_gated, tmp_path, endpoint_url=proxy.endpoint_url, timeout=6, poll=1
    )
    deployer.io.sleep = time.sleep
    started = time.monotonic()
    code, line = _run(deployer)
    assert time.monotonic() - started < 6 + 2.5  # the deadline, then the evidence written
    assert code == 1
    assert line.startswith("stack still CREATE_IN_PROGRESS after waiting ")
    assert line.endswith(
        "its time is up; not waiting longer (the operation goes on in CloudFormation)"
    )
    record = _record(tmp_path)
    assert (record.outcome, record.stack_status, record.message) == (
        "in-progress",
        "CREATE_IN_PROGRESS",
        line,
    )
    assert record.next_step and record.next_step.startswith(NEXT)


@pytest.mark.parametrize("phase", ["from the first call", "after ExecuteChangeSet"])
def test_a_silent_endpoint_ends_the_run_within_its_deadline(
    proxy: FaultProxy, vault_gated: Gated, tmp_path: Path, phase: str
) -> None:
    deadline = 3.0 if phase == "from the first call" else 8.0
    with silent_endpoint() as silent:
        if phase == "from the first call":
            endpoint = silent
        else:
            proxy.rule = after("ExecuteChangeSet", "forward", then="silent")
            endpoint = proxy.endpoint_url
        deployer, _ = deployment(vault_gated, tmp_path, endpoint_url=endpoint, timeout=deadline)
        started = time.monotonic()
        code, line = _run(deployer)
        elapsed = time.monotonic() - started
    assert deadline <= elapsed < deadline + 2.5  # the deadline, then the evidence written
    record = _record(tmp_path)
    if phase == "from the first call":
        assert (code, line) == (
            1,
            "--timeout of 3 s reached before any change set was created: nothing was deployed",
        )
        assert record.outcome == "failed" and record.change_set_id is None
    else:
        assert (code, line) == (
            1,
            "--timeout of 8 s reached while TapStack-dev was being changed: "
            "the operation goes on in CloudFormation",
        )
        assert (record.outcome, record.stack_status) == ("in-progress", None)


def _signal_on(proxy: FaultProxy, signum: int, when: Callable[[list[str]], bool]) -> None:
    """Send ``signum`` to this process once the requests seen satisfy ``when``."""
    sent = threading.Event()

    def check(_: str) -> None:
        if not sent.is_set() and when(proxy.seen):
            sent.set()
            os.kill(os.getpid(), signum)

    proxy.on_request = check


@pytest.mark.parametrize(
    ("signum", "phase", "outcome", "line"),
    [
        (
            signal.SIGINT,
            "publishing assets",
            "interrupted",
            "interrupted by SIGINT before any change set was created: nothing was deployed",
        ),
        (
            signal.SIGTERM,
            "computing the change set",
            "interrupted",
            "interrupted by SIGTERM before the change set was executed: nothing was deployed",
        ),
        (
            signal.SIGINT,
            "waiting on the stack",
            "in-progress",
            "interrupted by SIGINT while TapStack-dev was CREATE_IN_PROGRESS: "
            "the operation goes on in CloudFormation",
        ),
    ],
)
def test_a_signal_in_each_phase_is_recorded(
    proxy: FaultProxy,
    vault_gated: Gated,
    tmp_path: Path,
    signum: int,
    phase: str,
    outcome: str,
    line: str,
) -> None:
    rules: dict[str, tuple[Callable[[str, list[str]], Fault], Callable[[list[str]], bool]]] = {
        "publishing assets": (
            lambda action, _: "silent" if action == "PUT s3" else "forward",
            lambda seen: "PUT s3" in seen,
        ),
        "computing the change set": (
            lambda action, _: "silent" if action == "DescribeChangeSet" else "forward",
            lambda seen: "DescribeChangeSet" in seen,
        ),
        "waiting on the stack": (
            after("ExecuteChangeSet", "forward", then="hold"),
            _nth("DescribeStacks", 2),
        ),
    }
    proxy.rule, when = rules[phase]
    _signal_on(proxy, signum, when)
    deployer, _ = deployment(vault_gated, tmp_path, endpoint_url=proxy.endpoint_url, poll=0.2)
    assert _run(deployer) == (128 + signum, line)
    record = _record(tmp_path)
    assert (record.outcome, record.message) == (outcome, line)
    assert "ExecuteChangeSet" in proxy.seen if outcome == "in-progress" else True
    if phase == "computing the change set":
        assert "ExecuteChangeSet" not in proxy.seen
        assert record.next_step == (
            "aws cloudformation list-change-sets --stack-name TapStack-dev "
            "(delete the one this run left)"
        )


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_cli_signalled_while_waiting_records_in_progress(
    proxy: FaultProxy, tmp_path: Path, signum: int
) -> None:
    """The real command in a child process, signalled while the stack is held in progress."""
    proxy.rule = after("ExecuteChangeSet", "forward", then="hold")
    reached = threading.Event()
    when = _nth("DescribeStacks", 2)
    proxy.on_request = lambda _: reached.set() if when(proxy.seen) else None
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        **LOCAL_CREDENTIALS,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    command = [sys.executable, "-m", "compliance", "deploy", "--env", "dev", "--yes"]
    command += ["--out", str(tmp_path), "--endpoint-url", proxy.endpoint_url, "--poll", "0.2"]
    command += ["--app", "tests.aws.cdk_apps:vault_app"]
    child = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert reached.wait(300), "the deploy never reached the wait"
        child.send_signal(signum)
        _, err = child.communicate(timeout=30)
    finally:
        child.kill()
    name = signal.Signals(signum).name
    expected = (
        f"tap-compliance: error: interrupted by {name} while TapStack-dev was "
        "CREATE_IN_PROGRESS: the operation goes on in CloudFormation"
    )
    assert (child.returncode, err.decode().strip().splitlines()) == (128 + signum, [expected])
    record = _record(tmp_path)
    assert (record.outcome, record.stack_status) == ("in-progress", "CREATE_IN_PROGRESS")
    findings = json.loads((tmp_path / "findings.json").read_text())
    assert findings["deployment"]["outcome"] == "in-progress"


def test_an_unwritable_evidence_folder_keeps_the_record_beside_it(
    fresh: LocalAws, vault_gated: Gated, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    (out / "deployment.json").mkdir(parents=True)  # in the way of the file
    deployer, _ = deployment(vault_gated, out, endpoint_url=fresh.endpoint_url)
    code, line = _run(deployer)
    fallback = tmp_path / "out.deployment.json"
    assert code == 2
    assert line.startswith(f"{out / 'deployment.json'}: cannot write: ")
    assert line.endswith(f"; the deployment record was written to {fallback}")
    assert load_deployment(fallback).outcome == "created"


def test_with_nowhere_to_write_the_record_goes_to_stderr(
    fresh: LocalAws, vault_gated: Gated, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    (out / "deployment.json").mkdir(parents=True)
    (tmp_path / "out.deployment.json").mkdir()
    deployer, _ = deployment(vault_gated, out, endpoint_url=fresh.endpoint_url)
    code, line = _run(deployer)
    assert code == 2 and line.endswith("; the deployment record was printed to stderr")
    assert DeploymentRecord.model_validate_json(capsys.readouterr().err).outcome == "created"


def test_evidence_follows_the_umask(fresh: LocalAws, vault_gated: Gated, tmp_path: Path) -> None:
    deployer, _ = deployment(vault_gated, tmp_path, endpoint_url=fresh.endpoint_url)
    previous = os.umask(0o022)
    try:
        assert _run(deployer) == (0, "")
    finally:
        os.umask(previous)
    for name in ("deployment.json", "findings.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644, name


def test_the_previous_record_is_kept_until_a_new_one_is_written(
    fresh: LocalAws, vault_gated: Gated, tmp_path: Path
) -> None:
    from compliance.aws.deploy import run
    from compliance.policy import checked_catalog
    from tests.aws.deploy_helpers import plain_console

    out = tmp_path / "out"
    import shutil

    shutil.copytree(vault_gated[0], out)
    (out / "deployment.json").write_text('{"earlier": true}\n')
    options: Any = deployment(vault_gated, out, endpoint_url=fresh.endpoint_url)[0].options
    seen: list[bool] = []

    def gate() -> FindingsRecord:
        seen.append((out / "deployment.json").exists())
        return vault_gated[1]

    from compliance.aws.deploy import Interaction

    console, _ = plain_console()
    interaction = Interaction(console=console, stdin_is_terminal=lambda: False)
    assert run(options, gate=gate, catalog=checked_catalog(), io=interaction) == 0
    assert seen == [False]  # the gate ran with no deployment.json to pass for this run's
    assert (out / "deployment.previous.json").read_text() == '{"earlier": true}\n'
    assert _record(out).outcome == "created"


def test_change_set_names_differ_within_one_second() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, tzinfo=UTC)
    names = {change_set_name(now) for _ in range(50)}
    assert len(names) == 50
    assert all(name.startswith("tap-compliance-20260101000000-") for name in names)
