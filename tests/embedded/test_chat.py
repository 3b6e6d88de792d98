"""Chat, chat completions and context of the embedded endpoint (non-streaming)."""

from __future__ import annotations

import json
import re

from .conftest import V25, V26, Api, load_corpus


def test_chat_answers_from_the_files_with_citations_at_real_positions(api: Api, conform) -> None:
    ids = load_corpus(api)
    response = api.chat("demo", "How do sea otters sleep?")
    conform(V25, "chat_assistant", response)
    body = response.json()
    text = body["message"]["content"]
    assert body["message"]["role"] == "assistant"
    assert "hold hands while sleeping" in text
    assert body["finish_reason"] == "stop"
    assert body["citations"]
    for citation in body["citations"]:
        assert 0 < citation["position"] <= len(text)
        assert text[citation["position"] - 1] in ".!?"
    first = body["citations"][0]["references"][0]
    assert first["file"]["id"] == ids["otters.md"]
    assert first["highlight"] is None
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["completion_tokens"] > 0


def test_highlights_quote_the_cited_sentence(api: Api) -> None:
    load_corpus(api)
    body = api.chat("demo", "How do sea otters sleep?", include_highlights=True).json()
    text = body["message"]["content"]
    previous = 0
    for citation in body["citations"]:
        highlight = citation["references"][0]["highlight"]
        assert highlight["type"] == "text"
        assert highlight["content"] in text[previous : citation["position"]]
        previous = citation["position"]


def test_chat_is_deterministic(api: Api) -> None:
    load_corpus(api)
    first = api.chat("demo", "What do comets grow?").json()
    second = api.chat("demo", "What do comets grow?").json()
    assert first["message"] == second["message"]
    assert first["citations"] == second["citations"]
    assert first["id"] != second["id"]


def test_chat_filter_restricts_the_cited_files(api: Api) -> None:
    ids = load_corpus(api)
    question = "Which things grow: red pines or comet tails?"
    unfiltered = {
        r["file"]["id"] for c in api.chat("demo", question).json()["citations"] for r in c["references"]
    }
    assert unfiltered == {ids["pines.txt"], ids["comets.txt"]}
    filtered = api.chat("demo", question, filter={"genre": {"$eq": "astronomy"}}).json()
    cited = {r["file"]["id"] for c in filtered["citations"] for r in c["references"]}
    assert cited == {ids["comets.txt"]}


def test_context_options_top_k_limits_the_snippets(api26: Api) -> None:
    load_corpus(api26)
    question = "Which things grow: red pines or comet tails?"
    wide = api26.chat("demo", question).json()
    narrow = api26.chat("demo", question, context_options={"top_k": 1}).json()
    assert wide["context_snippet_count"] == 2
    assert narrow["context_snippet_count"] == 1
    assert len(narrow["citations"]) == 1


def test_no_matching_files_gives_an_answer_without_citations(api26: Api, conform) -> None:
    load_corpus(api26)
    response = api26.chat("demo", "quantum chromodynamics")
    conform(V26, "chat_assistant", response)
    body = response.json()
    assert body["citations"] == []
    assert body["context_snippet_count"] == 0
    assert body["message"]["content"]


def test_model_echoes_a_concrete_id(api: Api) -> None:
    load_corpus(api)
    assert api.chat("demo", "otters").json()["model"] == "gpt-4o-2024-11-20"
    assert (
        api.chat("demo", "otters", model="claude-3-5-sonnet").json()["model"].startswith("claude-sonnet-4-5")
    )
    assert api.chat("demo", "otters", model="gemini-2.5-pro").json()["model"] == "gemini-2.5-pro"


def test_content_filter_results_and_snippet_count_only_under_2026_04(api: Api, api26: Api, conform) -> None:
    load_corpus(api)
    load_corpus(api26)
    old = api.chat("demo", "otters").json()
    assert "context_snippet_count" not in old
    assert "content_filter_results" not in old
    response = api26.chat("demo", "otters", model="gemini-2.5-pro")
    conform(V26, "chat_assistant", response)
    assert response.json()["content_filter_results"]["spec"] == "gemini"


def test_json_response_returns_json_text(api: Api, conform) -> None:
    ids = load_corpus(api)
    response = api.chat("demo", "How do sea otters sleep?", json_response=True)
    conform(V25, "chat_assistant", response)
    decoded = json.loads(response.json()["message"]["content"])
    assert "hold hands" in decoded["answer"]
    assert decoded["references"][0]["file_id"] == ids["otters.md"]


