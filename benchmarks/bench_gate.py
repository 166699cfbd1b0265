"""Benchmark: the gate against the pipeline a user would run by hand, alternating, as ratios.

``python benchmarks/bench_gate.py [ROUNDS]`` times, alternating A/B in every round:

* the gate, cold: ``tap-compliance check --env all --no-cache`` (one synth of every
  environment with cdk-nag attached, our checks and the catalogue's checkov built-ins on the
  one parsed model, waivers, gate, every output format); and ``--env dev``;
* the gate re-run with nothing changed: the same ``check --env all`` (the same ``--out``)
  again, the synthesis and then the judgement reused (both proved unchanged by content
  hashes; checkov is not imported);
* by hand: ``python -m infra.app`` (a plain synth, without cdk-nag), then ONE
  ``checkov -d . --external-checks-dir policies/checks`` in ``cdk.out`` (all checkov checks,
  ours included). Two variants: the synth as cdk.json configures it (CDK's built-in
  CloudFormation validation on), and the stronger one a user who knows it would run, with
  that validation off (``CDK_VALIDATION=false``, as the gate's synthesis does). Ratios are
  given against both; the targets are judged against the stronger;
* the floor: that plain synth alone (validation off), a bare synthesis of the app without
  cdk-nag, checks or outputs, timed as the first half of the by-hand run;

then ``tap-compliance scan`` on synthetic templates of 100, 1,000 and 5,000 resources (cost per
resource beyond the fixed cost). It prints the median wall times, the peak memory (the median
over the rounds of each run's largest process), and the issue's targets as ratios with
met / NOT met. The machine may be shared: only ratios measured in one alternating run mean
anything, and they are noisy.
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


def by_hand(
    outdir: Path, env: str | None, *, validation: bool
) -> tuple[tuple[float, int], tuple[float, int]]:
    """One synth, then ONE ``checkov -d .`` in the assembly: the whole and the synth alone."""
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
    return (synth + checkov, max(synth_peak, checkov_peak)), (synth, synth_peak)


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


#: (label, measured run, run it is compared with, what is compared, goal): the issue's table.
#: A time goal is the largest ratio of the median wall times; a peak goal is the largest ratio
#: of the peak memories (1.0: no higher than by hand).
TARGETS: tuple[tuple[str, str, str, str, float], ...] = (
    ("all three environments, cold", "gate all", "hand all", "time", 0.45),
    ("the same vs a bare synthesis", "gate all", "bare synth all", "time", 1.30),
    ("one environment, cold", "gate dev", "hand dev", "time", 0.55),
    ("peak memory, one environment", "gate dev", "hand dev", "peak", 1.0),
    ("re-run with nothing changed", "gate all cached", "hand all", "time", 0.10),
)
MS_PER_RESOURCE = 1.0


def main(rounds: int = 3) -> int:
    """Alternate gate and by-hand runs ``rounds`` times; print medians, ratios and peaks."""
    figures: dict[str, list[tuple[float, int]]] = {}

    def measure(name: str, timing: tuple[float, int]) -> None:
        figures.setdefault(name, []).append(timing)

    with tempfile.TemporaryDirectory(prefix="bench-gate-") as scratch:
        folder = Path(scratch)
        warm = folder / "warm"
        gate(warm, "all", cache=True)  # fills the synthesis and judgement caches once
        for n in range(rounds):
            measure("gate all", gate(folder / f"g{n}", "all"))
            hand, bare = by_hand(folder / f"h{n}", None, validation=False)
            measure("hand all", hand)
            measure("bare synth all", bare)
            measure("gate all cached", gate(warm, "all", cache=True))  # the same run again
            measure("hand all, cfn validation", by_hand(folder / f"v{n}", None, validation=True)[0])
            measure("gate dev", gate(folder / f"gd{n}", "dev"))
            measure("hand dev", by_hand(folder / f"hd{n}", "dev", validation=False)[0])
            measure(
                "hand dev, cfn validation", by_hand(folder / f"vd{n}", "dev", validation=True)[0]
            )
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
    peak = {name: statistics.median(p for _, p in runs) / 1024 for name, runs in figures.items()}
    print(f"{rounds} alternating rounds; medians (the machine may be shared: ratios only)")
    for name in figures:
        print(f"  {name:26} {wall[name]:6.1f} s   peak {peak[name]:5.0f} MiB")
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end")
    print(f"{'target':30} {'measured':>9} {'against':>9} {'ratio':>6} {'goal':>6}")
    for label, measured, baseline, kind, goal in TARGETS:
        ours, theirs = (wall, "s") if kind == "time" else (peak, "MiB")
        ratio = ours[measured] / ours[baseline]
        verdict = "met" if ratio <= goal else "NOT met"
        print(
            f"{label:30} {ours[measured]:6.1f} {theirs:3} {ours[baseline]:6.1f} {theirs:3}"
            f" {ratio:5.2f}x {goal:5.2f}x  {verdict}"
        )
    print("against the by-hand synth with CDK's CloudFormation validation on:")
    for scope in ("all", "dev"):
        ratio = wall[f"gate {scope}"] / wall[f"hand {scope}, cfn validation"]
        print(f"  gate {scope}, cold: {ratio:.2f}x")
    ours, theirs = peak["gate all"], peak["hand all"]
    print(f"peak memory, all environments: gate {ours:.0f} MiB, by hand {theirs:.0f} MiB")
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
