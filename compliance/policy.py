"""What a run judges against: the control catalogue, the waivers, the threshold, the date."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import ValidationError

from compliance.environments import EnvironmentSpec, environments_file, load_environments
from compliance.errors import InputError
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
        declared = environments_file(find_cdk_json())
        known = list(load_environments(declared)) if declared is not None else None
        loaded = load_waivers(source.path, catalog, known)
    policy = Policy(
        catalog,
        loaded,
        fail_on,
        datetime.now(UTC).date(),
        CHECKS_DIR,
        waiver_file=str(source.path) if source.path else None,
    )
    return policy, source


def checked_catalog() -> Catalog:
    """The control catalogue; an invalid one is an input error (an applicability naming an
    attribute the environments file does not have is one)."""
    try:
        catalog = default_catalog()
    except (OSError, ValueError, ValidationError) as error:
        raise InputError(CATALOG_PATH, f"invalid control catalogue: {error}") from None
    for control in catalog.controls:
        scope = control.applicability.environment if control.applicability else {}
        if unknown := sorted(set(scope) - set(EnvironmentSpec.model_fields)):
            raise InputError(
                CATALOG_PATH,
                f"{control.id}: applicability names {', '.join(unknown)}, "
                "not an attribute of an environment",
            )
    return catalog
