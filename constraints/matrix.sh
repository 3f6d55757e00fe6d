# Sourced by regenerate.sh and verify.sh: the one place that says which Python each env resolves for.
# shellcheck shell=bash

# Packages uploaded after this instant are invisible to the resolver, so re-running regenerate.sh gives
# the same files. Move it forward (and re-verify) to pick up new releases.
RESOLVE_DATE="2026-11-28T00:00:00Z"

# env -> Python minor. Across each engine the matrix covers its oldest and newest supported Python.
declare -A ENV_PYTHON=(
  [dagster19]=3.10 [dagster110]=3.11 [dagster111]=3.12 [dagster112]=3.12 [dagster113]=3.13
  [airflow30]=3.10 [airflow31]=3.11 [airflow32]=3.12 [airflow33]=3.13
  [latest]=3.13 [postgres]=3.12
)
ENVS=(dagster19 dagster110 dagster111 dagster112 dagster113 airflow30 airflow31 airflow32 airflow33 latest postgres)
