"""Schema conformance: schemathesis over every operation of the chosen spec version.

Phases examples, coverage and fuzzing (stateful is off: it is slow and the data plane needs a
prepared assistant anyway), positive and negative cases, every built-in check, streamed events
validated one by one against the ``contentSchema`` of each ``data`` field, plus the custom checks of
:mod:`assistant_conformance.checks`.

Path parameters are steered to the scratch assistant and its fixtures through schemathesis
dictionaries, so most data-plane cases reach real data. Destructive calls never touch anything the
run did not create: against a non-disposable target (live, URL) ``delete_assistant``,
``update_assistant`` and ``create_assistant`` only see names of the run, and ``delete_file`` only
the spare files.

After the engine, a few *probes* send documented requests built from the fixture corpus (a filtered
chat, a streamed chat, a JSON answer, a completion stream, filtered context) and run the same checks
on them, so the custom checks always have material to judge.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

from assistant_conformance.checks import (
    CUSTOM_CHECKS,
    ActiveRun,
    Exchange,
    register_schemathesis_checks,
)
from assistant_conformance.context import RunContext, is_not_recorded
from assistant_conformance.coverage import HTTP_METHODS, declared_operations, resolve_ref
from assistant_conformance.drift import header_pairs
from assistant_conformance.fixtures import COMMON_QUERY
from assistant_conformance.redact import curl_command
from assistant_conformance.results import CheckCollector, Reproduction, SuiteResult

SUITE = "schema"
# Response checks replayed on the probes (the request-side checks need generated cases).
PROBE_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)


def operation_planes(spec: Mapping[str, Any]) -> dict[str, str]:
    """operationId -> ``control`` | ``data`` | ``evaluation``, read from path-level ``servers``."""
    out: dict[str, str] = {}
    for raw_item in (spec.get("paths") or {}).values():
        item = resolve_ref(spec, raw_item)
        servers = item.get("servers") or []
        urls = [str(s.get("url", "")) for s in servers if isinstance(s, Mapping)]
        if any("{assistant_host}" in u for u in urls):
            plane = "data"
        elif urls:
            plane = "evaluation"
        else:
            plane = "control"
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, Mapping) and operation.get("operationId"):
                out[str(operation["operationId"])] = plane
    return out


_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_DESTRUCTIVE_DATA_OPS = frozenset({"upload_file", "upsert_file", "delete_file"})


class Guard:
    """Keeps generated requests away from anything the run did not create, and from the fixtures.

    Called on every case right before schemathesis sends it (also when a check re-sends one).
    A name that breaks the documented pattern is left alone: it cannot name an existing assistant,
    and it is what a negative case is about. On a non-disposable target (live, URL) every valid name
    sent to a control-plane write or to the data plane becomes one of the run's own names.
    Everywhere, the scratch assistant is never deleted and fixture files are never deleted or replaced.
    """

    def __init__(self, ctx: RunContext) -> None:
        target = ctx.target
        self.prefix = target.name_prefix
        self.scratch = target.assistant
        self.run_names = [f"{target.name_prefix}-n{i}" for i in range(3)]
        self.careful = not target.disposable
        self.fixtures = set(target.fixture_ids().values())
        self.spares = list(target.spare_file_ids) or ["spare-none"]
        self.planes = operation_planes(ctx.spec)
        self.fixture_list = sorted(self.fixtures)
        self.victim = target.victim_assistant or self.run_names[0]
        self.operations = list(target.operation_ids)
        self.rewrites = 0

    def _valid(self, name: Any) -> bool:
        if isinstance(name, int) and not isinstance(name, bool):
            name = str(name)  # rendered into the path as digits, which is a valid name
        return isinstance(name, str) and len(name) <= 63 and bool(_NAME.match(name))

    def _own(self, name: Any) -> bool:
        return isinstance(name, str) and name.startswith(self.prefix)

    def _pick(self, options: list[str], seed: str) -> str:
        return options[sum(seed.encode()) % len(options)]

    def _aim_missing_header_case(self, op_id: str, params: dict[str, Any]) -> None:
        """A case without a required header is aimed at a resource that exists.

        schemathesis does not judge ``missing_required_header`` when the answer is a 404 for a drawn
        resource, so whether it ran would depend on the draw; aimed at real resources, its verdict is
        the same for every seed. ``delete_assistant`` gets an assistant kept for this purpose only.
        ``delete_file`` gets a file that does not exist: without the header the service answers as
        its oldest version, where a deletion is a 200 that 2026-04 does not document, so a real
        deletion would fail ``status_code_conformance`` for the same known cause.
        """
        if "assistant_name" in params:
            params["assistant_name"] = self.victim if op_id == "delete_assistant" else self.scratch
        if "assistant_file_id" in params:
            if op_id == "delete_file":
                params["assistant_file_id"] = f"{self.prefix}-no-such-file"
            elif op_id == "describe_file":
                params["assistant_file_id"] = self.fixture_list[0]
        if "operation_id" in params and self.operations:
            params["operation_id"] = self.operations[0]
        self.rewrites += 1

    def __call__(self, case: Any) -> None:
        from assistant_conformance.checks import operation_id_of

        op_id = operation_id_of(case)
        params = case.path_parameters if isinstance(case.path_parameters, dict) else {}
        if _is_missing_header_case(case):
            self._aim_missing_header_case(op_id, params)
            return
        name = params.get("assistant_name")
        if op_id == "create_assistant" and self.careful and isinstance(case.body, dict):
            body_name = case.body.get("name")
            if self._valid(body_name) and not self._own(body_name):
                case.body["name"] = self._pick(self.run_names, str(body_name))
                self.rewrites += 1
        elif (
            op_id == "delete_assistant"
            and self._valid(name)
            and (name == self.scratch or not self._own(name))
        ):
            if self.careful or name == self.scratch:
                params["assistant_name"] = self._pick(self.run_names, str(name))
                self.rewrites += 1
        elif (
            self.careful
            and (op_id == "update_assistant" or self.planes.get(op_id) == "data")
            and self._valid(name)
            and not self._own(name)
        ):
            params["assistant_name"] = self.scratch
            self.rewrites += 1
        if op_id in _DESTRUCTIVE_DATA_OPS and params.get("assistant_file_id") in self.fixtures:
            file_id = params["assistant_file_id"]
            params["assistant_file_id"] = (
                self._pick(self.spares, str(file_id))
                if op_id == "delete_file"
                else f"guarded-{file_id}"[:128]
            )
            self.rewrites += 1


#: Operations where a request that is valid by the schema may still be refused with a documented 400,
#: because the rule is stated in prose, not in JSON Schema. For them a 400 answer to a positive case
#: is accepted by ``positive_data_acceptance``. Every other status it expects stays as schemathesis has it.
SEMANTIC_400: dict[str, str] = {
    "create_assistant": "the name is already taken",
    "list_assistants": "pagination_token must be a pagination.next value from an earlier page",
    "list_files": "filter must be a metadata filter in JSON; pagination_token must come from an earlier page",
    "list_operations": "pagination_token must come from an earlier page",
    "upload_file": "only .pdf, .txt, .md, .json and .docx files with extractable text are accepted",
    "upsert_file": "only .pdf, .txt, .md, .json and .docx files with extractable text are accepted",
    "chat_assistant": "filter must follow the filter grammar; message content must not be blank",
    "chat_completion_assistant": "filter must follow the filter grammar; message content must not be blank",
    "context_assistant": "filter must follow the filter grammar; exactly one of query and messages",
}


def documented_statuses(spec: Mapping[str, Any]) -> dict[str, list[str]]:
    """operationId -> the status codes its responses document (``default`` left out)."""
    return {
        op.operation_id: [code for code in op.statuses if code != "default"]
        for op in declared_operations(spec)
    }


def success_statuses(spec: Mapping[str, Any]) -> dict[str, list[int]]:
    """operationId -> its documented 2xx statuses: what a valid request on the run's own data gets."""
    return {
        op: [int(code) for code in codes if code.isdigit() and code.startswith("2")]
        for op, codes in documented_statuses(spec).items()
    }


