"""The CLI as CI runs it: a separate process, stdout for the record alone, no network, no noise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.compliance.engine_testdata import ROOT, unexpiring
from tests.policies.policy_testdata import SMALL_PLATFORM

#: Imported first by the child: any attempt to open an internet socket or resolve a name fails
#: loudly (checkov must never try to reach its platform).
NO_NETWORK = """
import socket

def _refuse(*args, **kwargs):
    raise SystemExit("tap-compliance tried to use the network")

_connect = socket.socket.connect

def _connect_local(self, address, *args):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _refuse()
    return _connect(self, address, *args)

socket.socket.connect = _connect_local
socket.getaddrinfo = _refuse
"""


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "sitecustomize.py").write_text(NO_NETWORK)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JSII_")}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(ROOT)])
    return subprocess.run(
        [sys.executable, "-m", "compliance", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_scan_json_stdout_is_only_the_record(tmp_path: Path) -> None:
    done = _run(tmp_path, "scan", str(SMALL_PLATFORM), "--format", "json")
    record = json.loads(done.stdout)
    assert record["schema"] == "tap-compliance/findings@2"
    assert done.returncode == record["summary"]["gate"]["exit_code"] == 1
    assert done.stderr == ""


def test_check_prints_only_the_summary_offline(tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(unexpiring((ROOT / "waivers.yaml").read_text()))
    done = _run(
        tmp_path, "check", "--env", "dev", "--out", str(tmp_path / "out"), "--waivers", str(waivers)
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[0].startswith("tap-compliance: 1 target(s)")
    assert lines[-1].startswith("gate passed")
    noise = ("jsii", "node", "checkov", "warning", "deprecat", "traceback")
    ours = [line for line in lines if not line.startswith("tools disagree on ")]  # names checkov
    assert not [line for line in ours if any(word in line.lower() for word in noise)]
