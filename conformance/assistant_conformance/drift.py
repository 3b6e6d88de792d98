"""Drift: what the target's responses carry beyond the spec.

Every response of a run, and every chunk of every stream, is walked against its schema in the spec.
Four kinds of finding are collected:

* ``property``: an object property the schema does not declare (free-form objects such as metadata
  are not judged);
* ``enum_value``: a value an ``enum`` does not list, or a union member whose discriminator matches no
  declared variant (an unknown chunk ``type``);
* ``status_code``: a status the operation does not document;
* ``header``: a response header the response does not document and HTTP itself does not define.

A finding has a path (the nearest named schema, then the property path: ``UsageModel.cached_tokens``,
``ChatCompletionDelta.text``), an example value, the first operation it was seen on, and how many
responses carried it. The schema suite judges whether responses are *valid*; drift says what they
carry that nobody documented, which validation lets through because response objects are open.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant_conformance.checks import Exchange
from assistant_conformance.coverage import HTTP_METHODS, resolve_ref, stream_chunk_schema
from assistant_conformance.results import CheckCollector, SuiteResult

SUITE = "drift"
CHECK = "nothing_undocumented"
#: Header fields HTTP defines for every response (RFC 9110, 9111, 9112, 6265, 6797, Fetch/CORS): not
#: part of the API, so never drift.
HTTP_HEADERS = frozenset(
    {
        "accept-ranges",
        "age",
        "allow",
        "alt-svc",
        "cache-control",
        "connection",
        "content-disposition",
        "content-encoding",
        "content-language",
        "content-length",
        "content-location",
        "content-range",
        "content-type",
        "date",
        "etag",
        "expires",
        "keep-alive",
        "last-modified",
        "pragma",
        "server",
        "set-cookie",
        "strict-transport-security",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "vary",
        "via",
        "www-authenticate",
    }
)
#: Headers the service sends on every response, outside any one operation's description: the request
#: id, which the official clients read for their error reports. Not drift of one response.
SERVICE_HEADERS = frozenset({"x-pinecone-request-id", "x-request-id"})
_EXAMPLE_CHARS = 200


def header_pairs(headers: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """Response headers given as name -> value or list of values (schemathesis), as (name, value) pairs."""
    return tuple(
        (str(name), str(value))
        for name, values in headers.items()
        for value in (values if isinstance(values, list) else [values])
    )


def is_http_header(name: str) -> bool:
    """Whether HTTP itself (or CORS) defines the header, so that no API spec needs to document it."""
    lowered = name.lower()
    return lowered in HTTP_HEADERS or lowered.startswith("access-control-")


class CompareError(ValueError):
    """``--compare`` names a file that is not a usable earlier report; the message says why."""


@dataclass
class Finding:
    """One kind of undocumented thing, aggregated over the run."""

    kind: str
    path: str
    example: Any
    first_operation: str
    count: int = 0
    #: Set when the run is compared with an earlier report: whether that report lacked this finding.
    new: bool | None = None

    @property
    def key(self) -> str:
        """Identity across runs: kind and path, plus the value for an enum value."""
        if self.kind == "enum_value":
            return f"{self.kind} {self.path} {json.dumps(self.example, sort_keys=True)}"
        return f"{self.kind} {self.path}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "path": self.path,
            "example": self.example,
            "first_operation": self.first_operation,
            "count": self.count,
        }
        if self.new is not None:
            out["new"] = self.new
        return out


@dataclass(frozen=True)
class _Response:
    """What the spec documents for one status of one operation."""

    schemas: dict[str, Any]  # media type -> schema of the body
    chunk: Any  # contentSchema of the event-stream payload, if any
    headers: frozenset[str]


def _mapping(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, Mapping) else "unknown"


def _short(value: Any) -> Any:
    """The example kept for a finding: the value itself, or its JSON cut to a readable length."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value[:_EXAMPLE_CHARS] if isinstance(value, str) else value
    text = json.dumps(value, sort_keys=True, default=str)
    return value if len(text) <= _EXAMPLE_CHARS else text[:_EXAMPLE_CHARS] + "…"


