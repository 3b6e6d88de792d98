"""Processing of uploaded files in the background, as the service does it.

An upload is stored as ``Processing`` and handed to a small pool of worker threads, which extract
its text, cut it into chunks and record the outcome: ``Available``, or ``ProcessingFailed`` with an
``error_message``. A file deleted or replaced meanwhile is left alone. Files still ``Processing``
when a data directory is reopened are processed again.
"""

from __future__ import annotations

import logging
import sqlite3
from concurrent.futures import Future, ThreadPoolExecutor

from .ingest import PAGED_KINDS, IngestError, chunk, extract
from .store import Chunk, FileRow, Store

log = logging.getLogger("assistant_conformance.embedded")
WORKERS = 2
# The service refuses multimodal PDFs of more pages than this.
MAX_MULTIMODAL_PAGES = 100


def process(store: Store, row: FileRow) -> tuple[str, str | None, list[Chunk], float | None]:
    """Status, error message, chunks and ingestion units of the file ``row``."""
    try:
        segments = extract(row.kind, store.blob_path(row.blob))
        if row.multimodal and len(segments) > MAX_MULTIMODAL_PAGES:
            raise IngestError(
                f"The PDF has {len(segments)} pages; multimodal PDFs may have at most "
                f"{MAX_MULTIMODAL_PAGES}. Upload it without multimodal, or split it."
            )
        pieces = chunk(segments)
    except IngestError as exc:
        return "ProcessingFailed", str(exc), [], None
    except FileNotFoundError:
        return "ProcessingFailed", "The file was deleted while it was being processed.", [], None
    except Exception as exc:  # a parser bug must fail this file, never the server
        return "ProcessingFailed", f"The file could not be processed: {type(exc).__name__}: {exc}", [], None
    chunks = [Chunk(row.id, i, p.page, p.text) for i, p in enumerate(pieces)]
    units = float(len(segments)) if row.kind in PAGED_KINDS else 1.0
    return "Available", None, chunks, units


class Processor:
    """The worker pool that processes uploads."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="assistant-processing")

    def submit(self, row: FileRow) -> Future[bool]:
        """Process ``row`` in the background; the future tells whether the outcome was recorded."""
        return self._pool.submit(self._run, row)

    def resume(self) -> None:
        """Process again the files a previous run left ``Processing``."""
        for row in self._store.processing_files():
            self.submit(row)

    def close(self) -> None:
        """Stop taking work and wait for the files being processed (queued ones resume on restart)."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self, row: FileRow) -> bool:
        status, error, chunks, units = process(self._store, row)
        try:
            return self._store.finish_file(row, status, error, chunks, units)
        except sqlite3.ProgrammingError:  # the store was closed while this file was processed
            return False
        except Exception:
            log.exception("could not record the processing of file %s", row.id)
            return False
