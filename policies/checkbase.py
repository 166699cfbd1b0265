"""The base of every TAP check: a pure judgement over the template model, with a checkov face.

:meth:`TapCheck.judge` is the check itself: ``(Template, logical id, Context) -> Verdict``,
a function of its arguments only; the engine calls it directly on the template it parsed.
The checkov face (``run`` / ``scan_resource_conf``) serves users of plain
``checkov --external-checks-dir policies/checks``: it finds the resource's template from what
checkov hands every check (``scanned_file``, the entity's name and configuration), reads it
with the same model and judges it with the default :class:`~policies.context.Context`.
"""

from __future__ import annotations

from abc import abstractmethod
from pathlib import Path
from typing import Any

from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

from policies.catalog import default_catalog
from policies.cfn.conditions import MAX_CASES, Outcomes, decided, every_case
from policies.cfn.intrinsics import Resolver
from policies.cfn.template import Template, TemplateError, load_template
from policies.context import Context
from policies.outcome import Outcome, Verdict

_RESULTS = {
    Outcome.PASS: CheckResult.PASSED,
    Outcome.FAIL: CheckResult.FAILED,
    Outcome.UNKNOWN: CheckResult.UNKNOWN,
    Outcome.NOT_APPLICABLE: CheckResult.SKIPPED,
}


class TapCheck(BaseResourceCheck):
    """A check of one catalogue control over the resource types it names."""

    def __init__(self, control_id: str) -> None:
        """A check declares only its control: its id (the control's one ``checkov`` rule in
        the catalogue), name and resource types are read from the catalogue."""
        control = default_catalog().control(control_id)
        ours = control.implemented_by.checkov
        if len(ours) != 1:
            raise ValueError(f"{control_id}: the catalogue must name exactly one check of ours")
        self.control_id = control_id
        super().__init__(
            name=f"{control_id}: {control.title}",
            id=ours[0],
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_resources=list(control.resource_types),
        )
        self._entity: tuple[str, str] | None = None

    @abstractmethod
    def evaluate(self, resolver: Resolver, logical_id: str, context: Context) -> Verdict:
        """Judge one resource of the template."""

    def judge(self, template: Template, logical_id: str, context: Context) -> Verdict:
        """The verdict on one resource of a template: a pure function of its arguments.

        Judged on the template as deployed (:mod:`policies.cfn.conditions`); where that
        leaves the verdict unknown, in every deploy-time case it depends on: parameters
        over their allowed values jointly with the conditions on them, the resource
        judged only in the cases that create it. All pass: pass; a case that can be
        deployed fails: fail; else unknown (so too when the cases are more than
        :data:`~policies.cfn.conditions.MAX_CASES`, which the reason says)."""
        supported = list(self.supported_resources)
        if template.type_of(logical_id) not in supported:
            return Verdict.unknown(f"{logical_id} is not a {'/'.join(supported)}")
        outcomes = every_case(
            template,
            lambda resolver: self._in_case(template, resolver, logical_id, context),
            lambda verdict: verdict.outcome is not Outcome.UNKNOWN,
            stop=lambda case, verdict: case.exact and verdict.outcome is Outcome.FAIL,
        )
        return _over_cases(template, logical_id, outcomes)

    def _in_case(
        self, template: Template, resolver: Resolver, logical_id: str, context: Context
    ) -> Verdict:
        if logical_id not in resolver.template.resources:
            condition = (template.resource(logical_id) or {}).get("Condition")
            always = decided(template).get(str(condition)) is False
            return Verdict.not_applicable(
                f"{logical_id} is not created: its condition {condition} is "
                + ("always false" if always else "false")
            )
        exists = resolver.exists(logical_id)
        if exists is None:
            return Verdict.unknown(f"whether {logical_id} is created is not decided")
        return self.evaluate(resolver, logical_id, context)

    # --- the checkov face ---------------------------------------------------------------

    def run(
        self,
        scanned_file: str,
        entity_configuration: dict[str, Any],
        entity_name: str,
        entity_type: str,
        skip_info: Any,
    ) -> Any:
        """checkov's entry point; a not-applicable verdict is SKIPPED with the reason."""
        self._entity = (scanned_file, entity_name)
        try:
            result = super().run(
                scanned_file, entity_configuration, entity_name, entity_type, skip_info
            )
        finally:
            self._entity = None
        skipped = result.get("result") is CheckResult.SKIPPED
        if skipped and self.details and not result.get("suppress_comment"):
            result["suppress_comment"] = f"not applicable: {self.details[0]}"
        return result

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        if self._entity is None:  # called outside checkov's run: nothing says which file
            verdict = Verdict.unknown("the template file of this resource is not known")
        else:
            scanned_file, logical_id = self._entity
            verdict = self._judge_file(_template_file(scanned_file, conf), scanned_file, logical_id)
        self.details.append(verdict.reason)
        return _RESULTS[verdict.outcome]

    def _judge_file(self, path: Path | None, scanned_file: str, logical_id: str) -> Verdict:
        if path is None:
            return Verdict.unknown(
                f"the template file {scanned_file} cannot be located: run checkov on files "
                "(-f) or from the folder it scans (-d .)"
            )
        try:
            template = _cached_template(path)
        except TemplateError as error:
            return Verdict.unknown(str(error))
        return self.judge(template, logical_id, Context())


