"""Keep the tools quiet and offline: no Node banners, no checkov platform calls, no log noise."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

#: jsii prints a banner per Node.js major version it considers old; checkov must not phone home.
QUIET_ENV: dict[str, str] = {
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1",
    "JSII_SILENCE_WARNING_KNOWN_BROKEN_NODE_VERSION": "1",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "14,16,18,20,22,24,26",
    "JSII_DEPRECATED": "quiet",
    "BC_SKIP_MAPPING": "TRUE",
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE",
    "LOG_LEVEL": "ERROR",
}

_NOISY_LOGGERS = ("checkov", "bc_jsonpath_ng", "urllib3", "networkx")


def silence() -> None:
    """Apply :data:`QUIET_ENV` to this process and mute the tools' loggers."""
    for name, value in QUIET_ENV.items():
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
