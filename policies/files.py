"""How a file that cannot be read is worded, the same wherever it is read."""

from __future__ import annotations

import errno


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
