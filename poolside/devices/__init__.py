"""Adapters to the outside world: the screen (pygame), and later buttons and sound."""