#: Built-in checks that only act in the stateful phase or with several auth identities, neither of
#: which this suite uses: they are reported as not exercised rather than as passed.
NOT_EXERCISED = {
    "use_after_free": "needs the stateful phase, which is off",
    "ensure_resource_availability": "needs the stateful phase, which is off",
    "object_level_authorization": "needs several API keys (auth identities)",
}


#: Built-in checks that judge only some cases; schemathesis reports them as passed on every case.
NOT_APPLIED = {
    "negative_data_rejection": "no schema-violating case was generated",
    "positive_data_acceptance": "no schema-valid case was generated",
    "missing_required_header": "no case left out a required header",
    "unsupported_method": "no case used an undocumented HTTP method",
}


def builtin_applies(name: str, case: Any) -> bool:
    """Whether a built-in check that schemathesis reports as passed actually judged ``case``."""
    if name not in NOT_APPLIED:
        return True  # the response checks judge every answer
    meta = getattr(case, "meta", None)
    if meta is None:
        return False
    if name == "negative_data_rejection":
        return bool(meta.generation.mode.is_negative)
    if name == "positive_data_acceptance":
        return bool(meta.generation.mode.is_positive)
    if name == "missing_required_header":
        return _is_missing_header_case(case)
    from schemathesis.generation.meta import CoveragePhaseData, CoverageScenario

    data = getattr(meta.phase, "data", None)
    return isinstance(data, CoveragePhaseData) and data.scenario == CoverageScenario.UNSPECIFIED_HTTP_METHOD


