"""Alignment evaluation (``POST /evaluation/metrics/alignment`` on the evaluation host).

Scores an answer against a ground-truth answer: ``metrics`` (correctness, completeness,
alignment), ``reasoning.evaluated_facts`` and ``usage``. Errors from this endpoint come as
``{"message": ...}`` rather than the usual envelope; they map to the same error classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._call import ApiCall, check_text, parse_model

if TYPE_CHECKING:
    from assistant_api.models.alignment_response import AlignmentResponse

__all__ = ["alignment"]


def alignment(
    *, question: str, answer: str, ground_truth_answer: str, api_version: str
) -> ApiCall[AlignmentResponse]:
    """The call that scores ``answer`` to ``question`` against ``ground_truth_answer``."""
    from assistant_api.api.evaluation import metrics_alignment
    from assistant_api.models.alignment_request import AlignmentRequest
    from assistant_api.models.alignment_response import AlignmentResponse

    body = AlignmentRequest(
        question=check_text(question, "question", "pass the question that was asked"),
        answer=check_text(answer, "answer", "pass the answer to evaluate"),
        ground_truth_answer=check_text(
            ground_truth_answer, "ground_truth_answer", "pass the answer known to be right"
        ),
    )
    kwargs: dict[str, Any] = metrics_alignment._get_kwargs(body=body, x_pinecone_api_version=api_version)
    return ApiCall("evaluation", kwargs, parse_model(AlignmentResponse))
