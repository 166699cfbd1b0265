"""A Lambda function as it runs: its environment and the key that encrypts it."""

from __future__ import annotations

from typing import Any

from compliance.aws.live.keys import KeyNames
from compliance.aws.live.reads import Reads
from compliance.aws.live.shape import Live


def function(reads: Reads, name: str, keys: KeyNames, logical_id: str) -> Live:
    """``lambda:GetFunctionConfiguration``; the variables' values are not kept (they may be
    secrets): the evidence and its hash hold their names only."""
    answer = reads.call(
        "lambda", "get_function_configuration", redact=_names_only, FunctionName=name
    )
    properties: dict[str, Any] = {"FunctionName": name}
    variables = (answer.get("Environment") or {}).get("Variables")
    if variables:
        properties["Environment"] = {"Variables": dict.fromkeys(variables, "")}
    if answer.get("KMSKeyArn"):
        properties["KmsKeyArn"] = keys.reference(reads, answer["KMSKeyArn"])
    return Live(properties)


def _names_only(answer: dict[str, Any]) -> dict[str, Any]:
    environment = answer.get("Environment") or {}
    if not environment.get("Variables"):
        return answer
    names = dict.fromkeys(environment["Variables"], "<not kept>")
    return {**answer, "Environment": {**environment, "Variables": names}}
