"""The bootstrap command deploy names runs on the Node.js of the Python install.

The README promises no Node.js: the command must work with no ``node`` and no ``npx`` on
``PATH``. npx runs here for real, on a local command (fetching the CDK CLI would need the
network): the ``node`` it and the CLIs it starts find is the wheel's.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from compliance.aws.bootstrap import bootstrap_command, npx_command
from compliance.quiet import NODE, NODE_BIN, NPX_CLI


def test_the_command_names_the_wheels_node_and_npx() -> None:
    assert NODE_BIN is not None and NPX_CLI is not None and NPX_CLI.is_file()
    assert bootstrap_command("123456789012", "eu-west-1") == (
        f'PATH={NODE_BIN}:"$PATH" {NODE} {NPX_CLI} aws-cdk bootstrap aws://123456789012/eu-west-1'
    )
    assert npx_command() == f'PATH={NODE_BIN}:"$PATH" {NODE} {NPX_CLI}'


def test_npx_resolves_without_node_or_npx_on_path(tmp_path: Path) -> None:
    assert NODE is not None
    bare = tmp_path / "bin"  # the PATH of a machine without Node.js: a shell, no node, no npx
    bare.mkdir()
    (bare / "sh").symlink_to("/bin/sh")  # npm runs its commands through `sh`
    assert shutil.which("node", path=str(bare)) is shutil.which("npx", path=str(bare)) is None
    environment = {
        "PATH": str(bare),
        "HOME": str(tmp_path),
        "npm_config_cache": str(tmp_path / "npm-cache"),
        "npm_config_update_notifier": "false",
    }
    done = subprocess.run(
        ["/bin/sh", "-c", f"{npx_command()} --call 'command -v node; node --version'"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    version = subprocess.run([NODE, "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == [str(NODE), version.stdout.strip()]
