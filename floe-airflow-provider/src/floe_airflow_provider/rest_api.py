"""A client of a running Airflow's public REST API (`/api/v2`), with Airflow 3's token auth.

Deployment mode talks to Airflow only through this: the api-server stores what is asked, and Airflow's own
scheduler and executor run it. Every wait has a deadline; an HTTP error becomes a floe error that names the
call, Airflow's answer and what to check.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from floe_core.artifacts.base import FloeModel
from floe_core.errors import Problem, RuntimeFailure
from floe_core.polling import poll
from pydantic import Field

T = TypeVar("T")
_PAGE = 100  # Airflow's default [api] maximum_page_limit
_POLL_SECONDS = 2.0


class AirflowApiConfig(FloeModel):
    """Where a running Airflow's api-server is, and who floe is there.

    With `username`, floe asks `POST /auth/token` for a token with the password read from the environment
    variable `password_env` (never from a file). Without it, floe asks `GET /auth/token`, which only an auth
    manager that lets everyone in answers (the simple auth manager with `simple_auth_manager_all_admins`).
    """

    url: str = Field(pattern=r"^https?://")
    username: str | None = None
    password_env: str = "FLOE_AIRFLOW_PASSWORD"
    wait_seconds: float = Field(default=3600.0, gt=0)


class AirflowApi:
    def __init__(self, config: AirflowApiConfig) -> None:
        self.config = config
        self.base = config.url.rstrip("/")
        self._token: str | None = None

    # -- calls ----------------------------------------------------------------------------------------------

    def call(self, method: str, path: str, body: Mapping[str, Any] | None = None,
             query: Mapping[str, Any] | None = None) -> Any:
        """One call to `/api/v2` + `path`; a floe error naming the call when Airflow refuses it."""
        url = f"{self.base}/api/v2{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query, doseq=True)
        data = json.dumps(body, default=str).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token()}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise ApiError(method, path, exc.code, _detail(exc)) from None
        except urllib.error.URLError as exc:
            raise self._unreachable(exc) from None

    def pages(self, path: str, items: str, query: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a paginated list endpoint."""
        offset = 0
        while True:
            page = self.call("GET", path, query={**(query or {}), "limit": _PAGE, "offset": offset})
            yield from page[items]
            offset += len(page[items])
            if not page[items] or offset >= page["total_entries"]:
                return

    def token(self) -> str:
        if self._token is None:
            self._token = self._new_token()
        return self._token

    def _new_token(self) -> str:
        url = f"{self.base}/auth/token"
        if self.config.username is None:
            request = urllib.request.Request(url, method="GET")
        else:
            password = os.environ.get(self.config.password_env)
            if password is None:
                raise RuntimeFailure(Problem(
                    f"the environment variable {self.config.password_env} holding {self.config.username!r}'s "
                    "Airflow password is not set", field="plugin_config.api.password_env",
                    found=self.config.password_env, fix="export it, or name another variable in password_env"))
            body = json.dumps({"username": self.config.username, "password": password}).encode()
            request = urllib.request.Request(url, data=body, method="POST",
                                             headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return str(json.loads(response.read())["access_token"])
        except urllib.error.HTTPError as exc:
            who = self.config.username or "an anonymous user"
            raise RuntimeFailure(Problem(
                f"Airflow at {self.base} refused a token for {who}: HTTP {exc.code} {_detail(exc)}",
                field="plugin_config.api.username", found=self.config.username,
                fix="set username and the password in password_env to an Airflow user allowed to trigger DAGs",
            )) from None
        except urllib.error.URLError as exc:
            raise self._unreachable(exc) from None

    def _unreachable(self, exc: urllib.error.URLError) -> RuntimeFailure:
        return RuntimeFailure(Problem(f"Airflow's api-server at {self.base} does not answer: {exc.reason}",
                                      field="plugin_config.api.url", found=self.base,
                                      fix="start `airflow api-server`, or correct the url"))

    # -- waiting --------------------------------------------------------------------------------------------

    def wait(self, what: str, probe: Callable[[], T | None], seconds: float | None = None) -> T:
        """`probe()`'s first answer that is not None, polled until the deadline."""
        timeout = self.config.wait_seconds if seconds is None else seconds
        return poll(probe, timeout, _POLL_SECONDS, lambda: Problem(
            f"Airflow at {self.base}: {what} did not happen within {timeout:.0f} s",
            field="plugin_config.api.wait_seconds", found=timeout,
            fix="check that Airflow's scheduler and dag-processor run (the UI shows their health), or wait longer"))


class ApiError(RuntimeFailure):
    def __init__(self, method: str, path: str, status: int, detail: str) -> None:
        self.status = status
        super().__init__(Problem(f"Airflow refused {method} /api/v2{path}: HTTP {status} {detail}",
                                 fix="see Airflow's answer; the api-server's log has more"))


def _detail(exc: urllib.error.HTTPError) -> str:
    raw = exc.read().decode(errors="replace")
    try:
        detail = json.loads(raw).get("detail", raw)
    except (ValueError, AttributeError):
        detail = raw
    return detail if isinstance(detail, str) else json.dumps(detail)
