"""What a run judges against: the control catalogue, the waivers, the threshold, the date."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import yaml
from pydantic import ValidationError

from compliance.datafile import read_yaml, validated
from compliance.environments import EnvironmentSpec, environments_file, load_environments
from compliance.errors import InputError, Problem, by_id
from compliance.gate.waivers import Waiver, load_waivers
from compliance.project import WaiverSource, find_cdk_json, waiver_source
from compliance.record.findings import Severity
from policies import CHECKS_DIR
from policies.catalog import CATALOG_PATH, Catalog, default_catalog


@dataclass(frozen=True)
class Policy:
    """What every run judges against: the catalogue, the waivers, the threshold, the date."""

    catalog: Catalog
    waivers: Sequence[Waiver]
    fail_on: Severity
    today: date
    #: Our checkov checks (``policies.CHECKS_DIR``), all of which run.
    checks_dir: Path
    #: The waiver file ``waivers`` came from (None: no waiver file), named in the record.
    waiver_file: str | None = None


def load_policy(waivers: Path | None, fail_on: Severity) -> tuple[Policy, WaiverSource]:
    """Today's policy: the catalogue, the waivers of ``waivers`` (default: the project's
    ``waivers.yaml``, if any; the environments they name checked against the project's
    environments file) and our checks; with where the waivers came from."""
    catalog = checked_catalog()
    source = waiver_source(waivers)
    loaded: list[Waiver] = []
    if source.path is not None:
        cdk_json = find_cdk_json()
        declared = environments_file(cdk_json)
        known = list(load_environments(declared)) if declared is not None else None
        named = _in_project(declared, cdk_json.parent) if declared and cdk_json else None
        loaded = load_waivers(source.path, catalog, known, named)
    policy = Policy(
        catalog,
        loaded,
        fail_on,
        datetime.now(UTC).date(),
        CHECKS_DIR,
        waiver_file=str(source.path) if source.path else None,
    )
    return policy, source


def _in_project(path: Path, root: Path) -> str:
    """A project file as the project names it: relative to its root (cdk.json's folder)."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def checked_catalog() -> Catalog:
    """The control catalogue; an invalid one is an input error naming every problem, a line
    each (an applicability naming an attribute the environments file does not have is one)."""
    try:
        catalog = default_catalog()
        if not any(_unknown_attributes(catalog.model_dump(by_alias=True))):
            return catalog
    except (OSError, ValueError, yaml.YAMLError, ValidationError):
        pass
    # Read again to say what is wrong: every problem, with its line.
    root, raw = read_yaml(CATALOG_PATH, InputError)
    where = by_id({"controls": "control"})
    read: Catalog = validated(
        CATALOG_PATH, Catalog, raw, lambda: root, where=where, checks=_unknown_attributes
    )
    return read


def _unknown_attributes(raw: object) -> Iterator[Problem]:
    """A control's applicability naming what is no attribute of an environment."""
    controls = raw.get("controls") if isinstance(raw, Mapping) else None
    for index, control in enumerate(controls if isinstance(controls, list) else []):
        applicability = control.get("applicability") if isinstance(control, Mapping) else None
        scope = applicability.get("environment") if isinstance(applicability, Mapping) else None
        for name in scope if isinstance(scope, Mapping) else ():
            if name not in EnvironmentSpec.model_fields:
                yield (
                    ("controls", index, "applicability", "environment", name),
                    f"control {control.get('id')}: applicability names {name}, "
                    "not an attribute of an environment",
                )
