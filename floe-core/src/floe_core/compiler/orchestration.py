"""floe.yaml's orchestration section, resolved and validated against the asset graph."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError

from floe_core.artifacts import (
    ASSET_KEY_RE,
    AllPartitionsMapping,
    Asset,
    AssetDep,
    AssetSensor,
    BackfillPolicy,
    CustomSensor,
    FileSensor,
    IdentityMapping,
    Job,
    MultiPartitions,
    MultiRunBackfill,
    MultiToSingleMapping,
    PartitionDimension,
    PartitionMapping,
    Partitions,
    PythonCallable,
    RetryPolicy,
    RunStatusSensor,
    Schedule,
    Sensor,
    SingleRunBackfill,
    SqlSensor,
    StaticMapping,
    StaticPartitions,
    TimeWindowMapping,
    TimeWindowPartitions,
)
from floe_core.cron import CronSyntaxError, is_valid_timezone, parse_cron, timezone_suggestions
from floe_core.errors import FloeError, Problem, SpecError
from floe_core.graph import AssetGraph
from floe_core.selectors import select
from floe_core.spec import (
    SpecAssetSensor,
    SpecCustomSensor,
    SpecDep,
    SpecFileSensor,
    SpecMapping,
    SpecMulti,
    SpecOrchestration,
    SpecRetry,
    SpecRunStatusSensor,
    SpecSensor,
    SpecSqlSensor,
    SpecStatic,
    SpecTimeWindow,
)
from floe_core.validation import problems_from_validation_error

DEFAULT_JOB = "all_assets"


class Resolver:
    """Collects every problem it finds, so one compile reports all of them, then raises them together."""

    def __init__(self, spec: SpecOrchestration, file: str) -> None:
        self.spec = spec
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, message: str, field: str, found: object = None, fix: str | None = None,
                expected: str | None = None) -> None:
        self.problems.append(Problem(message, file=self.file, field=field, found=found, expected=expected, fix=fix))

    def raise_if_any(self) -> None:
        if self.problems:
            raise SpecError(self.problems)

    # -- partitions ---------------------------------------------------------------------------------------

    def partitions(self) -> list[Partitions]:
        declared: dict[str, Partitions] = {}
        for i, p in enumerate(self.spec.partitions):
            field = f"orchestration.partitions[{i}]"
            if p.name in declared:
                self.problem(f"partitions {p.name!r} are declared twice", f"{field}.name", p.name,
                             "give each partition set its own name")
                continue
            built = self._partition(p, field, declared)
            if built is not None:
                declared[p.name] = built
        return list(declared.values())

    def _partition(self, p: SpecTimeWindow | SpecStatic | SpecMulti, field: str,
                   declared: dict[str, Partitions]) -> Partitions | None:
        try:
            if isinstance(p, SpecTimeWindow):
                if not is_valid_timezone(p.timezone):
                    self._bad_timezone(p.timezone, f"{field}.timezone")
                    return None
                return TimeWindowPartitions(name=p.name, cadence=p.cadence, start=p.start, end=p.end,
                                            timezone=p.timezone, fmt=p.fmt or "")
            if isinstance(p, SpecStatic):
                return StaticPartitions(name=p.name, keys=p.keys)
            if len(p.dimensions) != 2:
                self.problem("multi partitions need exactly two dimensions", f"{field}.dimensions",
                             len(p.dimensions), "list two dimensions, each naming a declared partition set")
                return None
            dims = []
            for j, d in enumerate(p.dimensions):
                inner = declared.get(d.partitions)
                if inner is None or isinstance(inner, MultiPartitions):
                    self.problem(f"dimension {d.name!r} names unknown partitions {d.partitions!r}",
                                 f"{field}.dimensions[{j}].partitions", d.partitions,
                                 "declare that time-window or static partition set earlier in the list")
                    return None
                dims.append(PartitionDimension(name=d.name, partitions=inner))
            return MultiPartitions(name=p.name, dimensions=(dims[0], dims[1]))
        except ValidationError as exc:
            for prob in problems_from_validation_error(exc, self.file):
                self.problems.append(Problem(prob.message, self.file, field, prob.found, prob.expected, prob.fix))
            return None

    def _bad_timezone(self, tz: str, field: str) -> None:
        close = timezone_suggestions(tz)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        self.problem("unknown or ambiguous timezone", field, tz,
                     f"use an IANA name such as Europe/Amsterdam or America/New_York{hint}",
                     expected="an IANA timezone name")

    # -- assets -------------------------------------------------------------------------------------------

    def find_key(self, name: str, assets: dict[str, Asset]) -> str | None:
        if name in assets:
            return name
        matches = [a.key for a in assets.values() if a.dbt is not None and a.dbt.name == name]
        return matches[0] if len(matches) == 1 else None

    def extra_assets(self, assets: dict[str, Asset]) -> None:
        """Python and external assets join the dbt ones (their deps are resolved later, with overrides)."""
        for i, ext in enumerate(self.spec.external_assets):
            if ext.key in assets:
                self._duplicate(ext.key, f"orchestration.externalAssets[{i}].key")
                continue
            assets[ext.key] = Asset(key=ext.key, kind="external", description=ext.description, group=ext.group)
        for i, py in enumerate(self.spec.python_assets):
            field = f"orchestration.pythonAssets[{i}]"
            if py.key in assets:
                self._duplicate(py.key, f"{field}.key")
                continue
            try:
                assets[py.key] = Asset(
                    key=py.key, kind="python", description=py.description, group=py.group, owners=py.owners,
                    tags=py.tags, partitions=py.partitions, retry=_retry(py.retry),
                    iceberg_table=py.iceberg_table, python=PythonCallable(callable=py.callable),
                )
            except ValidationError as exc:
                for prob in problems_from_validation_error(exc, self.file):
                    self.problems.append(Problem(prob.message, self.file, f"{field}.{prob.field}", prob.found,
                                                 prob.expected, prob.fix))

    def _duplicate(self, key: str, field: str) -> None:
        self.problem(f"duplicate asset key {key!r}: a dbt node or another floe.yaml asset already has it",
                     field, key, "rename one of them")

    def apply_overrides(self, assets: dict[str, Asset], partitions: dict[str, Partitions]) -> None:
        """Per-asset settings from `orchestration.assets` and the deps of python assets."""
        graph = AssetGraph(list(assets.values()))
        for i, over in enumerate(self.spec.assets):
            field = f"orchestration.assets[{i}]"
            try:
                keys = select(graph, over.select, field=f"{field}.select")
            except FloeError as exc:
                self.problems.extend(p if p.file else Problem(p.message, self.file, p.field, p.found,
                                                              p.expected, p.fix) for p in exc.problems)
                continue
            if not keys:
                self.problem("selector matches no asset", f"{field}.select", over.select,
                             "check the names, tags or paths it uses")
            if over.partitions is not None and over.partitions not in partitions:
                self._unknown_partitions(over.partitions, f"{field}.partitions", partitions)
                continue
            for key in keys:
                asset = assets[key]
                changes: dict[str, object] = {}
                for name in ("partitions", "group", "owners", "tags", "iceberg_table"):
                    value = getattr(over, name)
                    if value is not None:
                        changes[name] = value
                if over.retry is not None:
                    changes["retry"] = _retry(over.retry)
                if over.deps:
                    extra = self._deps(over.deps, f"{field}.deps", assets, key)
                    replaced = {e.key for e in extra}
                    kept = [d for d in asset.deps if d.key not in replaced]
                    changes["deps"] = tuple(sorted(kept + extra, key=lambda d: d.key))
                assets[key] = asset.model_copy(update=changes)
        for i, py in enumerate(self.spec.python_assets):
            if py.key in assets and assets[py.key].kind == "python":
                deps = self._deps(py.deps, f"orchestration.pythonAssets[{i}].deps", assets, py.key)
                assets[py.key] = assets[py.key].model_copy(update={"deps": tuple(sorted(deps, key=lambda d: d.key))})
            if py.partitions is not None and py.partitions not in partitions:
                self._unknown_partitions(py.partitions, f"orchestration.pythonAssets[{i}].partitions", partitions)

    def _unknown_partitions(self, name: str, field: str, partitions: dict[str, Partitions]) -> None:
        self.problem(f"unknown partitions {name!r}", field, name,
                     f"declare it under orchestration.partitions (declared: {', '.join(partitions) or 'none'})")

    def _deps(self, deps: Sequence[SpecDep], field: str, assets: dict[str, Asset], owner: str) -> list[AssetDep]:
        result = []
        for j, dep in enumerate(deps):
            key = self.find_key(dep.asset, assets)
            if key is not None:
                result.append(AssetDep(key=key, origin="explicit", partition_mapping=_mapping(dep.mapping)))
            elif ASSET_KEY_RE.match(dep.asset):
                # Left dangling on purpose: the graph check reports it together with any cycle.
                result.append(AssetDep(key=dep.asset, origin="explicit"))
            else:
                self.problem(f"{owner!r} depends on unknown asset {dep.asset!r}", f"{field}[{j}].asset",
                             dep.asset, "name a dbt model, source, python or external asset")
        return result

    def check_partition_mappings(self, assets: dict[str, Asset], partitions: dict[str, Partitions]) -> None:
        for asset in assets.values():
            down = partitions.get(asset.partitions or "")
            for dep in asset.deps:
                if down is None and dep.partition_mapping is None:
                    continue  # `_mapping_problem` finds none without downstream partitions or a mapping
                up_asset = assets.get(dep.key)
                up = partitions.get(up_asset.partitions or "") if up_asset else None
                message = _mapping_problem(up, down, dep.partition_mapping)
                if message:
                    self.problem(message, f"orchestration.assets[{asset.key}].deps[{dep.key}]",
                                 f"{dep.key} ({up.name if up else 'unpartitioned'}) -> {asset.key} "
                                 f"({down.name if down else 'unpartitioned'})",
                                 "add a `mapping` to the dependency in orchestration.assets[].deps that fits "
                                 "both partition sets (timeWindow, static, multiToSingle or all), or give both "
                                 "assets the same partitions")

    # -- jobs, schedules, sensors, backfills --------------------------------------------------------------

    def jobs(self, graph: AssetGraph, assets: dict[str, Asset]) -> list[Job]:
        executable = {k for k, a in assets.items() if a.is_executable}
        specs = self.spec.jobs
        if not specs:
            keys = sorted(executable)
            return [Job(name=DEFAULT_JOB, description="Every model, seed, snapshot and python asset",
                        assets=tuple(keys), selection="*", partitions=self._job_partitions(keys, assets, "jobs"))]
        jobs: list[Job] = []
        for i, js in enumerate(specs):
            field = f"orchestration.jobs[{i}]"
            if any(j.name == js.name for j in jobs):
                self.problem(f"job {js.name!r} is declared twice", f"{field}.name", js.name,
                             "give each job its own name")
                continue
            try:
                keys = [k for k in select(graph, js.select, js.exclude, field=f"{field}.select") if k in executable]
            except FloeError as exc:
                self.problems.extend(Problem(p.message, self.file, p.field, p.found, p.expected, p.fix)
                                     for p in exc.problems)
                continue
            if not keys:
                self.problem("the job selects no runnable asset", f"{field}.select", js.select,
                             "select at least one model, seed, snapshot or python asset")
                continue
            jobs.append(Job(name=js.name, description=js.description, assets=tuple(keys),
                            selection=js.select + (f" --exclude {js.exclude}" if js.exclude else ""),
                            partitions=self._job_partitions(keys, assets, field), tags=js.tags,
                            retry=_retry(js.retry)))
        return jobs

    def _job_partitions(self, keys: Sequence[str], assets: dict[str, Asset], field: str) -> str | None:
        used = sorted({p for k in keys if (p := assets[k].partitions) is not None})
        if len(used) > 1:
            self.problem("a job's assets use different partition sets", field, used,
                         "split the job so each one runs assets of one partition set")
            return None
        return used[0] if used else None

    def schedules(self, jobs: dict[str, Job]) -> list[Schedule]:
        result = []
        for i, s in enumerate(self.spec.schedules):
            field = f"orchestration.schedules[{i}]"
            ok = self._known_job(s.job, f"{field}.job", jobs)
            for j, after in enumerate(s.after_jobs):
                ok = self._known_job(after, f"{field}.afterJobs[{j}]", jobs) and ok
            if s.cron is not None:
                try:
                    parse_cron(s.cron)
                except CronSyntaxError as exc:
                    self.problem(f"invalid cron expression: {exc}", f"{field}.cron", s.cron,
                                 "write five fields, e.g. `0 6 * * *` for 06:00 every day", )
                    ok = False
            if not is_valid_timezone(s.timezone):
                self._bad_timezone(s.timezone, f"{field}.timezone")
                ok = False
            if (s.cron is None) == (not s.after_jobs):
                self.problem("a schedule needs exactly one trigger", field, s.cron or list(s.after_jobs),
                             "set `cron` for a time-based schedule, or `afterJobs` to run after other jobs")
                ok = False
            if s.partitioned and ok and jobs[s.job].partitions is None:
                self.problem("a partitioned schedule needs a partitioned job", f"{field}.partitioned", True,
                             f"set partitions on the assets of job {s.job!r}, or drop `partitioned`")
                ok = False
            if s.job in s.after_jobs:
                self.problem("a schedule cannot wait for its own job", f"{field}.afterJobs", s.job,
                             "name another job")
                ok = False
            if ok:
                result.append(Schedule(name=s.name, job=s.job, cron=s.cron, timezone=s.timezone,
                                       enabled=s.enabled, partitioned=s.partitioned,
                                       after_jobs=s.after_jobs, description=s.description))
        self._unique([s.name for s in self.spec.schedules], "orchestration.schedules", "schedule")
        return result

    def _known_job(self, name: str, field: str, jobs: dict[str, Job]) -> bool:
        if name in jobs:
            return True
        self.problem(f"unknown job {name!r}", field, name,
                     f"name one of the jobs declared under orchestration.jobs: {', '.join(sorted(jobs))}")
        return False

    def _unique(self, names: Sequence[str], field: str, what: str) -> None:
        seen: set[str] = set()
        for i, name in enumerate(names):
            if name in seen:
                self.problem(f"{what} {name!r} is declared twice", f"{field}[{i}].name", name,
                             f"give each {what} its own name")
            seen.add(name)

    def sensors(self, jobs: dict[str, Job], assets: dict[str, Asset]) -> list[Sensor]:
        result: list[Sensor] = []
        for i, s in enumerate(self.spec.sensors):
            field = f"orchestration.sensors[{i}]"
            if not self._known_job(s.job, f"{field}.job", jobs):
                continue
            built = self._sensor(s, field, jobs, assets)
            if built is not None:
                result.append(built)
        self._unique([s.name for s in self.spec.sensors], "orchestration.sensors", "sensor")
        return result

    def _sensor(self, s: SpecSensor, field: str, jobs: dict[str, Job], assets: dict[str, Asset]) -> Sensor | None:
        common = dict(name=s.name, job=s.job, interval_seconds=s.interval_seconds, enabled=s.enabled,
                      description=s.description)
        try:
            if isinstance(s, SpecFileSensor):
                return FileSensor(**common, path=s.path, pattern=s.pattern)  # type: ignore[arg-type]
            if isinstance(s, SpecAssetSensor):
                keys = []
                for j, name in enumerate(s.assets):
                    key = self.find_key(name, assets)
                    if key is None:
                        self.problem(f"sensor watches unknown asset {name!r}", f"{field}.assets[{j}]", name,
                                     "name an asset key or dbt model")
                        return None
                    keys.append(key)
                return AssetSensor(**common, assets=tuple(keys))  # type: ignore[arg-type]
            if isinstance(s, SpecRunStatusSensor):
                if not self._known_job(s.watched_job, f"{field}.watchedJob", jobs):
                    return None
                return RunStatusSensor(**common, watched_job=s.watched_job, status=s.status)  # type: ignore[arg-type]
            if isinstance(s, SpecSqlSensor):
                return SqlSensor(**common, sql=s.sql, connection=s.connection)  # type: ignore[arg-type]
            assert isinstance(s, SpecCustomSensor)
            return CustomSensor(**common, callable=s.callable)  # type: ignore[arg-type]
        except ValidationError as exc:
            for prob in problems_from_validation_error(exc, self.file):
                self.problems.append(Problem(prob.message, self.file, f"{field}.{prob.field}", prob.found,
                                             prob.expected, prob.fix or "see the floe.yaml reference"))
            return None

    def backfills(self, jobs: dict[str, Job]) -> list[BackfillPolicy]:
        result = []
        for i, b in enumerate(self.spec.backfills):
            field = f"orchestration.backfills[{i}]"
            if not self._known_job(b.job, f"{field}.job", jobs):
                continue
            if jobs[b.job].partitions is None:
                self.problem("a backfill policy needs a partitioned job", f"{field}.job", b.job,
                             "partition the job's assets, or remove the backfill policy")
                continue
            policy = SingleRunBackfill() if b.policy == "singleRun" else MultiRunBackfill(
                max_partitions_per_run=b.max_partitions_per_run)
            result.append(BackfillPolicy(job=b.job, policy=policy, reprocess=b.reprocess))
        self._unique([b.job for b in self.spec.backfills], "orchestration.backfills", "backfill policy for job")
        return result


def _retry(spec: SpecRetry | None) -> RetryPolicy | None:
    if spec is None:
        return None
    return RetryPolicy(max_retries=spec.max_retries, delay_seconds=spec.delay_seconds, backoff=spec.backoff)


def _mapping(spec: SpecMapping | None) -> PartitionMapping | None:
    if spec is None:
        return None
    if spec.kind == "identity":
        return IdentityMapping()
    if spec.kind == "timeWindow":
        return TimeWindowMapping(start_offset=spec.start_offset, end_offset=spec.end_offset)
    if spec.kind == "all":
        return AllPartitionsMapping()
    if spec.kind == "static":
        return StaticMapping(mapping=spec.mapping or {})
    return MultiToSingleMapping(dimension=spec.dimension or "")


def _mapping_problem(up: Partitions | None, down: Partitions | None, mapping: PartitionMapping | None) -> str | None:
    """Why `mapping` cannot connect upstream partitions `up` to downstream `down` (None when it can)."""
    if up is None or down is None:
        if isinstance(mapping, (TimeWindowMapping, StaticMapping, MultiToSingleMapping)):
            return f"a {mapping.kind} partition mapping needs both assets partitioned"
        return None
    if mapping is None or isinstance(mapping, IdentityMapping):
        if up == down or (up.model_dump(exclude={"name"}) == down.model_dump(exclude={"name"})):
            return None
        return ("the assets use different partition sets and the dependency has no mapping"
                if mapping is None else "an identity mapping needs both assets on the same partition set")
    if isinstance(mapping, AllPartitionsMapping):
        return None
    if isinstance(mapping, TimeWindowMapping):
        if isinstance(up, TimeWindowPartitions) and isinstance(down, TimeWindowPartitions):
            return None
        return "a timeWindow mapping needs time-window partitions on both assets"
    if isinstance(mapping, StaticMapping):
        if not (isinstance(up, StaticPartitions) and isinstance(down, StaticPartitions)):
            return "a static mapping needs static partitions on both assets"
        unknown = sorted(set(mapping.mapping) - set(up.keys)) + sorted(
            {k for ks in mapping.mapping.values() for k in ks} - set(down.keys))
        return f"the static mapping names keys the partition sets lack: {unknown}" if unknown else None
    multi, single = (up, down) if isinstance(up, MultiPartitions) else (down, up)
    if not isinstance(multi, MultiPartitions) or isinstance(single, MultiPartitions):
        return "a multiToSingle mapping needs one multi-partitioned and one single-dimension asset"
    dims = {d.name: d.partitions for d in multi.dimensions}
    inner = dims.get(mapping.dimension)
    if inner is None:
        return f"the multi partitions have no dimension {mapping.dimension!r} (they have {sorted(dims)})"
    if inner.model_dump(exclude={"name"}) != single.model_dump(exclude={"name"}):
        return f"dimension {mapping.dimension!r} and the other asset's partitions differ"
    return None

