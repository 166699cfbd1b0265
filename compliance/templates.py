"""CloudFormation templates as the engine reads them: JSON, or YAML with short-form intrinsics."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from compliance.errors import InputError, read_problem
from compliance.references import undeclared_reference

_KEEP_NAME = {"Ref", "Condition"}
#: The short-form tags CloudFormation knows (intrinsic, condition and rule functions).
SHORT_FORMS = frozenset(
    {
        *_KEEP_NAME,
        *("Base64", "Cidr", "FindInMap", "GetAtt", "GetAZs", "ImportValue", "Join", "Select"),
        *("Split", "Sub", "Transform", "Length", "ToJsonString", "And", "Equals", "If", "Not"),
        *("Or", "Contains", "EachMemberEquals", "EachMemberIn", "RefAll", "ValueOf"),
        "ValueOfAll",
    }
)
#: The file names checkov's CloudFormation runner reads (it silently skips any other).
SUFFIXES = (".json", ".yaml", ".yml", ".template")
#: CloudFormation logical ids are alphanumeric.
_LOGICAL_ID = re.compile(r"^[A-Za-z0-9]+$")


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that turns ``!Ref x`` into ``{"Ref": "x"}``, ``!Sub`` into ``Fn::Sub``, ...

    Unknown tags and duplicate keys are errors, as they are for CloudFormation.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key_node.value}", key_node.start_mark
                    )
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if suffix not in SHORT_FORMS:
        raise yaml.constructor.ConstructorError(
            None, None, f"unknown tag !{suffix}", node.start_mark
        )
    name = suffix if suffix in _KEEP_NAME else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


@dataclass(frozen=True)
class Template:
    """One parsed template, its text and its SHA-256."""

    path: Path
    body: dict[str, Any]
    text: str = field(repr=False)
    sha256: str
    #: ``body`` is the file's content with its Fn::ForEach loops expanded (checkov, which
    #: cannot read them, is given the expanded body instead of the file).
    expanded: bool = False

    def resources(self) -> dict[str, dict[str, Any]]:
        """Logical id → resource definition."""
        resources: dict[str, dict[str, Any]] = self.body.get("Resources", {})
        return resources

    def resource_type(self, logical_id: str) -> str:
        """The resource's ``Type`` (empty when the template does not define it)."""
        return str(self.resources().get(logical_id, {}).get("Type", ""))

    def construct_path(self, logical_id: str) -> str | None:
        """The ``aws:cdk:path`` metadata CDK writes on each resource, if present."""
        metadata = self.resources().get(logical_id, {}).get("Metadata") or {}
        path = metadata.get("aws:cdk:path") if isinstance(metadata, dict) else None
        return str(path) if path else None

    def line_of(self, logical_id: str) -> int | None:
        """The 1-based line where the resource's key is written, found in the text."""
        pattern = re.compile(rf'^\s*"?{re.escape(logical_id)}"?\s*:')
        for number, line in enumerate(self.text.splitlines(), start=1):
            if pattern.match(line):
                return number
        return None

    def config_rules(self) -> list[str]:
        """AWS Config managed-rule identifiers this template deploys."""
        rules = {
            str(resource.get("Properties", {}).get("Source", {}).get("SourceIdentifier"))
            for resource in self.resources().values()
            if resource.get("Type") == "AWS::Config::ConfigRule"
        }
        return sorted(rule for rule in rules if rule != "None")


def load_template(path: Path) -> Template:
    """Parse and minimally validate a template; any problem is an :class:`InputError`."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(path, read_problem(error)) from None
    body = _parse(path, text)
    expanded = False
    if isinstance(body, dict) and isinstance(body.get("Resources"), dict):
        resources = body["Resources"]
        if any(str(key).startswith(_FOREACH) for key in resources):
            body = {**body, "Resources": _expand(path, resources, body)}
            expanded = True
    _validate(path, body)
    digest = hashlib.sha256(raw).hexdigest()
    return Template(path=path, body=body, text=text, sha256=digest, expanded=expanded)


_FOREACH = "Fn::ForEach::"
_SUB_IDENTIFIER = re.compile(r"([$&])\{([^}]*)\}")


def _expand(path: Path, resources: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Resources with every ``Fn::ForEach::Name: [Identifier, Collection, {Key: Value}]``
    replaced by one copy of its fragment per item, as AWS::LanguageExtensions does: in keys
    ``${Identifier}`` is the item and ``&{Identifier}`` the item without non-alphanumerics;
    in values ``Ref: Identifier`` and ``${Identifier}`` in Fn::Sub are the item. A collection
    the template does not fix (a parameter, an import) is an input error: the resources it
    declares could not be judged."""
    out: dict[str, Any] = {}
    for key, value in resources.items():
        if not str(key).startswith(_FOREACH):
            out[key] = value
            continue
        if not (
            isinstance(value, list)
            and len(value) == 3
            and isinstance(value[0], str)
            and isinstance(value[2], dict)
        ):
            raise InputError(path, f"{key}: Fn::ForEach takes [identifier, collection, fragment]")
        identifier, collection, fragment = value
        items = _collection(path, key, collection, body)
        for item in items:
            copies = {
                _key(str(k), identifier, item): _substitute(v, identifier, item)
                for k, v in fragment.items()
            }
            for new_key, new_value in _expand(path, copies, body).items():
                if new_key in out:
                    raise InputError(path, f"{key}: duplicate logical id {new_key}")
                out[new_key] = new_value
    return out


