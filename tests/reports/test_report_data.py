"""The report's reference data covers what the project's catalogue maps to."""

from __future__ import annotations

import pytest

from compliance.outputs.report.data import PCI_VERSIONS, PciVersion, default_reference_data
from policies.catalog import default_catalog


def test_every_catalogue_config_rule_is_described() -> None:
    data = default_reference_data()
    missing = [r for r in default_catalog().config_rules() if not data.config_rule_description(r)]
    assert missing == [], "describe these rules in reports/data/config_rules.yaml"


@pytest.mark.parametrize("version", PCI_VERSIONS)
def test_every_principal_requirement_is_titled(version: PciVersion) -> None:
    titles = default_reference_data().pci_titles[version]
    assert [str(n) for n in range(1, 13) if str(n) not in titles] == []


@pytest.mark.parametrize("version", PCI_VERSIONS)
def test_catalogue_requirements_have_a_section_title(version: PciVersion) -> None:
    data = default_reference_data()
    attr = "v4_0_1" if version == "4.0.1" else "v3_2_1"
    ids = {i for c in default_catalog().controls for i in getattr(c.pci_dss, attr)}
    untitled = sorted(
        i for i in ids if (data.requirement_title(version, i).from_id or i).count(".") < 1
    )
    assert untitled == [], f"add section titles to reports/data/pci_dss.yaml ({version})"


def test_roc_rules_name_the_four_statuses() -> None:
    statuses = [rule.status for rule in default_reference_data().roc_rules]
    assert statuses == ["Not in Place", "In Place", "Not Applicable", "Not Tested"]
