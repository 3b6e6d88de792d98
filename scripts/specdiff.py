"""Compare two OpenAPI 3.x documents and classify every change for a client of the API.

The comparison runs over the parsed documents with local ``$ref`` resolved. A reference that names the same
component on both sides is not followed where it is used: the component is compared once, under its own
name, and classified for every direction it is used in (request, response or both).

Rules (one per kind of change and direction) are in ``RULES``; the report prints them as its header table.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

BREAKING = "breaking"
NON_BREAKING = "non-breaking"
REQUEST = "request"
RESPONSE = "response"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_COMPONENT_KINDS = ("schemas", "parameters", "requestBodies", "responses", "headers")
_KIND_LABEL = {
    "schemas": "schema",
    "parameters": "parameter component",
    "requestBodies": "request body component",
    "responses": "response component",
    "headers": "header component",
}
_KIND_DIRECTION = {
    "parameters": REQUEST,
    "requestBodies": REQUEST,
    "responses": RESPONSE,
    "headers": RESPONSE,
}


@dataclass(frozen=True)
class Rule:
    """How one kind of change is classified when it happens in a request and in a response."""

    title: str
    request: str
    response: str
    why: str


B, N = BREAKING, NON_BREAKING
RULES: dict[str, Rule] = {
    "operation-added": Rule("operation added", N, N, "nothing a client already does changes"),
    "operation-removed": Rule("operation removed", B, B, "calls to it fail"),
    "operation-moved": Rule("operation's method or path changed", B, B, "calls go to the old place"),
    "operation-deprecated": Rule("operation deprecated or undeprecated", N, N, "still served"),
    "server-added": Rule("server URL added", N, N, "the old URLs still work"),
    "server-removed": Rule("server URL removed", B, B, "clients configured with it fail"),
    "parameter-added-optional": Rule("optional parameter added", N, N, "clients need not send it"),
    "parameter-added-required": Rule("required parameter added", B, B, "requests without it are rejected"),
    "parameter-removed": Rule(
        "parameter removed", B, B, "clients still send it; it is ignored or rejected (e.g. a 400)"
    ),
    "parameter-became-required": Rule("parameter became required", B, B, "requests without it fail"),
    "parameter-became-optional": Rule("parameter became optional", N, N, "existing requests still valid"),
    "body-added-optional": Rule("optional request body added", N, N, "clients need not send it"),
    "body-added-required": Rule("required request body added", B, B, "requests without it fail"),
    "body-removed": Rule("request body removed", B, B, "clients still send one"),
    "body-became-required": Rule("request body became required", B, B, "requests without it fail"),
    "body-became-optional": Rule("request body became optional", N, N, "existing requests still valid"),
    "content-type-added": Rule(
        "content type added",
        N,
        N,
        "request: clients keep their type; response: only sent when asked for (Accept or a stream flag)",
    ),
    "content-type-removed": Rule(
        "content type removed", B, B, "requests in it are rejected; responses decoded from it stop coming"
    ),
    "status-success-added": Rule(
        "success status code added", B, B, "a client expecting the old success code gets another one"
    ),
    "status-success-removed": Rule(
        "success status code removed", B, B, "the response a client decodes no longer comes"
    ),
    "status-error-added": Rule(
        "error status code added", N, N, "clients handle error statuses generically (documentation)"
    ),
    "status-error-removed": Rule("error status code removed", N, N, "clients need not handle it any more"),
    "header-added": Rule("response header added", N, N, "clients ignore headers they don't read"),
    "header-removed": Rule("response header removed", B, B, "clients reading it get nothing"),
    "header-became-optional": Rule(
        "response header became optional", B, B, "clients reading it may get nothing"
    ),
    "header-became-required": Rule("response header became required", N, N, "always sent now"),
    "field-added-optional": Rule(
        "optional field added", N, N, "request: clients need not send it; response: unknown fields are kept"
    ),
    "field-added-required": Rule(
        "required field added", B, N, "request: old requests lack it; response: unknown fields are kept"
    ),
    "field-removed": Rule(
        "field removed",
        B,
        B,
        "request: still sent, then ignored or rejected; response: clients reading it break",
    ),
    "field-became-required": Rule(
        "field became required", B, N, "request: old requests may lack it; response: always present now"
    ),
    "field-became-optional": Rule(
        "field became optional", N, B, "request: still valid; response: clients reading it may get nothing"
    ),
    "type-widened": Rule(
        "type widened (a type added, integer to number, null allowed)",
        N,
        B,
        "request: old values still valid; response: clients get values of a type they don't expect",
    ),
    "type-narrowed": Rule(
        "type narrowed (a type removed)",
        B,
        N,
        "request: some old values are rejected; response: clients get a subset of what they handle",
    ),
    "type-changed": Rule("type or schema shape changed", B, B, "neither side's values fit the other"),
    "enum-value-added": Rule(
        "enum value added",
        N,
        N,
        "request: old values still valid; response: this project's enums are open (unknown values are kept,"
        " never an error). A strict client that rejects unknown values breaks",
    ),
    "enum-value-removed": Rule(
        "enum value removed",
        B,
        N,
        "request: clients sending it are rejected; response: clients get a subset of what they handle",
    ),
    "enum-added": Rule(
        "value list (enum/const) added",
        B,
        N,
        "request: values outside the list are rejected; response: a subset of what clients handle",
    ),
    "enum-removed": Rule(
        "value list (enum/const) removed", N, B, "request: more values valid; response: any value may come"
    ),
    "variant-added": Rule(
        "oneOf/anyOf variant added",
        N,
        B,
        "request: old requests still valid; response: a shape the client's decoder does not know",
    ),
    "variant-removed": Rule(
        "oneOf/anyOf variant removed",
        B,
        N,
        "request: requests of that shape are rejected; response: a subset of the shapes clients decode",
    ),
    "constraint-tightened": Rule(
        "constraint tightened (min/max, length, pattern/format added, additionalProperties closed)",
        B,
        N,
        "request: some old values are rejected; response: values stay within what clients accept",
    ),
    "constraint-loosened": Rule(
        "constraint loosened",
        N,
        B,
        "request: old values still valid; response: clients may get values they refuse (e.g. longer)",
    ),
    "constraint-changed": Rule("pattern, format or multipleOf changed", B, B, "old and new sets differ"),
    "default-changed": Rule(
        "default value changed",
        B,
        N,
        "request: clients omitting the field get other behaviour; response: docs only",
    ),
    "default-added-or-removed": Rule("default value added or removed", N, N, "documents existing behaviour"),
    "version-label-changed": Rule(
        "default that names the document's own version changed (the version header)",
        N,
        N,
        "a client sends the version it was written for; the default only names the document's version",
    ),
    "schema-added": Rule("schema component added", N, N, "a new generated model class"),
    "schema-removed": Rule(
        "schema component removed", B, B, "the generated model class disappears: code importing it breaks"
    ),
    "security-changed": Rule("security requirement changed", B, B, "requests lack or send other credentials"),
}
del B, N


@dataclass(frozen=True)
class Change:
    """One difference between the two documents."""

    rule: str
    classification: str
    direction: str
    where: str
    at: str
    path: str
    detail: str
    note: str = ""

    def sort_key(self) -> tuple[str, ...]:
        return (self.where, self.at, self.path, self.rule, self.detail)


@dataclass(frozen=True)
class Note:
    """A difference that changes nothing a client sends or receives (documentation, labels)."""

    kind: str
    path: str
    detail: str


@dataclass
class Report:
    """All changes between two spec versions, with the hashes of the documents compared."""

    from_version: str
    to_version: str
    from_sha256: str
    to_sha256: str
    changes: list[Change] = field(default_factory=list)
    usage: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: Differences a client does not see: version labels, descriptions, examples, restated defaults.
    notes: list[Note] = field(default_factory=list)

    @property
    def breaking(self) -> list[Change]:
        return [c for c in self.changes if c.classification == BREAKING]

    @property
    def non_breaking(self) -> list[Change]:
        return [c for c in self.changes if c.classification == NON_BREAKING]

    def to_json(self) -> dict[str, Any]:
        return {
            # No spec hashes: editing a description must not make the committed report stale.
            "from": {"version": self.from_version, "spec": f"spec/{self.from_version}/openapi.yaml"},
            "to": {"version": self.to_version, "spec": f"spec/{self.to_version}/openapi.yaml"},
            "counts": {BREAKING: len(self.breaking), NON_BREAKING: len(self.non_breaking)},
            "rules": {name: asdict(rule) for name, rule in RULES.items()},
            "component_usage": self.usage,
            "changes": [asdict(c) for c in self.changes],
            "not_seen_by_clients": [asdict(n) for n in self.notes],
        }


class SpecError(ValueError):
    """The document cannot be compared (unreadable, not OpenAPI 3, or a broken ``$ref``)."""


def load_spec(path: Path) -> tuple[dict[str, Any], str]:
    """Read an OpenAPI YAML/JSON file; return the document and the SHA-256 of its bytes."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror}") from None
    try:
        doc = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise SpecError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(doc, dict) or not str(doc.get("openapi", "")).startswith("3."):
        raise SpecError(f"{path} is not an OpenAPI 3 document (no `openapi: 3.x` at the top)")
    return doc, hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------------------------- references