def test_answers_longer_than_the_output_cap_finish_with_length(make_api, conform) -> None:
    api = make_api(max_output_tokens=6)
    load_corpus(api)
    response = api.chat("demo", "How do sea otters sleep and eat?")
    conform(V25, "chat_assistant", response)
    body = response.json()
    assert body["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] <= 6
    assert all(c["position"] <= len(body["message"]["content"]) for c in body["citations"])


def test_instructions_and_history_count_as_prompt_tokens(api: Api) -> None:
    load_corpus(api)
    short = api.chat("demo", "otters").json()["usage"]["prompt_tokens"]
    api.request("PATCH", "assistants/demo", json={"instructions": "Answer like a pirate. " * 20})
    longer = api.chat("demo", "otters").json()["usage"]["prompt_tokens"]
    assert longer > short


def test_the_last_user_message_drives_retrieval(api: Api) -> None:
    ids = load_corpus(api)
    body = api.post(
        "chat/demo",
        json={
            "messages": [
                {"role": "user", "content": "Tell me about comets"},
                {"role": "assistant", "content": "Comets are icy bodies."},
                {"role": "user", "content": "And how do sea otters sleep?"},
            ]
        },
    ).json()
    assert body["citations"][0]["references"][0]["file"]["id"] == ids["otters.md"]


def test_chat_completions_put_inline_markers_in_the_text(api: Api, conform) -> None:
    load_corpus(api)
    response = api.post(
        "chat/demo/chat/completions",
        json={"messages": [{"role": "user", "content": "Which things grow: red pines or comet tails?"}]},
    )
    conform(V25, "chat_completion_assistant", response)
    body = response.json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "stop"
    assert choice["message"]["role"] == "assistant"
    markers = re.findall(r"\[(\d+)\]", choice["message"]["content"])
    assert markers == ["1", "2"]
    assert body["model"] == "gpt-4o-2024-11-20"


def test_chat_completion_markers_carry_pdf_pages(api: Api, pdf_bytes) -> None:
    api.create_assistant()
    api.upload("demo", "guide.pdf", pdf_bytes(["Nothing here.", "Herons nest in tall trees."]))
    content = api.post(
        "chat/demo/chat/completions",
        json={"messages": [{"role": "user", "content": "Where do herons nest?"}]},
    ).json()["choices"][0]["message"]["content"]
    assert content.endswith("Herons nest in tall trees. [1, pp. 2]")


def test_context_returns_scored_typed_snippets(api: Api, conform) -> None:
    ids = load_corpus(api)
    response = api.post("chat/demo/context", json={"query": "sea otters", "top_k": 2})
    conform(V25, "context_assistant", response)
    body = response.json()
    assert 1 <= len(body["snippets"]) <= 2
    best = body["snippets"][0]
    assert best["type"] == "text"
    assert best["reference"]["type"] == "markdown"
    assert best["reference"]["file"]["id"] == ids["otters.md"]
    assert "pages" not in best["reference"]
    assert 0 < best["score"] < 1
    scores = [s["score"] for s in body["snippets"]]
    assert scores == sorted(scores, reverse=True)
    assert body["usage"]["completion_tokens"] == 0


def test_context_accepts_messages_and_a_filter(api: Api) -> None:
    ids = load_corpus(api)
    body = api.post(
        "chat/demo/context",
        json={
            "messages": [{"role": "user", "content": "What grows?"}],
            "filter": {"$or": [{"genre": "botany"}, {"year": {"$lt": 2020}}]},
        },
    ).json()
    assert {s["reference"]["file"]["id"] for s in body["snippets"]} == {ids["pines.txt"]}


def test_context_top_k_zero_returns_no_snippets(api: Api) -> None:
    load_corpus(api)
    assert api.post("chat/demo/context", json={"query": "otters", "top_k": 0}).json()["snippets"] == []


def test_snippet_size_bounds_how_much_neighbouring_text_a_snippet_carries(api: Api) -> None:
    api.create_assistant()
    sentences = [f"Sentence number {i} mentions nothing special at all." for i in range(400)]
    sentences[200] = "The golden walrus hides here."
    api.upload("demo", "long.txt", " ".join(sentences))
    small = api.post("chat/demo/context", json={"query": "golden walrus", "snippet_size": 512}).json()
    large = api.post("chat/demo/context", json={"query": "golden walrus", "snippet_size": 4096}).json()
    assert "golden walrus" in small["snippets"][0]["content"]
    assert len(small["snippets"][0]["content"]) < len(large["snippets"][0]["content"])


def test_evaluation_scores_entailed_and_contradicted_facts(api: Api, conform) -> None:
    response = api.post(
        "evaluation/metrics/alignment",
        json={
            "question": "What is the capital of Spain and its population?",
            "answer": "Madrid is the capital of Spain.",
            "ground_truth_answer": "Madrid is the capital of Spain. Madrid has about 3 million residents.",
        },
    )
    conform(V25, "metrics_alignment", response)
    body = response.json()
    verdicts = [f["entailment"] for f in body["reasoning"]["evaluated_facts"]]
    assert verdicts == ["entailed", "neutral"]
    assert body["metrics"]["completeness"] == 0.5
    assert body["metrics"]["correctness"] == 1.0
    contradicted = api.post(
        "evaluation/metrics/alignment",
        json={
            "question": "q",
            "answer": "Madrid has about 9 million residents.",
            "ground_truth_answer": "Madrid has about 3 million residents.",
        },
    ).json()
    assert contradicted["reasoning"]["evaluated_facts"][0]["entailment"] == "contradicted"
    assert contradicted["metrics"]["alignment"] == 0.0
