"""The engine: synthesize or read templates, run both tools, map, waive, gate → the record."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from compliance.environments import EnvInfo
from compliance.errors import InputError, read_problem
from compliance.gate.threshold import summarise
from compliance.gate.verdicts import control_verdicts
from compliance.gate.waivers import apply_waivers, rules_run
from compliance.judgement_cache import judgement_key, reused, store
from compliance.judging.applicability import by_design
from compliance.judging.discovery import discover
from compliance.judging.judge import builtin_checks, custom_checks, judge
from compliance.judging.results import ScannedTemplate, from_checkov, from_nag, from_problem
from compliance.judging.suppressions import attach, suppressions, without_checkov_skips
from compliance.policy import Policy
from compliance.record.coverage import requirement_coverage
from compliance.record.findings import (
    AssetDigest,
    Finding,
    FindingsRecord,
    MissingLookup,
    Target,
)
from compliance.record.fingerprints import with_fingerprints
from compliance.record.provenance import this_run
from compliance.record.requirements import PLATFORM_APP, CoverageScope
from compliance.synthesis.app import resolve_app
from compliance.synthesis.assembly import Assembly, Stack, read_assembly
from compliance.synthesis.assembly import MissingLookup as AssemblyLookup
from compliance.synthesis.assets import asset_content, asset_sources, sha256
from compliance.synthesis.cache import synthesize_cached
from compliance.synthesis.nag import REPORT, read_violations
from compliance.synthesis.sources import SourceMap, read_sources, with_sources
from policies.cfn import conditions
from policies.cfn.parameters import apply_parameters, unused
from policies.cfn.references import problems
from policies.cfn.template import NotATemplate, Template, TemplateError, load_template
from policies.context import Context
from policies.nag_packs import RuleMap, default_nag_packs


def check(
    *,
    environments: Sequence[EnvInfo],
    assembly_dir: Path,
    shown_dir: Path,
    policy: Policy,
    app: str | None = None,
    cache: bool = True,
    packs: Sequence[str] | None = None,
    cdk_context: Mapping[str, str] | None = None,
) -> FindingsRecord:
    """Synthesize the environments into ``assembly_dir`` and judge them with both tools.

    ``app`` is ``--app`` (a Python command or ``MODULE:FUNCTION``; default: cdk.json's
    ``app``, as ``cdk synth`` runs it). ``packs`` are the cdk-nag packs to run (class names
    of ``policies/nag_packs.yaml``; default: its default); their rules map to controls through
    the catalogue. ``cdk_context`` holds ``--context`` values, given to the app over the project's
    context as the CDK CLI gives them (:mod:`compliance.synthesis.context`).

    With ``cache`` a synthesis whose inputs are provably unchanged (content hash, see
    :mod:`compliance.synthesis.cache`) is copied from the store instead of run again, and
    then a judgement whose inputs are too (:mod:`compliance.judgement_cache`) is reused
    instead of made again: checkov is then never imported.

    ``shown_dir`` is where the assembly will live once published (the paths the record names).
    """
    # load checkov and the checks on this core while a synthesis runs on the other one (a
    # reused synthesis starts none: its judgement may be reused too, with no checkov at all)
    warm = threading.Thread(target=_checks_of, args=(policy,), daemon=True)
    nag_packs = default_nag_packs()
    packs = list(packs or nag_packs.default)
    rules = RuleMap(policy.catalog, nag_packs, packs)
    spec = resolve_app(app)
    synthesized = synthesize_cached(
        assembly_dir,
        [env.name for env in environments],
        spec,
        cache=cache,
        packs=packs,
        context=cdk_context,
        before_synthesis=warm.start,
    )
    key = None
    if cache and synthesized.proof is not None:
        key = judgement_key(synthesized.proof, policy, environments, packs, shown_dir)
        if synthesized.reused and (record := reused(key)) is not None:
            return record
    if warm.ident is not None:
        warm.join()
    scope: CoverageScope = "platform" if spec.code_root() == PLATFORM_APP else "templates"
    try:
        record = check_assembly(assembly_dir, shown_dir, environments, policy, rules, scope)
    except InputError as error:  # named where the assembly is published, not in the staging
        raise InputError(str(error).replace(str(assembly_dir), str(shown_dir))) from None
    record = record.model_copy(update={"nag_packs": packs})
    if key is not None:
        store(key, record)
    return record


def check_assembly(
    assembly_dir: Path,
    shown_dir: Path,
    environments: Sequence[EnvInfo],
    policy: Policy,
    rules: RuleMap,
    scope: CoverageScope,
) -> FindingsRecord:
    """Every template of a synthesized assembly judged by both tools, each with the digests
    of its file assets (what deploy may send); the requirement coverage written for ``scope``
    (the platform's own app, or another)."""
    assembly = read_assembly(assembly_dir)
    by_stack = {env.stack_name: env for env in environments}

    def shown(path: Path) -> str:
        return _shown(shown_dir / path.relative_to(assembly_dir))

    unjudged = _unjudged(assembly, shown)
    scanned = [
        (_scanned(stack, shown(stack.template)), by_stack.get(stack.nested_in or stack.stack_name))
        for stack in ([] if assembly.missing else assembly.stacks)
    ]
    findings: list[Finding] = []
    for each, env in scanned:
        context = Context.for_regions(
            env.allowed_regions if env else None,
            env.customer_managed_keys if env else (),
            _peers(scanned, each, env),
        )
        findings += _check_findings(each, policy, context)
    if scanned:
        violations = read_violations(assembly_dir, rules.names())
        for each, _ in scanned:
            findings += from_nag(violations, each, policy.catalog, rules)
        stacks = [each.stack for each, _ in scanned if each.stack]
        for violation in violations:  # never dropped for want of a template to land on
            if not any(stack.owns(violation.construct_path) for stack in stacks):
                raise InputError(
                    assembly_dir / REPORT,
                    f"cdk-nag's {violation.rule_id} names {violation.construct_path}, which no "
                    "template of the cloud assembly holds",
                )
    envs = {each.target: env for each, env in scanned}
    sources = dict.fromkeys((each.target for each, _ in scanned), read_sources(assembly_dir))
    record = _record(
        findings,
        [each for each, _ in scanned],
        envs,
        policy,
        sources,
        unjudged.targets,
        ran=rules_run(policy.catalog, rules),
        scope=scope,
    )
    digests = {stack.stack_name: _asset_digests(stack) for stack in assembly.stacks}
    targets = [t.model_copy(update={"assets": digests.get(t.name, [])}) for t in record.targets]
    return record.model_copy(update={"missing_lookups": unjudged.lookups, "targets": targets})


@dataclass(frozen=True)
class _Unjudged:
    """Templates of an assembly not judged (placeholder values of missing lookups, nested
    templates from outside it) and why."""

    targets: list[Target] = field(default_factory=list)
    lookups: list[MissingLookup] = field(default_factory=list)


def _unjudged(assembly: Assembly, shown: Callable[[Path], str]) -> _Unjudged:
    """The templates of the assembly that cannot be judged, listed in error (they fail the
    gate). With missing lookups, every one: CDK put placeholder values where the answers
    belong (``cdk deploy`` would look them up and synthesize again), so judging them would
    judge templates nobody deploys. Else the nested stacks deployed from a template outside
    the assembly: deployed, never read."""
    if assembly.missing:
        lookups = [
            MissingLookup(
                key=lookup.key,
                provider=lookup.provider,
                props=dict(lookup.props),
                manifest=shown(lookup.manifest),
                message=_lookup_line(lookup),
            )
            for lookup in assembly.missing
        ]
        note = (
            f"not judged: synthesized with placeholder values for {len(lookups)} missing "
            "context lookup(s)"
        )
        targets = [
            _target(
                stack, shown(stack.template), _sha256(stack.template), status="error", note=note
            )
            for stack in assembly.stacks
        ]
        return _Unjudged(targets, lookups)
    return _Unjudged(
        [
            Target(
                name=f"{stack.stack_name}/{logical_id}",
                status="error",
                stack=f"{stack.stack_name}/{logical_id}",
                template=url,
                sha256="",
                account=stack.account,
                region=stack.region,
                artifact=stack.artifact_id,
                stage=stack.stage,
                parent=stack.stack_name,
                note="not judged: a nested stack whose template (its TemplateURL) is not in "
                "the cloud assembly",
            )
            for stack in assembly.stacks
            for logical_id, url in stack.outside
        ]
    )


def _lookup_line(lookup: AssemblyLookup) -> str:
    """What a missing lookup is and the two ways to answer it, in one line."""
    return (
        f"missing context lookup {lookup.describe()}: CDK synthesized placeholder values in "
        "its place, so nothing was judged; fill cdk.context.json with one `cdk synth` under AWS "
        f"credentials for that account, or give the context key {lookup.key!r} its value with "
        "--context KEY=VALUE"
    )


def _sha256(path: Path) -> str:
    try:
        return sha256(path.read_bytes())
    except OSError as error:
        raise InputError(path, read_problem(error)) from None


def scan(
    paths: Sequence[Path],
    *,
    policy: Policy,
    allowed_regions: Sequence[str] | None,
    env: EnvInfo | None = None,
    environments: Sequence[EnvInfo] = (),
    parameters: Mapping[str, str] | None = None,
    customer_managed_keys: Sequence[str] = (),
    keep_going: bool = False,
    progress: Callable[[int], Callable[[str], None]] | None = None,
) -> FindingsRecord:
    """Judge template files, folders of them (walked) and cloud assemblies (every stack,
    nested stacks included) with the checkov part of the policies.

    A stack of a cloud assembly belongs to the environment of ``environments`` with its stack
    name; ``env`` overrides that for every template (waivers limited to environments and the
    allowed regions follow it); ``allowed_regions`` overrides the environments' regions.
    ``parameters`` gives template parameters their values (the others stay unknown);
    ``customer_managed_keys`` (with the environment's) are keys known to be customer-managed.
    A file that is no template is skipped and listed. A file that cannot be read or parsed
    is an input error, or with ``keep_going`` a target in error (which fails the gate); a run
    that judges nothing is an input error either way. ``progress(total)`` returns the
    function told each template's name as it is judged."""
    by_stack = {each.stack_name: each for each in environments}
    listed: list[Target] = []
    lookups: list[MissingLookup] = []
    sources: dict[str, SourceMap] = {}

    def unjudged(path: Path, kind: Literal["skipped", "error"], reason: str) -> None:
        if kind == "error" and not keep_going:
            raise InputError(path, reason)
        shown = _shown(path)
        listed.append(Target(name=shown, template=shown, sha256="", status=kind, note=reason))

    to_load: list[tuple[Path, Stack | None, EnvInfo | None]] = []
    for entry in discover(paths):
        if entry.kind in ("skipped", "error"):
            unjudged(entry.path, "skipped" if entry.kind == "skipped" else "error", entry.reason)
        elif entry.kind == "template":
            to_load.append((entry.path, None, env))
        else:
            try:
                assembly = read_assembly(entry.path)
                source_map = read_sources(entry.path)
            except InputError as error:
                if not keep_going:
                    raise
                unjudged(entry.path, "error", str(error))  # names the assembly's file
                continue
            not_judged = _unjudged(assembly, _shown)
            listed += not_judged.targets
            lookups += not_judged.lookups
            if assembly.missing:
                continue
            for each_stack in assembly.stacks:
                sources[each_stack.stack_name] = source_map
                stack_env = env or by_stack.get(each_stack.nested_in or each_stack.stack_name)
                to_load.append((each_stack.template, each_stack, stack_env))
    scanned: list[tuple[ScannedTemplate, EnvInfo | None]] = []
    for path, stack, its_env in to_load:
        try:
            template = _load(path)
        except NotATemplate as error:
            unjudged(path, "skipped", error.problem)
            continue
        except InputError as error:
            if not keep_going:
                raise
            unjudged(path, "error", error.detail)
            continue
        shown = _shown(path)
        target = stack.stack_name if stack else shown
        scanned.append((ScannedTemplate(target, template, shown, stack), its_env))
    if not scanned and not lookups:
        reasons = [f"{t.template}: {t.note}" for t in listed] or ["no template"]
        raise InputError.every("nothing to judge", ((None, reason) for reason in reasons))
    if parameters:
        scanned = [(_with_parameters(each, parameters), e) for each, e in scanned]
        missing = unused(parameters, [each.template.body for each, _ in scanned])
        if missing:
            raise InputError(f"--parameter {', '.join(missing)}: no scanned template declares it")
    tick = progress(len(scanned)) if progress else None
    findings: list[Finding] = []
    for each, its_env in scanned:
        regions = allowed_regions or (its_env.allowed_regions if its_env else None)
        keys = [*customer_managed_keys, *(its_env.customer_managed_keys if its_env else ())]
        context = Context.for_regions(
            list(regions) if regions else None, keys, _peers(scanned, each, its_env)
        )
        findings += _check_findings(each, policy, context)
        if tick:
            tick(each.display_path)
    envs = {each.target: its_env for each, its_env in scanned}
    record = _record(
        findings,
        [each for each, _ in scanned],
        envs,
        policy,
        sources,
        listed,
        ran=rules_run(policy.catalog, None),
        scope="templates",
    )
    return record.model_copy(update={"missing_lookups": lookups})


def _peers(
    scanned: Sequence[tuple[ScannedTemplate, EnvInfo | None]],
    each: ScannedTemplate,
    env: EnvInfo | None,
) -> tuple[Template, ...]:
    """The templates judged beside ``each`` in its environment ``env`` (every other one when
    it has none): the stacks deployed together, whose policies may govern each other's
    resources."""
    name = env.name if env else None
    return tuple(
        other.template
        for other, its_env in scanned
        if other is not each and (its_env.name if its_env else None) == name
    )


def _with_parameters(each: ScannedTemplate, values: Mapping[str, str]) -> ScannedTemplate:
    try:
        body, used = apply_parameters(each.template.body, values, each.template.path)
    except TemplateError as error:
        raise InputError(error.path, error.problem, error.line) from None
    if not used:
        return each
    # the same model with the values in its body (lines and text stay the file's)
    return replace(each, template=replace(each.template, body=body), parameters=used)


def _scanned(stack: Stack, shown: str) -> ScannedTemplate:
    return ScannedTemplate(stack.stack_name, _load(stack.template), shown, stack)


def _load(path: Path) -> Template:
    """The template model of a file: parsed once, then shared by every check. A file that is
    no template raises :class:`NotATemplate`; one that cannot be read or parsed is an input
    error (what CloudFormation rejects in a parsed one is judged: :func:`_check_findings`)."""
    try:
        return load_template(path)
    except NotATemplate:
        raise
    except TemplateError as error:
        raise InputError(error.path, error.problem, error.line) from None


def _checks_of(policy: Policy) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """Our checks (all of ``checks_dir``, as checkov would run them) and the catalogue's
    checkov built-ins (loaded once per process)."""
    catalog = policy.catalog
    builtin_ids = sorted({r for c in catalog.controls for r in c.implemented_by.checkov_builtin})
    return custom_checks(policy.checks_dir), builtin_checks(tuple(builtin_ids))


def _check_findings(scanned: ScannedTemplate, policy: Policy, context: Context) -> list[Finding]:
    """Our checks and the catalogue's checkov built-ins on one template, as findings, and
    what CloudFormation rejects in it (each a failure; what depends on it is unknown)."""
    catalog = policy.catalog
    checks, builtins = _checks_of(policy)
    # checkov's built-ins judge the body as it would be deployed: conditions the template
    # decides applied, in-template skips removed (shown with the findings, never obeyed)
    deployed = without_checkov_skips(conditions.deployed_body(scanned.template))
    rejected = problems(scanned.template.body)
    broken: dict[str, str] = {}
    for problem in rejected:
        if problem.logical_id is not None:
            broken.setdefault(problem.logical_id, problem.text)
    results = judge(
        scanned.template,
        shown=scanned.display_path,
        checks=checks,
        builtins=builtins,
        builtin_resources=deployed.get("Resources") or {},
        context=context,
        broken=broken,
        prepare=without_checkov_skips,
    )
    findings = [from_problem(problem, scanned) for problem in rejected]
    return findings + [from_checkov(result, scanned, catalog) for result in results]


def _asset_digests(stack: Stack) -> list[AssetDigest]:
    """Each file asset of the synthesized stack with the SHA-256 of the bytes it publishes
    (``check`` only: what deploy sends); an asset whose source is missing gets none (the
    deployer refuses an asset the gate did not hash)."""
    digests = []
    for manifest in stack.asset_manifests:
        for asset in asset_sources(manifest):
            if not asset.source.exists():
                continue
            content = asset_content(asset)
            digests.append(
                AssetDigest(
                    id=asset.id,
                    path=asset.path,
                    packaging=asset.packaging,
                    sha256=sha256(content),
                    bytes=len(content),
                )
            )
    return digests


def _record(
    findings: list[Finding],
    scanned: Sequence[ScannedTemplate],
    environments: dict[str, EnvInfo | None],
    policy: Policy,
    sources: dict[str, SourceMap],
    unjudged: Sequence[Target] = (),
    *,
    ran: frozenset[str],
    scope: CoverageScope,
) -> FindingsRecord:
    """The record of judged ``findings``; ``ran``: the controls and rules the run judged by
    (what makes a waiver applicable to the run); ``scope``: whom the requirement coverage is
    written for (``platform``: this platform's app; ``templates``: templates of any project)."""
    envs = {target: env.name if env else None for target, env in environments.items()}
    written = {each.target: suppressions(each.template.body) for each in scanned}
    findings = attach(by_design(findings, policy.catalog, environments), written, policy.catalog)
    findings, waiver_states = apply_waivers(findings, policy.waivers, envs, policy.today, ran)
    findings.sort(key=_order)
    targets = [
        _target(
            each.stack,
            each.display_path,
            each.template.sha256,
            name=each.target,
            env=envs.get(each.target),
            config_rules=each.template.config_rules(),
            note=_note(each.template),
            parameters=dict(each.parameters),
        )
        for each in scanned
    ]
    targets += unjudged
    findings = with_fingerprints(with_sources(findings, sources), targets)
    return FindingsRecord(
        **this_run(),
        targets=targets,
        waiver_file=policy.waiver_file,
        summary=summarise(findings, waiver_states, policy.fail_on, targets),
        findings=findings,
        verdicts=control_verdicts(findings),
        waivers=waiver_states,
        coverage=requirement_coverage(findings, targets, policy.catalog, scope=scope),
    )


def _target(stack: Stack | None, shown: str, sha256: str, **fields: Any) -> Target:
    """The record's target for a template, with where its stack sits in the assembly."""
    if stack is not None:
        fields = {
            "name": stack.stack_name,
            "stack": stack.stack_name,
            "account": stack.account,
            "region": stack.region,
            "artifact": stack.artifact_id,
            "stage": stack.stage,
            "parent": stack.parent,
            **fields,
        }
    return Target.model_validate({"template": shown, "sha256": sha256, **fields})


def _note(template: Template) -> str | None:
    if conditions.deployed_body(template).get("Resources"):
        return None
    false = sorted(name for name, truth in conditions.decided(template).items() if not truth)
    return (
        f"nothing to judge: every resource is under a condition the template makes always "
        f"false ({', '.join(false)})"
    )


def _order(finding: Finding) -> tuple[str, ...]:
    """A total order: two runs over the same templates list the findings alike."""
    return (
        finding.target,
        finding.control_id or "~",
        finding.rule_id,
        finding.resource.logical_id,
        finding.source,
        finding.status,
        finding.message,
    )


def _shown(path: Path) -> str:
    """A path as the record shows it: relative to the working directory when below it."""
    try:
        absolute = path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: named as given
        absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return absolute.as_posix()
