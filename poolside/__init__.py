"""poolside: a pool-side interval timer for the jump-and-hop aquatic program."""

__version__ = "0.1.0"
