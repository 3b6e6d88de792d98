"""State of the embedded endpoint: assistants, files (raw bytes and extracted chunks), operations.

One SQLite database holds the rows: ``:memory:`` by default, ``<data_dir>/assistant.sqlite3`` when a
data directory is given, so a restart on the same directory finds every assistant, file, metadata
value and chunk again. Uploaded bytes are files of their own under ``<data_dir>/files`` (a temporary
directory without a data directory), written while the upload arrives, never held in memory. A
single connection guarded by a lock makes the store safe to share between the event loop and worker
threads; each write is one transaction.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS assistants (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    instructions TEXT,
    metadata TEXT,
    region TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    ready_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    assistant TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    metadata TEXT,
    status TEXT NOT NULL,
    error_message TEXT,
    size INTEGER NOT NULL,
    multimodal INTEGER NOT NULL,
    crc32c TEXT NOT NULL,
    created_on TEXT NOT NULL,
    updated_on TEXT NOT NULL,
    ready_at REAL NOT NULL,
    accepted_at REAL NOT NULL,
    blob TEXT NOT NULL,
    UNIQUE (assistant, id)
);
CREATE TABLE IF NOT EXISTS chunks (
    assistant TEXT NOT NULL,
    file_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    page INTEGER,
    text TEXT NOT NULL,
    PRIMARY KEY (assistant, file_id, ordinal)
);
CREATE TABLE IF NOT EXISTS operations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    assistant TEXT NOT NULL,
    id TEXT NOT NULL,
    operation_type TEXT NOT NULL,
    file_id TEXT,
    status TEXT NOT NULL,
    created_on TEXT NOT NULL,
    completed_on TEXT,
    percent_complete INTEGER NOT NULL,
    error_message TEXT,
    ingestion_units REAL,
    ready_at REAL NOT NULL,
    UNIQUE (assistant, id)
);
"""


