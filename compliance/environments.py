"""The deployment environments: one data file the CDK app and the engine share.

The engine needs of each environment its name (the file's key), the stack it deploys
(``stack_name``), its region and the regions its roles may use (``allowed_regions``, the
context of TAP-IAM-01), and the keys from outside the stack known to be customer-managed.
:class:`EnvironmentSpec` validates those fields and ignores the others; the app builds its
own model on it (``infra.environments.EnvironmentSpec`` adds account, availability zones,
...), so a field both read is validated by one definition.

Where the file lives is declared in ``cdk.json``: its context key
:data:`ENVIRONMENTS_FILE_CONTEXT` holds the path relative to ``cdk.json``. The engine never
imports the app. :func:`resolve_environments` turns an ``--env`` value into the
:class:`EnvInfo` a run judges with.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from compliance.datafile import DataFileError, display, json_root, line_at, load_yaml
from compliance.errors import InputError, Problem, read_text
from compliance.project import find_cdk_json, read_cdk_json

#: cdk.json context key: the environments file, relative to cdk.json.
ENVIRONMENTS_FILE_CONTEXT = "tap-compliance:environments-file"
#: Context the engine gives the app it synthesizes: the environments to build, comma-separated
#: (as ``cdk synth -c tap-compliance:environments=dev`` would); an app may build only those.
ENVIRONMENTS_CONTEXT = "tap-compliance:environments"

Region = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")]
EnvironmentName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,19}$")]
#: A CloudFormation stack name.
StackName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9-]{0,127}$")]
#: ``--env`` naming every environment of the file.
ALL = "all"

_KEY_REFERENCE = re.compile(r"arn:aws[a-z-]*:kms:\S+|alias/\S+")


def key_reference_problem(reference: str) -> str | None:
    """Why ``reference`` cannot name a customer-managed key (None: it can). A key ARN, an
    alias name or an alias ARN can; an AWS-managed alias (``alias/aws/...``) never is one."""
    if _KEY_REFERENCE.fullmatch(reference) and "alias/aws/" not in reference:
        return None
    return (
        "not a customer-managed key reference "
        "(a key ARN, alias/NAME or an alias ARN; alias/aws/... is AWS-managed)"
    )


def _key_reference(reference: str) -> str:
    problem = key_reference_problem(reference)
    if problem is not None:
        raise ValueError(problem)
    return reference


#: A key from outside the stack known to be customer-managed (:func:`key_reference_problem`).
KeyReference = Annotated[str, AfterValidator(_key_reference)]


class EnvironmentFileError(DataFileError):
    """The environments file is missing, unreadable or invalid (one-line message)."""


class EnvironmentSpec(BaseModel):
    """What the engine reads of one environment; other fields are the app's to validate."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    #: The CloudFormation stack the environment deploys (its stacks in a cloud assembly).
    stack_name: StackName
    region: Region
    allowed_regions: list[Region] = Field(min_length=1)
    #: Keys from outside the stack (ARNs or aliases) known to be customer-managed: a scan
    #: passes the encryption controls on them instead of reporting them unknown.
    customer_managed_keys: list[KeyReference] = Field(default_factory=list)
    #: The environment keeps data: never destroyed with its stack (RETAIN, deletion
    #: protection, no auto-delete). The app builds by it; the catalogue scopes TAP-DAT-01 by it.
    retain_data: bool = False

    @field_validator("allowed_regions")
    @classmethod
    def _includes_region(cls, regions: list[str], info: ValidationInfo) -> list[str]:
        region = info.data.get("region")
        if region and region not in regions:
            raise ValueError(f"must include the stack's own region {region}")
        return regions


S = TypeVar("S", bound=EnvironmentSpec)


class _Named(BaseModel):
    """One environment of the file with its name (the file's key)."""

    model_config = ConfigDict(frozen=True)

    name: EnvironmentName


class Environment(EnvironmentSpec, _Named):
    """One validated environment as the engine knows it."""


