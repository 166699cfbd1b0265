"""A Lambda function as it runs: its environment and the key that encrypts it."""

from __future__ import annotations

from typing import Any

from compliance.aws.live.keys import KeyNames
from compliance.aws.live.reads import Reads
from compliance.aws.live.resource import Live


def function(reads: Reads, name: str, keys: KeyNames, logical_id: str) -> Live:
    """``lambda:GetFunctionConfiguration`` (the variables' names only are kept)."""
    answer = reads.call("lambda", "get_function_configuration", FunctionName=name)
    properties: dict[str, Any] = {"FunctionName": name}
    variables = (answer.get("Environment") or {}).get("Variables")
    if variables:
        properties["Environment"] = {"Variables": dict.fromkeys(variables, "")}
    if answer.get("KMSKeyArn"):
        properties["KmsKeyArn"] = keys.reference(reads, answer["KMSKeyArn"])
    return Live(properties)
