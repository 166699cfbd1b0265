"""Values of the command line checked before any work: parameter assignments and files,
context values, allowed regions, customer-managed keys, the records ``report`` reads."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from compliance.datafile import parse_json, read_yaml
from compliance.environments import Region, key_reference_problem
from compliance.errors import InputError, read_problem, read_text
from compliance.outputs.publish import RECORD


def parse_assignments(assignments: Iterable[str]) -> dict[str, str]:
    """``KEY=VALUE`` strings as a mapping (a later one wins); a malformed one is an error."""
    values = {}
    for assignment in assignments:
        key, sep, value = assignment.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z0-9]+", key):
            raise InputError(
                f"--parameter {assignment!r}: expected KEY=VALUE with an alphanumeric KEY"
            )
        values[key] = value
    return values


def parse_context(assignments: Iterable[str]) -> dict[str, str]:
    """``--context KEY=VALUE`` values (as ``cdk -c``: split at the first ``=``, the value a
    string; a later one wins). No key, or one under ``aws:`` (reserved by CDK), is an error."""
    values = {}
    for assignment in assignments:
        key, sep, value = assignment.partition("=")
        if not sep or not key:
            raise InputError(f"--context {assignment!r}: expected KEY=VALUE")
        if key.startswith("aws:"):
            raise InputError(f"--context {assignment!r}: keys under 'aws:' are CDK's own")
        values[key] = value
    return values


def parse_regions(text: str) -> list[str]:
    """``--allowed-regions R1,R2``: each one an AWS region name, as the environments file's."""
    regions = [region.strip() for region in text.split(",")]
    adapter = TypeAdapter(Region)
    wrong = []
    for region in regions:
        try:
            adapter.validate_python(region)
        except ValidationError:
            wrong.append(region)
    if wrong:
        raise InputError(f"--allowed-regions: not an AWS region: {', '.join(map(repr, wrong))}")
    return regions


def parse_keys(references: Iterable[str]) -> list[str]:
    """``--cmk`` values: keys known to be customer-managed, by the environments file's rule
    (:func:`compliance.environments.key_reference_problem`)."""
    keys = []
    for reference in references:
        problem = key_reference_problem(reference.strip())
        if problem is not None:
            raise InputError(f"--cmk {reference!r}: {problem}")
        keys.append(reference.strip())
    return keys


def load_parameter_file(path: Path) -> dict[str, str]:
    """A parameters file in one of CloudFormation's formats, JSON or YAML: the CLI's list
    ``[{"ParameterKey": K, "ParameterValue": V}]`` or a template configuration
    ``{"Parameters": {K: V}}`` (CodePipeline's)."""
    if path.suffix.lower() == ".json":
        data = parse_json(read_text(path), path)
    else:
        _, data = read_yaml(path, InputError)
    if isinstance(data, dict) and isinstance(data.get("Parameters"), dict):
        return {str(k): _scalar(path, str(k), v) for k, v in data["Parameters"].items()}
    if isinstance(data, list):
        values = {}
        for index, item in enumerate(data):
            if not (isinstance(item, dict) and isinstance(item.get("ParameterKey"), str)):
                raise InputError(path, f"entry {index}: no ParameterKey")
            if item.get("UsePreviousValue"):
                continue  # the deployed value: unknown here, so the parameter stays unknown
            if "ParameterValue" not in item:
                raise InputError(path, f"{item['ParameterKey']}: no ParameterValue")
            key = item["ParameterKey"]
            values[key] = _scalar(path, key, item["ParameterValue"])
        return values
    raise InputError(
        path,
        "not a parameters file: expected [{ParameterKey, ParameterValue}, ...] "
        "or {Parameters: {KEY: VALUE}}",
    )


def _scalar(path: Path, key: str, value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ",".join(str(v) for v in value)
    raise InputError(path, f"{key}: a parameter value is a string")


def record_files(paths: Iterable[Path]) -> list[Path]:
    """The records ``report`` reads: each file as given (a pipe too), and for a folder every
    ``findings.json`` below it in sorted path order. Hidden folders (a run's staging folder,
    ``.git``) are left out unread; a link to a folder is refused, not followed (a loop would
    not end), as is a ``findings.json`` that is no regular file (never skipped unsaid). A
    folder holding none, or one that cannot be read, and a record named twice (a file and the
    folder holding it) are errors."""
    files: list[Path] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)  # a missing file is named when it is read
            continue
        found = sorted(_records_below(path))
        if not found:
            raise InputError(path, f"no {RECORD} below this folder")
        files.extend(found)
    seen: dict[Path, Path] = {}
    for file in files:
        first = seen.setdefault(file.resolve(), file)
        if first is not file:
            raise InputError(file, f"the record {first} again: each record is merged once")
    return files


def _records_below(folder: Path) -> Iterator[Path]:
    def unreadable(error: OSError) -> None:
        raise InputError(error.filename or folder, read_problem(error))

    for parent, folders, names in os.walk(folder, onerror=unreadable):
        here = Path(parent)
        for name in [*folders]:
            if name.startswith("."):
                folders.remove(name)
            elif (here / name).is_symlink():
                raise InputError(
                    here / name, "a link to a folder: not followed; name the folder itself"
                )
        if RECORD in names or RECORD in folders:
            record = here / RECORD
            if not record.is_file():
                raise InputError(record, "not a regular file: no record can be read from it")
            yield record