def _is_missing_header_case(case: Any) -> bool:
    from schemathesis.generation.meta import CoveragePhaseData, CoverageScenario

    meta = getattr(case, "meta", None)
    data = getattr(getattr(meta, "phase", None), "data", None)
    return (
        isinstance(data, CoveragePhaseData)
        and data.scenario == CoverageScenario.MISSING_PARAMETER
        and str(getattr(data, "parameter_location", "")).lower().endswith("header")
    )


def _binding(dictionary: str, probability: float) -> dict[str, Any]:
    return {"dictionary": dictionary, "probability": probability}


def _phase(ctx: RunContext, name: str) -> bool:
    return not ctx.schema_phases or name in ctx.schema_phases


def build_config(ctx: RunContext, base_url: str, operation_ids: list[str]) -> dict[str, Any]:
    """The schemathesis configuration (as the ``schemathesis.toml`` dictionary) for one plane."""
    target = ctx.target
    careful = not target.disposable
    run_names = [f"{target.name_prefix}-n{i}" for i in range(3)]
    dictionaries: dict[str, Any] = {
        "scratch": {"values": [target.assistant]},
        "run_names": {"values": run_names},
        "fixture_files": {"values": sorted(target.fixture_ids().values())},
        "spare_files": {"values": list(target.spare_file_ids) or ["none"]},
        "operations": {"values": list(target.operation_ids) or ["none"]},
    }
    scratch_p = 1.0 if careful else 0.85

    def op(op_id: str, **parameters: Any) -> dict[str, Any]:
        return {"include-operation-id": op_id, "parameters": parameters}

    data_ops = [
        "list_files",
        "upload_file",
        "describe_file",
        "upsert_file",
        "delete_file",
        "list_operations",
        "describe_operation",
        "chat_assistant",
        "chat_completion_assistant",
        "context_assistant",
    ]
    operations = [
        op("create_assistant", **{"body.name": _binding("run_names", 1.0 if careful else 0.5)}),
        op("delete_assistant", **{"path.assistant_name": _binding("run_names", 1.0 if careful else 0.5)}),
        op("update_assistant", **{"path.assistant_name": _binding("scratch", 1.0 if careful else 0.8)}),
        op("get_assistant", **{"path.assistant_name": _binding("scratch", 0.7)}),
    ]
    for op_id in data_ops:
        params: dict[str, Any] = {"path.assistant_name": _binding("scratch", scratch_p)}
        if op_id == "describe_file":
            params["path.assistant_file_id"] = _binding("fixture_files", 0.8)
        elif op_id == "delete_file":
            params["path.assistant_file_id"] = _binding("spare_files", 1.0 if careful else 0.6)
        elif op_id == "describe_operation":
            params["path.operation_id"] = _binding("operations", 0.8)
        operations.append(op(op_id, **params))
    # A valid request may get only what the operation documents: its success statuses, and the
    # documented errors a request valid by the schema can still earn (a drawn name that does not
    # exist, a rule stated in prose). Never an undocumented status, a 3xx or a 5xx it does not list.
    documented = documented_statuses(ctx.spec)
    listed = {o["include-operation-id"] for o in operations}
    operations += [{"include-operation-id": op_id} for op_id in documented if op_id not in listed]
    for entry in operations:
        codes = documented.get(entry["include-operation-id"])
        if codes:
            entry["checks"] = {"positive_data_acceptance": {"expected-statuses": codes}}
    present = set(operation_ids)
    operations = [o for o in operations if o["include-operation-id"] in present]
    # Operations of other planes (or left out with --operation) are switched off here: schemathesis
    # ignores `include` filters once per-operation configuration is present.
    operations += [
        {"include-operation-id": op_id, "enabled": False}
        for op_id in operation_planes(ctx.spec)
        if op_id not in present
    ]
    config: dict[str, Any] = {
        "seed": ctx.seed,
        "base-url": base_url,
        "headers": dict(target.headers),
        "workers": 1,
        "continue-on-failure": True,
        "request-timeout": 120,
        # schemathesis stops reading a stream after 20 events by default; answers are longer.
        "max-stream-events": 100_000,
        "generation": {
            "max-examples": ctx.max_examples,
            "database": "none",
            "deterministic": ctx.derandomize,
        },
        # Values seen in responses are never reused as inputs: that would aim generated deletes at
        # the scratch assistant and its fixtures.
        "phases": {
            "examples": {"enabled": _phase(ctx, "examples"), "extra-data-sources": {"responses": False}},
            "coverage": {"enabled": _phase(ctx, "coverage"), "extra-data-sources": {"responses": False}},
            # Random fuzzing does not repeat exactly between a recording and its replay (its draws react
            # to how the live service answered), so recorded runs keep to the enumerated phases.
            "fuzzing": {
                "enabled": not ctx.derandomize and _phase(ctx, "fuzzing"),
                "extra-data-sources": {"responses": False},
            },
            "stateful": {"enabled": False},
        },
        "parameters": {"header.X-Pinecone-Api-Version": target.version},
        "cache": {"enabled": False},
        "dictionaries": dictionaries,
        "operations": operations,
    }
    if careful:
        # A shared service answers 429 when the plan's rate limits are reached: wait as told and retry.
        config["rate-limit"] = "auto"
    return config


