"""Running one hypothesis property outside pytest and turning its outcome into a check result."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from assistant_conformance.context import NotRecordedError, RunContext
from assistant_conformance.results import CheckCollector, NotJudged, Reproduction

T = TypeVar("T")


@dataclass
class PropertyOutcome:
    """How a property ended: examples tried, how many were judged, the (shrunk) failing example."""

    examples: int
    judged: int = 0
    not_judged_reason: str = ""
    failed: bool = False
    message: str = ""
    example: Any = None
    not_recorded: str | None = None


class _StopError(Exception):
    """Raised inside the property to end the run at once (an unrecorded request)."""


def run_property(
    strategy: st.SearchStrategy[T],
    check: Callable[[T], None],
    *,
    max_examples: int,
    seed: int,
    shrink: bool = True,
) -> PropertyOutcome:
    """Run ``check`` on examples of ``strategy``; ``check`` raises AssertionError on a violation.

    Deterministic for a given ``seed``: no example database, no time-based health checks.
    """
    outcome = PropertyOutcome(examples=0)
    last: dict[str, Any] = {}

    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if shrink else [])

    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        phases=phases,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        report_multiple_bugs=False,
    )
    @given(strategy)
    def test(value: T) -> None:
        outcome.examples += 1
        try:
            check(value)
            outcome.judged += 1
        except NotJudged as exc:
            outcome.not_judged_reason = str(exc)
        except NotRecordedError as exc:
            outcome.not_recorded = str(exc)
            raise _StopError from exc
        except AssertionError as exc:
            last["example"] = value
            last["message"] = str(exc) or type(exc).__name__
            raise
        except Exception as exc:  # a crash in the code under test is a failure of this check
            last["example"] = value
            last["message"] = f"{type(exc).__name__}: {exc}"
            raise AssertionError(last["message"]) from exc

    try:
        hypothesis_seed(seed)(test)()
    except _StopError:
        pass
    except AssertionError:
        outcome.failed = True
        outcome.message = last.get("message", "the property failed")
        outcome.example = last.get("example")
    return outcome


def record_property(
    ctx: RunContext,
    collector: CheckCollector,
    check_id: str,
    strategy: st.SearchStrategy[T],
    check: Callable[[T], None],
    *,
    max_examples: int,
) -> PropertyOutcome:
    """Run a property with the run's seed and record it as one check."""
    started = time.monotonic()
    outcome = run_property(
        strategy, check, max_examples=max_examples, seed=ctx.seed, shrink=ctx.target.deterministic
    )
    if outcome.not_recorded is not None:
        collector.not_recorded(check_id, outcome.not_recorded)
    elif outcome.failed:
        collector.passed(check_id, max(0, outcome.judged))
        collector.failed(
            check_id,
            outcome.message,
            reproduction=Reproduction(seed=ctx.seed, example=_jsonable(outcome.example)),
        )
    elif outcome.judged:
        collector.passed(check_id, outcome.judged)
    elif outcome.examples:
        collector.not_exercised(
            check_id,
            f"none of {outcome.examples} examples gave anything to judge "
            f"({outcome.not_judged_reason or 'no reason given'})",
        )
    else:
        collector.not_exercised(check_id, "the property ran 0 examples")
    collector.add_duration(check_id, time.monotonic() - started)
    return outcome


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)
