"""Names of batch files: whose records they hold and which, unique forever.

``<device>-<generation>-<first seq>-<last seq>.jsonl``. The generation is
made with each new attendance database, so a database set aside as damaged
(or an SD card set up again with the same device id) never makes a batch
whose name an earlier one had: the outbox, a USB stick and the study's share
can hold both. Names from before generations existed
(``<device>-<first>-<last>.jsonl``) are still read, for the sequence floor.

    >>> batch_name("pool-1a2b3c4d", "0f1e2d3c", 1, 12)
    'pool-1a2b3c4d-0f1e2d3c-0000001-0000012.jsonl'
"""

from __future__ import annotations

import re
from collections.abc import Iterable

SEQS = re.compile(r"-(?P<first>\d{7,})-(?P<last>\d{7,})\.jsonl")
DEVICE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,62}")


def batch_name(device: str, generation: str, first_seq: int, last_seq: int) -> str:
    return f"{device}-{generation}-{first_seq:07d}-{last_seq:07d}.jsonl"


def seqs(name: str, prefix: str) -> tuple[int, int] | None:
    """(first, last) ``seq`` of a batch named ``prefix-FIRST-LAST.jsonl``, else None."""
    if not name.startswith(prefix):
        return None
    match = SEQS.fullmatch(name[len(prefix) :])
    return (int(match["first"]), int(match["last"])) if match else None


def highest_seq(names: Iterable[str], device: str) -> int:
    """The last ``seq`` any batch of ``device`` among ``names`` holds (0 if none).

    Any generation counts, and names from before generations existed.
    """
    last = 0
    for name in names:
        match = SEQS.search(name)
        if name.startswith(f"{device}-") and match and match.end() == len(name):
            last = max(last, int(match["last"]))
    return last


def valid_device_id(text: str) -> bool:
    """A device id is used as a folder name at the destination: letters, digits, - and _."""
    return DEVICE_ID.fullmatch(text) is not None
