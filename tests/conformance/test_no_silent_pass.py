"""A check passes only with at least one judged case; everything else is not_exercised with a reason."""

from __future__ import annotations

import json
from types import SimpleNamespace

from assistant_conformance.checks import ActiveRun, Exchange, _wrap, filtered_results_match_filter
from assistant_conformance.properties import run_property
from assistant_conformance.results import CheckCollector, NotJudged, Status
from assistant_conformance.suites.schema import builtin_applies
from hypothesis import strategies as st


def test_a_pass_with_no_judged_case_leaves_the_check_not_exercised():
    collector = CheckCollector("s")
    collector.passed("a.b", 0)
    collector.declare("c.d", "nothing to judge")
    results = {r.id: r for r in collector.results()}
    assert results["s.a.b"].status is Status.NOT_EXERCISED
    assert results["s.a.b"].message == "no case was judged"
    assert results["s.c.d"].status is Status.NOT_EXERCISED
    collector.passed("a.b", 2)
    assert results["s.a.b"].status is Status.PASS
    assert results["s.a.b"].cases == 2


def test_a_property_whose_examples_judge_nothing_is_not_exercised():
    def never_judges(value: int) -> None:
        raise NotJudged("the answer cited no file")

    outcome = run_property(st.integers(), never_judges, max_examples=5, seed=1)
    assert outcome.examples > 0
    assert outcome.judged == 0
    assert outcome.not_judged_reason == "the answer cited no file"
    assert not outcome.failed


def test_a_filter_the_reference_grammar_cannot_evaluate_is_reported_not_passed():
    cited = {"position": 0, "references": [{"file": {"name": "f", "metadata": {"a": 1}}}]}
    body = json.dumps({"message": {"content": "x"}, "citations": [cited]}).encode()
    ex = Exchange("chat_assistant", 200, "application/json", body, {"filter": {"a": {"$bogus": 1}}})
    run = ActiveRun()
    import assistant_conformance.checks as checks

    checks.ACTIVE = run
    try:
        case = SimpleNamespace(
            operation=SimpleNamespace(definition=SimpleNamespace(raw={"operationId": "chat_assistant"})),
            body={"filter": {"a": {"$bogus": 1}}},
        )
        response = SimpleNamespace(
            status_code=200, headers={"content-type": ["application/json"]}, content=ex.content
        )
        _wrap("filtered_results_match_filter", filtered_results_match_filter)(None, response, case)
    finally:
        checks.ACTIVE = None
    assert run.examined == {}
    reason = run.unjudged[("chat_assistant", "filtered_results_match_filter")]
    assert reason.startswith("NotJudged: the reference grammar cannot evaluate")
    assert "Error" in reason  # the exception's type is kept


def test_builtin_checks_count_only_where_they_apply():
    def case(mode_negative: bool) -> SimpleNamespace:
        mode = SimpleNamespace(is_negative=mode_negative, is_positive=not mode_negative)
        return SimpleNamespace(
            meta=SimpleNamespace(generation=SimpleNamespace(mode=mode), phase=SimpleNamespace())
        )

    assert builtin_applies("negative_data_rejection", case(True))
    assert not builtin_applies("negative_data_rejection", case(False))
    assert builtin_applies("positive_data_acceptance", case(False))
    assert not builtin_applies("positive_data_acceptance", case(True))
    assert not builtin_applies("unsupported_method", case(False))
    assert not builtin_applies("missing_required_header", SimpleNamespace(meta=None))
    assert builtin_applies("status_code_conformance", case(True))
