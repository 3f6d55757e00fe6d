"""A client of a running Dagster webserver's public GraphQL API (`/graphql`).

Deployment mode talks to Dagster only through this: the webserver stores what is asked on the instance, and
Dagster's daemon and run launcher run it. Every wait has a deadline; a refusal becomes a floe error that names
the operation, Dagster's answer and what to check.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from floe_core.artifacts.base import FloeModel
from floe_core.errors import Problem, RuntimeFailure
from floe_core.polling import poll
from pydantic import Field

T = TypeVar("T")
_POLL_SECONDS = 2.0


class DagsterGraphqlConfig(FloeModel):
    """Where a running Dagster webserver is, and which of its code locations serves the product.

    `location` may be left out when exactly one code location defines the job asked for.
    """

    url: str = Field(pattern=r"^https?://")
    location: str | None = None
    wait_seconds: float = Field(default=3600.0, gt=0)


class DagsterGraphql:
    def __init__(self, config: DagsterGraphqlConfig) -> None:
        self.config = config
        self.base = config.url.rstrip("/")

    def query(self, operation: str, variables: Mapping[str, Any] | None = None) -> Any:
        """The `data` of one GraphQL operation; a floe error when the webserver is unreachable or refuses it."""
        body = json.dumps({"query": operation, "variables": dict(variables or {})}).encode()
        request = urllib.request.Request(f"{self.base}/graphql", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                answer = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            answer = _json_or_none(exc.read())
            if not (isinstance(answer, dict) and answer.get("errors")):
                raise self._refused(operation, f"HTTP {exc.code}") from None
        except urllib.error.URLError as exc:
            raise RuntimeFailure(Problem(f"Dagster's webserver at {self.base} does not answer: {exc.reason}",
                                         field="plugin_config.graphql.url", found=self.base,
                                         fix="start `dagster-webserver` (and `dagster-daemon run`), or correct "
                                             "the url")) from None
        if answer.get("errors"):
            raise self._refused(operation, "; ".join(e.get("message", str(e)) for e in answer["errors"]))
        return answer["data"]

    def result(self, operation: str, variables: Mapping[str, Any], field: str, success: str) -> Any:
        """The `field` of an operation whose answer is a union: its value when it is of type `success`, else a
        floe error with Dagster's message (every Dagster error type carries one)."""
        found = self.query(operation, variables)[field]
        if found.get("__typename") != success:
            raise self._refused(operation, f"{found.get('__typename')}: {_messages(found)}")
        return found

    def _refused(self, operation: str, detail: str) -> RuntimeFailure:
        name = operation.strip().split("(")[0].split("{")[0].strip() or "a query"
        return RuntimeFailure(Problem(f"Dagster at {self.base} refused {name}: {detail}",
                                      fix="see Dagster's answer; the webserver's and the daemon's logs have more"))

    def wait(self, what: str, probe: Callable[[], T | None]) -> T:
        """`probe()`'s first answer that is not None, polled until `wait_seconds` have passed."""
        timeout = self.config.wait_seconds
        return poll(probe, timeout, _POLL_SECONDS, lambda: Problem(
            f"Dagster at {self.base}: {what} did not happen within {timeout:.0f} s",
            field="plugin_config.graphql.wait_seconds", found=timeout,
            fix="check that `dagster-daemon run` runs (the UI's Deployment page shows the daemons' health), "
                "or wait longer"))


def _messages(found: Mapping[str, Any]) -> str:
    """Dagster's message of an error answer, with the config errors of an invalid run config."""
    parts = [found.get("message") or ""]
    parts += [e["message"] for e in found.get("errors") or [] if isinstance(e, dict) and "message" in e]
    return " ".join(p for p in parts if p) or "no message"


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None
