"""Benchmark: the gate against the pipeline a user would run by hand, alternating, as ratios.

``python benchmarks/bench_gate.py [ROUNDS]`` times, alternating A/B in every round:

* the gate, cold: ``tap-compliance check --env all --no-cache`` (one synth of every
  environment with cdk-nag attached, our checks and the catalogue's checkov built-ins on the
  one parsed model, waivers, gate, every output format); and ``--env dev``;
* the gate re-run with nothing changed: ``check --env all`` with the synthesis cache warm
  (policies and waivers are still evaluated; only the synthesis is reused);
* by hand: ``python -m infra.app`` (a plain synth, without cdk-nag), then ONE
  ``checkov -d . --external-checks-dir policies/checks`` in ``cdk.out`` (all checkov checks,
  ours included). Two variants: the synth as cdk.json configures it (CDK's built-in
  CloudFormation validation on), and the stronger one a user who knows it would run, with
  that validation off (``CDK_VALIDATION=false``, as the gate's synthesis does). Ratios are
  given against both; the targets are judged against the stronger;

then ``tap-compliance scan`` on synthetic templates of 100, 1,000 and 5,000 resources (cost per
resource beyond the fixed cost). It prints the median wall times, the ratios and the peak
memory (the largest process of each run). The machine may be shared: only ratios measured in
one alternating run mean anything, and they are noisy.
"""

from __future__ import annotations

