"""The one CloudFormation template model: parsed once, with line numbers, shared by all.

The engine, the resolver (``policies.cfn``) and the checks all read a :class:`Template`.
:func:`load_template` reads JSON or YAML (short-form intrinsics such as ``!Ref`` included),
expands ``Fn::ForEach`` loops (AWS::LanguageExtensions), and records, for each resource, the
line of its logical id and the lines it spans, counted as checkov counts them, so findings
point at the same lines whichever tool judged the resource. SAM resources read what they
inherit from the template's ``Globals`` (:meth:`Template.properties`).
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from policies.files import read_problem

_T = TypeVar("_T")

#: The file names a template may have (checkov's CloudFormation runner reads only these).
SUFFIXES = (".json", ".yaml", ".yml", ".template")

_KEEP_NAME = {"Ref", "Condition"}
#: The short-form tags CloudFormation knows (intrinsic, condition and rule functions).
SHORT_FORMS = frozenset(
    {
        *_KEEP_NAME,
        *("Base64", "Cidr", "FindInMap", "GetAtt", "GetAZs", "ImportValue", "Join", "Select"),
        *("Split", "Sub", "Transform", "Length", "ToJsonString", "And", "Equals", "If", "Not"),
        *("Or", "Contains", "EachMemberEquals", "EachMemberIn", "RefAll", "ValueOf"),
        *("ValueOfAll", "GetStackOutput"),
    }
)
#: CloudFormation refuses a template body larger than this (1 MB, uploaded through S3): a
#: larger file cannot be deployed, and is never read (memory stays bounded).
MAX_TEMPLATE_BYTES = 1_000_000
#: YAML aliases may repeat a node; the values they expand to are bounded (an alias bomb
#: expands to billions from a few lines).
MAX_EXPANDED_VALUES = 1_000_000
#: Values nest at most this deep (the template itself is level 1). CloudFormation documents
#: no such quota; real templates stay far below it (the platform's deepest: 15, a policy
#: statement's condition inside a resource), and the checks walk a template recursively, so
#: a deeper one would end the run in Python's recursion limit instead of one line. 128 is
#: serde_json's own bound.
MAX_DEPTH = 128
#: CloudFormation logical ids are alphanumeric.
_LOGICAL_ID = re.compile(r"^[A-Za-z0-9]+$")
_FOREACH = "Fn::ForEach::"
_SUB_IDENTIFIER = re.compile(r"([$&])\{([^}]*)\}")

#: SAM resource types and the Globals section each inherits from.
SAM_GLOBALS = {
    f"AWS::Serverless::{kind}": kind
    for kind in ("Function", "Api", "HttpApi", "SimpleTable", "StateMachine", "LayerVersion")
}


class TemplateError(ValueError):
    """The file is not a CloudFormation template that can be judged (one-line reason)."""

    def __init__(self, path: str | Path, problem: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.problem = problem
        self.line = line
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {problem}")


class NotATemplate(TemplateError):
    """The file parses but is no CloudFormation template (no ``Resources``, e.g. a
    ``package.json``): a scan skips and lists it instead of failing on it."""


@dataclass(frozen=True)
class Span:
    """Where a resource is written: its logical id's line and the lines it covers."""

    key_line: int | None
    start_line: int | None
    end_line: int | None


_NO_SPAN = Span(None, None, None)


