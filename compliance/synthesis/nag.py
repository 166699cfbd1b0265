"""cdk-nag's violations, read from the validation report CDK writes into the assembly."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance.errors import InputError

REPORT = "validation-report.json"
#: The synth child's note of the packs it attached (CDK's report omits a pack with no
#: violation, so the report alone cannot tell "ran clean" from "never ran").
ATTACHED = "tap-compliance.nag-packs.json"
#: Granular findings carry a suffix: ``PCI.DSS.321-IAMNoInlinePolicy[Policy::x]``.
_GRANULAR = re.compile(r"^(?P<rule>[^\[]+)(\[(?P<detail>.*)\])?$")


def attach_packs(app: Any, classes: Sequence[str]) -> list[str]:
    """Attach the cdk-nag packs ``classes`` (``PCIDSS321Checks``, ...) to ``app`` as CDK
    policy-validation plugins, before its synthesis; returns the names the packs report under.
    The first also writes the app's acknowledgments into the templates (the engine shows them,
    never obeys them), through an Aspect on the app; Aspects never cross into a ``Stage``
    (aws-cdk-lib ``invokeAspects``), so each Stage gets the same Aspect: an acknowledgment in a
    Stage's stack, nested stacks included, is written too."""
    import cdk_nag
    from aws_cdk import Aspects, Stage, Validations

    plugins = [
        getattr(cdk_nag, cls)(app, write_suppressions_to_cloud_formation=True)
        if index == 0
        else getattr(cdk_nag, cls)()
        for index, cls in enumerate(classes)
    ]
    for node in app.node.find_all():
        if isinstance(node, Stage) and node is not app:
            Aspects.of(node).add(cdk_nag.WriteNagSuppressionsToCloudFormationAspect())
    Validations.of(app).add_plugins(*plugins)
    return [str(plugin.name) for plugin in plugins]


def write_attached(outdir: Path, names: Sequence[str]) -> None:
    """Note in the assembly which packs ran (their report names)."""
    (outdir / ATTACHED).write_text(json.dumps({"packs": list(names)}) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class NagViolation:
    """One rule violated by one construct."""

    rule_id: str
    detail: str | None
    message: str
    level: str
    construct_path: str


def read_violations(outdir: Path, packs: Sequence[str]) -> list[NagViolation]:
    """Every violation the cdk-nag packs named ``packs`` (their report names, e.g.
    ``PCI.DSS.321``) reported during synthesis.

    CDK writes the report whenever a validation plugin is attached, violations or not, but
    lists only the packs with violations: a missing report, or a pack missing from the synth
    child's note of the packs it attached (:data:`ATTACHED`), means cdk-nag did not run,
    which must not read as "no violations".
    """
    path = outdir / REPORT
    if not path.exists():
        raise InputError(path, "missing: cdk-nag's validation report was not written")
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise InputError(path, f"invalid JSON: {error.msg}", error.lineno) from None
    plugins = report.get("pluginReports", [])
    attached = outdir / ATTACHED
    try:
        ran = json.loads(attached.read_text(encoding="utf-8"))["packs"]
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError(
            attached, "missing or invalid: no note of the cdk-nag packs that ran"
        ) from None
    if missing := [name for name in packs if name not in ran]:
        raise InputError(attached, f"cdk-nag pack {', '.join(missing)} did not run")
    violations = []
    for plugin in plugins:
        if plugin.get("pluginName") not in packs:
            continue  # CDK's own validators (e.g. "CloudFormation Validate") are not cdk-nag
        for violation in plugin.get("violations", []):
            match = _GRANULAR.match(violation["ruleName"])
            assert match is not None  # the pattern accepts any rule name
            for construct in violation.get("violatingConstructs", []):
                violations.append(
                    NagViolation(
                        rule_id=match["rule"],
                        detail=match["detail"],
                        message=violation.get("description", ""),
                        level=violation.get("severity", "error"),
                        construct_path=construct["constructPath"].lstrip("/"),
                    )
                )
    return violations
