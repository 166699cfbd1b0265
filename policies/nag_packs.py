"""The cdk-nag packs the engine can run during synthesis: one data file (``nag_packs.yaml``).

Each pack names its cdk-nag class, its source file in cdk-nag's jsii bundle and its title
(written by hand: :class:`PackEntry`), then the name it reports under (the ``pluginName`` of
CDK's ``validation-report.json`` and the prefix of its rule ids) and every rule it can report,
with the cdk-nag rule function behind the rule and the level cdk-nag gives it. The name and the
rules are read from the installed cdk-nag (:func:`installed_rules`; ``python -m
policies.nag_packs --write`` writes them); a test fails when the data and the installed
package differ.

A rule maps to a control when the catalogue names it in ``implemented_by.cdk_nag``, or names
a rule of another pack that runs the same cdk-nag rule function (packs share rule functions:
``NIST.800.53.R5-S3DefaultEncryptionKMS`` runs the code of ``PCI.DSS.321-S3DefaultEncryptionKMS``).
Any other rule is unmapped: its violations are reported with ``unmapped: true`` and block the
gate at every threshold (see :func:`compliance.gate.threshold.at_threshold`).
"""

from __future__ import annotations

import re
import tarfile
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from policies.catalog import Catalog, Control
from policies.files import load_yaml

NAG_PACKS_PATH = Path(__file__).with_name("nag_packs.yaml")

Level = Literal["error", "warning"]
#: A cdk-nag class name as ``cdk_nag`` exports it.
PACK_CLASS = r"^[A-Z][A-Za-z0-9]*Checks$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NagRule(_Model):
    """One rule a pack can report."""

    #: The rule id as cdk-nag reports it: ``<pack name>-<suffix>``.
    id: str = Field(pattern=r"^[A-Za-z0-9.]+-[A-Za-z0-9]+$")
    #: The cdk-nag rule function (its file name in cdk-nag's ``rules/``).
    rule: str = Field(pattern=r"^[A-Z][A-Za-z0-9]*$")
    level: Level


class PackEntry(_Model):
    """What the packs file says of a pack by hand: the rest is read from cdk-nag."""

    #: The class ``cdk_nag`` exports, e.g. ``PCIDSS321Checks``.
    cls: str = Field(alias="class", pattern=PACK_CLASS)
    #: The pack's file in ``lib/packs/`` of cdk-nag's jsii bundle, e.g. ``pci-dss-321.js``.
    source: str = Field(pattern=r"^[a-z0-9-]+\.js$")
    title: str = Field(min_length=3)


class NagPack(PackEntry):
    """One cdk-nag pack."""

    #: The name it reports under: ``pluginName`` in the validation report, rule id prefix.
    name: str = Field(pattern=r"^[A-Za-z0-9.]+$")
    rules: list[NagRule] = Field(min_length=1)

    @model_validator(mode="after")
    def _rules_of_this_pack(self) -> NagPack:
        foreign = [r.id for r in self.rules if not r.id.startswith(f"{self.name}-")]
        if foreign:
            raise ValueError(f"{self.cls}: rule ids not prefixed {self.name}-: {foreign[0]}")
        ids = [r.id for r in self.rules]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{self.cls}: a rule id is listed twice")
        return self


class NagPacks(_Model):
    """Every selectable pack; exactly one is the default."""

    packs: list[NagPack] = Field(min_length=1)
    default: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> NagPacks:
        classes = [p.cls for p in self.packs]
        names = [p.name for p in self.packs]
        if len(set(classes)) != len(classes) or len(set(names)) != len(names):
            raise ValueError("two packs share a class or a name")
        if unknown := sorted(set(self.default) - set(classes)):
            raise ValueError(f"default names no pack: {', '.join(unknown)}")
        return self

    def classes(self) -> list[str]:
        """The class names, in file order (the CLI's choices)."""
        return [p.cls for p in self.packs]

    def pack(self, cls: str) -> NagPack:
        """The pack of this class (KeyError if none)."""
        for pack in self.packs:
            if pack.cls == cls:
                return pack
        raise KeyError(cls)

    def rule(self, rule_id: str) -> NagRule | None:
        """The rule with this id in any pack, or None."""
        for pack in self.packs:
            for rule in pack.rules:
                if rule.id == rule_id:
                    return rule
        return None

    def rule_ids(self) -> set[str]:
        """Every rule id of every pack."""
        return {rule.id for pack in self.packs for rule in pack.rules}


