#!/usr/bin/env bash
# Re-resolve constraints/<env>.txt from constraints/in/<env>.in with `uv pip compile`.
#   constraints/regenerate.sh [ENV ...]    (default: every env in matrix.sh)
# Deterministic: the resolver sees the registry as of RESOLVE_DATE in matrix.sh. Then run verify.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=matrix.sh
source "$here/matrix.sh"
export UV_PYTHON_DOWNLOADS=never
cd "$here/in"   # so the `-r common.in` lines and the file headers stay relative

envs=("$@"); [[ ${#envs[@]} -eq 0 ]] && envs=("${ENVS[@]}")
for env in "${envs[@]}"; do
  py="${ENV_PYTHON[$env]:?unknown env $env}"
  ovr=(); [[ -f "$env.override" ]] && ovr=(--override "$env.override")
  uv pip compile "$env.in" "${ovr[@]}" \
    --python-version "$py" --python-platform x86_64-manylinux_2_28 \
    --exclude-newer "$RESOLVE_DATE" \
    --upgrade --no-build --annotation-style line --quiet \
    --custom-compile-command "constraints/regenerate.sh $env" \
    -o "../$env.txt"
  echo "$env (py$py): $(grep -cE '^[a-z0-9]' "../$env.txt") pins"
done
