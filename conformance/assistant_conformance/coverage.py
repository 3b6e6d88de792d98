"""What a run exercised against what the spec declares: operations, status codes, chunk kinds."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
#: Kinds of an OpenAI-style completion chunk (they have no ``type`` field).
COMPLETION_CHUNK_KINDS = ("role", "content", "finish_reason")


@dataclass(frozen=True)
class DeclaredOperation:
    """One operation as the spec declares it."""

    operation_id: str
    method: str
    path: str
    statuses: tuple[str, ...]
    chunk_kinds: tuple[str, ...] = ()


def resolve_ref(spec: Mapping[str, Any], node: Any) -> Any:
    """Follow local ``$ref`` pointers until a node without one is reached."""
    seen = 0
    while isinstance(node, Mapping) and "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise ValueError(f"only local references are supported, got {ref!r}")
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
        seen += 1
        if seen > 50:
            raise ValueError(f"reference cycle at {ref!r}")
    return node


def declared_chunk_kinds(spec: Mapping[str, Any], chunk_schema: Any) -> tuple[str, ...]:
    """Chunk kinds of a stream's payload schema.

    A union whose variants carry a one-value ``type`` gives those values (the chat stream); a
    schema with ``choices`` is an OpenAI-style completion chunk and gives :data:`COMPLETION_CHUNK_KINDS`.
    """
    node = resolve_ref(spec, chunk_schema)
    variants: list[Any] = []
    for key in ("oneOf", "anyOf"):
        if isinstance(node, Mapping) and key in node:
            variants.extend(resolve_ref(spec, v) for v in node[key])
    if not variants:
        variants = [node]
    kinds: list[str] = []
    for variant in variants:
        if not isinstance(variant, Mapping):
            continue
        props = variant.get("properties") or {}
        type_schema = resolve_ref(spec, props.get("type")) if "type" in props else None
        if isinstance(type_schema, Mapping):
            if "const" in type_schema:
                kinds.append(str(type_schema["const"]))
                continue
            if isinstance(type_schema.get("enum"), list) and len(type_schema["enum"]) == 1:
                kinds.append(str(type_schema["enum"][0]))
                continue
        if "choices" in props:
            kinds.extend(COMPLETION_CHUNK_KINDS)
    return tuple(dict.fromkeys(kinds))


def stream_chunk_schema(spec: Mapping[str, Any], operation: Mapping[str, Any]) -> Any | None:
    """The payload schema of an operation's ``text/event-stream`` response (Fix A layout), if any."""
    for raw_response in (operation.get("responses") or {}).values():
        response = resolve_ref(spec, raw_response)
        media = (response.get("content") or {}).get("text/event-stream")
        if not media:
            continue
        event = resolve_ref(spec, media.get("schema") or {})
        data = resolve_ref(spec, (event.get("properties") or {}).get("data") or {})
        if "contentSchema" in data:
            return data["contentSchema"]
        for raw_alt in data.get("anyOf", []) + data.get("oneOf", []):
            alt = resolve_ref(spec, raw_alt)
            if isinstance(alt, Mapping) and "contentSchema" in alt:
                return alt["contentSchema"]
    return None


def declared_operations(spec: Mapping[str, Any]) -> list[DeclaredOperation]:
    """Every operation of the spec with its documented status codes and stream chunk kinds."""
    out: list[DeclaredOperation] = []
    for path, raw_item in (spec.get("paths") or {}).items():
        item = resolve_ref(spec, raw_item)
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, Mapping):
                continue
            op_id = operation.get("operationId") or f"{method.upper()} {path}"
            statuses = tuple(str(code) for code in (operation.get("responses") or {}))
            chunk_schema = stream_chunk_schema(spec, operation)
            kinds = declared_chunk_kinds(spec, chunk_schema) if chunk_schema is not None else ()
            out.append(DeclaredOperation(op_id, method.upper(), path, statuses, kinds))
    return out


def chunk_kind(chunk: Any) -> list[str]:
    """The kinds one decoded stream payload counts as (a completion chunk can be several)."""
    if not isinstance(chunk, Mapping):
        return []
    if isinstance(chunk.get("type"), str):
        return [chunk["type"]]
    kinds: list[str] = []
    for choice in chunk.get("choices") or []:
        if not isinstance(choice, Mapping):
            continue
        delta = choice.get("delta") or {}
        if isinstance(delta, Mapping):
            if delta.get("role") is not None:
                kinds.append("role")
            if delta.get("content") is not None:
                kinds.append("content")
        if choice.get("finish_reason") is not None:
            kinds.append("finish_reason")
    return list(dict.fromkeys(kinds))


def _status_declared(status: int, declared: Iterable[str]) -> bool:
    text = str(status)
    for code in declared:
        if code == text or (len(code) == 3 and code[1:].upper() == "XX" and code[0] == text[0]):
            return True
    return False


@dataclass
class CoverageTracker:
    """Collects what the run saw; thread-safe, since schemathesis may call from worker threads."""

    declared: list[DeclaredOperation]
    statuses: dict[str, set[int]] = field(default_factory=dict)
    chunk_kinds: dict[str, set[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> CoverageTracker:
        return cls(declared=declared_operations(spec))

    def record(self, operation_id: str, status: int, chunks: Iterable[Any] = ()) -> None:
        """Note one exchange: its operation, HTTP status and the decoded stream payloads, if any."""
        with self._lock:
            self.statuses.setdefault(operation_id, set()).add(int(status))
            for chunk in chunks:
                for kind in chunk_kind(chunk):
                    self.chunk_kinds.setdefault(operation_id, set()).add(kind)

    def summary(self) -> dict[str, Any]:
        """The ``coverage`` section of report.json."""
        with self._lock:
            per_op: dict[str, Any] = {}
            tested = 0
            codes_declared = 0
            codes_seen = 0
            undeclared: list[str] = []
            kinds_declared = 0
            kinds_seen = 0
            for op in self.declared:
                seen = sorted(self.statuses.get(op.operation_id, set()))
                if seen:
                    tested += 1
                declared_seen = sorted(
                    code
                    for code in op.statuses
                    if code != "default" and any(_status_declared(s, [code]) for s in seen)
                )
                countable = [c for c in op.statuses if c != "default"]
                codes_declared += len(countable)
                codes_seen += len(declared_seen)
                extra = [s for s in seen if not _status_declared(s, op.statuses)]
                undeclared.extend(f"{op.operation_id}:{s}" for s in extra)
                kinds = sorted(self.chunk_kinds.get(op.operation_id, set()))
                kinds_declared += len(op.chunk_kinds)
                kinds_seen += len([k for k in op.chunk_kinds if k in kinds])
                entry: dict[str, Any] = {
                    "method": op.method,
                    "path": op.path,
                    "status_codes_declared": list(op.statuses),
                    "status_codes_seen": seen,
                }
                if extra:
                    entry["status_codes_undeclared"] = extra
                if op.chunk_kinds:
                    entry["chunk_kinds_declared"] = list(op.chunk_kinds)
                    entry["chunk_kinds_seen"] = kinds
                per_op[op.operation_id] = entry
            return {
                "operations_tested": tested,
                "operations_total": len(self.declared),
                "status_codes_seen": codes_seen,
                "status_codes_declared": codes_declared,
                "status_codes_undeclared": undeclared,
                "chunk_kinds_seen": kinds_seen,
                "chunk_kinds_declared": kinds_declared,
                "operations": per_op,
            }
