"""tap-compliance: prove CloudFormation templates meet the TAP controls, gate CI on the result.

Exit codes: 0 the gate passed, 1 it failed, 2 a usage, configuration or input error.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from compliance.cli.commands import COMMANDS
from compliance.cli.parser import build_parser
from compliance.errors import InputError
from compliance.quiet import silence

#: Exit status after Ctrl-C (128 + SIGINT, as a shell reports it).
INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; an input error prints one line (a line a problem) and returns 2."""
    args = build_parser(__doc__).parse_args(argv)
    silence()
    try:
        return COMMANDS[args.command](args)
    except InputError as error:
        for line in str(error).splitlines():  # several problems of one file: a line each
            print(f"tap-compliance: error: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # what it wrote is removed (the staging folder) or says so
        print("tap-compliance: interrupted", file=sys.stderr)
        return INTERRUPTED
