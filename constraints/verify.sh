#!/usr/bin/env bash
# Install each env from its constraints file into a throwaway venv and prove it runs.
#   constraints/verify.sh [ENV ...]        (default: every env in matrix.sh)
# Venvs and scratch data go under $VERIFY_ROOT (default /tmp/floe-constraints-verify); logs to $VERIFY_ROOT/<env>.log.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=matrix.sh
source "$here/matrix.sh"
export UV_PYTHON_DOWNLOADS=never
root="${VERIFY_ROOT:-/tmp/floe-constraints-verify}"
mkdir -p "$root"

pyexe() {  # absolute interpreter for a Python minor: pyenv's, else whatever uv finds
  local want="$1" p
  for p in "$(pyenv root 2>/dev/null || echo /root/.pyenv)"/versions/"$want".*/bin/python; do
    [[ -x "$p" ]] && { echo "$p"; return; }
  done
  echo "python$want"
}

verify_one() {
  local env="$1" py="${ENV_PYTHON[$1]}"
  local venv="$root/$env" work="$root/$env-work"
  rm -rf "$venv" "$work"; mkdir -p "$work"
  local ovr=(); [[ -f "$here/in/$env.override" ]] && ovr=(--override "$here/in/$env.override")
  uv venv -q -p "$(pyexe "$py")" "$venv"
  local t0=$SECONDS
  uv pip install -q -p "$venv/bin/python" -c "$here/$env.txt" "${ovr[@]}" -r "$here/in/$env.in"
  echo "install_seconds=$((SECONDS - t0))"
  # A constraints file must pin everything the env needs: installing must not pull anything unpinned.
  uv pip freeze -p "$venv/bin/python" | sed 's/==.*//' | tr 'A-Z_.' 'a-z--' | sort >"$work/installed"
  grep -E '^[A-Za-z0-9]' "$here/$env.txt" | sed 's/==.*//' | tr 'A-Z_.' 'a-z--' | sort >"$work/pinned"
  if comm -23 "$work/installed" "$work/pinned" | grep .; then echo "FAIL: installed but not pinned (above)"; return 1; fi
  local bin="$venv/bin"
  "$bin/python" -c "import sys; print(sys.version.split()[0])"
  "$bin/python" -c "import dbt.cli.main; dbt.cli.main.dbtRunner; import dbt.version; print('dbt-core', dbt.version.__version__)"
  local noice=(); grep -qE "^[^#]*(iceberg-sql\.in|sql-sqlite)" "$here/in/$env.in" || noice=(--no-iceberg)
  "$bin/python" "$here/smoke/common_smoke.py" "$work" "${noice[@]}"
  if [[ "$env" == dagster* || "$env" == latest ]]; then
    DAGSTER_HOME="$work/dagster_home" && mkdir -p "$DAGSTER_HOME" && export DAGSTER_HOME
    "$bin/dagster" definitions validate -f "$here/smoke/dagster_defs.py"
    PATH="$bin:$PATH" "$bin/python" "$here/smoke/dagster_smoke.py" "$work"
  fi
  if [[ "$env" == airflow* || "$env" == latest ]]; then
    export AIRFLOW_HOME="$work/airflow_home" AIRFLOW__CORE__LOAD_EXAMPLES=False
    export AIRFLOW__CORE__DAGS_FOLDER="$work/dags"
    mkdir -p "$AIRFLOW_HOME"; cp -r "$here/smoke/dags" "$work/dags"
    "$bin/airflow" db migrate >"$work/migrate.log" 2>&1 || { tail -30 "$work/migrate.log"; return 1; }
    "$bin/airflow" dags reserialize >"$work/reserialize.log" 2>&1 || { tail -30 "$work/reserialize.log"; return 1; }
    "$bin/python" "$here/smoke/airflow_smoke.py"
  fi
  echo "VERIFIED $env"
}

envs=("$@"); [[ ${#envs[@]} -eq 0 ]] && envs=("${ENVS[@]}")
rc=0
for env in "${envs[@]}"; do
  # A subshell keeps each env's exports apart; `set -e` is ignored inside an `if` condition, so test $? after.
  set +e; (set -e; verify_one "$env") >"$root/$env.log" 2>&1; st=$?; set -e
  if [[ $st -eq 0 ]]; then
    echo "ok    $env  $(grep -m1 install_seconds "$root/$env.log")"
  else
    echo "FAIL  $env  (see $root/$env.log)"; rc=1
  fi
done
exit $rc
