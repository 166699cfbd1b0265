"""The template model reads each file once, fast: libyaml for YAML, ``json`` for JSON, with the
same bodies and resource lines as the YAML reader gives JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from policies.cfn import template as model
from policies.cfn.template import TemplateError, load_template

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _json_templates() -> list[Path]:
    """Every valid JSON template among the fixtures (CDK output, hand-written, nested)."""
    return sorted(
        path
        for path in FIXTURES.rglob("*.json")
        if "broken" not in str(path.relative_to(FIXTURES))
        and '"Resources"' in path.read_text(encoding="utf-8")
    )


JSON_TEMPLATES = _json_templates()


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
def test_yaml_is_read_by_libyaml() -> None:
    from yaml.cyaml import CParser  # type: ignore[attr-defined]

    assert issubclass(model._CfnLoader, CParser)


@pytest.mark.parametrize("path", JSON_TEMPLATES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_json_reads_as_the_yaml_reader_reads_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert model._load_json(text) == model._load_yaml(model._CfnLoader, text)


def test_json_templates_are_found() -> None:
    assert len(JSON_TEMPLATES) >= 5


def test_compact_json_lines(tmp_path: Path) -> None:
    body = {"Resources": {"A": {"Type": "AWS::SNS::Topic"}, "B": {"Type": "AWS::SQS::Queue"}}}
    path = tmp_path / "t.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    template = load_template(path)
    assert template.body == body
    assert template.span("A") == template.span("B") == model.Span(1, 1, 1)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"Resources": {"A": {"Type": "X"}, "A": {"Type": "Y"}}}', "duplicate key A"),
        ('{"Resources": {"A": {"Type": "X", "Type": "Y"}}}', "duplicate key Type"),
        ('{"Resources": {}, "Resources": {}}', "duplicate key Resources"),
        ('{"Resources": {"A": {"Type": "X"},}}', "invalid JSON"),
        ('{"Resources": {"A": {"Type": "X"}}} {}', "invalid JSON: Extra data"),
        ('{"Resources": {A: 1}}', "invalid JSON"),
    ],
)
def test_invalid_json_is_one_error(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "t.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TemplateError, match=problem):
        load_template(path)


def test_json_looking_yaml_still_reads_as_yaml(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("{Resources: {A: {Type: AWS::SNS::Topic}}}\n", encoding="utf-8")
    assert load_template(path).type_of("A") == "AWS::SNS::Topic"