class RuleMap:
    """cdk-nag rule id -> control, for the rules of the packs that ran.

    A rule maps to the control whose ``implemented_by.cdk_nag`` names it or names a rule of
    another pack with the same rule function; otherwise it is unmapped (None).
    """

    def __init__(self, catalog: Catalog, packs: NagPacks, selected: Sequence[str]) -> None:
        self.catalog = catalog
        self.selected = [packs.pack(cls) for cls in selected]
        by_function: dict[str, tuple[Control, str]] = {}
        for control in catalog.controls:
            for rule_id in control.implemented_by.cdk_nag:
                rule = packs.rule(rule_id)
                if rule is not None:
                    by_function.setdefault(rule.rule, (control, rule_id))
        self._map: dict[str, tuple[Control, str]] = {}
        for pack in self.selected:
            for rule in pack.rules:
                direct = catalog.control_for_rule(rule.id)
                if direct is not None:
                    self._map[rule.id] = (direct, rule.id)
                elif rule.rule in by_function:
                    self._map[rule.id] = by_function[rule.rule]

    def control(self, rule_id: str) -> Control | None:
        """The control a rule of a selected pack implements (None: unmapped)."""
        found = self._map.get(rule_id)
        return found[0] if found else self.catalog.control_for_rule(rule_id)

    def resource_types(self, rule_id: str) -> list[str]:
        """The CloudFormation types a mapped rule judges (the catalogue's entry for the rule,
        or for the rule of the same function it maps through)."""
        _, catalogued = self._map[rule_id]
        return self.catalog.cdk_nag_rule_types[catalogued]

    def mapped(self) -> Iterable[tuple[Control, str]]:
        """(control, rule id) of every mapped rule of the selected packs, in pack order."""
        for pack in self.selected:
            for rule in pack.rules:
                if rule.id in self._map:
                    yield self._map[rule.id][0], rule.id

    def names(self) -> list[str]:
        """The report names (``pluginName``) of the selected packs."""
        return [pack.name for pack in self.selected]


def load_nag_packs(path: Path = NAG_PACKS_PATH) -> NagPacks:
    """Load and validate a packs file."""
    with path.open(encoding="utf-8") as handle:
        return NagPacks.model_validate(load_yaml(handle))


@cache
def default_nag_packs() -> NagPacks:
    """The project's packs file, loaded once."""
    return load_nag_packs()


# --- the installed cdk-nag, read from the JavaScript of its jsii bundle ---------------------

#: The keys of a pack in the packs file that are written by hand.
HAND_WRITTEN = ("class", "source", "title")
_APPLY = "this.applyRule({"
_LEVEL = {"ERROR": "error", "WARN": "warning"}


class InstalledRule(_Model):
    """A rule as the installed pack's source applies it."""

    rule: str
    suffix: str
    level: Level
    info: str


def installed_pack(pack: PackEntry) -> tuple[str, list[InstalledRule]]:
    """The report name and the rules of the installed cdk-nag pack, in source order.

    Reads the pack's source (``lib/packs/<source>``) in cdk-nag's jsii bundle, which must
    define its class: the pack's ``this.name`` and each ``this.applyRule({...})`` (its
    ``ruleSuffixOverride``, else the rule function's name, which cdk-nag takes from the rule's
    file name). Raises ValueError when the source is not shaped as expected, rather than
    returning a partial list.
    """
    cls = pack.cls
    bundle = _bundle()
    with tarfile.open(bundle) as archive:
        source = _member(archive, f"package/lib/packs/{pack.source}")
        if f"class {cls} extends " not in source:
            raise ValueError(f"{cls}: lib/packs/{pack.source} does not define it")
        name_match = re.search(r"this\.name = '([^']+)';", source)
        if name_match is None:
            raise ValueError(f"{cls}: no this.name in the pack's source")
        imports = dict(re.findall(r'const (\w+) = require\("\.\./rules/(\w+)"\);', source))
        rules = []
        for block in source.split(_APPLY)[1:]:
            body = block.split("});", 1)[0]
            rule = re.search(r"\brule: (\w+)\.(\w+),", body)
            level = re.search(r"\blevel: nag_rules_1\.NagMessageLevel\.(\w+),", body)
            info = re.search(r"\binfo: ('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"),", body)
            if rule is None or level is None or info is None or rule[1] not in imports:
                raise ValueError(f"{cls}: an applyRule call this reader does not understand")
            function = rule[2]
            _check_rule_file(archive, imports[rule[1]], function)
            suffix = re.search(r"\bruleSuffixOverride: '(\w+)',", body)
            rules.append(
                InstalledRule(
                    rule=function,
                    suffix=suffix[1] if suffix else function,
                    level=_LEVEL[level[1]],  # type: ignore[arg-type]
                    info=_js_string(info[1]),
                )
            )
    if len(rules) != source.count(_APPLY):
        raise ValueError(f"{cls}: {source.count(_APPLY)} applyRule calls, {len(rules)} read")
    return name_match[1], rules


