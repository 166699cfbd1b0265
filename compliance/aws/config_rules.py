"""AWS Config's verdicts on the rules a stack deploys (paginated compliance reads)."""

from __future__ import annotations

import time
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from compliance.aws.errors import (
    AWS_ERRORS,
    TRANSPORT_ERRORS,
    AwsFailure,
    describe_error,
    error_code,
)
from compliance.record.findings import RuntimeRule, RuntimeStatus
from policies.cfn.template import config_rule_identifier

RULE_API = "config:DescribeComplianceByConfigRule"
DETAILS_API = "config:GetComplianceDetailsByConfigRule"
#: Resource verdicts that are verdicts (INSUFFICIENT_DATA is none: "not tested").
DECIDED = ("COMPLIANT", "NON_COMPLIANT")


@dataclass(frozen=True)
class DeployedRule:
    """An AWS::Config::ConfigRule of the template, and its name in the account."""

    logical_id: str
    name: str
    identifier: str


@dataclass(frozen=True)
class Evaluation:
    """AWS Config's verdict on one resource for one rule."""

    rule: DeployedRule
    resource_type: str
    resource_id: str
    compliance: str
    recorded_at: datetime | None
    annotation: str | None


def deployed_rules(template: dict[str, Any], physical: dict[str, str]) -> list[DeployedRule]:
    """The template's Config rules, named as the stack created them (else as declared)."""
    rules = []
    for logical_id, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") != "AWS::Config::ConfigRule":
            continue
        properties = resource.get("Properties") or {}
        declared = properties.get("ConfigRuleName")
        identifier = config_rule_identifier(properties) or logical_id
        name = physical.get(logical_id) or (declared if isinstance(declared, str) else logical_id)
        rules.append(DeployedRule(logical_id, name, identifier))
    return sorted(rules, key=lambda rule: rule.logical_id)


def read_compliance(
    config: Any, rules: Iterable[DeployedRule], created: Container[str] | None = None
) -> tuple[list[RuntimeRule], list[Evaluation]]:
    """Each rule's overall verdict and its per-resource evaluations (every page of both).

    A rule the stack created (its logical id in ``created``; None: every rule) that AWS Config
    does not have is MISSING, a failure: deleted out of band. One the stack lists no resource
    for was not created by the endpoint: not tested."""
    rules = list(rules)
    verdicts: list[RuntimeRule] = []
    evaluations: list[Evaluation] = []
    known = _existing(config, rules)
    overall = _overall(config, [r.name for r in rules if r.name in known])
    for rule in rules:
        if rule.name not in known:
            made = created is None or rule.logical_id in created
            verdicts.append(
                RuntimeRule(
                    name=rule.name,
                    identifier=rule.identifier,
                    logical_id=rule.logical_id,
                    compliance="MISSING" if made else "NOT_TESTED",
                    answered_by="config:DescribeConfigRules",
                    note="the gated template declares it, AWS Config does not have it (deleted "
                    "out of band)"
                    if made
                    else "no such rule in AWS Config, and the stack lists no such resource",
                )
            )
            continue
        found = _details(config, rule)
        evaluations += found
        compliance: RuntimeStatus = "NOT_TESTED"
        raw = overall.get(rule.name)
        if raw in ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"):
            compliance = raw  # type: ignore[assignment]
        note = None if compliance != "NOT_TESTED" else "AWS Config has not evaluated it yet"
        verdicts.append(
            RuntimeRule(
                name=rule.name,
                identifier=rule.identifier,
                logical_id=rule.logical_id,
                compliance=compliance,
                answered_by=RULE_API,
                note=note,
            )
        )
    return verdicts, evaluations


def wait_for_evaluations(
    config: Any,
    rules: Iterable[DeployedRule],
    *,
    newer_than: datetime,
    timeout: float,
    poll: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
    starter: Any = None,
) -> list[str]:
    """Start the rules' evaluations (``StartConfigRulesEvaluation``, 25 rules a call, through
    ``starter``: a read-only role may not start them) and wait, at most ``timeout`` seconds,
    until each rule's last successful evaluation is newer than ``newer_than``; the names of the
    rules still waited for."""
    names = [rule.name for rule in rules]
    try:
        for start in range(0, len(names), 25):
            (starter or config).start_config_rules_evaluation(
                ConfigRuleNames=names[start : start + 25]
            )
    except AWS_ERRORS as error:
        raise _failure("starting the AWS Config evaluations", error) from None
    deadline = time.monotonic() + timeout
    pending = set(names)
    while pending:
        try:
            pages = config.get_paginator("describe_config_rule_evaluation_status")
            for page in pages.paginate(ConfigRuleNames=sorted(pending)):
                for status in page.get("ConfigRulesEvaluationStatus", []):
                    last = status.get("LastSuccessfulEvaluationTime")
                    if last is not None and last > newer_than:
                        pending.discard(status["ConfigRuleName"])
        except AWS_ERRORS as error:
            raise _failure("reading the AWS Config evaluation status", error) from None
        if not pending or time.monotonic() >= deadline:
            break
        sleep(poll)
    return sorted(pending)


def _existing(config: Any, rules: list[DeployedRule]) -> set[str]:
    names = set()
    for rule in rules:
        try:
            answer = config.describe_config_rules(ConfigRuleNames=[rule.name])
        except ClientError as error:
            if error_code(error) == "NoSuchConfigRuleException":
                continue
            raise _failure("describing Config rule " + rule.name, error) from None
        except TRANSPORT_ERRORS as error:
            raise _failure("describing Config rule " + rule.name, error) from None
        if any(r.get("ConfigRuleName") == rule.name for r in answer.get("ConfigRules", [])):
            names.add(rule.name)
    return names


def _overall(config: Any, names: list[str]) -> dict[str, str]:
    if not names:
        return {}
    found: dict[str, str] = {}
    try:
        pages = config.get_paginator("describe_compliance_by_config_rule")
        for page in pages.paginate(ConfigRuleNames=names):
            for item in page.get("ComplianceByConfigRules", []):
                found[item["ConfigRuleName"]] = (item.get("Compliance") or {}).get(
                    "ComplianceType", "INSUFFICIENT_DATA"
                )
    except AWS_ERRORS as error:
        raise _failure("reading AWS Config compliance", error) from None
    return found


def _details(config: Any, rule: DeployedRule) -> list[Evaluation]:
    found = []
    try:
        pages = config.get_paginator("get_compliance_details_by_config_rule")
        for page in pages.paginate(ConfigRuleName=rule.name, ComplianceTypes=list(DECIDED)):
            for result in page.get("EvaluationResults", []):
                qualifier = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
                found.append(
                    Evaluation(
                        rule=rule,
                        resource_type=qualifier.get("ResourceType", "?"),
                        resource_id=qualifier.get("ResourceId", "?"),
                        compliance=result.get("ComplianceType", "INSUFFICIENT_DATA"),
                        recorded_at=result.get("ResultRecordedTime"),
                        annotation=result.get("Annotation"),
                    )
                )
    except AWS_ERRORS as error:
        raise _failure(f"reading AWS Config evaluations of {rule.name}", error) from None
    return found


def _failure(doing: str, error: Exception) -> AwsFailure:
    return AwsFailure(f"{doing}: {describe_error(error)}")
