"""Benchmark: render the audit report of a 5,000-finding record (HTML and Markdown).

``python benchmarks/bench_report.py [COUNT]`` prints the best of three timings per format and
the ratio to a baseline measured in the same run: serialising the same record to JSON.
Target: each format renders in well under 5 seconds.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT / "tests" / "fixtures" / "records"
sys.path[:0] = [str(ROOT), str(RECORDS)]

from scale import scaled_record  # noqa: E402

from compliance.outputs.report.render import render  # noqa: E402
from compliance.record.load import load_record  # noqa: E402
from policies.catalog import load_catalog  # noqa: E402

TARGET_SECONDS = 5.0
ROUNDS = 3


def best_of(action: Callable[[], object]) -> float:
    """The fastest of ``ROUNDS`` runs, in seconds."""
    timings = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return min(timings)


def main(count: int) -> int:
    """Print the timings; exit 1 when a format misses the target."""
    record = scaled_record(load_record(RECORDS / "tap-sample.json"), count)
    catalog = load_catalog(RECORDS / "catalog.yaml")
    baseline = best_of(record.to_json)
    print(f"report benchmark: {count:,} findings, best of {ROUNDS}")
    print(f"  baseline  json serialisation  {baseline * 1000:8.1f} ms")
    missed = False
    for fmt in ("html", "md"):
        output = render(record, fmt, catalog=catalog)
        seconds = best_of(lambda fmt=fmt: render(record, fmt, catalog=catalog))  # type: ignore[misc]
        missed |= seconds >= TARGET_SECONDS
        print(
            f"  render    {fmt:<4} {len(output):>12,} chars  {seconds * 1000:8.1f} ms"
            f"  ({seconds / baseline:5.1f}x baseline)"
        )
    print(f"  target    < {TARGET_SECONDS:.0f} s per format: {'MISSED' if missed else 'met'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000))
