"""Lexical retrieval over an assistant's chunks with bm25s, restricted to files a filter admits.

Each assistant gets an in-memory BM25 index built lazily from the stored chunks and rebuilt when its
files change (after a restart it is rebuilt from the persisted chunks on first use). Scores are BM25
scores mapped into (0, 1) by ``s / (1 + s)``; chunks scoring 0 are never returned.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from .store import Chunk, Store
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
class Snippet:
    """A retrieved passage: the hit chunk grown with neighbouring chunks of the same file."""

    file_id: str
    text: str
    pages: list[int]
    score: float
    chunks: list[Chunk]


class Index:
    """BM25 over one snapshot of an assistant's chunks."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks = chunks
        self.file_ids = [c.file_id for c in chunks]
        self._by_file: dict[str, list[int]] = {}
        for i, c in enumerate(chunks):
            self._by_file.setdefault(c.file_id, []).append(i)
        self._bm25: bm25s.BM25 | None = None
        if chunks:
            self._bm25 = bm25s.BM25()
            self._bm25.index([terms(c.text) for c in chunks], show_progress=False)
        self._lock = threading.Lock()

    def search(self, query: str, top_k: int, allowed: Callable[[str], bool] | None = None) -> list[Hit]:
        """The ``top_k`` best chunks for ``query`` among files ``allowed`` admits, best first."""
        if self._bm25 is None or top_k <= 0:
            return []
        vocab = self._bm25.vocab_dict
        ids = [vocab[t] for t in terms(query) if t and t in vocab]
        if not ids:
            return []
        with self._lock:
            scores = np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float64)
        if allowed is not None:
            verdicts = {f: allowed(f) for f in self._by_file}
            mask = np.fromiter((verdicts[f] for f in self.file_ids), dtype=bool, count=len(self.file_ids))
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

    def snippet(self, hit: Hit, size_tokens: int) -> Snippet:
        """The hit chunk plus following, then preceding, chunks of its file up to ``size_tokens``."""
        center = self.chunks[hit.index]
        siblings = self._by_file[center.file_id]
        at = siblings.index(hit.index)
        chosen = [hit.index]
        budget = size_tokens - count_tokens(center.text)
        after, before = at + 1, at - 1
        while budget > 0 and (after < len(siblings) or before >= 0):
            for candidate in (after, before):
                if 0 <= candidate < len(siblings):
                    cost = count_tokens(self.chunks[siblings[candidate]].text)
                    if cost <= budget:
                        chosen.append(siblings[candidate])
                        budget -= cost
                    else:
                        budget = 0
            after, before = after + 1, before - 1
        ordered = sorted(chosen)
        parts = [self.chunks[i] for i in ordered]
        pages = sorted({p.page for p in parts if p.page is not None})
        return Snippet(center.file_id, "\n".join(p.text for p in parts), pages, hit.score, parts)


class Retriever:
    """Per-assistant indexes, cached by the store's change counter."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[int, Index]] = {}

    def index(self, assistant: str) -> Index:
        """The index of ``assistant``'s available files."""
        with self._lock:
            generation = self._store.generation(assistant)
            cached = self._cache.get(assistant)
            if cached is None or cached[0] != generation:
                cached = (generation, Index(self._store.chunks(assistant)))
                self._cache[assistant] = cached
        return cached[1]

    def forget(self, assistant: str) -> None:
        with self._lock:
            self._cache.pop(assistant, None)