class _Aggregator:
    """Turns schemathesis scenario records into check results, coverage and observed exchanges."""

    def __init__(self, ctx: RunContext, collector: CheckCollector, label_to_op: dict[str, str]) -> None:
        self.ctx = ctx
        self.collector = collector
        self.label_to_op = label_to_op
        self.seen_checks: set[tuple[str, str]] = set()

    def operation(self, label: str) -> str:
        return self.label_to_op.get(label, label)

    def scenario(self, recorder: Any) -> None:
        op_id = self.operation(recorder.label)
        method = recorder.label.split(" ", 1)[0]
        for case_id, interaction in recorder.interactions.items():
            response = interaction.response
            # Requests with another method (unsupported_method probes) do not count for the operation.
            if response is None or interaction.request.method.upper() != method:
                continue
            node = recorder.cases.get(case_id)
            body = node.value.body if node is not None and isinstance(node.value.body, Mapping) else None
            content_type = (response.headers.get("content-type") or [""])[0]
            self.ctx.observe(
                Exchange(
                    op_id,
                    response.status_code,
                    content_type,
                    response.content or b"",
                    body,
                    headers=header_pairs(response.headers),
                )
            )
        for case_id, checks in recorder.checks.items():
            node = recorder.cases.get(case_id)
            case = node.value if node is not None else None
            for check in checks:
                check_id = f"{op_id}.{check.name}"
                self.seen_checks.add((op_id, check.name))
                if check.name in NOT_EXERCISED and check.status.name == "SUCCESS":
                    self.collector.skipped(check_id, NOT_EXERCISED[check.name])
                    continue
                if check.status.name == "SUCCESS" and not builtin_applies(check.name, case):
                    self.collector.not_exercised(check_id, NOT_APPLIED.get(check.name, "applied to no case"))
                    continue
                if check.status.name == "FAILURE" and check.failure_info is not None:
                    failure = check.failure_info.failure
                    interaction = recorder.interactions.get(case_id)
                    details: dict[str, Any] = {"failure_code": getattr(failure, "code", None)}
                    if interaction is not None and interaction.response is not None:
                        details["response_status"] = interaction.response.status_code
                        details["response_body"] = (interaction.response.content or b"")[:600].decode(
                            "utf-8", errors="replace"
                        )
                    self.collector.failed(
                        check_id,
                        f"{failure.title}: {str(failure.message).strip()[:1500]}",
                        reproduction=self._reproduction(interaction),
                        details=details,
                    )
                elif check.status.name == "SUCCESS" and check.name not in CUSTOM_CHECKS:
                    self.collector.passed(check_id)

    def _reproduction(self, interaction: Any) -> Reproduction | None:
        if interaction is None:
            return Reproduction(seed=self.ctx.seed)
        request = interaction.request
        headers = {k: v[0] if isinstance(v, list) else v for k, v in dict(request.headers).items()}
        return Reproduction(
            curl=curl_command(request.method, request.uri, headers, request.body, secrets=self.ctx.secrets),
            seed=self.ctx.seed,
        )

    def error(self, label: str, exc: BaseException) -> None:
        op_id = self.operation(label) if label else "run"
        if is_not_recorded(exc):
            self.collector.not_recorded(
                f"{op_id}.execution", f"a request of {label} is not in the recording: {str(exc)[:1500]}"
            )
            return
        self.collector.failed(
            f"{op_id}.execution",
            f"schemathesis could not run {label}: {type(exc).__name__}: {str(exc)[:500]}",
            reproduction=Reproduction(seed=self.ctx.seed),
        )


