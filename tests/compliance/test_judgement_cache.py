"""A judgement is reused only when a content hash proves every input it read unchanged, and
only while the stored record is the one stored; a reused run never imports checkov."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import pytest

import compliance.policy
from compliance import judgement_cache
from compliance.environments import EnvInfo
from compliance.judgement_cache import CACHE_DIR, judgement_key, reused, store
from compliance.policy import load_policy
from compliance.record.findings import FindingsRecord
from tests.compliance.engine_testdata import ROOT
from tests.compliance.one_day import DAY
from tests.compliance.test_synth_cache import script_app  # noqa: F401  (the fixture)

#: ``check`` in a child process, on the day the tests started (``one_day``), then whether
#: checkov was imported, on the last line.
RUN = (
    "import sys, datetime\n"
    "import compliance.policy\n"
    "from tests.compliance import one_day\n"
    f"one_day.DAY = datetime.date.fromisoformat({DAY.isoformat()!r})\n"
    "compliance.policy.datetime = one_day.OnDay\n"
    "from compliance.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "print('checkov imported:', 'checkov' in sys.modules)\n"
    "sys.exit(code)\n"
)

#: The tiny app's one failure (an SNS topic without a KMS key), waived (and valid) on DAY.
WAIVERS = f"""\
waivers:
  - id: W-1
    control: PCI.DSS.321-SNSEncryptedKMS
    resources: ["Topic*"]
    environments: ["*"]
    justification: The tiny topic carries no cardholder data, only test names.
    approver: tests
    approved: {DAY - timedelta(days=1)}
    expires: {DAY + timedelta(days=300)}
