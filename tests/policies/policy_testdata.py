"""Paths and helpers the policy tests share (a module of its own: test files import it,
never ``conftest``, whose module name the other test folders share)."""

from __future__ import annotations

from pathlib import Path

from policies import CHECKS_DIR, default_catalog

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "policies"

#: (check id, template path, logical id) -> pass | fail | skipped | unknown
Results = dict[tuple[str, Path, str], str]


def our_check_ids() -> list[str]:
    """Every CKV_TAP / CKV2_TAP id the catalogue names."""
    return [rule for c in default_catalog().controls for rule in c.implemented_by.checkov]


def run_our_checks(paths: list[Path]) -> Results:
    """checkov's CloudFormation runner with only our checks; UNKNOWNs from the verdict log."""
    from checkov.cloudformation.runner import Runner
    from checkov.runner_filter import RunnerFilter

    from policies import verdicts
    from policies.outcome import Outcome

    verdicts.clear()
    report = Runner().run(
        root_folder=None,
        files=[str(p) for p in paths],
        external_checks_dir=[str(CHECKS_DIR)],
        runner_filter=RunnerFilter(
            framework=["cloudformation"], checks=our_check_ids(), show_progress_bar=False
        ),
    )
    reports = report if isinstance(report, list) else [report]
    results: Results = {}
    for each in reports:
        assert not each.parsing_errors, each.parsing_errors
        for status, records in (
            ("pass", each.passed_checks),
            ("fail", each.failed_checks),
            ("skipped", each.skipped_checks),
        ):
            for record in records:
                logical_id = str(record.resource).split(".", 1)[1]
                results[(record.check_id, Path(record.file_abs_path).resolve(), logical_id)] = (
                    status
                )
    for entry in verdicts.recorded():
        if entry.outcome is Outcome.UNKNOWN:
            results[(entry.check_id, Path(entry.template), entry.logical_id)] = "unknown"
    return results
