"""A live KMS key written as the template would name it, so the key rule of the checks
(:func:`policies.cfn.kms.customer_managed`) decides as it does on the template.

A key of the stack (its physical id) is the template's own key: ``Fn::GetAtt [Key, Arn]``.
Any other key is asked of KMS (``kms:DescribeKey``: ``KeyManager``): a customer-managed one is
declared so in the context (as ``--cmk`` declares one), an AWS-managed one is written as its
``alias/aws/...`` alias (``kms:ListAliases``), which the rule fails. See
https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-mgmt
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compliance.aws.live.reads import Reads


@dataclass
class KeyNames:
    """Key references for the live body; ``customer`` collects keys KMS says are the
    customer's (for the context the checks are judged with)."""

    #: The physical id (key id) of every AWS::KMS::Key of the stack → its logical id.
    stack_keys: dict[str, str]
    customer: set[str] = field(default_factory=set)

    def reference(self, reads: Reads, key: Any) -> Any:
        """The template form of a key id, key ARN or alias a live answer names."""
        if not isinstance(key, str) or not key:
            return None
        key_id = key.rsplit(":key/", 1)[-1] if ":key/" in key else key
        if key_id in self.stack_keys:
            return {"Fn::GetAtt": [self.stack_keys[key_id], "Arn"]}
        if "alias/" in key:
            return key
        metadata = reads.call("kms", "describe_key", KeyId=key)["KeyMetadata"]
        if metadata.get("KeyId") in self.stack_keys:
            return {"Fn::GetAtt": [self.stack_keys[metadata["KeyId"]], "Arn"]}
        if metadata.get("KeyManager") == "CUSTOMER":
            self.customer.add(key)
            return key
        aliases = reads.call("kms", "list_aliases", KeyId=metadata["KeyId"]).get("Aliases", [])
        names = [
            a["AliasName"] for a in aliases if str(a.get("AliasName", "")).startswith("alias/aws/")
        ]
        return names[0] if names else key
