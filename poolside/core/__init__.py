"""The pure core: programs, the plan, the engine and clocks.

Nothing here imports pygame, gpiozero or the records, and nothing here writes
files, so every behaviour can be tested in microseconds with a manual clock.
"""
