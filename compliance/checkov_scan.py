"""One checkov pass (cloudformation runner) over templates, with our checks and chosen built-ins.

UNKNOWN results, which checkov itself drops, are kept: the engine records them as failures.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from compliance.errors import InputError
from compliance.quiet import muted_root_logger, silence
from policies import verdicts

Outcome = Literal["pass", "fail", "unknown"]


@dataclass(frozen=True)
class CheckResult:
    """One check on one resource."""

    check_id: str
    title: str
    outcome: Outcome
    template: Path
    logical_id: str
    resource_type: str
    start_line: int | None
    end_line: int | None
    severity: str | None
    #: Why our own check decided so (checkov itself keeps no per-result reason).
    reason: str | None = None


def run_checkov(
    templates: Sequence[Path],
    *,
    check_ids: Sequence[str],
    external_checks_dir: Path,
    allowed_regions: Sequence[str] | None = None,
) -> list[CheckResult]:
    """Run the given built-in checks plus every check in ``external_checks_dir`` (only those).

    checkov's registry is process-wide, so checks loaded by an earlier run from another folder
    stay registered: the filter names exactly the checks of this run.
    """
    silence()
    from checkov.cloudformation.checks.resource.registry import cfn_registry
    from checkov.cloudformation.runner import Runner
    from checkov.common.output.report import Report
    from checkov.runner_filter import RunnerFilter

    unknown: list[Any] = []

    class _KeepUnknown(Runner):
        def check_definitions(self, root: str | None, flt: RunnerFilter, report: Report) -> None:
            add_record = report.add_record

            def keep(record: Any) -> None:
                if str(record.check_result["result"].value) == "UNKNOWN":
                    unknown.append(record)
                add_record(record)

            report.add_record = keep  # type: ignore[method-assign]
            super().check_definitions(root, flt, report)

    verdicts.clear()
    cfn_registry.load_external_checks(str(external_checks_dir))
    ours = {
        check.id
        for _, check in cfn_registry.all_checks()
        if _defined_in(type(check), external_checks_dir)
    }
    runner_filter = RunnerFilter(
        framework=["cloudformation"],
        checks=sorted({*check_ids, *ours}),
        show_progress_bar=False,
    )
    runner = _KeepUnknown()
    with _allowed_regions(allowed_regions), muted_root_logger():
        try:
            report = runner.run(
                root_folder=None,
                files=[str(path) for path in templates],
                external_checks_dir=[str(external_checks_dir)],
                runner_filter=runner_filter,
            )
        except Exception as error:  # checkov crashed on some template: an input problem
            where = templates[0] if len(templates) == 1 else f"{len(templates)} templates"
            raise InputError(where, f"checkov failed: {type(error).__name__}: {error}") from None
    reports = report if isinstance(report, list) else [report]
    for each in reports:
        for unparsed in each.parsing_errors:
            raise InputError(unparsed, "checkov could not parse this template")
    # checkov skips, without a parsing error, files it does not take for templates (other
    # suffixes, a byte-order mark, ...): judging nothing must not pass the gate.
    read = {Path(name).resolve() for name in runner.definitions}
    for template in templates:
        if template.resolve() not in read:
            raise InputError(template, "checkov did not read this file as a template")
    results = []
    for each in reports:
        results += [_result(record, "pass") for record in each.passed_checks]
        results += [_result(record, "fail") for record in each.failed_checks]
    results += [_result(record, "unknown") for record in unknown]
    return results


def _defined_in(cls: type, folder: Path) -> bool:
    """Whether a check class comes from a file in ``folder``."""
    try:
        source = inspect.getsourcefile(cls)
    except TypeError:
        return False
    return source is not None and Path(source).resolve().parent == folder.resolve()


def _result(record: Any, outcome: Outcome) -> CheckResult:
    resource_type, _, logical_id = str(record.resource).partition(".")
    lines = record.file_line_range or [None, None]
    severity = getattr(record.severity, "name", None) if record.severity else None
    template = Path(record.file_abs_path)
    verdict = verdicts.lookup(record.check_id, str(template.resolve()), logical_id)
    return CheckResult(
        check_id=record.check_id,
        title=record.check_name,
        outcome=outcome,
        template=template,
        logical_id=logical_id,
        resource_type=resource_type,
        start_line=lines[0],
        end_line=lines[1],
        severity=severity.lower() if severity else None,
        reason=verdict.reason if verdict else None,
    )


@contextmanager
def _allowed_regions(regions: Sequence[str] | None) -> Iterator[None]:
    """Expose the allowed regions to our regional-deny check for the duration of the run."""
    from policies import ALLOWED_REGIONS_ENV

    previous = os.environ.get(ALLOWED_REGIONS_ENV)
    if regions:
        os.environ[ALLOWED_REGIONS_ENV] = ",".join(regions)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(ALLOWED_REGIONS_ENV, None)
        else:
            os.environ[ALLOWED_REGIONS_ENV] = previous
