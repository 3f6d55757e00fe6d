"""Deployment mode's settings: a wrong one is refused with the field, the value and the fix."""

from __future__ import annotations

import pydantic
import pytest
from floe_airflow_provider import AirflowOrchestratorPlugin
from floe_airflow_provider.rest_api import AirflowApi, AirflowApiConfig
from floe_contract_tests.probes import free_port
from floe_core.errors import RuntimeFailure


def test_deployment_mode_needs_the_dags_folder_the_running_airflow_reads() -> None:
    with pytest.raises(pydantic.ValidationError, match=r"deployment mode .* needs `dags_folder`"):
        AirflowOrchestratorPlugin({"api": {"url": "http://127.0.0.1:8080"}})


def test_an_api_server_that_does_not_answer_is_named_with_its_url() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(RuntimeFailure) as failure:
        AirflowApi(AirflowApiConfig(url=url)).call("GET", "/dags")
    (problem,) = failure.value.problems
    assert problem.field == "plugin_config.api.url"
    assert problem.found == url
    assert "does not answer" in problem.message


def test_a_user_without_the_password_variable_is_told_which_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLOE_TEST_AIRFLOW_PASSWORD", raising=False)
    api = AirflowApi(AirflowApiConfig(url="http://127.0.0.1:1", username="floe",
                                      password_env="FLOE_TEST_AIRFLOW_PASSWORD"))
    with pytest.raises(RuntimeFailure, match=r"FLOE_TEST_AIRFLOW_PASSWORD .* is not set"):
        api.token()
