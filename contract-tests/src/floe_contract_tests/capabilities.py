"""Capability gating and clause citations for contract tests.

A test decorated `@requires("sql_sensors")` runs on every provider. Where the provider declares the feature
missing, the test is skipped only when the provider refuses it with floe's `UnsupportedFeatureError` naming
that feature (the reason is generated from the declaration and the refusal); any other exception fails the
test with its traceback, and a pass fails it too: a provider may not under-declare what it can do any more
than it may over-declare it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import pytest
from floe_core.errors import UnsupportedFeatureError
from floe_core.features import FEATURES
from floe_core.plugin import OrchestratorPlugin

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def clause(number: str) -> Callable[[F], F]:
    """Cite the CONTRACT.md clause a test proves (shown with `pytest -m contract`, used by the report)."""
    return pytest.mark.contract(number)


def requires(*features: str) -> Callable[[F], F]:
    unknown = [f for f in features if f not in FEATURES]
    if unknown:
        raise ValueError(f"unknown capability {unknown}; known: {', '.join(FEATURES)}")

    def decorate(test: F) -> F:
        @functools.wraps(test)
        def gated(*args: Any, **kwargs: Any) -> Any:
            harness = kwargs["harness"]
            caps = harness.plugin().capabilities
            missing = [f for f in features if not caps.supports(f)]
            if not missing:
                return test(*args, **kwargs)
            _refused_or_fail(harness.engine, missing, lambda: test(*args, **kwargs))

        return gated  # type: ignore[return-value]

    return decorate


def run_or_refused(plugin: OrchestratorPlugin, feature: str, attempt: Callable[[], T]) -> T:
    """`attempt()`'s result where the provider supports `feature`; where it declares the feature missing,
    `attempt()` must raise floe's refusal naming it, and the test is skipped with that refusal as the reason.
    For a provider's own tests, which hold a plugin rather than a contract harness."""
    if plugin.capabilities.supports(feature):
        return attempt()
    _refused_or_fail(plugin.name, [feature], attempt)


def _refused_or_fail(engine: str, missing: list[str], attempt: Callable[[], object]) -> NoReturn:
    declared = ", ".join(f"supports_{f}=False" for f in missing)
    try:
        attempt()
    except UnsupportedFeatureError as exc:
        if not set(exc.features) & set(missing):
            raise
        pytest.skip(f"{engine} declares {declared} and refuses: {exc.problems[0].message}")
    pytest.fail(f"passes although {engine} declares {declared}: declare the capability")
