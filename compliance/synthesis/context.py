"""The context an app is given, merged and passed as the CDK CLI does it.

Merged as the CLI's ``Configuration`` does (``aws-cdk/lib/cli/user-configuration.ts``): a deep
merge in which ``--context KEY=VALUE`` (a string) wins over the ``context`` of the project's
``cdk.json``, which wins over ``cdk.context.json`` beside it (the cached lookups), which wins
over the ``context`` of ``~/.cdk.json``. Values keep their JSON types. The engine's own keys
(the environments it checks) are set last.

Passed as the CLI's ``exec`` passes it: ``CDK_CONTEXT_JSON`` holds what fits in the process
environment (131,072 bytes, less what the other variables take); the rest goes to a file that
``CONTEXT_OVERFLOW_LOCATION_ENV`` names, which aws-cdk-lib's ``App`` reads
(``readContextFromTempFile``). A caller's own ``CDK_CONTEXT_JSON`` is replaced, as the CLI
replaces it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from compliance.datafile import display, json_root, line_at, parse_json
from compliance.environments import ENVIRONMENTS_CONTEXT
from compliance.errors import InputError, read_problem
from compliance.project import CDK_JSON, project_root, read_cdk_json

#: The lookups ``cdk synth`` caches, beside cdk.json.
CONTEXT_FILE = "cdk.context.json"
#: The user's defaults (their ``context`` counts last).
USER_DEFAULTS = Path("~/.cdk.json")
#: aws-cdk-lib's ``cxapi.CONTEXT_ENV`` and ``cxapi.CONTEXT_OVERFLOW_LOCATION_ENV``.
CONTEXT_ENV = "CDK_CONTEXT_JSON"
OVERFLOW_ENV = "CONTEXT_OVERFLOW_LOCATION_ENV"
#: The size of the environment the CLI allows itself (``exec.ts``: 32,760 on Windows).
ENV_SIZE_LIMIT = 32760 if os.name == "nt" else 131072


def app_context(
    given: Mapping[str, str] | None = None,
    env_names: Sequence[str] | None = None,
    start: Path | None = None,
) -> dict[str, Any]:
    """The context of a synthesis: the project's (found from ``start``, default the working
    directory), ``given`` (``--context``) over it, and the environments to build."""
    root = project_root(start)
    layers: list[Mapping[str, Any]] = [_file_context(USER_DEFAULTS.expanduser())]
    if root is not None:
        layers.append(_file_context(root / CONTEXT_FILE, whole=True))
        if (root / CDK_JSON).is_file():
            layers.append(read_cdk_json(root / CDK_JSON).context)
    layers.append(given or {})
    context: dict[str, Any] = {}
    for layer in layers:
        _deep_merge(context, layer)
    if env_names:
        context[ENVIRONMENTS_CONTEXT] = ",".join(env_names)
    return context


@contextmanager
def context_environment(
    context: Mapping[str, Any], environment: Mapping[str, str]
) -> Iterator[dict[str, str]]:
    """``environment`` giving ``context`` to the app: its own context variables replaced by
    ``CDK_CONTEXT_JSON`` and, when the context does not fit, the overflow file (removed when
    the block ends)."""
    others = {k: v for k, v in environment.items() if k not in (CONTEXT_ENV, OVERFLOW_ENV)}
    room = ENV_SIZE_LIMIT - _size(CONTEXT_ENV) - sum(_size(k) + _size(v) for k, v in others.items())
    small, overflow = split_by_size(context, room)
    others[CONTEXT_ENV] = _json(small)
    if not overflow:
        yield others
        return
    folder = Path(tempfile.mkdtemp(prefix="cdk-context"))
    try:
        location = folder / "context-overflow.json"
        location.write_text(_json(overflow), encoding="utf-8")
        yield {**others, OVERFLOW_ENV: str(location)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def split_by_size(data: Mapping[str, Any], limit: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The leading entries whose JSON fits in ``limit`` bytes, and the rest (the CLI's
    ``splitBySize``: each entry measured as a one-key object, cut at the first that does not
    fit)."""
    entries = list(data.items())
    total = 0
    for index, (key, value) in enumerate(entries):
        total += _size(_json({key: value}))
        if total > limit:
            return dict(entries[:index]), dict(entries[index:])
    return dict(entries), {}


def _file_context(path: Path, *, whole: bool = False) -> Mapping[str, Any]:
    """The ``context`` of a settings file (``whole``: the file is the context), {} if absent."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(display(path), read_problem(error)) from None
    document = parse_json(text, display(path))
    context = document.get("context", {}) if isinstance(document, dict) and not whole else document
    if not isinstance(context, dict):
        at = line_at(json_root(text), () if whole else ("context",))
        raise InputError(display(path), "the context must be a JSON object", at)
    return context


def _deep_merge(into: dict[str, Any], source: Mapping[str, Any]) -> None:
    """The CLI's ``deepMerge``: objects merge key by key, any other value replaces."""
    for key, value in source.items():
        if isinstance(value, dict):
            if not isinstance(into.get(key), dict):
                into[key] = {}
            _deep_merge(into[key], value)
        else:
            into[key] = value


def _json(value: Any) -> str:
    """As ``JSON.stringify`` writes it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _size(text: str) -> int:
    return len(text.encode("utf-8"))
