"""A floor for the export's speed: part of its work done by a native engine, DuckDB.

    pip install duckdb   # not a dependency of poolside: only this benchmark's
    python -m tests.benchmarks.export_native FOLDER

Reads every ``*.jsonl`` below FOLDER (its 12 benchmark fields, on both
cores), keeps the first record of each ``id`` and writes them sorted as
sessions.csv is sorted, into a file it then removes: no validation, no
clock correction, no other output. DuckDB is told to stay within
MEMORY_LIMIT (and spill to disk beyond it). What it takes is a floor for an
export built on such an engine instead of SQLite, which
:mod:`tests.benchmarks.export_scale` holds against the orjson reference.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import duckdb

MEMORY_LIMIT = "130MB"  # with the engine's own code and Python: near the export's 200 MB
COLUMNS = (
    "{id: 'VARCHAR', type: 'VARCHAR', device: 'VARCHAR', seq: 'BIGINT',"
    " participant: 'VARCHAR', started_at: 'VARCHAR', clock_synced: 'BOOLEAN',"
    " program: 'VARCHAR', week: 'VARCHAR', mode: 'VARCHAR', planned_s: 'BIGINT',"
    " completed_s: 'BIGINT'}"
)


def sorted_first_copies(folder: Path, scratch: Path) -> int:
    """The first copy of each id, sorted, written to a CSV in ``scratch``; how many."""
    db = duckdb.connect(str(scratch / "records.duckdb"))
    db.execute(f"SET threads = 2; SET memory_limit = '{MEMORY_LIMIT}'")
    db.execute(f"SET temp_directory = '{scratch / 'spill'}'")
    db.execute("SET preserve_insertion_order = false")
    pattern = str(folder / "**" / "*.jsonl")
    db.execute(
        "CREATE TABLE copy AS SELECT * FROM read_json(?, format = 'newline_delimited',"
        f" columns = {COLUMNS})",
        [pattern],
    )
    db.execute(
        "CREATE TABLE rec AS SELECT * FROM copy"
        " WHERE rowid IN (SELECT MIN(rowid) FROM copy GROUP BY id)"
    )
    out = scratch / "sessions.csv"
    db.execute(
        f"COPY (SELECT * FROM rec ORDER BY type, participant, started_at, id) TO '{out}' (HEADER)"
    )
    (count,) = db.execute("SELECT COUNT(*) FROM rec").fetchone() or (0,)
    db.close()
    return int(count)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="poolside-native-") as scratch:
        print(f"{sorted_first_copies(Path(sys.argv[1]), Path(scratch))} records")


if __name__ == "__main__":
    main()
