"""dbt-style selectors over assets: `tag:x`, `group:x`, `path:models/marts`, `+name`, `name+2`, `@name`.

Space separates a union, a comma an intersection, exactly as in dbt. Resolved at compile time so every
engine runs the same explicit list of asset keys.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable

from floe_core.artifacts import Asset
from floe_core.errors import Problem, SelectorError
from floe_core.graph import AssetGraph

_TERM = re.compile(r"^(?P<at>@)?(?:(?P<up>\d*)\+)?(?P<body>[^+@]+?)(?:\+(?P<down>\d*))?$")
METHODS = ("tag", "group", "path", "package", "resource_type", "source", "key", "name", "kind")
_GLOB_CHARS = frozenset("*?[")
_RESOURCE = {"model": "dbt_model", "seed": "dbt_seed", "snapshot": "dbt_snapshot", "source": "source",
             "python": "python", "external": "external"}


def select(graph: AssetGraph, selector: str, exclude: str = "", field: str = "select") -> list[str]:
    """Keys matched by `selector` minus those matched by `exclude`, in sorted order."""
    chosen = _union(graph, selector, field)
    if exclude.strip():
        chosen -= _union(graph, exclude, field.rsplit(".", 1)[0] + ".exclude" if "." in field else "exclude")
    return sorted(chosen)


def _union(graph: AssetGraph, text: str, field: str) -> set[str]:
    if not text.strip():
        raise SelectorError(Problem("empty selector", field=field, found=text,
                                    fix="write a selector such as `tag:nightly` or `+orders`"))
    result: set[str] = set()
    for group in text.split():
        parts = [p for p in group.split(",") if p]
        matched = _term(graph, parts[0], field)
        for part in parts[1:]:
            matched &= _term(graph, part, field)
        result |= matched
    return result


def _term(graph: AssetGraph, term: str, field: str) -> set[str]:
    match = _TERM.match(term)
    if match is None:
        raise SelectorError(Problem("malformed selector term", field=field, found=term,
                                    fix="use [@][N+]method:value[+N], e.g. `+orders`, `tag:daily+1`"))
    base: set[str] = set()
    if graph.assets:  # an unknown method is reported only when there is an asset to test, as it always was
        matches = _matcher(match["body"], field)
        base = {a.key for a in graph.assets.values() if matches(a)}
    result = set(base)
    # Each closure is one search from all base keys at once, not one search per key.
    if match["at"]:
        result |= graph.with_upstream(graph.with_downstream(base))
    if match["up"] is not None:
        result |= graph.with_upstream(base, int(match["up"]) if match["up"] else None)
    if match["down"] is not None:
        result |= graph.with_downstream(base, int(match["down"]) if match["down"] else None)
    return result


def _matcher(body: str, field: str) -> Callable[[Asset], bool]:
    """A test of one asset against `method:value`, its glob compiled once for all assets."""
    method, _, value = body.partition(":") if ":" in body else ("name", "", body)
    if method not in METHODS:
        raise SelectorError(Problem(f"unknown selector method {method!r}", field=field, found=body,
                                    expected=", ".join(METHODS), fix="use one of the supported methods"))
    glob = re.compile(fnmatch.translate(value)).match
    if method == "tag":
        if not _GLOB_CHARS.intersection(value):
            return lambda asset: value in asset.tags  # what the glob matches, found without matching each tag
        return lambda asset: any(glob(t) for t in asset.tags)
    if method == "group":
        return lambda asset: glob(asset.group) is not None
    if method == "kind":
        return lambda asset: asset.kind == value
    if method == "resource_type":
        kind = _RESOURCE.get(value, value)
        return lambda asset: asset.kind == kind
    if method == "package":
        return lambda asset: asset.dbt is not None and glob(asset.dbt.package) is not None
    if method == "path":
        prefix = value.rstrip("/")

        def in_path(asset: Asset) -> bool:
            if asset.dbt is None:
                return False
            path = asset.dbt.path
            return glob(path) is not None or path == prefix or path.startswith(prefix + "/")

        return in_path
    if method == "source":
        return lambda asset: asset.kind == "source" and (
            glob(asset.key.replace("/", ".")) is not None or glob(asset.key.split("/")[0]) is not None
        )

    # name / key: the asset key, or the dbt node's own name
    def named(asset: Asset) -> bool:
        if glob(asset.key) is not None:
            return True
        return asset.dbt is not None and asset.dbt.name != asset.key and glob(asset.dbt.name) is not None

    return named
