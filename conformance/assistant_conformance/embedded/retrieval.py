"""Lexical retrieval over an assistant's chunks with bm25s, restricted to files a filter admits.

Each assistant gets an in-memory BM25 index built lazily from the stored chunks and rebuilt when its
files change (after a restart it is rebuilt from the persisted chunks on first use). Filter masks
are cached per index snapshot. Scores are BM25
scores mapped into (0, 1) by ``s / (1 + s)``; chunks scoring 0 are never returned.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from . import filter as filters
from .ingest import split_sentences
from .store import Chunk, FileRow, Store
from .tokens import count_tokens

_WORD = re.compile(r"\w+")
_STOPWORDS = frozenset(STOPWORDS_EN)
_stemmer_lock = threading.Lock()
_stemmer = Stemmer.Stemmer("english")


def terms(text: str) -> list[str]:
    """Index terms of ``text``: lower-cased words, English stopwords removed, Snowball-stemmed."""
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]
    with _stemmer_lock:
        return list(_stemmer.stemWords(words))


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk: its position in the index, and its score in (0, 1)."""

    index: int
    score: float


@dataclass(frozen=True)
class Sentence:
    """A sentence of a chunk, with its page and index terms (computed once, when indexing)."""

    text: str
    page: int | None
    terms: frozenset[str]


class Snippet:
    """A retrieved passage: the hit chunk grown with neighbouring chunks of the same file."""

    def __init__(self, index: Index, parts: list[int], score: float) -> None:
        self._index = index
        self.parts = parts
        self.score = score
        self.file_id = index.chunks[parts[0]].file_id
        self.pages = sorted({p for p in (index.chunks[i].page for i in parts) if p is not None})
        self.tokens = sum(index.tokens[i] for i in parts)

    @functools.cached_property
    def text(self) -> str:
        return "\n".join(self._index.chunks[i].text for i in self.parts)

    @functools.cached_property
    def sentences(self) -> list[Sentence]:
        return [sentence for i in self.parts for sentence in self._index.sentences[i]]


