"""Waiting for a running engine to get somewhere, with a deadline: the deployment modes of every provider."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from floe_core.errors import Problem, RuntimeFailure

T = TypeVar("T")


def poll(probe: Callable[[], T | None], seconds: float, interval: float, timed_out: Callable[[], Problem]) -> T:
    """`probe()`'s first answer that is not None, asked every `interval` seconds; after `seconds`, a failure
    with the problem `timed_out()` describes."""
    deadline = time.monotonic() + seconds
    while True:
        answer = probe()
        if answer is not None:
            return answer
        if time.monotonic() > deadline:
            raise RuntimeFailure(timed_out())
        time.sleep(interval)
