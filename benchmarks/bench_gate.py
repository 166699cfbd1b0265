"""Benchmark: the whole gate vs the same steps run by hand, measured in the same run.

``python benchmarks/bench_gate.py`` times

* the gate: ``tap-compliance check --env all`` (one synth of every environment with cdk-nag
  attached, one checkov pass over all templates, waivers, gate, JSON/SARIF/JUnit/HTML/Markdown);
* by hand: ``python -m infra.app`` (a plain synth, without cdk-nag), then ``checkov -f`` with
  our external checks on each synthesized template, one process per template, as a user would;

and prints both wall times and their ratio. Both run offline (checkov's platform calls off).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compliance.quiet import QUIET_ENV  # noqa: E402
from policies import CHECKS_DIR  # noqa: E402

BIN = Path(sys.executable).parent
ENV = {**os.environ, **QUIET_ENV}


def timed(command: list[str], **env: str) -> float:
    """Wall time of one command (its output discarded; exit codes 0 and 1 are both fine)."""
    start = time.perf_counter()
    done = subprocess.run(
        command, cwd=ROOT, env={**ENV, **env}, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr[-500:]}")
    return elapsed


def gate(out: Path) -> float:
    """``tap-compliance check --env all``."""
    return timed([sys.executable, "-m", "compliance", "check", "--env", "all", "--out", str(out)])


def by_hand(outdir: Path) -> tuple[float, float]:
    """Synth, then ``checkov -f`` per template: (synth seconds, checkov seconds)."""
    synth = timed([sys.executable, "-m", "infra.app"], CDK_OUTDIR=str(outdir))
    templates = sorted(outdir.glob("*.template.json"))
    if not templates:
        raise SystemExit(f"no templates synthesized into {outdir}")
    checkov = 0.0
    for template in templates:
        checkov += timed(
            [
                str(BIN / "checkov"),
                "-f",
                str(template),
                "--framework",
                "cloudformation",
                "--external-checks-dir",
                str(CHECKS_DIR),
                "--skip-download",
                "--quiet",
                "--compact",
            ]
        )
    return synth, checkov


def main() -> int:
    """Run both once each and print the figures."""
    with tempfile.TemporaryDirectory(prefix="bench-gate-") as scratch:
        gate_seconds = gate(Path(scratch) / "out")
        synth_seconds, checkov_seconds = by_hand(Path(scratch) / "cdk.out")
    hand_seconds = synth_seconds + checkov_seconds
    print(f"gate  (tap-compliance check --env all): {gate_seconds:6.1f} s")
    print(
        f"by hand (synth {synth_seconds:.1f} s + checkov -f x3 {checkov_seconds:.1f} s):"
        f" {hand_seconds:6.1f} s"
    )
    print(f"ratio gate / by hand: {gate_seconds / hand_seconds:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
