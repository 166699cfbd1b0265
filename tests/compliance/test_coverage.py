"""The record's requirement coverage: the whole PCI DSS v4.0.1 tree, each node's controls from
the catalogue, and this run's results counted per requirement and up the tree."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from compliance import engine
from compliance.gate.merge import Shard, merge
from compliance.policy import Policy
from compliance.record.coverage import requirement_coverage
from compliance.record.findings import (
    AppliedWaiver,
    Finding,
    PciDss,
    Resource,
    Status,
    Target,
)
from compliance.record.requirements import (
    COVERAGE_STATUSES,
    SCOPED_OUT_NOTE,
    RequirementCoverage,
    default_tree,
)
from policies import CHECKS_DIR
from policies.catalog import default_catalog
from tests.compliance.engine_testdata import ROOT, TODAY
from tests.reports.test_requirement_tree import AWS_INHERITED, PLATFORM_SCOPED


def _finding(
    status: Status,
    *requirements: str,
    unknown: bool = False,
    waiver_expired: bool | None = None,
) -> Finding:
    waiver = None
    if waiver_expired is not None:
        waiver = AppliedWaiver(
            id="W-1",
            justification="accepted for the test",
            approver="risk owner",
            expires=date(2030, 1, 1),
            expired=waiver_expired,
        )
    return Finding(
        control_id="TAP-ENC-01",
        title="t",
        severity="high",
        status=status,
        source="checkov",
        rule_id="CKV_TAP_1",
        target="Stack",
        resource=Resource(logical_id="Bucket", type="AWS::S3::Bucket"),
        pci_dss=PciDss.model_validate({"4.0.1": list(requirements)}),
        message="m",
        unknown=unknown,
        waiver=waiver,
    )


def _by_id(
    findings: list[Finding], targets: list[Target] | None = None
) -> dict[str, RequirementCoverage]:
    coverage = requirement_coverage(findings, targets or [], default_catalog())
    return {entry.id: entry for entry in coverage.pci_dss.v4_0_1}


def _results(entry: RequirementCoverage) -> dict[str, int]:
    return entry.results.model_dump(by_alias=True)


def test_the_whole_tree_is_listed_in_order() -> None:
    nodes = _by_id([])
    tree = default_tree()
    assert list(nodes) == [node_id for node_id, *_ in tree.nodes()]
    assert sum(e.level == "principal" for e in nodes.values()) == 12
    assert sum(e.level == "requirement" for e in nodes.values()) == len(tree.defined())
    assert nodes["3.5.1"].parent == "3.5" and nodes["3.5"].parent == "3"
    assert nodes["3"].status is None and nodes["3.5.1"].status == "partial"
    # controls from the catalogue: exactly the ones mapping 3.5.1, and all below 3 at 3
    catalog = default_catalog()
    assert nodes["3.5.1"].controls == sorted(
        c.id for c in catalog.controls if "3.5.1" in c.pci_dss.v4_0_1
    )
    assert nodes["3"].controls == sorted(
        c.id for c in catalog.controls if any(r.startswith("3.") for r in c.pci_dss.v4_0_1)
    )
    # a section counts its defined requirements by status
    assert nodes["3.5"].statuses == {
        "automated": 0, "partial": 1, "manual": 3, "not-applicable": 0,
    }  # fmt: skip


def test_not_tested_is_never_a_pass() -> None:
    nodes = _by_id([])
    for entry in nodes.values():
        assert entry.results.total == 0
        assert entry.results.passed == 0


def test_each_finding_counts_once_at_its_requirement_and_every_ancestor() -> None:
    findings = [
        _finding("pass", "3.5.1", "3.6.1"),  # two sections of requirement 3: once at 3
        _finding("fail", "3.5.1"),
        _finding("fail", "3.5.1", unknown=True),  # the template could not decide
        _finding("waived", "3.5.1", waiver_expired=False),
        _finding("waived", "3.5.1", waiver_expired=True),  # an expired waiver waives nothing
        _finding("not-applicable", "3.5.1"),  # by design: neither pass nor unknown
        _finding("pass", "3.3.1.1"),  # a refinement counts at the requirement it refines
    ]
    nodes = _by_id(findings)
    assert _results(nodes["3.5.1"]) == {
        "pass": 1, "fail": 2, "waived": 1, "unknown": 1, "not-applicable": 1,
    }  # fmt: skip
    assert _results(nodes["3.6.1"]) == {
        "pass": 1, "fail": 0, "waived": 0, "unknown": 0, "not-applicable": 0,
    }  # fmt: skip
    assert _results(nodes["3"])["pass"] == 2 and nodes["3"].results.total == 7
    assert _results(nodes["3.3.1"])["pass"] == 1 and _results(nodes["3.3.1.1"])["pass"] == 1
    assert nodes["4"].results.total == 0


def test_a_template_in_error_is_unknown_wherever_a_control_maps() -> None:
    broken = Target(name="Broken", status="error", template="broken.json", sha256="0" * 64)
    judged = Target(name="Stack", template="stack.json", sha256="1" * 64)
    nodes = _by_id([], [broken, judged])
    assert nodes["3.5.1"].results.unknown == 1 and nodes["3"].results.unknown == 1
    assert nodes["3.3.1"].results.unknown == 0  # no control maps it: nothing was to judge
    assert nodes["9"].results.unknown == 0


def test_a_scan_record_carries_the_tree_with_its_results(tmp_path: Path) -> None:
    policy = Policy(default_catalog(), [], "high", TODAY, CHECKS_DIR)
    fixture = ROOT / "tests" / "fixtures" / "policies" / "TAP-ENC-01" / "fail.yaml"
    record = engine.scan([fixture], policy=policy, allowed_regions=None)
    raw = json.loads(record.to_json())
    assert raw["schema"] == "tap-compliance/findings@2"
    listed = raw["coverage"]["pci_dss"]["4.0.1"]
    assert [e["id"] for e in listed] == [node_id for node_id, *_ in default_tree().nodes()]
    entry = next(e for e in listed if e["id"] == "3.5.1")
    mapped = [f for f in record.findings if "3.5.1" in f.pci_dss.v4_0_1]
    assert mapped  # the fixture fails TAP-ENC-01, which maps 3.5.1
    failing = sum(f.status == "fail" and not f.unknown for f in mapped)
    assert entry["results"]["fail"] == failing > 0
    assert entry["results"]["pass"] == sum(f.status == "pass" for f in mapped)
    assert set(entry) == {
        "id", "level", "parent", "title", "status", "note", "basis", "controls", "statuses",
        "results",
    }  # fmt: skip


def test_the_platform_s_coverage_is_the_tree_as_written() -> None:
    """``check`` and ``deploy`` judge this platform's app: every status and note the tree's."""
    coverage = requirement_coverage([], [], default_catalog())
    assert coverage.scope == "platform"
    entries = {e.id: e for e in coverage.pci_dss.v4_0_1}
    for defined in default_tree().defined():
        entry = entries[defined.id]
        assert (entry.status, entry.note, entry.basis) == (
            defined.status, defined.note, defined.basis
        ), defined.id  # fmt: skip
    assert entries["9"].statuses == {
        "automated": 0, "partial": 0, "manual": 3, "not-applicable": 24,
    }  # fmt: skip


def test_a_scan_leaves_what_the_platform_lacks_to_the_assessor(tmp_path: Path) -> None:
    """Templates of any project lack nothing the platform lacks: the 21 requirements it scoped
    out on that ground are manual in a scan's record, the platform's reason kept; what AWS
    carries stays not applicable; every principal and section counts them as manual."""
    template = tmp_path / "bucket.yaml"
    template.write_text("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n", encoding="utf-8")
    policy = Policy(default_catalog(), [], "high", TODAY, CHECKS_DIR)
    record = engine.scan([template], policy=policy, allowed_regions=None)
    assert record.coverage is not None and record.coverage.scope == "templates"
    entries = {e.id: e for e in record.coverage.pci_dss.v4_0_1}
    tree = {r.id: r for r in default_tree().defined()}
    changed = [i for i, r in tree.items() if entries[i].status != r.status]
    assert len(changed) == 21 and changed == PLATFORM_SCOPED
    for each in changed:
        assert entries[each].status == "manual" and entries[each].basis is None
        assert entries[each].note == SCOPED_OUT_NOTE.format(note=tree[each].note), each
    left = [i for i, e in entries.items() if e.status == "not-applicable"]
    assert left == AWS_INHERITED and {entries[i].basis for i in left} == {"aws"}
    # the other requirements as the tree writes them, and the counts follow the statuses
    for each, written in tree.items():
        if each not in changed:
            assert (entries[each].status, entries[each].note) == (written.status, written.note)
    for node in (e for e in entries.values() if e.level != "requirement"):
        below = [e.status for i, e in entries.items() if i.startswith(node.id + ".") and e.status]
        assert node.statuses == {s: below.count(s) for s in COVERAGE_STATUSES}, node.id
    assert entries["9"].statuses == {
        "automated": 0, "partial": 0, "manual": 10, "not-applicable": 17,
    }  # fmt: skip
    assert entries["9.5"].statuses["manual"] == 5 and entries["10.6"].statuses["manual"] == 3


def test_a_merged_record_counts_every_run() -> None:
    policy = Policy(default_catalog(), [], "high", TODAY, CHECKS_DIR)
    fixtures = ROOT / "tests" / "fixtures" / "policies" / "TAP-ENC-01"
    runs = [
        engine.scan([fixtures / name], policy=policy, allowed_regions=None)
        for name in ("fail.yaml", "pass.yaml")
    ]
    merged = merge([Shard(f"{n}.json", r) for n, r in enumerate(runs)])
    assert merged.coverage is not None
    assert merged.coverage.scope == "templates"  # as the scans' own records
    by_id = {e.id: e for e in merged.coverage.pci_dss.v4_0_1}
    for node in ("3.5.1", "3.5", "3"):
        each = [
            next(e for e in r.coverage.pci_dss.v4_0_1 if e.id == node) for r in runs if r.coverage
        ]
        assert by_id[node].results.passed == sum(e.results.passed for e in each) > 0
        assert by_id[node].results.fail == sum(e.results.fail for e in each) > 0


def test_a_merged_record_is_scoped_for_templates_when_any_run_was() -> None:
    policy = Policy(default_catalog(), [], "high", TODAY, CHECKS_DIR)
    scanned = engine.scan(
        [ROOT / "tests" / "fixtures" / "policies" / "TAP-ENC-01" / "pass.yaml"],
        policy=policy,
        allowed_regions=None,
    )
    assert scanned.coverage is not None
    platform = scanned.model_copy(
        update={
            "coverage": requirement_coverage(scanned.findings, scanned.targets, default_catalog()),
            "targets": [t.model_copy(update={"env": "dev"}) for t in scanned.targets],
        }
    )
    scopes = [
        merge([Shard(f"{n}.json", r) for n, r in enumerate(runs)]).coverage
        for runs in ([platform, platform.model_copy(update={"targets": scanned.targets})],
                     [platform, scanned])
    ]  # fmt: skip
    assert [c.scope if c else None for c in scopes] == ["platform", "templates"]
