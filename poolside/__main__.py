"""``python -m poolside``: the same as the ``poolside`` command."""

from poolside.cli import main

if __name__ == "__main__":  # not when a worker process imports it (export's second core)
    raise SystemExit(main())
