"""Metadata filters: the overlay's validator, the target and the documented grammar agree, and
filtered results follow the filter on the fixture corpus.

Agreement (grammar of :mod:`assistant_conformance.filter_grammar`):

* ``valid.overlay_accepts`` / ``valid.target_accepts``: a valid filter passes
  :func:`pinecone_assistant.filter.validate_filter`, and ``list_files`` answers 200 with it;
* ``invalid.overlay_rejects`` / ``invalid.target_rejects``: a mutated filter raises
  ``FilterError`` in the overlay, and the target answers 400 with the error envelope
  (``list_files``; ``invalid.context_rejects`` sends it in a context request body).

Semantics, on the fixture files only (other files of the assistant are ignored):

* ``semantics.list_matches``: ``list_files`` returns every file that must match and none that must not;
* ``semantics.and_of_one_clause``: ``{"$and": [c]}`` lists what ``c`` lists;
* ``semantics.in_equals_or_of_eq``: ``{k: {"$in": V}}`` lists what ``{"$or": [{k: {"$eq": v}} ...]}`` lists;
* ``semantics.nin_complements_in``: among files that have ``k``, ``$nin: V`` lists exactly those
  that ``$in: V`` does not;
* ``semantics.context_cites_matching`` / ``semantics.chat_cites_matching``: with a filter, context
  snippets and chat citations only come from matching files.
"""

from __future__ import annotations

import json
import time
from typing import Any

from hypothesis import strategies as st

from assistant_conformance.checks import Exchange, cited_files, filtered_results_match_filter
from assistant_conformance.context import RunContext
from assistant_conformance.filter_grammar import (
    MUTATIONS,
    clause,
    invalid_filters,
    matching,
    valid_filters,
    value_lists,
)
from assistant_conformance.fixtures import COMMON_QUERY, CORPUS
from assistant_conformance.properties import record_property
from assistant_conformance.results import CheckCollector, NotJudged, SuiteResult

SUITE = "filters"


class _Lister:
    """``list_files`` with a filter, mapped back to fixture keys."""

    def __init__(self, ctx: RunContext, client: Any) -> None:
        self.ctx = ctx
        self.client = client
        self.by_id = {state.id: key for key, state in ctx.target.files.items()}
        self.path = f"/files/{ctx.target.assistant}"

    def raw(self, spec: Any) -> Exchange:
        return self.ctx.call(self.client, "list_files", "GET", self.path, params={"filter": json.dumps(spec)})

    def keys(self, spec: Any) -> set[str]:
        found: set[str] = set()
        params: dict[str, Any] = {"filter": json.dumps(spec)}
        for _ in range(50):
            ex = self.ctx.call(self.client, "list_files", "GET", self.path, params=params)
            assert ex.status == 200, (
                f"list_files with the valid filter {json.dumps(spec)} answered {ex.status}: "
                f"{ex.content[:200]!r}"
            )
            body = ex.json()
            for item in body.get("files") or []:
                key = self.by_id.get(item.get("id"))
                if key is not None:
                    found.add(key)
            token = (
                (body.get("pagination") or {}).get("next")
                if isinstance(body.get("pagination"), dict)
                else None
            )
            if not token:
                break
            params = {**params, "pagination_token": token}
        return found


def _is_envelope(ex: Exchange, status: int) -> str | None:
    """None when ``ex`` is a ``status`` answer with the error envelope, else what is wrong."""
    if ex.status != status:
        return f"answered {ex.status}, expected {status}"
    try:
        body = ex.json()
    except ValueError:
        return "the error body is not JSON"
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict) or body.get("status") != status:
        return f"the error body is not the error envelope with status {status}: {str(body)[:200]}"
    if not isinstance(body["error"].get("message"), str) or not body["error"].get("code"):
        return "the error envelope lacks error.code or error.message"
    return None


