"""The context an app gets: merged as the CDK CLI merges it, passed as the CLI passes it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compliance.cli import main
from compliance.cli.inputs import parse_context
from compliance.errors import InputError
from compliance.synthesis.context import (
    CONTEXT_ENV,
    OVERFLOW_ENV,
    app_context,
    context_environment,
    split_by_size,
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    (tmp_path / "cdk.json").write_text(
        json.dumps({"app": "python3 app.py", "context": {"a": "1", "nested": {"y": 2}, "n": 7}})
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_context_is_merged_as_the_cli_merges_it(project: Path) -> None:
    """--context over cdk.json over cdk.context.json over ~/.cdk.json, objects merged key by
    key, JSON types kept; the engine's environments set last."""
    (project / "cdk.context.json").write_text(
        json.dumps({"a": 1, "nested": {"x": 1, "y": 1}, "lookup": ["cached"], "n": None})
    )
    (project / "home" / ".cdk.json").write_text(json.dumps({"context": {"user": True, "a": 0}}))
    assert app_context() == {
        "user": True,
        "a": "1",
        "nested": {"x": 1, "y": 2},
        "lookup": ["cached"],
        "n": 7,
    }
    given = app_context({"a": "cli", "tap-compliance:environments": "x"}, ["dev", "prod"])
    assert (given["a"], given["n"], given["tap-compliance:environments"]) == ("cli", 7, "dev,prod")
    assert app_context(start=project / "home") == app_context()  # the project root is above


@pytest.mark.parametrize(
    ("file", "text", "problem"),
    [
        ("cdk.context.json", "{", "cdk.context.json:1: invalid JSON: Expecting property name"),
        ("cdk.context.json", "[]", "cdk.context.json:1: the context must be a JSON object"),
        ("home/.cdk.json", '{"context": 3}', ".cdk.json:1: the context must be a JSON object"),
    ],
)
def test_a_bad_context_file_is_one_clear_error(
    project: Path, file: str, text: str, problem: str
) -> None:
    (project / file).write_text(text)
    with pytest.raises(InputError, match=problem):
        app_context()


def test_a_context_too_large_for_the_environment_overflows_to_a_file() -> None:
    """As the CLI's exec: CDK_CONTEXT_JSON holds the leading entries that fit beside the other
    variables, the rest goes to the file CONTEXT_OVERFLOW_LOCATION_ENV names, removed after."""
    context = {"small": "s", "big": "x" * 140_000, "after": 1}
    environment = {"PATH": "/bin", CONTEXT_ENV: '{"callers": 1}', OVERFLOW_ENV: "/stale"}
    with context_environment(context, environment) as given:
        assert json.loads(given[CONTEXT_ENV]) == {"small": "s"}
        overflow = Path(given[OVERFLOW_ENV])
        assert json.loads(overflow.read_text()) == {"big": "x" * 140_000, "after": 1}
        assert given["PATH"] == "/bin"
    assert not overflow.exists()
    with context_environment({"small": "s"}, environment) as given:
        assert given == {"PATH": "/bin", CONTEXT_ENV: '{"small":"s"}'}  # the caller's replaced
    assert split_by_size({"a": "b"}, len('{"a":"b"}')) == ({"a": "b"}, {})
    assert split_by_size({"a": "b"}, len('{"a":"b"}') - 1) == ({}, {"a": "b"})


def test_context_assignments_are_checked_before_any_work() -> None:
    assert parse_context(["a=1", "b=x=y", "a=2", "empty="]) == {"a": "2", "b": "x=y", "empty": ""}
    for wrong, problem in [("novalue", "expected KEY=VALUE"), ("=1", "expected KEY=VALUE")]:
        with pytest.raises(InputError, match=problem):
            parse_context([wrong])
    with pytest.raises(InputError, match="keys under 'aws:' are CDK's own"):
        parse_context(["aws:cdk:enable-path-metadata=false"])


def test_check_with_a_malformed_context_exits_2_in_one_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = project / "out"
    assert main(["check", "--out", str(out), "--context", "novalue"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["tap-compliance: error: --context 'novalue': expected KEY=VALUE"]
    assert not out.exists()
