"""Reading the project's own files: one wording for a file that cannot be read, one YAML loader."""

from __future__ import annotations

import errno
from typing import IO, Any

import yaml

#: libyaml's safe loader when PyYAML has it (several times faster), else the pure-Python one.
SAFE_LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(stream: IO[str] | str) -> Any:
    """Safely load one YAML document (the project's data files: catalogue, rules, metadata)."""
    return yaml.load(stream, Loader=SAFE_LOADER)


def read_problem(error: OSError | UnicodeDecodeError) -> str:
    """The one wording for a file that cannot be read, whatever reads it."""
    if isinstance(error, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(error, FileNotFoundError):
        return "no such file"
    if isinstance(error, IsADirectoryError):
        return "a folder, not a file"
    if isinstance(error, PermissionError):
        return "cannot read: permission denied"
    if error.errno == errno.ELOOP:
        return "cannot read: a symlink loop"
    return f"cannot read: {error.strerror or error}"
