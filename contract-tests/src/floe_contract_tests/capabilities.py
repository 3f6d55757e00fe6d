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
from typing import Any, TypeVar

import pytest
from floe_core.errors import UnsupportedFeatureError
from floe_core.features import FEATURES

F = TypeVar("F", bound=Callable[..., Any])


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
            declared = ", ".join(f"supports_{f}=False" for f in missing)
            try:
                test(*args, **kwargs)
            except UnsupportedFeatureError as exc:
                if not set(exc.features) & set(missing):
                    raise
                pytest.skip(f"{harness.engine} declares {declared} and refuses: {exc.problems[0].message}")
            pytest.fail(f"passes although {harness.engine} declares {declared}: declare the capability")

        return gated  # type: ignore[return-value]

    return decorate
