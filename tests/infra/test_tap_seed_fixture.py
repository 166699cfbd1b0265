"""The frozen faithful-seed dev template is what the platform synthesizes (regenerate it with
``python scripts/freeze_seed_template.py``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FROZEN = Path(__file__).resolve().parents[1] / "fixtures" / "seed" / "TapStack-dev.template.json"


def test_frozen_template_matches_the_synthesized_dev_stack(
    template_dicts: dict[str, dict[str, Any]],
) -> None:
    assert json.loads(FROZEN.read_text()) == template_dicts["dev"], (
        "tests/fixtures/seed is stale: run python scripts/freeze_seed_template.py"
    )