class SchemaWalker:
    """Walks one JSON value against one schema of the spec and lists what the schema does not declare."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.spec = spec

    def _resolve(self, node: Any) -> tuple[Any, str | None]:
        name = None
        while isinstance(node, Mapping) and "$ref" in node:
            ref = str(node["$ref"])
            if ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
            node = resolve_ref(self.spec, {"$ref": ref})
        return node, name

    def _properties(self, schema: Mapping[str, Any]) -> tuple[dict[str, Any], Any] | None:
        """(declared properties, additionalProperties) merged over ``allOf``; None for a free-form object."""
        props: dict[str, Any] = {}
        extra: Any = None
        parts = [schema]
        for sub in schema.get("allOf") or []:
            resolved, _ = self._resolve(sub)
            if isinstance(resolved, Mapping):
                parts.append(resolved)
        for part in parts:
            props.update(part.get("properties") or {})
            if "additionalProperties" in part:
                extra = part["additionalProperties"]
        if not props:
            return None
        return props, extra

    def _types_match(self, schema: Mapping[str, Any], value: Any) -> bool:
        declared = schema.get("type")
        if declared is None:
            return not ("const" in schema and schema["const"] != value)
        types = [declared] if isinstance(declared, str) else list(declared)
        actual = _json_type(value)
        return actual in types or (actual == "integer" and "number" in types)

    def _discriminators(self, schema: Mapping[str, Any]) -> dict[str, list[Any]]:
        """property -> allowed values, for properties pinned by ``const`` or a one-value ``enum``."""
        parsed = self._properties(schema)
        out: dict[str, list[Any]] = {}
        for name, raw in (parsed[0] if parsed else {}).items():
            prop, _ = self._resolve(raw)
            if isinstance(prop, Mapping):
                if "const" in prop:
                    out[name] = [prop["const"]]
                elif isinstance(prop.get("enum"), list) and len(prop["enum"]) == 1:
                    out[name] = list(prop["enum"])
        return out

    def _choose(self, variants: list[Any], value: Any, path: str, out: list[tuple[str, str, Any]]) -> Any:
        resolved = [self._resolve(v)[0] for v in variants]
        candidates = [v for v in resolved if isinstance(v, Mapping) and self._types_match(v, value)]
        if not isinstance(value, Mapping) or len(candidates) < 2:
            return candidates[0] if candidates else None
        pinned = [(v, self._discriminators(v)) for v in candidates]
        keyed = [(v, d) for v, d in pinned if d]
        if keyed and len(keyed) == len(pinned):
            matching = [v for v, d in keyed if all(value.get(k) in allowed for k, allowed in d.items())]
            if not matching:
                shared = set.intersection(*(set(d) for _, d in keyed))
                for prop in sorted(shared):
                    out.append(("enum_value", f"{path}.{prop}", value.get(prop)))
                return None
            candidates = matching

        def score(variant: Mapping[str, Any]) -> tuple[int, int]:
            parsed = self._properties(variant)
            declared = set(parsed[0]) if parsed else set()
            required = set(variant.get("required") or [])
            return (int(required <= set(value)), len(declared & set(value)) - len(set(value) - declared))

        return max(candidates, key=score)

    def walk(self, schema: Any, value: Any, path: str) -> list[tuple[str, str, Any]]:
        """(kind, path, example) of everything in ``value`` that ``schema`` does not declare."""
        out: list[tuple[str, str, Any]] = []
        self._walk(schema, value, path, out, 0)
        return out

    def _walk(self, raw: Any, value: Any, path: str, out: list[tuple[str, str, Any]], depth: int) -> None:
        if depth > 40:
            return
        schema, name = self._resolve(raw)
        if not isinstance(schema, Mapping):
            return
        if name is not None:
            path = name
        variants = [*(schema.get("anyOf") or []), *(schema.get("oneOf") or [])]
        if variants:
            chosen = self._choose(variants, value, path, out)
            if chosen is not None:
                self._walk(chosen, value, path, out, depth + 1)
        for sub in schema.get("allOf") or []:
            resolved, _ = self._resolve(sub)
            if isinstance(resolved, Mapping) and not isinstance(value, Mapping):
                self._walk(resolved, value, path, out, depth + 1)
        enum = schema.get("enum")
        if isinstance(enum, list) and value not in enum and self._types_match(schema, value):
            out.append(("enum_value", path, value))
        if isinstance(value, Mapping):
            parsed = self._properties(schema)
            if parsed is None:
                return
            props, extra = parsed
            for key, item in value.items():
                child = f"{path}.{key}"
                if key in props:
                    self._walk(props[key], item, child, out, depth + 1)
                elif isinstance(extra, Mapping):
                    self._walk(extra, item, child, out, depth + 1)
                elif extra is not True:
                    out.append(("property", child, item))
        elif isinstance(value, list) and isinstance(schema.get("items"), Mapping | bool):
            for item in value:
                self._walk(schema["items"], item, f"{path}[]", out, depth + 1)


def _documented(spec: Mapping[str, Any]) -> dict[str, dict[str, _Response]]:
    """operationId -> status key (``200``, ``4XX``, ``default``) -> what the spec documents."""
    out: dict[str, dict[str, _Response]] = {}
    for raw_item in (spec.get("paths") or {}).values():
        item = resolve_ref(spec, raw_item)
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, Mapping) or not operation.get("operationId"):
                continue
            responses: dict[str, _Response] = {}
            for status, raw_response in (operation.get("responses") or {}).items():
                response = resolve_ref(spec, raw_response)
                content = response.get("content") or {}
                schemas = {
                    str(media).lower(): (entry or {}).get("schema")
                    for media, entry in content.items()
                    if isinstance(entry, Mapping)
                }
                headers = frozenset(str(h).lower() for h in (response.get("headers") or {}))
                chunk = stream_chunk_schema(spec, {"responses": {status: response}})
                responses[str(status)] = _Response(schemas, chunk, headers)
            out[str(operation["operationId"])] = responses
    return out


def _status_entry(responses: Mapping[str, _Response], status: int) -> _Response | None:
    text = str(status)
    if text in responses:
        return responses[text]
    wildcard = f"{text[0]}XX"
    for key, value in responses.items():
        if key.upper() == wildcard:
            return value
    return responses.get("default")


@dataclass
class DriftTracker:
    """Collects drift over a run; :meth:`observe` is called for every exchange (thread-safe)."""

    spec: Mapping[str, Any]
    documented: dict[str, dict[str, _Response]]
    findings: dict[str, Finding] = field(default_factory=dict)
    examined: Counter[str] = field(default_factory=Counter)
    drifted: Counter[str] = field(default_factory=Counter)
    #: operationId -> keys of the findings its responses carried.
    keys_by_operation: dict[str, set[str]] = field(default_factory=dict)
    _walker: SchemaWalker | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> DriftTracker:
        return cls(spec=spec, documented=_documented(spec), _walker=SchemaWalker(spec))

    def observe(self, ex: Exchange, chunks: Iterable[Any] | None = None) -> list[tuple[str, str, Any]]:
        """Walk one exchange (``chunks``: its decoded stream payloads, when already at hand)."""
        responses = self.documented.get(ex.operation)
        if responses is None:
            return []
        found = self._findings(ex, responses, chunks)
        with self._lock:
            self.examined[ex.operation] += 1
            if found:
                self.drifted[ex.operation] += 1
            seen: set[str] = set()
            for kind, path, example in found:
                finding = Finding(kind, path, _short(example), ex.operation)
                kept = self.findings.setdefault(finding.key, finding)
                if kept.example in ("", None) and finding.example not in ("", None):
                    kept.example = finding.example  # a telling example beats an empty one
                if finding.key not in seen:
                    seen.add(finding.key)
                    kept.count += 1
                    self.keys_by_operation.setdefault(ex.operation, set()).add(finding.key)
        return found

    def _findings(
        self, ex: Exchange, responses: Mapping[str, _Response], chunks: Iterable[Any] | None
    ) -> list[tuple[str, str, Any]]:
        entry = _status_entry(responses, ex.status)
        if entry is None:
            return [("status_code", f"{ex.operation}.responses.{ex.status}", ex.status)]
        found = [
            ("header", f"headers.{name.lower()}", value)
            for name, value in ex.headers
            if not is_http_header(name)
            and name.lower() not in SERVICE_HEADERS
            and name.lower() not in entry.headers
        ]
        walker = self._walker or SchemaWalker(self.spec)
        root = f"{ex.operation}.{ex.status}"
        if ex.is_stream and entry.chunk is not None:
            if chunks is None:
                from assistant_conformance.checks import sse_payloads

                chunks = sse_payloads(ex.content)
            for chunk in chunks:
                if isinstance(chunk, Mapping):
                    found += walker.walk(entry.chunk, chunk, root)
            return found
        media = ex.content_type.split(";")[0].strip().lower()
        schema = entry.schemas.get(media)
        if schema is None or not ex.content or "json" not in media:
            return found
        try:
            body = json.loads(ex.content)
        except ValueError:
            return found
        return found + walker.walk(schema, body, root)

    def sorted_findings(self) -> list[Finding]:
        with self._lock:
            return sorted(self.findings.values(), key=lambda f: (f.kind, f.path, str(f.example)))

    def suite_result(self, *, fail: bool, seconds: float = 0.0) -> SuiteResult:
        """One check per operation, ``drift.<operation>.nothing_undocumented``: pass when every response
        of the operation carried only documented things; else fail (``fail``) or warn."""
        collector = CheckCollector(SUITE)
        findings = self.sorted_findings()
        for operation in self.documented:
            check_id = f"{operation}.{CHECK}"
            examined = self.examined.get(operation, 0)
            drifted = self.drifted.get(operation, 0)
            if not examined:
                collector.declare(check_id, "no response of this operation was seen")
                continue
            if not drifted:
                collector.passed(check_id, examined)
                continue
            keys = self.keys_by_operation.get(operation, set())
            listed = [f for f in findings if f.key in keys]
            shown = ", ".join(f"{f.kind} {f.path}" for f in listed[:5])
            message = f"{drifted} of {examined} responses carry undocumented things: {shown}"
            details = {"drift": [f.to_dict() for f in listed[:20]]}
            for _ in range(drifted):
                if fail:
                    collector.failed(check_id, message, details=details)
                else:
                    collector.warned(check_id, message)
            if examined > drifted:
                collector.passed(check_id, examined - drifted)
        return SuiteResult(SUITE, collector.results(), seconds)

    def report_section(
        self, *, policy: str, strict: bool, compare: Path | None, previous: set[str] | None
    ) -> dict[str, Any]:
        """The ``drift`` section, with each finding marked new or not when an earlier report is given."""
        if compare is None or previous is None:
            return self.section(policy=policy, strict=strict)
        gone = self.mark_new(previous)
        return {**self.section(policy=policy, strict=strict, compared_with=str(compare)), "gone": gone}

    def section(self, *, policy: str, strict: bool, compared_with: str | None = None) -> dict[str, Any]:
        """The ``drift`` section of report.json."""
        findings = self.sorted_findings()
        out: dict[str, Any] = {
            "policy": policy,
            "strict": strict,
            "responses_examined": sum(self.examined.values()),
            "responses_with_drift": sum(self.drifted.values()),
            "total": len(findings),
            "findings": [f.to_dict() for f in findings],
        }
        if compared_with is not None:
            out["compared_with"] = compared_with
            out["new"] = sum(1 for f in findings if f.new)
        return out

    def mark_new(self, previous_keys: set[str]) -> list[str]:
        """Flag each finding as new or not; returns the keys of the earlier report not seen now."""
        with self._lock:
            for finding in self.findings.values():
                finding.new = finding.key not in previous_keys
            return sorted(previous_keys - set(self.findings))


def policy_for(target_kind: str, strict: bool) -> str:
    """``fail`` on the embedded endpoint (both sides are ours) or with ``--strict``; else ``warn``."""
    return "fail" if strict or target_kind == "embedded" else "warn"


def load_previous(path: Path, *, spec_version: str, target_kind: str, target_url: str | None) -> set[str]:
    """The drift keys of an earlier report.json, after checking it is comparable with this run."""
    if not path.is_file():
        raise CompareError(f"--compare {path}: no such file (give the report.json of an earlier run)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CompareError(f"--compare {path}: not a JSON report ({exc})") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("drift"), Mapping):
        raise CompareError(
            f"--compare {path}: not a conformance report with a drift section (give report.json of a run)"
        )
    spec = _mapping(data.get("spec"))
    version = spec.get("version")
    if version != spec_version:
        raise CompareError(
            f"--compare {path}: that report is for spec {version!r}, this run for {spec_version!r}; "
            "compare reports of the same version"
        )
    target = _mapping(data.get("target"))
    kind = target.get("kind")
    if kind != target_kind:
        raise CompareError(
            f"--compare {path}: that report is of target {kind!r}, this run of {target_kind!r}; "
            "compare reports of the same target"
        )
    if target_kind == "url" and target_url is not None:
        theirs = str(target.get("base_url") or "").rstrip("/").removesuffix("/assistant")
        ours = target_url.rstrip("/").removesuffix("/assistant")
        if theirs != ours:
            raise CompareError(
                f"--compare {path}: that report is of {theirs or 'an unnamed URL'}, this run of {ours}; "
                "compare reports of the same target"
            )
    keys: set[str] = set()
    for item in data["drift"].get("findings") or []:
        if isinstance(item, Mapping) and {"kind", "path"} <= set(item):
            finding = Finding(str(item["kind"]), str(item["path"]), item.get("example"), "")
            keys.add(finding.key)
    return keys


def summary_line(section: Mapping[str, Any]) -> str:
    """One line about the drift section, for the end of a run."""
    if not section.get("total"):
        return f"drift: none in {section.get('responses_examined', 0)} responses"
    new = f", {section['new']} new" if "new" in section else ""
    verdict = "fail the run" if section.get("policy") == "fail" else "are warnings (--strict fails on them)"
    return (
        f"drift: {section['total']} undocumented things{new} in {section.get('responses_with_drift')} "
        f"of {section.get('responses_examined')} responses; they {verdict}"
    )