def read_environments(
    path: Path, spec: type[S], error: type[EnvironmentFileError] = EnvironmentFileError
) -> dict[str, S]:
    """Read and validate the environments file with ``spec``; keys are the names, in file
    order. Two environments deploying one stack name are an error (a stack would belong to
    both). Every problem is one ``error``, a line each."""
    schema = Annotated[dict[EnvironmentName, spec], Field(min_length=1)]  # type: ignore[valid-type]
    specs: dict[str, S] = load_yaml(path, schema, error, checks=_shared_stacks)
    return specs


def _shared_stacks(raw: object) -> Iterator[Problem]:
    """A stack name an earlier environment of the file deploys already."""
    seen: dict[str, str] = {}
    for name, each in raw.items() if isinstance(raw, Mapping) else ():
        stack = each.get("stack_name") if isinstance(each, Mapping) else None
        if isinstance(stack, str) and stack in seen:
            yield (name, "stack_name"), f"{name}.stack_name: {stack} is also {seen[stack]}'s"
        elif isinstance(stack, str):
            seen[stack] = str(name)


def load_environments(path: Path) -> dict[str, Environment]:
    """The environments of the file as the engine needs them."""
    return {
        name: Environment(name=name, **spec.model_dump())
        for name, spec in read_environments(path, EnvironmentSpec).items()
    }


E = TypeVar("E")


def select_environments(
    environments: dict[str, E], names: Sequence[str] | None, *, source: Path
) -> list[E]:
    """The chosen environments in the given order (all, in file order, when ``names`` is None)."""
    if names is None:
        return list(environments.values())
    unknown = [name for name in names if name not in environments]
    if unknown:
        known = ", ".join(environments)
        raise EnvironmentFileError(
            f"{display(source)}: no environment named {', '.join(unknown)} (known: {known})"
        )
    return [environments[name] for name in dict.fromkeys(names)]


def environments_file(cdk_json: Path | None) -> Path | None:
    """The environments file ``cdk.json`` declares (None: no cdk.json, or none declared)."""
    if cdk_json is None:
        return None
    path = read_cdk_json(cdk_json).context.get(ENVIRONMENTS_FILE_CONTEXT)
    if path is None:
        return None
    if not isinstance(path, str):
        at = line_at(json_root(read_text(cdk_json)), ("context", ENVIRONMENTS_FILE_CONTEXT))
        raise InputError(
            display(cdk_json), f"context.{ENVIRONMENTS_FILE_CONTEXT}: expected a path", at
        )
    return cdk_json.parent / path


@dataclass(frozen=True)
class EnvInfo:
    """What the engine needs to know about a deployment environment."""

    name: str
    stack_name: str
    allowed_regions: tuple[str, ...]
    #: Keys from outside its templates known to be customer-managed.
    customer_managed_keys: tuple[str, ...] = ()
    #: Its attributes as the environments file gives them (what a control's applicability
    #: in the catalogue is read against).
    attributes: Mapping[str, object] = field(default_factory=dict, hash=False)


def environment_names() -> list[str]:
    """The environments the file cdk.json declares lists, for help texts (none if unreadable)."""
    try:
        path = environments_file(find_cdk_json())
        return list(load_environments(path)) if path is not None else []
    except InputError:
        return []


def resolve_environments(name: str, path: Path | None = None) -> list[EnvInfo]:
    """The environments ``--env`` names (:data:`ALL`: every one), from ``path`` (default: the
    file cdk.json declares; without one, ``all`` is no environment and any other name an
    error)."""
    source = path or environments_file(find_cdk_json())
    if source is None:
        if name == ALL:
            return []
        raise InputError(
            f'--env {name}: no environments file (cdk.json context "{ENVIRONMENTS_FILE_CONTEXT}")'
        )
    known = load_environments(source)
    chosen = select_environments(known, None if name == ALL else [name], source=source)
    return [
        EnvInfo(
            e.name,
            e.stack_name,
            tuple(e.allowed_regions),
            tuple(e.customer_managed_keys),
            e.model_dump(exclude={"name"}),
        )
        for e in chosen
    ]