def installed_rules(pack: PackEntry) -> list[NagRule]:
    """The rules of the installed pack as the data file lists them."""
    name, rules = installed_pack(pack)
    return [NagRule(id=f"{name}-{r.suffix}", rule=r.rule, level=r.level) for r in rules]


def _bundle() -> Path:
    """cdk-nag's jsii bundle, found without importing ``cdk_nag`` (which would start Node)."""
    from importlib.util import find_spec

    spec = find_spec("cdk_nag")
    if spec is None or spec.origin is None:
        raise ValueError("cdk-nag is not installed")
    return next((Path(spec.origin).parent / "_jsii").glob("cdk-nag@*.jsii.tgz"))


def _member(archive: tarfile.TarFile, name: str) -> str:
    member = archive.extractfile(name)
    if member is None:
        raise ValueError(f"{name}: not in cdk-nag's bundle")
    return member.read().decode("utf-8")


def _check_rule_file(archive: tarfile.TarFile, folder: str, function: str) -> None:
    """The rule function lives in ``rules/<folder>/<function>.js`` and is named after its file
    (``parse(__filename).name``), with that name written out, or a function of that name."""
    source = _member(archive, f"package/lib/rules/{folder}/{function}.js")
    named = (".parse)(__filename).name }", f"value: '{function}' }}", f"function {function}(")
    if not any(form in source for form in named):
        raise ValueError(f"rules/{folder}/{function}.js: not named {function}")


def _js_string(literal: str) -> str:
    """The value of a JavaScript string literal as tsc emits them (simple escapes only)."""
    body = literal[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), body)


def render_data(entries: Sequence[PackEntry], default: Sequence[str]) -> str:
    """The packs file for these installed packs (``python -m policies.nag_packs``)."""
    from importlib import metadata

    lines = [
        "# cdk-nag packs tap-compliance can run during synthesis (check --pack CLASS).",
        "# By hand: each pack's class, source (its file in cdk-nag's lib/packs/) and title.",
        f"# Its name and rules, as cdk-nag {metadata.version('cdk-nag')} applies them, are written",
        "# by `python -m policies.nag_packs --write`; a test fails when they differ from the",
        "# installed cdk-nag. Which control a rule serves is the catalogue's (catalog.yaml).",
        f"default: [{', '.join(default)}]",
        "packs:",
    ]
    for entry in entries:
        name, _ = installed_pack(entry)
        lines += [
            f"  - class: {entry.cls}",
            f"    source: {entry.source}",
            f"    title: {entry.title}",
            f"    name: {name}",
            "    rules:",
        ]
        for rule in installed_rules(entry):
            lines.append(f"      - {{id: {rule.id}, rule: {rule.rule}, level: {rule.level}}}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Print the packs file with each pack's name and rules read from the installed cdk-nag
    (``--write``: rewrite it). A pack added by hand needs only its class, source and title."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m policies.nag_packs", description=main.__doc__)
    parser.add_argument("--write", action="store_true", help=f"rewrite {NAG_PACKS_PATH.name}")
    args = parser.parse_args(argv)
    with NAG_PACKS_PATH.open(encoding="utf-8") as handle:
        data = load_yaml(handle)
    entries = [
        PackEntry.model_validate({key: pack[key] for key in HAND_WRITTEN if key in pack})
        for pack in data["packs"]
    ]
    text = render_data(entries, data["default"])
    if args.write:
        NAG_PACKS_PATH.write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