class Index:
    """BM25 over one snapshot of an assistant's chunks."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks = chunks
        self.file_ids = [c.file_id for c in chunks]
        self.tokens = [count_tokens(c.text) for c in chunks]
        self._by_file: dict[str, list[int]] = {}
        for i, c in enumerate(chunks):
            self._by_file.setdefault(c.file_id, []).append(i)
        self.sentences: list[list[Sentence]] = []
        corpus: list[list[str]] = []
        for c in chunks:
            parts = []
            chunk_terms: list[str] = []
            for text in split_sentences(c.text):
                sentence_terms = terms(text)
                chunk_terms += sentence_terms
                parts.append(Sentence(text, c.page, frozenset(sentence_terms)))
            self.sentences.append(parts)
            corpus.append(chunk_terms)
        self._bm25: bm25s.BM25 | None = None
        if chunks:
            self._bm25 = bm25s.BM25()
            self._bm25.index(corpus, show_progress=False)
        self._lock = threading.Lock()

    def file_mask(self, admitted: Callable[[str], bool]) -> np.ndarray:
        """A boolean per chunk: whether its file is ``admitted``."""
        verdicts = {f: admitted(f) for f in self._by_file}
        return np.fromiter((verdicts[f] for f in self.file_ids), dtype=bool, count=len(self.file_ids))

    def search(self, query: str, top_k: int, mask: np.ndarray | None = None) -> list[Hit]:
        """The ``top_k`` best chunks for ``query`` among those ``mask`` admits, best first."""
        if self._bm25 is None or top_k <= 0:
            return []
        vocab = self._bm25.vocab_dict
        ids = [vocab[t] for t in terms(query) if t and t in vocab]
        if not ids:
            return []
        with self._lock:
            scores = np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float64)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        positive = np.flatnonzero(scores > 0)
        if positive.size == 0:
            return []
        if positive.size > top_k:
            best = positive[np.argpartition(-scores[positive], top_k - 1)[:top_k]]
        else:
            best = positive
        # Ties resolve by index order, so results are deterministic.
        order = sorted(best.tolist(), key=lambda i: (-scores[i], i))
        return [Hit(i, float(scores[i] / (1.0 + scores[i]))) for i in order]

    def snippet(self, hit: Hit, size_tokens: int, taken: frozenset[int] | set[int] = frozenset()) -> Snippet:
        """The hit chunk plus following, then preceding, chunks of its file up to ``size_tokens``.

        Growth stops at a chunk in ``taken`` (already part of a better snippet).
        """
        center = self.chunks[hit.index]
        siblings = self._by_file[center.file_id]
        at = siblings.index(hit.index)
        chosen = [hit.index]
        budget = size_tokens - self.tokens[hit.index]
        after, before = at + 1, at - 1
        while budget > 0 and (after < len(siblings) or before >= 0):
            for candidate in (after, before):
                if 0 <= candidate < len(siblings):
                    index = siblings[candidate]
                    cost = self.tokens[index]
                    if cost <= budget and index not in taken:
                        chosen.append(index)
                        budget -= cost
                    else:
                        budget = 0
            after, before = after + 1, before - 1
        return Snippet(self, sorted(chosen), hit.score)

    def snippets(self, hits: list[Hit], size_tokens: int) -> list[Snippet]:
        """One snippet per hit, best first, without overlap: a chunk is in at most one snippet.

        A hit already inside a better hit's snippet adds nothing, and a snippet with the same text as
        a better one (a file uploaded twice) is left out.
        """
        taken: set[int] = set()
        texts: set[str] = set()
        out: list[Snippet] = []
        for hit in hits:
            if hit.index in taken:
                continue
            snippet = self.snippet(hit, size_tokens, taken)
            taken.update(snippet.parts)
            if snippet.text in texts:
                continue
            texts.add(snippet.text)
            out.append(snippet)
        return out


class Snapshot:
    """An assistant's index and file rows as of one change counter, with cached filter masks."""

    MASKS_KEPT = 128

    def __init__(self, index: Index, files: list[FileRow]) -> None:
        self.index = index
        self.files = {row.id: row for row in files}
        self._pending_until = max((row.ready_at for row in files), default=0.0)
        self._masks: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def mask(self, spec: dict[str, Any] | None) -> np.ndarray | None:
        """Chunks whose file is visible (not still Processing) and matches the filter ``spec``."""
        if time.time() < self._pending_until:
            now = time.time()
            return self.index.file_mask(
                lambda f: (
                    self.files[f].ready_at <= now
                    and (spec is None or filters.matches(spec, self.files[f].metadata))
                )
            )
        if spec is None:
            return None
        key = json.dumps(spec, sort_keys=True)
        with self._lock:
            cached = self._masks.get(key)
        if cached is None:
            cached = self.index.file_mask(lambda f: filters.matches(spec, self.files[f].metadata))
            with self._lock:
                if len(self._masks) >= self.MASKS_KEPT:
                    self._masks.clear()
                self._masks[key] = cached
        return cached


class Retriever:
    """Per-assistant snapshots, rebuilt when the store's change counter moves."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[int, Snapshot]] = {}

    def snapshot(self, assistant: str) -> Snapshot:
        """The index and file rows of ``assistant``."""
        with self._lock:
            generation = self._store.generation(assistant)
            cached = self._cache.get(assistant)
            if cached is None or cached[0] != generation:
                snapshot = Snapshot(Index(self._store.chunks(assistant)), self._store.list_files(assistant))
                cached = (generation, snapshot)
                self._cache[assistant] = cached
        return cached[1]

    def index(self, assistant: str) -> Index:
        return self.snapshot(assistant).index

    def forget(self, assistant: str) -> None:
        with self._lock:
            self._cache.pop(assistant, None)