def run(ctx: RunContext) -> SuiteResult:
    """Run the filter suite against ``ctx.target``."""
    from pinecone_assistant.filter import FilterError, validate_filter

    started = time.monotonic()
    collector = CheckCollector(SUITE)
    n = ctx.scaled(1.0, minimum=5)
    with ctx.http("data") as client:
        lister = _Lister(ctx, client)

        def overlay_accepts(spec: Any) -> None:
            try:
                validate_filter(spec)
            except FilterError as exc:
                raise AssertionError(
                    f"the overlay rejects the valid filter {json.dumps(spec)}: {exc}"
                ) from None

        def target_accepts(spec: Any) -> None:
            ex = lister.raw(spec)
            assert ex.status == 200, (
                f"list_files rejects the valid filter {json.dumps(spec)} with {ex.status}: "
                f"{ex.content[:300]!r}"
            )

        def overlay_rejects(item: tuple[str, Any]) -> None:
            kind, spec = item
            try:
                validate_filter(spec)
            except FilterError:
                return
            raise AssertionError(
                f"the overlay accepts the invalid filter ({MUTATIONS[kind]}): {json.dumps(spec)}"
            )

        def target_rejects(item: tuple[str, Any]) -> None:
            kind, spec = item
            problem = _is_envelope(lister.raw(spec), 400)
            assert problem is None, (
                f"list_files with an invalid filter ({MUTATIONS[kind]}) {json.dumps(spec)}: {problem}"
            )

        def context_rejects(item: tuple[str, Any]) -> None:
            kind, spec = item
            ex = ctx.call(
                client,
                "context_assistant",
                "POST",
                f"/chat/{ctx.target.assistant}/context",
                json_body={"query": COMMON_QUERY, "filter": spec},
            )
            problem = _is_envelope(ex, 400)
            assert problem is None, (
                f"context with an invalid filter ({MUTATIONS[kind]}) {json.dumps(spec)}: {problem}"
            )

        def list_matches(spec: Any) -> None:
            must, must_not = matching(spec)
            got = lister.keys(spec)
            wrong = got & must_not
            missing = must - got
            assert not wrong, f"list_files({json.dumps(spec)}) returned non-matching fixtures {sorted(wrong)}"
            assert not missing, f"list_files({json.dumps(spec)}) left out matching fixtures {sorted(missing)}"

        def and_of_one(spec: Any) -> None:
            alone, wrapped = lister.keys(spec), lister.keys({"$and": [spec]})
            assert alone == wrapped, (
                f"{json.dumps(spec)} lists {sorted(alone)} but $and of it lists {sorted(wrapped)}"
            )

        def in_equals_or(item: tuple[str, list[Any]]) -> None:
            key, values = item
            with_in = lister.keys({key: {"$in": values}})
            with_or = lister.keys({"$or": [{key: {"$eq": v}} for v in values]})
            assert with_in == with_or, (
                f"$in {values} on {key!r} lists {sorted(with_in)}, $or of $eq lists {sorted(with_or)}"
            )

        def nin_complement(item: tuple[str, list[Any]]) -> None:
            key, values = item
            having = lister.keys({key: {"$exists": True}})
            inside = lister.keys({key: {"$in": values}})
            outside = lister.keys({key: {"$nin": values}}) & having
            assert outside == having - inside, (
                f"among fixtures with {key!r} ({sorted(having)}), $nin {values} lists {sorted(outside)}; "
                f"expected the complement of $in: {sorted(having - inside)}"
            )

        def cites_matching(operation: str) -> Any:
            def check(spec: Any) -> None:
                if operation == "context_assistant":
                    ex = ctx.call(
                        client,
                        operation,
                        "POST",
                        f"/chat/{ctx.target.assistant}/context",
                        json_body={"query": COMMON_QUERY, "filter": spec},
                    )
                else:
                    ex = ctx.call(
                        client,
                        operation,
                        "POST",
                        f"/chat/{ctx.target.assistant}",
                        json_body={"messages": [{"role": "user", "content": COMMON_QUERY}], "filter": spec},
                    )
                assert ex.status == 200, f"{operation} with filter {json.dumps(spec)} answered {ex.status}"
                files = cited_files(ex)
                if not files:
                    raise NotJudged("the answer cited no file")
                filtered_results_match_filter(ex)
                # An unfiltered query reaches every fixture, so a filter that is ignored shows up here.
                must_not = matching(spec)[1]
                cited = {str(f.get("name")) for f in files}
                names = {fx.name for fx in CORPUS if fx.key in must_not}
                assert not (cited & names), (
                    f"{operation} with {json.dumps(spec)} cites {sorted(cited & names)}"
                )

            return check

        key_values = st.sampled_from(["genre", "year", "tags"]).flatmap(
            lambda key: st.tuples(st.just(key), value_lists(key))
        )
        properties: list[tuple[str, Any, Any, int]] = [
            ("valid.overlay_accepts", valid_filters(), overlay_accepts, n * 3),
            ("invalid.overlay_rejects", invalid_filters(), overlay_rejects, n * 3),
            ("valid.target_accepts", valid_filters(), target_accepts, n),
            ("invalid.target_rejects", invalid_filters(), target_rejects, n),
            ("invalid.context_rejects", invalid_filters(), context_rejects, max(3, n // 4)),
            ("semantics.list_matches", valid_filters(), list_matches, n),
            ("semantics.and_of_one_clause", clause(), and_of_one, max(5, n // 2)),
            ("semantics.in_equals_or_of_eq", key_values, in_equals_or, max(5, n // 2)),
            ("semantics.nin_complements_in", key_values, nin_complement, max(5, n // 2)),
            (
                "semantics.context_cites_matching",
                _selective(),
                cites_matching("context_assistant"),
                max(4, n // 3),
            ),
            ("semantics.chat_cites_matching", _selective(), cites_matching("chat_assistant"), max(2, n // 8)),
        ]
        for check_id, strategy, check, count in properties:
            record_property(ctx, collector, check_id, strategy, check, max_examples=count)
            ctx.progress(f"filters: {check_id} done")
    return SuiteResult(SUITE, collector.results(), time.monotonic() - started)


def _selective() -> st.SearchStrategy[dict[str, Any]]:
    """Filters that some fixtures fail for sure, so ignoring the filter is visible."""
    return valid_filters().filter(lambda spec: bool(matching(spec)[1]))