import json
import os
import statistics
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
#: Runs a command and prints the peak RSS (KiB) of its largest process (descendants included).
_PEAK = (
    "import resource, subprocess, sys;"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL,"
    " stderr=subprocess.PIPE).returncode;"
    "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def run(command: list[str], cwd: Path = ROOT, **env: str) -> tuple[float, int]:
    """Wall seconds and peak KiB of one command (exit codes 0 and 1 are both fine)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, *command],
        cwd=cwd,
        env={**ENV, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    code, peak = (int(x) for x in done.stdout.split())
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(command)} exited {code}")
    return elapsed, peak


def gate(out: Path, env: str, *, cache: bool = False) -> tuple[float, int]:
    """``tap-compliance check --env ENV`` (cold unless ``cache``)."""
    command = [sys.executable, "-m", "compliance", "check", "--env", env, "--out", str(out)]
    return run(command if cache else [*command, "--no-cache"])


def by_hand(outdir: Path, env: str | None, *, validation: bool) -> tuple[float, int]:
    """One synth, then ONE ``checkov -d .`` in the assembly."""
    args = [] if env is None else [env]
    validate = "true" if validation else "false"
    synth, synth_peak = run(
        [sys.executable, "-m", "infra.app", *args], CDK_OUTDIR=str(outdir), CDK_VALIDATION=validate
    )
    checkov, checkov_peak = run(
        [
            str(BIN / "checkov"),
            *("-d", ".", "--framework", "cloudformation"),
            *("--external-checks-dir", str(CHECKS_DIR), "--skip-download", "--quiet"),
        ],
        cwd=outdir,
    )
    return synth + checkov, max(synth_peak, checkov_peak)


def synthetic(path: Path, resources: int) -> Path:
    """A template of ``resources`` resources: keys, encrypted buckets with policies, roles."""
    body: dict[str, dict[str, object]] = {"Resources": {}}
    for index in range(resources // 4):
        key, bucket = f"Key{index}", f"Bucket{index}"
        body["Resources"][key] = {
            "Type": "AWS::KMS::Key",
            "Properties": {"EnableKeyRotation": True},
        }
        body["Resources"][bucket] = {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {
                            "ServerSideEncryptionByDefault": {
                                "SSEAlgorithm": "aws:kms",
                                "KMSMasterKeyID": {"Fn::GetAtt": [key, "Arn"]},
                            }
                        }
                    ]
                }
            },
        }
        body["Resources"][f"Policy{index}"] = {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": bucket},
                "PolicyDocument": {
                    "Statement": [
                        {
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [
                                {"Fn::GetAtt": [bucket, "Arn"]},
                                {"Fn::Sub": f"${{{bucket}.Arn}}/*"},
                            ],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ]
                },
            },
        }
        body["Resources"][f"Role{index}"] = {
            "Type": "AWS::IAM::Role",
            "Properties": {"AssumeRolePolicyDocument": {"Statement": []}},
        }
    # compact: 5,000 resources must stay under CloudFormation's 1 MB template limit
    path.write_text(json.dumps(body, separators=(",", ":")), encoding="utf-8")
    return path


#: (label, measured run, by-hand run it is compared with, target ratio).
TARGETS = (
    ("all environments, cold", "gate all", "hand all", 0.50),
    ("one environment, cold", "gate dev", "hand dev", 0.80),
    ("re-run, nothing changed", "gate all cached", "hand all", 0.25),
)
MS_PER_RESOURCE = 1.0


def main(rounds: int = 3) -> int:
    """Alternate gate and by-hand runs ``rounds`` times; print medians, ratios and peaks."""
    figures: dict[str, list[tuple[float, int]]] = {}

    def measure(name: str, timing: tuple[float, int]) -> None:
        figures.setdefault(name, []).append(timing)

    with tempfile.TemporaryDirectory(prefix="bench-gate-") as scratch:
        folder = Path(scratch)
        gate(folder / "warm", "all", cache=True)  # fills the synthesis cache once
        for n in range(rounds):
            measure("gate all", gate(folder / f"g{n}", "all"))
            measure("hand all", by_hand(folder / f"h{n}", None, validation=False))
            measure("gate all cached", gate(folder / f"c{n}", "all", cache=True))
            measure("hand all, cfn validation", by_hand(folder / f"v{n}", None, validation=True))
            measure("gate dev", gate(folder / f"gd{n}", "dev"))
            measure("hand dev", by_hand(folder / f"hd{n}", "dev", validation=False))
            measure("hand dev, cfn validation", by_hand(folder / f"vd{n}", "dev", validation=True))
        sizes = (100, 1000, 5000)
        scans = {}
        for size in sizes:
            template = synthetic(folder / f"synthetic-{size}.json", size)
            command = [sys.executable, "-m", "compliance", "scan", str(template)]
            scans[size] = statistics.median(
                run([*command, "--format", "json", "--output", str(folder / "s.json")])[0]
                for _ in range(max(1, rounds))
            )
    wall = {name: statistics.median(t for t, _ in runs) for name, runs in figures.items()}
    peak = {name: max(p for _, p in runs) / 1024 for name, runs in figures.items()}
    print(f"{rounds} alternating rounds; medians (the machine may be shared: ratios only)")
    for name in figures:
        print(f"  {name:26} {wall[name]:6.1f} s   peak {peak[name]:5.0f} MiB")
    print(f"{'target':26} {'ratio':>6} {'goal':>6}  (vs by hand with cfn validation on)")
    for label, measured, baseline, goal in TARGETS:
        ratio = wall[measured] / wall[baseline]
        plain = wall[measured] / wall[f"{baseline}, cfn validation"]
        verdict = "met" if ratio <= goal else "NOT met"
        print(f"{label:26} {ratio:6.2f} {goal:6.2f}  {verdict:7}  ({plain:.2f})")
    for scope in ("all", "dev"):
        ours, theirs = peak[f"gate {scope}"], peak[f"hand {scope}"]
        verdict = "met" if ours <= theirs else "NOT met"
        print(
            f"{'peak memory, env ' + scope:26} gate {ours:.0f} MiB,"
            f" by hand {theirs:.0f} MiB  {verdict}"
        )
    per_resource = (scans[5000] - scans[100]) / (5000 - 100) * 1000
    verdict = "met" if per_resource <= MS_PER_RESOURCE else "NOT met"
    print(
        "scan: "
        + ", ".join(f"{size} resources {seconds:.2f} s" for size, seconds in scans.items())
        + f"; {per_resource:.2f} ms per resource beyond the fixed cost (goal"
        f" {MS_PER_RESOURCE:.0f} ms)  {verdict}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
