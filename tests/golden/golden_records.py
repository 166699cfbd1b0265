"""The engine's records on frozen inputs, to compare a new engine with the one before it.

Inputs are fixed files only (every policy fixture, the sample templates, the frozen seed
template, the cdk-nag fixture app), never the live platform in ``infra/``, which changes.
``python tests/golden/golden_records.py`` rewrites ``records.json``; run it only on purpose,
and name in the commit every difference it makes.

Captured from main 406922b (the first design), with one named defect of it corrected: in the
four ``*/adversarial.yaml`` templates whose conditions the text decides, main gave every
finding of a checkov check only the logical id's line (it judged a temporary copy and
could not map lines back); the one model gives the resource's real lines, as everywhere else.
A second named defect, corrected with the cdk-nag packs as data: a failure of a cdk-nag rule no
control maps (``unmapped``, medium for an error-level rule) did not block the default gate, so
a rule of the selected pack passed silently; it now blocks at every threshold (the nag fixture
app's two PCI.DSS.321-WAFv2LoggingEnabled failures: ``summary.gate.blocking`` 585 -> 587).
A third, corrected with deploy-time cases decided jointly (issue 20): a parameter takes only
its AllowedValues (or, compared with literals, one of them or any other value), and a
deployable value that fails fails. Unknown -> fail: CKV_TAP_6 CondKeyB (four adversarial.yaml)
and RotationFromParameter (TAP-ENC-06/fail.yaml, in the scan and the nag app's record),
CKV_TAP_1 OneWeak and S3IfMaybe (TAP-ENC-01), CKV2_TAP_11 ClusterProtectedByParameter
(TAP-DAT-01), CKV2_TAP_10 ConditionalDeny and SamConditionalRole (TAP-IAM-01, both region
sets); the records of the five new ``decided.yaml`` fixtures; and reasons that name the
values or cases a verdict holds for (no other status changes).
A recapture keeps only the keys the file already holds (the comparison ignores newer ones).
Recaptured for issue 20's named defects: TAP-IAM-01's adversarial ForAny (ForAnyValue:
StringNotEquals on the single-valued aws:RequestedRegion) passes; TAP-DAT-01 judges
AWS::DynamoDB::GlobalTable (five global tables of the TAP-ENC-02 fixtures, all without a
DeletionPolicy, fail) and its pass reason names the policies in use (Snapshot, not "Retain and
Snapshot"); every summary counts the new status not-applicable (0 on these inputs); the new
fixtures of TAP-DAT-01, TAP-IAM-01 and TAP-PUB-02 are added; each record holds the controls'
verdicts per resource (``verdicts``, ``summary.disagreements``).
Merged (issue 20's two halves): TAP-DAT-01/auto-delete.yaml's DevEmptiedBucket, emptied by an
auto-delete whose condition holds for Env=dev, fails (a deployable case fails); every
``source_location`` holds ``called_from`` (issue 19's call sites; empty on these inputs).
Recaptured for issue 23: ``schema_`` is ``tap-compliance/findings@2`` (nothing else changes;
the record's new ``coverage`` is derived, see ``DERIVED``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).with_name("records.json")
FIXTURES = ROOT / "tests" / "fixtures"
TODAY = date(2026, 6, 1)
#: Fields that differ from run to run or machine to machine.
VOLATILE = ("generated_at", "git_commit", "git", "tool_versions")
#: Derived from the findings by compliance/record/coverage.py and tested there
#: (tests/compliance/test_coverage.py); kept out, as the whole requirement tree in each of
#: these records would multiply the file's size.
DERIVED = ("coverage",)
#: TAP-IAM-01 fixtures are also judged with two allowed regions.
TWO_REGIONS = ("eu-west-1", "us-east-1")


def _templates() -> list[Path]:
    found = [
        p
        for p in sorted((FIXTURES / "policies").rglob("*"))
        if p.suffix in (".yaml", ".json") and p.name != "expected.yaml"
    ]
    found += sorted((FIXTURES / "templates").iterdir())
    return [*found, FIXTURES / "seed" / "TapStack-dev.template.json"]


def normalise(record: dict[str, Any], out: Path | None = None) -> dict[str, Any]:
    """A record without volatile fields, with the output folder shown as ``<out>``."""
    kept = {k: v for k, v in record.items() if k not in VOLATILE + DERIVED}
    text = json.dumps(kept, sort_keys=True)
    if out is not None:
        text = text.replace(out.resolve().as_posix(), "<out>")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def cases(tmp: Path) -> dict[str, Callable[[], dict[str, Any]]]:
    """Case name -> a function returning its normalised record (or its input error)."""
    from compliance import engine
    from compliance.errors import InputError
    from compliance.policy import Policy
    from policies import CHECKS_DIR, default_catalog

    policy = Policy(default_catalog(), [], "high", TODAY, CHECKS_DIR)

    def scan(path: Path, regions: tuple[str, ...] | None) -> Callable[[], dict[str, Any]]:
        def run() -> dict[str, Any]:
            try:
                record = engine.scan([path], policy=policy, allowed_regions=regions)
            except InputError as error:
                return {"input_error": str(error)}
            return normalise(record.model_dump(mode="json"))

        return run

    def nag_app() -> dict[str, Any]:
        out = tmp / "nag-fixtures"
        record = engine.check(
            environments=[],
            assembly_dir=out,
            shown_dir=out,
            policy=policy,
            app="tests.policies.nag_fixture_app:build_app",
        )
        return normalise(record.model_dump(mode="json"), out)

    found: dict[str, Callable[[], dict[str, Any]]] = {}
    for path in _templates():
        name = path.relative_to(ROOT).as_posix()
        found[f"scan {name}"] = scan(path.relative_to(ROOT), None)
        if "TAP-IAM-01" in name:
            found[f"scan {name} --allowed-regions {','.join(TWO_REGIONS)}"] = scan(
                path.relative_to(ROOT), TWO_REGIONS
            )
    found["check tests.policies.nag_fixture_app:build_app"] = nag_app
    return found


def main() -> None:
    import os
    import tempfile

    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        records = {name: run() for name, run in cases(Path(tmp)).items()}
    GOLDEN.write_text(json.dumps(records, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(records)} records -> {GOLDEN.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