def _ref_target(ref: str) -> tuple[str, str] | None:
    """``#/components/<kind>/<name>`` → (kind, name); other references → None."""
    parts = ref.split("/")
    if len(parts) == 4 and parts[0] == "#" and parts[1] == "components" and parts[2] in _COMPONENT_KINDS:
        return parts[2], parts[3].replace("~1", "/").replace("~0", "~")
    return None


def _resolve(doc: Mapping[str, Any], node: Any) -> Any:
    """Follow ``$ref`` chains inside ``doc`` until a node without one."""
    seen: set[str] = set()
    while isinstance(node, Mapping) and "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise SpecError(f"only local references are supported, got {ref!r}")
        if ref in seen:
            raise SpecError(f"reference cycle without content at {ref}")
        seen.add(ref)
        target: Any = doc
        for raw in ref[2:].split("/"):
            key = raw.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, Mapping) or key not in target:
                raise SpecError(f"broken reference {ref}")
            target = target[key]
        node = target
    return node


def _refs_in(node: Any) -> Iterator[str]:
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs_in(value)


def operations(doc: Mapping[str, Any]) -> dict[str, tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """operationId (or ``METHOD path``) → (method, path, operation, path item)."""
    found: dict[str, tuple[str, str, dict[str, Any], dict[str, Any]]] = {}
    for path, raw_item in (doc.get("paths") or {}).items():
        item = _resolve(doc, raw_item)
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                key = op.get("operationId") or f"{method.upper()} {path}"
                found[key] = (method.upper(), path, op, item)
    return found


def component_usage(doc: Mapping[str, Any]) -> dict[str, dict[str, set[str]]]:
    """``kind/name`` of every component reachable from an operation → {direction: {operationIds}}."""
    usage: dict[str, dict[str, set[str]]] = {}
    for op_id, (_method, _path, op, item) in operations(doc).items():
        roots = {
            REQUEST: [*(item.get("parameters") or []), *(op.get("parameters") or []), op.get("requestBody")],
            RESPONSE: [op.get("responses")],
        }
        for direction, nodes in roots.items():
            stack = list(_refs_in(nodes))
            seen: set[str] = set()
            while stack:
                ref = stack.pop()
                if ref in seen:
                    continue
                seen.add(ref)
                target = _ref_target(ref)
                if target is None:
                    continue
                usage.setdefault("/".join(target), {}).setdefault(direction, set()).add(op_id)
                stack.extend(_refs_in(_resolve(doc, {"$ref": ref})))
    return usage


# ---------------------------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class _Ctx:
    where: str
    at: str
    directions: frozenset[str]


def _direction_label(directions: frozenset[str]) -> str:
    return "+".join(d for d in (REQUEST, RESPONSE) if d in directions)


_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_EXACT = ("pattern", "format", "multipleOf", "contentMediaType")
_SCHEMA_CHILDREN = ("items", "not", "contentSchema")


def _types(schema: Mapping[str, Any]) -> set[str] | None:
    """The JSON types a schema admits, or None when it does not say."""
    raw = schema.get("type")
    if raw is None:
        types = None
    elif isinstance(raw, list):
        types = {str(t) for t in raw}
    else:
        types = {str(raw)}
    if schema.get("nullable") is True and types is not None:
        types.add("null")
    return types


def _covers(wide: set[str], narrow: set[str]) -> bool:
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _values(schema: Mapping[str, Any]) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    enum = schema.get("enum")
    return list(enum) if isinstance(enum, list) else None


def _fmt(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


class _Differ:
    def __init__(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.old, self.new = old, new
        #: The versions the documents describe (``info.version``).
        self.labels = (_info_version(old), _info_version(new))
        self.changes: list[Change] = []
        old_usage, new_usage = component_usage(old), component_usage(new)
        self.usage: dict[str, dict[str, set[str]]] = {}
        for usage in (old_usage, new_usage):
            for name, by_direction in usage.items():
                for direction, ops in by_direction.items():
                    self.usage.setdefault(name, {}).setdefault(direction, set()).update(ops)

    # -- output

    def emit(self, ctx: _Ctx, path: str, rule: str, detail: str) -> None:
        spec = RULES[rule]
        per_direction = {spec.request if d == REQUEST else spec.response for d in ctx.directions}
        classification = BREAKING if BREAKING in per_direction else NON_BREAKING
        note = ""
        if rule == "enum-value-added" and RESPONSE in ctx.directions:
            note = "breaking for a strict client that rejects unknown values"
        self.changes.append(
            Change(
                rule, classification, _direction_label(ctx.directions), ctx.where, ctx.at, path, detail, note
            )
        )

    # -- references shared by both sides

    def _same_component(self, old: Any, new: Any) -> str | None:
        """The ``kind/name`` both nodes refer to, if they refer to the same component."""
        if isinstance(old, Mapping) and isinstance(new, Mapping) and "$ref" in old and "$ref" in new:
            a, b = _ref_target(str(old["$ref"])), _ref_target(str(new["$ref"]))
            if a is not None and a == b:
                return "/".join(a)
        return None

    # -- top level

    def run(self) -> list[Change]:
        self._servers(_Ctx("document", "servers", frozenset({REQUEST})), self.old, self.new)
        self._security(_Ctx("document", "security", frozenset({REQUEST})), self.old, self.new)
        self._operations()
        self._components()
        return sorted(self.changes, key=Change.sort_key)

    def _servers(self, ctx: _Ctx, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        def urls(node: Mapping[str, Any]) -> list[str]:
            return [str(s.get("url")) for s in node.get("servers") or [] if isinstance(s, Mapping)]

        old_urls, new_urls = urls(old), urls(new)
        if not old_urls and not new_urls:
            return
        for url in old_urls:
            if url not in new_urls:
                self.emit(ctx, "", "server-removed", f"server `{url}` removed")
        for url in new_urls:
            if url not in old_urls:
                self.emit(ctx, "", "server-added", f"server `{url}` added")

    def _security(self, ctx: _Ctx, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        if "security" not in old and "security" not in new:
            return
        if _fmt(old.get("security")) != _fmt(new.get("security")):
            self.emit(
                ctx,
                "",
                "security-changed",
                f"from {_fmt(old.get('security'))} to {_fmt(new.get('security'))}",
            )

    def _operations(self) -> None:
        old_ops, new_ops = operations(self.old), operations(self.new)
        both = frozenset({REQUEST, RESPONSE})
        for key in sorted(old_ops.keys() - new_ops.keys()):
            method, path, _op, _item = old_ops[key]
            self.emit(_Ctx(f"{key} ({method} {path})", "operation", both), "", "operation-removed", "removed")
        for key in sorted(new_ops.keys() - old_ops.keys()):
            method, path, _op, _item = new_ops[key]
            self.emit(_Ctx(f"{key} ({method} {path})", "operation", both), "", "operation-added", "added")
        for key in sorted(old_ops.keys() & new_ops.keys()):
            self._operation(key, old_ops[key], new_ops[key])

    def _operation(
        self,
        key: str,
        old: tuple[str, str, dict[str, Any], dict[str, Any]],
        new: tuple[str, str, dict[str, Any], dict[str, Any]],
    ) -> None:
        (old_method, old_path, old_op, old_item), (method, path, op, item) = old, new
        where = f"{key} ({method} {path})"
        req = frozenset({REQUEST})
        if (old_method, old_path) != (method, path):
            self.emit(
                _Ctx(where, "operation", req),
                "",
                "operation-moved",
                f"was {old_method} {old_path}, now {method} {path}",
            )
        if bool(old_op.get("deprecated")) != bool(op.get("deprecated")):
            state = "deprecated" if op.get("deprecated") else "no longer deprecated"
            self.emit(_Ctx(where, "operation", req), "", "operation-deprecated", state)
        old_servers = old_op if "servers" in old_op else old_item if "servers" in old_item else self.old
        new_servers = op if "servers" in op else item if "servers" in item else self.new
        if old_servers is not self.old or new_servers is not self.new:
            self._servers(_Ctx(where, "servers", req), old_servers, new_servers)
        if "security" in old_op or "security" in op:
            self._security(_Ctx(where, "security", req), old_op, op)
        self._parameters(
            where,
            [*(old_item.get("parameters") or []), *(old_op.get("parameters") or [])],
            [*(item.get("parameters") or []), *(op.get("parameters") or [])],
        )
        self._request_body(_Ctx(where, "request body", req), old_op.get("requestBody"), op.get("requestBody"))
        self._responses(where, old_op.get("responses") or {}, op.get("responses") or {})

    # -- parameters

    def _parameters(self, where: str, old: list[Any], new: list[Any]) -> None:
        def index(doc: dict[str, Any], params: list[Any]) -> dict[tuple[str, str], Any]:
            out: dict[tuple[str, str], Any] = {}
            for raw in params:
                param = _resolve(doc, raw)
                out[(str(param.get("in")), str(param.get("name")))] = raw  # operation level wins
            return out

        old_params, new_params = index(self.old, old), index(self.new, new)
        for loc, name in sorted(old_params.keys() - new_params.keys()):
            ctx = _Ctx(where, f"parameter {loc} `{name}`", frozenset({REQUEST}))
            self.emit(ctx, "", "parameter-removed", f"{loc} parameter `{name}` removed")
        for loc, name in sorted(new_params.keys() - old_params.keys()):
            ctx = _Ctx(where, f"parameter {loc} `{name}`", frozenset({REQUEST}))
            param = _resolve(self.new, new_params[(loc, name)])
            if param.get("required"):
                self.emit(ctx, "", "parameter-added-required", f"required {loc} parameter `{name}` added")
            else:
                self.emit(ctx, "", "parameter-added-optional", f"optional {loc} parameter `{name}` added")
        for loc, name in sorted(old_params.keys() & new_params.keys()):
            raw_old, raw_new = old_params[(loc, name)], new_params[(loc, name)]
            if self._same_component(raw_old, raw_new):
                continue
            self._parameter(
                _Ctx(where, f"parameter {loc} `{name}`", frozenset({REQUEST})),
                _resolve(self.old, raw_old),
                _resolve(self.new, raw_new),
            )

    def _parameter(self, ctx: _Ctx, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        label = f"{new.get('in')} parameter `{new.get('name')}`"
        if not old.get("required") and new.get("required"):
            self.emit(ctx, "", "parameter-became-required", f"{label} became required")
        elif old.get("required") and not new.get("required"):
            self.emit(ctx, "", "parameter-became-optional", f"{label} became optional")
        self._content_or_schema(ctx, old, new)

    def _content_or_schema(self, ctx: _Ctx, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        """Parameters and headers carry either ``schema`` or ``content``."""
        if "content" in old or "content" in new:
            self._content(ctx, old.get("content") or {}, new.get("content") or {})
        else:
            self._schema(ctx, "$", old.get("schema") or {}, new.get("schema") or {}, ())

    # -- bodies and responses

    def _request_body(self, ctx: _Ctx, old: Any, new: Any) -> None:
        if old is None and new is None:
            return
        if old is None:
            body = _resolve(self.new, new)
            rule = "body-added-required" if body.get("required") else "body-added-optional"
            self.emit(ctx, "", rule, f"request body added ({', '.join(sorted(body.get('content') or {}))})")
            return
        if new is None:
            self.emit(ctx, "", "body-removed", "request body removed")
            return
        if self._same_component(old, new):
            return
        old, new = _resolve(self.old, old), _resolve(self.new, new)
        if not old.get("required") and new.get("required"):
            self.emit(ctx, "", "body-became-required", "request body became required")
        elif old.get("required") and not new.get("required"):
            self.emit(ctx, "", "body-became-optional", "request body became optional")
        self._content(ctx, old.get("content") or {}, new.get("content") or {})

    def _content(self, ctx: _Ctx, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        for media in sorted(old.keys() - new.keys()):
            self.emit(_Ctx(ctx.where, f"{ctx.at} {media}", ctx.directions), "", "content-type-removed", media)
        for media in sorted(new.keys() - old.keys()):
            self.emit(_Ctx(ctx.where, f"{ctx.at} {media}", ctx.directions), "", "content-type-added", media)
        for media in sorted(old.keys() & new.keys()):
            sub = _Ctx(ctx.where, f"{ctx.at} {media}", ctx.directions)
            old_media, new_media = old[media] or {}, new[media] or {}
            self._schema(sub, "$", old_media.get("schema") or {}, new_media.get("schema") or {}, ())

    def _responses(self, where: str, old: Mapping[Any, Any], new: Mapping[Any, Any]) -> None:
        resp = frozenset({RESPONSE})
        old = {str(k): v for k, v in old.items()}
        new = {str(k): v for k, v in new.items()}

        def success(code: str) -> bool:
            return code.startswith("2") or code.upper() == "2XX"

        for code in sorted(old.keys() - new.keys()):
            rule = "status-success-removed" if success(str(code)) else "status-error-removed"
            self.emit(_Ctx(where, f"response {code}", resp), "", rule, f"status {code} removed")
        for code in sorted(new.keys() - old.keys()):
            rule = "status-success-added" if success(str(code)) else "status-error-added"
            body = _describe_response(_resolve(self.new, new[code]))
            self.emit(_Ctx(where, f"response {code}", resp), "", rule, f"status {code} added{body}")
        for code in sorted(old.keys() & new.keys()):
            if self._same_component(old[code], new[code]):
                continue
            self._response(
                _Ctx(where, f"response {code}", resp),
                _resolve(self.old, old[code]),
                _resolve(self.new, new[code]),
            )

    def _response(self, ctx: _Ctx, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        old_headers = {k.lower(): v for k, v in (old.get("headers") or {}).items()}
        new_headers = {k.lower(): v for k, v in (new.get("headers") or {}).items()}
        for name in sorted(old_headers.keys() - new_headers.keys()):
            self.emit(
                _Ctx(ctx.where, f"{ctx.at} header `{name}`", ctx.directions), "", "header-removed", "removed"
            )
        for name in sorted(new_headers.keys() - old_headers.keys()):
            self.emit(
                _Ctx(ctx.where, f"{ctx.at} header `{name}`", ctx.directions), "", "header-added", "added"
            )
        for name in sorted(old_headers.keys() & new_headers.keys()):
            if self._same_component(old_headers[name], new_headers[name]):
                continue
            self._header(
                _Ctx(ctx.where, f"{ctx.at} header `{name}`", ctx.directions),
                _resolve(self.old, old_headers[name]),
                _resolve(self.new, new_headers[name]),
            )
        self._content(ctx, old.get("content") or {}, new.get("content") or {})

    def _header(self, ctx: _Ctx, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        if old.get("required") and not new.get("required"):
            self.emit(ctx, "", "header-became-optional", "became optional")
        elif not old.get("required") and new.get("required"):
            self.emit(ctx, "", "header-became-required", "became required")
        self._content_or_schema(ctx, old, new)

    # -- schemas

    def _schema(self, ctx: _Ctx, path: str, old: Any, new: Any, stack: tuple[tuple[str, str], ...]) -> None:
        if self._same_component(old, new):
            return  # compared once, under the component's own name
        old_null = new_null = False
        if isinstance(old, Mapping):
            old, old_null = _unwrap_nullable(self.old, old)
        if isinstance(new, Mapping):
            new, new_null = _unwrap_nullable(self.new, new)
        if (old_null or new_null) and self._same_component(old, new):
            self._null_change(ctx, path, old_null, new_null)
            return
        key = (_ref_of(old), _ref_of(new))
        if key != ("", "") and key in stack:
            return
        stack = (*stack, key)
        old, new = _resolve(self.old, old), _resolve(self.new, new)
        if not isinstance(old, Mapping) or not isinstance(new, Mapping):
            if old != new:
                self.emit(ctx, path, "type-changed", f"schema changed from {_fmt(old)} to {_fmt(new)}")
            return
        self._type(ctx, path, old, new, old_null=old_null, new_null=new_null)
        self._enum(ctx, path, old, new)
        self._constraints(ctx, path, old, new)
        self._default(ctx, path, old, new)
        self._properties(ctx, path, old, new, stack)
        self._variants(ctx, path, old, new, stack)
        for child in _SCHEMA_CHILDREN:
            if isinstance(old.get(child), Mapping) and isinstance(new.get(child), Mapping):
                sub = f"{path}[]" if child == "items" else f"{path}<{child}>"
                self._schema(ctx, sub, old[child], new[child], stack)
        old_extra, new_extra = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(old_extra, Mapping) and isinstance(new_extra, Mapping):
            self._schema(ctx, f"{path}.*", old_extra, new_extra, stack)

    def _null_change(self, ctx: _Ctx, path: str, old_null: bool, new_null: bool) -> None:
        if new_null and not old_null:
            self.emit(ctx, path, "type-widened", "null now allowed")
        elif old_null and not new_null:
            self.emit(ctx, path, "type-narrowed", "null no longer allowed")

    def _type(
        self,
        ctx: _Ctx,
        path: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        *,
        old_null: bool,
        new_null: bool,
    ) -> None:
        old_types, new_types = _types(old), _types(new)
        if old_types is not None and old_null:
            old_types.add("null")
        if new_types is not None and new_null:
            new_types.add("null")
        old_union = any(k in old for k in ("oneOf", "anyOf"))
        new_union = any(k in new for k in ("oneOf", "anyOf"))
        if old_union != new_union:
            shape = {True: "a oneOf/anyOf union", False: "a single schema"}
            self.emit(ctx, path, "type-changed", f"was {shape[old_union]}, now {shape[new_union]}")
            return
        if old_types == new_types:
            if old_types is None:
                self._null_change(ctx, path, old_null, new_null)
            return
        if old_types is None:
            self.emit(ctx, path, "type-narrowed", f"any type → {'|'.join(sorted(new_types or ()))}")
        elif new_types is None:
            self.emit(ctx, path, "type-widened", f"{'|'.join(sorted(old_types))} → any type")
        else:
            text = f"{'|'.join(sorted(old_types))} → {'|'.join(sorted(new_types))}"
            if _covers(new_types, old_types):
                self.emit(ctx, path, "type-widened", text)
            elif _covers(old_types, new_types):
                self.emit(ctx, path, "type-narrowed", text)
            else:
                self.emit(ctx, path, "type-changed", text)

    def _enum(self, ctx: _Ctx, path: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        old_values, new_values = _values(old), _values(new)
        if old_values is None and new_values is None:
            return
        if old_values is None:
            self.emit(ctx, path, "enum-added", f"values limited to {_fmt(new_values)}")
            return
        if new_values is None:
            self.emit(ctx, path, "enum-removed", f"no longer limited to {_fmt(old_values)}")
            return
        old_keys = {_fmt(v): v for v in old_values}
        new_keys = {_fmt(v): v for v in new_values}
        for key in sorted(old_keys.keys() - new_keys.keys()):
            self.emit(ctx, path, "enum-value-removed", f"value {key} removed")
        for key in sorted(new_keys.keys() - old_keys.keys()):
            self.emit(ctx, path, "enum-value-added", f"value {key} added")

    def _constraints(self, ctx: _Ctx, path: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        for name in (*_LOWER_BOUNDS, *_UPPER_BOUNDS):
            a, b = old.get(name), new.get(name)
            if a == b or isinstance(a, bool) or isinstance(b, bool):
                continue
            text = f"{name} {_fmt(a) if a is not None else 'none'} → {_fmt(b) if b is not None else 'none'}"
            lower = name in _LOWER_BOUNDS
            if a is None:
                tighter = True
            elif b is None:
                tighter = False
            else:
                tighter = (b > a) if lower else (b < a)
            self.emit(ctx, path, "constraint-tightened" if tighter else "constraint-loosened", text)
        for name in _EXACT:
            a, b = old.get(name), new.get(name)
            if a == b:
                continue
            text = f"{name} {_fmt(a) if a is not None else 'none'} → {_fmt(b) if b is not None else 'none'}"
            if a is None:
                self.emit(ctx, path, "constraint-tightened", text)
            elif b is None:
                self.emit(ctx, path, "constraint-loosened", text)
            else:
                self.emit(ctx, path, "constraint-changed", text)
        if bool(old.get("uniqueItems")) != bool(new.get("uniqueItems")):
            rule = "constraint-tightened" if new.get("uniqueItems") else "constraint-loosened"
            self.emit(
                ctx,
                path,
                rule,
                f"uniqueItems {bool(old.get('uniqueItems'))} → {bool(new.get('uniqueItems'))}",
            )
        old_closed = old.get("additionalProperties") is False
        new_closed = new.get("additionalProperties") is False
        if old_closed != new_closed:
            rule = "constraint-tightened" if new_closed else "constraint-loosened"
            state = "closed (additionalProperties: false)" if new_closed else "open to unknown properties"
            self.emit(ctx, path, rule, f"object is now {state}")

    def _default(self, ctx: _Ctx, path: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        if "default" not in old and "default" not in new:
            return
        a, b = old.get("default"), new.get("default")
        if "default" in old and "default" in new:
            if _fmt(a) != _fmt(b) and (a, b) == self.labels:
                self.emit(ctx, path, "version-label-changed", f"default {_fmt(a)} → {_fmt(b)}")
            elif _fmt(a) != _fmt(b):
                self.emit(ctx, path, "default-changed", f"default {_fmt(a)} → {_fmt(b)}")
        elif "default" in new:
            self.emit(ctx, path, "default-added-or-removed", f"default {_fmt(b)} added")
        else:
            self.emit(ctx, path, "default-added-or-removed", f"default {_fmt(a)} removed")

    def _properties(
        self,
        ctx: _Ctx,
        path: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        stack: tuple[tuple[str, str], ...],
    ) -> None:
        old_props, new_props = old.get("properties") or {}, new.get("properties") or {}
        old_req, new_req = set(old.get("required") or ()), set(new.get("required") or ())
        for name in sorted(old_props.keys() - new_props.keys()):
            self.emit(ctx, f"{path}.{name}", "field-removed", f"field `{name}` removed")
        for name in sorted(new_props.keys() - old_props.keys()):
            if name in new_req:
                self.emit(ctx, f"{path}.{name}", "field-added-required", f"required field `{name}` added")
            else:
                self.emit(ctx, f"{path}.{name}", "field-added-optional", f"optional field `{name}` added")
        for name in sorted(old_props.keys() & new_props.keys()):
            if name not in old_req and name in new_req:
                self.emit(ctx, f"{path}.{name}", "field-became-required", f"field `{name}` became required")
            elif name in old_req and name not in new_req:
                self.emit(ctx, f"{path}.{name}", "field-became-optional", f"field `{name}` became optional")
            self._schema(ctx, f"{path}.{name}", old_props[name], new_props[name], stack)

    def _variants(
        self,
        ctx: _Ctx,
        path: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        stack: tuple[tuple[str, str], ...],
    ) -> None:
        for keyword in ("oneOf", "anyOf", "allOf"):
            if keyword not in old and keyword not in new:
                continue
            old_variants = _keyed_variants(self.old, old.get(keyword) or [])
            new_variants = _keyed_variants(self.new, new.get(keyword) or [])
            for key in sorted(old_variants.keys() - new_variants.keys()):
                rule = "type-changed" if keyword == "allOf" else "variant-removed"
                self.emit(ctx, path, rule, f"{keyword} variant {key} removed")
            for key in sorted(new_variants.keys() - old_variants.keys()):
                rule = "type-changed" if keyword == "allOf" else "variant-added"
                self.emit(ctx, path, rule, f"{keyword} variant {key} added")
            for key in sorted(old_variants.keys() & new_variants.keys()):
                self._schema(ctx, f"{path}<{keyword} {key}>", old_variants[key], new_variants[key], stack)
        old_map = ((old.get("discriminator") or {}).get("mapping")) or {}
        new_map = ((new.get("discriminator") or {}).get("mapping")) or {}
        for value in sorted(old_map.keys() - new_map.keys()):
            self.emit(ctx, path, "variant-removed", f"discriminator value {_fmt(value)} removed")
        for value in sorted(new_map.keys() - old_map.keys()):
            self.emit(ctx, path, "variant-added", f"discriminator value {_fmt(value)} added")

    # -- components

    def _components(self) -> None:
        old_comps = self.old.get("components") or {}
        new_comps = self.new.get("components") or {}
        for kind in _COMPONENT_KINDS:
            old_kind, new_kind = old_comps.get(kind) or {}, new_comps.get(kind) or {}
            if kind == "schemas":
                both = frozenset({REQUEST, RESPONSE})
                for name in sorted(old_kind.keys() - new_kind.keys()):
                    self.emit(_Ctx(f"schema {name}", "component", both), "", "schema-removed", "removed")
                for name in sorted(new_kind.keys() - old_kind.keys()):
                    self.emit(_Ctx(f"schema {name}", "component", both), "", "schema-added", "added")
            for name in sorted(old_kind.keys() & new_kind.keys()):
                used = self.usage.get(f"{kind}/{name}", {})
                directions = frozenset(used) or frozenset({REQUEST, RESPONSE})
                if kind != "schemas":
                    directions = frozenset({_KIND_DIRECTION[kind]})
                ctx = _Ctx(f"{_KIND_LABEL[kind]} {name}", "component", directions)
                old_node = _resolve(self.old, old_kind[name])
                new_node = _resolve(self.new, new_kind[name])
                if kind == "schemas":
                    ref = f"#/components/schemas/{name}"
                    self._schema(ctx, "$", old_node, new_node, ((ref, ref),))
                elif kind == "parameters":
                    self._parameter(ctx, old_node, new_node)
                elif kind == "requestBodies":
                    self._request_body(ctx, old_kind[name], new_kind[name])
                elif kind == "responses":
                    self._response(ctx, old_node, new_node)
                else:
                    self._header(ctx, old_node, new_node)


def _info_version(doc: Mapping[str, Any]) -> str | None:
    info = doc.get("info")
    version = info.get("version") if isinstance(info, Mapping) else None
    return str(version) if version is not None else None


# ---------------------------------------------------------------------------------------------- notes

#: Keys whose values only document: a change to them changes nothing on the wire.
DOC_KEYS = ("description", "summary", "title", "example", "examples", "externalDocs")


def _json_path(parts: tuple[str | int, ...]) -> str:
    text = "$"
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.replace("-", "_").isidentifier():
            text += f".{part}"
        else:
            text += f"[{part!r}]"
    return text


def documentation_notes(old: Any, new: Any, parts: tuple[str | int, ...] = ()) -> list[Note]:
    """What differs between two documents without a client seeing it, in document order.

    Walks the places both documents have: documentation keys whose text changed, `info`, mappings whose
    keys were reordered, and `additionalProperties: true` written out or dropped (it is the default).
    """
    notes: list[Note] = []
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        where = _json_path(parts)
        if parts == ():
            old_info, new_info = old.get("info") or {}, new.get("info") or {}
            for key in [*old_info, *(k for k in new_info if k not in old_info)]:
                a, b = old_info.get(key), new_info.get(key)
                if _fmt(a) == _fmt(b):
                    continue
                if key == "version":
                    notes.append(Note("version label", "$.info.version", f"{_fmt(a)} → {_fmt(b)}"))
                else:
                    notes.append(Note(str(key), _json_path(("info", key)), f"info {key} changed"))
        common = [k for k in new if k in old]
        if [k for k in old if k in new] != common:
            notes.append(Note("order", where, "keys reordered (order has no meaning in an OpenAPI object)"))
        for key in sorted(set(old) ^ set(new), key=str):
            present = "added" if key in new else "removed"
            if key in DOC_KEYS:
                notes.append(Note(str(key), _json_path((*parts, key)), f"{key} {present}"))
            elif key == "additionalProperties" and (
                old.get(key, True) is True and new.get(key, True) is True
            ):
                notes.append(
                    Note(
                        "restated default",
                        _json_path((*parts, key)),
                        f"`additionalProperties: true` {'written out' if key in new else 'dropped'}"
                        " (the default: the object stays open)",
                    )
                )
        for key in common:
            sub = (*parts, key)
            if parts == () and key == "info":
                continue
            if key in DOC_KEYS:
                if _fmt(old[key]) != _fmt(new[key]):
                    notes.append(Note(str(key), _json_path(sub), f"{key} changed"))
            else:
                notes.extend(documentation_notes(old[key], new[key], sub))
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            notes.extend(documentation_notes(a, b, (*parts, index)))
    return notes


def summary_lines(report: Report, limit: int = 20) -> list[str]:
    """A plain-language summary: whether anything breaks, then what changed (first `limit` of each kind)."""
    old = report.from_version
    breaking, other = report.breaking, report.non_breaking
    if breaking:
        head = (
            f"{len(breaking)} change(s) can break a client written against {old}; adapt the client to them."
        )
    elif other:
        head = f"Nothing breaks for a client written against {old}."
    else:
        head = f"Nothing breaks for a client written against {old}: a client sees no difference."
    lines = [
        head,
        f"Changes a client sees: {len(breaking)} breaking, {len(other)} non-breaking.",
    ]
    for change in [*breaking, *other][:limit]:
        mark = "breaking" if change.classification == BREAKING else "non-breaking"
        place = f"{change.where} | {change.at}" + (f" {change.path}" if change.path else "")
        lines.append(f"  - {mark}: {place}: {change.detail}")
    if len(report.changes) > limit:
        lines.append(f"  - ... and {len(report.changes) - limit} more")
    lines.append(f"Differences a client does not see (descriptions, examples, labels): {len(report.notes)}.")
    for note in report.notes[:limit]:
        lines.append(f"  - {note.path}: {note.detail}")
    if len(report.notes) > limit:
        lines.append(f"  - ... and {len(report.notes) - limit} more")
    return lines


def _describe_response(response: Mapping[str, Any]) -> str:
    """`` (application/json: OperationModel; headers: Location)`` for a response, ``""`` when it is empty."""
    parts = []
    for media, item in sorted((response.get("content") or {}).items()):
        ref = _ref_of((item or {}).get("schema") or {})
        parts.append(f"{media}: {ref.rsplit('/', 1)[-1]}" if ref else media)
    headers = sorted(response.get("headers") or {})
    if headers:
        parts.append(f"headers: {', '.join(headers)}")
    return f" ({'; '.join(parts)})" if parts else ""


def _ref_of(node: Any) -> str:
    return str(node["$ref"]) if isinstance(node, Mapping) and "$ref" in node else ""


def _unwrap_nullable(doc: Mapping[str, Any], schema: Mapping[str, Any]) -> tuple[Any, bool]:
    """``anyOf/oneOf: [X, {type: null}]`` → (X, True); anything else → (schema, False)."""
    for keyword in ("anyOf", "oneOf"):
        variants = schema.get(keyword)
        if isinstance(variants, list) and len(variants) == 2:
            nulls = [v for v in variants if isinstance(v, Mapping) and _resolve(doc, v).get("type") == "null"]
            if len(nulls) == 1:
                other = next(v for v in variants if v is not nulls[0])
                rest = {k: v for k, v in schema.items() if k != keyword}
                if rest and not ("$ref" in other and set(rest) <= {"description", "title", "default"}):
                    merged = dict(_resolve(doc, other))
                    merged.update(rest)
                    return merged, True
                return other, True
    return schema, False


def _keyed_variants(doc: Mapping[str, Any], variants: Iterable[Any]) -> dict[str, Any]:
    """Match union members across versions: by component name, else by type, else by position."""
    out: dict[str, Any] = {}
    for position, variant in enumerate(variants):
        key: str
        if isinstance(variant, Mapping) and isinstance(variant.get("$ref"), str):
            key = str(variant["$ref"]).rsplit("/", 1)[-1]
        elif isinstance(variant, Mapping) and "type" in variant:
            types = variant["type"] if isinstance(variant["type"], list) else [variant["type"]]
            key = "type:" + "|".join(sorted(map(str, types)))
        else:
            key = f"#{position}"
        if key in out:
            key = f"{key}#{position}"
        out[key] = variant
    return out


def compare(
    old: dict[str, Any],
    new: dict[str, Any],
    *,
    from_version: str = "old",
    to_version: str = "new",
    from_sha256: str = "",
    to_sha256: str = "",
) -> Report:
    """All changes from ``old`` to ``new``, sorted by location."""
    differ = _Differ(old, new)
    changes = differ.run()
    usage = {
        name: {direction: sorted(ops) for direction, ops in sorted(by_dir.items())}
        for name, by_dir in sorted(differ.usage.items())
    }
    notes = documentation_notes(old, new)
    return Report(from_version, to_version, from_sha256, to_sha256, changes, usage, notes)


def compare_files(old_path: Path, new_path: Path, from_version: str, to_version: str) -> Report:
    old, old_sha = load_spec(old_path)
    new, new_sha = load_spec(new_path)
    return compare(
        old, new, from_version=from_version, to_version=to_version, from_sha256=old_sha, to_sha256=new_sha
    )


# ---------------------------------------------------------------------------------------------- rendering


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _paragraphs(lines: list[str]) -> list[str]:
    """Summary lines as Markdown: a blank line before each line that is not a list item."""
    out: list[str] = []
    for line in lines:
        if out and not line.startswith("  - "):
            out.append("")
        out.append(line)
    return out


def render_markdown(report: Report) -> str:
    """The change report as Markdown: the rules table, the counts, then the changes grouped by place."""
    lines = [
        f"# API changes {report.from_version} → {report.to_version}",
        "",
        f"Generated by `scripts/bump.py` from `spec/{report.from_version}/openapi.yaml` and"
        f" `spec/{report.to_version}/openapi.yaml`. Descriptions, examples and version labels are not"
        " classified; they are listed at the end. Do not edit:"
        f" rerun `python scripts/bump.py {report.from_version} {report.to_version} --report-only`.",
        "",
        f"**{len(report.breaking)} breaking, {len(report.non_breaking)} non-breaking** changes for a client"
        f" written against {report.from_version}.",
        "",
        "## Summary",
        "",
        *_paragraphs(summary_lines(report)),
        "",
        "## How changes are classified",
        "",
        "A change is *breaking* when a client written against the old version can fail or misread data"
        " against the new one. A change to a schema component used in both requests and responses is breaking"
        " if it is breaking on either side. Enums are treated as open, as this project's generated client"
        " treats them: an added value in a response is non-breaking here, and its note says it breaks strict"
        " clients.",
        "",
        "| Change | In a request | In a response | Why |",
        "|---|---|---|---|",
    ]
    for rule in RULES.values():
        lines.append(f"| {rule.title} | {rule.request} | {rule.response} | {_cell(rule.why)} |")
    sections: dict[str, list[Change]] = {}
    for change in report.changes:
        sections.setdefault(change.where, []).append(change)
    components = {f"{label} ": kind for kind, label in _KIND_LABEL.items()}
    order = sorted(sections, key=lambda w: (any(w.startswith(p) for p in components), w))
    lines += ["", "## Changes", ""]
    if not report.changes:
        lines.append("No changes.")
    for where in order:
        lines += [f"### {where}", ""]
        for prefix, kind in components.items():
            used = (
                report.usage.get(f"{kind}/{where.removeprefix(prefix)}") if where.startswith(prefix) else None
            )
            if used:
                parts = [f"{d}: {', '.join(ops)}" for d, ops in used.items()]
                lines += [f"Used by {'; '.join(parts)}.", ""]
        lines += ["| | Change | At | Path | Detail |", "|---|---|---|---|---|"]
        for c in sections[where]:
            mark = "**breaking**" if c.classification == BREAKING else "non-breaking"
            detail = c.detail + (f" ({c.note})" if c.note else "")
            path = f"`{c.path}`" if c.path else ""
            lines.append(
                f"| {mark} | {RULES[c.rule].title} | {_cell(c.at)} | {_cell(path)} | {_cell(detail)} |"
            )
        lines.append("")
    lines += ["## Not seen by a client", ""]
    if not report.notes:
        lines.append("Nothing else differs.")
    else:
        lines += [
            "Descriptions, examples, version labels and restated defaults: nothing a client sends or gets.",
            "",
            "| Kind | Where | Detail |",
            "|---|---|---|",
        ]
        lines += [f"| {n.kind} | `{_cell(n.path)}` | {_cell(n.detail)} |" for n in report.notes]
    return "\n".join(lines).rstrip() + "\n"


def render_json(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
