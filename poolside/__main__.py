"""``python -m poolside``: the same as the ``poolside`` command."""

from poolside.cli import main

raise SystemExit(main())
