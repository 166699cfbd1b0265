"""The frozen seed template (``tests/fixtures/seed``) is what the app synthesizes without its
hardening layer, byte for byte (regenerate it with ``python scripts/freeze_seed_template.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

FROZEN = Path(__file__).resolve().parents[1] / "fixtures" / "seed" / "TapStack-dev.template.json"


@pytest.mark.slow
def test_frozen_template_is_the_app_without_its_hardening_layer(tmp_path: Path) -> None:
    from infra.app import build_seed_app

    assembly = build_seed_app(outdir=tmp_path, env_names=["dev"]).synth()
    synthesized = Path(assembly.directory) / "TapStack-dev.template.json"
    assert synthesized.read_bytes() == FROZEN.read_bytes(), (
        "the seed layer changed, or tests/fixtures/seed is stale: the seed is the 'before' "
        "and must stay as the user wrote it"
    )
