"""The ``poolside`` subcommands, a module per kind of work; ``poolside.cli`` assembles them."""