def now_iso() -> str:
    """UTC timestamp in the service's style, e.g. ``2024-11-13T14:59:53.369365Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class AssistantRow:
    seq: int
    name: str
    instructions: str | None
    metadata: dict[str, Any] | None
    region: str
    created_at: str
    updated_at: str
    ready_at: float


@dataclass
class FileRow:
    seq: int
    assistant: str
    id: str
    name: str
    kind: str
    metadata: dict[str, Any] | None
    status: str
    error_message: str | None
    size: int
    multimodal: bool
    crc32c: str
    created_on: str
    updated_on: str
    ready_at: float
    accepted_at: float = 0.0
    blob: str = ""
    operation_id: str | None = None


@dataclass
class OperationRow:
    seq: int
    assistant: str
    id: str
    operation_type: str
    file_id: str | None
    status: str
    created_on: str
    completed_on: str | None
    percent_complete: int
    error_message: str | None
    ingestion_units: float | None
    ready_at: float


@dataclass(frozen=True)
class Chunk:
    file_id: str
    ordinal: int
    page: int | None
    text: str


@dataclass
class _Generations:
    counts: dict[str, int] = field(default_factory=dict)

    def bump(self, assistant: str) -> None:
        self.counts[assistant] = self.counts.get(assistant, 0) + 1

    def get(self, assistant: str) -> int:
        return self.counts.get(assistant, 0)


class ConflictError(Exception):
    """A row with that key exists already."""


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value, separators=(",", ":"))


_FILE_COLUMNS = (
    "seq, assistant, id, name, kind, metadata, status, error_message, size, multimodal, crc32c, "
    "created_on, updated_on, ready_at, accepted_at, blob"
)
_OP_COLUMNS = (
    "seq, assistant, id, operation_type, file_id, status, created_on, completed_on, percent_complete, "
    "error_message, ingestion_units, ready_at"
)


class Store:
    """All persistent state. Thread-safe."""

    def __init__(self, data_dir: str | Path | None = None) -> None:
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        if data_dir is None:
            target = ":memory:"
            self._scratch = tempfile.TemporaryDirectory(prefix="assistant-files-")
            self.blobs = Path(self._scratch.name)
        else:
            directory = Path(data_dir)
            directory.mkdir(parents=True, exist_ok=True)
            target = str(directory / "assistant.sqlite3")
            self.blobs = directory / "files"
            self.blobs.mkdir(exist_ok=True)
        self.persistent = data_dir is not None
        self._lock = threading.RLock()
        self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        if self.persistent:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._generations = _Generations()

    def close(self) -> None:
        with self._lock:
            self._db.close()
        if self._scratch is not None:
            self._scratch.cleanup()

    def blob_path(self, blob: str) -> Path:
        """Where the bytes named ``blob`` live."""
        return self.blobs / blob

    def discard_blob(self, blob: str) -> None:
        """Remove the bytes named ``blob`` (nothing if they are gone already)."""
        with contextlib.suppress(OSError):
            self.blob_path(blob).unlink()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # Assistants

    def create_assistant(
        self,
        name: str,
        instructions: str | None,
        metadata: dict[str, Any] | None,
        region: str,
        ready_delay: float,
    ) -> AssistantRow:
        stamp = now_iso()
        with self._tx() as db:
            if db.execute("SELECT 1 FROM assistants WHERE name = ?", (name,)).fetchone():
                raise ConflictError(name)
            db.execute(
                "INSERT INTO assistants (name, instructions, metadata, region, created_at, updated_at, "
                "ready_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (name, instructions, _dumps(metadata), region, stamp, stamp, time.time() + ready_delay),
            )
        row = self.get_assistant(name)
        assert row is not None
        return row

    def get_assistant(self, name: str) -> AssistantRow | None:
        rows = self._query(
            "SELECT seq, name, instructions, metadata, region, created_at, updated_at, ready_at "
            "FROM assistants WHERE name = ?",
            (name,),
        )
        return self._assistant(rows[0]) if rows else None

    def list_assistants(self, after_seq: int, limit: int | None) -> list[AssistantRow]:
        sql = (
            "SELECT seq, name, instructions, metadata, region, created_at, updated_at, ready_at "
            "FROM assistants WHERE seq > ? ORDER BY seq"
        )
        params: tuple[Any, ...] = (after_seq,)
        if limit is not None:
            sql += " LIMIT ?"
            params += (limit,)
        return [self._assistant(r) for r in self._query(sql, params)]

    def update_assistant(self, name: str, changes: dict[str, Any]) -> AssistantRow | None:
        sets: list[str] = []
        params: list[Any] = []
        if "instructions" in changes:
            sets.append("instructions = ?")
            params.append(changes["instructions"])
        if "metadata" in changes:
            sets.append("metadata = ?")
            params.append(_dumps(changes["metadata"]))
        sets.append("updated_at = ?")
        params.append(now_iso())
        with self._tx() as db:
            cursor = db.execute(f"UPDATE assistants SET {', '.join(sets)} WHERE name = ?", (*params, name))  # noqa: S608
            if cursor.rowcount == 0:
                return None
        return self.get_assistant(name)

    def delete_assistant(self, name: str) -> bool:
        with self._tx() as db:
            blobs = [r[0] for r in db.execute("SELECT blob FROM files WHERE assistant = ?", (name,))]
            cursor = db.execute("DELETE FROM assistants WHERE name = ?", (name,))
            db.execute("DELETE FROM files WHERE assistant = ?", (name,))
            db.execute("DELETE FROM chunks WHERE assistant = ?", (name,))
            db.execute("DELETE FROM operations WHERE assistant = ?", (name,))
        self._generations.bump(name)
        for blob in blobs:
            self.discard_blob(blob)
        return cursor.rowcount > 0

    @staticmethod
    def _assistant(r: tuple[Any, ...]) -> AssistantRow:
        return AssistantRow(r[0], r[1], r[2], _loads(r[3]), r[4], r[5], r[6], r[7])

    # Files

    def put_file(self, row: FileRow, *, replace: bool, operation: OperationRow | None = None) -> FileRow:
        """Store a file (its bytes already at ``row.blob``), and the operation that ingests it.

        With ``replace`` an existing file of that id is overwritten, its chunks and bytes dropped.
        """
        with self._tx() as db:
            existing = db.execute(
                "SELECT blob FROM files WHERE assistant = ? AND id = ?", (row.assistant, row.id)
            ).fetchone()
            if existing and not replace:
                raise ConflictError(row.id)
            if existing:
                db.execute("DELETE FROM files WHERE assistant = ? AND id = ?", (row.assistant, row.id))
                db.execute("DELETE FROM chunks WHERE assistant = ? AND file_id = ?", (row.assistant, row.id))
            db.execute(
                "INSERT INTO files (assistant, id, name, kind, metadata, status, error_message, size, "
                "multimodal, crc32c, created_on, updated_on, ready_at, accepted_at, blob) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    row.assistant,
                    row.id,
                    row.name,
                    row.kind,
                    _dumps(row.metadata),
                    row.status,
                    row.error_message,
                    row.size,
                    int(row.multimodal),
                    row.crc32c,
                    row.created_on,
                    row.updated_on,
                    row.ready_at,
                    row.accepted_at,
                    row.blob,
                ),
            )
            if operation is not None:
                self._insert_operation(db, operation)
        self._generations.bump(row.assistant)
        if existing and existing[0] != row.blob:
            self.discard_blob(existing[0])
        stored = self.get_file(row.assistant, row.id)
        assert stored is not None
        return stored

    def finish_file(
        self,
        row: FileRow,
        status: str,
        error: str | None,
        chunks: list[Chunk],
        units: float | None,
    ) -> bool:
        """Record the outcome of ingesting ``row``; False when it was deleted or replaced meanwhile."""
        stamp = now_iso()
        with self._tx() as db:
            cursor = db.execute(
                "UPDATE files SET status = ?, error_message = ? WHERE assistant = ? AND id = ? AND blob = ?",
                (status, error, row.assistant, row.id, row.blob),
            )
            if cursor.rowcount == 0:
                return False
            db.executemany(
                "INSERT INTO chunks (assistant, file_id, ordinal, page, text) VALUES (?, ?, ?, ?, ?)",
                [(row.assistant, c.file_id, c.ordinal, c.page, c.text) for c in chunks],
            )
            if row.operation_id is not None:
                db.execute(
                    "UPDATE operations SET status = ?, completed_on = ?, percent_complete = 100, "
                    "error_message = ?, ingestion_units = ? WHERE assistant = ? AND id = ?",
                    (
                        "Failed" if status == "ProcessingFailed" else "Completed",
                        stamp,
                        error,
                        units,
                        row.assistant,
                        row.operation_id,
                    ),
                )
        self._generations.bump(row.assistant)
        return True

    def processing_files(self) -> list[FileRow]:
        """Files whose ingestion has not finished (to resume after a restart)."""
        rows = self._query(
            f"SELECT {_FILE_COLUMNS} FROM files WHERE status = 'Processing' ORDER BY seq"  # noqa: S608
        )
        files = [self._file(r) for r in rows]
        for row in files:
            ops = self._query(
                "SELECT id FROM operations WHERE assistant = ? AND file_id = ? AND status = 'Processing' "
                "ORDER BY seq DESC LIMIT 1",
                (row.assistant, row.id),
            )
            row.operation_id = ops[0][0] if ops else None
        return files

    def get_file(self, assistant: str, file_id: str) -> FileRow | None:
        rows = self._query(
            f"SELECT {_FILE_COLUMNS} FROM files WHERE assistant = ? AND id = ?",  # noqa: S608
            (assistant, file_id),
        )
        return self._file(rows[0]) if rows else None

    def list_files(self, assistant: str) -> list[FileRow]:
        rows = self._query(
            f"SELECT {_FILE_COLUMNS} FROM files WHERE assistant = ? ORDER BY seq",  # noqa: S608
            (assistant,),
        )
        return [self._file(r) for r in rows]

    def delete_file(self, assistant: str, file_id: str) -> bool:
        with self._tx() as db:
            found = db.execute(
                "SELECT blob FROM files WHERE assistant = ? AND id = ?", (assistant, file_id)
            ).fetchone()
            db.execute("DELETE FROM files WHERE assistant = ? AND id = ?", (assistant, file_id))
            db.execute("DELETE FROM chunks WHERE assistant = ? AND file_id = ?", (assistant, file_id))
        self._generations.bump(assistant)
        if found:
            self.discard_blob(found[0])
        return found is not None

    def chunks(self, assistant: str) -> list[Chunk]:
        rows = self._query(
            "SELECT c.file_id, c.ordinal, c.page, c.text FROM chunks c JOIN files f "
            "ON f.assistant = c.assistant AND f.id = c.file_id "
            "WHERE c.assistant = ? AND f.status = 'Available' ORDER BY f.seq, c.ordinal",
            (assistant,),
        )
        return [Chunk(r[0], r[1], r[2], r[3]) for r in rows]

    def generation(self, assistant: str) -> int:
        """A counter that changes whenever the assistant's files change (for index caching)."""
        return self._generations.get(assistant)

    @staticmethod
    def _file(r: tuple[Any, ...]) -> FileRow:
        return FileRow(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            _loads(r[5]),
            r[6],
            r[7],
            r[8],
            bool(r[9]),
            r[10],
            r[11],
            r[12],
            r[13],
            r[14],
            r[15],
        )

    # Operations

    def add_operation(self, op: OperationRow) -> OperationRow:
        with self._tx() as db:
            self._insert_operation(db, op)
        stored = self.get_operation(op.assistant, op.id)
        assert stored is not None
        return stored

    @staticmethod
    def _insert_operation(db: sqlite3.Connection, op: OperationRow) -> None:
        db.execute(
            "INSERT INTO operations (assistant, id, operation_type, file_id, status, created_on, "
            "completed_on, percent_complete, error_message, ingestion_units, ready_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                op.assistant,
                op.id,
                op.operation_type,
                op.file_id,
                op.status,
                op.created_on,
                op.completed_on,
                op.percent_complete,
                op.error_message,
                op.ingestion_units,
                op.ready_at,
            ),
        )

    def get_operation(self, assistant: str, operation_id: str) -> OperationRow | None:
        rows = self._query(
            f"SELECT {_OP_COLUMNS} FROM operations WHERE assistant = ? AND id = ?",  # noqa: S608
            (assistant, operation_id),
        )
        return OperationRow(*rows[0]) if rows else None

    def list_operations(self, assistant: str) -> list[OperationRow]:
        rows = self._query(
            f"SELECT {_OP_COLUMNS} FROM operations WHERE assistant = ? ORDER BY seq DESC",  # noqa: S608
            (assistant,),
        )
        return [OperationRow(*r) for r in rows]
