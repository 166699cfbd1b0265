"""Regenerate tests/fixtures/seed/TapStack-dev.template.json from the faithful platform.

Run from the project root: ``python scripts/freeze_seed_template.py``. The frozen template is the
seed as written (weaknesses included): the app built without its hardening layer
(``build_app(hardened=False)``, i.e. without ``infra/hardening``). Tests prove the gate still
catches what is wrong in it.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "tests" / "fixtures" / "seed" / "TapStack-dev.template.json"
ENVIRONMENT = "dev"


def freeze(target: Path = TARGET) -> Path:
    """Synthesize the seed's dev stack (no hardening layer) and copy its template to ``target``."""
    from infra.app import build_app

    with tempfile.TemporaryDirectory(prefix="tap-seed-") as outdir:
        assembly = build_app(outdir=outdir, env_names=[ENVIRONMENT], hardened=False).synth()
        template = Path(assembly.directory) / f"TapStack-{ENVIRONMENT}.template.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, target)
    return target


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from compliance.quiet import silence

    silence()
    print(f"froze {freeze().relative_to(ROOT)}")
