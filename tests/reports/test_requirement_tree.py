"""The PCI DSS v4.0.1 requirement tree (reports/data/pci_dss_v4_tree.yaml): its shape, and its
agreement with the catalogue, whose mappings give each requirement its controls."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance.record.requirements import (
    TREE_PATH,
    RequirementTree,
    TreeError,
    default_tree,
    load_tree,
)
from policies.catalog import default_catalog

#: Every second-level section of PCI DSS v4.0.1, per principal requirement.
SECTIONS = {
    "1": 5, "2": 3, "3": 7, "4": 2, "5": 4, "6": 5,
    "7": 3, "8": 6, "9": 5, "10": 7, "11": 6, "12": 10,
}  # fmt: skip
#: Not applicable because AWS carries them for every workload in AWS (shared responsibility):
#: removable media on its hosts, its data centres' physical security and its storage media.
AWS_INHERITED = [
    "5.3.3",
    "9.2.1", "9.2.1.1", "9.2.2", "9.2.3", "9.2.4",
    "9.3.1", "9.3.1.1", "9.3.2", "9.3.3", "9.3.4",
    "9.4.1", "9.4.2", "9.4.3", "9.4.4", "9.4.5", "9.4.5.1", "9.4.7",
]  # fmt: skip
#: Not applicable because this platform has nothing of the kind: wireless (1.3.3, 2.3, 4.2.1.2,
#: 11.2), an edge router of its own (1.4.3), card issuing (3.3.3), keys outside KMS (3.6.1.2,
#: 3.6.1.3, 3.7.6), offline backup media (9.4.1.1, 9.4.1.2), POI devices (9.5), instances
#: whose clocks it manages (10.6).
PLATFORM_SCOPED = [
    "1.3.3", "1.4.3", "2.3.1", "2.3.2", "3.3.3", "3.6.1.2", "3.6.1.3", "3.7.6", "4.2.1.2",
    "9.4.1.1", "9.4.1.2", "9.5.1", "9.5.1.1", "9.5.1.2", "9.5.1.2.1", "9.5.1.3",
    "10.6.1", "10.6.2", "10.6.3", "11.2.1", "11.2.2",
]  # fmt: skip


@pytest.fixture(scope="module")
def tree() -> RequirementTree:
    return default_tree()


def test_twelve_principals_and_every_section(tree: RequirementTree) -> None:
    assert [p.id for p in tree.requirements] == [str(n) for n in range(1, 13)]
    for principal in tree.requirements:
        wanted = [f"{principal.id}.{n}" for n in range(1, SECTIONS[principal.id] + 1)]
        assert [s.id for s in principal.sections] == wanted


def test_at_least_200_defined_requirements_nested_under_their_section(
    tree: RequirementTree,
) -> None:
    defined = tree.defined()
    assert len(defined) >= 200
    for principal in tree.requirements:
        for section in principal.sections:
            for requirement in section.requirements:
                assert requirement.id.rsplit(".", requirement.id.count(".") - 1)[0] == section.id
    # a refinement (3.3.1.1) follows the requirement it refines, in the same section
    ids = [r.id for r in defined]
    for each in ids:
        if each.count(".") > 2:
            assert each.rsplit(".", 1)[0] in ids[: ids.index(each)], each


def test_statuses_valid_and_noted(tree: RequirementTree) -> None:
    for requirement in tree.defined():
        assert requirement.status in ("automated", "partial", "manual", "not-applicable")
        if requirement.status != "automated":
            assert requirement.note and len(requirement.note) >= 20, requirement.id
        if requirement.status == "not-applicable":
            assert requirement.note is not None
    # the physical-security entries that AWS carries say so
    physical = [r for r in tree.defined() if r.id.startswith(("9.2.", "9.3."))]
    assert physical and all(
        r.status == "not-applicable" and "inherited from aws" in (r.note or "").lower()
        for r in physical
    )


def test_every_not_applicable_requirement_has_its_basis(tree: RequirementTree) -> None:
    basis = {r.id: r.basis for r in tree.defined() if r.status == "not-applicable"}
    assert len(basis) == 39
    assert [r.id for r in tree.defined() if r.status != "not-applicable" and r.basis] == []
    assert [i for i, b in basis.items() if b == "aws"] == AWS_INHERITED
    assert [i for i, b in basis.items() if b == "platform"] == PLATFORM_SCOPED
    # the shared-responsibility ones cite AWS's attestation; physical security is all AWS's
    notes = {r.id: r.note or "" for r in tree.defined()}
    assert [i for i in AWS_INHERITED if "AWS PCI DSS AoC" not in notes[i]] == []
    assert {r.id for r in tree.defined() if r.id.startswith(("9.2.", "9.3."))} < set(AWS_INHERITED)


def test_every_catalogue_mapping_is_a_defined_requirement_never_manual(
    tree: RequirementTree,
) -> None:
    statuses = {r.id: r.status for r in tree.defined()}
    mapped = {
        req: control.id for control in default_catalog().controls for req in control.pci_dss.v4_0_1
    }
    assert sorted(set(mapped) - set(statuses)) == []  # an id absent from the tree
    wrong = {req: statuses[req] for req in mapped if statuses[req] not in ("automated", "partial")}
    assert wrong == {}
    # and the other way round: automated or partial only where a control maps
    claimed = {r for r, s in statuses.items() if s in ("automated", "partial")}
    assert sorted(claimed - set(mapped)) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "requirements: [{id: '1', title: Network things, sections: [{id: '1.1', title: "
            "Processes here, requirements: [{id: '1.1.1', title: Policies written, "
            "status: manual}]}]}]",
            "1.1.1: a manual requirement needs a note",
        ),
        (
            "requirements: [{id: '1', title: Network things, sections: [{id: '1.1', title: "
            "Processes here, requirements: [{id: '2.1.1', title: Policies written, "
            "status: automated}]}]}]",
            "2.1.1: not under section 1.1",
        ),
        (
            "requirements: [{id: '1', title: Network things, sections: [{id: '1.1', title: "
            "Processes here, requirements: [{id: '1.1.1', title: Policies written, "
            "status: done}]}]}]",
            "status: Input should be 'automated', 'partial', 'manual' or 'not-applicable'",
        ),
        (
            "requirements: [{id: '1', title: Network things, sections: [{id: '1.1', title: "
            "Processes here, requirements: [{id: '1.1.1', title: Policies written, "
            "status: not-applicable, note: Nothing of the kind here}]}]}]",
            "1.1.1: a not-applicable requirement needs a basis",
        ),
        (
            "requirements: [{id: '1', title: Network things, sections: [{id: '1.1', title: "
            "Processes here, requirements: [{id: '1.1.1', title: Policies written, "
            "status: manual, note: The written policy, basis: aws}]}]}]",
            "1.1.1: only a not-applicable requirement has a basis",
        ),
        (
            "requirements: [{id: '1', title: Network things, sections: [{id: '1.1', title: "
            "Processes here, requirements: [{id: '1.1.1', title: Policies written, "
            "status: not-applicable, note: Nothing of the kind here, basis: nobody}]}]}]",
            "basis: Input should be 'aws' or 'platform'",
        ),
    ],
)
def test_a_bad_tree_is_one_line_naming_the_file(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "tree.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TreeError) as error:
        load_tree(path)
    message = str(error.value)
    assert str(path.name) in message and expected in message and "\n" not in message


def test_the_tree_lives_beside_the_report_titles() -> None:
    assert TREE_PATH.parent == Path(__file__).parents[2] / "reports" / "data"
