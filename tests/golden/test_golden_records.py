"""The engine's records on frozen inputs equal those of the engine before its second design.

``records.json`` was captured from the first design (``golden_records.py``). A difference is
either a defect this comparison found (fix it) or a named, deliberate change (recapture it
and name it in the commit).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.golden.golden_records import GOLDEN, ROOT, cases

RECORDS: dict[str, Any] = json.loads(GOLDEN.read_text(encoding="utf-8"))


def shaped(value: Any, like: Any) -> Any:
    """``value`` without the mapping keys ``like`` lacks: fields other changes add to the
    record later are not part of the comparison; every field captured must be equal."""
    if isinstance(value, dict) and isinstance(like, dict):
        return {k: shaped(v, like[k]) for k, v in value.items() if k in like}
    if isinstance(value, list) and isinstance(like, list) and len(value) == len(like):
        return [shaped(v, w) for v, w in zip(value, like, strict=True)]
    return value


@pytest.fixture(scope="module")
def current(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Callable[[], Any]]]:
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        yield cases(tmp_path_factory.mktemp("golden"))
    finally:
        os.chdir(cwd)


@pytest.mark.parametrize("name", [n for n in RECORDS if not n.startswith("check ")])
def test_scan_record_unchanged(name: str, current: dict[str, Callable[[], Any]]) -> None:
    os.chdir(ROOT)
    assert shaped(current[name](), RECORDS[name]) == RECORDS[name]


@pytest.mark.slow
def test_check_record_unchanged(current: dict[str, Callable[[], Any]]) -> None:
    name = "check tests.policies.nag_fixture_app:build_app"
    os.chdir(ROOT)
    assert shaped(current[name](), RECORDS[name]) == RECORDS[name]