@dataclass(frozen=True)
class Template:
    """One parsed template: its body (ForEach expanded), text, SHA-256 and resource lines."""

    path: Path
    body: dict[str, Any]
    text: str = field(default="", repr=False)
    sha256: str = ""
    #: ``body`` differs from the file: its Fn::ForEach loops are expanded.
    expanded: bool = False
    spans: dict[str, Span] = field(default_factory=dict, repr=False)
    resources: dict[str, dict[str, Any]] = field(init=False, repr=False)
    parameters: dict[str, Any] = field(init=False, repr=False)
    conditions: dict[str, Any] = field(init=False, repr=False)
    mappings: dict[str, Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        for section in ("Resources", "Parameters", "Conditions", "Mappings"):
            value = self.body.get(section) or {}
            if not isinstance(value, dict):
                raise TemplateError(self.path, f"{section} is not a mapping")
            object.__setattr__(self, section.lower(), value)

    @staticmethod
    def from_dict(body: dict[str, Any], path: str | Path = "<memory>") -> Template:
        """A template from data already in memory (no text, no lines)."""
        if not isinstance(body, dict):
            raise TemplateError(path, "a template must be a mapping")
        return Template(path=Path(path), body=body)

    def resource(self, logical_id: str) -> dict[str, Any] | None:
        """The resource with this logical id, if it is a mapping."""
        value = self.resources.get(logical_id)
        return value if isinstance(value, dict) else None

    def type_of(self, logical_id: str) -> str | None:
        """The resource type of a logical id, or None when it is not a resource."""
        resource = self.resource(logical_id)
        kind = resource.get("Type") if resource else None
        return kind if isinstance(kind, str) else None

    def properties(self, logical_id: str) -> dict[str, Any]:
        """The resource's Properties (empty when absent); a SAM resource's include what it
        inherits from the template's Globals, as the SAM transform merges them."""
        resource = self.resource(logical_id) or {}
        props = resource.get("Properties")
        props = props if isinstance(props, dict) else {}
        section = SAM_GLOBALS.get(str(resource.get("Type")))
        globals_ = self.body.get("Globals")
        inherited = globals_.get(section) if section and isinstance(globals_, dict) else None
        if isinstance(inherited, dict) and inherited:
            merged = _sam_merge(inherited, props)
            return merged if isinstance(merged, dict) else props
        return props

    def of_type(self, *types: str) -> list[str]:
        """Logical ids of the resources of the given types, in template order (an index
        built once: checks ask this for every resource, which made scans quadratic)."""
        index = self.derived(_types_index)
        found = [lid for kind in dict.fromkeys(types) for lid in index.get(kind, ())]
        if len(types) < 2:
            return found
        wanted = set(found)
        return [lid for lid in self.resources if lid in wanted]

    def derived(self, build: Callable[[Template], _T]) -> _T:
        """``build(self)``, computed once per template: an index of what the body alone
        decides. It never goes stale: the template is immutable, and one made from it with
        another body (``dataclasses.replace``) is a new instance, which starts with no memo."""
        memo: dict[Callable[..., Any], Any] = self.__dict__.setdefault("_derived", {})
        if build not in memo:
            memo[build] = build(self)
        value: _T = memo[build]
        return value

    def construct_path(self, logical_id: str) -> str | None:
        """The ``aws:cdk:path`` metadata CDK writes on each resource, if present."""
        metadata = (self.resource(logical_id) or {}).get("Metadata") or {}
        path = metadata.get("aws:cdk:path") if isinstance(metadata, dict) else None
        return str(path) if path else None

    def span(self, logical_id: str) -> Span:
        """Where the resource is written (all None when unknown, e.g. made by Fn::ForEach)."""
        return self.spans.get(logical_id, _NO_SPAN)

    def line_of(self, logical_id: str) -> int | None:
        """The 1-based line where the resource's logical id is written."""
        return self.span(logical_id).key_line

    def config_rules(self) -> list[str]:
        """AWS Config rules this template deploys, by :func:`config_rule_identifier`."""
        rules = {
            config_rule_identifier(self.properties(logical_id))
            for logical_id in self.resources
            if self.type_of(logical_id) == "AWS::Config::ConfigRule"
        }
        return sorted(rule for rule in rules if rule is not None)


def config_rule_identifier(properties: Mapping[str, Any]) -> str | None:
    """How the catalogue names an ``AWS::Config::ConfigRule``: a managed rule by its
    ``SourceIdentifier``; a custom policy rule (Guard), which has none, by its
    ``ConfigRuleName``. None when the template writes no literal name."""
    source = properties.get("Source")
    source = source if isinstance(source, dict) else {}
    custom = source.get("Owner") == "CUSTOM_POLICY"
    identifier = properties.get("ConfigRuleName") if custom else source.get("SourceIdentifier")
    return identifier if isinstance(identifier, str) else None


def _types_index(template: Template) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for lid in template.resources:
        kind = template.type_of(lid)
        if kind is not None:
            index.setdefault(kind, []).append(lid)
    return index


def load_template(path: str | Path) -> Template:
    """Read, parse and minimally validate a template; any problem is a :class:`TemplateError`."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_TEMPLATE_BYTES:
            raise TemplateError(
                path,
                f"{size / 1_000_000:.1f} MB, over CloudFormation's 1 MB template size limit "
                "(it cannot be deployed; not read)",
            )
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TemplateError(path, read_problem(error)) from None
    if "\x00" in text:
        raise TemplateError(path, "a binary file, not a template (it holds NUL bytes)")
    return parse_template(path, text, hashlib.sha256(raw).hexdigest())


def parse_template(path: Path, text: str, sha256: str = "") -> Template:
    """A template from its text (``path`` names it in errors and findings)."""
    deep = TemplateError(path, f"values nested more than {MAX_DEPTH} levels deep (not read)")
    try:
        body, resource_lines = _parse(path, text)
    except RecursionError:  # the parsers recurse once a level
        raise deep from None
    if _deeper_than(body, MAX_DEPTH):
        raise deep
    expanded = False
    if isinstance(body, dict) and isinstance(body.get("Resources"), dict):
        resources = body["Resources"]
        if any(str(key).startswith(_FOREACH) for key in resources):
            body = {**body, "Resources": _expand(path, resources, body)}
            expanded = True
    _validate(path, body)
    spans = _spans(resource_lines, expanded)
    return Template(path=path, body=body, text=text, sha256=sha256, expanded=expanded, spans=spans)


# --- parsing -------------------------------------------------------------------------------


class _CfnConstructor(yaml.constructor.SafeConstructor):
    """A safe YAML constructor that reads ``!Ref x`` as ``{"Ref": "x"}``, ``!Sub`` as ``Fn::Sub``...

    Unknown tags and duplicate keys are errors, as they are for CloudFormation. JSON is read
    by the same loader (as checkov does), so both keep the node marks the lines come from.
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


def _intrinsic_tag(loader: _CfnConstructor, suffix: str, node: yaml.Node) -> dict[str, Any]:
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


_CfnConstructor.add_multi_constructor("!", _intrinsic_tag)


class _PyCfnLoader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    _CfnConstructor,
    yaml.resolver.Resolver,
):
    """The pure-Python loader: its error messages are the ones users know."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _CfnConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)


try:  # libyaml's parser: yaml.cyaml exists only when PyYAML was built with libyaml
    from yaml.cyaml import CParser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - PyYAML without libyaml
    _CfnLoader: type[Any] = _PyCfnLoader
else:

    class _CCfnLoader(CParser, _CfnConstructor, yaml.resolver.Resolver):
        """libyaml's parser (fast) with the same constructor."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _CfnConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    _CfnLoader = _CCfnLoader

