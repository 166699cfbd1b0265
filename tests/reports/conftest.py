"""Shared inputs of the report tests: the fixed record and catalogue, rendered once."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from compliance.outputs.report.render import render
from compliance.record.findings import FindingsRecord
from compliance.record.load import load_record
from policies.catalog import Catalog, load_catalog

RECORDS = Path(__file__).parents[1] / "fixtures" / "records"


@pytest.fixture(scope="session")
def sample_record() -> FindingsRecord:
    return load_record(RECORDS / "tap-sample.json")


@pytest.fixture(scope="session")
def fixture_catalog() -> Catalog:
    return load_catalog(RECORDS / "catalog.yaml")


@pytest.fixture(scope="session")
def sample_html(sample_record: FindingsRecord, fixture_catalog: Catalog) -> str:
    return render(sample_record, "html", catalog=fixture_catalog)


@pytest.fixture(scope="session")
def sample_md(sample_record: FindingsRecord, fixture_catalog: Catalog) -> str:
    return render(sample_record, "md", catalog=fixture_catalog)


@pytest.fixture(scope="session")
def large_record(sample_record: FindingsRecord) -> FindingsRecord:
    """The sample grown to 5,000 findings (tests/fixtures/records/scale.py)."""
    sys.path.insert(0, str(RECORDS))
    try:
        from scale import scaled_record
    finally:
        sys.path.remove(str(RECORDS))
    grown: FindingsRecord = scaled_record(sample_record, 5000)
    return grown
