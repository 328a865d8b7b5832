"""Closed batch files of sealed records, waiting in ``DATA/outbox`` to be synced.

The format is the batch contract (docs/batch-format.md): UTF-8 JSON Lines, one record a
line, with ``NAME.jsonl.sha256`` beside it in ``sha256sum`` format. A batch
is written to a temporary name, fsynced, renamed and its folder fsynced, so
after a power cut it is either whole or absent, and it is never edited.

Names say whose records and which (``records/batchname.py``):
``<device>-<generation>-<first seq>-<last seq>.jsonl``.
The kiosk (the store's one writer) makes batches when it seals a run; sync
only copies files, so it never needs the database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from poolside.records import plain
from poolside.records.batchname import batch_name, seqs
from poolside.records.durable import sync_folder, write_whole
from poolside.records.store import Store

OUTBOX = "outbox"
BATCH_LIMIT = 1000  # records per batch file


def outbox_dir(data: Path) -> Path:
    return data / OUTBOX


def make_batches(store: Store) -> list[str]:
    """Write the sealed records not yet batched; the names of the new batches.

    A batch written just before a power cut, whose records the database did
    not yet mark, is found by its name and marked, not written twice. Only
    this database's own batches (its generation) are taken so: a batch of a
    database set aside as damaged holds other records.
    """
    folder = outbox_dir(store.folder)
    plain.real_folder(folder)  # never a folder elsewhere, reached through a link
    known = store.batch_names()
    own = f"{store.device}-{store.generation}"
    for path in folder.glob("*.jsonl"):
        found = seqs(path.name, own)
        if found and path.name not in known:
            store.batched(path.name, *found)
    records = store.unbatched()
    made = []
    for start in range(0, len(records), BATCH_LIMIT):
        chunk = records[start : start + BATCH_LIMIT]
        first, last = chunk[0]["seq"], chunk[-1]["seq"]
        name = batch_name(store.device, store.generation, first, last)
        write_closed(folder, name, _lines(chunk))
        store.batched(name, first, last)
        made.append(name)
    return made


def _lines(records: Iterable[dict[str, Any]]) -> bytes:
    return b"".join(
        json.dumps(r, ensure_ascii=False, separators=(",", ":")).encode() + b"\n" for r in records
    )


def sidecar_text(name: str, data: bytes) -> str:
    """The ``sha256sum`` line for a batch."""
    return f"{hashlib.sha256(data).hexdigest()}  {name}\n"


def write_closed(folder: Path, name: str, data: bytes) -> None:
    """``name`` and its ``.sha256`` in ``folder``, each whole or absent after a crash."""
    folder.mkdir(parents=True, exist_ok=True)
    write_whole(folder / name, data)
    write_whole(folder / f"{name}.sha256", sidecar_text(name, data).encode())
    sync_folder(folder)


def waiting(data: Path) -> list[Path]:
    """Every batch in the outbox, oldest first."""
    folder = outbox_dir(data)
    if not plain.is_real_folder(folder):
        return []  # none yet, or not a folder of its own (a link): nothing of ours there
    return sorted(p for p in folder.glob("*.jsonl") if plain.is_plain(p))