def _label_map(spec: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for path, raw_item in (spec.get("paths") or {}).items():
        item = resolve_ref(spec, raw_item)
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, Mapping) and operation.get("operationId"):
                out[f"{method.upper()} {path}"] = str(operation["operationId"])
    return out


def _run_engine(ctx: RunContext, agg: _Aggregator, base_url: str, op_ids: list[str]) -> None:
    import schemathesis
    from schemathesis.engine import events, from_schema

    config = schemathesis.Config.from_dict(build_config(ctx, base_url, op_ids))
    schema = schemathesis.openapi.from_dict(ctx.spec, config=config)
    done = 0
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            agg.scenario(event.recorder)
            done += 1
            if done % 10 == 0:
                ctx.progress(f"schema: {done} scenarios done")
        elif isinstance(event, events.NonFatalError):
            agg.error(event.label, event.value)
        elif isinstance(event, events.FatalError):
            agg.error("", event.exception)
        elif isinstance(event, events.Interrupted):
            raise KeyboardInterrupt


def _probe_bodies(ctx: RunContext) -> list[tuple[str, str, str, dict[str, Any] | None]]:
    """(operation id, method, path, body) of the documented requests sent after the engine."""
    name = ctx.target.assistant
    fixture = sorted(ctx.target.fixture_ids().values())[0]
    ask = [{"role": "user", "content": COMMON_QUERY}]
    science = {"genre": {"$eq": "science"}}
    probes: list[tuple[str, str, str, dict[str, Any] | None]] = [
        ("list_files", "GET", f"/files/{name}", None),
        ("describe_file", "GET", f"/files/{name}/{fixture}", None),
        ("chat_assistant", "POST", f"/chat/{name}", {"messages": ask, "filter": science}),
        (
            "chat_assistant",
            "POST",
            f"/chat/{name}",
            {"messages": ask, "stream": True, "filter": {"year": {"$lt": 2010}}},
        ),
        (
            "chat_assistant",
            "POST",
            f"/chat/{name}",
            {"messages": ask, "stream": True, "include_highlights": True},
        ),
        (
            "chat_assistant",
            "POST",
            f"/chat/{name}",
            {
                "messages": [{"role": "user", "content": "List the cargo of the harbour ledger as JSON."}],
                "json_response": True,
            },
        ),
        ("chat_assistant", "POST", f"/chat/{name}", {"messages": ask, "json_response": True, "stream": True}),
        (
            "chat_completion_assistant",
            "POST",
            f"/chat/{name}/chat/completions",
            {"messages": ask, "stream": True},
        ),
        ("chat_completion_assistant", "POST", f"/chat/{name}/chat/completions", {"messages": ask}),
        (
            "context_assistant",
            "POST",
            f"/chat/{name}/context",
            {"query": COMMON_QUERY, "filter": {"public": {"$eq": True}}},
        ),
    ]
    return probes


