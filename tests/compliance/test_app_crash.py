"""A crashing app's one-line error names the line of the app's own code where it arose.

The app's frame of the traceback, as ``nox -s synth`` shows the whole of it: the line that
raised, or the app's call of the library that raised, or the line of a syntax error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from compliance import engine
from compliance.errors import InputError
from compliance.policy import Policy
from tests.compliance.app_copy import copy_app, edit, line_of
from tests.compliance.engine_testdata import ROOT

pytestmark = pytest.mark.slow

APP = """\
from aws_cdk import App

from shop.stack import build

app = App()
build(app)
app.synth()
"""

STACK = """\
from aws_cdk import Stack
from aws_cdk import aws_s3 as s3


def build(app):
    stack = Stack(app, "Shop")
    s3.Bucket(stack, "Bucket", bucket_name=NAME)
"""


def _shop(folder: Path, stack: str) -> Path:
    """A project whose cdk.json runs ``python3 -m shop.app``, with ``shop/stack.py``."""
    (folder / "shop").mkdir(parents=True)
    (folder / "cdk.json").write_text(json.dumps({"app": "python3 -m shop.app"}))
    (folder / "shop" / "__init__.py").write_text("")
    (folder / "shop" / "app.py").write_text(APP)
    (folder / "shop" / "stack.py").write_text(stack)
    return folder


@pytest.mark.parametrize(
    ("stack", "error"),
    [
        (  # raised in a library (aws-cdk, through jsii): the app's call of it
            STACK.replace("NAME", '"Not_A_Valid_Bucket_Name"'),
            "shop/stack.py:7: RuntimeError: Invalid S3 bucket name "
            "(value: Not_A_Valid_Bucket_Name)",
        ),
        (  # raised in the app's own code, below the calls of the app's other module
            STACK.replace("NAME", '{"prod": "shop-prod"}["dev"]'),
            "shop/stack.py:7: KeyError: 'dev'",
        ),
        (  # a syntax error: its own line, not the import that met it
            STACK.replace("def build(app):", "def build(app)"),
            "shop/stack.py:5: SyntaxError: expected ':' (stack.py, line 5)",
        ),
    ],
)
def test_the_error_names_the_apps_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    test_policy: Policy,
    stack: str,
    error: str,
) -> None:
    monkeypatch.chdir(_shop(tmp_path, stack))
    out = tmp_path / "cdk.out"
    with pytest.raises(InputError) as caught:
        engine.check(
            environments=[], assembly_dir=out, shown_dir=out, policy=test_policy, cache=False
        )
    assert str(caught.value) == f"python3 -m shop.app: the CDK app failed to synthesize: {error}"


def test_check_names_the_platforms_line_from_a_subfolder(tmp_path: Path) -> None:
    folder = copy_app(tmp_path / "project")
    stack = folder / "infra" / "stack.py"
    edit(stack, "        suffix = environment.suffix\n", '        raise ValueError("no suffix")\n')
    done = subprocess.run(
        [sys.executable, "-m", "compliance", "check", "--env", "dev"],
        cwd=folder / "infra",
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)])},
        capture_output=True,
        text=True,
        check=False,
    )
    line = line_of(stack, 'raise ValueError("no suffix")')
    assert (done.returncode, done.stderr) == (
        2,
        "tap-compliance: error: python3 -m infra.app: the CDK app failed to synthesize: "
        f"infra/stack.py:{line}: ValueError: no suffix\n",
    )
    assert not (folder / "reports" / "out" / "findings.json").exists()
