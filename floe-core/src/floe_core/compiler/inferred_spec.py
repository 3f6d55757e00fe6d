"""A dbt project without floe.yaml: the smallest spec (its name, one job of everything), and `floe init`'s file."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from floe_core.artifacts.base import NAME_PATTERN
from floe_core.errors import Problem, SpecError
from floe_core.spec import SPEC_API_VERSION, FloeSpec

DBT_PROJECT_FILE = "dbt_project.yml"


def dbt_project_name(project_dir: Path) -> str:
    """The `name` of dbt_project.yml, checked to be a valid floe product name."""
    source = project_dir / DBT_PROJECT_FILE
    try:
        config = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SpecError(Problem(f"cannot read dbt_project.yml ({exc})", file=str(source),
                                fix="fix the file until `dbt parse` accepts it")) from None
    name = config.get("name") if isinstance(config, dict) else None
    if not isinstance(name, str) or not re.match(NAME_PATTERN, name):
        raise SpecError(Problem("the dbt project's name cannot name a floe product", file=str(source),
                                field="name", found=repr(name), expected=NAME_PATTERN,
                                fix="write a floe.yaml with `metadata: {name: <product>}` (`floe init` starts "
                                "one)"))
    return name


def infer_spec(project_dir: Path) -> FloeSpec:
    """What an empty floe.yaml means: the product is named after the dbt project and runs everything."""
    return FloeSpec.model_validate({"metadata": {"name": dbt_project_name(project_dir)}})


def starter_spec_text(name: str) -> str:
    """floe.yaml for `floe init`: valid as written, with every commented block an example to switch on."""
    return _STARTER.format(api_version=SPEC_API_VERSION, name=name)


_STARTER = """\
# How this dbt project runs as a data product on Dagster or Airflow (floe.yaml).
# As written, every model, seed and snapshot runs in one job, `all_assets`.
# Uncomment a block to use it; `floe validate` checks the file, `floe compile` builds the artifacts.
apiVersion: {api_version}
kind: FloeSpec
metadata:
  name: {name}
  # description: What this product is for.
  # owners: [data-team@example.com]

# transforms:
#   dbt:
#     target: prod               # the dbt target to run; unset: the profile's default, chosen at run time

# orchestration:
#   partitions:
#     - name: daily
#       kind: timeWindow
#       cadence: daily
#       start: 2024-01-01
#       timezone: UTC
#   assets:
#     - select: "tag:daily"      # dbt selector syntax: these models run one day at a time
#       partitions: daily
#   jobs:
#     - name: nightly
#       select: "*"
#       exclude: "tag:daily"
#     - name: daily
#       select: "tag:daily"
#   schedules:
#     - name: nightly_build
#       job: nightly
#       cron: "30 2 * * *"
#       timezone: UTC
#     - name: daily_build
#       job: daily
#       cron: "0 3 * * *"
#       timezone: UTC
#       partitioned: true      # runs the day that just ended
#   sensors:
#     - name: new_files
#       kind: file
#       job: nightly
#       path: incoming           # relative to the dbt project
#       pattern: "*.csv"
#   backfills:
#     - job: daily
#       policy: multiRun
#       maxPartitionsPerRun: 7
#       reprocess: missing
"""
