"""Hostile input: each case exit 2 with one line naming the file and what is wrong, no
traceback, memory bounded; under --keep-going the file is a target in error and the others
are judged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from compliance.cli import main
from tests.compliance.engine_testdata import ROOT
from tests.policies.policy_testdata import SMALL_PLATFORM

GOOD = "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n"


def _alias_bomb(path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    lines.append("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      Tags: *a9")
    path.write_text("\n".join(lines) + "\n")


def _big(path: Path) -> None:
    with path.open("wb") as handle:
        handle.write(GOOD.encode())
        handle.truncate(50 * 1024 * 1024)  # a sparse 50 MB file


def _nested_tags(levels: int) -> str:
    """A bucket whose Tags nest ``levels`` lists deep (the template's values: 4 more)."""
    tags = "[" * levels + "]" * levels
    return '{"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"Tags": ' + tags + "}}}}"


def _loop(path: Path) -> None:
    other = path.with_name("other.link")
    path.symlink_to(other)
    other.symlink_to(path)


CASES: dict[str, tuple[str, Callable[[Path], None], str]] = {
    "invalid JSON": ("t.json", lambda p: p.write_text('{"Resources": {,}}'), ":1: invalid JSON"),
    "invalid YAML": ("t.yaml", lambda p: p.write_text("Resources: [\n"), ":2: invalid YAML"),
    "duplicate keys (YAML)": (
        "t.yaml",
        lambda p: p.write_text(GOOD + "  Queue:\n    Type: AWS::SNS::Topic\n"),
        ":4: invalid YAML: duplicate key Queue",
    ),
    "duplicate keys (JSON)": (
        "t.json",
        lambda p: p.write_text('{"Resources": {"Q": {"Type": "X"}, "Q": {"Type": "Y"}}}'),
        "invalid JSON: duplicate key Q",
    ),
    "alias bomb": ("t.yaml", _alias_bomb, "YAML aliases expand to more than 1,000,000 values"),
    "50 MB": ("t.yaml", _big, "52.4 MB, over CloudFormation's 1 MB template size limit"),
    "binary": ("t.json", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\xff\x00"), "not UTF-8 text"),
    "NUL bytes": ("t.yaml", lambda p: p.write_bytes(b"Resources:\x00\x00"), "a binary file"),
    "symlink loop": ("t.yaml", _loop, "cannot read: a symlink loop"),
    "nested past Python's parser (JSON)": (
        "t.json",
        lambda p: p.write_text('{"Resources": ' + "[" * 100_000 + "]" * 100_000 + "}"),
        "values nested more than 128 levels deep (not read)",
    ),
    "nested past Python's parser (YAML)": (
        "t.yaml",
        lambda p: p.write_text("Resources: " + "[" * 100_000 + "]" * 100_000 + "\n"),
        "values nested more than 128 levels deep (not read)",
    ),
    "nested past what the checks walk": (
        "t.json",
        lambda p: p.write_text(_nested_tags(125)),
        "values nested more than 128 levels deep (not read)",
    ),
    "Resources list": (
        "t.yaml",
        lambda p: p.write_text("Resources: [a, b]\n"),
        "Resources is a list",
    ),
    "Resources null": ("t.yaml", lambda p: p.write_text("Resources:\n"), "Resources is empty"),
    "no Resources": (
        "t.yaml",
        lambda p: p.write_text("AWSTemplateFormatVersion: '2010-09-09'\n"),
        "a template without Resources",
    ),
}


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


@pytest.mark.parametrize("case", CASES)
def test_hostile_file_is_one_line_exit_2(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, make, expected = CASES[case]
    path = tmp_path / name
    make(path)
    assert main(["scan", str(path)]) == 2
    line = _one_line(capsys)
    assert line.startswith(f"tap-compliance: error: {path}")
    assert expected in line


@pytest.mark.parametrize("case", CASES)
def test_hostile_file_under_keep_going_is_an_error_target(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, make, expected = CASES[case]
    make(tmp_path / name)
    code = main(["scan", str(tmp_path), str(SMALL_PLATFORM), "--keep-going", "--format", "json"])
    record = json.loads(capsys.readouterr().out)
    errors = [t for t in record["targets"] if t["status"] == "error"]
    assert [t["template"] for t in errors] == [(tmp_path / name).as_posix()]
    assert expected.lstrip(":0123456789 ") in errors[0]["note"]
    assert code == 1 and record["summary"]["gate"]["unjudged"] == 1


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: None, "no CloudFormation template in this folder"),
        (
            lambda p: (p / "package.json").write_text("{}"),
            "no CloudFormation template in this folder (1 file(s) skipped)",
        ),
        (
            lambda p: (p / "README.md").write_text("# hi"),
            "no CloudFormation template in this folder",
        ),
    ],
)
def test_a_folder_without_templates(
    make: Callable[[Path], None], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make(tmp_path)
    assert main(["scan", str(tmp_path), "--keep-going"]) == 2
    assert _one_line(capsys) == f"tap-compliance: error: {tmp_path}: {expected}"


def test_a_path_that_does_not_exist(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "no/such/dir", "--keep-going"]) == 2
    assert _one_line(capsys) == "tap-compliance: error: no/such/dir: no such file"


def test_nothing_judged_is_exit_2_even_with_keep_going(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.yaml").write_text("Resources: [\n")
    (tmp_path / "b.yaml").write_text("just: data\n")
    assert main(["scan", str(tmp_path), "--keep-going"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    lines = captured.err.splitlines()
    assert [line.split(": ")[:3] for line in lines] == [  # each template its own line
        ["tap-compliance", "error", "nothing to judge"],
        ["tap-compliance", "error", "nothing to judge"],
    ]
    assert [line.split(": ")[3] for line in lines] == [
        (tmp_path / "a.yaml").as_posix(),
        (tmp_path / "b.yaml").as_posix(),
    ]


def test_a_folder_symlink_loop_does_not_trap_the_walk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "stack.yaml").write_text(GOOD)
    (tmp_path / "loop").symlink_to(tmp_path)
    code = main(["scan", str(tmp_path), "--format", "json"])
    record = json.loads(capsys.readouterr().out)
    assert code in (0, 1)
    assert [t["template"] for t in record["targets"]] == [(tmp_path / "stack.yaml").as_posix()]


def test_a_file_without_read_permission(capsys: pytest.CaptureFixture[str]) -> None:
    """As an unprivileged user (root reads anything: the CLI then runs as nobody)."""
    folder = Path(tempfile.mkdtemp(prefix="tap-perm-"))
    folder.chmod(0o755)
    secret = folder / "secret.yaml"
    secret.write_text(GOOD)
    secret.chmod(0o000)
    command = [sys.executable, "-m", "compliance", "scan", str(secret)]
    if os.geteuid() == 0:
        nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        probe = [*nobody, "test", "-r", str(ROOT / "compliance" / "__init__.py")]
        if subprocess.run(probe, check=False).returncode != 0:
            pytest.skip(
                f"{ROOT} cannot be read by an unprivileged user (a folder above it is private)"
            )
        command = [*nobody, *command]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(folder)}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"tap-compliance: error: {secret}: cannot read: permission denied"
    ]


def test_memory_stays_bounded_on_a_bomb_and_a_huge_file(tmp_path: Path) -> None:
    """The peak memory of a scan of the alias bomb and the 50 MB file stays that of a scan of
    a small template (within 64 MB): neither is ever expanded or read whole."""

    def peak(path: Path) -> int:
        code = (
            "import resource, sys\n"
            "from compliance.cli import main\n"
            f"main(['scan', {str(path)!r}, '--keep-going'])\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
        )
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
        )
        return int(done.stderr.strip().splitlines()[-1])  # KiB

    small = tmp_path / "small.yaml"
    small.write_text(GOOD)
    bomb, big = tmp_path / "bomb.yaml", tmp_path / "big.yaml"
    _alias_bomb(bomb)
    _big(big)
    baseline = peak(small)
    assert peak(bomb) < baseline + 64 * 1024
    assert peak(big) < baseline + 64 * 1024


def test_a_template_nested_to_the_bound_is_judged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """128 levels, the bound itself: read and judged, no recursion limit reached."""
    path = tmp_path / "t.json"
    path.write_text(_nested_tags(124))
    assert main(["scan", str(path), "--format", "json"]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    record = json.loads(captured.out)
    assert [t["status"] for t in record["targets"]] == ["judged"]
