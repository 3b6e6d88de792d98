"""Load the OpenAPI documents in spec/ and check their examples against their schemas."""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parents[2]
SPEC_DIR = ROOT / "spec"
#: Every version with a spec, oldest first.
VERSIONS = tuple(sorted(p.parent.name for p in SPEC_DIR.glob("*/openapi.yaml")))
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
SPEC_URI = "urn:assistant-api-spec"


@functools.cache
def _load(version: str) -> dict[str, Any]:
    document = yaml.safe_load((SPEC_DIR / version / "openapi.yaml").read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def load_spec(version: str) -> dict[str, Any]:
    """A private copy of spec/<version>/openapi.yaml, free to modify."""
    return copy.deepcopy(_load(version))


def pointer(*parts: str | int) -> str:
    """A JSON pointer (RFC 6901) made of `parts`."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def resolve(document: dict[str, Any], ref: str) -> Any:
    """The value a local `#/...` reference points at."""
    assert ref.startswith("#/"), f"only local references are used in the spec, got {ref!r}"
    node: Any = document
    for raw in ref[2:].split("/"):
        node = node[raw.replace("~1", "/").replace("~0", "~")]
    return node


def follow(document: dict[str, Any], node: Any, at: str) -> tuple[Any, str]:
    """`node` (found at pointer `at`) with a `$ref` replaced by its target, and the target's pointer."""
    if isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        return resolve(document, ref), ref[1:]
    return node, at


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) for every operation of the document."""
    for path, item in document["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield method, path, item[method]


@dataclass(frozen=True)
class Example:
    """One example found in the document, and the schema it has to satisfy."""

    location: str  # where the example is, as a JSON pointer
    schema_at: str  # pointer to the schema the example must satisfy
    value: Any


def _media_examples(document: dict[str, Any], media: dict[str, Any], at: str) -> Iterator[Example]:
    schema_at = at + pointer("schema")
    if "example" in media:
        yield Example(at + pointer("example"), schema_at, media["example"])
    for name, entry in media.get("examples", {}).items():
        entry_value, entry_at = follow(document, entry, at + pointer("examples", name))
        yield Example(entry_at + pointer("value"), schema_at, entry_value["value"])


def _parameter_examples(document: dict[str, Any], node: Any, at: str) -> Iterator[Example]:
    parameter, parameter_at = follow(document, node, at)
    if "schema" in parameter and "example" in parameter:
        yield Example(
            parameter_at + pointer("example"), parameter_at + pointer("schema"), parameter["example"]
        )


def collect_examples(document: dict[str, Any]) -> list[Example]:
    """Every example of the document: parameters, headers, request and response bodies, schemas."""
    found: dict[tuple[str, str], Example] = {}

    def add(examples: Iterator[Example]) -> None:
        for example in examples:
            found.setdefault((example.location, example.schema_at), example)

    for path, item in document["paths"].items():
        for method in HTTP_METHODS:
            if method not in item:
                continue
            operation = item[method]
            op_at = pointer("paths", path, method)
            for index, parameter in enumerate(operation.get("parameters", [])):
                add(_parameter_examples(document, parameter, op_at + pointer("parameters", index)))
            if "requestBody" in operation:
                body, body_at = follow(document, operation["requestBody"], op_at + pointer("requestBody"))
                for media_type, media in body.get("content", {}).items():
                    add(_media_examples(document, media, body_at + pointer("content", media_type)))
            for status, raw in operation["responses"].items():
                response, response_at = follow(document, raw, op_at + pointer("responses", status))
                for media_type, media in response.get("content", {}).items():
                    add(_media_examples(document, media, response_at + pointer("content", media_type)))
                for name, raw_header in response.get("headers", {}).items():
                    add(_parameter_examples(document, raw_header, response_at + pointer("headers", name)))
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        schema_at = pointer("components", "schemas", name)
        for index, value in enumerate(schema.get("examples", [])):
            add(iter([Example(schema_at + pointer("examples", index), schema_at, value)]))
        if "example" in schema:
            add(iter([Example(schema_at + pointer("example"), schema_at, schema["example"])]))
    return list(found.values())


def _validator(document: dict[str, Any], schema_at: str) -> Draft202012Validator:
    registry: Registry[Any] = Registry().with_resource(
        SPEC_URI, Resource(contents=document, specification=DRAFT202012)
    )
    return Draft202012Validator(
        {"$ref": f"{SPEC_URI}#{schema_at}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _problems(document: dict[str, Any], schema_at: str, value: Any, location: str) -> list[str]:
    problems = []
    for error in _validator(document, schema_at).iter_errors(value):
        cause = _closest_branch_error(error)
        inner = "/".join(str(part) for part in cause.absolute_path) or "(top)"
        problems.append(f"{location}: at {inner}: {cause.message}")
    return problems


def _closest_branch_error(error: ValidationError) -> ValidationError:
    """For a failed oneOf/anyOf, the error inside the branch that failed least (the one meant)."""
    while error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        ranked = sorted(branches.values(), key=len)
        if len(ranked) > 1 and len(ranked[0]) == len(ranked[1]):
            break  # no branch stands out; report the union itself
        error = ranked[0][0]
    return error


def example_problems(document: dict[str, Any], example: Example) -> list[str]:
    """What is wrong with one example; empty when it satisfies its schema.

    A schema whose `data` property holds JSON text (`contentMediaType: application/json` with a
    `contentSchema`, the form used for server-sent events) also has the decoded payload checked against
    the `contentSchema`: JSON Schema treats those keywords as annotations only.
    """
    problems = _problems(document, example.schema_at, example.value, example.location)
    schema, schema_at = follow(document, resolve(document, "#" + example.schema_at), example.schema_at)
    data = schema.get("properties", {}).get("data", {}) if isinstance(schema, dict) else {}
    if data.get("contentMediaType") == "application/json" and "contentSchema" in data:
        text = example.value.get("data") if isinstance(example.value, dict) else None
        if not isinstance(text, str):
            return [*problems, f"{example.location}: `data` must be a string holding JSON"]
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            return [*problems, f"{example.location}: `data` is not JSON: {exc}"]
        payload_at = schema_at + pointer("properties", "data", "contentSchema")
        problems += _problems(document, payload_at, payload, example.location + " (data payload)")
    return problems