def _run_probes(ctx: RunContext, collector: CheckCollector, examined: ActiveRun) -> None:
    import requests
    import schemathesis
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    config = schemathesis.Config.from_dict(
        {
            "headers": dict(ctx.target.headers),
            "base-url": ctx.target.planes.data,
            "max-stream-events": 100_000,
        }
    )
    schema = schemathesis.openapi.from_dict(ctx.spec, config=config)
    from schemathesis.core.result import Ok

    by_id = {}
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            continue
        found = result.ok()
        by_id[found.definition.raw.get("operationId")] = found
    builtins = {name: CHECKS.get_one(name) for name in PROBE_CHECKS if name in CHECKS.get_all_names()}
    customs = {name: CHECKS.get_one(name) for name in CUSTOM_CHECKS if name in CHECKS.get_all_names()}
    session = requests.Session()
    successes = success_statuses(ctx.spec)
    for op_id, method, path, body in _probe_bodies(ctx):
        operation = by_id.get(op_id)
        if operation is None or (ctx.operations and op_id not in ctx.operations):
            continue
        case = (
            operation.Case(path_parameters=_path_params(operation.path, path))
            if body is None
            else operation.Case(
                path_parameters=_path_params(operation.path, path), body=body, media_type="application/json"
            )
        )
        url = ctx.target.planes.data + path
        try:
            response = case.call(
                base_url=ctx.target.planes.data, session=session, headers=dict(ctx.target.headers)
            )
        except Exception as exc:
            check_id = f"{op_id}.probe"
            if is_not_recorded(exc):
                collector.not_recorded(check_id, f"probe {method} {path} is not in the recording")
            else:
                collector.failed(check_id, f"probe {method} {path} failed: {type(exc).__name__}: {exc}")
            continue
        content_type = (response.headers.get("content-type") or [""])[0]
        ctx.observe(
            Exchange(
                op_id,
                response.status_code,
                content_type,
                response.content or b"",
                body,
                headers=header_pairs(response.headers),
            )
        )
        if _valid_probe(body):
            _judge_valid_request(
                collector,
                op_id,
                method=method,
                path=path,
                response=response,
                expected=successes.get(op_id, []),
                ctx=ctx,
            )
        repro = Reproduction(
            curl=curl_command(
                method,
                url,
                {**ctx.target.headers, "Content-Type": "application/json"},
                json.dumps(body) if body is not None else None,
                secrets=ctx.secrets,
            )
        )
        for name, func in {**builtins, **customs}.items():
            check_id = f"{op_id}.{name}"
            before = examined.examined[(op_id, name)]
            try:
                case.validate_response(response, checks=[cast(Any, func)], headers=dict(ctx.target.headers))
            except (Exception, BaseExceptionGroup) as exc:  # schemathesis raises a FailureGroup
                collector.failed(check_id, f"probe {method} {path}: {_first_line(exc)}", reproduction=repro)
                continue
            if name in CUSTOM_CHECKS:
                if examined.examined[(op_id, name)] > before:
                    collector.passed(check_id)
            else:
                collector.passed(check_id)


