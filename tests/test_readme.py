"""The README says what the project does today: its CLI summary names every option the parser
has (and none it lacks), its nox commands run as written from a fresh clone, its waiver example
is a waiver of ``waivers.yaml``, and its picture of the report was taken with the current
report templates."""

from __future__ import annotations

import argparse
import ast
import json
import re
from pathlib import Path

import pytest
import yaml

from compliance.cli.parser import build_parser
from scripts.screenshot_report import COMMAND, IMAGE, SOURCES, WINDOW, sha256, template_digests

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
OPTION = re.compile(r"(?<![\w-])--[a-z][\w-]*")


def _section(title: str) -> str:
    """The text of the README's ``## title`` section."""
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def _fenced(text: str, language: str) -> list[str]:
    """The bodies of the ``language`` code blocks of ``text``."""
    return re.findall(rf"^```{language}\n(.*?)^```$", text, re.S | re.M)


def cli_summary() -> dict[str, str]:
    """Each command of the README's CLI summary block and its synopsis (continuation lines,
    indented, belong to the command above them); ``""`` for the tool's own options."""
    synopses: dict[str, str] = {}
    command = ""
    for line in _fenced(_section("The CLI"), "sh")[0].splitlines():
        words = line.split()
        if line.startswith("tap-compliance "):
            command = "" if words[1].startswith("-") else words[1]
        synopses[command] = f"{synopses.get(command, '')} {line}"
    return synopses


def parser_options() -> dict[str, set[str]]:
    """Each command of the parser and its options (``""``: the tool's own)."""
    parser = build_parser(None)
    options = {"": _options(parser)}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            options |= {name: _options(sub) for name, sub in action.choices.items()}
    return options


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {
        option
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction | argparse._SubParsersAction)
        for option in action.option_strings
        if option.startswith("--")
    }


def test_the_cli_summary_names_every_command_and_option_of_the_parser() -> None:
    summary, options = cli_summary(), parser_options()
    assert sorted(summary) == sorted(options)
    missing = {
        cmd: sorted(opts - set(OPTION.findall(summary[cmd]))) for cmd, opts in options.items()
    }
    unknown = {
        cmd: sorted(set(OPTION.findall(summary[cmd])) - opts) for cmd, opts in options.items()
    }
    assert {cmd: opts for cmd, opts in missing.items() if opts} == {}, "the summary lacks them"
    assert {cmd: opts for cmd, opts in unknown.items() if opts} == {}, "the parser lacks them"


def test_the_summary_reader_sees_continuation_lines() -> None:
    """scan's synopsis runs over three lines; its last options are still scan's."""
    assert "--keep-going" in cli_summary()["scan"]
    assert "--keep-going" not in cli_summary()["report"]


def nox_sessions() -> set[str]:
    """The sessions of noxfile.py (a function's name, or the ``name=`` it is given)."""
    names = set()
    for node in ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8")).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call else decorator
            if ast.unparse(target) != "nox.session":
                continue
            given = [k.value for k in (call.keywords if call else []) if k.arg == "name"]
            names.add(given[0].value if given and isinstance(given[0], ast.Constant) else node.name)
    return names


def test_every_nox_command_runs_as_written() -> None:
    """nox is not on PATH after the set-up lines: the README calls it ``.venv/bin/nox`` (or
    through pipx), and every session it names exists."""
    text = " ".join(README.split())  # a command may wrap
    calls = list(re.finditer(r"(?<![\w-])nox -s ([\w-]+)", text))
    assert len(calls) > 10
    bare = [
        text[call.start() - 20 : call.end()]
        for call in calls
        if not text[: call.start()].endswith(
            (".venv/bin/", 'pipx run --spec "nox[uv]>=2024.4,<2027" ')
        )
    ]
    assert bare == [], "nox is .venv/bin/nox"
    assert {call[1] for call in calls} <= nox_sessions()


def test_the_cli_is_put_at_hand_right_after_the_set_up_lines() -> None:
    blocks = _fenced(_section("Set up and run"), "sh")
    assert blocks[1].split("#")[0].strip() == ". .nox/compliance/bin/activate"
    assert "nox.session\ndef compliance(" in (ROOT / "noxfile.py").read_text(encoding="utf-8")
    assert "\n## Daily loop\n" in README.split("\n## Set-up details", 1)[0]


def test_the_waiver_example_is_a_shipped_waiver() -> None:
    """Its decided fields are those of the waiver of that id in waivers.yaml (the long texts are
    cut short in the README)."""
    (example,) = yaml.safe_load(_fenced(_section("Waivers"), "yaml")[0])["waivers"]
    shipped = {w["id"]: w for w in yaml.safe_load((ROOT / "waivers.yaml").read_text())["waivers"]}
    assert example["id"] in shipped, f"README's waiver example {example['id']} is not shipped"
    keys = ("control", "resources", "environments", "approver", "approved", "expires")
    assert {k: example[k] for k in keys} == {k: shipped[example["id"]][k] for k in keys}
    assert set(example["compensating_control"]) == set(
        shipped[example["id"]]["compensating_control"]
    )


def test_the_picture_of_the_report_shows_the_current_templates() -> None:
    """The templates the picture was taken with (recorded by scripts/screenshot_report.py) are
    today's; file times do not survive a clone, so the record keeps their SHA-256s."""
    taken = json.loads(SOURCES.read_text(encoding="utf-8"))
    now = template_digests()
    changed = sorted(set(now.items()) ^ set(taken["templates"].items()))
    assert not changed, (
        f"{IMAGE.name} predates {sorted({path for path, _ in changed})}: run {COMMAND}"
    )


def test_the_picture_is_the_one_the_script_took() -> None:
    taken = json.loads(SOURCES.read_text(encoding="utf-8"))
    assert sha256(IMAGE) == taken["image_sha256"], f"{IMAGE.name} was not taken by {COMMAND}"
    assert f"]({IMAGE.relative_to(ROOT).as_posix()})" in README
    assert len(taken["record"]["targets"]) == 3, "the report of every environment"
    header = IMAGE.read_bytes()[:24]  # PNG signature, IHDR: width and height, big-endian
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    size = (int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big"))
    assert size == WINDOW == tuple(taken["window"])


@pytest.mark.parametrize("name", ["audit.html.j2", "audit.css"])
def test_the_recorded_templates_are_those_of_the_html_report(name: str) -> None:
    assert f"reports/templates/{name}" in template_digests()
    assert not [path for path in template_digests() if path.endswith(".md.j2")]
