"""One run per ``--out`` at a time: real ``check`` processes on one output folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compliance.outputs.lock import LOCK_FILE
from tests.compliance.app_copy import NO_WAIVERS
from tests.compliance.engine_testdata import ROOT

pytestmark = pytest.mark.slow

#: One bucket; the app holds its synthesis for HOLD seconds, so a second run finds the lock taken.
APP = """\
import time

from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3

time.sleep({hold})
app = App()
s3.Bucket(Stack(app, "Held"), "Bucket")
app.synth()
"""
#: ``tap-compliance`` in a process of its own, waiting at most WAIT seconds for the lock.
WAITING = """\
import sys
from compliance.cli import main
from compliance.outputs import lock
lock.WAIT_SECONDS = float(sys.argv[1])
raise SystemExit(main(sys.argv[2:]))
"""
CHECK = ["check", "--out", "out", "--no-cache"]


def project(folder: Path, hold: float) -> Path:
    (folder / "app.py").write_text(APP.format(hold=hold))
    (folder / "cdk.json").write_text(json.dumps({"app": "python3 app.py"}))
    (folder / "waivers.yaml").write_text(NO_WAIVERS)
    return folder


def start(folder: Path, *command: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *command],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def holding(folder: Path, run: subprocess.Popen[str]) -> dict[str, object]:
    """What ``run`` wrote into the lock file once it holds the lock and synthesizes."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        lock = folder / "out" / LOCK_FILE
        text = lock.read_text() if lock.is_file() else ""
        if text and list((folder / "out").glob(".staging-*")):
            holder: dict[str, object] = json.loads(text)
            if holder["pid"] == run.pid:
                return holder
        assert run.poll() is None, run.communicate()
        time.sleep(0.1)
    raise AssertionError("the first run never held the lock")


def test_a_second_run_waits_a_bounded_time_then_names_the_holder(tmp_path: Path) -> None:
    folder = project(tmp_path, hold=60)
    first = start(folder, "-m", "compliance", *CHECK)
    try:
        holder = holding(folder, first)
        second = start(folder, "-c", WAITING, "2", *CHECK)
        _, stderr = second.communicate(timeout=120)
        assert second.returncode == 2
        assert "Traceback" not in stderr
        assert stderr.splitlines()[-1] == (
            f"tap-compliance: error: out: another run is using this output folder (pid "
            f"{first.pid}, tap-compliance check, since {holder['since']}); waited 2 s"
        )
        assert first.poll() is None  # the holder's run is untouched
    finally:
        first.kill()
        first.communicate()


def test_a_second_run_waits_for_the_first_and_then_runs(tmp_path: Path) -> None:
    folder = project(tmp_path, hold=3)
    (folder / "out" / ".staging-left-by-a-killed-run").mkdir(parents=True)
    first = start(folder, "-m", "compliance", *CHECK)
    holding(folder, first)
    second = start(folder, "-c", WAITING, "600", *CHECK)
    first_out, first_err = first.communicate(timeout=600)
    second_out, second_err = second.communicate(timeout=600)
    assert (first.returncode, second.returncode) == (1, 1), (first_err, second_err)
    assert f"tap-compliance: waiting for pid {first.pid}, tap-compliance check" in second_err
    assert "Traceback" not in first_err + second_err
    assert "gate failed" in first_out and "gate failed" in second_out
    assert not list((folder / "out").glob(".staging-*"))
    assert not (folder / "out" / LOCK_FILE).exists()  # removed as the last run let go
    record = json.loads((folder / "out" / "findings.json").read_text())
    assert [t["stack"] for t in record["targets"]] == ["Held"]


@pytest.mark.parametrize(
    ("signum", "code", "last_line"),
    [(signal.SIGINT, 130, "tap-compliance: interrupted"), (signal.SIGTERM, 143, None)],
)
def test_an_interrupted_run_leaves_no_staging_folder_and_no_traceback(
    tmp_path: Path, signum: int, code: int, last_line: str | None
) -> None:
    folder = project(tmp_path, hold=60)
    run = start(folder, "-m", "compliance", *CHECK)
    holding(folder, run)
    run.send_signal(signum)
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == code
    assert "Traceback" not in stderr
    assert (stderr.splitlines()[-1] if stderr.strip() else None) == last_line
    assert not list((folder / "out").glob(".staging-*"))
    assert not (folder / "out" / "findings.json").exists()
