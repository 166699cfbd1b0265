"""Make the ``policies`` package importable when checkov loads this folder by path.

checkov puts this folder on ``sys.path`` and execs each file; the checks import the analysis
library from ``policies``, which lives two folders up (or is installed).
"""

import importlib.util
import sys
from pathlib import Path

if importlib.util.find_spec("policies") is None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
