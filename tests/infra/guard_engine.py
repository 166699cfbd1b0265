"""The real cfn-guard engine, as shipped inside the ``cdklabs-cdk-validator-cfnguard`` package
(a test dependency): its jsii bundle carries the cfn-guard binaries of AWS's release."""

from __future__ import annotations

import importlib.metadata
import platform
import stat
import subprocess
import tarfile
from pathlib import Path

DISTRIBUTION = "cdklabs-cdk-validator-cfnguard"
#: uname machine -> the folder of the bundle's Linux binaries.
_ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}
#: cfn-guard's exit codes: every rule passed (or was skipped), a rule failed.
PASSED, FAILED = 0, 19


def extract_cfn_guard(into: Path) -> Path:
    """Unpack the cfn-guard binary for this machine from the installed package."""
    files = importlib.metadata.files(DISTRIBUTION) or []
    (bundle,) = [f for f in files if str(f).endswith(".jsii.tgz")]
    system = "macos" if platform.system() == "Darwin" else "ubuntu"
    member = f"package/bin/{system}/{_ARCH[platform.machine().lower()]}/cfn-guard"
    with tarfile.open(str(bundle.locate())) as archive:
        source = archive.extractfile(member)
        assert source is not None, member
        binary = into / "cfn-guard"
        binary.write_bytes(source.read())
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    return binary


def validate(binary: Path, rules: Path, data: Path) -> subprocess.CompletedProcess[str]:
    """``cfn-guard validate`` of one data file against one rule file."""
    return subprocess.run(
        [str(binary), "validate", "--rules", str(rules), "--data", str(data)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
