"""Imports only run down: every import between the project's layers is an edge of one table.

The layers are folders and files of ``compliance/``, plus ``policies/`` and ``infra/``
(:data:`LAYERS`); :data:`ALLOWED` names, for each layer, the layers (or single modules) it may
import. Imports within a layer are free. Every import counts: top-level, inside a function
(lazy), relative, and ``importlib.import_module``/``__import__`` of a constant name. A module
in no layer is an error, so a new top-level module or package is placed in the table first.
docs/architecture.md ("Layers") states the same rules in prose.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping

import pytest

from tests.compliance.engine_testdata import ROOT

#: Folders (ending in ``/``) and files, relative to the project root, per layer.
LAYERS: dict[str, tuple[str, ...]] = {
    "base": (
        "compliance/__init__.py",
        "compliance/errors.py",
        "compliance/quiet.py",
        "compliance/environments.py",
        "compliance/datafile.py",
        "compliance/project.py",
        "compliance/cache_bound.py",
    ),
    "record": ("compliance/record/",),
    "synthesis": ("compliance/synthesis/",),
    "judging": ("compliance/judging/",),
    "gate": ("compliance/gate/",),
    "policy": ("compliance/policy.py",),
    "judgement_cache": ("compliance/judgement_cache.py",),
    "outputs": ("compliance/outputs/",),
    "engine": ("compliance/engine.py",),
    "aws": ("compliance/aws/",),
    "cli": ("compliance/cli/",),
    "main": ("compliance/__main__.py",),
    "policies": ("policies/",),
    "infra": ("infra/",),
}

#: The readers of a synthesized cloud assembly: what judging and the deployer take from
#: synthesis (the manifest, cdk-nag's report, the captured source lines).
SYNTHESIS_READERS = (
    "compliance/synthesis/assembly.py",
    "compliance/synthesis/assets.py",
    "compliance/synthesis/nag.py",
    "compliance/synthesis/sources.py",
)

#: What each layer may import besides itself: layer names, or single modules (paths).
ALLOWED: dict[str, tuple[str, ...]] = {
    "policies": (),
    "base": ("policies",),
    "record": ("base", "policies/catalog.py"),
    "synthesis": ("base", "record", "policies"),
    "judging": ("base", "record", "policies", *SYNTHESIS_READERS),
    "gate": ("base", "record", "policies"),
    "policy": ("base", "record", "gate", "policies"),
    # the judgement of an assembly the synthesis's cache proves, reused
    "judgement_cache": ("base", "record", "policy", "policies", "compliance/synthesis/cache.py"),
    "outputs": ("base", "record", "policies"),
    "engine": (
        "base",
        "record",
        "synthesis",
        "judging",
        "gate",
        "policy",
        "judgement_cache",
        "policies",
    ),
    # judging's judge, results and applicability: the live configuration is judged by the
    # engine's own path, in the same scope
    "aws": (
        "base",
        "record",
        "outputs",
        "policies",
        *SYNTHESIS_READERS,
        "compliance/judging/judge.py",
        "compliance/judging/results.py",
        "compliance/judging/applicability.py",
    ),
    "cli": (
        "base",
        "record",
        "synthesis",
        "judging",
        "gate",
        "policy",
        "outputs",
        "engine",
        "aws",
        "policies",
    ),
    "main": ("cli",),
    "infra": ("base",),
}

#: The top-level packages the table covers; imports of anything else are not its business.
PROJECT = ("compliance", "policies", "infra")
#: The most modules ``compliance/`` may hold at its root; the rest live in the stage packages.
ROOT_MODULES = 15


def module_name(path: str) -> str:
    """``compliance/record/findings.py`` -> ``compliance.record.findings`` (a package: its
    ``__init__.py``'s folder)."""
    parts = path.removesuffix(".py").split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: str, source: str, modules: Collection[str]) -> Iterator[str]:
    """Every module of the project the file at ``path`` imports, wherever the import stands.

    ``from package import name`` imports ``package.name`` when that is a module (one of
    ``modules``), else ``package``.
    """
    here = module_name(path).split(".")
    if not path.endswith("/__init__.py"):
        here = here[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            origin = [node.module] if node.module else []
            if node.level:
                origin = here[: len(here) - node.level + 1] + origin
            package = ".".join(origin)
            for alias in node.names:
                name = f"{package}.{alias.name}"
                yield name if name in modules else package
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value


def layer_of(path: str) -> str | None:
    """The layer a file belongs to (None: none)."""
    for layer, places in LAYERS.items():
        if any(path == p or (p.endswith("/") and path.startswith(p)) for p in places):
            return layer
    return None


def forbidden_edges(sources: Mapping[str, str]) -> list[str]:
    """The imports among ``sources`` (path -> text) that the table does not allow, one line
    each; a file in no layer, and an import of a project module not among ``sources``, too."""
    paths = {module_name(path): path for path in sources}
    found = []
    for path, source in sorted(sources.items()):
        layer = layer_of(path)
        if layer is None:
            found.append(f"{path}: in no layer")
            continue
        for name in sorted(set(imported(path, source, paths))):
            if name.split(".")[0] not in PROJECT:
                continue
            target = paths.get(name)
            if target is None:
                found.append(f"{path} -> {name}: no such module")
                continue
            to = layer_of(target)
            if to == layer or to in ALLOWED[layer] or target in ALLOWED[layer]:
                continue
            found.append(f"{path} -> {target}: {layer} may not import {to}")
    return found


def project_sources() -> dict[str, str]:
    """Every Python file of the layered packages, by path relative to the project root."""
    return {
        path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8")
        for top in PROJECT
        for path in sorted((ROOT / top).rglob("*.py"))
    }


def test_the_tree_obeys_the_table() -> None:
    assert forbidden_edges(project_sources()) == []


def test_compliance_root_holds_few_modules() -> None:
    assert len(list((ROOT / "compliance").glob("*.py"))) <= ROOT_MODULES


def test_the_table_says_what_the_rules_say() -> None:
    """The rules of the design, read off the table, so that an edit weakening one fails."""

    def importers(layer: str) -> set[str]:
        return {name for name, allowed in ALLOWED.items() if layer in allowed}

    assert set(ALLOWED) == set(LAYERS)
    assert ALLOWED["policies"] == ()  # the checks and the template model know no engine
    assert set(ALLOWED["record"]) == {"base", "policies/catalog.py"}
    assert importers("infra") == set()  # the engine never imports the app under test
    assert importers("cli") == {"main"}
    assert importers("aws") == {"cli"}  # so only the CLI imports aws and engine together
    assert "outputs" not in ALLOWED["engine"]
    assert set(ALLOWED["base"]) == {"policies"}
    stages = {"record", "synthesis", "judging", "gate", "outputs"}
    for stage in stages - {"record"}:
        assert {"base", "record"} <= set(ALLOWED[stage]), stage
        assert not stages & (set(ALLOWED[stage]) - {"record"}), stage  # nor any other stage
    readers = [p for p in ALLOWED["judging"] if p.startswith("compliance/synthesis/")]
    assert readers == list(SYNTHESIS_READERS)
    assert all((ROOT / p).is_file() for p in SYNTHESIS_READERS)


# A small tree in every layer, to prove the checker on imports the table forbids.
TREE = {
    "compliance/__init__.py": "",
    "compliance/__main__.py": "from compliance.cli import main\n",
    "compliance/errors.py": "from policies.files import read_problem\n",
    "compliance/environments.py": "from compliance.errors import InputError\n",
    "compliance/engine.py": "from compliance.judging import results\n",
    "compliance/record/__init__.py": "",
    "compliance/record/findings.py": "from policies.catalog import Catalog\n",
    "compliance/synthesis/__init__.py": "",
    "compliance/synthesis/assembly.py": "from compliance.errors import InputError\n",
    "compliance/synthesis/cache.py": "",
    "compliance/judging/__init__.py": "",
    "compliance/judging/results.py": "from compliance.synthesis.assembly import Stack\n",
    "compliance/gate/__init__.py": "",
    "compliance/gate/threshold.py": "from compliance.record import findings\n",
    "compliance/outputs/__init__.py": "",
    "compliance/outputs/sarif.py": "import compliance.record.findings\n",
    "compliance/outputs/report/__init__.py": "",
    "compliance/outputs/report/view.py": "from ...record.findings import Finding\n",
    "compliance/aws/__init__.py": "",
    "compliance/aws/deploy.py": "from compliance.outputs import sarif\n",
    "compliance/cli/__init__.py": "from compliance import engine\nimport compliance.aws.deploy\n",
    "policies/__init__.py": "",
    "policies/catalog.py": "from policies import files\n",
    "policies/files.py": "import json\n",
    "policies/nag_packs.py": "",
    "infra/__init__.py": "",
    "infra/app.py": "from compliance import environments\n",
}


def test_the_small_tree_obeys_the_table() -> None:
    assert forbidden_edges(TREE) == []


@pytest.mark.parametrize(
    ("path", "source", "forbidden"),
    [
        (  # a stage importing a later one
            "compliance/record/findings.py",
            "from compliance.outputs import sarif\n",
            "compliance/record/findings.py -> compliance/outputs/sarif.py: record may not "
            "import outputs",
        ),
        (  # lazily, inside a function
            "compliance/engine.py",
            "def run():\n    import compliance.outputs.sarif\n",
            "compliance/engine.py -> compliance/outputs/sarif.py: engine may not import outputs",
        ),
        (
            "compliance/aws/deploy.py",
            "from compliance import engine\n",
            "compliance/aws/deploy.py -> compliance/engine.py: aws may not import engine",
        ),
        (  # relative
            "compliance/outputs/report/view.py",
            "from ...cli import main\n",
            "compliance/outputs/report/view.py -> compliance/cli/__init__.py: outputs may not "
            "import cli",
        ),
        (  # judging reads the assembly, it does not synthesize
            "compliance/judging/results.py",
            "from compliance.synthesis.cache import synthesize_cached\n",
            "compliance/judging/results.py -> compliance/synthesis/cache.py: judging may not "
            "import synthesis",
        ),
        (  # the record takes the catalogue, nothing else of policies
            "compliance/record/findings.py",
            "from policies.nag_packs import RuleMap\n",
            "compliance/record/findings.py -> policies/nag_packs.py: record may not import "
            "policies",
        ),
        (
            "compliance/gate/threshold.py",
            "from compliance.judging.results import from_checkov\n",
            "compliance/gate/threshold.py -> compliance/judging/results.py: gate may not "
            "import judging",
        ),
        (  # a base module importing a stage
            "compliance/errors.py",
            "from compliance.record.findings import Finding\n",
            "compliance/errors.py -> compliance/record/findings.py: base may not import record",
        ),
        (
            "policies/catalog.py",
            "from compliance.errors import InputError\n",
            "policies/catalog.py -> compliance/errors.py: policies may not import base",
        ),
        (  # the app under test, dynamically
            "compliance/synthesis/cache.py",
            "importlib.import_module('infra.app')\n",
            "compliance/synthesis/cache.py -> infra/app.py: synthesis may not import infra",
        ),
        (
            "infra/app.py",
            "from compliance.engine import check\n",
            "infra/app.py -> compliance/engine.py: infra may not import engine",
        ),
        (
            "compliance/cli/__init__.py",
            "from compliance.nowhere import x\n",
            "compliance/cli/__init__.py -> compliance.nowhere: no such module",
        ),
    ],
)
def test_the_checker_names_a_forbidden_import(path: str, source: str, forbidden: str) -> None:
    assert path in TREE
    assert forbidden_edges({**TREE, path: source}) == [forbidden]


def test_the_checker_names_a_module_in_no_layer() -> None:
    assert forbidden_edges({**TREE, "compliance/helpers.py": ""}) == [
        "compliance/helpers.py: in no layer"
    ]


def test_the_scan_finds_every_kind_of_import() -> None:
    source = (
        "import os\nfrom infra.environments import Region\nfrom compliance import engine\n"
        "def f():\n    import infra.app\n    importlib.import_module('infra.stack')\n"
        "    __import__('policies.files')\n"
        "from . import deploy\nfrom ..record.findings import Finding\n"
    )
    modules = {"compliance.engine", "compliance.aws.deploy"}
    assert sorted(imported("compliance/aws/verify.py", source, modules)) == [
        "compliance.aws.deploy",
        "compliance.engine",
        "compliance.record.findings",
        "infra.app",
        "infra.environments",
        "infra.stack",
        "os",
        "policies.files",
    ]
