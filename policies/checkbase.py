"""The base of every TAP checkov check: find the whole template, judge, record the reason.

checkov hands a check one resource with intrinsics unresolved. A TAP check re-reads the
template that resource came from (checkov's parser, cached per file) so that policies
declared in other resources and intrinsic functions can be judged precisely.
"""

from __future__ import annotations

import inspect
import os
from abc import abstractmethod
from pathlib import Path
from typing import Any

from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

from policies.catalog import default_catalog
from policies.cfn.intrinsics import Resolver
from policies.cfn.template import TemplateError, load_template
from policies.outcome import Outcome, Verdict
from policies.verdicts import Recorded, record

#: evaluations of one resource at most when deploy-time conditions are varied
MAX_CASES = 64

_RESULTS = {
    Outcome.PASS: CheckResult.PASSED,
    Outcome.FAIL: CheckResult.FAILED,
    Outcome.UNKNOWN: CheckResult.UNKNOWN,
    Outcome.NOT_APPLICABLE: CheckResult.SKIPPED,
}


class TapCheck(BaseResourceCheck):
    """A check of one catalogue control over the resource types it names."""

    def __init__(self, check_id: str, control_id: str, resource_types: list[str]) -> None:
        control = default_catalog().control(control_id)
        self.control_id = control_id
        super().__init__(
            name=f"{control_id}: {control.title}",
            id=check_id,
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_resources=resource_types,
        )

    @abstractmethod
    def evaluate(self, resolver: Resolver, logical_id: str) -> Verdict:
        """Judge one resource of the template."""

    def judge(self, template_path: str | os.PathLike[str], logical_id: str) -> Verdict:
        """Judge a resource of a template file (also usable without checkov)."""
        try:
            template = load_template(template_path)
        except TemplateError as error:
            return Verdict.unknown(str(error))
        supported = list(self.supported_resources)
        if template.type_of(logical_id) not in supported:
            return Verdict.unknown(f"{logical_id} is not a {'/'.join(supported)}")
        resolver = Resolver(template)
        if resolver.exists(logical_id) is False:
            condition = (template.resource(logical_id) or {}).get("Condition")
            return Verdict.not_applicable(
                f"{logical_id} is not created: its condition {condition} is always false"
            )
        verdict = self.evaluate(resolver, logical_id)
        if verdict.outcome is not Outcome.UNKNOWN:
            return verdict
        return self._every_case(resolver, logical_id) or verdict

    def _every_case(self, resolver: Resolver, logical_id: str) -> Verdict | None:
        """When conditions decided at deploy time make the verdict unknown: the verdict
        reached in every combination of the truths of the conditions the evaluation asks
        about (the resource's own Condition included), if it is the same in all of them
        where the control applies. Each condition is varied on its own (a
        superset of the cases that can really occur); a case that asks about a further
        open condition is split on it, up to :data:`MAX_CASES` evaluations."""
        pending: list[dict[str, bool]] = [{}]
        verdicts: list[Verdict] = []
        varied: list[str] = []
        evaluations = 0
        while pending:
            case = pending.pop()
            evaluations += 1
            if evaluations > MAX_CASES:
                return None
            here = Resolver(resolver.template, case)
            exists = here.exists(logical_id)
            verdict = (
                self.evaluate(here, logical_id)
                if exists is not False
                else Verdict.not_applicable(f"{logical_id} is not created")
            )
            if here.undecided:
                name = here.undecided[0]
                varied += [] if name in varied else [name]
                pending += [{**case, name: True}, {**case, name: False}]
                continue
            verdicts.append(verdict)
        if not varied:
            return None
        # where the control applies (the resource is created and in scope), all must agree
        applicable = [v for v in verdicts if v.outcome is not Outcome.NOT_APPLICABLE]
        verdicts = applicable or verdicts
        outcomes = {v.outcome for v in verdicts}
        if len(outcomes) != 1 or Outcome.UNKNOWN in outcomes:
            return None
        return Verdict(
            verdicts[0].outcome,
            f"whatever conditions {', '.join(varied)} decide: {verdicts[0].reason}",
        )

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """checkov's run; a not-applicable verdict is SKIPPED with the reason as comment."""
        result = super().run(*args, **kwargs)
        skipped = result.get("result") is CheckResult.SKIPPED
        if skipped and self.details and not result.get("suppress_comment"):
            result["suppress_comment"] = f"not applicable: {self.details[0]}"
        return result

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        logical_id = self.entity_path.rsplit(":", 1)[-1]
        scanned = self.entity_path.rsplit(":", 1)[0][: -len(self.entity_type) - 1]
        path = _source_file(conf) or _runner_file() or _find(scanned)
        if path is None:
            verdict = Verdict.unknown("the template file of this resource cannot be located")
            resolved = scanned
        else:
            resolved = str(Path(path).resolve())
            verdict = self.judge(path, logical_id)
        record(
            Recorded(
                self.id, resolved, logical_id, self.entity_type, verdict.outcome, verdict.reason
            )
        )
        self.details.append(verdict.reason)
        return _RESULTS[verdict.outcome]


def _source_file(conf: Any) -> str | None:
    """The ``__file__`` checkov's parser leaves in the resource's mappings."""
    if isinstance(conf, dict):
        if isinstance(conf.get("__file__"), str):
            return str(conf["__file__"])
        for value in conf.values():
            found = _source_file(value)
            if found:
                return found
    if isinstance(conf, list):
        for value in conf:
            found = _source_file(value)
            if found:
                return found
    return None


def _runner_file() -> str | None:
    """The file checkov's CloudFormation runner is checking (a resource without mappings,
    e.g. no Properties, carries no ``__file__``): its ``check_definitions`` loop variable."""
    frame = inspect.currentframe()
    while frame is not None:
        if frame.f_code.co_name == "check_definitions":
            value = frame.f_locals.get("file_abs_path")
            if isinstance(value, str):
                return value
        frame = frame.f_back
    return None


def _find(scanned: str) -> str | None:
    """A resource without mappings: the scanned path, relative to the working directory."""
    for candidate in (Path(scanned), Path.cwd() / scanned.lstrip("/")):
        if candidate.is_file():
            return str(candidate)
    return None
