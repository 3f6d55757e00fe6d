"""dbt-style selectors over assets: `tag:x`, `group:x`, `path:models/marts`, `+name`, `name+2`, `@name`.

Space separates a union, a comma an intersection, exactly as in dbt. Resolved at compile time so every
engine runs the same explicit list of asset keys.
"""

from __future__ import annotations

import fnmatch
import re

from floe_core.artifacts import Asset
from floe_core.errors import Problem, SelectorError
from floe_core.graph import AssetGraph

_TERM = re.compile(r"^(?P<at>@)?(?:(?P<up>\d*)\+)?(?P<body>[^+@]+?)(?:\+(?P<down>\d*))?$")
METHODS = ("tag", "group", "path", "package", "resource_type", "source", "key", "name", "kind")
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
    base = {a.key for a in graph.assets.values() if _matches(a, match["body"], field)}
    result = set(base)
    for key in base:
        if match["at"]:
            for down in graph.downstream(key) | {key}:
                result |= {down} | graph.upstream(down)
        if match["up"] is not None:
            result |= graph.upstream(key, int(match["up"]) if match["up"] else None)
        if match["down"] is not None:
            result |= graph.downstream(key, int(match["down"]) if match["down"] else None)
    return result


def _matches(asset: Asset, body: str, field: str) -> bool:
    method, _, value = body.partition(":") if ":" in body else ("name", "", body)
    if method not in METHODS:
        raise SelectorError(Problem(f"unknown selector method {method!r}", field=field, found=body,
                                    expected=", ".join(METHODS), fix="use one of the supported methods"))
    if method == "tag":
        return any(fnmatch.fnmatchcase(t, value) for t in asset.tags)
    if method == "group":
        return fnmatch.fnmatchcase(asset.group, value)
    if method == "kind":
        return asset.kind == value
    if method == "resource_type":
        return asset.kind == _RESOURCE.get(value, value)
    if method == "package":
        return asset.dbt is not None and fnmatch.fnmatchcase(asset.dbt.package, value)
    if method == "path":
        if asset.dbt is None:
            return False
        path = asset.dbt.path
        prefix = value.rstrip("/")
        return fnmatch.fnmatchcase(path, value) or path == prefix or path.startswith(prefix + "/")
    if method == "source":
        if asset.kind != "source":
            return False
        return fnmatch.fnmatchcase(asset.key.replace("/", "."), value) or fnmatch.fnmatchcase(
            asset.key.split("/")[0], value
        )
    # name / key: the asset key, or the dbt node's own name
    names = {asset.key}
    if asset.dbt is not None:
        names.add(asset.dbt.name)
    return any(fnmatch.fnmatchcase(n, value) for n in names)
