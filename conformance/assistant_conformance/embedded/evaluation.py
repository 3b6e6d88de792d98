"""Evaluation plane: alignment of an answer with a ground-truth answer, judged lexically.

Each sentence of the ground truth is a fact. A fact is ``entailed`` when at least 60% of its index
terms occur in the answer, ``contradicted`` when it is otherwise covered but a number it states is
missing from the answer while the answer states other numbers, else ``neutral``.
correctness = entailed / (entailed + contradicted), completeness = entailed / facts, alignment is
their harmonic mean. Errors use the plane's ``{"message": ...}`` body, with 422 for any unusable
body (the only client-error status the plane documents besides 401).
"""

from __future__ import annotations

import re
from typing import Any

from .errors import EvaluationError
from .faults import Reply
from .ingest import split_sentences
from .retrieval import terms
from .runtime import Call, parse_json
from .tokens import count_tokens
from .uploads import read_json_body

ENTAILED_SHARE = 0.6
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
FIELDS = ("question", "answer", "ground_truth_answer")


def _judge(fact: str, answer_terms: set[str], answer_numbers: set[str]) -> tuple[str, str]:
    fact_terms = set(terms(fact))
    if not fact_terms:
        return "neutral", "The fact has no content words to compare."
    share = len(fact_terms & answer_terms) / len(fact_terms)
    fact_numbers = set(_NUMBER.findall(fact))
    if share >= ENTAILED_SHARE and fact_numbers and answer_numbers and not fact_numbers & answer_numbers:
        return (
            "contradicted",
            f"The answer covers this fact but states {sorted(answer_numbers)} "
            f"instead of {sorted(fact_numbers)}.",
        )
    if share >= ENTAILED_SHARE and (not fact_numbers or fact_numbers <= answer_numbers):
        return "entailed", f"{share:.0%} of the fact's terms appear in the answer."
    return "neutral", f"Only {share:.0%} of the fact's terms appear in the answer."


async def metrics_alignment(call: Call) -> Reply:
    raw = await read_json_body(call.request, call.settings.limits)
    try:
        data = parse_json(raw)
    except (ValueError, RecursionError) as exc:
        raise EvaluationError(422, "INVALID_ARGUMENT", f"The request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise EvaluationError(422, "INVALID_ARGUMENT", "The request body must be a JSON object.")
    extra = sorted(set(data) - set(FIELDS))
    if extra:
        raise EvaluationError(
            422, "INVALID_ARGUMENT", f"Unknown field(s) {', '.join(extra)}: send only {', '.join(FIELDS)}."
        )
    values: dict[str, str] = {}
    for name in FIELDS:
        value = data.get(name)
        if not isinstance(value, str):
            raise EvaluationError(
                422, "INVALID_ARGUMENT", f"Field `{name}` is required and must be a string."
            )
        values[name] = value
    answer = values["answer"]
    answer_terms = set(terms(answer))
    answer_numbers = set(_NUMBER.findall(answer))
    facts: list[dict[str, Any]] = []
    for fact in split_sentences(values["ground_truth_answer"]):
        entailment, reasoning = _judge(fact, answer_terms, answer_numbers)
        facts.append({"fact": {"content": fact}, "entailment": entailment, "reasoning": reasoning})
    entailed = sum(f["entailment"] == "entailed" for f in facts)
    contradicted = sum(f["entailment"] == "contradicted" for f in facts)
    correctness = entailed / (entailed + contradicted) if entailed + contradicted else 0.0
    completeness = entailed / len(facts) if facts else 0.0
    alignment = (
        2 * correctness * completeness / (correctness + completeness) if correctness + completeness else 0.0
    )
    prompt_tokens = sum(count_tokens(v) for v in values.values())
    completion_tokens = sum(count_tokens(f["reasoning"]) for f in facts)
    return Reply(
        200,
        {
            "metrics": {"correctness": correctness, "completeness": completeness, "alignment": alignment},
            "reasoning": {"evaluated_facts": facts},
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        },
    )
