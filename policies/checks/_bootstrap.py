"""Make this folder's own ``policies`` package importable when checkov loads it by path.

checkov puts this folder on ``sys.path`` and execs each file; the checks import the analysis
library from ``policies``, two folders up. That copy wins over any other installed one, so a
check always runs with the library it was written against.
"""

import importlib.util
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
_SPEC = importlib.util.find_spec("policies")
if _SPEC is None or _SPEC.origin is None or Path(_SPEC.origin).resolve().parents[1] != _ROOT:
    sys.path.insert(0, str(_ROOT))
