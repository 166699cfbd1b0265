"""``nox -s deploy-local``: the gated deployer against a local AWS endpoint, no account needed.

Starts moto's server on 127.0.0.1 (a free port), creates there what ``cdk bootstrap`` would
have created, deploys the gated dev environment, deploys it again (no changes), runs verify
(the deployed template; the live configuration of every resource, judged by the same checks;
drift; AWS Config), and stops the server. Run from the project root:
``python -m scripts.deploy_local``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from scripts.local_aws import WARNINGS_LOG, LocalAws, cdk_bootstrap, use_local_credentials


def main(argv: Sequence[str] | None = None) -> int:
    """Deploy, deploy again, verify; the first non-zero exit code stops the demo."""
    parser = argparse.ArgumentParser(prog="python -m scripts.deploy_local")
    parser.add_argument("--env", default="dev")
    parser.add_argument("--out", type=Path, default=Path("reports/out/local"))
    args = parser.parse_args(argv)

    from compliance.cli import main as tap_compliance
    from infra.environments import DEFAULT_ENVIRONMENTS_FILE, load_environments

    environment = load_environments(DEFAULT_ENVIRONMENTS_FILE)[args.env]
    use_local_credentials()

    aws = LocalAws(warnings_log=args.out / WARNINGS_LOG).start()
    try:
        print(f"local AWS endpoint (moto server): {aws.endpoint_url}", flush=True)
        cdk_bootstrap(aws, environment.account, environment.region)
        print(f"bootstrapped aws://{environment.account}/{environment.region} locally", flush=True)
        common = ["--env", args.env, "--endpoint-url", aws.endpoint_url, "--out", str(args.out)]
        steps = [
            ("deploy", ["deploy", *common, "--yes", "--poll", "0.2"]),
            ("deploy again", ["deploy", *common, "--yes", "--poll", "0.2"]),
        ]
        if os.environ.get("TAP_DEMO_SKIP_VERIFY") != "1":
            steps.append(("verify", ["verify", *common, "--drift-timeout", "5"]))
        for title, command in steps:
            print(f"\n== {title}: tap-compliance {' '.join(command)}", flush=True)
            code = tap_compliance(command)
            if code != 0:
                print(f"{title} exited {code}", file=sys.stderr)
                return code
    finally:
        aws.stop()
        print(aws.warnings_note(), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