VALID_REQUEST_CHECK = "valid_request_succeeds"
PINNED_CHECK = "pinned_cases"


@dataclass(frozen=True)
class Pinned:
    """A case that exploration (``nox -s conformance_explore``) once found failing, replayed every run."""

    operation: str
    plane: str
    method: str
    path: str  # {assistant}, {fixture} and {run_name} are filled in at run time
    expected: tuple[int, ...]
    why: str
    body: dict[str, Any] | None = None
    params: dict[str, str] | None = None


#: Every disagreement exploration found, after its fix. Each runs in every run, whatever the seed.
PINNED: tuple[Pinned, ...] = (
    Pinned(
        "create_assistant",
        "control",
        "POST",
        "/assistants",
        (400,),
        "an empty region is not one of the Region enum's values (seed 2072870527)",
        body={"name": "{run_name}", "region": ""},
    ),
    Pinned(
        "describe_file",
        "data",
        "GET",
        "/files/{assistant}/{fixture}",
        (400,),
        "include_url must be exactly 'true' or 'false' (BooleanString enum; seed 647892279)",
        params={"include_url": "FALSE"},
    ),
    # Not found by exploration: the selftest found that, at 3 examples per operation, no generated
    # negative case leaves an empty message content as the only thing wrong, so the rule went unjudged.
    Pinned(
        "chat_assistant",
        "data",
        "POST",
        "/chat/{assistant}",
        (400,),
        "an empty message content is refused (Message.content has minLength 1)",
        body={"messages": [{"role": "user", "content": ""}]},
    ),
    Pinned(
        "chat_completion_assistant",
        "data",
        "POST",
        "/chat/{assistant}/chat/completions",
        (400,),
        "an empty message content is refused (Message.content has minLength 1)",
        body={"messages": [{"role": "user", "content": ""}]},
    ),
)


def _fill_pinned(value: Any, names: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, dict):
        return {k: _fill_pinned(v, names) for k, v in value.items()}
    return value


def _run_pinned(ctx: RunContext, collector: CheckCollector, planes: Mapping[str, str]) -> None:
    names = {
        "assistant": ctx.target.assistant,
        "fixture": sorted(ctx.target.fixture_ids().values())[0],
        # A name no other request of the run uses: with an existing name, a create is refused as a
        # duplicate, and the pinned case would pass whatever the endpoint makes of its region.
        "run_name": f"{ctx.target.name_prefix}-pinned",
    }
    for case in PINNED:
        if case.operation not in planes:
            continue
        check_id = f"{case.operation}.{PINNED_CHECK}"
        path = _fill_pinned(case.path, names)
        with ctx.http(case.plane) as http:
            try:
                ex = ctx.call(
                    http,
                    case.operation,
                    case.method,
                    path,
                    json_body=_fill_pinned(case.body, names),
                    params=case.params,
                )
            except Exception as exc:
                if is_not_recorded(exc):
                    collector.not_recorded(
                        check_id, f"pinned case {case.method} {path} is not in the recording"
                    )
                else:
                    collector.failed(
                        check_id, f"pinned case {case.method} {path}: {type(exc).__name__}: {exc}"
                    )
                continue
        if ex.status in case.expected:
            collector.passed(check_id)
        else:
            collector.failed(
                check_id,
                f"{case.method} {path} answered {ex.status}, expected {case.expected}: {case.why}",
                details={"body": case.body, "params": case.params, "response_status": ex.status},
                reproduction=Reproduction(seed=ctx.seed),
            )


def _valid_probe(body: Mapping[str, Any] | None) -> bool:
    """Every probe is valid but the one that combines ``json_response`` and ``stream`` (a documented 400)."""
    return not (body and body.get("json_response") is True and body.get("stream") is True)


