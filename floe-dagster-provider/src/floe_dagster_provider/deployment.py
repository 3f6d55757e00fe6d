"""Deployment mode: floe's run, rerun, backfill and history on a running Dagster, through its GraphQL API only.

The product's definitions are loaded by a code location of that Dagster (`defs = build_definitions(...)`);
floe asks its webserver, and Dagster's daemon, run coordinator and run launcher do the work in run workers of
their own. So a rerun is Dagster's re-execution from failure (the UI groups it with its parent run), and a
backfill of one partition per run is Dagster's own partition backfill (it shows on the Backfills page). Run
records are read back from what the webserver answers: the run and its event log.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any

import dagster as dg
from floe_core.artifacts import CompiledArtifacts
from floe_core.errors import Problem, RuntimeFailure
from floe_core.plugin import BackfillRequest, BackfillResult, RunFilter, RunRecord

from floe_dagster_provider import _compat, execution
from floe_dagster_provider.dbt_assets import OUTCOMES_METADATA_KEY
from floe_dagster_provider.graphql_api import DagsterGraphql
from floe_dagster_provider.jobs import JOB_TAG
from floe_dagster_provider.keys import AssetKeys
from floe_dagster_provider.run_history import (
    BACKFILL_TAG,
    RunEvent,
    check_status,
    record_of,
    status_names,
    step_outcomes,
)

_ENDED = ("SUCCESS", "FAILURE", "CANCELED")
# A backfill whose daemon has stopped submitting runs; its runs may still be running.
_BACKFILL_SUBMITTED = ("COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED")
_EVENTS_PAGE = 1000

_RUN = "runId jobName status startTime endTime tags { key value }"
_REPOSITORIES = """
{ repositoriesOrError { __typename
    ... on RepositoryConnection { nodes { name location { name } jobs { name } partitionSets { name pipelineName } } }
    ... on PythonError { message } } }
"""
_LAUNCH = """
mutation LaunchRun($params: ExecutionParams!) { launchRun(executionParams: $params) {
    __typename ... on LaunchRunSuccess { run { runId } } ... on Error { message }
    ... on RunConfigValidationInvalid { errors { message } } } }
"""
_REEXECUTE = """
mutation LaunchRunReexecution($params: ReexecutionParams!) { launchRunReexecution(reexecutionParams: $params) {
    __typename ... on LaunchRunSuccess { run { runId } } ... on Error { message }
    ... on RunConfigValidationInvalid { errors { message } } } }
"""
_STRATEGIES = '{ __type(name: "ReexecutionStrategy") { enumValues { name } } }'
_BACKFILL = """
mutation LaunchPartitionBackfill($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename ... on LaunchBackfillSuccess { backfillId } ... on Error { message }
    ... on RunConfigValidationInvalid { errors { message } } } }
"""
_BACKFILL_STATUS = """
query Backfill($id: String!) { partitionBackfillOrError(backfillId: $id) {
    __typename ... on PartitionBackfill { status numPartitions runs { runId status } } ... on Error { message } } }
"""
_RUN_QUERY = f"""
query Run($runId: ID!) {{ runOrError(runId: $runId) {{
    __typename ... on Run {{ {_RUN} }} ... on Error {{ message }} }} }}
"""
_RUNS = f"""
query Runs($filter: RunsFilter, $limit: Int) {{ runsOrError(filter: $filter, limit: $limit) {{
    __typename ... on Runs {{ results {{ {_RUN} }} }} ... on Error {{ message }} }} }}
"""
_EVENTS = """
query Events($runId: ID!, $after: String, $limit: Int) {
  logsForRun(runId: $runId, afterCursor: $after, limit: $limit) {
    __typename ... on Error { message }
    ... on EventConnection { cursor hasMore events { __typename
      ... on AssetMaterializationPlannedEvent { stepKey assetKey { path } }
      ... on MaterializationEvent { stepKey assetKey { path } }
      ... on ExecutionStepStartEvent { stepKey }
      ... on ExecutionStepRestartEvent { stepKey }
      ... on ExecutionStepFailureEvent { stepKey failureMetadata { metadataEntries {
          label ... on TextMetadataEntry { text } } } }
      ... on AssetCheckEvaluationPlannedEvent { stepKey checkName }
      ... on AssetCheckEvaluationEvent { stepKey evaluation { checkName success severity } } } } } }
