"""Claims: what a run establishes, per operation of the spec, in three categories.

The denominator is every operation of the spec version, read from the spec at run time. A claim
is made only by a passing check that judged at least one case:

* ``request``: the client under test put the documented method, path (with its server prefix) and
  ``X-Pinecone-Api-Version`` on the wire: ``requests.<op>.wire_request``;
* ``response``: the documented success body round-trips through the generated models and the
  oracle, also with its optional fields absent: ``serialization.generated.<C>.attrs_roundtrip``,
  ``.oracle_agrees`` and ``.optional_fields_absent`` (when ``C`` has optional fields) for the
  operation's success schema ``C`` (also ``serialization.responses.<C>.*`` when the run saw one);
* ``error``: the target answered a documented 4xx whose body the error schema accepts
  (``schema.<op>.response_schema_conformance``), in the error envelope where the operation uses
  it (``schema.<op>.envelope_status_matches_http``).

Each claim is ``pass``, ``fail`` or ``missing`` (no passing check made it; the reason says why), or
``not_applicable`` with the reason (for example, a success answer with no body). A run whose
claims are incomplete (any ``missing``) exits with :data:`EXIT_INCOMPLETE_CLAIMS`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from assistant_conformance.coverage import declared_operations, resolve_ref
from assistant_conformance.results import CheckResult, Status

CATEGORIES = ("request", "response", "error")
#: Which suite makes which category of claim.
SUITE_OF = {"request": "requests", "response": "serialization", "error": "schema"}
#: Exit status of a run whose checks all pass but whose claims are incomplete.
EXIT_INCOMPLETE_CLAIMS = 3
#: The error-envelope check does not apply to these operations: their errors are ``{"message"}``.
NO_ENVELOPE = frozenset({"metrics_alignment"})

PASS = "pass"  # noqa: S105 (a verdict, not a password)
FAIL = "fail"
MISSING = "missing"
NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class Claim:
    verdict: str
    reason: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"verdict": self.verdict, "reason": self.reason} if self.reason else {"verdict": self.verdict}


def success_schemas(spec: Mapping[str, Any]) -> dict[str, list[str]]:
    """operationId -> names of the components its 2xx answers carry (JSON bodies and stream events)."""
    out: dict[str, list[str]] = {}
    for path_item in (spec.get("paths") or {}).values():
        item = resolve_ref(spec, path_item)
        for method, operation in item.items():
            if not isinstance(operation, Mapping) or "operationId" not in operation:
                continue
            names: list[str] = []
            for code, raw in (operation.get("responses") or {}).items():
                if not str(code).startswith("2"):
                    continue
                response = resolve_ref(spec, raw)
                for media_type, media in (response.get("content") or {}).items():
                    schema = (media or {}).get("schema") or {}
                    if media_type == "text/event-stream":
                        event = resolve_ref(spec, schema)
                        data = (event.get("properties") or {}).get("data") or {}
                        schema = data.get("contentSchema") or {}
                    names.extend(_component_names(schema))
            out[str(operation["operationId"])] = list(dict.fromkeys(names))
            del method
    return out


def _component_names(schema: Any) -> list[str]:
    if not isinstance(schema, Mapping):
        return []
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        return [ref.rsplit("/", 1)[1]]
    names: list[str] = []
    for key in ("oneOf", "anyOf", "allOf"):
        for variant in schema.get(key) or []:
            names.extend(_component_names(variant))
    return names


def _verdict(checks: Mapping[str, CheckResult], ids: Iterable[str]) -> Claim:
    """Pass when every named check passed on at least one case; fail when one failed."""
    missing: list[str] = []
    for check_id in ids:
        check = checks.get(check_id)
        if check is None:
            missing.append(f"{check_id} did not run")
        elif check.status in {Status.FAIL, Status.XFAIL, Status.STALE, Status.NOT_RECORDED}:
            return Claim(FAIL, f"{check_id} is {check.status.value}")
        elif check.status is not Status.PASS or check.cases < 1:
            missing.append(f"{check_id} is {check.status.value}: {check.message}".rstrip(": "))
    return Claim(MISSING, "; ".join(missing)) if missing else Claim(PASS)


def _documented_4xx_seen(coverage: Mapping[str, Any], op: str) -> bool:
    entry = (coverage.get("operations") or {}).get(op) or {}
    declared = {str(c) for c in entry.get("status_codes_declared", [])}
    seen = {str(s) for s in entry.get("status_codes_seen", [])}
    return any(s.startswith("4") and (s in declared or "4XX" in declared) for s in seen)


def compute(
    spec: Mapping[str, Any],
    checks: Iterable[CheckResult],
    coverage: Mapping[str, Any],
    suites: Iterable[str],
    operations: Iterable[str] = (),
) -> dict[str, dict[str, Claim]]:
    """operationId -> category -> claim, for the categories the suites that ran can make."""
    by_id = {check.id: check for check in checks}
    ran = set(suites)
    chosen = set(operations)
    categories = [c for c in CATEGORIES if SUITE_OF[c] in ran]
    schemas = success_schemas(spec)
    out: dict[str, dict[str, Claim]] = {}
    for declared in declared_operations(spec):
        op = declared.operation_id
        if chosen and op not in chosen:
            continue
        row: dict[str, Claim] = {}
        for category in categories:
            if category == "request":
                row[category] = _verdict(by_id, [f"requests.{op}.wire_request"])
            elif category == "response":
                names = schemas.get(op, [])
                if not names:
                    row[category] = Claim(NOT_APPLICABLE, "the spec documents no success body")
                    continue
                ids = [
                    f"serialization.generated.{n}.{k}"
                    for n in names
                    for k in ("attrs_roundtrip", "oracle_agrees")
                ]
                ids += [
                    check_id
                    for n in names
                    for check_id in (
                        f"serialization.generated.{n}.optional_fields_absent",
                        f"serialization.responses.{n}.attrs_roundtrip",
                        f"serialization.responses.{n}.oracle_agrees",
                    )
                    if check_id in by_id
                ]
                row[category] = _verdict(by_id, ids)
            else:
                ids = [f"schema.{op}.response_schema_conformance", f"schema.{op}.status_code_conformance"]
                if op not in NO_ENVELOPE:
                    ids.append(f"schema.{op}.envelope_status_matches_http")
                claim = _verdict(by_id, ids)
                if claim.verdict == PASS and not _documented_4xx_seen(coverage, op):
                    claim = Claim(MISSING, "the target answered no documented 4xx status")
                row[category] = claim
        out[op] = row
    return out


def incomplete(claims: Mapping[str, Mapping[str, Claim]]) -> list[str]:
    """``<operation>.<category>: reason`` of every missing claim."""
    return [
        f"{op}.{category}: {claim.reason}"
        for op, row in claims.items()
        for category, claim in row.items()
        if claim.verdict == MISSING
    ]


def to_json(version: str, claims: Mapping[str, Mapping[str, Claim]]) -> dict[str, Any]:
    """The ``claims`` section of report.json: ``{version: {op: {category: verdict}}}`` and the reasons."""
    return {
        version: {
            op: {category: claim.verdict for category, claim in row.items()} for op, row in claims.items()
        },
        "reasons": {
            f"{op}.{category}": claim.reason
            for op, row in claims.items()
            for category, claim in row.items()
            if claim.reason
        },
    }


def render_markdown(section: Mapping[str, Any]) -> list[str]:
    """The claims table of report.md, from the ``claims`` section of report.json."""
    lines: list[str] = []
    reasons = section.get("reasons") or {}
    for version, table in section.items():
        if version == "reasons" or not isinstance(table, Mapping):
            continue
        categories = [c for c in CATEGORIES if any(c in row for row in table.values())]
        lines += [
            f"## Claims (spec {version})",
            "",
            "| operation | " + " | ".join(categories) + " |",
            "|---|" + "---|" * len(categories),
        ]
        for op, row in table.items():
            lines.append(f"| {op} | " + " | ".join(str(row.get(c, "-")) for c in categories) + " |")
        lines.append("")
    if reasons:
        lines += ["Why a claim is not made:", ""]
        lines += [f"- `{name}`: {str(reason)[:300]}" for name, reason in reasons.items()]
        lines.append("")
    return lines