_LOADED: dict[tuple[Path, int, int], Template] = {}


def _cached_template(path: Path) -> Template:
    """checkov asks once per resource and check: read each file version once."""
    try:
        stat = path.stat()
    except OSError as error:
        raise TemplateError(path, f"cannot read ({error.strerror})") from None
    key = (path, stat.st_mtime_ns, stat.st_size)
    if key not in _LOADED:
        _LOADED[key] = load_template(path)
    return _LOADED[key]


def _template_file(scanned_file: str, conf: Any) -> Path | None:
    """The file checkov is scanning: the absolute ``__file__`` its parser leaves in the
    configuration it passes (in nested mappings), else ``scanned_file``, which checkov gives
    relative to the folder it scans (the working directory for ``-f`` and ``-d .``)."""
    found = _source_file(conf)
    if found:
        return Path(found)
    candidate = Path.cwd() / scanned_file.lstrip("/")
    return candidate.resolve() if candidate.is_file() else None


def _source_file(conf: Any) -> str | None:
    if isinstance(conf, dict):
        if isinstance(conf.get("__file__"), str):
            return str(conf["__file__"])
        values: Any = conf.values()
    elif isinstance(conf, list):
        values = conf
    else:
        return None
    for value in values:
        found = _source_file(value)
        if found:
            return found
    return None


def _over_cases(template: Template, logical_id: str, outcomes: Outcomes[Verdict]) -> Verdict:
    """One verdict from a verdict per case (see :meth:`TapCheck.judge`)."""
    cases = outcomes.cases
    if len(cases) == 1 and not cases[0][0].describe() and not outcomes.bounded:
        return cases[0][1]
    applicable = [(c, v) for c, v in cases if v.outcome is not Outcome.NOT_APPLICABLE]
    failed = [(c, v) for c, v in applicable if v.outcome is Outcome.FAIL and c.exact]
    if failed:
        case, verdict = failed[0]
        return Verdict.failed(f"when {case.describe()}: {verdict.reason}")
    if outcomes.bounded:
        return Verdict.unknown(
            f"the verdict depends on more than {MAX_CASES} deploy-time cases "
            "(parameter values, conditions): not decided"
        )
    if not applicable:
        return Verdict.not_applicable(f"{logical_id} is not created in any deploy-time case")
    outcomes_ = {v.outcome for _, v in applicable}
    if len(outcomes_) == 1 and Outcome.UNKNOWN not in outcomes_:
        values = dict.fromkeys(name for case, _ in cases for name, _ in case.values)
        truths = dict.fromkeys(name for case, _ in cases for name, _ in case.truths)
        varied = [
            f"{what} {', '.join(names)}"
            for what, names in (("the values of", values), ("conditions", truths))
            if names
        ]
        first = applicable[0][1]
        return Verdict(first.outcome, f"whatever {' and '.join(varied)} decide: {first.reason}")
    unknown = [(c, v) for c, v in applicable if v.outcome is Outcome.UNKNOWN]
    if unknown:
        case, verdict = unknown[0]
        where = case.describe()
        return Verdict.unknown(f"when {where}: {verdict.reason}" if where else verdict.reason)
    (fail_case, fail), (pass_case, passed) = (
        next((c, v) for c, v in applicable if v.outcome is outcome)
        for outcome in (Outcome.FAIL, Outcome.PASS)
    )
    return Verdict.unknown(
        f"{fail.reason} when {fail_case.describe()}, but {passed.reason} when "
        f"{pass_case.describe()}: the template does not say which cases can be deployed"
    )