#: The resources mapping's entries as nodes: logical id -> (key node, value node).
_Nodes = dict[str, tuple[yaml.Node, yaml.Node]]


#: Per resource: its logical id's line and the first and last lines of its value (1-based).
_Lines = dict[str, tuple[int, int, int]]


def _deeper_than(body: Any, limit: int) -> bool:
    """Whether lists and mappings nest more than ``limit`` levels deep in ``body`` (walked
    without recursion, for it is what this bounds)."""
    stack = [(body, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _parse(path: Path, text: str) -> tuple[Any, _Lines]:
    """The body and the resources' lines. JSON is read as JSON, with JSON's own error
    messages for a ``.json`` file; anything else as YAML (JSON is YAML, too)."""
    is_json = path.suffix.lower() == ".json" or text.lstrip().startswith("{")
    if is_json:
        try:
            return _load_json(text)
        except (ValueError, RecursionError):
            if path.suffix.lower() == ".json":
                # YAML reads more than JSON (trailing commas, comments): a .json file must
                # be JSON, as CloudFormation reads it
                return _parse_json(path, text), {}
    try:
        return _load_yaml(_CfnLoader, text)
    except _AliasBomb as error:
        raise TemplateError(path, f"invalid YAML: {error}", error.line) from None
    except yaml.YAMLError:
        pass
    try:  # libyaml refused it: the pure-Python parser says why in its well-known words
        return _load_yaml(_PyCfnLoader, text)
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else None
        problem = f"invalid YAML: {error.problem or error.context}"
        raise TemplateError(path, problem, line) from None
    except yaml.YAMLError as error:
        raise TemplateError(path, f"invalid YAML: {error}") from None


_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def _load_json(text: str) -> tuple[Any, _Lines]:
    """A JSON template decoded once, by ``json`` (C), noting where each resource is written:
    the two outer levels (the template, its Resources) are walked here, every value below
    them is decoded by ``json.JSONDecoder.raw_decode``. Invalid JSON raises ValueError."""
    decoder = json.JSONDecoder(object_pairs_hook=_unique_keys)
    offsets: dict[str, tuple[int, int, int]] = {}

    def skip(pos: int) -> int:
        match = _JSON_SPACE.match(text, pos)
        return match.end() if match else pos

    def members(pos: int, value_at: Callable[[str, int, int], tuple[Any, int]]) -> tuple[Any, int]:
        """The object whose ``{`` is at ``pos``, and the position after its ``}``."""
        out: dict[str, Any] = {}
        pos = skip(pos + 1)
        if text.startswith("}", pos):
            return out, pos + 1
        while True:
            if not text.startswith('"', pos):
                raise ValueError("a key must be a string")
            key_at = pos
            key, pos = decoder.raw_decode(text, pos)
            pos = skip(pos)
            if not text.startswith(":", pos):
                raise ValueError("expected ':'")
            if key in out:
                raise _DuplicateKeyError(key)
            out[key], pos = value_at(key, key_at, skip(pos + 1))
            pos = skip(pos)
            if text.startswith(",", pos):
                pos = skip(pos + 1)
            elif text.startswith("}", pos):
                return out, pos + 1
            else:
                raise ValueError("expected ',' or '}'")

    def resource(key: str, key_at: int, pos: int) -> tuple[Any, int]:
        value, end = decoder.raw_decode(text, pos)
        offsets[key] = (key_at, pos, end - 1)
        return value, end

    def section(key: str, key_at: int, pos: int) -> tuple[Any, int]:
        if key == "Resources" and text.startswith("{", pos):
            return members(pos, resource)
        return decoder.raw_decode(text, pos)

    start = skip(0)
    if not text.startswith("{", start):
        raise ValueError("not a JSON object")
    body, end = members(start, section)
    if skip(end) != len(text):
        raise ValueError("extra data after the template")
    newlines = [match.start() for match in re.finditer("\n", text)]

    def line(offset: int) -> int:
        return bisect.bisect_left(newlines, offset) + 1

    lines = {lid: (line(k), line(v), line(e)) for lid, (k, v, e) in offsets.items()}
    return body, lines


def _load_yaml(loader_class: type[Any], text: str) -> tuple[Any, _Lines]:
    loader = loader_class(text)
    try:
        root = loader.get_single_node()
        _bounded(root)
        body = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return body, _yaml_lines(text, _resource_nodes(root))


class _AliasBomb(yaml.YAMLError):
    def __init__(self, line: int) -> None:
        super().__init__(
            f"YAML aliases expand to more than {MAX_EXPANDED_VALUES:,} values (an alias bomb?)"
        )
        self.line = line


def _bounded(root: yaml.Node | None) -> None:
    """Count the values the node graph expands to (an alias shares its anchor's node), each
    node once: past :data:`MAX_EXPANDED_VALUES` the template is refused before it is built."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        sizes[id(node)] = 1  # a cycle (recursive alias) counts once, then fails to construct
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(item) for item in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        if total > MAX_EXPANDED_VALUES:
            raise _AliasBomb(node.start_mark.line + 1)
        sizes[id(node)] = total
        return total

    if root is not None:
        size(root)


def _parse_json(path: Path, text: str) -> Any:
    """JSON the YAML reader refused: parsed by ``json`` (its message when it is invalid)."""
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as error:
        raise TemplateError(path, f"invalid JSON: {error.msg}", error.lineno) from None
    except _DuplicateKeyError as error:
        raise TemplateError(path, f"invalid JSON: duplicate key {error}") from None


class _DuplicateKeyError(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for key, value in pairs:
        if key in body:
            raise _DuplicateKeyError(key)
        body[key] = value
    return body


def _resource_nodes(root: yaml.Node | None) -> _Nodes:
    if not isinstance(root, yaml.MappingNode):
        return {}
    for key, value in root.value:
        resources = isinstance(key, yaml.ScalarNode) and key.value == "Resources"
        if resources and isinstance(value, yaml.MappingNode):
            return {str(k.value): (k, v) for k, v in value.value if isinstance(k, yaml.ScalarNode)}
    return {}


def _yaml_lines(text: str, nodes: _Nodes) -> _Lines:
    """Each resource's lines, counted as checkov counts them (``build_definitions_context``),
    so a finding points at the same lines whichever tool judged the resource: in JSON from
    the line of the logical id to the closing brace; in YAML from the line of the logical id
    (comments above it included) to its last line (comments below it excluded)."""
    lines = text.splitlines()
    first = next((line.strip() for line in lines if line.strip()), "")
    is_json = first.startswith("{")
    found = {}
    for logical_id, (key, value) in nodes.items():
        start, end = value.start_mark.line, value.end_mark.line
        if is_json:
            start, end = start + 1, end + 1
        else:
            while 1 < start <= len(lines) and _blank_or_comment(lines[start - 1]):
                start -= 1
            while 1 < end <= len(lines) and _blank_or_comment(lines[end - 1]):
                end -= 1
        found[logical_id] = (key.start_mark.line + 1, start, end)
    return found


def _spans(lines: _Lines, expanded: bool) -> dict[str, Span]:
    """The resources' spans; in a template with Fn::ForEach every span is the logical id's
    line only (a resource a loop makes has no line of its own)."""
    if expanded:
        return {lid: Span(key, key, key) for lid, (key, _, _) in lines.items()}
    return {lid: Span(*where) for lid, where in lines.items()}


def _blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


# --- Fn::ForEach ----------------------------------------------------------------------------


def _expand(path: Path, resources: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Resources with every ``Fn::ForEach::Name: [Identifier, Collection, {Key: Value}]``
    replaced by one copy of its fragment per item, as AWS::LanguageExtensions does: in keys
    ``${Identifier}`` is the item and ``&{Identifier}`` the item without non-alphanumerics;
    in values ``Ref: Identifier`` and ``${Identifier}`` in Fn::Sub are the item. A collection
    the template does not fix (a parameter, an import) is an error: the resources it
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
            raise TemplateError(
                path, f"{key}: Fn::ForEach takes [identifier, collection, fragment]"
            )
        identifier, collection, fragment = value
        for item in _collection(path, key, collection, body):
            copies = {
                _key(str(k), identifier, item): _substitute(v, identifier, item)
                for k, v in fragment.items()
            }
            for new_key, new_value in _expand(path, copies, body).items():
                if new_key in out:
                    raise TemplateError(path, f"{key}: duplicate logical id {new_key}")
                out[new_key] = new_value
    return out


def _collection(path: Path, key: str, collection: Any, body: dict[str, Any]) -> list[str]:
    if isinstance(collection, dict) and set(collection) == {"Ref"}:
        name = collection["Ref"]
        where = "a parameter" if name in (body.get("Parameters") or {}) else "a reference"
        raise TemplateError(
            path,
            f"{key} iterates over {where} ({name}) the template does not fix: "
            "the resources it declares cannot be judged",
        )
    if not isinstance(collection, list) or not all(isinstance(i, str) for i in collection):
        raise TemplateError(
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


# --- validation and SAM ---------------------------------------------------------------------


#: Top-level keys only a CloudFormation template has: one without Resources is broken.
_TEMPLATE_KEYS = ("AWSTemplateFormatVersion", "Transform")


def _validate(path: Path, body: Any) -> None:
    if not isinstance(body, dict):
        raise NotATemplate(path, "not a CloudFormation template (top level is not a mapping)")
    if "Resources" not in body:
        if any(key in body for key in _TEMPLATE_KEYS):
            raise TemplateError(path, "a template without Resources (CloudFormation needs one)")
        raise NotATemplate(path, "not a CloudFormation template (no Resources mapping)")
    resources = body["Resources"]
    if resources is None or resources == {}:
        raise TemplateError(path, "Resources is empty (CloudFormation needs one resource)")
    if not isinstance(resources, dict):
        kind = "a list" if isinstance(resources, list) else f"a {type(resources).__name__}"
        raise TemplateError(path, f"Resources is {kind}, not a mapping of logical ids")
    for logical_id, resource in resources.items():
        if not isinstance(logical_id, str) or not _LOGICAL_ID.match(logical_id):
            raise TemplateError(path, f"resource {logical_id!r}: a logical id is alphanumeric")
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            raise TemplateError(path, f"resource {logical_id} has no Type")
        for section in ("Properties", "Metadata"):
            if not isinstance(resource.get(section, {}), dict):
                raise TemplateError(path, f"resource {logical_id}: {section} is not a mapping")


def _sam_merge(inherited: Any, own: Any) -> Any:
    """SAM's Globals rules: maps merge key by key (the resource's value wins), lists
    concatenate, anything else the resource sets replaces the global value. An intrinsic
    function on either side is not merged: the resource's value stands."""
    if isinstance(inherited, dict) and isinstance(own, dict):
        if _is_intrinsic(inherited) or _is_intrinsic(own):
            return own
        merged = dict(inherited)
        for key, value in own.items():
            merged[key] = _sam_merge(inherited[key], value) if key in inherited else value
        return merged
    if isinstance(inherited, list) and isinstance(own, list):
        return [*inherited, *own]
    return own


def _is_intrinsic(value: dict[str, Any]) -> bool:
    if len(value) == 1 and next(iter(value)) in ("Ref", "Condition"):
        return True
    return any(str(key).startswith("Fn::") for key in value)
