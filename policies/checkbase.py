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
from policies.cfn.intrinsics import Resolver
from policies.cfn.template import Template, TemplateError, load_template
from policies.context import Context
from policies.outcome import Outcome, Verdict

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
        """The verdict on one resource of a template: a pure function of its arguments."""
        supported = list(self.supported_resources)
        if template.type_of(logical_id) not in supported:
            return Verdict.unknown(f"{logical_id} is not a {'/'.join(supported)}")
        resolver = Resolver(template)
        if resolver.exists(logical_id) is False:
            condition = (template.resource(logical_id) or {}).get("Condition")
            return Verdict.not_applicable(
                f"{logical_id} is not created: its condition {condition} is always false"
            )
        verdict = self.evaluate(resolver, logical_id, context)
        if verdict.outcome is not Outcome.UNKNOWN:
            return verdict
        return self._every_case(resolver, logical_id, context) or verdict

    def _every_case(self, resolver: Resolver, logical_id: str, context: Context) -> Verdict | None:
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
                self.evaluate(here, logical_id, context)
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