"""
#: The record's fields of the run, not of the judgement.
VOLATILE = ("generated_at", "git_commit", "git", "tool_versions", "reused_judgement")


def _check(project: Path, *args: str) -> tuple[dict[str, Any], bool, str]:
    """``check --out out ARGS`` in a child process from ``project`` (first on the path, so
    its copy of ``policies`` is the one judged by): (the record, checkov imported, stdout)."""
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(project), str(ROOT)]),
        "NO_COLOR": "1",
        "COLUMNS": "250",
    }
    done = subprocess.run(
        [sys.executable, "-c", RUN, "check", "--out", "out", *args],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    last = done.stdout.rstrip().splitlines()[-1]
    assert last.startswith("checkov imported: "), done.stdout
    record = json.loads((project / "out" / "findings.json").read_text())
    return record, last.endswith("True"), done.stdout


def _judgement(record: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in record.items() if name not in VOLATILE}


def _entries(project: Path) -> list[Path]:
    return sorted((project / CACHE_DIR).glob("*.json"))


@pytest.mark.slow
def test_an_unchanged_check_reuses_its_judgement_and_any_change_judges_again(
    script_app: Path,  # noqa: F811
) -> None:
    project = script_app
    shutil.copytree(
        ROOT / "policies", project / "policies", ignore=shutil.ignore_patterns("__pycache__")
    )
    (project / "waivers.yaml").write_text(WAIVERS)

    first, imported, _ = _check(project)
    assert (first["reused_judgement"], imported) == (None, True)
    assert [f["status"] for f in first["findings"] if f["source"] == "cdk-nag"] == ["waived"]
    assert len(_entries(project)) == 1

    # nothing changed: the judgement reused, checkov never imported, this run's own time
    second, imported, stdout = _check(project)
    assert imported is False
    assert _judgement(second) == _judgement(first)
    (entry,) = _entries(project)
    assert second["reused_judgement"] == {
        "key": entry.stem,
        "first_judged_at": first["generated_at"],
    }
    assert second["generated_at"] > first["generated_at"]
    since = datetime.fromisoformat(first["generated_at"]).strftime("%Y-%m-%d %H:%M:%S UTC")
    assert f"judgement reused (inputs unchanged since {since})" in stdout.splitlines()

    # the waiver file edited, a check of the controls edited, another --fail-on: judged again
    waivers = project / "waivers.yaml"
    waivers.write_text(WAIVERS.replace("only test names", "only the names of tests"))
    third, imported, _ = _check(project)
    assert (third["reused_judgement"], imported) == (None, True)
    assert third["waivers"][0]["justification"].endswith("only the names of tests.")
    check = sorted((project / "policies" / "checks").glob("*.py"))[-1]
    check.write_text(check.read_text() + "\n# edited\n")
    fourth, imported, _ = _check(project)
    assert (fourth["reused_judgement"], imported) == (None, True)
    fifth, imported, _ = _check(project, "--fail-on", "critical")
    assert (fifth["reused_judgement"], imported) == (None, True)
    assert fifth["summary"]["gate"]["fail_on"] == "critical"
    assert len(_entries(project)) == 4

    # a stored record tampered with (still valid JSON): removed, judged again
    latest = max(_entries(project), key=lambda path: path.stat().st_mtime)
    note = json.loads(latest.read_text())
    note["record"] = note["record"].replace('"waived"', '"pass"', 1)
    latest.write_text(json.dumps(note))
    sixth, imported, _ = _check(project, "--fail-on", "critical")
    assert (sixth["reused_judgement"], imported) == (None, True)
    assert _judgement(sixth) == _judgement(fifth)
    assert latest.exists()  # stored again, from the fresh judgement

    # --no-cache: synthesized and judged, nothing reused
    seventh, imported, _ = _check(project, "--fail-on", "critical", "--no-cache")
    assert (seventh["reused_judgement"], imported) == (None, True)


def test_a_tampered_or_truncated_entry_is_removed_never_trusted(
    script_app: Path,  # noqa: F811
) -> None:
    record = FindingsRecord.model_validate_json(_any_record())
    key = "k" * 64
    store(key, record)
    (entry,) = _entries(script_app)
    found = reused(key)
    assert found is not None and found.reused_judgement is not None
    assert found.findings == record.findings
    assert found.reused_judgement.first_judged_at == record.generated_at
    text = entry.read_text()
    for broken in (text[: len(text) // 2], text.replace('\\"pass\\"', '\\"fail\\"', 1), "[]"):
        entry.write_text(broken)
        assert reused(key) is None
        assert not entry.exists()
        store(key, record)


def test_a_merged_record_says_which_run_was_reused(
    script_app: Path,  # noqa: F811
) -> None:
    from compliance.gate.merge import Shard, merge

    fresh = FindingsRecord.model_validate_json(_any_record("TAP-BAK-01/pass.yaml"))
    store("r" * 64, FindingsRecord.model_validate_json(_any_record()))
    again = reused("r" * 64)
    assert again is not None
    merged = merge([Shard("a/findings.json", again), Shard("b/findings.json", fresh)])
    assert [run.reused_judgement for run in merged.runs] == [again.reused_judgement, None]


def _any_record(fixture: str = "TAP-BAK-01/fail.yaml") -> str:
    """A real record of the engine: a template scanned."""
    from compliance import engine

    policy, _ = load_policy(None, "high")
    return engine.scan(
        [ROOT / "tests" / "fixtures" / "policies" / fixture],
        policy=policy,
        allowed_regions=None,
    ).to_json()


def test_the_key_follows_every_input_of_the_judgement(
    script_app: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy, _ = load_policy(None, "high")
    dev = EnvInfo("dev", "Dev", ("us-east-1",))
    out = script_app / "out"
    policies = script_app / "policies-copy"
    shutil.copytree(ROOT / "policies", policies, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(judgement_cache, "SOURCES", (policies,))

    def key(**changed: Any) -> str:
        given: dict[str, Any] = {
            "synthesis": "proof",
            "policy": policy,
            "environments": [dev],
            "packs": ["PCIDSS321Checks"],
            "shown_dir": out,
            **changed,
        }
        return judgement_key(**given)

    first = key()
    assert key() == first

    # tomorrow, by the clock the policy reads its date from (UTC)
    class Tomorrow(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Tomorrow:
            return cls.fromtimestamp((datetime.now(tz) + timedelta(days=1)).timestamp(), tz)

    with monkeypatch.context() as clock:
        clock.setattr(compliance.policy, "datetime", Tomorrow)
        assert key(policy=load_policy(None, "high")[0]) != first
    assert key(policy=load_policy(None, "high")[0]) == first
    waivers = script_app / "waivers.yaml"
    waivers.write_text(WAIVERS)
    with_file = replace(policy, waiver_file=str(waivers))
    keys = [
        key(synthesis="another assembly"),
        key(policy=replace(policy, today=date(2030, 1, 1))),
        key(policy=replace(policy, fail_on="critical")),
        key(policy=with_file),
        key(policy=replace(with_file, waiver_file="waivers.yaml")),  # as the record names it
        key(environments=[replace(dev, allowed_regions=("us-east-1", "eu-west-1"))]),
        key(environments=[]),
        key(packs=["NIST80053R5Checks"]),
        key(shown_dir=script_app / "elsewhere"),
    ]
    assert first not in keys and len(set(keys)) == len(keys)

    waived = key(policy=with_file)
    expires = str(DAY + timedelta(days=300))
    waivers.write_text(WAIVERS.replace(expires, str(DAY + timedelta(days=299))))
    assert key(policy=with_file) != waived
    check = sorted((policies / "checks").glob("*.py"))[0]
    check.write_text(check.read_text() + "\n# edited\n")
    assert key() != first
    monkeypatch.setenv("CHECKOV_RUN_SCA_PACKAGE_SCAN_V2", "true")
    edited = key()
    monkeypatch.delenv("CHECKOV_RUN_SCA_PACKAGE_SCAN_V2")
    assert key() != edited
