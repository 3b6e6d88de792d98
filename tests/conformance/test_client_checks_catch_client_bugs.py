"""The checks that judge the client (not the endpoint) fail when the client is broken.

The selftest breaks the endpoint; the transcript, split-stream, model round-trip and validator checks
judge the overlay and the generated models instead, so their teeth are shown here by breaking those.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from assistant_conformance.context import load_spec
from assistant_conformance.properties import run_property
from assistant_conformance.results import CheckCollector, Status
from assistant_conformance.suites import finish_reason, serialization, streaming
from assistant_conformance.transcript import chat_transcript, split_at, sse
from pinecone_assistant._constants import API_VERSION

SPEC = load_spec(API_VERSION)[1]


def _transcript_results() -> dict[str, Status]:
    collector = CheckCollector("finish_reason")
    ctx = SimpleNamespace(spec=SPEC, spec_version=API_VERSION)
    finish_reason._transcript_checks(ctx, collector)  # type: ignore[arg-type]
    return {c.id: c.status for c in collector.results()}


def test_transcript_checks_pass_with_the_real_overlay():
    assert set(_transcript_results().values()) == {Status.PASS}


def test_transcript_checks_fail_when_the_overlay_calls_every_reason_known(monkeypatch):
    import pinecone_assistant.finish_reason as module

    monkeypatch.setattr(module, "is_known_finish_reason", lambda value, version="2026-04": True)
    results = _transcript_results()
    assert results["finish_reason.transcript.chat.unknown"] is Status.FAIL
    assert results["finish_reason.transcript.chat.documented"] is Status.PASS


def test_truncation_checks_fail_when_the_overlay_accepts_a_stream_without_its_end(monkeypatch):
    from pinecone_assistant.stream import ChatAccumulator

    monkeypatch.setattr(ChatAccumulator, "final", lambda self, request_id=None: self.snapshot())
    results = _transcript_results()
    assert results["finish_reason.transcript.chat_stream.truncated_closed_raises_with_partial"] is Status.FAIL


def _split_property() -> bool:
    body = sse(chat_transcript("stop")[1], crlf=True)
    reference = streaming.chat_digest(streaming._replay("chat", [body], "2026-04"))

    def same(offsets: list[int]) -> None:
        got = streaming.chat_digest(streaming._replay("chat", split_at(body, offsets), "2026-04"))
        assert got == reference

    return run_property(streaming.cuts(len(body)), same, max_examples=30, seed=1, shrink=False).failed


def test_split_stream_check_passes_with_the_real_decoder():
    assert _split_property() is False


def test_split_stream_check_fails_with_a_decoder_that_forgets_state_between_chunks(monkeypatch):
    from pinecone_assistant.sse import SSEDecoder

    original = SSEDecoder.feed_raw

    def forgetful(self, chunk):
        self.__init__()
        return original(self, chunk)

    monkeypatch.setattr(SSEDecoder, "feed_raw", forgetful)
    assert _split_property() is True


def _roundtrip(name: str) -> dict[str, Status]:
    collector = CheckCollector("serialization")
    models = serialization.Models(SPEC, API_VERSION)
    strategies = serialization.ComponentStrategies(SPEC)
    checks = [
        (f"generated.{name}.attrs_roundtrip", serialization._attrs_check(models, name, normalise=False)),
        (f"generated.{name}.oracle_agrees", serialization._oracle_check(models, name)),
    ]
    serialization._generated_property(
        SimpleNamespace(seed=1), collector, strategies.strategy(name), checks, 5
    )  # type: ignore[arg-type]
    return {c.id: c.status for c in collector.results()}


def test_roundtrip_check_fails_when_a_generated_model_drops_a_field(monkeypatch):
    from assistant_api.models.usage_model import UsageModel

    assert set(_roundtrip("UsageModel").values()) == {Status.PASS}
    original = UsageModel.to_dict

    def lossy(self):
        out = original(self)
        out.pop("total_tokens", None)
        return out

    monkeypatch.setattr(UsageModel, "to_dict", lossy)
    results = _roundtrip("UsageModel")
    assert results["serialization.generated.UsageModel.attrs_roundtrip"] is Status.FAIL
    assert results["serialization.generated.UsageModel.oracle_agrees"] is Status.PASS


@pytest.mark.parametrize("spec", [{"genre": {"$regex": "^h"}}, {"$or": {"a": {"$eq": 1}}}])
def test_overlay_validator_check_fails_when_the_validator_lets_everything_through(monkeypatch, spec):
    import pinecone_assistant.filter as module
    from assistant_conformance.filter_grammar import invalid_filters

    def rejects(item):
        try:
            module.validate_filter(item[1])
        except module.FilterError:
            return
        raise AssertionError("accepted")

    assert not run_property(invalid_filters(), rejects, max_examples=20, seed=1).failed
    monkeypatch.setattr(module, "validate_filter", lambda raw: dict(raw) if isinstance(raw, dict) else raw)
    assert run_property(invalid_filters(), rejects, max_examples=20, seed=1).failed
    with pytest.raises(AssertionError):
        rejects(("unknown_field_operator", spec))


#: An Assistant with every optional property set, as the service answers it.
_FULL_ASSISTANT = {
    "name": "harbour",
    "status": "Ready",
    "region": "eu",
    "instructions": "Be brief.",
    "metadata": {"team": "docs"},
    "host": "https://prod-1-data.ke.pinecone.io",
    "created_at": "2026-01-02T03:04:05+00:00",
    "updated_at": "2026-01-02T03:04:06+00:00",
}


def _assistant_checks() -> dict[str, Any]:
    models = serialization.Models(SPEC, API_VERSION)
    return dict(serialization.generated_checks(models, "Assistant"))


def _verdict(check: Any, x: Any) -> bool:
    try:
        check(x)
    except AssertionError:
        return False
    return True


def _assistant_property() -> dict[str, Status]:
    collector = CheckCollector("serialization")
    models = serialization.Models(SPEC, API_VERSION)
    strategy = serialization.ComponentStrategies(SPEC).strategy("Assistant")
    checks = serialization.generated_checks(models, "Assistant")
    serialization._generated_property(SimpleNamespace(seed=1), collector, strategy, checks, 10)  # type: ignore[arg-type]
    return {c.id: c.status for c in collector.results()}


def test_optional_fields_absent_passes_with_the_real_models():
    checks = _assistant_checks()
    assert set(checks) == {
        "generated.Assistant.attrs_roundtrip",
        "generated.Assistant.oracle_agrees",
        "generated.Assistant.optional_fields_absent",
    }
    assert all(_verdict(check, _FULL_ASSISTANT) for check in checks.values())
    assert set(_assistant_property().values()) == {Status.PASS}


def test_optional_fields_absent_fails_when_the_generated_model_invents_an_absent_field(monkeypatch):
    from assistant_api.models.assistant import Assistant

    original = Assistant.to_dict

    def inventing(self):
        return {"region": "us", **original(self)}  # a default the body never carried

    monkeypatch.setattr(Assistant, "to_dict", inventing)
    checks = _assistant_checks()
    # With every field present the invention cannot show; without the optional ones it does.
    assert _verdict(checks["generated.Assistant.attrs_roundtrip"], _FULL_ASSISTANT)
    assert not _verdict(checks["generated.Assistant.optional_fields_absent"], _FULL_ASSISTANT)
    assert _assistant_property()["serialization.generated.Assistant.optional_fields_absent"] is Status.FAIL


def test_optional_fields_absent_fails_when_the_generated_model_loses_a_body_without_an_optional_field(
    monkeypatch,
):
    from assistant_api.models.assistant import Assistant

    original = Assistant.from_dict.__func__

    def needs_host(cls, src):
        if "host" not in src:
            raise KeyError("host")
        return original(cls, src)

    monkeypatch.setattr(Assistant, "from_dict", classmethod(needs_host))
    checks = _assistant_checks()
    assert _verdict(checks["generated.Assistant.attrs_roundtrip"], _FULL_ASSISTANT)
    assert not _verdict(checks["generated.Assistant.optional_fields_absent"], _FULL_ASSISTANT)
    assert _assistant_property()["serialization.generated.Assistant.optional_fields_absent"] is Status.FAIL


def test_optional_fields_absent_fails_when_the_oracle_requires_an_optional_field(monkeypatch):
    from pydantic import create_model

    models = serialization.Models(SPEC, API_VERSION)
    oracle = models.oracle
    strict = create_model("Assistant", __base__=oracle.Assistant, region=(oracle.Region, ...))
    monkeypatch.setattr(oracle, "Assistant", strict)
    checks = _assistant_checks()
    assert _verdict(checks["generated.Assistant.oracle_agrees"], _FULL_ASSISTANT)
    assert not _verdict(checks["generated.Assistant.optional_fields_absent"], _FULL_ASSISTANT)
    assert _assistant_property()["serialization.generated.Assistant.optional_fields_absent"] is Status.FAIL
