"""poolside: a pool-side interval timer for the jump-and-hop aquatic program."""

import os

# pygame prints a banner to stdout on import, which would corrupt
# `poolside run --events -`; set before any module here imports pygame.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

__version__ = "0.1.0"