def _judge_valid_request(
    collector: CheckCollector,
    op_id: str,
    *,
    method: str,
    path: str,
    response: Any,
    expected: list[int],
    ctx: RunContext,
) -> None:
    """A probe is a documented, valid request on the run's own assistant: only a success status will do."""
    check_id = f"{op_id}.{VALID_REQUEST_CHECK}"
    if not expected:
        collector.not_exercised(check_id, f"the spec documents no 2xx status for {op_id}")
        return
    if response.status_code in expected:
        collector.passed(check_id)
        return
    collector.failed(
        check_id,
        f"the valid request {method} {path} on the run's own assistant was answered "
        f"{response.status_code}; the spec documents {', '.join(map(str, expected))} for it",
        details={
            "response_status": response.status_code,
            "response_body": (response.content or b"")[:600].decode("utf-8", errors="replace"),
        },
        reproduction=Reproduction(seed=ctx.seed),
    )


def _first_line(exc: BaseException) -> str:
    failures = getattr(exc, "exceptions", None)
    if failures:
        return "; ".join(
            f"{getattr(f, 'title', '')}: {str(getattr(f, 'message', f))[:600]}" for f in failures
        )
    return str(exc)[:800]


def _path_params(template: str, path: str) -> dict[str, str]:
    names = template.strip("/").split("/")
    values = urlsplit(path).path.strip("/").split("/")
    return {n[1:-1]: v for n, v in zip(names, values, strict=False) if n.startswith("{")}


def run(ctx: RunContext) -> SuiteResult:
    """Run the schema suite against ``ctx.target``."""
    from assistant_conformance import checks as checks_module

    started = time.monotonic()
    register_schemathesis_checks()
    collector = CheckCollector(SUITE)
    planes = operation_planes(ctx.spec)
    if ctx.operations:
        unknown = sorted(set(ctx.operations) - set(planes))
        if unknown:
            raise ValueError(f"unknown operation(s) {unknown}; the spec has {', '.join(sorted(planes))}")
        planes = {op: plane for op, plane in planes.items() if op in ctx.operations}
    labels = _label_map(ctx.spec)
    agg = _Aggregator(ctx, collector, labels)
    examined = ActiveRun(guard=Guard(ctx))
    checks_module.ACTIVE = examined
    try:
        groups: dict[str, list[str]] = {}
        for op_id, plane in planes.items():
            groups.setdefault(ctx.target.planes.for_operation(plane), []).append(op_id)
        for base_url, op_ids in groups.items():
            ctx.progress(f"schema: {len(op_ids)} operations at {base_url}")
            _run_engine(ctx, agg, base_url, op_ids)
        if any(p == "data" for p in planes.values()):
            ctx.progress("schema: probes")
            _run_probes(ctx, collector, examined)
        _run_pinned(ctx, collector, planes)
    finally:
        checks_module.ACTIVE = None
    # Custom checks: pass only where they examined a response; otherwise they were not exercised.
    for op_id, name in sorted(agg.seen_checks):
        if name not in CUSTOM_CHECKS:
            continue
        count = examined.examined.get((op_id, name), 0)
        if count:
            collector.passed(f"{op_id}.{name}", count)
    for name in CUSTOM_CHECKS:
        for op_id in _applicable_operations(name, planes):
            reason = examined.unjudged.get((op_id, name))
            collector.declare(
                f"{op_id}.{name}",
                "no response this check applies to was seen"
                + (f"; one could not be judged: {reason}" if reason else ""),
            )
    return SuiteResult(SUITE, collector.results(), time.monotonic() - started)


def _applicable_operations(check: str, planes: Mapping[str, str]) -> list[str]:
    applicable = {
        "envelope_status_matches_http": [op for op, plane in planes.items() if plane != "evaluation"],
        "error_code_matches_status": [op for op, plane in planes.items() if plane != "evaluation"],
        "stream_chunk_order": ["chat_assistant", "chat_completion_assistant"],
        "citation_positions_within_answer": ["chat_assistant"],
        "filtered_results_match_filter": ["chat_assistant", "context_assistant"],
        "json_response_is_json": ["chat_assistant"],
    }
    return [op for op in applicable.get(check, []) if op in planes]
