"""``nox -s drift-local``: verify catches an out-of-band change, on a local AWS endpoint.

Starts moto's server on 127.0.0.1, deploys the gated dev environment, verifies it (exit 0),
switches the ingestion bucket's default encryption to SSE-S3 with boto3 (what a console click
would do), verifies again (exit 1, naming TAP-ENC-01 and the bucket), puts the encryption
back and verifies a third time (exit 0). Run from the project root:
``python -m scripts.drift_local``. Exits 0 when every step answered as expected.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scripts.local_aws import WARNINGS_LOG, LocalAws, cdk_bootstrap, use_local_credentials

BUCKET = "BucketsIngestionBucket070AAFA1"


def main(argv: Sequence[str] | None = None) -> int:
    """Deploy, verify, change out of band, verify, restore, verify."""
    parser = argparse.ArgumentParser(prog="python -m scripts.drift_local")
    parser.add_argument("--out", type=Path, default=Path("reports/out/drift-local"))
    args = parser.parse_args(argv)

    from compliance.cli import main as tap_compliance
    from infra.environments import DEFAULT_ENVIRONMENTS_FILE, load_environments

    environment = load_environments(DEFAULT_ENVIRONMENTS_FILE)["dev"]
    use_local_credentials()
    aws = LocalAws(warnings_log=args.out / WARNINGS_LOG).start()
    try:
        account, region = environment.account, environment.region
        cdk_bootstrap(aws, account, region)
        common = ["--env", "dev", "--endpoint-url", aws.endpoint_url, "--out", str(args.out)]
        verify = ["verify", *common, "--drift-timeout", "5"]
        s3 = aws.client("s3", account, region)
        cloudformation = aws.client("cloudformation", account, region)
        saved: dict[str, Any] = {}

        def change() -> None:
            name = saved["bucket"] = _physical(cloudformation, BUCKET)
            answer = s3.get_bucket_encryption(Bucket=name)
            saved["encryption"] = answer["ServerSideEncryptionConfiguration"]
            print(f"{BUCKET} ({name}): default encryption set to SSE-S3 (AES256)", flush=True)
            s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            )

        def restore() -> None:
            s3.put_bucket_encryption(
                Bucket=saved["bucket"], ServerSideEncryptionConfiguration=saved["encryption"]
            )
            print(f"{BUCKET}: default encryption restored", flush=True)

        steps = [
            ("deploy", ["deploy", *common, "--yes", "--poll", "0.2"], None, 0),
            ("verify the untouched stack", verify, None, 0),
            ("an out-of-band change, then verify", verify, change, 1),
            ("the change undone, then verify", verify, restore, 0),
        ]
        for title, command, action, expected in steps:
            print(f"\n== {title}: tap-compliance {' '.join(command)}", flush=True)
            if action is not None:
                action()
            code = tap_compliance(command)
            print(f"-- exit {code} (expected {expected})", flush=True)
            if code != expected:
                print(f"{title}: exited {code}, expected {expected}", file=sys.stderr)
                return 1
    finally:
        aws.stop()
        print(aws.warnings_note(), flush=True)
    return 0


def _physical(cloudformation: Any, logical_id: str) -> str:
    """The physical id of a resource of the dev stack."""
    for page in cloudformation.get_paginator("list_stack_resources").paginate(
        StackName="TapStack-dev"
    ):
        for resource in page["StackResourceSummaries"]:
            if resource["LogicalResourceId"] == logical_id:
                return str(resource["PhysicalResourceId"])
    raise LookupError(f"no {logical_id} in TapStack-dev")


if __name__ == "__main__":
    raise SystemExit(main())
