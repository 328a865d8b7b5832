"""The booted-appliance test: ``python3 -m tests.appliance`` (root, Debian host)."""