"""
# GraphQL's event types, by the event type values the in-process event log uses.
_KINDS = {
    "AssetMaterializationPlannedEvent": "ASSET_MATERIALIZATION_PLANNED",
    "MaterializationEvent": "ASSET_MATERIALIZATION",
    "ExecutionStepStartEvent": "STEP_START",
    "ExecutionStepRestartEvent": "STEP_RESTARTED",
    "ExecutionStepFailureEvent": "STEP_FAILURE",
    "AssetCheckEvaluationPlannedEvent": "ASSET_CHECK_EVALUATION_PLANNED",
    "AssetCheckEvaluationEvent": "ASSET_CHECK_EVALUATION",
}


class DeployedDagster:
    def __init__(self, api: DagsterGraphql) -> None:
        self.api = api

    # -- runs -----------------------------------------------------------------------------------------------

    def run_job(self, artifacts: CompiledArtifacts, job: str, partition: str | None, keys: AssetKeys,
                tags: Mapping[str, str] | None = None) -> RunRecord:
        """Launch one run of `job` (queued, then started by the daemon) and wait until it has ended."""
        execution.check_job(artifacts, job, partition)
        run_tags = {JOB_TAG: job, **execution.partition_tags(partition), **(tags or {})}
        params = {"selector": self._job_selector(job), "runConfigData": {},
                  "executionMetadata": {"tags": [{"key": k, "value": v} for k, v in run_tags.items()]}}
        launched = self.api.result(_LAUNCH, {"params": params}, "launchRun", "LaunchRunSuccess")
        return self.wait_record(launched["run"]["runId"], keys)

    def rerun_failed(self, run_id: str, keys: AssetKeys) -> RunRecord:
        """Dagster's re-execution of run `run_id` from failure: what failed or did not run."""
        parent = self._run(run_id)
        if parent is None:
            raise RuntimeFailure(Problem(f"there is no run {run_id!r} on Dagster at {self.api.base} to re-run",
                                         field="rerun_of", found=run_id,
                                         fix="pass the run_id of an earlier run of this job (see run_history)"))
        if parent["status"] == "SUCCESS":
            raise RuntimeFailure(Problem(f"run {run_id} of job {parent['jobName']!r} left nothing undone to re-run",
                                         field="rerun_of", found="success", fix="run the job again without rerun_of"))
        params = {"parentRunId": run_id, "strategy": self._reexecution_strategy()}
        launched = self.api.result(_REEXECUTE, {"params": params}, "launchRunReexecution", "LaunchRunSuccess")
        return self.wait_record(launched["run"]["runId"], keys)

    def _reexecution_strategy(self) -> str:
        """FROM_ASSET_FAILURE where the server has it: only the assets that failed or did not run, and what
        depends on them, as a rerun runs on every engine; older servers re-execute whole failed steps."""
        values = self.api.query(_STRATEGIES)["__type"]["enumValues"]
        return "FROM_ASSET_FAILURE" if {"name": "FROM_ASSET_FAILURE"} in values else "FROM_FAILURE"

    def wait_record(self, run_id: str, keys: AssetKeys) -> RunRecord:
        run = self.api.wait(f"run {run_id} ending", partial(self._ended_run, run_id))
        return self._record(run, keys)

    def _ended_run(self, run_id: str) -> dict[str, Any] | None:
        run = self._run(run_id)
        return run if run is not None and run["status"] in _ENDED else None

    def _run(self, run_id: str) -> dict[str, Any] | None:
        found: dict[str, Any] = self.api.query(_RUN_QUERY, {"runId": run_id})["runOrError"]
        if found["__typename"] == "RunNotFoundError":
            return None
        if found["__typename"] != "Run":
            raise RuntimeFailure(Problem(f"Dagster could not read run {run_id}: {found.get('message')}",
                                         fix="see the webserver's log"))
        return found

    # -- backfills ------------------------------------------------------------------------------------------

    def launch_backfill(self, artifacts: CompiledArtifacts, request: BackfillRequest, keys: AssetKeys,
                        max_partitions_per_run: int | None) -> BackfillResult:
        """Runs of one partition each are Dagster's own partition backfill of the job; ranged runs (a
        `BackfillPolicy` of several partitions per run) are runs floe launches with Dagster's range tags."""
        from floe_core.planning import BackfillPlan, plan_backfill

        plan = plan_backfill(artifacts, request, self.history(RunFilter(job=request.job, limit=10_000), keys))
        if max_partitions_per_run == 1 and plan.partitions:  # with nothing to run, Dagster gets no backfill
            backfill_id = self._partition_backfill(request.job, plan.partitions)
            runs = self.history(RunFilter(job=request.job, backfill_id=backfill_id, limit=len(plan.partitions)),
                                keys)
        else:
            backfill_id = f"floe-{secrets.token_hex(6)}"
            runs = [self.run_job(artifacts, request.job, BackfillPlan.label(chunk), keys, {BACKFILL_TAG: backfill_id})
                    for chunk in plan.chunks]
        return BackfillResult(backfill_id=backfill_id, job=plan.job, partitions=plan.partitions, runs=tuple(runs))

    def _partition_backfill(self, job: str, partitions: tuple[str, ...]) -> str:
        """Launch Dagster's backfill of `partitions` of `job` and wait until every run of it has ended."""
        repository, partition_set = self._repository_of(job)
        params = {"selector": {"partitionSetName": partition_set, "repositorySelector": repository},
                  "partitionNames": list(partitions)}
        backfill_id = str(self.api.result(_BACKFILL, {"params": params}, "launchPartitionBackfill",
                                          "LaunchBackfillSuccess")["backfillId"])
        self.api.wait(f"backfill {backfill_id} of job {job!r} ending", partial(self._ended_backfill, backfill_id))
        return backfill_id

    def _ended_backfill(self, backfill_id: str) -> dict[str, Any] | None:
        backfill = self.api.result(_BACKFILL_STATUS, {"id": backfill_id}, "partitionBackfillOrError",
                                   "PartitionBackfill")
        submitted = backfill["status"] in _BACKFILL_SUBMITTED
        ended = all(run["status"] in _ENDED for run in backfill["runs"])
        return backfill if submitted and ended else None

    # -- history --------------------------------------------------------------------------------------------

    def history(self, run_filter: RunFilter, keys: AssetKeys) -> list[RunRecord]:
        tags = []
        if run_filter.backfill_id is not None:
            # floe's own backfills (ranged runs) carry floe's tag; Dagster's backfills carry Dagster's.
            key = BACKFILL_TAG if run_filter.backfill_id.startswith("floe-") else _compat.BACKFILL_TAG
            tags.append({"key": key, "value": run_filter.backfill_id})
        runs_filter: dict[str, Any] = {"pipelineName": run_filter.job, "tags": tags or None,
                                       "statuses": status_names(run_filter) or None}
        if run_filter.since is not None:
            runs_filter["createdAfter"] = run_filter.since.timestamp()
        # A ranged run covers a partition without carrying it as a tag, so the partition filter runs here.
        limit = max(run_filter.limit * 4, 200) if run_filter.partition is not None else run_filter.limit
        runs = self.api.result(_RUNS, {"filter": runs_filter, "limit": limit}, "runsOrError", "Runs")["results"]
        records = [r for r in (self._record(run, keys) for run in runs) if run_filter.matches(r)]
        return records[: run_filter.limit]

    def _record(self, run: Mapping[str, Any], keys: AssetKeys) -> RunRecord:
        return record_of(run_id=run["runId"], job=run["jobName"], status=run["status"], started=run["startTime"],
                         ended=run["endTime"], tags={t["key"]: t["value"] for t in run["tags"]},
                         events=self._events(run["runId"]), keys=keys)

    def _events(self, run_id: str) -> Iterator[RunEvent]:
        """The run's event log, page by page, as floe's `RunEvent`s."""
        after = None
        while True:
            page = self.api.query(_EVENTS, {"runId": run_id, "after": after, "limit": _EVENTS_PAGE})["logsForRun"]
            if page["__typename"] != "EventConnection":
                raise RuntimeFailure(Problem(f"Dagster could not read the events of run {run_id}: "
                                             f"{page.get('message')}", fix="see the webserver's log"))
            for event in page["events"]:
                kind = _KINDS.get(event["__typename"])
                if kind is not None:
                    yield _run_event(kind, event)
            if not page["hasMore"]:
                return
            after = page["cursor"]

    # -- the code location ----------------------------------------------------------------------------------

    def _job_selector(self, job: str) -> dict[str, str]:
        repository, _ = self._repository_of(job)
        return {**repository, "jobName": job}

    def _repository_of(self, job: str) -> tuple[dict[str, str], str | None]:
        """The repository selector of the code location that defines `job`, and the job's partition set."""
        answer = self.api.query(_REPOSITORIES)["repositoriesOrError"]
        if answer["__typename"] != "RepositoryConnection":
            raise RuntimeFailure(Problem(f"Dagster could not list its code locations: {answer.get('message')}",
                                         fix="see the webserver's log"))
        wanted = self.api.config.location
        found = [r for r in answer["nodes"] if any(j["name"] == job for j in r["jobs"])
                 and wanted in (None, r["location"]["name"])]
        if len(found) != 1:
            where = sorted(r["location"]["name"] for r in found)
            raise RuntimeFailure(Problem(
                f"{len(found)} code locations of Dagster at {self.api.base} define job {job!r}"
                + (f": {', '.join(where)}" if where else ""),
                field="plugin_config.graphql.location", found=wanted,
                fix="name the code location that loads this product's definitions" if where else
                    "load the product in a code location (`defs = build_definitions(...)`) and reload it"))
        (repository,) = found
        partition_sets = [p["name"] for p in repository["partitionSets"] if p["pipelineName"] == job]
        selector = {"repositoryName": repository["name"], "repositoryLocationName": repository["location"]["name"]}
        return selector, (partition_sets[0] if partition_sets else None)


def _run_event(kind: str, event: Mapping[str, Any]) -> RunEvent:
    step = event.get("stepKey")
    if "assetKey" in event and event["assetKey"] is not None:
        return RunEvent(kind, step, asset_key=dg.AssetKey(event["assetKey"]["path"]))
    if kind == "STEP_FAILURE":
        entries = (event.get("failureMetadata") or {}).get("metadataEntries") or []
        text = next((e.get("text") for e in entries if e["label"] == OUTCOMES_METADATA_KEY), None)
        return RunEvent(kind, step, step_outcomes=step_outcomes(text))
    if kind == "ASSET_CHECK_EVALUATION":
        evaluation = event["evaluation"]
        return RunEvent(kind, step, check_name=evaluation["checkName"],
                        check_status=check_status(evaluation["success"], evaluation["severity"]))
    return RunEvent(kind, step, check_name=event.get("checkName"))