def _collection(path: Path, key: str, collection: Any, body: dict[str, Any]) -> list[str]:
    if isinstance(collection, dict) and set(collection) == {"Ref"}:
        name = collection["Ref"]
        where = "a parameter" if name in (body.get("Parameters") or {}) else "a reference"
        raise InputError(
            path,
            f"{key} iterates over {where} ({name}) the template does not fix: "
            "the resources it declares cannot be judged",
        )
    if not isinstance(collection, list) or not all(isinstance(i, str) for i in collection):
        raise InputError(
            path, f"{key}: a collection the template does not fix (only a list of strings is)"
        )
    return list(collection)


def _key(key: str, identifier: str, item: str) -> str:
    def value(match: re.Match[str]) -> str:
        if match.group(2) != identifier:
            return match.group(0)
        return item if match.group(1) == "$" else re.sub(r"[^A-Za-z0-9]", "", item)

    return _SUB_IDENTIFIER.sub(value, key)


def _substitute(value: Any, identifier: str, item: str) -> Any:
    """A fragment's value with the loop's identifier replaced by the item."""
    if isinstance(value, list):
        return [_substitute(v, identifier, item) for v in value]
    if not isinstance(value, dict):
        return value
    if value == {"Ref": identifier}:
        return item
    if len(value) == 1 and "Fn::Sub" in value:
        arg = value["Fn::Sub"]
        if isinstance(arg, str):
            return {"Fn::Sub": _sub_text(arg, identifier, item)}
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
            names = arg[1] if isinstance(arg[1], dict) else {}
            source = arg[0] if identifier in names else _sub_text(arg[0], identifier, item)
            return {"Fn::Sub": [source, _substitute(arg[1], identifier, item)]}
    return {k: _substitute(v, identifier, item) for k, v in value.items()}


def _sub_text(source: str, identifier: str, item: str) -> str:
    return re.sub(r"\$\{\s*" + re.escape(identifier) + r"\s*\}", lambda _: item, source)


def _parse(path: Path, text: str) -> Any:
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            return json.loads(text, object_pairs_hook=_unique_keys)
        except json.JSONDecodeError as error:
            raise InputError(path, f"invalid JSON: {error.msg}", error.lineno) from None
        except _DuplicateKeyError as error:
            raise InputError(path, f"invalid JSON: duplicate key {error}") from None
    try:
        return yaml.load(text, Loader=_CfnLoader)
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else None
        raise InputError(path, f"invalid YAML: {error.problem or error.context}", line) from None
    except yaml.YAMLError as error:
        raise InputError(path, f"invalid YAML: {error}") from None


class _DuplicateKeyError(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for key, value in pairs:
        if key in body:
            raise _DuplicateKeyError(key)
        body[key] = value
    return body


def _validate(path: Path, body: Any) -> None:
    if not isinstance(body, dict):
        raise InputError(path, "not a CloudFormation template (top level is not a mapping)")
    resources = body.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise InputError(path, "not a CloudFormation template (no Resources mapping)")
    for logical_id, resource in resources.items():
        if not isinstance(logical_id, str) or not _LOGICAL_ID.match(logical_id):
            raise InputError(path, f"resource {logical_id!r}: a logical id is alphanumeric")
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            raise InputError(path, f"resource {logical_id} has no Type")
        for section in ("Properties", "Metadata"):
            if not isinstance(resource.get(section, {}), dict):
                raise InputError(path, f"resource {logical_id}: {section} is not a mapping")
    problem = undeclared_reference(body)
    if problem is not None:
        raise InputError(path, problem)
