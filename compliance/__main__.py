"""``python -m compliance``: the same CLI as the ``tap-compliance`` console script."""

from compliance.cli import main

raise SystemExit(main())
