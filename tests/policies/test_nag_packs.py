"""The cdk-nag packs file lists every rule the installed cdk-nag packs can report.

Two readings of the installed package must agree with the data: the packs' JavaScript in
cdk-nag's jsii bundle (rule ids, rule functions, levels) and the packs themselves, run in jsii
with ``applyRule`` observed (every rule a pack applies to a resource, with its level and text).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from policies.catalog import default_catalog
from policies.nag_packs import (
    NAG_PACKS_PATH,
    NagPacks,
    PackEntry,
    RuleMap,
    default_nag_packs,
    installed_pack,
    installed_rules,
    load_nag_packs,
    render_data,
)

PACKS = default_nag_packs()
SELECTABLE = ("PCIDSS321Checks", "AwsSolutionsChecks", "NIST80053R5Checks", "HIPAASecurityChecks")


def missing_and_extra(packs: NagPacks, cls: str) -> tuple[set[Any], set[Any]]:
    """Rules the installed pack reports that the data lacks, and the data's rules it does not."""
    listed = {(r.id, r.rule, r.level) for r in packs.pack(cls).rules}
    installed = {(r.id, r.rule, r.level) for r in installed_rules(packs.pack(cls))}
    return installed - listed, listed - installed


def test_the_selectable_packs_and_the_default() -> None:
    assert PACKS.classes() == list(SELECTABLE)
    assert PACKS.default == ["PCIDSS321Checks"]


@pytest.mark.parametrize("cls", SELECTABLE)
def test_the_data_lists_exactly_the_rules_of_the_installed_pack(cls: str) -> None:
    name, _ = installed_pack(PACKS.pack(cls))
    assert PACKS.pack(cls).name == name
    assert missing_and_extra(PACKS, cls) == (set(), set())


def test_a_rule_missing_from_the_data_is_found(tmp_path: Path) -> None:
    data = yaml.safe_load(NAG_PACKS_PATH.read_text(encoding="utf-8"))
    dropped = data["packs"][1]["rules"].pop(7)
    path = tmp_path / "nag_packs.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    missing, extra = missing_and_extra(load_nag_packs(path), "AwsSolutionsChecks")
    assert missing == {(dropped["id"], dropped["rule"], dropped["level"])}
    assert extra == set()


def test_the_file_is_what_the_tool_writes_for_the_installed_cdk_nag() -> None:
    text = render_data(PACKS.packs, PACKS.default)
    assert NAG_PACKS_PATH.read_text(encoding="utf-8") == text


def test_a_pack_added_by_hand_gets_its_name_and_rules_from_cdk_nag(tmp_path: Path) -> None:
    entry = {"class": "ServerlessChecks", "source": "serverless.js", "title": "Serverless"}
    path = tmp_path / "nag_packs.yaml"
    path.write_text(render_data([PackEntry.model_validate(entry)], ["ServerlessChecks"]))
    (pack,) = load_nag_packs(path).packs
    assert (pack.cls, pack.source, pack.title, pack.name) == (*entry.values(), "Serverless")
    assert pack.rules and all(rule.id.startswith("Serverless-") for rule in pack.rules)


def test_a_source_file_of_another_pack_is_refused() -> None:
    entry = {"class": "ServerlessChecks", "source": "pci-dss-321.js", "title": "Serverless"}
    with pytest.raises(ValueError, match="does not define it"):
        installed_pack(PackEntry.model_validate(entry))


def applied_rules(cls: str) -> Counter[tuple[str | None, str, str]]:
    """Run the installed pack ``cls`` on one resource with ``applyRule`` observed: a pack
    applies every rule to every resource, so the calls are its rules (suffix override, level,
    text)."""
    import cdk_nag
    from aws_cdk import App, CfnResource, Stack

    applied: Counter[tuple[str | None, str, str]] = Counter()

    class Observed(getattr(cdk_nag, cls)):  # type: ignore[misc]
        def _apply_rule(self, params: Any) -> None:
            level = "error" if params.level == cdk_nag.NagMessageLevel.ERROR else "warning"
            applied[(params.rule_suffix_override, level, params.info)] += 1

    app = App()
    CfnResource(Stack(app, "S"), "R", type="AWS::CloudFormation::WaitConditionHandle")
    Observed().validate_scope(app)
    return applied


@pytest.mark.parametrize("cls", SELECTABLE)
def test_the_installed_pack_applies_exactly_the_rules_read_from_its_source(cls: str) -> None:
    _, rules = installed_pack(PACKS.pack(cls))
    read = Counter((None if r.suffix == r.rule else r.suffix, r.level, r.info) for r in rules)
    assert applied_rules(cls) == read


def test_every_catalogued_nag_rule_is_a_rule_of_a_pack() -> None:
    rules = PACKS.rule_ids()
    for control in default_catalog().controls:
        assert set(control.implemented_by.cdk_nag) <= rules, control.id


def test_the_default_pack_maps_exactly_the_catalogued_rules() -> None:
    catalog = default_catalog()
    mapped = {rule for _, rule in RuleMap(catalog, PACKS, ["PCIDSS321Checks"]).mapped()}
    assert mapped == {r for c in catalog.controls for r in c.implemented_by.cdk_nag}


def test_a_rule_maps_through_the_same_rule_function_in_another_pack() -> None:
    catalog = default_catalog()
    rules = RuleMap(catalog, PACKS, ["NIST80053R5Checks", "AwsSolutionsChecks"])
    encryption = rules.control("NIST.800.53.R5-S3DefaultEncryptionKMS")
    assert encryption is not None and encryption.id == "TAP-ENC-01"
    assert rules.resource_types("NIST.800.53.R5-S3DefaultEncryptionKMS") == ["AWS::S3::Bucket"]
    # AwsSolutions-S10 runs S3BucketSSLRequestsOnly, which the catalogue maps for PCI DSS
    tls = rules.control("AwsSolutions-S10")
    assert (
        tls is not None
        and tls.id == catalog.control_for_rule("PCI.DSS.321-S3BucketSSLRequestsOnly").id
    )  # type: ignore[union-attr]
    assert rules.control("AwsSolutions-IAM4") is None  # no control: unmapped


def test_every_rule_of_a_selected_pack_is_mapped_or_unmapped() -> None:
    catalog = default_catalog()
    for cls in SELECTABLE:
        rules = RuleMap(catalog, PACKS, [cls])
        mapped = {rule for _, rule in rules.mapped()}
        for rule in PACKS.pack(cls).rules:
            assert (rules.control(rule.id) is not None) == (rule.id in mapped), rule.id


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["packs"][0]["rules"].append(d["packs"][0]["rules"][0]), "listed twice"),
        (lambda d: d.update(default=["NoSuchChecks"]), "default names no pack"),
        (lambda d: d["packs"][1].update(name="PCI.DSS.321"), "not prefixed"),
        (lambda d: d["packs"][0]["rules"][0].update(level="fatal"), "level"),
    ],
)
def test_the_loader_rejects_inconsistent_data(change: Any, problem: str, tmp_path: Path) -> None:
    data = yaml.safe_load(NAG_PACKS_PATH.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "nag_packs.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ValidationError, match=problem):
        load_nag_packs(path)
